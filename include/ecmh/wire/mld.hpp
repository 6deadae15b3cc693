// SPDX-License-Identifier: BSD-3-Clause
// MLD (RFC 2710 MLDv1, RFC 3810 MLDv2): parse views and builders.
//
// parse_mld() is the whole validity gate of RFC 3810 §5.1.14, §5.2.13, §6.2, §7.4,
// §7.6 (applied to MLDv1 too, rfc-map note A.3): the packet is not a fragment,
// the source is fe80::/64, Hop Limit is 1, exactly one Hop-by-Hop Router Alert with
// value 0, the checksum verifies over the IP-derived length with the pseudo-header, the
// type is known, the query length is 24 or ≥ 28, every count fits the message. Only a
// message that passes all of it reaches protocol state.
#pragma once

#include "ecmh/net/expected.hpp"
#include "ecmh/net/ipv6_address.hpp"
#include "ecmh/wire/build_error.hpp"
#include "ecmh/wire/group_record.hpp"
#include "ecmh/wire/ipv6.hpp"
#include "ecmh/wire/parse_error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

namespace ecmh::wire {

enum class MldVersion : std::uint8_t { V1 = 1, V2 = 2 };

struct MldQuery {
    MldVersion version = MldVersion::V2;
    std::uint16_t max_response_code = 0; // the field as sent
    std::uint32_t max_response_ms = 0;   // decoded (v1: linear; v2: §5.1.3 float)
    net::Ipv6Address group;              // :: for a General Query
    bool suppress_router_side = false;   // S flag (v2 only)
    std::uint8_t qrv = 0;                // 0 = not given / above 7 (v2 only)
    std::uint8_t qqic = 0;               // the field as sent (v2 only)
    std::uint32_t query_interval_s = 0;  // decoded QQIC; 0 = not given
    SourceListView<net::Ipv6Address> sources;

    [[nodiscard]] bool is_general() const { return group.is_unspecified(); }
};

struct MldV1Report {
    net::Ipv6Address group;
};

struct MldV1Done {
    net::Ipv6Address group;
};

using MldRecord = WireRecord<net::Ipv6Address>;
// An MLDv2 Report whose every record was checked to fit when it was parsed.
using MldV2Report = ReportRecords<net::Ipv6Address>;

using MldMessage = std::variant<MldQuery, MldV1Report, MldV1Done, MldV2Report>;

[[nodiscard]] net::Expected<MldMessage, ParseError> parse_mld(const Ipv6Packet& packet);

// --- Builders. Each writes a complete IPv6 packet (header, Hop-by-Hop Router Alert,
// MLD message with its checksum) into `out` and returns its length: link-local
// source, Hop Limit 1 (RFC 3810 §5), reserved fields 0, no trailing octets.

struct MldQuerySpec {
    MldVersion version = MldVersion::V2;
    net::Ipv6Address source;  // must be fe80::/64 (RFC 3810 §7.6.2)
    net::Ipv6Address group{}; // :: for a General Query (sent to ff02::1), else the group
    std::uint32_t max_response_ms = 10'000;
    bool suppress_router_side = false;
    std::uint32_t robustness = 2;         // QRV; sent as 0 above 7
    std::uint32_t query_interval_s = 125; // QQIC
    std::span<const net::Ipv6Address> sources{};
};

[[nodiscard]] net::Expected<std::size_t, BuildError> build_mld_query(std::span<std::uint8_t> out,
                                                                     const MldQuerySpec& spec);
// Sent to the group itself (RFC 2710 §3.6 / rfc-map item 4).
[[nodiscard]] net::Expected<std::size_t, BuildError>
build_mld_v1_report(std::span<std::uint8_t> out, const net::Ipv6Address& source,
                    const net::Ipv6Address& group);
// Sent to ff02::2.
[[nodiscard]] net::Expected<std::size_t, BuildError>
build_mld_v1_done(std::span<std::uint8_t> out, const net::Ipv6Address& source,
                  const net::Ipv6Address& group);

struct MldRecordSpec {
    RecordType type = RecordType::ModeIsExclude;
    net::Ipv6Address group;
    std::span<const net::Ipv6Address> sources{};
};

// Builds the next MLDv2 Report (sent to ff02::16) of at most `mtu` bytes of IPv6
// packet from records[cursor…], advancing the cursor; returns 0 once every record has
// been packed. Records that do not fit go to the next report; a record with too many
// sources is split into several records of the same type, except IS_EX/TO_EX, which
// are truncated to what fits (RFC 3810 §5.2.15).
[[nodiscard]] net::Expected<std::size_t, BuildError>
pack_mld_v2_report(std::span<std::uint8_t> out, const net::Ipv6Address& source, std::size_t mtu,
                   std::span<const MldRecordSpec> records, PackCursor& cursor);

} // namespace ecmh::wire
