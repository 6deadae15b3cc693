// SPDX-License-Identifier: BSD-3-Clause
// Turning the protocol layer's outputs into IP packets with the wire builders, one
// overload per family: queries (source lists split to fit the MTU, RFC 3810 §5.1.10),
// reports (records packed into MTU-sized messages, §5.2.15), old-version reports and
// leaves. Each writes whole IP packets into the caller's buffer and hands each one to
// `emit(length)`; none allocates per packet beyond the record list it is given.
#pragma once

#include "ecmh/net/expected.hpp"
#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/net/ipv6_address.hpp"
#include "ecmh/proto/host_actions.hpp"
#include "ecmh/proto/router_link.hpp"
#include "ecmh/wire/build_error.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

namespace ecmh::engine {

using Emit = std::function<void(std::size_t length)>;
// How many packets a builder emitted, or why it could not build one. A failure is a
// bug or an impossible configuration (an MTU too small for one record), never input.
using Built = net::Expected<std::size_t, wire::BuildError>;

// How many sources one query may carry on a link of this MTU (89 for MLD, 366 for
// IGMP at 1500; rfc-map item 11). The address only picks the family.
[[nodiscard]] std::size_t max_query_sources(const net::Ipv6Address& family, std::uint32_t mtu);
[[nodiscard]] std::size_t max_query_sources(const net::Ipv4Address& family, std::uint32_t mtu);

// One query, or several when its sources do not fit one packet. Packets already
// emitted stay sent when a later one fails.
[[nodiscard]] Built build_queries(std::span<std::uint8_t> out, const net::Ipv6Address& source,
                                  std::uint32_t mtu,
                                  const proto::SendQuery<net::Ipv6Address>& query,
                                  const Emit& emit);
[[nodiscard]] Built build_queries(std::span<std::uint8_t> out, const net::Ipv4Address& source,
                                  std::uint32_t mtu,
                                  const proto::SendQuery<net::Ipv4Address>& query,
                                  const Emit& emit);

[[nodiscard]] Built build_reports(std::span<std::uint8_t> out, const net::Ipv6Address& source,
                                  std::uint32_t mtu,
                                  const proto::HostReport<net::Ipv6Address>& report,
                                  const Emit& emit);
[[nodiscard]] Built build_reports(std::span<std::uint8_t> out, const net::Ipv4Address& source,
                                  std::uint32_t mtu,
                                  const proto::HostReport<net::Ipv4Address>& report,
                                  const Emit& emit);

[[nodiscard]] Built build_old_report(std::span<std::uint8_t> out, const net::Ipv6Address& source,
                                     const proto::HostOldReport<net::Ipv6Address>& report,
                                     const Emit& emit);
[[nodiscard]] Built build_old_report(std::span<std::uint8_t> out, const net::Ipv4Address& source,
                                     const proto::HostOldReport<net::Ipv4Address>& report,
                                     const Emit& emit);

[[nodiscard]] Built build_old_leave(std::span<std::uint8_t> out, const net::Ipv6Address& source,
                                    const proto::HostOldLeave<net::Ipv6Address>& leave,
                                    const Emit& emit);
[[nodiscard]] Built build_old_leave(std::span<std::uint8_t> out, const net::Ipv4Address& source,
                                    const proto::HostOldLeave<net::Ipv4Address>& leave,
                                    const Emit& emit);

} // namespace ecmh::engine
