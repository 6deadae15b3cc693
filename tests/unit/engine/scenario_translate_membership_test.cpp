// SPDX-License-Identifier: BSD-3-Clause
// Scenario: translated membership (issue 16 item 2). With --translate, an MLD listener
// for an IPv6 group that carries an IPv4 group is reported upstream with IGMP for the
// IPv4 group, merged with native IGMP listeners (RFC 4605 §4.1); with an IPv6-only
// upstream, an IGMP listener is reported with MLD for the IPv6 counterpart. One family
// reports a pair, never both. The expected addresses are written out from the mapping
// (ff18:1000::ef01:203 is 239.1.2.3 at scope 8; ff3e:0:8000::e801:203 is 232.1.2.3;
// 64:ff9b:1::c633:6407 is 198.51.100.7), not computed by the code under test.
#include "support/scenario_fixture.hpp"

#include <gtest/gtest.h>
#include <memory>
#include <set>

using namespace ecmh;
using namespace ecmh::test;
using proto::at_ms;

namespace {

constexpr const char* kG4 = "239.1.2.3";
constexpr const char* kG6 = "ff18:1000::ef01:203";
constexpr const char* kSsm4 = "232.1.2.3";
constexpr const char* kSsm6 = "ff3e:0:8000::e801:203";
constexpr const char* kS4 = "198.51.100.7";
constexpr const char* kS6 = "64:ff9b:1::c633:6407";
constexpr const char* kH6 = "fe80::1:a";         // an MLD listener on d1
constexpr const char* kH4 = "203.0.113.10";      // an IGMP listener on d2
constexpr const char* kH4OnD1 = "198.51.100.10"; // an IGMP listener on d1

Scenario::Options translating(bool u0_ipv4 = true) {
    Scenario::Options o;
    o.translation = net::TranslationPrefixes::defaults();
    o.u0_ipv4 = u0_ipv4;
    return o;
}

// The reports of `events` on `link`: "v6 TO_EX ff..{}" / "v4 OldReport 239.1.2.3" lines.
std::set<std::string> reports_on(const Events& events, LinkId link) {
    std::set<std::string> out;
    for (const auto& e : select(events, {.link = link})) {
        if (!e.is_report()) {
            continue;
        }
        const std::string family = e.v6 ? "v6 " : "v4 ";
        for (const auto& r : e.records) {
            std::string sources;
            for (const auto& src : r.sources) {
                sources += (sources.empty() ? "" : ",") + src;
            }
            out.insert(family + std::string(wire::to_string(r.type)) + " " + r.group + "{" +
                       sources + "}");
        }
        if (e.kind == Kind::V1Report || e.kind == Kind::Done || e.kind == Kind::Leave) {
            out.insert(family + std::string(to_string(e.kind)) + " " + e.group);
        }
    }
    return out;
}

bool any_report_of_family(const Events& events, LinkId link, bool v6) {
    for (const auto& e : select(events, {.link = link})) {
        if (e.is_report() && e.v6 == v6) {
            return true;
        }
    }
    return false;
}

// Behind an IPv6-only upstream, an IGMP listener on d1 joins kG4, so that u0 reports kG6
// with MLD; the events so far are taken.
void igmp_listener_reported_with_mld(Scenario& s) {
    s.run_until(at_ms(1000));
    s.report(s.d1(), kH4OnD1, {{RecordType::ChangeToExcludeMode, kG4, {}}});
    s.run_until(at_ms(1500));
    EXPECT_EQ(s.upstream_state(kG6), "EXCLUDE{}");
    s.take();
}

} // namespace

// An MLDv2 any-source join of the mapped group becomes IGMPv3 membership of the IPv4
// group upstream; nothing is reported with MLD.
TEST(ScenarioTranslateMembership, AnMldJoinIsReportedWithIgmpForTheIpv4Group) {
    Scenario s(translating());
    s.run_until(at_ms(1000));
    s.take();
    s.report(s.d1(), kH6, {{RecordType::ChangeToExcludeMode, kG6, {}}});
    s.run_until(at_ms(1500));
    const auto events = s.take();
    EXPECT_TRUE(reports_on(events, s.u0()).contains("v4 TO_EX 239.1.2.3{}")) << dump(events);
    EXPECT_FALSE(any_report_of_family(events, s.u0(), true)) << dump(events);
    EXPECT_EQ(s.upstream_state(kG4), "EXCLUDE{}");
    EXPECT_EQ(s.upstream_state(kG6), "");
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}

// Behind an IGMPv2 querier the upstream speaks IGMPv2 for the translated group too.
TEST(ScenarioTranslateMembership, BehindAnIgmpv2QuerierTheReportIsIgmpv2) {
    Scenario s(translating());
    s.query(s.u0(), QueryIn{"192.0.2.1", 2});
    s.run_until(at_ms(1000));
    s.take();
    s.report(s.d1(), kH6, {{RecordType::ChangeToExcludeMode, kG6, {}}});
    s.run_until(at_ms(1500));
    const auto events = s.take();
    EXPECT_TRUE(reports_on(events, s.u0()).contains("v4 OldReport 239.1.2.3")) << dump(events);
    const auto reports = select(events, {.link = s.u0(), .kind = Kind::V1Report});
    ASSERT_FALSE(reports.empty()) << dump(events);
    EXPECT_EQ(reports.front().version, 2);
    EXPECT_FALSE(any_report_of_family(events, s.u0(), true)) << dump(events);
}

// SSM: the sources map through the source prefix; one outside it cannot be an IPv4
// sender's and is left out.
TEST(ScenarioTranslateMembership, SsmSourcesMapThroughTheSourcePrefix) {
    Scenario s(translating());
    s.run_until(at_ms(1000));
    s.take();
    s.report(s.d1(), kH6, {{RecordType::AllowNewSources, kSsm6, {kS6, "2001:db8:1::10"}}});
    s.run_until(at_ms(1500));
    const auto events = s.take();
    EXPECT_TRUE(reports_on(events, s.u0()).contains("v4 ALLOW 232.1.2.3{198.51.100.7}"))
        << dump(events);
    EXPECT_EQ(s.upstream_state(kSsm4), "INCLUDE{198.51.100.7}");
    EXPECT_FALSE(any_report_of_family(events, s.u0(), true)) << dump(events);
    // Only the unmappable source: no IPv4 membership at all.
    s.report(s.d1(), kH6, {{RecordType::ChangeToIncludeMode, kSsm6, {"2001:db8:1::10"}}});
    s.run_until(at_ms(6000));
    EXPECT_EQ(s.upstream_state(kSsm4), "");
}

// RFC 4605 §4.1 over both families: the IPv6 listener's EXCLUDE{} and a native IGMPv3
// listener's INCLUDE{S} merge into one IGMP record; either leaving keeps the other's.
TEST(ScenarioTranslateMembership, TranslatedAndNativeListenersMergeIntoOneRecord) {
    Scenario s(translating());
    s.run_until(at_ms(1000));
    s.report(s.d2(), kH4, {{RecordType::ChangeToIncludeMode, kG4, {kS4}}});
    s.run_until(at_ms(1500));
    EXPECT_EQ(s.upstream_state(kG4), "INCLUDE{198.51.100.7}");
    s.report(s.d1(), kH6, {{RecordType::ChangeToExcludeMode, kG6, {}}});
    s.run_until(at_ms(2000));
    EXPECT_EQ(s.upstream_state(kG4), "EXCLUDE{}");
    // The IPv6 listener leaves: after the last listener query, the native one's state.
    s.report(s.d1(), kH6, {{RecordType::ChangeToIncludeMode, kG6, {}}});
    s.run_until(at_ms(8000));
    EXPECT_EQ(s.upstream_state(kG4), "INCLUDE{198.51.100.7}");
    // It comes back, and the native listener leaves: the translated state alone.
    s.report(s.d1(), kH6, {{RecordType::ChangeToExcludeMode, kG6, {}}});
    s.report(s.d2(), kH4, {{RecordType::ChangeToIncludeMode, kG4, {}}});
    s.run_until(at_ms(14000));
    EXPECT_EQ(s.upstream_state(kG4), "EXCLUDE{}");
    EXPECT_EQ(s.upstream_state(kG6), "");
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}

// An MLDv1 Done ends the translated membership as it would a native one: the last
// listener query runs on d1, then the IPv4 group is left upstream.
TEST(ScenarioTranslateMembership, AnMldv1DoneLeavesTheIpv4GroupUpstream) {
    Scenario s(translating());
    s.run_until(at_ms(1000));
    s.old_report(s.d1(), kH6, kG6);
    s.run_until(at_ms(1500));
    EXPECT_EQ(s.upstream_state(kG4), "EXCLUDE{}");
    s.take();
    s.old_leave(s.d1(), kH6, kG6);
    s.run_until(at_ms(8000));
    const auto events = s.take();
    EXPECT_FALSE(select(events, {.link = s.d1(), .kind = Kind::GroupQuery}).empty())
        << dump(events);
    EXPECT_TRUE(reports_on(events, s.u0()).contains("v4 TO_IN 239.1.2.3{}")) << dump(events);
    EXPECT_EQ(s.upstream_state(kG4), "");
}

// An IPv6-only upstream (u0 has no IPv4 address): IGMP listeners are reported with MLD
// for the IPv6 counterpart, their sources embedded in the source prefix.
TEST(ScenarioTranslateMembership, WithAnIpv6OnlyUpstreamIgmpIsReportedWithMld) {
    Scenario s(translating(/*u0_ipv4=*/false));
    s.run_until(at_ms(1000));
    s.take();
    s.report(s.d1(), kH4OnD1, {{RecordType::ChangeToExcludeMode, kG4, {}}});
    s.report(s.d2(), kH4, {{RecordType::AllowNewSources, kSsm4, {kS4}}});
    s.run_until(at_ms(1500));
    const auto events = s.take();
    const auto reports = reports_on(events, s.u0());
    EXPECT_TRUE(reports.contains("v6 TO_EX ff18:1000::ef01:203{}")) << dump(events);
    EXPECT_TRUE(reports.contains("v6 ALLOW ff3e:0:8000::e801:203{64:ff9b:1::c633:6407}"))
        << dump(events);
    EXPECT_FALSE(any_report_of_family(events, s.u0(), false)) << dump(events);
    EXPECT_EQ(s.upstream_state(kG6), "EXCLUDE{}");
    EXPECT_EQ(s.upstream_state(kG4), "");
}

// The pair's home follows the upstream: when u0 gets an IPv4 address, the pair is left
// with MLD and reported with IGMP at once.
TEST(ScenarioTranslateMembership, WhenTheUpstreamGetsIpv4ThePairMovesToIgmp) {
    Scenario s(translating(/*u0_ipv4=*/false));
    igmp_listener_reported_with_mld(s);
    s.update_link(s.u0(), [](engine::LinkConfig& c) {
        c.ipv4 = net::Ipv4Address::parse("192.0.2.2");
        c.ipv4_prefix_length = 24;
    });
    s.run_until(at_ms(1600));
    const auto events = s.take();
    const auto reports = reports_on(events, s.u0());
    EXPECT_TRUE(reports.contains("v6 TO_IN ff18:1000::ef01:203{}")) << dump(events);
    EXPECT_TRUE(reports.contains("v4 TO_EX 239.1.2.3{}")) << dump(events);
    EXPECT_EQ(s.upstream_state(kG6), "");
    EXPECT_EQ(s.upstream_state(kG4), "EXCLUDE{}");
}

// A downstream link removed while it holds the pair's only listeners: the family that
// reports the pair upstream leaves it at once, as for a native group (found by
// engine_fuzz: the pair stayed reported, since nobody listened to it any more when the
// homes were merged again after the removal). Both directions.
TEST(ScenarioTranslateMembership, ARemovedLinksTranslatedListenersAreLeftUpstream) {
    Scenario s(translating());
    s.run_until(at_ms(1000));
    s.report(s.d1(), kH6, {{RecordType::ChangeToExcludeMode, kG6, {}}});
    s.report(s.d2(), kH4, {{RecordType::ChangeToIncludeMode, kSsm4, {kS4}}});
    s.run_until(at_ms(1500));
    EXPECT_EQ(s.upstream_state(kG4), "EXCLUDE{}");
    s.take();
    s.remove_link(s.d1());
    s.run_until(at_ms(1600));
    const auto events = s.take();
    EXPECT_TRUE(reports_on(events, s.u0()).contains("v4 TO_IN 239.1.2.3{}")) << dump(events);
    EXPECT_FALSE(any_report_of_family(events, s.u0(), true)) << dump(events);
    EXPECT_EQ(s.upstream_state(kG4), "");
    EXPECT_EQ(s.upstream_state(kSsm4), "INCLUDE{198.51.100.7}"); // d2's, untouched
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}

TEST(ScenarioTranslateMembership, ARemovedLinksIgmpListenersAreLeftWithMld) {
    Scenario s(translating(/*u0_ipv4=*/false));
    igmp_listener_reported_with_mld(s);
    s.remove_link(s.d1());
    s.run_until(at_ms(1600));
    const auto events = s.take();
    EXPECT_TRUE(reports_on(events, s.u0()).contains("v6 TO_IN ff18:1000::ef01:203{}"))
        << dump(events);
    EXPECT_EQ(s.upstream_state(kG6), "");
    EXPECT_EQ(s.upstream_state(kG4), "");
}

// SIGUSR2 and a General Query upstream re-report the translated group like a native one.
TEST(ScenarioTranslateMembership, QueriesAndResendsCoverTranslatedGroups) {
    Scenario s(translating());
    s.run_until(at_ms(1000));
    s.report(s.d1(), kH6, {{RecordType::ChangeToExcludeMode, kG6, {}}});
    s.run_until(at_ms(3000));
    s.take();
    s.resend_reports();
    auto events = s.take();
    EXPECT_TRUE(reports_on(events, s.u0()).contains("v4 IS_EX 239.1.2.3{}")) << dump(events);
    s.run_until(at_ms(6000));
    s.take();
    s.query(s.u0(), QueryIn{"192.0.2.1", 3});
    s.run_until(at_ms(8000));
    events = s.take();
    EXPECT_TRUE(reports_on(events, s.u0()).contains("v4 IS_EX 239.1.2.3{}")) << dump(events);
    EXPECT_FALSE(any_report_of_family(events, s.u0(), true)) << dump(events);
}

// A group under a translation prefix that carries no IPv4 group mapping to it (239/8 is
// scope 8, not e) is not translated: it stays a native MLD group, and a debug line says so.
TEST(ScenarioTranslateMembership, AGroupThatDoesNotMapStaysNative) {
    Scenario s(translating());
    s.run_until(at_ms(1000));
    s.take();
    s.report(s.d1(), kH6, {{RecordType::ChangeToExcludeMode, "ff1e:1000::ef01:203", {}}});
    s.run_until(at_ms(1500));
    const auto events = s.take();
    EXPECT_TRUE(reports_on(events, s.u0()).contains("v6 TO_EX ff1e:1000::ef01:203{}"))
        << dump(events);
    EXPECT_FALSE(any_report_of_family(events, s.u0(), false)) << dump(events);
    EXPECT_TRUE(s.log().contains("not translated: ff1e:1000::ef01:203"));
}

// Without --translate the mapped-looking group is an ordinary IPv6 group.
TEST(ScenarioTranslateMembership, WithoutTranslateNothingIsTranslated) {
    Scenario s;
    s.run_until(at_ms(1000));
    s.take();
    s.report(s.d1(), kH6, {{RecordType::ChangeToExcludeMode, kG6, {}}});
    s.run_until(at_ms(1500));
    const auto events = s.take();
    EXPECT_TRUE(reports_on(events, s.u0()).contains("v6 TO_EX ff18:1000::ef01:203{}"))
        << dump(events);
    EXPECT_FALSE(any_report_of_family(events, s.u0(), false)) << dump(events);
    EXPECT_EQ(s.upstream_state(kG4), "");
}
