// SPDX-License-Identifier: BSD-3-Clause
// The one rewrite a forwarded copy gets (wire/forward_copy.hpp): every byte as received
// but the hop limit / TTL one lower, IPv4's header checksum still valid, and an
// offloaded UDP checksum completed. Checksums are verified here with a sum written in
// this file, not with the library's own.
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/forward_copy.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <vector>

namespace ecmh::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

// RFC 1071: the one's complement of the one's complement sum of 16-bit words.
std::uint16_t internet_checksum(const Bytes& b, std::size_t from, std::size_t to,
                                std::uint32_t sum = 0) {
    for (std::size_t i = from; i < to; i += 2) {
        sum += static_cast<std::uint32_t>(b[i] << 8) + (i + 1 < to ? b[i + 1] : 0U);
    }
    while (sum > 0xffff) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(~sum);
}

void put16(Bytes& b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
}

// IPv4 UDP 192.0.2.10 → 239.1.2.3, TTL `ttl`, with a valid header checksum and a
// complete UDP checksum of zero ("none", allowed in IPv4).
Bytes udp4(std::uint8_t ttl) {
    Bytes p = {0x45, 0,  0,   28, 0x12, 0x34, 0,    0,    ttl,  kProtoUdp, 0, 0, 192, 0,
               2,    10, 239, 1,  2,    3,    0x13, 0x88, 0x17, 0x70,      0, 8, 0,   0};
    put16(p, kIpv4ChecksumOffset, internet_checksum(p, 0, 20));
    return p;
}

// IPv6 UDP 2001:db8:1::10 → ff3e::1:1 with hop limit `hop` and a 6-byte payload; the
// UDP checksum holds only the pseudo-header sum when `partial`, as an offloading
// sender leaves it, or the complete checksum otherwise.
Bytes udp6(std::uint8_t hop, bool partial) {
    Bytes p(40 + 14, 0);
    p[0] = 0x60;
    p[5] = 14;
    p[6] = kProtoUdp;
    p[7] = hop;
    const Bytes source = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
    const Bytes group = {0xff, 0x3e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1};
    std::copy(source.begin(), source.end(), p.begin() + 8);
    std::copy(group.begin(), group.end(), p.begin() + 24);
    const Bytes udp = {0x13, 0x88, 0x17, 0x70, 0, 14, 0, 0, 'h', 'e', 'l', 'l', 'o', '!'};
    std::copy(udp.begin(), udp.end(), p.begin() + 40);
    // Pseudo-header: source, destination, upper-layer length, next header.
    Bytes pseudo(p.begin() + 8, p.begin() + 40);
    pseudo.insert(pseudo.end(), {0, 0, 0, 14, 0, 0, 0, kProtoUdp});
    const auto pseudo_sum = static_cast<std::uint16_t>(~internet_checksum(pseudo, 0, 40));
    if (partial) {
        put16(p, 46, pseudo_sum);
    } else {
        put16(p, 46, internet_checksum(p, 40, p.size(), pseudo_sum));
    }
    return p;
}

std::uint16_t udp6_verify(const Bytes& p) {
    Bytes pseudo(p.begin() + 8, p.begin() + 40);
    pseudo.insert(pseudo.end(), {0, 0, 0, 14, 0, 0, 0, kProtoUdp});
    const auto pseudo_sum = static_cast<std::uint16_t>(~internet_checksum(pseudo, 0, 40));
    return internet_checksum(p, 40, p.size(), pseudo_sum); // 0 when valid
}

Bytes written(const ForwardCopy& copy) {
    Bytes out(copy.size() + 8, 0xa5); // a used slot: stale bytes, and more room than needed
    EXPECT_EQ(copy.write(out), copy.size());
    out.resize(copy.size());
    return out;
}

TEST(ForwardCopy, Ipv6CopyDiffersOnlyInTheHopLimit) {
    const auto in = udp6(64, false);
    const auto copy = prepare_copy(*parse_ipv6(in));
    EXPECT_EQ(copy.protocol, NetworkProtocol::Ipv6);
    EXPECT_EQ(copy.group_mac.to_string(), "33:33:00:01:00:01"); // RFC 2464 §7
    EXPECT_FALSE(copy.transport_checksum);
    const auto out = written(copy);
    auto expected = in;
    expected[7] = 63;
    EXPECT_EQ(out, expected);
    EXPECT_EQ(udp6_verify(out), 0); // the UDP checksum does not cover the hop limit
}

TEST(ForwardCopy, Ipv4CopyHasTtlOneLowerAndAValidHeaderChecksum) {
    for (const std::uint8_t ttl : {2, 3, 64, 128, 255}) {
        const auto in = udp4(ttl);
        const auto copy = prepare_copy(*parse_ipv4(in));
        EXPECT_EQ(copy.protocol, NetworkProtocol::Ipv4);
        EXPECT_EQ(copy.group_mac.to_string(), "01:00:5e:01:02:03"); // RFC 1112 §6.4
        const auto out = written(copy);
        EXPECT_EQ(out[kIpv4TtlOffset], ttl - 1) << "TTL " << int{ttl};
        EXPECT_EQ(internet_checksum(out, 0, 20), 0) << "TTL " << int{ttl};
        // Nothing else changed.
        for (std::size_t i = 0; i < in.size(); ++i) {
            if (i != kIpv4TtlOffset && i != kIpv4ChecksumOffset && i != kIpv4ChecksumOffset + 1) {
                EXPECT_EQ(out[i], in[i]) << "byte " << i;
            }
        }
    }
}

TEST(ForwardCopy, CompletesAnOffloadedChecksumOncePerPacket) {
    const auto in = udp6(10, true);
    ASSERT_NE(udp6_verify(in), 0); // as captured, a receiver would drop it
    const auto copy = prepare_copy(*parse_ipv6(in));
    ASSERT_TRUE(copy.transport_checksum);
    EXPECT_EQ(copy.transport_checksum->offset, 46U);
    // Every copy written from the one preparation carries the completed checksum.
    for (int i = 0; i < 3; ++i) {
        const auto out = written(copy);
        EXPECT_EQ(udp6_verify(out), 0);
        EXPECT_EQ(out[kIpv6HopLimitOffset], 9);
    }
}

TEST(ForwardCopy, RefusesASlotTooSmallAndWritesNothing) {
    const auto in = udp6(64, false);
    const auto copy = prepare_copy(*parse_ipv6(in));
    Bytes out(copy.size() - 1, 0xa5);
    EXPECT_EQ(copy.write(out), 0U);
    EXPECT_EQ(out, Bytes(copy.size() - 1, 0xa5));
}

TEST(ForwardCopy, AHopLimitOfZeroStaysZero) {
    // decide() never forwards it; if asked anyway, the rewrite must not wrap to 255.
    const auto copy = prepare_copy(*parse_ipv6(udp6(0, false)));
    EXPECT_EQ(copy.hop, 0);
}

} // namespace
} // namespace ecmh::wire
