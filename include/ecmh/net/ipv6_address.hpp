// SPDX-License-Identifier: BSD-3-Clause
// An IPv6 address as a value: 16 bytes in network order, with the classifications
// ecmh's rules need (RFC 4291 §2.4/§2.7, RFC 7346 scopes, RFC 4607 SSM range).
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ecmh::net {

// Multicast scope values (RFC 4291 §2.7, RFC 7346).
enum class MulticastScope : std::uint8_t {
    Reserved0 = 0x0,
    InterfaceLocal = 0x1,
    LinkLocal = 0x2,
    RealmLocal = 0x3,
    AdminLocal = 0x4,
    SiteLocal = 0x5,
    OrganizationLocal = 0x8,
    Global = 0xe,
    ReservedF = 0xf, // RFC 4291: treated as global
};

class Ipv6Address {
public:
    static constexpr std::size_t kSize = 16;
    using Bytes = std::array<std::uint8_t, kSize>;

    constexpr Ipv6Address() = default; // :: (unspecified)
    explicit constexpr Ipv6Address(const Bytes& bytes) : bytes_(bytes) {}

    // Exactly 16 bytes, or nullopt.
    [[nodiscard]] static std::optional<Ipv6Address> from_span(std::span<const std::uint8_t> bytes);
    // Textual form (RFC 4291 §2.2, including "::" and a trailing dotted quad).
    [[nodiscard]] static std::optional<Ipv6Address> parse(std::string_view text);

    [[nodiscard]] constexpr const Bytes& bytes() const { return bytes_; }
    // RFC 5952 canonical text: lower case, the longest run of two or more zero groups
    // compressed (the first on a tie), IPv4-mapped as ::ffff:a.b.c.d.
    [[nodiscard]] std::string to_string() const;

    [[nodiscard]] bool is_unspecified() const;
    [[nodiscard]] bool is_loopback() const;
    [[nodiscard]] constexpr bool is_multicast() const { return bytes_[0] == 0xff; }
    // fe80::/10, the link-local unicast prefix.
    [[nodiscard]] bool is_link_local_unicast() const;
    // fe80::/64 exactly: the prefix RFC 3810 §7.6.2 requires of MLD queries, and the
    // one ecmh accepts as an MLD source.
    [[nodiscard]] bool is_link_local_fe80_64() const;
    [[nodiscard]] bool is_v4_mapped() const;
    // Multicast flags nibble (R, P, T) and scope nibble; meaningful only if multicast.
    [[nodiscard]] constexpr std::uint8_t multicast_flags() const { return bytes_[1] >> 4; }
    [[nodiscard]] constexpr MulticastScope multicast_scope() const {
        return static_cast<MulticastScope>(bytes_[1] & 0x0f);
    }
    // ff3x::/32, the source-specific multicast range (RFC 4607 §1, RFC 3306 §6).
    [[nodiscard]] bool is_ssm() const;

    friend constexpr bool operator==(const Ipv6Address&, const Ipv6Address&) = default;
    friend constexpr auto operator<=>(const Ipv6Address&, const Ipv6Address&) = default;

private:
    Bytes bytes_{};
};

} // namespace ecmh::net

template <>
struct std::hash<ecmh::net::Ipv6Address> {
    std::size_t operator()(const ecmh::net::Ipv6Address& a) const noexcept;
};
