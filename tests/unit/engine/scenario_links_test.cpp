// SPDX-License-Identifier: BSD-3-Clause
// Scenario: links going away and coming back, the configured MLD modes, L2 loops and
// mixed reports (rfc-map items 23, 26, 37, 43, 49, M15).
//   A downstream link with the only listener goes away: the upstream hears TO_IN({})
//   at once; it comes back: startup queries again, and its listeners count again.
//   The upstream goes away and comes back: the whole database is reported anew.
//   -1 (MLDv1 only): MLDv1 queries and reports, MLDv2 reports ignored; -2 (MLDv2 only):
//   MLDv1 messages dropped and counted. Our own frames looping back are dropped.
//   One report mixing untrackable groups with a real one: only the real one counts.
#include "support/hex.hpp"
#include "support/ipv4_packets.hpp"
#include "support/scenario_fixture.hpp"

#include <gtest/gtest.h>

using namespace ecmh;
using namespace ecmh::test;
using proto::at_ms;

namespace {

template <class F>
class ScenarioLinks : public ScenarioTest<F> {};

using Families = ::testing::Types<MldFamily, IgmpFamily>;
TYPED_TEST_SUITE(ScenarioLinks, Families, FamilyNames);

using Strings = std::vector<std::string>;

} // namespace

TYPED_TEST(ScenarioLinks, DownstreamLinkGoesAwayAndComesBack) {
    using F = TypeParam;
    auto& s = this->s;
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.run_until(at_ms(3000));
    s.take();
    s.remove_link(s.d1());
    auto events = s.take();
    ASSERT_EQ(events.size(), 1U) << dump(events);
    EXPECT_EQ(events[0].link, s.u0());
    EXPECT_EQ(events[0].records, (Recs{{RecordType::ChangeToIncludeMode, F::G, {}}}));
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{});
    s.run_until(at_ms(4000));
    events = s.take();
    ASSERT_EQ(events.size(), 1U) << "RV = 2: one retransmission\n" << dump(events);
    EXPECT_LE(events[0].at, at_ms(3500));
    EXPECT_EQ(events[0].records, (Recs{{RecordType::ChangeToIncludeMode, F::G, {}}}));

    const auto d1 = s.restore_link("d1");
    s.answer_queries(d1, F::H1A, {{RecordType::ModeIsExclude, F::G, {}}});
    s.run_until(at_ms(9500));
    events = s.take();
    // A fresh router: SQC startup queries SQI apart, then QI.
    EXPECT_EQ(ms_of(select(events, {.link = d1, .kind = Kind::GeneralQuery})),
              (std::vector<std::int64_t>{4000, 5000, 9000}))
        << dump(events);
    // h1a answered the first one: joined again, and reported upstream.
    const auto up = select(events, {.link = s.u0()});
    ASSERT_FALSE(up.empty()) << dump(events);
    EXPECT_EQ(up[0].at, at_ms(4200));
    EXPECT_EQ(up[0].records, (Recs{{RecordType::ChangeToExcludeMode, F::G, {}}}));
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{"d1"});
}

TYPED_TEST(ScenarioLinks, UpstreamGoesAwayAndComesBackWithTheWholeDatabase) {
    using F = TypeParam;
    auto& s = this->s;
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.report(s.d2(), F::H2, {{RecordType::AllowNewSources, F::SG, {F::S1}}});
    s.answer_queries(s.d1(), F::H1A, {{RecordType::ModeIsExclude, F::G, {}}});
    s.answer_queries(s.d2(), F::H2, {{RecordType::ModeIsInclude, F::SG, {F::S1}}});
    s.run_until(at_ms(3000));
    s.remove_link(s.u0());
    EXPECT_EQ(s.probe(F::H1_SOURCE, F::G, s.d1()), Strings{}) << "no upstream to send to";
    s.run_until(at_ms(4000));
    s.take();
    const auto u0 = s.restore_link("u0");
    EXPECT_EQ(s.upstream_state(F::G), "EXCLUDE{}");
    EXPECT_EQ(s.upstream_state(F::SG), "INCLUDE{" + std::string(F::S1) + "}");
    s.run_until(at_ms(5000));
    Recs records;
    for (const auto& e : select(s.take(), {.link = u0, .to = at_ms(4000)})) {
        records.insert(records.end(), e.records.begin(), e.records.end());
    }
    EXPECT_EQ(records.size(), 2U);
    for (const Rec& r : {Rec{RecordType::ChangeToExcludeMode, F::G, {}},
                         Rec{RecordType::AllowNewSources, F::SG, {F::S1}}}) {
        EXPECT_NE(std::find(records.begin(), records.end(), r), records.end()) << r;
    }
    EXPECT_EQ(s.probe(F::H1_SOURCE, F::G, s.d1()), Strings{"u0"});
    EXPECT_EQ(s.probe(F::S1, F::G, u0), Strings{"d1"});
}

// One of our own frames heard back (an L2 loop): dropped and counted, never forwarded.
TYPED_TEST(ScenarioLinks, OwnFramesLoopingBackAreDropped) {
    using F = TypeParam;
    auto& s = this->s;
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.take();
    const auto before = s.stats().of(engine::DropReason::OwnFrame);
    const auto own_mac = net::MacAddress{{0x02, 0xec, 0, 0, 0, 0x10}}; // d1's
    s.deliver_frame(s.d1(), frames::ethernet(own_mac, frames::udp(F::H1_SOURCE, F::G, 8)));
    EXPECT_EQ(s.stats().of(engine::DropReason::OwnFrame), before + 1);
    EXPECT_TRUE(s.take().empty());
}

// The test of rfc-map item 26: records for untrackable groups are skipped, the rest of the same
// report processed. (The wire builders refuse a unicast group, so it is patched in.)
TYPED_TEST(ScenarioLinks, MixedReportOnlyTrackableGroupCounts) {
    using F = TypeParam;
    auto& s = this->s;
    Bytes ip;
    std::string real;
    if constexpr (F::kV6) {
        real = "ff0e::1:2";
        ip = frames::v2_report(F::H1A, {{RecordType::ChangeToExcludeMode, "ff02::1", {}},
                                        {RecordType::ChangeToExcludeMode, "ff01::5", {}},
                                        {RecordType::ChangeToExcludeMode, "ff00::9", {}},
                                        {RecordType::ChangeToExcludeMode, "ff0e::dead", {}},
                                        {RecordType::ChangeToExcludeMode, "ff05::", {}},
                                        {RecordType::ChangeToExcludeMode, real, {}}});
        const auto unicast = net::Ipv6Address::parse("2001:db8::1")->bytes();
        std::copy(unicast.begin(), unicast.end(), ip.begin() + frames::kMldOffset + 8 + 3 * 20 + 4);
        v6::fix_icmpv6_checksum(ip, frames::kMldOffset);
    } else {
        real = "239.2.2.2";
        ip = frames::v2_report(F::H1A, {{RecordType::ChangeToExcludeMode, "224.0.0.1", {}},
                                        {RecordType::ChangeToExcludeMode, "239.9.9.9", {}},
                                        {RecordType::ChangeToExcludeMode, real, {}}});
        const std::size_t group = 24 + 8 + 8 + 4; // second record's group: 10.0.0.1
        ip[group] = 10;
        ip[group + 1] = 0;
        ip[group + 2] = 0;
        ip[group + 3] = 1;
        v4::fix_checksums(ip);
    }
    s.run_until(at_ms(1000));
    s.take();
    s.deliver(s.d1(), ip);
    const auto events = s.take();
    ASSERT_EQ(events.size(), 1U) << dump(events);
    EXPECT_EQ(events[0].records, (Recs{{RecordType::ChangeToExcludeMode, real, {}}}));
    const auto& c = s.router_counters(s.d1(), F::kV6);
    EXPECT_EQ(c.ignored_link_scope, F::kV6 ? 3U : 1U); // ff02::1, ff01::5, ff00::9 / 224.0.0.1
    EXPECT_EQ(c.ignored_not_multicast, 1U);
    EXPECT_EQ(c.ignored_reserved, F::kV6 ? 1U : 0U); // ff05::
    EXPECT_EQ(s.probe(F::S1, real, s.u0()), Strings{"d1"});
}

// -1: MLDv1 everywhere — 24-byte queries, MLDv2 reports ignored, MLDv1 reports upstream.
TEST(ScenarioMldModes, V1OnlySpeaksMldv1Everywhere) {
    using F = MldFamily;
    Scenario s{Scenario::Options{.ipv4 = false, .mld_mode = engine::MldMode::V1Only}};
    s.run_until(at_ms(1000));
    const auto ignored = s.router_counters(s.d1(), true).ignored_version;
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    EXPECT_EQ(s.router_counters(s.d1(), true).ignored_version, ignored + 1);
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{});
    s.old_report(s.d1(), F::H1B, F::G2);
    EXPECT_EQ(s.probe(F::S1, F::G2, s.u0()), Strings{"d1"});
    s.run_until(at_ms(3000));
    s.old_leave(s.d1(), F::H1B, F::G2);
    s.run_until(at_ms(6000));
    for (const auto& e : s.all()) {
        if (e.kind == Kind::Data) {
            continue;
        }
        EXPECT_EQ(e.version, 1) << e;
        if (e.is_query()) {
            EXPECT_EQ(e.ip_length, 48U + 24U) << "an MLDv1 query is 24 octets: " << e;
        }
    }
    EXPECT_EQ(select(s.all(), {.link = s.u0(), .kind = Kind::Done}).size(), 1U) << dump(s.all());
    EXPECT_EQ(select(s.all(), {.link = s.u0(), .kind = Kind::Done}).front().at, at_ms(3600));
    EXPECT_EQ(s.upstream_version(true), 1);
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}

// -2: MLDv1 Reports and Dones dropped and counted; MLDv2 as usual.
TEST(ScenarioMldModes, V2OnlyDropsMldv1) {
    using F = MldFamily;
    Scenario s{Scenario::Options{.ipv4 = false, .mld_mode = engine::MldMode::V2Only}};
    s.run_until(at_ms(1000));
    s.take();
    s.old_report(s.d1(), F::H1B, F::G2);
    s.old_leave(s.d1(), F::H1B, F::G2);
    EXPECT_EQ(s.stats().of(engine::DropReason::IgnoredVersion), 2U);
    EXPECT_EQ(s.probe(F::S1, F::G2, s.u0()), Strings{});
    EXPECT_TRUE(s.take().empty());
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{"d1"});
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}

// Derived from RFC 4605 §3 (rfc-map items 49, M13): ecmh never captures what it sends, so
// a packet carrying one of its own addresses as source, from a MAC not its own, is a loop
// or a spoof: data is not forwarded, a query wins no election and is not answered, and
// the first of them in 10 s is logged.
TYPED_TEST(ScenarioLinks, PacketsFromOurOwnAddressesAreDroppedAndLogged) {
    using F = TypeParam;
    auto& s = this->s;
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.take();
    const auto spoofs = [&] {
        return std::count_if(s.log().lines.begin(), s.log().lines.end(), [](const auto& l) {
            return l.first == engine::LogLevel::Warning &&
                   l.second.find("carries our own address") != std::string::npos;
        });
    };
    // Data from d1's own address, on d1; IPv4 also on d2 (an IPv4 address is ours on
    // every link; a link-local one only on its own).
    s.deliver(s.d1(), frames::udp(F::D1, F::G, 8));
    EXPECT_EQ(s.stats().of(engine::DropReason::OwnSource), 1U);
    if constexpr (!F::kV6) {
        s.deliver(s.d2(), frames::udp(F::D1, F::G, 8));
        EXPECT_EQ(s.stats().of(engine::DropReason::OwnSource), 2U);
    }
    // Data from anyone else still flows.
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), (std::vector<std::string>{"d1", "d2"}));
    // A query from our own address: ecmh stays querier on d1, and the upstream one with
    // our upstream address gets no answer.
    const auto before = s.stats().of(engine::DropReason::OwnSource);
    s.query(s.d1(), {.source = F::D1, .version = F::kNewest});
    s.query(s.u0(), {.source = F::U0, .version = F::kNewest});
    EXPECT_EQ(s.stats().of(engine::DropReason::OwnSource), before + 2);
    s.run_for(std::chrono::seconds{2});
    // An answer would be current-state records (IS_EX); unsolicited change records may
    // still be going out for the joins above.
    for (const auto& e : select(s.take(), {.link = s.u0()})) {
        for (const auto& r : e.records) {
            EXPECT_NE(r.type, RecordType::ModeIsExclude) << "a spoofed query was answered: " << e;
        }
    }
    if constexpr (F::kV6) {
        EXPECT_TRUE(s.proxy().mld().router(s.d1())->is_querier());
    } else {
        EXPECT_TRUE(s.proxy().igmp().router(s.d1())->is_querier());
    }
    EXPECT_EQ(spoofs(), 1);
    // Another one 10 s later is logged again.
    s.run_for(std::chrono::seconds{10});
    s.deliver(s.d1(), frames::udp(F::D1, F::G, 8));
    EXPECT_EQ(spoofs(), 2);
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}
