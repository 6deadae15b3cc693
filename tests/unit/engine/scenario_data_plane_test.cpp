// SPDX-License-Identifier: BSD-3-Clause
// Scenario: the data plane, for IPv6 and IPv4 (rfc-map items 40, 45, 46, 47, 48,
// 49), and the mode without an upstream link.
//   Copies: one per eligible link, never back out of the arrival link, hop limit / TTL
//   minus one (IPv4 checksum still valid), the group's multicast MAC and the out-link's
//   own MAC; hop limit / TTL ≤ 1 never forwarded and counted; link-scope groups never
//   forwarded; MLD / IGMP never copied as data.
//   Without an upstream: traffic between d1 and d2 only where listeners are, and no
//   report is ever sent.
// (The harness also checks every copy byte for byte against its input.)
#include "ecmh/net/checksum.hpp"
#include "support/hex.hpp"
#include "support/ipv4_packets.hpp"
#include "support/scenario_fixture.hpp"

#include <gtest/gtest.h>

using namespace ecmh;
using namespace ecmh::test;
using proto::at_ms;
using table::Verdict;

namespace {

template <class F>
class ScenarioDataPlane : public ScenarioTest<F> {
protected:
    using ScenarioTest<F>::s;
    void join_both() {
        s.run_until(at_ms(1000));
        s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
        s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
        s.run_until(at_ms(2000));
        s.take();
    }
};

using Families = ::testing::Types<MldFamily, IgmpFamily>;
TYPED_TEST_SUITE(ScenarioDataPlane, Families, FamilyNames);

template <class F>
class ScenarioNoUpstream : public ::testing::Test {
protected:
    Scenario s{Scenario::Options{.upstream = false, .ipv6 = F::kV6, .ipv4 = !F::kV6}};
    void TearDown() override {
        EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
    }
};
TYPED_TEST_SUITE(ScenarioNoUpstream, Families, FamilyNames);

using Strings = std::vector<std::string>;

template <class F>
const char* link_local_source() {
    return F::kV6 ? "fe80::a" : "169.254.0.5";
}

template <class F>
const char* unicast_destination() {
    return F::kV6 ? "2001:db8:9::1" : "192.0.2.50";
}

} // namespace

TYPED_TEST(ScenarioDataPlane, CopiesPerLinkWithHopLimitMinusOne) {
    using F = TypeParam;
    auto& s = this->s;
    this->join_both();
    // From upstream: both listeners' links.
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), (Strings{"d1", "d2"}));
    // From a downstream sender: the other listener and the upstream, never back.
    EXPECT_EQ(s.probe(F::H1_SOURCE, F::G, s.d1()), (Strings{"d2", "u0"}));
    EXPECT_EQ(s.probe(F::H2_SOURCE, F::G, s.d2()), (Strings{"d1", "u0"}));
    EXPECT_EQ(s.stats().forwarded, 3U);

    for (const std::uint8_t hop : {2, 8, 255}) {
        SCOPED_TRACE("hop " + std::to_string(hop));
        ASSERT_EQ(s.probe(F::S1, F::G, s.u0(), hop), (Strings{"d1", "d2"}));
        const auto copies = select(s.all(), {.kind = Kind::Data, .from = s.now()});
        ASSERT_GE(copies.size(), 2U);
        const auto& last = copies[copies.size() - 2]; // d1's (links in slot order)
        EXPECT_EQ(last.link, s.d1());
        EXPECT_EQ(last.hop_limit, hop - 1);
        EXPECT_EQ(last.source, F::S1);
        EXPECT_EQ(last.destination, F::G);
        EXPECT_EQ(last.eth_source, (net::MacAddress{{0x02, 0xec, 0, 0, 0, 0x10}}));
        EXPECT_EQ(last.eth_destination.to_string(),
                  F::kV6 ? "33:33:00:01:10:00" : "01:00:5e:01:01:01");
        if (!F::kV6) {
            EXPECT_EQ(net::internet_checksum(std::span(last.ip).first(20)), 0)
                << "IPv4 header checksum of the copy";
        }
    }
}

TYPED_TEST(ScenarioDataPlane, HopLimitOneIsNeverForwardedAndCounted) {
    using F = TypeParam;
    auto& s = this->s;
    this->join_both();
    const auto before = s.stats();
    const auto u0_before = s.proxy().link(s.u0())->counters.hop_limit_exceeded;
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0(), 1), Strings{});
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0(), 0), Strings{});
    EXPECT_EQ(s.probe(F::H1_SOURCE, F::G, s.d1(), 1), Strings{});
    EXPECT_EQ(s.stats().total.hop_limit_exceeded, before.total.hop_limit_exceeded + 3);
    EXPECT_EQ(s.stats().of(Verdict::HopLimitExceeded), before.of(Verdict::HopLimitExceeded) + 3);
    EXPECT_EQ(s.proxy().link(s.u0())->counters.hop_limit_exceeded, u0_before + 2);
    EXPECT_EQ(s.proxy().link(s.d1())->counters.hop_limit_exceeded, 1U);
    EXPECT_EQ(s.stats().forwarded, before.forwarded);
}

// Link-scope groups are neither tracked nor forwarded, whoever reports them; bad
// sources and unicast destinations are dropped with their own counters.
TYPED_TEST(ScenarioDataPlane, ScopeAndAddressFilters) {
    using F = TypeParam;
    auto& s = this->s;
    this->join_both();
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::LINK_SCOPE, {}}});
    EXPECT_TRUE(s.take().empty()) << "no upstream report for a link-scope group";
    EXPECT_EQ(s.upstream_state(F::LINK_SCOPE), "");
    const auto before = s.stats();
    EXPECT_EQ(s.probe(F::S1, F::LINK_SCOPE, s.u0()), Strings{});
    EXPECT_EQ(s.probe(F::H1_SOURCE, F::LINK_SCOPE, s.d1()), Strings{});
    EXPECT_EQ(s.probe(F::S1, F::ALL_NODES, s.u0()), Strings{});
    EXPECT_EQ(s.stats().of(Verdict::ScopeNotForwarded), before.of(Verdict::ScopeNotForwarded) + 3);
    EXPECT_EQ(s.probe(link_local_source<F>(), F::G, s.d1()), Strings{});
    EXPECT_EQ(s.stats().of(Verdict::InvalidSource), before.of(Verdict::InvalidSource) + 1);
    EXPECT_EQ(s.probe(F::S1, unicast_destination<F>(), s.u0()), Strings{});
    EXPECT_EQ(s.stats().of(engine::DropReason::NotMulticast),
              before.of(engine::DropReason::NotMulticast) + 1);
}

// Item 47: MLD / IGMP addressed to a group with listeners is membership, never data —
// valid (processed) or not (an MLD report from a global source with hop limit 64 is
// dropped; an IGMPv2 report with TTL 64 is processed, RFC 3376 not asking routers to
// check it).
TYPED_TEST(ScenarioDataPlane, ControlMessagesAreNeverForwarded) {
    using F = TypeParam;
    auto& s = this->s;
    this->join_both();
    const auto forwarded = s.stats().forwarded;
    s.old_report(s.d2(), F::H2, F::G); // to the group itself
    // From a routable source with a routable hop limit, as data would be.
    auto high = frames::old_report(F::H1A, F::G);
    if (F::kV6) {
        high[7] = 64;
        const auto global = net::Ipv6Address::parse(F::H1_SOURCE)->bytes();
        std::copy(global.begin(), global.end(), high.begin() + 8);
        v6::fix_icmpv6_checksum(high, frames::kMldOffset);
    } else {
        high[8] = 64;
        v4::fix_header_checksum(high);
    }
    s.deliver(s.d1(), high);
    s.old_leave(s.d1(), F::H1B, F::G);
    EXPECT_TRUE(select(s.all(), {.kind = Kind::Data}).empty()) << dump(s.all());
    EXPECT_EQ(s.stats().forwarded, forwarded);
}

// RFC 4605 §4.2: from a downstream link, toward the upstream even with no listener; a
// packet from the upstream with no listener goes nowhere.
TYPED_TEST(ScenarioDataPlane, DownstreamSendersReachTheUpstreamAlways) {
    using F = TypeParam;
    auto& s = this->s;
    EXPECT_EQ(s.probe(F::H1_SOURCE, F::G, s.d1()), Strings{"u0"});
    const auto before = s.stats().of(Verdict::NoListeners);
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{});
    EXPECT_EQ(s.stats().of(Verdict::NoListeners), before + 1);
}

TYPED_TEST(ScenarioNoUpstream, TrafficOnlyBetweenListenersAndNoReports) {
    using F = TypeParam;
    auto& s = this->s;
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.answer_queries(s.d1(), F::H1A, {{RecordType::ModeIsExclude, F::G, {}}});
    EXPECT_EQ(s.probe(F::H2_SOURCE, F::G, s.d2()), Strings{"d1"});
    const auto no_listeners = s.stats().of(Verdict::NoListeners);
    EXPECT_EQ(s.probe(F::H1_SOURCE, F::G, s.d1()), Strings{});
    EXPECT_EQ(s.stats().of(Verdict::NoListeners), no_listeners + 1);

    s.run_until(at_ms(3000));
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    EXPECT_EQ(s.probe(F::H1_SOURCE, F::G, s.d1()), Strings{"d2"});
    EXPECT_EQ(s.probe(F::H2_SOURCE, F::G, s.d2()), Strings{"d1"});

    s.resend_reports();
    s.run_until(at_ms(10'000));
    s.shutdown();
    s.run_until(at_ms(20'000));
    // d2's listener did not answer: gone at 3 + 9 s; d1's still there.
    EXPECT_EQ(s.probe(F::H1_SOURCE, F::G, s.d1()), Strings{});
    EXPECT_EQ(s.probe(F::H2_SOURCE, F::G, s.d2()), Strings{"d1"});

    for (const auto& e : s.all()) {
        EXPECT_TRUE(e.is_query() || e.kind == Kind::Data) << "only queries and copies: " << e;
        EXPECT_TRUE(e.link == s.d1() || e.link == s.d2()) << e;
    }
    EXPECT_FALSE(select(s.all(), {.link = s.d2(), .kind = Kind::GeneralQuery}).empty());
}

// A source-routed data packet (IPv4 LSRR 131 or SSRR 137 option) is never forwarded
// (RFC 4607 §7.4 for SSM, and a source route through a proxy makes no sense for ASM
// either; rfc-map M11): counted as source-route and nothing else, no copy; the same
// datagram without the option is forwarded to the listener.
TEST(ScenarioDataPlaneIpv4, SourceRoutedDataIsDroppedWithItsReason) {
    using F = IgmpFamily;
    Scenario s{Scenario::Options{.ipv6 = false}};
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.run_until(at_ms(2000));
    s.take();
    const auto plain = frames::udp(F::S1, F::G, 8);
    const std::size_t header = v4::ihl_bytes(plain);
    s.deliver(s.u0(), plain);
    EXPECT_EQ(select(s.take(), {.link = s.d1(), .kind = Kind::Data}).size(), 1U)
        << "without the option the datagram is forwarded";
    for (const std::uint8_t option : {std::uint8_t{0x83}, std::uint8_t{0x89}}) {
        SCOPED_TRACE(int{option});
        v4::Ipv4Fields fields;
        fields.source = *net::Ipv4Address::parse(F::S1);
        fields.destination = *net::Ipv4Address::parse(F::G);
        fields.tos = 0;
        fields.ttl = 8;
        fields.protocol = 17;
        // type, length 7, pointer 4, one route address (198.51.100.9), EOL.
        fields.options = {option, 7, 4, 198, 51, 100, 9, 0};
        auto routed = v4::make_ipv4(
            fields, std::span(plain).subspan(header)); // the UDP checksum does not cover options
        v4::fix_header_checksum(routed);
        const auto before = s.stats();
        s.deliver(s.u0(), routed);
        auto expected = before.parse_drops;
        ++expected[static_cast<std::size_t>(wire::ParseError::SourceRoute)];
        EXPECT_EQ(s.stats().parse_drops, expected);
        EXPECT_EQ(s.stats().drops, before.drops);
        EXPECT_EQ(s.stats().verdicts, before.verdicts);
        EXPECT_EQ(s.stats().forwarded, before.forwarded);
        EXPECT_TRUE(s.take().empty()) << "no copy of a source-routed packet";
    }
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}
