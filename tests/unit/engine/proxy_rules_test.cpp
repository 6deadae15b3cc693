// SPDX-License-Identifier: BSD-3-Clause
// Engine rules found missing by the doc/rfc-map.md review: a unicast IGMP query upstream
// is answered (rfc-map item 37), 802.1Q-tagged frames are ignored (M15), an upstream that
// appears after the listeners learns the whole database (M19).
#include "ecmh/engine/proxy.hpp"
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/igmp.hpp"
#include "ecmh/wire/mld.hpp"
#include "support/engine_frames.hpp"
#include "support/fake_link_io.hpp"

#include <algorithm>
#include <array>
#include <gtest/gtest.h>
#include <set>
#include <variant>

using namespace ecmh;
using net::Ipv4Address;
using net::Ipv6Address;
using proto::at_ms;

namespace {

std::vector<std::uint8_t> asm_join_v6(const char* group) {
    std::array<std::uint8_t, 1500> buf{};
    const wire::MldRecordSpec rec{wire::RecordType::ChangeToExcludeMode, test::ipv6(group), {}};
    wire::PackCursor cursor;
    const auto n =
        wire::pack_mld_v2_report(buf, test::ipv6("fe80::a"), 1500, std::span(&rec, 1), cursor);
    return {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n)};
}

// The IGMP messages in what was sent on `link`: views into `sent`, which must outlive them.
std::vector<wire::IgmpMessage> igmp_on(const std::vector<test::SentFrame>& sent,
                                       engine::LinkId link) {
    std::vector<wire::IgmpMessage> out;
    for (const auto& f : sent) {
        const auto lf = wire::parse_link_frame(wire::LinkType::Ethernet, f.bytes);
        if (f.link != link || !lf || lf->protocol != wire::NetworkProtocol::Ipv4) {
            continue;
        }
        if (const auto m = wire::parse_igmp(*wire::parse_ipv4(lf->payload))) {
            out.push_back(*m);
        }
    }
    return out;
}

} // namespace

TEST(ProxyRules, UnicastIgmpGeneralQueryUpstreamIsAnswered) {
    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::ProxyConfig config;
    config.vars = proto::fast_test_profile();
    engine::Proxy proxy{config, io, log, 3};
    const auto u0 =
        *proxy.add_link(test::ethernet_link("u0", 2, "fe80::2", "192.0.2.2", true), at_ms(0));
    const auto d1 = *proxy.add_link(
        test::ethernet_link("d1", 0x10, "fe80::100", "198.51.100.100", false), at_ms(0));
    std::array<std::uint8_t, 1500> buf{};
    const wire::IgmpRecordSpec rec{
        wire::RecordType::ChangeToExcludeMode, test::ipv4("239.1.1.1"), {}};
    wire::PackCursor cursor;
    auto n = wire::pack_igmp_v3_report(buf, test::ipv4("198.51.100.10"), 1500, std::span(&rec, 1),
                                       cursor);
    proxy.on_frame(d1, test::ethernet_frame(std::span(buf.data(), *n)), at_ms(10));
    for (auto t = proxy.next_deadline(); t <= at_ms(3000); t = proxy.next_deadline()) {
        proxy.on_timer(t); // let the state-change retransmissions finish
    }
    io.take();

    // An IGMPv3 General Query from the upstream router to ecmh's own 192.0.2.2.
    wire::IgmpQuerySpec q;
    q.source = test::ipv4("192.0.2.1");
    q.max_response_tenths = 10; // 1 s
    n = wire::build_igmp_query(buf, q);
    ASSERT_TRUE(n.has_value());
    buf[16] = 192; // destination 224.0.0.1 → 192.0.2.2, then fix the header checksum
    buf[17] = 0;
    buf[18] = 2;
    buf[19] = 2;
    buf[10] = buf[11] = 0;
    const auto sum = net::internet_checksum(std::span(buf.data(), 24));
    buf[10] = static_cast<std::uint8_t>(sum >> 8);
    buf[11] = static_cast<std::uint8_t>(sum);
    auto query_frame = test::ethernet_frame(std::span(buf.data(), *n));
    const auto mac = net::MacAddress{{0x02, 0, 0, 0, 0, 2}}.bytes(); // to our own MAC
    std::copy(mac.begin(), mac.end(), query_frame.begin());
    proxy.on_frame(u0, query_frame, at_ms(3100));
    EXPECT_EQ(proxy.statistics().of(engine::DropReason::QueryRejected), 0U);
    for (auto t = proxy.next_deadline(); t <= at_ms(4200); t = proxy.next_deadline()) {
        proxy.on_timer(t);
    }
    const auto sent = io.take(); // the parsed messages below are views into these frames
    const auto answers = igmp_on(sent, u0);
    ASSERT_EQ(answers.size(), 1U); // one current-state report within the 1 s max response
    const auto& report = std::get<wire::IgmpV3Report>(answers[0]);
    EXPECT_EQ((*report.begin()).record_type(), wire::RecordType::ModeIsExclude);
    EXPECT_EQ((*report.begin()).group, test::ipv4("239.1.1.1"));
}

TEST(ProxyRules, TaggedFramesAreIgnored) {
    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::Proxy proxy{engine::ProxyConfig{}, io, log, 3};
    const auto u0 =
        *proxy.add_link(test::ethernet_link("u0", 2, "fe80::2", "192.0.2.2", true), at_ms(0));
    const auto d1 = *proxy.add_link(
        test::ethernet_link("d1", 0x10, "fe80::100", "198.51.100.100", false), at_ms(0));
    io.take();
    proxy.on_frame(d1, test::ethernet_frame(asm_join_v6("ff0e::1:1000"), test::kHostMac, 100),
                   at_ms(10));
    EXPECT_EQ(proxy.statistics().of(engine::DropReason::VlanTagged), 1U);
    EXPECT_TRUE(io.take().empty()); // no upstream report: the join was not taken
    EXPECT_EQ(proxy.mld().forwarding().group_count(), 0U);
    proxy.on_frame(d1, test::ethernet_frame(asm_join_v6("ff0e::1:1000")), at_ms(20));
    EXPECT_EQ(proxy.mld().forwarding().group_count(), 1U);
    (void)u0;
}

TEST(ProxyRules, UpstreamAddedLaterLearnsEveryGroup) {
    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::ProxyConfig config;
    config.ipv4 = false;
    engine::Proxy proxy{config, io, log, 3};
    const auto d1 = *proxy.add_link(
        test::ethernet_link("d1", 0x10, "fe80::100", "198.51.100.100", false), at_ms(0));
    proxy.on_frame(d1, test::ethernet_frame(asm_join_v6("ff0e::1:1000")), at_ms(10));
    proxy.on_frame(d1, test::ethernet_frame(asm_join_v6("ff0e::1:2000")), at_ms(20));
    io.take();
    const auto u0 =
        *proxy.add_link(test::ethernet_link("u0", 2, "fe80::2", "192.0.2.2", true), at_ms(30));
    std::set<Ipv6Address> reported;
    for (const auto& f : io.take()) {
        ASSERT_EQ(f.link, u0);
        const auto lf = wire::parse_link_frame(wire::LinkType::Ethernet, f.bytes);
        const auto m = wire::parse_mld(*wire::parse_ipv6(lf->payload));
        ASSERT_TRUE(m.has_value());
        for (const auto& r : std::get<wire::MldV2Report>(*m)) {
            EXPECT_EQ(r.record_type(), wire::RecordType::ChangeToExcludeMode);
            reported.insert(r.group);
        }
    }
    EXPECT_EQ(reported,
              (std::set<Ipv6Address>{test::ipv6("ff0e::1:1000"), test::ipv6("ff0e::1:2000")}));
}

TEST(ProxyRules, ConfiguredIgmpVersionShapesTheQueries) {
    // RFC 3376 §7.3.1: a router configured for IGMPv2 sends 8-byte v2 queries with a
    // linear Max Resp Time; for IGMPv1, 8 bytes with code 0.
    for (const std::uint8_t version : {1, 2}) {
        test::FakeLinkIo io;
        test::RecordingLog log;
        engine::ProxyConfig config;
        config.ipv6 = false;
        config.igmp_version = version;
        engine::Proxy proxy{config, io, log, 3};
        const auto d1 = *proxy.add_link(
            test::ethernet_link("d1", 0x10, "fe80::100", "198.51.100.100", false), at_ms(0));
        proxy.on_timer(proxy.next_deadline()); // the first General Query is due at once
        const auto sent = io.take();
        const auto queries = igmp_on(sent, d1);
        ASSERT_EQ(queries.size(), 1U) << int{version};
        const auto& q = std::get<wire::IgmpQuery>(queries[0]);
        EXPECT_EQ(q.version, static_cast<wire::IgmpVersion>(version));
        EXPECT_TRUE(q.is_general());
        EXPECT_EQ(q.max_response_code, version == 1 ? 0 : 100);
    }
}

TEST(ProxyRules, GroupLimitIsCountedAndLoggedRateLimited) {
    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::ProxyConfig config;
    config.ipv4 = false;
    config.max_groups_per_link = 1;
    engine::Proxy proxy{config, io, log, 3};
    const auto d1 = *proxy.add_link(
        test::ethernet_link("d1", 0x10, "fe80::100", "198.51.100.100", false), at_ms(0));
    const auto warnings = [&] {
        return std::count_if(log.lines.begin(), log.lines.end(),
                             [](const auto& l) { return l.first == engine::LogLevel::Warning; });
    };
    proxy.on_frame(d1, test::ethernet_frame(asm_join_v6("ff0e::1:1000")), at_ms(10));
    proxy.on_frame(d1, test::ethernet_frame(asm_join_v6("ff0e::1:2000")),
                   at_ms(20)); // over the cap
    proxy.on_frame(d1, test::ethernet_frame(asm_join_v6("ff0e::1:3000")),
                   at_ms(30));                             // again, within 10 s
    EXPECT_EQ(proxy.mld().forwarding().group_count(), 1U); // existing state kept, new refused
    EXPECT_EQ(proxy.mld().router(d1)->counters().group_limit_hits, 2U);
    EXPECT_EQ(warnings(), 1); // one line per 10 s, however many hits
    proxy.on_frame(d1, test::ethernet_frame(asm_join_v6("ff0e::1:4000")), at_ms(10'040));
    EXPECT_EQ(proxy.mld().router(d1)->counters().group_limit_hits, 3U);
    EXPECT_EQ(warnings(), 2);
}

// A report that cannot be built (an upstream MTU too small for even one record) is
// counted as build-failed, never dropped silently; nothing half-built goes out.
TEST(ProxyRules, AReportThatCannotBeBuiltIsCountedAsBuildFailed) {
    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::Proxy proxy{engine::ProxyConfig{}, io, log, 3};
    auto upstream = test::ethernet_link("u0", 2, "fe80::2", "192.0.2.2", true);
    upstream.mtu = 60; // IPv6 + Router Alert + MLDv2 report header + one record: 76 bytes
    const auto u0 = *proxy.add_link(upstream, at_ms(0));
    const auto d1 = *proxy.add_link(
        test::ethernet_link("d1", 0x10, "fe80::100", "198.51.100.100", false), at_ms(0));
    io.take();
    EXPECT_EQ(proxy.statistics().of(engine::DropReason::BuildFailed), 0U);
    proxy.on_frame(d1, test::ethernet_frame(asm_join_v6("ff0e::1:1000")), at_ms(10));
    EXPECT_EQ(proxy.mld().forwarding().group_count(), 1U); // the join itself was taken
    EXPECT_GE(proxy.statistics().of(engine::DropReason::BuildFailed), 1U);
    for (const auto& f : io.take()) {
        EXPECT_NE(f.link, u0) << "nothing can be sent upstream at this MTU";
    }
}

// Captured frames are checked against their link before the engine parses them.
TEST(ProxyRules, TruncatedAndOversizedCapturesAreCountedNotParsed) {
    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::Proxy proxy{engine::ProxyConfig{}, io, log, 3};
    const auto d1 = *proxy.add_link(
        test::ethernet_link("d1", 0x10, "fe80::100", "198.51.100.100", false), at_ms(0));
    const auto join = test::ethernet_frame(asm_join_v6("ff0e::1:1000"));
    proxy.on_captured(d1, join, join.size() + 1, at_ms(10)); // the snap length cut it
    EXPECT_EQ(proxy.statistics().of(engine::DropReason::TruncatedCapture), 1U);
    const std::vector<std::uint8_t> giant(1500 + 18 + 1, 0); // over MTU + tagged header
    proxy.on_captured(d1, giant, giant.size(), at_ms(20));
    EXPECT_EQ(proxy.statistics().of(engine::DropReason::OversizedFrame), 1U);
    EXPECT_EQ(proxy.mld().forwarding().group_count(), 0U);
    EXPECT_EQ(proxy.statistics().total.packets_received, 0U);
    proxy.on_captured(d1, join, join.size(), at_ms(30)); // whole: taken
    EXPECT_EQ(proxy.mld().forwarding().group_count(), 1U);
    // A link id the engine does not know is ignored.
    proxy.on_captured(engine::LinkId{200}, join, join.size(), at_ms(40));
    EXPECT_EQ(proxy.statistics().total.packets_received, 1U);
}

// The daemon attaches capture and transmit under free_link() before the engine's link
// exists; add_link(id, …) then uses exactly that id, and refuses a taken one.
TEST(ProxyRules, LinksAreAddedUnderTheIdTheDaemonReserved) {
    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::Proxy proxy{engine::ProxyConfig{}, io, log, 3};
    const auto first = proxy.free_link();
    ASSERT_TRUE(first);
    const auto config = test::ethernet_link("d1", 0x10, "fe80::100", "198.51.100.100", false);
    EXPECT_TRUE(proxy.add_link(*first, config, at_ms(0)));
    EXPECT_NE(proxy.link(*first), nullptr);
    EXPECT_FALSE(proxy.add_link(*first, config, at_ms(0))); // taken
    const auto second = proxy.free_link();
    ASSERT_TRUE(second);
    EXPECT_NE(*second, *first);
    EXPECT_FALSE(proxy.add_link(engine::LinkId{table::kMaxLinks}, config, at_ms(0)));
    proxy.remove_link(*first, at_ms(1));
    EXPECT_EQ(proxy.free_link(), first); // the slot is free again
}

// A link whose transmitter hands out no slot (no route) loses the copy, counted.
TEST(ProxyRules, ACopyWithNoTransmitSlotIsCountedAsSendFailed) {
    class NoRouteIo final : public engine::LinkIo {
    public:
        std::span<std::uint8_t> reserve(engine::LinkId, std::size_t) override { return {}; }
        void commit(engine::LinkId, std::size_t, wire::NetworkProtocol) override { ++commits; }
        int commits = 0;
    } io;
    test::RecordingLog log;
    engine::Proxy proxy{engine::ProxyConfig{}, io, log, 3};
    const auto d1 = *proxy.add_link(
        test::ethernet_link("d1", 0x10, "fe80::100", "198.51.100.100", false), at_ms(0));
    for (auto t = proxy.next_deadline(); t <= at_ms(10); t = proxy.next_deadline()) {
        proxy.on_timer(t); // the first General Queries: no slot for them either
    }
    EXPECT_EQ(io.commits, 0);
    EXPECT_GE(proxy.statistics().of(engine::DropReason::SendFailed), 1U);
    (void)d1;
}

TEST(ProxyRules, ADownstreamLinkWithoutIpv4HasNoIgmpQuerier) {
    // A 0.0.0.0 querier would win every IGMP election (RFC 3376 §6.6.2) and silence the
    // link's real querier; a 6in4 link cannot carry IPv4 at all.
    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::Proxy proxy{engine::ProxyConfig{}, io, log, 1};
    auto config = test::ethernet_link("tnl1", 2, "fe80::2", "192.0.2.1", false);
    config.ipv4.reset();
    const auto id = *proxy.add_link(config, at_ms(0));
    proxy.on_timer(at_ms(0));
    EXPECT_TRUE(igmp_on(io.sent, id).empty());
    EXPECT_EQ(proxy.igmp().router(id), nullptr);
    EXPECT_NE(proxy.mld().router(id), nullptr) << "MLD still runs there";
    bool said = false;
    for (const auto& [level, line] : log.lines) {
        said = said || line.find("tnl1 has no IPv4 address: no IGMP there") != std::string::npos;
    }
    EXPECT_TRUE(said);
}

namespace {

// An IGMPv3 TO_EX({}) Report for `group` from `source`, as a frame.
std::vector<std::uint8_t> igmp_join(const char* source, const char* group) {
    std::array<std::uint8_t, 1500> buf{};
    const wire::IgmpRecordSpec rec{wire::RecordType::ChangeToExcludeMode, test::ipv4(group), {}};
    wire::PackCursor cursor;
    const auto n =
        wire::pack_igmp_v3_report(buf, test::ipv4(source), 1500, std::span(&rec, 1), cursor);
    return test::ethernet_frame(std::span(buf.data(), *n));
}

} // namespace

// rfc-map items 7 and M4: IGMP source addresses. 0.0.0.0 is accepted (RFC 3376 §4.2.13);
// an off-subnet source is ignored unless --accept-off-subnet; loopback, multicast, class
// E and broadcast sources are never anyone's, on any link, whether or not it has a
// subnet to compare with.
TEST(ProxyRules, IgmpSourcesAreJudgedAsConformanceItemM4Says) {
    for (const bool accept_off_subnet : {false, true}) {
        SCOPED_TRACE(accept_off_subnet ? "--accept-off-subnet" : "default");
        test::FakeLinkIo io;
        test::RecordingLog log;
        engine::ProxyConfig config;
        config.accept_off_subnet = accept_off_subnet;
        engine::Proxy proxy{config, io, log, 3};
        const auto d1 = *proxy.add_link(
            test::ethernet_link("d1", 0x10, "fe80::100", "198.51.100.100", false), at_ms(0));
        auto bare = test::ethernet_link("d2", 0x11, "fe80::101", "198.51.100.101", false);
        bare.ipv4_prefix_length = 0; // no subnet to judge by: every source is on it
        const auto d2 = *proxy.add_link(bare, at_ms(0));
        const auto& table = proxy.igmp().forwarding();
        const auto& stats = proxy.statistics();
        auto learned = [&](engine::LinkId link, const char* source, const char* group) {
            proxy.on_frame(link, igmp_join(source, group), at_ms(10));
            const auto members = table.members(test::ipv4(group));
            return std::any_of(members.begin(), members.end(),
                               [&](const auto& m) { return m.link == link; });
        };
        EXPECT_TRUE(learned(d1, "0.0.0.0", "239.7.0.1"));
        EXPECT_TRUE(learned(d1, "198.51.100.10", "239.7.0.2"));
        EXPECT_EQ(learned(d1, "203.0.113.9", "239.7.0.3"), accept_off_subnet);
        EXPECT_EQ(stats.of(engine::DropReason::OffSubnetReport), accept_off_subnet ? 0U : 1U);
        int group = 4;
        for (const char* bogus : {"127.0.0.1", "224.0.0.5", "255.255.255.255", "240.0.0.1"}) {
            for (const auto link : {d1, d2}) {
                const auto g = "239.7.0." + std::to_string(group++);
                EXPECT_FALSE(learned(link, bogus, g.c_str())) << bogus;
            }
        }
        EXPECT_EQ(stats.of(engine::DropReason::BogusSource), 8U);
        EXPECT_TRUE(learned(d2, "203.0.113.9", "239.7.0.20")); // d2 cannot tell
    }
}
