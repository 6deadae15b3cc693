// SPDX-License-Identifier: BSD-3-Clause
// Fuzzes the receive path from the IPv6 header up: parse_ipv6, then on success
// parse_mld and parse_icmpv6_echo, walking every record and source they hand out. Beyond
// "no crash", the views must stay inside the input and agree with each other.
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/icmpv6_echo.hpp"
#include "ecmh/wire/ipv6.hpp"
#include "ecmh/wire/mld.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

using namespace ecmh::wire;

namespace {

void check(bool ok) {
    if (!ok) {
        __builtin_trap();
    }
}

bool inside(std::span<const std::uint8_t> inner, std::span<const std::uint8_t> outer) {
    return inner.empty() || (inner.data() >= outer.data() &&
                             inner.data() + inner.size() <= outer.data() + outer.size());
}

std::uint32_t walk(const MldMessage& message, std::span<const std::uint8_t> payload) {
    std::uint32_t sum = 0;
    if (const auto* q = std::get_if<MldQuery>(&message)) {
        check(inside(q->sources.raw(), payload));
        for (const auto source : q->sources) {
            sum += source.bytes()[15];
        }
        check(q->version == MldVersion::V1 ? payload.size() == 24 : payload.size() >= 28);
    } else if (const auto* report = std::get_if<MldV2Report>(&message)) {
        std::size_t records = 0;
        for (const auto record : *report) {
            check(inside(record.sources.raw(), payload));
            sum += record.type + record.group.bytes()[15];
            for (const auto source : record.sources) {
                sum += source.bytes()[0];
            }
            ++records;
        }
        check(records == report->record_count());
    }
    return sum;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes{data, size};
    const auto ip = parse_ipv6(bytes);
    if (!ip) {
        return 0;
    }
    check(ip->packet.data() == data && ip->packet.size() >= kIpv6HeaderSize &&
          ip->packet.size() <= size);
    check(ip->header_length + ip->payload.size() == ip->packet.size());
    check(inside(ip->payload, ip->packet));
    if (const auto mld = parse_mld(*ip)) {
        check(ip->next_header == kProtoIcmpv6 && ip->hop_limit == 1 && ip->router_alert_count == 1);
        volatile std::uint32_t sink = walk(*mld, ip->payload);
        (void)sink;
    }
    if (const auto echo = parse_icmpv6_echo(*ip)) {
        check(inside(echo->data, ip->payload) && echo->data.size() + 8 == ip->payload.size());
    }
    return 0;
}
