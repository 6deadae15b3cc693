// SPDX-License-Identifier: BSD-3-Clause
// Why a received packet was not accepted. Every parser returns either its view or one
// of these; the engine turns them into per-reason drop counters, so each value must
// name one specific lie or violation (and keep a stable, printable name).
#pragma once

#include <cstdint>
#include <string_view>

namespace ecmh::wire {

enum class ParseError : std::uint8_t {
    // Framing and lengths.
    Truncated,        // fewer bytes than a header or a declared length needs
    BadLength,        // length fields contradict each other (IHL < 5, total < IHL·4, …)
    BadVersion,       // IP version field is not the one expected
    UnknownEtherType, // not IPv4, IPv6 or 802.1Q
    // IPv6 extension headers.
    ExtensionChainTooLong, // more than kMaxExtensionHeaders headers
    HopByHopNotFirst,      // Next Header 0 anywhere but right after the IPv6 header
    BadOption,             // option running past its header, bad RA/Jumbo length
    UnknownOptionDiscard,  // unknown option whose action bits say discard (RFC 8200 §4.2)
    JumboPayload,          // RFC 2675 jumbograms are not handled (never on ecmh's links)
    RoutingHeader,         // Routing header with Segments Left ≠ 0 (RFC 4291 §2.7)
    UnsupportedNextHeader, // ESP or an unknown header before the upper layer
    // IPv4.
    BadHeaderChecksum, // IPv4 header checksum
    SourceRoute,       // LSRR/SSRR on multicast (RFC 4607 §7.4)
    // Fragments.
    Fragmented,       // a control message inside a fragment (never reassembled)
    NonFirstFragment, // offset ≠ 0: no upper-layer header to look at
    // Upper layer.
    BadChecksum,           // ICMPv6/IGMP checksum does not verify
    UnknownType,           // message type not handled (RFC 3810 §5, RFC 3376 §4: ignore)
    BadQueryLength,        // MLD query of 25–27 octets, IGMP query of 9–11 (RFC 3810 §8.1)
    RecordOverrun,         // record/source counts run past the message
    SourcesInGeneralQuery, // general query with N ≠ 0
    InvalidGroup,          // group field neither 0 nor multicast where it must be
    // Control-message validity (RFC 3810 §5.1.14, §5.2.13, §6.2, §7.4, §7.6).
    HopLimitNotOne,     // MLD with Hop Limit ≠ 1
    SourceNotLinkLocal, // MLD from ::, global or non-fe80::/64 source
    MissingRouterAlert, // MLD without a Hop-by-Hop Router Alert
    BadRouterAlert,     // Router Alert value ≠ 0, or more than one
    // 6in4 (RFC 4213 §3.6).
    NotTunnel,    // outer protocol is not 41
    NestedTunnel, // 41 inside 41
    // 6to4 relay anycast (192.88.99.0/24) as outer source or destination: 6to4, which
    // ecmh does not serve, never a configured tunnel (RFC 7526 deprecates it).
    SixToFourAnycast,
};

// A stable, lower-case, dash-separated name for counters and logs ("bad-checksum").
[[nodiscard]] std::string_view to_string(ParseError error);

} // namespace ecmh::wire
