// SPDX-License-Identifier: BSD-3-Clause
// The source records every router of one family may hold together (rfc-map M7: "sources
// in all"), on top of the per-group cap: a host that asks for 512 sources in each of
// 4096 groups on each link would otherwise hold millions. The family's plane owns one;
// each RouterLink claims what its groups hold and gives it back when records go (an
// expiry, a BLOCK, a group deleted, the link removed), so the count stays exact.
#pragma once

#include <cstddef>

namespace ecmh::proto {

class SourceBudget {
public:
    explicit SourceBudget(std::size_t cap) : cap_(cap) {}

    [[nodiscard]] std::size_t cap() const { return cap_; }
    [[nodiscard]] std::size_t used() const { return used_; }
    // New records that may still be created, in all links together.
    [[nodiscard]] std::size_t room() const { return cap_ > used_ ? cap_ - used_ : 0; }
    // What a link's groups now hold, as a change from what they held.
    void adjust(std::size_t before, std::size_t after) { used_ = used_ - before + after; }

private:
    std::size_t cap_;
    std::size_t used_ = 0;
};

} // namespace ecmh::proto
