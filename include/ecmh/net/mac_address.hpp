// SPDX-License-Identifier: BSD-3-Clause
// An Ethernet MAC address as a value, and the IP multicast → MAC mappings
// (RFC 2464 §7 for IPv6, RFC 1112 §6.4 for IPv4).
#pragma once

#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/net/ipv6_address.hpp"

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ecmh::net {

class MacAddress {
public:
    static constexpr std::size_t kSize = 6;
    using Bytes = std::array<std::uint8_t, kSize>;

    constexpr MacAddress() = default;
    explicit constexpr MacAddress(const Bytes& bytes) : bytes_(bytes) {}

    [[nodiscard]] static std::optional<MacAddress> from_span(std::span<const std::uint8_t> bytes);
    // "aa:bb:cc:dd:ee:ff" (or with '-'), case-insensitive.
    [[nodiscard]] static std::optional<MacAddress> parse(std::string_view text);

    // 33:33 followed by the last four bytes of the IPv6 destination.
    static constexpr MacAddress for_multicast(const Ipv6Address& group) {
        const auto& g = group.bytes();
        return MacAddress{{0x33, 0x33, g[12], g[13], g[14], g[15]}};
    }
    // 01:00:5e followed by the low 23 bits of the IPv4 group.
    static constexpr MacAddress for_multicast(Ipv4Address group) {
        const auto v = group.value();
        return MacAddress{{0x01, 0x00, 0x5e, static_cast<std::uint8_t>((v >> 16) & 0x7f),
                           static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)}};
    }

    [[nodiscard]] constexpr const Bytes& bytes() const { return bytes_; }
    [[nodiscard]] std::string to_string() const; // lower-case, colon-separated
    // The I/G bit: group (multicast or broadcast) addresses.
    [[nodiscard]] constexpr bool is_multicast() const { return (bytes_[0] & 0x01) != 0; }
    [[nodiscard]] constexpr bool is_broadcast() const {
        return bytes_ == Bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    }

    friend constexpr bool operator==(const MacAddress&, const MacAddress&) = default;
    friend constexpr auto operator<=>(const MacAddress&, const MacAddress&) = default;

private:
    Bytes bytes_{};
};

} // namespace ecmh::net
