// SPDX-License-Identifier: BSD-3-Clause
// 6in4 (RFC 4213 §3.6): the IPv6 packet inside an IPv4 protocol-41 packet, for tunnel
// mode, where ecmh decapsulates instead of attaching to every tunnel interface.
//
// The inner packet's length comes from its own Payload Length ("MUST be determined from
// the IPv6 payload length"), so anything after it is ignored. Whether the outer source
// is a configured tunnel endpoint ("MUST be discarded" otherwise) is the caller's
// check: it knows the tunnels.
#pragma once

#include "ecmh/net/expected.hpp"
#include "ecmh/wire/ipv4.hpp"
#include "ecmh/wire/ipv6.hpp"
#include "ecmh/wire/parse_error.hpp"

namespace ecmh::wire {

// Outer protocol ≠ 41 → NotTunnel; an outer fragment → Fragmented (ecmh does not
// reassemble); the inner packet is parsed with parse_ipv6 (its errors are returned);
// an inner packet that is itself a tunnel (Next Header 41 or 4) → NestedTunnel.
[[nodiscard]] net::Expected<Ipv6Packet, ParseError> parse_6in4(const Ipv4Packet& outer);

} // namespace ecmh::wire
