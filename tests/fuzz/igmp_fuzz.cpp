// SPDX-License-Identifier: BSD-3-Clause
// The input is an IGMP message. It is wrapped in a valid IPv4 header with Router Alert
// and its checksum is fixed up, so the fuzzer spends its time past the checksum, in the
// message layouts. A parsed v3 report is then re-packed with pack_igmp_v3_report (MTU
// taken from the two input bytes the checksum overwrote) and every packet re-parsed:
// pieces of a split record must add up to it, IS_EX/TO_EX must come out as one prefix.
#include "ecmh/net/byte_writer.hpp"
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/igmp.hpp"
#include "ecmh/wire/ipv4.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>
#include <vector>

namespace {

using namespace ecmh::wire;
using ecmh::net::Ipv4Address;

constexpr std::size_t kIpHeaderSize = 24;
constexpr std::size_t kMaxMessage = 0xffff - kIpHeaderSize;

volatile std::uint64_t g_sink;

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

std::vector<std::uint8_t> wrap(std::span<const std::uint8_t> message) {
    std::vector<std::uint8_t> packet(kIpHeaderSize + message.size());
    ecmh::net::ByteWriter w{packet};
    Ipv4HeaderSpec ip;
    ip.source = Ipv4Address{0xc6336401U};
    ip.destination = Ipv4Address{0xe0000016U};
    ip.tos = 0xc0;
    ip.router_alert = true;
    require(write_ipv4_header(w, ip, message.size()) == kIpHeaderSize);
    w.bytes(message);
    require(w.ok());
    if (message.size() >= 4) {
        packet[kIpHeaderSize + 2] = 0;
        packet[kIpHeaderSize + 3] = 0;
        const auto sum = ecmh::net::internet_checksum(std::span{packet}.subspan(kIpHeaderSize));
        packet[kIpHeaderSize + 2] = static_cast<std::uint8_t>(sum >> 8);
        packet[kIpHeaderSize + 3] = static_cast<std::uint8_t>(sum);
    }
    return packet;
}

struct OwnedRecord {
    RecordType type;
    Ipv4Address group;
    std::vector<Ipv4Address> sources;
};

bool truncates(RecordType t) {
    return t == RecordType::ModeIsExclude || t == RecordType::ChangeToExcludeMode;
}

std::vector<IgmpRecord> parse_packed(std::span<const std::uint8_t> packet, std::size_t mtu) {
    require(packet.size() <= mtu);
    const auto ip = parse_ipv4(packet);
    require(ip.has_value() && ip->packet.size() == packet.size());
    const auto igmp = parse_igmp(*ip);
    require(igmp.has_value());
    const auto* report = std::get_if<IgmpV3Report>(&*igmp);
    require(report != nullptr && report->record_count() > 0);
    return std::vector<IgmpRecord>(report->begin(), report->end());
}

// Walks the re-parsed records against the input ones, in order.
void check_repack(const std::vector<OwnedRecord>& in,
                  const std::vector<std::vector<std::uint8_t>>& packets, std::size_t mtu) {
    std::vector<IgmpRecord> out;
    for (const auto& p : packets) {
        const auto records = parse_packed(p, mtu);
        out.insert(out.end(), records.begin(), records.end());
    }
    std::size_t next = 0;
    for (const auto& record : in) {
        std::vector<Ipv4Address> seen;
        do {
            require(next < out.size());
            const auto& piece = out[next++];
            require(piece.type == static_cast<std::uint8_t>(record.type) &&
                    piece.group == record.group);
            seen.insert(seen.end(), piece.sources.begin(), piece.sources.end());
        } while (!truncates(record.type) && seen.size() < record.sources.size());
        require(seen.size() <= record.sources.size());
        require(std::equal(seen.begin(), seen.end(), record.sources.begin()));
        require(truncates(record.type) || seen.size() == record.sources.size());
    }
    require(next == out.size());
}

void repack(const IgmpV3Report& report, std::size_t mtu) {
    std::vector<OwnedRecord> owned;
    for (const auto& r : report) {
        // The builder refuses what a sender must not send; the parser yields it anyway.
        if (r.known_type() && r.group.is_multicast()) {
            owned.push_back({r.record_type(), r.group,
                             std::vector<Ipv4Address>(r.sources.begin(), r.sources.end())});
        }
    }
    std::vector<IgmpRecordSpec> specs;
    for (const auto& o : owned) {
        specs.push_back({o.type, o.group, o.sources});
    }
    std::vector<std::vector<std::uint8_t>> packets;
    std::vector<std::uint8_t> out(mtu);
    PackCursor cursor;
    while (true) {
        const auto n = pack_igmp_v3_report(out, Ipv4Address{0xc6336401U}, mtu, specs, cursor);
        require(n.has_value());
        if (*n == 0) {
            break;
        }
        packets.emplace_back(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n));
        require(packets.size() <= 0x10000); // every report makes progress
    }
    check_repack(owned, packets, mtu);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> message{data, std::min(size, kMaxMessage)};
    const auto packet = wrap(message);
    const auto ip = parse_ipv4(packet);
    require(ip.has_value() && ip->router_alert_count == 1 && ip->payload.size() == message.size());
    const auto igmp = parse_igmp(*ip);
    if (!igmp) {
        // The checksum was fixed up and the header is ours: only layout errors remain.
        require(igmp.error() != ParseError::BadChecksum);
        return 0;
    }
    if (const auto* q = std::get_if<IgmpQuery>(&*igmp)) {
        for (const auto s : q->sources) {
            g_sink = g_sink + s.value();
        }
    } else if (const auto* r = std::get_if<IgmpV3Report>(&*igmp)) {
        for (const auto& record : *r) {
            for (const auto s : record.sources) {
                g_sink = g_sink + s.value() + record.type;
            }
        }
        // The checksum field held fuzzer bytes before the fix-up: they pick the MTU,
        // from the smallest that can carry a source (44) up to 1543.
        const std::size_t mtu = 44 + ((std::size_t{data[2]} << 8 | data[3]) % 1500);
        repack(*r, mtu);
    }
    return 0;
}
