// SPDX-License-Identifier: BSD-3-Clause
// Tunnel peers in the table layer: the forwarding decision over peers kept apart from
// the interface links (sorted lists per group and per (group, source)), and the peer
// lookup by (outer source, outer destination) of tunnel mode (RFC 4213 §3.6).
#include "ecmh/table/forwarding_table.hpp"
#include "ecmh/table/tunnel_peer_table.hpp"

#include <gtest/gtest.h>
#include <vector>

using namespace ecmh::table;
using ecmh::net::Ipv4Address;
using ecmh::net::Ipv6Address;
using ecmh::proto::FilterMode;
using ecmh::proto::Ipv6Family;
using ecmh::proto::MembershipState;

namespace {

using State = MembershipState<Ipv6Address>;

const LinkId u0{0};
const LinkId d1{1};

LinkId peer(std::uint16_t i) {
    return LinkId{static_cast<std::uint16_t>(kMaxLinks + i)};
}

Ipv6Address a6(const char* s) {
    return *Ipv6Address::parse(s);
}
Ipv4Address a4(const char* s) {
    return *Ipv4Address::parse(s);
}

const Ipv6Address kGroup = a6("ff0e::1:1000");
const Ipv6Address kSsm = a6("ff3e::8000:1");
const Ipv6Address kS1 = a6("2001:db8:1::1");
const Ipv6Address kS2 = a6("2001:db8:1::2");

std::vector<LinkId> peers_of(const Decision& d) {
    std::vector<LinkId> out;
    d.peers.for_each([&](LinkId p) { out.push_back(p); });
    return out;
}

class TunnelPeerForwarding : public ::testing::Test {
protected:
    TunnelPeerForwarding() {
        table.attach_upstream("u0", u0);
        table.set_querier(d1, true);
        for (std::uint16_t i = 0; i < 2000; ++i) {
            table.set_querier(peer(i), true);
        }
    }
    std::vector<LinkId> to_peers(LinkId arrival, const Ipv6Address& source,
                                 const Ipv6Address& group = kGroup) const {
        return peers_of(table.decide(arrival, source, group, 64));
    }
    ForwardingTable<Ipv6Family> table;
};

} // namespace

TEST(LinkSlots, PeersLiveAboveTheInterfaceLinks) {
    EXPECT_FALSE(is_tunnel_peer(LinkId{0}));
    EXPECT_FALSE(is_tunnel_peer(LinkId{kMaxLinks - 1}));
    EXPECT_TRUE(is_tunnel_peer(LinkId{kMaxLinks}));
    EXPECT_TRUE(is_tunnel_peer(LinkId{kMaxLinks + kMaxTunnelPeers - 1}));
    EXPECT_LE(kMaxLinks + kMaxTunnelPeers, std::size_t{65536}) << "slots are 16-bit";
}

TEST_F(TunnelPeerForwarding, OnlyThePeersThatJoinedGetACopyInSlotOrder) {
    // 1000 of 2000 queried peers join, in an order other than their slots'.
    for (std::uint16_t i = 1999; i >= 1000; --i) {
        table.set_membership(peer(i), kGroup, State{FilterMode::Exclude, {}});
    }
    table.set_membership(d1, kGroup, State{FilterMode::Exclude, {}});
    const auto d = table.decide(u0, kS1, kGroup, 64);
    ASSERT_EQ(d.verdict, Verdict::Forward);
    EXPECT_TRUE(d.links.contains(d1));
    EXPECT_FALSE(d.links.contains(u0)) << "never back to the arrival link";
    const auto out = peers_of(d);
    ASSERT_EQ(out.size(), 1000U);
    for (std::size_t k = 0; k < out.size(); ++k) {
        EXPECT_EQ(out[k], peer(static_cast<std::uint16_t>(1000 + k)));
    }
}

TEST_F(TunnelPeerForwarding, NeverBackToTheArrivalPeerAndUpstreamFromAPeer) {
    table.set_membership(peer(1), kGroup, State{FilterMode::Exclude, {}});
    table.set_membership(peer(2), kGroup, State{FilterMode::Exclude, {}});
    const auto d = table.decide(peer(1), kS1, kGroup, 64);
    ASSERT_EQ(d.verdict, Verdict::Forward);
    EXPECT_EQ(peers_of(d), std::vector<LinkId>{peer(2)});
    EXPECT_TRUE(d.links.contains(u0)) << "a peer's source goes upstream (RFC 4605 §4.2)";
    EXPECT_EQ(d.links.size(), 1U);
}

TEST_F(TunnelPeerForwarding, SourceFiltersPerPeer) {
    table.set_membership(peer(1), kGroup, State{FilterMode::Include, {kS1}});
    table.set_membership(peer(2), kGroup, State{FilterMode::Exclude, {kS1}});
    table.set_membership(peer(3), kGroup, State{FilterMode::Exclude, {}});
    EXPECT_EQ(to_peers(u0, kS1), (std::vector<LinkId>{peer(3), peer(1)}))
        << "EXCLUDE peers but the one blocking S1, then INCLUDE peers with S1";
    EXPECT_EQ(to_peers(u0, kS2), (std::vector<LinkId>{peer(2), peer(3)}));
    // SSM: INCLUDE (S,G) only (RFC 4607 §5.1).
    table.set_membership(peer(4), kSsm, State{FilterMode::Include, {kS2}});
    EXPECT_EQ(to_peers(u0, kS2, kSsm), std::vector<LinkId>{peer(4)});
    EXPECT_TRUE(to_peers(u0, kS1, kSsm).empty());
}

TEST_F(TunnelPeerForwarding, QuerierRulePerPeer) {
    table.set_membership(peer(1), kGroup, State{FilterMode::Exclude, {}});
    table.set_membership(peer(2), kGroup, State{FilterMode::Exclude, {}});
    table.set_querier(peer(1), false); // another router queries behind that tunnel
    EXPECT_EQ(to_peers(u0, kS1), std::vector<LinkId>{peer(2)});
    table.set_querier(peer(2), false);
    const auto d = table.decide(u0, kS1, kGroup, 64);
    EXPECT_EQ(d.verdict, Verdict::NoListeners) << "no eligible peer, no link";
    EXPECT_TRUE(d.peers.empty());
}

TEST_F(TunnelPeerForwarding, RemovedPeerGetsNothingAndMembersStaySorted) {
    table.set_membership(peer(5), kGroup, State{FilterMode::Exclude, {}});
    table.set_membership(peer(3), kGroup, State{FilterMode::Exclude, {}});
    table.set_membership(d1, kGroup, State{FilterMode::Exclude, {}});
    const auto members = table.members(kGroup);
    ASSERT_EQ(members.size(), 3U);
    EXPECT_EQ(members[0].link, d1);
    EXPECT_EQ(members[1].link, peer(3));
    EXPECT_EQ(members[2].link, peer(5));
    table.remove_link(peer(3));
    EXPECT_EQ(to_peers(u0, kS1), std::vector<LinkId>{peer(5)});
    table.remove_link(peer(5));
    EXPECT_TRUE(to_peers(u0, kS1).empty());
    EXPECT_EQ(table.members(kGroup).size(), 1U);
}

TEST_F(TunnelPeerForwarding, APeerIsNeverTheUpstream) {
    table.attach_upstream("p1", peer(1));
    table.set_membership(d1, kGroup, State{FilterMode::Exclude, {}});
    const auto d = table.decide(d1, kS1, kGroup, 64);
    EXPECT_TRUE(d.links.contains(u0)) << "the interface upstream stays";
}

TEST(TunnelPeerTable, LookupByOuterSourceAndDestination) {
    TunnelPeerTable t;
    ASSERT_TRUE(t.add({a4("203.0.113.7"), a4("198.51.100.1")}, peer(1)));
    ASSERT_TRUE(t.add({a4("203.0.113.8"), Ipv4Address{}}, peer(2))); // any of ours
    EXPECT_FALSE(t.add({a4("203.0.113.7"), a4("198.51.100.1")}, peer(3))) << "taken";
    EXPECT_EQ(t.size(), 2U);

    EXPECT_EQ(t.match(a4("203.0.113.7"), a4("198.51.100.1"), true), peer(1));
    EXPECT_EQ(t.match(a4("203.0.113.7"), a4("198.51.100.1"), false), peer(1))
        << "a configured local is ours by configuration";
    EXPECT_EQ(t.match(a4("203.0.113.7"), a4("198.51.100.2"), true), std::nullopt)
        << "a fixed local: packets to another address are not this tunnel's";
    EXPECT_EQ(t.match(a4("203.0.113.8"), a4("198.51.100.9"), true), peer(2));
    EXPECT_EQ(t.match(a4("203.0.113.8"), a4("198.51.100.9"), false), std::nullopt)
        << "a wildcard peer only to our addresses";
    EXPECT_EQ(t.match(a4("203.0.113.9"), a4("198.51.100.1"), true), std::nullopt);

    // An exact entry beside a wildcard for the same remote wins.
    ASSERT_TRUE(t.add({a4("203.0.113.8"), a4("198.51.100.1")}, peer(4)));
    EXPECT_EQ(t.match(a4("203.0.113.8"), a4("198.51.100.1"), true), peer(4));
    EXPECT_EQ(t.match(a4("203.0.113.8"), a4("198.51.100.3"), true), peer(2));

    t.remove({a4("203.0.113.8"), Ipv4Address{}});
    EXPECT_EQ(t.match(a4("203.0.113.8"), a4("198.51.100.3"), true), std::nullopt);
    EXPECT_EQ(t.find({a4("203.0.113.8"), a4("198.51.100.1")}), peer(4));
    t.remove({a4("203.0.113.7"), a4("198.51.100.1")});
    t.remove({a4("203.0.113.7"), a4("198.51.100.1")}); // twice: harmless
    EXPECT_EQ(t.size(), 1U);
}

TEST(TunnelPeerTable, TenThousandPeers) {
    TunnelPeerTable t;
    for (std::uint32_t i = 0; i < 10'000; ++i) {
        ASSERT_TRUE(t.add({Ipv4Address{0x0a000000U + i}, Ipv4Address{}},
                          peer(static_cast<std::uint16_t>(i))));
    }
    for (std::uint32_t i = 0; i < 10'000; i += 997) {
        EXPECT_EQ(t.match(Ipv4Address{0x0a000000U + i}, a4("198.51.100.1"), true),
                  peer(static_cast<std::uint16_t>(i)));
    }
}
