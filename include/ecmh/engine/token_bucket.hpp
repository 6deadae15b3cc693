// SPDX-License-Identifier: BSD-3-Clause
// A token bucket on the injected clock: `rate` events a second on average, up to `burst`
// at once after a quiet spell. The engine keeps one per link for the MLD/IGMP messages
// arriving there (rfc-map items 29, M7: "Router Alert processing may be rate-limited",
// RFC 2711 §4), so a host flooding reports costs ecmh a counter per message beyond the
// limit, not the parsing and state work, and the other links keep being served.
// Plain arithmetic in integers: no allocation, no clock of its own.
#pragma once

#include "ecmh/proto/time.hpp"

#include <cstdint>

namespace ecmh::engine {

class TokenBucket {
public:
    // rate 0: unlimited (every take() succeeds). A burst below 1 is taken as 1.
    TokenBucket(std::uint32_t rate_per_second, std::uint32_t burst);

    // One event at `now`: true if a token was there (and is now spent). The bucket starts
    // full; time going backwards adds nothing.
    [[nodiscard]] bool take(proto::TimePoint now);
    [[nodiscard]] bool unlimited() const { return rate_ == 0; }

private:
    // Tokens are kept in millionths (one token = kScale micro-tokens), so a rate of up to
    // a million a second refills exactly, one micro-token per microsecond and per unit of
    // rate.
    static constexpr std::uint64_t kScale = 1'000'000;
    std::uint64_t rate_;
    std::uint64_t capacity_; // burst · kScale
    std::uint64_t level_;    // micro-tokens in the bucket
    proto::TimePoint last_ = proto::TimePoint::min();
};

} // namespace ecmh::engine
