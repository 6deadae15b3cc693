// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/proto/random.hpp"

namespace ecmh::proto {
namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

// splitmix64 spreads any seed (even 0) over the whole state.
std::uint64_t splitmix(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

} // namespace

Random::Random(std::uint64_t seed) {
    for (auto& word : s_) {
        word = splitmix(seed);
    }
}

std::uint64_t Random::next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

Duration Random::delay_up_to(Duration max) {
    if (max.count() <= 1) {
        return Duration{1};
    }
    const auto span = static_cast<std::uint64_t>(max.count());
    return Duration{static_cast<Duration::rep>(next() % span) + 1};
}

} // namespace ecmh::proto
