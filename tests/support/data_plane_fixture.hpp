// SPDX-License-Identifier: BSD-3-Clause
// A proxy with one upstream and 63 downstream links (64 in all) and 10,000 ASM groups
// joined on a spread of links, plus ready-made data frames: the load of issue #3's
// per-packet requirement, shared by the allocation test and the benchmark.
#pragma once

#include "ecmh/engine/proxy.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace ecmh::test {

// Stands in for the daemon's transmit queue without the system call: 64 slots of
// 2 KiB, handed out in turn, so the benchmark pays for writing each copy where the
// real one writes it.
class NullLinkIo final : public engine::LinkIo {
public:
    static constexpr std::size_t kSlots = 64;
    static constexpr std::size_t kSlotSize = 2048;

    std::span<std::uint8_t> reserve(engine::LinkId, std::size_t length) override {
        if (length > kSlotSize) {
            return {};
        }
        return {slab_.data() + (next_ % kSlots) * kSlotSize, length};
    }
    void commit(engine::LinkId, std::size_t length, wire::NetworkProtocol) override {
        ++next_;
        ++frames;
        bytes += length;
    }
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;

private:
    std::vector<std::uint8_t> slab_ = std::vector<std::uint8_t>(kSlots * kSlotSize);
    std::size_t next_ = 0;
};

class SilentLog final : public engine::EventLog {
public:
    void log(engine::LogLevel, std::string_view) override {}
};

struct DataPlaneFixture {
    static constexpr int kLinks = 64;
    static constexpr int kGroups = 10'000;

    // `translate`: with --translate (issue 16), and 10,000 more IPv4 groups 239.2.x.y
    // whose IPv6 counterparts ff18:1000::ef02:xxyy are joined with MLDv2 on 4 links
    // each (no IPv4 listener): every translated_frames packet makes 4 translated copies.
    explicit DataPlaneFixture(bool translate = false);

    NullLinkIo io;
    SilentLog log;
    std::unique_ptr<engine::Proxy> proxy;
    engine::LinkId upstream;
    std::vector<engine::LinkId> downstream;
    // An IPv6 UDP frame from upstream to each group (64-byte payload), and the same
    // for IPv4 groups 239.1.x.y.
    std::vector<std::vector<std::uint8_t>> v6_frames;
    std::vector<std::vector<std::uint8_t>> v4_frames;
    // With `translate`: an IPv4 UDP frame from upstream to each 239.2.x.y group.
    std::vector<std::vector<std::uint8_t>> translated_frames;
};

} // namespace ecmh::test
