// SPDX-License-Identifier: BSD-3-Clause
// Receiving IGMP: parse_igmp(). Views only, no
// allocation: every span points into the caller's packet.
#include "ecmh/net/byte_reader.hpp"
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/float_code.hpp"
#include "ecmh/wire/igmp.hpp"

namespace ecmh::wire {
namespace {

using Result = net::Expected<IgmpMessage, ParseError>;

constexpr std::size_t kAddressSize = 4;
constexpr std::uint8_t kSuppressFlag = 0x08;
constexpr std::uint8_t kQrvMask = 0x07;

// Size of a group record, 8 + 4·N + 4·Aux (RFC 3376 §4.2). In size_t: N = 65535 and Aux = 255 are
// legal field values, and their sum must not wrap (rfc-map M6).
std::size_t record_size(std::uint16_t sources, std::uint8_t aux_words) {
    return kIgmpV3RecordHeaderSize + std::size_t{sources} * kAddressSize +
           std::size_t{aux_words} * 4;
}

// What a query's group field may hold: 0 (general) or a multicast group (RFC 2236 §2.4, RFC 3376
// §4.1.3).
bool valid_query_group(net::Ipv4Address group) {
    return group.is_unspecified() || group.is_multicast();
}

Result parse_v1_v2_query(net::ByteReader& r, std::uint8_t code) {
    IgmpQuery query;
    query.max_response_code = code;
    const net::Ipv4Address group{r.u32()};
    if (code == 0) {
        // RFC 2236 §4 / RFC 3376 §7.1: an 8-octet query with code 0 is IGMPv1, whose
        // group field "is ignored when received" (RFC 1112 App. I): always general.
        query.version = IgmpVersion::V1;
        query.max_response_tenths = kIgmpV1MaxResponseTenths;
        return IgmpMessage{query};
    }
    if (!valid_query_group(group)) {
        return net::unexpected(ParseError::InvalidGroup);
    }
    query.version = IgmpVersion::V2;
    query.max_response_tenths = code; // IGMPv2 Max Resp Time is linear (RFC 2236 §2.2)
    query.group = group;
    return IgmpMessage{query};
}

Result parse_v3_query(net::ByteReader& r, std::uint8_t code) {
    IgmpQuery query;
    query.version = IgmpVersion::V3;
    query.max_response_code = code;
    query.max_response_tenths = decode_byte_code(code);
    query.group = net::Ipv4Address{r.u32()};
    const auto flags = r.u8();
    query.suppress_router_side = (flags & kSuppressFlag) != 0;
    query.qrv = static_cast<std::uint8_t>(flags & kQrvMask);
    query.qqic = r.u8();
    query.query_interval_s = decode_byte_code(query.qqic);
    const auto count = r.u16();
    const auto sources = r.bytes(std::size_t{count} * kAddressSize);
    // N claims more sources than the message holds. Bytes beyond N sources are
    // additional data (RFC 3376 §4.1.10) and are fine.
    if (!r.ok()) {
        return net::unexpected(ParseError::RecordOverrun);
    }
    if (!valid_query_group(query.group)) {
        return net::unexpected(ParseError::InvalidGroup);
    }
    // A general query for specific sources means nothing; Linux drops it too.
    if (query.is_general() && count != 0) {
        return net::unexpected(ParseError::SourcesInGeneralQuery);
    }
    query.sources = SourceListView<net::Ipv4Address>{sources};
    return IgmpMessage{query};
}

// The query version is told by the message length alone (RFC 3376 §7.1).
Result parse_query(std::span<const std::uint8_t> message) {
    net::ByteReader r{message};
    r.skip(1); // type
    const auto code = r.u8();
    r.skip(2); // checksum, already verified
    if (message.size() == kIgmpV12Size) {
        return parse_v1_v2_query(r, code);
    }
    // 9–11 octets is neither v1/v2 nor v3: "MUST be silently ignored".
    if (message.size() < kIgmpV3QueryMinSize) {
        return net::unexpected(ParseError::BadQueryLength);
    }
    return parse_v3_query(r, code);
}

// Checks that all M records fit before anything is yielded, so a report is applied
// whole or not at all (rfc-map M1, M6). Returns the bytes the records span;
// anything after them is additional data.
net::Expected<std::span<const std::uint8_t>, ParseError>
validate_records(std::span<const std::uint8_t> records, std::uint16_t count) {
    net::ByteReader r{records};
    for (std::uint32_t i = 0; i < count; ++i) {
        r.skip(1); // type: unknown types are yielded, and skipped by the caller
        const auto aux_words = r.u8();
        const auto sources = r.u16();
        r.skip(kAddressSize);
        r.skip(record_size(sources, aux_words) - kIgmpV3RecordHeaderSize);
        // M, N or Aux Data Len claims more than the message holds.
        if (!r.ok()) {
            return net::unexpected(ParseError::RecordOverrun);
        }
    }
    return records.first(r.offset());
}

Result parse_v3_report(std::span<const std::uint8_t> message) {
    net::ByteReader r{message};
    r.skip(6); // type, reserved, checksum, reserved
    const auto count = r.u16();
    const auto records = validate_records(r.rest(), count);
    if (!records) {
        return net::unexpected(records.error());
    }
    return IgmpMessage{IgmpV3Report{*records, count}};
}

Result parse_message(std::span<const std::uint8_t> message) {
    net::ByteReader r{message};
    const auto type = r.u8();
    r.skip(3); // code (unused in reports and leaves), checksum
    const net::Ipv4Address group{r.u32()};
    // v1/v2 messages are 8 octets; anything after them is ignored (RFC 2236 §2.5).
    switch (type) {
    case kIgmpQuery:
        return parse_query(message);
    case kIgmpV1Report:
        return IgmpMessage{IgmpV1Report{group}};
    case kIgmpV2Report:
        return IgmpMessage{IgmpV2Report{group}};
    case kIgmpV2Leave:
        return IgmpMessage{IgmpV2Leave{group}};
    case kIgmpV3Report:
        return parse_v3_report(message);
    default:
        return net::unexpected(ParseError::UnknownType); // RFC 3376 §4: ignore
    }
}

} // namespace

net::Expected<IgmpMessage, ParseError> parse_igmp(const Ipv4Packet& packet) {
    // Fragments are never reassembled: a control message is far smaller than any MTU,
    // so a fragmented one is forged or broken.
    if (packet.is_fragment()) {
        return net::unexpected(ParseError::Fragmented);
    }
    if (packet.protocol != kProtoIgmp) {
        return net::unexpected(ParseError::UnknownType);
    }
    // The message is the IP payload as Total Length bounds it, never the frame: the
    // padding of a minimum Ethernet frame would otherwise turn an 8-octet v2 query
    // into a "v3" one with a failing checksum (rfc-map item 12a).
    const auto message = packet.payload;
    // Shorter than the smallest IGMP message (RFC 2236 §6: at least 8 octets).
    if (message.size() < kIgmpV12Size) {
        return net::unexpected(ParseError::Truncated);
    }
    // The checksum covers the whole message, additional data included (RFC 3376 §4.1.2).
    if (net::internet_checksum(message) != 0) {
        return net::unexpected(ParseError::BadChecksum);
    }
    return parse_message(message);
}

} // namespace ecmh::wire
