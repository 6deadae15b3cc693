// SPDX-License-Identifier: BSD-3-Clause
// Scenario: tunnel mode (-t) with a fake clock. Tunnel peers are downstream links that
// ecmh hears through protocol-41 packets on its IPv4 links and reaches by
// encapsulating toward them (RFC 4213):
//   a peer joins over the tunnel, gets the group's data encapsulated, leaves, and the
//   data stops; ecmh's queries to a peer are encapsulated too; a report from an address
//   that is no peer changes nothing and sends nothing (tunnel safety); many peers added
//   at once are queried spread out, not in one burst; a peer removed while traffic flows
//   gets nothing more; without -t protocol 41 is dropped.
#include "ecmh/engine/proxy.hpp"
#include "ecmh/net/byte_writer.hpp"
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/icmpv6_echo.hpp"
#include "ecmh/wire/ipv4.hpp"
#include "ecmh/wire/ipv6.hpp"
#include "ecmh/wire/mld.hpp"
#include "ecmh/wire/tunnel_6in4.hpp"
#include "support/engine_frames.hpp"
#include "support/fake_link_io.hpp"

#include <array>
#include <gtest/gtest.h>
#include <set>

using namespace ecmh;
using engine::DropReason;
using engine::LinkId;
using net::Ipv4Address;
using net::Ipv6Address;
using proto::at_ms;

namespace {

const Ipv4Address kOurs = test::ipv4("198.51.100.1");
const Ipv4Address kPeer = test::ipv4("203.0.113.7");
const Ipv4Address kStranger = test::ipv4("203.0.113.99");
const Ipv6Address kGroup = test::ipv6("ff0e::1:1000");
const Ipv6Address kSource = test::ipv6("2001:db8:1::10");
const Ipv6Address kPeerLinkLocal = test::ipv6("fe80::cb00:7107"); // fe80::203.0.113.7

using Bytes = std::vector<std::uint8_t>;

Bytes mld_report(wire::RecordType type, const Ipv6Address& from = kPeerLinkLocal) {
    std::array<std::uint8_t, 1500> buf{};
    const wire::MldRecordSpec rec{type, kGroup, {}};
    wire::PackCursor cursor;
    const auto n = wire::pack_mld_v2_report(buf, from, 1500, std::span(&rec, 1), cursor);
    return {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n)};
}

Bytes udp6(std::uint8_t hop_limit = 64) {
    std::array<std::uint8_t, 200> buf{};
    net::ByteWriter w{buf};
    wire::Ipv6HeaderSpec h;
    h.source = kSource;
    h.destination = kGroup;
    h.hop_limit = hop_limit;
    h.next_header = wire::kProtoUdp;
    wire::write_ipv6_header(w, h, 8 + 4);
    const std::array<std::uint8_t, 12> udp{0x30, 0x39, 0x30, 0x39, 0, 12, 0, 0, 'd', 'a', 't', 'a'};
    for (const auto b : udp) {
        w.u8(b);
    }
    return {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(w.size())};
}

Bytes tunnelled(const Bytes& inner, Ipv4Address from = kPeer, Ipv4Address to = kOurs) {
    return test::tunnelled_frame(inner, from, to);
}

struct Decoded {
    Ipv4Address outer_source;
    Ipv4Address outer_destination;
    std::uint8_t outer_ttl = 0;
    Bytes inner; // the IPv6 packet
};

// A frame sent to a peer, decoded by hand (not by our parsers): a 20-byte IPv4 header
// with protocol 41, a valid checksum and Total Length = the frame, then IPv6.
Decoded decode_tunnel_frame(const test::SentFrame& f) {
    Decoded d;
    const auto& b = f.bytes;
    EXPECT_EQ(f.protocol, wire::NetworkProtocol::Ipv4);
    if (b.size() < 60) {
        ADD_FAILURE() << "frame too short: " << b.size();
        return d;
    }
    EXPECT_EQ(b[0], 0x45);
    EXPECT_EQ((std::size_t{b[2]} << 8) | b[3], b.size());
    EXPECT_EQ(b[6] & 0x40, 0) << "DF clear (RFC 4213 §3.2.1)";
    EXPECT_EQ(b[9], 41);
    EXPECT_EQ(net::internet_checksum(std::span(b.data(), 20)), 0);
    d.outer_ttl = b[8];
    d.outer_source = Ipv4Address::from_bytes({b[12], b[13], b[14], b[15]});
    d.outer_destination = Ipv4Address::from_bytes({b[16], b[17], b[18], b[19]});
    d.inner.assign(b.begin() + 20, b.end());
    EXPECT_EQ(d.inner[0] >> 4, 6);
    return d;
}

class TunnelMode : public ::testing::Test {
protected:
    explicit TunnelMode(bool tunnel_mode = true) : proxy_(config(tunnel_mode), io, log, 7) {
        up = *proxy_.add_link(test::ethernet_link("eth0", 1, "fe80::1", "198.51.100.1", true),
                              at_ms(0));
        engine::TunnelPeerConfig p;
        p.name = "tunnel-203.0.113.7";
        p.remote = kPeer;
        peer = *proxy_.add_tunnel_peer(p, at_ms(0));
    }
    static engine::ProxyConfig config(bool tunnel_mode) {
        engine::ProxyConfig c;
        c.tunnel_mode = tunnel_mode;
        c.ipv4 = !tunnel_mode; // tunnel mode reads protocol 41 even with IGMP off
        return c;
    }
    void run_until(proto::TimePoint t) {
        while (proxy_.next_deadline() <= t) {
            proxy_.on_timer(proxy_.next_deadline());
        }
    }
    std::vector<test::SentFrame> sent_to(LinkId link) {
        std::vector<test::SentFrame> out;
        for (auto& f : io.take()) {
            if (f.link == link) {
                out.push_back(f);
            }
        }
        return out;
    }

    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::Proxy proxy_;
    LinkId up;
    LinkId peer;
};

class NoTunnelMode : public TunnelMode {
protected:
    NoTunnelMode() : TunnelMode(false) {}
};

} // namespace

TEST_F(TunnelMode, APeerIsADownstreamLinkAboveTheInterfaceSlots) {
    EXPECT_TRUE(table::is_tunnel_peer(peer));
    const auto* l = proxy_.link(peer);
    ASSERT_NE(l, nullptr);
    ASSERT_TRUE(l->config.tunnel.has_value());
    EXPECT_EQ(l->config.tunnel->remote, kPeer);
    EXPECT_TRUE(proxy_.mld().is_downstream(peer));
    EXPECT_EQ(proxy_.tunnel_peer_count(), 1U);
    EXPECT_EQ(proxy_.find_tunnel_peer(kPeer, Ipv4Address{}), peer);
}

TEST_F(TunnelMode, QueriesToAPeerAreEncapsulated) {
    run_until(at_ms(0));
    const auto frames = sent_to(peer);
    ASSERT_EQ(frames.size(), 1U) << "the first startup General Query";
    const auto d = decode_tunnel_frame(frames[0]);
    EXPECT_EQ(d.outer_destination, kPeer);
    EXPECT_EQ(d.outer_ttl, 64);
    const auto inner = wire::parse_ipv6(d.inner);
    ASSERT_TRUE(inner.has_value());
    EXPECT_EQ(inner->destination, test::ipv6("ff02::1"));
    // RFC 4213 §3.7: our link-local address on the tunnel carries our IPv4 address.
    EXPECT_EQ(inner->source, test::ipv6("fe80::c633:6401"));
    const auto q = wire::parse_mld(*inner);
    ASSERT_TRUE(q.has_value());
    EXPECT_TRUE(std::holds_alternative<wire::MldQuery>(*q));
}

TEST_F(TunnelMode, APeerJoinsGetsDataAndLeaves) {
    run_until(at_ms(100));
    io.take();
    proxy_.on_captured(up, tunnelled(mld_report(wire::RecordType::ChangeToExcludeMode)),
                       tunnelled(mld_report(wire::RecordType::ChangeToExcludeMode)).size(),
                       at_ms(200));
    EXPECT_EQ(proxy_.link(peer)->counters.control_received, 1U);
    // The upstream hears the join: ecmh is a host there (RFC 4605).
    auto frames = sent_to(up);
    EXPECT_FALSE(frames.empty()) << "a report upstream";

    const auto data = test::ethernet_frame(udp6(64));
    proxy_.on_frame(up, data, at_ms(300));
    frames = sent_to(peer);
    ASSERT_EQ(frames.size(), 1U);
    auto d = decode_tunnel_frame(frames[0]);
    EXPECT_EQ(d.outer_destination, kPeer);
    EXPECT_EQ(d.outer_source, kOurs) << "answers come from the address the peer used";
    const auto inner = wire::parse_ipv6(d.inner);
    ASSERT_TRUE(inner.has_value());
    EXPECT_EQ(inner->destination, kGroup);
    EXPECT_EQ(inner->source, kSource);
    EXPECT_EQ(inner->hop_limit, 63) << "decremented once";
    EXPECT_EQ(d.inner.size(), udp6().size());

    // A leave: ecmh queries the group over the tunnel, then stops after LLQT.
    const auto leave = tunnelled(mld_report(wire::RecordType::ChangeToIncludeMode));
    proxy_.on_captured(up, leave, leave.size(), at_ms(400));
    run_until(at_ms(400 + 3000));
    io.take();
    proxy_.on_frame(up, data, at_ms(3500));
    EXPECT_TRUE(sent_to(peer).empty()) << "data stops after the leave";
}

TEST_F(TunnelMode, DataFromAPeerGoesUpstreamAndToOtherPeersNeverBack) {
    engine::TunnelPeerConfig p2;
    p2.name = "tunnel-203.0.113.8";
    p2.remote = test::ipv4("203.0.113.8");
    const auto peer2 = *proxy_.add_tunnel_peer(p2, at_ms(0));
    run_until(at_ms(100));
    const auto join =
        tunnelled(mld_report(wire::RecordType::ChangeToExcludeMode, test::ipv6("fe80::8")),
                  test::ipv4("203.0.113.8"));
    proxy_.on_captured(up, join, join.size(), at_ms(200));
    io.take();
    const auto from_peer = tunnelled(udp6(10));
    proxy_.on_captured(up, from_peer, from_peer.size(), at_ms(300));
    const auto frames = io.take();
    std::set<std::uint16_t> links;
    for (const auto& f : frames) {
        links.insert(f.link.slot());
    }
    EXPECT_EQ(links, (std::set<std::uint16_t>{up.slot(), peer2.slot()}));
}

TEST_F(TunnelMode, AStrangersReportChangesNothingAndSendsNothing) {
    run_until(at_ms(100));
    io.take();
    const auto join = tunnelled(mld_report(wire::RecordType::ChangeToExcludeMode), kStranger);
    proxy_.on_captured(up, join, join.size(), at_ms(200));
    proxy_.on_captured(up, join, join.size(), at_ms(300));
    EXPECT_EQ(proxy_.statistics().of(DropReason::UnknownTunnelPeer), 2U);
    EXPECT_TRUE(io.take().empty()) << "no report upstream, nothing toward the stranger";
    EXPECT_EQ(proxy_.mld().forwarding().group_count(), 0U);
    std::size_t warnings = 0;
    for (const auto& [level, line] : log.lines) {
        warnings += line.find("203.0.113.99") != std::string::npos ? 1 : 0;
    }
    EXPECT_EQ(warnings, 1U) << "logged at most once per 10 s";
    proxy_.on_captured(up, join, join.size(), at_ms(10'300));
    warnings = 0;
    for (const auto& [level, line] : log.lines) {
        warnings += line.find("203.0.113.99") != std::string::npos ? 1 : 0;
    }
    EXPECT_EQ(warnings, 2U);
}

TEST_F(TunnelMode, AWildcardPeerOnlyToOurAddresses) {
    const auto join = tunnelled(mld_report(wire::RecordType::ChangeToExcludeMode), kPeer,
                                test::ipv4("198.51.100.77"));
    proxy_.on_captured(up, join, join.size(), at_ms(200));
    EXPECT_EQ(proxy_.statistics().of(DropReason::TunnelNotForUs), 1U);
    EXPECT_EQ(proxy_.mld().forwarding().group_count(), 0U);
}

TEST_F(TunnelMode, OuterGateErrorsAreCounted) {
    auto frame =
        tunnelled(mld_report(wire::RecordType::ChangeToExcludeMode), test::ipv4("192.88.99.1"));
    proxy_.on_captured(up, frame, frame.size(), at_ms(200));
    EXPECT_EQ(proxy_.statistics().of(wire::ParseError::SixToFourAnycast), 1U);
    Bytes nested = udp6();
    nested[6] = 41; // IPv6 Next Header 41 inside 6in4
    frame = tunnelled(nested);
    proxy_.on_captured(up, frame, frame.size(), at_ms(200));
    EXPECT_EQ(proxy_.statistics().of(wire::ParseError::NestedTunnel), 1U);
    EXPECT_EQ(proxy_.mld().forwarding().group_count(), 0U);
}

TEST_F(TunnelMode, ManyPeersAreQueriedSpreadOut) {
    for (std::uint32_t i = 0; i < 100; ++i) {
        engine::TunnelPeerConfig p;
        p.name = "p" + std::to_string(i);
        p.remote = Ipv4Address{0xcb007200U + i}; // 203.0.114.x
        ASSERT_TRUE(proxy_.add_tunnel_peer(p, at_ms(0)).has_value());
    }
    run_until(at_ms(0));
    std::size_t at_zero = 0;
    for (const auto& f : io.take()) {
        at_zero += table::is_tunnel_peer(f.link) ? 1 : 0;
    }
    EXPECT_EQ(at_zero, 1U) << "one query per kPeerQuerySpacing, not a burst";
    run_until(at_ms(200));
    std::size_t by_200 = 0;
    for (const auto& f : io.take()) {
        by_200 += table::is_tunnel_peer(f.link) ? 1 : 0;
    }
    EXPECT_EQ(by_200, 100U) << "every peer queried within 101 ms";
}

TEST_F(TunnelMode, APeerRemovedWhileTrafficFlowsGetsNothingMore) {
    run_until(at_ms(100));
    const auto join = tunnelled(mld_report(wire::RecordType::ChangeToExcludeMode));
    proxy_.on_captured(up, join, join.size(), at_ms(200));
    io.take();
    const auto data = test::ethernet_frame(udp6(64));
    proxy_.on_frame(up, data, at_ms(300));
    EXPECT_EQ(sent_to(peer).size(), 1U);
    proxy_.remove_link(peer, at_ms(310));
    EXPECT_EQ(proxy_.tunnel_peer_count(), 0U);
    EXPECT_EQ(proxy_.link(peer), nullptr);
    proxy_.on_frame(up, data, at_ms(320));
    EXPECT_TRUE(sent_to(peer).empty());
    proxy_.on_captured(up, join, join.size(), at_ms(330));
    EXPECT_EQ(proxy_.statistics().of(DropReason::UnknownTunnelPeer), 1U);
    // The slot is reused by the next peer.
    engine::TunnelPeerConfig p;
    p.name = "again";
    p.remote = kPeer;
    EXPECT_EQ(proxy_.add_tunnel_peer(p, at_ms(400)), peer);
}

TEST_F(TunnelMode, ACopyLargerThanThePeersMtuIsNotSent) {
    engine::TunnelPeerConfig p;
    p.name = "small";
    p.remote = test::ipv4("203.0.113.9");
    p.mtu = 60;
    const auto small = *proxy_.add_tunnel_peer(p, at_ms(0));
    run_until(at_ms(100));
    const auto join =
        tunnelled(mld_report(wire::RecordType::ChangeToExcludeMode, test::ipv6("fe80::9")),
                  test::ipv4("203.0.113.9"));
    proxy_.on_captured(up, join, join.size(), at_ms(200));
    io.take();
    proxy_.on_frame(up, test::ethernet_frame(udp6(64)), at_ms(300)); // 52 bytes: fits
    EXPECT_EQ(sent_to(small).size(), 1U);
    Bytes big = udp6(64);
    big.resize(61);
    big[5] = static_cast<std::uint8_t>(61 - 40);
    big[45] = static_cast<std::uint8_t>(61 - 40); // UDP length
    proxy_.on_frame(up, test::ethernet_frame(big), at_ms(400));
    const auto frames = io.take();
    EXPECT_EQ(proxy_.statistics().of(DropReason::TooBigForLink), 1U);
    // RFC 4443 §3.2, allowed for multicast (§2.4(e.3)): a Packet Too Big with the peer's
    // MTU goes back to the source, unicast to the previous hop on the arrival link.
    std::vector<test::SentFrame> to_small;
    std::vector<test::SentFrame> back;
    for (const auto& f : frames) {
        (f.link == small ? to_small : back).push_back(f);
    }
    EXPECT_TRUE(to_small.empty());
    ASSERT_EQ(back.size(), 1U);
    EXPECT_EQ(back[0].link, up);
    const auto& b = back[0].bytes;
    ASSERT_GE(b.size(), 14U + 48U + 61U);
    EXPECT_TRUE(std::equal(b.begin(), b.begin() + 6, test::kHostMac.bytes().begin()))
        << "to the frame's source MAC";
    const auto ip = std::span(b).subspan(14);
    EXPECT_EQ(ip[6], 58);
    EXPECT_EQ(Ipv6Address::from_span(ip.subspan(24, 16)), kSource);
    EXPECT_EQ(ip[40], 2) << "Packet Too Big";
    EXPECT_EQ((ip[44] << 24) | (ip[45] << 16) | (ip[46] << 8) | ip[47], 60);
    EXPECT_TRUE(std::equal(big.begin(), big.end(), ip.begin() + 48)) << "the packet as received";
    EXPECT_EQ(proxy_.statistics().packet_too_big_sent, 1U);

    // At most one per source per second (RFC 4443 §2.4(f)).
    proxy_.on_frame(up, test::ethernet_frame(big), at_ms(900));
    EXPECT_TRUE(sent_to(up).empty());
    proxy_.on_frame(up, test::ethernet_frame(big), at_ms(1400));
    EXPECT_EQ(sent_to(up).size(), 1U);
    EXPECT_EQ(proxy_.statistics().packet_too_big_sent, 2U);
}

TEST_F(NoTunnelMode, ProtocolFortyOneIsDroppedWithoutTunnelMode) {
    const auto join = tunnelled(mld_report(wire::RecordType::ChangeToExcludeMode));
    proxy_.on_captured(up, join, join.size(), at_ms(200));
    EXPECT_EQ(proxy_.statistics().of(DropReason::Tunnel), 1U);
    EXPECT_EQ(proxy_.mld().forwarding().group_count(), 0U);
}

TEST_F(TunnelMode, APeerForAnyOfOurAddressesIsAnsweredFromTheOneItUses) {
    (void)proxy_.add_link(test::ethernet_link("eth1", 2, "fe80::2", "192.0.2.1", false), at_ms(0));
    engine::TunnelPeerConfig p;
    p.name = "any";
    p.remote = test::ipv4("203.0.113.20");
    const auto any = *proxy_.add_tunnel_peer(p, at_ms(0));
    EXPECT_EQ(proxy_.link(any)->config.link_local, test::ipv6("fe80::c000:201"))
        << "before it speaks: our lowest IPv4 address";
    const auto join =
        tunnelled(mld_report(wire::RecordType::ChangeToExcludeMode, test::ipv6("fe80::20")),
                  test::ipv4("203.0.113.20"), kOurs);
    proxy_.on_captured(up, join, join.size(), at_ms(100));
    EXPECT_EQ(proxy_.link(any)->config.link_local, test::ipv6("fe80::c633:6401"));
    io.take();
    run_until(at_ms(40'000)); // past the startup queries
    const auto frames = sent_to(any);
    ASSERT_FALSE(frames.empty());
    for (const auto& f : frames) {
        const auto d = decode_tunnel_frame(f);
        EXPECT_EQ(d.outer_source, kOurs);
        EXPECT_EQ(wire::parse_ipv6(d.inner)->source, test::ipv6("fe80::c633:6401"));
    }
}

TEST(TunnelModeLimits, EachPeerHasTheLinksGroupLimit) {
    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::ProxyConfig c;
    c.tunnel_mode = true;
    c.max_groups_per_link = 1;
    engine::Proxy proxy{c, io, log, 5};
    const auto up =
        *proxy.add_link(test::ethernet_link("eth0", 1, "fe80::1", "198.51.100.1", true), at_ms(0));
    std::vector<LinkId> peers;
    for (const char* remote : {"203.0.113.7", "203.0.113.8"}) {
        engine::TunnelPeerConfig p;
        p.name = remote;
        p.remote = test::ipv4(remote);
        peers.push_back(*proxy.add_tunnel_peer(p, at_ms(0)));
    }
    const auto join = [&](const char* remote, const char* group) {
        std::array<std::uint8_t, 1500> buf{};
        const wire::MldRecordSpec rec{wire::RecordType::ChangeToExcludeMode, test::ipv6(group), {}};
        wire::PackCursor cursor;
        const auto n =
            wire::pack_mld_v2_report(buf, test::ipv6("fe80::7"), 1500, std::span(&rec, 1), cursor);
        const auto frame =
            test::tunnelled_frame(std::span(buf.data(), *n), test::ipv4(remote), kOurs);
        proxy.on_captured(up, frame, frame.size(), at_ms(100));
    };
    join("203.0.113.7", "ff0e::1:1");
    join("203.0.113.7", "ff0e::1:2"); // refused: the peer's one group is taken
    join("203.0.113.8", "ff0e::1:2"); // another peer has a limit of its own
    EXPECT_EQ(proxy.mld().router(peers[0])->group_count(), 1U);
    EXPECT_EQ(proxy.mld().router(peers[0])->counters().group_limit_hits, 1U);
    EXPECT_EQ(proxy.mld().router(peers[1])->group_count(), 1U);
    EXPECT_EQ(proxy.mld().forwarding().members(test::ipv6("ff0e::1:2")).size(), 1U);
}

TEST_F(TunnelMode, TheKernelsOwnTunnelIsNoStranger) {
    // An upstream sit to 203.0.113.50 stays a link: its 6in4 packets are the kernel's.
    proxy_.set_kernel_tunnels({{test::ipv4("203.0.113.50"), kOurs}});
    const auto frame = tunnelled(mld_report(wire::RecordType::ChangeToExcludeMode),
                                 test::ipv4("203.0.113.50"), kOurs);
    proxy_.on_captured(up, frame, frame.size(), at_ms(100));
    EXPECT_EQ(proxy_.statistics().of(DropReason::Tunnel), 1U);
    EXPECT_EQ(proxy_.statistics().of(DropReason::UnknownTunnelPeer), 0U);
    for (const auto& [level, line] : log.lines) {
        EXPECT_EQ(line.find("203.0.113.50"), std::string::npos) << line;
    }
    proxy_.set_kernel_tunnels({});
    proxy_.on_captured(up, frame, frame.size(), at_ms(200));
    EXPECT_EQ(proxy_.statistics().of(DropReason::UnknownTunnelPeer), 1U);
}

TEST_F(TunnelMode, APeersEchoRequestAndHopLimitsAreAnyLinksRules) {
    run_until(at_ms(100));
    io.take();
    // An ICMPv6 Echo Request to a group, from behind the tunnel: data, toward the
    // upstream with hop limit − 1 (rfc-map item 50), never back into the tunnel.
    std::array<std::uint8_t, 200> buf{};
    const std::array<std::uint8_t, 4> payload{'p', 'i', 'n', 'g'};
    const auto n = wire::build_icmpv6_echo(buf, {kSource, kGroup, 9, wire::kProtoIcmpv6}, true,
                                           0x1234, 1, payload);
    ASSERT_TRUE(n.has_value());
    const auto echo = tunnelled(Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n)));
    proxy_.on_captured(up, echo, echo.size(), at_ms(200));
    auto frames = io.take();
    ASSERT_EQ(frames.size(), 1U);
    EXPECT_EQ(frames[0].link, up);
    const auto ip = std::span(frames[0].bytes).subspan(14);
    EXPECT_EQ(ip[7], 8) << "hop limit 9 − 1";
    EXPECT_EQ(ip[40], wire::kIcmpv6EchoRequest);
    // Hop limit 1 from a peer is not forwarded (RFC 8200 §3), and counted on the peer.
    const auto last_hop = tunnelled(udp6(1));
    proxy_.on_captured(up, last_hop, last_hop.size(), at_ms(300));
    EXPECT_TRUE(io.take().empty());
    EXPECT_EQ(proxy_.link(peer)->counters.hop_limit_exceeded, 1U);
}
