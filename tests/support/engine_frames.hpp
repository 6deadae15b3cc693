// SPDX-License-Identifier: BSD-3-Clause
// Links and frames for engine tests that drive a Proxy directly (the scenario harness
// has its own, richer topology).
#pragma once

#include "ecmh/engine/link.hpp"
#include "ecmh/net/mac_address.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace ecmh::test {

// Literal addresses, or abort (a test's own typo).
[[nodiscard]] net::Ipv6Address ipv6(const char* text);
[[nodiscard]] net::Ipv4Address ipv4(const char* text);

// The MAC the tests' hosts and routers send from unless they say otherwise.
inline constexpr net::MacAddress kHostMac{{0x02, 0, 0, 0, 1, 1}};

// An Ethernet link with our MAC 02:00:00:00:00:<mac>, a link-local address and an IPv4
// address on a /24.
[[nodiscard]] engine::LinkConfig ethernet_link(const char* name, std::uint8_t mac,
                                               const char* link_local, const char* ipv4,
                                               bool upstream, std::uint32_t ifindex = 0);

// `ip` behind an Ethernet header to the IP destination's multicast MAC, optionally
// 802.1Q-tagged.
[[nodiscard]] std::vector<std::uint8_t>
ethernet_frame(std::span<const std::uint8_t> ip, const net::MacAddress& source = kHostMac,
               std::optional<std::uint16_t> vlan = std::nullopt);

// `inner` (an IPv6 packet) in a 6in4 packet (IPv4 protocol 41, TTL 64) from `from` to
// `to`, in an Ethernet frame: what a tunnel peer's packet looks like on ecmh's link.
[[nodiscard]] std::vector<std::uint8_t> tunnelled_frame(std::span<const std::uint8_t> inner,
                                                        net::Ipv4Address from, net::Ipv4Address to);

} // namespace ecmh::test
