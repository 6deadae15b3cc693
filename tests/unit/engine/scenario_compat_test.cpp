// SPDX-License-Identifier: BSD-3-Clause
// Scenario: older protocol versions, for MLD and IGMP.
//   Downstream (rfc-map item 25): an MLDv1 / IGMPv2 / IGMPv1 host puts its group in
//   compatibility mode — a newer host's BLOCK and TO_EX source lists are ignored, in
//   IGMPv1 mode Leave and TO_IN too — until OVHPT (9 s) passes without another old
//   report.
//   Upstream (items 33, 36): an older querier switches the reports to MLDv1 / IGMPv2 /
//   IGMPv1 messages (creation and deletion only) until OVQPT after its last query (9 s;
//   18 s after an IGMPv1 query, whose Max Response Time is 10 s: rfc-map P4-5).
#include "support/ipv4_packets.hpp"
#include "support/scenario_fixture.hpp"

#include <algorithm>
#include <gtest/gtest.h>

using namespace ecmh;
using namespace ecmh::test;
using proto::at_ms;

namespace {

template <class F>
class ScenarioCompat : public ScenarioTest<F> {};

using Families = ::testing::Types<MldFamily, IgmpFamily>;
TYPED_TEST_SUITE(ScenarioCompat, Families, FamilyNames);

class ScenarioCompatIgmp : public ::testing::Test {
protected:
    using F = IgmpFamily;
    Scenario s{Scenario::Options{.ipv6 = false}};
    void TearDown() override {
        EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
    }
};

using Strings = std::vector<std::string>;

} // namespace

// An MLDv1 / IGMPv2 host on d1: the group acts in that version (TO_EX source lists and
// BLOCK of a newer host ignored) and returns to the newest version OVHPT after the
// last old report, after which the same TO_EX does block its source.
TYPED_TEST(ScenarioCompat, OldHostPutsGroupInCompatibilityModeUntilOvhpt) {
    using F = TypeParam;
    auto& s = this->s;
    const auto d1 = s.d1();
    const auto u0 = s.u0();
    s.run_until(at_ms(2000));
    s.take();
    s.old_report(d1, F::H1A, F::G);
    EXPECT_EQ(s.group_version(d1, F::G), F::kOld);
    // The upstream still speaks the newest version: a state change, TO_EX({}).
    auto events = s.take();
    ASSERT_EQ(select(events, {.link = u0}).size(), 1U) << dump(events);
    EXPECT_EQ(events[0].records, (Recs{{RecordType::ChangeToExcludeMode, F::G, {}}}));

    // h1b (newest version) wants all sources but S1, then blocks S2: both ignored.
    s.run_until(at_ms(2500));
    s.take();
    const auto compat_before = s.router_counters(d1, F::kV6).ignored_compat;
    s.report(d1, F::H1B, {{RecordType::ChangeToExcludeMode, F::G, {F::S1}}});
    s.report(d1, F::H1B, {{RecordType::BlockOldSources, F::G, {F::S2}}});
    EXPECT_EQ(s.router_counters(d1, F::kV6).ignored_compat, compat_before + 1); // the BLOCK
    const int h1b =
        s.answer_queries(d1, F::H1B, {{RecordType::ModeIsExclude, F::G, {}}}, millis(300));
    s.run_until(at_ms(4000));
    events = s.take();
    EXPECT_TRUE(select(events, {.kind = Kind::GroupSourceQuery}).empty()) << dump(events);
    EXPECT_TRUE(select(events, {.kind = Kind::GroupQuery}).empty()) << dump(events);
    EXPECT_EQ(s.probe(F::S1, F::G, u0), Strings{"d1"});
    EXPECT_EQ(s.probe(F::S2, F::G, u0), Strings{"d1"});
    EXPECT_EQ(s.upstream_state(F::G), "EXCLUDE{}");
    // Only the join went upstream (the retransmission of TO_EX({}) within URI).
    for (const auto& e : select(s.all(), {.link = u0})) {
        EXPECT_EQ(e.records, (Recs{{RecordType::ChangeToExcludeMode, F::G, {}}})) << e;
    }

    // No more old reports: OVHPT = 9 s after the one at t = 2 s.
    s.run_until(at_ms(10'999));
    EXPECT_EQ(s.group_version(d1, F::G), F::kOld);
    s.run_until(at_ms(11'000));
    EXPECT_EQ(s.group_version(d1, F::G), F::kNewest);
    EXPECT_EQ(s.probe(F::S1, F::G, u0), Strings{"d1"}) << "h1b still listens";

    // Now h1b's TO_EX({S1}) counts: Q(G,{S1}) ×2, then S1 is blocked on d1.
    s.run_until(at_ms(12'000));
    s.take();
    s.remove_observer(h1b);
    s.report(d1, F::H1B, {{RecordType::ChangeToExcludeMode, F::G, {F::S1}}});
    s.answer_queries(d1, F::H1B, {{RecordType::ModeIsExclude, F::G, {F::S1}}}, millis(300));
    s.run_until(at_ms(12'599));
    EXPECT_EQ(s.probe(F::S1, F::G, u0), Strings{"d1"});
    s.run_until(at_ms(12'600));
    EXPECT_EQ(s.probe(F::S1, F::G, u0), Strings{});
    EXPECT_EQ(s.probe(F::S2, F::G, u0), Strings{"d1"});
    s.run_until(at_ms(14'000));
    events = s.take();
    const auto queries = select(events, {.kind = Kind::GroupSourceQuery});
    ASSERT_EQ(queries.size(), 2U) << dump(events);
    EXPECT_EQ(queries[0].at, at_ms(12'000));
    EXPECT_EQ(queries[1].at, at_ms(12'300));
    for (const auto& q : queries) {
        EXPECT_EQ(q.sources, Strings{F::S1}) << q;
        EXPECT_FALSE(q.s_flag) << q;
    }
    // Upstream: EXCLUDE({}) → EXCLUDE({S1}) is BLOCK({S1}), RV times.
    const auto up = select(events, {.link = u0});
    ASSERT_EQ(up.size(), 2U) << dump(events);
    EXPECT_EQ(up[0].at, at_ms(12'600));
    for (const auto& e : up) {
        EXPECT_EQ(e.records, (Recs{{RecordType::BlockOldSources, F::G, {F::S1}}})) << e;
    }
    EXPECT_EQ(s.upstream_state(F::G), "EXCLUDE{" + std::string(F::S1) + "}");
}

// IGMPv1 host present: a Leave and a TO_IN({}) are ignored (no query, forwarding goes
// on); once the v1 timer has run out, the same TO_IN({}) prunes after LLQT.
TEST_F(ScenarioCompatIgmp, Igmpv1HostMakesLeavesIgnoredUntilOvhpt) {
    const auto d1 = s.d1();
    const auto u0 = s.u0();
    s.run_until(at_ms(2000));
    s.old_report(d1, F::H1A, F::G, 1);
    EXPECT_EQ(s.group_version(d1, F::G), 1);
    s.run_until(at_ms(3000));
    s.take();
    const auto before = s.router_counters(d1, false).ignored_compat;
    s.old_leave(d1, F::H1B, F::G);
    s.report(d1, F::H1B, {{RecordType::ChangeToIncludeMode, F::G, {}}});
    EXPECT_EQ(s.router_counters(d1, false).ignored_compat, before + 2);
    // h1b, an IGMPv3 listener, keeps answering with IS_EX({}).
    const int h1b = s.answer_queries(d1, F::H1B, {{RecordType::ModeIsExclude, F::G, {}}});
    s.run_until(at_ms(4000));
    EXPECT_EQ(s.probe(F::S1, F::G, u0), Strings{"d1"});
    auto events = s.take();
    EXPECT_TRUE(select(events, {.kind = Kind::GroupQuery}).empty()) << dump(events);
    EXPECT_TRUE(select(events, {.link = u0}).empty()) << dump(events);

    s.run_until(at_ms(10'999));
    EXPECT_EQ(s.group_version(d1, F::G), 1);
    s.run_until(at_ms(11'000));
    EXPECT_EQ(s.group_version(d1, F::G), 3);

    s.run_until(at_ms(12'000));
    s.take();
    s.remove_observer(h1b);
    s.report(d1, F::H1B, {{RecordType::ChangeToIncludeMode, F::G, {}}});
    s.run_until(at_ms(12'599));
    EXPECT_EQ(s.probe(F::S1, F::G, u0), Strings{"d1"});
    s.run_until(at_ms(12'600));
    EXPECT_EQ(s.probe(F::S1, F::G, u0), Strings{});
    s.run_until(at_ms(13'500));
    events = s.take();
    EXPECT_EQ(times(select(events, {.kind = Kind::GroupQuery})),
              (std::vector<proto::TimePoint>{at_ms(12'000), at_ms(12'300)}))
        << dump(events);
    const auto up = select(events, {.link = u0});
    ASSERT_EQ(up.size(), 2U) << dump(events);
    EXPECT_EQ(up[0].at, at_ms(12'600));
    EXPECT_EQ(up[0].records, (Recs{{RecordType::ChangeToIncludeMode, F::G, {}}}));
}

// An MLDv1 / IGMPv2 querier upstream: the current state answered with old reports
// within its MRD, a new join reported at once as an old report, a deletion as Done /
// Leave; nothing of the newest version until OVQPT (RV·QI + QRI = 9 s; for IGMP RV·QI +
// the query's Max Response Time, 1 s here too) after the query;
// then a join is TO_EX({}) again.
TYPED_TEST(ScenarioCompat, OldUpstreamQuerierSwitchesReportsUntilOvqpt) {
    using F = TypeParam;
    auto& s = this->s;
    const auto d1 = s.d1();
    const auto u0 = s.u0();
    const Kind old_leave = F::kV6 ? Kind::Done : Kind::Leave;
    s.run_until(at_ms(2000));
    s.report(d1, F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.answer_queries(d1, F::H1A, {{RecordType::ModeIsExclude, F::G, {}}});
    s.run_until(at_ms(4000));
    s.take();

    s.query(u0, QueryIn{F::R_U, F::kOld});
    EXPECT_EQ(s.upstream_version(F::kV6), F::kOld);
    s.run_until(at_ms(5000));
    auto events = s.take();
    auto up = select(events, {.link = u0});
    ASSERT_EQ(up.size(), 1U) << dump(events);
    EXPECT_EQ(up[0].kind, Kind::V1Report);
    EXPECT_EQ(up[0].version, F::kOld);
    EXPECT_EQ(up[0].group, F::G);
    EXPECT_GT(up[0].at, at_ms(4000));
    EXPECT_LE(up[0].at, at_ms(5000));

    // A new group: an old report at once.
    s.run_until(at_ms(6000));
    s.report(d1, F::H1A, {{RecordType::ChangeToExcludeMode, F::G2, {}}});
    events = s.take();
    ASSERT_EQ(events.size(), 1U) << dump(events);
    EXPECT_EQ(events[0].kind, Kind::V1Report);
    EXPECT_EQ(events[0].version, F::kOld);
    EXPECT_EQ(events[0].group, F::G2);
    // Its deletion (TO_IN({}) and LLQT without an answer): Done / Leave.
    s.run_until(at_ms(7000));
    s.report(d1, F::H1A, {{RecordType::ChangeToIncludeMode, F::G2, {}}});
    s.run_until(at_ms(12'999));
    events = s.take();
    const auto leaves = select(events, {.link = u0, .kind = old_leave});
    ASSERT_EQ(leaves.size(), 1U) << dump(events);
    EXPECT_EQ(leaves[0].at, at_ms(7600));
    EXPECT_EQ(leaves[0].group, F::G2);
    for (const auto& e : select(s.all(), {.link = u0, .from = at_ms(4000), .to = at_ms(12'999)})) {
        EXPECT_NE(e.kind, Kind::V2Report) << "newest-version report in old mode: " << e;
        EXPECT_EQ(e.version, F::kOld) << e;
    }

    // OVQPT: back to the newest version at 4 + 9 s.
    s.run_until(at_ms(13'000));
    EXPECT_EQ(s.upstream_version(F::kV6), F::kNewest);
    s.run_until(at_ms(14'000));
    s.take();
    s.report(d1, F::H1A, {{RecordType::ChangeToExcludeMode, F::G3, {}}});
    s.run_until(at_ms(15'000));
    events = s.take();
    up = select(events, {.link = u0});
    ASSERT_EQ(up.size(), 2U) << dump(events);
    EXPECT_EQ(up[0].at, at_ms(14'000));
    for (const auto& e : up) {
        EXPECT_EQ(e.kind, Kind::V2Report) << e;
        EXPECT_EQ(e.records, (Recs{{RecordType::ChangeToExcludeMode, F::G3, {}}})) << e;
    }
}

// An IGMPv1 querier upstream (then an IGMPv2 one as well): IGMPv1 reports and no
// Leave while the v1 timer runs; IGMPv2 reports and Leaves while only the v2 timer
// runs; IGMPv3 once both have run out (RFC 3376 §7.2.1). Each timer runs RV·QI plus the
// query's Max Response Time (RFC 9776 §8.12; rfc-map P4-5): 8 s + 10 s after the IGMPv1
// query (its Max Response Time is always 10 s), 8 s + 1 s after the IGMPv2 one.
TEST_F(ScenarioCompatIgmp, Igmpv1ThenIgmpv2QuerierUpstream) {
    const auto d1 = s.d1();
    const auto u0 = s.u0();
    s.run_until(at_ms(2000));
    s.report(d1, F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.answer_queries(d1, F::H1A, {{RecordType::ModeIsExclude, F::G, {}}});
    s.run_until(at_ms(4000));
    s.take();

    s.query(u0, QueryIn{F::R_U, 1}); // v1 timer until 22 s
    EXPECT_EQ(s.upstream_version(false), 1);

    s.run_until(at_ms(8000));
    s.report(d1, F::H1A, {{RecordType::ChangeToExcludeMode, F::G2, {}}});
    s.run_until(at_ms(9000));
    s.report(d1, F::H1A, {{RecordType::ChangeToIncludeMode, F::G2, {}}});
    s.run_until(at_ms(15'999));
    auto events = s.take();
    auto up = select(events, {.link = u0});
    ASSERT_FALSE(up.empty()) << dump(events);
    for (const auto& e : up) {
        EXPECT_EQ(e.kind, Kind::V1Report) << "IGMPv1 mode: reports only, no Leave: " << e;
        EXPECT_EQ(e.version, 1) << e;
    }
    EXPECT_EQ(select(up, {.group = F::G2}).front().at, at_ms(8000));
    EXPECT_FALSE(select(up, {.group = F::G}).empty()) << "the query was answered";

    s.run_until(at_ms(16'000));
    s.query(u0, QueryIn{F::R_U, 2}); // v2 timer until 25 s
    EXPECT_EQ(s.upstream_version(false), 1) << "the oldest querier wins";
    s.run_until(at_ms(21'999));
    EXPECT_EQ(s.upstream_version(false), 1);
    s.run_until(at_ms(22'000));
    EXPECT_EQ(s.upstream_version(false), 2);
    s.run_until(at_ms(22'500));
    s.take();
    s.report(d1, F::H1A, {{RecordType::ChangeToExcludeMode, F::G2, {}}});
    s.run_until(at_ms(23'000));
    s.report(d1, F::H1A, {{RecordType::ChangeToIncludeMode, F::G2, {}}});
    s.run_until(at_ms(24'999));
    events = s.take();
    up = select(events, {.link = u0});
    ASSERT_GE(up.size(), 2U) << dump(events);
    EXPECT_EQ(up.front().kind, Kind::V1Report);
    EXPECT_EQ(up.front().version, 2);
    EXPECT_EQ(up.front().at, at_ms(22'500));
    EXPECT_EQ(up.back().kind, Kind::Leave);
    EXPECT_EQ(up.back().group, F::G2);
    EXPECT_EQ(up.back().at, at_ms(23'600));

    s.run_until(at_ms(25'000));
    EXPECT_EQ(s.upstream_version(false), 3);
    s.run_until(at_ms(26'000));
    s.take();
    s.report(d1, F::H1A, {{RecordType::ChangeToExcludeMode, F::G2, {}}});
    events = s.take();
    ASSERT_EQ(events.size(), 1U) << dump(events);
    EXPECT_EQ(events[0].kind, Kind::V2Report);
    EXPECT_EQ(events[0].records, (Recs{{RecordType::ChangeToExcludeMode, F::G2, {}}}));
}

// "Routers SHOULD accept a Leave Group message addressed to the group being left"
// (RFC 2236 §3; rfc-map items 23, M18): an IGMPv2 member's Leave sent to G instead of
// 224.0.0.2 starts the last-member queries at once and prunes G after LLQT, as the
// same Leave to 224.0.0.2 does.
TEST_F(ScenarioCompatIgmp, LeaveSentToTheGroupAddressIsAccepted) {
    const auto d1 = s.d1();
    const auto u0 = s.u0();
    s.run_until(at_ms(2000));
    s.old_report(d1, F::H1A, F::G, 2);
    s.run_until(at_ms(3000));
    s.take();
    EXPECT_EQ(s.probe(F::S1, F::G, u0), Strings{"d1"});
    auto leave = frames::old_leave(F::H1A, F::G);
    ASSERT_EQ(leave[16], 224); // built to 224.0.0.2
    const auto group = net::Ipv4Address::parse(F::G)->bytes();
    std::copy(group.begin(), group.end(), leave.begin() + 16);
    v4::fix_header_checksum(leave); // the IGMP checksum does not cover the addresses
    const auto stats = s.stats();
    s.deliver(d1, leave);
    EXPECT_EQ(s.stats().parse_drops, stats.parse_drops);
    EXPECT_EQ(s.stats().drops, stats.drops);
    auto events = s.take();
    const auto first = select(events, {.link = d1, .kind = Kind::GroupQuery});
    ASSERT_EQ(first.size(), 1U) << dump(events);
    EXPECT_EQ(first[0].at, at_ms(3000));
    EXPECT_EQ(first[0].group, F::G);
    s.run_until(at_ms(3599));
    EXPECT_EQ(s.probe(F::S1, F::G, u0), Strings{"d1"}); // forwarding goes on during LLQT
    s.run_until(at_ms(3600));
    EXPECT_EQ(s.probe(F::S1, F::G, u0), Strings{});
    events = s.take();
    EXPECT_EQ(times(select(events, {.link = d1, .kind = Kind::GroupQuery})),
              (std::vector<proto::TimePoint>{at_ms(3300)}))
        << dump(events);
}
