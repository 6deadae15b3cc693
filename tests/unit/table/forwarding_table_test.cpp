// SPDX-License-Identifier: BSD-3-Clause
// The forwarding decision, against rfc-map items 40–46 (RFC 4605 §3, §4.2).
#include "ecmh/table/forwarding_table.hpp"

#include <gtest/gtest.h>

using namespace ecmh::table;
using ecmh::net::Ipv4Address;
using ecmh::net::Ipv6Address;
using ecmh::proto::FilterMode;
using ecmh::proto::Ipv4Family;
using ecmh::proto::Ipv6Family;
using ecmh::proto::MembershipState;

namespace {

// The harness topology (rfc-map §0.1): upstream u0, downstream d1 and d2.
const LinkId u0{0};
const LinkId d1{1};
const LinkId d2{2};

template <class Family>
struct Addresses;

template <>
struct Addresses<Ipv6Family> {
    static Ipv6Address a(const char* s) { return *Ipv6Address::parse(s); }
    static Ipv6Address group() { return a("ff0e::1:1000"); }
    static Ipv6Address ssm_group() { return a("ff3e::8000:1"); }
    static Ipv6Address source(int i) { return a(("2001:db8:1::" + std::to_string(i)).c_str()); }
    static Ipv6Address downstream_source() { return a("2001:db8:2::5"); }
    static Ipv6Address link_scope_group() { return a("ff02::1234"); }
    static Ipv6Address link_local_source() { return a("fe80::99"); }
    static Ipv6Address unspecified() { return a("::"); }
};

template <>
struct Addresses<Ipv4Family> {
    static Ipv4Address a(const char* s) { return *Ipv4Address::parse(s); }
    static Ipv4Address group() { return a("239.1.1.1"); }
    static Ipv4Address ssm_group() { return a("232.1.1.1"); }
    static Ipv4Address source(int i) { return a(("192.0.2.10" + std::to_string(i)).c_str()); }
    static Ipv4Address downstream_source() { return a("198.51.100.5"); }
    static Ipv4Address link_scope_group() { return a("224.0.0.251"); }
    static Ipv4Address link_local_source() { return a("169.254.0.9"); }
    static Ipv4Address unspecified() { return a("0.0.0.0"); }
};

LinkSet links(std::initializer_list<LinkId> ids) {
    LinkSet s;
    for (const auto l : ids) {
        s.insert(l);
    }
    return s;
}

template <class Family>
class ForwardingTableTest : public ::testing::Test {
protected:
    using A = Addresses<Family>;
    using State = MembershipState<typename Family::Address>;

    ForwardingTableTest() {
        table.attach_upstream("u0", u0);
        table.set_querier(d1, true);
        table.set_querier(d2, true);
    }
    LinkSet out(LinkId arrival, const typename Family::Address& source,
                const typename Family::Address& group, std::uint8_t hop = 64) const {
        return table.decide(arrival, source, group, hop).links;
    }
    static State asm_join() { return State{FilterMode::Exclude, {}}; }

    ForwardingTable<Family> table;
};

using Families = ::testing::Types<Ipv6Family, Ipv4Family>;
TYPED_TEST_SUITE(ForwardingTableTest, Families);

} // namespace

TYPED_TEST(ForwardingTableTest, Item40WhichInterfacesGetACopy) {
    using A = typename TestFixture::A;
    this->table.set_membership(d1, A::group(), this->asm_join());
    // Upstream source → d1 only, never back to u0.
    EXPECT_EQ(this->out(u0, A::source(1), A::group()), links({d1}));
    // From d2 → u0 and d1, not d2.
    EXPECT_EQ(this->out(d2, A::downstream_source(), A::group()), links({u0, d1}));
    // From d1 (the listener's own link) → u0 only.
    EXPECT_EQ(this->out(d1, A::downstream_source(), A::group()), links({u0}));
    // A group nobody joined still goes upstream from downstream, nowhere from upstream.
    const auto other = A::a(std::is_same_v<TypeParam, Ipv6Family> ? "ff0e::2" : "239.9.9.9");
    EXPECT_EQ(this->out(d1, A::downstream_source(), other), links({u0}));
    const auto none = this->table.decide(u0, A::source(1), other, 64);
    EXPECT_EQ(none.verdict, Verdict::NoListeners);
    EXPECT_TRUE(none.links.empty());
}

TYPED_TEST(ForwardingTableTest, Item41SourceMatching) {
    using A = typename TestFixture::A;
    using State = typename TestFixture::State;
    this->table.set_membership(d1, A::group(),
                               State{FilterMode::Include, {A::source(1), A::source(2)}});
    this->table.set_membership(d2, A::group(), State{FilterMode::Exclude, {A::source(2)}});
    EXPECT_EQ(this->out(u0, A::source(1), A::group()), links({d1, d2}));
    EXPECT_EQ(this->out(u0, A::source(2), A::group()), links({d1})); // blocked on d2
    EXPECT_EQ(this->out(u0, A::source(3), A::group()), links({d2})); // not in d1's INCLUDE
    // Changing d2 to INCLUDE{S3} replaces its old entries completely.
    this->table.set_membership(d2, A::group(), State{FilterMode::Include, {A::source(3)}});
    EXPECT_EQ(this->out(u0, A::source(2), A::group()), links({d1}));
    EXPECT_EQ(this->out(u0, A::source(3), A::group()), links({d2}));
    EXPECT_TRUE(this->out(u0, A::source(4), A::group()).empty());
    // INCLUDE({}) removes the link; the group disappears with its last member.
    this->table.set_membership(d1, A::group(), State{});
    this->table.set_membership(d2, A::group(), State{});
    EXPECT_EQ(this->table.group_count(), 0U);
    EXPECT_TRUE(this->out(u0, A::source(1), A::group()).empty());
}

TYPED_TEST(ForwardingTableTest, Item42QuerierRule) {
    using A = typename TestFixture::A;
    this->table.set_membership(d1, A::group(), this->asm_join());
    this->table.set_querier(d1, false); // a lower-address router won the election
    EXPECT_TRUE(this->out(u0, A::source(1), A::group()).empty());
    EXPECT_EQ(this->out(d2, A::downstream_source(), A::group()), links({u0}));
    this->table.set_querier(d1, true); // OQPT expired: ecmh is querier again
    EXPECT_EQ(this->out(u0, A::source(1), A::group()), links({d1}));
}

TYPED_TEST(ForwardingTableTest, Item44SsmNeedsSourceState) {
    using A = typename TestFixture::A;
    using State = typename TestFixture::State;
    // Even an EXCLUDE state for an SSM group (never created by the router side) admits
    // nothing: only (S,G) counts.
    this->table.set_membership(d2, A::ssm_group(), this->asm_join());
    this->table.set_membership(d1, A::ssm_group(), State{FilterMode::Include, {A::source(1)}});
    EXPECT_EQ(this->out(u0, A::source(1), A::ssm_group()), links({d1}));
    EXPECT_TRUE(this->out(u0, A::source(3), A::ssm_group()).empty());
}

TYPED_TEST(ForwardingTableTest, Item45HopLimit) {
    using A = typename TestFixture::A;
    this->table.set_membership(d1, A::group(), this->asm_join());
    for (const std::uint8_t hop : {0, 1}) {
        const auto d = this->table.decide(u0, A::source(1), A::group(), hop);
        EXPECT_EQ(d.verdict, Verdict::HopLimitExceeded);
        EXPECT_TRUE(d.links.empty());
    }
    EXPECT_EQ(this->out(u0, A::source(1), A::group(), 2), links({d1}));
    EXPECT_EQ(this->out(u0, A::source(1), A::group(), 255), links({d1}));
}

TYPED_TEST(ForwardingTableTest, Item46ScopeAndSourceFilters) {
    using A = typename TestFixture::A;
    this->table.set_membership(d1, A::group(), this->asm_join());
    EXPECT_EQ(this->table.decide(u0, A::source(1), A::link_scope_group(), 64).verdict,
              Verdict::ScopeNotForwarded);
    EXPECT_EQ(this->table.decide(d2, A::downstream_source(), A::link_scope_group(), 64).verdict,
              Verdict::ScopeNotForwarded); // not even upstream
    EXPECT_EQ(this->table.decide(u0, A::link_local_source(), A::group(), 64).verdict,
              Verdict::InvalidSource);
    EXPECT_EQ(this->table.decide(u0, A::unspecified(), A::group(), 64).verdict,
              Verdict::InvalidSource);
    EXPECT_EQ(this->table.decide(u0, A::group(), A::group(), 64).verdict, Verdict::InvalidSource);
}

TYPED_TEST(ForwardingTableTest, WithoutUpstreamEveryLinkIsDownstream) {
    using A = typename TestFixture::A;
    this->table.detach_upstream(u0);
    this->table.set_querier(u0, true); // u0 is now just another downstream link
    this->table.set_membership(d1, A::group(), this->asm_join());
    this->table.set_membership(u0, A::group(), this->asm_join());
    EXPECT_EQ(this->out(d2, A::downstream_source(), A::group()), links({u0, d1}));
    EXPECT_EQ(this->out(d1, A::downstream_source(), A::group()), links({u0}));
    const auto unjoined = A::a(std::is_same_v<TypeParam, Ipv6Family> ? "ff0e::2" : "239.9.9.9");
    EXPECT_TRUE(this->out(d1, A::downstream_source(), unjoined).empty());
}

TYPED_TEST(ForwardingTableTest, RemovedLinkIsForgotten) {
    using A = typename TestFixture::A;
    this->table.set_membership(d1, A::group(), this->asm_join());
    this->table.set_membership(d2, A::group(), this->asm_join());
    this->table.remove_link(d1);
    EXPECT_EQ(this->out(u0, A::source(1), A::group()), links({d2}));
    this->table.remove_link(u0); // the upstream went away
    EXPECT_EQ(this->out(d1, A::downstream_source(), A::group()), links({d2}));
}

TEST(LinkSet, BitsetOperations) {
    LinkSet a = links({LinkId{0}, LinkId{63}, LinkId{64}, LinkId{255}});
    EXPECT_EQ(a.size(), 4U);
    EXPECT_TRUE(a.contains(LinkId{255}));
    std::vector<int> seen;
    a.for_each([&](LinkId l) { seen.push_back(l.slot()); });
    EXPECT_EQ(seen, (std::vector<int>{0, 63, 64, 255}));
    LinkSet b = links({LinkId{63}, LinkId{1}});
    LinkSet i = a;
    i &= b;
    EXPECT_EQ(i, links({LinkId{63}}));
    a.subtract(b);
    EXPECT_FALSE(a.contains(LinkId{63}));
    a |= b;
    EXPECT_TRUE(a.contains(LinkId{1}));
    EXPECT_TRUE(LinkSet{}.empty());
}

// Issue 15: a cache of decisions learns of every change from the generation, and of a
// membership change's group from dirty_groups(); any other change dirties everything.
TYPED_TEST(ForwardingTableTest, EveryChangeBumpsTheGenerationMembershipNamesItsGroup) {
    using A = typename TestFixture::A;
    auto& t = this->table;
    t.clear_dirty();
    auto generation = t.generation();
    const auto bumped = [&] {
        const bool b = t.generation() != generation;
        generation = t.generation();
        return b;
    };
    t.set_membership(d1, A::group(), this->asm_join());
    EXPECT_TRUE(bumped());
    EXPECT_FALSE(t.all_dirty());
    ASSERT_EQ(t.dirty_groups().size(), 1U);
    EXPECT_EQ(t.dirty_groups()[0], A::group());
    t.clear_dirty();
    EXPECT_TRUE(t.dirty_groups().empty());
    t.mark_dirty(A::ssm_group());
    EXPECT_TRUE(bumped());
    EXPECT_EQ(t.dirty_groups().size(), 1U);
    t.set_querier(d2, false);
    EXPECT_TRUE(bumped() && t.all_dirty());
    t.clear_dirty();
    t.set_boundary(d2, {});
    EXPECT_TRUE(bumped() && t.all_dirty());
    t.clear_dirty();
    t.detach_upstream(u0);
    EXPECT_TRUE(bumped() && t.all_dirty());
    t.clear_dirty();
    t.attach_upstream("u0", u0);
    EXPECT_TRUE(bumped() && t.all_dirty());
    t.clear_dirty();
    t.configure_upstreams({});
    EXPECT_TRUE(bumped() && t.all_dirty());
    t.clear_dirty();
    t.set_ssm_range({});
    EXPECT_TRUE(bumped() && t.all_dirty());
    t.clear_dirty();
    t.remove_link(d1);
    EXPECT_TRUE(bumped() && t.all_dirty());
    // Counting what a fast path forwarded is no change of a decision.
    t.set_membership(d2, A::group(), this->asm_join());
    generation = t.generation();
    t.count(A::group(), 3, 300);
    EXPECT_FALSE(bumped());
    EXPECT_EQ(t.counters(A::group())->packets, 3U);
}
