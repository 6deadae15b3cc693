// SPDX-License-Identifier: BSD-3-Clause
// Protocol time. The core never reads a clock: every event carries `now`, a point on
// ecmh's monotonic timeline (CLOCK_MONOTONIC in the daemon, a manual clock in tests),
// so a 260-second RFC timer is tested in microseconds and wall-clock jumps change
// nothing (rfc-map M19).
#pragma once

#include <chrono>
#include <cstdint>

namespace ecmh::proto {

struct MonotonicClock {
    using rep = std::int64_t;
    using period = std::micro;
    using duration = std::chrono::duration<rep, period>;
    using time_point = std::chrono::time_point<MonotonicClock>;
    static constexpr bool is_steady = true;
};

using Duration = MonotonicClock::duration;
using TimePoint = MonotonicClock::time_point;

// "No deadline": a timer that is not running.
inline constexpr TimePoint kNever = TimePoint::max();

[[nodiscard]] constexpr TimePoint at_ms(std::int64_t ms) {
    return TimePoint{std::chrono::milliseconds{ms}};
}

} // namespace ecmh::proto
