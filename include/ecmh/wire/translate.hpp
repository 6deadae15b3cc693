// SPDX-License-Identifier: BSD-3-Clause
// IPv4 <-> IPv6 header translation of a multicast UDP datagram (SIIT, RFC 7915 §4 and §5;
// design note of issue 16, rules X1–X18). The addresses come in already mapped (the
// translation maps in net/translation_map.hpp); this file only rewrites headers:
//   - the new IP header (and a Fragment header for a fragment) is built once per packet
//     into TranslatedCopy::header;
//   - the UDP checksum is carried over by RFC 1624 eqn. 3: only the pseudo-header
//     addresses differ between the two families (UDP length and protocol 17 are the
//     same), so the new checksum is the old one adjusted by Σ(new addresses) −
//     Σ(old addresses), four or sixteen words, whatever the datagram's size;
//   - the transport bytes stay in the received buffer: each copy is one header store,
//     one memcpy and a 16-bit patch (TranslatedCopy::write), like ForwardCopy.
// Only UDP is translated (the deviation X17); the rest is a TranslateError for the
// caller to count. Nothing here allocates.
#pragma once

#include "ecmh/net/expected.hpp"
#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/net/ipv6_address.hpp"
#include "ecmh/net/mac_address.hpp"
#include "ecmh/wire/forward_copy.hpp"
#include "ecmh/wire/ipv4.hpp"
#include "ecmh/wire/ipv6.hpp"
#include "ecmh/wire/link.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace ecmh::wire {

enum class TranslateError : std::uint8_t {
    NotUdp,               // X17: the (last) protocol is not UDP; also IPv6 with AH (RFC 7915 §5.1)
    SourceRoute,          // X4: an IPv4 LSRR/SSRR option not yet expired (pointer ≤ length)
    RoutingHeader,        // X5: an IPv6 Routing header with Segments Left ≠ 0 (RFC 7915 §5.1)
    HeaderAfterFragment,  // X5: an extension header after the Fragment header (§5.1.1)
    ZeroChecksumFragment, // X15: IPv4 UDP checksum 0 on a first fragment (§4.5)
    ZeroChecksumIpv6,     // X16: IPv6 UDP with checksum 0 is invalid (RFC 8200 §8.1)
    Truncated, // the UDP datagram (header, or Length of an unfragmented one) is not all there
    TotalLengthOverflow, // IPv6 → IPv4: 20 + the payload does not fit Total Length
};

[[nodiscard]] std::string_view to_string(TranslateError error);

struct TranslatedCopy {
    static constexpr std::size_t kMaxHeader = 48; // IPv6 40 + Fragment header 8

    std::array<std::uint8_t, kMaxHeader> header{}; // the new header, checksums final
    std::size_t header_length = 0;                 // 20, 40 or 48
    // The received bytes after the IP header(s): the UDP datagram, or a fragment's data.
    std::span<const std::uint8_t> transport;
    // The UDP checksum to write, at its offset from the start of the written packet
    // (header_length + 6). Set exactly when the copy carries the UDP header.
    std::optional<FieldValue> transport_checksum;
    NetworkProtocol protocol = NetworkProtocol::Ipv6; // of the new packet
    net::MacAddress group_mac;                        // of the new destination
    // IPv4 → IPv6: the IPv4 packet's DF; a copy too big for its link is fragmented
    // (Ipv6FragmentWriter) only when this is clear (X9, X10). IPv6 → IPv4: the DF the
    // new header carries (X11, X12).
    bool dont_fragment = false;
    bool zero_checksum_computed = false; // X14: the IPv4 UDP checksum was 0 and was computed
    // IPv4 → IPv6: the Identification of any Fragment header (the IPv4 ID, X8/X9).
    std::uint32_t identification = 0;

    [[nodiscard]] std::size_t size() const { return header_length + transport.size(); }
    // Writes the copy into `out`, which must hold size() bytes. Returns size(), or 0
    // (nothing written) when it does not fit.
    [[nodiscard]] std::size_t write(std::span<std::uint8_t> out) const;
    // IPv4 copies only (design D9): the same with `source` as the IPv4 source address,
    // the header checksum recomputed and the UDP checksum (when this copy carries the
    // UDP header) adjusted for it (RFC 1624 eqn. 3). Every fragment of a datagram must
    // get the same `source`, or the first one's checksum no longer covers the others'.
    // 0 for an IPv6 copy or a short `out`.
    [[nodiscard]] std::size_t write(std::span<std::uint8_t> out, net::Ipv4Address source) const;
};

// IPv4 → IPv6 (X1–X9, X13–X15, X18) with the mapped `source` and `group`. Hop limit =
// TTL − 1 (clamped at 0; the engine translates only TTL ≥ 2), traffic class = TOS, flow
// label 0, IPv4 options dropped. A fragment (MF or offset ≠ 0) gets a Fragment header
// (offset and M copied, Identification = the IPv4 ID). The UDP checksum is adjusted for
// the new pseudo-header; one left to offload is completed first; a zero one is computed
// over the datagram when it is whole (X14) and refused on a first fragment (X15).
[[nodiscard]] net::Expected<TranslatedCopy, TranslateError>
translate_to_ipv6(const Ipv4Packet& packet, const net::Ipv6Address& source,
                  const net::Ipv6Address& group);

// IPv6 → IPv4 (X1–X3, X5, X6, X11–X13, X16). TTL = hop limit − 1, TOS = traffic class,
// Hop-by-Hop, Destination Options and finished Routing headers skipped. Unfragmented:
// ID = `identification` (the caller's counter), DF = (Total Length > 1260), MF 0. With a
// Fragment header: ID = the low 16 bits of its Identification, DF 0, MF and offset copied.
[[nodiscard]] net::Expected<TranslatedCopy, TranslateError>
translate_to_ipv4(const Ipv6Packet& packet, net::Ipv4Address source, net::Ipv4Address group,
                  std::uint16_t identification);

} // namespace ecmh::wire
