// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/link_selection.hpp"

#include <algorithm>
#include <net/if.h>
#include <net/if_arp.h>

namespace ecmh::io {
namespace {

constexpr std::uint16_t kArphrdIp6Gre = 823; // ARPHRD_IP6GRE, missing from glibc's header

} // namespace

bool has_no_link_header(std::uint16_t type) {
    switch (type) {
    case ARPHRD_NONE:
    case ARPHRD_RAWIP:
    case ARPHRD_PPP:
    case ARPHRD_TUNNEL:
    case ARPHRD_TUNNEL6:
    case ARPHRD_SIT:
    case ARPHRD_IPGRE:
    case kArphrdIp6Gre:
        return true;
    default:
        return false;
    }
}

namespace {

// Ethernet (and everything that looks like it: veth, bridges, bonds, VLANs, gretap,
// VXLAN, Wi-Fi in station mode), or no link header at all.
bool can_frame(std::uint16_t type) {
    return type == ARPHRD_ETHER || has_no_link_header(type);
}

// Point-to-point tunnels often come without IFF_MULTICAST (sit, WireGuard, ipip) yet
// carry multicast fine: there is only one neighbour to deliver to.
bool carries_multicast(const InterfaceInfo& info) {
    return (info.flags & (IFF_MULTICAST | IFF_POINTOPOINT)) != 0 ||
           has_no_link_header(info.hardware_type);
}

bool listed(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string port_reason(const InterfaceInfo& info, const InterfaceTable& table) {
    if (const InterfaceInfo* master = table.find(info.master)) {
        return "port of " + master->name;
    }
    return "port of ifindex " + std::to_string(info.master.value());
}

// Why the link itself cannot be served, whatever the options say; empty when it can.
std::string unusable_reason(const InterfaceInfo& info, const InterfaceTable& table) {
    if (info.is_loopback()) {
        return "loopback";
    }
    if (!carries_multicast(info)) {
        return "no multicast (IFF_MULTICAST unset)";
    }
    if ((info.flags & IFF_UP) == 0) {
        return "down";
    }
    if ((info.flags & IFF_RUNNING) == 0) {
        return "no carrier";
    }
    if (info.master.valid()) {
        // Frames show up on the master; serving both would forward them twice.
        return port_reason(info, table);
    }
    if (!can_frame(info.hardware_type)) {
        return "unsupported link type " + std::to_string(info.hardware_type);
    }
    return {};
}

LinkSelection ignored(std::string reason) {
    return LinkSelection{LinkRole::Ignored, std::move(reason)};
}

} // namespace

LinkSelection select_link_when_up(const InterfaceInfo& info, const InterfaceTable& table,
                                  const LinkSelectionPolicy& policy) {
    InterfaceInfo up = info;
    up.flags |= IFF_UP | IFF_RUNNING;
    return select_link(up, table, policy);
}

LinkSelection select_link(const InterfaceInfo& info, const InterfaceTable& table,
                          const LinkSelectionPolicy& policy) {
    if (listed(policy.excluded, info.name)) {
        return ignored("excluded by --exclude");
    }
    if (policy.disabled && policy.disabled(info.name)) {
        return ignored("disabled by the configuration (role disabled)");
    }
    if (auto reason = unusable_reason(info, table); !reason.empty()) {
        return ignored(std::move(reason));
    }
    if (listed(policy.upstreams, info.name)) {
        return LinkSelection{LinkRole::Upstream, {}};
    }
    if (policy.tunnel_mode && info.hardware_type == ARPHRD_SIT) {
        return ignored("a 6in4 (sit) tunnel: in tunnel mode (-t) its peer is served by "
                       "decapsulation, not as a link of its own");
    }
    if (!policy.only.empty() && !listed(policy.only, info.name)) {
        return ignored("not listed by --interface");
    }
    return LinkSelection{LinkRole::Downstream, {}};
}

} // namespace ecmh::io
