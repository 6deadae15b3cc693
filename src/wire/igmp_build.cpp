// SPDX-License-Identifier: BSD-3-Clause
// Sending IGMP: queries, v1/v2 reports and leaves, and MTU-sized IGMPv3 reports. Every
// builder writes a whole IPv4 packet into the caller's buffer (rfc-map item 5).
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/float_code.hpp"
#include "ecmh/wire/igmp.hpp"

#include <algorithm>

namespace ecmh::wire {
namespace {

using BuildResult = net::Expected<std::size_t, BuildError>;

constexpr std::size_t kIpHeaderSize = kIpv4MinHeaderSize + 4; // with Router Alert
constexpr std::size_t kAddressSize = 4;
constexpr std::size_t kMaxPacketSize = 0xffff; // what Total Length can express
constexpr std::size_t kMaxCount = 0xffff;      // N and M are 16 bits
constexpr std::size_t kChecksumOffset = 2;
constexpr std::size_t kRecordCountOffset = 6; // in the v3 report header
constexpr std::uint8_t kV2MaxResponseCodeMax = 255;
constexpr std::uint8_t kSuppressFlag = 0x08;

// TTL 1 keeps it on the link; TOS 0xc0 and the Router Alert are RFC 3376 §4's.
void write_ip_header(net::ByteWriter& out, net::Ipv4Address source, net::Ipv4Address destination,
                     std::size_t igmp_length) {
    Ipv4HeaderSpec ip;
    ip.source = source;
    ip.destination = destination;
    ip.ttl = 1;
    ip.tos = kIpv4TosInternetworkControl;
    ip.protocol = kProtoIgmp;
    ip.router_alert = true;
    (void)write_ipv4_header(out, ip, igmp_length);
}

// Fills in the IGMP checksum of the message written from `igmp_start` on.
BuildResult finish(net::ByteWriter& out, std::size_t igmp_start) {
    if (!out.ok()) {
        return net::unexpected(BuildError::BufferTooSmall);
    }
    const auto checksum = net::internet_checksum(out.written().subspan(igmp_start));
    out.patch_u16(igmp_start + kChecksumOffset, checksum);
    return out.size();
}

// The 8-octet message shared by v1/v2 queries, reports and leaves (RFC 2236 §2).
BuildResult build_v12_message(std::span<std::uint8_t> out, net::Ipv4Address source,
                              net::Ipv4Address destination, std::uint8_t type, std::uint8_t code,
                              net::Ipv4Address group) {
    net::ByteWriter w{out};
    write_ip_header(w, source, destination, kIgmpV12Size);
    const auto igmp_start = w.size();
    w.u8(type);
    w.u8(code);
    w.u16(0); // checksum
    w.bytes(group.bytes());
    return finish(w, igmp_start);
}

BuildResult build_report(std::span<std::uint8_t> out, net::Ipv4Address source,
                         net::Ipv4Address group, std::uint8_t type, net::Ipv4Address destination) {
    // A report or leave names one group; anything but a multicast address is a bug.
    if (!group.is_multicast()) {
        return net::unexpected(BuildError::InvalidArgument);
    }
    return build_v12_message(out, source, destination, type, 0, group);
}

// RFC 2236 §2.2 linear tenths. Never 0: an 8-octet query with code 0 is IGMPv1 to
// every receiver (RFC 3376 §7.1), so a v2 querier must not send it.
std::uint8_t v2_max_response_code(std::uint32_t tenths) {
    return static_cast<std::uint8_t>(std::clamp<std::uint32_t>(tenths, 1, kV2MaxResponseCodeMax));
}

BuildResult check_query_spec(const IgmpQuerySpec& spec) {
    const bool general = spec.group.is_unspecified();
    if (!general && !spec.group.is_multicast()) {
        return net::unexpected(BuildError::InvalidArgument);
    }
    // Only v3 carries sources, and never in a general query (what parse_igmp rejects).
    if (!spec.sources.empty() && (spec.version != IgmpVersion::V3 || general)) {
        return net::unexpected(BuildError::InvalidArgument);
    }
    // IGMPv1 has no group-specific query: its group field is ignored on receipt.
    if (spec.version == IgmpVersion::V1 && !general) {
        return net::unexpected(BuildError::InvalidArgument);
    }
    if (spec.sources.size() >
        (kMaxPacketSize - kIpHeaderSize - kIgmpV3QueryMinSize) / kAddressSize) {
        return net::unexpected(BuildError::TooManySources);
    }
    return std::size_t{0};
}

BuildResult build_v3_query(std::span<std::uint8_t> out, const IgmpQuerySpec& spec,
                           net::Ipv4Address destination) {
    const std::size_t length = kIgmpV3QueryMinSize + spec.sources.size() * kAddressSize;
    net::ByteWriter w{out};
    write_ip_header(w, spec.source, destination, length);
    const auto igmp_start = w.size();
    w.u8(kIgmpQuery);
    w.u8(encode_byte_code(spec.max_response_tenths));
    w.u16(0); // checksum
    w.bytes(spec.group.bytes());
    w.u8(static_cast<std::uint8_t>((spec.suppress_router_side ? kSuppressFlag : 0U) |
                                   encode_qrv(spec.robustness)));
    w.u8(encode_byte_code(spec.query_interval_s));
    w.u16(static_cast<std::uint16_t>(spec.sources.size()));
    for (const auto& s : spec.sources) {
        w.bytes(s.bytes());
    }
    return finish(w, igmp_start);
}

// --- IGMPv3 report packing (RFC 3376 §4.2.16).

// IS_EX and TO_EX are truncated, not split: a second EXCLUDE record would replace the
// first one's source list instead of adding to it.
bool truncates(RecordType type) {
    return type == RecordType::ModeIsExclude || type == RecordType::ChangeToExcludeMode;
}

void write_record(net::ByteWriter& w, const IgmpRecordSpec& record, std::size_t first,
                  std::size_t count) {
    w.u8(static_cast<std::uint8_t>(record.type));
    w.u8(0); // Aux Data Len: MUST be 0 (RFC 3376 §4.2.6)
    w.u16(static_cast<std::uint16_t>(count));
    w.bytes(record.group.bytes());
    for (const auto& s : record.sources.subspan(first, count)) {
        w.bytes(s.bytes());
    }
}

// What of the current record goes into a report with `space` bytes free that already
// holds `packed` records: `sources` of its `left` remaining sources, or nothing
// (`next_report`) when it should start the next report instead.
struct Piece {
    std::size_t sources = 0;
    bool finishes_record = true;
    bool next_report = false;
};

net::Expected<Piece, BuildError> next_piece(const IgmpRecordSpec& record, std::size_t left,
                                            std::size_t space, std::size_t packed) {
    const std::size_t fit =
        space < kIgmpV3RecordHeaderSize ? 0 : (space - kIgmpV3RecordHeaderSize) / kAddressSize;
    if (space >= kIgmpV3RecordHeaderSize && left <= fit) {
        return Piece{left, true, false};
    }
    // It may fit whole in the next report; only a record alone is split or truncated.
    if (packed > 0) {
        return Piece{0, false, true};
    }
    if (space < kIgmpV3RecordHeaderSize) {
        return net::unexpected(BuildError::MtuTooSmall);
    }
    if (truncates(record.type)) {
        return Piece{fit, true, false}; // "the remaining source addresses are not reported"
    }
    // A piece without a source would make no progress, report after report.
    if (fit == 0) {
        return net::unexpected(BuildError::MtuTooSmall);
    }
    return Piece{fit, false, false};
}

} // namespace

BuildResult build_igmp_query(std::span<std::uint8_t> out, const IgmpQuerySpec& spec) {
    if (const auto checked = check_query_spec(spec); !checked) {
        return checked;
    }
    const auto destination = spec.group.is_unspecified() ? kAllSystems : spec.group;
    switch (spec.version) {
    case IgmpVersion::V1:
        // An 8-octet query with code 0 is what makes it v1 (RFC 1112 App. I).
        return build_v12_message(out, spec.source, destination, kIgmpQuery, 0, net::Ipv4Address{});
    case IgmpVersion::V2:
        return build_v12_message(out, spec.source, destination, kIgmpQuery,
                                 v2_max_response_code(spec.max_response_tenths), spec.group);
    case IgmpVersion::V3:
        return build_v3_query(out, spec, destination);
    }
    return net::unexpected(BuildError::InvalidArgument);
}

BuildResult build_igmp_v1_report(std::span<std::uint8_t> out, net::Ipv4Address source,
                                 net::Ipv4Address group) {
    return build_report(out, source, group, kIgmpV1Report, group);
}

BuildResult build_igmp_v2_report(std::span<std::uint8_t> out, net::Ipv4Address source,
                                 net::Ipv4Address group) {
    return build_report(out, source, group, kIgmpV2Report, group);
}

BuildResult build_igmp_v2_leave(std::span<std::uint8_t> out, net::Ipv4Address source,
                                net::Ipv4Address group) {
    return build_report(out, source, group, kIgmpV2Leave, kAllRoutersV4);
}

BuildResult pack_igmp_v3_report(std::span<std::uint8_t> out, net::Ipv4Address source,
                                std::size_t mtu, std::span<const IgmpRecordSpec> records,
                                PackCursor& cursor) {
    if (cursor.record >= records.size()) {
        return std::size_t{0};
    }
    const std::size_t limit = std::min(mtu, kMaxPacketSize);
    if (limit < kIpHeaderSize + kIgmpV3ReportHeaderSize) {
        return net::unexpected(BuildError::MtuTooSmall);
    }
    if (out.size() < kIpHeaderSize) {
        return net::unexpected(BuildError::BufferTooSmall);
    }
    // The records go in first; the IP header, which needs their length, goes in last.
    net::ByteWriter w{out.subspan(kIpHeaderSize)};
    w.u8(kIgmpV3Report);
    w.u8(0);
    w.u16(0); // checksum
    w.u16(0);
    w.u16(0); // M, patched below
    std::size_t space = limit - kIpHeaderSize - kIgmpV3ReportHeaderSize;
    std::size_t packed = 0;
    PackCursor next = cursor; // committed only once the report is complete
    while (next.record < records.size() && packed < kMaxCount) {
        const auto& record = records[next.record];
        if (!record.group.is_multicast() || next.source > record.sources.size()) {
            return net::unexpected(BuildError::InvalidArgument);
        }
        const auto piece = next_piece(record, record.sources.size() - next.source, space, packed);
        if (!piece) {
            return net::unexpected(piece.error());
        }
        if (piece->next_report) {
            break;
        }
        write_record(w, record, next.source, piece->sources);
        space -= kIgmpV3RecordHeaderSize + piece->sources * kAddressSize;
        ++packed;
        if (!piece->finishes_record) {
            next.source += piece->sources;
            break; // a split piece filled the report
        }
        ++next.record;
        next.source = 0;
    }
    w.patch_u16(kRecordCountOffset, static_cast<std::uint16_t>(packed));
    if (!w.ok()) {
        return net::unexpected(BuildError::BufferTooSmall);
    }
    w.patch_u16(kChecksumOffset, net::internet_checksum(w.written()));
    net::ByteWriter header{out.first(kIpHeaderSize)};
    write_ip_header(header, source, kAllIgmpv3Routers, w.size());
    cursor = next;
    return kIpHeaderSize + w.size();
}

} // namespace ecmh::wire
