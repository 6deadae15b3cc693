// SPDX-License-Identifier: BSD-3-Clause
// The IPv4 ↔ IPv6 multicast address mapping (issue 16): each expected address is written
// out by hand from the bit layout (draft-ietf-mboned-64-multicast-address-format-06 §3,
// RFC 6052 §2.2), not computed by the code under test.
#include "ecmh/net/translation_map.hpp"

#include <gtest/gtest.h>
#include <stdexcept>
#include <string>

using namespace ecmh::net;

namespace {

// The parsed value; a typo in a test's text throws (the test fails) instead of reading an
// empty optional.
template <class T>
T parsed(const char* s) {
    const auto v = T::parse(s);
    if (!v) {
        throw std::invalid_argument(std::string("not parsed: ") + s);
    }
    return *v;
}
Ipv6Address a6(const char* s) {
    return parsed<Ipv6Address>(s);
}
Ipv4Address a4(const char* s) {
    return parsed<Ipv4Address>(s);
}
Ipv6Prefix p6(const char* s) {
    return parsed<Ipv6Prefix>(s);
}

MulticastMap64 defaults() {
    return MulticastMap64{p6("ff1e:1000::/96"), p6("ff3e:0:8000::/96"), {}};
}

struct Pair {
    const char* ipv4;
    const char* ipv6;
};

} // namespace

// The scope column of RFC 2365 §8 (239.255/16 as site: RFC 7346), the SSM prefix for
// 232/8, the ASM prefix's own scope for the rest.
TEST(MulticastMap64, MapsEachRangeWithItsScope) {
    const auto map = defaults();
    for (const auto& [ipv4, ipv6] : {
             Pair{"239.1.2.3", "ff18:1000::ef01:203"},   // admin-scoped: organization
             Pair{"239.192.0.5", "ff18:1000::efc0:5"},   // organization-local
             Pair{"239.255.0.1", "ff15:1000::efff:1"},   // local scope: site
             Pair{"233.252.0.1", "ff1e:1000::e9fc:1"},   // global
             Pair{"224.0.1.1", "ff1e:1000::e000:101"},   // global (not 224.0.0/24)
             Pair{"232.1.2.3", "ff3e:0:8000::e801:203"}, // SSM
         }) {
        SCOPED_TRACE(ipv4);
        EXPECT_EQ(map.to_ipv6(a4(ipv4)), a6(ipv6));
        EXPECT_EQ(map.to_ipv4(a6(ipv6)), a4(ipv4));
    }
}

TEST(MulticastMap64, NeverAScopeWiderThanThePrefixs) {
    const MulticastMap64 map{p6("ff18:1000::/96"), p6("ff35:0:8000::/96"), {}};
    EXPECT_EQ(map.to_ipv6(a4("233.252.0.1")), a6("ff18:1000::e9fc:1"));
    EXPECT_EQ(map.to_ipv6(a4("239.255.0.1")), a6("ff15:1000::efff:1"));
    EXPECT_EQ(map.to_ipv6(a4("232.0.0.9")), a6("ff35:0:8000::e800:9"));
    EXPECT_EQ(map.to_ipv4(a6("ff1e:1000::e9fc:1")), std::nullopt); // the prefix is scope 8
}

TEST(MulticastMap64, AConfiguredSsmRangeDecidesTheKind) {
    const MulticastMap64 map{
        p6("ff1e:1000::/96"), p6("ff3e:0:8000::/96"), {parsed<Ipv4Prefix>("239.232.0.0/16")}};
    EXPECT_EQ(map.to_ipv6(a4("239.232.1.1")), a6("ff3e:0:8000::efe8:101"));
    EXPECT_EQ(map.to_ipv6(a4("232.1.1.1")), a6("ff1e:1000::e801:101"));
}

TEST(MulticastMap64, WhatDoesNotMap) {
    const auto map = defaults();
    EXPECT_EQ(map.to_ipv6(a4("224.0.0.251")), std::nullopt); // link-local control
    EXPECT_EQ(map.to_ipv6(a4("192.0.2.1")), std::nullopt);   // not multicast
    for (const char* g : {
             "ff1e:1000::ef01:203",   // 239.1.2.3 is scope 8, not e
             "ff12:1000::ef01:203",   // scope 2
             "ff1e:1000::c000:201",   // a unicast address embedded
             "ff1e:1000::e801:203",   // an SSM group under the ASM prefix
             "ff3e:0:8000::ef01:203", // an ASM group under the SSM prefix
             "ff1e:1000::e000:fb",    // 224.0.0.251
             "ff0e::ef01:203",        // no configured prefix
             "ff1e:1001::e9fc:1",     // the M flag alone, another prefix
             "2001:db8::e9fc:1",      // not multicast
         }) {
        EXPECT_EQ(map.to_ipv4(a6(g)), std::nullopt) << g;
    }
    // Which of them were meant to be translated (under a prefix but for the scope).
    EXPECT_TRUE(map.covers(a6("ff1e:1000::ef01:203")));
    EXPECT_TRUE(map.covers(a6("ff12:1000::ef01:203")));
    EXPECT_TRUE(map.covers(a6("ff35:0:8000::ef01:203")));
    EXPECT_FALSE(map.covers(a6("ff0e::ef01:203")));
    EXPECT_FALSE(map.covers(a6("ff1e:1001::e9fc:1")));
}

TEST(MulticastMap64, EveryGroupOfASampleRoundTrips) {
    const auto map = defaults();
    for (std::uint32_t v = 0xe0000100; v < 0xf0000000; v += 0x00fedcb7) {
        const Ipv4Address g{v};
        const auto g6 = map.to_ipv6(g);
        ASSERT_TRUE(g6.has_value()) << g.to_string();
        EXPECT_EQ(map.to_ipv4(*g6), g) << g.to_string();
    }
}

TEST(TranslationPrefixes, OnlySlash96PrefixesOfTheirKind) {
    EXPECT_EQ(asm_prefix64_error(p6("ff1e:1000::/96")), std::nullopt);
    EXPECT_EQ(ssm_prefix64_error(p6("ff3e:0:8000::/96")), std::nullopt);
    EXPECT_EQ(source_prefix64_error(p6("64:ff9b:1::/96")), std::nullopt);
    EXPECT_EQ(source_prefix64_error(p6("64:ff9b::/96")), std::nullopt);
    for (const char* bad : {"ff1e:1000::/95", "ff1e:1000::/64", "ff1e:1000::8000:0/97",
                            "ff1e::/96",        // no M flag
                            "ff7e:1000::/96",   // R flag
                            "ff1e:3000::/96",   // a reserved ff2 bit
                            "ff12:1000::/96",   // scope 2
                            "ff1f:1000::/96",   // scope f
                            "2001:db8::/96"}) { // not multicast
        EXPECT_TRUE(asm_prefix64_error(p6(bad)).has_value()) << bad;
    }
    for (const char* bad : {"ff3e:0:8000::/64", "ff1e:0:8000::/96", // outside ff3x::/32
                            "ff3e::/96",                            // native SSM groups
                            "ff32:0:8000::/96"}) {                  // scope 2
        EXPECT_TRUE(ssm_prefix64_error(p6(bad)).has_value()) << bad;
    }
    for (const char* bad : {"64:ff9b:1::/64", "ff1e:1000::/96", "fe80::/96", "::/96",
                            "2001:db8:0:0:100::/96"}) { // RFC 6052 §2.2: u octet not zero
        EXPECT_TRUE(source_prefix64_error(p6(bad)).has_value()) << bad;
    }
}

// The defaults of doc/ecmh.8 (draft §3.1 and §3.2; RFC 8215), and each one valid.
TEST(TranslationPrefixes, DefaultsAreTheDocumentedOnes) {
    const auto d = TranslationPrefixes::defaults();
    EXPECT_EQ(d.asm96, p6("ff1e:1000::/96"));
    EXPECT_EQ(d.ssm96, p6("ff3e:0:8000::/96"));
    EXPECT_EQ(d.source96, p6("64:ff9b:1::/96"));
    EXPECT_EQ(asm_prefix64_error(d.asm96), std::nullopt);
    EXPECT_EQ(ssm_prefix64_error(d.ssm96), std::nullopt);
    EXPECT_EQ(source_prefix64_error(d.source96), std::nullopt);
}

TEST(SourceMap64, EmbedsInTheLast32Bits) {
    const SourceMap64 map{p6("64:ff9b:1::/96")};
    EXPECT_EQ(map.embed(a4("192.0.2.10")), a6("64:ff9b:1::c000:20a"));
    EXPECT_EQ(map.extract(a6("64:ff9b:1::c000:20a")), a4("192.0.2.10"));
    EXPECT_EQ(map.extract(a6("64:ff9b:2::c000:20a")), std::nullopt);
    EXPECT_EQ(map.extract(a6("2001:db8::c000:20a")), std::nullopt);
}

// RFC 6052 §3.1: the Well-Known Prefix "MUST NOT" carry a non-global address.
TEST(SourceMap64, TheWellKnownPrefixCarriesGlobalAddressesOnly) {
    const SourceMap64 map{p6("64:ff9b::/96")};
    EXPECT_EQ(map.embed(a4("192.0.2.10")), std::nullopt); // TEST-NET-1 (RFC 5735 §3)
    EXPECT_EQ(map.embed(a4("10.1.2.3")), std::nullopt);   // RFC 1918
    EXPECT_EQ(map.extract(a6("64:ff9b::a01:203")), std::nullopt);
    // A global address (no packet is sent: a value only).
    EXPECT_EQ(map.embed(a4("100.0.0.1")), a6("64:ff9b::6400:1"));
    EXPECT_EQ(map.extract(a6("64:ff9b::6400:1")), a4("100.0.0.1"));
}
