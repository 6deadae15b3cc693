// SPDX-License-Identifier: BSD-3-Clause
// The few field operations a copy writer needs (forward_copy.cpp, translate.cpp): a
// big-endian 16-bit read, a FieldValue store, and the hop limit / TTL one lower.
// Private to src/wire.
#pragma once

#include "ecmh/wire/forward_copy.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace ecmh::wire::detail {

inline std::uint16_t read16(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

inline void write16(std::span<std::uint8_t> b, const FieldValue& field) {
    b[field.offset] = static_cast<std::uint8_t>(field.value >> 8);
    b[field.offset + 1] = static_cast<std::uint8_t>(field.value);
}

// For a packet the forwarding decision accepted (≥ 2); a lower one is clamped at 0
// rather than wrapped.
inline std::uint8_t one_lower(std::uint8_t hop) {
    return hop > 0 ? static_cast<std::uint8_t>(hop - 1) : std::uint8_t{0};
}

} // namespace ecmh::wire::detail
