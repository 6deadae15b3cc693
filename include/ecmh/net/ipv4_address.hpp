// SPDX-License-Identifier: BSD-3-Clause
// An IPv4 address as a value, held in host order, with the classifications ecmh's
// rules need (RFC 5771 blocks, RFC 4607 SSM range).
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ecmh::net {

class Ipv4Address {
public:
    constexpr Ipv4Address() = default; // 0.0.0.0
    explicit constexpr Ipv4Address(std::uint32_t host_order) : value_(host_order) {}

    static constexpr Ipv4Address from_bytes(const std::array<std::uint8_t, 4>& b) {
        return Ipv4Address{(std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
                           (std::uint32_t{b[2]} << 8) | std::uint32_t{b[3]}};
    }
    // Strict dotted quad: four decimal parts 0..255, no leading zeros beyond "0".
    [[nodiscard]] static std::optional<Ipv4Address> parse(std::string_view text);

    [[nodiscard]] constexpr std::uint32_t value() const { return value_; }
    [[nodiscard]] constexpr std::array<std::uint8_t, 4> bytes() const {
        return {static_cast<std::uint8_t>(value_ >> 24), static_cast<std::uint8_t>(value_ >> 16),
                static_cast<std::uint8_t>(value_ >> 8), static_cast<std::uint8_t>(value_)};
    }
    [[nodiscard]] std::string to_string() const;

    [[nodiscard]] constexpr bool is_unspecified() const { return value_ == 0; }
    [[nodiscard]] constexpr bool is_loopback() const { return (value_ >> 24) == 127; }
    [[nodiscard]] constexpr bool is_broadcast() const { return value_ == 0xffffffffU; }
    // 224.0.0.0/4
    [[nodiscard]] constexpr bool is_multicast() const { return (value_ >> 28) == 0xe; }
    // 240.0.0.0/4 (including the limited broadcast address)
    [[nodiscard]] constexpr bool is_reserved_class_e() const { return (value_ >> 28) == 0xf; }
    // 224.0.0.0/24, Local Network Control: never forwarded (RFC 5771 §4).
    [[nodiscard]] constexpr bool is_local_network_control() const {
        return (value_ >> 8) == 0xe00000U;
    }
    // 232.0.0.0/8, source-specific multicast (RFC 4607 §1).
    [[nodiscard]] constexpr bool is_ssm() const { return (value_ >> 24) == 232; }

    friend constexpr bool operator==(Ipv4Address, Ipv4Address) = default;
    friend constexpr auto operator<=>(Ipv4Address, Ipv4Address) = default;

private:
    std::uint32_t value_ = 0;
};

} // namespace ecmh::net

template <>
struct std::hash<ecmh::net::Ipv4Address> {
    std::size_t operator()(ecmh::net::Ipv4Address a) const noexcept {
        // Multiplicative mixing so that consecutive groups spread across buckets.
        return static_cast<std::size_t>(a.value() * 0x9e3779b97f4a7c15ULL);
    }
};
