// SPDX-License-Identifier: BSD-3-Clause
// Which interfaces ecmh serves, and why not the others — one pure decision, so the
// reasons an operator reads in the log ("eth1: port of br0") are unit-tested.
#pragma once

#include "ecmh/io/interface_table.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ecmh::io {

struct LinkSelectionPolicy {
    std::vector<std::string> upstreams; // -i, and the configuration file's
    std::vector<std::string> only;      // --interface (empty: every interface)
    std::vector<std::string> excluded;  // --exclude
    // -t: 6in4 (sit) interfaces other than the upstream are not links: their peers are
    // served by decapsulation, and serving both would handle every packet twice.
    bool tunnel_mode = false;
    // The configuration file's `role disabled` (app/link_blocks.hpp), asked by name;
    // empty: none.
    std::function<bool(const std::string&)> disabled{};
};

enum class LinkRole : std::uint8_t { Ignored, Downstream, Upstream };

struct LinkSelection {
    LinkRole role = LinkRole::Ignored;
    // Why it is ignored, for the log: "excluded by --exclude", "loopback", "no
    // multicast (IFF_MULTICAST unset)", "down" (not IFF_UP), "no carrier" (up, not
    // IFF_RUNNING), "port of br0" ("port of ifindex 7" when the master is not in the
    // table), "unsupported link type 32", "not listed by --interface". Empty when used.
    std::string reason;
};

// Rules, in order: excluded → ignored; loopback, no IFF_MULTICAST (except
// point-to-point links: IFF_POINTOPOINT or a type without link header, as sit, ipip
// and WireGuard often lack the flag), not up (IFF_UP and IFF_RUNNING), a bridge/bond
// port (frames are seen on its master; serving both would forward twice), a hardware
// type we cannot frame (Ethernet, or no link header: NONE, RAWIP, PPP, TUNNEL,
// TUNNEL6, SIT, IPGRE, IP6GRE) → ignored, the upstream too; the upstream is used
// whatever --interface says; not in a non-empty --interface list → ignored.
// Hardware types whose frames start with the IP header (tun and WireGuard, raw-IP
// modems, PPP, IP-in-IP, 6in4 and GRE tunnels).
[[nodiscard]] bool has_no_link_header(std::uint16_t hardware_type);

[[nodiscard]] LinkSelection select_link(const InterfaceInfo& info, const InterfaceTable& table,
                                        const LinkSelectionPolicy& policy);
// select_link() as though the link were up with carrier: the role a link in use keeps
// while it is down, so that LinkManager keeps its state through an outage instead of
// dropping it.
[[nodiscard]] LinkSelection select_link_when_up(const InterfaceInfo& info,
                                                const InterfaceTable& table,
                                                const LinkSelectionPolicy& policy);

} // namespace ecmh::io
