// SPDX-License-Identifier: BSD-3-Clause
// The data path allocates nothing per packet (issue #3: "no allocation per decision",
// at 10,000 groups and 64 links). This binary replaces the global operator new with a
// counting one, so it runs apart from the other unit tests.
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/ipv6_fragment.hpp"
#include "ecmh/wire/translate.hpp"
#include "support/data_plane_fixture.hpp"
#include "support/fake_flow_cache.hpp"

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

// Issue 16: translated copies keep the rule, and the native ones with --translate on.
// Issue 15: with a flow cache, a packet of a flow already installed (one in flight while
// the fast path took over) costs the engine a lookup, and no allocation.
TEST(NoAllocation, OfferOfAnInstalledFlow) {
    ecmh::test::DataPlaneFixture f;
    ecmh::test::FakeFlowCache cache;
    cache.capacity = 20'000;
    f.proxy->set_flow_cache(&cache);
    const auto now = ecmh::proto::at_ms(1);
    for (std::size_t g = 0; g < f.v6_frames.size(); ++g) { // installs every flow
        f.proxy->on_frame(f.upstream, f.v6_frames[g], now);
        f.proxy->on_frame(f.upstream, f.v4_frames[g], now);
    }
    ASSERT_EQ(f.proxy->flow_count(), 20'000U);
    const auto installs = cache.calls.size();
    const auto before = g_allocations.load();
    for (int round = 0; round < 2; ++round) {
        for (std::size_t g = 0; g < f.v6_frames.size(); ++g) {
            f.proxy->on_frame(f.upstream, f.v6_frames[g], now);
            f.proxy->on_frame(f.upstream, f.v4_frames[g], now);
        }
    }
    EXPECT_EQ(g_allocations.load() - before, 0U);
    EXPECT_EQ(cache.calls.size(), installs); // nothing installed again
    f.proxy->set_flow_cache(nullptr);
}

TEST(NoAllocation, TranslatedCopiesAtTenThousandGroups) {
    ecmh::test::DataPlaneFixture f{true};
    const auto now = ecmh::proto::at_ms(1);
    const auto before_frames = f.io.frames;
    const auto before = g_allocations.load();
    for (int round = 0; round < 3; ++round) {
        for (std::size_t g = 0; g < f.translated_frames.size(); ++g) {
            f.proxy->on_frame(f.upstream, f.translated_frames[g], now);
            f.proxy->on_frame(f.upstream, f.v4_frames[g], now);
        }
    }
    EXPECT_EQ(g_allocations.load() - before, 0U);
    // 3 rounds × 10,000 groups × (4 translated + 4 native) copies.
    EXPECT_EQ(f.io.frames - before_frames, 3U * 10'000U * 8U);
    EXPECT_EQ(f.proxy->statistics().translated_to_ipv6, 3U * 10'000U);
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

// Translation (issue 16): preparing a translated copy, writing it (also with a link's own
// IPv4 source) and cutting it into IPv6 fragments work in buffers the caller owns.
TEST(NoAllocation, TranslatedCopyPrepareWriteAndFragment) {
    // IPv4 UDP 192.0.2.10 → 239.1.2.3 with 1,472 octets of data and no UDP checksum (so
    // that the full computation of X14 runs too), and an IPv6 UDP packet back.
    std::vector<std::uint8_t> v4(1500, 0x5a);
    const std::uint8_t v4_header[] = {0x45, 0,    0x05, 0xdc, 0x12, 0x34, 0,   0, 16, 17,
                                      0,    0,    192,  0,    2,    10,   239, 1, 2,  3,
                                      0x13, 0x88, 0x13, 0x89, 0x05, 0xc8, 0,   0};
    std::copy(std::begin(v4_header), std::end(v4_header), v4.begin());
    const auto header_sum = ecmh::net::internet_checksum(std::span(v4).first(20));
    v4[10] = static_cast<std::uint8_t>(header_sum >> 8);
    v4[11] = static_cast<std::uint8_t>(header_sum);
    const auto p4 = ecmh::wire::parse_ipv4(v4);
    ASSERT_TRUE(p4);
    const auto source6 = *ecmh::net::Ipv6Address::parse("64:ff9b:1::c000:20a");
    const auto group6 = *ecmh::net::Ipv6Address::parse("ff18:1000::ef01:203");
    std::vector<std::uint8_t> out(2048);
    std::vector<std::uint8_t> piece(2048);
    std::vector<std::uint8_t> back(2048);
    const auto before = g_allocations.load();
    std::size_t bytes = 0;
    for (int i = 0; i < 1000; ++i) {
        const auto copy = ecmh::wire::translate_to_ipv6(*p4, source6, group6);
        bytes += copy->write(out);
        const auto pieces = ecmh::wire::Ipv6FragmentWriter::plan(*copy, 1280);
        for (std::size_t k = 0; pieces && k < pieces->count(); ++k) {
            bytes += pieces->write(k, piece);
        }
        const auto p6 = ecmh::wire::parse_ipv6(std::span(out).first(copy->size()));
        const auto reverse = ecmh::wire::translate_to_ipv4(*p6, ecmh::net::Ipv4Address{0xc000020aU},
                                                           ecmh::net::Ipv4Address{0xef010203U},
                                                           static_cast<std::uint16_t>(i));
        bytes += reverse->write(back, ecmh::net::Ipv4Address{0xc6336401U});
    }
    EXPECT_EQ(g_allocations.load() - before, 0U);
    // Each round: the 1,520-octet copy, its two fragments (1,280 + 296) and 1,500 back.
    EXPECT_EQ(bytes, 1000U * (1520U + 1280U + 296U + 1500U));
}
