// SPDX-License-Identifier: BSD-3-Clause
// A LinkIo and an EventLog that record what the engine did, for scenario tests.
#pragma once

#include "ecmh/engine/link.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ecmh::test {

struct SentFrame {
    engine::LinkId link;
    std::vector<std::uint8_t> bytes;
};

class FakeLinkIo final : public engine::LinkIo {
public:
    void send(engine::LinkId link, std::span<const std::uint8_t> frame) override {
        sent.push_back(SentFrame{link, {frame.begin(), frame.end()}});
    }
    // Everything sent since the last call.
    std::vector<SentFrame> take() { return std::exchange(sent, {}); }
    std::vector<SentFrame> sent;
};

class RecordingLog final : public engine::EventLog {
public:
    void log(engine::LogLevel level, std::string_view message) override {
        lines.emplace_back(level, std::string(message));
    }
    [[nodiscard]] bool enabled(engine::LogLevel level) const override {
        return debug || level != engine::LogLevel::Debug;
    }
    std::vector<std::pair<engine::LogLevel, std::string>> lines;
    bool debug = true; // false: as a daemon without -v, debug lines are not wanted
};

} // namespace ecmh::test
