// SPDX-License-Identifier: BSD-3-Clause
// RouterGroup against the tables of RFC 3810 §7.4.1/§7.4.2 and RFC 3376 §6.4.1/§6.4.2,
// row by row, for both families; timer expiries (§7.2.2, §7.2.3, §7.5); specific-query
// building (§7.6.3); §7.6.1 lowering; older-version compatibility (§8.3.2 / §7.3.2);
// the outputs each appends to the link's queue, state transitions included.
// Fast profile: MALI = 2·4 s + 2·1 s = 10 s (RFC 9777 §9.4, RFC 9776 §8.4), OVHPT =
// 2·4 s + 1 s = 9 s (§9.13, §8.13), LLQI = 0.3 s, LLQT = 0.6 s.
#include "ecmh/proto/router_group.hpp"
#include "support/proto_printers.hpp"

#include <chrono>
#include <cstdint>
#include <gtest/gtest.h>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

using namespace ecmh::proto;
using ecmh::net::Ipv4Address;
using ecmh::net::Ipv6Address;
using ecmh::wire::RecordType;

namespace {

template <class F>
struct Net;

template <>
struct Net<Ipv6Family> {
    static Ipv6Address source(int i) {
        return *Ipv6Address::parse("2001:db8:1::" + std::to_string(i));
    }
    static Ipv6Address group() { return *Ipv6Address::parse("ff0e::1:1000"); }
};

template <>
struct Net<Ipv4Family> {
    static Ipv4Address source(int i) {
        return *Ipv4Address::parse("192.0.2." + std::to_string(100 + i));
    }
    static Ipv4Address group() { return *Ipv4Address::parse("239.1.1.1"); }
};

struct FamilyNames {
    template <class T>
    static std::string GetName(int) {
        return std::is_same_v<T, Ipv6Family> ? "Mld" : "Igmp";
    }
};

constexpr std::int64_t kNever_ms = -1;

std::int64_t to_ms(TimePoint t) {
    return t == kNever ? kNever_ms
                       : std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch())
                             .count();
}

// A source by index with its deadline in ms.
struct Src {
    int s;
    std::int64_t ms;
};

// What one call appended to the queue, by kind. A group emits nothing else.
template <class A>
struct Appended {
    std::vector<SendQuery<A>> sent;
    std::vector<Transition<A>> transitions;
    std::uint64_t refused = 0; // sources, over every LimitReached
    std::size_t limits = 0;    // LimitReached outputs
};

template <class A>
Appended<A> split(RouterOutputs<A>& out) {
    Appended<A> got;
    for (auto& o : out.take()) {
        if (auto* q = std::get_if<SendQuery<A>>(&o)) {
            got.sent.push_back(std::move(*q));
        } else if (auto* t = std::get_if<Transition<A>>(&o)) {
            got.transitions.push_back(*t);
        } else if (auto* l = std::get_if<LimitReached<A>>(&o)) {
            EXPECT_EQ(l->kind, LimitKind::SourcesPerGroup);
            got.refused += l->refused;
            ++got.limits;
        } else {
            ADD_FAILURE() << "a group emitted a link-level output";
        }
    }
    return got;
}

template <class F>
class RouterGroupTest : public ::testing::Test {
protected:
    using A = typename F::Address;
    using Ctx = GroupContext;

    ProtocolVariables vars = fast_test_profile();
    RouterGroup<F> group{Net<F>::group(), F::kNewestVersion};
    RouterOutputs<A> out;
    // What the last call appended.
    std::vector<SendQuery<A>> sent;
    std::vector<Transition<A>> transitions;
    std::size_t max_sources = 1000;
    std::uint64_t refused = 0;

    static A src(int i) { return Net<F>::source(i); }
    static SourceSet<A> set(const std::vector<int>& list) {
        SourceSet<A> s;
        for (int i : list) {
            s.insert(src(i));
        }
        return s;
    }
    Ctx ctx(std::int64_t ms, bool querier) const {
        Ctx c;
        c.now = at_ms(ms);
        c.vars = vars;
        c.configured = vars;
        c.querier = querier;
        c.max_sources = max_sources;
        return c;
    }
    void collect() {
        auto got = split(out);
        EXPECT_LE(got.limits, 1U) << "one LimitReached per operation";
        sent = std::move(got.sent);
        transitions = std::move(got.transitions);
        refused = got.refused;
    }
    bool record(RecordType type, const std::vector<int>& sources, std::int64_t ms,
                bool querier = true) {
        const bool applied = group.on_record(type, set(sources), ctx(ms, querier), out);
        collect();
        return applied;
    }
    void tick(std::int64_t ms) {
        group.on_timer(ctx(ms, true), out);
        collect();
    }
    void old_report(std::uint8_t version, std::int64_t ms) {
        group.on_old_report(version, ctx(ms, true), out);
        collect();
    }
    bool old_leave(std::int64_t ms) {
        const bool applied = group.on_old_leave(ctx(ms, true), out);
        collect();
        return applied;
    }
    // Q(MA) or Q(MA,A) as the link sends it: its version, to the group, MRC = LLQI.
    SendQuery<A> q(const std::vector<int>& sources, bool s_flag) const {
        SendQuery<A> query;
        query.version = F::kNewestVersion;
        query.group = Net<F>::group();
        query.sources = set(sources);
        query.suppress_router_side = s_flag;
        query.max_response = Duration{vars.last_listener_query_interval};
        query.robustness = vars.robustness;
        query.query_interval = vars.query_interval;
        return query;
    }
    Transition<A> mode_change(std::string_view from, std::string_view event, std::string_view to,
                              std::string_view rule = {}) const {
        return {StateMachine::FilterMode, Net<F>::group(), from, event, to, rule};
    }
    Transition<A> compat_change(std::uint8_t from, std::string_view event, std::uint8_t to) const {
        return {StateMachine::GroupCompatibility, Net<F>::group(), F::version_name(from), event,
                F::version_name(to)};
    }
    // Compared as text and milliseconds, so a failure prints readably.
    void expect_sources(const std::vector<Src>& expected) {
        std::vector<std::pair<std::string, std::int64_t>> got;
        for (const auto& r : group.sources()) {
            got.emplace_back(r.source.to_string(), to_ms(r.expires));
        }
        std::vector<std::pair<std::string, std::int64_t>> want;
        for (const auto& e : expected) {
            want.emplace_back(src(e.s).to_string(), e.ms);
        }
        EXPECT_EQ(got, want);
    }
};

using Families = ::testing::Types<Ipv6Family, Ipv4Family>;
TYPED_TEST_SUITE(RouterGroupTest, Families, FamilyNames);

// ---------------------------------------------------------------------------------
// Every row of §7.4.1 / §7.4.2 (§6.4.1 / §6.4.2). Preconditions, built at t = 0:
//   INCLUDE (A = {1,2}), timers 10000 (MALI);
//   EXCLUDE (X = {1,3}, Y = {2,4}), X timers 10000, Filter Timer 10000.
// The trigger arrives at t = 1000, so "=MALI" is 11000, "=Filter Timer" is 10000 (the
// value before "Filter Timer=MALI") and "lowered to LLQT" is 1600.
// ---------------------------------------------------------------------------------
struct RowCase {
    const char* row;
    bool exclude_precondition;
    RecordType type;
    std::vector<int> trigger;
    FilterMode mode;
    std::vector<Src> x_non_querier; // A or X as a Non-Querier leaves it (no "Send Q")
    std::vector<Src> x_querier;     // as the Querier leaves it
    std::vector<int> y;
    std::int64_t filter_non_querier;
    std::int64_t filter_querier;
    std::vector<std::pair<std::vector<int>, bool>> queries; // the Querier's, S flag
};

const std::vector<RowCase>& row_cases() {
    using M = FilterMode;
    using R = RecordType;
    static const std::vector<RowCase> rows = {
        // INCLUDE (A) IS_IN (B) → INCLUDE (A+B); (B)=MALI
        {"IN IS_IN",
         false,
         R::ModeIsInclude,
         {2, 3},
         M::Include,
         {{1, 10000}, {2, 11000}, {3, 11000}},
         {{1, 10000}, {2, 11000}, {3, 11000}},
         {},
         kNever_ms,
         kNever_ms,
         {}},
        // INCLUDE (A) IS_EX (B) → EXCLUDE (A*B, B-A); (B-A)=0; Delete (A-B); FT=MALI
        {"IN IS_EX",
         false,
         R::ModeIsExclude,
         {2, 3},
         M::Exclude,
         {{2, 10000}},
         {{2, 10000}},
         {3},
         11000,
         11000,
         {}},
        // EXCLUDE (X,Y) IS_IN (A) → EXCLUDE (X+A, Y-A); (A)=MALI
        {"EX IS_IN",
         true,
         R::ModeIsInclude,
         {3, 4, 5},
         M::Exclude,
         {{1, 10000}, {3, 11000}, {4, 11000}, {5, 11000}},
         {{1, 10000}, {3, 11000}, {4, 11000}, {5, 11000}},
         {2},
         10000,
         10000,
         {}},
        // EXCLUDE (X,Y) IS_EX (A) → EXCLUDE (A-Y, Y*A); (A-X-Y)=MALI; Delete (X-A);
        // Delete (Y-A); FT=MALI
        {"EX IS_EX",
         true,
         R::ModeIsExclude,
         {3, 4, 5},
         M::Exclude,
         {{3, 10000}, {5, 11000}},
         {{3, 10000}, {5, 11000}},
         {4},
         11000,
         11000,
         {}},
        // INCLUDE (A) ALLOW (B) → INCLUDE (A+B); (B)=MALI
        {"IN ALLOW",
         false,
         R::AllowNewSources,
         {2, 3},
         M::Include,
         {{1, 10000}, {2, 11000}, {3, 11000}},
         {{1, 10000}, {2, 11000}, {3, 11000}},
         {},
         kNever_ms,
         kNever_ms,
         {}},
        // INCLUDE (A) BLOCK (B) → INCLUDE (A); Send Q(MA,A*B)
        {"IN BLOCK",
         false,
         R::BlockOldSources,
         {2, 3},
         M::Include,
         {{1, 10000}, {2, 10000}},
         {{1, 10000}, {2, 1600}},
         {},
         kNever_ms,
         kNever_ms,
         {{{2}, false}}},
        // INCLUDE (A) TO_EX (B) → EXCLUDE (A*B,B-A); (B-A)=0; Delete (A-B);
        // Send Q(MA,A*B); FT=MALI
        {"IN TO_EX",
         false,
         R::ChangeToExcludeMode,
         {2, 3},
         M::Exclude,
         {{2, 10000}},
         {{2, 1600}},
         {3},
         11000,
         11000,
         {{{2}, false}}},
        // INCLUDE (A) TO_IN (B) → INCLUDE (A+B); (B)=MALI; Send Q(MA,A-B)
        {"IN TO_IN",
         false,
         R::ChangeToIncludeMode,
         {2, 3},
         M::Include,
         {{1, 10000}, {2, 11000}, {3, 11000}},
         {{1, 1600}, {2, 11000}, {3, 11000}},
         {},
         kNever_ms,
         kNever_ms,
         {{{1}, false}}},
        // EXCLUDE (X,Y) ALLOW (A) → EXCLUDE (X+A,Y-A); (A)=MALI
        {"EX ALLOW",
         true,
         R::AllowNewSources,
         {3, 4, 5},
         M::Exclude,
         {{1, 10000}, {3, 11000}, {4, 11000}, {5, 11000}},
         {{1, 10000}, {3, 11000}, {4, 11000}, {5, 11000}},
         {2},
         10000,
         10000,
         {}},
        // EXCLUDE (X,Y) BLOCK (A) → EXCLUDE (X+(A-Y),Y); (A-X-Y)=FT; Send Q(MA,A-Y)
        {"EX BLOCK",
         true,
         R::BlockOldSources,
         {3, 4, 5},
         M::Exclude,
         {{1, 10000}, {3, 10000}, {5, 10000}},
         {{1, 10000}, {3, 1600}, {5, 1600}},
         {2, 4},
         10000,
         10000,
         {{{3, 5}, false}}},
        // EXCLUDE (X,Y) TO_EX (A) → EXCLUDE (A-Y,Y*A); (A-X-Y)=FT; Delete (X-A);
        // Delete (Y-A); Send Q(MA,A-Y); FT=MALI
        {"EX TO_EX",
         true,
         R::ChangeToExcludeMode,
         {3, 4, 5},
         M::Exclude,
         {{3, 10000}, {5, 10000}},
         {{3, 1600}, {5, 1600}},
         {4},
         11000,
         11000,
         {{{3, 5}, false}}},
        // EXCLUDE (X,Y) TO_IN (A) → EXCLUDE (X+A,Y-A); (A)=MALI; Send Q(MA,X-A); Send Q(MA)
        {"EX TO_IN",
         true,
         R::ChangeToIncludeMode,
         {3, 4, 5},
         M::Exclude,
         {{1, 10000}, {3, 11000}, {4, 11000}, {5, 11000}},
         {{1, 1600}, {3, 11000}, {4, 11000}, {5, 11000}},
         {2},
         10000,
         1600,
         {{{}, false}, {{1}, false}}},
    };
    return rows;
}

TYPED_TEST(RouterGroupTest, EveryRowOfTheRecordTables) {
    ASSERT_EQ(row_cases().size(), 12U);
    for (const auto& row : row_cases()) {
        for (const bool querier : {false, true}) {
            SCOPED_TRACE(std::string(row.row) + (querier ? " as Querier" : " as Non-Querier"));
            this->group =
                RouterGroup<TypeParam>{Net<TypeParam>::group(), TypeParam::kNewestVersion};
            if (row.exclude_precondition) {
                this->record(RecordType::ModeIsExclude, {2, 4}, 0);
                this->record(RecordType::AllowNewSources, {1, 3}, 0);
            } else {
                this->record(RecordType::AllowNewSources, {1, 2}, 0);
            }
            ASSERT_TRUE(this->record(row.type, row.trigger, 1000, querier));

            EXPECT_EQ(this->group.mode(), row.mode);
            this->expect_sources(querier ? row.x_querier : row.x_non_querier);
            std::vector<typename TypeParam::Address> y;
            for (int i : row.y) {
                y.push_back(this->src(i));
            }
            EXPECT_EQ(this->group.excluded().items(), y);
            const auto filter = querier ? row.filter_querier : row.filter_non_querier;
            EXPECT_EQ(this->group.filter_timer(), filter == kNever_ms ? kNever : at_ms(filter));

            // A row that changes the filter mode says so, quoting itself; no other does.
            const auto before =
                row.exclude_precondition ? FilterMode::Exclude : FilterMode::Include;
            std::vector<Transition<typename TypeParam::Address>> moved;
            if (before != row.mode) {
                moved.push_back(this->mode_change(
                    to_string(before), ecmh::wire::to_string(row.type), to_string(row.mode),
                    RouterGroup<TypeParam>::transition(before, row.type)));
            }
            EXPECT_EQ(this->transitions, moved);

            std::vector<SendQuery<typename TypeParam::Address>> want;
            if (querier) {
                for (const auto& [sources, s_flag] : row.queries) {
                    want.push_back(this->q(sources, s_flag));
                }
            }
            EXPECT_EQ(this->sent, want);
            if (want.empty()) {
                EXPECT_EQ(this->group.next_retransmission(), kNever);
                continue;
            }
            // LLQC = 2: one retransmission LLQI later, identical (every queried timer
            // is ≤ LLQT by then, so S stays 0), then nothing more.
            EXPECT_EQ(this->group.next_retransmission(), at_ms(1300));
            this->tick(1300);
            EXPECT_EQ(this->sent, want);
            EXPECT_EQ(this->group.next_retransmission(), kNever);
        }
    }
}

TYPED_TEST(RouterGroupTest, TransitionNamesQuoteTheRow) {
    EXPECT_EQ(RouterGroup<TypeParam>::transition(FilterMode::Exclude, RecordType::BlockOldSources),
              "EXCLUDE (X,Y) BLOCK (A) -> EXCLUDE (X+(A-Y),Y): (A-X-Y)=Filter Timer; "
              "Send Q(MA,A-Y)");
}

// ---------------------------------------------------------------------------------
// Transitions: one output per filter-mode change, with printable names.
// ---------------------------------------------------------------------------------

// §7.4.1 row "INCLUDE (A) IS_EX (B)": the first change of a group, from "no state".
TYPED_TEST(RouterGroupTest, IsExInIncludeIsOneTransitionToExclude) {
    this->record(RecordType::ModeIsExclude, {2}, 0);
    EXPECT_EQ(this->transitions,
              (std::vector{this->mode_change(
                  "INCLUDE", "IS_EX", "EXCLUDE",
                  "INCLUDE (A) IS_EX (B) -> EXCLUDE (A*B, B-A): (B-A)=0; Delete (A-B); "
                  "Filter Timer=T")}));
    this->record(RecordType::ModeIsExclude, {2}, 1000); // EXCLUDE stays EXCLUDE
    EXPECT_TRUE(this->transitions.empty());
}

// ---------------------------------------------------------------------------------
// Timer expiry.
// ---------------------------------------------------------------------------------

// §7.2.3: INCLUDE, source timer 0 → remove the source; no source left → delete.
TYPED_TEST(RouterGroupTest, IncludeSourceExpiryRemovesThenDeletes) {
    this->record(RecordType::AllowNewSources, {1}, 0);
    this->record(RecordType::AllowNewSources, {2}, 2000);
    EXPECT_EQ(this->group.next_deadline(), at_ms(10000));
    this->tick(9999);
    EXPECT_TRUE(this->group.forwards(this->src(1)));
    this->tick(10000);
    this->expect_sources({{2, 12000}});
    EXPECT_FALSE(this->group.forwards(this->src(1)));
    EXPECT_TRUE(this->group.forwards(this->src(2)));
    EXPECT_FALSE(this->group.is_deletable());
    EXPECT_EQ(this->group.next_deadline(), at_ms(12000));
    this->tick(12000);
    EXPECT_TRUE(this->group.is_deletable());
    EXPECT_EQ(this->group.next_deadline(), kNever);
}

// §7.2.3: EXCLUDE, source timer 0 → move X to Y ("DO NOT remove source record"); the
// Filter Timer then ends EXCLUDE with an empty X: the record is deleted (§7.5).
TYPED_TEST(RouterGroupTest, ExcludeSourceExpiryMovesToYThenFilterExpiryDeletes) {
    this->record(RecordType::ModeIsExclude, {2}, 0);
    this->record(RecordType::AllowNewSources, {1}, 0);
    this->record(RecordType::ModeIsExclude, {1, 2}, 5000); // keeps 1 at 10000, FT 15000
    this->expect_sources({{1, 10000}});
    EXPECT_EQ(this->group.filter_timer(), at_ms(15000));
    EXPECT_TRUE(this->group.forwards(this->src(1)));
    this->tick(10000);
    EXPECT_EQ(this->group.mode(), FilterMode::Exclude);
    this->expect_sources({});
    EXPECT_EQ(this->group.excluded(), this->set({1, 2}));
    EXPECT_FALSE(this->group.forwards(this->src(1)));
    EXPECT_TRUE(this->group.forwards(this->src(3)));
    EXPECT_EQ(this->group.contribution(), (MembershipState<typename TypeParam::Address>{
                                              FilterMode::Exclude, this->set({1, 2})}));
    this->tick(15000);
    EXPECT_TRUE(this->group.is_deletable());
}

// TO1: IS_EX{S2} at 0, ALLOW{S1} at 3 s → at MALI INCLUDE{S1} (S1's timer still runs),
// at MALI + 3 s the record is gone. The switch is one Transition; the deletion is none.
TYPED_TEST(RouterGroupTest, To1FilterExpirySwitchesToIncludeOfRequestedList) {
    this->record(RecordType::ModeIsExclude, {2}, 0);
    this->record(RecordType::AllowNewSources, {1}, 3000);
    this->tick(9999);
    EXPECT_EQ(this->group.mode(), FilterMode::Exclude);
    EXPECT_TRUE(this->transitions.empty());
    this->tick(10000);
    EXPECT_EQ(this->group.mode(), FilterMode::Include);
    EXPECT_EQ(this->transitions,
              (std::vector{this->mode_change("EXCLUDE", "Filter Timer expired", "INCLUDE")}));
    EXPECT_EQ(this->group.filter_timer(), kNever);
    this->expect_sources({{1, 13000}});
    EXPECT_TRUE(this->group.excluded().empty());
    EXPECT_TRUE(this->group.forwards(this->src(1)));
    EXPECT_FALSE(this->group.forwards(this->src(2)));
    EXPECT_FALSE(this->group.forwards(this->src(4)));
    this->tick(13000);
    EXPECT_TRUE(this->transitions.empty());
    EXPECT_TRUE(this->group.is_deletable());
}

// A source whose timer ends together with the Filter Timer does not survive into
// INCLUDE (SC8's situation, both lowered to LLQT).
TYPED_TEST(RouterGroupTest, SourceEndingWithTheFilterTimerIsGone) {
    this->record(RecordType::ModeIsExclude, {2}, 0);
    this->record(RecordType::AllowNewSources, {1}, 0);
    this->tick(9999);
    EXPECT_FALSE(this->group.is_deletable());
    this->tick(10000);
    EXPECT_TRUE(this->group.is_deletable());
}

// ---------------------------------------------------------------------------------
// Specific queries (§7.6.3).
// ---------------------------------------------------------------------------------

// SQ1: the Q(MA) retransmission carries S=1 once a report put the Filter Timer back
// above LLQT.
TYPED_TEST(RouterGroupTest, Sq1GroupQueryRetransmissionSetsSWhenFilterTimerRefreshed) {
    this->record(RecordType::ModeIsExclude, {}, 0);
    this->record(RecordType::ChangeToIncludeMode, {}, 1000);
    EXPECT_EQ(this->sent, (std::vector{this->q({}, false)}));
    EXPECT_EQ(this->group.filter_timer(), at_ms(1600));
    this->record(RecordType::ModeIsExclude, {}, 1100);
    EXPECT_TRUE(this->sent.empty());
    EXPECT_EQ(this->group.filter_timer(), at_ms(11100));
    this->tick(1300);
    EXPECT_EQ(this->sent, (std::vector{this->q({}, true)}));
    EXPECT_EQ(this->group.next_retransmission(), kNever);
    this->tick(1600);
    EXPECT_EQ(this->group.mode(), FilterMode::Exclude);
}

// SQ2: a source refreshed after the first Q(MA,A) is retransmitted in the S=1 message.
TYPED_TEST(RouterGroupTest, Sq2SourceRetransmissionMovesToSuppressedMessage) {
    this->record(RecordType::AllowNewSources, {1, 2}, 0);
    this->record(RecordType::BlockOldSources, {1}, 1000);
    EXPECT_EQ(this->sent, (std::vector{this->q({1}, false)}));
    this->record(RecordType::ModeIsInclude, {1}, 1100);
    this->tick(1300);
    EXPECT_EQ(this->sent, (std::vector{this->q({1}, true)}));
    this->tick(1600);
    this->expect_sources({{1, 11100}, {2, 10000}});
}

// Both messages in one transmission: S=1 for refreshed sources, S=0 for the others.
TYPED_TEST(RouterGroupTest, SourceQuerySplitsIntoSuppressedAndLoweringMessages) {
    this->record(RecordType::AllowNewSources, {1, 2, 3}, 0);
    this->record(RecordType::BlockOldSources, {1, 2}, 1000);
    EXPECT_EQ(this->sent, (std::vector{this->q({1, 2}, false)}));
    this->record(RecordType::ModeIsInclude, {2}, 1100);
    this->tick(1300);
    EXPECT_EQ(this->sent, (std::vector{this->q({2}, true), this->q({1}, false)}));
}

// §7.6.3: new and pending queries are merged into one transmission; each source still
// goes out LLQC times in all.
TYPED_TEST(RouterGroupTest, NewQueryMergesWithPendingRetransmissions) {
    this->record(RecordType::AllowNewSources, {1, 2}, 0);
    this->record(RecordType::BlockOldSources, {1}, 1000);
    this->record(RecordType::BlockOldSources, {2}, 1100);
    EXPECT_EQ(this->sent, (std::vector{this->q({1, 2}, false)}));
    EXPECT_EQ(this->group.next_retransmission(), at_ms(1400));
    this->tick(1400);
    EXPECT_EQ(this->sent, (std::vector{this->q({2}, false)}));
    EXPECT_EQ(this->group.next_retransmission(), kNever);
}

// A source already at or below LLQT is not queried again ("with source timer larger
// than LLQT"): a repeated BLOCK inside the query period sends nothing new.
TYPED_TEST(RouterGroupTest, SourceAlreadyLoweredIsNotQueriedAgain) {
    this->record(RecordType::AllowNewSources, {1}, 0);
    this->record(RecordType::BlockOldSources, {1}, 1000);
    this->tick(1300);
    this->record(RecordType::BlockOldSources, {1}, 1400);
    EXPECT_TRUE(this->sent.empty());
    EXPECT_EQ(this->group.next_retransmission(), kNever);
}

// NULL: "If source list A is null as a result of the action (e.g. A*B), then no query
// is sent"; ALLOW({}) and BLOCK({}) are no-ops (M17).
TYPED_TEST(RouterGroupTest, NullSetsSendNoQuery) {
    this->record(RecordType::AllowNewSources, {1}, 0);
    this->record(RecordType::BlockOldSources, {3}, 1000);
    EXPECT_TRUE(this->sent.empty());
    this->record(RecordType::BlockOldSources, {}, 1000);
    EXPECT_TRUE(this->sent.empty());
    this->record(RecordType::AllowNewSources, {}, 1000);
    this->record(RecordType::ModeIsInclude, {}, 1000);
    this->expect_sources({{1, 10000}});
    EXPECT_EQ(this->group.next_deadline(), at_ms(10000));
}

// The Q(MA) sent with a Q(MA,A) makes the S=1 source message redundant (§7.6.3.2 note).
TYPED_TEST(RouterGroupTest, SuppressedSourceMessageDroppedWithGroupQuery) {
    this->record(RecordType::ModeIsExclude, {}, 0);
    this->record(RecordType::AllowNewSources, {1, 2}, 0);
    this->record(RecordType::ChangeToIncludeMode, {}, 1000); // Q(MA,{1,2}) + Q(MA)
    EXPECT_EQ(this->sent, (std::vector{this->q({}, false), this->q({1, 2}, false)}));
    this->record(RecordType::ModeIsInclude, {1}, 1100);
    this->tick(1300);
    EXPECT_EQ(this->sent, (std::vector{this->q({}, false), this->q({2}, false)}));
}

// ---------------------------------------------------------------------------------
// §7.6.1 lowering on a received query with S = 0.
// ---------------------------------------------------------------------------------

TYPED_TEST(RouterGroupTest, ReceivedQueriesLowerButNeverRaise) {
    const Duration llqt = this->vars.last_listener_query_time();
    this->record(RecordType::ModeIsExclude, {2}, 0);
    this->record(RecordType::AllowNewSources, {1, 3}, 0);
    this->group.lower_timers(this->set({1, 2, 5}), llqt, at_ms(1000));
    this->expect_sources({{1, 1600}, {3, 10000}});
    EXPECT_EQ(this->group.excluded(), this->set({2}));
    EXPECT_EQ(this->group.filter_timer(), at_ms(10000));
    this->group.lower_timers({}, llqt, at_ms(2000));
    EXPECT_EQ(this->group.filter_timer(), at_ms(2600));
    this->group.lower_timers({}, llqt, at_ms(2500));
    EXPECT_EQ(this->group.filter_timer(), at_ms(2600));
    EXPECT_TRUE(this->sent.empty());
}

TYPED_TEST(RouterGroupTest, GroupQueryInIncludeModeChangesNothing) {
    this->record(RecordType::AllowNewSources, {1}, 0);
    this->group.lower_timers({}, this->vars.last_listener_query_time(), at_ms(1000));
    this->expect_sources({{1, 10000}});
    EXPECT_EQ(this->group.filter_timer(), kNever);
}

// ---------------------------------------------------------------------------------
// Forwarding suggestion and contribution (§7.3, RFC 4605 §4.1).
// ---------------------------------------------------------------------------------

TYPED_TEST(RouterGroupTest, ForwardingAndContributionFollowModeAndLists) {
    using State = MembershipState<typename TypeParam::Address>;
    EXPECT_TRUE(this->group.is_deletable());
    EXPECT_EQ(this->group.contribution(), State{});
    this->record(RecordType::AllowNewSources, {1, 2}, 0);
    EXPECT_EQ(this->group.contribution(), (State{FilterMode::Include, this->set({1, 2})}));
    EXPECT_TRUE(this->group.forwards(this->src(1)));
    EXPECT_FALSE(this->group.forwards(this->src(3)));
    this->record(RecordType::ModeIsExclude, {2, 3}, 1000); // EXCLUDE({2},{3})
    EXPECT_EQ(this->group.contribution(), (State{FilterMode::Exclude, this->set({3})}));
    EXPECT_TRUE(this->group.forwards(this->src(1)));
    EXPECT_TRUE(this->group.forwards(this->src(2)));
    EXPECT_FALSE(this->group.forwards(this->src(3)));
    EXPECT_TRUE(this->group.forwards(this->src(4)));
}

// ---------------------------------------------------------------------------------
// Limits.
// ---------------------------------------------------------------------------------

TYPED_TEST(RouterGroupTest, SourceCapRefusesNewRecordsKeepsOld) {
    this->max_sources = 2;
    this->record(RecordType::AllowNewSources, {1, 2, 3}, 0);
    EXPECT_EQ(this->refused, 1U);
    this->expect_sources({{1, 10000}, {2, 10000}});
    this->record(RecordType::AllowNewSources, {1, 2}, 1000); // refreshes need no room
    EXPECT_EQ(this->refused, 0U);
    this->expect_sources({{1, 11000}, {2, 11000}});
    // INCLUDE({1,2}) IS_EX({3,4,5}): A-B deleted first, then Y fills to the cap.
    this->record(RecordType::ModeIsExclude, {3, 4, 5}, 2000);
    EXPECT_EQ(this->refused, 1U);
    EXPECT_EQ(this->group.excluded(), this->set({3, 4}));
    // Moving a source from Y to X needs no room either.
    this->record(RecordType::AllowNewSources, {3}, 3000);
    EXPECT_EQ(this->refused, 0U);
    this->expect_sources({{3, 13000}});
}

// ---------------------------------------------------------------------------------
// Older-version hosts (RFC 3810 §8.3.2, RFC 3376 §7.3.2), common to both families.
// ---------------------------------------------------------------------------------

TYPED_TEST(RouterGroupTest, V1ReportEntersCompatibilityModeAndTranslates) {
    using State = MembershipState<typename TypeParam::Address>;
    this->record(RecordType::AllowNewSources, {1}, 0);
    this->old_report(1, 1000); // IS_EX({}): EXCLUDE({}, {}), A deleted
    // Two state changes, in the order they happen: the mode, then the translated record.
    EXPECT_EQ(
        this->transitions,
        (std::vector{
            this->compat_change(TypeParam::kNewestVersion, "older-version report received", 1),
            this->mode_change("INCLUDE", "IS_EX", "EXCLUDE",
                              RouterGroup<TypeParam>::transition(FilterMode::Include,
                                                                 RecordType::ModeIsExclude))}));
    EXPECT_EQ(this->group.compatibility_version(), 1);
    // OVHPT = RV·QI + QRI = 9 s; the Filter Timer MALI = RV·QI + 2·QRI = 10 s.
    EXPECT_EQ(this->group.older_host_present(1), at_ms(10000));
    EXPECT_EQ(this->group.mode(), FilterMode::Exclude);
    EXPECT_EQ(this->group.filter_timer(), at_ms(11000));
    this->expect_sources({});
    // BLOCK is ignored; TO_EX({2}) is TO_EX({}): 2 stays forwarded.
    EXPECT_FALSE(this->record(RecordType::BlockOldSources, {3}, 2000));
    EXPECT_TRUE(this->sent.empty());
    EXPECT_TRUE(this->record(RecordType::ChangeToExcludeMode, {2}, 2000));
    EXPECT_TRUE(this->group.excluded().empty());
    EXPECT_TRUE(this->group.forwards(this->src(2)));
    // A v2 host's IS_EX({2}), then a Q(MA,{2}) nobody answers: 2 moves to Y, yet the
    // v1 listener still wants every source.
    this->record(RecordType::ModeIsExclude, {2}, 3000); // X = {2 until 13000}, FT 13000
    this->group.lower_timers(this->set({2}), this->vars.last_listener_query_time(), at_ms(3000));
    this->tick(3600);
    EXPECT_EQ(this->group.excluded(), this->set({2}));
    EXPECT_TRUE(this->group.forwards(this->src(2)));
    EXPECT_EQ(this->group.contribution(), (State{FilterMode::Exclude, {}}));
    // OVHPT after the v1 report: back to the newest version; Y counts again.
    EXPECT_EQ(this->group.next_deadline(), at_ms(10000));
    this->tick(10000);
    EXPECT_EQ(this->transitions,
              (std::vector{this->compat_change(1, "Older Version Host Present timer expired",
                                               TypeParam::kNewestVersion)}));
    EXPECT_EQ(this->group.compatibility_version(), TypeParam::kNewestVersion);
    EXPECT_EQ(this->group.older_host_present(1), kNever);
    EXPECT_EQ(this->group.mode(), FilterMode::Exclude);
    EXPECT_EQ(this->group.filter_timer(), at_ms(13000));
    EXPECT_FALSE(this->group.forwards(this->src(2)));
    EXPECT_TRUE(this->group.forwards(this->src(3)));
    EXPECT_EQ(this->group.contribution(), (State{FilterMode::Exclude, this->set({2})}));
}

TYPED_TEST(RouterGroupTest, LeaveInCompatibilityModeQueriesTheGroup) {
    this->old_report(1, 0);
    EXPECT_EQ(this->old_leave(1000), (!std::is_same_v<TypeParam, Ipv4Family>));
    EXPECT_TRUE(this->transitions.empty()); // TO_IN keeps EXCLUDE
    if constexpr (std::is_same_v<TypeParam, Ipv6Family>) {
        // MLDv1 Done → TO_IN({}): Q(MA) and the Filter Timer at LLQT.
        EXPECT_EQ(this->sent, (std::vector{this->q({}, false)}));
        EXPECT_EQ(this->group.filter_timer(), at_ms(1600));
        this->tick(1600);
        EXPECT_EQ(this->transitions,
                  (std::vector{this->mode_change("EXCLUDE", "Filter Timer expired", "INCLUDE")}));
        EXPECT_TRUE(this->group.is_deletable());
    } else {
        // An IGMPv1 report means IGMPv1 mode: the Leave is ignored.
        EXPECT_TRUE(this->sent.empty());
        EXPECT_EQ(this->group.filter_timer(), at_ms(10000));
    }
}

TYPED_TEST(RouterGroupTest, ConfiguredOlderVersionCapsTheMode) {
    RouterGroup<TypeParam> old{Net<TypeParam>::group(), 1};
    EXPECT_EQ(old.compatibility_version(), 1);
    EXPECT_FALSE(
        old.on_record(RecordType::BlockOldSources, this->set({1}), this->ctx(0, true), this->out));
    // An older-version report finds the mode already capped: no compatibility change.
    old.on_old_report(1, this->ctx(0, true), this->out);
    const auto got = split(this->out);
    ASSERT_EQ(got.transitions.size(), 1U);
    EXPECT_EQ(got.transitions[0].machine, StateMachine::FilterMode);
}

// A configured MLDv1 / IGMPv1 link has no source-specific query: Q(MA,A) never leaves
// the group, Q(MA) does, in the link's version and without an S flag.
TYPED_TEST(RouterGroupTest, ConfiguredOlderVersionSendsOnlyGroupQueries) {
    constexpr std::uint8_t kOld = TypeParam::kNewestVersion - 1; // MLDv1, IGMPv2
    RouterGroup<TypeParam> old{Net<TypeParam>::group(), kOld};
    old.on_old_report(kOld, this->ctx(0, true), this->out);
    old.on_record(RecordType::AllowNewSources, this->set({1}), this->ctx(0, true), this->out);
    (void)this->out.take();
    EXPECT_TRUE(old.on_old_leave(this->ctx(1000, true), this->out)); // Q(MA,{1}) and Q(MA)
    auto want = this->q({}, false);
    want.version = kOld;
    EXPECT_EQ(split(this->out).sent, (std::vector{want}));
}

} // namespace

// IGMP only: the three modes of RFC 3376 §7.3.2.
namespace {

class RouterGroupIgmpCompat : public ::testing::Test {
protected:
    using A = Ipv4Address;
    ProtocolVariables vars = fast_test_profile();
    RouterGroup<Ipv4Family> group{Net<Ipv4Family>::group(), 3};
    RouterOutputs<A> out;
    GroupContext ctx(std::int64_t ms) const {
        GroupContext c;
        c.now = at_ms(ms);
        c.vars = vars;
        c.configured = vars;
        return c;
    }
    // The compatibility-mode changes among what was appended since the last call.
    std::vector<std::pair<std::string_view, std::string_view>> mode_changes() {
        std::vector<std::pair<std::string_view, std::string_view>> changes;
        for (const auto& t : split(out).transitions) {
            if (t.machine == StateMachine::GroupCompatibility) {
                changes.emplace_back(t.from, t.to);
            }
        }
        return changes;
    }
    using Changes = std::vector<std::pair<std::string_view, std::string_view>>;
};

TEST_F(RouterGroupIgmpCompat, V1ModeIgnoresLeaveAndToInV2ModeDoesNot) {
    group.on_old_report(2, ctx(0), out); // v2 timer 9000
    EXPECT_EQ(group.compatibility_version(), 2);
    EXPECT_EQ(mode_changes(), (Changes{{"IGMPv3", "IGMPv2"}}));
    group.on_old_report(1, ctx(2000), out); // v1 timer 11000, v2 still 9000, FT 12000
    EXPECT_EQ(group.compatibility_version(), 1);
    EXPECT_EQ(mode_changes(), (Changes{{"IGMPv2", "IGMPv1"}}));
    EXPECT_EQ(group.older_host_present(2), at_ms(9000));
    EXPECT_EQ(group.older_host_present(1), at_ms(11000));
    EXPECT_FALSE(group.on_record(RecordType::ChangeToIncludeMode, {}, ctx(3000), out));
    EXPECT_FALSE(group.on_old_leave(ctx(3000), out));
    EXPECT_TRUE(out.items().empty());
    EXPECT_EQ(group.filter_timer(), at_ms(12000));
    // v2 report at 8000: v2 timer 17000. The v1 timer ends at 11000 → IGMPv2 mode.
    group.on_old_report(2, ctx(8000), out);
    group.on_timer(ctx(9000), out);
    EXPECT_EQ(group.compatibility_version(), 1);
    EXPECT_TRUE(mode_changes().empty());
    group.on_timer(ctx(11000), out);
    EXPECT_EQ(group.compatibility_version(), 2);
    EXPECT_EQ(mode_changes(), (Changes{{"IGMPv1", "IGMPv2"}}));
    EXPECT_TRUE(group.on_old_leave(ctx(12000), out));
    EXPECT_EQ(split(out).sent.size(), 1U);
    EXPECT_EQ(group.filter_timer(), at_ms(12600));
    // The v2 timer ends at 17000 → IGMPv3 mode (if the group were still there).
    group.on_timer(ctx(12600), out);
    EXPECT_TRUE(group.is_deletable());
}

TEST_F(RouterGroupIgmpCompat, V1TimerExpiryWithoutV2GoesStraightToV3) {
    group.on_old_report(1, ctx(0), out);
    group.on_record(RecordType::ModeIsExclude, {}, ctx(1000), out); // FT 11000, past 9000
    (void)out.take();
    group.on_timer(ctx(9000), out);
    EXPECT_EQ(group.compatibility_version(), 3);
    EXPECT_EQ(mode_changes(), (Changes{{"IGMPv1", "IGMPv3"}}));
    EXPECT_EQ(group.mode(), FilterMode::Exclude);
}

} // namespace
