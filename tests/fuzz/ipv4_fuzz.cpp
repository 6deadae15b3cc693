// SPDX-License-Identifier: BSD-3-Clause
// parse_ipv4 then parse_igmp on arbitrary bytes, walking every record and source. Besides
// "no crash, no sanitizer report", it checks that each view the parsers hand out stays
// inside the input and agrees with the lengths it was derived from.
#include "ecmh/wire/igmp.hpp"
#include "ecmh/wire/ipv4.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>

namespace {

volatile std::uint64_t g_sink; // keeps the reads from being optimised away

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

bool inside(std::span<const std::uint8_t> inner, std::span<const std::uint8_t> outer) {
    return inner.empty() || (inner.data() >= outer.data() &&
                             inner.data() + inner.size() <= outer.data() + outer.size());
}

void touch(const ecmh::wire::SourceListView<ecmh::net::Ipv4Address>& sources,
           std::span<const std::uint8_t> message) {
    require(inside(sources.raw(), message));
    for (const auto s : sources) {
        g_sink = g_sink + s.value();
    }
}

void check_packet(const ecmh::wire::Ipv4Packet& p, std::span<const std::uint8_t> input) {
    require(p.packet.data() == input.data() && p.packet.size() <= input.size());
    require(p.header_length >= 20 && p.header_length <= 60 && p.header_length <= p.packet.size());
    require(p.payload.data() == p.packet.data() + p.header_length);
    require(p.payload.size() == p.packet.size() - p.header_length);
}

void check_query(const ecmh::wire::IgmpQuery& q, std::span<const std::uint8_t> message) {
    using ecmh::wire::IgmpVersion;
    if (q.version == IgmpVersion::V3) {
        require(message.size() >= 12);
        require(12 + q.sources.raw().size() <= message.size());
    } else {
        require(message.size() == 8 && q.sources.empty());
        require(q.version != IgmpVersion::V1 || q.group.is_unspecified());
    }
    require(q.group.is_unspecified() || q.group.is_multicast());
    require(!q.is_general() || q.sources.empty());
    touch(q.sources, message);
}

void check_report(const ecmh::wire::IgmpV3Report& r, std::span<const std::uint8_t> message) {
    std::size_t seen = 0;
    std::size_t bytes = 8;
    for (const auto& record : r) {
        ++seen;
        require(seen <= r.record_count());
        require(record.sources.size() * 4 == record.sources.raw().size());
        bytes += 8 + record.sources.raw().size() + std::size_t{record.aux_words} * 4;
        g_sink = g_sink + record.type + record.group.value();
        touch(record.sources, message);
    }
    // A report that parsed was validated whole: every record comes out and fits.
    require(seen == r.record_count());
    require(bytes <= message.size());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> input{data, size};
    const auto packet = ecmh::wire::parse_ipv4(input);
    if (!packet) {
        return 0;
    }
    check_packet(*packet, input);
    const auto igmp = ecmh::wire::parse_igmp(*packet);
    if (!igmp) {
        return 0;
    }
    const auto message = packet->payload;
    require(!packet->is_fragment() && message.size() >= 8);
    if (const auto* q = std::get_if<ecmh::wire::IgmpQuery>(&*igmp)) {
        check_query(*q, message);
    } else if (const auto* r = std::get_if<ecmh::wire::IgmpV3Report>(&*igmp)) {
        check_report(*r, message);
    }
    return 0;
}
