// SPDX-License-Identifier: BSD-3-Clause
// The token bucket of the per-link membership rate limit (rfc-map items 29, M7), on the
// injected clock: starts full, refills at its rate up to its burst, never goes negative,
// ignores time going backwards; rate 0 is no limit.
#include "ecmh/engine/token_bucket.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

using ecmh::engine::TokenBucket;
using ecmh::proto::at_ms;

namespace {

struct Take {
    std::int64_t at_ms;
    int count; // take() calls at that time
    int taken; // how many of them succeed
};

struct Case {
    std::string name;
    std::uint32_t rate;
    std::uint32_t burst;
    std::vector<Take> takes;
};

const std::vector<Case> kCases{
    {"starts full, then empty", 10, 5, {{0, 8, 5}}},
    {"refills at its rate", 10, 5, {{0, 5, 5}, {100, 3, 1}, {300, 3, 2}}},
    {"never above its burst", 10, 5, {{0, 5, 5}, {60'000, 9, 5}}},
    {"fractions of a token add up", 1000, 1, {{0, 1, 1}, {0, 1, 0}, {1, 2, 1}}},
    {"half a token is none", 2, 1, {{0, 1, 1}, {250, 1, 0}, {500, 1, 1}}},
    {"time going back adds nothing", 10, 2, {{1000, 2, 2}, {500, 1, 0}, {1100, 1, 1}}},
    {"burst 0 is taken as 1", 10, 0, {{0, 2, 1}}},
    {"rate 0: no limit", 0, 1, {{0, 100'000, 100'000}}},
    {"a long quiet spell at a high rate",
     1'000'000,
     1'000'000,
     {{0, 1, 1}, {86'400'000, 1'000'001, 1'000'000}}},
};

TEST(TokenBucket, TakesWhatItsRateAndBurstAllow) {
    for (const auto& c : kCases) {
        TokenBucket bucket{c.rate, c.burst};
        for (const auto& t : c.takes) {
            int taken = 0;
            for (int i = 0; i < t.count; ++i) {
                taken += bucket.take(at_ms(t.at_ms)) ? 1 : 0;
            }
            EXPECT_EQ(taken, t.taken) << c.name << " at " << t.at_ms << " ms";
        }
    }
}

} // namespace
