// SPDX-License-Identifier: BSD-3-Clause
// IPv4 (RFC 791): a non-allocating view of a received packet with its options, and a
// writer for the headers ecmh sends.
//
// Lengths: the packet ends where Total Length says. Bytes after it (Ethernet padding)
// are ignored; fewer bytes than it claims is an error (Truncated).
#pragma once

#include "ecmh/net/byte_writer.hpp"
#include "ecmh/net/expected.hpp"
#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/wire/parse_error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace ecmh::wire {

struct Ipv4Packet {
    net::Ipv4Address source;
    net::Ipv4Address destination;
    std::uint8_t tos = 0;
    std::uint8_t ttl = 0;
    std::uint8_t protocol = 0;
    std::uint16_t identification = 0;
    bool dont_fragment = false;
    bool more_fragments = false;
    std::uint16_t fragment_offset = 0;     // in 8-octet units
    std::span<const std::uint8_t> packet;  // header + payload, Total Length bytes
    std::span<const std::uint8_t> payload; // after the header and options
    std::size_t header_length = 0;         // IHL · 4

    std::uint8_t router_alert_count = 0;  // RFC 2113 options present
    std::uint16_t router_alert_value = 0; // meaningful when router_alert_count == 1
    bool source_route = false;            // LSRR or SSRR present

    [[nodiscard]] bool is_fragment() const { return more_fragments || fragment_offset != 0; }
};

// Validates version, IHL, Total Length, the header checksum and every option's
// length (a length of 0 or 1, or one past IHL, is BadOption). Never reads past `bytes`.
[[nodiscard]] net::Expected<Ipv4Packet, ParseError> parse_ipv4(std::span<const std::uint8_t> bytes);

struct Ipv4HeaderSpec {
    net::Ipv4Address source;
    net::Ipv4Address destination;
    std::uint8_t ttl = 1;
    std::uint8_t tos = 0;
    std::uint8_t protocol = 2;
    std::uint16_t identification = 0;
    bool dont_fragment = false;
    // Adds the option '94 04 00 00' (RFC 2113), making IHL 6.
    bool router_alert = false;
};

// Writes the IPv4 header with a correct header checksum for a payload of
// `payload_length` bytes. Returns the bytes written (20 or 24), or 0 with the writer
// failed when the buffer is too small or the payload too large for Total Length.
std::size_t write_ipv4_header(net::ByteWriter& out, const Ipv4HeaderSpec& spec,
                              std::size_t payload_length);

} // namespace ecmh::wire
