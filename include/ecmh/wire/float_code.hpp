// SPDX-License-Identifier: BSD-3-Clause
// The floating-point time codes of MLDv2 and IGMPv3.
//
//   MLDv2 Maximum Response Code (RFC 3810 §5.1.3), 16 bits, milliseconds:
//     code < 0x8000 → code;  else 1|exp(3)|mant(12) → (mant | 0x1000) << (exp + 3)
//   IGMPv3 Max Resp Code (RFC 3376 §4.1.1), 8 bits, tenths of a second, and
//   QQIC in both protocols (RFC 3810 §5.1.9, RFC 3376 §4.1.7), 8 bits, seconds:
//     code < 0x80 → code;    else 1|exp(3)|mant(4)  → (mant | 0x10) << (exp + 3)
//
// Encoding picks the exact code, or the one for the next lower representable value
// (RFC 3810 §9.8, RFC 3376 §8.8); values past the maximum saturate to 0xFFFF / 0xFF.
#pragma once

#include <cstdint>

namespace ecmh::wire {

inline constexpr std::uint32_t kMldCodeMax = 8'387'584; // decode(0xFFFF)
inline constexpr std::uint32_t kByteCodeMax = 31'744;   // decode(0xFF)

[[nodiscard]] constexpr std::uint32_t decode_mld_code(std::uint16_t code) {
    if (code < 0x8000) {
        return code;
    }
    const std::uint32_t exp = (code >> 12) & 0x7;
    const std::uint32_t mant = code & 0x0fff;
    return (mant | 0x1000U) << (exp + 3);
}

[[nodiscard]] constexpr std::uint16_t encode_mld_code(std::uint32_t value) {
    if (value < 0x8000) {
        return static_cast<std::uint16_t>(value);
    }
    if (value >= kMldCodeMax) {
        return 0xffff;
    }
    for (std::uint32_t exp = 0; exp < 8; ++exp) {
        const std::uint32_t m = value >> (exp + 3); // truncation = next lower value
        if (m <= 0x1fff) {
            return static_cast<std::uint16_t>(0x8000U | (exp << 12) | (m & 0x0fffU));
        }
    }
    return 0xffff; // unreachable: value < kMldCodeMax fits exp 7
}

[[nodiscard]] constexpr std::uint32_t decode_byte_code(std::uint8_t code) {
    if (code < 0x80) {
        return code;
    }
    const std::uint32_t exp = (code >> 4) & 0x7;
    const std::uint32_t mant = code & 0x0f;
    return (mant | 0x10U) << (exp + 3);
}

[[nodiscard]] constexpr std::uint8_t encode_byte_code(std::uint32_t value) {
    if (value < 0x80) {
        return static_cast<std::uint8_t>(value);
    }
    if (value >= kByteCodeMax) {
        return 0xff;
    }
    for (std::uint32_t exp = 0; exp < 8; ++exp) {
        const std::uint32_t m = value >> (exp + 3);
        if (m <= 0x1f) {
            return static_cast<std::uint8_t>(0x80U | (exp << 4) | (m & 0x0fU));
        }
    }
    return 0xff;
}

// QRV is 3 bits; a Robustness Variable above 7 is sent as 0 (RFC 3810 §5.1.8).
[[nodiscard]] constexpr std::uint8_t encode_qrv(std::uint32_t robustness) {
    return robustness > 7 ? 0 : static_cast<std::uint8_t>(robustness);
}

} // namespace ecmh::wire
