// SPDX-License-Identifier: BSD-3-Clause
// A proxy with one upstream and 63 downstream links (64 in all) and 10,000 ASM groups
// joined on a spread of links, plus ready-made data frames: the load of issue #3's
// per-packet requirement, shared by the allocation test and the benchmark.
#pragma once

#include "ecmh/engine/proxy.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace ecmh::test {

class NullLinkIo final : public engine::LinkIo {
public:
    void send(engine::LinkId, std::span<const std::uint8_t> frame) override {
        ++frames;
        bytes += frame.size();
    }
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
};

class SilentLog final : public engine::EventLog {
public:
    void log(engine::LogLevel, std::string_view) override {}
};

struct DataPlaneFixture {
    static constexpr int kLinks = 64;
    static constexpr int kGroups = 10'000;

    DataPlaneFixture();

    NullLinkIo io;
    SilentLog log;
    std::unique_ptr<engine::Proxy> proxy;
    engine::LinkId upstream;
    std::vector<engine::LinkId> downstream;
    // An IPv6 UDP frame from upstream to each group (64-byte payload), and the same
    // for IPv4 groups 239.1.x.y.
    std::vector<std::vector<std::uint8_t>> v6_frames;
    std::vector<std::vector<std::uint8_t>> v4_frames;
};

} // namespace ecmh::test
