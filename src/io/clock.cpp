// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/clock.hpp"

#include <ctime>

namespace ecmh::io {

proto::TimePoint monotonic_now() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return proto::TimePoint{std::chrono::seconds{ts.tv_sec} +
                            std::chrono::microseconds{ts.tv_nsec / 1000}};
}

std::string wall_clock_text() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32] = {};
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S GMT", &tm);
    return text;
}

} // namespace ecmh::io
