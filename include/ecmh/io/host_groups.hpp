// SPDX-License-Identifier: BSD-3-Clause
// The multicast groups this host's own sockets (and the kernel itself) have joined, per
// interface, as the kernel lists them in /proc/net/igmp6 and /proc/net/igmp. The XDP
// fast path must leave a flow to the kernel where the host listens on its arrival
// interface (engine::HostGroup); the parsers are pure, read_host_groups() reads the files.
#pragma once

#include "ecmh/io/sys_error.hpp"
#include "ecmh/net/if_index.hpp"
#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/net/ipv6_address.hpp"

#include <bit>
#include <string_view>
#include <utility>
#include <vector>

namespace ecmh::io {

struct HostGroups {
    std::vector<std::pair<net::IfIndex, net::Ipv6Address>> ipv6;
    std::vector<std::pair<net::IfIndex, net::Ipv4Address>> ipv4;
};

// /proc/net/igmp6: a line per membership, "ifindex name group(32 hex digits) users flags
// timer". A line that does not read so is skipped.
[[nodiscard]] std::vector<std::pair<net::IfIndex, net::Ipv6Address>>
parse_proc_igmp6(std::string_view text);

// /proc/net/igmp: a header line, then per interface a line "ifindex\tname : count querier"
// followed by a tab-indented line per group, "group users timer reporter". The kernel
// prints the group (a network-order word) as the number it is in memory, so how to read
// it back depends on the byte order of the host that wrote it: `writer`.
[[nodiscard]] std::vector<std::pair<net::IfIndex, net::Ipv4Address>>
parse_proc_igmp(std::string_view text, std::endian writer = std::endian::native);

// Both files of this network namespace. A file that does not exist (IPv6 disabled, no
// IPv4 multicast) has no groups; any other failure to read is an error.
[[nodiscard]] SysResult<HostGroups> read_host_groups();

} // namespace ecmh::io
