// SPDX-License-Identifier: BSD-3-Clause
#include "support/pcap_file.hpp"

#include <cstddef>
#include <fstream>
#include <iterator>
#include <utility>

namespace ecmh::test {
namespace {

constexpr std::size_t kFileHeaderSize = 24;
constexpr std::size_t kRecordHeaderSize = 16;

constexpr std::uint32_t kMagicMicro = 0xa1b2c3d4U;
constexpr std::uint32_t kMagicNano = 0xa1b23c4dU;

std::uint32_t load_u32(std::span<const std::uint8_t> b, std::size_t at, bool big_endian) {
    const std::uint32_t b0 = b[at], b1 = b[at + 1], b2 = b[at + 2], b3 = b[at + 3];
    return big_endian ? (b0 << 24) | (b1 << 16) | (b2 << 8) | b3
                      : (b3 << 24) | (b2 << 16) | (b1 << 8) | b0;
}

std::uint16_t load_u16(std::span<const std::uint8_t> b, std::size_t at, bool big_endian) {
    const std::uint32_t b0 = b[at], b1 = b[at + 1];
    return static_cast<std::uint16_t>(big_endian ? (b0 << 8) | b1 : (b1 << 8) | b0);
}

} // namespace

std::string_view to_string(PcapError error) {
    switch (error) {
    case PcapError::CannotOpen:
        return "cannot-open";
    case PcapError::TruncatedHeader:
        return "truncated-header";
    case PcapError::BadMagic:
        return "bad-magic";
    case PcapError::BadVersion:
        return "bad-version";
    case PcapError::TruncatedRecord:
        return "truncated-record";
    case PcapError::BadRecordLength:
        return "bad-record-length";
    }
    return "unknown";
}

net::Expected<PcapFile, PcapError> parse_pcap(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < kFileHeaderSize) {
        return net::unexpected(PcapError::TruncatedHeader);
    }
    PcapFile file;
    const std::uint32_t magic_le = load_u32(bytes, 0, false);
    const std::uint32_t magic_be = load_u32(bytes, 0, true);
    if (magic_le == kMagicMicro || magic_le == kMagicNano) {
        file.big_endian = false;
        file.nanosecond = magic_le == kMagicNano;
    } else if (magic_be == kMagicMicro || magic_be == kMagicNano) {
        file.big_endian = true;
        file.nanosecond = magic_be == kMagicNano;
    } else {
        return net::unexpected(PcapError::BadMagic);
    }
    const bool be = file.big_endian;
    file.version_major = load_u16(bytes, 4, be);
    file.version_minor = load_u16(bytes, 6, be);
    if (file.version_major != 2) {
        return net::unexpected(PcapError::BadVersion);
    }
    // Bytes 8..15: thiszone and sigfigs, always 0 in practice; ignored.
    file.snaplen = load_u32(bytes, 16, be);
    // The low 16 bits are the link type; the upper bits carry FCS information.
    file.link_type = static_cast<std::uint16_t>(load_u32(bytes, 20, be) & 0xffffU);

    std::size_t at = kFileHeaderSize;
    while (at < bytes.size()) {
        if (bytes.size() - at < kRecordHeaderSize) {
            return net::unexpected(PcapError::TruncatedRecord);
        }
        PcapRecord record;
        record.timestamp.seconds = load_u32(bytes, at, be);
        const std::uint32_t fraction = load_u32(bytes, at + 4, be);
        record.timestamp.nanoseconds = file.nanosecond ? fraction : fraction * 1000U;
        const std::uint32_t captured = load_u32(bytes, at + 8, be);
        record.original_length = load_u32(bytes, at + 12, be);
        at += kRecordHeaderSize;
        if (captured > kPcapMaxRecordLength || captured > record.original_length) {
            return net::unexpected(PcapError::BadRecordLength);
        }
        if (bytes.size() - at < captured) {
            return net::unexpected(PcapError::TruncatedRecord);
        }
        const auto data = bytes.subspan(at, captured);
        record.bytes.assign(data.begin(), data.end());
        at += captured;
        file.records.push_back(std::move(record));
    }
    return file;
}

net::Expected<PcapFile, PcapError> read_pcap_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return net::unexpected(PcapError::CannotOpen);
    }
    std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in),
                                    std::istreambuf_iterator<char>()};
    if (in.bad()) {
        return net::unexpected(PcapError::CannotOpen);
    }
    return parse_pcap(bytes);
}

} // namespace ecmh::test
