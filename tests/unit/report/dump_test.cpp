// SPDX-License-Identifier: BSD-3-Clause
// The ecmh.dump text, against a golden file. To refresh after an intended change:
//   ECMH_GOLDEN_UPDATE=1 build/tests/ecmh_unit_tests --gtest_filter='Dump*'
#include "ecmh/engine/proxy.hpp"
#include "ecmh/report/dump.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/igmp.hpp"
#include "ecmh/wire/mld.hpp"
#include "support/engine_frames.hpp"
#include "support/fake_flow_cache.hpp"
#include "support/fake_link_io.hpp"
#include "support/scenario.hpp"

#include <array>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

using namespace ecmh;
using net::Ipv4Address;
using net::Ipv6Address;
using proto::at_ms;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

TEST(Dump, MatchesTheGoldenLayout) {
    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::ProxyConfig config;
    config.vars = proto::fast_test_profile();
    engine::Proxy proxy{config, io, log, 7};
    const auto u0 =
        *proxy.add_link(test::ethernet_link("u0", 0x02, "fe80::2", "192.0.2.2", true, 2), at_ms(0));
    const auto d1 = *proxy.add_link(
        test::ethernet_link("d1", 0x10, "fe80::100", "198.51.100.100", false, 3), at_ms(0));
    const auto d2 = proxy.add_link(
        test::ethernet_link("d2", 0x20, "fe80::200", "203.0.113.1", false, 4), at_ms(0));
    ASSERT_TRUE(d2);

    std::array<std::uint8_t, 1500> buf{};
    // d1: an MLDv2 ASM join of ff0e::1:1000 at 1 s.
    const wire::MldRecordSpec asm_join{
        wire::RecordType::ChangeToExcludeMode, test::ipv6("ff0e::1:1000"), {}};
    wire::PackCursor c1;
    auto n =
        wire::pack_mld_v2_report(buf, test::ipv6("fe80::a"), 1500, std::span(&asm_join, 1), c1);
    ASSERT_TRUE(n.has_value());
    proxy.on_frame(
        d1,
        test::ethernet_frame(std::span(buf.data(), *n), net::MacAddress{{0x02, 0, 0, 0, 1, 0x0a}}),
        at_ms(1000));
    // d1: an IGMPv3 SSM join of (192.0.2.101, 232.1.1.1) at 2 s.
    const std::array<Ipv4Address, 1> sources{test::ipv4("192.0.2.101")};
    const wire::IgmpRecordSpec ssm{wire::RecordType::AllowNewSources, test::ipv4("232.1.1.1"),
                                   sources};
    wire::PackCursor c2;
    n = wire::pack_igmp_v3_report(buf, test::ipv4("198.51.100.10"), 1500, std::span(&ssm, 1), c2);
    ASSERT_TRUE(n.has_value());
    proxy.on_frame(
        d1,
        test::ethernet_frame(std::span(buf.data(), *n), net::MacAddress{{0x02, 0, 0, 0, 1, 0x0a}}),
        at_ms(2000));
    // Three data packets from upstream to ff0e::1:1000, one with hop limit 1.
    for (const std::uint8_t hop : {8, 8, 1}) {
        net::ByteWriter w{buf};
        wire::write_ipv6_header(w,
                                wire::Ipv6HeaderSpec{test::ipv6("2001:db8:1::1"),
                                                     test::ipv6("ff0e::1:1000"), hop,
                                                     wire::kProtoUdp},
                                20);
        w.zeros(20);
        proxy.on_frame(u0,
                       test::ethernet_frame(w.written(), net::MacAddress{{0x02, 0, 0, 0, 1, 0x01}}),
                       at_ms(3000));
    }
    // A report with a bad checksum, dropped and counted.
    n = wire::pack_mld_v2_report(buf, test::ipv6("fe80::a"), 1500, std::span(&asm_join, 1),
                                 c1 = {});
    buf[48 + 2] ^= 0xff;
    proxy.on_frame(
        d1,
        test::ethernet_frame(std::span(buf.data(), *n), net::MacAddress{{0x02, 0, 0, 0, 1, 0x0a}}),
        at_ms(3500));
    // Run the protocol to 5 s; d2 goes down at 4 s: shown as down, its General Queries
    // due at 5 s counted as link-down.
    const auto run_until = [&](proto::TimePoint end) {
        for (auto t = proxy.next_deadline(); t <= end; t = proxy.next_deadline()) {
            proxy.on_timer(t);
        }
    };
    run_until(at_ms(4000));
    proxy.set_link_down(*d2, at_ms(4000));
    run_until(at_ms(5000));

    const auto text =
        report::render_dump(proxy, {at_ms(5000), at_ms(0), "2026-11-23 06:00:00 GMT"});
    const std::string golden = std::string(ECMH_TEST_DATA_DIR) + "/golden/dump/basic.txt";
    if (const char* update = std::getenv("ECMH_GOLDEN_UPDATE");
        update != nullptr && std::string(update) == "1") {
        std::ofstream(golden) << text;
    }
    EXPECT_EQ(text, read_file(golden));
}

TEST(Dump, TunnelModeShowsEachPeerWithItsMasterAndRemote) {
    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::ProxyConfig config;
    config.vars = proto::fast_test_profile();
    config.tunnel_mode = true;
    engine::Proxy proxy{config, io, log, 7};
    const auto u0 = *proxy.add_link(
        test::ethernet_link("u0", 0x02, "fe80::2", "198.51.100.1", true, 2), at_ms(0));
    engine::TunnelPeerConfig kernel;
    kernel.name = "sit7";
    kernel.remote = test::ipv4("203.0.113.7");
    kernel.local = test::ipv4("198.51.100.1");
    kernel.mtu = 1400;
    kernel.ttl = 32;
    kernel.master = "u0";
    kernel.master_index = net::IfIndex{2};
    ASSERT_TRUE(proxy.add_tunnel_peer(kernel, at_ms(0)));
    engine::TunnelPeerConfig configured;
    configured.name = "tunnel-203.0.113.8";
    configured.remote = test::ipv4("203.0.113.8");
    ASSERT_TRUE(proxy.add_tunnel_peer(configured, at_ms(0)));
    engine::TunnelPeerConfig silent;
    silent.name = "tunnel-203.0.113.9";
    silent.remote = test::ipv4("203.0.113.9");
    ASSERT_TRUE(proxy.add_tunnel_peer(silent, at_ms(0)));

    // The configured peer joins ff0e::1:1000 through the tunnel at 1 s.
    std::array<std::uint8_t, 1500> buf{};
    const wire::MldRecordSpec join{
        wire::RecordType::ChangeToExcludeMode, test::ipv6("ff0e::1:1000"), {}};
    wire::PackCursor cursor;
    const auto n =
        wire::pack_mld_v2_report(buf, test::ipv6("fe80::8"), 1500, std::span(&join, 1), cursor);
    ASSERT_TRUE(n.has_value());
    const auto frame = test::tunnelled_frame(std::span(buf.data(), *n), test::ipv4("203.0.113.8"),
                                             test::ipv4("198.51.100.1"));
    proxy.on_captured(u0, frame, frame.size(), at_ms(1000));
    for (auto t = proxy.next_deadline(); t <= at_ms(2000); t = proxy.next_deadline()) {
        proxy.on_timer(t);
    }
    const auto text =
        report::render_dump(proxy, {at_ms(2000), at_ms(0), "2026-11-23 06:00:00 GMT"});
    const std::string golden = std::string(ECMH_TEST_DATA_DIR) + "/golden/dump/tunnel.txt";
    if (const char* update = std::getenv("ECMH_GOLDEN_UPDATE");
        update != nullptr && std::string(update) == "1") {
        std::ofstream(golden) << text;
    }
    EXPECT_EQ(text, read_file(golden));
}

// RFC 3810 §8.3.1: a query of an older version heard on a downstream link shows in the
// link's block (who sent it, which version, when), for as long as it is recent.
TEST(Dump, ShowsAQueryOfAnotherVersionOnItsLink) {
    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::ProxyConfig config;
    config.vars = proto::fast_test_profile();
    config.ipv4 = false;
    engine::Proxy proxy{config, io, log, 7};
    const auto d1 = *proxy.add_link(
        test::ethernet_link("d1", 0x10, "fe80::100", "198.51.100.100", false, 3), at_ms(0));
    std::array<std::uint8_t, 200> buf{};
    wire::MldQuerySpec spec;
    spec.version = wire::MldVersion::V1;
    spec.source = test::ipv6("fe80::ffff");
    const auto n = wire::build_mld_query(buf, spec);
    ASSERT_TRUE(n.has_value());
    proxy.on_frame(
        d1,
        test::ethernet_frame(std::span(buf.data(), *n), net::MacAddress{{0x02, 0, 0, 0, 1, 0xff}}),
        at_ms(1000));
    const auto at = [&](std::int64_t ms) {
        return report::render_dump(proxy, {at_ms(ms), at_ms(0), "2026-11-23 06:00:00 GMT"});
    };
    EXPECT_NE(at(3000).find("  MLD querier       : this router\n"
                            "  MLD version warning : MLDv1 query from fe80::ffff 2 seconds ago\n"),
              std::string::npos)
        << at(3000);
    // Gone once a Multicast Address Listening Interval (10 s here) has passed.
    EXPECT_EQ(at(11'001).find("version warning"), std::string::npos) << at(11'001);
}

// Issue 16: each translated pair with both names, its kind, the family that reports it,
// its listeners in each family and the packets translated; the totals in the statistics.
TEST(Dump, TranslationShowsEachPairWithBothNamesAndCounters) {
    test::Scenario::Options o;
    o.translation = net::TranslationPrefixes::defaults();
    test::Scenario s(o);
    s.run_until(at_ms(1000));
    s.report(s.d1(), "fe80::1:a",
             {{wire::RecordType::ChangeToExcludeMode, "ff18:1000::ef01:203", {}}});
    s.report(s.d2(), "203.0.113.10", {{wire::RecordType::ChangeToExcludeMode, "239.1.2.3", {}}});
    s.run_until(at_ms(1500));
    for (int i = 0; i < 2; ++i) {
        s.deliver(s.u0(), test::frames::udp_checksummed("192.0.2.10", "239.1.2.3", 16));
    }
    const auto text = report::render_dump(s.proxy(), {s.now(), at_ms(0), "now"});
    EXPECT_NE(text.find("*** Translation Dump\n\n"
                        "Prefixes : ASM ff1e:1000::/96, SSM ff3e:0:8000::/96, sources "
                        "64:ff9b:1::/96\n\n"
                        "239.1.2.3 <-> ff18:1000::ef01:203\n"
                        "  Kind       : ASM\n"
                        "  Reported   : IGMP, for 239.1.2.3\n"
                        "  Listeners  : 1 IPv4 links, 1 IPv6 links\n"
                        "  Translated : 2 packets to IPv6, 0 to IPv4\n\n"
                        "*** Translation Dump (end - 1 pairs)\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("Translated          : 2 to IPv6, 0 to IPv4 (0 zero UDP checksums "
                        "computed)\n"),
              std::string::npos)
        << text;
    // Without --translate there is no such section.
    test::Scenario plain;
    EXPECT_EQ(
        report::render_dump(plain.proxy(), {plain.now(), at_ms(0), "now"}).find("Translation"),
        std::string::npos);
}

// Issue 15: the fast path's section: each link's mode and why, the kernel's notices of
// feature changes, each installed flow with its out-links, limits and the program's
// counters, the program's own counts; the group's and the total counters include what the
// fast path forwarded, once the daemon synced them.
TEST(Dump, FastPathShowsLinksFlowsAndProgramCounts) {
    test::Scenario s;
    test::FakeFlowCache cache;
    s.proxy().set_flow_cache(&cache);
    s.run_until(at_ms(1000));
    s.report(s.d1(), "fe80::1:a", {{wire::RecordType::ChangeToExcludeMode, "ff0e::1:1", {}}});
    s.run_until(at_ms(1500));
    s.deliver(s.u0(), test::frames::udp("2001:db8:1::10", "ff0e::1:1", 16)); // installs
    const auto key = engine::FlowKey::ipv6(s.u0(), *net::Ipv6Address::parse("2001:db8:1::10"),
                                           *net::Ipv6Address::parse("ff0e::1:1"));
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(cache.forward(key, 80, s.now()));
    }
    s.proxy().sync_flow_counters();
    report::DumpContext context{s.now(), at_ms(0), "now"};
    context.fast_path = report::DumpContext::FastPath{
        {{"u0", "generic", "as --xdp-mode asks"}, {"d1", "native", "its driver runs XDP"}},
        {{"redirected", 3}, {"passed-not-cached", 1}},
        {true, "", 5, 2, 1}};
    const auto text = report::render_dump(s.proxy(), context);
    EXPECT_NE(text.find("*** Fast Path Dump\n\n"
                        "Interface u0 : generic (as --xdp-mode asks)\n"
                        "Interface d1 : native (its driver runs XDP)\n"
                        "Feature notices : 5 received, 2 about these interfaces, 1 times lost\n\n"
                        "Flow ff0e::1:1 from 2001:db8:1::10 on u0\n"
                        "  Out-links   : d1\n"
                        "  Max length  : 1500\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("  Packets     : 3\n"
                        "  Bytes       : 240\n\n"
                        "Program\n"
                        "  redirected                : 3\n"
                        "  passed-not-cached         : 1\n\n"
                        "*** Fast Path Dump (end - 1 flows; 1 installed, 0 removed, 0 refused "
                        "with the table full)\n"),
              std::string::npos)
        << text;
    // The group counts the engine's first packet and the fast path's three.
    EXPECT_NE(text.find("Group : ff0e::1:1\n  Bytes : 320\n  Packets: 4\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("Packets Forwarded   : 4\n"), std::string::npos) << text;
    // A kernel that tells no changes: why, in place of the counts.
    context.fast_path->notices = {false, "this kernel's netdev family has no mgmt group", 0, 0, 0};
    EXPECT_NE(report::render_dump(s.proxy(), context)
                  .find("Interface d1 : native (its driver runs XDP)\n"
                        "Feature notices : none (this kernel's netdev family has no mgmt group)\n"),
              std::string::npos);
    // Without a fast path there is no such section.
    test::Scenario plain;
    EXPECT_EQ(report::render_dump(plain.proxy(), {plain.now(), at_ms(0), "now"}).find("Fast Path"),
              std::string::npos);
}
