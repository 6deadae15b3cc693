// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/host_group_links.hpp"

#include <algorithm>
#include <optional>

namespace ecmh::app {
namespace {

std::optional<engine::LinkId> link_of(const std::vector<ActiveLink>& links, net::IfIndex index) {
    const auto it = std::find_if(links.begin(), links.end(),
                                 [&](const ActiveLink& l) { return l.index == index; });
    if (it == links.end()) {
        return std::nullopt;
    }
    return it->id;
}

bool forwardable(const net::Ipv6Address& group) {
    const auto scope = group.multicast_scope();
    return group.is_multicast() && scope != net::MulticastScope::InterfaceLocal &&
           scope != net::MulticastScope::LinkLocal;
}

bool forwardable(net::Ipv4Address group) {
    return group.is_multicast() && (group.value() >> 8U) != 0xe00000U; // 224.0.0.0/24
}

} // namespace

std::vector<engine::HostGroup> host_groups_on_links(const io::HostGroups& groups,
                                                    const std::vector<ActiveLink>& links) {
    std::vector<engine::HostGroup> out;
    for (const auto& [index, group] : groups.ipv6) {
        if (const auto link = link_of(links, index); link && forwardable(group)) {
            out.push_back(engine::HostGroup{*link, engine::FlowFamily::Ipv6, group});
        }
    }
    for (const auto& [index, group] : groups.ipv4) {
        if (const auto link = link_of(links, index); link && forwardable(group)) {
            out.push_back(
                engine::HostGroup{*link, engine::FlowFamily::Ipv4, engine::FlowKey::mapped(group)});
        }
    }
    return out;
}

} // namespace ecmh::app
