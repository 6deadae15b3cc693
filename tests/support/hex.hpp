// SPDX-License-Identifier: BSD-3-Clause
// Test helpers: hex strings to bytes and back, and hand-made IPv6/ICMPv6 packets that a
// test can corrupt byte by byte (set any length, fix or break any checksum, cut short
// in the two ways rfc-map M1 asks for).
//
// Nothing here validates and nothing here calls the code under test: checksums are
// summed by a plain loop of their own, so a bug in net/checksum.cpp cannot hide itself.
#pragma once

#include "ecmh/net/ipv6_address.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ecmh::test {

using Bytes = std::vector<std::uint8_t>;

// "60 00 00 00\n 00 18 ..." → bytes. Whitespace and ':' are skipped; anything else not a
// hex digit, or an odd number of digits, aborts the test binary (a bug in the test).
[[nodiscard]] Bytes from_hex(std::string_view text);
// Lower-case hex with no separators, for failure messages and golden comparisons.
[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);

namespace v6 {

// A literal address, or abort.
[[nodiscard]] net::Ipv6Address addr(std::string_view text);

// The Hop-by-Hop header every MLD packet carries: Next Header 58, one Router Alert with
// value 0, PadN(0) (RFC 2711; rfc-map item 4).
[[nodiscard]] Bytes router_alert_hbh(std::uint8_t next_header = 58);

struct Ipv6Fields {
    net::Ipv6Address source = addr("fe80::a");
    net::Ipv6Address destination = addr("ff02::16");
    std::uint8_t hop_limit = 1;
    std::uint8_t traffic_class = 0;
    std::uint32_t flow_label = 0;
    std::uint8_t next_header = 0;                 // the fixed header's Next Header
    Bytes extension_headers = router_alert_hbh(); // copied verbatim after the fixed header
};

// Fixed header + extension headers + `upper`, Payload Length set to cover both. The
// upper-layer bytes are copied unchanged (see fix_icmpv6_checksum).
[[nodiscard]] Bytes make_ipv6(const Ipv6Fields& fields, std::span<const std::uint8_t> upper);

// The ICMPv6 checksum of `message` (its bytes 2–3 taken as zero) with the pseudo-header
// for `source`, `destination` and `length` (by default the message size).
[[nodiscard]] std::uint16_t icmpv6_checksum(std::span<const std::uint8_t> message,
                                            const net::Ipv6Address& source,
                                            const net::Ipv6Address& destination,
                                            std::size_t length = SIZE_MAX);

// Payload Length of a packet (bytes 4–5), and setting it without touching anything else.
[[nodiscard]] std::size_t payload_length(std::span<const std::uint8_t> packet);
void set_payload_length(Bytes& packet, std::size_t length);

// Recomputes the checksum of the ICMPv6 message that starts at `upper_offset` and ends
// where Payload Length says (at most the vector). No-op below 4 bytes of message.
void fix_icmpv6_checksum(Bytes& packet, std::size_t upper_offset);

// A complete MLD (or any ICMPv6) packet: `fields` around `message`, checksum fixed.
[[nodiscard]] Bytes icmpv6_packet(const Ipv6Fields& fields, Bytes message);

// M1 (a) "self-consistent": the upper layer cut to `upper_length` bytes, with Payload
// Length and the ICMPv6 checksum recomputed.
[[nodiscard]] Bytes truncate_consistent(const Bytes& packet, std::size_t upper_offset,
                                        std::size_t upper_length);
// M1 (b) "lying": only the first `frame_length` bytes arrive; Payload Length unchanged.
[[nodiscard]] Bytes truncate_lying(const Bytes& packet, std::size_t frame_length);

} // namespace v6
} // namespace ecmh::test
