// SPDX-License-Identifier: BSD-3-Clause
// Scenario: source-specific multicast, for MLD (ff3e::8000:1) and IGMP (232.1.1.1)
// (rfc-map items 27, 34, 38, 44): ALLOW({S1}) reported upstream as ALLOW({S1});
// S1's data forwarded, S2's not; BLOCK({S1}) → Q(SG,{S1}) ×LLQC → expiry → upstream
// BLOCK({S1}); IS_EX / TO_EX and old-version reports for an SSM group ignored while the
// other records of the same report are processed.
#include "support/scenario_fixture.hpp"

#include <gtest/gtest.h>

using namespace ecmh;
using namespace ecmh::test;
using proto::at_ms;

namespace {

template <class F>
class ScenarioSsm : public ScenarioTest<F> {};

using Families = ::testing::Types<MldFamily, IgmpFamily>;
TYPED_TEST_SUITE(ScenarioSsm, Families, FamilyNames);

using Strings = std::vector<std::string>;

} // namespace

TYPED_TEST(ScenarioSsm, AllowForwardBlockExpire) {
    using F = TypeParam;
    auto& s = this->s;
    const auto d1 = s.d1();
    const auto u0 = s.u0();
    s.run_until(at_ms(1000));
    s.take();
    s.report(d1, F::H1A, {{RecordType::AllowNewSources, F::SG, {F::S1}}});
    EXPECT_EQ(s.probe(F::S1, F::SG, u0), Strings{"d1"});
    EXPECT_EQ(s.probe(F::S2, F::SG, u0), Strings{});
    EXPECT_EQ(s.probe(F::S1, F::SG, s.d2()), (Strings{"d1", "u0"}));
    s.run_until(at_ms(2000));
    auto events = s.take();
    auto up = select(events, {.link = u0});
    ASSERT_EQ(up.size(), 2U) << dump(events);
    EXPECT_EQ(up[0].at, at_ms(1000));
    EXPECT_LE(up[1].at, at_ms(1500));
    for (const auto& e : up) {
        EXPECT_EQ(e.records, (Recs{{RecordType::AllowNewSources, F::SG, {F::S1}}})) << e;
    }

    // t = 3 s: BLOCK({S1}) → Q(SG,{S1}) at 3.0 and 3.3 s, S = 0, MRC = LLQI.
    s.run_until(at_ms(3000));
    s.report(d1, F::H1A, {{RecordType::BlockOldSources, F::SG, {F::S1}}});
    s.run_until(at_ms(3599));
    EXPECT_EQ(s.probe(F::S1, F::SG, u0), Strings{"d1"});
    s.run_until(at_ms(3600));
    EXPECT_EQ(s.probe(F::S1, F::SG, u0), Strings{});
    s.run_until(at_ms(5000));
    events = s.take();
    const auto queries = select(events, {.kind = Kind::GroupSourceQuery});
    ASSERT_EQ(queries.size(), 2U) << dump(events);
    EXPECT_EQ(queries[0].at, at_ms(3000));
    EXPECT_EQ(queries[1].at, at_ms(3300));
    for (const auto& q : queries) {
        EXPECT_EQ(q.link, d1) << q;
        EXPECT_EQ(q.group, F::SG) << q;
        EXPECT_EQ(q.sources, Strings{F::S1}) << q;
        EXPECT_FALSE(q.s_flag) << q;
        EXPECT_EQ(q.max_response_ms, 300U) << q;
    }
    EXPECT_TRUE(select(events, {.kind = Kind::GroupQuery}).empty()) << dump(events);
    // The last (S1,SG) listener gone: BLOCK({S1}), not TO_IN({}) (item 34).
    up = select(events, {.link = u0});
    ASSERT_EQ(up.size(), 2U) << dump(events);
    EXPECT_EQ(up[0].at, at_ms(3600));
    for (const auto& e : up) {
        EXPECT_EQ(e.records, (Recs{{RecordType::BlockOldSources, F::SG, {F::S1}}})) << e;
    }
    EXPECT_EQ(s.upstream_state(F::SG), "");
}

// IS_EX({}) / TO_EX({}) for SG create nothing (RFC 4604 §3.5); ALLOW({S2}) in the same
// report is processed. An old-version report for SG creates nothing either.
TYPED_TEST(ScenarioSsm, ExcludeRecordsAndOldReportsForSsmAreIgnored) {
    using F = TypeParam;
    auto& s = this->s;
    const auto d1 = s.d1();
    const auto u0 = s.u0();
    s.run_until(at_ms(1000));
    s.take();
    const auto before = s.router_counters(d1, F::kV6).ignored_ssm;
    s.report(d1, F::H1A, {{RecordType::ModeIsExclude, F::SG, {}}});
    s.report(d1, F::H1A, {{RecordType::ChangeToExcludeMode, F::SG, {}}});
    s.old_report(d1, F::H1B, F::SG);
    EXPECT_EQ(s.router_counters(d1, F::kV6).ignored_ssm, before + 3);
    EXPECT_FALSE(s.group_version(d1, F::SG).has_value());
    EXPECT_EQ(s.probe(F::S1, F::SG, u0), Strings{});
    EXPECT_TRUE(s.take().empty()) << "no upstream report, no query";

    s.report(
        d1, F::H1A,
        {{RecordType::ModeIsExclude, F::SG, {}}, {RecordType::AllowNewSources, F::SG, {F::S2}}});
    EXPECT_EQ(s.probe(F::S2, F::SG, u0), Strings{"d1"});
    EXPECT_EQ(s.probe(F::S1, F::SG, u0), Strings{});
    const auto events = s.take();
    ASSERT_EQ(events.size(), 1U) << dump(events);
    EXPECT_EQ(events[0].records, (Recs{{RecordType::AllowNewSources, F::SG, {F::S2}}}));
}

// Item 38: an older-version General Query upstream while an SSM group has listeners is
// logged as an error (RFC 9777 §8.2.1, RFC 9776 §7.2.1: "SHOULD log an error"), at most
// once per 10 s; the next line says how many were left out. The fallback itself is
// logged as before, once.
TYPED_TEST(ScenarioSsm, OlderQueryUpstreamIsLoggedAsAnErrorRateLimited) {
    using F = TypeParam;
    auto& s = this->s;
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::AllowNewSources, F::SG, {F::S1}}});
    s.answer_queries(s.d1(), F::H1A, {{RecordType::ModeIsInclude, F::SG, {F::S1}}});
    s.run_until(at_ms(2000));
    s.log().lines.clear();
    const auto ssm_errors = [&s] {
        Strings lines;
        for (const auto& [level, text] : s.log().lines) {
            if (level == engine::LogLevel::Error && text.find("cannot serve SSM") != text.npos) {
                lines.push_back(text);
            }
        }
        return lines;
    };
    const std::string protocol = F::kV6 ? "MLD" : "IGMP";
    const std::string prefix = protocol + " upstream: an " + protocol + "v" +
                               std::to_string(F::kOld) + " General Query from " + F::R_U +
                               " while 1 SSM groups have listeners: an older querier cannot "
                               "serve SSM (" +
                               (F::kV6 ? "RFC 9777 §8.2.1" : "RFC 9776 §7.2.1");
    for (const int t : {2000, 5000, 9000, 12'500}) {
        s.at(at_ms(t), [&s] { s.query(s.u0(), QueryIn{F::R_U, F::kOld}); });
    }
    s.run_until(at_ms(12'000));
    EXPECT_EQ(ssm_errors(), Strings{prefix + "; further such messages suppressed for 10 s)"});
    s.run_until(at_ms(12'500));
    EXPECT_EQ(ssm_errors(),
              (Strings{prefix + "; further such messages suppressed for 10 s)",
                       prefix + "; 2 more since the last such message; further such messages "
                                "suppressed for 10 s)"}));
    const auto fallbacks =
        std::count_if(s.log().lines.begin(), s.log().lines.end(), [](const auto& line) {
            return line.second.find("upstream now version") != std::string::npos;
        });
    EXPECT_EQ(fallbacks, 1);
}
