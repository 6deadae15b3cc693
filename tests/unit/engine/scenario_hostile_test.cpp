// SPDX-License-Identifier: BSD-3-Clause
// Scenario: hostile and invalid control messages change nothing (rfc-map items 6,
// 7, 15, 26, 30, Part 3). With h1a listening to G on d1, each input below tries to end
// that membership or to join G2; each must leave forwarding, the upstream record, the
// querier state and the compatibility mode as they were, send nothing, and increment
// exactly its own drop counter. After each, the liveness canary: a fresh join on d2 is
// reported upstream at once.
#include "ecmh/net/ipv4_address.hpp"
#include "support/hex.hpp"
#include "support/ipv4_packets.hpp"
#include "support/scenario.hpp"

#include <gtest/gtest.h>
#include <variant>

using namespace ecmh;
using namespace ecmh::test;
using engine::DropReason;
using proto::at_ms;
using wire::ParseError;

namespace {

using Strings = std::vector<std::string>;

// What one input must be counted as: one drop reason, or (a valid message the router
// ignores) the router's link-scope counter and no drop at all.
struct LinkScope {};
using Expected = std::variant<ParseError, DropReason, LinkScope>;

struct Hostile {
    std::string name;
    bool upstream = false; // arrives on u0 (else on d1)
    Bytes ip;
    Expected counted;
};

Expected parse_drop(ParseError e) {
    return e;
}

Expected drop(DropReason r) {
    return r;
}

template <class F>
Expected ignored_link_scope() {
    return LinkScope{};
}

// Every drop counter moved by exactly what `counted` says: +1 for its reason, 0 for each
// other parse error, drop reason and forwarding verdict.
void expect_counted_once(const engine::Statistics& before, const engine::Statistics& after,
                         const Expected& counted) {
    for (std::size_t i = 0; i < before.parse_drops.size(); ++i) {
        const auto* e = std::get_if<ParseError>(&counted);
        const std::uint64_t step = e != nullptr && static_cast<std::size_t>(*e) == i ? 1 : 0;
        EXPECT_EQ(after.parse_drops[i] - before.parse_drops[i], step)
            << "parse drop " << wire::to_string(static_cast<ParseError>(i));
    }
    for (std::size_t i = 0; i < before.drops.size(); ++i) {
        const auto* r = std::get_if<DropReason>(&counted);
        const std::uint64_t step = r != nullptr && static_cast<std::size_t>(*r) == i ? 1 : 0;
        EXPECT_EQ(after.drops[i] - before.drops[i], step)
            << "drop " << engine::to_string(static_cast<DropReason>(i));
    }
    EXPECT_EQ(after.verdicts, before.verdicts);
}

template <class F>
void run_hostile(const std::vector<Hostile>& cases) {
    Scenario s{Scenario::Options{.ipv6 = F::kV6, .ipv4 = !F::kV6}};
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.answer_queries(s.d1(), F::H1A, {{RecordType::ModeIsExclude, F::G, {}}});
    s.run_until(at_ms(2000));
    s.take();
    int t = 2000;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto stats = s.stats();
        const auto link_scope = s.router_counters(s.d1(), F::kV6).ignored_link_scope;
        s.deliver(c.upstream ? s.u0() : s.d1(), c.ip);
        // One input, one reason: its own counter +1, every other drop counter unmoved.
        expect_counted_once(stats, s.stats(), c.counted);
        EXPECT_EQ(s.router_counters(s.d1(), F::kV6).ignored_link_scope - link_scope,
                  std::holds_alternative<LinkScope>(c.counted) ? 1U : 0U);
        // Let any consequence show: a last-listener query, an expiry, a response.
        t += 1500;
        s.run_until(at_ms(t));
        const auto events = s.take();
        for (const auto& e : events) {
            EXPECT_EQ(e.kind, Kind::GeneralQuery) << "nothing but periodic queries: " << e;
        }
        EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), Strings{"d1"});
        EXPECT_EQ(s.probe(F::S1, F::G2, s.u0()), Strings{});
        EXPECT_EQ(s.upstream_state(F::G), "EXCLUDE{}");
        EXPECT_EQ(s.upstream_state(F::G2), "");
        EXPECT_EQ(s.upstream_version(F::kV6), F::kNewest);
        EXPECT_TRUE(s.is_querier(s.d1(), F::kV6));
        EXPECT_EQ(s.group_version(s.d1(), F::G), F::kNewest);
    }
    // Liveness canary: the engine still works.
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G3, {}}});
    const auto events = s.take();
    ASSERT_EQ(events.size(), 1U) << dump(events);
    EXPECT_EQ(events[0].records, (Recs{{RecordType::ChangeToExcludeMode, F::G3, {}}}));
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}

using F6 = MldFamily;
using F4 = IgmpFamily;

Bytes mld_leave() {
    return frames::v2_report(F6::H1A, {{RecordType::ChangeToIncludeMode, F6::G, {}}});
}

void set_source6(Bytes& ip, const char* source) {
    const auto a = net::Ipv6Address::parse(source)->bytes();
    std::copy(a.begin(), a.end(), ip.begin() + 8);
    v6::fix_icmpv6_checksum(ip, frames::kMldOffset);
}

void set_destination6(Bytes& ip, const char* destination) {
    const auto a = net::Ipv6Address::parse(destination)->bytes();
    std::copy(a.begin(), a.end(), ip.begin() + 24);
    v6::fix_icmpv6_checksum(ip, frames::kMldOffset);
}

Bytes igmp_leave() {
    return frames::v2_report(F4::H1A, {{RecordType::ChangeToIncludeMode, F4::G, {}}});
}

void set_address4(Bytes& ip, std::size_t at, const char* address) {
    const auto a = net::Ipv4Address::parse(address)->bytes();
    std::copy(a.begin(), a.end(), ip.begin() + static_cast<std::ptrdiff_t>(at));
    v4::fix_header_checksum(ip);
}

} // namespace

TEST(ScenarioHostile, MldInputsChangeNothing) {
    std::vector<Hostile> cases;
    {
        auto ip = mld_leave();
        ip[7] = 64; // not covered by the ICMPv6 checksum
        cases.push_back(
            {"TO_IN({}) with hop limit 64", false, ip, parse_drop(ParseError::HopLimitNotOne)});
    }
    {
        auto ip = frames::old_leave(F6::H1A, F6::G);
        ip[7] = 255;
        cases.push_back(
            {"Done with hop limit 255", false, ip, parse_drop(ParseError::HopLimitNotOne)});
    }
    {
        auto ip = mld_leave();
        set_source6(ip, "2001:db8::a");
        cases.push_back({"TO_IN({}) from a global source", false, ip,
                         parse_drop(ParseError::SourceNotLinkLocal)});
    }
    {
        auto ip = mld_leave();
        set_source6(ip, "::");
        cases.push_back(
            {"TO_IN({}) from ::", false, ip, parse_drop(ParseError::SourceNotLinkLocal)});
    }
    {
        auto ip = mld_leave();
        ip[frames::kMldOffset + 3] ^= 0x5a;
        cases.push_back(
            {"TO_IN({}) with a bad checksum", false, ip, parse_drop(ParseError::BadChecksum)});
    }
    {
        auto ip = frames::v2_report(F6::H1A, {{RecordType::ChangeToExcludeMode, F6::G2, {}}});
        ip[frames::kMldOffset + 7] = 5; // Nr of Mcast Address Records: 5, one present
        v6::fix_icmpv6_checksum(ip, frames::kMldOffset);
        cases.push_back(
            {"join G2 claiming 5 records", false, ip, parse_drop(ParseError::RecordOverrun)});
    }
    {
        auto ip = frames::v2_report(F6::H1A, {{RecordType::ChangeToExcludeMode, F6::G2, {F6::S1}}});
        ip[frames::kMldOffset + 8 + 3] = 9; // Number of Sources: 9, one present
        v6::fix_icmpv6_checksum(ip, frames::kMldOffset);
        cases.push_back(
            {"join G2 claiming 9 sources", false, ip, parse_drop(ParseError::RecordOverrun)});
    }
    {
        auto ip = mld_leave();
        ip[42] = 0x01; // the Router Alert option becomes a PadN
        cases.push_back({"TO_IN({}) without Router Alert", false, ip,
                         parse_drop(ParseError::MissingRouterAlert)});
    }
    {
        // RFC 2710 §4: an MLDv1 Report goes to the group it reports; this one, valid but
        // to another group, is not believed (rfc-map M18).
        auto ip = frames::old_report(F6::H1A, F6::G2);
        set_destination6(ip, "ff05::1");
        cases.push_back({"MLDv1 Report for G2 sent to ff05::1", false, ip,
                         drop(DropReason::MisaddressedReport)});
    }
    // A valid report for ff02::1: ignored (never tracked, RFC 2710 §5); the router
    // side counts it (statistics() has no counter for it: it is not a drop).
    cases.push_back({"TO_EX({}) for ff02::1", false,
                     frames::v2_report(F6::H1A, {{RecordType::ChangeToExcludeMode, "ff02::1", {}}}),
                     ignored_link_scope<F6>()});
    cases.push_back(
        {"a report on the upstream link", true, mld_leave(), drop(DropReason::ControlOnUpstream)});
    {
        auto ip = frames::query(QueryIn{F6::R1_LOWER, 2});
        ip[7] = 2;
        cases.push_back({"lower-address query with hop limit 2", false, ip,
                         parse_drop(ParseError::HopLimitNotOne)});
    }
    {
        auto ip = frames::query(QueryIn{F6::R_U, 2});
        ip[frames::kMldOffset + 3] ^= 0xff;
        cases.push_back(
            {"upstream query with a bad checksum", true, ip, parse_drop(ParseError::BadChecksum)});
    }
    {
        auto ip = frames::query(QueryIn{F6::R_U, 1});
        set_source6(ip, "2001:db8::1");
        cases.push_back({"upstream MLDv1 query from a global source", true, ip,
                         parse_drop(ParseError::SourceNotLinkLocal)});
    }
    run_hostile<F6>(cases);
}

TEST(ScenarioHostile, IgmpInputsChangeNothing) {
    constexpr std::size_t igmp = 24; // IPv4 header with Router Alert
    std::vector<Hostile> cases;
    {
        auto ip = igmp_leave();
        ip[igmp + 3] ^= 0x5a;
        cases.push_back(
            {"TO_IN({}) with a bad IGMP checksum", false, ip, parse_drop(ParseError::BadChecksum)});
    }
    {
        auto ip = igmp_leave();
        ip[10] ^= 0x5a;
        cases.push_back({"TO_IN({}) with a bad header checksum", false, ip,
                         parse_drop(ParseError::BadHeaderChecksum)});
    }
    {
        auto ip = frames::v2_report(F4::H1A, {{RecordType::ChangeToExcludeMode, F4::G2, {}}});
        ip[igmp + 7] = 5;
        v4::fix_checksums(ip);
        cases.push_back(
            {"join G2 claiming 5 records", false, ip, parse_drop(ParseError::RecordOverrun)});
    }
    {
        auto ip = igmp_leave();
        set_address4(ip, 12, "10.0.0.5");
        cases.push_back(
            {"TO_IN({}) from off the subnet", false, ip, drop(DropReason::OffSubnetReport)});
    }
    {
        auto ip = frames::old_leave(F4::H1A, F4::G);
        set_address4(ip, 12, "192.0.2.77");
        cases.push_back(
            {"Leave from off the subnet", false, ip, drop(DropReason::OffSubnetReport)});
    }
    cases.push_back(
        {"TO_EX({}) for 224.0.0.1", false,
         frames::v2_report(F4::H1A, {{RecordType::ChangeToExcludeMode, "224.0.0.1", {}}}),
         ignored_link_scope<F4>()});
    cases.push_back(
        {"a report on the upstream link", true, igmp_leave(), drop(DropReason::ControlOnUpstream)});
    {
        auto ip = frames::query(QueryIn{F4::R1_LOWER, 3});
        ip[igmp + 3] ^= 0xff;
        cases.push_back({"lower-address query with a bad checksum", false, ip,
                         parse_drop(ParseError::BadChecksum)});
    }
    {
        // RFC 3376 §9.1: an upstream v3 query without Router Alert is ignored.
        const auto q = frames::query(QueryIn{F4::R_U, 3});
        v4::Ipv4Fields fields;
        fields.source = *net::Ipv4Address::parse(F4::R_U);
        fields.options = {};
        const auto ip = v4::make_ipv4(fields, std::span(q).subspan(igmp));
        cases.push_back(
            {"upstream query without Router Alert", true, ip, drop(DropReason::QueryRejected)});
    }
    {
        auto ip = frames::query(QueryIn{F4::R_U, 2});
        set_address4(ip, 16, "224.0.0.2");
        cases.push_back({"upstream IGMPv2 general query to 224.0.0.2", true, ip,
                         drop(DropReason::QueryRejected)});
    }
    run_hostile<F4>(cases);
}

// RFC 3810 §5.2.14: a router accepts an MLDv1 Report sent to an address of its own as
// well as to the group (rfc-map M18).
TEST(ScenarioHostile, Mldv1ReportToOurOwnAddressIsTaken) {
    Scenario s{Scenario::Options{.ipv6 = true, .ipv4 = false}};
    s.run_until(at_ms(1000));
    auto ip = frames::old_report(F6::H1A, F6::G2);
    set_destination6(ip, "fe80::100"); // d1's link-local address
    s.deliver(s.d1(), ip);
    EXPECT_EQ(s.stats().of(DropReason::MisaddressedReport), 0U);
    EXPECT_EQ(s.probe(F6::S1, F6::G2, s.u0()), Strings{"d1"});
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}
