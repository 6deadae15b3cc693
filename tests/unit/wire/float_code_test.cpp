// SPDX-License-Identifier: BSD-3-Clause
// Table tests for the floating-point codes, at every boundary (rfc-map item 9, P4-8, P4-10, P4-11).
#include "ecmh/wire/float_code.hpp"

#include <gtest/gtest.h>

using namespace ecmh::wire;

TEST(MldCode, WorkedEncodings) {
    const struct {
        std::uint32_t value;
        std::uint16_t code;
        std::uint32_t decoded;
    } rows[] = {
        {0, 0x0000, 0},
        {1, 0x0001, 1},
        {10000, 0x2710, 10000},
        {32767, 0x7fff, 32767},
        {32768, 0x8000, 32768},
        {32775, 0x8000, 32768}, // next lower
        {32776, 0x8001, 32776},
        {40000, 0x8388, 40000},
        {60000, 0x8d4c, 60000},
        {65528, 0x8fff, 65528},
        {65536, 0x9000, 65536},
        {125000, 0x9e84, 124992},
        {kMldCodeMax - 1, 0xfffe, 8386560},
        {kMldCodeMax, 0xffff, kMldCodeMax},
        {0xffffffffU, 0xffff, kMldCodeMax},
    };
    for (const auto& r : rows) {
        EXPECT_EQ(encode_mld_code(r.value), r.code) << r.value;
        EXPECT_EQ(decode_mld_code(r.code), r.decoded) << r.code;
    }
}

TEST(MldCode, EveryCodeRoundTripsAndEncodingNeverRoundsUp) {
    std::uint32_t previous = 0;
    for (std::uint32_t code = 0; code <= 0xffff; ++code) {
        const auto value = decode_mld_code(static_cast<std::uint16_t>(code));
        EXPECT_EQ(encode_mld_code(value), code) << code;
        if (code > 0) {
            EXPECT_GT(value, previous) << code; // codes are strictly increasing
            // Anything between two representable values encodes to the lower one.
            EXPECT_EQ(decode_mld_code(encode_mld_code(value - 1)), previous) << code;
        }
        previous = value;
    }
}

TEST(ByteCode, WorkedEncodings) {
    const struct {
        std::uint32_t value;
        std::uint8_t code;
        std::uint32_t decoded;
    } rows[] = {
        {0, 0x00, 0},         {10, 0x0a, 10},       {100, 0x64, 100},      {125, 0x7d, 125},
        {127, 0x7f, 127},     {128, 0x80, 128},     {135, 0x80, 128},      {136, 0x81, 136},
        {250, 0x8f, 248},     {256, 0x90, 256},     {300, 0x92, 288},      {1000, 0xaf, 992},
        {31743, 0xfe, 30720}, {31744, 0xff, 31744}, {100000, 0xff, 31744},
    };
    for (const auto& r : rows) {
        EXPECT_EQ(encode_byte_code(r.value), r.code) << r.value;
        EXPECT_EQ(decode_byte_code(r.code), r.decoded) << int{r.code};
    }
}

TEST(ByteCode, EveryCodeRoundTripsAndEncodingNeverRoundsUp) {
    std::uint32_t previous = 0;
    for (std::uint32_t code = 0; code <= 0xff; ++code) {
        const auto value = decode_byte_code(static_cast<std::uint8_t>(code));
        EXPECT_EQ(encode_byte_code(value), code) << code;
        if (code > 0) {
            EXPECT_GT(value, previous) << code;
            EXPECT_EQ(decode_byte_code(encode_byte_code(value - 1)), previous) << code;
        }
        previous = value;
    }
}

TEST(Qrv, AboveSevenIsSentAsZero) {
    EXPECT_EQ(encode_qrv(2), 2);
    EXPECT_EQ(encode_qrv(7), 7);
    EXPECT_EQ(encode_qrv(8), 0);
}
