// SPDX-License-Identifier: BSD-3-Clause
// A small, dependency-free reader of the classic libpcap file format (the one
// `tcpdump -w` writes): a 24-byte file header, then per packet a 16-byte record
// header and the captured bytes. Both byte orders, microsecond (a1b2c3d4) and
// nanosecond (a1b23c4d) timestamps. pcapng is not read. Test support only.
#pragma once

#include "ecmh/net/expected.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ecmh::test {

enum class PcapError : std::uint8_t {
    CannotOpen,      // the file could not be opened or read
    TruncatedHeader, // fewer than 24 bytes
    BadMagic,        // not a classic pcap magic number (pcapng, garbage)
    BadVersion,      // major version is not 2
    TruncatedRecord, // a record header or its captured bytes run past the end
    BadRecordLength, // captured length above the original length or above 256 KiB
};

[[nodiscard]] std::string_view to_string(PcapError error);

struct PcapTimestamp {
    std::uint32_t seconds = 0;
    std::uint32_t nanoseconds = 0; // microsecond files are scaled up

    friend constexpr bool operator==(const PcapTimestamp&, const PcapTimestamp&) = default;
};

struct PcapRecord {
    PcapTimestamp timestamp;
    std::vector<std::uint8_t> bytes;   // the captured bytes (incl_len of them)
    std::uint32_t original_length = 0; // the length on the wire (orig_len)
};

struct PcapFile {
    std::uint16_t version_major = 0;
    std::uint16_t version_minor = 0;
    bool big_endian = false; // the writer's byte order
    bool nanosecond = false; // a1b23c4d magic
    std::uint32_t snaplen = 0;
    std::uint16_t link_type = 0; // LINKTYPE_* (1 = Ethernet, 101 = raw IP, 113 = SLL)
    std::vector<PcapRecord> records;
};

// The largest captured length accepted (libpcap's MAXIMUM_SNAPLEN).
inline constexpr std::uint32_t kPcapMaxRecordLength = 262144;

[[nodiscard]] net::Expected<PcapFile, PcapError> parse_pcap(std::span<const std::uint8_t> bytes);
[[nodiscard]] net::Expected<PcapFile, PcapError> read_pcap_file(const std::string& path);

} // namespace ecmh::test
