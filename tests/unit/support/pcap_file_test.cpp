// SPDX-License-Identifier: BSD-3-Clause
// The classic pcap reader the capture tests rely on, against tiny hand-made files.
#include "support/pcap_file.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <vector>

using namespace ecmh::test;

namespace {

using Bytes = std::vector<std::uint8_t>;

// Little-endian, microseconds, Ethernet, snaplen 65535, two records (3 and 0 bytes).
const Bytes kLittleMicro = {
    0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, // magic, 2.4
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // thiszone, sigfigs
    0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, // snaplen 65535, link type 1
    0x10, 0x00, 0x00, 0x00, 0x3f, 0x42, 0x0f, 0x00, // 16 s, 999'999 µs
    0x03, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, // incl 3, orig 60
    0xaa, 0xbb, 0xcc,                               //
    0x11, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, // 17 s, 1 µs
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // incl 0, orig 0
};

// Big-endian, nanoseconds, raw IP (101) with FCS bits set above the link type.
const Bytes kBigNano = {
    0xa1, 0xb2, 0x3c, 0x4d, 0x00, 0x02, 0x00, 0x04, //
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
    0x00, 0x04, 0x00, 0x00, 0x10, 0x00, 0x00, 0x65, // snaplen 262144, FCS bits + 101
    0x00, 0x00, 0x00, 0x05, 0x3b, 0x9a, 0xc9, 0xff, // 5 s, 999'999'999 ns
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x05, 0xdc, // incl 2, orig 1500
    0x45, 0x00,                                     //
};

} // namespace

TEST(PcapFile, ReadsLittleEndianMicroseconds) {
    const auto file = parse_pcap(kLittleMicro);
    ASSERT_TRUE(file.has_value()) << to_string(file.error());
    EXPECT_EQ(file->version_major, 2);
    EXPECT_EQ(file->version_minor, 4);
    EXPECT_FALSE(file->big_endian);
    EXPECT_FALSE(file->nanosecond);
    EXPECT_EQ(file->snaplen, 65535U);
    EXPECT_EQ(file->link_type, 1);
    ASSERT_EQ(file->records.size(), 2U);
    EXPECT_EQ(file->records[0].timestamp, (PcapTimestamp{16, 999'999'000U}));
    EXPECT_EQ(file->records[0].bytes, (Bytes{0xaa, 0xbb, 0xcc}));
    EXPECT_EQ(file->records[0].original_length, 60U);
    EXPECT_EQ(file->records[1].timestamp, (PcapTimestamp{17, 1000}));
    EXPECT_TRUE(file->records[1].bytes.empty());
    EXPECT_EQ(file->records[1].original_length, 0U);
}

TEST(PcapFile, ReadsBigEndianNanosecondsAndMasksTheFcsBits) {
    const auto file = parse_pcap(kBigNano);
    ASSERT_TRUE(file.has_value()) << to_string(file.error());
    EXPECT_TRUE(file->big_endian);
    EXPECT_TRUE(file->nanosecond);
    EXPECT_EQ(file->snaplen, 262144U);
    EXPECT_EQ(file->link_type, 101);
    ASSERT_EQ(file->records.size(), 1U);
    EXPECT_EQ(file->records[0].timestamp, (PcapTimestamp{5, 999'999'999U}));
    EXPECT_EQ(file->records[0].bytes, (Bytes{0x45, 0x00}));
    EXPECT_EQ(file->records[0].original_length, 1500U);
}

TEST(PcapFile, HeaderOnlyIsAnEmptyCapture) {
    const Bytes header(kLittleMicro.begin(), kLittleMicro.begin() + 24);
    const auto file = parse_pcap(header);
    ASSERT_TRUE(file.has_value());
    EXPECT_TRUE(file->records.empty());
}

TEST(PcapFile, RejectsMalformedFiles) {
    const auto error_of = [](const Bytes& bytes) {
        const auto file = parse_pcap(bytes);
        return file.has_value() ? std::string_view{"parsed"} : to_string(file.error());
    };
    EXPECT_EQ(error_of({}), "truncated-header");
    EXPECT_EQ(error_of(Bytes(kLittleMicro.begin(), kLittleMicro.begin() + 23)), "truncated-header");

    Bytes pcapng = kLittleMicro;
    pcapng[0] = 0x0a, pcapng[1] = 0x0d, pcapng[2] = 0x0d, pcapng[3] = 0x0a;
    EXPECT_EQ(error_of(pcapng), "bad-magic");

    Bytes version = kLittleMicro;
    version[4] = 0x01;
    EXPECT_EQ(error_of(version), "bad-version");

    // A record header cut short, and captured bytes cut short.
    EXPECT_EQ(error_of(Bytes(kLittleMicro.begin(), kLittleMicro.begin() + 24 + 15)),
              "truncated-record");
    EXPECT_EQ(error_of(Bytes(kLittleMicro.begin(), kLittleMicro.begin() + 24 + 16 + 2)),
              "truncated-record");

    Bytes longer = kLittleMicro;
    longer[32] = 0x3d; // incl 61 > orig 60
    EXPECT_EQ(error_of(longer), "bad-record-length");

    Bytes huge = kLittleMicro;
    huge[32] = 0x01, huge[34] = 0x04; // incl 262145
    huge[36] = 0x01, huge[38] = 0x04;
    EXPECT_EQ(error_of(huge), "bad-record-length");
}

TEST(PcapFile, ReportsAMissingFile) {
    const auto file = read_pcap_file(std::string(ECMH_TEST_DATA_DIR) + "/captures/no-such.pcap");
    ASSERT_FALSE(file.has_value());
    EXPECT_EQ(file.error(), PcapError::CannotOpen);
}

TEST(PcapFile, ReadsTheCommittedCaptures) {
    const auto file =
        read_pcap_file(std::string(ECMH_TEST_DATA_DIR) + "/captures/igmpv1_join_leave.pcap");
    ASSERT_TRUE(file.has_value()) << to_string(file.error());
    EXPECT_EQ(file->link_type, 1);
    EXPECT_FALSE(file->nanosecond);
    ASSERT_EQ(file->records.size(), 2U);
    for (const auto& record : file->records) {
        EXPECT_EQ(record.bytes.size(), 46U); // veth frames are not padded to 60
        EXPECT_EQ(record.original_length, 46U);
    }
}
