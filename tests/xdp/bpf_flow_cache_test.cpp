// SPDX-License-Identifier: BSD-3-Clause
// BpfFlowCache over the real maps: counters, shared out-sets, capacity, offload rules.
#include "support/engine_frames.hpp"
#include "xdp_fixture.hpp"

#include <linux/bpf.h>

namespace ecmh::test::xdp {
namespace {

using FlowCache = XdpTest;

// A flow of the test source to group ff3e::1:<n>, and a frame of it.
engine::FlowKey flow(std::size_t n) {
    return engine::FlowKey::ipv6(kArrival, ipv6(kSource6),
                                 ipv6(("ff3e::1:" + std::to_string(n)).c_str()));
}
Bytes flow_frame(std::size_t n) {
    return frame(frames::udp_checksummed(kSource6, "ff3e::1:" + std::to_string(n), 64));
}

TEST_F(FlowCache, CountsEveryForwardedPacketAndItsIpBytes) {
    ASSERT_TRUE(cache->install(key6(), action({1, 2})));
    const auto ip = udp6(64);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(run(frame(ip)).verdict, XDP_REDIRECT);
    }
    (void)run(frame(udp6(1))); // goes up: not counted
    EXPECT_EQ(cache->counters(key6()), (engine::FlowCounters{5, 5 * ip.size()}));
    EXPECT_EQ(events(ECMH_XDP_REDIRECTED), 5U);
}

TEST_F(FlowCache, PaddingIsNotCounted) {
    ASSERT_TRUE(cache->install(key4(), action({1})));
    const auto ip = udp4(64, 2);
    auto padded = frame(ip);
    padded.resize(60, 0);
    EXPECT_EQ(run(padded).verdict, XDP_REDIRECT);
    EXPECT_EQ(cache->counters(key4()), (engine::FlowCounters{1, ip.size()}));
}

TEST_F(FlowCache, ReplacingAFlowKeepsItsCounters) {
    ASSERT_TRUE(cache->install(key6(), action({1})));
    (void)run(frame(udp6(64)));
    (void)run(frame(udp6(64)));
    ASSERT_TRUE(cache->install(key6(), action({2, 3}, 1400)));
    EXPECT_EQ(cache->counters(key6()).packets, 2U);
    (void)run(frame(udp6(64)));
    EXPECT_EQ(cache->counters(key6()).packets, 3U);
    EXPECT_EQ(cache->size(), 1U);
    EXPECT_EQ(cache->sets_in_use(), 1U); // {1} went with the replacement
}

TEST_F(FlowCache, RemoveReturnsTheCountersAndAReusedSlotStartsAtZero) {
    ASSERT_TRUE(cache->install(key6(), action({1})));
    const auto ip = udp6(64);
    for (int i = 0; i < 3; ++i) {
        (void)run(frame(ip));
    }
    EXPECT_EQ(cache->remove(key6()), (engine::FlowCounters{3, 3 * ip.size()}));
    EXPECT_EQ(cache->counters(key6()), engine::FlowCounters{});
    EXPECT_EQ(cache->remove(key6()), engine::FlowCounters{}); // unknown: nothing
    // The slot comes back (the free list hands out the last freed first), zeroed.
    ASSERT_TRUE(cache->install(key4(), action({1})));
    EXPECT_EQ(cache->counters(key4()), engine::FlowCounters{});
    (void)run(frame(udp4(64)));
    EXPECT_EQ(cache->counters(key4()).packets, 1U);
}

TEST_F(FlowCache, FlowsWithTheSameOutLinksShareOneSetUntilTheLastIsRemoved) {
    ASSERT_TRUE(cache->install(flow(1), action({1, 2})));
    ASSERT_TRUE(cache->install(flow(2), action({1, 2})));
    EXPECT_EQ(cache->sets_in_use(), 1U);
    ASSERT_TRUE(cache->install(flow(3), action({2})));
    EXPECT_EQ(cache->sets_in_use(), 2U);
    (void)cache->remove(flow(1));
    EXPECT_EQ(cache->sets_in_use(), 2U);
    EXPECT_EQ(run(flow_frame(2)).verdict, XDP_REDIRECT); // still forwarded through it
    (void)cache->remove(flow(2));
    (void)cache->remove(flow(3));
    EXPECT_EQ(cache->sets_in_use(), 0U);
    EXPECT_EQ(cache->size(), 0U);
}

TEST_F(FlowCache, AFullTableRefusesANewFlowUntilOneIsRemoved) {
    for (std::size_t n = 1; n <= kLimits.flows; ++n) {
        ASSERT_TRUE(cache->install(flow(n), action({1}))) << "flow " << n;
    }
    EXPECT_FALSE(cache->install(flow(kLimits.flows + 1), action({1})));
    EXPECT_EQ(run(flow_frame(kLimits.flows + 1)).verdict, XDP_PASS);
    EXPECT_TRUE(cache->install(flow(1), action({2}))); // replacing needs no new entry
    (void)cache->remove(flow(2));
    EXPECT_TRUE(cache->install(flow(kLimits.flows + 1), action({1})));
    EXPECT_EQ(run(flow_frame(kLimits.flows + 1)).verdict, XDP_REDIRECT);
}

TEST_F(FlowCache, AUsedUpSetPoolRefusesANewOutSet) {
    // kLimits.sets distinct non-empty subsets of the four out-links.
    for (std::size_t n = 1; n <= kLimits.sets; ++n) {
        engine::FlowAction a = action({});
        for (std::size_t i = 1; i <= kOutLinks; ++i) {
            if ((n >> (i - 1)) & 1U) {
                a.out.insert(out_link(i));
            }
        }
        ASSERT_TRUE(cache->install(flow(n), a)) << "set " << n;
    }
    EXPECT_EQ(cache->sets_in_use(), kLimits.sets);
    EXPECT_FALSE(cache->install(flow(100), action({1, 2, 3, 4}))); // a ninth set
    EXPECT_TRUE(cache->install(flow(100), action({1})));           // set 1 exists
}

TEST_F(FlowCache, OffloadNeedsXdpOnTheArrivalAndKnownOutLinks) {
    table::LinkSet out;
    out.insert(out_link(1));
    EXPECT_TRUE(cache->can_offload(kArrival, out));
    EXPECT_FALSE(cache->can_offload(out_link(2), out)); // no XDP on xo2
    EXPECT_FALSE(cache->can_offload(kArrival, {}));
    table::LinkSet with_arrival = out;
    with_arrival.insert(kArrival);
    EXPECT_FALSE(cache->can_offload(kArrival, with_arrival));
    table::LinkSet unknown = out;
    unknown.insert(table::LinkId{9});
    EXPECT_FALSE(cache->can_offload(kArrival, unknown));
    EXPECT_FALSE(cache->install(key6(), engine::FlowAction{unknown, 1500, proto::kNever}));
}

TEST_F(FlowCache, ANativeArrivalSendsOnlyToLinksThatDeliverANativeRedirect) {
    ASSERT_TRUE(cache->set_link(
        kArrival, io::XdpLink{arrival_index, kArrivalMac, 1500, io::XdpMode::Native, false}));
    table::LinkSet out;
    out.insert(out_link(1));
    EXPECT_FALSE(cache->can_offload(kArrival, out));
    ASSERT_TRUE(cache->set_link(
        out_link(1), io::XdpLink{out_index[1], out_mac(1), 1500, io::XdpMode::None, true}));
    EXPECT_TRUE(cache->can_offload(kArrival, out));
}

TEST_F(FlowCache, ATunnelPeerIsNoLink) {
    EXPECT_FALSE(cache->set_link(table::LinkId{table::kMaxLinks},
                                 io::XdpLink{out_index[1], out_mac(1), 1500}));
}

} // namespace
} // namespace ecmh::test::xdp
