// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/net/ipv6_address.hpp"

#include "ecmh/net/hex.hpp"
#include "ecmh/net/ipv4_address.hpp"

#include <algorithm>
#include <cstring>

namespace ecmh::net {
namespace {

// Parses the groups of one side of "::" into out; returns the number of 16-bit words
// written (an embedded IPv4 address counts two), or nullopt on a syntax error.
std::optional<std::size_t> parse_groups(std::string_view text, std::array<std::uint16_t, 8>& out,
                                        bool allow_v4_tail) {
    std::size_t count = 0;
    if (text.empty()) {
        return 0;
    }
    while (true) {
        const auto colon = text.find(':');
        const std::string_view group = text.substr(0, colon);
        const bool last = colon == std::string_view::npos;
        if (last && allow_v4_tail && group.find('.') != std::string_view::npos) {
            const auto v4 = Ipv4Address::parse(group);
            if (!v4 || count + 2 > 8) {
                return std::nullopt;
            }
            out[count++] = static_cast<std::uint16_t>(v4->value() >> 16);
            out[count++] = static_cast<std::uint16_t>(v4->value() & 0xffff);
            return count;
        }
        if (group.empty() || group.size() > 4 || count >= 8) {
            return std::nullopt;
        }
        unsigned value = 0;
        for (const char c : group) {
            const int h = hex_value(c);
            if (h < 0) {
                return std::nullopt;
            }
            value = (value << 4) | static_cast<unsigned>(h);
        }
        out[count++] = static_cast<std::uint16_t>(value);
        if (last) {
            return count;
        }
        text.remove_prefix(colon + 1);
    }
}

} // namespace

std::optional<Ipv6Address> Ipv6Address::from_span(std::span<const std::uint8_t> bytes) {
    if (bytes.size() != kSize) {
        return std::nullopt;
    }
    Bytes b{};
    std::copy(bytes.begin(), bytes.end(), b.begin());
    return Ipv6Address{b};
}

std::optional<Ipv6Address> Ipv6Address::parse(std::string_view text) {
    std::array<std::uint16_t, 8> head{};
    std::array<std::uint16_t, 8> tail{};
    std::size_t head_count = 0;
    std::size_t tail_count = 0;
    const auto gap = text.find("::");
    if (gap == std::string_view::npos) {
        const auto n = parse_groups(text, head, true);
        if (!n || *n != 8) {
            return std::nullopt;
        }
        head_count = 8;
    } else {
        const auto left = text.substr(0, gap);
        const auto right = text.substr(gap + 2);
        if (right.find("::") != std::string_view::npos) {
            return std::nullopt; // only one "::" is allowed
        }
        const auto l = parse_groups(left, head, false);
        const auto r = parse_groups(right, tail, true);
        // "::" stands for at least one zero group.
        if (!l || !r || *l + *r > 7) {
            return std::nullopt;
        }
        head_count = *l;
        tail_count = *r;
    }
    std::array<std::uint16_t, 8> words{};
    std::copy_n(head.begin(), head_count, words.begin());
    std::copy_n(tail.begin(), tail_count, words.end() - static_cast<std::ptrdiff_t>(tail_count));
    Bytes b{};
    for (std::size_t i = 0; i < 8; ++i) {
        b[2 * i] = static_cast<std::uint8_t>(words[i] >> 8);
        b[2 * i + 1] = static_cast<std::uint8_t>(words[i]);
    }
    return Ipv6Address{b};
}

std::string Ipv6Address::to_string() const {
    if (is_v4_mapped()) {
        return "::ffff:" + Ipv4Address::from_bytes({bytes_[12], bytes_[13], bytes_[14], bytes_[15]})
                               .to_string();
    }
    std::array<std::uint16_t, 8> words{};
    for (std::size_t i = 0; i < 8; ++i) {
        words[i] = static_cast<std::uint16_t>((bytes_[2 * i] << 8) | bytes_[2 * i + 1]);
    }
    // The longest run of zero groups, if at least two long (RFC 5952 §4.2.2).
    std::size_t best_start = 8;
    std::size_t best_len = 1;
    for (std::size_t i = 0; i < 8;) {
        if (words[i] != 0) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < 8 && words[j] == 0) {
            ++j;
        }
        if (j - i > best_len) {
            best_start = i;
            best_len = j - i;
        }
        i = j;
    }
    std::string out;
    out.reserve(39);
    static constexpr char kHex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < 8; ++i) {
        if (i == best_start) {
            out += "::";
            i += best_len - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':') {
            out += ':';
        }
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            const auto nibble = (words[i] >> shift) & 0xf;
            if (nibble != 0 || started || shift == 0) {
                out += kHex[nibble];
                started = true;
            }
        }
    }
    return out;
}

bool Ipv6Address::is_unspecified() const {
    return std::all_of(bytes_.begin(), bytes_.end(), [](std::uint8_t b) { return b == 0; });
}

bool Ipv6Address::is_loopback() const {
    return std::all_of(bytes_.begin(), bytes_.end() - 1, [](std::uint8_t b) { return b == 0; }) &&
           bytes_[15] == 1;
}

bool Ipv6Address::is_link_local_unicast() const {
    return bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80;
}

bool Ipv6Address::is_link_local_fe80_64() const {
    return bytes_[0] == 0xfe && bytes_[1] == 0x80 &&
           std::all_of(bytes_.begin() + 2, bytes_.begin() + 8,
                       [](std::uint8_t b) { return b == 0; });
}

bool Ipv6Address::is_v4_mapped() const {
    return std::all_of(bytes_.begin(), bytes_.begin() + 10,
                       [](std::uint8_t b) { return b == 0; }) &&
           bytes_[10] == 0xff && bytes_[11] == 0xff;
}

bool Ipv6Address::is_ssm() const {
    // ff3x:0000::/32 — flags P and T set, prefix length 0 (RFC 3306 §6, RFC 4607 §1).
    return bytes_[0] == 0xff && (bytes_[1] & 0xf0) == 0x30 && bytes_[2] == 0 && bytes_[3] == 0;
}

} // namespace ecmh::net

std::size_t
std::hash<ecmh::net::Ipv6Address>::operator()(const ecmh::net::Ipv6Address& a) const noexcept {
    // FNV-1a over the bytes: cheap, and group addresses differ mostly in the low bytes.
    std::uint64_t h = 1469598103934665603ULL;
    for (const auto b : a.bytes()) {
        h = (h ^ b) * 1099511628211ULL;
    }
    return static_cast<std::size_t>(h);
}
