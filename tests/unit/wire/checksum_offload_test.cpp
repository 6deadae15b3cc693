// SPDX-License-Identifier: BSD-3-Clause
// A UDP checksum left to offload (only the pseudo-header sum in the field, as Linux
// hands CHECKSUM_PARTIAL packets to a packet socket) is completed; a complete one, an
// IPv4 UDP without checksum, a fragment and other transports are left alone.
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/checksum_offload.hpp"
#include "ecmh/wire/constants.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <vector>

namespace ecmh::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

const auto kSource6 = *net::Ipv6Address::parse("2001:db8:1::10");
const auto kGroup6 = *net::Ipv6Address::parse("ff3e::1:1");

// IPv6 + UDP 5000 → 6000 with a 6-byte payload; the checksum field left zero.
Bytes udp6() {
    Bytes p(40 + 8 + 6, 0);
    p[0] = 0x60;
    p[5] = 14; // payload length
    p[6] = kProtoUdp;
    p[7] = 16;
    std::copy(kSource6.bytes().begin(), kSource6.bytes().end(), p.begin() + 8);
    std::copy(kGroup6.bytes().begin(), kGroup6.bytes().end(), p.begin() + 24);
    const Bytes udp = {0x13, 0x88, 0x17, 0x70, 0, 14, 0, 0, 'h', 'e', 'l', 'l', 'o', '!'};
    std::copy(udp.begin(), udp.end(), p.begin() + 40);
    return p;
}

std::uint16_t field(const Bytes& p, std::size_t at) {
    return static_cast<std::uint16_t>((p[at] << 8) | p[at + 1]);
}

void set_field(Bytes& p, std::size_t at, std::uint16_t v) {
    p[at] = static_cast<std::uint8_t>(v >> 8);
    p[at + 1] = static_cast<std::uint8_t>(v);
}

std::uint16_t full_checksum6(const Bytes& p) {
    auto acc = net::ipv6_pseudo_header(kSource6, kGroup6, 14, kProtoUdp);
    Bytes udp(p.begin() + 40, p.end());
    udp[6] = udp[7] = 0;
    acc.add(udp);
    return acc.finish();
}

std::uint16_t partial6() {
    return static_cast<std::uint16_t>(
        ~net::ipv6_pseudo_header(kSource6, kGroup6, 14, kProtoUdp).finish());
}

TEST(ChecksumOffload, CompletesAPartialIpv6UdpChecksum) {
    auto p = udp6();
    set_field(p, 46, partial6());
    const auto parsed = parse_ipv6(p);
    ASSERT_TRUE(parsed);
    const auto fix = offloaded_checksum(*parsed);
    ASSERT_TRUE(fix);
    EXPECT_EQ(fix->offset, 46U);
    EXPECT_EQ(fix->value, full_checksum6(p));
    // The completed packet verifies: the sum over pseudo-header and UDP is zero.
    set_field(p, 46, fix->value);
    auto acc = net::ipv6_pseudo_header(kSource6, kGroup6, 14, kProtoUdp);
    acc.add(std::span(p).subspan(40));
    EXPECT_EQ(acc.finish(), 0);
}

TEST(ChecksumOffload, LeavesACompleteChecksumAlone) {
    auto p = udp6();
    set_field(p, 46, full_checksum6(p));
    const auto parsed = parse_ipv6(p);
    ASSERT_TRUE(parsed);
    EXPECT_FALSE(offloaded_checksum(*parsed));
}

TEST(ChecksumOffload, LeavesIcmpv6Alone) {
    auto p = udp6();
    p[6] = kProtoIcmpv6; // Linux computes ICMPv6 checksums in software
    const auto parsed = parse_ipv6(p);
    ASSERT_TRUE(parsed);
    EXPECT_FALSE(offloaded_checksum(*parsed));
}

// IPv4 + UDP with a 4-byte payload from 198.51.100.10 to 239.1.1.1.
Bytes udp4() {
    Bytes p = {0x45, 0, 0, 32, 0,    1,    0x40, 0,    16, kProtoUdp, 0, 0, 198, 51,  100, 10,
               239,  1, 1, 1,  0x13, 0x88, 0x17, 0x70, 0,  12,        0, 0, 'p', 'i', 'n', 'g'};
    set_field(p, 10, net::internet_checksum(std::span(p).first(20)));
    return p;
}

net::ChecksumAccumulator pseudo4() {
    net::ChecksumAccumulator acc;
    acc.add(std::span<const std::uint8_t>(udp4()).subspan(12, 8));
    acc.add_u16(kProtoUdp);
    acc.add_u16(12);
    return acc;
}

TEST(ChecksumOffload, CompletesAPartialIpv4UdpChecksum) {
    auto p = udp4();
    set_field(p, 26, static_cast<std::uint16_t>(~pseudo4().finish()));
    const auto parsed = parse_ipv4(p);
    ASSERT_TRUE(parsed);
    const auto fix = offloaded_checksum(*parsed);
    ASSERT_TRUE(fix);
    EXPECT_EQ(fix->offset, 26U);
    set_field(p, 26, fix->value);
    auto acc = pseudo4();
    acc.add(std::span(p).subspan(20));
    EXPECT_EQ(acc.finish(), 0);
}

TEST(ChecksumOffload, LeavesIpv4UdpWithoutChecksumAlone) {
    const auto p = udp4(); // field 0: "no checksum" in IPv4 (RFC 768)
    const auto parsed = parse_ipv4(p);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(field(p, 26), 0);
    EXPECT_FALSE(offloaded_checksum(*parsed));
}

TEST(ChecksumOffload, LeavesFragmentsAlone) {
    auto p = udp4();
    set_field(p, 26, static_cast<std::uint16_t>(~pseudo4().finish()));
    p[6] = 0x20; // More Fragments
    set_field(p, 10, 0);
    set_field(p, 10, net::internet_checksum(std::span(p).first(20)));
    const auto parsed = parse_ipv4(p);
    ASSERT_TRUE(parsed);
    EXPECT_FALSE(offloaded_checksum(*parsed));
}

} // namespace
} // namespace ecmh::wire
