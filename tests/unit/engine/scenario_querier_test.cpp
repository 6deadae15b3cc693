// SPDX-License-Identifier: BSD-3-Clause
// Scenario: querier election on a downstream link, for MLD and IGMP (rfc-map items
// 15, 16, 42). A lower-address router's query makes ecmh a Non-Querier on d1: it stops
// querying there and, by the querier rule, stops forwarding there, while d2 and the
// upstream are untouched; Done / Leave are ignored as Non-Querier. When the other
// router goes quiet, ecmh queries again OQPT (8.5 s) after its last query and
// forwards again at once. A higher-address router changes nothing.
#include "support/scenario_fixture.hpp"

#include <gtest/gtest.h>

using namespace ecmh;
using namespace ecmh::test;
using proto::at_ms;

namespace {

template <class F>
class ScenarioQuerier : public ScenarioTest<F> {};

using Families = ::testing::Types<MldFamily, IgmpFamily>;
TYPED_TEST_SUITE(ScenarioQuerier, Families, FamilyNames);

using Strings = std::vector<std::string>;

} // namespace

TYPED_TEST(ScenarioQuerier, LostToLowerAddressThenRegainedAfterOqpt) {
    using F = TypeParam;
    auto& s = this->s;
    const auto d1 = s.d1();
    const auto u0 = s.u0();
    s.run_until(at_ms(2000));
    s.report(d1, F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    // h2 on d2 answers ecmh's queries; h1a on d1 answers r1's (below).
    s.answer_queries(s.d2(), F::H2, {{RecordType::ModeIsExclude, F::G, {}}});
    s.run_until(at_ms(2500));
    EXPECT_EQ(s.probe(F::S1, F::G, u0), (Strings{"d1", "d2"}));
    s.take();

    // r1 (lower address) queries d1 at 3, 7 and 11 s with QQIC 4, QRV 2; h1a answers each.
    for (const int t : {3000, 7000, 11'000}) {
        s.at(at_ms(t), [&s, d1] { s.query(d1, QueryIn{F::R1_LOWER, F::kNewest}); });
        s.at(at_ms(t + 500), [&s, d1] {
            s.report(d1, F::H1A, {{RecordType::ModeIsExclude, F::G, {}}});
        });
    }
    s.run_until(at_ms(3000));
    EXPECT_FALSE(s.is_querier(d1, F::kV6));
    EXPECT_TRUE(s.is_querier(s.d2(), F::kV6));
    // The querier rule: no copies to d1 while r1 is querier; d2 still gets them.
    EXPECT_EQ(s.probe(F::S1, F::G, u0), Strings{"d2"});

    // A Done / Leave from h1a now is ignored (RFC 2710 §4, RFC 2236 §3): no Q(G).
    s.run_until(at_ms(8000));
    const auto ignored = s.router_counters(d1, F::kV6).ignored_leave_non_querier;
    s.old_leave(d1, F::H1A, F::G);
    EXPECT_EQ(s.router_counters(d1, F::kV6).ignored_leave_non_querier, ignored + 1);

    // r1 stops after 11 s: Other Querier Present runs to 11 + 8.5 = 19.5 s.
    s.run_until(at_ms(19'499));
    EXPECT_FALSE(s.is_querier(d1, F::kV6));
    EXPECT_EQ(s.probe(F::S1, F::G, u0), Strings{"d2"});
    auto events = s.take();
    EXPECT_TRUE(select(events, {.link = d1}).empty()) << "ecmh is silent on d1 as Non-Querier\n"
                                                      << dump(events);
    EXPECT_EQ(ms_of(select(events, {.link = s.d2(), .kind = Kind::GeneralQuery})),
              (std::vector<std::int64_t>{5000, 9000, 13'000, 17'000}));
    EXPECT_TRUE(select(events, {.link = u0}).empty()) << "the election changes nothing upstream\n"
                                                      << dump(events);

    s.run_until(at_ms(19'500));
    EXPECT_TRUE(s.is_querier(d1, F::kV6));
    // h1a's membership (last report 11.5 s, MALI 10 s) is still there: copies resume at once.
    EXPECT_EQ(s.probe(F::S1, F::G, u0), (Strings{"d1", "d2"}));
    s.run_until(at_ms(24'000));
    events = s.take();
    const auto queries = select(events, {.link = d1, .kind = Kind::GeneralQuery});
    EXPECT_EQ(ms_of(queries), (std::vector<std::int64_t>{19'500, 23'500})) << dump(events);
    for (const auto& q : queries) {
        EXPECT_EQ(q.source, F::D1) << q;
        EXPECT_EQ(q.max_response_ms, 1000U) << q;
    }
}

// r1 with the higher address: ecmh stays querier, queries and forwards on d1 as before.
TYPED_TEST(ScenarioQuerier, HigherAddressRouterDoesNotWin) {
    using F = TypeParam;
    auto& s = this->s;
    const auto d1 = s.d1();
    s.run_until(at_ms(2000));
    s.take();
    s.report(d1, F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.answer_queries(d1, F::H1A, {{RecordType::ModeIsExclude, F::G, {}}});
    s.query(d1, QueryIn{F::R1_HIGHER, F::kNewest});
    EXPECT_TRUE(s.is_querier(d1, F::kV6));
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{"d1"});
    s.run_until(at_ms(9500));
    const auto events = s.take();
    EXPECT_EQ(ms_of(select(events, {.link = d1, .kind = Kind::GeneralQuery})),
              (std::vector<std::int64_t>{5000, 9000}));
}

// Item 15: a lower-address router's Group-Specific Query (S = 1, so no timer is
// lowered) demotes ecmh on d1 for MLD, which elects by "a query" (RFC 9777 §7.6.2), but
// not for IGMP, which elects by General Queries only (RFC 9776 §6.6.2): ecmh stays
// querier there, keeps its query schedule and keeps forwarding to d1.
TYPED_TEST(ScenarioQuerier, LowerAddressGroupSpecificQueryElectsOnlyInMld) {
    using F = TypeParam;
    auto& s = this->s;
    const auto d1 = s.d1();
    s.run_until(at_ms(2000));
    s.report(d1, F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.answer_queries(d1, F::H1A, {{RecordType::ModeIsExclude, F::G, {}}});
    s.take();
    QueryIn q{F::R1_LOWER, F::kNewest, F::G};
    q.s_flag = true;
    s.query(d1, q);
    EXPECT_EQ(s.is_querier(d1, F::kV6), !F::kV6);
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), F::kV6 ? Strings{} : Strings{"d1"});
    s.run_until(at_ms(6000));
    const auto events = s.take();
    EXPECT_EQ(ms_of(select(events, {.link = d1, .kind = Kind::GeneralQuery})),
              F::kV6 ? std::vector<std::int64_t>{} : std::vector<std::int64_t>{5000})
        << dump(events);
}

// A Non-Querier adopts the querier's QRV and QQI (RFC 3376 §4.1.6/§4.1.7): with r1
// saying QRV 3, QQIC 6 s a silent listener lives MALI = 3·6 + 2·1 = 20 s, not 10 s (item
// 16 c),
// as the upstream record shows (d1 is not forwarded to, by the querier rule).
TYPED_TEST(ScenarioQuerier, NonQuerierAdoptsQuerierVariables) {
    using F = TypeParam;
    auto& s = this->s;
    const auto d1 = s.d1();
    s.run_until(at_ms(2000));
    QueryIn q{F::R1_LOWER, F::kNewest};
    q.qrv = 3;
    q.qqi_s = 6;
    s.query(d1, q);
    s.report(d1, F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    // r1 keeps querying every 6 s but h1a no longer answers.
    for (int t = 8000; t <= 26'000; t += 6000) {
        s.at(at_ms(t), [&s, d1, q] { s.query(d1, q); });
    }
    s.run_until(at_ms(21'999));
    EXPECT_EQ(s.upstream_state(F::G), "EXCLUDE{}");
    s.run_until(at_ms(22'000));
    EXPECT_EQ(s.upstream_state(F::G), "");
    const auto up = select(s.take(), {.link = s.u0(), .from = at_ms(21'000)});
    ASSERT_FALSE(up.empty());
    EXPECT_EQ(up[0].at, at_ms(22'000));
    EXPECT_EQ(up[0].records, (Recs{{RecordType::ChangeToIncludeMode, F::G, {}}}));
}

// Item 16 (b): as Non-Querier, the querier's Q(G) with S = 0 lowers G's timer to LLQT
// (0.6 s): with nobody answering, the state goes and the upstream hears TO_IN({}). With
// S = 1 the timer is left alone (RFC 3810 §5.1.7).
TYPED_TEST(ScenarioQuerier, NonQuerierLowersTimersOnTheQueriersGroupQuery) {
    using F = TypeParam;
    auto& s = this->s;
    const auto d1 = s.d1();
    s.run_until(at_ms(1000));
    s.query(d1, QueryIn{F::R1_LOWER, F::kNewest});
    s.report(d1, F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.report(d1, F::H1A, {{RecordType::ChangeToExcludeMode, F::G2, {}}});
    s.run_until(at_ms(3000));
    QueryIn suppressed{F::R1_LOWER, F::kNewest, F::G2};
    suppressed.max_response_ms = 300;
    suppressed.s_flag = true;
    s.query(d1, suppressed);
    QueryIn q{F::R1_LOWER, F::kNewest, F::G};
    q.max_response_ms = 300;
    s.query(d1, q);
    s.run_until(at_ms(3599));
    EXPECT_EQ(s.upstream_state(F::G), "EXCLUDE{}");
    s.take();
    s.run_until(at_ms(3600));
    EXPECT_EQ(s.upstream_state(F::G), "");
    EXPECT_EQ(s.upstream_state(F::G2), "EXCLUDE{}") << "S = 1: timers untouched";
    const auto events = s.take();
    ASSERT_EQ(events.size(), 1U) << dump(events);
    EXPECT_EQ(events[0].records, (Recs{{RecordType::ChangeToIncludeMode, F::G, {}}}));
    EXPECT_TRUE(select(s.all(), {.kind = Kind::GroupQuery}).empty())
        << "a Non-Querier sends no query\n"
        << dump(s.all());
}

// RFC 2710 §4 / RFC 2236 §3: last-listener queries already under way finish after the
// election is lost, and the group still expires at LLQT.
TYPED_TEST(ScenarioQuerier, LastListenerQueriesFinishAfterLostElection) {
    using F = TypeParam;
    auto& s = this->s;
    const auto d1 = s.d1();
    s.run_until(at_ms(2000));
    s.report(d1, F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.run_until(at_ms(3000));
    s.take();
    s.report(d1, F::H1A, {{RecordType::ChangeToIncludeMode, F::G, {}}});
    s.run_until(at_ms(3100));
    s.query(d1, QueryIn{F::R1_LOWER, F::kNewest});
    EXPECT_FALSE(s.is_querier(d1, F::kV6));
    s.run_until(at_ms(4000));
    const auto events = s.take();
    EXPECT_EQ(ms_of(select(events, {.link = d1, .kind = Kind::GroupQuery})),
              (std::vector<std::int64_t>{3000, 3300}))
        << dump(events);
    const auto up = select(events, {.link = s.u0()});
    ASSERT_FALSE(up.empty()) << dump(events);
    EXPECT_EQ(up[0].at, at_ms(3600));
    EXPECT_EQ(up[0].records, (Recs{{RecordType::ChangeToIncludeMode, F::G, {}}}));
}

// RFC 3810 §8.3.1, RFC 3376 §7.3.1: a query of another version than the link's is worth a
// warning ("MUST be rate-limited"): one line per link per 10 s, naming the link and the
// querier. A query of the link's own version is not.
TYPED_TEST(ScenarioQuerier, OlderVersionQueryIsWarnedAboutRateLimited) {
    using F = TypeParam;
    auto& s = this->s;
    const auto warnings = [&] {
        std::vector<std::string> lines;
        for (const auto& [level, text] : s.log().lines) {
            if (level == engine::LogLevel::Warning &&
                text.find("query from") != std::string::npos) {
                lines.push_back(text);
            }
        }
        return lines;
    };
    s.run_until(at_ms(1000));
    s.query(s.d1(), {.source = F::R1_HIGHER, .version = F::kNewest});
    EXPECT_TRUE(warnings().empty());
    s.query(s.d1(), {.source = F::R1_HIGHER, .version = F::kOld});
    ASSERT_EQ(warnings().size(), 1U);
    const auto line = warnings()[0];
    const std::string old_name = std::string(F::kV6 ? "MLDv" : "IGMPv") + std::to_string(F::kOld);
    EXPECT_NE(line.find(" d1: "), std::string::npos) << line;
    EXPECT_NE(line.find("a " + old_name + " query from " + F::R1_HIGHER), std::string::npos)
        << line;
    EXPECT_EQ(s.proxy().mld().other_version_query(s.d1(), s.now()).has_value(), F::kV6);
    EXPECT_EQ(s.proxy().igmp().other_version_query(s.d1(), s.now()).has_value(), !F::kV6);
    // Again within 10 s, and on the upstream (where ecmh is a host): no new line.
    s.run_until(at_ms(5000));
    s.query(s.d1(), {.source = F::R1_HIGHER, .version = F::kOld});
    s.query(s.u0(), {.source = F::R_U, .version = F::kOld});
    EXPECT_EQ(warnings().size(), 1U);
    // d2 has a limit of its own; d1's next one comes 10 s after its first.
    s.query(s.d2(), {.source = F::R1_HIGHER, .version = F::kOld});
    EXPECT_EQ(warnings().size(), 2U);
    s.run_until(at_ms(11'000));
    s.query(s.d1(), {.source = F::R1_HIGHER, .version = F::kOld});
    EXPECT_EQ(warnings().size(), 3U);
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}
