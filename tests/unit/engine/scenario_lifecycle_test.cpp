// SPDX-License-Identifier: BSD-3-Clause
// Scenario: the life of one ASM group, for MLD and IGMP (rfc-map items 14, 22, 23,
// 34, 40, 43): startup and periodic General Queries, a join reported upstream RV
// times, a listener that stays while it answers, a leave with its last-listener
// queries, expiry at LLQT, the removal reported upstream RV times, and data forwarded
// to the listener's link exactly while it has state.
#include "support/scenario_fixture.hpp"

#include <gtest/gtest.h>

using namespace ecmh;
using namespace ecmh::test;
using proto::at_ms;

namespace {

template <class F>
class ScenarioLifecycle : public ScenarioTest<F> {};

using Families = ::testing::Types<MldFamily, IgmpFamily>;
TYPED_TEST_SUITE(ScenarioLifecycle, Families, FamilyNames);

} // namespace

// Item 14: q0 at start, q1 = q0 + SQI (1 s), then every QI (4 s), on every downstream
// link and never on the upstream; fields MRC = QRI, S = 0, QRV = RV, QQIC = QI.
TYPED_TEST(ScenarioLifecycle, StartupAndPeriodicGeneralQueries) {
    using F = TypeParam;
    auto& s = this->s;
    s.run_until(at_ms(17'500));
    const auto events = s.take();
    for (const auto link : {s.d1(), s.d2()}) {
        const auto queries = select(events, {.link = link, .kind = Kind::GeneralQuery});
        EXPECT_EQ(ms_of(queries), (std::vector<std::int64_t>{0, 1000, 5000, 9000, 13'000, 17'000}))
            << dump(events);
        for (const auto& q : queries) {
            EXPECT_EQ(q.version, F::kNewest) << q;
            EXPECT_EQ(q.max_response_ms, 1000U) << q;
            EXPECT_FALSE(q.s_flag) << q;
            EXPECT_EQ(q.qrv, 2) << q;
            EXPECT_EQ(q.qqi_s, 4U) << q;
            EXPECT_EQ(q.source, link == s.d1() ? F::D1 : F::D2) << q;
        }
    }
    EXPECT_TRUE(select(events, {.link = s.u0()}).empty()) << dump(events);
    EXPECT_EQ(events.size(), 12U) << dump(events);
}

namespace {

// The whole life of G on d1, by a listener of the newest version (TO_EX / IS_EX /
// TO_IN) or of the old one (MLDv1 / IGMPv2 Report, Done / Leave).
template <class F>
void run_lifecycle(Scenario& s, bool old_host) {
    SCOPED_TRACE(old_host ? "old-version listener" : "newest-version listener");
    const auto d1 = s.d1();
    const auto u0 = s.u0();
    EXPECT_EQ(s.probe(F::S1, F::G, u0), std::vector<std::string>{}) << "no listener yet";

    // t = 2 s: h1a joins G.
    s.run_until(at_ms(2000));
    s.take();
    if (old_host) {
        s.old_report(d1, F::H1A, F::G);
    } else {
        s.report(d1, F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    }
    EXPECT_EQ(s.probe(F::S1, F::G, u0), std::vector<std::string>{"d1"});
    // It keeps answering every General Query 200 ms later.
    const int answering =
        old_host ? s.answer_queries_old(d1, F::H1A, F::G)
                 : s.answer_queries(d1, F::H1A, {{RecordType::ModeIsExclude, F::G, {}}});

    // Item 34: TO_EX({}) upstream at once, then RV − 1 = 1 more within URI (0.5 s).
    s.run_until(at_ms(3000));
    auto events = s.take();
    const auto joins = select(events, {.link = u0, .kind = Kind::V2Report});
    ASSERT_EQ(joins.size(), 2U) << dump(events);
    EXPECT_EQ(joins[0].at, at_ms(2000));
    EXPECT_GT(joins[1].at, at_ms(2000));
    EXPECT_LE(joins[1].at, at_ms(2500));
    for (const auto& r : joins) {
        EXPECT_EQ(r.version, F::kNewest);
        EXPECT_EQ(r.records, (Recs{{RecordType::ChangeToExcludeMode, F::G, {}}})) << r;
    }
    EXPECT_EQ(events.size(), 2U) << dump(events); // no query: a join needs none

    // Up to t = 20 s the listener answers and stays; data keeps reaching d1 only.
    for (int t = 3500; t <= 19'500; t += 2000) {
        s.run_until(at_ms(t));
        EXPECT_EQ(s.probe(F::S1, F::G, u0), std::vector<std::string>{"d1"}) << "t=" << t;
    }
    s.run_until(at_ms(20'000));
    events = s.take();
    EXPECT_EQ(ms_of(select(events, {.link = d1, .kind = Kind::GeneralQuery})),
              (std::vector<std::int64_t>{5000, 9000, 13'000, 17'000}));
    EXPECT_TRUE(select(events, {.link = u0}).empty()) << "nothing changed upstream\n"
                                                      << dump(events);
    EXPECT_TRUE(select(events, {.kind = Kind::GroupQuery}).empty()) << dump(events);

    // t = 20 s: h1a leaves and answers nothing any more.
    s.remove_observer(answering);
    if (old_host) {
        s.old_leave(d1, F::H1A, F::G);
    } else {
        s.report(d1, F::H1A, {{RecordType::ChangeToIncludeMode, F::G, {}}});
    }
    // Item 22: forwarding goes on during the last-listener query period …
    s.run_until(at_ms(20'599));
    EXPECT_EQ(s.probe(F::S1, F::G, u0), std::vector<std::string>{"d1"});
    // … and stops when LLQT (0.6 s) has passed without an answer.
    s.run_until(at_ms(20'600));
    EXPECT_EQ(s.probe(F::S1, F::G, u0), std::vector<std::string>{});
    s.run_until(at_ms(22'000));
    events = s.take();

    // LLQC = 2 Q(G), LLQI = 0.3 s apart, MRC = LLQI, S = 0, to the group, on d1 only.
    const auto group_queries = select(events, {.kind = Kind::GroupQuery});
    EXPECT_EQ(ms_of(group_queries), (std::vector<std::int64_t>{20'000, 20'300})) << dump(events);
    for (const auto& q : group_queries) {
        EXPECT_EQ(q.link, d1) << q;
        EXPECT_EQ(q.group, F::G) << q;
        EXPECT_EQ(q.version, F::kNewest) << q;
        EXPECT_EQ(q.max_response_ms, 300U) << q;
        EXPECT_FALSE(q.s_flag) << q;
    }
    EXPECT_TRUE(select(events, {.kind = Kind::GroupSourceQuery}).empty()) << dump(events);

    // Item 34: TO_IN({}) upstream at expiry, RV times, the second within URI.
    const auto leaves = select(events, {.link = u0});
    ASSERT_EQ(leaves.size(), 2U) << dump(events);
    EXPECT_EQ(leaves[0].at, at_ms(20'600));
    EXPECT_GT(leaves[1].at, at_ms(20'600));
    EXPECT_LE(leaves[1].at, at_ms(21'100));
    for (const auto& r : leaves) {
        EXPECT_EQ(r.kind, Kind::V2Report) << r;
        EXPECT_EQ(r.records, (Recs{{RecordType::ChangeToIncludeMode, F::G, {}}})) << r;
    }
    EXPECT_EQ(s.probe(F::S1, F::G, u0), std::vector<std::string>{});
}

} // namespace

TYPED_TEST(ScenarioLifecycle, JoinAnswerLeaveExpire) {
    run_lifecycle<TypeParam>(this->s, false);
}

TYPED_TEST(ScenarioLifecycle, OldVersionListenerJoinAnswerDoneExpire) {
    run_lifecycle<TypeParam>(this->s, true);
}

// A listener that stops answering is dropped at MALI (RV·QI + 2·QRI = 10 s, RFC 9777
// §9.4, RFC 9776 §8.4) after its last report, and the upstream hears TO_IN({}) then.
TYPED_TEST(ScenarioLifecycle, SilentListenerExpiresAtMali) {
    using F = TypeParam;
    auto& s = this->s;
    s.run_until(at_ms(2000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.run_until(at_ms(11'999));
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), std::vector<std::string>{"d1"});
    s.take();
    s.run_until(at_ms(12'000));
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), std::vector<std::string>{});
    s.run_until(at_ms(13'000));
    const auto events = s.take();
    const auto up = select(events, {.link = s.u0()});
    ASSERT_EQ(up.size(), 2U) << dump(events);
    EXPECT_EQ(up[0].at, at_ms(12'000));
    EXPECT_EQ(up[0].records, (Recs{{RecordType::ChangeToIncludeMode, F::G, {}}}));
    // No last-listener query for a timeout: nobody said they left.
    EXPECT_TRUE(select(events, {.kind = Kind::GroupQuery}).empty()) << dump(events);
}

// The same seed gives the same transcript, to the microsecond (reproducible runs).
TYPED_TEST(ScenarioLifecycle, SameSeedSameTranscript) {
    using F = TypeParam;
    const auto run = [](std::uint64_t seed) {
        Scenario s{Scenario::Options{.ipv6 = F::kV6, .ipv4 = !F::kV6, .seed = seed}};
        s.run_until(at_ms(1500));
        s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
        s.run_until(at_ms(3000));
        s.query(s.u0(), QueryIn{F::R_U, F::kNewest});
        s.run_until(at_ms(6000));
        std::string transcript;
        for (const auto& e : s.all()) {
            transcript += e.str() + "\n";
        }
        return transcript;
    };
    EXPECT_EQ(run(7), run(7));
}

// The default profile on the wire (rfc-map §0.2): MRC 10 s, QQIC 125, QRV 2, the
// second startup query SQI = 31.25 s after the first, the third QI = 125 s later; a
// leave's queries LLQI = 1 s apart with MRC 1 s.
TYPED_TEST(ScenarioLifecycle, DefaultProfileOnTheWire) {
    using F = TypeParam;
    Scenario s{Scenario::Options{.ipv6 = F::kV6, .ipv4 = !F::kV6, .vars = {}}};
    s.run_until(at_ms(10'000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.run_until(at_ms(20'000));
    s.report(s.d1(), F::H1A, {{RecordType::ChangeToIncludeMode, F::G, {}}});
    s.run_until(at_ms(160'000));
    const auto events = s.take();
    const auto queries = select(events, {.link = s.d1(), .kind = Kind::GeneralQuery});
    EXPECT_EQ(ms_of(queries), (std::vector<std::int64_t>{0, 31'250, 156'250})) << dump(events);
    for (const auto& q : queries) {
        EXPECT_EQ(q.max_response_ms, 10'000U) << q;
        EXPECT_EQ(q.qqi_s, 125U) << q;
        EXPECT_EQ(q.qrv, 2) << q;
    }
    const auto group_queries = select(events, {.kind = Kind::GroupQuery});
    EXPECT_EQ(ms_of(group_queries), (std::vector<std::int64_t>{20'000, 21'000})) << dump(events);
    for (const auto& q : group_queries) {
        EXPECT_EQ(q.max_response_ms, 1000U) << q;
    }
    // Upstream: TO_EX at 10 s, TO_IN at 22 s (LLQT 2 s), each repeated within URI (1 s).
    const auto up = select(events, {.link = s.u0()});
    ASSERT_EQ(up.size(), 4U) << dump(events);
    EXPECT_EQ(up[0].at, at_ms(10'000));
    EXPECT_LE(up[1].at, at_ms(11'000));
    EXPECT_EQ(up[2].at, at_ms(22'000));
    EXPECT_LE(up[3].at, at_ms(23'000));
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}
