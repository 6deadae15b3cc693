// SPDX-License-Identifier: BSD-3-Clause
// Scenario: ecmh as a host on the upstream link, for MLD and IGMP (rfc-map items
// 31, 34, 35, 36): the merged database answered to General Queries after a delay in
// (0, MRD] with a current-state record per group; group- and group-and-source-specific
// queries answered per RFC 3810 §6.2 / RFC 3376 §5.2; SIGUSR2 (resend_reports) and
// shutdown in the newest version and in the old one.
#include "support/scenario_fixture.hpp"

#include <algorithm>
#include <gtest/gtest.h>

using namespace ecmh;
using namespace ecmh::test;
using proto::at_ms;

namespace {

template <class F>
class ScenarioUpstream : public ScenarioTest<F> {
protected:
    using ScenarioTest<F>::s;

    // The database of test 35 (and more): G EXCLUDE{S2} from d1, G2 INCLUDE{S1} and
    // SG INCLUDE{S1} from d2, each listener answering ecmh's queries to keep it.
    void build_database() {
        using F_ = F;
        s.run_until(at_ms(1000));
        s.report(s.d1(), F_::H1A, {{RecordType::ChangeToExcludeMode, F_::G, {F_::S2}}});
        s.answer_queries(s.d1(), F_::H1A, {{RecordType::ModeIsExclude, F_::G, {F_::S2}}});
        const Recs h2{{RecordType::ModeIsInclude, F_::G2, {F_::S1}},
                      {RecordType::ModeIsInclude, F_::SG, {F_::S1}}};
        s.report(s.d2(), F_::H2,
                 {{RecordType::AllowNewSources, F_::G2, {F_::S1}},
                  {RecordType::AllowNewSources, F_::SG, {F_::S1}}});
        s.answer_queries(s.d2(), F_::H2, h2);
        s.run_until(at_ms(3000));
        s.take();
    }
};

using Families = ::testing::Types<MldFamily, IgmpFamily>;
TYPED_TEST_SUITE(ScenarioUpstream, Families, FamilyNames);

Recs sorted(Recs records) {
    std::sort(records.begin(), records.end(),
              [](const Rec& a, const Rec& b) { return a.group < b.group; });
    return records;
}

// Every record of the upstream reports in [from, to].
Recs upstream_records(Scenario& s, proto::TimePoint from, proto::TimePoint to) {
    Recs out;
    for (const auto& e : select(s.all(), {.link = s.u0(), .from = from, .to = to})) {
        out.insert(out.end(), e.records.begin(), e.records.end());
    }
    return out;
}

} // namespace

TYPED_TEST(ScenarioUpstream, GeneralQueryAnsweredWithCurrentStateOfEveryGroup) {
    using F = TypeParam;
    auto& s = this->s;
    this->build_database();
    EXPECT_EQ(s.upstream_state(F::G), "EXCLUDE{" + std::string(F::S2) + "}");
    EXPECT_EQ(s.upstream_state(F::G2), "INCLUDE{" + std::string(F::S1) + "}");

    s.query(s.u0(), QueryIn{F::R_U, F::kNewest}); // MRD 1 s
    EXPECT_TRUE(s.take().empty()) << "never at once (ack implosion, RFC 3810 §6.2)";
    s.run_until(at_ms(4500));
    const auto events = select(s.take(), {.link = s.u0()});
    ASSERT_EQ(events.size(), 1U) << dump(events);
    EXPECT_GT(events[0].at, at_ms(3000));
    EXPECT_LE(events[0].at, at_ms(4000));
    EXPECT_EQ(events[0].kind, Kind::V2Report);
    EXPECT_EQ(sorted(events[0].records), sorted({{RecordType::ModeIsExclude, F::G, {F::S2}},
                                                 {RecordType::ModeIsInclude, F::G2, {F::S1}},
                                                 {RecordType::ModeIsInclude, F::SG, {F::S1}}}));
}

// RFC 3810 §6.3 / RFC 3376 §5.2 with the database G EXCLUDE{S2}, G2 INCLUDE{S1}:
//   Q(G2,{S1,S3}) → IS_IN{S1};  Q(G,{S2,S3}) → IS_IN{S3};  Q(G,{S2}) → nothing;
//   Q(G3) (no state) → nothing;  Q(G) → IS_EX{S2}.  Each within its MRD (1 s).
TYPED_TEST(ScenarioUpstream, SpecificQueriesAnsweredPerRfc) {
    using F = TypeParam;
    auto& s = this->s;
    this->build_database();
    struct Case {
        QueryIn query;
        Recs expected;
    };
    const std::vector<Case> cases{
        {{F::R_U, F::kNewest, F::G2, {F::S1, F::S3}},
         {{RecordType::ModeIsInclude, F::G2, {F::S1}}}},
        {{F::R_U, F::kNewest, F::G, {F::S2, F::S3}}, {{RecordType::ModeIsInclude, F::G, {F::S3}}}},
        {{F::R_U, F::kNewest, F::G, {F::S2}}, {}},
        {{F::R_U, F::kNewest, F::G3}, {}},
        {{F::R_U, F::kNewest, F::G}, {{RecordType::ModeIsExclude, F::G, {F::S2}}}},
    };
    int t = 4000;
    for (const auto& c : cases) {
        SCOPED_TRACE("query for " + c.query.group);
        s.run_until(at_ms(t));
        s.query(s.u0(), c.query);
        s.run_until(at_ms(t + 1500));
        EXPECT_EQ(upstream_records(s, at_ms(t), at_ms(t + 1500)), c.expected) << dump(s.all());
        const auto sent = select(s.all(), {.link = s.u0(), .from = at_ms(t)});
        for (const auto& e : sent) {
            EXPECT_GT(e.at, at_ms(t));
            EXPECT_LE(e.at, at_ms(t + 1000));
        }
        t += 2000;
    }
}

// Rules 1–3 of RFC 3810 §6.2: a General Query with MRD 5 s, then Q(G2) 0.1 s later
// with MRD 0.5 s. G2 is answered within 0.6 s unless the pending General-Query
// response is sooner (rule 1); the General Query is answered once, with every group,
// within 5 s. Checked for several seeds: the delays differ, the rules do not.
TYPED_TEST(ScenarioUpstream, GroupQueryDuringPendingGeneralResponse) {
    using F = TypeParam;
    for (const std::uint64_t seed : {1, 2, 3, 4, 5, 6, 7, 8}) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        Scenario s{Scenario::Options{.ipv6 = F::kV6, .ipv4 = !F::kV6, .seed = seed}};
        s.run_until(at_ms(1000));
        s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
        s.report(s.d2(), F::H2, {{RecordType::AllowNewSources, F::G2, {F::S1}}});
        s.run_until(at_ms(3000));
        s.take();
        QueryIn general{F::R_U, F::kNewest};
        general.max_response_ms = 5000;
        s.query(s.u0(), general);
        s.run_until(at_ms(3100));
        QueryIn specific{F::R_U, F::kNewest, F::G2};
        specific.max_response_ms = 500;
        s.query(s.u0(), specific);
        s.run_until(at_ms(9000));
        const auto up = select(s.take(), {.link = s.u0()});
        ASSERT_FALSE(up.empty());
        const auto full = std::find_if(up.begin(), up.end(),
                                       [](const Event& e) { return e.records.size() == 2; });
        ASSERT_NE(full, up.end()) << "the General Query is answered\n" << dump(up);
        EXPECT_GT(full->at, at_ms(3000));
        EXPECT_LE(full->at, at_ms(8000));
        EXPECT_EQ(sorted(full->records), sorted({{RecordType::ModeIsExclude, F::G, {}},
                                                 {RecordType::ModeIsInclude, F::G2, {F::S1}}}));
        const auto g2_only = std::count_if(up.begin(), up.end(),
                                           [](const Event& e) { return e.records.size() == 1; });
        if (full->at <= at_ms(3600)) {
            EXPECT_LE(g2_only, 1) << dump(up); // rule 1 may have spared it
        } else {
            ASSERT_EQ(g2_only, 1) << "rule 3: G2 answered on its own\n" << dump(up);
            EXPECT_EQ(up[0].records, (Recs{{RecordType::ModeIsInclude, F::G2, {F::S1}}}));
            EXPECT_GT(up[0].at, at_ms(3100));
            EXPECT_LE(up[0].at, at_ms(3600));
        }
        EXPECT_EQ(up.size(), static_cast<std::size_t>(1 + g2_only)) << dump(up);
        EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
    }
}

// An old-version querier's General Query: one old report per (non-SSM) group, each
// sent to its group within the MRD; SSM groups are not reported in old modes.
TYPED_TEST(ScenarioUpstream, OldQuerierGeneralQueryAnsweredWithOldReports) {
    using F = TypeParam;
    auto& s = this->s;
    this->build_database();
    s.query(s.u0(), QueryIn{F::R_U, F::kOld});
    s.run_until(at_ms(4500));
    const auto events = select(s.take(), {.link = s.u0()});
    std::vector<std::string> groups;
    for (const auto& e : events) {
        EXPECT_EQ(e.kind, Kind::V1Report) << e;
        EXPECT_EQ(e.version, F::kOld) << e;
        EXPECT_GT(e.at, at_ms(3000)) << e;
        EXPECT_LE(e.at, at_ms(4000)) << e;
        groups.push_back(e.group);
    }
    std::sort(groups.begin(), groups.end());
    EXPECT_EQ(groups, (std::vector<std::string>{F::G, F::G2}));
}

// SIGUSR2: every group's current state at once; shutdown: every group left at once,
// TO_IN({}) for EXCLUDE and BLOCK(A) for INCLUDE(A), once, nothing after.
TYPED_TEST(ScenarioUpstream, ResendReportsAndShutdown) {
    using F = TypeParam;
    auto& s = this->s;
    this->build_database();
    s.resend_reports();
    auto events = s.take();
    ASSERT_EQ(events.size(), 1U) << dump(events);
    EXPECT_EQ(events[0].at, at_ms(3000));
    EXPECT_EQ(sorted(events[0].records), sorted({{RecordType::ModeIsExclude, F::G, {F::S2}},
                                                 {RecordType::ModeIsInclude, F::G2, {F::S1}},
                                                 {RecordType::ModeIsInclude, F::SG, {F::S1}}}));
    s.run_until(at_ms(4000));
    EXPECT_TRUE(select(s.take(), {.link = s.u0()}).empty());

    s.shutdown();
    events = s.take();
    ASSERT_EQ(events.size(), 1U) << dump(events);
    EXPECT_EQ(events[0].at, at_ms(4000));
    EXPECT_EQ(sorted(events[0].records), sorted({{RecordType::ChangeToIncludeMode, F::G, {}},
                                                 {RecordType::BlockOldSources, F::G2, {F::S1}},
                                                 {RecordType::BlockOldSources, F::SG, {F::S1}}}));
    s.run_until(at_ms(6000));
    EXPECT_TRUE(select(s.take(), {.link = s.u0()}).empty());
}

// The same commands while an old querier is present: old reports, then Done / Leave
// for every non-SSM group.
TYPED_TEST(ScenarioUpstream, ResendReportsAndShutdownInOldMode) {
    using F = TypeParam;
    auto& s = this->s;
    this->build_database();
    s.query(s.u0(), QueryIn{F::R_U, F::kOld});
    s.run_until(at_ms(5000));
    s.take();
    s.resend_reports();
    auto events = s.take();
    std::vector<std::string> groups;
    for (const auto& e : events) {
        EXPECT_EQ(e.kind, Kind::V1Report) << e;
        groups.push_back(e.group);
    }
    std::sort(groups.begin(), groups.end());
    EXPECT_EQ(groups, (std::vector<std::string>{F::G, F::G2}));

    s.run_until(at_ms(5500));
    s.take();
    s.shutdown();
    events = s.take();
    groups.clear();
    for (const auto& e : events) {
        EXPECT_EQ(e.kind, F::kV6 ? Kind::Done : Kind::Leave) << e;
        groups.push_back(e.group);
    }
    std::sort(groups.begin(), groups.end());
    EXPECT_EQ(groups, (std::vector<std::string>{F::G, F::G2}));
}

// The merge across links (item 31): an old-version member on d1 and INCLUDE{S1,S2} on
// d2 give EXCLUDE({}) upstream (the RFC 4605 §4.1 example); when the d1 member
// leaves, TO_IN({S1,S2}).
TYPED_TEST(ScenarioUpstream, MergeAcrossDownstreamLinks) {
    using F = TypeParam;
    auto& s = this->s;
    s.run_until(at_ms(1000));
    s.report(s.d2(), F::H2, {{RecordType::AllowNewSources, F::G, {F::S1, F::S2}}});
    s.run_until(at_ms(2000));
    EXPECT_EQ(s.upstream_state(F::G), "INCLUDE{" + std::string(F::S1) + "," + F::S2 + "}");
    s.old_report(s.d1(), F::H1A, F::G);
    EXPECT_EQ(s.upstream_state(F::G), "EXCLUDE{}");
    auto events = select(s.take(), {.link = s.u0(), .from = at_ms(2000)});
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events[0].records, (Recs{{RecordType::ChangeToExcludeMode, F::G, {}}}));
    s.run_until(at_ms(3000));
    s.old_leave(s.d1(), F::H1A, F::G);
    s.run_until(at_ms(3600));
    EXPECT_EQ(s.upstream_state(F::G), "INCLUDE{" + std::string(F::S1) + "," + F::S2 + "}");
    events = select(s.take(), {.link = s.u0(), .from = at_ms(3600)});
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events[0].records, (Recs{{RecordType::ChangeToIncludeMode, F::G, {F::S1, F::S2}}}));
}

// Another host's messages on the upstream link, where ecmh is a host (RFC 4605 §4:
// "MUST NOT perform the router portion ... on its upstream interface"). An old
// querier upstream has ecmh owe an old report for G and G2; before they go out another
// host there reports G (an RFC 2710 / RFC 2236 §3 host would suppress its own; ecmh
// speaks for all its downstream links and does not, rfc-map item 36), then sends a
// Done / Leave for G, then a v2/v3 TO_IN({}) for G. Each is counted ControlOnUpstream
// and nothing else; nothing is sent because of them; the upstream record and the
// forwarding of G stay; ecmh's own two reports still go out in the MRD.
TYPED_TEST(ScenarioUpstream, OtherHostsReportsAndLeavesUpstreamChangeNothing) {
    using F = TypeParam;
    auto& s = this->s;
    const std::string other = F::kV6 ? "fe80::77" : "192.0.2.77";
    this->build_database();
    s.query(s.u0(), QueryIn{F::R_U, F::kOld}); // MRD 1 s: old reports owed for G, G2
    EXPECT_TRUE(s.take().empty());
    const auto dropped = [&] { return s.stats().of(engine::DropReason::ControlOnUpstream); };
    const auto before = s.stats();
    s.old_report(s.u0(), other, F::G);
    EXPECT_EQ(dropped(), before.of(engine::DropReason::ControlOnUpstream) + 1);
    s.old_leave(s.u0(), other, F::G);
    EXPECT_EQ(dropped(), before.of(engine::DropReason::ControlOnUpstream) + 2);
    s.report(s.u0(), other, {{RecordType::ChangeToIncludeMode, F::G, {}}});
    EXPECT_EQ(dropped(), before.of(engine::DropReason::ControlOnUpstream) + 3);
    EXPECT_TRUE(s.take().empty()) << "nothing sent in answer to another host";
    // Those three and nothing else were counted.
    auto expected = before.drops;
    expected[static_cast<std::size_t>(engine::DropReason::ControlOnUpstream)] += 3;
    EXPECT_EQ(s.stats().drops, expected);
    EXPECT_EQ(s.stats().parse_drops, before.parse_drops);

    s.run_until(at_ms(4500));
    std::vector<std::string> groups;
    for (const auto& e : select(s.take(), {.link = s.u0()})) {
        EXPECT_EQ(e.kind, Kind::V1Report) << e;
        EXPECT_LE(e.at, at_ms(4000)) << e;
        groups.push_back(e.group);
    }
    std::sort(groups.begin(), groups.end());
    EXPECT_EQ(groups, (std::vector<std::string>{F::G, F::G2})) << "no report suppressed";
    EXPECT_EQ(s.upstream_state(F::G), "EXCLUDE{" + std::string(F::S2) + "}");
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), (std::vector<std::string>{"d1"}));
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}
