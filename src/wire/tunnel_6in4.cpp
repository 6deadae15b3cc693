// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/wire/tunnel_6in4.hpp"

#include "ecmh/wire/constants.hpp"

namespace ecmh::wire {

bool is_6to4_relay_anycast(net::Ipv4Address address) {
    return (address.value() & 0xffffff00U) == 0xc0586300U; // 192.88.99.0/24
}

net::Expected<Ipv6Packet, ParseError> parse_6in4(const Ipv4Packet& outer) {
    if (outer.protocol != kProtoIpv6) {
        return net::unexpected(ParseError::NotTunnel);
    }
    // ecmh does not reassemble; a whole inner packet is needed to judge it.
    if (outer.is_fragment()) {
        return net::unexpected(ParseError::Fragmented);
    }
    // 6to4 traffic (a relay's anycast address on either side) is not a configured tunnel.
    if (is_6to4_relay_anycast(outer.source) || is_6to4_relay_anycast(outer.destination)) {
        return net::unexpected(ParseError::SixToFourAnycast);
    }
    // parse_ipv6 refuses an inner packet longer than the outer payload (Truncated) and
    // one too short for its own header.
    auto inner = parse_ipv6(outer.payload);
    if (!inner) {
        return inner;
    }
    // A tunnel inside the tunnel is a loop or an attack, never multicast we forward.
    if (inner->next_header == kProtoIpv6 || inner->next_header == kProtoIpv4) {
        return net::unexpected(ParseError::NestedTunnel);
    }
    return inner;
}

std::size_t write_6in4_header(net::ByteWriter& out, const TunnelHeaderSpec& spec,
                              std::size_t inner_length) {
    Ipv4HeaderSpec ip;
    ip.source = spec.local;
    ip.destination = spec.remote;
    ip.ttl = spec.ttl;
    ip.protocol = kProtoIpv6;
    return write_ipv4_header(out, ip, inner_length);
}

} // namespace ecmh::wire
