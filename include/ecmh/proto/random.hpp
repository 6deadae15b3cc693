// SPDX-License-Identifier: BSD-3-Clause
// Randomness for report delays (RFC 3810 §6.1, §6.2: "chosen at random"), injected so
// tests can pin it. The daemon seeds it from the OS once; the core never asks the OS.
#pragma once

#include "ecmh/proto/time.hpp"

#include <cstdint>

namespace ecmh::proto {

// xoshiro256** by Blackman and Vigna: small, fast, good enough for timer jitter (not
// for anything secret).
class Random {
public:
    explicit Random(std::uint64_t seed);

    std::uint64_t next();

    // A delay in (0, max]: never 0, because a report must not go out "immediately upon
    // reception of a General Query" (RFC 3810 §6.2), and never past max. max ≤ 0 gives
    // the smallest positive delay.
    Duration delay_up_to(Duration max);

private:
    std::uint64_t s_[4];
};

} // namespace ecmh::proto
