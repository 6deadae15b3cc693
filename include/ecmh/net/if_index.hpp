// SPDX-License-Identifier: BSD-3-Clause
// An interface index as its own type, so it cannot be confused with a count, a group
// number or a file descriptor. 0 is "no interface" (as in the kernel's API).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace ecmh::net {

class IfIndex {
public:
    constexpr IfIndex() = default;
    explicit constexpr IfIndex(std::uint32_t value) : value_(value) {}

    [[nodiscard]] constexpr std::uint32_t value() const { return value_; }
    [[nodiscard]] constexpr bool valid() const { return value_ != 0; }

    friend constexpr bool operator==(IfIndex, IfIndex) = default;
    friend constexpr auto operator<=>(IfIndex, IfIndex) = default;

private:
    std::uint32_t value_ = 0;
};

} // namespace ecmh::net

template <>
struct std::hash<ecmh::net::IfIndex> {
    std::size_t operator()(ecmh::net::IfIndex i) const noexcept { return i.value(); }
};
