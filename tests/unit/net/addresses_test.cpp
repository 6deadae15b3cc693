// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/net/if_index.hpp"
#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/net/ipv6_address.hpp"
#include "ecmh/net/mac_address.hpp"

#include <gtest/gtest.h>
#include <unordered_set>

using ecmh::net::IfIndex;
using ecmh::net::Ipv4Address;
using ecmh::net::Ipv6Address;
using ecmh::net::MacAddress;
using ecmh::net::MulticastScope;

namespace {

Ipv6Address v6(const char* text) {
    auto a = Ipv6Address::parse(text);
    EXPECT_TRUE(a.has_value()) << text;
    return a.value_or(Ipv6Address{});
}

Ipv4Address v4(const char* text) {
    auto a = Ipv4Address::parse(text);
    EXPECT_TRUE(a.has_value()) << text;
    return a.value_or(Ipv4Address{});
}

} // namespace

TEST(Ipv6Address, ParsesAndFormatsCanonically) {
    // RFC 5952 §4: lower case, longest zero run compressed, first run on a tie, a
    // single zero group not compressed.
    const struct {
        const char* in;
        const char* out;
    } cases[] = {
        {"::", "::"},
        {"::1", "::1"},
        {"ff02::1", "ff02::1"},
        {"FF02:0:0:0:0:0:0:16", "ff02::16"},
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
        {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
        {"2001:0db8::0001", "2001:db8::1"},
        {"fe80::1:2:3:4", "fe80::1:2:3:4"},
        {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
        {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},
        {"ff3e::8000:1", "ff3e::8000:1"},
        {"2001:db8::", "2001:db8::"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(v6(c.in).to_string(), c.out) << c.in;
    }
}

TEST(Ipv6Address, RejectsMalformedText) {
    for (const char* bad :
         {"", ":", ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "g::1",
          "::1.2.3", "1:2:3:4:5:6:7:8::", ":1::2", "1::2:", "::256.1.1.1", "1.2.3.4::"}) {
        EXPECT_FALSE(Ipv6Address::parse(bad).has_value()) << bad;
    }
}

TEST(Ipv6Address, Classifies) {
    EXPECT_TRUE(v6("::").is_unspecified());
    EXPECT_TRUE(v6("::1").is_loopback());
    EXPECT_TRUE(v6("ff02::1").is_multicast());
    EXPECT_FALSE(v6("fe80::1").is_multicast());
    EXPECT_EQ(v6("ff02::1").multicast_scope(), MulticastScope::LinkLocal);
    EXPECT_EQ(v6("ff0e::1:1000").multicast_scope(), MulticastScope::Global);
    EXPECT_EQ(v6("ff05::2").multicast_scope(), MulticastScope::SiteLocal);
    EXPECT_TRUE(v6("fe80::1").is_link_local_unicast());
    EXPECT_TRUE(v6("febf::1").is_link_local_unicast());
    EXPECT_TRUE(v6("fe80::1").is_link_local_fe80_64());
    EXPECT_FALSE(v6("fe80:1::1").is_link_local_fe80_64()); // rfc-map M4
    EXPECT_FALSE(v6("2001:db8::1").is_link_local_unicast());
    EXPECT_TRUE(v6("::ffff:10.0.0.1").is_v4_mapped());
    EXPECT_TRUE(v6("ff3e::8000:1").is_ssm());
    EXPECT_TRUE(v6("ff35::1").is_ssm());
    EXPECT_FALSE(v6("ff3e:1::1").is_ssm()); // ff3e with a prefix length: not ff3x::/32
    EXPECT_FALSE(v6("ff1e::1").is_ssm());
    EXPECT_FALSE(v6("ff0e::1").is_ssm());
}

TEST(Ipv6Address, FromSpanNeedsSixteenBytes) {
    const std::uint8_t bytes[17] = {0xff, 0x02};
    EXPECT_FALSE(Ipv6Address::from_span(std::span(bytes, 15)).has_value());
    EXPECT_FALSE(Ipv6Address::from_span(std::span(bytes, 17)).has_value());
    ASSERT_TRUE(Ipv6Address::from_span(std::span(bytes, 16)).has_value());
    EXPECT_EQ(Ipv6Address::from_span(std::span(bytes, 16))->to_string(), "ff02::");
}

TEST(Ipv6Address, HashesAndOrders) {
    std::unordered_set<Ipv6Address> set{v6("ff0e::1"), v6("ff0e::2"), v6("ff0e::1")};
    EXPECT_EQ(set.size(), 2U);
    EXPECT_LT(v6("ff0e::1"), v6("ff0e::2"));
}

TEST(Ipv4Address, ParsesStrictly) {
    EXPECT_EQ(v4("239.1.1.1").value(), 0xef010101U);
    EXPECT_EQ(v4("0.0.0.0").to_string(), "0.0.0.0");
    EXPECT_EQ(v4("255.255.255.255").to_string(), "255.255.255.255");
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "1.2.3.4 ",
                            "a.b.c.d", "1.2.3.-4", "1234.1.1.1"}) {
        EXPECT_FALSE(Ipv4Address::parse(bad).has_value()) << bad;
    }
}

TEST(Ipv4Address, Classifies) {
    EXPECT_TRUE(v4("224.0.0.1").is_multicast());
    EXPECT_TRUE(v4("239.255.255.255").is_multicast());
    EXPECT_FALSE(v4("240.0.0.1").is_multicast());
    EXPECT_TRUE(v4("240.0.0.1").is_reserved_class_e());
    EXPECT_TRUE(v4("224.0.0.22").is_local_network_control());
    EXPECT_FALSE(v4("224.0.1.1").is_local_network_control());
    EXPECT_TRUE(v4("232.1.1.1").is_ssm());
    EXPECT_FALSE(v4("233.1.1.1").is_ssm());
    EXPECT_TRUE(v4("127.0.0.1").is_loopback());
    EXPECT_TRUE(v4("255.255.255.255").is_broadcast());
    EXPECT_TRUE(Ipv4Address{}.is_unspecified());
    const auto b = v4("192.0.2.1").bytes();
    EXPECT_EQ(Ipv4Address::from_bytes(b), v4("192.0.2.1"));
}

TEST(MacAddress, MapsMulticastGroups) {
    // RFC 2464 §7: 33:33 + last four bytes; RFC 1112 §6.4: 01:00:5e + low 23 bits.
    EXPECT_EQ(MacAddress::for_multicast(v6("ff05::abcd:1234")).to_string(), "33:33:ab:cd:12:34");
    EXPECT_EQ(MacAddress::for_multicast(v6("ff02::1:ff00:2")).to_string(), "33:33:ff:00:00:02");
    EXPECT_EQ(MacAddress::for_multicast(v4("239.129.1.1")).to_string(), "01:00:5e:01:01:01");
    EXPECT_EQ(MacAddress::for_multicast(v4("224.0.0.22")).to_string(), "01:00:5e:00:00:16");
    EXPECT_EQ(MacAddress::for_multicast(v4("239.255.255.250")).to_string(), "01:00:5e:7f:ff:fa");
}

TEST(MacAddress, ParsesAndClassifies) {
    const auto m = MacAddress::parse("02:AA:bb:cc:dd:0e");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->to_string(), "02:aa:bb:cc:dd:0e");
    EXPECT_FALSE(m->is_multicast());
    EXPECT_TRUE(MacAddress::parse("01-00-5e-00-00-01")->is_multicast());
    EXPECT_TRUE(MacAddress::parse("ff:ff:ff:ff:ff:ff")->is_broadcast());
    for (const char* bad : {"", "02:aa:bb:cc:dd", "02:aa:bb:cc:dd:0e:ff", "02:aa-bb:cc:dd:0e",
                            "0g:aa:bb:cc:dd:0e", "02aabbccdd0e"}) {
        EXPECT_FALSE(MacAddress::parse(bad).has_value()) << bad;
    }
}

TEST(IfIndex, IsAStrongType) {
    static_assert(!std::is_convertible_v<std::uint32_t, IfIndex>);
    EXPECT_FALSE(IfIndex{}.valid());
    EXPECT_TRUE(IfIndex{3}.valid());
    EXPECT_EQ(IfIndex{3}, IfIndex{3});
    EXPECT_LT(IfIndex{2}, IfIndex{3});
}
