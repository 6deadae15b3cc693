// SPDX-License-Identifier: BSD-3-Clause
// A UDP checksum oracle for translated packets: the RFC 1071 sum written out here, over
// a pseudo-header built here (RFC 768 for IPv4, RFC 8200 §8.1 for IPv6). It never calls
// net/checksum, so a bug there cannot hide itself.
#pragma once

#include "support/hex.hpp"

#include <cstddef>
#include <cstdint>

namespace ecmh::test::udp {

// The one's-complement sum of `b` (an odd last byte padded with zero), folded: 0xffff
// over data that includes its correct checksum.
inline std::uint16_t folded_sum(const Bytes& b) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < b.size(); i += 2) {
        sum += static_cast<std::uint32_t>(b[i] << 8) + (i + 1 < b.size() ? b[i + 1] : 0U);
    }
    while (sum > 0xffff) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(sum);
}

// `length` bytes of `b` from `from`.
inline Bytes slice(const Bytes& b, std::size_t from, std::size_t length) {
    return {b.begin() + static_cast<long>(from), b.begin() + static_cast<long>(from + length)};
}

inline void append(Bytes& to, const Bytes& more) {
    to.insert(to.end(), more.begin(), more.end());
}

// The datagram `udp` (checksum included; its Length field says how much counts)
// verifies under the pseudo-header of `addresses`: source and destination, 4 or 16
// octets each. A zero checksum field ("none") does not count as verified.
inline bool verifies(const Bytes& addresses, const Bytes& udp) {
    Bytes pseudo = addresses;
    const auto length_hi = udp[4];
    const auto length_lo = udp[5];
    if (addresses.size() == 8) {
        append(pseudo, {0, 17, length_hi, length_lo});
    } else {
        append(pseudo, {0, 0, length_hi, length_lo, 0, 0, 0, 17});
    }
    append(pseudo, slice(udp, 0, static_cast<std::size_t>((length_hi << 8) | length_lo)));
    return folded_sum(pseudo) == 0xffff && (udp[6] | udp[7]) != 0;
}

} // namespace ecmh::test::udp
