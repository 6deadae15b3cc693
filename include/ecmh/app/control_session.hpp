// SPDX-License-Identifier: BSD-3-Clause
// One control-socket client as a state machine, without the socket: it collects the
// request line, then holds the reply while it is written out. Each phase is bounded in
// time (kRequestTimeout to send a complete line, kReplyTimeout to take the reply), so a
// client that connects and sends nothing, or never reads, is cut off and never holds the
// daemon's single loop. Bytes after the first newline are ignored: one request per
// connection.
//
//   Reading --line--> (caller executes) --reply()--> Writing --all sent--> Done
//   Reading --kMaxRequestLength bytes without a newline--> TooLong (caller answers the
//   error, then Writing)
#pragma once

#include "ecmh/proto/time.hpp"

#include <algorithm>
#include <chrono>
#include <span>
#include <string>
#include <string_view>

namespace ecmh::app {

class ControlSession {
public:
    static constexpr proto::Duration kRequestTimeout = std::chrono::seconds{2};
    static constexpr proto::Duration kReplyTimeout = std::chrono::seconds{2};

    enum class Input : std::uint8_t {
        NeedMore, // no complete line yet
        Line,     // line() holds the request
        TooLong,  // kMaxRequestLength bytes without a newline
    };

    explicit ControlSession(proto::TimePoint now) : deadline_(now + kRequestTimeout) {}

    // Bytes the client sent. Only while reading.
    [[nodiscard]] Input on_bytes(std::string_view bytes);
    // The request line without its newline, once on_bytes() said Line.
    [[nodiscard]] std::string_view line() const { return line_; }
    // The client closed its end before a complete line: nothing to answer.
    [[nodiscard]] bool reading() const { return !writing_; }

    // The reply to write; the reply timeout starts now.
    void reply(std::string text, proto::TimePoint now);
    // What is left to write, and how much of it the socket took.
    [[nodiscard]] std::string_view unsent() const { return std::string_view(reply_).substr(sent_); }
    void sent(std::size_t bytes) { sent_ = std::min(reply_.size(), sent_ + bytes); }
    [[nodiscard]] bool writing() const { return writing_ && sent_ < reply_.size(); }
    [[nodiscard]] bool done() const { return writing_ && sent_ == reply_.size(); }

    [[nodiscard]] proto::TimePoint deadline() const { return deadline_; }
    [[nodiscard]] bool expired(proto::TimePoint now) const { return now >= deadline_ && !done(); }

private:
    std::string buffer_;
    std::string line_;
    std::string reply_;
    std::size_t sent_ = 0;
    bool writing_ = false;
    proto::TimePoint deadline_;
};

} // namespace ecmh::app
