// SPDX-License-Identifier: BSD-3-Clause
// Test helpers for hand-made IPv4/IGMP packets: wrap an IGMP message in an IPv4 header
// (with any options), recompute the lengths and both checksums after a test has edited
// the bytes, and cut packets short in the two ways rfc-map M1 asks for.
//
// Everything works on plain byte vectors so that a test can corrupt any byte it likes;
// nothing here validates, and nothing here calls the code under test.
#pragma once

#include "ecmh/net/ipv4_address.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ecmh::test::v4 {

using Bytes = std::vector<std::uint8_t>;

// "46 c0 00 20" → bytes; spaces, colons and newlines are ignored. Aborts the test
// binary on a malformed string (a bug in the test, not a test failure).
[[nodiscard]] Bytes hex(std::string_view text);

// The IPv4 header fields a test may want to vary. Options are copied as given and then
// zero-padded (EOL) to a multiple of four; IHL and Total Length follow from the sizes.
struct Ipv4Fields {
    net::Ipv4Address source{0xc6336401U};      // 198.51.100.1
    net::Ipv4Address destination{0xe0000001U}; // 224.0.0.1
    std::uint8_t tos = 0xc0;
    std::uint8_t ttl = 1;
    std::uint8_t protocol = 2;
    std::uint16_t identification = 0;
    std::uint16_t flags_offset = 0;           // flags (3 bits) and fragment offset (13 bits)
    Bytes options = {0x94, 0x04, 0x00, 0x00}; // Router Alert (RFC 2113)
};

// A complete packet: header, options, then `payload` unchanged (fix its checksum first
// with igmp_with_checksum, or call fix_checksums on the result).
[[nodiscard]] Bytes make_ipv4(const Ipv4Fields& fields, std::span<const std::uint8_t> payload);

// The IGMP message with its checksum field (bytes 2–3) set over all of it.
[[nodiscard]] Bytes igmp_with_checksum(Bytes message);

// Header length from the IHL nibble, in bytes.
[[nodiscard]] std::size_t ihl_bytes(std::span<const std::uint8_t> packet);

// Sets Total Length (bytes 2–3) without touching anything else.
void set_total_length(Bytes& packet, std::size_t total_length);
// Recomputes the header checksum over IHL·4 bytes (at most the vector).
void fix_header_checksum(Bytes& packet);
// Recomputes the IGMP checksum over the IP payload as Total Length bounds it (at most
// the vector). No-op when the payload is shorter than the checksum field.
void fix_igmp_checksum(Bytes& packet);
// Both of the above, IGMP first (the header checksum does not cover the payload).
void fix_checksums(Bytes& packet);

// M1 (a) "self-consistent": the first `igmp_length` bytes of the payload, with Total
// Length and both checksums recomputed for them.
[[nodiscard]] Bytes truncate_consistent(const Bytes& packet, std::size_t igmp_length);
// M1 (b) "lying": only the first `frame_length` bytes of the packet arrive, while the
// header still claims the full Total Length.
[[nodiscard]] Bytes truncate_lying(const Bytes& packet, std::size_t frame_length);

} // namespace ecmh::test::v4
