// SPDX-License-Identifier: BSD-3-Clause
// ICMPv6 Packet Too Big (RFC 4443 §3.2), the one ICMPv6 error a router may send about a
// packet to a multicast address (§2.4(e.3)): ecmh sends it when a forwarded copy does
// not fit its out-link (a tunnel peer's MTU, a smaller link), so the source can lower its
// path MTU instead of losing every large packet silently.
#pragma once

#include "ecmh/net/expected.hpp"
#include "ecmh/net/ipv6_address.hpp"
#include "ecmh/wire/build_error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace ecmh::wire {

inline constexpr std::uint8_t kIcmpv6PacketTooBig = 2;
// "as much of invoking packet as possible without the ICMPv6 packet exceeding the
// minimum IPv6 MTU" (§3.2): 1280 bytes in all.
inline constexpr std::size_t kIpv6MinimumMtu = 1280;

// Writes a whole IPv6 packet from `source` to `destination` (the invoking packet's
// source), hop limit 64, carrying a Packet Too Big with `mtu` and the start of
// `invoking`, cut so the packet is at most 1280 bytes. Returns its length, or
// BufferTooSmall.
[[nodiscard]] net::Expected<std::size_t, BuildError>
build_packet_too_big(std::span<std::uint8_t> out, const net::Ipv6Address& source,
                     const net::Ipv6Address& destination, std::uint32_t mtu,
                     std::span<const std::uint8_t> invoking);

} // namespace ecmh::wire
