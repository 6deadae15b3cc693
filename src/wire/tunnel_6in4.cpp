// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/wire/tunnel_6in4.hpp"

#include "ecmh/wire/constants.hpp"

namespace ecmh::wire {

net::Expected<Ipv6Packet, ParseError> parse_6in4(const Ipv4Packet& outer) {
    if (outer.protocol != kProtoIpv6) {
        return net::unexpected(ParseError::NotTunnel);
    }
    if (outer.is_fragment()) {
        return net::unexpected(ParseError::Fragmented);
    }
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

} // namespace ecmh::wire
