// SPDX-License-Identifier: BSD-3-Clause
// At most one log line per interval about one kind of event, on the engine's clock: the
// first event logs, later ones within the interval are only counted by their callers.
// Warnings about what a peer or a flood does "MUST be rate-limited" (RFC 3810 §10), and a
// log must not become the cheapest way to load the machine.
#pragma once

#include "ecmh/proto/time.hpp"

#include <chrono>

namespace ecmh::engine {

class LogGate {
public:
    static constexpr proto::Duration kInterval = std::chrono::seconds{10};

    // True (and the interval starts again) if nothing was logged in the last kInterval.
    [[nodiscard]] bool open(proto::TimePoint now) {
        if (last_ != proto::TimePoint::min() && now - last_ < kInterval) {
            return false;
        }
        last_ = now;
        return true;
    }

private:
    proto::TimePoint last_ = proto::TimePoint::min();
};

} // namespace ecmh::engine
