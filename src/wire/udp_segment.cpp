// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/wire/udp_segment.hpp"

#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/ipv4.hpp"
#include "ecmh/wire/ipv6.hpp"

#include <algorithm>

namespace ecmh::wire {
namespace {

constexpr std::size_t kIpv4TotalLengthField = 2;
constexpr std::size_t kIpv4IdentificationField = 4;
constexpr std::size_t kIpv4ChecksumField = 10;
constexpr std::size_t kIpv4SourceField = 12;
constexpr std::size_t kIpv6PayloadLengthField = 4;
constexpr std::size_t kIpv6SourceField = 8;

std::uint16_t read16(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

void write16(std::span<std::uint8_t> b, std::size_t at, std::size_t value) {
    b[at] = static_cast<std::uint8_t>(value >> 8);
    b[at + 1] = static_cast<std::uint8_t>(value);
}

// The UDP part of a parsed packet: where it starts in the IP packet and how long it is,
// or 0 when the packet is not a whole UDP datagram whose length field is the IP's.
std::size_t udp_length(std::span<const std::uint8_t> udp) {
    if (udp.size() < kUdpHeaderSize || read16(udp, kUdpLengthOffset) != udp.size()) {
        return 0;
    }
    return udp.size();
}

} // namespace

std::optional<UdpSegmenter> UdpSegmenter::plan(LinkType type, std::span<const std::uint8_t> frame,
                                               std::uint16_t segment_size) {
    const auto link = parse_link_frame(type, frame);
    if (!link || segment_size == 0) {
        return std::nullopt;
    }
    UdpSegmenter s;
    s.protocol_ = link->protocol;
    s.ip_offset_ = frame.size() - link->payload.size(); // the payload runs to the frame's end
    std::size_t header = 0;
    std::size_t udp = 0;
    if (link->protocol == NetworkProtocol::Ipv6) {
        const auto p = parse_ipv6(link->payload);
        // A fragment is no datagram to cut; GRO never merges fragments anyway.
        if (!p || p->is_fragment || p->next_header != kProtoUdp) {
            return std::nullopt;
        }
        header = p->header_length;
        udp = udp_length(p->payload);
    } else {
        const auto p = parse_ipv4(link->payload);
        if (!p || p->is_fragment() || p->protocol != kProtoUdp) {
            return std::nullopt;
        }
        header = p->header_length;
        udp = udp_length(p->payload);
    }
    if (udp == 0) {
        return std::nullopt; // not UDP, or a UDP length that disagrees with the IP length
    }
    s.udp_offset_ = s.ip_offset_ + header;
    s.payload_ = udp - kUdpHeaderSize;
    s.segment_ = segment_size;
    // One datagram at least, even an empty one: a frame flagged for offload that holds a
    // single datagram passes through as itself.
    s.count_ = std::max<std::size_t>(1, (s.payload_ + s.segment_ - 1) / s.segment_);
    s.frame_ = frame.first(s.udp_offset_ + udp); // without link padding
    return s;
}

std::size_t UdpSegmenter::payload_size(std::size_t index) const {
    return std::min(segment_, payload_ - index * segment_);
}

std::size_t UdpSegmenter::size(std::size_t index) const {
    return index < count_ ? udp_offset_ + kUdpHeaderSize + payload_size(index) : 0;
}

std::size_t UdpSegmenter::write(std::size_t index, std::span<std::uint8_t> out) const {
    const std::size_t length = size(index);
    if (length == 0 || out.size() < length) {
        return 0;
    }
    const std::size_t payload = payload_size(index);
    const auto headers = frame_.first(udp_offset_ + kUdpHeaderSize);
    std::ranges::copy(headers, out.begin());
    std::ranges::copy(frame_.subspan(headers.size() + index * segment_, payload),
                      out.begin() + static_cast<std::ptrdiff_t>(headers.size()));
    const auto ip = out.subspan(ip_offset_, length - ip_offset_);
    const std::size_t udp_length = kUdpHeaderSize + payload;
    const auto udp = ip.subspan(udp_offset_ - ip_offset_, udp_length);
    write16(udp, kUdpLengthOffset, udp_length);
    if (protocol_ == NetworkProtocol::Ipv4) {
        finish_ipv4(ip, index, length - ip_offset_);
    } else {
        write16(ip, kIpv6PayloadLengthField, length - ip_offset_ - kIpv6HeaderSize);
    }
    // IPv4 UDP sent without a checksum stays so (RFC 768); IPv6 UDP always has one.
    if (protocol_ == NetworkProtocol::Ipv4 && read16(udp, kUdpChecksumOffset) == 0) {
        return length;
    }
    // The pseudo-header (RFC 768, RFC 8200 §8.1) sums the same for both families when
    // the length fits 16 bits: the addresses, the protocol, the UDP length.
    const bool v4 = protocol_ == NetworkProtocol::Ipv4;
    net::ChecksumAccumulator sum;
    sum.add(ip.subspan(v4 ? kIpv4SourceField : kIpv6SourceField, v4 ? 8 : 32));
    sum.add_u16(kProtoUdp);
    sum.add_u16(static_cast<std::uint16_t>(udp_length));
    write16(udp, kUdpChecksumOffset, 0);
    sum.add(udp);
    const std::uint16_t checksum = sum.finish();
    write16(udp, kUdpChecksumOffset, checksum == 0 ? 0xffff : checksum); // RFC 768: 0 is "none"
    return length;
}

void UdpSegmenter::finish_ipv4(std::span<std::uint8_t> ip, std::size_t index,
                               std::size_t length) const {
    const std::size_t header = udp_offset_ - ip_offset_;
    write16(ip, kIpv4TotalLengthField, length);
    // Counted up as the kernel numbers the segments of one GSO packet; GRO merged only
    // datagrams whose identifications ran so (or were all fixed with Don't Fragment, where
    // the field means nothing, RFC 6864).
    write16(ip, kIpv4IdentificationField, (read16(ip, kIpv4IdentificationField) + index) & 0xffff);
    write16(ip, kIpv4ChecksumField, 0);
    write16(ip, kIpv4ChecksumField, net::internet_checksum(ip.first(header)));
}

} // namespace ecmh::wire
