// SPDX-License-Identifier: BSD-3-Clause
// IPv6 fragmentation of a translated IPv4 → IPv6 copy (wire/ipv6_fragment.hpp; RFC 7915
// §4.1, RFC 8200 §4.5): as few Fragment-header fragments as the MTU allows, 8-octet
// aligned, in order, the Identification from the IPv4 ID. The test reassembles the
// pieces itself and checks the UDP checksum with a sum of its own.
#include "ecmh/wire/ipv6_fragment.hpp"
#include "support/hex.hpp"
#include "support/ipv4_packets.hpp"
#include "support/udp_oracle.hpp"

#include <gtest/gtest.h>

namespace ecmh::wire {
namespace {

using test::Bytes;
using test::from_hex;
using test::to_hex;

const net::Ipv6Address kSource6 = test::v6::addr("64:ff9b:1::c000:20a"); // 192.0.2.10
const net::Ipv6Address kGroup6 = test::v6::addr("ff18:1000::ef01:203");  // 239.1.2.3

using test::udp::folded_sum;
using test::udp::slice;

std::uint16_t word(const Bytes& b, std::size_t at) {
    return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

// A UDP datagram 5000 → 5001 with `data` octets 0, 1, 2, … and its IPv4 checksum for
// 192.0.2.10 → 239.1.2.3, computed here.
Bytes udp4(std::size_t data) {
    const auto length = data + 8;
    Bytes udp = {0x13,
                 0x88,
                 0x13,
                 0x89,
                 static_cast<std::uint8_t>(length >> 8),
                 static_cast<std::uint8_t>(length),
                 0,
                 0};
    for (std::size_t i = 0; i < data; ++i) {
        udp.push_back(static_cast<std::uint8_t>(i));
    }
    Bytes pseudo = {192, 0, 2, 10, 239, 1, 2, 3, 0, 17, udp[4], udp[5]};
    pseudo.insert(pseudo.end(), udp.begin(), udp.end());
    const auto checksum = static_cast<std::uint16_t>(~folded_sum(pseudo));
    udp[6] = static_cast<std::uint8_t>(checksum >> 8);
    udp[7] = static_cast<std::uint8_t>(checksum);
    return udp;
}

Bytes ipv4(const Bytes& payload, std::uint16_t flags_offset = 0) {
    test::v4::Ipv4Fields f;
    f.source = net::Ipv4Address{0xc000020aU};
    f.destination = net::Ipv4Address{0xef010203U};
    f.tos = 0;
    f.ttl = 16;
    f.protocol = 17;
    f.identification = 0x1234;
    f.flags_offset = flags_offset;
    f.options = {};
    return test::v4::make_ipv4(f, payload);
}

// The translated copy of `v4`, which must outlive it.
TranslatedCopy translated(const Bytes& v4) {
    const auto parsed = parse_ipv4(v4);
    EXPECT_TRUE(parsed);
    const auto copy = translate_to_ipv6(*parsed, kSource6, kGroup6);
    EXPECT_TRUE(copy);
    return *copy;
}

Bytes piece(const Ipv6FragmentWriter& f, std::size_t i) {
    Bytes out(f.size(i));
    EXPECT_EQ(f.write(i, out), out.size());
    return out;
}

struct Reassembled {
    Bytes data; // the fragmentable parts, in order
    std::uint16_t first_offset = 0;
    bool last_more = false;
};

// Checks what every piece must hold (a valid IPv6 fragment of ≤ mtu octets, Fragment
// header with Next Header 17 and Identification 0x00001234, each piece starting where the
// one before ended) and joins their data.
Reassembled reassemble(const Ipv6FragmentWriter& f, std::size_t mtu) {
    Reassembled r;
    for (std::size_t i = 0; i < f.count(); ++i) {
        const auto p = piece(f, i);
        EXPECT_LE(p.size(), mtu) << i;
        const auto parsed = parse_ipv6(p);
        EXPECT_TRUE(parsed) << i;
        EXPECT_EQ(word(p, 4), p.size() - 40) << i;
        EXPECT_EQ(p[6], 44) << i;
        EXPECT_EQ(to_hex(slice(p, 40, 2)), "1100") << i;
        EXPECT_EQ(to_hex(slice(p, 44, 4)), "00001234") << i;
        const auto offset = static_cast<std::uint16_t>(word(p, 42) >> 3);
        if (i == 0) {
            r.first_offset = offset;
        } else {
            EXPECT_EQ((std::size_t{offset} - r.first_offset) * 8, r.data.size()) << i;
        }
        const bool more = (word(p, 42) & 1) != 0;
        if (i + 1 < f.count()) {
            EXPECT_TRUE(more) << i;
            EXPECT_EQ((p.size() - 48) % 8, 0U) << i;
        }
        r.last_more = more;
        r.data.insert(r.data.end(), p.begin() + 48, p.end());
    }
    return r;
}

// The reassembled datagram verifies under the IPv6 pseudo-header.
bool udp_verifies_v6(const Bytes& udp) {
    Bytes addresses(kSource6.bytes().begin(), kSource6.bytes().end());
    addresses.insert(addresses.end(), kGroup6.bytes().begin(), kGroup6.bytes().end());
    return test::udp::verifies(addresses, udp);
}

TEST(Ipv6Fragment, APiecesBytesAreWrittenOutByHand) {
    // 24 data octets (UDP 32) in a 72-octet copy, at MTU 64: 16 + 16 octets of data.
    const auto v4 = ipv4(udp4(24));
    const auto copy = translated(v4);
    ASSERT_EQ(copy.size(), 72U);
    const auto f = Ipv6FragmentWriter::plan(copy, 64);
    ASSERT_TRUE(f);
    ASSERT_EQ(f->count(), 2U);
    Bytes whole(copy.size());
    ASSERT_EQ(copy.write(whole), whole.size());
    const auto a = piece(*f, 0);
    const auto b = piece(*f, 1);
    // Payload Length 24, Next Header 44, hop limit 15, the addresses as in the copy.
    EXPECT_EQ(to_hex(slice(a, 0, 8)), "60000000"
                                      "0018"
                                      "2c0f");
    EXPECT_EQ(to_hex(slice(a, 8, 32)), to_hex(slice(whole, 8, 32)));
    // Fragment header: Next Header 17, offset 0, M, Identification 0x00001234.
    EXPECT_EQ(to_hex(slice(a, 40, 8)), "11000001"
                                       "00001234");
    // The UDP header with the IPv6 checksum, then data octets 0–7.
    EXPECT_EQ(to_hex(slice(a, 48, 16)), to_hex(slice(whole, 40, 8)) + "0001020304050607");
    // Offset 2 (16 octets), no M; data octets 8–23.
    EXPECT_EQ(to_hex(slice(b, 0, 8)), "60000000"
                                      "0018"
                                      "2c0f");
    EXPECT_EQ(to_hex(slice(b, 40, 8)), "11000010"
                                       "00001234");
    EXPECT_EQ(to_hex(slice(b, 48, 16)), "08090a0b0c0d0e0f1011121314151617");
}

TEST(Ipv6Fragment, OnlyACopyLargerThanTheMtuIsCut) {
    const auto v4 = ipv4(udp4(1472)); // 1500 octets of IPv4, 1520 of IPv6
    const auto copy = translated(v4);
    ASSERT_EQ(copy.size(), 1520U);
    EXPECT_FALSE(Ipv6FragmentWriter::plan(copy, 1521));  // MTU + 1
    EXPECT_FALSE(Ipv6FragmentWriter::plan(copy, 1520));  // MTU
    const auto f = Ipv6FragmentWriter::plan(copy, 1519); // MTU − 1
    ASSERT_TRUE(f);
    // (1519 − 48) rounded down to 8 = 1464 octets, then the last 16.
    ASSERT_EQ(f->count(), 2U);
    EXPECT_EQ(f->size(0), 48U + 1464U);
    EXPECT_EQ(f->size(1), 48U + 16U);
    EXPECT_EQ(f->size(2), 0U);
}

TEST(Ipv6Fragment, ThePiecesReassembleIntoTheCopy) {
    const auto v4 = ipv4(udp4(1472));
    const auto copy = translated(v4);
    Bytes whole(copy.size());
    ASSERT_EQ(copy.write(whole), whole.size());
    for (const std::size_t mtu : {1280U, 1500U, 576U, 56U}) {
        const auto f = Ipv6FragmentWriter::plan(copy, mtu);
        ASSERT_TRUE(f) << mtu;
        const std::size_t per_piece = (mtu - 48) / 8 * 8;
        EXPECT_EQ(f->count(), (1480 + per_piece - 1) / per_piece) << mtu; // as few as fit
        const auto r = reassemble(*f, mtu);
        EXPECT_EQ(r.first_offset, 0U);
        EXPECT_FALSE(r.last_more);
        EXPECT_EQ(r.data, slice(whole, 40, whole.size() - 40)) << mtu;
        EXPECT_TRUE(udp_verifies_v6(r.data)) << mtu;
    }
}

TEST(Ipv6Fragment, AFragmentIsCutAgainKeepingItsIdOffsetAndMore) {
    // A middle IPv4 fragment (offset 100, MF) of 48 octets, at MTU 80: 32 + 16.
    const auto data = slice(udp4(100), 0, 48);
    const auto middle_v4 = ipv4(data, 0x2000 | 100);
    const auto middle = translated(middle_v4);
    ASSERT_EQ(middle.header_length, 48U);
    const auto f = Ipv6FragmentWriter::plan(middle, 80);
    ASSERT_TRUE(f);
    ASSERT_EQ(f->count(), 2U);
    const auto r = reassemble(*f, 80);
    EXPECT_EQ(r.first_offset, 100U);
    EXPECT_TRUE(r.last_more); // not the original's last
    EXPECT_EQ(r.data, data);
    // The last IPv4 fragment: its last piece has M clear.
    const auto last_v4 = ipv4(data, 100);
    const auto last = translated(last_v4);
    const auto g = Ipv6FragmentWriter::plan(last, 80);
    ASSERT_TRUE(g);
    const auto s = reassemble(*g, 80);
    EXPECT_EQ(s.first_offset, 100U);
    EXPECT_FALSE(s.last_more);
    // A first fragment: the IPv6 checksum lands in the first piece's UDP header.
    const auto first_v4 = ipv4(data, 0x2000);
    const auto first = translated(first_v4);
    Bytes whole(first.size());
    ASSERT_EQ(first.write(whole), whole.size());
    const auto h = Ipv6FragmentWriter::plan(first, 64);
    ASSERT_TRUE(h);
    const auto t = reassemble(*h, 64);
    EXPECT_EQ(t.first_offset, 0U);
    EXPECT_TRUE(t.last_more);
    EXPECT_EQ(t.data, slice(whole, 48, whole.size() - 48));
    EXPECT_NE(word(t.data, 6), word(data, 6)); // the IPv6 checksum, not the IPv4 one
}

TEST(Ipv6Fragment, NotFragmented) {
    const auto v4 = ipv4(udp4(200));
    const auto copy = translated(v4);
    // No room for the headers and 8 octets of data.
    EXPECT_FALSE(Ipv6FragmentWriter::plan(copy, 55));
    EXPECT_TRUE(Ipv6FragmentWriter::plan(copy, 56));
    // Don't Fragment on the IPv4 packet (X10).
    const auto df_v4 = ipv4(udp4(200), 0x4000);
    EXPECT_FALSE(Ipv6FragmentWriter::plan(translated(df_v4), 100));
    // The last piece's offset would not fit 13 bits.
    const auto far_v4 = ipv4(slice(udp4(200), 0, 200), 0x1ff0);
    EXPECT_FALSE(Ipv6FragmentWriter::plan(translated(far_v4), 100));
    // An IPv4 copy.
    TranslatedCopy ipv4_copy = copy;
    ipv4_copy.protocol = NetworkProtocol::Ipv4;
    EXPECT_FALSE(Ipv6FragmentWriter::plan(ipv4_copy, 100));
}

TEST(Ipv6Fragment, WriteRefusesASmallBufferOrAnIndexPastTheEnd) {
    const auto v4 = ipv4(udp4(200));
    const auto copy = translated(v4);
    const auto f = Ipv6FragmentWriter::plan(copy, 100);
    ASSERT_TRUE(f);
    Bytes small(f->size(0) - 1);
    EXPECT_EQ(f->write(0, small), 0U);
    Bytes big(200);
    EXPECT_EQ(f->write(f->count(), big), 0U);
}

} // namespace
} // namespace ecmh::wire
