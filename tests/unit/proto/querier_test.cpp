// SPDX-License-Identifier: BSD-3-Clause
// Querier election and General Query schedule (rfc-map items 14, 15, 16; RFC 3810
// §7.6.2, RFC 3376 §6.6.2), and what the querier appends to the link's queue for each.
// Fast profile: SQI 1 s, QI 4 s, OQPT 8.5 s.
#include "ecmh/proto/querier.hpp"
#include "support/proto_printers.hpp"

#include <chrono>
#include <cstdint>
#include <gtest/gtest.h>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

using namespace ecmh::proto;
using ecmh::net::Ipv4Address;
using ecmh::net::Ipv6Address;
using std::chrono::milliseconds;

namespace {

template <class F>
struct Net;

template <>
struct Net<Ipv6Family> {
    static Ipv6Address a(const char* text) { return *Ipv6Address::parse(text); }
    static Ipv6Address own() { return a("fe80::100"); }
    static Ipv6Address lower() { return a("fe80::1"); }
    static Ipv6Address higher() { return a("fe80::ffff"); }
    static Ipv6Address group() { return a("ff0e::1:1000"); }
};

template <>
struct Net<Ipv4Family> {
    static Ipv4Address a(const char* text) { return *Ipv4Address::parse(text); }
    static Ipv4Address own() { return a("198.51.100.100"); }
    static Ipv4Address lower() { return a("198.51.100.1"); }
    static Ipv4Address higher() { return a("198.51.100.254"); }
    static Ipv4Address group() { return a("239.1.1.1"); }
};

struct FamilyNames {
    template <class T>
    static std::string GetName(int) {
        return std::is_same_v<T, Ipv6Family> ? "Mld" : "Igmp";
    }
};

template <class F>
class QuerierTest : public ::testing::Test {
protected:
    using A = typename F::Address;
    using Output = RouterOutput<A>;
    ProtocolVariables vars = fast_test_profile();
    Querier<F> querier{vars, Net<F>::own(), F::kNewestVersion, at_ms(0)};
    RouterOutputs<A> out;

    static ReceivedQuery<A> query(const A& source, std::uint8_t version = F::kNewestVersion) {
        ReceivedQuery<A> q;
        q.version = version;
        q.source = source;
        q.max_response = milliseconds{1000};
        return q;
    }
    // Runs the querier's timers up to `to` and returns the General Query times.
    std::vector<std::int64_t> run(std::int64_t to) {
        std::vector<std::int64_t> sent;
        for (TimePoint t = querier.next_deadline(); t <= at_ms(to); t = querier.next_deadline()) {
            querier.on_timer(t, out);
            for (const auto& o : out.take()) {
                const auto* q = std::get_if<SendQuery<A>>(&o);
                if (q != nullptr && q->is_general()) {
                    sent.push_back(
                        std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count());
                }
            }
        }
        return sent;
    }
    // What one input appended.
    std::vector<Output> timer(std::int64_t ms) {
        querier.on_timer(at_ms(ms), out);
        return out.take();
    }
    std::vector<Output> receive(const ReceivedQuery<A>& q, std::int64_t ms) {
        querier.on_query(q, at_ms(ms), out);
        return out.take();
    }
    // Group 0, no sources, MRC = QRI, S = 0, QRV = RV, QQIC = QI (item 14).
    static Output general_query(const ProtocolVariables& v) {
        SendQuery<A> q;
        q.version = F::kNewestVersion;
        q.max_response = Duration{v.query_response_interval};
        q.robustness = v.robustness;
        q.query_interval = v.query_interval;
        return q;
    }
    static Output transition(const char* from, const char* event, const char* to) {
        return Transition<A>{StateMachine::Querier, A{}, from, event, to};
    }
};

using Families = ::testing::Types<Ipv6Family, Ipv4Family>;
TYPED_TEST_SUITE(QuerierTest, Families, FamilyNames);

// Item 14: q0 at start, q1 at q0 + SQI, q2 at q1 + QI, then every QI.
TYPED_TEST(QuerierTest, StartupQueriesSqiApartThenEveryQi) {
    EXPECT_TRUE(this->querier.is_querier());
    EXPECT_EQ(this->querier.next_deadline(), at_ms(0));
    EXPECT_EQ(this->querier.startup_queries_left(), 2U);
    EXPECT_EQ(this->run(14000), (std::vector<std::int64_t>{0, 1000, 5000, 9000, 13000}));
    EXPECT_EQ(this->querier.startup_queries_left(), 0U);
}

TYPED_TEST(QuerierTest, DefaultProfileStartupGapIs31250ms) {
    using Output = typename TestFixture::Output;
    Querier<TypeParam> q{ProtocolVariables{}, Net<TypeParam>::own(), TypeParam::kNewestVersion,
                         at_ms(0)};
    const std::vector<Output> general{this->general_query(ProtocolVariables{})};
    q.on_timer(at_ms(0), this->out);
    EXPECT_EQ(this->out.take(), general);
    EXPECT_EQ(q.next_deadline(), at_ms(31250));
    q.on_timer(at_ms(31250), this->out);
    EXPECT_EQ(this->out.take(), general);
    EXPECT_EQ(q.next_deadline(), at_ms(156250));
}

TYPED_TEST(QuerierTest, NothingBeforeItsDeadline) {
    using Output = typename TestFixture::Output;
    EXPECT_EQ(this->timer(0), std::vector<Output>{this->general_query(this->vars)});
    EXPECT_TRUE(this->timer(999).empty());
}

// Item 15: lose to a lower address, stay silent for OQPT after its last query, then
// resume with a General Query at once and every QI after. Each state change is one
// Transition, named as RFC 2236 §7's state diagram names it, then a QuerierChanged.
TYPED_TEST(QuerierTest, LosesToLowerAddressAndReturnsAfterOqpt) {
    using A = typename TypeParam::Address;
    using Output = typename TestFixture::Output;
    this->run(0);
    auto q = this->query(Net<TypeParam>::lower());
    q.suppress_router_side = true; // "does not suppress the querier election"
    EXPECT_EQ(
        this->receive(q, 500),
        (std::vector<Output>{
            this->transition("Querier", "query received from a router with a lower IP address",
                             "Non-Querier"),
            QuerierChanged<A>{false, Net<TypeParam>::lower()}}));
    EXPECT_FALSE(this->querier.is_querier());
    EXPECT_EQ(this->querier.querier_address(), Net<TypeParam>::lower());
    EXPECT_EQ(this->querier.other_querier_present_until(), at_ms(9000));
    EXPECT_EQ(this->querier.next_general_query(), kNever);
    // Its next query restarts Other Querier Present; not a new transition.
    EXPECT_TRUE(this->receive(q, 4500).empty());
    EXPECT_EQ(this->querier.next_deadline(), at_ms(13000));
    EXPECT_TRUE(this->timer(12999).empty());
    EXPECT_EQ(
        this->timer(13000),
        (std::vector<Output>{
            this->transition("Non-Querier", "other querier present timer expired", "Querier"),
            QuerierChanged<A>{true, Net<TypeParam>::own()}, this->general_query(this->vars)}));
    EXPECT_TRUE(this->querier.is_querier());
    EXPECT_EQ(this->querier.querier_address(), Net<TypeParam>::own());
    EXPECT_EQ(this->querier.next_deadline(), at_ms(17000));
}

TYPED_TEST(QuerierTest, KeepsQueryingAgainstHigherAddressOwnAddressAndUnspecified) {
    this->run(0);
    for (const auto& source :
         {Net<TypeParam>::higher(), Net<TypeParam>::own(), typename TypeParam::Address{}}) {
        EXPECT_TRUE(this->receive(this->query(source), 500).empty());
        EXPECT_TRUE(this->querier.is_querier());
    }
    EXPECT_EQ(this->run(5000), (std::vector<std::int64_t>{1000, 5000}));
}

// Item 15: which queries from a lower address elect their sender. MLD: "a query with a
// lower IPv6 address" (RFC 9777 §7.6.2, as RFC 2710 §4); IGMP: "a General Query with a
// lower IP address" (RFC 9776 §6.6.2; RFC 3376 said "a query"). One row per query kind.
struct ElectionCase {
    const char* query;
    bool older_version; // MLDv1 / IGMPv2 instead of MLDv2 / IGMPv3
    bool group_specific;
    bool with_sources;
    bool elects_mld;
    bool elects_igmp;
};

constexpr ElectionCase kElectionCases[] = {
    {"General Query", false, false, false, true, true},
    {"Group-Specific Query", false, true, false, true, false},
    {"Group-and-Source-Specific Query", false, true, true, true, false},
    {"older-version General Query", true, false, false, true, true},
    {"older-version Group-Specific Query", true, true, false, true, false},
};

TYPED_TEST(QuerierTest, WhichQueriesFromALowerAddressElectIt) {
    using A = typename TypeParam::Address;
    constexpr bool kMld = std::is_same_v<TypeParam, Ipv6Family>;
    for (const auto& row : kElectionCases) {
        SCOPED_TRACE(row.query);
        this->querier = Querier<TypeParam>{this->vars, Net<TypeParam>::own(),
                                           TypeParam::kNewestVersion, at_ms(0)};
        this->run(0);
        auto q = this->query(Net<TypeParam>::lower(),
                             TypeParam::kNewestVersion - (row.older_version ? 1 : 0));
        if (row.group_specific) {
            q.group = Net<TypeParam>::group();
        }
        if (row.with_sources) {
            q.sources = SourceSet<A>{Net<TypeParam>::higher()};
        }
        const bool elects = kMld ? row.elects_mld : row.elects_igmp;
        const auto got = this->receive(q, 500);
        EXPECT_EQ(this->querier.is_querier(), !elects);
        EXPECT_EQ(got.empty(), !elects);
        if (elects) {
            EXPECT_EQ(this->querier.other_querier_present_until(), at_ms(9000));
        } else {
            EXPECT_EQ(this->querier.other_querier_present_until(), kNever);
            EXPECT_EQ(this->run(5000), (std::vector<std::int64_t>{1000, 5000}));
        }
    }
}

// Item 16: a Non-Querier adopts QRV and QQI, so MALI = 3·6 + 2·QRI = 20 s and OQPT =
// 3·6 + 0.5 = 18.5 s; QRV/QQI 0 mean "use the default"; Querier again → our values.
TYPED_TEST(QuerierTest, NonQuerierAdoptsQrvAndQqi) {
    auto q = this->query(Net<TypeParam>::lower());
    q.robustness = 3;
    q.query_interval = milliseconds{6000};
    this->querier.on_query(q, at_ms(1000), this->out);
    EXPECT_EQ(this->querier.variables().robustness, 3U);
    EXPECT_EQ(this->querier.variables().query_interval, milliseconds{6000});
    EXPECT_EQ(this->querier.variables().listener_interval(), milliseconds{20000});
    EXPECT_EQ(this->querier.variables().last_listener_query_time(), milliseconds{900});
    EXPECT_EQ(this->querier.other_querier_present_until(), at_ms(19500));

    q.robustness = 0;
    q.query_interval = milliseconds{0};
    this->querier.on_query(q, at_ms(2000), this->out);
    EXPECT_EQ(this->querier.variables().robustness, 2U);
    EXPECT_EQ(this->querier.variables().query_interval, milliseconds{4000});
    EXPECT_EQ(this->querier.other_querier_present_until(), at_ms(10500));

    q.robustness = 7;
    q.query_interval = milliseconds{1000}; // legal; as a Non-Querier it only shortens timers
    this->querier.on_query(q, at_ms(3000), this->out);
    EXPECT_EQ(this->querier.variables().listener_interval(), milliseconds{9000});
    this->querier.on_timer(at_ms(10500), this->out);
    EXPECT_TRUE(this->querier.is_querier());
    EXPECT_EQ(this->querier.variables().robustness, 2U);
    EXPECT_EQ(this->querier.variables().query_interval, milliseconds{4000});
}

// A higher-address router's values are not adopted: it is not the querier.
TYPED_TEST(QuerierTest, HigherAddressValuesNotAdopted) {
    auto q = this->query(Net<TypeParam>::higher());
    q.robustness = 5;
    q.query_interval = milliseconds{60000};
    this->querier.on_query(q, at_ms(1000), this->out);
    EXPECT_EQ(this->querier.variables().robustness, 2U);
    EXPECT_EQ(this->querier.variables().query_interval, milliseconds{4000});
}

// IGMP: as Non-Querier, the querier's own Group-Specific Query does not restart Other
// Querier Present (only General Queries do, RFC 9776 §6.6.2), but its QRV and QQI are
// adopted, as from "the most recently received Query" (RFC 9776 §4.1.6, §4.1.7).
TEST(QuerierElection, IgmpGroupSpecificQueryOfTheQuerierAdoptsButDoesNotRestartOqpt) {
    const auto own = *Ipv4Address::parse("198.51.100.100");
    const auto lower = *Ipv4Address::parse("198.51.100.1");
    Querier<Ipv4Family> querier{fast_test_profile(), own, 3, at_ms(0)};
    RouterOutputs<Ipv4Address> out;
    ReceivedQuery<Ipv4Address> general;
    general.version = 3;
    general.source = lower;
    querier.on_query(general, at_ms(500), out);
    EXPECT_FALSE(querier.is_querier());
    EXPECT_EQ(querier.other_querier_present_until(), at_ms(9000));
    auto specific = general;
    specific.group = *Ipv4Address::parse("239.1.1.1");
    specific.robustness = 3;
    specific.query_interval = milliseconds{6000};
    (void)out.take();
    querier.on_query(specific, at_ms(4000), out);
    EXPECT_TRUE(out.items().empty());
    EXPECT_EQ(querier.variables().robustness, 3U);
    EXPECT_EQ(querier.variables().query_interval, milliseconds{6000});
    EXPECT_EQ(querier.other_querier_present_until(), at_ms(9000));
    // Another router's group-specific query, lower still, is not adopted.
    specific.source = *Ipv4Address::parse("198.51.100.0");
    specific.robustness = 5;
    querier.on_query(specific, at_ms(5000), out);
    EXPECT_EQ(querier.variables().robustness, 3U);
    EXPECT_EQ(querier.querier_address(), lower);
    querier.on_timer(at_ms(9000), out);
    EXPECT_TRUE(querier.is_querier());
}

// The address changes (M19): later elections compare against the new one.
TYPED_TEST(QuerierTest, OwnAddressChangeAppliesToLaterElections) {
    this->querier.set_own_address(Net<TypeParam>::lower());
    EXPECT_TRUE(this->receive(this->query(Net<TypeParam>::own()), 10).empty());
    EXPECT_TRUE(this->querier.is_querier());
}

// M19: a new address re-runs the election with what is known. A Non-Querier stays one
// while the querier it hears still precedes it, and takes over (a General Query at
// once) when its new address is the lower; a Querier re-announces itself at once.
TYPED_TEST(QuerierTest, ChangedOwnAddressReRunsTheElection) {
    using Output = typename TestFixture::Output;
    const auto& n = Net<TypeParam>::a;
    const auto other = n(std::is_same_v<TypeParam, Ipv6Family> ? "fe80::50" : "198.51.100.50");
    const auto lowest = n(std::is_same_v<TypeParam, Ipv6Family> ? "fe80::20" : "198.51.100.20");
    (void)this->run(0);
    (void)this->receive(this->query(other), 500);
    ASSERT_FALSE(this->querier.is_querier());
    this->querier.change_own_address(Net<TypeParam>::higher(), at_ms(600), this->out);
    EXPECT_TRUE(this->out.take().empty());
    EXPECT_FALSE(this->querier.is_querier());
    this->querier.change_own_address(lowest, at_ms(700), this->out);
    EXPECT_EQ(this->out.take(),
              (std::vector<Output>{
                  this->transition("Non-Querier", "own address changed to one below the querier's",
                                   "Querier"),
                  QuerierChanged<typename TestFixture::A>{true, lowest}}));
    EXPECT_EQ(this->querier.next_deadline(), at_ms(700));
    EXPECT_EQ(this->timer(700), std::vector<Output>{this->general_query(this->vars)});
    // As Querier: the next General Query is moved to now.
    this->querier.change_own_address(Net<TypeParam>::own(), at_ms(900), this->out);
    EXPECT_TRUE(this->out.take().empty());
    EXPECT_EQ(this->querier.next_deadline(), at_ms(900));
}

// M19: up again after an outage, the link's querier starts over as at startup: Querier,
// SQC General Queries SQI apart from now, then every QI.
TYPED_TEST(QuerierTest, RestartStartsOverAsAtStartup) {
    using Output = typename TestFixture::Output;
    (void)this->run(0);
    (void)this->receive(this->query(Net<TypeParam>::lower()), 500);
    ASSERT_FALSE(this->querier.is_querier());
    this->querier.restart(at_ms(3000), this->out);
    EXPECT_EQ(this->out.take(),
              (std::vector<Output>{
                  this->transition("Non-Querier", "link up again: starting over as at startup",
                                   "Querier"),
                  QuerierChanged<typename TestFixture::A>{true, Net<TypeParam>::own()}}));
    EXPECT_EQ(this->querier.startup_queries_left(), 2U);
    EXPECT_EQ(this->run(12000), (std::vector<std::int64_t>{3000, 4000, 8000, 12000}));
}

// MLDv2 compares the interface ID only; MLDv1 the whole address (item 15).
TEST(QuerierElection, MldComparesLast64BitsForV2WholeAddressForV1) {
    const auto own = *Ipv6Address::parse("fe80::100");
    const auto other_prefix_low_iid = *Ipv6Address::parse("fe80:0:0:1::1");
    EXPECT_TRUE(querier_precedes(other_prefix_low_iid, own, 2));
    EXPECT_FALSE(querier_precedes(other_prefix_low_iid, own, 1));
    const auto big_iid = *Ipv6Address::parse("fe80::1:0:0:0");
    EXPECT_FALSE(querier_precedes(big_iid, own, 2));
    EXPECT_FALSE(querier_precedes(own, own, 2));
    EXPECT_TRUE(querier_precedes(*Ipv6Address::parse("fe80::ff"), own, 1));
    EXPECT_FALSE(querier_precedes(*Ipv6Address::parse("fe80::101"), own, 2));
}

TEST(QuerierElection, IgmpComparesNumerically) {
    const auto own = *Ipv4Address::parse("198.51.100.100");
    EXPECT_TRUE(querier_precedes(*Ipv4Address::parse("198.51.100.1"), own, 3));
    EXPECT_TRUE(querier_precedes(*Ipv4Address::parse("10.0.0.200"), own, 2));
    EXPECT_FALSE(querier_precedes(*Ipv4Address::parse("198.51.100.254"), own, 1));
    EXPECT_FALSE(querier_precedes(own, own, 3));
}

TEST(QuerierElection, MldV1QueryFromDifferentPrefixUsesWholeAddress) {
    Querier<Ipv6Family> q{fast_test_profile(), *Ipv6Address::parse("fe80::100"), 2, at_ms(0)};
    RouterOutputs<Ipv6Address> out;
    ReceivedQuery<Ipv6Address> v1;
    v1.version = 1;
    v1.source = *Ipv6Address::parse("fe80:0:0:1::1");
    q.on_query(v1, at_ms(10), out);
    EXPECT_TRUE(q.is_querier());
    EXPECT_TRUE(out.items().empty());
    v1.version = 2;
    q.on_query(v1, at_ms(10), out);
    EXPECT_FALSE(q.is_querier());
    EXPECT_EQ(out.items().back(), (RouterOutput<Ipv6Address>{QuerierChanged<Ipv6Address>{
                                      false, *Ipv6Address::parse("fe80:0:0:1::1")}}));
}

} // namespace
