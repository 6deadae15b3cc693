// SPDX-License-Identifier: BSD-3-Clause
// Cutting a UDP super-frame (GRO, a veth peer's GSO) back into its datagrams: headers
// copied, lengths set, IPv4 identification counted up, checksums computed in full. The
// expected header bytes are written out by hand and every checksum is verified by the
// sum below, not by ecmh's own checksum code.
#include "ecmh/wire/udp_segment.hpp"
#include "support/hex.hpp"

#include <gtest/gtest.h>

namespace ecmh::wire {
namespace {

using test::Bytes;
using test::from_hex;

// The ones'-complement sum of 16-bit words, folded: 0xffff over data that includes a
// valid checksum.
std::uint32_t fold(std::uint32_t sum) {
    while (sum > 0xffff) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}
std::uint32_t sum_words(const Bytes& b, std::size_t from, std::size_t length) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < length; i += 2) {
        const std::uint32_t low = i + 1 < length ? b[from + i + 1] : 0;
        sum += (static_cast<std::uint32_t>(b[from + i]) << 8) | low;
    }
    return sum;
}
// Ethernet 33:33:00:01:10:00 ← 02:00:00:00:00:0a, IPv6 2001:db8:1::10 → ff3e::1:1000,
// hop limit 9, UDP 4000 → 5000 whose length and checksum fields hold `udp_field` and the
// pseudo-header sum a GRO leaves (here just 0x1234: nothing reads it), then `payload`
// octets 0, 1, 2, … (mod 251, so no two segments look alike).
Bytes ipv6_superframe(std::size_t payload) {
    Bytes f = from_hex("333300011000020000000000"
                       "86dd");
    const std::size_t udp = 8 + payload;
    const Bytes ip = from_hex("6000000000001109"
                              "20010db8000100000000000000000010"
                              "ff3e0000000000000000000000011000");
    f.insert(f.end(), ip.begin(), ip.end());
    f[14 + 4] = static_cast<std::uint8_t>(udp >> 8);
    f[14 + 5] = static_cast<std::uint8_t>(udp);
    const Bytes h = {
        0x0f, 0xa0, 0x13, 0x88, static_cast<std::uint8_t>(udp >> 8), static_cast<std::uint8_t>(udp),
        0x12, 0x34};
    f.insert(f.end(), h.begin(), h.end());
    for (std::size_t i = 0; i < payload; ++i) {
        f.push_back(static_cast<std::uint8_t>(i % 251));
    }
    return f;
}

// Writes a valid header checksum into a raw IPv4 packet with a 20-octet header.
void reseal(Bytes& f) {
    f[10] = 0;
    f[11] = 0;
    const auto header = static_cast<std::uint16_t>(~fold(sum_words(f, 0, 20)));
    f[10] = static_cast<std::uint8_t>(header >> 8);
    f[11] = static_cast<std::uint8_t>(header);
}

// Raw IPv4 192.0.2.10 → 239.1.1.1, TTL 7, identification 0xfffe (so the count wraps),
// a valid header checksum (GRO keeps it so), UDP 4000 → 5000 with the checksum field
// `checksum`, then `payload` octets as above.
Bytes ipv4_superframe(std::size_t payload, std::uint16_t checksum) {
    Bytes f = from_hex("45000000fffe000007110000c000020aef010101");
    const std::size_t total = 20 + 8 + payload;
    f[2] = static_cast<std::uint8_t>(total >> 8);
    f[3] = static_cast<std::uint8_t>(total);
    reseal(f);
    const Bytes h = {0x0f,
                     0xa0,
                     0x13,
                     0x88,
                     static_cast<std::uint8_t>((8 + payload) >> 8),
                     static_cast<std::uint8_t>(8 + payload),
                     static_cast<std::uint8_t>(checksum >> 8),
                     static_cast<std::uint8_t>(checksum)};
    f.insert(f.end(), h.begin(), h.end());
    for (std::size_t i = 0; i < payload; ++i) {
        f.push_back(static_cast<std::uint8_t>(i % 251));
    }
    return f;
}

Bytes datagram(const UdpSegmenter& s, std::size_t i) {
    Bytes out(s.size(i));
    EXPECT_EQ(s.write(i, out), out.size());
    return out;
}

// The UDP checksum check of RFC 768 with the pseudo-header: `addresses` octets of source
// and destination at `ip + address_at`, then protocol 17 and the UDP length.
std::uint32_t udp_sum(const Bytes& f, std::size_t address_at, std::size_t addresses,
                      std::size_t udp_at) {
    const std::size_t length = f.size() - udp_at;
    return fold(sum_words(f, address_at, addresses) + 17 + static_cast<std::uint32_t>(length) +
                sum_words(f, udp_at, length));
}

TEST(UdpSegment, Ipv6SuperFrameIsCutIntoItsDatagrams) {
    // 2500 octets of payload sent as datagrams of 1000: 1000, 1000, 500.
    const auto f = ipv6_superframe(2500);
    const auto s = UdpSegmenter::plan(LinkType::Ethernet, f, 1000);
    ASSERT_TRUE(s);
    ASSERT_EQ(s->count(), 3U);
    const std::size_t expected_payload[] = {1000, 1000, 500};
    for (std::size_t i = 0; i < 3; ++i) {
        const auto d = datagram(*s, i);
        const std::size_t payload = expected_payload[i];
        ASSERT_EQ(d.size(), 14 + 40 + 8 + payload);
        const std::size_t udp = 8 + payload;
        // The link header and the IPv6 header but its Payload Length are the super-frame's.
        EXPECT_EQ(test::to_hex(std::span(d).first(18)), "33330001100002000000000086dd60000000");
        EXPECT_EQ(d[18], udp >> 8);
        EXPECT_EQ(d[19], udp & 0xff);
        EXPECT_EQ(test::to_hex(std::span(d).subspan(20, 2)), "1109");
        // Ports, then the UDP length of this datagram.
        EXPECT_EQ(test::to_hex(std::span(d).subspan(54, 4)), "0fa01388");
        EXPECT_EQ(d[58], udp >> 8);
        EXPECT_EQ(d[59], udp & 0xff);
        EXPECT_EQ(udp_sum(d, 22, 32, 54), 0xffffU) << "datagram " << i;
        for (std::size_t k = 0; k < payload; ++k) {
            ASSERT_EQ(d[62 + k], (i * 1000 + k) % 251) << "datagram " << i << " octet " << k;
        }
    }
    EXPECT_EQ(s->size(3), 0U);
    Bytes out(2000);
    EXPECT_EQ(s->write(3, out), 0U);
}

TEST(UdpSegment, Ipv4IdentificationCountsUpAndEveryChecksumIsRecomputed) {
    const auto f = ipv4_superframe(300, 0x5555);
    const auto s = UdpSegmenter::plan(LinkType::Raw, f, 100);
    ASSERT_TRUE(s);
    ASSERT_EQ(s->count(), 3U);
    for (std::size_t i = 0; i < 3; ++i) {
        const auto d = datagram(*s, i);
        ASSERT_EQ(d.size(), 20U + 8 + 100);
        // Total Length 128, identification 0xfffe, 0xffff, 0x0000, TTL and protocol kept.
        const std::uint16_t id = static_cast<std::uint16_t>(0xfffe + i);
        EXPECT_EQ(test::to_hex(std::span(d).first(4)), "45000080");
        EXPECT_EQ(d[4], id >> 8);
        EXPECT_EQ(d[5], id & 0xff);
        EXPECT_EQ(test::to_hex(std::span(d).subspan(6, 4)), "00000711");
        EXPECT_EQ(test::to_hex(std::span(d).subspan(12, 8)), "c000020aef010101");
        EXPECT_EQ(fold(sum_words(d, 0, 20)), 0xffffU) << "header checksum of " << i;
        EXPECT_EQ(test::to_hex(std::span(d).subspan(20, 6)), "0fa01388006c");
        EXPECT_EQ(udp_sum(d, 12, 8, 20), 0xffffU) << "UDP checksum of " << i;
        EXPECT_EQ(d[28], (i * 100) % 251);
    }
}

TEST(UdpSegment, Ipv4DatagramsWithoutChecksumStaySo) {
    const auto f = ipv4_superframe(150, 0);
    const auto s = UdpSegmenter::plan(LinkType::Raw, f, 100);
    ASSERT_TRUE(s);
    ASSERT_EQ(s->count(), 2U);
    const auto last = datagram(*s, 1);
    ASSERT_EQ(last.size(), 20U + 8 + 50);
    EXPECT_EQ(test::to_hex(std::span(last).subspan(20, 8)), "0fa01388003a0000");
}

TEST(UdpSegment, AFrameOfOneDatagramPassesAsItself) {
    const auto f = ipv6_superframe(400);
    const auto s = UdpSegmenter::plan(LinkType::Ethernet, f, 1000);
    ASSERT_TRUE(s);
    ASSERT_EQ(s->count(), 1U);
    const auto d = datagram(*s, 0);
    EXPECT_EQ(Bytes(d.begin(), d.begin() + 60), Bytes(f.begin(), f.begin() + 60));
    EXPECT_EQ(udp_sum(d, 22, 32, 54), 0xffffU);
}

TEST(UdpSegment, LinkPaddingIsNotPayload) {
    auto f = ipv4_superframe(30, 0x1111);
    f.insert(f.end(), 10, 0xee); // trailing octets past Total Length
    const auto s = UdpSegmenter::plan(LinkType::Raw, f, 20);
    ASSERT_TRUE(s);
    ASSERT_EQ(s->count(), 2U);
    EXPECT_EQ(s->size(1), 20U + 8 + 10);
}

TEST(UdpSegment, RefusesWhatItCannotCut) {
    const auto good = ipv4_superframe(300, 0x5555);
    EXPECT_FALSE(UdpSegmenter::plan(LinkType::Raw, good, 0)) << "segment size 0";
    auto fragment = good;
    fragment[6] = 0x20; // More Fragments
    reseal(fragment);
    EXPECT_FALSE(UdpSegmenter::plan(LinkType::Raw, fragment, 100)) << "a fragment";
    auto tcp = good;
    tcp[9] = 6;
    reseal(tcp);
    EXPECT_FALSE(UdpSegmenter::plan(LinkType::Raw, tcp, 100)) << "not UDP";
    auto lying = good;
    lying[20 + 5] = static_cast<std::uint8_t>(lying[20 + 5] - 1);
    EXPECT_FALSE(UdpSegmenter::plan(LinkType::Raw, lying, 100)) << "UDP length ≠ IP length";
    EXPECT_FALSE(UdpSegmenter::plan(LinkType::Raw, Bytes(good.begin(), good.begin() + 24), 100))
        << "truncated";
    auto v6_fragment = ipv6_superframe(100);
    v6_fragment[14 + 6] = 44; // Next Header: Fragment (the UDP header read as one)
    EXPECT_FALSE(UdpSegmenter::plan(LinkType::Ethernet, v6_fragment, 50));
}

} // namespace
} // namespace ecmh::wire
