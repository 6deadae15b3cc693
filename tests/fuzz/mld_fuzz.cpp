// SPDX-License-Identifier: BSD-3-Clause
// Fuzzes parse_mld with the input as the ICMPv6 message: the harness wraps it in a valid
// IPv6 + Router Alert envelope and fixes the checksum, so every input gets past the
// validity gate and into the message parsers. Parsed reports and queries are then built
// again (pack_mld_v2_report, build_mld_query) and re-parsed, and must say the same.
#include "ecmh/net/byte_writer.hpp"
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/mld.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

using namespace ecmh::wire;
using ecmh::net::Ipv6Address;

namespace {

const Ipv6Address kSource{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}};

void check(bool ok) {
    if (!ok) {
        __builtin_trap();
    }
}

// IPv6 + Hop-by-Hop RA + `message`, with the ICMPv6 checksum made to verify.
std::vector<std::uint8_t> envelope(std::span<const std::uint8_t> message) {
    std::vector<std::uint8_t> packet(48 + message.size());
    ecmh::net::ByteWriter w{packet};
    Ipv6HeaderSpec ip;
    ip.source = kSource;
    ip.destination = kAllMldv2Routers;
    ip.router_alert = true;
    write_ipv6_header(w, ip, message.size());
    w.bytes(message);
    check(w.ok());
    if (message.size() >= 4) {
        packet[50] = 0;
        packet[51] = 0;
        auto sum = ecmh::net::ipv6_pseudo_header(ip.source, ip.destination,
                                                 static_cast<std::uint32_t>(message.size()), 58);
        sum.add(std::span(packet).subspan(48));
        w.patch_u16(50, sum.finish());
    }
    return packet;
}

MldMessage parse_built(std::span<const std::uint8_t> packet) {
    const auto ip = parse_ipv6(packet);
    check(ip.has_value());
    const auto m = parse_mld(*ip);
    check(m.has_value());
    return *m;
}

struct OwnedRecord {
    RecordType type;
    Ipv6Address group;
    std::vector<Ipv6Address> sources;
};

bool is_exclude(RecordType t) {
    return t == RecordType::ModeIsExclude || t == RecordType::ChangeToExcludeMode;
}

// Re-packs the known records of a parsed report and checks that the reports produced
// carry exactly them: split records continue where the last part stopped, exclude
// records keep a prefix of their sources (RFC 3810 §5.2.15).
void repack(const MldV2Report& report, std::size_t mtu) {
    std::vector<OwnedRecord> owned;
    for (const auto r : report) {
        if (r.known_type() && r.group.is_multicast()) {
            owned.push_back({r.record_type(), r.group, {r.sources.begin(), r.sources.end()}});
        }
    }
    std::vector<MldRecordSpec> specs;
    for (const auto& o : owned) {
        specs.push_back({o.type, o.group, o.sources});
    }
    std::size_t spec = 0;
    std::size_t offset = 0;
    PackCursor cursor;
    std::vector<std::uint8_t> out(mtu);
    for (;;) {
        const auto n = pack_mld_v2_report(out, kSource, mtu, specs, cursor);
        if (!n) {
            // Only an MTU with no room for one source may refuse a record.
            check(n.error() == BuildError::MtuTooSmall && mtu < 48 + 8 + 20 + 16);
            return;
        }
        if (*n == 0) {
            break;
        }
        check(*n <= mtu);
        const auto m = parse_built(std::span(out).first(*n));
        for (const auto r : std::get<MldV2Report>(m)) {
            check(spec < owned.size());
            const auto& o = owned[spec];
            check(r.record_type() == o.type && r.group == o.group && r.aux_words == 0);
            check(r.sources.size() <= o.sources.size() - offset);
            for (std::size_t i = 0; i < r.sources.size(); ++i) {
                check(r.sources[i] == o.sources[offset + i]);
            }
            offset += r.sources.size();
            if (offset == o.sources.size() || is_exclude(o.type)) {
                ++spec;
                offset = 0;
            }
        }
    }
    check(spec == owned.size());
}

// Builds the query again from what was parsed: every field must survive.
void rebuild(const MldQuery& q) {
    if (q.is_general() && !q.sources.empty()) {
        return; // parse_mld rejects these; unreachable
    }
    const std::vector<Ipv6Address> sources(q.sources.begin(), q.sources.end());
    MldQuerySpec spec;
    spec.version = q.version;
    spec.source = kSource;
    spec.group = q.group;
    spec.max_response_ms = q.max_response_ms;
    spec.suppress_router_side = q.suppress_router_side;
    spec.robustness = q.qrv;
    spec.query_interval_s = q.query_interval_s;
    spec.sources = sources;
    std::vector<std::uint8_t> out(48 + 28 + 16 * sources.size());
    const auto n = build_mld_query(out, spec);
    check(n.has_value());
    const auto again = std::get<MldQuery>(parse_built(std::span(out).first(*n)));
    check(again.version == q.version && again.group == q.group &&
          again.max_response_code == q.max_response_code &&
          again.sources.size() == q.sources.size());
    if (q.version == MldVersion::V2) {
        check(again.qqic == q.qqic && again.qrv == q.qrv &&
              again.suppress_router_side == q.suppress_router_side);
    }
    for (std::size_t i = 0; i < sources.size(); ++i) {
        check(again.sources[i] == sources[i]);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> message{data, std::min<std::size_t>(size, 0xffff - 8)};
    const auto packet = envelope(message);
    const auto ip = parse_ipv6(packet);
    check(ip.has_value());
    const auto m = parse_mld(*ip);
    if (!m) {
        // The envelope is valid, so only the message itself can be at fault.
        check(m.error() == ParseError::Truncated || m.error() == ParseError::UnknownType ||
              m.error() == ParseError::BadQueryLength || m.error() == ParseError::RecordOverrun ||
              m.error() == ParseError::SourcesInGeneralQuery ||
              m.error() == ParseError::InvalidGroup);
        return 0;
    }
    if (const auto* report = std::get_if<MldV2Report>(&*m)) {
        // The Reserved octet after the type is ignored on receipt: let it pick the MTU.
        repack(*report, 76 + std::size_t{message[1]} * 32);
    } else if (const auto* query = std::get_if<MldQuery>(&*m)) {
        rebuild(*query);
    }
    return 0;
}
