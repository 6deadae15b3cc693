// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/net/mac_address.hpp"

#include "ecmh/net/hex.hpp"

#include <algorithm>

namespace ecmh::net {
std::optional<MacAddress> MacAddress::from_span(std::span<const std::uint8_t> bytes) {
    if (bytes.size() != kSize) {
        return std::nullopt;
    }
    Bytes b{};
    std::copy(bytes.begin(), bytes.end(), b.begin());
    return MacAddress{b};
}

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
    // Exactly "xx:xx:xx:xx:xx:xx": 17 characters, one separator kind.
    if (text.size() != 17) {
        return std::nullopt;
    }
    const char sep = text[2];
    if (sep != ':' && sep != '-') {
        return std::nullopt;
    }
    Bytes b{};
    for (std::size_t i = 0; i < kSize; ++i) {
        const auto hi = hex_value(text[3 * i]);
        const auto lo = hex_value(text[3 * i + 1]);
        if (hi < 0 || lo < 0 || (i < kSize - 1 && text[3 * i + 2] != sep)) {
            return std::nullopt;
        }
        b[i] = static_cast<std::uint8_t>((hi << 4) | lo);
    }
    return MacAddress{b};
}

std::string MacAddress::to_string() const {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(17);
    for (std::size_t i = 0; i < kSize; ++i) {
        if (i != 0) {
            out += ':';
        }
        out += kHex[bytes_[i] >> 4];
        out += kHex[bytes_[i] & 0xf];
    }
    return out;
}

} // namespace ecmh::net
