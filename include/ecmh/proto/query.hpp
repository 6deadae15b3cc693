// SPDX-License-Identifier: BSD-3-Clause
// A received MLD or IGMP query, family-generic, as the engine hands it to the router
// side (querier election, §7.6.1 timer lowering) and to the host side (responses,
// older-version querier detection). The wire layer has already validated it.
#pragma once

#include "ecmh/proto/source_set.hpp"
#include "ecmh/proto/time.hpp"

#include <chrono>
#include <cstdint>

namespace ecmh::proto {

template <class Address>
struct ReceivedQuery {
    // Wire version: MLD 1 or 2; IGMP 1, 2 or 3 (by length, RFC 3376 §7.1).
    std::uint8_t version = 0;
    Address source;
    Address group{}; // unspecified (:: / 0.0.0.0) for a General Query
    SourceSet<Address> sources;
    Duration max_response{0};                    // decoded Maximum Response Code / Delay
    bool suppress_router_side = false;           // S flag
    std::uint8_t robustness = 0;                 // QRV; 0 = not given (or > 7)
    std::chrono::milliseconds query_interval{0}; // decoded QQIC; 0 = not given

    [[nodiscard]] bool is_general() const { return group == Address{}; }
};

} // namespace ecmh::proto
