// SPDX-License-Identifier: BSD-3-Clause
// Why a builder could not produce a packet. Builders write into a caller's buffer and
// never allocate; these are programming or configuration errors, not network input.
#pragma once

#include <cstdint>
#include <string_view>

namespace ecmh::wire {

enum class BuildError : std::uint8_t {
    BufferTooSmall,  // the caller's buffer cannot hold the packet
    MtuTooSmall,     // not even one record/header fits the given MTU
    TooManySources,  // a query's source list does not fit the MTU
    InvalidArgument, // e.g. a non-multicast group, a non-link-local MLD source
};

[[nodiscard]] constexpr std::string_view to_string(BuildError e) {
    switch (e) {
    case BuildError::BufferTooSmall:
        return "buffer-too-small";
    case BuildError::MtuTooSmall:
        return "mtu-too-small";
    case BuildError::TooManySources:
        return "too-many-sources";
    case BuildError::InvalidArgument:
        return "invalid-argument";
    }
    return "unknown";
}

// Progress through a list of records while packing reports into MTU-sized packets:
// the next record, and the next source within it (records too large for one packet
// are split, RFC 3810 §5.2.15 / RFC 3376 §4.2.16).
struct PackCursor {
    std::size_t record = 0;
    std::size_t source = 0;
};

} // namespace ecmh::wire
