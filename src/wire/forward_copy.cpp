// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/wire/forward_copy.hpp"

#include "copy_fields.hpp"
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/checksum_offload.hpp"
#include "ecmh/wire/constants.hpp"

#include <algorithm>

namespace ecmh::wire {
namespace {

using detail::one_lower;
using detail::read16;
using detail::write16;

std::optional<FieldValue> completion(const std::optional<ChecksumCompletion>& c) {
    if (!c) {
        return std::nullopt;
    }
    return FieldValue{c->offset, c->value};
}

} // namespace

// What both families share: the packet, the group's MAC, the hop field and an
// offloaded transport checksum.
template <class Packet>
ForwardCopy common_copy(const Packet& p, NetworkProtocol protocol, std::size_t hop_offset,
                        std::uint8_t hop) {
    ForwardCopy copy;
    copy.packet = p.packet;
    copy.protocol = protocol;
    copy.group_mac = net::MacAddress::for_multicast(p.destination);
    copy.hop_offset = hop_offset;
    copy.hop = one_lower(hop);
    copy.transport_checksum = completion(offloaded_checksum(p));
    return copy;
}

ForwardCopy prepare_copy(const Ipv6Packet& p) {
    return common_copy(p, NetworkProtocol::Ipv6, kIpv6HopLimitOffset, p.hop_limit);
}

ForwardCopy prepare_copy(const Ipv4Packet& p) {
    auto copy = common_copy(p, NetworkProtocol::Ipv4, kIpv4TtlOffset, p.ttl);
    // The TTL shares its 16-bit word with Protocol; only that word changes in the header.
    const auto before = static_cast<std::uint16_t>((p.ttl << 8) | p.protocol);
    const auto after = static_cast<std::uint16_t>((copy.hop << 8) | p.protocol);
    copy.header_checksum =
        FieldValue{kIpv4ChecksumOffset,
                   net::checksum_adjust(read16(p.packet, kIpv4ChecksumOffset), before, after)};
    return copy;
}

std::size_t ForwardCopy::write(std::span<std::uint8_t> out) const {
    if (out.size() < packet.size()) {
        return 0;
    }
    std::copy(packet.begin(), packet.end(), out.begin());
    out[hop_offset] = hop;
    if (header_checksum) {
        write16(out, *header_checksum);
    }
    if (transport_checksum) {
        write16(out, *transport_checksum);
    }
    return packet.size();
}

} // namespace ecmh::wire
