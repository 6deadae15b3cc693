// SPDX-License-Identifier: BSD-3-Clause
// The counters an operator reads in the dump: per link and in total, packets and bytes
// each way, MLD/IGMP messages each way, hop limit exceeded, and every drop by reason.
#pragma once

#include "ecmh/table/forwarding_table.hpp"
#include "ecmh/wire/parse_error.hpp"
#include "ecmh/wire/translate.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace ecmh::engine {

// Drops that are not a ParseError or a forwarding Verdict.
enum class DropReason : std::uint8_t {
    TooBigForLink,      // larger than the out-link's MTU: IPv6, or IPv4 with Don't Fragment
    NotMulticast,       // a unicast or broadcast destination reached us
    ControlOnUpstream,  // a report/leave on the upstream: ecmh is a host there (RFC 4605 §3)
    QueryRejected,      // an upstream IGMP query failing RFC 3376 §9.1 (no RA, wrong address)
    OffSubnetReport,    // IGMP report from a source not on the link's subnet (RFC 3376 §9.2)
    BogusSource,        // IGMP from 127/8, 224/4 or 240/4 (incl. broadcast): no host's address
    MisaddressedReport, // an MLDv1 Report sent to neither its group nor an address of ours
    DisabledFamily,     // --no-ipv4 / --no-ipv6, or MLD on a link without a link-local address
    IgnoredVersion,     // MLDv1 while -2 (mld2only), IGMPv1/v2 while --igmp3only
    OwnFrame,           // a frame from one of our own MAC addresses (an L2 loop)
    OwnSource,          // a packet from one of our own IP addresses (a loop or a spoof)
    Tunnel,             // proto-41 outside tunnel mode (-t)
    UnknownTunnelPeer,  // proto-41 from an outer source that is no configured peer (RFC 4213 §3.6)
    TunnelNotForUs,     // proto-41 from a peer to an address that is not ours
    VlanTagged,         // an 802.1Q-tagged frame: ecmh's links are untagged (VLANs are own links)
    TruncatedCapture,   // the capture delivered less than the frame (snap length)
    OversizedFrame,     // a captured frame larger than its link's MTU plus link header
    LinkDown,           // a copy or message for a link that is down (its state kept meanwhile)
    MembershipRateLimit, // an MLD/IGMP message beyond its link's --max-membership-rate
    PolicyDenied, // a record or report a link's allow/deny rules or boundary refused, in part or
                  // all
    // Translation (--translate): a native packet of a translated pair from an upstream of
    // the family that is not the pair's home (its listeners get the translated copies);
    // an IPv4 source the source prefix cannot carry (a private address under the
    // Well-Known Prefix, RFC 6052 §3.1).
    TranslateSuppressed,
    TranslateUnmappedSource,
    // Counted by the daemon's transmit code (io) as well as the engine:
    SendFailed,  // the kernel refused a copy (queue full, link gone), or the link had no route
    BuildFailed, // a control message could not be built (no room for it: a bug, never silent)
    kCount,
};

[[nodiscard]] std::string_view to_string(DropReason reason);

inline constexpr std::size_t kParseErrorCount =
    static_cast<std::size_t>(wire::ParseError::SixToFourAnycast) + 1;
inline constexpr std::size_t kTranslateErrorCount =
    static_cast<std::size_t>(wire::TranslateError::TotalLengthOverflow) + 1;
// The drop name of a translation error in the dump, `show stats` and metrics.
[[nodiscard]] std::string translate_drop_name(wire::TranslateError error);
inline constexpr std::size_t kVerdictCount =
    static_cast<std::size_t>(table::Verdict::NoListeners) + 1;

struct TrafficCounters {
    std::uint64_t packets_received = 0;
    std::uint64_t bytes_received = 0;
    std::uint64_t packets_sent = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t control_received = 0; // ICMPv6 MLD + IGMP messages
    std::uint64_t control_sent = 0;
    std::uint64_t control_rate_limited = 0; // received beyond --max-membership-rate, dropped
    std::uint64_t hop_limit_exceeded = 0;
};

struct Statistics {
    TrafficCounters total;
    std::uint64_t forwarded = 0; // data packets that got at least one copy
    // Forwarded packets whose UDP/TCP checksum had been left to offload and was completed
    // (wire/checksum_offload.hpp).
    std::uint64_t checksums_completed = 0;
    // ICMPv6 Packet Too Big sent back to sources whose packets did not fit an out-link.
    std::uint64_t packet_too_big_sent = 0;
    // Copies larger than their out-link's MTU sent as fragments (IPv4, and IPv6 translated
    // from IPv4 without Don't Fragment), and the fragments.
    std::uint64_t fragmented = 0;
    std::uint64_t fragments_sent = 0;
    // Super-frames (GRO, a veth peer's GSO) cut back into their UDP datagrams, and the
    // datagrams.
    std::uint64_t superframes_segmented = 0;
    std::uint64_t superframe_datagrams = 0;
    // IPv4 <-> IPv6 translation (issue 16): packets that got at least one translated
    // copy, each way; zero IPv4 UDP checksums computed for IPv6 (RFC 7915 §4.5); packets
    // with listeners that could not be translated, by reason.
    std::uint64_t translated_to_ipv6 = 0;
    std::uint64_t translated_to_ipv4 = 0;
    std::uint64_t translate_checksums_computed = 0;
    std::array<std::uint64_t, kTranslateErrorCount> translate_drops{};
    // The flow cache (issue 15): flows installed, removed (re-decided away, idle, or at
    // shutdown), and offered while the cache was full (they stay with the engine).
    std::uint64_t flows_installed = 0;
    std::uint64_t flows_removed = 0;
    std::uint64_t flows_refused_full = 0;
    std::array<std::uint64_t, kParseErrorCount> parse_drops{};
    std::array<std::uint64_t, kVerdictCount> verdicts{};
    std::array<std::uint64_t, static_cast<std::size_t>(DropReason::kCount)> drops{};

    void count(wire::ParseError e) { ++parse_drops[static_cast<std::size_t>(e)]; }
    void count(table::Verdict v) { ++verdicts[static_cast<std::size_t>(v)]; }
    void count(DropReason r) { ++drops[static_cast<std::size_t>(r)]; }
    void count(wire::TranslateError e) { ++translate_drops[static_cast<std::size_t>(e)]; }
    [[nodiscard]] std::uint64_t of(wire::ParseError e) const {
        return parse_drops[static_cast<std::size_t>(e)];
    }
    [[nodiscard]] std::uint64_t of(table::Verdict v) const {
        return verdicts[static_cast<std::size_t>(v)];
    }
    [[nodiscard]] std::uint64_t of(DropReason r) const {
        return drops[static_cast<std::size_t>(r)];
    }
};

} // namespace ecmh::engine
