// SPDX-License-Identifier: BSD-3-Clause
// RouterLink: the vectors CS1–CS4, SC1–SC9, SQ1, SQ2, TO1 and NULL (rfc-map items
// 17–22) as whole conversations against a manual clock, and the link's rules: scope
// (26), SSM (27), older-version hosts (25), configured older versions (23, 24),
// non-querier duties (16), election outputs (15), limits (M7).
// Fast profile: MALI 10 s (RV·QI + 2·QRI), OVHPT 9 s (RV·QI + QRI), OQPT 8.5 s, SQI 1 s,
// QI 4 s, LLQI 0.3 s, LLQT 0.6 s.
#include "ecmh/proto/router_link.hpp"
#include "support/proto_printers.hpp"

#include <chrono>
#include <cstdint>
#include <gtest/gtest.h>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace ecmh::proto;
using ecmh::net::Ipv4Address;
using ecmh::net::Ipv6Address;
using ecmh::wire::RecordType;
using std::chrono::milliseconds;

namespace {

template <class F>
struct Net;

template <>
struct Net<Ipv6Family> {
    static Ipv6Address a(const std::string& text) { return *Ipv6Address::parse(text); }
    static Ipv6Address source(int i) { return a("2001:db8:1::" + std::to_string(i)); }
    static Ipv6Address group(int n = 0) { return a("ff0e::1:" + std::to_string(1000 + n)); }
    static Ipv6Address ssm_group() { return a("ff3e::8000:1"); }
    static Ipv6Address own() { return a("fe80::100"); }
    static Ipv6Address lower() { return a("fe80::1"); }
    static Ipv6Address higher() { return a("fe80::ffff"); }
    static std::vector<Ipv6Address> invalid_sources() { return {a("ff0e::1"), a("::1"), a("::")}; }
    // Item 26's report: only the last group may get state.
    static std::vector<Ipv6Address> ignored_groups() {
        return {a("ff02::1"), a("ff01::5"), a("ff00::9"), a("2001:db8::1"), a("ff05::")};
    }
    static Ipv6Address tracked_group() { return a("ff0e::1:2"); }
    static constexpr std::uint64_t kLinkScope = 3, kNotMulticast = 1, kReserved = 1;
};

template <>
struct Net<Ipv4Family> {
    static Ipv4Address a(const std::string& text) { return *Ipv4Address::parse(text); }
    static Ipv4Address source(int i) { return a("192.0.2." + std::to_string(100 + i)); }
    static Ipv4Address group(int n = 0) { return a("239.1.1." + std::to_string(1 + n)); }
    static Ipv4Address ssm_group() { return a("232.1.1.1"); }
    static Ipv4Address own() { return a("198.51.100.100"); }
    static Ipv4Address lower() { return a("198.51.100.1"); }
    static Ipv4Address higher() { return a("198.51.100.254"); }
    static std::vector<Ipv4Address> invalid_sources() {
        return {a("224.0.0.5"), a("127.0.0.1"), a("0.0.0.0")};
    }
    static std::vector<Ipv4Address> ignored_groups() { return {a("224.0.0.1"), a("10.0.0.1")}; }
    static Ipv4Address tracked_group() { return a("239.2.2.2"); }
    static constexpr std::uint64_t kLinkScope = 1, kNotMulticast = 1, kReserved = 0;
};

struct FamilyNames {
    template <class T>
    static std::string GetName(int) {
        return std::is_same_v<T, Ipv6Family> ? "Mld" : "Igmp";
    }
};

std::int64_t to_ms(TimePoint t) {
    return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

template <class F>
class RouterLinkTest : public ::testing::Test {
protected:
    using A = typename F::Address;
    using Link = RouterLink<F>;
    using Output = typename Link::Output;

    typename Link::Config config = [] {
        typename Link::Config c;
        c.vars = fast_test_profile();
        c.own_address = Net<F>::own();
        return c;
    }();
    std::unique_ptr<Link> link;
    std::vector<std::pair<std::int64_t, Output>> log; // every output with its time

    static A src(int i) { return Net<F>::source(i); }
    static A g() { return Net<F>::group(); }
    static SourceSet<A> set(const std::vector<int>& list) {
        SourceSet<A> s;
        for (int i : list) {
            s.insert(src(i));
        }
        return s;
    }

    void start(std::int64_t ms = 0) {
        link = std::make_unique<Link>(config, at_ms(ms));
        advance(ms);
    }
    void collect(TimePoint t) {
        for (auto& o : link->take_outputs()) {
            log.emplace_back(to_ms(t), std::move(o));
        }
    }
    // Runs every deadline up to and including `ms`, as the engine's loop would.
    void advance(std::int64_t ms) {
        for (TimePoint t = link->next_deadline(); t <= at_ms(ms); t = link->next_deadline()) {
            link->on_timer(t);
            collect(t);
        }
    }
    void record(RecordType type, const std::vector<int>& sources, std::int64_t ms, A group = g()) {
        advance(ms);
        link->on_record(GroupRecord<A>{type, group, set(sources)}, at_ms(ms));
        collect(at_ms(ms));
    }
    void old_report(std::int64_t ms, std::uint8_t version = F::kNewestVersion - 1, A group = g()) {
        advance(ms);
        link->on_old_report(group, version, at_ms(ms));
        collect(at_ms(ms));
    }
    void old_leave(std::int64_t ms, A group = g()) {
        advance(ms);
        link->on_old_leave(group, at_ms(ms));
        collect(at_ms(ms));
    }
    ReceivedQuery<A> query_from(const A& source, A group = A{}) {
        ReceivedQuery<A> q;
        q.version = F::kNewestVersion;
        q.source = source;
        q.group = group;
        q.max_response = milliseconds{300};
        return q;
    }
    void receive(const ReceivedQuery<A>& q, std::int64_t ms) {
        advance(ms);
        link->on_query(q, at_ms(ms));
        collect(at_ms(ms));
    }

    // "1 2 4": which of S1..S4 the link forwards for `group`.
    std::string fwd(A group = g()) const {
        std::string out;
        for (int i = 1; i <= 4; ++i) {
            if (link->forwards(group, src(i))) {
                out += (out.empty() ? "" : " ") + std::to_string(i);
            }
        }
        return out;
    }
    static std::string name(const A& a) {
        for (int i = 1; i <= 9; ++i) {
            if (src(i) == a) {
                return std::to_string(i);
            }
        }
        return a.to_string();
    }
    // Specific queries sent, as "@1000 Q(2,4) S=0".
    std::vector<std::string> specific_queries() const {
        std::vector<std::string> out;
        for (const auto& [ms, o] : log) {
            const auto* q = std::get_if<SendQuery<A>>(&o);
            if (q == nullptr || q->is_general()) {
                continue;
            }
            std::ostringstream s;
            s << '@' << ms << " Q(";
            bool first = true;
            for (const auto& a : q->sources) {
                s << (first ? "" : ",") << name(a);
                first = false;
            }
            s << ") S=" << q->suppress_router_side;
            out.push_back(s.str());
        }
        return out;
    }
    std::vector<std::int64_t> general_query_times() const {
        std::vector<std::int64_t> out;
        for (const auto& [ms, o] : log) {
            const auto* q = std::get_if<SendQuery<A>>(&o);
            if (q != nullptr && q->is_general()) {
                out.push_back(ms);
            }
        }
        return out;
    }
    template <class T>
    std::vector<std::int64_t> times_of() const {
        std::vector<std::int64_t> out;
        for (const auto& [ms, o] : log) {
            if (std::holds_alternative<T>(o)) {
                out.push_back(ms);
            }
        }
        return out;
    }
    template <class T>
    std::vector<T> all_of() const {
        std::vector<T> out;
        for (const auto& [ms, o] : log) {
            if (const auto* t = std::get_if<T>(&o)) {
                out.push_back(*t);
            }
        }
        return out;
    }
};

using Families = ::testing::Types<Ipv6Family, Ipv4Family>;
TYPED_TEST_SUITE(RouterLinkTest, Families, FamilyNames);

// ---------------------------------------------------------------------------------
// Items 17–22: the table-driven vectors. Preconditions at t = 0, trigger at 1000,
// "after LLQT" at 1600; the run goes on to 3000 so that a query too many would show.
// ---------------------------------------------------------------------------------
struct Step {
    RecordType type;
    std::vector<int> sources;
};

struct Vector {
    const char* name;
    std::vector<Step> precondition;
    Step trigger;
    std::string fwd_now;
    std::vector<std::string> queries;
    std::string fwd_after;
};

const std::vector<Vector>& vectors() {
    using R = RecordType;
    static const std::vector<Vector> v = {
        {"CS1", {{R::AllowNewSources, {1, 2}}}, {R::ModeIsInclude, {2, 3}}, "1 2 3", {}, "1 2 3"},
        {"CS2", {{R::AllowNewSources, {1, 2}}}, {R::ModeIsExclude, {2, 3}}, "1 2 4", {}, "1 2 4"},
        {"CS3",
         {{R::ModeIsExclude, {2}}, {R::AllowNewSources, {1}}},
         {R::ModeIsInclude, {2, 3}},
         "1 2 3 4",
         {},
         "1 2 3 4"},
        {"CS4",
         {{R::ModeIsExclude, {2, 3}}, {R::AllowNewSources, {1}}},
         {R::ModeIsExclude, {3, 4}},
         "1 2 4",
         {},
         "1 2 4"},
        {"SC1", {{R::AllowNewSources, {1}}}, {R::AllowNewSources, {2}}, "1 2", {}, "1 2"},
        {"SC2",
         {{R::AllowNewSources, {1, 2}}},
         {R::BlockOldSources, {2, 3}},
         "1 2",
         {"@1000 Q(2) S=0", "@1300 Q(2) S=0"},
         "1"},
        {"SC3",
         {{R::AllowNewSources, {1, 2}}},
         {R::ChangeToExcludeMode, {2, 3}},
         "1 2 4",
         {"@1000 Q(2) S=0", "@1300 Q(2) S=0"},
         "1 4"},
        {"SC4",
         {{R::AllowNewSources, {1, 2}}},
         {R::ChangeToIncludeMode, {2, 3}},
         "1 2 3",
         {"@1000 Q(1) S=0", "@1300 Q(1) S=0"},
         "2 3"},
        {"SC5",
         {{R::ModeIsExclude, {2}}, {R::AllowNewSources, {1}}},
         {R::AllowNewSources, {2, 3}},
         "1 2 3 4",
         {},
         "1 2 3 4"},
        {"SC6",
         {{R::ModeIsExclude, {2}}, {R::AllowNewSources, {1}}},
         {R::BlockOldSources, {1, 2, 3}},
         "1 3 4",
         {"@1000 Q(1,3) S=0", "@1300 Q(1,3) S=0"},
         "4"},
        {"SC7",
         {{R::ModeIsExclude, {3}}, {R::AllowNewSources, {1, 2}}},
         {R::ChangeToExcludeMode, {2, 3, 4}},
         "1 2 4",
         {"@1000 Q(2,4) S=0", "@1300 Q(2,4) S=0"},
         "1"},
        {"SC8",
         {{R::ModeIsExclude, {2}}, {R::AllowNewSources, {1}}},
         {R::ChangeToIncludeMode, {3}},
         "1 3 4",
         {"@1000 Q() S=0", "@1000 Q(1) S=0", "@1300 Q() S=0", "@1300 Q(1) S=0"},
         "3"},
        {"SC9",
         {{R::ModeIsExclude, {}}},
         {R::ChangeToIncludeMode, {}},
         "1 2 3 4",
         {"@1000 Q() S=0", "@1300 Q() S=0"},
         ""},
        {"NULL", {{R::AllowNewSources, {1}}}, {R::BlockOldSources, {3}}, "1", {}, "1"},
    };
    return v;
}

TYPED_TEST(RouterLinkTest, ConformanceVectors) {
    for (const auto& v : vectors()) {
        SCOPED_TRACE(v.name);
        this->log.clear();
        this->start();
        for (const auto& step : v.precondition) {
            this->record(step.type, step.sources, 0);
        }
        this->record(v.trigger.type, v.trigger.sources, 1000);
        EXPECT_EQ(this->fwd(), v.fwd_now);
        this->advance(1599);
        EXPECT_EQ(this->fwd(), v.fwd_now) << "forwarding continues for LLQT (§7.4.2)";
        this->advance(1600);
        EXPECT_EQ(this->fwd(), v.fwd_after);
        this->advance(3000);
        EXPECT_EQ(this->specific_queries(), v.queries);
        // Every specific query: to the group, the link's version, MRC = LLQI, QRV, QQIC.
        for (const auto& q : this->template all_of<SendQuery<typename TypeParam::Address>>()) {
            if (q.is_general()) {
                continue;
            }
            EXPECT_EQ(q.group, this->g());
            EXPECT_EQ(q.version, TypeParam::kNewestVersion);
            EXPECT_EQ(q.max_response, milliseconds{300});
            EXPECT_EQ(q.robustness, 2U);
            EXPECT_EQ(q.query_interval, milliseconds{4000});
        }
    }
}

// The end states the vectors name.
TYPED_TEST(RouterLinkTest, VectorStatesAreExact) {
    this->start();
    this->record(RecordType::ModeIsExclude, {2, 3}, 0); // CS4: EXCLUDE({1},{2,3})
    this->record(RecordType::AllowNewSources, {1}, 0);
    this->record(RecordType::ModeIsExclude, {3, 4}, 1000);
    const auto* group = this->link->find(this->g());
    ASSERT_NE(group, nullptr);
    EXPECT_EQ(group->requested(), this->set({4}));
    EXPECT_EQ(group->excluded(), this->set({3}));
    EXPECT_EQ(group->filter_timer(), at_ms(11000));
}

TYPED_TEST(RouterLinkTest, Sc9DeletesTheRecordAndReportsIt) {
    this->start();
    this->record(RecordType::ModeIsExclude, {}, 0);
    this->record(RecordType::ChangeToIncludeMode, {}, 1000);
    EXPECT_EQ(this->link->group_count(), 1U);
    this->advance(1600);
    EXPECT_EQ(this->link->group_count(), 0U);
    EXPECT_EQ(this->link->find(this->g()), nullptr);
    EXPECT_EQ(this->template times_of<MembershipChanged<typename TypeParam::Address>>(),
              (std::vector<std::int64_t>{0, 1600}));
    EXPECT_EQ(this->link->contribution(this->g()), MembershipState<typename TypeParam::Address>{});
}

// CS2's afterthought: S2 (timer MALI = 10 s from t0) moves to Y at 10000, the Filter
// Timer (MALI from the IS_EX at 1000) ends the record at 11000 — or keeps INCLUDE{S2} if
// refreshed.
TYPED_TEST(RouterLinkTest, Cs2AtMali) {
    this->start();
    this->record(RecordType::AllowNewSources, {1, 2}, 0);
    this->record(RecordType::ModeIsExclude, {2, 3}, 1000);
    this->advance(9999);
    EXPECT_EQ(this->fwd(), "1 2 4");
    this->advance(10000);
    EXPECT_EQ(this->fwd(), "1 4");
    this->advance(10999);
    EXPECT_EQ(this->link->group_count(), 1U);
    this->advance(11000);
    EXPECT_EQ(this->link->group_count(), 0U);

    this->log.clear();
    this->start();
    this->record(RecordType::AllowNewSources, {1, 2}, 0);
    this->record(RecordType::ModeIsExclude, {2, 3}, 1000);
    this->record(RecordType::ModeIsInclude, {2}, 5000);
    this->advance(11000);
    EXPECT_EQ(this->fwd(), "2");
    EXPECT_EQ(this->link->find(this->g())->mode(), FilterMode::Include);
}

TYPED_TEST(RouterLinkTest, Sq1SecondGroupQueryHasSWhenAnotherListenerAnswers) {
    this->start();
    this->record(RecordType::ModeIsExclude, {}, 0);
    this->record(RecordType::ChangeToIncludeMode, {}, 1000); // h1a leaves
    this->record(RecordType::ModeIsExclude, {}, 1100);       // h1b answers
    this->advance(3000);
    EXPECT_EQ(this->specific_queries(),
              (std::vector<std::string>{"@1000 Q() S=0", "@1300 Q() S=1"}));
    EXPECT_EQ(this->fwd(), "1 2 3 4");
}

TYPED_TEST(RouterLinkTest, Sq2RetransmissionCarriesRefreshedSourceWithS) {
    this->start();
    this->record(RecordType::AllowNewSources, {1, 2}, 0);
    this->record(RecordType::BlockOldSources, {1}, 1000);
    this->record(RecordType::ModeIsInclude, {1}, 1100);
    this->advance(3000);
    EXPECT_EQ(this->specific_queries(),
              (std::vector<std::string>{"@1000 Q(1) S=0", "@1300 Q(1) S=1"}));
    EXPECT_EQ(this->fwd(), "1 2");
}

TYPED_TEST(RouterLinkTest, To1FilterThenSourceExpiry) {
    this->start();
    this->record(RecordType::ModeIsExclude, {2}, 0);
    this->record(RecordType::AllowNewSources, {1}, 3000);
    EXPECT_EQ(this->fwd(), "1 3 4");
    this->advance(9999);
    EXPECT_EQ(this->fwd(), "1 3 4");
    this->advance(10000);
    EXPECT_EQ(this->fwd(), "1");
    this->advance(12999);
    EXPECT_EQ(this->fwd(), "1");
    this->advance(13000);
    EXPECT_EQ(this->fwd(), "");
    EXPECT_EQ(this->link->group_count(), 0U);
    EXPECT_EQ(this->template times_of<MembershipChanged<typename TypeParam::Address>>(),
              (std::vector<std::int64_t>{0, 10000, 13000})); // ALLOW{S1} in EXCLUDE: same answer
    EXPECT_TRUE(this->specific_queries().empty());
}

// A refresh that changes nothing a listener could see emits no MembershipChanged.
TYPED_TEST(RouterLinkTest, MembershipChangedOnlyOnChange) {
    this->start();
    this->record(RecordType::AllowNewSources, {1}, 0);
    this->record(RecordType::ModeIsInclude, {1}, 1000);
    this->record(RecordType::AllowNewSources, {2}, 2000);
    EXPECT_EQ(this->template times_of<MembershipChanged<typename TypeParam::Address>>(),
              (std::vector<std::int64_t>{0, 2000}));
    EXPECT_EQ(this->link->counters().records_processed, 3U);
}

// ---------------------------------------------------------------------------------
// Querier: General Queries (14), election outputs (15), deadlines.
// ---------------------------------------------------------------------------------

TYPED_TEST(RouterLinkTest, GeneralQueriesCarryTheConfiguredValues) {
    this->start();
    this->advance(9000);
    EXPECT_EQ(this->general_query_times(), (std::vector<std::int64_t>{0, 1000, 5000, 9000}));
    const auto first = this->template all_of<SendQuery<typename TypeParam::Address>>().front();
    EXPECT_EQ(first.version, TypeParam::kNewestVersion);
    EXPECT_EQ(first.group, typename TypeParam::Address{});
    EXPECT_TRUE(first.sources.empty());
    EXPECT_FALSE(first.suppress_router_side);
    EXPECT_EQ(first.max_response, milliseconds{1000});
    EXPECT_EQ(first.robustness, 2U);
    EXPECT_EQ(first.query_interval, milliseconds{4000});
    EXPECT_EQ(this->link->counters().general_queries_sent, 4U);
}

TYPED_TEST(RouterLinkTest, ElectionLostAndRegainedEmitsQuerierChanged) {
    using A = typename TypeParam::Address;
    this->start();
    this->receive(this->query_from(Net<TypeParam>::higher()), 500);
    this->receive(this->query_from(Net<TypeParam>::own()), 600);
    EXPECT_TRUE(this->link->is_querier());
    EXPECT_EQ(this->link->counters().ignored_own_queries, 1U);
    this->receive(this->query_from(Net<TypeParam>::lower()), 700);
    EXPECT_FALSE(this->link->is_querier());
    this->advance(9199);
    EXPECT_EQ(this->general_query_times(), (std::vector<std::int64_t>{0}));
    this->advance(9200); // 700 + OQPT
    EXPECT_EQ(this->general_query_times(), (std::vector<std::int64_t>{0, 9200}));
    EXPECT_EQ(this->template all_of<QuerierChanged<A>>(),
              (std::vector<QuerierChanged<A>>{{false, Net<TypeParam>::lower()},
                                              {true, Net<TypeParam>::own()}}));
    EXPECT_EQ(this->template times_of<QuerierChanged<A>>(), (std::vector<std::int64_t>{700, 9200}));
    // Each change is also one Transition, for the debug log.
    EXPECT_EQ(this->template all_of<Transition<A>>(),
              (std::vector<Transition<A>>{{StateMachine::Querier, A{}, "Querier",
                                           "query received from a router with a lower IP address",
                                           "Non-Querier"},
                                          {StateMachine::Querier, A{}, "Non-Querier",
                                           "other querier present timer expired", "Querier"}}));
    EXPECT_EQ(this->template times_of<Transition<A>>(), (std::vector<std::int64_t>{700, 9200}));
    EXPECT_EQ(this->link->counters().querier_transitions, 2U);
    EXPECT_EQ(this->link->next_deadline(), at_ms(13200));
}

TYPED_TEST(RouterLinkTest, NextDeadlineIsTheEarliestOfQuerierAndGroups) {
    this->start();
    EXPECT_EQ(this->link->next_deadline(), at_ms(1000));
    this->record(RecordType::AllowNewSources, {1}, 500); // 9500
    this->advance(1000);
    EXPECT_EQ(this->link->next_deadline(), at_ms(5000));
    this->record(RecordType::BlockOldSources, {1}, 2000); // lowered to 2600, retransmit 2300
    EXPECT_EQ(this->link->next_deadline(), at_ms(2300));
    this->advance(2300);
    EXPECT_EQ(this->link->next_deadline(), at_ms(2600));
    this->advance(2600);
    EXPECT_EQ(this->link->group_count(), 0U);
    EXPECT_EQ(this->link->next_deadline(), at_ms(5000));
}

// Item 22 / RFC 2710 §4, RFC 2236 §3: a retransmission under way finishes even if the
// election is lost meanwhile; nothing new is started afterwards.
TYPED_TEST(RouterLinkTest, RetransmissionFinishesAfterLostElection) {
    this->start();
    this->record(RecordType::AllowNewSources, {1, 2}, 0);
    this->record(RecordType::BlockOldSources, {1}, 1000);
    this->receive(this->query_from(Net<TypeParam>::lower()), 1100);
    this->record(RecordType::BlockOldSources, {2}, 1200);
    this->advance(3000);
    EXPECT_EQ(this->specific_queries(),
              (std::vector<std::string>{"@1000 Q(1) S=0", "@1300 Q(1) S=0"}));
    EXPECT_EQ(this->fwd(), "2");
}

// ---------------------------------------------------------------------------------
// Item 16: Non-Querier duties.
// ---------------------------------------------------------------------------------

TYPED_TEST(RouterLinkTest, NonQuerierSendsNothingAndIgnoresLeaves) {
    this->start();
    auto q = this->query_from(Net<TypeParam>::lower());
    q.robustness = 3;
    q.query_interval = milliseconds{6000};
    this->receive(q, 100);
    // (a) a join and a TO_IN({}): no query.
    this->record(RecordType::ModeIsExclude, {}, 200);
    this->record(RecordType::ChangeToIncludeMode, {}, 300);
    // (d) an MLDv1 Done / IGMPv2 Leave: no effect at all.
    this->old_leave(400);
    EXPECT_EQ(this->link->counters().ignored_leave_non_querier, 1U);
    this->advance(5000);
    EXPECT_TRUE(this->specific_queries().empty());
    EXPECT_EQ(this->general_query_times(), (std::vector<std::int64_t>{0}));
    // (c) adopted QRV 3, QQI 6 s: the state lives 3·6 + 2·QRI = 20 s from the last report.
    const auto* group = this->link->find(this->g());
    ASSERT_NE(group, nullptr);
    EXPECT_EQ(group->filter_timer(), at_ms(200 + 20000));
}

TYPED_TEST(RouterLinkTest, NonQuerierLowersOnQuerierGroupQuery) {
    this->start();
    auto q = this->query_from(Net<TypeParam>::lower());
    q.robustness = 3;
    this->receive(q, 100);
    this->record(RecordType::ModeIsExclude, {}, 200);
    // (b) Q(G), S = 0, from the querier: Filter Timer → LLQT = 0.3 s · 3.
    auto specific = this->query_from(Net<TypeParam>::lower(), this->g());
    specific.robustness = 3;
    this->receive(specific, 1000);
    EXPECT_EQ(this->link->find(this->g())->filter_timer(), at_ms(1900));
    this->advance(1899);
    EXPECT_EQ(this->fwd(), "1 2 3 4");
    this->advance(1900);
    EXPECT_EQ(this->link->group_count(), 0U);
    EXPECT_EQ(this->template times_of<MembershipChanged<typename TypeParam::Address>>(),
              (std::vector<std::int64_t>{200, 1900}));
}

TYPED_TEST(RouterLinkTest, QueriesWithSFlagOrFromOurselvesDoNotLower) {
    this->start();
    this->record(RecordType::ModeIsExclude, {1}, 0);
    this->record(RecordType::AllowNewSources, {2}, 0);
    auto q = this->query_from(Net<TypeParam>::lower(), this->g());
    q.suppress_router_side = true;
    this->receive(q, 1000);
    auto own = this->query_from(Net<TypeParam>::own(), this->g());
    this->receive(own, 1000);
    EXPECT_EQ(this->link->find(this->g())->filter_timer(), at_ms(10000));
    // Q(G,{2}) with S = 0 lowers only S2's timer.
    auto qs = this->query_from(Net<TypeParam>::lower(), this->g());
    qs.sources = this->set({2});
    this->receive(qs, 2000);
    EXPECT_EQ(this->link->find(this->g())->sources().front().expires, at_ms(2600));
    EXPECT_EQ(this->link->find(this->g())->filter_timer(), at_ms(10000));
}

// RFC 2710 §4 / RFC 2236 §3: an MLDv1 / IGMPv2 group-specific query has no S flag; the
// timer goes to LLQC × its Maximum Response Delay.
TYPED_TEST(RouterLinkTest, OldVersionGroupQueryLowersToLlqcTimesMrd) {
    this->start();
    this->old_report(0);
    auto q = this->query_from(Net<TypeParam>::lower(), this->g());
    q.version = TypeParam::kNewestVersion - 1;
    q.max_response = milliseconds{1000};
    this->receive(q, 1000);
    EXPECT_EQ(this->link->find(this->g())->filter_timer(), at_ms(3000));
}

// ---------------------------------------------------------------------------------
// Items 23–25: older versions.
// ---------------------------------------------------------------------------------

// Item 25: MLDv1 host (MLD) / IGMPv2 host (IGMP): BLOCK ignored, TO_EX(x) = TO_EX({});
// after OVHPT the group is back to the newest version and TO_EX({S1}) blocks S1.
TYPED_TEST(RouterLinkTest, OlderHostCompatibilityAndReturn) {
    this->start();
    this->old_report(0);
    const auto* group = this->link->find(this->g());
    ASSERT_NE(group, nullptr);
    EXPECT_EQ(group->compatibility_version(), TypeParam::kNewestVersion - 1);
    EXPECT_EQ(group->older_host_present(TypeParam::kNewestVersion - 1), at_ms(9000));
    this->record(RecordType::BlockOldSources, {1}, 1000);
    this->record(RecordType::ChangeToExcludeMode, {1}, 1000);
    EXPECT_EQ(this->fwd(), "1 2 3 4");
    EXPECT_TRUE(this->specific_queries().empty());
    EXPECT_EQ(this->link->counters().ignored_compat, 1U);
    this->record(RecordType::ModeIsExclude, {}, 8000); // a new-version host keeps it alive
    this->advance(9000);
    EXPECT_EQ(this->link->find(this->g())->compatibility_version(), TypeParam::kNewestVersion);
    this->record(RecordType::ChangeToExcludeMode, {1}, 10000);
    EXPECT_EQ(this->fwd(), "1 2 3 4");
    this->advance(10600);
    EXPECT_EQ(this->specific_queries(),
              (std::vector<std::string>{"@10000 Q(1) S=0", "@10300 Q(1) S=0"}));
    EXPECT_EQ(this->fwd(), "2 3 4");
}

// Item 25: a Done / Leave in compatibility mode is TO_IN({}): Q(G) LLQC times, then gone.
TYPED_TEST(RouterLinkTest, OldReportThenLeave) {
    this->start();
    this->old_report(0);
    this->old_leave(1000);
    this->advance(1600);
    EXPECT_EQ(this->specific_queries(),
              (std::vector<std::string>{"@1000 Q() S=0", "@1300 Q() S=0"}));
    EXPECT_EQ(this->link->group_count(), 0U);
    EXPECT_EQ(this->link->counters().old_reports_processed, 1U);
    EXPECT_EQ(this->link->counters().old_leaves_processed, 1U);
}

// M18: a Done / Leave for a group never joined: no query, no state.
TYPED_TEST(RouterLinkTest, LeaveForAbsentGroupDoesNothing) {
    this->start();
    this->old_leave(1000);
    EXPECT_TRUE(this->specific_queries().empty());
    EXPECT_EQ(this->link->group_count(), 0U);
    EXPECT_EQ(this->link->counters().ignored_leave_absent, 1U);
}

TYPED_TEST(RouterLinkTest, OldReportOfTheNewestVersionIsRefused) {
    this->start();
    this->old_report(0, TypeParam::kNewestVersion);
    this->old_report(0, 0);
    EXPECT_EQ(this->link->group_count(), 0U);
    EXPECT_EQ(this->link->counters().ignored_version, 2U);
}

// Items 23/24: a link configured for the previous version (MLDv1, IGMPv2).
TYPED_TEST(RouterLinkTest, ConfiguredOlderVersionLink) {
    const std::uint8_t old = TypeParam::kNewestVersion - 1;
    this->config.version = old;
    this->start();
    this->record(RecordType::ModeIsExclude, {}, 0);
    EXPECT_EQ(this->link->group_count(), 0U);
    EXPECT_EQ(this->link->counters().ignored_version, 1U);
    this->old_report(0);
    this->old_leave(1000);
    this->advance(1600);
    const auto queries = this->template all_of<SendQuery<typename TypeParam::Address>>();
    ASSERT_EQ(queries.size(), 4U); // GQ at 0 and 1000, Q(G) at 1000 and 1300
    for (const auto& q : queries) {
        EXPECT_EQ(q.version, old);
        EXPECT_FALSE(q.suppress_router_side);
        EXPECT_TRUE(q.sources.empty());
    }
    EXPECT_EQ(this->specific_queries(),
              (std::vector<std::string>{"@1000 Q() S=0", "@1300 Q() S=0"}));
    EXPECT_EQ(this->link->group_count(), 0U);
}

// ---------------------------------------------------------------------------------
// Items 26, 27, M8: what never becomes state.
// ---------------------------------------------------------------------------------

TYPED_TEST(RouterLinkTest, Item26OnlyTrackableGroupsGetState) {
    using N = Net<TypeParam>;
    this->start();
    for (const auto& group : N::ignored_groups()) {
        this->record(RecordType::ModeIsExclude, {}, 0, group);
    }
    this->record(RecordType::ModeIsExclude, {}, 0, N::tracked_group());
    EXPECT_EQ(this->link->group_count(), 1U);
    EXPECT_NE(this->link->find(N::tracked_group()), nullptr);
    EXPECT_EQ(this->link->counters().ignored_link_scope, N::kLinkScope);
    EXPECT_EQ(this->link->counters().ignored_not_multicast, N::kNotMulticast);
    EXPECT_EQ(this->link->counters().ignored_reserved, N::kReserved);
    EXPECT_EQ(this->link->counters().records_processed, 1U);
}

TYPED_TEST(RouterLinkTest, Item27SsmIgnoresNonSourceSpecificMessages) {
    using N = Net<TypeParam>;
    const auto sg = N::ssm_group();
    this->start();
    this->record(RecordType::ModeIsExclude, {}, 0, sg);
    this->record(RecordType::ChangeToExcludeMode, {2}, 0, sg);
    this->old_report(0, TypeParam::kNewestVersion - 1, sg);
    this->old_report(0, 1, sg);
    EXPECT_EQ(this->link->group_count(), 0U);
    this->record(RecordType::AllowNewSources, {1}, 0, sg); // same report: processed
    EXPECT_EQ(this->fwd(sg), "1");
    this->old_leave(1000, sg);
    EXPECT_EQ(this->link->counters().ignored_ssm, 5U);
    const auto* group = this->link->find(sg);
    ASSERT_NE(group, nullptr);
    EXPECT_EQ(group->compatibility_version(), TypeParam::kNewestVersion);
    EXPECT_EQ(group->mode(), FilterMode::Include);
    // TO_IN and BLOCK are source-specific and stay: a leave of S1 queries it.
    this->record(RecordType::BlockOldSources, {1}, 2000, sg);
    EXPECT_EQ(this->specific_queries(), (std::vector<std::string>{"@2000 Q(1) S=0"}));
}

TYPED_TEST(RouterLinkTest, InvalidSourcesAreDropped) {
    this->start();
    SourceSet<typename TypeParam::Address> sources = this->set({1});
    for (const auto& bad : Net<TypeParam>::invalid_sources()) {
        sources.insert(bad);
    }
    this->link->on_record({RecordType::AllowNewSources, this->g(), sources}, at_ms(0));
    EXPECT_EQ(this->link->find(this->g())->requested(), this->set({1}));
    EXPECT_EQ(this->link->counters().ignored_invalid_sources, 3U);
}

// ---------------------------------------------------------------------------------
// M7: limits.
// ---------------------------------------------------------------------------------

TYPED_TEST(RouterLinkTest, GroupCapRefusesNewGroupsKeepsExisting) {
    using A = typename TypeParam::Address;
    this->config.max_groups = 2;
    this->start();
    this->record(RecordType::ModeIsExclude, {}, 0, Net<TypeParam>::group(1));
    this->record(RecordType::ModeIsExclude, {}, 0, Net<TypeParam>::group(2));
    this->record(RecordType::ModeIsExclude, {}, 0, Net<TypeParam>::group(3));
    this->record(RecordType::BlockOldSources, {1}, 0, Net<TypeParam>::group(4)); // no state
    EXPECT_EQ(this->link->group_count(), 2U);
    EXPECT_EQ(this->link->find(Net<TypeParam>::group(3)), nullptr);
    EXPECT_EQ(this->link->counters().group_limit_hits, 1U);
    EXPECT_EQ(this->link->counters().records_processed, 3U); // the refused one is not
    EXPECT_EQ(this->template all_of<LimitReached<A>>(),
              (std::vector<LimitReached<A>>{{LimitKind::Groups, Net<TypeParam>::group(3)}}));
    // The refused group's own outputs are gone with it: no INCLUDE -> EXCLUDE for it.
    std::vector<A> moved;
    for (const auto& t : this->template all_of<Transition<A>>()) {
        moved.push_back(t.group);
    }
    EXPECT_EQ(moved, (std::vector<A>{Net<TypeParam>::group(1), Net<TypeParam>::group(2)}));
    this->record(RecordType::ModeIsExclude, {}, 1000, Net<TypeParam>::group(1)); // refresh
    EXPECT_EQ(this->link->find(Net<TypeParam>::group(1))->filter_timer(), at_ms(11000));
}

TYPED_TEST(RouterLinkTest, SourceCapRefusesNewSources) {
    using A = typename TypeParam::Address;
    this->config.max_sources_per_group = 3;
    this->start();
    this->record(RecordType::AllowNewSources, {1, 2, 3, 4, 5}, 0);
    EXPECT_EQ(this->link->find(this->g())->requested(), this->set({1, 2, 3}));
    EXPECT_EQ(this->link->counters().source_limit_hits, 2U); // source records, not messages
    EXPECT_EQ(this->template all_of<LimitReached<A>>(),
              (std::vector<LimitReached<A>>{{LimitKind::SourcesPerGroup, this->g(), 2}}));
}

TYPED_TEST(RouterLinkTest, ForEachGroupVisitsEveryGroup) {
    this->start();
    this->record(RecordType::AllowNewSources, {1}, 0, Net<TypeParam>::group(1));
    this->record(RecordType::ModeIsExclude, {2}, 0, Net<TypeParam>::group(2));
    std::size_t include = 0;
    std::size_t exclude = 0;
    this->link->for_each_group([&](const auto& address, const auto& group) {
        EXPECT_EQ(address, group.group());
        ++(group.mode() == FilterMode::Include ? include : exclude);
    });
    EXPECT_EQ(include, 1U);
    EXPECT_EQ(exclude, 1U);
}

} // namespace

// IGMP only: IGMPv1 hosts and IGMPv1-configured links.
namespace {

class RouterLinkIgmpV1 : public RouterLinkTest<Ipv4Family> {};

// Item 25: with an IGMPv1 host present a Leave and TO_IN({}) are ignored: no query,
// forwarding continues until GMI.
TEST_F(RouterLinkIgmpV1, V1HostMakesLeavesIgnored) {
    start();
    old_report(0, 1);
    old_leave(1000);
    record(RecordType::ChangeToIncludeMode, {}, 1000);
    EXPECT_TRUE(specific_queries().empty());
    EXPECT_EQ(link->counters().ignored_compat, 2U);
    advance(9999);
    EXPECT_EQ(fwd(), "1 2 3 4");
    advance(10000);
    EXPECT_EQ(link->group_count(), 0U);
}

// Item 24: a link configured for IGMPv1 ignores Leaves and queries in version 1.
TEST_F(RouterLinkIgmpV1, ConfiguredV1Link) {
    config.version = 1;
    start();
    old_report(0, 2);
    old_leave(1000);
    EXPECT_TRUE(specific_queries().empty());
    EXPECT_EQ(all_of<SendQuery<Ipv4Address>>().front().version, 1);
    EXPECT_EQ(link->find(g())->compatibility_version(), 1);
}

} // namespace
