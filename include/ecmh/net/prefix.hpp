// SPDX-License-Identifier: BSD-3-Clause
// An address prefix (address/length) of either family: the unit of the configuration's
// group and source lists, scope boundaries and SSM ranges. The bits past the length are
// zero in every Prefix (parse() refuses "239.1.2.3/8", a typo that would otherwise widen
// or narrow a rule silently).
#pragma once

#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/net/ipv6_address.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ecmh::net {

// The number of bits of an address type.
template <class Address>
inline constexpr std::uint8_t kAddressBits = 0;
template <>
inline constexpr std::uint8_t kAddressBits<Ipv4Address> = 32;
template <>
inline constexpr std::uint8_t kAddressBits<Ipv6Address> = 128;

// Whether the first `length` bits of a and b are equal.
[[nodiscard]] bool same_leading_bits(const Ipv4Address& a, const Ipv4Address& b,
                                     std::uint8_t length);
[[nodiscard]] bool same_leading_bits(const Ipv6Address& a, const Ipv6Address& b,
                                     std::uint8_t length);

template <class Address>
class Prefix {
public:
    // The whole address space (length 0).
    constexpr Prefix() = default;
    // nullopt unless length ≤ the address's bits and the bits past it are zero.
    [[nodiscard]] static std::optional<Prefix> make(const Address& address, std::uint8_t length);
    // "ADDRESS/LENGTH", or a bare address for a host prefix (/32, /128); nullopt if either
    // part is malformed, the address is of the other family, or host bits are set.
    [[nodiscard]] static std::optional<Prefix> parse(std::string_view text);

    [[nodiscard]] const Address& address() const { return address_; }
    [[nodiscard]] std::uint8_t length() const { return length_; }
    [[nodiscard]] bool is_host() const { return length_ == kAddressBits<Address>; }
    // Multicast as a whole: inside ff00::/8 or 224.0.0.0/4.
    [[nodiscard]] bool is_multicast() const {
        constexpr std::uint8_t kMulticastBits = kAddressBits<Address> == 128 ? 8 : 4;
        return length_ >= kMulticastBits && address_.is_multicast();
    }
    [[nodiscard]] bool contains(const Address& a) const {
        return same_leading_bits(a, address_, length_);
    }
    // Every address of `inner` is in this prefix.
    [[nodiscard]] bool contains(const Prefix& inner) const {
        return inner.length_ >= length_ && contains(inner.address_);
    }
    [[nodiscard]] std::string to_string() const;

    friend bool operator==(const Prefix&, const Prefix&) = default;

private:
    constexpr Prefix(const Address& a, std::uint8_t l) : address_(a), length_(l) {}
    Address address_{};
    std::uint8_t length_ = 0;
};

using Ipv4Prefix = Prefix<Ipv4Address>;
using Ipv6Prefix = Prefix<Ipv6Address>;

extern template class Prefix<Ipv4Address>;
extern template class Prefix<Ipv6Address>;

} // namespace ecmh::net
