// SPDX-License-Identifier: BSD-3-Clause
// IGMP (RFC 1112 v1, RFC 2236 v2, RFC 3376 v3): parse views and builders.
//
// parse_igmp() checks what every receiver must: not a fragment, at least 8 octets, the
// checksum over the whole IP payload (Total Length − IHL·4, never the frame), a known
// type, the query version by length (RFC 3376 §7.1: 8 → v1 if Max Resp Code is 0 else
// v2, ≥ 12 → v3, 9–11 ignored), and that every count fits the message. Policy checks
// that depend on the side (Router Alert on host-side queries, TTL, subnet of the
// source) are left to the caller, which has the Ipv4Packet fields for them.
#pragma once

#include "ecmh/net/expected.hpp"
#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/wire/build_error.hpp"
#include "ecmh/wire/group_record.hpp"
#include "ecmh/wire/ipv4.hpp"
#include "ecmh/wire/parse_error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

namespace ecmh::wire {

enum class IgmpVersion : std::uint8_t { V1 = 1, V2 = 2, V3 = 3 };

struct IgmpQuery {
    IgmpVersion version = IgmpVersion::V3;
    std::uint8_t max_response_code = 0;    // the field as sent
    std::uint32_t max_response_tenths = 0; // decoded: v1 → 100 (10 s), v2 linear, v3 float
    net::Ipv4Address group;                // 0.0.0.0 for a General Query (v1: always)
    bool suppress_router_side = false;     // S flag (v3 only)
    std::uint8_t qrv = 0;                  // v3 only; 0 = not given
    std::uint8_t qqic = 0;                 // v3 only, the field as sent
    std::uint32_t query_interval_s = 0;    // decoded QQIC; 0 = not given
    SourceListView<net::Ipv4Address> sources;

    [[nodiscard]] bool is_general() const { return group.is_unspecified(); }
};

struct IgmpV1Report {
    net::Ipv4Address group;
};
struct IgmpV2Report {
    net::Ipv4Address group;
};
struct IgmpV2Leave {
    net::Ipv4Address group;
};

using IgmpRecord = WireRecord<net::Ipv4Address>;
// An IGMPv3 Report whose every record was checked to fit when it was parsed.
using IgmpV3Report = ReportRecords<net::Ipv4Address>;

using IgmpMessage = std::variant<IgmpQuery, IgmpV1Report, IgmpV2Report, IgmpV2Leave, IgmpV3Report>;

[[nodiscard]] net::Expected<IgmpMessage, ParseError> parse_igmp(const Ipv4Packet& packet);

// --- Builders. Each writes a complete IPv4 packet: TTL 1, TOS 0xc0, Router Alert
// option (IHL 6), correct header and IGMP checksums (RFC 3376 §4, rfc-map item 5).

struct IgmpQuerySpec {
    IgmpVersion version = IgmpVersion::V3;
    net::Ipv4Address source;
    net::Ipv4Address group{}; // 0.0.0.0: General Query to 224.0.0.1; else to the group
    std::uint32_t max_response_tenths = 100; // v1 sends 0; v2 linear (≤ 255); v3 float
    bool suppress_router_side = false;
    std::uint32_t robustness = 2;
    std::uint32_t query_interval_s = 125;
    std::span<const net::Ipv4Address> sources{};
};

[[nodiscard]] net::Expected<std::size_t, BuildError> build_igmp_query(std::span<std::uint8_t> out,
                                                                      const IgmpQuerySpec& spec);
// v1 and v2 reports go to the group; a v2 Leave goes to 224.0.0.2.
[[nodiscard]] net::Expected<std::size_t, BuildError>
build_igmp_v1_report(std::span<std::uint8_t> out, net::Ipv4Address source, net::Ipv4Address group);
[[nodiscard]] net::Expected<std::size_t, BuildError>
build_igmp_v2_report(std::span<std::uint8_t> out, net::Ipv4Address source, net::Ipv4Address group);
[[nodiscard]] net::Expected<std::size_t, BuildError>
build_igmp_v2_leave(std::span<std::uint8_t> out, net::Ipv4Address source, net::Ipv4Address group);

struct IgmpRecordSpec {
    RecordType type = RecordType::ModeIsExclude;
    net::Ipv4Address group;
    std::span<const net::Ipv4Address> sources{};
};

// The IGMPv3 twin of pack_mld_v2_report (RFC 3376 §4.2.16), sent to 224.0.0.22.
[[nodiscard]] net::Expected<std::size_t, BuildError>
pack_igmp_v3_report(std::span<std::uint8_t> out, net::Ipv4Address source, std::size_t mtu,
                    std::span<const IgmpRecordSpec> records, PackCursor& cursor);

} // namespace ecmh::wire
