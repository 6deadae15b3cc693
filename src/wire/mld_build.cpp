// SPDX-License-Identifier: BSD-3-Clause
// Sending MLD: every packet is IPv6 + the 8-byte Hop-by-Hop Router Alert header + one
// MLD message with its checksum, from a fe80::/64 source with Hop Limit 1 (RFC 3810 §5,
// §7.6.2; RFC 2711 §2.1), to the destination rfc-map item 4 names, with Code,
// Reserved and Aux Data Len 0 and no trailing octets.
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/float_code.hpp"
#include "ecmh/wire/mld.hpp"
#include "icmpv6_checksum.hpp"

#include <algorithm>

namespace ecmh::wire {
namespace {

constexpr std::size_t kAddressSize = net::Ipv6Address::kSize;
constexpr std::size_t kHopByHopSize = 8;
constexpr std::size_t kMaxPayloadLength = 0xffff; // no jumbograms
constexpr std::size_t kMaxMldLength = kMaxPayloadLength - kHopByHopSize;
// IPv6 header, Router Alert header and the 8-byte report header: what every report
// costs before its first record.
constexpr std::size_t kReportOverhead = kIpv6HeaderSize + kHopByHopSize + kMldV2ReportHeaderSize;

Ipv6HeaderSpec mld_header(const net::Ipv6Address& source, const net::Ipv6Address& destination) {
    Ipv6HeaderSpec ip;
    ip.source = source;
    ip.destination = destination;
    ip.hop_limit = 1;
    ip.next_header = kProtoIcmpv6;
    ip.router_alert = true;
    return ip;
}

// Writes the headers, lets `body` write the message of `length` octets (checksum field
// zero), then fills in the checksum. Fails only when `out` is too small.
template <class Body>
net::Expected<std::size_t, BuildError> build(std::span<std::uint8_t> out, const Ipv6HeaderSpec& ip,
                                             std::size_t length, Body&& body) {
    net::ByteWriter w{out};
    write_ipv6_header(w, ip, length);
    const auto start = w.size();
    body(w);
    detail::write_icmpv6_checksum(w, start, ip);
    if (!w.ok()) {
        return net::unexpected(BuildError::BufferTooSmall);
    }
    return w.size();
}

// The 24-octet MLDv1 layout (RFC 2710 §3), for Query, Report and Done alike.
void write_v1_message(net::ByteWriter& w, std::uint8_t type, std::uint16_t max_delay,
                      const net::Ipv6Address& group) {
    w.u8(type);
    w.u8(0);  // Code
    w.u16(0); // Checksum, filled in last
    w.u16(max_delay);
    w.u16(0); // Reserved
    w.bytes(group.bytes());
}

void write_v2_query(net::ByteWriter& w, const MldQuerySpec& spec) {
    w.u8(kMldQuery);
    w.u8(0);
    w.u16(0);
    w.u16(encode_mld_code(spec.max_response_ms));
    w.u16(0);
    w.bytes(spec.group.bytes());
    const std::uint8_t s_flag = spec.suppress_router_side ? 0x08 : 0x00;
    w.u8(static_cast<std::uint8_t>(s_flag | encode_qrv(spec.robustness))); // Resv 0
    w.u8(encode_byte_code(spec.query_interval_s));
    w.u16(static_cast<std::uint16_t>(spec.sources.size()));
    for (const auto& source : spec.sources) {
        w.bytes(source.bytes());
    }
}

net::Expected<std::size_t, BuildError>
build_v1_listener_message(std::span<std::uint8_t> out, std::uint8_t type,
                          const net::Ipv6Address& source, const net::Ipv6Address& group,
                          const net::Ipv6Address& destination) {
    if (!source.is_link_local_fe80_64() || !group.is_multicast()) {
        return net::unexpected(BuildError::InvalidArgument);
    }
    return build(out, mld_header(source, destination), kMldV1Size,
                 [&](net::ByteWriter& w) { write_v1_message(w, type, 0, group); });
}

constexpr bool is_exclude(RecordType type) {
    return type == RecordType::ModeIsExclude || type == RecordType::ChangeToExcludeMode;
}

void write_record(net::ByteWriter& w, const MldRecordSpec& record,
                  std::span<const net::Ipv6Address> sources) {
    w.u8(static_cast<std::uint8_t>(record.type));
    w.u8(0); // Aux Data Len: "MUST be zero" (RFC 3810 §5.2.6)
    w.u16(static_cast<std::uint16_t>(sources.size()));
    w.bytes(record.group.bytes());
    for (const auto& source : sources) {
        w.bytes(source.bytes());
    }
}

// Appends records[cursor…] to `w` while they fit in `room` octets of records, advancing
// the cursor; returns how many records were written.
net::Expected<std::uint16_t, BuildError> pack_records(net::ByteWriter& w, std::size_t room,
                                                      std::span<const MldRecordSpec> records,
                                                      PackCursor& cursor) {
    // room ≤ 65519 and a record takes ≥ 20 octets, so the count stays far below 65536.
    std::uint16_t count = 0;
    std::size_t used = 0;
    while (cursor.record < records.size()) {
        const auto& record = records[cursor.record];
        if (!record.group.is_multicast()) {
            return net::unexpected(BuildError::InvalidArgument);
        }
        const auto first = std::min(cursor.source, record.sources.size());
        const auto sources = record.sources.subspan(first);
        const auto whole = kMldV2RecordHeaderSize + sources.size() * kAddressSize;
        if (whole <= room - used) {
            write_record(w, record, sources);
            used += whole;
            ++count;
            ++cursor.record;
            cursor.source = 0;
            continue;
        }
        // §5.2.15 splits or truncates only a record too big for a report of its own; any
        // other record that does not fit starts the next report.
        if (count > 0) {
            break;
        }
        const auto fit = (room - kMldV2RecordHeaderSize) / kAddressSize;
        if (fit == 0) {
            // A split would never progress, and EXCLUDE {} would claim every source.
            return net::unexpected(BuildError::MtuTooSmall);
        }
        write_record(w, record, sources.first(fit));
        ++count;
        if (is_exclude(record.type)) {
            // "as many source addresses as can fit, and the remaining source addresses
            // are not reported": the same first sources every time.
            ++cursor.record;
            cursor.source = 0;
        } else {
            cursor.source = first + fit; // the rest go in copies of this record
        }
        break;
    }
    return count;
}

} // namespace

net::Expected<std::size_t, BuildError> build_mld_query(std::span<std::uint8_t> out,
                                                       const MldQuerySpec& spec) {
    const bool general = spec.group.is_unspecified();
    if (!spec.source.is_link_local_fe80_64() || (!general && !spec.group.is_multicast())) {
        return net::unexpected(BuildError::InvalidArgument);
    }
    // v1 has no source list, and a General Query with sources is dropped by receivers.
    if (!spec.sources.empty() && (general || spec.version == MldVersion::V1)) {
        return net::unexpected(BuildError::InvalidArgument);
    }
    if (spec.sources.size() > (kMaxMldLength - kMldV2QueryMinSize) / kAddressSize) {
        return net::unexpected(BuildError::TooManySources); // beyond what Payload Length holds
    }
    const auto ip = mld_header(spec.source, general ? kAllNodes : spec.group);
    if (spec.version == MldVersion::V1) {
        // MLDv1 Maximum Response Delay is linear milliseconds; saturate like the v2 code.
        const auto delay =
            static_cast<std::uint16_t>(std::min<std::uint32_t>(spec.max_response_ms, 0xffff));
        return build(out, ip, kMldV1Size, [&](net::ByteWriter& w) {
            write_v1_message(w, kMldQuery, delay, spec.group);
        });
    }
    const auto length = kMldV2QueryMinSize + spec.sources.size() * kAddressSize;
    return build(out, ip, length, [&](net::ByteWriter& w) { write_v2_query(w, spec); });
}

net::Expected<std::size_t, BuildError> build_mld_v1_report(std::span<std::uint8_t> out,
                                                           const net::Ipv6Address& source,
                                                           const net::Ipv6Address& group) {
    return build_v1_listener_message(out, kMldV1Report, source, group, group);
}

net::Expected<std::size_t, BuildError> build_mld_v1_done(std::span<std::uint8_t> out,
                                                         const net::Ipv6Address& source,
                                                         const net::Ipv6Address& group) {
    return build_v1_listener_message(out, kMldV1Done, source, group, kAllRouters);
}

net::Expected<std::size_t, BuildError>
pack_mld_v2_report(std::span<std::uint8_t> out, const net::Ipv6Address& source, std::size_t mtu,
                   std::span<const MldRecordSpec> records, PackCursor& cursor) {
    if (!source.is_link_local_fe80_64()) {
        return net::unexpected(BuildError::InvalidArgument);
    }
    const auto limit = std::min(mtu, kIpv6HeaderSize + kMaxPayloadLength);
    if (limit < kReportOverhead + kMldV2RecordHeaderSize) {
        return net::unexpected(BuildError::MtuTooSmall); // not even one empty record fits
    }
    // The buffer must hold a packet of the full MTU, so success never depends on how
    // many sources happen to be in the records.
    if (out.size() < limit) {
        return net::unexpected(BuildError::BufferTooSmall);
    }
    if (cursor.record >= records.size()) {
        return std::size_t{0};
    }
    net::ByteWriter w{out.first(limit)};
    w.zeros(kIpv6HeaderSize + kHopByHopSize); // written once the length is known
    const auto start = w.size();
    w.u8(kMldV2Report);
    w.u8(0);  // Reserved
    w.u16(0); // Checksum
    w.u16(0); // Reserved
    const auto count_at = w.size();
    w.u16(0); // Nr of Mcast Address Records
    const auto saved = cursor;
    const auto count = pack_records(w, limit - kReportOverhead, records, cursor);
    if (!count) {
        cursor = saved; // no report went out, so no record was sent
        return net::unexpected(count.error());
    }
    w.patch_u16(count_at, *count);

    const auto ip = mld_header(source, kAllMldv2Routers);
    net::ByteWriter header{out.first(start)};
    write_ipv6_header(header, ip, w.size() - start);
    detail::write_icmpv6_checksum(w, start, ip);
    if (!w.ok() || !header.ok()) {
        return net::unexpected(BuildError::BufferTooSmall); // cannot happen: out ≥ limit
    }
    return w.size();
}

} // namespace ecmh::wire
