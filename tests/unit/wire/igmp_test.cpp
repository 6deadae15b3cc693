// SPDX-License-Identifier: BSD-3-Clause
// parse_igmp, the IGMPv3 record iterator, the builders and pack_igmp_v3_report
// (rfc-map items 2, 3, 5, 7, 8, 9, 10, 11, 12a; Part 3 M1, M2, M6, M9, M11, M17,
// M18).
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/igmp.hpp"
#include "ecmh/wire/link.hpp"
#include "support/ipv4_packets.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace ecmh::wire;
using ecmh::net::Ipv4Address;
using ecmh::test::v4::Bytes;
using ecmh::test::v4::hex;
using ecmh::test::v4::igmp_with_checksum;
using ecmh::test::v4::Ipv4Fields;
using ecmh::test::v4::make_ipv4;

namespace {

const Ipv4Address kHost{0xc633640aU};   // 198.51.100.10
const Ipv4Address kRouter{0xc6336464U}; // 198.51.100.100
const Ipv4Address kG1{0xef010101U};     // 239.1.1.1
const Ipv4Address kG2{0xef010102U};     // 239.1.1.2
const Ipv4Address kSsm{0xe8010101U};    // 232.1.1.1
const Ipv4Address kS1{0xc0000265U};     // 192.0.2.101
const Ipv4Address kS2{0xc0000266U};     // 192.0.2.102

// Message templates with checksums computed by hand (tests/support recomputes nothing
// here, so a checksum bug in the code under test cannot hide behind one in the helper).
const Bytes kV1Query = hex("11 00 ee ff 00 00 00 00");
const Bytes kV2GeneralQuery = hex("11 64 ee 9b 00 00 00 00");
// v3 General Query: MRC 100 (10 s), QRV 2, QQIC 125, N 0.
const Bytes kV3GeneralQuery = hex("11 64 ec 1e 00 00 00 00 02 7d 00 00");
// v3 group-and-source query for 232.1.1.1 with S, QRV 2, MRC 0x8f (248 tenths: the
// "250 → next lower" worked code), QQIC 0x92 (288 s: "300 → next lower").
const Bytes kV3SourceQuery = hex("11 8f 76 0d e8 01 01 01 0a 92 00 02 c0 00 02 65 c0 00 02 66");
// v3 report, 3 records: TO_EX({}) 239.1.1.1; IS_EX({192.0.2.101}) 239.1.1.2 with one
// aux word; ALLOW({.101, .102}) 232.1.1.1: 8 + 8 + (12 + 4 aux) + 16 = 48 octets.
const Bytes kV3Report = hex("22 00 25 1f 00 00 00 03"
                            "04 00 00 00 ef 01 01 01"
                            "02 01 00 01 ef 01 01 02 c0 00 02 65 de ad be ef"
                            "05 00 00 02 e8 01 01 01 c0 00 02 65 c0 00 02 66");

Bytes v12(const char* text) {
    return igmp_with_checksum(hex(text));
}

Bytes wrap(const Bytes& igmp, Ipv4Fields fields = {}) {
    return make_ipv4(fields, igmp);
}

// A second set of IP options in front, for the "with options" variant of M1.
Ipv4Fields with_long_options() {
    Ipv4Fields f;
    f.options = hex("01 94 04 00 00 01 07 07 04 00 00 00 00 00 00 00"); // NOP RA NOP RR EOL
    return f;
}

ecmh::net::Expected<IgmpMessage, ParseError> parse(std::span<const std::uint8_t> bytes) {
    const auto ip = parse_ipv4(bytes);
    if (!ip) {
        return ecmh::net::unexpected(ip.error());
    }
    return parse_igmp(*ip);
}

// Parses a temporary packet, keeping its bytes alive as long as the test binary runs:
// the result holds views into them.
ecmh::net::Expected<IgmpMessage, ParseError> parse(Bytes&& packet) {
    static std::deque<Bytes> kept;
    kept.push_back(std::move(packet));
    return parse(std::span<const std::uint8_t>{kept.back()});
}

template <class T>
T expect_kind(const ecmh::net::Expected<IgmpMessage, ParseError>& m) {
    if (!m.has_value()) {
        ADD_FAILURE() << "parse failed: " << to_string(m.error());
        return T{};
    }
    const auto* v = std::get_if<T>(&*m);
    if (v == nullptr) {
        ADD_FAILURE() << "wrong message kind, index " << m->index();
        return T{};
    }
    return *v;
}

std::vector<Ipv4Address> to_vector(const SourceListView<Ipv4Address>& view) {
    return std::vector<Ipv4Address>(view.begin(), view.end());
}

std::vector<IgmpRecord> records_of(const IgmpV3Report& report) {
    return std::vector<IgmpRecord>(report.begin(), report.end());
}

// The IPv4 packet `build` wrote, checked for what item 5 requires of every IGMP packet.
ecmh::wire::Ipv4Packet check_sent_ip(std::span<const std::uint8_t> packet,
                                     Ipv4Address destination) {
    const auto ip = parse_ipv4(packet);
    EXPECT_TRUE(ip.has_value());
    if (!ip) {
        return {};
    }
    EXPECT_EQ(ip->packet.size(), packet.size()) << "no bytes past Total Length";
    EXPECT_EQ(ip->ttl, 1);
    EXPECT_EQ(ip->tos, 0xc0);
    EXPECT_EQ(ip->protocol, 2);
    EXPECT_EQ(ip->header_length, 24U);
    EXPECT_EQ(ip->router_alert_count, 1);
    EXPECT_EQ(ip->router_alert_value, 0);
    EXPECT_EQ(packet.subspan(20, 4)[0], 0x94);
    EXPECT_EQ(ip->destination, destination);
    EXPECT_EQ(ecmh::net::internet_checksum(ip->payload), 0) << "IGMP checksum";
    return *ip;
}

} // namespace

// --- Byte vectors from the RFCs and the examples of rfc-map.

TEST(IgmpParse, V1QueryFromBytes) {
    const auto q = expect_kind<IgmpQuery>(parse(wrap(kV1Query)));
    EXPECT_EQ(q.version, IgmpVersion::V1);
    EXPECT_EQ(q.max_response_code, 0);
    EXPECT_EQ(q.max_response_tenths, 100U); // RFC 2236 §4: "interpreted as" 10 s
    EXPECT_TRUE(q.is_general());
    EXPECT_TRUE(q.sources.empty());
}

TEST(IgmpParse, V1QueryGroupFieldIsIgnored) {
    // M18: RFC 1112 says the v1 group field is "ignored when received".
    const auto q = expect_kind<IgmpQuery>(parse(wrap(v12("11 00 00 00 ef 01 01 01"))));
    EXPECT_EQ(q.version, IgmpVersion::V1);
    EXPECT_TRUE(q.is_general());
    EXPECT_EQ(q.group, Ipv4Address{});
    // Even a non-multicast group field: nobody reads it.
    const auto u = expect_kind<IgmpQuery>(parse(wrap(v12("11 00 00 00 0a 00 00 01"))));
    EXPECT_EQ(u.version, IgmpVersion::V1);
    EXPECT_TRUE(u.is_general());
}

TEST(IgmpParse, V2QueriesFromBytes) {
    const auto g = expect_kind<IgmpQuery>(parse(wrap(kV2GeneralQuery)));
    EXPECT_EQ(g.version, IgmpVersion::V2);
    EXPECT_EQ(g.max_response_code, 100);
    EXPECT_EQ(g.max_response_tenths, 100U);
    EXPECT_TRUE(g.is_general());

    // MRC 255 is linear in v2: 25.5 s, not the v3 float 31744 (M9).
    const auto s = expect_kind<IgmpQuery>(parse(wrap(v12("11 ff 00 00 ef 01 01 01"))));
    EXPECT_EQ(s.version, IgmpVersion::V2);
    EXPECT_EQ(s.max_response_code, 255);
    EXPECT_EQ(s.max_response_tenths, 255U);
    EXPECT_EQ(s.group, kG1);
    EXPECT_FALSE(s.is_general());
    EXPECT_EQ(s.qrv, 0);
    EXPECT_EQ(s.query_interval_s, 0U);
}

TEST(IgmpParse, V3GeneralQueryFromBytes) {
    const auto q = expect_kind<IgmpQuery>(parse(wrap(kV3GeneralQuery)));
    EXPECT_EQ(q.version, IgmpVersion::V3);
    EXPECT_EQ(q.max_response_code, 0x64);
    EXPECT_EQ(q.max_response_tenths, 100U);
    EXPECT_TRUE(q.is_general());
    EXPECT_FALSE(q.suppress_router_side);
    EXPECT_EQ(q.qrv, 2);
    EXPECT_EQ(q.qqic, 0x7d);
    EXPECT_EQ(q.query_interval_s, 125U);
    EXPECT_TRUE(q.sources.empty());
}

TEST(IgmpParse, V3SourceQueryWithWorkedFloatCodes) {
    const auto q = expect_kind<IgmpQuery>(parse(wrap(kV3SourceQuery)));
    EXPECT_EQ(q.version, IgmpVersion::V3);
    EXPECT_EQ(q.max_response_code, 0x8f);
    EXPECT_EQ(q.max_response_tenths, 248U);
    EXPECT_EQ(q.group, kSsm);
    EXPECT_TRUE(q.suppress_router_side);
    EXPECT_EQ(q.qrv, 2);
    EXPECT_EQ(q.qqic, 0x92);
    EXPECT_EQ(q.query_interval_s, 288U);
    EXPECT_EQ(to_vector(q.sources), (std::vector<Ipv4Address>{kS1, kS2}));
}

TEST(IgmpParse, V3QueryExtremeCodesAndIgnoredResvBits) {
    // MRC 0xff = 31744 tenths, QQIC 0xff = 31744 s, MRC 0x80 = 12.8 s; Resv bits set and
    // QRV 7 (M9). Length 12 + 4 additional octets: accepted (RFC 3376 §4.1.10).
    const auto q = expect_kind<IgmpQuery>(
        parse(wrap(igmp_with_checksum(hex("11 ff 00 00 00 00 00 00 f7 ff 00 00 de ad be ef")))));
    EXPECT_EQ(q.max_response_tenths, 31744U);
    EXPECT_EQ(q.query_interval_s, 31744U);
    EXPECT_EQ(q.qrv, 7);
    EXPECT_FALSE(q.suppress_router_side);
    EXPECT_TRUE(q.sources.empty());
    const auto z = expect_kind<IgmpQuery>(
        parse(wrap(igmp_with_checksum(hex("11 80 00 00 00 00 00 00 08 00 00 00")))));
    EXPECT_EQ(z.max_response_tenths, 128U);
    EXPECT_TRUE(z.suppress_router_side); // S on a general query is harmless (M9)
    EXPECT_EQ(z.qrv, 0);
    EXPECT_EQ(z.query_interval_s, 0U);
}

TEST(IgmpParse, ReportsAndLeaveFromBytes) {
    EXPECT_EQ(expect_kind<IgmpV1Report>(parse(wrap(v12("12 00 00 00 ef 01 01 01")))).group, kG1);
    EXPECT_EQ(expect_kind<IgmpV2Report>(parse(wrap(v12("16 00 00 00 ef 01 01 02")))).group, kG2);
    EXPECT_EQ(expect_kind<IgmpV2Leave>(parse(wrap(hex("17 00 f8 fc ef 01 01 01")))).group, kG1);
    // "MUST ignore anything past the first 8 octets" (RFC 2236 §2.5), checksum included.
    EXPECT_EQ(
        expect_kind<IgmpV2Report>(parse(wrap(v12("16 00 00 00 ef 01 01 02 01 02 03 04")))).group,
        kG2);
}

TEST(IgmpParse, V3ReportFromBytesSkipsAuxData) {
    ASSERT_EQ(kV3Report.size(), 8U + 8 + (8 + 4 + 4) + (8 + 8));
    const auto report = expect_kind<IgmpV3Report>(parse(wrap(kV3Report)));
    ASSERT_EQ(report.record_count(), 3);
    const auto records = records_of(report);
    ASSERT_EQ(records.size(), 3U);
    EXPECT_EQ(records[0].record_type(), RecordType::ChangeToExcludeMode);
    EXPECT_EQ(records[0].group, kG1);
    EXPECT_TRUE(records[0].sources.empty());
    EXPECT_EQ(records[1].record_type(), RecordType::ModeIsExclude);
    EXPECT_EQ(records[1].aux_words, 1);
    EXPECT_EQ(records[1].group, kG2);
    EXPECT_EQ(to_vector(records[1].sources), std::vector<Ipv4Address>{kS1});
    EXPECT_EQ(records[2].record_type(), RecordType::AllowNewSources);
    EXPECT_EQ(records[2].group, kSsm);
    EXPECT_EQ(to_vector(records[2].sources), (std::vector<Ipv4Address>{kS1, kS2}));
    for (const auto& r : records) {
        EXPECT_TRUE(r.known_type());
    }
}

TEST(IgmpParse, UnknownRecordTypeIsYieldedAndTheRestComeOut) {
    // Test 10: type 7 for G1, IS_EX({}) for G2 with 2 aux words, ALLOW({S1}) for 232.1.1.1,
    // then 12 trailing octets covered by the checksum.
    const auto report = expect_kind<IgmpV3Report>(
        parse(wrap(igmp_with_checksum(hex("22 00 00 00 00 00 00 03"
                                          "07 00 00 00 ef 01 01 01"
                                          "02 02 00 00 ef 01 01 02 11 22 33 44 55 66 77 88"
                                          "05 00 00 01 e8 01 01 01 c0 00 02 65"
                                          "aa aa aa aa bb bb bb bb cc cc cc cc")))));
    const auto records = records_of(report);
    ASSERT_EQ(records.size(), 3U);
    EXPECT_FALSE(records[0].known_type());
    EXPECT_EQ(records[0].type, 7);
    EXPECT_EQ(records[0].group, kG1);
    EXPECT_TRUE(records[1].known_type());
    EXPECT_EQ(records[1].record_type(), RecordType::ModeIsExclude);
    EXPECT_EQ(records[1].group, kG2);
    EXPECT_EQ(records[1].aux_words, 2);
    EXPECT_EQ(records[2].record_type(), RecordType::AllowNewSources);
    EXPECT_EQ(to_vector(records[2].sources), std::vector<Ipv4Address>{kS1});
}

TEST(IgmpParse, ReportCountEdgeCases) {
    // M6: M = 0 is an empty report; M smaller than the records present leaves the rest
    // as additional data; aux data that exactly fits is skipped.
    const auto empty =
        expect_kind<IgmpV3Report>(parse(wrap(igmp_with_checksum(hex("22 00 00 00 00 00 00 00")))));
    EXPECT_EQ(empty.record_count(), 0);
    EXPECT_TRUE(records_of(empty).empty());

    auto one = kV3Report;
    one[7] = 1;
    const auto first = expect_kind<IgmpV3Report>(parse(wrap(igmp_with_checksum(one))));
    const auto records = records_of(first);
    ASSERT_EQ(records.size(), 1U);
    EXPECT_EQ(records[0].group, kG1);

    const auto exact = expect_kind<IgmpV3Report>(parse(
        wrap(igmp_with_checksum(hex("22 00 00 00 00 00 00 01 01 03 00 01 ef 01 01 01 c0 00 02 65"
                                    "00 00 00 00 00 00 00 00 00 00 00 00")))));
    const auto r = records_of(exact);
    ASSERT_EQ(r.size(), 1U);
    EXPECT_EQ(r[0].aux_words, 3);
    EXPECT_EQ(to_vector(r[0].sources), std::vector<Ipv4Address>{kS1});
}

// --- Receive policy belongs to the caller (rfc-map item 7).

TEST(IgmpParse, DoesNotRequireRouterAlertOrTtlOne) {
    Ipv4Fields f;
    f.options.clear();
    f.ttl = 64;
    f.source = Ipv4Address{}; // RFC 3376 §4.2.13: reports from 0.0.0.0 are valid
    f.destination = kHost;    // an IGMPv3 report to a unicast address (M18)
    const auto report = expect_kind<IgmpV3Report>(parse(wrap(kV3Report, f)));
    EXPECT_EQ(report.record_count(), 3);
    const auto q = expect_kind<IgmpQuery>(parse(wrap(kV3GeneralQuery, f)));
    EXPECT_EQ(q.version, IgmpVersion::V3);
}

// --- Every ParseError parse_ipv4 + parse_igmp can return, one crafted packet each.

TEST(IgmpParse, EveryErrorFromOneCraftedPacket) {
    Ipv4Fields fragment;
    fragment.flags_offset = 0x2000; // MF
    Ipv4Fields later_fragment;
    later_fragment.flags_offset = 0x0001;
    Ipv4Fields udp;
    udp.protocol = 17;
    auto bad_ihl = wrap(kV2GeneralQuery);
    bad_ihl[0] = 0x44;
    ecmh::test::v4::fix_header_checksum(bad_ihl);
    auto bad_ip_checksum = wrap(kV2GeneralQuery);
    bad_ip_checksum[10] ^= 0x80;
    auto v6 = wrap(kV2GeneralQuery);
    v6[0] = 0x66;
    Ipv4Fields bad_option;
    bad_option.options = hex("94 04 00 00 88 01 00 00");
    auto off_by_one = kV2GeneralQuery;
    off_by_one[3] = static_cast<std::uint8_t>(off_by_one[3] + 1);
    auto zero_checksum = kV3Report;
    zero_checksum[2] = zero_checksum[3] = 0;
    auto ffff_checksum = kV3Report;
    ffff_checksum[2] = ffff_checksum[3] = 0xff;
    // The checksum over only the 8 defined octets, with 4 trailing ones (M2).
    auto fixed_part_only = kV2GeneralQuery;
    fixed_part_only.insert(fixed_part_only.end(), {1, 2, 3, 4});

    const struct {
        const char* name;
        Bytes packet;
        ParseError expected;
    } rows[] = {
        {"ip truncated", Bytes(20, 0x45), ParseError::Truncated},
        {"ip version", v6, ParseError::BadVersion},
        {"ip IHL 4", bad_ihl, ParseError::BadLength},
        {"ip header checksum", bad_ip_checksum, ParseError::BadHeaderChecksum},
        {"ip option length 1", wrap(kV2GeneralQuery, bad_option), ParseError::BadOption},
        {"more fragments", wrap(kV2GeneralQuery, fragment), ParseError::Fragmented},
        {"offset 8", wrap(kV2GeneralQuery, later_fragment), ParseError::Fragmented},
        {"not protocol 2", wrap(kV2GeneralQuery, udp), ParseError::UnknownType},
        {"7-octet message", wrap(hex("11 64 ee 9b 00 00 00")), ParseError::Truncated},
        {"empty payload", wrap({}), ParseError::Truncated},
        {"checksum + 1", wrap(off_by_one), ParseError::BadChecksum},
        {"checksum 0000", wrap(zero_checksum), ParseError::BadChecksum},
        {"checksum ffff", wrap(ffff_checksum), ParseError::BadChecksum},
        {"checksum over fixed part only", wrap(fixed_part_only), ParseError::BadChecksum},
        {"type 0x13 (DVMRP)", wrap(v12("13 00 00 00 00 00 00 00")), ParseError::UnknownType},
        {"type 0x1e", wrap(v12("1e 00 00 00 00 00 00 00")), ParseError::UnknownType},
        {"type 0xff", wrap(v12("ff 00 00 00 00 00 00 00")), ParseError::UnknownType},
        {"query of 10 octets", wrap(v12("11 64 00 00 00 00 00 00 00 00")),
         ParseError::BadQueryLength},
        {"v3 query N past the end", wrap(v12("11 64 00 00 e8 01 01 01 02 7d 00 03 c0 00 02 65")),
         ParseError::RecordOverrun},
        {"v3 report M past the end", wrap(v12("22 00 00 00 00 00 00 01")),
         ParseError::RecordOverrun},
        {"v3 general query with N 1", wrap(v12("11 64 00 00 00 00 00 00 02 7d 00 01 c0 00 02 65")),
         ParseError::SourcesInGeneralQuery},
        {"v2 query for a unicast group", wrap(v12("11 64 00 00 0a 00 00 01")),
         ParseError::InvalidGroup},
        {"v3 query for 255.255.255.255", wrap(v12("11 64 00 00 ff ff ff ff 02 7d 00 00")),
         ParseError::InvalidGroup},
    };
    for (const auto& row : rows) {
        const auto m = parse(row.packet);
        ASSERT_FALSE(m.has_value()) << row.name;
        EXPECT_EQ(m.error(), row.expected) << row.name << ": got " << to_string(m.error());
    }
}

TEST(IgmpParse, NotProtocolTwoIsCheckedAfterFragmentsAndBeforeLength) {
    Ipv4Fields udp;
    udp.protocol = 17;
    EXPECT_EQ(parse(wrap({}, udp)).error(), ParseError::UnknownType);
    udp.flags_offset = 0x2000;
    EXPECT_EQ(parse(wrap({}, udp)).error(), ParseError::Fragmented);
}

// --- Item 8: the query version comes from the IP-derived length.

TEST(IgmpParse, QueryVersionTable) {
    const struct {
        std::size_t length;
        std::uint8_t code;
        bool ok;
        IgmpVersion version;
    } rows[] = {
        {8, 0, true, IgmpVersion::V1},
        {8, 100, true, IgmpVersion::V2},
        {9, 100, false, {}},
        {10, 100, false, {}},
        {11, 100, false, {}},
        {12, 100, true, IgmpVersion::V3},
        {12, 0, true, IgmpVersion::V3}, // MRC 0 in a v3 query is still v3 (item 9 e)
    };
    for (const auto& row : rows) {
        Bytes message(row.length, 0);
        message[0] = 0x11;
        message[1] = row.code;
        const auto packet = wrap(igmp_with_checksum(message));
        ASSERT_EQ(packet.size(), 24 + row.length);
        ASSERT_EQ((std::size_t{packet[2]} << 8) | packet[3], 24 + row.length); // Total Length
        const auto m = parse(packet);
        if (!row.ok) {
            ASSERT_FALSE(m.has_value()) << row.length;
            EXPECT_EQ(m.error(), ParseError::BadQueryLength) << row.length;
            continue;
        }
        const auto q = expect_kind<IgmpQuery>(m);
        EXPECT_EQ(q.version, row.version) << row.length << "/" << int{row.code};
        EXPECT_EQ(q.max_response_tenths, row.version == IgmpVersion::V1 ? 100U : row.code);
    }
}

TEST(IgmpParse, V2QueryInPaddedEthernetFrameIsV2) {
    // Item 12a: 14 + 24 + 8 = 46 bytes, padded to 60 with non-zero bytes. Taking the
    // frame length would make it a 22-octet "v3" query with a failing checksum.
    Bytes frame = hex("01 00 5e 00 00 01 02 00 00 00 00 01 08 00");
    const auto ip = wrap(kV2GeneralQuery);
    frame.insert(frame.end(), ip.begin(), ip.end());
    frame.resize(60, 0x5a);
    const auto link = parse_link_frame(LinkType::Ethernet, frame);
    ASSERT_TRUE(link.has_value());
    ASSERT_EQ(link->payload.size(), 46U);
    const auto packet = parse_ipv4(link->payload);
    ASSERT_TRUE(packet.has_value());
    EXPECT_EQ(packet->payload.size(), 8U);
    const auto q = expect_kind<IgmpQuery>(parse_igmp(*packet));
    EXPECT_EQ(q.version, IgmpVersion::V2);
    EXPECT_EQ(q.max_response_tenths, 100U);
    EXPECT_TRUE(q.is_general());
    // The same for a Leave (any v1/v2 message).
    Bytes leave_frame(frame.begin(), frame.begin() + 14);
    const auto leave = wrap(hex("17 00 f8 fc ef 01 01 01"));
    leave_frame.insert(leave_frame.end(), leave.begin(), leave.end());
    leave_frame.resize(60, 0xff);
    const auto lp = parse_ipv4(std::span{leave_frame}.subspan(14));
    ASSERT_TRUE(lp.has_value());
    EXPECT_EQ(expect_kind<IgmpV2Leave>(parse_igmp(*lp)).group, kG1);
}

// --- M1: every truncation of every template, with and without IP options in front.

namespace {

struct Template {
    const char* name;
    Bytes message;
    bool query;
};

std::vector<Template> templates() {
    return {
        {"v1 query", kV1Query, true},
        {"v2 query", v12("11 64 00 00 ef 01 01 01"), true},
        {"v1 report", v12("12 00 00 00 ef 01 01 01"), false},
        {"v2 report", v12("16 00 00 00 ef 01 01 01"), false},
        {"v2 leave", v12("17 00 00 00 ef 01 01 01"), false},
        {"v3 query, 2 sources", kV3SourceQuery, true},
        {"v3 report, 3 records", kV3Report, false},
    };
}

// What a self-consistent (length and checksums fixed) cut to L octets must give.
// A query cut to 8 octets *is* a valid 8-octet query; everything else is an error.
bool consistent_cut_accepted(const Template& t, std::size_t length, ParseError& expected) {
    if (length < 8) {
        expected = ParseError::Truncated;
        return false;
    }
    if (t.query && length == 8) {
        return true;
    }
    if (t.query && length < 12) {
        expected = ParseError::BadQueryLength;
        return false;
    }
    expected = ParseError::RecordOverrun; // v3 query N or report M no longer fits
    return false;
}

} // namespace

TEST(IgmpHostile, EveryTruncationOfEveryTemplate) {
    for (const auto& fields : {Ipv4Fields{}, with_long_options()}) {
        for (const auto& t : templates()) {
            const auto whole = wrap(t.message, fields);
            ASSERT_TRUE(parse(whole).has_value()) << t.name;
            const auto header = ecmh::test::v4::ihl_bytes(whole);
            for (std::size_t length = 0; length < t.message.size(); ++length) {
                const auto cut = ecmh::test::v4::truncate_consistent(whole, length);
                ParseError expected{};
                const auto m = parse(cut);
                if (consistent_cut_accepted(t, length, expected)) {
                    const auto q = expect_kind<IgmpQuery>(m);
                    EXPECT_NE(q.version, IgmpVersion::V3) << t.name << " cut to " << length;
                } else {
                    ASSERT_FALSE(m.has_value()) << t.name << " cut to " << length;
                    EXPECT_EQ(m.error(), expected) << t.name << " cut to " << length;
                }
            }
            // (b) lying: Total Length claims the whole message; every frame cut, header
            // included, is Truncated.
            for (std::size_t frame = 0; frame < whole.size(); ++frame) {
                const auto m = parse(ecmh::test::v4::truncate_lying(whole, frame));
                ASSERT_FALSE(m.has_value()) << t.name << " frame " << frame;
                EXPECT_EQ(m.error(), ParseError::Truncated)
                    << t.name << " frame " << frame << " (header " << header << ")";
            }
        }
    }
}

TEST(IgmpHostile, CountsThatOverflow) {
    // M6: every count is compared in size_t against the message, never summed in 16 bits.
    const struct {
        const char* name;
        const char* message;
    } rows[] = {
        {"M 65535 with one real record", "22 00 00 00 00 00 ff ff 02 00 00 00 ef 01 01 01"},
        {"N 65535", "22 00 00 00 00 00 00 01 01 00 ff ff ef 01 01 01 c0 00 02 65"},
        // 8 + 4·16384 = 65544 wraps to 8 in 16 bits: the record would "fit" exactly.
        {"N 16384 (16-bit wrap)", "22 00 00 00 00 00 00 01 01 00 40 00 ef 01 01 01"},
        {"aux 255", "22 00 00 00 00 00 00 01 02 ff 00 00 ef 01 01 01 00 00 00 00"},
        {"N 65535 and aux 255", "22 00 00 00 00 00 00 01 01 ff ff ff ef 01 01 01"},
        {"aux 1 short by a byte", "22 00 00 00 00 00 00 01 02 01 00 00 ef 01 01 01 00 00 00"},
        {"record header cut", "22 00 00 00 00 00 00 02 02 00 00 00 ef 01 01 01 02 00 00"},
        {"query N 65535", "11 64 00 00 e8 01 01 01 02 7d ff ff c0 00 02 65"},
        {"query N 16384", "11 64 00 00 e8 01 01 01 02 7d 40 00"},
    };
    for (const auto& row : rows) {
        const auto m = parse(wrap(igmp_with_checksum(hex(row.message))));
        ASSERT_FALSE(m.has_value()) << row.name;
        EXPECT_EQ(m.error(), ParseError::RecordOverrun) << row.name;
    }
}

TEST(IgmpHostile, QueryWithFewerOrMoreSourcesThanN) {
    // M6: one source short → ignore; four more octets than N implies → accept.
    EXPECT_EQ(parse(wrap(v12("11 64 00 00 e8 01 01 01 02 7d 00 02 c0 00 02 65"))).error(),
              ParseError::RecordOverrun);
    const auto q = expect_kind<IgmpQuery>(
        parse(wrap(v12("11 64 00 00 e8 01 01 01 02 7d 00 01 c0 00 02 65 c0 00 02 66"))));
    EXPECT_EQ(to_vector(q.sources), std::vector<Ipv4Address>{kS1});
}

TEST(IgmpHostile, IteratorOverAnUnvalidatedSpanStops) {
    // A report built by hand from a lying span: the walk must end, not run off.
    const auto bytes = hex("01 00 00 05 ef 01 01 01 c0 00 02 65");
    const IgmpV3Report report{bytes, 3};
    std::size_t seen = 0;
    for (const auto& r : report) {
        EXPECT_LE(r.sources.raw().size(), 4U);
        ++seen;
        ASSERT_LT(seen, 10U);
    }
    EXPECT_EQ(seen, 1U);
}

// --- Builders: build → parse, every field.

TEST(IgmpBuild, V3GeneralQueryRoundTrip) {
    std::array<std::uint8_t, 1500> out{};
    IgmpQuerySpec spec;
    spec.source = kRouter;
    spec.max_response_tenths = 256;
    spec.robustness = 3;
    spec.query_interval_s = 300;
    const auto n = build_igmp_query(out, spec);
    ASSERT_TRUE(n.has_value());
    ASSERT_EQ(*n, 24U + 12);
    const auto packet = std::span{out}.first(*n);
    const auto ip = check_sent_ip(packet, kAllSystems);
    EXPECT_EQ(ip.source, kRouter);
    const auto q = expect_kind<IgmpQuery>(parse(packet));
    EXPECT_EQ(q.version, IgmpVersion::V3);
    EXPECT_EQ(q.max_response_code, 0x90); // worked code: 256 → 0x90
    EXPECT_EQ(q.max_response_tenths, 256U);
    EXPECT_TRUE(q.is_general());
    EXPECT_FALSE(q.suppress_router_side);
    EXPECT_EQ(q.qrv, 3);
    EXPECT_EQ(q.qqic, 0x92); // 300 → next lower, 288
    EXPECT_EQ(q.query_interval_s, 288U);
    EXPECT_TRUE(q.sources.empty());
}

TEST(IgmpBuild, V3DefaultGeneralQueryIsByteExact) {
    std::array<std::uint8_t, 64> out{};
    IgmpQuerySpec spec;
    spec.source = kRouter; // defaults: MRC 100, QRV 2, QQIC 125
    const auto n = build_igmp_query(out, spec);
    ASSERT_TRUE(n.has_value());
    const Bytes expected = hex("46 c0 00 24 00 00 00 00 01 02 19 7b c6 33 64 64 e0 00 00 01"
                               "94 04 00 00"
                               "11 64 ec 1e 00 00 00 00 02 7d 00 00");
    EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n)), expected);
}

TEST(IgmpBuild, V3SourceQueryRoundTrip) {
    std::array<std::uint8_t, 1500> out{};
    const std::array<Ipv4Address, 2> sources{kS1, kS2};
    IgmpQuerySpec spec;
    spec.source = kRouter;
    spec.group = kSsm;
    spec.max_response_tenths = 10;
    spec.suppress_router_side = true;
    spec.robustness = 8; // > 7 → QRV 0
    spec.query_interval_s = 125;
    spec.sources = sources;
    const auto n = build_igmp_query(out, spec);
    ASSERT_TRUE(n.has_value());
    ASSERT_EQ(*n, 24U + 12 + 4 * 2);
    const auto packet = std::span{out}.first(*n);
    check_sent_ip(packet, kSsm); // specific queries go to the group
    const auto q = expect_kind<IgmpQuery>(parse(packet));
    EXPECT_EQ(q.version, IgmpVersion::V3);
    EXPECT_EQ(q.max_response_tenths, 10U);
    EXPECT_EQ(q.group, kSsm);
    EXPECT_TRUE(q.suppress_router_side);
    EXPECT_EQ(q.qrv, 0);
    EXPECT_EQ(q.query_interval_s, 125U);
    EXPECT_EQ(to_vector(q.sources), (std::vector<Ipv4Address>{kS1, kS2}));
}

TEST(IgmpBuild, V2QueriesRoundTripWithLinearClampedCode) {
    const struct {
        Ipv4Address group;
        std::uint32_t tenths;
        std::uint8_t code;
        Ipv4Address destination;
    } rows[] = {
        {Ipv4Address{}, 100, 100, kAllSystems},
        {kG1, 10, 10, kG1},
        {kG1, 255, 255, kG1},
        {kG1, 1000, 255, kG1},              // clamped to 25.5 s
        {Ipv4Address{}, 0, 1, kAllSystems}, // never 0: that would read as IGMPv1
    };
    for (const auto& row : rows) {
        std::array<std::uint8_t, 64> out{};
        IgmpQuerySpec spec;
        spec.version = IgmpVersion::V2;
        spec.source = kRouter;
        spec.group = row.group;
        spec.max_response_tenths = row.tenths;
        const auto n = build_igmp_query(out, spec);
        ASSERT_TRUE(n.has_value());
        ASSERT_EQ(*n, 24U + 8);
        const auto packet = std::span{out}.first(*n);
        check_sent_ip(packet, row.destination);
        const auto q = expect_kind<IgmpQuery>(parse(packet));
        EXPECT_EQ(q.version, IgmpVersion::V2) << row.tenths;
        EXPECT_EQ(q.max_response_code, row.code) << row.tenths;
        EXPECT_EQ(q.max_response_tenths, row.code) << row.tenths;
        EXPECT_EQ(q.group, row.group);
    }
}

TEST(IgmpBuild, V1QueryIsEightOctetsWithCodeZero) {
    std::array<std::uint8_t, 64> out{};
    IgmpQuerySpec spec;
    spec.version = IgmpVersion::V1;
    spec.source = kRouter;
    spec.max_response_tenths = 50; // not sent: v1 has no Max Resp Time
    const auto n = build_igmp_query(out, spec);
    ASSERT_TRUE(n.has_value());
    ASSERT_EQ(*n, 24U + 8);
    const auto packet = std::span{out}.first(*n);
    check_sent_ip(packet, kAllSystems);
    EXPECT_EQ(Bytes(packet.begin() + 24, packet.end()), kV1Query);
    const auto q = expect_kind<IgmpQuery>(parse(packet));
    EXPECT_EQ(q.version, IgmpVersion::V1);
    EXPECT_EQ(q.max_response_tenths, 100U);
}

TEST(IgmpBuild, ReportsAndLeaveRoundTrip) {
    std::array<std::uint8_t, 64> out{};
    auto n = build_igmp_v1_report(out, kHost, kG1);
    ASSERT_TRUE(n.has_value());
    ASSERT_EQ(*n, 32U);
    check_sent_ip(std::span{out}.first(*n), kG1);
    EXPECT_EQ(expect_kind<IgmpV1Report>(parse(std::span{out}.first(*n))).group, kG1);

    n = build_igmp_v2_report(out, kHost, kG2);
    ASSERT_TRUE(n.has_value());
    ASSERT_EQ(*n, 32U);
    check_sent_ip(std::span{out}.first(*n), kG2);
    EXPECT_EQ(expect_kind<IgmpV2Report>(parse(std::span{out}.first(*n))).group, kG2);
    EXPECT_EQ(out[25], 0); // Max Resp Time 0 in reports

    n = build_igmp_v2_leave(out, kHost, kG1);
    ASSERT_TRUE(n.has_value());
    ASSERT_EQ(*n, 32U);
    // Byte for byte the hand-made Leave of ipv4_test.
    EXPECT_EQ(Bytes(out.begin(), out.begin() + 32),
              hex("46 c0 00 20 00 00 00 00 01 02 19 d8 c6 33 64 0a e0 00 00 02 94 04 00 00"
                  "17 00 f8 fc ef 01 01 01"));
    EXPECT_EQ(expect_kind<IgmpV2Leave>(parse(std::span{out}.first(*n))).group, kG1);
}

TEST(IgmpBuild, RejectsBadArguments) {
    std::array<std::uint8_t, 64> out{};
    const std::array<Ipv4Address, 1> one{kS1};
    const auto query_error = [&](IgmpQuerySpec spec) {
        const auto n = build_igmp_query(out, spec);
        return n.has_value() ? std::string{"built"} : std::string{to_string(n.error())};
    };
    IgmpQuerySpec unicast;
    unicast.group = kHost;
    EXPECT_EQ(query_error(unicast), "invalid-argument");
    IgmpQuerySpec general_with_sources;
    general_with_sources.sources = one;
    EXPECT_EQ(query_error(general_with_sources), "invalid-argument");
    IgmpQuerySpec v2_with_sources;
    v2_with_sources.version = IgmpVersion::V2;
    v2_with_sources.group = kG1;
    v2_with_sources.sources = one;
    EXPECT_EQ(query_error(v2_with_sources), "invalid-argument");
    IgmpQuerySpec v1_specific;
    v1_specific.version = IgmpVersion::V1;
    v1_specific.group = kG1;
    EXPECT_EQ(query_error(v1_specific), "invalid-argument");
    const std::vector<Ipv4Address> too_many(16378, kS1); // 24 + 12 + 4·16378 > 65535
    IgmpQuerySpec huge;
    huge.group = kG1;
    huge.sources = too_many;
    EXPECT_EQ(query_error(huge), "too-many-sources");

    EXPECT_EQ(build_igmp_v1_report(out, kHost, kHost).error(), BuildError::InvalidArgument);
    EXPECT_EQ(build_igmp_v2_report(out, kHost, Ipv4Address{}).error(), BuildError::InvalidArgument);
    EXPECT_EQ(build_igmp_v2_leave(out, kHost, Ipv4Address{0xffffffffU}).error(),
              BuildError::InvalidArgument);
}

TEST(IgmpBuild, BufferTooSmallAtEverySize) {
    std::array<std::uint8_t, 64> out{};
    const std::array<Ipv4Address, 2> sources{kS1, kS2};
    IgmpQuerySpec spec;
    spec.group = kSsm;
    spec.sources = sources;
    for (std::size_t size = 0; size < 44; ++size) {
        EXPECT_EQ(build_igmp_query(std::span{out}.first(size), spec).error(),
                  BuildError::BufferTooSmall)
            << size;
    }
    EXPECT_TRUE(build_igmp_query(std::span{out}.first(44), spec).has_value());
    for (std::size_t size = 0; size < 32; ++size) {
        EXPECT_EQ(build_igmp_v2_report(std::span{out}.first(size), kHost, kG1).error(),
                  BuildError::BufferTooSmall)
            << size;
    }
    EXPECT_TRUE(build_igmp_v2_leave(std::span{out}.first(32), kHost, kG1).has_value());
}

// --- pack_igmp_v3_report (item 11, RFC 3376 §4.2.16).

namespace {

struct Packed {
    std::vector<Bytes> packets;
    // (type, group) → sources in order, over all packets; and records per packet.
    std::map<std::pair<int, std::uint32_t>, std::vector<Ipv4Address>> sources;
    std::size_t records = 0;
};

Packed pack_all(std::span<const IgmpRecordSpec> records, std::size_t mtu) {
    Packed result;
    PackCursor cursor;
    std::vector<std::uint8_t> out(mtu + 100);
    for (int guard = 0; guard < 1000; ++guard) {
        const auto n = pack_igmp_v3_report(out, kHost, mtu, records, cursor);
        EXPECT_TRUE(n.has_value());
        if (!n || *n == 0) {
            return result;
        }
        EXPECT_LE(*n, mtu);
        const auto packet = std::span{out}.first(*n);
        const auto ip = check_sent_ip(packet, kAllIgmpv3Routers);
        EXPECT_EQ(ip.source, kHost);
        result.packets.emplace_back(packet.begin(), packet.end());
        const auto report = expect_kind<IgmpV3Report>(parse(packet));
        EXPECT_GT(report.record_count(), 0);
        // Exact length: 8 + Σ(8 + 4N), no aux, no trailing bytes.
        std::size_t length = 8;
        for (const auto& r : report) {
            EXPECT_EQ(r.aux_words, 0);
            auto& list = result.sources[{r.type, r.group.value()}];
            list.insert(list.end(), r.sources.begin(), r.sources.end());
            length += 8 + 4 * r.sources.size();
            ++result.records;
        }
        EXPECT_EQ(ip.payload.size(), length);
    }
    ADD_FAILURE() << "packing did not terminate";
    return result;
}

std::vector<Ipv4Address> make_sources(std::size_t n) {
    std::vector<Ipv4Address> v;
    for (std::size_t i = 0; i < n; ++i) {
        v.emplace_back(0x0a000000U + static_cast<std::uint32_t>(i) + 1);
    }
    return v;
}

} // namespace

TEST(IgmpPack, HundredTwentyGroupsFitAndTheUnionIsTheInput) {
    const auto sources = make_sources(7);
    std::vector<IgmpRecordSpec> records;
    for (std::uint32_t i = 0; i < 120; ++i) {
        IgmpRecordSpec r;
        r.type = i % 2 == 0 ? RecordType::ModeIsExclude : RecordType::ModeIsInclude;
        r.group = Ipv4Address{0xef000000U + i};
        r.sources = std::span{sources}.first(i % 8); // 8 + 4·(0..7) bytes each
        records.push_back(r);
    }
    const auto packed = pack_all(records, 1500);
    EXPECT_GE(packed.packets.size(), 2U); // 120 records of ~22 bytes do not fit one
    EXPECT_EQ(packed.records, 120U);      // nothing was split
    ASSERT_EQ(packed.sources.size(), 120U);
    for (const auto& r : records) {
        const auto it = packed.sources.find({static_cast<int>(r.type), r.group.value()});
        ASSERT_NE(it, packed.sources.end());
        EXPECT_EQ(it->second, std::vector<Ipv4Address>(r.sources.begin(), r.sources.end()));
    }
}

TEST(IgmpPack, AllowWithSixHundredSourcesIsSplit) {
    const auto sources = make_sources(600);
    const IgmpRecordSpec allow{RecordType::AllowNewSources, kG1, sources};
    const auto packed = pack_all(std::span{&allow, 1}, 1500);
    // (1500 − 24 − 8 − 8) / 4 = 365 sources per record.
    ASSERT_EQ(packed.packets.size(), 2U);
    EXPECT_EQ(packed.packets[0].size(), 1500U); // 24 + 8 + 8 + 4·365 = 1500
    EXPECT_EQ(packed.records, 2U);
    const auto& all = packed.sources.at({5, kG1.value()});
    EXPECT_EQ(all, sources);
    EXPECT_EQ(std::set<Ipv4Address>(all.begin(), all.end()).size(), 600U);
}

TEST(IgmpPack, SplitRemainderSharesAReportWithTheNextRecord) {
    const auto sources = make_sources(400);
    const std::array<IgmpRecordSpec, 2> records{
        IgmpRecordSpec{RecordType::BlockOldSources, kG1, sources},
        IgmpRecordSpec{RecordType::ChangeToExcludeMode, kG2, {}},
    };
    const auto packed = pack_all(records, 1500);
    ASSERT_EQ(packed.packets.size(), 2U);
    EXPECT_EQ(packed.sources.at({6, kG1.value()}), sources);
    EXPECT_TRUE(packed.sources.at({4, kG2.value()}).empty());
    EXPECT_EQ(packed.packets[1].size(), 24U + 8 + (8 + 4 * 35) + 8);
}

TEST(IgmpPack, IsExWithSixHundredSourcesIsTruncatedToOneRecord) {
    const auto sources = make_sources(600);
    for (const auto type : {RecordType::ModeIsExclude, RecordType::ChangeToExcludeMode}) {
        const IgmpRecordSpec ex{type, kG1, sources};
        const auto packed = pack_all(std::span{&ex, 1}, 1500);
        ASSERT_EQ(packed.packets.size(), 1U);
        EXPECT_EQ(packed.records, 1U);
        EXPECT_EQ(packed.packets[0].size(), 1500U);
        const auto& sent = packed.sources.at({static_cast<int>(type), kG1.value()});
        EXPECT_EQ(sent, std::vector<Ipv4Address>(sources.begin(), sources.begin() + 365));
    }
}

TEST(IgmpPack, RecordThatDoesNotFitGoesToTheNextReport) {
    const auto sources = make_sources(300);
    const std::array<IgmpRecordSpec, 2> records{
        IgmpRecordSpec{RecordType::ModeIsInclude, kG1, std::span{sources}.first(200)},
        IgmpRecordSpec{RecordType::ModeIsInclude, kG2, std::span{sources}.first(200)},
    };
    const auto packed = pack_all(records, 1500);
    ASSERT_EQ(packed.packets.size(), 2U); // not split: each fits a report of its own
    EXPECT_EQ(packed.records, 2U);
    EXPECT_EQ(packed.packets[0].size(), 24U + 8 + 8 + 800);
}

TEST(IgmpPack, MtuTooSmallAndOtherErrors) {
    std::array<std::uint8_t, 100> out{};
    const auto sources = make_sources(3);
    const IgmpRecordSpec empty_ex{RecordType::ModeIsExclude, kG1, {}};
    const IgmpRecordSpec allow{RecordType::AllowNewSources, kG1, sources};
    PackCursor cursor;
    // 24 + 8 + 8 = 40 is the smallest report; an ALLOW needs one source more.
    EXPECT_EQ(pack_igmp_v3_report(out, kHost, 39, std::span{&empty_ex, 1}, cursor).error(),
              BuildError::MtuTooSmall);
    EXPECT_EQ(pack_igmp_v3_report(out, kHost, 0, std::span{&empty_ex, 1}, cursor).error(),
              BuildError::MtuTooSmall);
    EXPECT_EQ(pack_igmp_v3_report(out, kHost, 43, std::span{&allow, 1}, cursor).error(),
              BuildError::MtuTooSmall);
    EXPECT_EQ(cursor.record, 0U);
    auto n = pack_igmp_v3_report(out, kHost, 40, std::span{&empty_ex, 1}, cursor);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(*n, 40U);
    EXPECT_EQ(cursor.record, 1U);
    n = pack_igmp_v3_report(out, kHost, 40, std::span{&empty_ex, 1}, cursor);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(*n, 0U); // past the end

    PackCursor fresh;
    EXPECT_EQ(
        pack_igmp_v3_report(std::span{out}.first(39), kHost, 1500, std::span{&empty_ex, 1}, fresh)
            .error(),
        BuildError::BufferTooSmall);
    EXPECT_EQ(fresh.record, 0U); // the cursor moves only with a packet
    const IgmpRecordSpec unicast{RecordType::ModeIsExclude, kHost, {}};
    EXPECT_EQ(pack_igmp_v3_report(out, kHost, 1500, std::span{&unicast, 1}, fresh).error(),
              BuildError::InvalidArgument);
    EXPECT_EQ(pack_igmp_v3_report(out, kHost, 1500, {}, fresh).value(), 0U);
}

TEST(IgmpPack, AllowAtTheSmallestMtuMakesProgress) {
    const auto sources = make_sources(3);
    const IgmpRecordSpec allow{RecordType::AllowNewSources, kG1, sources};
    const auto packed = pack_all(std::span{&allow, 1}, 44); // one source per report
    EXPECT_EQ(packed.packets.size(), 3U);
    EXPECT_EQ(packed.sources.at({5, kG1.value()}), sources);
}

TEST(IgmpPack, JumboMtuIsCappedAtTotalLength) {
    const auto sources = make_sources(20000);
    const IgmpRecordSpec allow{RecordType::AllowNewSources, kG1, sources};
    const auto packed = pack_all(std::span{&allow, 1}, 100000);
    ASSERT_EQ(packed.packets.size(), 2U);
    EXPECT_LE(packed.packets[0].size(), 65535U);
    EXPECT_EQ(packed.sources.at({5, kG1.value()}), sources);
}
