// SPDX-License-Identifier: BSD-3-Clause
// A LinkIo and an EventLog that record what the engine did, for scenario tests and the
// engine fuzzer (no gtest in here).
#pragma once

#include "ecmh/engine/link.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ecmh::test {

struct SentFrame {
    engine::LinkId link;
    std::vector<std::uint8_t> bytes;
    wire::NetworkProtocol protocol = wire::NetworkProtocol::Ipv6;
};

class FakeLinkIo final : public engine::LinkIo {
public:
    std::span<std::uint8_t> reserve(engine::LinkId link, std::size_t length) override {
        // Stale bytes, as a reused transmit slot has: the engine must write every byte.
        slot_.assign(length, 0xa5);
        slot_link_ = link;
        return slot_;
    }
    // A commit that breaks LinkIo's contract is an engine bug no test can go on from: it
    // aborts (each test runs in a process of its own; the engine fuzzer needs it loud).
    void commit(engine::LinkId link, std::size_t length, wire::NetworkProtocol protocol) override {
        if (link != slot_link_ || length > slot_.size()) {
            std::fprintf(stderr,
                         "FakeLinkIo: commit of %zu bytes for link %u, but %zu reserved "
                         "for link %u\n",
                         length, unsigned{link.slot()}, slot_.size(), unsigned{slot_link_.slot()});
            std::abort();
        }
        sent.push_back(SentFrame{
            link, {slot_.begin(), slot_.begin() + static_cast<std::ptrdiff_t>(length)}, protocol});
    }
    // Everything sent since the last call.
    std::vector<SentFrame> take() { return std::exchange(sent, {}); }
    std::vector<SentFrame> sent;

private:
    std::vector<std::uint8_t> slot_;
    engine::LinkId slot_link_;
};

class RecordingLog final : public engine::EventLog {
public:
    void log(engine::LogLevel level, std::string_view message) override {
        lines.emplace_back(level, std::string(message));
    }
    [[nodiscard]] bool enabled(engine::LogLevel level) const override {
        return debug || level != engine::LogLevel::Debug;
    }
    // Whether a line was logged that contains `text`.
    [[nodiscard]] bool contains(std::string_view text) const {
        return std::any_of(lines.begin(), lines.end(),
                           [&](const auto& l) { return l.second.find(text) != std::string::npos; });
    }
    std::vector<std::pair<engine::LogLevel, std::string>> lines;
    bool debug = true; // false: as a daemon without -v, debug lines are not wanted
};

} // namespace ecmh::test
