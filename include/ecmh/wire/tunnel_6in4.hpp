// SPDX-License-Identifier: BSD-3-Clause
// 6in4 (RFC 4213 §3): the IPv6 packet inside an IPv4 protocol-41 packet, for tunnel
// mode, where ecmh decapsulates and encapsulates itself instead of attaching to every
// tunnel interface.
//
// Decapsulation (§3.6) is a validity gate in front of the IPv6 one: the outer header
// was checked by parse_ipv4 (version, IHL, Total Length, checksum, options), and here:
//   - protocol 41, or it is no tunnel packet;
//   - not a fragment: ecmh does not reassemble (a tunnel whose MTU fits its link never
//     fragments; §3.2 lets an encapsulator avoid it);
//   - neither address in 192.88.99.0/24: 6to4 relays, not a configured tunnel;
//   - the inner packet wholly inside the outer payload, and itself valid (parse_ipv6):
//     its length comes from its own Payload Length ("MUST be determined from the IPv6
//     payload length"), so anything after it is ignored;
//   - no tunnel inside the tunnel.
// Whether the outer source is a configured tunnel endpoint and the destination one of
// ours ("MUST be discarded" otherwise) is the caller's check: it knows the tunnels.
#pragma once

#include "ecmh/net/byte_writer.hpp"
#include "ecmh/net/expected.hpp"
#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/wire/ipv4.hpp"
#include "ecmh/wire/ipv6.hpp"
#include "ecmh/wire/parse_error.hpp"

#include <cstddef>
#include <cstdint>

namespace ecmh::wire {

// Outer protocol ≠ 41 → NotTunnel; an outer fragment → Fragmented; a 6to4 relay
// anycast address → SixToFourAnycast; the inner packet is parsed with parse_ipv6 (its
// errors are returned); an inner packet that is itself a tunnel (Next Header 41 or 4)
// → NestedTunnel.
[[nodiscard]] net::Expected<Ipv6Packet, ParseError> parse_6in4(const Ipv4Packet& outer);

// 192.88.99.0/24 (RFC 3068).
[[nodiscard]] bool is_6to4_relay_anycast(net::Ipv4Address address);

// The outer header ecmh puts in front of an IPv6 packet toward a tunnel peer.
struct TunnelHeaderSpec {
    // Our end; 0.0.0.0 lets the kernel fill in the source of its route to the peer
    // (raw(7), IP_HDRINCL: "Source Address: filled in when zero").
    net::Ipv4Address local;
    net::Ipv4Address remote;
    // §3.3: the tunnel's own TTL (the kernel tunnel's, or 64, the default RFC 1700 names).
    std::uint8_t ttl = 64;
};

inline constexpr std::size_t kTunnelHeaderSize = 20; // an IPv4 header without options

// Writes the 20-byte outer IPv4 header for `inner_length` bytes of IPv6: protocol 41,
// DF clear (§3.2.1: a static tunnel MTU lets the IPv4 path fragment), TOS 0, the
// header checksum. Returns 20, or 0 with the writer failed when it does not fit.
std::size_t write_6in4_header(net::ByteWriter& out, const TunnelHeaderSpec& spec,
                              std::size_t inner_length);

} // namespace ecmh::wire
