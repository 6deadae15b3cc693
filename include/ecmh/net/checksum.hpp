// SPDX-License-Identifier: BSD-3-Clause
// The internet checksum (RFC 1071): the 16-bit one's complement of the one's
// complement sum. MLD/ICMPv6 add the IPv6 pseudo-header (RFC 8200 §8.1); IGMP and the
// IPv4 header use none.
#pragma once

#include "ecmh/net/ipv6_address.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace ecmh::net {

// Sums data that may arrive in pieces of any length: an odd trailing byte of one piece
// pairs with the first byte of the next, exactly as if the pieces were contiguous.
class ChecksumAccumulator {
public:
    void add(std::span<const std::uint8_t> data);
    void add_u16(std::uint16_t v);
    void add_u32(std::uint32_t v);
    // The checksum field value: ~fold(sum). A packet whose checksum field is included
    // in the sum verifies when this returns 0.
    [[nodiscard]] std::uint16_t finish() const;

private:
    std::uint64_t sum_ = 0;
    bool odd_ = false; // the last piece ended in the high byte of a 16-bit word
};

[[nodiscard]] std::uint16_t internet_checksum(std::span<const std::uint8_t> data);

// An accumulator primed with the IPv6 pseudo-header: source, destination,
// upper-layer packet length and next header.
[[nodiscard]] ChecksumAccumulator ipv6_pseudo_header(const Ipv6Address& source,
                                                     const Ipv6Address& destination,
                                                     std::uint32_t upper_layer_length,
                                                     std::uint8_t next_header);

// Adjusts a checksum for a changed 16-bit field (RFC 1624 eqn. 3), as when a router
// decrements the IPv4 TTL.
[[nodiscard]] std::uint16_t checksum_adjust(std::uint16_t checksum, std::uint16_t old_field,
                                            std::uint16_t new_field);

} // namespace ecmh::net
