// SPDX-License-Identifier: BSD-3-Clause
// Tunnel peers on the daemon side: the peers file and --tunnel-peer values, the kernel's
// 6in4 tunnels that become peers, and TunnelPeerManager applying a new list as a
// difference (unchanged peers keep their listeners).
#include "ecmh/app/tunnel_peer_manager.hpp"
#include "ecmh/app/tunnel_peers.hpp"
#include "ecmh/wire/mld.hpp"
#include "support/engine_frames.hpp"
#include "support/fake_link_io.hpp"

#include <array>
#include <gtest/gtest.h>
#include <net/if.h>
#include <net/if_arp.h>

namespace ecmh::app {
namespace {

using proto::at_ms;
using test::ipv4;

TunnelPeerSpec spec(const char* remote, const char* local = "0.0.0.0") {
    return TunnelPeerSpec{ipv4(remote), ipv4(local)};
}

} // namespace

TEST(TunnelPeersFile, OnePeerPerLineWithOptionalLocalAndComments) {
    const auto peers = parse_tunnel_peers("# tunnel broker PoP 3\n"
                                          "203.0.113.7\n"
                                          "\n"
                                          "  203.0.113.8   198.51.100.1   # site 8\n"
                                          "203.0.113.9 local 198.51.100.1\r\n"
                                          "\t203.0.113.9\t# the same remote, any local\n");
    ASSERT_TRUE(peers.has_value()) << peers.error().line << ": " << peers.error().what;
    EXPECT_EQ(*peers, (std::vector<TunnelPeerSpec>{
                          spec("203.0.113.7"), spec("203.0.113.8", "198.51.100.1"),
                          spec("203.0.113.9", "198.51.100.1"), spec("203.0.113.9")}));
    EXPECT_TRUE(parse_tunnel_peers("").has_value());
    EXPECT_TRUE(parse_tunnel_peers("# nothing\n\n").value().empty());
}

TEST(TunnelPeersFile, ErrorsNameTheLine) {
    struct Row {
        const char* text;
        std::size_t line;
        const char* what;
    };
    for (const auto& row : {
             Row{"203.0.113.7\nbogus\n", 2, "'bogus' is not an IPv4 address"},
             Row{"203.0.113.7 198.51.100.1 x\n", 1, "expected REMOTE [[local] LOCAL]"},
             Row{"203.0.113.7 remote 198.51.100.1\n", 1, "expected REMOTE [[local] LOCAL]"},
             Row{"\n\n0.0.0.0\n", 3, "0.0.0.0 is the unspecified address"},
             Row{"239.1.1.1\n", 1, "239.1.1.1 is a multicast address"},
             Row{"255.255.255.255\n", 1, "255.255.255.255 is the broadcast address"},
             Row{"127.0.0.2\n", 1, "127.0.0.2 is a loopback address"},
             Row{"192.88.99.1\n", 1,
                 "192.88.99.1 is a 6to4 relay anycast address (192.88.99.0/24)"},
             Row{"203.0.113.7 local 224.0.0.5\n", 1, "224.0.0.5 is a multicast address"},
             Row{"203.0.113.7\n# x\n203.0.113.7\n", 3, "203.0.113.7 is listed twice"},
         }) {
        const auto r = parse_tunnel_peers(row.text);
        ASSERT_FALSE(r.has_value()) << row.text;
        EXPECT_EQ(r.error().line, row.line) << row.text;
        EXPECT_EQ(r.error().what, row.what) << row.text;
    }
}

TEST(KernelTunnelPeers, SitDevicesWithAFixedRemoteThatAreUp) {
    io::InterfaceTable table;
    io::InterfaceInfo eth;
    eth.index = net::IfIndex{2};
    eth.name = "eth0";
    eth.hardware_type = ARPHRD_ETHER;
    eth.flags = IFF_UP | IFF_RUNNING;
    eth.mtu = 1500;
    table.upsert_link(eth);
    auto sit = [](std::uint32_t index, const char* name, const char* remote, std::uint8_t ttl) {
        io::InterfaceInfo s;
        s.index = net::IfIndex{index};
        s.name = name;
        s.hardware_type = ARPHRD_SIT;
        s.flags = IFF_UP | IFF_RUNNING;
        s.mtu = 1400;
        s.tunnel =
            io::InterfaceTunnel{"sit", ipv4("198.51.100.1"), ipv4(remote), ttl, net::IfIndex{2}};
        return s;
    };
    table.upsert_link(sit(3, "tun-a", "203.0.113.7", 0));
    table.upsert_link(sit(4, "tun-b", "203.0.113.8", 32));
    table.upsert_link(sit(5, "sit0", "0.0.0.0", 0)); // remote any: not a peer
    auto down = sit(6, "tun-down", "203.0.113.9", 0);
    down.flags = 0;
    table.upsert_link(down);
    table.upsert_link(sit(7, "tun-up", "203.0.113.10", 0));  // the upstream: a link
    table.upsert_link(sit(8, "tun-up2", "203.0.113.11", 0)); // a second upstream: a link

    const std::vector<std::string> upstreams{"tun-up", "tun-up2"};
    const auto peers = kernel_tunnel_peers(table, upstreams);
    ASSERT_EQ(peers.size(), 2U);
    EXPECT_EQ(peers[0].name, "tun-a");
    EXPECT_EQ(peers[0].remote, ipv4("203.0.113.7"));
    EXPECT_EQ(peers[0].local, ipv4("198.51.100.1"));
    EXPECT_EQ(peers[0].ttl, 64) << "TTL 0 inherits a hop limit: 64 on the outer header";
    EXPECT_EQ(peers[0].mtu, 1400U);
    EXPECT_EQ(peers[0].master, "eth0");
    EXPECT_EQ(peers[0].master_index, net::IfIndex{2});
    EXPECT_EQ(peers[1].name, "tun-b");
    EXPECT_EQ(peers[1].ttl, 32);

    // The upstream sits stay links; their ends are the kernel's tunnels.
    const auto kernel = upstream_tunnels(table, upstreams);
    ASSERT_EQ(kernel.size(), 2U);
    EXPECT_EQ(kernel[0].remote, ipv4("203.0.113.10"));
    EXPECT_EQ(kernel[0].local, ipv4("198.51.100.1"));
    EXPECT_EQ(kernel[1].remote, ipv4("203.0.113.11"));
    EXPECT_TRUE(upstream_tunnels(table, {"eth0"}).empty());
    EXPECT_TRUE(upstream_tunnels(table, {}).empty());
}

class TunnelPeerManagerTest : public ::testing::Test {
protected:
    TunnelPeerManagerTest() {
        engine::ProxyConfig c;
        c.tunnel_mode = true;
        c.vars = proto::fast_test_profile();
        proxy_ = std::make_unique<engine::Proxy>(c, io_, log_, 3);
        up_ = *proxy_->add_link(test::ethernet_link("eth0", 1, "fe80::1", "198.51.100.1", true, 2),
                                at_ms(0));
    }
    void join(const char* remote, proto::TimePoint at) {
        std::array<std::uint8_t, 1500> buf{};
        const wire::MldRecordSpec rec{
            wire::RecordType::ChangeToExcludeMode, test::ipv6("ff0e::1:1000"), {}};
        wire::PackCursor cursor;
        const auto n =
            wire::pack_mld_v2_report(buf, test::ipv6("fe80::7"), 1500, std::span(&rec, 1), cursor);
        const auto frame =
            test::tunnelled_frame(std::span(buf.data(), *n), ipv4(remote), ipv4("198.51.100.1"));
        proxy_->on_captured(up_, frame, frame.size(), at);
    }
    [[nodiscard]] std::size_t listening_peers() const {
        const auto members = proxy_->mld().forwarding().members(test::ipv6("ff0e::1:1000"));
        return static_cast<std::size_t>(
            std::count_if(members.begin(), members.end(),
                          [](const auto& m) { return table::is_tunnel_peer(m.link); }));
    }

    test::FakeLinkIo io_;
    test::RecordingLog log_;
    std::unique_ptr<engine::Proxy> proxy_;
    engine::LinkId up_;
};

TEST_F(TunnelPeerManagerTest, AReloadTouchesOnlyWhatChanged) {
    TunnelPeerManager m{*proxy_, log_};
    m.reconcile(
        {configured_peer(ipv4("203.0.113.7"), {}), configured_peer(ipv4("203.0.113.8"), {})},
        at_ms(0));
    EXPECT_EQ(m.size(), 2U);
    EXPECT_EQ(proxy_->tunnel_peer_count(), 2U);
    const auto id7 = proxy_->find_tunnel_peer(ipv4("203.0.113.7"), {});
    ASSERT_TRUE(id7.has_value());
    join("203.0.113.7", at_ms(100));
    join("203.0.113.8", at_ms(100));
    EXPECT_EQ(listening_peers(), 2U);

    // .8 goes, .9 comes, .7 stays: its listener state stays with it, under the same id.
    m.reconcile(
        {configured_peer(ipv4("203.0.113.7"), {}), configured_peer(ipv4("203.0.113.9"), {})},
        at_ms(200));
    EXPECT_EQ(proxy_->tunnel_peer_count(), 2U);
    EXPECT_EQ(proxy_->find_tunnel_peer(ipv4("203.0.113.7"), {}), id7);
    EXPECT_FALSE(proxy_->find_tunnel_peer(ipv4("203.0.113.8"), {}).has_value());
    EXPECT_TRUE(proxy_->find_tunnel_peer(ipv4("203.0.113.9"), {}).has_value());
    EXPECT_EQ(listening_peers(), 1U) << "the removed peer's listener is gone, .7's kept";

    // A changed setting (MTU) re-adds the peer.
    auto changed = configured_peer(ipv4("203.0.113.7"), {});
    changed.mtu = 1280;
    m.reconcile({changed, configured_peer(ipv4("203.0.113.9"), {})}, at_ms(300));
    EXPECT_EQ(proxy_->link(*proxy_->find_tunnel_peer(ipv4("203.0.113.7"), {}))->config.mtu, 1280U);

    // The first source of a peer wins; an empty list removes every peer.
    m.reconcile({}, at_ms(400));
    EXPECT_EQ(proxy_->tunnel_peer_count(), 0U);
    EXPECT_EQ(m.size(), 0U);
}

TEST_F(TunnelPeerManagerTest, TenThousandPeers) {
    TunnelPeerManager m{*proxy_, log_};
    std::vector<engine::TunnelPeerConfig> peers;
    for (std::uint32_t i = 0; i < 10'000; ++i) {
        peers.push_back(configured_peer(net::Ipv4Address{0xc0000200U + (i % 250) + 1},
                                        net::Ipv4Address{0xcb007100U + (i / 250) + 1}));
    }
    m.reconcile(peers, at_ms(0));
    EXPECT_EQ(proxy_->tunnel_peer_count(), 10'000U);
    // The first General Queries are spread 1 ms apart: 10 s for all of them.
    EXPECT_EQ(proxy_->next_deadline(), at_ms(0));
    proxy_->on_timer(at_ms(0));
    io_.take();
    proxy_->on_timer(at_ms(4999));
    const auto sent = io_.take().size();
    EXPECT_GE(sent, 4999U);
    EXPECT_LE(sent, 5001U);
    m.close_all(at_ms(6000));
    EXPECT_EQ(proxy_->tunnel_peer_count(), 0U);
}

} // namespace ecmh::app

namespace ecmh::app {

TEST(ConfiguredPeer, PeersBehindOneRemoteHaveNamesOfTheirOwn) {
    EXPECT_EQ(configured_peer(ipv4("203.0.113.7"), {}).name, "tunnel-203.0.113.7");
    EXPECT_EQ(configured_peer(ipv4("203.0.113.7"), ipv4("198.51.100.1")).name,
              "tunnel-203.0.113.7-198.51.100.1");
    EXPECT_EQ(configured_peer(ipv4("203.0.113.7"), ipv4("198.51.100.2")).name,
              "tunnel-203.0.113.7-198.51.100.2");
}

} // namespace ecmh::app
