// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/engine/messages.hpp"

#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/igmp.hpp"
#include "ecmh/wire/mld.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

namespace ecmh::engine {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// IPv6 header + Hop-by-Hop Router Alert + MLDv2 query header.
constexpr std::size_t kMldQueryOverhead = wire::kIpv6HeaderSize + 8 + wire::kMldV2QueryMinSize;
// IPv4 header with Router Alert + IGMPv3 query header.
constexpr std::size_t kIgmpQueryOverhead = wire::kIpv4MinHeaderSize + 4 + wire::kIgmpV3QueryMinSize;

std::uint32_t tenths(proto::Duration d) {
    return static_cast<std::uint32_t>(duration_cast<milliseconds>(d).count() / 100);
}

std::uint32_t seconds(milliseconds ms) {
    return static_cast<std::uint32_t>(ms.count() / 1000);
}

// Calls build(sources) for each slice of at most `per_packet` sources (once for an
// empty list), emitting every packet built.
template <class Address, class Build>
Built in_slices(const std::vector<Address>& sources, std::size_t per_packet, Build&& build,
                const Emit& emit) {
    // A source-specific query cut to no sources would be a group query: send nothing.
    if (per_packet == 0 && !sources.empty()) {
        return net::unexpected(wire::BuildError::MtuTooSmall);
    }
    std::size_t sent = 0;
    std::size_t at = 0;
    do {
        const auto n = std::min(per_packet, sources.size() - at);
        const auto length = build(std::span<const Address>(sources.data() + at, n));
        if (!length) {
            return net::unexpected(length.error());
        }
        emit(*length);
        ++sent;
        at += n;
    } while (at < sources.size());
    return sent;
}

} // namespace

std::size_t max_query_sources(const net::Ipv6Address& /*family*/, std::uint32_t mtu) {
    return mtu > kMldQueryOverhead ? (mtu - kMldQueryOverhead) / net::Ipv6Address::kSize : 0;
}

std::size_t max_query_sources(const net::Ipv4Address& /*family*/, std::uint32_t mtu) {
    return mtu > kIgmpQueryOverhead ? (mtu - kIgmpQueryOverhead) / 4 : 0;
}

Built build_queries(std::span<std::uint8_t> out, const net::Ipv6Address& source, std::uint32_t mtu,
                    const proto::SendQuery<net::Ipv6Address>& query, const Emit& emit) {
    const auto build = [&](std::span<const net::Ipv6Address> sources) {
        wire::MldQuerySpec spec;
        spec.version = query.version == 1 ? wire::MldVersion::V1 : wire::MldVersion::V2;
        spec.source = source;
        spec.group = query.group;
        spec.max_response_ms =
            static_cast<std::uint32_t>(duration_cast<milliseconds>(query.max_response).count());
        spec.suppress_router_side = query.suppress_router_side;
        spec.robustness = query.robustness;
        spec.query_interval_s = seconds(query.query_interval);
        spec.sources = sources;
        return wire::build_mld_query(out, spec);
    };
    return in_slices(query.sources.items(), max_query_sources(source, mtu), build, emit);
}

Built build_queries(std::span<std::uint8_t> out, const net::Ipv4Address& source, std::uint32_t mtu,
                    const proto::SendQuery<net::Ipv4Address>& query, const Emit& emit) {
    const auto build = [&](std::span<const net::Ipv4Address> sources) {
        wire::IgmpQuerySpec spec;
        spec.version =
            static_cast<wire::IgmpVersion>(std::clamp<std::uint8_t>(query.version, 1, 3));
        spec.source = source;
        spec.group = query.group;
        spec.max_response_tenths = std::max<std::uint32_t>(1, tenths(query.max_response));
        spec.suppress_router_side = query.suppress_router_side;
        spec.robustness = query.robustness;
        spec.query_interval_s = seconds(query.query_interval);
        spec.sources = sources;
        return wire::build_igmp_query(out, spec);
    };
    return in_slices(query.sources.items(), max_query_sources(source, mtu), build, emit);
}

namespace {

template <class Spec, class Address, class Pack>
Built pack_all(const std::vector<proto::GroupRecord<Address>>& records, Pack&& pack,
               const Emit& emit) {
    std::vector<Spec> specs;
    specs.reserve(records.size());
    for (const auto& r : records) {
        specs.push_back(Spec{r.type, r.group, std::span<const Address>(r.sources.items())});
    }
    wire::PackCursor cursor;
    std::size_t sent = 0;
    while (true) {
        const auto length = pack(std::span<const Spec>(specs), cursor);
        if (!length) {
            return net::unexpected(length.error());
        }
        if (*length == 0) {
            return sent; // every record packed
        }
        emit(*length);
        ++sent;
    }
}

} // namespace

Built build_reports(std::span<std::uint8_t> out, const net::Ipv6Address& source, std::uint32_t mtu,
                    const proto::HostReport<net::Ipv6Address>& report, const Emit& emit) {
    return pack_all<wire::MldRecordSpec>(
        report.records,
        [&](std::span<const wire::MldRecordSpec> specs, wire::PackCursor& cursor) {
            return wire::pack_mld_v2_report(out, source, mtu, specs, cursor);
        },
        emit);
}

Built build_reports(std::span<std::uint8_t> out, const net::Ipv4Address& source, std::uint32_t mtu,
                    const proto::HostReport<net::Ipv4Address>& report, const Emit& emit) {
    return pack_all<wire::IgmpRecordSpec>(
        report.records,
        [&](std::span<const wire::IgmpRecordSpec> specs, wire::PackCursor& cursor) {
            return wire::pack_igmp_v3_report(out, source, mtu, specs, cursor);
        },
        emit);
}

namespace {

Built emit_one(const net::Expected<std::size_t, wire::BuildError>& built, const Emit& emit) {
    if (!built) {
        return net::unexpected(built.error());
    }
    emit(*built);
    return std::size_t{1};
}

} // namespace

Built build_old_report(std::span<std::uint8_t> out, const net::Ipv6Address& source,
                       const proto::HostOldReport<net::Ipv6Address>& report, const Emit& emit) {
    return emit_one(wire::build_mld_v1_report(out, source, report.group), emit);
}

Built build_old_report(std::span<std::uint8_t> out, const net::Ipv4Address& source,
                       const proto::HostOldReport<net::Ipv4Address>& report, const Emit& emit) {
    return emit_one(report.version == 1 ? wire::build_igmp_v1_report(out, source, report.group)
                                        : wire::build_igmp_v2_report(out, source, report.group),
                    emit);
}

Built build_old_leave(std::span<std::uint8_t> out, const net::Ipv6Address& source,
                      const proto::HostOldLeave<net::Ipv6Address>& leave, const Emit& emit) {
    return emit_one(wire::build_mld_v1_done(out, source, leave.group), emit);
}

Built build_old_leave(std::span<std::uint8_t> out, const net::Ipv4Address& source,
                      const proto::HostOldLeave<net::Ipv4Address>& leave, const Emit& emit) {
    return emit_one(wire::build_igmp_v2_leave(out, source, leave.group), emit);
}

} // namespace ecmh::engine
