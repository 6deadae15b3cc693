// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/wire/ipv6_fragment.hpp"

#include "ecmh/net/byte_reader.hpp"
#include "ecmh/net/byte_writer.hpp"

#include <algorithm>

namespace ecmh::wire {
namespace {

constexpr std::size_t kFragmentHeaders = kIpv6HeaderSize + kIpv6FragmentHeaderSize;
constexpr std::size_t kMaxFragmentEnd = 0xffff; // the last octet a 13-bit offset can reach

} // namespace

std::optional<Ipv6FragmentWriter> Ipv6FragmentWriter::plan(const TranslatedCopy& copy,
                                                           std::size_t mtu) {
    const bool has_fragment_header = copy.header_length == kFragmentHeaders;
    if (copy.protocol != NetworkProtocol::Ipv6 ||
        (copy.header_length != kIpv6HeaderSize && !has_fragment_header) || copy.size() <= mtu ||
        copy.dont_fragment) {
        return std::nullopt;
    }
    Ipv6FragmentWriter f;
    std::copy_n(copy.header.begin(), kIpv6HeaderSize, f.header_.begin());
    f.data_ = copy.transport;
    f.identification_ = copy.identification;
    f.next_header_ = copy.header[kIpv6NextHeaderOffset];
    if (has_fragment_header) {
        // Cutting a fragment again: its own Next Header, offset, M and Identification.
        net::ByteReader r{std::span(copy.header).subspan(kIpv6HeaderSize, kIpv6FragmentHeaderSize)};
        f.next_header_ = r.u8();
        r.skip(1);
        const auto word = r.u16();
        f.identification_ = r.u32();
        f.offset_ = static_cast<std::uint16_t>(word >> kIpv6FragmentOffsetShift);
        f.more_ = (word & kIpv6FragmentMore) != 0;
    }
    if (copy.transport_checksum) {
        f.checksum_ = FieldValue{copy.transport_checksum->offset - copy.header_length,
                                 copy.transport_checksum->value};
    }
    f.piece_data_ =
        mtu > kFragmentHeaders ? (mtu - kFragmentHeaders) / kFragmentUnit * kFragmentUnit : 0;
    if (f.piece_data_ == 0 ||
        std::size_t{f.offset_} * kFragmentUnit + f.data_.size() > kMaxFragmentEnd) {
        return std::nullopt;
    }
    f.count_ = (f.data_.size() + f.piece_data_ - 1) / f.piece_data_;
    return f;
}

std::size_t Ipv6FragmentWriter::data_start(std::size_t index) const {
    return index * piece_data_;
}

std::size_t Ipv6FragmentWriter::data_size(std::size_t index) const {
    return std::min(piece_data_, data_.size() - data_start(index));
}

std::size_t Ipv6FragmentWriter::size(std::size_t index) const {
    return index < count_ ? kFragmentHeaders + data_size(index) : 0;
}

std::size_t Ipv6FragmentWriter::write(std::size_t index, std::span<std::uint8_t> out) const {
    const auto n = size(index);
    if (n == 0 || out.size() < n) {
        return 0;
    }
    const auto start = data_start(index);
    const bool more = index + 1 < count_ || more_;
    net::ByteWriter w{out.first(n)};
    w.bytes(header_);
    w.u8(next_header_);
    w.u8(0); // Reserved
    w.u16(
        static_cast<std::uint16_t>(((offset_ + start / kFragmentUnit) << kIpv6FragmentOffsetShift) |
                                   (more ? kIpv6FragmentMore : 0U)));
    w.u32(identification_);
    w.bytes(data_.subspan(start, data_size(index)));
    w.patch_u16(kIpv6PayloadLengthOffset, static_cast<std::uint16_t>(n - kIpv6HeaderSize));
    out[kIpv6NextHeaderOffset] = kProtoFragment;
    if (index == 0 && checksum_) {
        w.patch_u16(kFragmentHeaders + checksum_->offset, checksum_->value);
    }
    return w.ok() ? n : 0;
}

} // namespace ecmh::wire
