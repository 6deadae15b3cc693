// SPDX-License-Identifier: BSD-3-Clause
// Scenario: the flow cache (issue 15). A fake cache stands in for the fast path
// (support/fake_flow_cache.hpp): a packet of an installed flow is "forwarded" there, any
// other goes through the engine. After EVERY event the oracle checks exactness: each
// installed action is what a fresh decide() and the offer rules give now, and nothing
// the engine would refuse is installed. One test per kind of event that can change a
// cached decision. Fast profile: QI 4 s, QRI 1 s, LLQI 300 ms (LLQT 600 ms), MALI 9 s.
#include "support/engine_frames.hpp"
#include "support/fake_flow_cache.hpp"
#include "support/scenario.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <memory>

using namespace ecmh;
using namespace ecmh::test;
using engine::FlowAction;
using engine::FlowKey;
using proto::at_ms;

namespace {

using Strings = std::vector<std::string>;

template <class F>
class ScenarioFlowCache : public ::testing::Test {
protected:
    static Scenario::Options options() {
        return Scenario::Options{.ipv6 = F::kV6, .ipv4 = !F::kV6};
    }
    Scenario& start(const Scenario::Options& o = options()) {
        s_ = std::make_unique<Scenario>(o);
        s_->proxy().set_flow_cache(&cache);
        s_->after_each([this] {
            for (auto& b : flow_oracle(s_->proxy(), cache, s_->now())) {
                breaches.push_back("at " + time_text(s_->now()) + ": " + b);
            }
        });
        return *s_;
    }
    Scenario& s() { return *s_; }

    FlowKey key(const std::string& source, const std::string& group, LinkId arrival) const {
        if constexpr (F::kV6) {
            return FlowKey::ipv6(arrival, *net::Ipv6Address::parse(source),
                                 *net::Ipv6Address::parse(group));
        } else {
            return FlowKey::ipv4(arrival, *net::Ipv4Address::parse(source),
                                 *net::Ipv4Address::parse(group));
        }
    }
    static constexpr std::size_t kPacketBytes = F::kV6 ? 80 : 60; // frames::udp's
    const FlowAction* installed(const std::string& source, const std::string& group,
                                LinkId arrival) const {
        return cache.find(key(source, group, arrival));
    }
    // One data packet: forwarded by the fast path when it holds the flow (fast = true),
    // else by the engine. The links that got a copy, sorted.
    Strings send(const std::string& source, const std::string& group, LinkId arrival) {
        if (const auto a = cache.forward(key(source, group, arrival), kPacketBytes, s().now())) {
            fast = true;
            Strings names;
            a->out.for_each([&](LinkId l) { names.push_back(s().name(l)); });
            std::sort(names.begin(), names.end());
            return names;
        }
        fast = false;
        return s().probe(source, group, arrival);
    }
    // h1a joins G on d1 at 1 s (EXCLUDE {}); at 2.2 s S1's first packet from u0 installs
    // the flow.
    void joined_and_installed() {
        auto& sc = s();
        sc.run_until(at_ms(1000));
        sc.report(sc.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
        sc.run_until(at_ms(2200));
        EXPECT_EQ(send(F::S1, F::G, sc.u0()), Strings{"d1"});
        EXPECT_FALSE(fast);
        ASSERT_NE(installed(F::S1, F::G, sc.u0()), nullptr);
    }
    // The router state on `link` that bounds a flow of G: its Filter Timer, or the
    // source timer of `source` where it has one.
    proto::TimePoint filter_timer(LinkId link, const std::string& group) {
        const auto* g = router_group(link, group);
        return g != nullptr ? g->filter_timer() : proto::kNever;
    }
    proto::TimePoint source_timer(LinkId link, const std::string& group,
                                  const std::string& source) {
        const auto* g = router_group(link, group);
        if (g != nullptr) {
            for (const auto& t : g->sources()) {
                if (t.source.to_string() == source) {
                    return t.expires;
                }
            }
        }
        return proto::kNever;
    }
    const auto* router_group(LinkId link, const std::string& group) {
        if constexpr (F::kV6) {
            const auto* r = s().proxy().mld().router(link);
            return r != nullptr ? r->find(*net::Ipv6Address::parse(group)) : nullptr;
        } else {
            const auto* r = s().proxy().igmp().router(link);
            return r != nullptr ? r->find(*net::Ipv4Address::parse(group)) : nullptr;
        }
    }
    void TearDown() override {
        EXPECT_TRUE(breaches.empty()) << ::testing::PrintToString(breaches);
        if (s_) {
            EXPECT_TRUE(s_->violations().empty()) << ::testing::PrintToString(s_->violations());
        }
    }

    FakeFlowCache cache;
    std::vector<std::string> breaches;
    bool fast = false;

private:
    std::unique_ptr<Scenario> s_;
};

using Families = ::testing::Types<MldFamily, IgmpFamily>;
TYPED_TEST_SUITE(ScenarioFlowCache, Families, FamilyNames);

} // namespace

TYPED_TEST(ScenarioFlowCache, JoinInstallsTheFirstPacketsDecisionAndLaterPacketsGoFast) {
    using F = TypeParam;
    auto& s = this->start();
    this->joined_and_installed();
    const auto* a = this->installed(F::S1, F::G, s.u0());
    EXPECT_EQ(a->max_length, 1500U);
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), Strings{"d1"});
    EXPECT_TRUE(this->fast);
    // A second listener link: the entry follows at once.
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), (Strings{"d1", "d2"}));
    EXPECT_TRUE(this->fast);
    EXPECT_EQ(s.stats().flows_installed, 1U);
}

TYPED_TEST(ScenarioFlowCache, LeaveLowersValidUntilToLlqtThenTheLinkGoes) {
    using F = TypeParam;
    auto& s = this->start();
    this->joined_and_installed();
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), (Strings{"d1", "d2"}));
    s.run_until(at_ms(3000));
    s.report(s.d2(), F::H2, {{RecordType::ChangeToIncludeMode, F::G, {}}});
    // The Filter Timer on d2 is now LLQT (600 ms) away: so is valid_until.
    const auto* a = this->installed(F::S1, F::G, s.u0());
    ASSERT_NE(a, nullptr);
    EXPECT_LE(a->valid_until, at_ms(3600));
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), (Strings{"d1", "d2"}));
    EXPECT_TRUE(this->fast);
    // At valid_until the fast path hands the packet up; the engine has expired d2.
    s.run_until(a->valid_until);
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), Strings{"d1"});
    EXPECT_EQ(this->installed(F::S1, F::G, s.u0())->out.contains(s.d2()), false);
}

TYPED_TEST(ScenarioFlowCache, FilterTimerExpiryEndsTheFlowAndNoPacketIsForwardedAfterIt) {
    using F = TypeParam;
    auto& s = this->start();
    this->joined_and_installed();
    const auto until = this->installed(F::S1, F::G, s.u0())->valid_until;
    EXPECT_EQ(until, this->filter_timer(s.d1(), F::G)); // MALI after the join
    s.run_until(until - millis(1));
    ASSERT_NE(this->installed(F::S1, F::G, s.u0()), nullptr);
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), Strings{"d1"});
    EXPECT_TRUE(this->fast);
    // At the deadline, before the engine ran its timers: the fast path refuses...
    EXPECT_FALSE(this->cache.forward(this->key(F::S1, F::G, s.u0()), this->kPacketBytes, until));
    // ...and so does the engine, which runs the due timers first.
    s.proxy().sync_flow_counters();
    const auto forwarded = s.stats().forwarded;
    const auto out = s.deliver_before_timers(s.u0(), frames::udp(F::S1, F::G, 8), until);
    EXPECT_TRUE(select(out, {.kind = Kind::Data}).empty()) << dump(out);
    EXPECT_EQ(s.stats().forwarded, forwarded);
    EXPECT_EQ(this->installed(F::S1, F::G, s.u0()), nullptr);
    EXPECT_TRUE(this->send(F::S1, F::G, s.u0()).empty());
}

TYPED_TEST(ScenarioFlowCache, SourceTimerExpiryEndsTheSourcesFlow) {
    using F = TypeParam;
    auto& s = this->start();
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::AllowNewSources, F::G, {F::S1}}});
    s.run_until(at_ms(1500));
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), Strings{"d1"});
    const auto* a = this->installed(F::S1, F::G, s.u0());
    ASSERT_NE(a, nullptr);
    const auto until = this->source_timer(s.d1(), F::G, F::S1);
    EXPECT_EQ(a->valid_until, until);
    s.run_until(until - millis(1));
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), Strings{"d1"});
    EXPECT_TRUE(this->fast);
    s.run_until(until);
    EXPECT_EQ(this->installed(F::S1, F::G, s.u0()), nullptr);
    EXPECT_TRUE(this->send(F::S1, F::G, s.u0()).empty());
}

TYPED_TEST(ScenarioFlowCache, QuerierLostRemovesAndWonReinstalls) {
    using F = TypeParam;
    auto& s = this->start();
    this->joined_and_installed();
    s.query(s.d1(), {.source = F::R1_LOWER, .version = F::kNewest});
    EXPECT_EQ(this->installed(F::S1, F::G, s.u0()), nullptr); // d1 is not ours to serve
    EXPECT_TRUE(this->send(F::S1, F::G, s.u0()).empty());
    // Other Querier Present Interval (2 QI + QRI/2 = 8.5 s) later ecmh is querier again.
    s.answer_queries(s.d1(), F::H1A, {{RecordType::ModeIsExclude, F::G, {}}});
    s.run_until(s.now() + millis(9000));
    EXPECT_TRUE(s.is_querier(s.d1(), F::kV6));
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), Strings{"d1"});
    EXPECT_NE(this->installed(F::S1, F::G, s.u0()), nullptr);
}

TYPED_TEST(ScenarioFlowCache, QuerierRuleOffKeepsTheNonQueriersLink) {
    using F = TypeParam;
    auto& s = this->start();
    this->joined_and_installed();
    s.query(s.d1(), {.source = F::R1_LOWER, .version = F::kNewest});
    EXPECT_EQ(this->installed(F::S1, F::G, s.u0()), nullptr);
    s.update_link(s.d1(), [](engine::LinkConfig& c) { c.settings.querier_rule = false; });
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), Strings{"d1"});
    EXPECT_NE(this->installed(F::S1, F::G, s.u0()), nullptr);
    s.update_link(s.d1(), [](engine::LinkConfig& c) { c.settings.querier_rule = true; });
    EXPECT_EQ(this->installed(F::S1, F::G, s.u0()), nullptr);
}

TYPED_TEST(ScenarioFlowCache, BoundarySetRemovesClearedReinstalls) {
    using F = TypeParam;
    using Address = std::conditional_t<F::kV6, net::Ipv6Address, net::Ipv4Address>;
    auto& s = this->start();
    this->joined_and_installed();
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.update_link(s.d2(), [](engine::LinkConfig& c) {
        const auto bounded =
            *net::Prefix<Address>::parse(std::string(F::G) + (F::kV6 ? "/128" : "/32"));
        if constexpr (F::kV6) {
            c.settings.mld_policy = table::GroupPolicy<Address>{{}, {bounded}};
        } else {
            c.settings.igmp_policy = table::GroupPolicy<Address>{{}, {bounded}};
        }
    });
    EXPECT_EQ(this->installed(F::S1, F::G, s.u0())->out.contains(s.d2()), false);
    s.update_link(s.d2(), [](engine::LinkConfig& c) { c.settings = {}; });
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), (Strings{"d1", "d2"}));
    EXPECT_TRUE(this->fast);
}

TYPED_TEST(ScenarioFlowCache, UpstreamRerouteAndRemovalFollowTheDownstreamSourcesFlow) {
    using F = TypeParam;
    auto& s = this->start();
    s.run_until(at_ms(1000));
    // A sender on d1 without listeners: its packets go upstream only.
    EXPECT_EQ(this->send(F::H1_SOURCE, F::G, s.d1()), Strings{"u0"});
    ASSERT_NE(this->installed(F::H1_SOURCE, F::G, s.d1()), nullptr);
    // u0 no longer serves G (another prefix): nothing to forward, the flow goes.
    engine::UpstreamServes other{"u0", {}, {}};
    if constexpr (F::kV6) {
        other.mld = {*net::Ipv6Prefix::parse("ff0e::9:0/112")};
    } else {
        other.igmp = {*net::Ipv4Prefix::parse("239.9.0.0/16")};
    }
    s.configure_upstreams({other});
    EXPECT_EQ(this->installed(F::H1_SOURCE, F::G, s.d1()), nullptr);
    s.configure_upstreams({engine::UpstreamServes{"u0", {}, {}}});
    EXPECT_EQ(this->send(F::H1_SOURCE, F::G, s.d1()), Strings{"u0"});
    ASSERT_NE(this->installed(F::H1_SOURCE, F::G, s.d1()), nullptr);
    s.remove_link(s.u0());
    EXPECT_EQ(this->installed(F::H1_SOURCE, F::G, s.d1()), nullptr);
    (void)s.restore_link("u0");
    EXPECT_EQ(this->send(F::H1_SOURCE, F::G, s.d1()), Strings{"u0"});
    EXPECT_NE(this->installed(F::H1_SOURCE, F::G, s.d1()), nullptr);
}

TYPED_TEST(ScenarioFlowCache, LinkDownRemovesUpReinstallsRemovedShrinks) {
    using F = TypeParam;
    auto& s = this->start();
    this->joined_and_installed();
    s.report(s.d2(), F::H2, {{RecordType::ChangeToExcludeMode, F::G, {}}});
    s.set_link_down(s.d2());
    EXPECT_EQ(this->installed(F::S1, F::G, s.u0()), nullptr); // its copies are not sent
    EXPECT_FALSE(this->fast && this->send(F::S1, F::G, s.u0()).empty());
    s.set_link_up(s.d2());
    s.run_for(millis(1)); // its startup query
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), (Strings{"d1", "d2"}));
    EXPECT_NE(this->installed(F::S1, F::G, s.u0()), nullptr);
    s.remove_link(s.d2());
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), Strings{"d1"});
    EXPECT_TRUE(this->fast);
}

TYPED_TEST(ScenarioFlowCache, MtuAndMacChangesAreFollowed) {
    using F = TypeParam;
    auto& s = this->start();
    this->joined_and_installed();
    s.update_link(s.d1(), [](engine::LinkConfig& c) { c.mtu = 1400; });
    EXPECT_EQ(this->installed(F::S1, F::G, s.u0())->max_length, 1400U);
    s.update_link(s.d1(), [](engine::LinkConfig& c) {
        c.mac = net::MacAddress{{0x02, 0xec, 0, 0, 0, 0x77}};
    });
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), Strings{"d1"});
    EXPECT_TRUE(this->fast);
}

TYPED_TEST(ScenarioFlowCache, OwnAddressEqualToTheSourceRemovesTheFlow) {
    using F = TypeParam;
    auto& s = this->start();
    this->joined_and_installed();
    EXPECT_EQ(this->send(F::H2_SOURCE, F::G, s.d2()), (Strings{"d1", "u0"}));
    ASSERT_NE(this->installed(F::H2_SOURCE, F::G, s.d2()), nullptr);
    s.update_link(s.u0(), [](engine::LinkConfig& c) {
        if constexpr (F::kV6) {
            c.global = net::Ipv6Address::parse(F::H2_SOURCE);
        } else {
            c.ipv4 = net::Ipv4Address::parse(F::H2_SOURCE);
        }
    });
    EXPECT_EQ(this->installed(F::H2_SOURCE, F::G, s.d2()), nullptr);
    EXPECT_NE(this->installed(F::S1, F::G, s.u0()), nullptr);
}

// The host's own sockets joined G on u0 (the kernel's membership, Proxy::set_host_groups):
// the kernel must see S1's packets arriving there, so that flow leaves the cache; G's flow
// arriving on d2 stays. The same set again moves nothing; once the host leaves, the next
// packet installs the flow again.
TYPED_TEST(ScenarioFlowCache, GroupsTheHostJoinedOnTheArrivalLinkStayInUserspace) {
    using F = TypeParam;
    auto& s = this->start();
    this->joined_and_installed();
    EXPECT_EQ(this->send(F::H2_SOURCE, F::G, s.d2()), (Strings{"d1", "u0"}));
    ASSERT_NE(this->installed(F::H2_SOURCE, F::G, s.d2()), nullptr);
    const FlowKey k = this->key(F::S1, F::G, s.u0());
    const std::vector<engine::HostGroup> joined{{s.u0(), k.family, k.group}};
    s.proxy().set_host_groups(joined, s.now());
    EXPECT_EQ(this->installed(F::S1, F::G, s.u0()), nullptr);
    EXPECT_NE(this->installed(F::H2_SOURCE, F::G, s.d2()), nullptr);
    EXPECT_EQ(s.stats().flows_removed, 1U);
    for (int i = 0; i < 2; ++i) { // the engine forwards it, and does not offer it
        EXPECT_EQ(this->send(F::S1, F::G, s.u0()), Strings{"d1"});
        EXPECT_FALSE(this->fast);
    }
    EXPECT_EQ(this->installed(F::S1, F::G, s.u0()), nullptr);
    s.proxy().set_host_groups(joined, s.now());
    EXPECT_EQ(s.stats().flows_removed, 1U);
    EXPECT_NE(this->installed(F::H2_SOURCE, F::G, s.d2()), nullptr);
    s.proxy().set_host_groups({}, s.now());
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), Strings{"d1"});
    EXPECT_FALSE(this->fast);
    EXPECT_NE(this->installed(F::S1, F::G, s.u0()), nullptr);
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), Strings{"d1"});
    EXPECT_TRUE(this->fast);
}

TYPED_TEST(ScenarioFlowCache, SourceLimitsKeepRefusedSourcesOut) {
    using F = TypeParam;
    auto o = this->options();
    o.max_sources_per_group = 1;
    o.max_total_sources = 2;
    auto& s = this->start(o);
    s.run_until(at_ms(1000));
    s.report(s.d1(), F::H1A, {{RecordType::AllowNewSources, F::G, {F::S1, F::S2}}});
    s.report(s.d2(), F::H2, {{RecordType::AllowNewSources, F::G2, {F::S3}}});
    s.report(s.d2(), F::H2, {{RecordType::AllowNewSources, F::G3, {F::S3}}});
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), Strings{"d1"});
    EXPECT_TRUE(this->send(F::S2, F::G, s.u0()).empty());
    EXPECT_EQ(this->send(F::S3, F::G2, s.u0()), Strings{"d2"});
    EXPECT_TRUE(this->send(F::S3, F::G3, s.u0()).empty()); // past --max-total-sources
    EXPECT_EQ(this->cache.flows().size(), 2U);
}

TYPED_TEST(ScenarioFlowCache, ReloadedVariablesAreFollowed) {
    using F = TypeParam;
    auto& s = this->start();
    this->joined_and_installed();
    s.update_link(s.d1(), [](engine::LinkConfig& c) {
        auto v = proto::fast_test_profile();
        v.query_interval = std::chrono::milliseconds{2000};
        c.settings.vars = v;
    });
    s.report(s.d1(), F::H1A, {{RecordType::ModeIsExclude, F::G, {}}});
    // The new MALI from the report.
    const auto until = this->installed(F::S1, F::G, s.u0())->valid_until;
    EXPECT_EQ(until, this->filter_timer(s.d1(), F::G));
    EXPECT_LT(until, s.now() + millis(9000));
}

TYPED_TEST(ScenarioFlowCache, ShutdownRemovesEveryFlow) {
    auto& s = this->start();
    this->joined_and_installed();
    s.shutdown();
    EXPECT_TRUE(this->cache.flows().empty());
    EXPECT_EQ(s.stats().flows_removed, 1U);
}

TYPED_TEST(ScenarioFlowCache, IdleFlowsExpireBusyOnesStay) {
    using F = TypeParam;
    auto& s = this->start();
    s.answer_queries(s.d1(), F::H1A, {{RecordType::ModeIsExclude, F::G, {}}});
    this->joined_and_installed();
    EXPECT_EQ(this->send(F::S2, F::G, s.u0()), Strings{"d1"}); // S2: busy
    for (int i = 0; i < 8; ++i) {
        s.run_for(millis(10'000));
        EXPECT_EQ(this->send(F::S2, F::G, s.u0()), Strings{"d1"});
        EXPECT_TRUE(this->fast);
    }
    EXPECT_EQ(this->installed(F::S1, F::G, s.u0()), nullptr); // idle 60 s
    EXPECT_NE(this->installed(F::S2, F::G, s.u0()), nullptr);
    EXPECT_EQ(s.stats().flows_removed, 1U);
}

TYPED_TEST(ScenarioFlowCache, CountersAreUserspacePlusFastPath) {
    using F = TypeParam;
    auto& s = this->start();
    this->joined_and_installed(); // one packet in userspace
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(this->send(F::S1, F::G, s.u0()), Strings{"d1"});
    }
    const auto sent_before = s.proxy().link(s.d1())->counters.packets_sent;
    s.proxy().sync_flow_counters();
    s.proxy().sync_flow_counters(); // twice: nothing counted twice
    const auto counters = [&] {
        if constexpr (F::kV6) {
            return *s.proxy().mld().forwarding().counters(*net::Ipv6Address::parse(F::G));
        } else {
            return *s.proxy().igmp().forwarding().counters(*net::Ipv4Address::parse(F::G));
        }
    }();
    EXPECT_EQ(counters.packets, 6U);
    EXPECT_EQ(counters.bytes, 6U * this->kPacketBytes);
    EXPECT_EQ(s.stats().forwarded, 6U);
    EXPECT_EQ(s.proxy().link(s.d1())->counters.packets_sent, sent_before + 5);
    // A removed flow's last packets are counted too.
    (void)this->send(F::S1, F::G, s.u0());
    s.shutdown();
    EXPECT_EQ(s.stats().forwarded, 7U);
}

TYPED_TEST(ScenarioFlowCache, OffloadChangedAndAFullCache) {
    using F = TypeParam;
    auto& s = this->start();
    this->joined_and_installed();
    this->cache.offload = false;
    s.proxy().flow_offload_changed(s.now());
    EXPECT_TRUE(this->cache.flows().empty());
    this->cache.offload = true;
    this->cache.capacity = 0;
    EXPECT_EQ(this->send(F::S1, F::G, s.u0()), Strings{"d1"});
    EXPECT_FALSE(this->fast);
    EXPECT_EQ(s.stats().flows_refused_full, 1U);
}

// Translation (issue 16): a group of a pair stays in userspace, a native one is cached.
TEST(ScenarioFlowCacheTranslate, PairGroupsAreNotCached) {
    Scenario::Options o;
    o.translation = net::TranslationPrefixes::defaults();
    o.u0_ipv4 = false; // the pairs' home is IPv6: their IPv6 packets are forwarded natively
    Scenario s{o};
    FakeFlowCache cache;
    s.proxy().set_flow_cache(&cache);
    std::vector<std::string> breaches;
    s.after_each([&] {
        for (auto& b : flow_oracle(s.proxy(), cache, s.now())) {
            breaches.push_back(b);
        }
    });
    constexpr const char* kPair6 = "ff3e:0:8000::e801:203"; // 232.1.2.3's counterpart
    s.run_until(at_ms(1000));
    s.report(s.d1(), MldFamily::H1A,
             {{RecordType::ChangeToExcludeMode, MldFamily::G, {}},
              {RecordType::AllowNewSources, kPair6, {MldFamily::S1}}});
    s.run_until(at_ms(2000));
    EXPECT_EQ(s.probe(MldFamily::S1, MldFamily::G, s.u0()), Strings{"d1"});
    EXPECT_EQ(s.probe(MldFamily::S1, kPair6, s.u0()), Strings{"d1"});
    EXPECT_EQ(cache.flows().size(), 1U);
    EXPECT_NE(cache.find(FlowKey::ipv6(s.u0(), *net::Ipv6Address::parse(MldFamily::S1),
                                       *net::Ipv6Address::parse(MldFamily::G))),
              nullptr);
    EXPECT_TRUE(breaches.empty()) << ::testing::PrintToString(breaches);
}

// Tunnel mode: copies to a tunnel peer are 6in4, and a peer's packets arrive in 6in4:
// such flows stay in userspace; without the peer's copies the flow is cached.
TEST(ScenarioFlowCacheTunnel, FlowsWithTunnelPeersStayInUserspace) {
    Scenario::Options o;
    o.tunnel_mode = true;
    o.ipv4 = false;
    Scenario s{o};
    FakeFlowCache cache;
    s.proxy().set_flow_cache(&cache);
    std::vector<std::string> breaches;
    s.after_each([&] {
        for (auto& b : flow_oracle(s.proxy(), cache, s.now())) {
            breaches.push_back(b);
        }
    });
    engine::TunnelPeerConfig p;
    p.name = "p0";
    p.remote = *net::Ipv4Address::parse("203.0.113.7");
    p.local = *net::Ipv4Address::parse("198.51.100.100");
    const auto peer = s.add_peer(p);
    ASSERT_TRUE(peer);
    s.run_until(at_ms(1000));
    s.report(s.d1(), MldFamily::H1A, {{RecordType::ChangeToExcludeMode, MldFamily::G, {}}});
    s.run_until(at_ms(1500));
    const auto g = *net::Ipv6Address::parse(MldFamily::G);
    const auto from_u0 = FlowKey::ipv6(s.u0(), *net::Ipv6Address::parse(MldFamily::S1), g);
    EXPECT_EQ(s.probe(MldFamily::S1, MldFamily::G, s.u0()), Strings{"d1"});
    EXPECT_NE(cache.find(from_u0), nullptr);
    // The peer joins: its copies are 6in4, so the flow leaves the cache...
    const auto report =
        frames::v2_report("fe80::cb00:7107", {{RecordType::ChangeToExcludeMode, MldFamily::G, {}}});
    s.capture(s.d1(), tunnelled_frame(report, p.remote, p.local));
    EXPECT_EQ(cache.find(from_u0), nullptr);
    s.run_until(at_ms(2000));
    // ...and is not offered again while the peer listens.
    EXPECT_EQ(s.probe(MldFamily::S1, MldFamily::G, s.u0()), (Strings{"d1", "p0"}));
    EXPECT_EQ(cache.find(from_u0), nullptr);
    // The peer's own data (6in4 on d1, the inner packet arriving on the peer's link).
    const auto data = frames::udp("2001:db8:7::1", MldFamily::G, 8);
    s.capture(s.d1(), tunnelled_frame(data, p.remote, p.local));
    EXPECT_TRUE(cache.flows().empty());
    s.remove_link(*peer);
    EXPECT_EQ(s.probe(MldFamily::S1, MldFamily::G, s.u0()), Strings{"d1"});
    EXPECT_NE(cache.find(from_u0), nullptr);
    EXPECT_TRUE(breaches.empty()) << ::testing::PrintToString(breaches);
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}
