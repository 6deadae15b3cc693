// SPDX-License-Identifier: BSD-3-Clause
// The data path allocates nothing per packet (issue #3: "no allocation per decision",
// at 10,000 groups and 64 links). This binary replaces the global operator new with a
// counting one, so it runs apart from the other unit tests.
#include "support/data_plane_fixture.hpp"

#include <atomic>
#include <cstdlib>
#include <gtest/gtest.h>
#include <new>

namespace {
std::atomic<std::uint64_t> g_allocations{0};
} // namespace

void* operator new(std::size_t size) {
    ++g_allocations;
    if (void* p = std::malloc(size == 0 ? 1 : size)) {
        return p;
    }
    throw std::bad_alloc{};
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}

TEST(NoAllocation, ForwardingDecisionAndCopiesAtTenThousandGroups) {
    ecmh::test::DataPlaneFixture f;
    ASSERT_EQ(f.proxy->mld().forwarding().group_count(), 10'000U);
    ASSERT_EQ(f.proxy->igmp().forwarding().group_count(), 10'000U);
    const auto now = ecmh::proto::at_ms(1);
    const auto before_frames = f.io.frames;
    const auto before = g_allocations.load();
    for (int round = 0; round < 3; ++round) {
        for (std::size_t g = 0; g < f.v6_frames.size(); ++g) {
            f.proxy->on_frame(f.upstream, f.v6_frames[g], now);
            f.proxy->on_frame(f.upstream, f.v4_frames[g], now);
        }
    }
    EXPECT_EQ(g_allocations.load() - before, 0U);
    // And the work was done: 3 rounds × 20,000 packets × 4 copies each.
    EXPECT_EQ(f.io.frames - before_frames, 3U * 20'000U * 4U);
}

TEST(NoAllocation, DecisionAlone) {
    ecmh::test::DataPlaneFixture f;
    const auto& table = f.proxy->mld().forwarding();
    const auto source = *ecmh::net::Ipv6Address::parse("2001:db8:1::1");
    const auto group = *ecmh::net::Ipv6Address::parse("ff0e::1:10");
    const auto before = g_allocations.load();
    std::size_t copies = 0;
    for (int i = 0; i < 100'000; ++i) {
        copies += table.decide(f.upstream, source, group, 64).links.size();
    }
    EXPECT_EQ(g_allocations.load() - before, 0U);
    EXPECT_EQ(copies, 400'000U);
}

// A super-frame (GRO) is cut into its datagrams in a buffer the engine owns.
TEST(NoAllocation, SuperFramesAreCutWithoutAllocating) {
    ecmh::test::DataPlaneFixture f;
    // The first group's frame, grown to 4,000 octets of UDP payload in datagrams of 1,000.
    auto frame = f.v6_frames[0];
    frame.resize(14 + 40);
    const std::size_t udp = 8 + 4000;
    frame[14 + 4] = static_cast<std::uint8_t>(udp >> 8);
    frame[14 + 5] = static_cast<std::uint8_t>(udp);
    const std::uint8_t header[] = {
        0x13, 0x88, 0x13, 0x89, static_cast<std::uint8_t>(udp >> 8), static_cast<std::uint8_t>(udp),
        0,    0};
    frame.insert(frame.end(), std::begin(header), std::end(header));
    frame.resize(frame.size() + 4000, 0xab);
    const ecmh::wire::ReceiveOffload gro{ecmh::wire::ReceiveOffload::Kind::Udp, 1000};
    const auto now = ecmh::proto::at_ms(1);
    const auto before_frames = f.io.frames;
    const auto before = g_allocations.load();
    for (int i = 0; i < 1000; ++i) {
        f.proxy->on_captured(f.upstream, frame, frame.size(), gro, now);
    }
    EXPECT_EQ(g_allocations.load() - before, 0U);
    EXPECT_EQ(f.proxy->statistics().superframe_datagrams, 4000U);
    // 4 datagrams a frame, each copied to the group's 4 links.
    EXPECT_EQ(f.io.frames - before_frames, 1000U * 4U * 4U);
}
