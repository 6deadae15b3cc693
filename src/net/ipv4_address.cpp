// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/net/ipv4_address.hpp"

namespace ecmh::net {

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
    std::uint32_t value = 0;
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (text.empty() || text.front() != '.') {
                return std::nullopt;
            }
            text.remove_prefix(1);
        }
        std::size_t digits = 0;
        unsigned octet = 0;
        while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
            octet = octet * 10 + static_cast<unsigned>(text[digits] - '0');
            ++digits;
            if (digits > 3) {
                return std::nullopt;
            }
        }
        // No empty parts, no values above 255, no leading zeros ("01" is octal to some).
        if (digits == 0 || octet > 255 || (digits > 1 && text[0] == '0')) {
            return std::nullopt;
        }
        text.remove_prefix(digits);
        value = (value << 8) | octet;
    }
    if (!text.empty()) {
        return std::nullopt;
    }
    return Ipv4Address{value};
}

std::string Ipv4Address::to_string() const {
    std::string out;
    out.reserve(15);
    for (int shift = 24; shift >= 0; shift -= 8) {
        out += std::to_string((value_ >> shift) & 0xff);
        if (shift != 0) {
            out += '.';
        }
    }
    return out;
}

} // namespace ecmh::net
