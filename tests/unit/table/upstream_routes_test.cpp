// SPDX-License-Identifier: BSD-3-Clause
// Several upstreams (issue 14 item 4): which one serves a group, and what decide() does
// with data from and toward them.
#include "ecmh/proto/family.hpp"
#include "ecmh/table/forwarding_table.hpp"
#include "ecmh/table/upstream_routes.hpp"

#include <gtest/gtest.h>

using namespace ecmh;
using namespace ecmh::table;
using net::Ipv4Address;
using net::Ipv4Prefix;
using net::Ipv6Address;
using net::Ipv6Prefix;

namespace {

const LinkId u1{0};
const LinkId u2{3};
const LinkId d1{1};
const LinkId d2{2};

Ipv6Address a6(const char* s) {
    return *Ipv6Address::parse(s);
}
Ipv4Address a4(const char* s) {
    return *Ipv4Address::parse(s);
}
Ipv6Prefix p6(const char* s) {
    return *Ipv6Prefix::parse(s);
}
Ipv4Prefix p4(const char* s) {
    return *Ipv4Prefix::parse(s);
}

using Route6 = UpstreamRoutes<Ipv6Address>::Route;
using Route4 = UpstreamRoutes<Ipv4Address>::Route;

TEST(UpstreamRoutes, TheLongestPrefixWins) {
    UpstreamRoutes<Ipv6Address> r;
    r.configure({Route6{{}, "up2", {}}, Route6{p6("ff3e::/16"), "up1", {}},
                 Route6{p6("ff3e::1:0/112"), "up2", {}}});
    r.attach("up1", u1);
    r.attach("up2", u2);
    EXPECT_EQ(r.serving(a6("ff3e::1:5")), u2); // /112 beats /16
    EXPECT_EQ(r.serving(a6("ff3e::2:5")), u1); // /16 beats the default
    EXPECT_EQ(r.serving(a6("ff0e::2:5")), u2); // the default
    EXPECT_EQ(r.served_by(u2), (std::vector{p6("ff3e::1:0/112"), Ipv6Prefix{}}));
    EXPECT_EQ(r.served_by(u1), (std::vector{p6("ff3e::/16")}));
}

TEST(UpstreamRoutes, WithoutADefaultSomeGroupsHaveNoUpstream) {
    UpstreamRoutes<Ipv4Address> r;
    r.configure({Route4{p4("239.1.0.0/16"), "up1", {}}});
    r.attach("up1", u1);
    EXPECT_EQ(r.serving(a4("239.1.2.3")), u1);
    EXPECT_EQ(r.serving(a4("239.2.2.3")), std::nullopt);
}

// An upstream that is not there keeps its groups: nobody serves them meanwhile, the
// default upstream does not take them over.
TEST(UpstreamRoutes, AnAbsentUpstreamKeepsItsGroups) {
    UpstreamRoutes<Ipv4Address> r;
    r.configure({Route4{p4("239.1.0.0/16"), "up1", {}}, Route4{{}, "up2", {}}});
    r.attach("up2", u2);
    EXPECT_EQ(r.serving(a4("239.1.2.3")), std::nullopt);
    EXPECT_EQ(r.serving(a4("239.2.2.3")), u2);
    r.attach("up1", u1);
    EXPECT_EQ(r.serving(a4("239.1.2.3")), u1);
    r.detach(u1);
    EXPECT_EQ(r.serving(a4("239.1.2.3")), std::nullopt);
    EXPECT_TRUE(r.links().contains(u2));
    EXPECT_FALSE(r.links().contains(u1));
}

// No routes configured (no file, or one upstream without `serve`): the upstream that is
// there serves every group; new routes apply to the links already attached.
TEST(UpstreamRoutes, WithoutRoutesTheUpstreamServesEveryGroup) {
    UpstreamRoutes<Ipv6Address> r;
    EXPECT_EQ(r.serving(a6("ff0e::1")), std::nullopt);
    r.attach("eth0", u1);
    EXPECT_EQ(r.serving(a6("ff0e::1")), u1);
    EXPECT_EQ(r.served_by(u1), (std::vector{Ipv6Prefix{}}));
    r.configure({Route6{p6("ff3e::/16"), "eth0", {}}});
    EXPECT_EQ(r.serving(a6("ff0e::1")), std::nullopt);
    EXPECT_EQ(r.serving(a6("ff3e::1")), u1);
}

class TwoUpstreams : public ::testing::Test {
protected:
    TwoUpstreams() {
        table.configure_upstreams({Route4{p4("239.1.0.0/16"), "up1", {}}, Route4{{}, "up2", {}}});
        table.attach_upstream("up1", u1);
        table.attach_upstream("up2", u2);
        table.set_querier(d1, true);
        table.set_querier(d2, true);
        table.set_membership(d1, g1, State{proto::FilterMode::Exclude, {}});
        table.set_membership(d1, g2, State{proto::FilterMode::Exclude, {}});
    }
    static LinkSet links(std::initializer_list<LinkId> ids) {
        LinkSet s;
        for (const auto l : ids) {
            s.insert(l);
        }
        return s;
    }
    using State = proto::MembershipState<Ipv4Address>;
    const Ipv4Address g1 = a4("239.1.1.1"); // up1's
    const Ipv4Address g2 = a4("239.2.1.1"); // up2's (the default)
    const Ipv4Address s_up = a4("192.0.2.10");
    const Ipv4Address s_down = a4("198.51.100.5");
    ForwardingTable<proto::Ipv4Family> table;
};

// From a downstream source: the listeners and the group's own upstream, never the other.
TEST_F(TwoUpstreams, DownstreamDataGoesToTheGroupsUpstreamOnly) {
    EXPECT_EQ(table.decide(d2, s_down, g1, 64).links, links({d1, u1}));
    EXPECT_EQ(table.decide(d2, s_down, g2, 64).links, links({d1, u2}));
    EXPECT_EQ(table.decide(d1, s_down, a4("239.1.9.9"), 64).links, links({u1}));
}

// From an upstream: downstream only, and only from the upstream that serves the group.
TEST_F(TwoUpstreams, DataFromTheOtherUpstreamIsNotForwarded) {
    EXPECT_EQ(table.decide(u1, s_up, g1, 64).links, links({d1}));
    EXPECT_EQ(table.decide(u2, s_up, g2, 64).links, links({d1}));
    const auto wrong = table.decide(u2, s_up, g1, 64);
    EXPECT_EQ(wrong.verdict, Verdict::OtherUpstream);
    EXPECT_TRUE(wrong.links.empty());
    EXPECT_EQ(table.decide(u1, s_up, g2, 64).verdict, Verdict::OtherUpstream);
    EXPECT_EQ(to_string(Verdict::OtherUpstream), "other-upstream");
}

// up1 gone: its groups have no upstream (data from downstream reaches listeners only,
// and up2 never gets them); up2's data for them is still refused.
TEST_F(TwoUpstreams, AGoneUpstreamsGroupsGoNowhereUpstream) {
    table.remove_link(u1);
    EXPECT_EQ(table.decide(d2, s_down, g1, 64).links, links({d1}));
    EXPECT_EQ(table.decide(u2, s_up, g1, 64).verdict, Verdict::OtherUpstream);
    EXPECT_EQ(table.decide(u2, s_up, g2, 64).links, links({d1}));
}

} // namespace
