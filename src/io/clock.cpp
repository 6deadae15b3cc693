// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/clock.hpp"

#include <chrono>
#include <climits>
#include <utility>

namespace ecmh::io {
namespace {

timespec read_clock(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return ts;
}

proto::TimePoint to_time_point(const timespec& ts) {
    return proto::TimePoint{std::chrono::seconds{ts.tv_sec} +
                            std::chrono::microseconds{ts.tv_nsec / 1000}};
}

} // namespace

ClockSources system_clock_sources() {
    return ClockSources{[] { return read_clock(CLOCK_MONOTONIC); },
                        [] { return read_clock(CLOCK_REALTIME); }};
}

Clock::Clock(ClockSources sources) : sources_(std::move(sources)) {}

proto::TimePoint Clock::now() const {
    return to_time_point(sources_.monotonic());
}

std::string Clock::wall_clock_text() const {
    const std::time_t t = sources_.realtime().tv_sec;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32] = {};
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S GMT", &tm);
    return text;
}

int poll_timeout_ms(proto::TimePoint deadline, proto::TimePoint now) {
    if (deadline == proto::kNever) {
        return -1;
    }
    if (deadline <= now) {
        return 0;
    }
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    return wait > INT_MAX ? INT_MAX : static_cast<int>(wait);
}

proto::TimePoint monotonic_now() {
    return to_time_point(read_clock(CLOCK_MONOTONIC));
}

} // namespace ecmh::io
