// SPDX-License-Identifier: BSD-3-Clause
// Scenario: several upstreams (issue 14 item 4), for MLD and IGMP. u0 is the default
// upstream; u4 serves G2 (a host prefix). Each upstream has its own RFC 4605 host state
// and reports only its groups; data from a downstream source goes to the group's own
// upstream; data from the other upstream is dropped (other-upstream); a group that moves
// to another upstream is left on the one and reported on the other; a group whose
// upstream is gone is reported nowhere, not on the default upstream.
#include "support/scenario_fixture.hpp"

#include <gtest/gtest.h>
#include <memory>
#include <set>

using namespace ecmh;
using namespace ecmh::test;
using proto::at_ms;

namespace {

using Strings = std::vector<std::string>;

template <class F>
engine::UpstreamServes serving(const char* link, std::initializer_list<const char*> prefixes) {
    engine::UpstreamServes u{link, {}, {}};
    for (const char* p : prefixes) {
        if constexpr (F::kV6) {
            u.mld.push_back(*net::Ipv6Prefix::parse(p));
        } else {
            u.igmp.push_back(*net::Ipv4Prefix::parse(p));
        }
    }
    return u;
}

template <class F>
class ScenarioUpstreams : public ::testing::Test {
protected:
    ScenarioUpstreams() {
        Scenario::Options o{.ipv6 = F::kV6, .ipv4 = !F::kV6};
        o.upstreams = {serving<F>("u0", {}), serving<F>("u4", {F::G2})};
        s_ = std::make_unique<Scenario>(o);
        u4 = *s_->find("u4");
    }
    void TearDown() override {
        EXPECT_TRUE(s_->violations().empty()) << ::testing::PrintToString(s_->violations());
    }
    // The groups named by the reports on `link` in `events`.
    static std::set<std::string> reported(const Events& events, LinkId link) {
        std::set<std::string> groups;
        for (const auto& e : select(events, {.link = link})) {
            for (const auto& r : e.records) {
                groups.insert(r.group);
            }
            if (e.kind == Kind::V1Report || e.kind == Kind::Done || e.kind == Kind::Leave) {
                groups.insert(e.group);
            }
        }
        return groups;
    }
    // h1a on d1 joins G and G2 at 1 s.
    void join_g_and_g2() {
        s().run_until(at_ms(1000));
        s().take();
        s().report(s().d1(), F::H1A,
                   {{RecordType::ChangeToExcludeMode, F::G, {}},
                    {RecordType::ChangeToExcludeMode, F::G2, {}}});
        s().run_until(at_ms(2000));
    }
    Scenario& s() { return *s_; }
    std::uint64_t other_upstream() const {
        return s_->stats().verdicts[static_cast<std::size_t>(table::Verdict::OtherUpstream)];
    }

    std::unique_ptr<Scenario> s_;
    LinkId u4;
};

using Families = ::testing::Types<MldFamily, IgmpFamily>;
TYPED_TEST_SUITE(ScenarioUpstreams, Families, FamilyNames);

} // namespace

TYPED_TEST(ScenarioUpstreams, EachUpstreamReportsOnlyItsOwnGroups) {
    using F = TypeParam;
    auto& s = this->s();
    this->join_g_and_g2();
    const auto events = s.take();
    EXPECT_EQ(this->reported(events, s.u0()), std::set<std::string>{F::G}) << dump(events);
    EXPECT_EQ(this->reported(events, this->u4), std::set<std::string>{F::G2}) << dump(events);
    EXPECT_EQ(s.upstream_state(F::G, "u0"), "EXCLUDE{}");
    EXPECT_EQ(s.upstream_state(F::G2, "u0"), "");
    EXPECT_EQ(s.upstream_state(F::G2, "u4"), "EXCLUDE{}");
    EXPECT_EQ(s.upstream_state(F::G, "u4"), "");
    // Each upstream answers its own querier with its own groups only.
    s.query(this->u4, QueryIn{F::R_U, F::kNewest});
    s.run_until(at_ms(4000));
    EXPECT_EQ(this->reported(s.take(), this->u4), std::set<std::string>{F::G2});
    // SIGUSR2: every upstream reports again, each its own.
    s.resend_reports();
    const auto again = s.take();
    EXPECT_EQ(this->reported(again, s.u0()), std::set<std::string>{F::G}) << dump(again);
    EXPECT_EQ(this->reported(again, this->u4), std::set<std::string>{F::G2}) << dump(again);
    // h1a leaves G2: only u4 hears of it.
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToIncludeMode, F::G2, {}}});
    s.run_until(at_ms(8000));
    const auto left = s.take();
    EXPECT_EQ(this->reported(left, this->u4), std::set<std::string>{F::G2}) << dump(left);
    EXPECT_TRUE(this->reported(left, s.u0()).empty()) << dump(left);
    EXPECT_EQ(s.upstream_state(F::G2, "u4"), "");
}

TYPED_TEST(ScenarioUpstreams, DataGoesToAndComesFromTheGroupsOwnUpstreamOnly) {
    using F = TypeParam;
    auto& s = this->s();
    this->join_g_and_g2();
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{"d1"});
    EXPECT_EQ(s.probe(F::S1, F::G2, this->u4), Strings{"d1"});
    // From a downstream source: the listeners and the group's upstream, not the other.
    EXPECT_EQ(s.probe(F::H2_SOURCE, F::G, s.d2()), (Strings{"d1", "u0"}));
    EXPECT_EQ(s.probe(F::H2_SOURCE, F::G2, s.d2()), (Strings{"d1", "u4"}));
    EXPECT_EQ(s.probe(F::H2_SOURCE, F::G3, s.d2()), Strings{"u0"});
    // From the upstream that does not serve the group: nowhere, and counted.
    EXPECT_EQ(this->other_upstream(), 0U);
    EXPECT_EQ(s.probe(F::S1, F::G2, s.u0()), Strings{});
    EXPECT_EQ(s.probe(F::S1, F::G, this->u4), Strings{});
    EXPECT_EQ(this->other_upstream(), 2U);
}

// The same routes again (a reload of an unchanged file): nothing is sent anywhere.
TYPED_TEST(ScenarioUpstreams, TheSameRoutesAgainSendNothing) {
    using F = TypeParam;
    auto& s = this->s();
    this->join_g_and_g2();
    s.take();
    s.configure_upstreams({serving<F>("u0", {}), serving<F>("u4", {F::G2})});
    const auto events = s.take();
    EXPECT_TRUE(events.empty()) << dump(events);
    EXPECT_EQ(s.upstream_state(F::G, "u0"), "EXCLUDE{}");
    EXPECT_EQ(s.upstream_state(F::G2, "u4"), "EXCLUDE{}");
}

// New routes (a reload): G2 moves from u4 to u0, G3 to u4. u4 leaves G2 at once and u0
// reports it; nothing is reported twice.
TYPED_TEST(ScenarioUpstreams, AGroupThatMovesIsLeftOnOneAndReportedOnTheOther) {
    using F = TypeParam;
    auto& s = this->s();
    this->join_g_and_g2();
    s.take();
    s.configure_upstreams({serving<F>("u0", {}), serving<F>("u4", {F::G3})});
    const auto moved = s.take();
    EXPECT_EQ(this->reported(moved, this->u4), std::set<std::string>{F::G2}) << dump(moved);
    EXPECT_EQ(this->reported(moved, s.u0()), std::set<std::string>{F::G2}) << dump(moved);
    EXPECT_EQ(s.upstream_state(F::G2, "u4"), "");
    EXPECT_EQ(s.upstream_state(F::G2, "u0"), "EXCLUDE{}");
    EXPECT_EQ(s.upstream_state(F::G, "u0"), "EXCLUDE{}");
    EXPECT_EQ(s.probe(F::S1, F::G2, s.u0()), Strings{"d1"});
    EXPECT_EQ(s.probe(F::S1, F::G2, this->u4), Strings{});
}

// u4 goes away: its groups are served by nobody meanwhile (never by the default u0,
// whose provider may not expect them); when it comes back it reports them at once.
TYPED_TEST(ScenarioUpstreams, AGoneUpstreamsGroupsAreNotReportedElsewhere) {
    using F = TypeParam;
    auto& s = this->s();
    this->join_g_and_g2();
    s.take();
    s.remove_link(this->u4);
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G2, {}}});
    s.run_until(at_ms(4000));
    EXPECT_EQ(s.upstream_state(F::G2, "u0"), "");
    EXPECT_FALSE(this->reported(s.take(), s.u0()).contains(F::G2));
    EXPECT_EQ(s.probe(F::H2_SOURCE, F::G2, s.d2()), Strings{"d1"});
    const auto back = s.restore_link("u4");
    const auto events = s.take();
    EXPECT_EQ(this->reported(events, back), std::set<std::string>{F::G2}) << dump(events);
    EXPECT_EQ(s.upstream_state(F::G2, "u4"), "EXCLUDE{}");
}
