// SPDX-License-Identifier: BSD-3-Clause
// MLD parse and build: golden bytes (rfc-map items 1, 4, 9), build → parse round
// trips, one crafted packet per rejection reason (items 3, 6, 8, M2–M6, M10), every
// truncation of every template (M1), the extensibility rules (item 10) and report
// packing by MTU (item 11, RFC 3810 §5.2.15).
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/float_code.hpp"
#include "ecmh/wire/mld.hpp"
#include "support/hex.hpp"

#include <cstdio>
#include <functional>
#include <gtest/gtest.h>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

using namespace ecmh::wire;
using ecmh::net::Ipv6Address;
using ecmh::test::Bytes;
using ecmh::test::from_hex;
using ecmh::test::to_hex;
using ecmh::test::v6::addr;
using ecmh::test::v6::icmpv6_checksum;
using ecmh::test::v6::icmpv6_packet;
using ecmh::test::v6::Ipv6Fields;
using ecmh::test::v6::make_ipv6;
using ecmh::test::v6::router_alert_hbh;

namespace {

const Ipv6Address kHost = addr("fe80::a");
const Ipv6Address kRouter = addr("fe80::1");
const Ipv6Address kGroup = addr("ff0e::1:1000");

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

Bytes ab(std::string_view text) {
    const auto a = addr(text);
    return Bytes(a.bytes().begin(), a.bytes().end());
}

// The templates of rfc-map M1, as ICMPv6 messages with a zero checksum.
const Bytes kV1Query = cat({from_hex("82 00 00 00 27 10 00 00"), ab("ff0e::1:1000")});
const Bytes kV1Report = cat({from_hex("83 00 00 00 00 00 00 00"), ab("ff05::abcd:1234")});
const Bytes kV1Done = cat({from_hex("84 00 00 00 00 00 00 00"), ab("ff05::abcd:1234")});
// MRC 0x8388 (40 s), S = 1, QRV 2, QQIC 0x92 (288 s), two sources: 28 + 16·2 = 60 octets.
const Bytes kV2Query = cat({from_hex("82 00 00 00 83 88 00 00"), ab("ff0e::1:1000"),
                            from_hex("0a 92 00 02"), ab("2001:db8:1::1"), ab("2001:db8:1::2")});
// IS_IN {S1, S2} G1; IS_EX {} G2 with 8 aux octets; ALLOW {S3} G3 with 4 aux octets:
// 8 + (20 + 32) + (20 + 8) + (20 + 16 + 4) = 128 octets.
const Bytes kV2Report =
    cat({from_hex("8f 00 00 00 00 00 00 03"),                                              //
         from_hex("01 00 00 02"), ab("ff0e::1"), ab("2001:db8:1::1"), ab("2001:db8:1::2"), //
         from_hex("02 02 00 00"), ab("ff0e::2"), from_hex("a1a2a3a4 b1b2b3b4"),            //
         from_hex("05 01 00 01"), ab("ff3e::8000:1"), ab("2001:db8:1::3"), from_hex("c1c2c3c4")});

Ipv6Fields fields(std::string_view destination = "ff02::16",
                  const std::function<void(Ipv6Fields&)>& tweak = {}) {
    Ipv6Fields f;
    f.destination = addr(destination);
    if (tweak) {
        tweak(f);
    }
    return f;
}

// What a compliant sender puts on the wire for `message`.
Bytes mld_packet(const Bytes& message, const Ipv6Fields& f = fields()) {
    return icmpv6_packet(f, message);
}

// Both layers, as the engine runs them. The views point into `bytes`.
ecmh::net::Expected<MldMessage, ParseError> mld_of(const Bytes& bytes) {
    const auto ip = parse_ipv6(bytes);
    if (!ip) {
        return ecmh::net::unexpected(ip.error());
    }
    return parse_mld(*ip);
}

const char* kind(const MldMessage& m) {
    if (const auto* q = std::get_if<MldQuery>(&m)) {
        return q->version == MldVersion::V1 ? "v1-query" : "v2-query";
    }
    if (std::holds_alternative<MldV1Report>(m)) {
        return "v1-report";
    }
    if (std::holds_alternative<MldV1Done>(m)) {
        return "v1-done";
    }
    return "v2-report";
}

// "ipv6:<reason>", "<reason>" or the kind of message accepted.
std::string outcome(const Bytes& bytes) {
    const auto ip = parse_ipv6(bytes);
    if (!ip) {
        return "ipv6:" + std::string(to_string(ip.error()));
    }
    const auto m = parse_mld(*ip);
    return m ? kind(*m) : std::string(to_string(m.error()));
}

struct RecordSeen {
    std::uint8_t type;
    Ipv6Address group;
    std::vector<Ipv6Address> sources;
    std::uint8_t aux;
};

std::vector<RecordSeen> records_of(const MldV2Report& report) {
    std::vector<RecordSeen> out;
    for (const auto r : report) {
        out.push_back({r.type, r.group, {r.sources.begin(), r.sources.end()}, r.aux_words});
    }
    return out;
}

// Every MLD packet ecmh sends: HL 1, the fe80 source, one RA with value 0 in a
// Hop-by-Hop header that comes first, ICMPv6 right after it, the given destination.
void expect_mld_envelope(const Ipv6Packet& ip, const Ipv6Address& source,
                         const Ipv6Address& destination) {
    EXPECT_EQ(ip.hop_limit, 1);
    EXPECT_EQ(ip.source, source);
    EXPECT_TRUE(ip.source.is_link_local_fe80_64());
    EXPECT_EQ(ip.destination, destination);
    EXPECT_TRUE(ip.has_hop_by_hop);
    EXPECT_EQ(ip.router_alert_count, 1);
    EXPECT_EQ(ip.router_alert_value, 0);
    EXPECT_EQ(ip.next_header, kProtoIcmpv6);
    EXPECT_EQ(ip.header_length, 48U);
    EXPECT_EQ(to_hex(ip.packet.subspan(40, 8)), "3a00050200000100");
    EXPECT_FALSE(ip.is_fragment);
    EXPECT_EQ(ip.traffic_class, 0);
    EXPECT_EQ(ip.flow_label, 0U);
}

} // namespace

// --- Golden bytes, computed independently (RFC 3810 §5, RFC 2710 §3, rfc-map item 4).

TEST(MldBuild, GeneralQueryGoldenBytes) {
    Bytes out(200);
    MldQuerySpec spec;
    spec.source = kRouter; // defaults: v2, MRC 10000 ms, QRV 2, QQIC 125
    const auto n = build_mld_query(out, spec);
    ASSERT_TRUE(n);
    out.resize(*n);
    EXPECT_EQ(out, from_hex(R"(
        60 00 00 00 00 24 00 01  fe 80 00 00 00 00 00 00  00 00 00 00 00 00 00 01
        ff 02 00 00 00 00 00 00  00 00 00 00 00 00 00 01  3a 00 05 02 00 00 01 00
        82 00 56 96 27 10 00 00  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00
        02 7d 00 00)"))
        << to_hex(out);
}

TEST(MldBuild, V1ReportAndDoneGoldenBytes) {
    Bytes out(100);
    const auto group = addr("ff05::abcd:1234");
    auto n = build_mld_v1_report(out, kHost, group);
    ASSERT_TRUE(n);
    EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n)), from_hex(R"(
        60 00 00 00 00 20 00 01  fe 80 00 00 00 00 00 00  00 00 00 00 00 00 00 0a
        ff 05 00 00 00 00 00 00  00 00 00 00 ab cd 12 34  3a 00 05 02 00 00 01 00
        83 00 04 13 00 00 00 00  ff 05 00 00 00 00 00 00  00 00 00 00 ab cd 12 34)"));
    n = build_mld_v1_done(out, kHost, group);
    ASSERT_TRUE(n);
    EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n)), from_hex(R"(
        60 00 00 00 00 20 00 01  fe 80 00 00 00 00 00 00  00 00 00 00 00 00 00 0a
        ff 02 00 00 00 00 00 00  00 00 00 00 00 00 00 02  3a 00 05 02 00 00 01 00
        84 00 c1 15 00 00 00 00  ff 05 00 00 00 00 00 00  00 00 00 00 ab cd 12 34)"));
}

TEST(MldBuild, V2ReportGoldenBytes) {
    Bytes out(1500);
    const MldRecordSpec records[] = {{RecordType::ChangeToExcludeMode, kGroup, {}}};
    PackCursor cursor;
    const auto n = pack_mld_v2_report(out, kHost, 1500, records, cursor);
    ASSERT_TRUE(n);
    out.resize(*n);
    EXPECT_EQ(out, from_hex(R"(
        60 00 00 00 00 24 00 01  fe 80 00 00 00 00 00 00  00 00 00 00 00 00 00 0a
        ff 02 00 00 00 00 00 00  00 00 00 00 00 00 00 16  3a 00 05 02 00 00 01 00
        8f 00 5f f4 00 00 00 01  04 00 00 00 ff 0e 00 00  00 00 00 00 00 00 00 00
        00 01 10 00)"))
        << to_hex(out);
}

TEST(MldBuild, WorkedFloatEncodingsInRealQueries) {
    // The worked codes of rfc-map item 9, as the wire must carry them, read back at their offsets.
    const struct {
        std::uint32_t mrc_ms;
        std::uint16_t code;
        std::uint32_t decoded_ms;
        std::uint32_t qi_s;
        std::uint8_t qqic;
        std::uint32_t decoded_s;
        std::uint32_t rv;
        std::uint8_t qrv;
    } rows[] = {
        {10000, 0x2710, 10000, 125, 0x7d, 125, 2, 2},
        {32768, 0x8000, 32768, 128, 0x80, 128, 7, 7},
        {40000, 0x8388, 40000, 250, 0x8f, 248, 8, 0},
        {60000, 0x8d4c, 60000, 256, 0x90, 256, 1, 1},
        {125000, 0x9e84, 124992, 300, 0x92, 288, 3, 3},
        {0, 0x0000, 0, 1000, 0xaf, 992, 0, 0},
        {0xffffffffU, 0xffff, kMldCodeMax, 0xffffffffU, 0xff, kByteCodeMax, 100, 0},
    };
    for (const auto& r : rows) {
        Bytes out(200);
        MldQuerySpec spec;
        spec.source = kRouter;
        spec.max_response_ms = r.mrc_ms;
        spec.query_interval_s = r.qi_s;
        spec.robustness = r.rv;
        const auto n = build_mld_query(out, spec);
        ASSERT_TRUE(n);
        EXPECT_EQ(*n, 48U + 28U);
        EXPECT_EQ((out[52] << 8) | out[53], r.code) << r.mrc_ms;
        EXPECT_EQ(out[72], r.qrv) << r.rv;
        EXPECT_EQ(out[73], r.qqic) << r.qi_s;
        out.resize(*n);
        const auto m = mld_of(out);
        ASSERT_TRUE(m);
        const auto& q = std::get<MldQuery>(*m);
        EXPECT_EQ(q.max_response_code, r.code);
        EXPECT_EQ(q.max_response_ms, r.decoded_ms);
        EXPECT_EQ(q.qqic, r.qqic);
        EXPECT_EQ(q.query_interval_s, r.decoded_s);
        EXPECT_EQ(q.qrv, r.qrv);
    }
}

// --- Build → parse round trips: every field, and every validity check passed.

TEST(MldRoundTrip, V2GeneralQuery) {
    Bytes out(200);
    MldQuerySpec spec;
    spec.source = kRouter;
    spec.max_response_ms = 1000;
    spec.suppress_router_side = true; // harmless on a general query (M9)
    spec.robustness = 2;
    spec.query_interval_s = 4;
    const auto n = build_mld_query(out, spec);
    ASSERT_TRUE(n);
    ASSERT_EQ(*n, 40U + 8U + kMldV2QueryMinSize);
    out.resize(*n);
    const auto ip = parse_ipv6(out);
    ASSERT_TRUE(ip);
    expect_mld_envelope(*ip, kRouter, kAllNodes);
    const auto m = parse_mld(*ip);
    ASSERT_TRUE(m) << to_string(m.error());
    const auto& q = std::get<MldQuery>(*m);
    EXPECT_EQ(q.version, MldVersion::V2);
    EXPECT_EQ(q.max_response_code, 1000);
    EXPECT_EQ(q.max_response_ms, 1000U);
    EXPECT_TRUE(q.is_general());
    EXPECT_TRUE(q.suppress_router_side);
    EXPECT_EQ(q.qrv, 2);
    EXPECT_EQ(q.qqic, 4);
    EXPECT_EQ(q.query_interval_s, 4U);
    EXPECT_TRUE(q.sources.empty());
    EXPECT_EQ(to_hex(ip->payload.subspan(1, 1)), "00");   // Code
    EXPECT_EQ(to_hex(ip->payload.subspan(6, 2)), "0000"); // Reserved
}

TEST(MldRoundTrip, V2SourceSpecificQuery) {
    const std::vector<Ipv6Address> sources = {addr("2001:db8:1::1"), addr("2001:db8:1::2"),
                                              addr("2001:db8:1::3")};
    Bytes out(300);
    MldQuerySpec spec;
    spec.source = kRouter;
    spec.group = addr("ff3e::8000:1");
    spec.max_response_ms = 300;
    spec.sources = sources;
    const auto n = build_mld_query(out, spec);
    ASSERT_TRUE(n);
    ASSERT_EQ(*n, 48U + 28U + 16U * 3); // 28 + 16N exactly
    out.resize(*n);
    const auto ip = parse_ipv6(out);
    ASSERT_TRUE(ip);
    expect_mld_envelope(*ip, kRouter, spec.group); // sent to the queried group
    const auto m = parse_mld(*ip);
    ASSERT_TRUE(m) << to_string(m.error());
    const auto& q = std::get<MldQuery>(*m);
    EXPECT_EQ(q.version, MldVersion::V2);
    EXPECT_EQ(q.group, spec.group);
    EXPECT_FALSE(q.is_general());
    EXPECT_FALSE(q.suppress_router_side);
    EXPECT_EQ(q.max_response_ms, 300U);
    EXPECT_EQ(q.qrv, 2);
    EXPECT_EQ(q.query_interval_s, 125U);
    ASSERT_EQ(q.sources.size(), 3U);
    EXPECT_EQ(std::vector<Ipv6Address>(q.sources.begin(), q.sources.end()), sources);
}

TEST(MldRoundTrip, V1Queries) {
    for (const auto& group : {Ipv6Address{}, kGroup}) {
        Bytes out(100);
        MldQuerySpec spec;
        spec.version = MldVersion::V1;
        spec.source = kRouter;
        spec.group = group;
        spec.max_response_ms = 70000; // above 16 bits: saturates, linear in v1
        const auto n = build_mld_query(out, spec);
        ASSERT_TRUE(n);
        ASSERT_EQ(*n, 48U + kMldV1Size);
        out.resize(*n);
        const auto ip = parse_ipv6(out);
        ASSERT_TRUE(ip);
        expect_mld_envelope(*ip, kRouter, group.is_unspecified() ? kAllNodes : group);
        const auto m = parse_mld(*ip);
        ASSERT_TRUE(m) << to_string(m.error());
        const auto& q = std::get<MldQuery>(*m);
        EXPECT_EQ(q.version, MldVersion::V1);
        EXPECT_EQ(q.group, group);
        EXPECT_EQ(q.max_response_code, 0xffff);
        EXPECT_EQ(q.max_response_ms, 65535U);
        EXPECT_EQ(q.qrv, 0);
        EXPECT_EQ(q.query_interval_s, 0U);
        EXPECT_TRUE(q.sources.empty());
    }
}

TEST(MldRoundTrip, V1ReportAndDone) {
    const auto group = addr("ff05::2");
    Bytes out(100);
    auto n = build_mld_v1_report(out, kHost, group);
    ASSERT_TRUE(n);
    ASSERT_EQ(*n, 72U);
    Bytes report(out.begin(), out.begin() + 72);
    auto ip = parse_ipv6(report);
    ASSERT_TRUE(ip);
    expect_mld_envelope(*ip, kHost, group);
    auto m = parse_mld(*ip);
    ASSERT_TRUE(m);
    EXPECT_EQ(std::get<MldV1Report>(*m).group, group);
    EXPECT_EQ(to_hex(ip->payload.subspan(4, 4)), "00000000"); // MRD and Reserved 0

    n = build_mld_v1_done(out, kHost, group);
    ASSERT_TRUE(n);
    ASSERT_EQ(*n, 72U);
    Bytes done(out.begin(), out.begin() + 72);
    ip = parse_ipv6(done);
    ASSERT_TRUE(ip);
    expect_mld_envelope(*ip, kHost, kAllRouters);
    m = parse_mld(*ip);
    ASSERT_TRUE(m);
    EXPECT_EQ(std::get<MldV1Done>(*m).group, group);
}

TEST(MldRoundTrip, V2ReportWithEveryRecordType) {
    const std::vector<Ipv6Address> s = {addr("2001:db8:1::1"), addr("2001:db8:1::2")};
    const std::vector<MldRecordSpec> records = {
        {RecordType::ModeIsInclude, addr("ff0e::1"), s},
        {RecordType::ModeIsExclude, addr("ff0e::2"), {}},
        {RecordType::ChangeToIncludeMode, addr("ff0e::3"), {}},
        {RecordType::ChangeToExcludeMode, addr("ff0e::4"), s},
        {RecordType::AllowNewSources, addr("ff3e::8000:1"), s},
        {RecordType::BlockOldSources, addr("ff3e::8000:2"), {}}, // still emitted (M17)
    };
    Bytes out(1500);
    PackCursor cursor;
    const auto n = pack_mld_v2_report(out, kHost, 1500, records, cursor);
    ASSERT_TRUE(n);
    // 8 + Σ(20 + 16N) exactly: 6 records, 3 of them with 2 sources.
    ASSERT_EQ(*n, 48U + 8U + 6U * 20U + 3U * 32U);
    EXPECT_EQ(cursor.record, records.size());
    out.resize(*n);
    const auto ip = parse_ipv6(out);
    ASSERT_TRUE(ip);
    expect_mld_envelope(*ip, kHost, kAllMldv2Routers);
    const auto m = parse_mld(*ip);
    ASSERT_TRUE(m) << to_string(m.error());
    const auto& report = std::get<MldV2Report>(*m);
    ASSERT_EQ(report.record_count(), records.size());
    const auto seen = records_of(report);
    ASSERT_EQ(seen.size(), records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
        EXPECT_EQ(seen[i].type, static_cast<std::uint8_t>(records[i].type)) << i;
        EXPECT_EQ(seen[i].group, records[i].group) << i;
        EXPECT_EQ(seen[i].aux, 0) << i;
        EXPECT_EQ(seen[i].sources,
                  std::vector<Ipv6Address>(records[i].sources.begin(), records[i].sources.end()))
            << i;
    }
    EXPECT_EQ(to_hex(ip->payload.subspan(1, 1)), "00");   // Reserved
    EXPECT_EQ(to_hex(ip->payload.subspan(4, 2)), "0000"); // Reserved
    // A second call has nothing left.
    Bytes next(1500);
    const auto again = pack_mld_v2_report(next, kHost, 1500, records, cursor);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, 0U);
}

// --- Templates and their parsed contents.

TEST(MldParse, TemplatesAreAcceptedWithTheirFields) {
    EXPECT_EQ(outcome(mld_packet(kV1Query, fields("ff0e::1:1000"))), "v1-query");
    EXPECT_EQ(outcome(mld_packet(kV1Report, fields("ff05::abcd:1234"))), "v1-report");
    EXPECT_EQ(outcome(mld_packet(kV1Done, fields("ff02::2"))), "v1-done");

    const auto query = mld_packet(kV2Query, fields("ff0e::1:1000"));
    const auto m = mld_of(query);
    ASSERT_TRUE(m) << to_string(m.error());
    const auto& q = std::get<MldQuery>(*m);
    EXPECT_EQ(q.version, MldVersion::V2);
    EXPECT_EQ(q.max_response_code, 0x8388);
    EXPECT_EQ(q.max_response_ms, 40000U);
    EXPECT_EQ(q.group, kGroup);
    EXPECT_TRUE(q.suppress_router_side);
    EXPECT_EQ(q.qrv, 2);
    EXPECT_EQ(q.qqic, 0x92);
    EXPECT_EQ(q.query_interval_s, 288U);
    ASSERT_EQ(q.sources.size(), 2U);
    EXPECT_EQ(q.sources[0], addr("2001:db8:1::1"));
    EXPECT_EQ(q.sources[1], addr("2001:db8:1::2"));

    const auto report = mld_packet(kV2Report);
    const auto r = mld_of(report);
    ASSERT_TRUE(r) << to_string(r.error());
    const auto seen = records_of(std::get<MldV2Report>(*r));
    ASSERT_EQ(seen.size(), 3U);
    EXPECT_EQ(seen[0].type, 1);
    EXPECT_EQ(seen[0].group, addr("ff0e::1"));
    EXPECT_EQ(seen[0].sources, (std::vector{addr("2001:db8:1::1"), addr("2001:db8:1::2")}));
    EXPECT_EQ(seen[1].type, 2);
    EXPECT_EQ(seen[1].aux, 2);
    EXPECT_EQ(seen[1].group, addr("ff0e::2"));
    EXPECT_TRUE(seen[1].sources.empty());
    EXPECT_EQ(seen[2].type, 5);
    EXPECT_EQ(seen[2].aux, 1);
    EXPECT_EQ(seen[2].group, addr("ff3e::8000:1"));
    EXPECT_EQ(seen[2].sources, (std::vector{addr("2001:db8:1::3")}));
}

TEST(MldParse, UnknownRecordTypeIsYieldedAndTheRestStillComesOut) {
    // The test of rfc-map item 10: type 7 for G1; IS_EX {} G2 with AuxLen 2; ALLOW {S1} G3;
    // then 12 trailing octets (additional data, inside the checksum).
    const auto message =
        cat({from_hex("8f 00 00 00 00 00 00 03"), from_hex("07 00 00 00"), ab("ff0e::1"),
             from_hex("02 02 00 00"), ab("ff0e::2"), Bytes(8, 0xee), from_hex("05 00 00 01"),
             ab("ff0e::3"), ab("2001:db8:1::1"), Bytes(12, 0x77)});
    const auto packet = mld_packet(message);
    const auto m = mld_of(packet);
    ASSERT_TRUE(m) << to_string(m.error());
    const auto& report = std::get<MldV2Report>(*m);
    EXPECT_EQ(report.record_count(), 3);
    std::vector<MldRecord> seen;
    for (const auto r : report) {
        seen.push_back(r);
    }
    ASSERT_EQ(seen.size(), 3U);
    EXPECT_FALSE(seen[0].known_type());
    EXPECT_EQ(seen[0].type, 7);
    EXPECT_EQ(seen[0].group, addr("ff0e::1"));
    EXPECT_TRUE(seen[1].known_type());
    EXPECT_EQ(seen[1].record_type(), RecordType::ModeIsExclude);
    EXPECT_EQ(seen[1].group, addr("ff0e::2"));
    EXPECT_EQ(seen[2].record_type(), RecordType::AllowNewSources);
    EXPECT_EQ(seen[2].group, addr("ff0e::3"));
    ASSERT_EQ(seen[2].sources.size(), 1U);
    EXPECT_EQ(seen[2].sources[0], addr("2001:db8:1::1"));
}

TEST(MldParse, CountsThatFitExactlyOrLeaveAdditionalData) {
    const struct {
        const char* name;
        Bytes message;
        std::size_t records_or_sources;
    } rows[] = {
        {"M = 0: a no-op report", from_hex("8f 00 00 00 00 00 00 00"), 0},
        {"aux data that exactly fits",
         cat({from_hex("8f 00 00 00 00 00 00 01 02 01 00 00"), ab("ff0e::1"),
              from_hex("01020304")}),
         1},
        {"M smaller than the records present",
         cat({from_hex("8f 00 00 00 00 00 00 01 04 00 00 00"), ab("ff0e::1"),
              from_hex("04 00 00 00"), ab("ff0e::2")}),
         1},
        {"query with more bytes than N implies",
         cat({from_hex("82 00 00 00 00 00 00 00"), ab("ff0e::1"), from_hex("00 00 00 01"),
              ab("2001:db8::1"), ab("2001:db8::2")}),
         1},
        {"query with 12 trailing octets", cat({kV2Query, Bytes(12, 0)}), 2},
    };
    for (const auto& r : rows) {
        const auto packet = mld_packet(r.message);
        const auto m = mld_of(packet);
        ASSERT_TRUE(m) << r.name << ": " << to_string(m.error());
        if (const auto* report = std::get_if<MldV2Report>(&*m)) {
            EXPECT_EQ(records_of(*report).size(), r.records_or_sources) << r.name;
        } else {
            EXPECT_EQ(std::get<MldQuery>(*m).sources.size(), r.records_or_sources) << r.name;
        }
    }
}

TEST(MldParse, AcceptedVariants) {
    const auto v1_report_plus = cat({kV1Report, Bytes(8, 0x55)}); // "ignore octets past 24"
    const struct {
        const char* name;
        Bytes packet;
        const char* expected;
    } rows[] = {
        {"sent to a unicast address of ours (item 6 i)", mld_packet(kV2Report, fields("fe80::100")),
         "v2-report"},
        {"v1 report with trailing octets", mld_packet(v1_report_plus, fields("ff05::abcd:1234")),
         "v1-report"},
        {"behind Hop-by-Hop + Destination Options (M10)",
         mld_packet(kV2Report, fields("ff02::16",
                                      [](Ipv6Fields& f) {
                                          f.extension_headers =
                                              cat({router_alert_hbh(60),
                                                   from_hex("3a 00 01 04 00 00 00 00")});
                                      })),
         "v2-report"},
        {"unknown option with action 00 beside a valid RA (M5)",
         mld_packet(kV2Report, fields("ff02::16",
                                      [](Ipv6Fields& f) {
                                          f.extension_headers = from_hex("3a 00 05 02 00 00 1e 00");
                                      })),
         "v2-report"},
        {"atomic fragment (RFC 6946)",
         mld_packet(kV2Report, fields("ff02::16",
                                      [](Ipv6Fields& f) {
                                          f.extension_headers =
                                              cat({router_alert_hbh(44),
                                                   from_hex("3a 00 00 00 00 00 00 01")});
                                      })),
         "v2-report"},
        {"MRC 0 on a v2 query (M9)",
         mld_packet(
             cat({from_hex("82 00 00 00 00 00 00 00"), Bytes(16, 0), from_hex("00 00 00 00")}),
             fields("ff02::1")),
         "v2-query"},
        {"Code, Reserved and Resv non-zero are ignored",
         mld_packet(
             cat({from_hex("82 ff 00 00 00 01 ff ff"), Bytes(16, 0), from_hex("f7 01 00 00")}),
             fields("ff02::1")),
         "v2-query"},
    };
    for (const auto& r : rows) {
        EXPECT_EQ(outcome(r.packet), r.expected) << r.name;
    }
}

// --- One crafted packet per rejection reason, each triggering exactly that reason.

TEST(MldParse, RejectsEachReason) {
    const auto with = [](const std::function<void(Ipv6Fields&)>& tweak) {
        return fields("ff02::16", tweak);
    };
    const auto hbh = [](const char* hex) {
        return [hex](Ipv6Fields& f) { f.extension_headers = from_hex(hex); };
    };
    // A packet with a correct checksum, then its checksum field rewritten.
    const auto with_checksum = [](const Bytes& message, std::uint16_t field) {
        auto p = mld_packet(message);
        p[48 + 2] = static_cast<std::uint8_t>(field >> 8);
        p[48 + 3] = static_cast<std::uint8_t>(field);
        return p;
    };
    const auto src = kHost;
    const auto dst = addr("ff02::16");
    const auto good = icmpv6_checksum(kV2Report, src, dst);
    const auto plain = ecmh::net::internet_checksum(kV2Report);
    const auto wrong_dst = icmpv6_checksum(kV2Report, src, addr("ff02::1"));
    const auto wrong_len = icmpv6_checksum(kV2Report, src, dst, kV2Report.size() + 8);
    const auto with_trailer = cat({kV1Done, Bytes(4, 0x99)});
    const auto fixed_part_only = icmpv6_checksum(kV1Done, src, addr("ff02::2"));
    auto trailer_bad = mld_packet(with_trailer, fields("ff02::2"));
    trailer_bad[50] = static_cast<std::uint8_t>(fixed_part_only >> 8);
    trailer_bad[51] = static_cast<std::uint8_t>(fixed_part_only);
    // Item 12a: Payload Length says 24 octets of MLD, the checksum was taken over 24 + 6.
    auto over_padding = mld_packet(cat({kV1Done, Bytes(6, 0xab)}), fields("ff02::2"));
    ecmh::test::v6::set_payload_length(over_padding, 8 + 24);
    const auto echo = from_hex("80 00 00 00 12 34 00 01");

    const struct {
        const char* name;
        Bytes packet;
        ParseError error;
    } rows[] = {
        // Fragments (M10).
        {"first fragment, M = 1",
         mld_packet(kV2Report, with(hbh("2c 00 05 02 00 00 01 00  3a 00 00 01 00 00 00 01"))),
         ParseError::Fragmented},
        {"non-first fragment",
         mld_packet(kV2Report, with(hbh("2c 00 05 02 00 00 01 00  3a 00 00 08 00 00 00 01"))),
         ParseError::Fragmented},
        // Not MLD at all.
        {"UDP", mld_packet(kV2Report, with(hbh("11 00 05 02 00 00 01 00"))),
         ParseError::UnknownType},
        {"No Next Header", mld_packet(kV2Report, with(hbh("3b 00 05 02 00 00 01 00"))),
         ParseError::UnknownType},
        {"Echo Request (128)", mld_packet(echo), ParseError::UnknownType},
        {"Echo Reply (129)", mld_packet(from_hex("81 00 00 00 12 34 00 01")),
         ParseError::UnknownType},
        {"type 200 with a v1 body",
         mld_packet(cat({from_hex("c8"), Bytes(kV1Report.begin() + 1, kV1Report.end())})),
         ParseError::UnknownType},
        {"Destination Unreachable around a report",
         mld_packet(cat({from_hex("01 00 00 00 00 00 00 00"), kV1Report})),
         ParseError::UnknownType},
        // Source (item 6, M4).
        {"source ::", mld_packet(kV2Report, with([](Ipv6Fields& f) { f.source = Ipv6Address{}; })),
         ParseError::SourceNotLinkLocal},
        {"source ::1", mld_packet(kV2Report, with([](Ipv6Fields& f) { f.source = addr("::1"); })),
         ParseError::SourceNotLinkLocal},
        {"global source",
         mld_packet(kV2Report, with([](Ipv6Fields& f) { f.source = addr("2001:db8:2::a"); })),
         ParseError::SourceNotLinkLocal},
        {"ULA source",
         mld_packet(kV2Report, with([](Ipv6Fields& f) { f.source = addr("fd00::a"); })),
         ParseError::SourceNotLinkLocal},
        {"IPv4-mapped source",
         mld_packet(kV2Report, with([](Ipv6Fields& f) { f.source = addr("::ffff:10.0.0.1"); })),
         ParseError::SourceNotLinkLocal},
        {"multicast source",
         mld_packet(kV2Report, with([](Ipv6Fields& f) { f.source = addr("ff02::1"); })),
         ParseError::SourceNotLinkLocal},
        {"fe80:1::1 (link-local, not fe80::/64)",
         mld_packet(kV2Query,
                    fields("ff0e::1:1000", [](Ipv6Fields& f) { f.source = addr("fe80:1::1"); })),
         ParseError::SourceNotLinkLocal},
        // Hop Limit (M3).
        {"hop limit 0", mld_packet(kV2Report, with([](Ipv6Fields& f) { f.hop_limit = 0; })),
         ParseError::HopLimitNotOne},
        {"hop limit 2", mld_packet(kV2Report, with([](Ipv6Fields& f) { f.hop_limit = 2; })),
         ParseError::HopLimitNotOne},
        {"hop limit 64", mld_packet(kV2Report, with([](Ipv6Fields& f) { f.hop_limit = 64; })),
         ParseError::HopLimitNotOne},
        {"hop limit 255", mld_packet(kV2Report, with([](Ipv6Fields& f) { f.hop_limit = 255; })),
         ParseError::HopLimitNotOne},
        // Router Alert (M5).
        {"no Hop-by-Hop header", mld_packet(kV2Report, with([](Ipv6Fields& f) {
                                                f.next_header = 58;
                                                f.extension_headers.clear();
                                            })),
         ParseError::MissingRouterAlert},
        {"Hop-by-Hop without RA", mld_packet(kV2Report, with(hbh("3a 00 01 04 00 00 00 00"))),
         ParseError::MissingRouterAlert},
        {"RA in Destination Options", mld_packet(kV2Report, with([](Ipv6Fields& f) {
                                                     f.next_header = 60;
                                                     f.extension_headers =
                                                         from_hex("3a 00 05 02 00 00 01 00");
                                                 })),
         ParseError::MissingRouterAlert},
        {"RA value 1", mld_packet(kV2Report, with(hbh("3a 00 05 02 00 01 01 00"))),
         ParseError::BadRouterAlert},
        {"RA value 2", mld_packet(kV2Report, with(hbh("3a 00 05 02 00 02 01 00"))),
         ParseError::BadRouterAlert},
        {"RA value 0xffff", mld_packet(kV2Report, with(hbh("3a 00 05 02 ff ff 01 00"))),
         ParseError::BadRouterAlert},
        {"two RAs",
         mld_packet(kV2Report, with(hbh("3a 01 05 02 00 00 05 02 00 00 01 04 00 00 00 00"))),
         ParseError::BadRouterAlert},
        // Lengths.
        {"3 octets of ICMPv6", mld_packet(from_hex("83 00 00")), ParseError::Truncated},
        {"v1 report of 23 octets", mld_packet(Bytes(kV1Report.begin(), kV1Report.end() - 1)),
         ParseError::Truncated},
        {"v1 done of 8 octets", mld_packet(Bytes(kV1Done.begin(), kV1Done.begin() + 8)),
         ParseError::Truncated},
        {"query of 23 octets", mld_packet(Bytes(kV1Query.begin(), kV1Query.end() - 1)),
         ParseError::Truncated},
        {"v2 report of 7 octets", mld_packet(from_hex("8f 00 00 00 00 00 00")),
         ParseError::Truncated},
        {"query of 25 octets", mld_packet(cat({kV1Query, Bytes(1, 0)})),
         ParseError::BadQueryLength},
        {"query of 26 octets", mld_packet(cat({kV1Query, Bytes(2, 0)})),
         ParseError::BadQueryLength},
        {"query of 27 octets", mld_packet(cat({kV1Query, Bytes(3, 0)})),
         ParseError::BadQueryLength},
        // Checksums (item 3, M2).
        {"checksum + 1", with_checksum(kV2Report, static_cast<std::uint16_t>(good + 1)),
         ParseError::BadChecksum},
        {"checksum field 0x0000", with_checksum(kV2Report, 0x0000), ParseError::BadChecksum},
        {"checksum field 0xffff", with_checksum(kV2Report, 0xffff), ParseError::BadChecksum},
        {"without the pseudo-header", with_checksum(kV2Report, plain), ParseError::BadChecksum},
        {"pseudo-header with ff02::1", with_checksum(kV2Report, wrong_dst),
         ParseError::BadChecksum},
        {"length including the Hop-by-Hop header", with_checksum(kV2Report, wrong_len),
         ParseError::BadChecksum},
        {"over the fixed part only, trailer present", trailer_bad, ParseError::BadChecksum},
        {"over the Ethernet padding", over_padding, ParseError::BadChecksum},
        // Counts (M6).
        {"query N one more than present",
         mld_packet(cat({Bytes(kV2Query.begin(), kV2Query.end() - 16)}), fields("ff0e::1:1000")),
         ParseError::RecordOverrun},
        {"query N = 65535",
         mld_packet(cat({Bytes(kV2Query.begin(), kV2Query.begin() + 26), from_hex("ff ff")})),
         ParseError::RecordOverrun},
        {"report M = 65535 with one real record",
         mld_packet(cat({from_hex("8f 00 00 00 00 00 ff ff 04 00 00 00"), ab("ff0e::1")})),
         ParseError::RecordOverrun},
        {"report M = 2 with one record",
         mld_packet(cat({from_hex("8f 00 00 00 00 00 00 02 04 00 00 00"), ab("ff0e::1")})),
         ParseError::RecordOverrun},
        {"record header cut short",
         mld_packet(cat({from_hex("8f 00 00 00 00 00 00 01 04 00 00 00"), Bytes(15, 0xff)})),
         ParseError::RecordOverrun},
        {"record N = 65535",
         mld_packet(cat(
             {from_hex("8f 00 00 00 00 00 00 01 01 00 ff ff"), ab("ff0e::1"), ab("2001:db8::1")})),
         ParseError::RecordOverrun},
        // 20 + 16·4096 wraps to 20 in 16 bits: the record would "fit" exactly.
        {"record N = 4096 (16-bit wrap)",
         mld_packet(cat({from_hex("8f 00 00 00 00 00 00 01 01 00 10 00"), ab("ff0e::1")})),
         ParseError::RecordOverrun},
        {"aux 255 overrunning",
         mld_packet(
             cat({from_hex("8f 00 00 00 00 00 00 01 02 ff 00 00"), ab("ff0e::1"), Bytes(64, 0)})),
         ParseError::RecordOverrun},
        {"aux one word short",
         mld_packet(
             cat({from_hex("8f 00 00 00 00 00 00 01 02 02 00 00"), ab("ff0e::1"), Bytes(7, 0)})),
         ParseError::RecordOverrun},
        // Groups.
        {"general query with N = 1",
         mld_packet(cat({from_hex("82 00 00 00 00 00 00 00"), Bytes(16, 0), from_hex("02 7d 00 01"),
                         ab("2001:db8::1")}),
                    fields("ff02::1")),
         ParseError::SourcesInGeneralQuery},
        {"v2 query for a unicast group",
         mld_packet(cat(
             {from_hex("82 00 00 00 00 00 00 00"), ab("2001:db8::1"), from_hex("02 7d 00 00")})),
         ParseError::InvalidGroup},
        {"v1 query for a link-local unicast group",
         mld_packet(cat({from_hex("82 00 00 00 27 10 00 00"), ab("fe80::1")})),
         ParseError::InvalidGroup},
    };
    for (const auto& r : rows) {
        const auto m = mld_of(r.packet);
        ASSERT_FALSE(m) << r.name << " was accepted";
        EXPECT_EQ(m.error(), r.error) << r.name << ": got " << to_string(m.error());
    }
}

TEST(MldParse, EthernetPaddingAfterAValidPacketIsIgnored) {
    auto packet = mld_packet(kV1Done, fields("ff02::2"));
    packet.insert(packet.end(), {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02}); // non-zero padding
    const auto m = mld_of(packet);
    ASSERT_TRUE(m) << to_string(m.error());
    EXPECT_EQ(std::get<MldV1Done>(*m).group, addr("ff05::abcd:1234"));
}

// --- M1: every truncation of every template, self-consistent and lying.

TEST(MldParse, TruncationAtEveryOffset) {
    const auto ext_in_front = fields("ff02::16", [](Ipv6Fields& f) {
        f.extension_headers = cat({router_alert_hbh(60), from_hex("3a 00 01 04 00 00 00 00")});
    });
    const struct {
        const char* name;
        Bytes packet;
        std::size_t upper_offset;
        const char* accepted;
        // The outcome of the self-consistent cut to L octets; the full length is accepted.
        std::function<std::string(std::size_t)> expected;
    } templates[] = {
        {"v1 query", mld_packet(kV1Query, fields("ff0e::1:1000")), 48, "v1-query",
         [](std::size_t) { return "truncated"; }},
        {"v1 report", mld_packet(kV1Report, fields("ff05::abcd:1234")), 48, "v1-report",
         [](std::size_t) { return "truncated"; }},
        {"v1 done", mld_packet(kV1Done, fields("ff02::2")), 48, "v1-done",
         [](std::size_t) { return "truncated"; }},
        {"v2 query, 2 sources", mld_packet(kV2Query, fields("ff0e::1:1000")), 48, "v2-query",
         [](std::size_t n) -> std::string {
             if (n < 24) {
                 return "truncated";
             }
             if (n == 24) {
                 return "v1-query"; // a correct 24-octet query is a v1 query (RFC 3810 §8.1)
             }
             return n < 28 ? "bad-query-length" : "record-overrun";
         }},
        {"v2 report, 3 records", mld_packet(kV2Report), 48, "v2-report",
         [](std::size_t n) -> std::string { return n < 8 ? "truncated" : "record-overrun"; }},
        {"v2 report behind HBH + DestOpts", mld_packet(kV2Report, ext_in_front), 56, "v2-report",
         [](std::size_t n) -> std::string { return n < 8 ? "truncated" : "record-overrun"; }},
    };
    for (const auto& t : templates) {
        const auto full = t.packet.size() - t.upper_offset;
        ASSERT_EQ(outcome(t.packet), t.accepted) << t.name;
        for (std::size_t n = 0; n < full; ++n) {
            const auto consistent =
                ecmh::test::v6::truncate_consistent(t.packet, t.upper_offset, n);
            EXPECT_EQ(outcome(consistent), t.expected(n)) << t.name << " cut to " << n;
        }
        for (std::size_t n = 0; n < t.packet.size(); ++n) {
            // Exactly n bytes on the heap: ASan catches any read past them.
            const auto lying = ecmh::test::v6::truncate_lying(t.packet, n);
            EXPECT_EQ(outcome(lying), "ipv6:truncated") << t.name << " frame of " << n;
        }
    }
}

TEST(MldParse, ReportIteratorStopsOnAHandBuiltLie) {
    // MldV2Report's constructor is public; a view that was never checked must still end
    // inside its bytes.
    const auto records = cat({from_hex("01 00 00 05"), ab("ff0e::1")}); // N = 5, none present
    const MldV2Report report{records, 3};
    std::size_t seen = 0;
    for (const auto r : report) {
        EXPECT_TRUE(r.sources.empty());
        ++seen;
    }
    EXPECT_EQ(seen, 1U);
}

// --- Builders: argument checks.

TEST(MldBuild, RejectsBadArguments) {
    Bytes out(2000);
    const auto query_error = [&](const std::function<void(MldQuerySpec&)>& tweak) {
        MldQuerySpec spec;
        spec.source = kRouter;
        tweak(spec);
        const auto n = build_mld_query(out, spec);
        EXPECT_FALSE(n);
        return n ? BuildError::BufferTooSmall : n.error();
    };
    const std::vector<Ipv6Address> one = {addr("2001:db8::1")};
    EXPECT_EQ(query_error([](auto& s) { s.source = Ipv6Address{}; }), BuildError::InvalidArgument);
    EXPECT_EQ(query_error([](auto& s) { s.source = addr("fe80:1::1"); }),
              BuildError::InvalidArgument);
    EXPECT_EQ(query_error([](auto& s) { s.source = addr("2001:db8::1"); }),
              BuildError::InvalidArgument);
    EXPECT_EQ(query_error([](auto& s) { s.group = addr("2001:db8::1"); }),
              BuildError::InvalidArgument);
    EXPECT_EQ(query_error([&](auto& s) { s.sources = one; }),
              BuildError::InvalidArgument); // general
    EXPECT_EQ(query_error([&](auto& s) {
                  s.version = MldVersion::V1;
                  s.group = kGroup;
                  s.sources = one;
              }),
              BuildError::InvalidArgument);

    EXPECT_EQ(build_mld_v1_report(out, addr("2001:db8::1"), kGroup).error(),
              BuildError::InvalidArgument);
    EXPECT_EQ(build_mld_v1_report(out, kHost, addr("2001:db8::1")).error(),
              BuildError::InvalidArgument);
    EXPECT_EQ(build_mld_v1_done(out, Ipv6Address{}, kGroup).error(), BuildError::InvalidArgument);
    EXPECT_EQ(build_mld_v1_done(out, kHost, Ipv6Address{}).error(), BuildError::InvalidArgument);

    PackCursor cursor;
    const MldRecordSpec good[] = {{RecordType::ModeIsExclude, kGroup, {}}};
    const MldRecordSpec bad[] = {{RecordType::ModeIsExclude, addr("2001:db8::1"), {}}};
    EXPECT_EQ(pack_mld_v2_report(out, addr("fd00::1"), 1500, good, cursor).error(),
              BuildError::InvalidArgument);
    EXPECT_EQ(pack_mld_v2_report(out, kHost, 1500, bad, cursor).error(),
              BuildError::InvalidArgument);
}

TEST(MldBuild, QuerySourceLimitIsWhatPayloadLengthCanHold) {
    // 8 + 28 + 16·4093 = 65524 ≤ 65535; one more source would need 65540.
    std::vector<Ipv6Address> sources(4094, addr("2001:db8::1"));
    Bytes out(70000);
    MldQuerySpec spec;
    spec.source = kRouter;
    spec.group = kGroup;
    spec.sources = sources;
    EXPECT_EQ(build_mld_query(out, spec).error(), BuildError::TooManySources);
    spec.sources = std::span<const Ipv6Address>(sources).first(4093);
    const auto n = build_mld_query(out, spec);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 40U + 65524U);
    out.resize(*n);
    const auto m = mld_of(out);
    ASSERT_TRUE(m) << to_string(m.error());
    EXPECT_EQ(std::get<MldQuery>(*m).sources.size(), 4093U);
}

TEST(MldBuild, EveryTooSmallBufferIsRefused) {
    const std::vector<Ipv6Address> sources = {addr("2001:db8::1"), addr("2001:db8::2")};
    MldQuerySpec query;
    query.source = kRouter;
    query.group = kGroup;
    query.sources = sources;
    const std::vector<std::pair<
        std::size_t,
        std::function<ecmh::net::Expected<std::size_t, BuildError>(std::span<std::uint8_t>)>>>
        builders = {
            {48 + 28 + 32, [&](auto out) { return build_mld_query(out, query); }},
            {72, [&](auto out) { return build_mld_v1_report(out, kHost, kGroup); }},
            {72, [&](auto out) { return build_mld_v1_done(out, kHost, kGroup); }},
        };
    for (const auto& [size, build] : builders) {
        for (std::size_t n = 0; n < size; ++n) {
            Bytes out(n); // heap, exact: ASan sees any write past it
            const auto built = build(out);
            ASSERT_FALSE(built) << n;
            EXPECT_EQ(built.error(), BuildError::BufferTooSmall) << n;
        }
        Bytes out(size);
        const auto built = build(out);
        ASSERT_TRUE(built);
        EXPECT_EQ(*built, size);
    }
}

// --- pack_mld_v2_report: MTU splitting (item 11, RFC 3810 §5.2.15).

namespace {

// Every report packed from `records`, each parsed back; fails the test on any error.
std::vector<std::vector<RecordSeen>> pack_all(std::span<const MldRecordSpec> records,
                                              std::size_t mtu,
                                              std::vector<std::size_t>* sizes = nullptr) {
    std::vector<std::vector<RecordSeen>> reports;
    PackCursor cursor;
    for (int guard = 0; guard < 1000; ++guard) {
        Bytes out(mtu);
        const auto n = pack_mld_v2_report(out, kHost, mtu, records, cursor);
        EXPECT_TRUE(n) << to_string(n.error());
        if (!n || *n == 0) {
            return reports;
        }
        EXPECT_LE(*n, mtu);
        if (sizes != nullptr) {
            sizes->push_back(*n);
        }
        out.resize(*n);
        const auto ip = parse_ipv6(out);
        EXPECT_TRUE(ip);
        if (!ip) {
            return reports;
        }
        expect_mld_envelope(*ip, kHost, kAllMldv2Routers);
        const auto m = parse_mld(*ip);
        EXPECT_TRUE(m) << to_string(m.error());
        if (!m) {
            return reports;
        }
        reports.push_back(records_of(std::get<MldV2Report>(*m)));
    }
    ADD_FAILURE() << "packing never ended";
    return reports;
}

std::vector<Ipv6Address> numbered(const char* prefix, std::size_t count) {
    std::vector<Ipv6Address> out;
    for (std::size_t i = 1; i <= count; ++i) {
        char text[64];
        std::snprintf(text, sizeof text, "%s%zx", prefix, i);
        out.push_back(addr(text));
    }
    return out;
}

} // namespace

TEST(MldPack, HundredTwentyGroupsSpreadOverReportsOfAtMostTheMtu) {
    const auto groups = numbered("ff0e::1:", 120);
    std::vector<MldRecordSpec> records;
    for (const auto& g : groups) {
        records.push_back({RecordType::ModeIsExclude, g, {}});
    }
    std::vector<std::size_t> sizes;
    const auto reports = pack_all(records, 1500, &sizes);
    // (1500 − 56) / 20 = 72 records per report.
    ASSERT_EQ(reports.size(), 2U);
    EXPECT_EQ(reports[0].size(), 72U);
    EXPECT_EQ(reports[1].size(), 48U);
    EXPECT_EQ(sizes, (std::vector<std::size_t>{56 + 72 * 20, 56 + 48 * 20}));
    std::set<Ipv6Address> seen;
    for (const auto& report : reports) {
        for (const auto& r : report) {
            EXPECT_EQ(r.type, 2);
            EXPECT_TRUE(r.sources.empty());
            seen.insert(r.group);
        }
    }
    EXPECT_EQ(seen, std::set<Ipv6Address>(groups.begin(), groups.end()));
}

TEST(MldPack, AllowWithTwoHundredSourcesIsSplit) {
    const auto sources = numbered("2001:db8:1::", 200);
    const MldRecordSpec records[] = {{RecordType::AllowNewSources, kGroup, sources}};
    std::vector<std::size_t> sizes;
    const auto reports = pack_all(records, 1500, &sizes);
    // 56 + 20 + 16·89 = 1500: 89 sources per full report, then the last 22.
    ASSERT_EQ(reports.size(), 3U);
    EXPECT_EQ(sizes, (std::vector<std::size_t>{1500, 1500, 56 + 20 + 22 * 16}));
    std::vector<Ipv6Address> all;
    for (const auto& report : reports) {
        ASSERT_EQ(report.size(), 1U);
        EXPECT_EQ(report[0].type, 5);
        EXPECT_EQ(report[0].group, kGroup);
        all.insert(all.end(), report[0].sources.begin(), report[0].sources.end());
    }
    EXPECT_EQ(all, sources); // the union, in order, each source once
}

TEST(MldPack, ExcludeRecordsAreTruncatedToWhatFits) {
    const auto sources = numbered("2001:db8:1::", 200);
    for (const auto type : {RecordType::ModeIsExclude, RecordType::ChangeToExcludeMode}) {
        const MldRecordSpec records[] = {{type, kGroup, sources},
                                         {RecordType::AllowNewSources, addr("ff0e::2"), {}}};
        std::vector<std::size_t> sizes;
        const auto reports = pack_all(records, 1500, &sizes);
        ASSERT_EQ(reports.size(), 2U);
        ASSERT_EQ(reports[0].size(), 1U);
        EXPECT_EQ(sizes[0], 1500U);
        EXPECT_EQ(reports[0][0].type, static_cast<std::uint8_t>(type));
        // The same first 89 every time; the rest are not reported.
        EXPECT_EQ(reports[0][0].sources,
                  std::vector<Ipv6Address>(sources.begin(), sources.begin() + 89));
        ASSERT_EQ(reports[1].size(), 1U);
        EXPECT_EQ(reports[1][0].group, addr("ff0e::2"));
    }
}

TEST(MldPack, ARecordThatFitsAReportOfItsOwnIsMovedNotSplit) {
    const auto a = numbered("2001:db8:a::", 60); // 20 + 960 = 980
    const auto b = numbered("2001:db8:b::", 40); // 20 + 640 = 660: 1640 > 1444
    const auto big = numbered("2001:db8:c::", 100);
    const MldRecordSpec records[] = {
        {RecordType::ModeIsInclude, addr("ff0e::a"), a},
        {RecordType::ModeIsInclude, addr("ff0e::b"), b},
        {RecordType::AllowNewSources, addr("ff0e::c"), big},
        {RecordType::BlockOldSources, addr("ff0e::d"), {}},
    };
    const auto reports = pack_all(records, 1500);
    ASSERT_EQ(reports.size(), 4U);
    ASSERT_EQ(reports[0].size(), 1U);
    EXPECT_EQ(reports[0][0].sources.size(), 60U);
    ASSERT_EQ(reports[1].size(), 1U); // b whole; c cannot join it and must be split
    EXPECT_EQ(reports[1][0].sources, b);
    ASSERT_EQ(reports[2].size(), 1U);
    EXPECT_EQ(reports[2][0].sources.size(), 89U);
    ASSERT_EQ(reports[3].size(), 2U); // c's last 11 sources, then the empty BLOCK
    EXPECT_EQ(reports[3][0].group, addr("ff0e::c"));
    EXPECT_EQ(reports[3][0].sources, std::vector<Ipv6Address>(big.begin() + 89, big.end()));
    EXPECT_EQ(reports[3][1].type, 6);
    EXPECT_TRUE(reports[3][1].sources.empty());
}

TEST(MldPack, JumboMtuCarriesTheWholeRecord) {
    const auto sources = numbered("2001:db8:1::", 200);
    const MldRecordSpec records[] = {{RecordType::ModeIsExclude, kGroup, sources}};
    std::vector<std::size_t> sizes;
    const auto reports = pack_all(records, 9000, &sizes);
    ASSERT_EQ(reports.size(), 1U);
    EXPECT_EQ(sizes[0], 56U + 20U + 200U * 16U);
    EXPECT_EQ(reports[0][0].sources, sources);
}

TEST(MldPack, MtuAndBufferLimits) {
    const std::vector<Ipv6Address> one = {addr("2001:db8::1")};
    const MldRecordSpec empty_allow[] = {{RecordType::AllowNewSources, kGroup, {}}};
    const MldRecordSpec allow_one[] = {{RecordType::AllowNewSources, kGroup, one}};
    const MldRecordSpec exclude_one[] = {{RecordType::ModeIsExclude, kGroup, one}};
    Bytes out(100);
    PackCursor cursor;
    // 40 + 8 + 8 + 20 = 76: the smallest report with one (empty) record.
    EXPECT_EQ(pack_mld_v2_report(out, kHost, 75, empty_allow, cursor).error(),
              BuildError::MtuTooSmall);
    EXPECT_EQ(pack_mld_v2_report(out, kHost, 0, empty_allow, cursor).error(),
              BuildError::MtuTooSmall);
    auto n = pack_mld_v2_report(out, kHost, 76, empty_allow, cursor);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 76U);
    EXPECT_EQ(cursor.record, 1U);
    // A split that could never carry a source would never end.
    cursor = {};
    EXPECT_EQ(pack_mld_v2_report(out, kHost, 91, allow_one, cursor).error(),
              BuildError::MtuTooSmall);
    cursor = {};
    n = pack_mld_v2_report(out, kHost, 92, allow_one, cursor);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 92U);
    // Nor may an exclude record be cut to no sources: EXCLUDE {} means every source.
    cursor = {};
    EXPECT_EQ(pack_mld_v2_report(out, kHost, 91, exclude_one, cursor).error(),
              BuildError::MtuTooSmall);
    EXPECT_EQ(cursor.record, 0U);
    // An error leaves the cursor where it was, even after records that did fit.
    const MldRecordSpec then_bad[] = {{RecordType::AllowNewSources, kGroup, {}},
                                      {RecordType::AllowNewSources, addr("2001:db8::9"), {}}};
    cursor = {};
    EXPECT_EQ(pack_mld_v2_report(out, kHost, 100, then_bad, cursor).error(),
              BuildError::InvalidArgument);
    EXPECT_EQ(cursor.record, 0U);
    EXPECT_EQ(cursor.source, 0U);
    // The buffer must hold a whole MTU.
    cursor = {};
    EXPECT_EQ(
        pack_mld_v2_report(std::span<std::uint8_t>(out).first(99), kHost, 100, empty_allow, cursor)
            .error(),
        BuildError::BufferTooSmall);
    // Nothing to pack.
    cursor = {};
    n = pack_mld_v2_report(out, kHost, 100, {}, cursor);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 0U);
}
