// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/engine/token_bucket.hpp"

#include <algorithm>

namespace ecmh::engine {

TokenBucket::TokenBucket(std::uint32_t rate_per_second, std::uint32_t burst)
    : rate_(rate_per_second), capacity_(std::uint64_t{std::max(burst, 1U)} * kScale),
      level_(capacity_) {}

bool TokenBucket::take(proto::TimePoint now) {
    if (rate_ == 0) {
        return true;
    }
    if (last_ != proto::TimePoint::min() && now > last_) {
        // A second refills `rate` tokens: rate · kScale micro-tokens per 10⁶ µs, i.e. rate
        // per µs. Capped first, so a long quiet spell cannot overflow the product.
        const auto elapsed = static_cast<std::uint64_t>((now - last_).count());
        const auto room = capacity_ - level_;
        level_ = elapsed >= room / rate_ + 1 ? capacity_ : level_ + elapsed * rate_;
    }
    if (last_ == proto::TimePoint::min() || now > last_) {
        last_ = now;
    }
    if (level_ < kScale) {
        return false;
    }
    level_ -= kScale;
    return true;
}

} // namespace ecmh::engine
