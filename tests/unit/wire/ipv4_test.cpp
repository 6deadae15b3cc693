// SPDX-License-Identifier: BSD-3-Clause
// parse_ipv4 and write_ipv4_header: RFC 791 header fields, lengths (Total Length wins
// over the frame), the header checksum, and the option walk with its traps
// (rfc-map item 5, M11).
#include "ecmh/net/byte_writer.hpp"
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/ipv4.hpp"
#include "support/ipv4_packets.hpp"

#include <array>
#include <gtest/gtest.h>
#include <vector>

using namespace ecmh::wire;
using ecmh::net::Ipv4Address;
using ecmh::test::v4::Bytes;
using ecmh::test::v4::hex;
using ecmh::test::v4::Ipv4Fields;
using ecmh::test::v4::make_ipv4;

namespace {

// An IGMPv2 Leave for 239.1.1.1 from 198.51.100.10, exactly as item 5 says it is sent:
// TOS 0xc0, TTL 1, Router Alert '94 04 00 00' (IHL 6), to 224.0.0.2. Checksums by hand.
const Bytes kLeavePacket = hex("46 c0 00 20 00 00 00 00 01 02 19 d8 c6 33 64 0a e0 00 00 02"
                               "94 04 00 00"
                               "17 00 f8 fc ef 01 01 01");

Bytes with_options(Bytes options) {
    Ipv4Fields f;
    f.options = std::move(options);
    const auto payload = hex("17 00 f8 fc ef 01 01 01");
    return make_ipv4(f, payload);
}

} // namespace

TEST(Ipv4Parse, ReadsEveryHeaderField) {
    const auto p = parse_ipv4(kLeavePacket);
    ASSERT_TRUE(p.has_value()) << to_string(p.error());
    EXPECT_EQ(p->source, Ipv4Address{0xc633640aU});
    EXPECT_EQ(p->destination, Ipv4Address{0xe0000002U});
    EXPECT_EQ(p->tos, 0xc0);
    EXPECT_EQ(p->ttl, 1);
    EXPECT_EQ(p->protocol, 2);
    EXPECT_EQ(p->identification, 0);
    EXPECT_FALSE(p->dont_fragment);
    EXPECT_FALSE(p->more_fragments);
    EXPECT_EQ(p->fragment_offset, 0);
    EXPECT_FALSE(p->is_fragment());
    EXPECT_EQ(p->header_length, 24U);
    EXPECT_EQ(p->packet.size(), 32U);
    EXPECT_EQ(p->packet.data(), kLeavePacket.data());
    ASSERT_EQ(p->payload.size(), 8U);
    EXPECT_EQ(p->payload.data(), kLeavePacket.data() + 24);
    EXPECT_EQ(p->router_alert_count, 1);
    EXPECT_EQ(p->router_alert_value, 0);
    EXPECT_FALSE(p->source_route);
}

TEST(Ipv4Parse, ReadsFlagsFragmentOffsetAndIdentification) {
    Ipv4Fields f;
    f.identification = 0xbeef;
    f.flags_offset = 0x2000 | 0x0123; // MF, offset 0x123
    const auto packet = make_ipv4(f, hex("00 00 00 00 00 00 00 00"));
    const auto p = parse_ipv4(packet);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->identification, 0xbeef);
    EXPECT_FALSE(p->dont_fragment);
    EXPECT_TRUE(p->more_fragments);
    EXPECT_EQ(p->fragment_offset, 0x123);
    EXPECT_TRUE(p->is_fragment());

    f.flags_offset = 0x4000; // DF only: not a fragment
    const auto df = parse_ipv4(make_ipv4(f, hex("00 00 00 00 00 00 00 00")));
    ASSERT_TRUE(df.has_value());
    EXPECT_TRUE(df->dont_fragment);
    EXPECT_FALSE(df->is_fragment());
}

TEST(Ipv4Parse, NoOptionsMeansIhlFive) {
    Ipv4Fields f;
    f.options.clear();
    const auto packet = make_ipv4(f, hex("11 64 ee 9b 00 00 00 00"));
    ASSERT_EQ(packet[0], 0x45);
    const auto p = parse_ipv4(packet);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->header_length, 20U);
    EXPECT_EQ(p->payload.size(), 8U);
    EXPECT_EQ(p->router_alert_count, 0);
}

TEST(Ipv4Parse, BytesPastTotalLengthArePadding) {
    Bytes frame = kLeavePacket;
    frame.resize(46, 0xa5); // minimum Ethernet payload, non-zero padding
    const auto p = parse_ipv4(frame);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->packet.size(), 32U);
    EXPECT_EQ(p->payload.size(), 8U);
}

TEST(Ipv4Parse, RejectsEachLengthAndHeaderLie) {
    auto ihl4 = kLeavePacket;
    ihl4[0] = 0x44;
    ecmh::test::v4::fix_header_checksum(ihl4);
    auto ihl_past_total = with_options(hex("01 01 01 01 01 01 01 01"));
    ecmh::test::v4::set_total_length(ihl_past_total, 24); // IHL 7 = 28 bytes
    ecmh::test::v4::fix_header_checksum(ihl_past_total);
    auto total_past_frame = kLeavePacket;
    ecmh::test::v4::set_total_length(total_past_frame, 33);
    ecmh::test::v4::fix_header_checksum(total_past_frame);
    auto version6 = kLeavePacket;
    version6[0] = 0x66;
    auto bad_checksum = kLeavePacket;
    bad_checksum[11] ^= 0x01;
    auto zero_checksum = kLeavePacket;
    zero_checksum[10] = 0;
    zero_checksum[11] = 0;

    const struct {
        const char* name;
        Bytes bytes;
        ParseError expected;
    } rows[] = {
        {"empty", {}, ParseError::Truncated},
        {"19 bytes", Bytes(kLeavePacket.begin(), kLeavePacket.begin() + 19), ParseError::Truncated},
        {"version 6", version6, ParseError::BadVersion},
        {"version 0 runt", hex("05"), ParseError::BadVersion},
        {"IHL 4", ihl4, ParseError::BadLength},
        {"IHL·4 > Total Length", ihl_past_total, ParseError::BadLength},
        {"Total Length > frame", total_past_frame, ParseError::Truncated},
        {"header checksum + 1", bad_checksum, ParseError::BadHeaderChecksum},
        {"header checksum 0", zero_checksum, ParseError::BadHeaderChecksum},
    };
    for (const auto& row : rows) {
        const auto p = parse_ipv4(row.bytes);
        ASSERT_FALSE(p.has_value()) << row.name;
        EXPECT_EQ(p.error(), row.expected) << row.name << ": got " << to_string(p.error());
    }
}

TEST(Ipv4Parse, EveryCutOfTheHeaderIsTruncated) {
    for (std::size_t n = 1; n < kLeavePacket.size(); ++n) {
        const Bytes cut(kLeavePacket.begin(),
                        kLeavePacket.begin() + static_cast<std::ptrdiff_t>(n));
        const auto p = parse_ipv4(cut);
        ASSERT_FALSE(p.has_value()) << n;
        EXPECT_EQ(p.error(), ParseError::Truncated) << n;
    }
}

TEST(Ipv4Options, WalkTable) {
    const struct {
        const char* name;
        const char* options;
        bool ok;
        ParseError error; // when !ok
        int router_alerts;
        std::uint16_t value;
        bool source_route;
    } rows[] = {
        {"RA", "94 04 00 00", true, {}, 1, 0, false},
        {"RA value 1", "94 04 00 01", true, {}, 1, 1, false},
        {"RA value ffff", "94 04 ff ff", true, {}, 1, 0xffff, false},
        {"two RAs", "94 04 00 00 94 04 00 00", true, {}, 2, 0, false},
        {"NOPs then RA", "01 01 01 01 94 04 00 00", true, {}, 1, 0, false},
        {"RA, NOP, EOL", "94 04 00 00 01 00 00 00", true, {}, 1, 0, false},
        {"NOP flood",
         "01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01"
         "01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01",
         true,
         {},
         0,
         0,
         false},
        {"EOL before RA", "00 94 04 00 00 00 00 00", true, {}, 0, 0, false},
        {"unknown option skipped", "9f 04 aa bb 94 04 00 00", true, {}, 1, 0, false},
        {"record route", "07 07 04 00 00 00 00 00", true, {}, 0, 0, false},
        {"LSRR", "83 07 04 c0 00 02 01 00", true, {}, 0, 0, true},
        {"SSRR", "89 07 04 c0 00 02 01 00", true, {}, 0, 0, true},
        {"RA as the last of 40 bytes",
         "01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01"
         "01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 94 04 00 00",
         true,
         {},
         1,
         0,
         false},
        {"length 0", "88 00 00 00", false, ParseError::BadOption, 0, 0, false},
        {"length 1", "88 01 00 00", false, ParseError::BadOption, 0, 0, false},
        {"length past IHL", "88 08 00 00", false, ParseError::BadOption, 0, 0, false},
        {"length past IHL after RA", "94 04 00 00 07 05 00 00", false, ParseError::BadOption, 0, 0,
         false},
        {"no room for the length byte", "01 01 01 88", false, ParseError::BadOption, 0, 0, false},
        {"RA length 2", "94 02 00 00", false, ParseError::BadOption, 0, 0, false},
        {"RA length 6", "94 06 00 00 00 00 00 00", false, ParseError::BadOption, 0, 0, false},
        {"RA length 0", "94 00 00 00", false, ParseError::BadOption, 0, 0, false},
    };
    for (const auto& row : rows) {
        const auto packet = with_options(hex(row.options));
        const auto p = parse_ipv4(packet);
        if (!row.ok) {
            ASSERT_FALSE(p.has_value()) << row.name;
            EXPECT_EQ(p.error(), row.error) << row.name << ": got " << to_string(p.error());
            continue;
        }
        ASSERT_TRUE(p.has_value()) << row.name << ": " << to_string(p.error());
        EXPECT_EQ(p->router_alert_count, row.router_alerts) << row.name;
        if (row.router_alerts == 1) {
            EXPECT_EQ(p->router_alert_value, row.value) << row.name;
        }
        EXPECT_EQ(p->source_route, row.source_route) << row.name;
        EXPECT_EQ(p->header_length, 20 + hex(row.options).size()) << row.name;
        EXPECT_EQ(p->payload.size(), 8U) << row.name;
    }
}

TEST(Ipv4Write, RouterAlertHeaderIsByteExact) {
    std::array<std::uint8_t, 64> buffer{};
    ecmh::net::ByteWriter w{buffer};
    Ipv4HeaderSpec spec;
    spec.source = Ipv4Address{0xc633640aU};
    spec.destination = Ipv4Address{0xe0000002U};
    spec.ttl = 1;
    spec.tos = 0xc0;
    spec.protocol = 2;
    spec.router_alert = true;
    EXPECT_EQ(write_ipv4_header(w, spec, 8), 24U);
    ASSERT_TRUE(w.ok());
    const auto written = w.written();
    EXPECT_EQ(Bytes(written.begin(), written.end()),
              Bytes(kLeavePacket.begin(), kLeavePacket.begin() + 24));
}

TEST(Ipv4Write, PlainHeaderRoundTrips) {
    std::array<std::uint8_t, 64> buffer{};
    ecmh::net::ByteWriter w{buffer};
    w.u8(0xee); // the header need not start at offset 0 of the writer
    Ipv4HeaderSpec spec;
    spec.source = Ipv4Address{0x0a000001U};
    spec.destination = Ipv4Address{0xe8010101U};
    spec.ttl = 64;
    spec.tos = 0x10;
    spec.protocol = 17;
    spec.identification = 0x1234;
    spec.dont_fragment = true;
    EXPECT_EQ(write_ipv4_header(w, spec, 12), 20U);
    w.zeros(12);
    ASSERT_TRUE(w.ok());
    const auto packet = w.written().subspan(1);
    EXPECT_EQ(packet[0], 0x45);
    EXPECT_EQ(ecmh::net::internet_checksum(packet.first(20)), 0);
    const auto p = parse_ipv4(packet);
    ASSERT_TRUE(p.has_value()) << to_string(p.error());
    EXPECT_EQ(p->source, spec.source);
    EXPECT_EQ(p->destination, spec.destination);
    EXPECT_EQ(p->ttl, 64);
    EXPECT_EQ(p->tos, 0x10);
    EXPECT_EQ(p->protocol, 17);
    EXPECT_EQ(p->identification, 0x1234);
    EXPECT_TRUE(p->dont_fragment);
    EXPECT_FALSE(p->is_fragment());
    EXPECT_EQ(p->header_length, 20U);
    EXPECT_EQ(p->packet.size(), 32U);
    EXPECT_EQ(p->router_alert_count, 0);
}

TEST(Ipv4Write, FailsTheWriterWhenItCannotFit) {
    std::array<std::uint8_t, 23> small{};
    ecmh::net::ByteWriter w{small};
    Ipv4HeaderSpec spec;
    spec.router_alert = true;
    EXPECT_EQ(write_ipv4_header(w, spec, 0), 0U);
    EXPECT_FALSE(w.ok());
}

TEST(Ipv4Write, RefusesAPayloadTotalLengthCannotHold) {
    std::array<std::uint8_t, 64> buffer{};
    ecmh::net::ByteWriter ok{buffer};
    EXPECT_EQ(write_ipv4_header(ok, Ipv4HeaderSpec{}, 65535 - 20), 20U);
    EXPECT_TRUE(ok.ok());
    ecmh::net::ByteWriter w{buffer};
    EXPECT_EQ(write_ipv4_header(w, Ipv4HeaderSpec{}, 65535 - 20 + 1), 0U);
    EXPECT_FALSE(w.ok());
}
