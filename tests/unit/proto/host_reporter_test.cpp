// SPDX-License-Identifier: BSD-3-Clause
// The upstream host (RFC 4605 §4.1) for both families: state-change reports (rfc-map
// item 34), query responses (item 35), compatibility modes (item 36), SSM (item 38),
// the resend and leave commands, flood bounds (M9), and the Transitions of the reported
// filter mode and of the compatibility mode. A twin Random with the same seed predicts
// every delay the reporter draws, so times are asserted exactly.
#include "ecmh/proto/host_reporter.hpp"
#include "support/proto_printers.hpp"

#include <gtest/gtest.h>
#include <memory>
#include <ostream>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

using namespace ecmh::proto;
using ecmh::net::Ipv4Address;
using ecmh::net::Ipv6Address;
using ecmh::wire::RecordType;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Readable gtest failure output (ADL finds these through the inline namespace).
namespace ecmh::proto {
inline namespace host_reporter_test_printers {

template <class A>
void PrintTo(const GroupRecord<A>& r, std::ostream* os) {
    *os << wire::to_string(r.type) << '(' << r.group.to_string() << ",{";
    const char* sep = "";
    for (const auto& s : r.sources) {
        *os << sep << s.to_string();
        sep = ",";
    }
    *os << "})";
}
template <class A>
void PrintTo(const HostReport<A>& r, std::ostream* os) {
    *os << (r.kind == ReportKind::StateChange ? "StateChange[" : "CurrentState[");
    for (const auto& rec : r.records) {
        PrintTo(rec, os);
        *os << ' ';
    }
    *os << ']';
}
template <class A>
void PrintTo(const HostOldReport<A>& r, std::ostream* os) {
    *os << "OldReport(v" << int{r.version} << ',' << r.group.to_string() << ')';
}
template <class A>
void PrintTo(const HostOldLeave<A>& r, std::ostream* os) {
    *os << "OldLeave(" << r.group.to_string() << ')';
}
inline void PrintTo(const HostModeChanged& m, std::ostream* os) {
    *os << "ModeChanged(" << int{m.from} << "->" << int{m.to} << ", ssm " << m.ssm_groups << ')';
}
template <class A>
void PrintTo(const HostSsmQueryError<A>& e, std::ostream* os) {
    *os << "SsmQueryError(v" << int{e.version} << " from " << e.source.to_string() << ", group "
        << e.group.to_string() << ", ssm " << e.ssm_groups << ", suppressed " << e.suppressed
        << ')';
}

} // namespace host_reporter_test_printers
} // namespace ecmh::proto

namespace {

template <class Family>
struct Names;

template <>
struct Names<Ipv6Family> {
    static Ipv6Address a(const char* text) { return *Ipv6Address::parse(text); }
    static constexpr const char* kG = "ff0e::10";
    static constexpr const char* kG2 = "ff0e::20";
    static constexpr const char* kG3 = "ff0e::30";
    static constexpr const char* kSsm = "ff3e::8000:1";
    static constexpr const char* kLink = "ff02::1234";
    static constexpr const char* kS1 = "2001:db8::1";
    static constexpr const char* kS2 = "2001:db8::2";
    static constexpr const char* kS3 = "2001:db8::3";
    static constexpr const char* kS4 = "2001:db8::4";
    // The older querier that forces compatibility mode: MLDv1; for IGMP, v2.
    static constexpr std::uint8_t kOld = 1;
};

template <>
struct Names<Ipv4Family> {
    static Ipv4Address a(const char* text) { return *Ipv4Address::parse(text); }
    static constexpr const char* kG = "239.1.1.10";
    static constexpr const char* kG2 = "239.1.1.20";
    static constexpr const char* kG3 = "239.1.1.30";
    static constexpr const char* kSsm = "232.1.1.1";
    static constexpr const char* kLink = "224.0.0.251";
    static constexpr const char* kS1 = "192.0.2.1";
    static constexpr const char* kS2 = "192.0.2.2";
    static constexpr const char* kS3 = "192.0.2.3";
    static constexpr const char* kS4 = "192.0.2.4";
    static constexpr std::uint8_t kOld = 2;
};

constexpr std::uint64_t kSeed = 4605;

template <class Family>
class HostReporterTest : public ::testing::Test {
protected:
    using A = typename Family::Address;
    using N = Names<Family>;
    using State = MembershipState<A>;
    using Rec = GroupRecord<A>;
    using Output = HostOutput<A>;
    using Query = ReceivedQuery<A>;
    struct Timed {
        TimePoint at;
        Output output;
    };
    static constexpr std::uint8_t kNew = Family::kNewestVersion;
    static constexpr std::uint8_t kOld = N::kOld;
    static constexpr bool kIgmp = std::is_same_v<Family, Ipv4Family>;

    const A g = N::a(N::kG);
    const A g2 = N::a(N::kG2);
    const A g3 = N::a(N::kG3);
    const A sg = N::a(N::kSsm);
    const A link = N::a(N::kLink);
    const A s1 = N::a(N::kS1);
    const A s2 = N::a(N::kS2);
    const A s3 = N::a(N::kS3);
    const A s4 = N::a(N::kS4);
    const TimePoint t0 = at_ms(1'000'000);
    const Duration uri = milliseconds{1'000};
    TimePoint now_ = t0; // where settle() left the clock

    HostReporterConfig config;
    Random rng{kSeed};
    Random twin{kSeed}; // draws what rng draws, in the same order
    std::unique_ptr<HostReporter<Family>> r;
    std::vector<Transition<A>> transitions; // taken so far, in order

    HostReporter<Family>& make() {
        r = std::make_unique<HostReporter<Family>>(config, rng);
        return *r;
    }

    static State inc(std::initializer_list<A> s) { return {FilterMode::Include, SourceSet<A>(s)}; }
    static State exc(std::initializer_list<A> s) { return {FilterMode::Exclude, SourceSet<A>(s)}; }
    static Rec rec(RecordType type, A group, std::initializer_list<A> s) {
        return {type, group, SourceSet<A>(s)};
    }
    static Output sc(std::vector<Rec> records) {
        return HostReport<A>{ReportKind::StateChange, std::move(records)};
    }
    static Output cs(std::vector<Rec> records) {
        return HostReport<A>{ReportKind::CurrentState, std::move(records)};
    }
    static Output old(std::uint8_t version, A group) { return HostOldReport<A>{version, group}; }
    static Output leave(A group) { return HostOldLeave<A>{group}; }
    static Output mode(std::uint8_t from, std::uint8_t to, std::size_t ssm) {
        return HostModeChanged{from, to, ssm};
    }
    static Output ssm_error(std::uint8_t version, A group, std::size_t ssm,
                            std::uint64_t suppressed) {
        return HostSsmQueryError<A>{version, A{}, group, ssm, suppressed};
    }

    static Query general(std::uint8_t version, Duration mrd) {
        Query q;
        q.version = version;
        q.max_response = mrd;
        return q;
    }
    static Query specific(std::uint8_t version, A group, std::initializer_list<A> sources,
                          Duration mrd) {
        Query q = general(version, mrd);
        q.group = group;
        q.sources = SourceSet<A>(sources);
        return q;
    }

    // What the reporter appended since the last call, but its Transitions: those go to
    // `transitions`, for the tests that look at them.
    std::vector<Output> take() {
        std::vector<Output> out;
        for (auto& o : r->take_outputs()) {
            if (const auto* t = std::get_if<Transition<A>>(&o)) {
                transitions.push_back(*t);
            } else {
                out.push_back(std::move(o));
            }
        }
        return out;
    }
    std::vector<Transition<A>> take_transitions() { return std::exchange(transitions, {}); }
    static Transition<A> compat(std::uint8_t from, std::string_view event, std::uint8_t to) {
        return {StateMachine::HostCompatibility, A{}, Family::version_name(from), event,
                Family::version_name(to)};
    }
    static Transition<A> filter(A group, FilterMode from, std::string_view event, FilterMode to) {
        return {StateMachine::HostFilterMode, group, to_string(from), event, to_string(to)};
    }

    // Runs every deadline up to `end` as the engine's loop would.
    std::vector<Timed> run_until(TimePoint end) {
        std::vector<Timed> out;
        for (int guard = 0; r->next_deadline() <= end; ++guard) {
            if (guard > 100'000) {
                ADD_FAILURE() << "timer loop does not advance";
                break;
            }
            const auto at = r->next_deadline();
            r->on_timer(at);
            for (auto& a : take()) {
                out.push_back({at, std::move(a)});
            }
        }
        return out;
    }
    static std::vector<Output> outputs_of(const std::vector<Timed>& timed) {
        std::vector<Output> out;
        for (const auto& t : timed) {
            out.push_back(t.output);
        }
        return out;
    }
    // Sets `state` at now_ and lets every retransmission run out: now_ moves a minute.
    void settle(A group, const State& state) {
        r->set_membership(group, state, now_);
        (void)take();
        (void)run_until(now_ + seconds{60});
        now_ += seconds{60};
    }
    std::size_t group_count() const {
        std::size_t n = 0;
        r->for_each_group([&n](const auto&) { ++n; });
        return n;
    }
    TimePoint response_at(A group) const {
        TimePoint at = kNever;
        r->for_each_group([&](const HostGroupView<A>& v) {
            if (v.group == group) {
                at = v.response_at;
            }
        });
        return at;
    }

    // Item 34: `before` (if not empty) is settled, then the change to `after` must be
    // sent exactly RV times as `expected`: first at once, the rest (0, URI] apart, each
    // gap the delay drawn for it from (0, URI] with the configured URI (700 ms here, so
    // the default 1 s, the old 10 s, a fixed delay or no delay would all fail).
    void expect_rv_transmissions(const State& before, const State& after, const Output& expected,
                                 std::uint32_t rv) {
        const Duration interval = milliseconds{700};
        config.vars.robustness = rv;
        config.vars.unsolicited_report_interval = milliseconds{700};
        make();
        if (!before.is_empty()) {
            settle(g, before);
        }
        const auto t = now_ + seconds{1};
        twin = rng; // from here on, twin draws what the reporter draws
        r->set_membership(g, after, t);
        std::vector<Timed> sent;
        for (auto& a : take()) {
            sent.push_back({t, std::move(a)});
        }
        for (auto& x : run_until(t + seconds{60})) {
            sent.push_back(std::move(x));
        }
        ASSERT_EQ(sent.size(), rv);
        EXPECT_EQ(sent[0].at, t);
        for (std::size_t i = 0; i < sent.size(); ++i) {
            EXPECT_EQ(sent[i].output, expected) << "transmission " << i;
            if (i > 0) {
                const auto gap = sent[i].at - sent[i - 1].at;
                EXPECT_GT(gap, Duration{0});
                EXPECT_LE(gap, interval);
                EXPECT_EQ(gap, twin.delay_up_to(interval)) << "transmission " << i;
            }
        }
        EXPECT_EQ(r->next_deadline(), kNever);
    }
};

using Families = ::testing::Types<Ipv6Family, Ipv4Family>;
TYPED_TEST_SUITE(HostReporterTest, Families);

// ---- State-change reports (item 34) ---------------------------------------------------

TYPED_TEST(HostReporterTest, StateChangeTableOfItem34) {
    using State = typename TestFixture::State;
    const auto& s1 = this->s1;
    const auto& s2 = this->s2;
    const auto& s3 = this->s3;
    const auto g = this->g;
    const struct {
        State before;
        State after;
        std::vector<typename TestFixture::Rec> expected;
    } rows[] = {
        {this->inc({s1, s2}),
         this->inc({s2, s3}),
         {this->rec(RecordType::AllowNewSources, g, {s3}),
          this->rec(RecordType::BlockOldSources, g, {s1})}},
        {this->exc({s1, s2}),
         this->exc({s2, s3}),
         {this->rec(RecordType::AllowNewSources, g, {s1}),
          this->rec(RecordType::BlockOldSources, g, {s3})}},
        {this->inc({s1}), this->exc({s2}), {this->rec(RecordType::ChangeToExcludeMode, g, {s2})}},
        {this->exc({s1}), this->inc({s2}), {this->rec(RecordType::ChangeToIncludeMode, g, {s2})}},
        // "If the computed source list for either an ALLOW or a BLOCK ... is empty, that
        // record is omitted."
        {this->inc({s1}), this->inc({s1, s2}), {this->rec(RecordType::AllowNewSources, g, {s2})}},
        {this->exc({s1}), this->exc({}), {this->rec(RecordType::AllowNewSources, g, {s1})}},
        {this->exc({}), this->exc({s3}), {this->rec(RecordType::BlockOldSources, g, {s3})}},
    };
    for (const auto& row : rows) {
        this->make();
        this->settle(g, row.before);
        (void)this->take_transitions();
        this->r->set_membership(g, row.after, this->now_);
        EXPECT_EQ(this->take(), std::vector{this->sc(row.expected)});
        // A filter-mode change (and only that) is one Transition.
        std::vector<Transition<typename TestFixture::A>> moved;
        if (row.before.mode != row.after.mode) {
            moved.push_back(
                this->filter(g, row.before.mode, "membership database changed", row.after.mode));
        }
        EXPECT_EQ(this->take_transitions(), moved);
    }
}

TYPED_TEST(HostReporterTest, CanonicalSequencesAreSentExactlyRvTimes) {
    using State = typename TestFixture::State;
    const auto g = this->g;
    const auto s1 = this->s1;
    const struct {
        const char* what;
        State before;
        State after;
        RecordType type;
        std::vector<typename TestFixture::A> sources;
    } rows[] = {
        {"first ASM listener", {}, this->exc({}), RecordType::ChangeToExcludeMode, {}},
        {"last ASM listener gone", this->exc({}), {}, RecordType::ChangeToIncludeMode, {}},
        {"first (S1,G)", {}, this->inc({s1}), RecordType::AllowNewSources, {s1}},
        {"last (S1,G) gone", this->inc({s1}), {}, RecordType::BlockOldSources, {s1}},
        {"ASM joiner", this->inc({s1}), this->exc({}), RecordType::ChangeToExcludeMode, {}},
        {"ASM leaves", this->exc({}), this->inc({s1}), RecordType::ChangeToIncludeMode, {s1}},
    };
    for (const std::uint32_t rv : {2U, 3U, 1U}) {
        for (const auto& row : rows) {
            SCOPED_TRACE(testing::Message() << row.what << ", RV " << rv);
            const typename TestFixture::Rec expected{
                row.type, g, SourceSet<typename TestFixture::A>::from(row.sources)};
            this->expect_rv_transmissions(row.before, row.after, this->sc({expected}), rv);
            // A deletion leaves no entry behind once its retransmissions are done.
            EXPECT_EQ(this->group_count(), row.after.is_empty() ? 0U : 1U);
        }
    }
}

TYPED_TEST(HostReporterTest, RetransmissionTimesAreTheDrawnDelays) {
    auto& r = this->make();
    r.set_membership(this->g, this->exc({}), this->t0);
    EXPECT_EQ(this->take().size(), 1U);
    const auto first = this->t0 + this->twin.delay_up_to(this->uri);
    EXPECT_EQ(r.next_deadline(), first);
    const auto sent = this->run_until(this->t0 + seconds{10});
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].at, first);
    EXPECT_EQ(r.next_deadline(), kNever);
}

TYPED_TEST(HostReporterTest, SourceChangeDuringRetransmissionMerges) {
    using RT = RecordType;
    const auto g = this->g;
    const auto s1 = this->s1;
    const auto s2 = this->s2;
    // RV 2: S1 has been sent twice by the merged report, so only S2 is retransmitted
    // ("its counter is set to [RV]. Each time a State Change Report is sent the counter
    // is decreased by one unit").
    auto& r = this->make();
    r.set_membership(g, this->inc({s1}), this->t0);
    r.set_membership(g, this->inc({s1, s2}), this->t0 + milliseconds{1});
    EXPECT_EQ(this->take(), (std::vector{this->sc({this->rec(RT::AllowNewSources, g, {s1})}),
                                         this->sc({this->rec(RT::AllowNewSources, g, {s1, s2})})}));
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(this->t0 + seconds{60})),
              std::vector{this->sc({this->rec(RT::AllowNewSources, g, {s2})})});

    // RV 3: the retransmission carries both, then S2 alone.
    this->config.vars.robustness = 3;
    auto& r3 = this->make();
    r3.set_membership(g, this->inc({s1}), this->t0);
    r3.set_membership(g, this->inc({s1, s2}), this->t0 + milliseconds{1});
    (void)this->take();
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(this->t0 + seconds{60})),
              (std::vector{this->sc({this->rec(RT::AllowNewSources, g, {s1, s2})}),
                           this->sc({this->rec(RT::AllowNewSources, g, {s2})})}));
}

TYPED_TEST(HostReporterTest, ReversedChangeDuringRetransmission) {
    using RT = RecordType;
    const auto g = this->g;
    auto& r = this->make();
    r.set_membership(g, this->inc({this->s1}), this->t0);
    r.set_membership(g, this->inc({}), this->t0 + milliseconds{1});
    EXPECT_EQ(this->take(),
              (std::vector{this->sc({this->rec(RT::AllowNewSources, g, {this->s1})}),
                           this->sc({this->rec(RT::BlockOldSources, g, {this->s1})})}));
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(this->t0 + seconds{60})),
              std::vector{this->sc({this->rec(RT::BlockOldSources, g, {this->s1})})});
    EXPECT_EQ(this->group_count(), 0U);
    EXPECT_EQ(r.find(g), nullptr);
}

TYPED_TEST(HostReporterTest, FilterModeChangeSupersedesPendingSourceRecords) {
    using RT = RecordType;
    const auto g = this->g;
    auto& r = this->make();
    r.set_membership(g, this->inc({this->s1}), this->t0);
    r.set_membership(g, this->exc({}), this->t0 + milliseconds{1});
    EXPECT_EQ(this->take(), (std::vector{this->sc({this->rec(RT::AllowNewSources, g, {this->s1})}),
                                         this->sc({this->rec(RT::ChangeToExcludeMode, g, {})})}));
    // No stale ALLOW{S1}: the TO_EX records carry the whole state.
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(this->t0 + seconds{60})),
              std::vector{this->sc({this->rec(RT::ChangeToExcludeMode, g, {})})});
}

TYPED_TEST(HostReporterTest, SourceChangeWhileFilterModeCounterRuns) {
    using RT = RecordType;
    const auto g = this->g;
    auto& r = this->make();
    r.set_membership(g, this->exc({}), this->t0);
    r.set_membership(g, this->exc({this->s1}), this->t0 + milliseconds{1});
    // "If the report should contain a Filter Mode Change Record ... a TO_EX record" of
    // the current state; then, the mode counter spent, the source record.
    EXPECT_EQ(this->take(),
              (std::vector{this->sc({this->rec(RT::ChangeToExcludeMode, g, {})}),
                           this->sc({this->rec(RT::ChangeToExcludeMode, g, {this->s1})})}));
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(this->t0 + seconds{60})),
              std::vector{this->sc({this->rec(RT::BlockOldSources, g, {this->s1})})});
}

TYPED_TEST(HostReporterTest, NothingToReport) {
    auto& r = this->make();
    r.set_membership(this->g, this->inc({}), this->t0); // no state → no state
    this->settle(this->g2, this->inc({this->s1}));
    r.set_membership(this->g2, this->inc({this->s1}), this->now_); // unchanged
    // Link-scope groups never go upstream (rfc-map item 32); SSM never with EXCLUDE
    // (RFC 4604 §2.2.2).
    r.set_membership(this->link, this->exc({}), this->now_);
    r.set_membership(this->sg, this->exc({}), this->now_);
    EXPECT_TRUE(this->take().empty());
    EXPECT_EQ(r.next_deadline(), kNever);
    EXPECT_EQ(r.counters().untrackable_refused, 1U);
    EXPECT_EQ(r.counters().ssm_exclude_refused, 1U);
    EXPECT_EQ(r.find(this->sg), nullptr);
    EXPECT_EQ(r.listening_groups(), 1U);
}

TYPED_TEST(HostReporterTest, SsmGroupsGetOnlyIncludeRecords) {
    using RT = RecordType;
    auto& r = this->make();
    r.set_membership(this->sg, this->inc({this->s1}), this->t0);
    EXPECT_EQ(this->take(),
              std::vector{this->sc({this->rec(RT::AllowNewSources, this->sg, {this->s1})})});
    r.resend_all(this->t0 + milliseconds{1});
    EXPECT_EQ(this->take(),
              std::vector{this->cs({this->rec(RT::ModeIsInclude, this->sg, {this->s1})})});
}

TYPED_TEST(HostReporterTest, DumpViewShowsPendingRetransmissions) {
    auto& r = this->make();
    r.set_membership(this->g, this->exc({this->s2}), this->t0);
    std::size_t seen = 0;
    r.for_each_group([&](const HostGroupView<typename TestFixture::A>& v) {
        ++seen;
        EXPECT_EQ(v.group, this->g);
        EXPECT_EQ(v.state, this->exc({this->s2}));
        EXPECT_EQ(v.pending_retransmissions, 1U);
        EXPECT_EQ(v.next_retransmission, r.next_deadline());
        EXPECT_EQ(v.response_at, kNever);
    });
    EXPECT_EQ(seen, 1U);
    EXPECT_EQ(r.counters().state_change_reports, 1U);
    EXPECT_EQ(r.counters().records, 1U);
}

// ---- Query responses (item 35) ----------------------------------------------------------

template <class Family>
class HostQueryTest : public HostReporterTest<Family> {
protected:
    // The item 35 database: G EXCLUDE{S2}, G2 INCLUDE{S1}; RV 1 so no draw precedes
    // the queries' and the twin stays in step.
    void SetUp() override {
        this->config.vars.robustness = 1;
        this->make();
        this->r->set_membership(this->g, this->exc({this->s2}), this->t0);
        this->r->set_membership(this->g2, this->inc({this->s1}), this->t0);
        (void)this->take();
    }
    const TimePoint t = this->t0 + seconds{100};
    const Duration second = milliseconds{1'000};
};
TYPED_TEST_SUITE(HostQueryTest, Families);

TYPED_TEST(HostQueryTest, GeneralQueryAnswersEveryGroupAfterTheDrawnDelay) {
    using RT = RecordType;
    auto& r = *this->r;
    r.on_query(this->general(this->kNew, this->second), this->t);
    const auto expected_at = this->t + this->twin.delay_up_to(this->second);
    EXPECT_EQ(r.general_response_at(), expected_at);
    EXPECT_GT(expected_at, this->t);
    EXPECT_LE(expected_at, this->t + this->second);
    const auto sent = this->run_until(this->t + seconds{2});
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].at, expected_at);
    EXPECT_EQ(sent[0].output, this->cs({this->rec(RT::ModeIsExclude, this->g, {this->s2}),
                                        this->rec(RT::ModeIsInclude, this->g2, {this->s1})}));
    EXPECT_EQ(r.counters().current_state_reports, 1U);
    EXPECT_EQ(r.counters().queries_by_version[this->kNew], 1U);
}

TYPED_TEST(HostQueryTest, NeverAnswersAtOnce) {
    auto& r = *this->r;
    // MRC 0 (M9): the smallest positive delay, not 0.
    r.on_query(this->general(this->kNew, Duration{0}), this->t);
    EXPECT_EQ(r.general_response_at(), this->t + Duration{1});
    (void)this->run_until(this->t + seconds{1});
    for (int i = 0; i < 100; ++i) {
        const auto now = this->t + seconds{10} * (i + 1);
        r.on_query(this->general(this->kNew, this->second), now);
        EXPECT_GT(r.general_response_at(), now);
        EXPECT_LE(r.general_response_at(), now + this->second);
        (void)this->run_until(now + seconds{2});
    }
}

TYPED_TEST(HostQueryTest, GroupAndSourceSpecificResponses) {
    using RT = RecordType;
    auto& r = *this->r;
    const auto mrd = this->second;
    r.on_query(this->specific(this->kNew, this->g2, {this->s1, this->s3}, mrd), this->t);
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(this->t + seconds{2})),
              std::vector{this->cs({this->rec(RT::ModeIsInclude, this->g2, {this->s1})})});
    r.on_query(this->specific(this->kNew, this->g, {this->s2, this->s3}, mrd),
               this->t + seconds{10});
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(this->t + seconds{12})),
              std::vector{this->cs({this->rec(RT::ModeIsInclude, this->g, {this->s3})})});
    // EXCLUDE{S2} asked only about S2: IS_IN({}) — "no response is sent".
    r.on_query(this->specific(this->kNew, this->g, {this->s2}, mrd), this->t + seconds{20});
    EXPECT_NE(r.next_deadline(), kNever);
    EXPECT_TRUE(this->run_until(this->t + seconds{22}).empty());
    // Q(G3) for an absent group: nothing scheduled at all.
    r.on_query(this->specific(this->kNew, this->g3, {}, mrd), this->t + seconds{30});
    EXPECT_EQ(r.next_deadline(), kNever);
    // Q(G): the whole record.
    r.on_query(this->specific(this->kNew, this->g, {}, mrd), this->t + seconds{40});
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(this->t + seconds{42})),
              std::vector{this->cs({this->rec(RT::ModeIsExclude, this->g, {this->s2})})});
}

TYPED_TEST(HostQueryTest, Rule3SpecificQueryBeforeAPendingGeneralResponse) {
    using RT = RecordType;
    auto& r = *this->r;
    // GQ at t with MRD 5 s, Q(G2) at t + 0.1 s with MRD 0.5 s (item 35).
    r.on_query(this->general(this->kNew, seconds{5}), this->t);
    const auto gq_at = this->t + this->twin.delay_up_to(seconds{5});
    const auto q_at = this->t + milliseconds{100} + this->twin.delay_up_to(milliseconds{500});
    ASSERT_GT(gq_at, q_at) << "seed no longer exercises rule 3";
    r.on_query(this->specific(this->kNew, this->g2, {}, milliseconds{500}),
               this->t + milliseconds{100});
    const auto sent = this->run_until(this->t + seconds{10});
    ASSERT_EQ(sent.size(), 2U);
    EXPECT_EQ(sent[0].at, q_at);
    EXPECT_LE(sent[0].at, this->t + milliseconds{600});
    EXPECT_EQ(sent[0].output, this->cs({this->rec(RT::ModeIsInclude, this->g2, {this->s1})}));
    EXPECT_EQ(sent[1].at, gq_at);
    EXPECT_EQ(sent[1].output, this->cs({this->rec(RT::ModeIsExclude, this->g, {this->s2}),
                                        this->rec(RT::ModeIsInclude, this->g2, {this->s1})}));
}

TYPED_TEST(HostQueryTest, Rule1PendingGeneralResponseCoversLaterQueries) {
    auto& r = *this->r;
    r.on_query(this->general(this->kNew, milliseconds{1}), this->t);
    const auto gq_at = this->t + this->twin.delay_up_to(milliseconds{1});
    const auto q_at = this->t + this->twin.delay_up_to(seconds{5});
    ASSERT_LT(gq_at, q_at) << "seed no longer exercises rule 1";
    r.on_query(this->specific(this->kNew, this->g2, {}, seconds{5}), this->t);
    r.on_query(this->general(this->kNew, seconds{5}), this->t); // rule 1 before rule 2
    EXPECT_EQ(r.general_response_at(), gq_at);
    EXPECT_EQ(this->response_at(this->g2), kNever);
    const auto sent = this->run_until(this->t + seconds{10});
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].at, gq_at);
}

TYPED_TEST(HostQueryTest, Rule2LaterGeneralQueryReplacesThePendingOne) {
    auto& r = *this->r;
    r.on_query(this->general(this->kNew, seconds{5}), this->t);
    const auto first = this->t + this->twin.delay_up_to(seconds{5});
    const auto second = this->t + this->twin.delay_up_to(milliseconds{10});
    ASSERT_LT(second, first);
    r.on_query(this->general(this->kNew, milliseconds{10}), this->t);
    EXPECT_EQ(r.general_response_at(), second);
    EXPECT_EQ(this->run_until(this->t + seconds{10}).size(), 1U);
}

TYPED_TEST(HostQueryTest, Rule4GroupQueryClearsRecordedSources) {
    using RT = RecordType;
    auto& r = *this->r;
    r.on_query(this->specific(this->kNew, this->g, {this->s3}, seconds{1}), this->t);
    const auto a = this->t + this->twin.delay_up_to(seconds{1});
    r.on_query(this->specific(this->kNew, this->g, {}, seconds{1}), this->t);
    const auto b = this->t + this->twin.delay_up_to(seconds{1});
    EXPECT_EQ(this->response_at(this->g), std::min(a, b));
    const auto sent = this->run_until(this->t + seconds{2});
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].at, std::min(a, b));
    EXPECT_EQ(sent[0].output, this->cs({this->rec(RT::ModeIsExclude, this->g, {this->s2})}));

    // A pending Q(G) stays a group answer when a Q(G,S) follows (empty recorded list).
    r.on_query(this->specific(this->kNew, this->g, {}, seconds{1}), this->t + seconds{5});
    r.on_query(this->specific(this->kNew, this->g, {this->s3}, seconds{1}), this->t + seconds{5});
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(this->t + seconds{7})),
              std::vector{this->cs({this->rec(RT::ModeIsExclude, this->g, {this->s2})})});
}

TYPED_TEST(HostQueryTest, Rule5SourceListsAccumulate) {
    using RT = RecordType;
    auto& r = *this->r;
    r.on_query(this->specific(this->kNew, this->g, {this->s3}, seconds{1}), this->t);
    const auto a = this->t + this->twin.delay_up_to(seconds{1});
    r.on_query(this->specific(this->kNew, this->g, {this->s1, this->s2}, seconds{1}),
               this->t + milliseconds{1});
    const auto b = this->t + milliseconds{1} + this->twin.delay_up_to(seconds{1});
    const auto sent = this->run_until(this->t + seconds{2});
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].at, std::min(a, b));
    // EXCLUDE{S2}, B = {S1,S2,S3}: IS_IN(B − A).
    EXPECT_EQ(sent[0].output,
              this->cs({this->rec(RT::ModeIsInclude, this->g, {this->s1, this->s3})}));
}

TYPED_TEST(HostQueryTest, RecordedSourcesAreCapped) {
    using RT = RecordType;
    this->config.max_recorded_sources_per_group = 2;
    this->SetUp();
    auto& r = *this->r;
    r.on_query(this->specific(this->kNew, this->g, {this->s1, this->s3}, seconds{1}), this->t);
    r.on_query(this->specific(this->kNew, this->g, {this->s4}, seconds{1}), this->t);
    // Three sources would exceed the cap: the answer is the whole record instead.
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(this->t + seconds{2})),
              std::vector{this->cs({this->rec(RT::ModeIsExclude, this->g, {this->s2})})});
    EXPECT_EQ(r.counters().recorded_sources_capped, 1U);
    r.on_query(this->specific(this->kNew, this->g2, {this->s1, this->s3, this->s4}, seconds{1}),
               this->t + seconds{5});
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(this->t + seconds{7})),
              std::vector{this->cs({this->rec(RT::ModeIsInclude, this->g2, {this->s1})})});
    EXPECT_EQ(r.counters().recorded_sources_capped, 2U);
}

TYPED_TEST(HostQueryTest, GeneralQueryFloodLeavesOnePendingResponse) {
    auto& r = *this->r;
    for (int i = 0; i < 1000; ++i) {
        r.on_query(this->general(this->kNew, Duration{0}), this->t + Duration{i % 2});
    }
    EXPECT_EQ(this->response_at(this->g), kNever);
    EXPECT_EQ(this->response_at(this->g2), kNever);
    EXPECT_EQ(this->run_until(this->t + seconds{1}).size(), 1U);
    EXPECT_EQ(r.counters().queries_by_version[this->kNew], 1000U);
}

TYPED_TEST(HostQueryTest, NoStateNoGeneralResponse) {
    auto& r = *this->r;
    r.set_membership(this->g, this->inc({}), this->t);
    r.set_membership(this->g2, this->inc({}), this->t);
    (void)this->take();
    r.on_query(this->general(this->kNew, seconds{1}), this->t);
    EXPECT_EQ(r.general_response_at(), kNever);
}

// ---- Commands ------------------------------------------------------------------------

TYPED_TEST(HostQueryTest, ResendAllAndLeaveAll) {
    using RT = RecordType;
    auto& r = *this->r;
    r.resend_all(this->t);
    EXPECT_EQ(this->take(),
              std::vector{this->cs({this->rec(RT::ModeIsExclude, this->g, {this->s2}),
                                    this->rec(RT::ModeIsInclude, this->g2, {this->s1})})});
    r.on_query(this->general(this->kNew, seconds{1}), this->t);
    r.leave_all(this->t + milliseconds{1});
    // Each group to "non-existent": EXCLUDE → TO_IN({}), INCLUDE(A) → BLOCK(A); once.
    EXPECT_EQ(this->take(),
              std::vector{this->sc({this->rec(RT::ChangeToIncludeMode, this->g, {}),
                                    this->rec(RT::BlockOldSources, this->g2, {this->s1})})});
    EXPECT_EQ(r.next_deadline(), kNever);
    EXPECT_EQ(this->group_count(), 0U);
    EXPECT_EQ(r.listening_groups(), 0U);
    r.leave_all(this->t + milliseconds{2});
    r.resend_all(this->t + milliseconds{2});
    EXPECT_TRUE(this->take().empty());
}

// ---- Transitions of the reported filter mode ------------------------------------------

// The merged state's filter mode is a state machine of its own (RFC 3810 §6.1: a mode
// change is what sends TO_IN / TO_EX): each change is one Transition, a source change
// none; leaving everything at shutdown ends every EXCLUDE.
TYPED_TEST(HostReporterTest, FilterModeChangesAreTransitions) {
    auto& r = this->make();
    const auto& g = this->g;
    r.set_membership(g, this->exc({}), this->t0);
    r.set_membership(this->g2, this->inc({this->s1}), this->t0);
    r.set_membership(g, this->exc({this->s1}), this->t0 + seconds{1});
    r.set_membership(g, this->inc({this->s2}), this->t0 + seconds{2});
    r.set_membership(g, this->exc({}), this->t0 + seconds{3});
    (void)this->take();
    EXPECT_EQ(this->take_transitions(),
              (std::vector{this->filter(g, FilterMode::Include, "membership database changed",
                                        FilterMode::Exclude),
                           this->filter(g, FilterMode::Exclude, "membership database changed",
                                        FilterMode::Include),
                           this->filter(g, FilterMode::Include, "membership database changed",
                                        FilterMode::Exclude)}));
    r.leave_all(this->t0 + seconds{4});
    (void)this->take();
    EXPECT_EQ(this->take_transitions(),
              std::vector{this->filter(g, FilterMode::Exclude, "leave all", FilterMode::Include)});
}

// ---- Compatibility modes (item 36) and SSM in them (item 38) --------------------------

// RFC 9777 §8.2.1 / RFC 9776 §7.2.1: "It is RECOMMENDED that implementations provide a
// configuration option to disable the use of Host Compatibility Mode". With it off, every
// query older than the configured version, general or specific, is ignored and counted:
// no mode change, no answer. The newest version's queries are answered as always.
TYPED_TEST(HostReporterTest, HostCompatibilityOffIgnoresOlderQueries) {
    using Query = typename TestFixture::Query;
    const auto kNew = this->kNew;
    this->config.host_compatibility = false;
    auto& r = this->make();
    this->settle(this->g, this->exc({}));
    (void)this->take_transitions();
    std::vector<Query> older;
    for (std::uint8_t v = 1; v < kNew; ++v) {
        older.push_back(this->general(v, seconds{1}));
        older.push_back(this->specific(v, this->g, {}, seconds{1}));
    }
    for (const auto& q : older) {
        r.on_query(q, this->now_);
    }
    EXPECT_TRUE(this->take().empty());
    EXPECT_TRUE(this->take_transitions().empty());
    EXPECT_EQ(r.current_version(), kNew);
    EXPECT_EQ(r.compatibility().next_deadline(), kNever);
    EXPECT_EQ(r.next_deadline(), kNever);
    EXPECT_EQ(r.counters().older_queries_ignored, older.size());
    r.on_query(this->general(kNew, seconds{1}), this->now_);
    EXPECT_EQ(this->outputs_of(this->run_until(this->now_ + seconds{2})),
              std::vector{this->cs({this->rec(RecordType::ModeIsExclude, this->g, {})})});
    EXPECT_EQ(r.counters().older_queries_ignored, older.size());
}

// "Older" is older than the configured version: an MLDv1-only (IGMPv2) upstream still
// answers MLDv1 (IGMPv2) queries with compatibility off; only IGMPv1 is then older.
TYPED_TEST(HostReporterTest, HostCompatibilityOffKeepsTheConfiguredOlderVersion) {
    const auto kOld = this->kOld;
    this->config.host_compatibility = false;
    this->config.newest_version = kOld;
    auto& r = this->make();
    this->settle(this->g, this->exc({}));
    r.on_query(this->general(kOld, seconds{1}), this->now_);
    EXPECT_EQ(this->outputs_of(this->run_until(this->now_ + seconds{2})),
              std::vector{this->old(kOld, this->g)});
    EXPECT_EQ(r.counters().older_queries_ignored, 0U);
    for (std::uint8_t v = 1; v < kOld; ++v) { // IGMP: the IGMPv1 query
        r.on_query(this->general(v, Duration{0}), this->now_ + seconds{2});
    }
    EXPECT_EQ(r.current_version(), kOld);
    EXPECT_EQ(r.counters().older_queries_ignored, kOld - 1U);
    if (kOld > 1) {
        EXPECT_EQ(r.compatibility().older_querier_until(1), kNever); // IGMPv1 timer not started
    }
}

// RFC 9777 §8.2.1 / RFC 9776 §7.2.1: an older General Query while SSM groups have state,
// or an older Group-Specific Query for an SSM group, "SHOULD log an error"; the reporter
// emits one HostSsmQueryError per 10 s and counts the rest. One row per query, in order.
TYPED_TEST(HostReporterTest, OlderQueryConcerningSsmIsAnErrorRateLimited) {
    using A = typename TestFixture::A;
    using Output = typename TestFixture::Output;
    const auto kOld = this->kOld;
    const A none{};
    auto& r = this->make();
    this->settle(this->g, this->exc({}));
    this->settle(this->sg, this->inc({this->s1}));
    const auto t = this->now_;
    struct Row {
        const char* what;
        std::int64_t at_s;
        std::uint8_t version;
        A group; // unspecified: General Query
        std::vector<Output> errors;
    };
    const Row rows[] = {
        {"newest-version General Query", 0, this->kNew, none, {}},
        {"older General Query, 1 SSM group", 0, kOld, none, {this->ssm_error(kOld, none, 1, 0)}},
        {"the same 1 s later: suppressed", 1, kOld, none, {}},
        {"older Group-Specific Query, ASM group", 2, kOld, this->g, {}},
        {"older Group-Specific Query, SSM group: suppressed", 3, kOld, this->sg, {}},
        {"10 s after the first error", 11, kOld, this->sg, {this->ssm_error(kOld, this->sg, 1, 2)}},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.what);
        auto q = this->general(row.version, seconds{1});
        q.group = row.group;
        r.on_query(q, t + seconds{row.at_s});
        std::vector<Output> errors;
        for (auto& o : this->take()) {
            if (std::holds_alternative<HostSsmQueryError<A>>(o)) {
                errors.push_back(o);
            }
        }
        EXPECT_EQ(errors, row.errors);
    }
    EXPECT_EQ(r.counters().ssm_query_errors, 4U);
    // Without SSM state a General Query is no error; a query for an SSM address still is.
    r.set_membership(this->sg, this->inc({}), t + seconds{12});
    (void)this->take();
    r.on_query(this->general(kOld, seconds{1}), t + seconds{30});
    EXPECT_TRUE(this->take().empty());
    r.on_query(this->specific(kOld, this->sg, {}, seconds{1}), t + seconds{31});
    EXPECT_EQ(this->take(), std::vector{this->ssm_error(kOld, this->sg, 0, 0)});
    EXPECT_EQ(r.counters().ssm_query_errors, 5U);
}

// The error does not depend on following the older querier: with the Host Compatibility
// Mode off the query is ignored, and still logged.
TYPED_TEST(HostReporterTest, SsmErrorAlsoWithHostCompatibilityOff) {
    this->config.host_compatibility = false;
    auto& r = this->make();
    this->settle(this->sg, this->inc({this->s1}));
    r.on_query(this->general(this->kOld, seconds{1}), this->now_);
    EXPECT_EQ(this->take(), std::vector{this->ssm_error(this->kOld, {}, 1, 0)});
    EXPECT_EQ(r.current_version(), this->kNew);
}

TYPED_TEST(HostReporterTest, OlderQuerierSwitchesToOldReportsUntilOvqpt) {
    using RT = RecordType;
    const auto kOld = this->kOld;
    const auto kNew = this->kNew;
    auto& r = this->make();
    this->settle(this->g, this->exc({}));
    this->settle(this->g2, this->inc({this->s1}));
    this->settle(this->sg, this->inc({this->s1}));
    for (int i = 0; i < 3; ++i) { // the settles' retransmission draws
        (void)this->twin.delay_up_to(this->uri);
    }
    const auto t = this->now_ + seconds{100};
    (void)this->take_transitions();
    r.on_query(this->general(kOld, seconds{10}), t);
    EXPECT_EQ(this->take(),
              (std::vector{this->ssm_error(kOld, {}, 1, 0), this->mode(kNew, kOld, 1)}));
    EXPECT_EQ(this->take_transitions(),
              std::vector{this->compat(kNew, "older-version query received", kOld)});
    EXPECT_EQ(r.current_version(), kOld);
    // OVQPT = RV·QI + QRI = 2·125 s + 10 s.
    EXPECT_EQ(r.compatibility().older_querier_until(kOld), t + seconds{260});
    const auto g_at = t + this->twin.delay_up_to(seconds{10});
    const auto g2_at = t + this->twin.delay_up_to(seconds{10});
    EXPECT_EQ(this->response_at(this->g), g_at);
    EXPECT_EQ(this->response_at(this->g2), g2_at);
    EXPECT_EQ(this->response_at(this->sg), kNever); // RFC 4607 §8: never reported
    const auto sent = this->run_until(t + seconds{10});
    ASSERT_EQ(sent.size(), 2U);
    EXPECT_EQ(sent[0].output, this->old(kOld, g_at < g2_at ? this->g : this->g2));
    EXPECT_EQ(sent[1].output, this->old(kOld, g_at < g2_at ? this->g2 : this->g));
    EXPECT_GE(r.counters().ssm_suppressed, 1U);

    // A creation: report now, repeated RV − 1 = 1 time after the delay drawn from
    // (0, old URI] (10 s): neither the MLDv2/IGMPv3 URI (1 s) nor a fixed delay.
    const auto t2 = t + seconds{20};
    this->twin = this->rng;
    r.set_membership(this->g3, this->inc({this->s1}), t2);
    EXPECT_EQ(this->take(), std::vector{this->old(kOld, this->g3)});
    const auto repeat = this->run_until(t2 + seconds{30});
    ASSERT_EQ(repeat.size(), 1U);
    EXPECT_EQ(repeat[0].output, this->old(kOld, this->g3));
    EXPECT_GT(repeat[0].at, t2);
    EXPECT_LE(repeat[0].at, t2 + seconds{10});
    EXPECT_EQ(repeat[0].at, t2 + this->twin.delay_up_to(seconds{10}));
    // "All other changes are ignored"; SSM changes are never reported; deletion → Done/Leave.
    r.set_membership(this->g2, this->inc({this->s1, this->s2}), t2 + seconds{40});
    r.set_membership(this->sg, this->inc({}), t2 + seconds{40});
    r.set_membership(this->g, this->inc({}), t2 + seconds{40});
    EXPECT_EQ(this->take(), std::vector{this->leave(this->g)});
    EXPECT_EQ(r.counters().old_leaves, 1U);
    // The reported state still has a filter mode in the old version: g left EXCLUDE.
    EXPECT_EQ(this->take_transitions(),
              std::vector{this->filter(this->g, FilterMode::Exclude, "membership database changed",
                                       FilterMode::Include)});

    // OVQPT after the last old query: back to the newest version; the state learned
    // meanwhile is the base of the next change.
    EXPECT_EQ(r.next_deadline(), t + seconds{260});
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(t + seconds{260})),
              std::vector{this->mode(kOld, kNew, 0)});
    EXPECT_EQ(this->take_transitions(),
              std::vector{this->compat(kOld, "Older Version Querier Present timer expired", kNew)});
    EXPECT_EQ(r.current_version(), kNew);
    r.set_membership(this->g2, this->inc({this->s2}), t + seconds{261});
    EXPECT_EQ(this->take(),
              std::vector{this->sc({this->rec(RT::BlockOldSources, this->g2, {this->s1})})});
}

TYPED_TEST(HostReporterTest, EveryOldQueryRestartsOvqpt) {
    auto& r = this->make();
    r.on_query(this->general(this->kOld, seconds{10}), this->t0);
    r.on_query(this->general(this->kOld, seconds{10}), this->t0 + seconds{200});
    EXPECT_EQ(r.compatibility().older_querier_until(this->kOld), this->t0 + seconds{460});
    r.on_timer(this->t0 + seconds{300});
    EXPECT_EQ(r.current_version(), this->kOld);
    r.on_timer(this->t0 + seconds{460});
    EXPECT_EQ(r.current_version(), this->kNew);
    EXPECT_EQ(r.counters().mode_changes, 2U);
}

TYPED_TEST(HostReporterTest, ModeSwitchCancelsPendingNewVersionWork) {
    auto& r = this->make();
    r.set_membership(this->g, this->exc({}), this->t0); // a retransmission is now pending
    r.on_query(this->general(this->kNew, seconds{10}), this->t0);
    EXPECT_NE(r.general_response_at(), kNever);
    (void)this->take();
    r.on_query(this->general(this->kOld, seconds{10}), this->t0 + milliseconds{1});
    EXPECT_EQ(r.general_response_at(), kNever);
    EXPECT_EQ(this->take(), std::vector{this->mode(this->kNew, this->kOld, 0)});
    // Only the old-version answer to the old query follows: no TO_EX, no IS_EX.
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(this->t0 + seconds{60})),
              std::vector{this->old(this->kOld, this->g)});
    // Back in the newest version, the cancelled TO_EX counter is gone: a source change
    // is a plain BLOCK, sent RV times.
    const auto back = this->t0 + milliseconds{1} + seconds{260};
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(back)),
              std::vector{this->mode(this->kOld, this->kNew, 0)});
    r.set_membership(this->g, this->exc({this->s1}), back);
    const auto block = this->sc({this->rec(RecordType::BlockOldSources, this->g, {this->s1})});
    EXPECT_EQ(this->take(), std::vector{block});
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(back + seconds{60})), std::vector{block});
}

// MLD: the switch back comes RV·QI + QRI after the old query (9 s here), which can be
// before the response drawn for the query's longer Max Response Delay: that response is
// not sent. IGMP: the switch back comes RV·QI + the query's Max Response Time after it
// (RFC 9776 §8.12; 8 s + 25 s here), so the response is always sent first.
TYPED_TEST(HostReporterTest, ModeSwitchBackCancelsPendingOldResponse) {
    this->config.vars = fast_test_profile(); // RV·QI = 2·4 s, QRI 1 s
    auto& r = this->make();
    this->settle(this->g, this->exc({}));
    (void)this->twin.delay_up_to(milliseconds{500});
    const auto t = this->now_ + seconds{100};
    r.on_query(this->general(this->kOld, seconds{25}), t);
    const auto pending = t + this->twin.delay_up_to(seconds{25});
    ASSERT_GT(pending, t + seconds{9}) << "seed no longer exercises the cancellation";
    EXPECT_EQ(this->response_at(this->g), pending);
    (void)this->take();
    const auto sent = this->run_until(t + seconds{60});
    if constexpr (TestFixture::kIgmp) {
        ASSERT_EQ(sent.size(), 2U);
        EXPECT_EQ(sent[0].at, pending);
        EXPECT_EQ(sent[0].output, this->old(this->kOld, this->g));
        EXPECT_EQ(sent[1].at, t + seconds{33});
        EXPECT_EQ(sent[1].output, this->mode(this->kOld, this->kNew, 0));
    } else {
        // "A pending v1 response must not be sent after the mode switch."
        ASSERT_EQ(sent.size(), 1U);
        EXPECT_EQ(sent[0].at, t + seconds{9});
        EXPECT_EQ(sent[0].output, this->mode(this->kOld, this->kNew, 0));
    }
}

TYPED_TEST(HostReporterTest, OldModeResponseTimerResetOnlyBySmallerDelay) {
    auto& r = this->make();
    this->settle(this->g, this->exc({}));
    (void)this->twin.delay_up_to(this->uri);
    const auto t = this->now_ + seconds{100};
    r.on_query(this->general(this->kOld, seconds{10}), t);
    const auto first = t + this->twin.delay_up_to(seconds{10});
    ASSERT_GT(first, t + milliseconds{2});
    EXPECT_EQ(this->take(), std::vector{this->mode(this->kNew, this->kOld, 0)});
    // Same MRD, more than what remains: kept (and nothing drawn).
    r.on_query(this->general(this->kOld, seconds{10}), t + milliseconds{1});
    EXPECT_EQ(this->response_at(this->g), first);
    // A smaller MRD than what remains: reset to a new draw.
    r.on_query(this->general(this->kOld, milliseconds{1}), t + milliseconds{1});
    const auto second = t + milliseconds{1} + this->twin.delay_up_to(milliseconds{1});
    EXPECT_EQ(this->response_at(this->g), second);
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(t + seconds{20})),
              std::vector{this->old(this->kOld, this->g)});
}

TYPED_TEST(HostReporterTest, OldModeFloodLeavesOneResponsePerGroup) {
    auto& r = this->make();
    this->settle(this->g, this->exc({}));
    this->settle(this->g2, this->inc({this->s1}));
    const auto t = this->now_ + seconds{100};
    for (int i = 0; i < 1000; ++i) {
        r.on_query(this->general(this->kOld, Duration{0}), t);
    }
    (void)this->take();
    const auto sent = TestFixture::outputs_of(this->run_until(t + seconds{1}));
    EXPECT_EQ(sent.size(), 2U);
}

TYPED_TEST(HostReporterTest, OldModeCommands) {
    auto& r = this->make();
    this->settle(this->g, this->exc({}));
    this->settle(this->sg, this->inc({this->s1}));
    this->settle(this->g2, this->inc({this->s1}));
    const auto t = this->now_;
    r.on_query(this->general(this->kOld, seconds{10}), t);
    EXPECT_EQ(this->take(), (std::vector{this->ssm_error(this->kOld, {}, 1, 0),
                                         this->mode(this->kNew, this->kOld, 1)}));
    r.resend_all(t + milliseconds{1});
    EXPECT_EQ(this->take(),
              (std::vector{this->old(this->kOld, this->g), this->old(this->kOld, this->g2)}));
    r.leave_all(t + milliseconds{2});
    EXPECT_EQ(this->take(), (std::vector{this->leave(this->g), this->leave(this->g2)}));
    EXPECT_EQ(r.next_deadline(), t + seconds{260}); // only the OVQPT timer is left
}

TYPED_TEST(HostReporterTest, OldOnlyConfiguration) {
    this->config.newest_version = this->kOld; // e.g. an MLDv1-only upstream
    auto& r = this->make();
    EXPECT_EQ(r.current_version(), this->kOld);
    r.set_membership(this->g, this->exc({this->s1}), this->t0);
    EXPECT_EQ(this->take(), std::vector{this->old(this->kOld, this->g)});
    EXPECT_EQ(TestFixture::outputs_of(this->run_until(this->t0 + seconds{30})),
              std::vector{this->old(this->kOld, this->g)}); // the one repeat
    // A newest-version query is answered the old way, and does not change the mode.
    r.on_query(this->specific(this->kNew, this->g, {this->s2}, seconds{1}), this->t0 + seconds{60});
    EXPECT_TRUE(this->take().empty());
    const auto sent = TestFixture::outputs_of(this->run_until(this->t0 + seconds{62}));
    EXPECT_EQ(sent, std::vector{this->old(this->kOld, this->g)});
    EXPECT_EQ(r.counters().mode_changes, 0U);
}

// ---- Family-specific compatibility rules ---------------------------------------------

class HostReporterIgmpTest : public HostReporterTest<Ipv4Family> {};

TEST_F(HostReporterIgmpTest, V1ThenV2ThenV3AsEachTimerExpires) {
    config.old_unsolicited_report_interval = milliseconds{1'000}; // repeats out of the way
    make();
    settle(g, exc({}));
    settle(g2, inc({s1}));
    const auto t = now_ + seconds{100};
    // An IGMPv1 query: MRC 0 read as 10 s (RFC 3376 §7.2.1), group field ignored.
    auto v1 = general(1, Duration{0});
    v1.group = g2;
    (void)take_transitions();
    r->on_query(v1, t);
    EXPECT_EQ(take(), std::vector{mode(3, 1, 0)});
    EXPECT_NE(response_at(g), kNever);
    EXPECT_LE(response_at(g), t + seconds{10});
    EXPECT_LE(response_at(g2), t + seconds{10});
    // v2 timer runs (RV·QI + its Max Response Time, RFC 9776 §8.12); v1 wins.
    r->on_query(general(2, seconds{5}), t + seconds{10});
    EXPECT_EQ(r->current_version(), 1);
    EXPECT_EQ(r->compatibility().older_querier_until(1), t + seconds{260});
    EXPECT_EQ(r->compatibility().older_querier_until(2), t + seconds{265});
    // One answer each, at the first draws: IGMPv1 never resets a running timer.
    const auto responses = outputs_of(run_until(t + seconds{20}));
    ASSERT_EQ(responses.size(), 2U);
    EXPECT_TRUE(responses == (std::vector{old(1, g), old(1, g2)}) ||
                responses == (std::vector{old(1, g2), old(1, g)}));
    r->set_membership(g, inc({}), t + seconds{30}); // IGMPv1: no Leave
    r->set_membership(g3, exc({}), t + seconds{30});
    EXPECT_EQ(take(), std::vector{old(1, g3)});
    (void)run_until(t + seconds{100});

    EXPECT_EQ(outputs_of(run_until(t + seconds{260})), std::vector{mode(1, 2, 0)});
    r->set_membership(g2, inc({}), t + seconds{261});
    r->set_membership(g, exc({}), t + seconds{261});
    EXPECT_EQ(take(), (std::vector{leave(g2), old(2, g)}));
    (void)run_until(t + seconds{264});

    EXPECT_EQ(outputs_of(run_until(t + seconds{265})), std::vector{mode(2, 3, 0)});
    r->set_membership(g, inc({}), t + seconds{266});
    EXPECT_EQ(take(), std::vector{sc({rec(RecordType::ChangeToIncludeMode, g, {})})});
    EXPECT_EQ(r->counters().queries_by_version[1], 1U);
    EXPECT_EQ(r->counters().queries_by_version[2], 1U);
    // One Transition per mode change; the v2 query under a running v1 timer is none.
    std::vector<Transition<A>> modes;
    for (const auto& change : take_transitions()) {
        if (change.machine == StateMachine::HostCompatibility) {
            modes.push_back(change);
        }
    }
    EXPECT_EQ(modes, (std::vector{compat(3, "older-version query received", 1),
                                  compat(1, "Older Version Querier Present timer expired", 2),
                                  compat(2, "Older Version Querier Present timer expired", 3)}));
}

TEST_F(HostReporterIgmpTest, V2GroupSpecificQueryDoesNotSetTheV2Timer) {
    make();
    settle(g, exc({}));
    r->on_query(specific(2, g, {}, seconds{1}), now_);
    EXPECT_EQ(r->current_version(), 3);
    EXPECT_EQ(r->compatibility().older_querier_until(2), kNever);
    EXPECT_EQ(outputs_of(run_until(now_ + seconds{2})),
              std::vector{cs({rec(RecordType::ModeIsExclude, g, {})})});
}

TEST_F(HostReporterIgmpTest, V1ModeNeverResetsARunningTimer) {
    make();
    settle(g, exc({}));
    const auto t = now_ + seconds{100};
    r->on_query(general(1, Duration{0}), t);
    const auto first = response_at(g);
    r->on_query(general(2, milliseconds{1}), t + milliseconds{1});
    EXPECT_EQ(response_at(g), first);
}

class HostReporterMldTest : public HostReporterTest<Ipv6Family> {};

// RFC 9777 §8.2.1: the mode "is set to MLDv1 whenever an MLDv1 Multicast Address Listener
// General Query is received"; RFC 3810 said any MLDv1 query. A Multicast Address Specific
// Query of MLDv1 is answered in the mode the host is in.
TEST_F(HostReporterMldTest, OnlyAV1GeneralQuerySetsTheV1Timer) {
    make();
    settle(g, exc({}));
    r->on_query(specific(1, g, {}, seconds{1}), now_);
    EXPECT_EQ(r->current_version(), 2);
    EXPECT_EQ(r->compatibility().older_querier_until(1), kNever);
    EXPECT_EQ(outputs_of(run_until(now_ + seconds{2})),
              std::vector{cs({rec(RecordType::ModeIsExclude, g, {})})});
    now_ += seconds{2};
    r->on_query(general(1, seconds{1}), now_);
    EXPECT_EQ(r->current_version(), 1);
    EXPECT_EQ(r->compatibility().older_querier_until(1), now_ + seconds{260});
    EXPECT_EQ(outputs_of(run_until(now_ + seconds{2})), (std::vector{mode(2, 1, 0), old(1, g)}));
    // In MLDv1 mode a specific query neither restarts the timer nor leaves the mode.
    const auto until = r->compatibility().older_querier_until(1);
    now_ += seconds{2};
    r->on_query(specific(1, g, {}, seconds{1}), now_);
    EXPECT_EQ(r->compatibility().older_querier_until(1), until);
    EXPECT_EQ(outputs_of(run_until(now_ + seconds{2})), std::vector{old(1, g)});
}

// The helper appends one Transition per mode change, nothing otherwise.
template <class Family>
std::vector<std::pair<std::string_view, std::string_view>>
mode_changes(HostOutputs<typename Family::Address>& out) {
    std::vector<std::pair<std::string_view, std::string_view>> changes;
    for (const auto& o : out.take()) {
        const auto& t = std::get<Transition<typename Family::Address>>(o);
        EXPECT_EQ(t.machine, StateMachine::HostCompatibility);
        EXPECT_EQ(t.group, typename Family::Address{});
        changes.emplace_back(t.from, t.to);
    }
    return changes;
}

TEST(HostCompatibility, ModeIsTheOldestRunningTimerCappedByConfiguration) {
    using Changes = std::vector<std::pair<std::string_view, std::string_view>>;
    HostOutputs<Ipv4Address> igmp_out;
    const auto igmp_changes = [&igmp_out] { return mode_changes<Ipv4Family>(igmp_out); };
    HostCompatibility<Ipv4Family> igmp{0};
    EXPECT_EQ(igmp.version(), 3);
    igmp.on_query(3, true, at_ms(100), igmp_out);
    igmp.on_query(2, false, at_ms(100), igmp_out); // v2 group-specific
    EXPECT_EQ(igmp_changes(), Changes{});
    igmp.on_query(2, true, at_ms(100), igmp_out);
    EXPECT_EQ(igmp_changes(), (Changes{{"IGMPv3", "IGMPv2"}}));
    EXPECT_EQ(igmp.version(), 2);
    igmp.on_query(1, true, at_ms(50), igmp_out); // the reporter calls every IGMPv1 query general
    EXPECT_EQ(igmp_changes(), (Changes{{"IGMPv2", "IGMPv1"}}));
    EXPECT_EQ(igmp.version(), 1);
    EXPECT_EQ(igmp.next_deadline(), at_ms(50));
    igmp.expire(at_ms(49), igmp_out);
    EXPECT_EQ(igmp_changes(), Changes{});
    igmp.expire(at_ms(50), igmp_out);
    EXPECT_EQ(igmp_changes(), (Changes{{"IGMPv1", "IGMPv2"}}));
    EXPECT_EQ(igmp.version(), 2);
    igmp.expire(at_ms(100), igmp_out);
    EXPECT_EQ(igmp_changes(), (Changes{{"IGMPv2", "IGMPv3"}}));
    EXPECT_EQ(igmp.version(), 3);
    EXPECT_EQ(igmp.next_deadline(), kNever);

    HostOutputs<Ipv6Address> mld_out;
    HostCompatibility<Ipv6Family> mld_v1_only{1};
    EXPECT_EQ(mld_v1_only.version(), 1);
    mld_v1_only.on_query(1, true, at_ms(10), mld_out);
    mld_v1_only.expire(at_ms(10), mld_out);
    EXPECT_EQ(mode_changes<Ipv6Family>(mld_out), Changes{});
    HostCompatibility<Ipv6Family> mld{7};
    EXPECT_EQ(mld.version(), 2);
    mld.on_query(1, false, at_ms(10), mld_out); // MLDv1 Multicast Address Specific Query
    EXPECT_EQ(mode_changes<Ipv6Family>(mld_out), Changes{});
    EXPECT_EQ(mld.older_querier_until(1), kNever);
    mld.on_query(1, true, at_ms(10), mld_out);
    EXPECT_EQ(mode_changes<Ipv6Family>(mld_out), (Changes{{"MLDv2", "MLDv1"}}));
}

// OVQPT after an old query whose Max Response Time is not the configured QRI: IGMP takes
// the query's (RFC 9776 §8.12 as the PIM WG reads it), MLD keeps RV·QI + QRI (RFC 9777
// §9.12) (rfc-map P4-5).
TYPED_TEST(HostReporterTest, OvqptTakesTheLastQuerysMaxResponseTimeForIgmp) {
    auto& r = this->make();
    r.on_query(this->general(this->kOld, seconds{5}), this->t0);
    const auto expected = TestFixture::kIgmp ? seconds{255} : seconds{260};
    EXPECT_EQ(r.compatibility().older_querier_until(this->kOld), this->t0 + expected);
    r.on_query(this->general(this->kOld, seconds{20}), this->t0 + seconds{1});
    const auto longer = TestFixture::kIgmp ? seconds{270} : seconds{260};
    EXPECT_EQ(r.compatibility().older_querier_until(this->kOld), this->t0 + seconds{1} + longer);
}

} // namespace
