// SPDX-License-Identifier: BSD-3-Clause
// InterfaceTable: entries, addresses without duplicates, pending addresses, and the
// address choices the daemon makes from them.
#include "ecmh/io/interface_table.hpp"

#include <gtest/gtest.h>
#include <net/if.h>

using ecmh::io::InterfaceInfo;
using ecmh::io::InterfaceIpv4Address;
using ecmh::io::InterfaceIpv6Address;
using ecmh::io::InterfaceTable;
using ecmh::io::InterfaceTunnel;
using ecmh::net::IfIndex;
using ecmh::net::Ipv4Address;
using ecmh::net::Ipv6Address;

namespace {

Ipv6Address ip6(const char* s) {
    return *Ipv6Address::parse(s);
}

Ipv4Address ip4(const char* s) {
    return *Ipv4Address::parse(s);
}

InterfaceInfo link(std::uint32_t index, const char* name) {
    InterfaceInfo info;
    info.index = IfIndex{index};
    info.name = name;
    info.hardware_type = 1;
    info.flags = IFF_UP | IFF_RUNNING | IFF_MULTICAST;
    info.mtu = 1500;
    return info;
}

TEST(InterfaceTable, UpsertFindAndRemove) {
    InterfaceTable table;
    table.upsert_link(link(2, "eth0"));
    table.upsert_link(link(3, "eth1"));
    ASSERT_NE(table.find(IfIndex{2}), nullptr);
    EXPECT_EQ(table.find(IfIndex{2})->name, "eth0");
    EXPECT_EQ(table.find("eth1"), table.find(IfIndex{3}));
    EXPECT_EQ(table.find("eth9"), nullptr);
    EXPECT_EQ(table.find(IfIndex{9}), nullptr);
    EXPECT_EQ(table.all().size(), 2u);
    table.remove_link(IfIndex{2});
    EXPECT_EQ(table.find("eth0"), nullptr);
    table.remove_link(IfIndex{42}); // unknown: nothing happens
    EXPECT_EQ(table.all().size(), 1u);
}

TEST(InterfaceTable, UpdateKeepsAddresses) {
    InterfaceTable table;
    table.upsert_link(link(2, "eth0"));
    table.add_ipv6(IfIndex{2}, {ip6("fe80::1"), 64});
    table.add_ipv4(IfIndex{2}, {ip4("192.0.2.1"), 24});
    auto renamed = link(2, "lan0");
    renamed.mtu = 9000;
    table.upsert_link(renamed);
    const auto* e = table.find(IfIndex{2});
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->name, "lan0");
    EXPECT_EQ(e->mtu, 9000u);
    EXPECT_EQ(e->ipv6.size(), 1u);
    EXPECT_EQ(e->ipv4.size(), 1u);
}

TEST(InterfaceTable, AddressesInTheUpsertedLinkAreAddedNotDuplicated) {
    InterfaceTable table;
    table.upsert_link(link(2, "eth0"));
    table.add_ipv6(IfIndex{2}, {ip6("fe80::1"), 64});
    auto with = link(2, "eth0");
    with.ipv6 = {{ip6("fe80::1"), 64, true}, {ip6("2001:db8::1"), 64}};
    table.upsert_link(with);
    const auto* e = table.find(IfIndex{2});
    ASSERT_EQ(e->ipv6.size(), 2u);
    EXPECT_TRUE(e->ipv6[0].tentative);
}

TEST(InterfaceTable, AddingAnExistingAddressUpdatesIt) {
    InterfaceTable table;
    table.upsert_link(link(2, "eth0"));
    table.add_ipv6(IfIndex{2}, {ip6("2001:db8::1"), 64, true, false});
    table.add_ipv6(IfIndex{2}, {ip6("2001:db8::1"), 48, false, false});
    table.add_ipv4(IfIndex{2}, {ip4("192.0.2.1"), 24});
    table.add_ipv4(IfIndex{2}, {ip4("192.0.2.1"), 25, true});
    const auto* e = table.find(IfIndex{2});
    ASSERT_EQ(e->ipv6.size(), 1u);
    EXPECT_EQ(e->ipv6[0], (InterfaceIpv6Address{ip6("2001:db8::1"), 48, false, false}));
    ASSERT_EQ(e->ipv4.size(), 1u);
    EXPECT_EQ(e->ipv4[0], (InterfaceIpv4Address{ip4("192.0.2.1"), 25, true}));
}

TEST(InterfaceTable, RemoveAddresses) {
    InterfaceTable table;
    table.upsert_link(link(2, "eth0"));
    table.add_ipv6(IfIndex{2}, {ip6("fe80::1"), 64});
    table.add_ipv6(IfIndex{2}, {ip6("fe80::2"), 64});
    table.add_ipv4(IfIndex{2}, {ip4("192.0.2.1"), 24});
    table.remove_ipv6(IfIndex{2}, ip6("fe80::1"));
    table.remove_ipv6(IfIndex{2}, ip6("fe80::99")); // not there
    table.remove_ipv4(IfIndex{2}, ip4("192.0.2.1"));
    table.remove_ipv4(IfIndex{7}, ip4("192.0.2.1")); // no such link
    const auto* e = table.find(IfIndex{2});
    ASSERT_EQ(e->ipv6.size(), 1u);
    EXPECT_EQ(e->ipv6[0].address, ip6("fe80::2"));
    EXPECT_TRUE(e->ipv4.empty());
}

TEST(InterfaceTable, PendingAddressesAttachWhenTheLinkAppears) {
    InterfaceTable table;
    table.add_ipv6(IfIndex{5}, {ip6("fe80::5"), 64});
    table.add_ipv6(IfIndex{5}, {ip6("fe80::5"), 64, true}); // still no duplicate
    table.add_ipv6(IfIndex{5}, {ip6("fe80::6"), 64});
    table.remove_ipv6(IfIndex{5}, ip6("fe80::6"));
    table.add_ipv4(IfIndex{5}, {ip4("192.0.2.5"), 24});
    EXPECT_EQ(table.find(IfIndex{5}), nullptr);
    EXPECT_TRUE(table.all().empty());
    table.upsert_link(link(5, "wg0"));
    const auto* e = table.find(IfIndex{5});
    ASSERT_NE(e, nullptr);
    ASSERT_EQ(e->ipv6.size(), 1u);
    EXPECT_TRUE(e->ipv6[0].tentative);
    EXPECT_EQ(e->ipv4.size(), 1u);
    // Attached once: the link coming back after a removal starts empty.
    table.remove_link(IfIndex{5});
    table.upsert_link(link(5, "wg0"));
    EXPECT_TRUE(table.find(IfIndex{5})->ipv6.empty());
}

TEST(InterfaceTable, RemoveLinkDropsPendingAddresses) {
    InterfaceTable table;
    table.add_ipv6(IfIndex{6}, {ip6("fe80::6"), 64});
    table.remove_link(IfIndex{6});
    table.upsert_link(link(6, "eth6"));
    EXPECT_TRUE(table.find(IfIndex{6})->ipv6.empty());
}

TEST(InterfaceTable, ClearDropsLinksAndPendingAddresses) {
    InterfaceTable table;
    table.upsert_link(link(2, "eth0"));
    table.add_ipv6(IfIndex{7}, {ip6("fe80::7"), 64});
    table.clear();
    EXPECT_TRUE(table.all().empty());
    table.upsert_link(link(7, "eth7"));
    EXPECT_TRUE(table.find(IfIndex{7})->ipv6.empty());
}

TEST(InterfaceTable, IsUpNeedsUpAndRunning) {
    struct Case {
        std::uint32_t flags;
        bool up;
    };
    const Case cases[] = {{IFF_UP | IFF_RUNNING, true},
                          {IFF_UP | IFF_RUNNING | IFF_LOOPBACK, true},
                          {IFF_UP, false},
                          {IFF_RUNNING, false},
                          {0, false}};
    for (const auto& c : cases) {
        InterfaceInfo info;
        info.flags = c.flags;
        EXPECT_EQ(info.is_up(), c.up) << c.flags;
    }
}

TEST(InterfaceTable, IsLoopback) {
    InterfaceInfo info;
    EXPECT_FALSE(info.is_loopback());
    info.flags = IFF_LOOPBACK;
    EXPECT_TRUE(info.is_loopback());
}

TEST(InterfaceTable, LinkLocalIsTheFirstUsableFe80Slash64) {
    InterfaceInfo info;
    EXPECT_EQ(info.link_local(), std::nullopt);
    info.ipv6 = {
        {ip6("2001:db8::1"), 64},   {ip6("fe80::dead"), 64, true, true}, // DAD failed: never
        {ip6("fe80:0:0:1::1"), 64}, // fe80::/10 but not fe80::/64
        {ip6("fe80::2"), 64, true}, // tentative is fine
        {ip6("fe80::3"), 64},
    };
    EXPECT_EQ(info.link_local(), ip6("fe80::2"));
}

TEST(InterfaceTable, GlobalSkipsLinkLocalLoopbackAndDadFailed) {
    InterfaceInfo info;
    EXPECT_EQ(info.global(), std::nullopt);
    info.ipv6 = {{ip6("fe80::1"), 64}, {ip6("::1"), 128}, {ip6("2001:db8::dead"), 64, false, true}};
    EXPECT_EQ(info.global(), std::nullopt);
    info.ipv6.push_back({ip6("2001:db8::1"), 64});
    info.ipv6.push_back({ip6("2001:db8::2"), 64});
    EXPECT_EQ(info.global(), ip6("2001:db8::1"));
}

TEST(InterfaceTable, PrimaryIpv4IsTheFirstNotSecondary) {
    InterfaceInfo info;
    EXPECT_EQ(info.primary_ipv4(), std::nullopt);
    info.ipv4 = {{ip4("192.0.2.9"), 24, true}, {ip4("192.0.2.1"), 24}};
    EXPECT_EQ(info.primary_ipv4()->address, ip4("192.0.2.1"));
    info.ipv4 = {{ip4("192.0.2.9"), 24, true}};
    EXPECT_EQ(info.primary_ipv4()->address, ip4("192.0.2.9"));
}

InterfaceTunnel sit(const char* local, const char* remote) {
    return {
        .kind = "sit", .local = ip4(local), .remote = ip4(remote), .ttl = 64, .link = IfIndex{2}};
}

TEST(InterfaceTable, Is6in4WithFixedRemoteNeedsASitAndARemote) {
    struct Case {
        const char* name;
        std::optional<InterfaceTunnel> tunnel;
        bool fixed;
    };
    auto ipip = sit("192.0.2.1", "198.51.100.7");
    ipip.kind = "ipip"; // IPv4 in IPv4: the same ends, but no IPv6 inside
    const Case cases[] = {
        {"no tunnel", std::nullopt, false},
        {"sit to one remote", sit("192.0.2.1", "198.51.100.7"), true},
        {"any local, one remote", sit("0.0.0.0", "198.51.100.7"), true},
        {"sit0: any remote", sit("0.0.0.0", "0.0.0.0"), false},
        {"6to4: a local, any remote", sit("192.0.2.1", "0.0.0.0"), false},
        {"not sit", ipip, false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        InterfaceInfo info = link(9, "tun0");
        info.tunnel = c.tunnel;
        EXPECT_EQ(info.is_6in4_with_fixed_remote(), c.fixed);
    }
}

TEST(InterfaceTable, UpsertReplacesTheTunnelAndKeepsAddresses) {
    InterfaceTable table;
    auto tun = link(9, "tun0");
    tun.tunnel = sit("192.0.2.1", "198.51.100.7");
    table.upsert_link(tun);
    table.add_ipv6(IfIndex{9}, {ip6("fe80::c000:201"), 64});
    tun.tunnel = sit("192.0.2.1", "198.51.100.8"); // ip tunnel change … remote
    table.upsert_link(tun);
    const auto* e = table.find(IfIndex{9});
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->tunnel, sit("192.0.2.1", "198.51.100.8"));
    EXPECT_EQ(e->ipv6.size(), 1u);
    table.remove_link(IfIndex{9});
    EXPECT_EQ(table.find(IfIndex{9}), nullptr);
}

} // namespace
