// SPDX-License-Identifier: BSD-3-Clause
// ICMPv6 Echo (RFC 4443 §4.1, §4.2): golden bytes, round trips and each rejection.
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/icmpv6_echo.hpp"
#include "ecmh/wire/mld.hpp"
#include "support/hex.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

using namespace ecmh::wire;
using ecmh::test::Bytes;
using ecmh::test::from_hex;
using ecmh::test::to_hex;
using ecmh::test::v6::addr;
using ecmh::test::v6::icmpv6_packet;
using ecmh::test::v6::Ipv6Fields;

namespace {

Ipv6HeaderSpec echo_header() {
    Ipv6HeaderSpec ip;
    ip.source = addr("fe80::a");
    ip.destination = addr("ff02::1");
    ip.hop_limit = 255;
    ip.next_header = kProtoUdp; // ignored: an echo is always 58
    return ip;
}

Ipv6Fields plain_fields() {
    Ipv6Fields f;
    f.destination = addr("ff02::1");
    f.hop_limit = 64;
    f.next_header = kProtoIcmpv6;
    f.extension_headers.clear();
    return f;
}

ecmh::net::Expected<Icmpv6Echo, ParseError> echo_of(const Bytes& bytes) {
    const auto ip = parse_ipv6(bytes);
    if (!ip) {
        return ecmh::net::unexpected(ip.error());
    }
    return parse_icmpv6_echo(*ip);
}

} // namespace

TEST(Icmpv6Echo, RequestGoldenBytes) {
    Bytes out(100);
    const auto data = from_hex("61 62 63 64"); // "abcd"
    const auto n = build_icmpv6_echo(out, echo_header(), true, 0x1234, 1, data);
    ASSERT_TRUE(n);
    out.resize(*n);
    EXPECT_EQ(out, from_hex(R"(
        60 00 00 00 00 0c 3a ff  fe 80 00 00 00 00 00 00  00 00 00 00 00 00 00 0a
        ff 02 00 00 00 00 00 00  00 00 00 00 00 00 00 01  80 00 ab 2e 12 34 00 01
        61 62 63 64)"))
        << to_hex(out);
}

TEST(Icmpv6Echo, RoundTrips) {
    const Bytes data = from_hex("00 01 02 03 04 05 06 07 08 09 0a");
    for (const bool request : {true, false}) {
        for (const bool router_alert : {false, true}) {
            auto ip_spec = echo_header();
            ip_spec.router_alert = router_alert;
            ip_spec.traffic_class = 0x20;
            ip_spec.hop_limit = router_alert ? 1 : 255; // with RA: an MLD-valid envelope
            Bytes out(200);
            const auto n = build_icmpv6_echo(out, ip_spec, request, 0xbeef, 0xfffe, data);
            ASSERT_TRUE(n);
            ASSERT_EQ(*n, 40U + (router_alert ? 8U : 0U) + 8U + data.size());
            out.resize(*n);
            const auto ip = parse_ipv6(out);
            ASSERT_TRUE(ip);
            EXPECT_EQ(ip->source, ip_spec.source);
            EXPECT_EQ(ip->destination, ip_spec.destination);
            EXPECT_EQ(ip->hop_limit, ip_spec.hop_limit);
            EXPECT_EQ(ip->traffic_class, 0x20);
            EXPECT_EQ(ip->next_header, kProtoIcmpv6);
            EXPECT_EQ(ip->router_alert_count, router_alert ? 1 : 0);
            const auto echo = parse_icmpv6_echo(*ip);
            ASSERT_TRUE(echo) << to_string(echo.error());
            EXPECT_EQ(echo->is_request, request);
            EXPECT_EQ(echo->identifier, 0xbeef);
            EXPECT_EQ(echo->sequence, 0xfffe);
            EXPECT_EQ(to_hex(echo->data), to_hex(data));
            EXPECT_EQ(echo->data.data(), out.data() + *n - data.size()); // a view, not a copy
            // Not MLD, whatever the envelope (rfc-map item 1).
            const auto mld = parse_mld(*ip);
            ASSERT_FALSE(mld);
            EXPECT_EQ(mld.error(),
                      router_alert ? ParseError::UnknownType : ParseError::HopLimitNotOne);
        }
    }
}

TEST(Icmpv6Echo, EmptyDataAndPadding) {
    auto packet = icmpv6_packet(plain_fields(), from_hex("81 00 00 00 00 07 00 09"));
    packet.insert(packet.end(), 10, 0xcc); // Ethernet padding is not echo data
    const auto echo = echo_of(packet);
    ASSERT_TRUE(echo) << to_string(echo.error());
    EXPECT_FALSE(echo->is_request);
    EXPECT_EQ(echo->identifier, 7);
    EXPECT_EQ(echo->sequence, 9);
    EXPECT_TRUE(echo->data.empty());
}

TEST(Icmpv6Echo, AtomicFragmentIsAnOrdinaryPacket) {
    auto f = plain_fields();
    f.next_header = kProtoFragment;
    f.extension_headers = from_hex("3a 00 00 00 00 00 00 05");
    const auto packet = icmpv6_packet(f, from_hex("80 00 00 00 00 01 00 02 ff"));
    const auto echo = echo_of(packet);
    ASSERT_TRUE(echo) << to_string(echo.error());
    EXPECT_TRUE(echo->is_request);
    EXPECT_EQ(to_hex(echo->data), "ff");
}

TEST(Icmpv6Echo, RejectsEachReason) {
    const auto request = from_hex("80 00 00 00 12 34 00 01 61 62");
    const auto fragment = [&](const char* header) {
        auto f = plain_fields();
        f.next_header = kProtoFragment;
        f.extension_headers = from_hex(header);
        return icmpv6_packet(f, request);
    };
    auto udp_fields = plain_fields();
    udp_fields.next_header = kProtoUdp;
    auto bad_sum = icmpv6_packet(plain_fields(), request);
    bad_sum[42] ^= 0x01;
    // Checksum computed over the data plus padding that Payload Length excludes.
    auto over_padding =
        icmpv6_packet(plain_fields(), from_hex("80 00 00 00 12 34 00 01 61 62 00 07"));
    ecmh::test::v6::set_payload_length(over_padding, 10);

    const struct {
        const char* name;
        Bytes packet;
        ParseError error;
    } rows[] = {
        {"non-first fragment", fragment("3a 00 00 10 00 00 00 05"), ParseError::NonFirstFragment},
        {"first fragment of several", fragment("3a 00 00 01 00 00 00 05"), ParseError::Fragmented},
        {"UDP", icmpv6_packet(udp_fields, request), ParseError::UnknownType},
        {"MLD query", icmpv6_packet(plain_fields(), from_hex("82 00 00 00 00 00 00 00")),
         ParseError::UnknownType},
        {"Destination Unreachable",
         icmpv6_packet(plain_fields(), from_hex("01 00 00 00 00 00 00 00")),
         ParseError::UnknownType},
        {"7 octets", icmpv6_packet(plain_fields(), from_hex("80 00 00 00 12 34 00")),
         ParseError::Truncated},
        {"1 octet", icmpv6_packet(plain_fields(), from_hex("80")), ParseError::Truncated},
        {"checksum off by one bit", bad_sum, ParseError::BadChecksum},
        {"checksum over the padding", over_padding, ParseError::BadChecksum},
    };
    for (const auto& r : rows) {
        const auto echo = echo_of(r.packet);
        ASSERT_FALSE(echo) << r.name;
        EXPECT_EQ(echo.error(), r.error) << r.name << ": got " << to_string(echo.error());
    }
}

TEST(Icmpv6Echo, BuildLimits) {
    const Bytes data(10, 0x5a);
    for (std::size_t n = 0; n < 58; ++n) {
        Bytes out(n);
        const auto built = build_icmpv6_echo(out, echo_header(), true, 1, 2, data);
        ASSERT_FALSE(built) << n;
        EXPECT_EQ(built.error(), BuildError::BufferTooSmall) << n;
    }
    Bytes out(58);
    EXPECT_TRUE(build_icmpv6_echo(out, echo_header(), true, 1, 2, data));

    // Payload Length is 16 bits: 8 + 65527 octets of data is the most an echo can carry.
    const Bytes big(65528, 0);
    Bytes huge(70000);
    EXPECT_EQ(build_icmpv6_echo(huge, echo_header(), true, 1, 2, big).error(),
              BuildError::InvalidArgument);
    const auto n = build_icmpv6_echo(huge, echo_header(), true, 1, 2, std::span(big).first(65527));
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 40U + 65535U);
    huge.resize(*n);
    const auto echo = echo_of(huge);
    ASSERT_TRUE(echo) << to_string(echo.error());
    EXPECT_EQ(echo->data.size(), 65527U);
}
