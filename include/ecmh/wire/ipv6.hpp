// SPDX-License-Identifier: BSD-3-Clause
// IPv6 (RFC 8200): a non-allocating view of a received packet after a bounded walk
// over its extension headers, and a writer for the headers ecmh sends.
//
// Lengths: the packet ends where Payload Length says (RFC 8200 §3). Bytes after it
// (Ethernet padding) are ignored; fewer bytes than it claims is an error (Truncated).
#pragma once

#include "ecmh/net/byte_writer.hpp"
#include "ecmh/net/expected.hpp"
#include "ecmh/net/ipv6_address.hpp"
#include "ecmh/wire/parse_error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace ecmh::wire {

struct Ipv6Packet {
    net::Ipv6Address source;
    net::Ipv6Address destination;
    std::uint8_t traffic_class = 0;
    std::uint32_t flow_label = 0;
    std::uint8_t hop_limit = 0;
    // The protocol of `payload` after the extension-header walk: 58 (ICMPv6), 17
    // (UDP), 59 (no next header), …; for a non-first fragment, the Fragment header's
    // Next Header value.
    std::uint8_t next_header = 0;
    std::span<const std::uint8_t> packet;  // 40-byte header + Payload Length bytes
    std::span<const std::uint8_t> payload; // the upper-layer bytes after all ext headers
    std::size_t header_length = 0;         // 40 + extension headers (= payload offset)

    bool has_hop_by_hop = false;
    std::uint8_t router_alert_count = 0;  // Router Alert options in the Hop-by-Hop header
    std::uint16_t router_alert_value = 0; // meaningful when router_alert_count == 1

    bool is_fragment = false;          // a Fragment header was present
    std::uint16_t fragment_offset = 0; // in 8-octet units
    bool more_fragments = false;

    [[nodiscard]] bool is_atomic_fragment() const {
        return is_fragment && fragment_offset == 0 && !more_fragments; // RFC 6946
    }
};

// Validates the fixed header and walks at most kMaxExtensionHeaders extension headers
// (Hop-by-Hop only first, Destination Options, Routing with Segments Left 0, Fragment,
// AH). Rejects with a specific ParseError; never reads past `bytes`.
[[nodiscard]] net::Expected<Ipv6Packet, ParseError> parse_ipv6(std::span<const std::uint8_t> bytes);

struct Ipv6HeaderSpec {
    net::Ipv6Address source;
    net::Ipv6Address destination;
    std::uint8_t hop_limit = 1;
    std::uint8_t next_header = 58; // protocol of the upper-layer payload
    // Adds the 8-byte Hop-by-Hop header 'nh 00 05 02 00 00 01 00': one Router Alert
    // with value 0 (MLD, RFC 2711) and a PadN(0).
    bool router_alert = false;
    std::uint8_t traffic_class = 0;
};

// Writes the IPv6 header (and the Router Alert Hop-by-Hop header if asked) for an
// upper-layer payload of `upper_length` bytes. Returns the bytes written (40 or 48).
std::size_t write_ipv6_header(net::ByteWriter& out, const Ipv6HeaderSpec& spec,
                              std::size_t upper_length);

} // namespace ecmh::wire
