// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/proto/family.hpp"
#include "ecmh/proto/protocol_variables.hpp"
#include "ecmh/proto/source_set.hpp"

#include <gtest/gtest.h>

using namespace ecmh::proto;
using ecmh::net::Ipv4Address;
using ecmh::net::Ipv6Address;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(Ipv6Family, ClassifiesGroupsAsConformanceItem26Says) {
    const struct {
        const char* group;
        GroupClass expected;
    } rows[] = {
        {"ff0e::1:2", GroupClass::Trackable},      {"ff05::abcd:1234", GroupClass::Trackable},
        {"ff0f::1", GroupClass::Trackable},        {"ff03::1", GroupClass::LinkScope},
        {"ff3e::8000:1", GroupClass::Trackable},   {"ff3e::4000:1", GroupClass::Trackable},
        {"ff1e::1", GroupClass::Trackable},        {"ff02::1", GroupClass::LinkScope},
        {"ff02::16", GroupClass::LinkScope},       {"ff02::1:ff00:a", GroupClass::LinkScope},
        {"ff01::5", GroupClass::LinkScope},        {"ff00::9", GroupClass::LinkScope},
        {"ff12::1", GroupClass::LinkScope},        {"ff32::8000:1", GroupClass::LinkScope},
        {"2001:db8::1", GroupClass::NotMulticast}, {"::", GroupClass::NotMulticast},
        {"fe80::1", GroupClass::NotMulticast},     {"::ffff:239.1.1.1", GroupClass::NotMulticast},
        {"ff05::", GroupClass::Reserved},          {"ff0e::", GroupClass::Reserved},
        {"ff3e::1", GroupClass::Reserved},         {"ff3e::3fff:ffff", GroupClass::Reserved},
    };
    for (const auto& r : rows) {
        EXPECT_EQ(Ipv6Family::classify_group(*Ipv6Address::parse(r.group)), r.expected) << r.group;
    }
}

TEST(Family, ForwardableSources) {
    EXPECT_TRUE(Ipv6Family::is_forwardable_source(*Ipv6Address::parse("2001:db8:1::1")));
    EXPECT_FALSE(Ipv6Family::is_forwardable_source(*Ipv6Address::parse("fe80::99")));
    EXPECT_FALSE(Ipv6Family::is_forwardable_source(*Ipv6Address::parse("::")));
    EXPECT_TRUE(Ipv4Family::is_forwardable_source(*Ipv4Address::parse("192.0.2.101")));
    EXPECT_FALSE(Ipv4Family::is_forwardable_source(*Ipv4Address::parse("169.254.1.1")));
    EXPECT_FALSE(Ipv4Family::is_forwardable_source(*Ipv4Address::parse("127.0.0.1")));
}

TEST(Ipv6Family, ValidSources) {
    EXPECT_TRUE(Ipv6Family::is_valid_source(*Ipv6Address::parse("2001:db8:1::1")));
    EXPECT_FALSE(Ipv6Family::is_valid_source(*Ipv6Address::parse("::")));
    EXPECT_FALSE(Ipv6Family::is_valid_source(*Ipv6Address::parse("::1")));
    EXPECT_FALSE(Ipv6Family::is_valid_source(*Ipv6Address::parse("ff0e::1")));
}

TEST(Ipv4Family, ClassifiesGroupsAndSources) {
    EXPECT_EQ(Ipv4Family::classify_group(*Ipv4Address::parse("239.2.2.2")), GroupClass::Trackable);
    EXPECT_EQ(Ipv4Family::classify_group(*Ipv4Address::parse("224.0.1.1")), GroupClass::Trackable);
    EXPECT_EQ(Ipv4Family::classify_group(*Ipv4Address::parse("232.1.1.1")), GroupClass::Trackable);
    EXPECT_EQ(Ipv4Family::classify_group(*Ipv4Address::parse("224.0.0.1")), GroupClass::LinkScope);
    EXPECT_EQ(Ipv4Family::classify_group(*Ipv4Address::parse("224.0.0.251")),
              GroupClass::LinkScope);
    EXPECT_EQ(Ipv4Family::classify_group(*Ipv4Address::parse("10.0.0.1")),
              GroupClass::NotMulticast);
    EXPECT_EQ(Ipv4Family::classify_group(*Ipv4Address::parse("240.0.0.1")),
              GroupClass::NotMulticast);
    EXPECT_TRUE(Ipv4Family::is_ssm(*Ipv4Address::parse("232.1.1.1")));
    EXPECT_TRUE(Ipv4Family::is_valid_source(*Ipv4Address::parse("192.0.2.101")));
    for (const char* bad :
         {"0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.5", "240.0.0.1", "255.255.255.255"}) {
        EXPECT_FALSE(Ipv4Family::is_valid_source(*Ipv4Address::parse(bad))) << bad;
    }
}

TEST(SourceSet, AlgebraOfTheRfcTables) {
    using S = SourceSet<Ipv4Address>;
    const auto a = *Ipv4Address::parse("192.0.2.1");
    const auto b = *Ipv4Address::parse("192.0.2.2");
    const auto c = *Ipv4Address::parse("192.0.2.3");
    const S ab{b, a, a};
    const S bc{c, b};
    EXPECT_EQ(ab.size(), 2U);
    EXPECT_EQ(ab + bc, (S{a, b, c}));
    EXPECT_EQ(ab * bc, (S{b}));
    EXPECT_EQ(ab - bc, (S{a}));
    EXPECT_TRUE((ab * S{c}).empty());
    S s;
    s.insert(c);
    s.insert(a);
    s.insert(c);
    EXPECT_EQ(s, (S{a, c}));
    EXPECT_EQ(*s.begin(), a); // sorted
    s.erase(a);
    EXPECT_FALSE(s.contains(a));
    EXPECT_TRUE(s.contains(c));
}

// RFC 9777 §9 / RFC 9776 §8 at the defaults RV 2, QI 125 s, QRI 10 s, LLQI 1 s.
TEST(ProtocolVariables, DerivedIntervalsAtRfcDefaults) {
    const ProtocolVariables v;
    EXPECT_EQ(v.listener_interval(), seconds{270});              // MALI / GMI: RV·QI + 2·QRI
    EXPECT_EQ(v.other_querier_present_interval(), seconds{255}); // OQPT: RV·QI + QRI/2
    EXPECT_EQ(v.startup_query_interval(), milliseconds{31'250}); // SQI
    EXPECT_EQ(v.startup_query_count(), 2U);
    EXPECT_EQ(v.last_listener_query_count(), 2U);
    EXPECT_EQ(v.last_listener_query_time(), seconds{2});
    EXPECT_EQ(v.older_version_host_present_interval(), seconds{260}); // RV·QI + QRI
    EXPECT_EQ(v.older_version_querier_present_interval(milliseconds{0}), seconds{260});
    EXPECT_EQ(v.older_version_querier_present_interval(seconds{60}), seconds{130});
}

TEST(ProtocolVariables, FastProfileMatchesTheHarness) {
    const auto v = fast_test_profile();
    EXPECT_EQ(v.listener_interval(), seconds{10});
    EXPECT_EQ(v.older_version_host_present_interval(), seconds{9});
    EXPECT_EQ(v.other_querier_present_interval(), milliseconds{8'500});
    EXPECT_EQ(v.startup_query_interval(), seconds{1});
    EXPECT_EQ(v.last_listener_query_time(), milliseconds{600});
}

#include "ecmh/proto/membership.hpp"
#include "ecmh/proto/random.hpp"

TEST(MembershipState, AdmitsPerFilterMode) {
    const auto s1 = *Ipv4Address::parse("192.0.2.101");
    const auto s2 = *Ipv4Address::parse("192.0.2.102");
    MembershipState<Ipv4Address> include{FilterMode::Include, {s1}};
    MembershipState<Ipv4Address> exclude{FilterMode::Exclude, {s1}};
    EXPECT_TRUE(include.admits(s1));
    EXPECT_FALSE(include.admits(s2));
    EXPECT_FALSE(exclude.admits(s1));
    EXPECT_TRUE(exclude.admits(s2));
    EXPECT_TRUE((MembershipState<Ipv4Address>{}.is_empty()));
    EXPECT_FALSE((MembershipState<Ipv4Address>{FilterMode::Exclude, {}}.is_empty()));
}

TEST(Random, DelaysStayInsideTheOpenClosedRange) {
    Random r{42};
    const Duration max{1000};
    bool saw_low = false;
    bool saw_high = false;
    for (int i = 0; i < 20000; ++i) {
        const auto d = r.delay_up_to(max);
        ASSERT_GT(d.count(), 0);
        ASSERT_LE(d, max);
        saw_low = saw_low || d.count() < 100;
        saw_high = saw_high || d.count() > 900;
    }
    EXPECT_TRUE(saw_low && saw_high); // spread over the range, not stuck
    EXPECT_EQ(r.delay_up_to(Duration{0}), Duration{1});
    Random a{7};
    Random b{7};
    EXPECT_EQ(a.next(), b.next()); // reproducible from the seed
}
