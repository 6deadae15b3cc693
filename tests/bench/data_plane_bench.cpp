// SPDX-License-Identifier: BSD-3-Clause
// The per-packet path, timed: classify → lookup → rewrite, at 10,000 groups and 64
// links (4 copies per packet). Prints ns per packet so a slowdown shows in review:
//   build/tests/ecmh_data_plane_bench
// Figures, not assertions: the network benchmark (issue #6) measures the daemon.
#include "support/data_plane_fixture.hpp"

#include <benchmark/benchmark.h>

namespace {

ecmh::test::DataPlaneFixture& fixture() {
    static ecmh::test::DataPlaneFixture f;
    return f;
}

void BM_Decide(benchmark::State& state) {
    auto& f = fixture();
    const auto& table = f.proxy->mld().forwarding();
    const auto source = *ecmh::net::Ipv6Address::parse("2001:db8:1::1");
    auto group = *ecmh::net::Ipv6Address::parse("ff0e::1:0");
    int i = 0;
    for (auto _ : state) {
        auto b = group.bytes();
        b[14] = static_cast<std::uint8_t>((i % 10'000) >> 8);
        b[15] = static_cast<std::uint8_t>(i % 10'000);
        benchmark::DoNotOptimize(table.decide(f.upstream, source, ecmh::net::Ipv6Address{b}, 64));
        ++i;
    }
}
BENCHMARK(BM_Decide);

// Each frame of `all` in turn, from `f`'s upstream.
void frames(benchmark::State& state, ecmh::test::DataPlaneFixture& f,
            const std::vector<std::vector<std::uint8_t>>& all) {
    std::size_t i = 0;
    for (auto _ : state) {
        f.proxy->on_frame(f.upstream, all[i], ecmh::proto::at_ms(1));
        i = (i + 1) % all.size();
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_OnFrameIpv6FanOut4(benchmark::State& state) {
    frames(state, fixture(), fixture().v6_frames);
}
void BM_OnFrameIpv4FanOut4(benchmark::State& state) {
    frames(state, fixture(), fixture().v4_frames);
}
BENCHMARK(BM_OnFrameIpv6FanOut4);
BENCHMARK(BM_OnFrameIpv4FanOut4);

// Issue 16: --translate on. Native IPv4 with translation enabled (each packet also asks
// whether its counterpart has IPv6 listeners: none here), and IPv4 packets translated
// to IPv6 for 4 links each (RFC 7915 header, UDP checksum carried over).
ecmh::test::DataPlaneFixture& translating_fixture() {
    static ecmh::test::DataPlaneFixture f{true};
    return f;
}
void BM_OnFrameIpv4FanOut4TranslateOn(benchmark::State& state) {
    frames(state, translating_fixture(), translating_fixture().v4_frames);
}
void BM_OnFrameIpv4TranslatedFanOut4(benchmark::State& state) {
    frames(state, translating_fixture(), translating_fixture().translated_frames);
}
BENCHMARK(BM_OnFrameIpv4FanOut4TranslateOn);
BENCHMARK(BM_OnFrameIpv4TranslatedFanOut4);

} // namespace

BENCHMARK_MAIN();
