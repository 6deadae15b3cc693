// SPDX-License-Identifier: BSD-3-Clause
// Receiving MLD: the validity gate of RFC 3810 §5.1.14, §5.2.13, §6.2, §7.4, §7.6 (also
// applied to MLDv1, rfc-map note A.3), then the message layouts of RFC 2710 §3
// and RFC 3810 §5. Every length is the IP-derived one (Payload Length minus the
// extension headers), and every count is checked against it in size_t before any view
// is handed out.
#include "ecmh/net/byte_reader.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/float_code.hpp"
#include "ecmh/wire/mld.hpp"
#include "icmpv6_checksum.hpp"

namespace ecmh::wire {
namespace {

constexpr std::size_t kAddressSize = net::Ipv6Address::kSize;

net::Ipv6Address read_address(net::ByteReader& r) {
    return net::Ipv6Address::from_span(r.bytes(kAddressSize)).value_or(net::Ipv6Address{});
}

// The bytes one Multicast Address Record takes: 20 + 16·N + 4·Aux Data Len. In size_t:
// in 16 bits, N = 4096 alone wraps to 0 (rfc-map M6).
std::size_t record_size(std::size_t sources, std::size_t aux_words) {
    return kMldV2RecordHeaderSize + sources * kAddressSize + aux_words * 4;
}

// Checks everything but the type: what makes a message an MLD message we may act on.
net::Expected<bool, ParseError> check_validity(const Ipv6Packet& packet) {
    // MLD messages fit one link MTU and are never reassembled (rfc-map M10); an
    // atomic fragment is an unfragmented packet with an extra header (RFC 6946 §4).
    if (packet.is_fragment && !packet.is_atomic_fragment()) {
        return net::unexpected(ParseError::Fragmented);
    }
    if (packet.next_header != kProtoIcmpv6) {
        return net::unexpected(ParseError::UnknownType);
    }
    // Not ::, not global, not another link-local prefix (RFC 3810 §5.1.14, §5.2.13, §7.6.2).
    if (!packet.source.is_link_local_fe80_64()) {
        return net::unexpected(ParseError::SourceNotLinkLocal);
    }
    // Hop Limit 1 proves the sender is on this link (RFC 3810 §5, §6.2, §7.4).
    if (packet.hop_limit != 1) {
        return net::unexpected(ParseError::HopLimitNotOne);
    }
    if (packet.router_alert_count == 0) {
        return net::unexpected(ParseError::MissingRouterAlert);
    }
    // "There MUST only be one option of this type" (RFC 2711 §2); value 0 is MLD.
    if (packet.router_alert_count > 1 || packet.router_alert_value != kRouterAlertMld) {
        return net::unexpected(ParseError::BadRouterAlert);
    }
    if (packet.payload.size() < 4) {
        return net::unexpected(ParseError::Truncated); // not even Type, Code and Checksum
    }
    if (!detail::icmpv6_checksum_ok(packet)) {
        return net::unexpected(ParseError::BadChecksum);
    }
    return true;
}

net::Expected<MldMessage, ParseError> parse_query(std::span<const std::uint8_t> message) {
    // The length alone tells the version (RFC 3810 §8.1).
    if (message.size() < kMldV1Size) {
        return net::unexpected(ParseError::Truncated); // shorter than the v1 layout
    }
    if (message.size() > kMldV1Size && message.size() < kMldV2QueryMinSize) {
        return net::unexpected(ParseError::BadQueryLength); // 25–27: "MUST be silently ignored"
    }
    net::ByteReader r{message};
    r.skip(4); // Type, Code, Checksum
    MldQuery q;
    q.max_response_code = r.u16();
    r.skip(2); // Reserved
    q.group = read_address(r);
    std::size_t count = 0;
    if (message.size() == kMldV1Size) {
        q.version = MldVersion::V1;
        q.max_response_ms = q.max_response_code; // linear in v1 (RFC 2710 §3.4)
    } else {
        q.version = MldVersion::V2;
        q.max_response_ms = decode_mld_code(q.max_response_code);
        const auto flags = r.u8();
        q.suppress_router_side = (flags & 0x08) != 0;
        q.qrv = static_cast<std::uint8_t>(flags & 0x07);
        q.qqic = r.u8();
        q.query_interval_s = decode_byte_code(q.qqic);
        count = r.u16();
        // N sources must be present; octets after them are additional data (§5.1.12).
        if (count > r.remaining() / kAddressSize) {
            return net::unexpected(ParseError::RecordOverrun);
        }
        q.sources = SourceListView<net::Ipv6Address>{r.bytes(count * kAddressSize)};
    }
    if (!r.ok()) {
        return net::unexpected(ParseError::Truncated); // cannot happen: lengths checked above
    }
    if (q.group.is_unspecified() && count != 0) {
        return net::unexpected(ParseError::SourcesInGeneralQuery); // as Linux does
    }
    if (!q.group.is_unspecified() && !q.group.is_multicast()) {
        return net::unexpected(ParseError::InvalidGroup); // RFC 2710 §5: 0 or multicast
    }
    return MldMessage{q};
}

// v1 Report and Done share the 24-octet layout; octets past it are ignored (RFC 2710 §3.7).
net::Expected<net::Ipv6Address, ParseError> parse_v1_group(std::span<const std::uint8_t> message) {
    if (message.size() < kMldV1Size) {
        return net::unexpected(ParseError::Truncated); // no room for the Multicast Address
    }
    net::ByteReader r{message};
    r.skip(8); // Type, Code, Checksum, Maximum Response Delay, Reserved
    return read_address(r);
}

net::Expected<MldMessage, ParseError> parse_v2_report(std::span<const std::uint8_t> message) {
    net::ByteReader r{message};
    r.skip(6); // Type, Reserved, Checksum, Reserved
    const auto count = r.u16();
    if (!r.ok()) {
        return net::unexpected(ParseError::Truncated); // no Nr of Mcast Address Records
    }
    const auto records = r.rest();
    // Walk every record before handing out any: a report whose last record does not fit
    // is ignored whole, so state never changes by half a report (rfc-map M1, M6).
    for (std::uint16_t i = 0; i < count; ++i) {
        r.skip(1); // Record Type
        const std::size_t aux_words = r.u8();
        const std::size_t sources = r.u16();
        r.skip(kAddressSize);
        if (!r.ok()) {
            return net::unexpected(ParseError::RecordOverrun); // M claims a record not here
        }
        r.skip(record_size(sources, aux_words) - kMldV2RecordHeaderSize);
        if (!r.ok()) {
            return net::unexpected(ParseError::RecordOverrun); // N or Aux Data Len lies
        }
    }
    // Bytes after the last record are additional data: checksummed, otherwise ignored.
    return MldMessage{MldV2Report{records, count}};
}

} // namespace

net::Expected<MldMessage, ParseError> parse_mld(const Ipv6Packet& packet) {
    const auto valid = check_validity(packet);
    if (!valid) {
        return net::unexpected(valid.error());
    }
    const auto message = packet.payload;
    switch (message[0]) {
    case kMldQuery:
        return parse_query(message);
    case kMldV1Report: {
        const auto group = parse_v1_group(message);
        if (!group) {
            return net::unexpected(group.error());
        }
        return MldMessage{MldV1Report{*group}};
    }
    case kMldV1Done: {
        const auto group = parse_v1_group(message);
        if (!group) {
            return net::unexpected(group.error());
        }
        return MldMessage{MldV1Done{*group}};
    }
    case kMldV2Report:
        return parse_v2_report(message);
    default:
        return net::unexpected(ParseError::UnknownType); // RFC 3810 §5: ignore
    }
}

} // namespace ecmh::wire
