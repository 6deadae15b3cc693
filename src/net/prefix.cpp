// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/net/prefix.hpp"

#include <algorithm>
#include <charconv>

namespace ecmh::net {
namespace {

// The address with every bit from `length` on cleared.
Ipv4Address masked(const Ipv4Address& a, std::uint8_t length) {
    if (length == 0) {
        return Ipv4Address{}; // a shift by 32 would be undefined
    }
    const std::uint32_t mask = ~std::uint32_t{0} << (32U - std::min<std::uint32_t>(length, 32U));
    return Ipv4Address{a.value() & mask};
}

Ipv6Address masked(const Ipv6Address& a, std::uint8_t length) {
    auto bytes = a.bytes();
    std::size_t bits = std::min<std::size_t>(length, 128);
    for (auto& byte : bytes) {
        const std::size_t keep = std::min<std::size_t>(bits, 8);
        byte = static_cast<std::uint8_t>(byte & (0xff00U >> keep));
        bits -= keep;
    }
    return Ipv6Address{bytes};
}

std::optional<std::uint8_t> parse_length(std::string_view text) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error != std::errc{} || ptr != end || value > 255) {
        return std::nullopt;
    }
    return static_cast<std::uint8_t>(value);
}

} // namespace

bool same_leading_bits(const Ipv4Address& a, const Ipv4Address& b, std::uint8_t length) {
    return masked(a, length) == masked(b, length);
}

bool same_leading_bits(const Ipv6Address& a, const Ipv6Address& b, std::uint8_t length) {
    const auto& x = a.bytes();
    const auto& y = b.bytes();
    std::size_t bits = std::min<std::size_t>(length, 128);
    for (std::size_t i = 0; bits > 0; ++i) {
        const std::size_t here = std::min<std::size_t>(bits, 8);
        if (((x[i] ^ y[i]) & (0xff00U >> here)) != 0) {
            return false;
        }
        bits -= here;
    }
    return true;
}

template <class Address>
std::optional<Prefix<Address>> Prefix<Address>::make(const Address& address, std::uint8_t length) {
    if (length > kAddressBits<Address> || masked(address, length) != address) {
        return std::nullopt;
    }
    return Prefix{address, length};
}

template <class Address>
std::optional<Prefix<Address>> Prefix<Address>::parse(std::string_view text) {
    const auto slash = text.find('/');
    const auto address = Address::parse(text.substr(0, slash));
    if (!address) {
        return std::nullopt;
    }
    if (slash == std::string_view::npos) {
        return Prefix{*address, kAddressBits<Address>};
    }
    const auto length = parse_length(text.substr(slash + 1));
    if (!length) {
        return std::nullopt;
    }
    return make(*address, *length);
}

template <class Address>
std::string Prefix<Address>::to_string() const {
    return address_.to_string() + "/" + std::to_string(length_);
}

template class Prefix<Ipv4Address>;
template class Prefix<Ipv6Address>;

} // namespace ecmh::net
