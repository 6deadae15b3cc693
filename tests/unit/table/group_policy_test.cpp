// SPDX-License-Identifier: BSD-3-Clause
// The configuration's group policy (rfc-map items 32, 46; doc/ecmh.conf.5): which rule
// decides, what a record becomes, what the upstream may report.
#include "ecmh/table/group_policy.hpp"

#include <gtest/gtest.h>

using namespace ecmh::table;
using ecmh::net::Ipv4Address;
using ecmh::net::Ipv4Prefix;
using ecmh::net::Ipv6Address;
using ecmh::net::Ipv6Prefix;
using ecmh::proto::FilterMode;
using ecmh::proto::GroupRecord;
using ecmh::proto::MembershipState;
using ecmh::proto::SourceSet;
using ecmh::wire::RecordType;

namespace {

Ipv4Address v4(const char* s) {
    return *Ipv4Address::parse(s);
}
Ipv6Address v6(const char* s) {
    return *Ipv6Address::parse(s);
}
Ipv4Prefix p4(const char* s) {
    return *Ipv4Prefix::parse(s);
}

PolicyRule<Ipv4Address> allow(const char* group, const char* source = nullptr) {
    return {PolicyAction::Allow, p4(group),
            source ? std::optional{p4(source)} : std::optional<Ipv4Prefix>{}};
}
PolicyRule<Ipv4Address> deny(const char* group, const char* source = nullptr) {
    return {PolicyAction::Deny, p4(group),
            source ? std::optional{p4(source)} : std::optional<Ipv4Prefix>{}};
}
SourceSet<Ipv4Address> sources(std::initializer_list<const char*> list) {
    SourceSet<Ipv4Address> s;
    for (const char* a : list) {
        s.insert(v4(a));
    }
    return s;
}

TEST(GroupPolicy, EmptyAllowsEverything) {
    const GroupPolicy<Ipv4Address> none;
    EXPECT_TRUE(none.empty());
    EXPECT_TRUE(none.allows_group(v4("239.1.1.1")));
    EXPECT_TRUE(none.allows_source(v4("192.0.2.1"), v4("232.1.1.1")));
    EXPECT_FALSE(none.bounds(v4("239.1.1.1")));
}

TEST(GroupPolicy, LongestGroupPrefixDecidesWhateverTheOrder) {
    for (const bool reversed : {false, true}) {
        std::vector rules{allow("239.1.0.0/16"), deny("239.0.0.0/8")};
        if (reversed) {
            std::swap(rules[0], rules[1]);
        }
        const GroupPolicy<Ipv4Address> p{rules, {}};
        EXPECT_TRUE(p.allows_group(v4("239.1.2.3")));
        EXPECT_FALSE(p.allows_group(v4("239.2.2.3")));
        // An allow rule makes the list a whitelist: what matches nothing is denied.
        EXPECT_FALSE(p.allows_group(v4("224.1.1.1")));
    }
}

TEST(GroupPolicy, DenyListAllowsTheRest) {
    const GroupPolicy<Ipv4Address> p{{deny("239.255.0.0/16")}, {}};
    EXPECT_FALSE(p.allows_group(v4("239.255.1.1")));
    EXPECT_TRUE(p.allows_group(v4("239.1.1.1")));
    EXPECT_TRUE(p.allows_group(v4("224.1.1.1")));
}

TEST(GroupPolicy, EquallySpecificRulesDenyWins) {
    const GroupPolicy<Ipv4Address> p{{allow("239.1.0.0/16"), deny("239.1.0.0/16")}, {}};
    EXPECT_FALSE(p.allows_group(v4("239.1.1.1")));
}

TEST(GroupPolicy, SourceRulesDecideSourcesNotTheGroup) {
    const GroupPolicy<Ipv4Address> p{
        {deny("232.0.0.0/8"), allow("232.1.1.1", "192.0.2.0/24"), deny("232.1.1.1", "192.0.2.66")},
        {}};
    EXPECT_TRUE(p.allows_source(v4("192.0.2.1"), v4("232.1.1.1")));
    EXPECT_FALSE(p.allows_source(v4("192.0.2.66"), v4("232.1.1.1")));   // the longer source
    EXPECT_FALSE(p.allows_source(v4("198.51.100.1"), v4("232.1.1.1"))); // the group's deny
    EXPECT_FALSE(p.allows_source(v4("192.0.2.1"), v4("232.1.1.2")));
    // Any-source: rules with a source do not count.
    EXPECT_FALSE(p.allows_group(v4("232.1.1.1")));
}

TEST(GroupPolicy, BoundaryStopsEverythingOfItsGroups) {
    const GroupPolicy<Ipv4Address> p{{allow("239.0.0.0/8")}, {p4("239.192.0.0/14")}};
    EXPECT_TRUE(p.bounds(v4("239.192.1.1")));
    EXPECT_FALSE(p.allows_group(v4("239.192.1.1")));
    EXPECT_FALSE(p.allows_source(v4("192.0.2.1"), v4("239.195.1.1")));
    EXPECT_TRUE(p.allows_group(v4("239.1.1.1")));
    EXPECT_FALSE(p.empty());
}

TEST(GroupPolicy, Ipv6ScopeBoundaryNestsSmallerScopes) {
    const GroupPolicy<Ipv6Address> site{{}, {}, 5};
    EXPECT_TRUE(site.bounds(v6("ff05::1:3")));
    EXPECT_TRUE(site.bounds(v6("ff14::1"))); // admin-local inside a site
    EXPECT_TRUE(site.bounds(v6("ff33::1"))); // realm-local
    EXPECT_TRUE(site.bounds(v6("ff35::8000:1")));
    EXPECT_FALSE(site.bounds(v6("ff08::1"))); // organization: wider than the boundary
    EXPECT_FALSE(site.bounds(v6("ff0e::1")));
    const GroupPolicy<Ipv6Address> org{{}, {}, 8};
    EXPECT_TRUE(org.bounds(v6("ff08::1")));
    EXPECT_TRUE(org.bounds(v6("ff04::1")));
    EXPECT_FALSE(org.bounds(v6("ff0e::1")));
    EXPECT_FALSE(org.bounds(v6("2001:db8::1")));
    const GroupPolicy<Ipv6Address> prefix{{}, {*Ipv6Prefix::parse("ff0e::1:0/112")}};
    EXPECT_TRUE(prefix.bounds(v6("ff0e::1:7")));
    EXPECT_FALSE(prefix.bounds(v6("ff0e::2:7")));
}

struct RecordCase {
    const char* name;
    RecordType in_type;
    std::initializer_list<const char*> in_sources;
    RecordType out_type;
    std::initializer_list<const char*> out_sources;
    bool changed;
};

// deny 239.9.0.0/16; deny 239.1.1.1 from the host 192.0.2.66 and the net 198.51.100.0/24.
TEST(GroupPolicy, RecordsBecomeWhatThePolicyAllows) {
    const GroupPolicy<Ipv4Address> p{{deny("239.9.0.0/16"), deny("239.1.1.1", "192.0.2.66"),
                                      deny("239.1.1.1", "198.51.100.0/24")},
                                     {}};
    const RecordCase allowed_group[] = {
        {"IS_EX gains the denied host",
         RecordType::ModeIsExclude,
         {"192.0.2.9"},
         RecordType::ModeIsExclude,
         {"192.0.2.9", "192.0.2.66"},
         true},
        {"TO_EX already excluding it",
         RecordType::ChangeToExcludeMode,
         {"192.0.2.66"},
         RecordType::ChangeToExcludeMode,
         {"192.0.2.66"},
         false},
        {"ALLOW loses denied sources",
         RecordType::AllowNewSources,
         {"192.0.2.1", "192.0.2.66", "198.51.100.7"},
         RecordType::AllowNewSources,
         {"192.0.2.1"},
         true},
        {"IS_IN loses them",
         RecordType::ModeIsInclude,
         {"192.0.2.66"},
         RecordType::ModeIsInclude,
         {},
         true},
        {"TO_IN keeps the rest",
         RecordType::ChangeToIncludeMode,
         {"192.0.2.1"},
         RecordType::ChangeToIncludeMode,
         {"192.0.2.1"},
         false},
        {"BLOCK untouched",
         RecordType::BlockOldSources,
         {"192.0.2.66"},
         RecordType::BlockOldSources,
         {"192.0.2.66"},
         false},
    };
    for (const auto& c : allowed_group) {
        bool changed = false;
        const auto out = p.filter(
            GroupRecord<Ipv4Address>{c.in_type, v4("239.1.1.1"), sources(c.in_sources)}, changed);
        EXPECT_EQ(out.type, c.out_type) << c.name;
        EXPECT_EQ(out.group, v4("239.1.1.1")) << c.name;
        EXPECT_EQ(out.sources, sources(c.out_sources)) << c.name;
        EXPECT_EQ(changed, c.changed) << c.name;
    }
    // A denied group's any-source join becomes a join of nothing.
    bool changed = false;
    auto out = p.filter({RecordType::ChangeToExcludeMode, v4("239.9.1.1"), {}}, changed);
    EXPECT_EQ(out.type, RecordType::ChangeToIncludeMode);
    EXPECT_TRUE(out.sources.empty());
    EXPECT_TRUE(changed);
    out = p.filter({RecordType::ModeIsExclude, v4("239.9.1.1"), sources({"192.0.2.1"})}, changed);
    EXPECT_EQ(out.type, RecordType::ModeIsInclude);
    EXPECT_TRUE(out.sources.empty());
}

TEST(GroupPolicy, UpstreamStatesAreFilteredTheSameWay) {
    const GroupPolicy<Ipv4Address> p{
        {allow("239.1.0.0/16"), deny("239.1.1.1", "192.0.2.66"), allow("232.1.1.1", "192.0.2.1")},
        {}};
    const MembershipState<Ipv4Address> any{FilterMode::Exclude, {}};
    EXPECT_EQ(p.filter(v4("239.1.1.1"), any),
              (MembershipState<Ipv4Address>{FilterMode::Exclude, sources({"192.0.2.66"})}));
    EXPECT_TRUE(p.filter(v4("239.2.1.1"), any).is_empty());
    const MembershipState<Ipv4Address> ssm{FilterMode::Include,
                                           sources({"192.0.2.1", "192.0.2.2"})};
    EXPECT_EQ(p.filter(v4("232.1.1.1"), ssm),
              (MembershipState<Ipv4Address>{FilterMode::Include, sources({"192.0.2.1"})}));
    EXPECT_EQ(GroupPolicy<Ipv4Address>{}.filter(v4("239.2.1.1"), any), any);
}

} // namespace
