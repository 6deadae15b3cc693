// SPDX-License-Identifier: BSD-3-Clause
// Scenario: the configuration file's per-link settings and policy in the engine, for MLD
// and IGMP (issue 14; rfc-map items 32, 42, 46): a denied join is neither installed nor
// reported upstream nor forwarded, and is counted; the upstream's rules limit what is
// reported, not what downstream links exchange; a denied host is excluded from an
// any-source join; a boundary stops a group's data both ways; the querier rule off keeps
// a link's copies while another router is querier there.
#include "support/scenario_fixture.hpp"

#include <gtest/gtest.h>
#include <memory>

using namespace ecmh;
using namespace ecmh::test;
using proto::at_ms;

namespace {

using Strings = std::vector<std::string>;

struct RuleText {
    table::PolicyAction action;
    const char* group;
    const char* source = nullptr;
};

// Settings whose policy for F's family has `rules` and `boundaries`.
template <class F>
engine::LinkSettings with_policy(std::initializer_list<RuleText> rules,
                                 std::initializer_list<const char*> boundaries = {}) {
    using Address = std::conditional_t<F::kV6, net::Ipv6Address, net::Ipv4Address>;
    using Prefix = net::Prefix<Address>;
    std::vector<table::PolicyRule<Address>> r;
    for (const auto& t : rules) {
        r.push_back({t.action, *Prefix::parse(t.group),
                     t.source != nullptr ? Prefix::parse(t.source) : std::nullopt});
    }
    std::vector<Prefix> b;
    for (const char* p : boundaries) {
        b.push_back(*Prefix::parse(p));
    }
    engine::LinkSettings s;
    if constexpr (F::kV6) {
        s.mld_policy = table::GroupPolicy<Address>{r, b};
    } else {
        s.igmp_policy = table::GroupPolicy<Address>{r, b};
    }
    return s;
}

constexpr auto kAllow = table::PolicyAction::Allow;
constexpr auto kDeny = table::PolicyAction::Deny;

template <class F>
class ScenarioPolicy : public ::testing::Test {
protected:
    Scenario& start(std::map<std::string, engine::LinkSettings> settings) {
        Scenario::Options o{.ipv6 = F::kV6, .ipv4 = !F::kV6};
        o.settings = std::move(settings);
        s_ = std::make_unique<Scenario>(o);
        return *s_;
    }
    // No rules anywhere; h1a on d1 joined G and G2 at 1 s; at 2.2 s, history taken.
    Scenario& start_with_g_and_g2_on_d1() {
        using F_ = F;
        auto& s = start({});
        s.run_until(at_ms(1000));
        s.report(s.d1(), F_::H1A,
                 {{RecordType::ChangeToExcludeMode, F_::G, {}},
                  {RecordType::ChangeToExcludeMode, F_::G2, {}}});
        s.run_until(at_ms(2200));
        s.take();
        return s;
    }
    void TearDown() override {
        if (s_) {
            EXPECT_TRUE(s_->violations().empty()) << ::testing::PrintToString(s_->violations());
        }
    }
    std::unique_ptr<Scenario> s_;
};

using Families = ::testing::Types<MldFamily, IgmpFamily>;
TYPED_TEST_SUITE(ScenarioPolicy, Families, FamilyNames);

std::uint64_t policy_denied(const Scenario& s) {
    return s.stats().of(engine::DropReason::PolicyDenied);
}

} // namespace

TYPED_TEST(ScenarioPolicy, ADeniedJoinIsNeitherInstalledNorReportedNorForwarded) {
    using F = TypeParam;
    // d1 may join G2 only (a whitelist); d2 has no rules.
    auto& s = this->start({{"d1", with_policy<F>({{kAllow, F::G2}})}});
    s.run_until(at_ms(1000));
    s.take();
    s.report(s.d1(), F::H1A,
             {{RecordType::ChangeToExcludeMode, F::G, {}},
              {RecordType::ChangeToExcludeMode, F::G2, {}}});
    s.old_report(s.d1(), F::H1B, F::G3, F::kOld);
    s.run_until(at_ms(1100));
    EXPECT_EQ(policy_denied(s), 2U); // G's record and G3's old report
    EXPECT_EQ(s.upstream_state(F::G), "");
    EXPECT_EQ(s.upstream_state(F::G3), "");
    EXPECT_EQ(s.upstream_state(F::G2), "EXCLUDE{}");
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{});
    EXPECT_EQ(s.probe(F::S1, F::G3, s.u0()), Strings{});
    EXPECT_EQ(s.probe(F::S1, F::G2, s.u0()), Strings{"d1"});
    // No report upstream names G or G3.
    for (const auto& e : select(s.take(), {.link = s.u0()})) {
        for (const auto& r : e.records) {
            EXPECT_EQ(r.group, F::G2) << dump({e});
        }
    }
    // The same group is still served on a link whose rules allow it.
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.run_until(at_ms(1200));
    EXPECT_EQ(s.upstream_state(F::G), "EXCLUDE{}");
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{"d2"});
    EXPECT_EQ(policy_denied(s), 2U);
}

TYPED_TEST(ScenarioPolicy, TheUpstreamsRulesLimitReportsNotTheDownstreamLinks) {
    using F = TypeParam;
    auto& s = this->start({{"u0", with_policy<F>({{kDeny, F::G}})}});
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A,
             {{RecordType::ChangeToExcludeMode, F::G, {}},
              {RecordType::ChangeToExcludeMode, F::G2, {}}});
    s.run_until(at_ms(1100));
    EXPECT_EQ(s.upstream_state(F::G), "");
    EXPECT_EQ(s.upstream_state(F::G2), "EXCLUDE{}");
    // d1's listener still gets G from a sender on d2: the rules are the upstream's.
    EXPECT_EQ(s.probe(F::H2_SOURCE, F::G, s.d2()), (Strings{"d1", "u0"}));
    EXPECT_EQ(policy_denied(s), 0U); // installed on d1: nothing refused there
}

TYPED_TEST(ScenarioPolicy, ADeniedHostIsExcludedFromAnAnySourceJoin) {
    using F = TypeParam;
    auto& s = this->start({{"d1", with_policy<F>({{kDeny, F::G, F::S1}, {kDeny, F::SG, F::S1}})}});
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.run_until(at_ms(1100));
    EXPECT_EQ(s.upstream_state(F::G), std::string("EXCLUDE{") + F::S1 + "}");
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{});
    EXPECT_EQ(s.probe(F::S2, F::G, s.u0()), Strings{"d1"});
    // A source-specific join of the denied host installs nothing; of another, it does.
    s.report(s.d1(), F::H1A, {{RecordType::AllowNewSources, F::SG, {F::S1, F::S2}}});
    s.run_until(at_ms(1200));
    EXPECT_EQ(s.upstream_state(F::SG), std::string("INCLUDE{") + F::S2 + "}");
    EXPECT_EQ(s.probe(F::S1, F::SG, s.u0()), Strings{});
    EXPECT_EQ(s.probe(F::S2, F::SG, s.u0()), Strings{"d1"});
    EXPECT_EQ(policy_denied(s), 2U); // the TO_EX gained S1; the ALLOW lost it
}

TYPED_TEST(ScenarioPolicy, ABoundaryStopsTheGroupsDataBothWays) {
    using F = TypeParam;
    auto& s = this->start({{"d1", with_policy<F>({}, {F::G})}});
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.run_until(at_ms(1100));
    EXPECT_EQ(policy_denied(s), 1U);
    // Into d1: never, though its host asked.
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{"d2"});
    // Out of d1: nowhere, though d2 and the upstream would take it.
    const auto before = s.stats().of(table::Verdict::Boundary);
    EXPECT_EQ(s.probe(F::H1_SOURCE, F::G, s.d1()), Strings{});
    EXPECT_EQ(s.stats().of(table::Verdict::Boundary), before + 1);
    // Other groups cross d1 as before.
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G2, {}}});
    s.run_until(at_ms(1200));
    EXPECT_EQ(s.probe(F::S1, F::G2, s.u0()), Strings{"d1"});
    EXPECT_EQ(s.probe(F::H1_SOURCE, F::G2, s.d1()), Strings{"u0"});
}

TYPED_TEST(ScenarioPolicy, TheQuerierRuleOffKeepsCopiesWhereAnotherRouterQueries) {
    using F = TypeParam;
    engine::LinkSettings off;
    off.querier_rule = false;
    auto& s = this->start({{"d1", off}});
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.run_until(at_ms(1100));
    // A router with a lower address (a snooping switch's querier) takes both links.
    s.query(s.d1(), QueryIn{F::R1_LOWER, F::kNewest});
    s.query(s.d2(), QueryIn{F::R1_LOWER, F::kNewest});
    s.run_until(at_ms(1200));
    EXPECT_FALSE(s.is_querier(s.d1(), F::kV6));
    EXPECT_FALSE(s.is_querier(s.d2(), F::kV6));
    // d2 keeps the RFC 4605 §3 rule and loses its copies; d1 keeps them.
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{"d1"});
}

TYPED_TEST(ScenarioPolicy, PerLinkVersionsAndTimers) {
    using F = TypeParam;
    engine::LinkSettings old;
    if constexpr (F::kV6) {
        old.mld_version = 1;
    } else {
        old.igmp_version = 2;
    }
    auto vars = proto::fast_test_profile();
    vars.query_interval = std::chrono::milliseconds{2000};
    old.vars = vars;
    auto& s = this->start({{"d1", old}});
    s.run_until(at_ms(9000));
    const auto events = s.take();
    // d1 queries in the old version, at its own interval (startup: QI/4 apart, twice);
    // d2 in the newest, at the global one.
    const auto d1_queries = select(events, {.link = s.d1(), .kind = Kind::GeneralQuery});
    ASSERT_FALSE(d1_queries.empty());
    for (const auto& q : d1_queries) {
        EXPECT_EQ(q.version, F::kOld) << dump({q});
    }
    EXPECT_EQ(ms_of(d1_queries), (std::vector<std::int64_t>{0, 500, 2500, 4500, 6500, 8500}));
    const auto d2_queries = select(events, {.link = s.d2(), .kind = Kind::GeneralQuery});
    ASSERT_FALSE(d2_queries.empty());
    EXPECT_EQ(d2_queries.front().version, F::kNewest);
    EXPECT_EQ(ms_of(d2_queries), (std::vector<std::int64_t>{0, 1000, 5000, 9000}));
}

TYPED_TEST(ScenarioPolicy, ABoundaryOnTheUpstreamKeepsTheGroupInside) {
    using F = TypeParam;
    auto& s = this->start({{"u0", with_policy<F>({}, {F::G})}});
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.run_until(at_ms(1100));
    EXPECT_EQ(s.upstream_state(F::G), "");                          // not asked for upstream
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{});             // nor taken from there
    EXPECT_EQ(s.probe(F::H2_SOURCE, F::G, s.d2()), Strings{"d1"});  // nor sent there
    EXPECT_EQ(s.probe(F::H2_SOURCE, F::G2, s.d2()), Strings{"u0"}); // other groups are
}

TYPED_TEST(ScenarioPolicy, ANewSettingsThatChangeNothingChangeNothing) {
    using F = TypeParam;
    auto& s = this->start({{"d1", with_policy<F>({{kDeny, F::G3}})}});
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.run_until(at_ms(2200));
    s.take();
    // The same settings again (a reload of an unchanged file): no query, no report.
    s.update_link(s.d1(), [](engine::LinkConfig&) {});
    s.update_link(s.d1(), [](engine::LinkConfig& c) { c.settings = c.settings; });
    s.run_until(at_ms(2400));
    EXPECT_TRUE(s.take().empty());
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{"d1"});
}

TYPED_TEST(ScenarioPolicy, NewRulesEndADeniedGroupAtOnceAndKeepTheRest) {
    using F = TypeParam;
    auto& s = this->start_with_g_and_g2_on_d1();
    s.update_link(s.d1(), [](engine::LinkConfig& c) {
        c.settings = with_policy<F>({{kDeny, F::G}});
    });
    // G ends at once: no copies, a leave upstream; G2 is untouched.
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{});
    EXPECT_EQ(s.probe(F::S1, F::G2, s.u0()), Strings{"d1"});
    EXPECT_EQ(s.upstream_state(F::G), "");
    EXPECT_EQ(s.upstream_state(F::G2), "EXCLUDE{}");
    s.run_until(at_ms(2300));
    const auto events = s.take();
    EXPECT_TRUE(select(events, {.link = s.d1()}).empty()) << "nothing asked on d1\n"
                                                          << dump(events);
    const auto up = select(events, {.link = s.u0()});
    ASSERT_FALSE(up.empty());
    for (const auto& e : up) {
        for (const auto& r : e.records) {
            EXPECT_EQ(r.group, F::G) << dump({e}); // only G's leave
        }
    }
}

TYPED_TEST(ScenarioPolicy, NewUpstreamRulesChangeOnlyTheReportsTheyConcern) {
    using F = TypeParam;
    auto& s = this->start_with_g_and_g2_on_d1();
    s.update_link(s.u0(), [](engine::LinkConfig& c) {
        c.settings = with_policy<F>({{kDeny, F::G2}});
    });
    EXPECT_EQ(s.upstream_state(F::G), "EXCLUDE{}");
    EXPECT_EQ(s.upstream_state(F::G2), "");
    // Still served downstream (and data still goes up, RFC 4605 §4.2).
    EXPECT_EQ(s.probe(F::H2_SOURCE, F::G2, s.d2()), (Strings{"d1", "u0"}));
    s.run_until(at_ms(2300));
    for (const auto& e : select(s.take(), {.link = s.u0()})) {
        for (const auto& r : e.records) {
            EXPECT_EQ(r.group, F::G2) << dump({e});
        }
    }
}

TYPED_TEST(ScenarioPolicy, NewTimersRestartTheQuerierKeepingListeners) {
    using F = TypeParam;
    auto& s = this->start({});
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.run_until(at_ms(2200));
    s.take();
    auto vars = proto::fast_test_profile();
    vars.query_interval = std::chrono::milliseconds{2000};
    s.update_link(s.d1(), [&](engine::LinkConfig& c) { c.settings.vars = vars; });
    s.run_until(at_ms(5000));
    const auto events = s.take();
    // At once, QI/4 later, then every 2 s; d2 keeps its 4 s schedule.
    EXPECT_EQ(ms_of(select(events, {.link = s.d1(), .kind = Kind::GeneralQuery})),
              (std::vector<std::int64_t>{2200, 2700, 4700}));
    EXPECT_EQ(ms_of(select(events, {.link = s.d2(), .kind = Kind::GeneralQuery})),
              (std::vector<std::int64_t>{5000}));
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{"d1"});
}

// --ssm-range: G's range is SSM instead of the default, which is ASM again (rfc-map 27).
TYPED_TEST(ScenarioPolicy, AConfiguredSsmRangeReplacesTheDefault) {
    using F = TypeParam;
    Scenario::Options o{.ipv6 = F::kV6, .ipv4 = !F::kV6};
    if constexpr (F::kV6) {
        o.ssm6 = {*net::Ipv6Prefix::parse("ff0e::1:0/112")};
    } else {
        o.ssm4 = {*net::Ipv4Prefix::parse("239.1.1.0/24")};
    }
    Scenario s{o};
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A,
             {{RecordType::ChangeToExcludeMode, F::G, {}},
              {RecordType::AllowNewSources, F::G2, {F::S1}},
              {RecordType::ChangeToExcludeMode, F::SG, {}}});
    s.old_report(s.d2(), F::H2, F::G3, F::kOld);
    s.run_until(at_ms(1100));
    // In the configured range: the any-source join and the old report are ignored,
    // the source-specific join is taken and forwards its source only.
    EXPECT_EQ(s.router_counters(s.d1(), F::kV6).ignored_ssm, 1U);
    EXPECT_EQ(s.router_counters(s.d2(), F::kV6).ignored_ssm, 1U);
    EXPECT_EQ(s.upstream_state(F::G), "");
    EXPECT_EQ(s.upstream_state(F::G3), "");
    EXPECT_EQ(s.upstream_state(F::G2), std::string("INCLUDE{") + F::S1 + "}");
    EXPECT_EQ(s.probe(F::S1, F::G2, s.u0()), Strings{"d1"});
    EXPECT_EQ(s.probe(F::S2, F::G2, s.u0()), Strings{});
    // The default SSM range is any-source now.
    EXPECT_EQ(s.upstream_state(F::SG), "EXCLUDE{}");
    EXPECT_EQ(s.probe(F::S2, F::SG, s.u0()), Strings{"d1"});
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}

// An old-version report cannot exclude a source, so a group a deny rule names a host of
// is refused to it: taking it would let the denied host's data through.
TYPED_TEST(ScenarioPolicy, AnOldReportCannotJoinAGroupWithADeniedHost) {
    using F = TypeParam;
    auto& s = this->start({{"d1", with_policy<F>({{kDeny, F::G, F::S1}})}});
    s.run_until(at_ms(1000));
    s.old_report(s.d1(), F::H1A, F::G, F::kOld);
    s.old_report(s.d1(), F::H1A, F::G2, F::kOld);
    s.run_until(at_ms(1100));
    EXPECT_EQ(policy_denied(s), 1U);
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{});
    EXPECT_EQ(s.probe(F::S2, F::G, s.u0()), Strings{});
    EXPECT_EQ(s.upstream_state(F::G), "");
    EXPECT_EQ(s.probe(F::S1, F::G2, s.u0()), Strings{"d1"});
}
