// SPDX-License-Identifier: BSD-3-Clause
// The daemon's clocks: CLOCK_MONOTONIC for everything the engine schedules, so that a
// wall-clock jump (an NTP step, an operator's `date -s`) changes no timer, and the wall
// clock only for text an operator reads (rfc-map M19). Clock is the one place the
// daemon reads either; its sources can be substituted, so a test can jump the wall
// clock without touching the machine's.
#pragma once

#include "ecmh/proto/time.hpp"

#include <ctime>
#include <functional>
#include <string>

namespace ecmh::io {

struct ClockSources {
    std::function<timespec()> monotonic; // CLOCK_MONOTONIC: the engine's timeline
    std::function<timespec()> realtime;  // CLOCK_REALTIME: text only
};

// clock_gettime(CLOCK_MONOTONIC) and clock_gettime(CLOCK_REALTIME).
[[nodiscard]] ClockSources system_clock_sources();

class Clock {
public:
    explicit Clock(ClockSources sources = system_clock_sources());

    // Now on ecmh's monotonic timeline: every time the engine sees, every deadline.
    [[nodiscard]] proto::TimePoint now() const;
    // "2026-11-23 06:00:00 GMT" for now, from the wall clock.
    [[nodiscard]] std::string wall_clock_text() const;

private:
    ClockSources sources_;
};

// How long poll() should wait for `deadline` seen at `now`: in milliseconds, rounded up
// (waking a microsecond early would only spin once more), 0 when it is due, -1 (no
// timeout) for kNever. Both are monotonic: the wall clock has no say.
[[nodiscard]] int poll_timeout_ms(proto::TimePoint deadline, proto::TimePoint now);

// The system clock's now(), for code that needs no substitution.
[[nodiscard]] proto::TimePoint monotonic_now();

} // namespace ecmh::io
