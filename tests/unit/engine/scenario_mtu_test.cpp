// SPDX-License-Identifier: BSD-3-Clause
// Scenario: sizes (rfc-map items 11, 48; RFC 3810 §5.1.10 / §5.2.15, RFC 3376
// §4.1.8 / §4.2.16). Many groups reported upstream go in as many MTU-sized reports as
// it takes, nothing lost; a Q(G,S) with more sources than fit one packet is split
// (89 sources per MLDv2 query, 366 per IGMPv3 query at MTU 1500); a copy larger than
// the out-link's MTU is never truncated: IPv4 without Don't Fragment is fragmented, any
// other is dropped and counted, and an IPv6 source is sent a Packet Too Big.
#include "support/scenario.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <set>

using namespace ecmh;
using namespace ecmh::test;
using proto::at_ms;

namespace {

template <class F>
class ScenarioMtu : public ::testing::Test {};

using Families = ::testing::Types<MldFamily, IgmpFamily>;
TYPED_TEST_SUITE(ScenarioMtu, Families, FamilyNames);

using Strings = std::vector<std::string>;

template <class F>
std::string nth_group(int i) {
    char buf[48];
    if (F::kV6) {
        std::snprintf(buf, sizeof buf, "ff0e::2:%x", i + 1);
    } else {
        std::snprintf(buf, sizeof buf, "239.2.%d.%d", (i + 1) / 256, (i + 1) % 256);
    }
    return buf;
}

template <class F>
std::string nth_source(int i) {
    char buf[48];
    if (F::kV6) {
        std::snprintf(buf, sizeof buf, "2001:db8:5::%x", i + 1);
    } else {
        std::snprintf(buf, sizeof buf, "10.5.%d.%d", (i + 1) / 256, (i + 1) % 256);
    }
    return buf;
}

} // namespace

TYPED_TEST(ScenarioMtu, ManyGroupsGoUpstreamInMtuSizedReports) {
    using F = TypeParam;
    Scenario s{Scenario::Options{.ipv6 = F::kV6, .ipv4 = !F::kV6}};
    constexpr int kGroups = 200;
    Recs joins;
    for (int i = 0; i < kGroups; ++i) {
        joins.push_back({RecordType::ChangeToExcludeMode, nth_group<F>(i), {}});
    }
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, joins);
    s.run_until(at_ms(3000));
    s.take();
    s.resend_reports();
    const auto events = s.take();
    ASSERT_GE(events.size(), 2U) << "200 records do not fit one report";
    std::set<std::string> groups;
    for (const auto& e : events) {
        EXPECT_LE(e.ip_length, 1500U) << e;
        for (const auto& r : e.records) {
            EXPECT_EQ(r.type, RecordType::ModeIsExclude);
            groups.insert(r.group);
        }
    }
    EXPECT_EQ(groups.size(), static_cast<std::size_t>(kGroups));
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}

TYPED_TEST(ScenarioMtu, LargeSourceQueryIsSplitToFit) {
    using F = TypeParam;
    Scenario s{Scenario::Options{.ipv6 = F::kV6, .ipv4 = !F::kV6}};
    const int sources = F::kV6 ? 100 : 400;
    const std::size_t per_packet = F::kV6 ? 89 : 366;
    std::vector<std::string> all;
    for (int i = 0; i < sources; ++i) {
        all.push_back(nth_source<F>(i));
    }
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::AllowNewSources, F::G, all}});
    s.run_until(at_ms(2000));
    s.take();
    // TO_IN({}) asks about all of them in one Q(G,S) (INCLUDE(A) TO_IN(B): Q(G,A-B)). A
    // BLOCK of them all would not do: the host's report is itself split in two, and
    // the second part's immediate query re-sends (and counts) the first part's
    // sources, as RFC 3810 §7.6.3.2 merging says.
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToIncludeMode, F::G, {}}});
    s.run_until(at_ms(2500));
    const auto events = s.take();
    const auto first = select(events, {.kind = Kind::GroupSourceQuery, .to = at_ms(2000)});
    ASSERT_EQ(first.size(), 2U) << dump(events);
    std::set<std::string> queried;
    for (const auto& q : first) {
        EXPECT_LE(q.ip_length, 1500U) << q;
        EXPECT_LE(q.sources.size(), per_packet) << q;
        queried.insert(q.sources.begin(), q.sources.end());
    }
    EXPECT_EQ(first[0].sources.size(), per_packet);
    EXPECT_EQ(queried.size(), static_cast<std::size_t>(sources));
    EXPECT_EQ(select(events, {.kind = Kind::GroupSourceQuery, .from = at_ms(2300)}).size(), 2U)
        << "the retransmission is split the same way\n"
        << dump(events);
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}

TYPED_TEST(ScenarioMtu, CopyLargerThanTheOutLinkMtuIsDroppedOrFragmented) {
    using F = TypeParam;
    Scenario s{Scenario::Options{.ipv6 = F::kV6, .ipv4 = !F::kV6, .d2_mtu = 1280}};
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.take();
    // IPv6, and IPv4 with Don't Fragment: dropped on d2 and counted.
    const auto big = frames::udp(F::S1, F::G, 8, 1400, true);
    s.deliver(s.u0(), big);
    const auto events = s.take();
    const auto copies = select(events, {.link = s.d1()});
    ASSERT_EQ(copies.size(), 1U) << dump(events);
    EXPECT_EQ(copies[0].ip_length, big.size());
    EXPECT_TRUE(select(events, {.link = s.d2()}).empty()) << dump(events);
    EXPECT_EQ(s.stats().of(engine::DropReason::TooBigForLink), 1U);
    // IPv6: an ICMPv6 Packet Too Big (type 2) with d2's MTU goes back to the source on
    // the arrival link (RFC 4443 §3.2, allowed for multicast by §2.4(e.3)). IPv4 gets no
    // Fragmentation Needed: no ICMP error about a multicast packet (RFC 1812 §4.3.2.7).
    const auto back = select(events, {.link = s.u0()});
    if constexpr (F::kV6) {
        ASSERT_EQ(back.size(), 1U) << dump(events);
        EXPECT_EQ(back[0].destination, F::S1);
        const auto& ip = back[0].ip;
        ASSERT_GE(ip.size(), 48U);
        EXPECT_EQ(ip[6], 58);
        EXPECT_EQ(ip[40], 2);
        EXPECT_EQ((ip[44] << 24) | (ip[45] << 16) | (ip[46] << 8) | ip[47], 1280);
    } else {
        EXPECT_TRUE(back.empty()) << dump(events);
    }
    // One that fits goes to both.
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), (Strings{"d1", "d2"}));
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}

// RFC 1812 §5.2.6: a router MUST fragment. An IPv4 copy without Don't Fragment that is
// too big for d2 goes there as MTU-sized fragments (the harness reassembles them and
// compares with the input); d1 gets the whole copy.
TEST(ScenarioMtuIpv4, CopyWithoutDontFragmentIsFragmented) {
    using F = IgmpFamily;
    Scenario s{Scenario::Options{.ipv6 = false, .ipv4 = true, .d2_mtu = 576}};
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.take();
    const auto big = frames::udp(F::S1, F::G, 8, 1400); // 1428 octets
    s.deliver(s.u0(), big);
    const auto events = s.take();
    ASSERT_EQ(select(events, {.link = s.d1()}).size(), 1U) << dump(events);
    const auto pieces = select(events, {.link = s.d2()});
    // 1408 octets of IPv4 payload in 552-octet pieces (576 − 20, rounded down to 8).
    ASSERT_EQ(pieces.size(), 3U) << dump(events);
    EXPECT_EQ(pieces[0].ip_length, 572U);
    EXPECT_EQ(pieces[1].ip_length, 572U);
    EXPECT_EQ(pieces[2].ip_length, 20U + 1408U - 2U * 552U);
    EXPECT_TRUE(select(events, {.link = s.u0()}).empty()) << dump(events);
    EXPECT_EQ(s.stats().of(engine::DropReason::TooBigForLink), 0U);
    EXPECT_EQ(s.stats().fragmented, 1U);
    EXPECT_EQ(s.stats().fragments_sent, 3U);
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}
