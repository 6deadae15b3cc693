// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/proto/family.hpp"
#include "ecmh/proto/host_merge.hpp"

#include <array>
#include <gtest/gtest.h>
#include <utility>
#include <vector>

using namespace ecmh::proto;
using ecmh::net::Ipv4Address;
using ecmh::net::Ipv6Address;

namespace {

template <class Family>
struct MergeNames;

template <>
struct MergeNames<Ipv6Family> {
    static Ipv6Address a(const char* text) { return *Ipv6Address::parse(text); }
    static constexpr const char* kS1 = "2001:db8::1";
    static constexpr const char* kS2 = "2001:db8::2";
    static constexpr const char* kS3 = "2001:db8::3";
};

template <>
struct MergeNames<Ipv4Family> {
    static Ipv4Address a(const char* text) { return *Ipv4Address::parse(text); }
    static constexpr const char* kS1 = "192.0.2.1";
    static constexpr const char* kS2 = "192.0.2.2";
    static constexpr const char* kS3 = "192.0.2.3";
};

template <class Family>
class HostMergeTest : public ::testing::Test {
protected:
    using A = typename Family::Address;
    using N = MergeNames<Family>;
    using State = MembershipState<A>;

    const A s1 = N::a(N::kS1);
    const A s2 = N::a(N::kS2);
    const A s3 = N::a(N::kS3);

    static State inc(std::initializer_list<A> s) { return {FilterMode::Include, SourceSet<A>(s)}; }
    static State exc(std::initializer_list<A> s) { return {FilterMode::Exclude, SourceSet<A>(s)}; }
    static State none() { return {}; }
    // An IGMPv1/v2 or MLDv1 member, as the router side converts it (RFC 4605 §4.1).
    static State old_member() { return exc({}); }

    static State merge(std::initializer_list<State> contributions) {
        return merge_memberships(std::vector<State>(contributions));
    }
};

using Families = ::testing::Types<Ipv6Family, Ipv4Family>;
TYPED_TEST_SUITE(HostMergeTest, Families);

// The table of rfc-map item 31, every row (d1 state, d2 state → upstream record).
TYPED_TEST(HostMergeTest, Item31IncludePlusIncludeIsTheUnion) {
    EXPECT_EQ(this->merge({this->inc({this->s1}), this->inc({this->s2})}),
              this->inc({this->s1, this->s2}));
}

TYPED_TEST(HostMergeTest, Item31PreprocessedExcludeAloneIsKept) {
    // EXCLUDE({S1},{S2}) arrives preprocessed as EXCLUDE({S2}): S1's timer > 0 dropped it.
    EXPECT_EQ(this->merge({this->exc({this->s2}), this->none()}), this->exc({this->s2}));
    EXPECT_EQ(this->merge({this->exc({this->s2})}), this->exc({this->s2}));
}

TYPED_TEST(HostMergeTest, Item31ExcludePlusExcludeIsTheIntersection) {
    EXPECT_EQ(this->merge({this->exc({this->s1, this->s2}), this->exc({this->s2, this->s3})}),
              this->exc({this->s2}));
}

TYPED_TEST(HostMergeTest, Item31ExcludeMinusIncludedSources) {
    EXPECT_EQ(this->merge({this->exc({this->s1, this->s2}), this->inc({this->s1})}),
              this->exc({this->s2}));
    // Order of contributions does not matter.
    EXPECT_EQ(this->merge({this->inc({this->s1}), this->exc({this->s1, this->s2})}),
              this->exc({this->s2}));
}

TYPED_TEST(HostMergeTest, Item31Rfc4605Example) {
    // "I1 has an IGMPv2/MLDv1 subscription ... I2 has ... (G, INCLUDE, (S1, S2)) ... the
    // final membership record is (G, EXCLUDE, NULL)."
    EXPECT_EQ(this->merge({this->old_member(), this->inc({this->s1, this->s2})}), this->exc({}));
}

TYPED_TEST(HostMergeTest, Item31IncludeBeingQueriedStaysInclude) {
    // A source at LLQT is still a source: the timer was dropped in preprocessing.
    EXPECT_EQ(this->merge({this->inc({this->s1}), this->none()}), this->inc({this->s1}));
}

TYPED_TEST(HostMergeTest, NoContributionsIsNoState) {
    EXPECT_EQ(this->merge({}), this->none());
    EXPECT_EQ(this->merge({this->none(), this->none()}), this->none());
    EXPECT_TRUE(this->merge({}).is_empty());
}

TYPED_TEST(HostMergeTest, AllIncludeNeverGivesExclude) {
    // RFC 3810 §4.2: "MUST NOT use an EXCLUDE interface record ... if all ... INCLUDE".
    const auto r = this->merge({this->inc({}), this->inc({this->s3}), this->inc({this->s1})});
    EXPECT_EQ(r.mode, FilterMode::Include);
    EXPECT_EQ(r.sources, SourceSet<typename TestFixture::A>({this->s1, this->s3}));
}

TYPED_TEST(HostMergeTest, ExcludeEmptyAbsorbs) {
    EXPECT_EQ(this->merge({this->exc({this->s1}), this->exc({}), this->exc({this->s1, this->s2})}),
              this->exc({}));
    // An include list covering the whole exclude intersection also gives EXCLUDE({}).
    EXPECT_EQ(this->merge({this->exc({this->s1}), this->inc({this->s1, this->s3})}), this->exc({}));
}

TYPED_TEST(HostMergeTest, AccumulatorAndProjectionAgree) {
    using State = typename TestFixture::State;
    // Per-link entries as the router side might hold them: merged through a projection,
    // without building a vector of states.
    const std::array<std::pair<int, State>, 3> links{{{1, this->exc({this->s1, this->s2})},
                                                      {2, this->exc({this->s2, this->s3})},
                                                      {3, this->inc({this->s2})}}};
    const auto projected =
        merge_memberships(links, [](const auto& link) -> const State& { return link.second; });
    EXPECT_EQ(projected, this->exc({}));

    MembershipMerge<typename TestFixture::A> merge;
    merge.add(links[0].second);
    EXPECT_EQ(merge.result(), this->exc({this->s1, this->s2}));
    merge.add(links[1].second);
    EXPECT_EQ(merge.result(), this->exc({this->s2}));
    merge.add(links[2].second);
    EXPECT_EQ(merge.result(), projected);
}

} // namespace
