// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/wire/ipv4_fragment.hpp"

#include "ecmh/net/byte_reader.hpp"
#include "ecmh/net/byte_writer.hpp"
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/constants.hpp"

#include <algorithm>

namespace ecmh::wire {
namespace {

std::size_t round_down_to_unit(std::size_t n) {
    return n - n % kFragmentUnit;
}

// The options a later fragment repeats: those with the copied flag (RFC 791 §3.1). NOP and
// End of Option List have it clear. Returns their length, or nullopt for an option whose
// length does not fit the header (the packet was parsed before, so this is defence only).
std::optional<std::size_t> copied_options(std::span<const std::uint8_t> options,
                                          std::span<std::uint8_t> out) {
    net::ByteReader r{options};
    net::ByteWriter w{out};
    while (r.remaining() > 0) {
        const auto type = r.u8();
        if (type == kIpv4OptionEnd) {
            break;
        }
        if (type == kIpv4OptionNop) {
            continue;
        }
        const std::size_t length = r.u8();
        const auto body = r.bytes(length >= 2 ? length - 2 : 0);
        if (!r.ok() || length < 2) {
            return std::nullopt;
        }
        if ((type & kIpv4OptionCopied) != 0) {
            w.u8(type);
            w.u8(static_cast<std::uint8_t>(length));
            w.bytes(body);
        }
    }
    return w.ok() ? std::optional{w.size()} : std::nullopt;
}

} // namespace

std::optional<Ipv4Fragmenter> Ipv4Fragmenter::plan(std::span<const std::uint8_t> packet,
                                                   std::size_t mtu) {
    net::ByteReader r{packet};
    const auto version_ihl = r.u8();
    r.skip(1);
    const std::size_t total_length = r.u16();
    r.skip(2);
    const auto flags_offset = r.u16();
    Ipv4Fragmenter f;
    f.header_ = std::size_t{version_ihl & 0x0fU} * 4;
    // A header the packet does not hold, or a length that is not the packet's.
    if (!r.ok() || f.header_ < kIpv4MinHeaderSize || f.header_ > packet.size() ||
        total_length != packet.size()) {
        return std::nullopt;
    }
    // Don't Fragment: the copy is dropped instead (the caller counts it).
    if ((flags_offset & kIpv4FlagDontFragment) != 0 || packet.size() <= mtu) {
        return std::nullopt;
    }
    const auto copied = copied_options(
        packet.subspan(kIpv4MinHeaderSize, f.header_ - kIpv4MinHeaderSize), f.later_options_);
    if (!copied) {
        return std::nullopt;
    }
    f.packet_ = packet;
    f.later_header_ = kIpv4MinHeaderSize + (*copied + 3) / 4 * 4;
    f.payload_ = packet.size() - f.header_;
    f.offset_ = static_cast<std::uint16_t>(flags_offset & kIpv4FragmentOffsetMask);
    f.more_ = (flags_offset & kIpv4FlagMoreFragments) != 0;
    // Every fragment but the last carries a multiple of 8 octets, at least 8 of them.
    f.first_data_ = mtu > f.header_ ? round_down_to_unit(mtu - f.header_) : 0;
    f.later_data_ = mtu > f.later_header_ ? round_down_to_unit(mtu - f.later_header_) : 0;
    if (f.first_data_ == 0 || f.later_data_ == 0) {
        return std::nullopt;
    }
    // The last fragment's offset must fit the 13-bit field.
    if (std::size_t{f.offset_} * kFragmentUnit + f.payload_ > 0xffff) {
        return std::nullopt;
    }
    f.count_ = 1 + (f.payload_ - f.first_data_ + f.later_data_ - 1) / f.later_data_;
    return f;
}

std::size_t Ipv4Fragmenter::data_start(std::size_t index) const {
    return index == 0 ? 0 : first_data_ + (index - 1) * later_data_;
}

std::size_t Ipv4Fragmenter::data_size(std::size_t index) const {
    const auto start = data_start(index);
    return std::min(index == 0 ? first_data_ : later_data_, payload_ - start);
}

std::size_t Ipv4Fragmenter::header_size(std::size_t index) const {
    return index == 0 ? header_ : later_header_;
}

std::size_t Ipv4Fragmenter::size(std::size_t index) const {
    return index < count_ ? header_size(index) + data_size(index) : 0;
}

std::size_t Ipv4Fragmenter::write(std::size_t index, std::span<std::uint8_t> out) const {
    const auto n = size(index);
    if (n == 0 || out.size() < n) {
        return 0;
    }
    const auto header = header_size(index);
    const auto start = data_start(index);
    const bool last = index + 1 == count_;
    // The fixed header as it is (TTL already lowered), the options this fragment keeps.
    net::ByteWriter w{out.first(n)};
    if (index == 0) {
        w.bytes(packet_.first(header_));
    } else {
        w.bytes(packet_.first(kIpv4MinHeaderSize));
        w.bytes(std::span(later_options_).first(header - kIpv4MinHeaderSize));
        out[0] = static_cast<std::uint8_t>(0x40U | (header / 4));
    }
    w.bytes(packet_.subspan(header_ + start, data_size(index)));
    const auto offset = static_cast<std::uint16_t>(offset_ + start / kFragmentUnit);
    const bool more = !last || more_;
    w.patch_u16(kIpv4TotalLengthOffset, static_cast<std::uint16_t>(n));
    w.patch_u16(kIpv4FlagsOffset, static_cast<std::uint16_t>(
                                      offset | (more ? kIpv4FlagMoreFragments : std::uint16_t{0})));
    w.patch_u16(kIpv4ChecksumOffset, 0);
    w.patch_u16(kIpv4ChecksumOffset, net::internet_checksum(out.first(header)));
    return w.ok() ? n : 0;
}

} // namespace ecmh::wire
