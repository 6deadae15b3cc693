// SPDX-License-Identifier: BSD-3-Clause
// Scenario: runtime link events (rfc-map M19, item 37). Fast profile: QI 4 s, QRI 1 s,
// SQI 1 s, MALI 9 s.
//   A downstream link's address changes: its listeners stay, its queries come from the
//   new address at once, and a Non-Querier whose new address is now the lowest takes
//   over. The upstream's address changes: every group is reported again at once from the
//   new address; an upstream that loses its IPv4 address reports from 0.0.0.0, one that
//   loses its link-local address sends no MLD until it has one again.
//   The MTU changes: copies and messages follow the new MTU, nothing is forgotten.
//   A link goes down: nothing is sent on it (counted as link-down), its listeners and
//   their timers are kept; up again within MALI: copies resume at once and the querier
//   starts over; down longer than MALI: the listeners expire as they would have.
#include "support/scenario_fixture.hpp"

#include <algorithm>
#include <gtest/gtest.h>

using namespace ecmh;
using namespace ecmh::test;
using proto::at_ms;

namespace {

template <class F>
class ScenarioLinkEvents : public ScenarioTest<F> {
protected:
    // h1a joins G on d1 at 1 s; at `settled` (ms) the reports are out and forgotten.
    void h1a_joined_until(std::int64_t settled) {
        this->s.run_until(at_ms(1000));
        this->s.report(this->s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
        this->s.run_until(at_ms(settled));
        (void)this->s.take();
    }
};

using Families = ::testing::Types<MldFamily, IgmpFamily>;
TYPED_TEST_SUITE(ScenarioLinkEvents, Families, FamilyNames);

using Strings = std::vector<std::string>;

// Sets the family's own address of a link (F picks IPv6 link-local or IPv4).
template <class F>
void set_address(engine::LinkConfig& c, const std::string& address) {
    if constexpr (F::kV6) {
        c.link_local = net::Ipv6Address::parse(address);
    } else {
        c.ipv4 = net::Ipv4Address::parse(address);
    }
}

// Takes the family's own address off a link (as Linux does to IPv6 on a link set down).
template <class F>
void clear_address(engine::LinkConfig& c) {
    if constexpr (F::kV6) {
        c.link_local.reset();
    } else {
        c.ipv4.reset();
    }
}

// Records by group: a full report lists its groups in address order, which is not the
// same in both families for these groups.
Recs by_group(Recs records) {
    std::sort(records.begin(), records.end(),
              [](const Rec& a, const Rec& b) { return a.group < b.group; });
    return records;
}

// The records of every report in `events`, by group.
Recs records_of(const Events& events) {
    Recs out;
    for (const auto& e : events) {
        out.insert(out.end(), e.records.begin(), e.records.end());
    }
    return by_group(out);
}

} // namespace

TYPED_TEST(ScenarioLinkEvents, DownstreamAddressChangeKeepsListenersAndQueriesFromTheNewOne) {
    using F = TypeParam;
    auto& s = this->s;
    const std::string moved = F::kV6 ? "fe80::101" : "198.51.100.101";
    this->h1a_joined_until(2500);
    s.update_link(s.d1(), [&](engine::LinkConfig& c) { set_address<F>(c, moved); });
    s.run_until(at_ms(2500));
    const auto events = s.take();
    // The harness checks that the query comes from the new address.
    const auto queries = select(events, {.link = s.d1(), .kind = Kind::GeneralQuery});
    ASSERT_EQ(queries.size(), 1U) << dump(events);
    EXPECT_EQ(queries[0].source, moved);
    EXPECT_EQ(queries[0].at, at_ms(2500));
    EXPECT_TRUE(select(events, {.link = s.u0()}).empty()) << "nothing left: " << dump(events);
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{"d1"});
    EXPECT_TRUE(s.is_querier(s.d1(), F::kV6));
}

TYPED_TEST(ScenarioLinkEvents, DownstreamAddressChangeReRunsTheElection) {
    using F = TypeParam;
    auto& s = this->s;
    const std::string other = F::kV6 ? "fe80::50" : "198.51.100.50";
    const std::string higher = F::kV6 ? "fe80::120" : "198.51.100.120";
    const std::string lowest = F::kV6 ? "fe80::20" : "198.51.100.20";
    s.run_until(at_ms(1000));
    s.query(s.d1(), {.source = other, .version = F::kNewest});
    ASSERT_FALSE(s.is_querier(s.d1(), F::kV6)) << "a lower address took over";
    s.take();
    // A higher new address changes nothing: the other router stays querier.
    s.update_link(s.d1(), [&](engine::LinkConfig& c) { set_address<F>(c, higher); });
    EXPECT_FALSE(s.is_querier(s.d1(), F::kV6));
    EXPECT_TRUE(s.take().empty());
    s.run_until(at_ms(1500));
    s.update_link(s.d1(), [&](engine::LinkConfig& c) { set_address<F>(c, lowest); });
    EXPECT_TRUE(s.is_querier(s.d1(), F::kV6)) << "the new address is the lowest on the link";
    s.run_until(at_ms(1500)); // the General Query is due at once
    const auto queries = select(s.take(), {.link = s.d1(), .kind = Kind::GeneralQuery});
    ASSERT_EQ(queries.size(), 1U);
    EXPECT_EQ(queries[0].at, at_ms(1500));
    EXPECT_EQ(queries[0].source, lowest);
}

// Linux flushes a link's IPv6 addresses when it is set down: a link without its address
// keeps its listeners, sends no query, and starts over when the address is back.
TYPED_TEST(ScenarioLinkEvents, DownstreamWithoutAnAddressKeepsItsListenersAndStaysSilent) {
    using F = TypeParam;
    auto& s = this->s;
    this->h1a_joined_until(2000);
    s.update_link(s.d1(), clear_address<F>);
    s.run_until(at_ms(6000)); // a General Query fell due at 5000
    auto events = s.take();
    EXPECT_TRUE(select(events, {.link = s.d1()}).empty()) << dump(events);
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{"d1"}) << "its listener is kept";
    s.update_link(s.d1(), [](engine::LinkConfig& c) { set_address<F>(c, F::D1); });
    s.run_until(at_ms(6000));
    events = s.take();
    EXPECT_EQ(ms_of(select(events, {.link = s.d1(), .kind = Kind::GeneralQuery})),
              std::vector<std::int64_t>{6000})
        << dump(events);
}

TYPED_TEST(ScenarioLinkEvents, UpstreamAddressChangeReportsEveryGroupFromTheNewAddress) {
    using F = TypeParam;
    auto& s = this->s;
    const std::string moved = F::kV6 ? "fe80::3" : "192.0.2.3";
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.report(s.d2(), F::H2, {{RecordType::AllowNewSources, F::SG, {F::S1}}});
    s.run_until(at_ms(3000)); // the state-change retransmissions are over
    s.take();
    s.update_link(s.u0(), [&](engine::LinkConfig& c) { set_address<F>(c, moved); });
    const auto events = s.take();
    const auto reports = select(events, {.link = s.u0(), .kind = Kind::V2Report});
    ASSERT_FALSE(reports.empty()) << dump(events);
    for (const auto& r : reports) {
        EXPECT_EQ(r.source, moved) << r;
        EXPECT_EQ(r.at, at_ms(3000)) << r;
    }
    EXPECT_EQ(records_of(reports), by_group({{RecordType::ModeIsExclude, F::G, {}},
                                             {RecordType::ModeIsInclude, F::SG, {F::S1}}}))
        << dump(events);
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{"d1"});
    // Later reports come from it too (the harness checks every one).
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G2, {}}});
    EXPECT_EQ(select(s.take(), {.link = s.u0(), .kind = Kind::V2Report}).at(0).source, moved);
}

// rfc-map item 37: an upstream without an IPv4 address reports from 0.0.0.0 (RFC 3376
// §4.2.13); MLD cannot report from :: and waits for a link-local address (RFC 3810
// §5.2.13), then reports every group from it.
TYPED_TEST(ScenarioLinkEvents, UpstreamLosingItsAddressReportsAsTheRfcAllows) {
    using F = TypeParam;
    auto& s = this->s;
    this->h1a_joined_until(3000);
    s.update_link(s.u0(), clear_address<F>);
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G2, {}}});
    auto up = select(s.take(), {.link = s.u0()});
    if constexpr (F::kV6) {
        EXPECT_TRUE(up.empty()) << "no MLD from ::\n" << dump(up);
    } else {
        ASSERT_EQ(up.size(), 2U) << dump(up); // the re-report, then the new join
        for (const auto& e : up) {
            EXPECT_EQ(e.source, "0.0.0.0") << e;
        }
        EXPECT_EQ(up[0].records, (Recs{{RecordType::ModeIsExclude, F::G, {}}}));
        EXPECT_EQ(up[1].records, (Recs{{RecordType::ChangeToExcludeMode, F::G2, {}}}));
    }
    s.run_until(at_ms(5000));
    s.take();
    s.update_link(s.u0(), [](engine::LinkConfig& c) { set_address<F>(c, F::U0); });
    up = select(s.take(), {.link = s.u0()});
    ASSERT_FALSE(up.empty());
    EXPECT_EQ(up[0].source, F::U0);
    EXPECT_EQ(records_of(up),
              (Recs{{RecordType::ModeIsExclude, F::G, {}}, {RecordType::ModeIsExclude, F::G2, {}}}))
        << dump(up);
}

// Every frame on d2 fits its MTU, whatever it is now; IPv6 copies that do not fit are
// dropped (the IPv4 side may fragment them), and nothing is forgotten meanwhile.
TYPED_TEST(ScenarioLinkEvents, MtuChangeAppliesAtOnceAndKeepsTheListeners) {
    using F = TypeParam;
    auto& s = this->s;
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.take();
    const auto big = frames::udp(F::S1, F::G, 8, 1400);
    s.update_link(s.d2(), [](engine::LinkConfig& c) { c.mtu = 1280; });
    s.deliver(s.u0(), big);
    auto events = s.take();
    EXPECT_EQ(select(events, {.link = s.d1()}).size(), 1U) << dump(events);
    for (const auto& e : select(events, {.link = s.d2()})) {
        EXPECT_LE(e.ip_length, 1280U) << e;
    }
    if constexpr (F::kV6) {
        EXPECT_TRUE(select(events, {.link = s.d2()}).empty()) << dump(events);
        EXPECT_EQ(s.stats().of(engine::DropReason::TooBigForLink), 1U);
    }
    EXPECT_TRUE(select(events, {.link = s.u0(), .kind = Kind::V2Report}).empty())
        << "nobody left: " << dump(events);
    s.update_link(s.d2(), [](engine::LinkConfig& c) { c.mtu = 1500; });
    s.deliver(s.u0(), big);
    events = s.take();
    const auto copies = select(events, {.link = s.d2()});
    ASSERT_EQ(copies.size(), 1U) << dump(events);
    EXPECT_EQ(copies[0].ip_length, big.size());
}

TYPED_TEST(ScenarioLinkEvents, DownLinkGetsNothingKeepsItsStateAndResumesAtOnce) {
    using F = TypeParam;
    auto& s = this->s;
    this->h1a_joined_until(2000);
    s.set_link_down(s.d1());
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{});
    const auto dropped = s.stats().of(engine::DropReason::LinkDown);
    EXPECT_GE(dropped, 1U);
    s.run_until(at_ms(6000)); // a periodic General Query falls due at 5000
    auto events = s.take();
    EXPECT_TRUE(select(events, {.link = s.d1()}).empty()) << dump(events);
    EXPECT_GT(s.stats().of(engine::DropReason::LinkDown), dropped) << "the query was counted";
    EXPECT_TRUE(select(events, {.link = s.u0()}).empty()) << "nobody left: " << dump(events);
    EXPECT_EQ(s.upstream_state(F::G), "EXCLUDE{}");

    s.set_link_up(s.d1()); // at 6000, before the group's timer (11000) runs out
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{"d1"}) << "no report needed";
    s.run_until(at_ms(7500));
    events = s.take();
    EXPECT_EQ(ms_of(select(events, {.link = s.d1(), .kind = Kind::GeneralQuery})),
              (std::vector<std::int64_t>{6000, 7000}))
        << "the startup queries, SQI apart\n"
        << dump(events);
}

TYPED_TEST(ScenarioLinkEvents, LinkDownLongerThanItsListenersExpiresThem) {
    using F = TypeParam;
    auto& s = this->s;
    this->h1a_joined_until(2000);
    s.set_link_down(s.d1());
    s.run_until(at_ms(12000));
    const auto up = select(s.take(), {.link = s.u0()});
    ASSERT_FALSE(up.empty());
    EXPECT_EQ(up[0].at, at_ms(11000)) << "MALI after the report, as if the link were up";
    EXPECT_EQ(up[0].records, (Recs{{RecordType::ChangeToIncludeMode, F::G, {}}}));
    s.answer_queries(s.d1(), F::H1A, {{RecordType::ModeIsExclude, F::G, {}}});
    s.set_link_up(s.d1());
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{});
    s.run_until(at_ms(12500));
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{"d1"}) << "the startup query asked";
}

TYPED_TEST(ScenarioLinkEvents, UpstreamDownAndUpReportsEveryGroupOnReturn) {
    using F = TypeParam;
    auto& s = this->s;
    this->h1a_joined_until(3000);
    s.set_link_down(s.u0());
    EXPECT_EQ(s.probe(F::H1_SOURCE, F::G, s.d1()), Strings{}) << "nothing out on u0";
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G2, {}}});
    s.run_until(at_ms(4000));
    EXPECT_TRUE(select(s.take(), {.link = s.u0()}).empty());
    s.set_link_up(s.u0());
    const auto up = select(s.take(), {.link = s.u0()});
    ASSERT_FALSE(up.empty());
    EXPECT_EQ(up[0].at, at_ms(4000));
    EXPECT_EQ(records_of(up),
              (Recs{{RecordType::ModeIsExclude, F::G, {}}, {RecordType::ModeIsExclude, F::G2, {}}}))
        << dump(up);
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{"d1"});
    EXPECT_EQ(s.probe(F::H1_SOURCE, F::G2, s.d1()), (Strings{"d2", "u0"}));
}
