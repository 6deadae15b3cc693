// SPDX-License-Identifier: BSD-3-Clause
// Address prefixes: parsing (host bits refused), containment at every boundary.
#include "ecmh/net/prefix.hpp"

#include <gtest/gtest.h>

using namespace ecmh::net;

namespace {

Ipv4Address v4(const char* s) {
    return *Ipv4Address::parse(s);
}
Ipv6Address v6(const char* s) {
    return *Ipv6Address::parse(s);
}

TEST(Prefix, ParsesBothFamiliesAndBareHosts) {
    const auto admin = Ipv4Prefix::parse("239.0.0.0/8");
    ASSERT_TRUE(admin);
    EXPECT_EQ(admin->length(), 8);
    EXPECT_EQ(admin->to_string(), "239.0.0.0/8");
    const auto host = Ipv4Prefix::parse("192.0.2.1");
    ASSERT_TRUE(host);
    EXPECT_TRUE(host->is_host());
    EXPECT_EQ(host->to_string(), "192.0.2.1/32");
    const auto ssm = Ipv6Prefix::parse("ff3e::/16");
    ASSERT_TRUE(ssm);
    EXPECT_EQ(ssm->to_string(), "ff3e::/16");
    EXPECT_TRUE(Ipv6Prefix::parse("2001:db8::1")->is_host());
    EXPECT_TRUE(Ipv4Prefix::parse("0.0.0.0/0"));
}

TEST(Prefix, RefusesWhatIsNoPrefix) {
    for (const char* bad :
         {"239.1.2.3/8", "239.0.0.0/33", "239.0.0.0/", "239.0.0.0/x", "239.0.0.0/8/8",
          "239.0.0.0/-1", "ff3e::/16", "", "/8", "239.0.0.0/08x", "239.0.0.0/256"}) {
        EXPECT_FALSE(Ipv4Prefix::parse(bad)) << bad;
    }
    for (const char* bad : {"ff3e::1/16", "ff3e::/129", "239.0.0.0/8", "ff3e::/", "ff3e::/1x"}) {
        EXPECT_FALSE(Ipv6Prefix::parse(bad)) << bad;
    }
}

TEST(Prefix, ContainsExactlyItsAddresses) {
    const auto p = *Ipv4Prefix::parse("239.1.0.0/16");
    EXPECT_TRUE(p.contains(v4("239.1.0.0")));
    EXPECT_TRUE(p.contains(v4("239.1.255.255")));
    EXPECT_FALSE(p.contains(v4("239.2.0.0")));
    EXPECT_FALSE(p.contains(v4("239.0.255.255")));
    EXPECT_TRUE(Ipv4Prefix{}.contains(v4("1.2.3.4")));  // /0: everything
    const auto odd = *Ipv4Prefix::parse("232.0.0.0/5"); // 232–239
    EXPECT_TRUE(odd.contains(v4("239.255.255.255")));
    EXPECT_FALSE(odd.contains(v4("231.255.255.255")));

    const auto q = *Ipv6Prefix::parse("ff3e:0:8000::/35");
    EXPECT_TRUE(q.contains(v6("ff3e:0:8000::1")));
    EXPECT_TRUE(q.contains(v6("ff3e:0:9fff::1"))); // bit 35 onwards free
    EXPECT_FALSE(q.contains(v6("ff3e:0:a000::1")));
    EXPECT_FALSE(q.contains(v6("ff3e:1:8000::1")));
    EXPECT_TRUE(Ipv6Prefix::parse("ff3e::1")->contains(v6("ff3e::1")));
    EXPECT_FALSE(Ipv6Prefix::parse("ff3e::1")->contains(v6("ff3e::2")));
}

TEST(Prefix, ContainsPrefixes) {
    const auto admin = *Ipv4Prefix::parse("239.0.0.0/8");
    EXPECT_TRUE(admin.contains(*Ipv4Prefix::parse("239.1.0.0/16")));
    EXPECT_TRUE(admin.contains(admin));
    EXPECT_FALSE(Ipv4Prefix::parse("239.1.0.0/16")->contains(admin));
    EXPECT_FALSE(admin.contains(*Ipv4Prefix::parse("224.0.0.0/4")));
}

} // namespace
