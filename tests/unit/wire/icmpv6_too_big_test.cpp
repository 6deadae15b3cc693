// SPDX-License-Identifier: BSD-3-Clause
// ICMPv6 Packet Too Big (RFC 4443 §3.2): the bytes, decoded by hand, and the quote cut
// so the error never exceeds the minimum IPv6 MTU.
#include "ecmh/wire/icmpv6_too_big.hpp"
#include "support/hex.hpp"

#include <array>
#include <gtest/gtest.h>
#include <vector>

using namespace ecmh;
using test::v6::addr;

namespace {

std::vector<std::uint8_t> invoking(std::size_t size) {
    std::vector<std::uint8_t> p(size);
    for (std::size_t i = 0; i < size; ++i) {
        p[i] = static_cast<std::uint8_t>(i * 7);
    }
    return p;
}

} // namespace

TEST(PacketTooBig, BytesOfAShortInvokingPacket) {
    const auto quoted = invoking(100);
    std::array<std::uint8_t, 1500> out{};
    const auto n = wire::build_packet_too_big(out, addr("2001:db8:9::1"), addr("2001:db8:1::10"),
                                              1480, quoted);
    ASSERT_TRUE(n.has_value());
    ASSERT_EQ(*n, 40U + 8U + 100U);
    const std::span<const std::uint8_t> b{out.data(), *n};
    EXPECT_EQ(b[0] >> 4, 6);
    EXPECT_EQ((b[4] << 8) | b[5], 108) << "Payload Length";
    EXPECT_EQ(b[6], 58) << "Next Header ICMPv6";
    EXPECT_EQ(b[7], 64) << "Hop Limit";
    EXPECT_EQ(test::to_hex(b.subspan(8, 16)), test::to_hex(addr("2001:db8:9::1").bytes()));
    EXPECT_EQ(test::to_hex(b.subspan(24, 16)), test::to_hex(addr("2001:db8:1::10").bytes()));
    const auto icmp = b.subspan(40);
    EXPECT_EQ(icmp[0], 2) << "Type: Packet Too Big";
    EXPECT_EQ(icmp[1], 0) << "Code";
    EXPECT_EQ((std::uint32_t{icmp[4]} << 24) | (std::uint32_t{icmp[5]} << 16) |
                  (std::uint32_t{icmp[6]} << 8) | icmp[7],
              1480U);
    EXPECT_TRUE(std::equal(quoted.begin(), quoted.end(), icmp.begin() + 8));
    const std::uint16_t sum = static_cast<std::uint16_t>((icmp[2] << 8) | icmp[3]);
    EXPECT_EQ(sum, test::v6::icmpv6_checksum(icmp, addr("2001:db8:9::1"), addr("2001:db8:1::10")));
}

TEST(PacketTooBig, TheQuoteIsCutAtTheMinimumMtu) {
    const auto quoted = invoking(1500);
    std::array<std::uint8_t, 2000> out{};
    const auto n = wire::build_packet_too_big(out, addr("2001:db8:9::1"), addr("2001:db8:1::10"),
                                              1400, quoted);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(*n, wire::kIpv6MinimumMtu);
    EXPECT_TRUE(std::equal(quoted.begin(), quoted.begin() + (1280 - 48), out.begin() + 48));
}

TEST(PacketTooBig, TooSmallABufferIsAnError) {
    std::array<std::uint8_t, 47> out{};
    const auto n = wire::build_packet_too_big(out, addr("2001:db8:9::1"), addr("2001:db8:1::10"),
                                              1400, invoking(10));
    ASSERT_FALSE(n.has_value());
    EXPECT_EQ(n.error(), wire::BuildError::BufferTooSmall);
}
