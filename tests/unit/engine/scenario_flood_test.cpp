// SPDX-License-Identifier: BSD-3-Clause
// Scenario: floods (rfc-map items 29, M7, M16). A host flooding its link with reports is
// held to the link's --max-membership-rate: the excess is dropped before it is parsed,
// counted (membership-rate-limit, and per link), logged once per 10 s and link; the other
// link's reports and streams are untouched. The total source cap (--max-total-sources)
// refuses new sources across links, keeps what is there, and frees room as sources expire
// or their link goes.
#include "support/scenario_fixture.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <string>

using namespace ecmh;
using namespace ecmh::test;
using proto::at_ms;

namespace {

template <class F>
class ScenarioFlood : public ::testing::Test {
protected:
    static constexpr std::uint32_t kRate = 100;
    Scenario s{Scenario::Options{
        .ipv6 = F::kV6, .ipv4 = !F::kV6, .max_total_sources = 4, .max_membership_rate = kRate}};
    void TearDown() override {
        EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
    }

    // The n-th of many distinct groups (ff0e::2:n, 239.2.x.y).
    static std::string group(int n) {
        if (F::kV6) {
            return "ff0e::2:" + std::to_string(n);
        }
        return "239.2." + std::to_string(n / 256) + "." + std::to_string(n % 256);
    }
    // A join for each of `count` distinct groups from H1A on d1, all at now().
    void flood_d1(int first, int count) {
        for (int n = first; n < first + count; ++n) {
            s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, group(n), {}}});
        }
    }
    // The state of `link`'s router for the family under test.
    [[nodiscard]] const proto::RouterLinkCounters& counters(LinkId link) {
        return F::kV6 ? s.proxy().mld().router(link)->counters()
                      : s.proxy().igmp().router(link)->counters();
    }
    [[nodiscard]] bool querier_on(LinkId link) {
        return F::kV6 ? s.proxy().mld().router(link)->is_querier()
                      : s.proxy().igmp().router(link)->is_querier();
    }
    [[nodiscard]] std::size_t groups_on(LinkId link) {
        return F::kV6 ? s.proxy().mld().router(link)->group_count()
                      : s.proxy().igmp().router(link)->group_count();
    }
    [[nodiscard]] std::size_t sources_used() {
        return F::kV6 ? s.proxy().mld().sources().used() : s.proxy().igmp().sources().used();
    }
    [[nodiscard]] std::uint64_t rate_limited(LinkId link) {
        return s.proxy().link(link)->counters.control_rate_limited;
    }
    [[nodiscard]] long warnings(std::string_view text) {
        const auto& lines = s.log().lines;
        return std::count_if(lines.begin(), lines.end(), [&](const auto& l) {
            return l.first == engine::LogLevel::Warning && l.second.find(text) != std::string::npos;
        });
    }
};

using Families = ::testing::Types<MldFamily, IgmpFamily>;
TYPED_TEST_SUITE(ScenarioFlood, Families, FamilyNames);

TYPED_TEST(ScenarioFlood, ReportsBeyondTheRateAreDroppedOnTheFloodedLinkOnly) {
    using F = TypeParam;
    auto& s = this->s;
    s.run_until(at_ms(1000));
    s.take();
    // 3 × the burst at one instant: the first kRate are taken, the rest dropped unparsed.
    this->flood_d1(0, 3 * this->kRate);
    EXPECT_EQ(this->groups_on(s.d1()), this->kRate);
    EXPECT_EQ(s.stats().of(engine::DropReason::MembershipRateLimit), 2 * this->kRate);
    EXPECT_EQ(this->rate_limited(s.d1()), 2 * this->kRate);
    EXPECT_EQ(this->rate_limited(s.d2()), 0U);
    // d2 is another link with a bucket of its own: its listener joins and gets the stream.
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    EXPECT_EQ(this->groups_on(s.d2()), 1U);
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), (std::vector<std::string>{"d2"}));
    // A second later the bucket is full again: kRate more are taken.
    s.run_until(at_ms(2000));
    this->flood_d1(1000, 2 * this->kRate);
    EXPECT_EQ(this->groups_on(s.d1()), 2 * this->kRate);
    EXPECT_EQ(this->rate_limited(s.d1()), 3 * this->kRate);
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), (std::vector<std::string>{"d2"}));
}

TYPED_TEST(ScenarioFlood, TheRateLimitIsLoggedOncePerTenSecondsAndLink) {
    auto& s = this->s;
    s.run_until(at_ms(1000));
    this->flood_d1(0, this->kRate + 1);
    EXPECT_EQ(this->warnings("d1: more than 100 MLD/IGMP messages a second"), 1);
    s.run_until(at_ms(2000));
    this->flood_d1(1000, this->kRate + 1); // dropped again within 10 s: no new line
    EXPECT_EQ(this->warnings("d1: more than 100"), 1);
    s.run_until(at_ms(11'000));
    this->flood_d1(2000, this->kRate + 1);
    EXPECT_EQ(this->warnings("d1: more than 100"), 2);
    EXPECT_EQ(this->rate_limited(s.d1()), 3U);
}

// rfc-map M16: a lower querier flooding queries wins the election on its link (as the RFCs
// say), its flood held to the rate like reports; the other link keeps its querier and its
// stream, and ecmh takes over again an Other Querier Present Interval after the flood.
TYPED_TEST(ScenarioFlood, AQueryFloodIsRateLimitedAndEcmhTakesOverAfterIt) {
    using F = TypeParam;
    auto& s = this->s;
    s.run_until(at_ms(1000));
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    (void)s.answer_queries(s.d2(), F::H2, {{RecordType::ModeIsExclude, F::G, {}}});
    constexpr int kQueries = 4000; // 2000 a second for 2 s
    for (int i = 0; i < kQueries; ++i) {
        s.query(s.d1(), QueryIn{F::R1_LOWER, F::kNewest});
        s.run_for(std::chrono::microseconds{500});
    }
    const auto limited = this->rate_limited(s.d1());
    EXPECT_GT(limited, 0U);
    EXPECT_LE(kQueries - limited, this->kRate * 3); // the burst and 2 s at the rate
    EXPECT_EQ(this->counters(s.d1()).queries_received, kQueries - limited);
    EXPECT_FALSE(this->querier_on(s.d1()));
    EXPECT_TRUE(this->querier_on(s.d2()));
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), (std::vector<std::string>{"d2"}));
    s.run_for(proto::fast_test_profile().other_querier_present_interval() + millis(100));
    EXPECT_TRUE(this->querier_on(s.d1()));
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), (std::vector<std::string>{"d2"}));
}

TYPED_TEST(ScenarioFlood, TotalSourceCapRefusesNewSourcesAcrossLinksUntilSomeExpire) {
    using F = TypeParam;
    auto& s = this->s;
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::AllowNewSources, F::G, {F::S1, F::S2, F::S3}}});
    EXPECT_EQ(this->sources_used(), 3U);
    s.run_until(at_ms(6000));
    // Another link, another group: one place is left of 4 in all.
    s.report(s.d2(), F::H2, {{RecordType::AllowNewSources, F::G2, {F::S1, F::S2}}});
    EXPECT_EQ(this->sources_used(), 4U);
    EXPECT_EQ(s.probe(F::S1, F::G2, s.u0()), (std::vector<std::string>{"d2"}));
    EXPECT_TRUE(s.probe(F::S2, F::G2, s.u0()).empty()); // refused: not forwarded
    EXPECT_EQ(this->counters(s.d2()).total_source_limit_hits, 1U);
    EXPECT_EQ(this->warnings("total source limit (4 in all groups"), 1);
    // The existing state is kept: d1 still gets all three.
    EXPECT_EQ(s.probe(F::S3, F::G, s.u0()), (std::vector<std::string>{"d1"}));
    // d1's sources expire (MALI = 10 s after their report): their places are free again.
    s.run_until(at_ms(11'500));
    EXPECT_TRUE(s.probe(F::S3, F::G, s.u0()).empty());
    EXPECT_EQ(this->sources_used(), 1U);
    s.report(s.d2(), F::H2, {{RecordType::AllowNewSources, F::G2, {F::S2, F::S3}}});
    EXPECT_EQ(this->sources_used(), 3U);
    EXPECT_EQ(s.probe(F::S2, F::G2, s.u0()), (std::vector<std::string>{"d2"}));
    // A link that goes takes its records with it.
    s.remove_link(s.d2());
    EXPECT_EQ(this->sources_used(), 0U);
}

TYPED_TEST(ScenarioFlood, TotalSourceCapBoundsTheExcludeListToo) {
    using F = TypeParam;
    auto& s = this->s;
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::AllowNewSources, F::G, {F::S1, F::S2, F::S3}}});
    // One place left: only one of the two excluded sources is recorded; the other stays
    // forwarded, the safe side of a full table.
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G2, {F::S1, F::S2}}});
    EXPECT_EQ(this->sources_used(), 4U);
    EXPECT_TRUE(s.probe(F::S1, F::G2, s.u0()).empty());
    EXPECT_EQ(s.probe(F::S2, F::G2, s.u0()), (std::vector<std::string>{"d2"}));
}

} // namespace
