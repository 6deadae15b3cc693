// SPDX-License-Identifier: BSD-3-Clause
#include "hex.hpp"

#include "ecmh/net/hex.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace ecmh::test {
namespace {

// Whitespace and ':' separate bytes for readability ("3a 00 05 02", "01:00:5e").
bool is_separator(char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == ':';
}

[[noreturn]] void die(const char* what, std::string_view text) {
    std::fprintf(stderr, "%s in \"%.*s\"\n", what, static_cast<int>(text.size()), text.data());
    std::abort();
}

void put_u16(Bytes& bytes, std::size_t at, std::uint16_t value) {
    bytes[at] = static_cast<std::uint8_t>(value >> 8);
    bytes[at + 1] = static_cast<std::uint8_t>(value);
}

} // namespace

Bytes from_hex(std::string_view text) {
    Bytes out;
    int high = -1;
    for (const char c : text) {
        if (is_separator(c)) {
            continue;
        }
        const int digit = net::hex_value(c);
        if (digit < 0) {
            die("from_hex(): not a hex digit", text);
        }
        if (high < 0) {
            high = digit;
        } else {
            out.push_back(static_cast<std::uint8_t>((high << 4) | digit));
            high = -1;
        }
    }
    if (high >= 0) {
        die("from_hex(): odd number of digits", text);
    }
    return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const auto b : bytes) {
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0x0f]);
    }
    return out;
}

namespace v6 {

net::Ipv6Address addr(std::string_view text) {
    const auto parsed = net::Ipv6Address::parse(text);
    if (!parsed) {
        die("addr(): not an IPv6 address", text);
    }
    return *parsed;
}

Bytes router_alert_hbh(std::uint8_t next_header) {
    return {next_header, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00};
}

Bytes make_ipv6(const Ipv6Fields& fields, std::span<const std::uint8_t> upper) {
    Bytes packet(40, 0);
    const std::uint32_t first =
        (6U << 28) | (std::uint32_t{fields.traffic_class} << 20) | (fields.flow_label & 0xfffffU);
    put_u16(packet, 0, static_cast<std::uint16_t>(first >> 16));
    put_u16(packet, 2, static_cast<std::uint16_t>(first));
    packet[6] = fields.next_header;
    packet[7] = fields.hop_limit;
    const auto& source = fields.source.bytes();
    const auto& destination = fields.destination.bytes();
    std::copy(source.begin(), source.end(), packet.begin() + 8);
    std::copy(destination.begin(), destination.end(), packet.begin() + 24);
    packet.insert(packet.end(), fields.extension_headers.begin(), fields.extension_headers.end());
    packet.insert(packet.end(), upper.begin(), upper.end());
    set_payload_length(packet, packet.size() - 40);
    return packet;
}

std::uint16_t icmpv6_checksum(std::span<const std::uint8_t> message, const net::Ipv6Address& source,
                              const net::Ipv6Address& destination, std::size_t length) {
    if (length == SIZE_MAX) {
        length = message.size();
    }
    // The pseudo-header (RFC 8200 §8.1) followed by the message, as one byte string.
    Bytes all(source.bytes().begin(), source.bytes().end());
    all.insert(all.end(), destination.bytes().begin(), destination.bytes().end());
    all.insert(all.end(),
               {static_cast<std::uint8_t>(length >> 24), static_cast<std::uint8_t>(length >> 16),
                static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length), 0, 0, 0,
                58});
    const auto at = all.size();
    all.insert(all.end(), message.begin(), message.end());
    if (message.size() >= 4) {
        all[at + 2] = 0;
        all[at + 3] = 0;
    }
    if (all.size() % 2 != 0) {
        all.push_back(0);
    }
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < all.size(); i += 2) {
        sum += (std::uint32_t{all[i]} << 8) | all[i + 1];
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(~sum);
}

std::size_t payload_length(std::span<const std::uint8_t> packet) {
    return packet.size() < 6 ? 0 : (std::size_t{packet[4]} << 8) | packet[5];
}

void set_payload_length(Bytes& packet, std::size_t length) {
    put_u16(packet, 4, static_cast<std::uint16_t>(length));
}

void fix_icmpv6_checksum(Bytes& packet, std::size_t upper_offset) {
    const auto end = std::min(packet.size(), 40 + payload_length(packet));
    if (end < upper_offset + 4) {
        return;
    }
    const std::span<const std::uint8_t> message{packet.data() + upper_offset, end - upper_offset};
    net::Ipv6Address::Bytes source{};
    net::Ipv6Address::Bytes destination{};
    std::copy(packet.begin() + 8, packet.begin() + 24, source.begin());
    std::copy(packet.begin() + 24, packet.begin() + 40, destination.begin());
    put_u16(packet, upper_offset + 2,
            icmpv6_checksum(message, net::Ipv6Address{source}, net::Ipv6Address{destination}));
}

Bytes icmpv6_packet(const Ipv6Fields& fields, Bytes message) {
    auto packet = make_ipv6(fields, message);
    fix_icmpv6_checksum(packet, 40 + fields.extension_headers.size());
    return packet;
}

Bytes truncate_consistent(const Bytes& packet, std::size_t upper_offset, std::size_t upper_length) {
    Bytes out(packet.begin(),
              packet.begin() + static_cast<std::ptrdiff_t>(upper_offset + upper_length));
    set_payload_length(out, out.size() - 40);
    fix_icmpv6_checksum(out, upper_offset);
    return out;
}

Bytes truncate_lying(const Bytes& packet, std::size_t frame_length) {
    return Bytes(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(frame_length));
}

} // namespace v6
} // namespace ecmh::test
