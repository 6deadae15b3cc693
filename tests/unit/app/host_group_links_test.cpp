// SPDX-License-Identifier: BSD-3-Clause
// The host's memberships as the engine takes them: by link, only served links, only
// groups a router could forward.
#include "ecmh/app/host_group_links.hpp"

#include <gtest/gtest.h>

using namespace ecmh;
using engine::FlowFamily;
using engine::HostGroup;
using engine::LinkId;
using net::IfIndex;

namespace {

net::Ipv6Address v6(const char* text) {
    return *net::Ipv6Address::parse(text);
}
net::Ipv4Address v4(const char* text) {
    return *net::Ipv4Address::parse(text);
}

app::ActiveLink link(std::uint16_t slot, std::uint32_t index) {
    app::ActiveLink l;
    l.id = LinkId{slot};
    l.index = IfIndex{index};
    return l;
}

} // namespace

TEST(HostGroupLinks, ServedLinksAndForwardableGroupsOnly) {
    io::HostGroups groups;
    groups.ipv6 = {{IfIndex{4}, v6("ff0e::1:1")},      // up0: kept
                   {IfIndex{4}, v6("ff02::1")},        // link-local: no flow has it
                   {IfIndex{4}, v6("ff01::1")},        // interface-local
                   {IfIndex{4}, v6("ff02::1:ff00:1")}, // solicited-node
                   {IfIndex{5}, v6("ff05::1:3")},      // dn1: kept
                   {IfIndex{9}, v6("ff0e::1:1")}};     // not a link of ecmh's
    groups.ipv4 = {{IfIndex{4}, v4("239.1.1.1")},      // kept
                   {IfIndex{4}, v4("224.0.0.1")},      // 224.0.0.0/24: link-local
                   {IfIndex{5}, v4("224.0.1.1")},      // kept: beyond the link
                   {IfIndex{1}, v4("239.1.1.1")}};     // lo: not a link
    const std::vector<app::ActiveLink> links{link(0, 4), link(3, 5)};
    const std::vector<HostGroup> want{
        {LinkId{0}, FlowFamily::Ipv6, v6("ff0e::1:1")},
        {LinkId{3}, FlowFamily::Ipv6, v6("ff05::1:3")},
        {LinkId{0}, FlowFamily::Ipv4, engine::FlowKey::mapped(v4("239.1.1.1"))},
        {LinkId{3}, FlowFamily::Ipv4, engine::FlowKey::mapped(v4("224.0.1.1"))},
    };
    EXPECT_EQ(app::host_groups_on_links(groups, links), want);
    EXPECT_TRUE(app::host_groups_on_links(groups, {}).empty());
}
