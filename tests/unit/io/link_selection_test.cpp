// SPDX-License-Identifier: BSD-3-Clause
// select_link: each rule, the reason it logs, and the order the rules apply in.
#include "ecmh/io/link_selection.hpp"

#include <functional>
#include <gtest/gtest.h>
#include <net/if.h>
#include <net/if_arp.h>

using ecmh::io::InterfaceInfo;
using ecmh::io::InterfaceTable;
using ecmh::io::LinkRole;
using ecmh::io::LinkSelection;
using ecmh::io::LinkSelectionPolicy;
using ecmh::io::select_link;
using ecmh::net::IfIndex;

namespace {

constexpr std::uint32_t kUsable = IFF_UP | IFF_RUNNING | IFF_BROADCAST | IFF_MULTICAST;
constexpr std::uint32_t kPointToPoint = IFF_UP | IFF_RUNNING | IFF_POINTOPOINT | IFF_NOARP;

InterfaceInfo ethernet(const char* name, std::uint32_t index = 2) {
    InterfaceInfo info;
    info.index = IfIndex{index};
    info.name = name;
    info.hardware_type = ARPHRD_ETHER;
    info.flags = kUsable;
    info.mtu = 1500;
    return info;
}

InterfaceInfo with(InterfaceInfo info, const std::function<void(InterfaceInfo&)>& change) {
    change(info);
    return info;
}

InterfaceTable table_with_bridge() {
    InterfaceTable table;
    table.upsert_link(ethernet("br0", 3));
    return table;
}

struct Case {
    const char* what;
    InterfaceInfo info;
    LinkSelectionPolicy policy;
    LinkRole role;
    std::string reason;
};

// Designated initializers would leave members out, which GCC 12 warns about.
LinkSelectionPolicy make_policy(std::optional<std::string> upstream,
                                std::vector<std::string> only = {},
                                std::vector<std::string> excluded = {}) {
    LinkSelectionPolicy p;
    if (upstream) {
        p.upstreams.push_back(std::move(*upstream));
    }
    p.only = std::move(only);
    p.excluded = std::move(excluded);
    return p;
}

LinkSelectionPolicy upstream(const char* name) {
    return make_policy(name);
}

LinkSelectionPolicy tunnel_mode(std::optional<std::string> upstream) {
    auto p = make_policy(std::move(upstream));
    p.tunnel_mode = true;
    return p;
}

std::vector<Case> cases() {
    const auto eth0 = ethernet("eth0");
    const auto flags = [](std::uint32_t f) { return [f](InterfaceInfo& i) { i.flags = f; }; };
    const auto type = [](std::uint16_t t) {
        return [t](InterfaceInfo& i) { i.hardware_type = t; };
    };
    return {
        {"plain ethernet", eth0, {}, LinkRole::Downstream, ""},
        {"the upstream", eth0, upstream("eth0"), LinkRole::Upstream, ""},
        {"another link with an upstream", eth0, upstream("eth1"), LinkRole::Downstream, ""},
        {"excluded", eth0, make_policy({}, {}, {"eth1", "eth0"}), LinkRole::Ignored,
         "excluded by --exclude"},
        {"listed", eth0, make_policy({}, {"eth0"}), LinkRole::Downstream, ""},
        {"not listed", eth0, make_policy({}, {"eth1"}), LinkRole::Ignored,
         "not listed by --interface"},
        {"loopback",
         with(eth0,
              [](InterfaceInfo& i) {
                  i.hardware_type = ARPHRD_LOOPBACK;
                  i.flags = IFF_UP | IFF_RUNNING | IFF_LOOPBACK;
              }),
         {},
         LinkRole::Ignored,
         "loopback"},
        {"ethernet without multicast",
         with(eth0, flags(IFF_UP | IFF_RUNNING | IFF_BROADCAST)),
         {},
         LinkRole::Ignored,
         "no multicast (IFF_MULTICAST unset)"},
        {"down", with(eth0, flags(IFF_MULTICAST | IFF_BROADCAST)), {}, LinkRole::Ignored, "down"},
        {"no carrier",
         with(eth0, flags(IFF_UP | IFF_MULTICAST)),
         {},
         LinkRole::Ignored,
         "no carrier"},
        {"bridge port",
         with(eth0, [](InterfaceInfo& i) { i.master = IfIndex{3}; }),
         {},
         LinkRole::Ignored,
         "port of br0"},
        {"port of an unknown master",
         with(eth0, [](InterfaceInfo& i) { i.master = IfIndex{9}; }),
         {},
         LinkRole::Ignored,
         "port of ifindex 9"},
        {"infiniband",
         with(eth0, type(ARPHRD_INFINIBAND)),
         {},
         LinkRole::Ignored,
         "unsupported link type 32"},
        {"wifi monitor mode",
         with(eth0, type(ARPHRD_IEEE80211_RADIOTAP)),
         {},
         LinkRole::Ignored,
         "unsupported link type 803"},
        // Point-to-point links without IFF_MULTICAST are served.
        {"wireguard",
         with(with(eth0, type(ARPHRD_NONE)), flags(kPointToPoint)),
         {},
         LinkRole::Downstream,
         ""},
        {"sit",
         with(with(eth0, type(ARPHRD_SIT)), flags(kPointToPoint)),
         {},
         LinkRole::Downstream,
         ""},
        {"ip6tnl",
         with(with(eth0, type(ARPHRD_TUNNEL6)), flags(kPointToPoint)),
         {},
         LinkRole::Downstream,
         ""},
        {"ppp",
         with(with(eth0, type(ARPHRD_PPP)), flags(kPointToPoint | IFF_MULTICAST)),
         {},
         LinkRole::Downstream,
         ""},
        {"gre",
         with(with(eth0, type(ARPHRD_IPGRE)), flags(kPointToPoint)),
         {},
         LinkRole::Downstream,
         ""},
        {"ip6gre", with(with(eth0, type(823)), flags(kPointToPoint)), {}, LinkRole::Downstream, ""},
        {"raw ip modem without flags",
         with(with(eth0, type(ARPHRD_RAWIP)), flags(IFF_UP | IFF_RUNNING)),
         {},
         LinkRole::Downstream,
         ""},
        {"sit0 (no IFF_POINTOPOINT) is raw too",
         with(with(eth0, type(ARPHRD_SIT)), flags(IFF_UP | IFF_RUNNING | IFF_NOARP)),
         {},
         LinkRole::Downstream,
         ""},
        {"ethernet point-to-point", with(eth0, flags(kPointToPoint)), {}, LinkRole::Downstream, ""},
        {"sit in tunnel mode: its peer is decapsulated, not served twice",
         with(with(eth0, type(ARPHRD_SIT)), flags(kPointToPoint)), tunnel_mode(std::nullopt),
         LinkRole::Ignored,
         "a 6in4 (sit) tunnel: in tunnel mode (-t) its peer is served by decapsulation, not as "
         "a link of its own"},
        {"the upstream sit in tunnel mode stays the upstream",
         with(with(eth0, type(ARPHRD_SIT)), flags(kPointToPoint)), tunnel_mode("eth0"),
         LinkRole::Upstream, ""},
        {"ethernet in tunnel mode", eth0, tunnel_mode(std::nullopt), LinkRole::Downstream, ""},
    };
}

TEST(LinkSelection, EachRule) {
    const auto table = table_with_bridge();
    for (const auto& c : cases()) {
        SCOPED_TRACE(c.what);
        const LinkSelection s = select_link(c.info, table, c.policy);
        EXPECT_EQ(s.role, c.role);
        EXPECT_EQ(s.reason, c.reason);
    }
}

// Each pair: a link that breaks several rules reports the first one.
TEST(LinkSelection, RulesApplyInOrder) {
    const auto table = table_with_bridge();
    auto link = ethernet("eth0");
    link.flags = IFF_LOOPBACK; // loopback, no multicast, down
    link.master = IfIndex{3};
    link.hardware_type = ARPHRD_INFINIBAND;
    auto policy = make_policy("eth0", {"eth1"}, {"eth0"});

    const char* expected[] = {"excluded by --exclude",
                              "loopback",
                              "no multicast (IFF_MULTICAST unset)",
                              "down",
                              "no carrier",
                              "port of br0",
                              "unsupported link type 32"};
    const std::function<void()> fix_next[] = {
        [&] { policy.excluded.clear(); },           [&] { link.flags = 0; },
        [&] { link.flags = IFF_MULTICAST; },        [&] { link.flags |= IFF_UP; },
        [&] { link.flags |= IFF_RUNNING; },         [&] { link.master = IfIndex{}; },
        [&] { link.hardware_type = ARPHRD_ETHER; },
    };
    for (std::size_t i = 0; i < std::size(expected); ++i) {
        SCOPED_TRACE(expected[i]);
        const auto s = select_link(link, table, policy);
        EXPECT_EQ(s.role, LinkRole::Ignored);
        EXPECT_EQ(s.reason, expected[i]);
        fix_next[i]();
    }
    // Now only --interface is against it, and the upstream is used whatever it says.
    EXPECT_EQ(select_link(link, table, policy).role, LinkRole::Upstream);
    policy.upstreams.clear();
    EXPECT_EQ(select_link(link, table, policy).reason, "not listed by --interface");
}

TEST(LinkSelection, ExcludeBeatsUpstream) {
    const auto s = select_link(ethernet("eth0"), {}, make_policy("eth0", {}, {"eth0"}));
    EXPECT_EQ(s.role, LinkRole::Ignored);
    EXPECT_EQ(s.reason, "excluded by --exclude");
}

TEST(LinkSelection, AnUnusableUpstreamIsIgnoredWithItsReason) {
    auto eth0 = ethernet("eth0");
    eth0.flags &= ~static_cast<std::uint32_t>(IFF_UP);
    const auto s = select_link(eth0, {}, upstream("eth0"));
    EXPECT_EQ(s.role, LinkRole::Ignored);
    EXPECT_EQ(s.reason, "down");
}

// A link in use that goes down keeps its role (LinkManager keeps its state meanwhile);
// every other rule still applies.
TEST(LinkSelection, WhenUpIgnoresOnlyDownAndNoCarrier) {
    auto eth0 = ethernet("eth0");
    eth0.flags &= ~static_cast<std::uint32_t>(IFF_UP | IFF_RUNNING);
    EXPECT_EQ(ecmh::io::select_link_when_up(eth0, {}, upstream("eth0")).role, LinkRole::Upstream);
    EXPECT_EQ(ecmh::io::select_link_when_up(eth0, {}, {}).role, LinkRole::Downstream);
    const auto excluded = ecmh::io::select_link_when_up(eth0, {}, make_policy({}, {}, {"eth0"}));
    EXPECT_EQ(excluded.role, LinkRole::Ignored);
    EXPECT_EQ(excluded.reason, "excluded by --exclude");
    auto port = eth0;
    port.master = IfIndex{3};
    EXPECT_EQ(ecmh::io::select_link_when_up(port, table_with_bridge(), {}).reason, "port of br0");
}

TEST(LinkSelection, PortReasonFollowsTheMastersCurrentName) {
    InterfaceTable table;
    table.upsert_link(ethernet("bond0", 4));
    auto port = ethernet("eth1");
    port.master = IfIndex{4};
    EXPECT_EQ(select_link(port, table, {}).reason, "port of bond0");
    table.upsert_link(ethernet("uplink", 4));
    EXPECT_EQ(select_link(port, table, {}).reason, "port of uplink");
}

} // namespace
