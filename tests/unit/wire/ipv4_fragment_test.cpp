// SPDX-License-Identifier: BSD-3-Clause
// IPv4 fragmentation of a forwarded copy (RFC 791 §3.2, RFC 1812 §4.2.2.7, §5.2.6): as
// few fragments as the MTU allows, in order, 8-octet aligned, every option in the first,
// only the copied ones after it; the expected bytes are written out by hand.
#include "ecmh/wire/ipv4_fragment.hpp"
#include "support/hex.hpp"

#include <gtest/gtest.h>
#include <numeric>

namespace ecmh::wire {
namespace {

using test::Bytes;
using test::from_hex;

// IPv4 from 192.0.2.10 to 239.1.1.1, TTL 7, protocol 17, identification 0xbeef, with
// the header `options` (a multiple of 4 octets) and `payload` octets 0, 1, 2, …
Bytes packet(const Bytes& options, std::size_t payload, std::uint16_t flags_offset = 0) {
    const std::size_t header = 20 + options.size();
    Bytes p = from_hex("45000000beef000007110000c000020aef010101");
    p[0] = static_cast<std::uint8_t>(0x40 | (header / 4));
    p.insert(p.end(), options.begin(), options.end());
    const auto total = header + payload;
    p[2] = static_cast<std::uint8_t>(total >> 8);
    p[3] = static_cast<std::uint8_t>(total);
    p[6] = static_cast<std::uint8_t>(flags_offset >> 8);
    p[7] = static_cast<std::uint8_t>(flags_offset);
    for (std::size_t i = 0; i < payload; ++i) {
        p.push_back(static_cast<std::uint8_t>(i));
    }
    return p;
}

Bytes fragment(const Ipv4Fragmenter& f, std::size_t i) {
    Bytes out(f.size(i));
    EXPECT_EQ(f.write(i, out), out.size());
    return out;
}

// The ones'-complement sum over a header, verified by hand here: 0xffff when valid.
std::uint32_t header_sum(const Bytes& f) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < std::size_t{f[0] & 0x0fU} * 4; i += 2) {
        sum += static_cast<std::uint32_t>((f[i] << 8) | f[i + 1]);
    }
    while (sum > 0xffff) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

TEST(Ipv4Fragment, AFragmentsBytesAreWrittenOutByHand) {
    // 40 octets of payload at MTU 44: 24, then 16.
    const auto p = packet({}, 40);
    const auto f = Ipv4Fragmenter::plan(p, 44);
    ASSERT_TRUE(f);
    ASSERT_EQ(f->count(), 2U);
    const auto first = fragment(*f, 0);
    const auto second = fragment(*f, 1);
    // Total Length 44, MF, offset 0; then the checksum (checked by sum below) and the
    // addresses.
    EXPECT_EQ(test::to_hex(std::span(first).first(10)), "4500002cbeef20000711");
    EXPECT_EQ(test::to_hex(std::span(first).subspan(12, 8)), "c000020aef010101");
    // Total Length 36, no MF, offset 3 (24 octets).
    EXPECT_EQ(test::to_hex(std::span(second).first(10)), "45000024beef00030711");
    EXPECT_EQ(header_sum(first), 0xffffU);
    EXPECT_EQ(header_sum(second), 0xffffU);
    for (std::size_t i = 0; i < 24; ++i) {
        EXPECT_EQ(first[20 + i], i);
    }
    for (std::size_t i = 0; i < 16; ++i) {
        EXPECT_EQ(second[20 + i], 24 + i);
    }
}

TEST(Ipv4Fragment, FewestFragmentsEachMtuSizedButTheLast) {
    const auto p = packet({}, 1480); // 1500 octets
    const auto f = Ipv4Fragmenter::plan(p, 576);
    ASSERT_TRUE(f);
    // 552 + 552 + 376.
    ASSERT_EQ(f->count(), 3U);
    EXPECT_EQ(f->size(0), 572U);
    EXPECT_EQ(f->size(1), 572U);
    EXPECT_EQ(f->size(2), 396U);
    EXPECT_EQ(f->size(3), 0U);
    Bytes joined;
    for (std::size_t i = 0; i < f->count(); ++i) {
        const auto piece = fragment(*f, i);
        EXPECT_LE(piece.size(), 576U);
        EXPECT_EQ(header_sum(piece), 0xffffU);
        EXPECT_EQ((piece[6] << 8 | piece[7]) & 0x1fff, i * 552 / 8);
        EXPECT_EQ((piece[6] & 0x20) != 0, i + 1 < f->count());
        joined.insert(joined.end(), piece.begin() + 20, piece.end());
    }
    EXPECT_TRUE(std::equal(joined.begin(), joined.end(), p.begin() + 20, p.end()));
}

TEST(Ipv4Fragment, OnlyCopiedOptionsFollowTheFirstFragment) {
    // Router Alert (148: copied), a NOP, Record Route (7: not copied, 7 octets), EOL.
    const Bytes options = from_hex("94040000"
                                   "01"
                                   "070704c0000201"
                                   "00"
                                   "000000");
    ASSERT_EQ(options.size(), 16U);
    const auto p = packet(options, 64);
    const auto f = Ipv4Fragmenter::plan(p, 68);
    ASSERT_TRUE(f);
    const auto first = fragment(*f, 0);
    EXPECT_EQ(first[0], 0x49); // IHL 9: every option
    EXPECT_TRUE(std::equal(options.begin(), options.end(), first.begin() + 20));
    EXPECT_EQ(first.size(), 36U + 32U); // (68 − 36) rounded down to 8
    for (std::size_t i = 1; i < f->count(); ++i) {
        const auto later = fragment(*f, i);
        EXPECT_EQ(later[0], 0x46) << i; // IHL 6: Router Alert alone
        EXPECT_EQ(test::to_hex(std::span(later).subspan(20, 4)), "94040000");
        EXPECT_EQ(header_sum(later), 0xffffU);
    }
    // 64 octets: 32 in the first, 40 fit each later one (68 − 24 → 40).
    ASSERT_EQ(f->count(), 2U);
    EXPECT_EQ(f->size(1), 24U + 32U);
}

TEST(Ipv4Fragment, AFragmentIsFragmentedAgainKeepingItsOffsetAndMoreFlag) {
    // A middle fragment: offset 100 (800 octets), More Fragments set.
    const auto p = packet({}, 48, 0x2000 | 100);
    const auto f = Ipv4Fragmenter::plan(p, 44);
    ASSERT_TRUE(f);
    ASSERT_EQ(f->count(), 2U);
    const auto a = fragment(*f, 0);
    const auto b = fragment(*f, 1);
    EXPECT_EQ((a[6] << 8) | a[7], 0x2000 | 100);
    EXPECT_EQ((b[6] << 8) | b[7], 0x2000 | 103); // still not the last of the original
}

TEST(Ipv4Fragment, NotFragmented) {
    // Don't Fragment.
    EXPECT_FALSE(Ipv4Fragmenter::plan(packet({}, 100, 0x4000), 68));
    // It fits.
    EXPECT_FALSE(Ipv4Fragmenter::plan(packet({}, 100), 120));
    // No room for a header and 8 octets.
    EXPECT_FALSE(Ipv4Fragmenter::plan(packet({}, 100), 27));
    // Total Length is not the packet's length.
    auto lying = packet({}, 100);
    lying[3] = static_cast<std::uint8_t>(lying[3] + 1);
    EXPECT_FALSE(Ipv4Fragmenter::plan(lying, 68));
    // IHL beyond the packet, IHL below 5.
    auto long_header = packet({}, 8);
    long_header[0] = 0x4f;
    EXPECT_FALSE(Ipv4Fragmenter::plan(long_header, 20));
    auto short_header = packet({}, 100);
    short_header[0] = 0x44;
    EXPECT_FALSE(Ipv4Fragmenter::plan(short_header, 68));
    // An option whose length runs past the header.
    EXPECT_FALSE(Ipv4Fragmenter::plan(packet(from_hex("07090000"), 100), 68));
    // The last fragment's offset would not fit 13 bits.
    EXPECT_FALSE(Ipv4Fragmenter::plan(packet({}, 100, 0x1ff8), 68));
    EXPECT_FALSE(Ipv4Fragmenter::plan({}, 68));
}

TEST(Ipv4Fragment, WriteRefusesASmallBufferOrAnIndexPastTheEnd) {
    const auto p = packet({}, 100);
    const auto f = Ipv4Fragmenter::plan(p, 68);
    ASSERT_TRUE(f);
    Bytes small(f->size(0) - 1);
    EXPECT_EQ(f->write(0, small), 0U);
    Bytes big(100);
    EXPECT_EQ(f->write(f->count(), big), 0U);
}

} // namespace
} // namespace ecmh::wire
