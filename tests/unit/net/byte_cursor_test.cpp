// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/net/byte_reader.hpp"
#include "ecmh/net/byte_writer.hpp"
#include "ecmh/net/checksum.hpp"

#include <array>
#include <gtest/gtest.h>
#include <limits>

using ecmh::net::ByteReader;
using ecmh::net::ByteWriter;

TEST(ByteReader, ReadsBigEndian) {
    const std::uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    ByteReader r{data};
    EXPECT_EQ(r.u8(), 0x01);
    EXPECT_EQ(r.u16(), 0x0203);
    EXPECT_EQ(r.u32(), 0x04050607U);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0U);
}

TEST(ByteReader, FailsStickilyPastTheEnd) {
    const std::uint8_t data[] = {0xaa, 0xbb, 0xcc};
    ByteReader r{data};
    EXPECT_EQ(r.u16(), 0xaabb);
    EXPECT_EQ(r.u16(), 0); // one byte left: fails, returns 0
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.u8(), 0); // stays failed even though a byte remains
    EXPECT_EQ(r.remaining(), 0U);
    EXPECT_TRUE(r.rest().empty());
}

TEST(ByteReader, HugeLengthsDoNotWrap) {
    const std::uint8_t data[] = {1, 2, 3, 4};
    ByteReader r{data};
    r.skip(1);
    EXPECT_TRUE(r.bytes(std::numeric_limits<std::size_t>::max()).empty());
    EXPECT_FALSE(r.ok());
}

TEST(ByteReader, EveryTruncationOffsetFailsSafely) {
    const std::uint8_t data[] = {1, 2, 3, 4, 5, 6, 7, 8};
    for (std::size_t len = 0; len < sizeof data; ++len) {
        ByteReader r{std::span(data, len)};
        (void)r.u32();
        (void)r.u32();
        EXPECT_FALSE(r.ok()) << len;
    }
}

TEST(ByteWriter, WritesAndPatches) {
    std::array<std::uint8_t, 8> buf{};
    ByteWriter w{buf};
    w.u16(0x1234);
    w.u32(0xdeadbeef);
    w.u8(0x7f);
    w.patch_u16(0, 0xabcd);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w.size(), 7U);
    EXPECT_EQ(buf[0], 0xab);
    EXPECT_EQ(buf[1], 0xcd);
    EXPECT_EQ(buf[5], 0xef);
    w.u16(1); // does not fit in the one byte left
    EXPECT_FALSE(w.ok());
    EXPECT_EQ(buf[7], 0); // nothing partial was written
}

TEST(ByteWriter, PatchOutsideWrittenFails) {
    std::array<std::uint8_t, 8> buf{};
    ByteWriter w{buf};
    w.u8(1);
    w.patch_u16(0, 1);
    EXPECT_FALSE(w.ok());
}

TEST(Checksum, Rfc1071Example) {
    // RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
    const std::uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(ecmh::net::internet_checksum(data), static_cast<std::uint16_t>(~0xddf2));
}

TEST(Checksum, PiecesOfOddLengthEqualTheWhole) {
    std::uint8_t data[37];
    for (std::size_t i = 0; i < sizeof data; ++i) {
        data[i] = static_cast<std::uint8_t>(i * 37 + 11);
    }
    const auto whole = ecmh::net::internet_checksum(data);
    for (std::size_t split = 0; split <= sizeof data; ++split) {
        ecmh::net::ChecksumAccumulator acc;
        acc.add(std::span(data, split));
        acc.add(std::span(data + split, sizeof data - split));
        EXPECT_EQ(acc.finish(), whole) << split;
    }
}

TEST(Checksum, IncrementalUpdateMatchesRecompute) {
    // An IPv4 header (RFC 1071-style example) whose TTL is decremented.
    std::uint8_t hdr[20] = {0x45, 0x00, 0x00, 0x54, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11,
                            0x00, 0x00, 0xc0, 0x00, 0x02, 0x01, 0xef, 0x01, 0x01, 0x01};
    const auto sum = ecmh::net::internet_checksum(hdr);
    hdr[10] = static_cast<std::uint8_t>(sum >> 8);
    hdr[11] = static_cast<std::uint8_t>(sum);
    const std::uint16_t old_word = static_cast<std::uint16_t>((hdr[8] << 8) | hdr[9]);
    hdr[8] = 0x3f;
    const std::uint16_t new_word = static_cast<std::uint16_t>((hdr[8] << 8) | hdr[9]);
    const auto adjusted = ecmh::net::checksum_adjust(sum, old_word, new_word);
    hdr[10] = 0;
    hdr[11] = 0;
    EXPECT_EQ(adjusted, ecmh::net::internet_checksum(hdr));
}
