// SPDX-License-Identifier: BSD-3-Clause
// The daemon's clocks: CLOCK_MONOTONIC for everything the engine schedules (wall-clock
// jumps change no timer), and the wall clock only for text an operator reads.
#pragma once

#include "ecmh/proto/time.hpp"

#include <string>

namespace ecmh::io {

[[nodiscard]] proto::TimePoint monotonic_now();
// "2026-11-23 06:00:00 GMT" for now.
[[nodiscard]] std::string wall_clock_text();

} // namespace ecmh::io
