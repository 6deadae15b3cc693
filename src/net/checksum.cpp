// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/net/checksum.hpp"

namespace ecmh::net {

void ChecksumAccumulator::add(std::span<const std::uint8_t> data) {
    std::size_t i = 0;
    if (odd_ && !data.empty()) {
        sum_ += data[0]; // the low byte of the word the previous piece started
        i = 1;
        odd_ = false;
    }
    for (; i + 1 < data.size(); i += 2) {
        sum_ += (std::uint64_t{data[i]} << 8) | data[i + 1];
    }
    if (i < data.size()) {
        sum_ += std::uint64_t{data[i]} << 8;
        odd_ = true;
    }
}

void ChecksumAccumulator::add_u16(std::uint16_t v) {
    const std::uint8_t bytes[2] = {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    add(bytes);
}

void ChecksumAccumulator::add_u32(std::uint32_t v) {
    add_u16(static_cast<std::uint16_t>(v >> 16));
    add_u16(static_cast<std::uint16_t>(v));
}

std::uint16_t ChecksumAccumulator::finish() const {
    std::uint64_t s = sum_;
    while ((s >> 16) != 0) {
        s = (s & 0xffff) + (s >> 16);
    }
    return static_cast<std::uint16_t>(~s);
}

std::uint16_t internet_checksum(std::span<const std::uint8_t> data) {
    ChecksumAccumulator acc;
    acc.add(data);
    return acc.finish();
}

ChecksumAccumulator ipv6_pseudo_header(const Ipv6Address& source, const Ipv6Address& destination,
                                       std::uint32_t upper_layer_length, std::uint8_t next_header) {
    ChecksumAccumulator acc;
    acc.add(source.bytes());
    acc.add(destination.bytes());
    acc.add_u32(upper_layer_length);
    acc.add_u32(next_header); // three zero bytes, then the next header value
    return acc;
}

std::uint16_t checksum_adjust(std::uint16_t checksum, std::uint16_t old_field,
                              std::uint16_t new_field) {
    // HC' = ~(~HC + ~m + m')
    std::uint32_t s = static_cast<std::uint16_t>(~checksum);
    s += static_cast<std::uint16_t>(~old_field);
    s += new_field;
    while ((s >> 16) != 0) {
        s = (s & 0xffff) + (s >> 16);
    }
    return static_cast<std::uint16_t>(~s);
}

} // namespace ecmh::net
