// SPDX-License-Identifier: BSD-3-Clause
#include "ipv4_packets.hpp"

#include "ecmh/net/checksum.hpp"
#include "hex.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace ecmh::test::v4 {
namespace {

void put_u16(Bytes& bytes, std::size_t at, std::uint16_t value) {
    bytes[at] = static_cast<std::uint8_t>(value >> 8);
    bytes[at + 1] = static_cast<std::uint8_t>(value);
}

std::size_t total_length(const Bytes& packet) {
    return packet.size() < 4 ? 0 : (std::size_t{packet[2]} << 8) | packet[3];
}

} // namespace

Bytes hex(std::string_view text) {
    return from_hex(text);
}

Bytes make_ipv4(const Ipv4Fields& fields, std::span<const std::uint8_t> payload) {
    Bytes options = fields.options;
    options.resize((options.size() + 3) / 4 * 4, 0);
    const std::size_t header_length = 20 + options.size();
    Bytes packet(header_length, 0);
    packet[0] = static_cast<std::uint8_t>(0x40 | (header_length / 4));
    packet[1] = fields.tos;
    put_u16(packet, 4, fields.identification);
    put_u16(packet, 6, fields.flags_offset);
    packet[8] = fields.ttl;
    packet[9] = fields.protocol;
    const auto source = fields.source.bytes();
    const auto destination = fields.destination.bytes();
    std::copy(source.begin(), source.end(), packet.begin() + 12);
    std::copy(destination.begin(), destination.end(), packet.begin() + 16);
    std::copy(options.begin(), options.end(), packet.begin() + 20);
    packet.insert(packet.end(), payload.begin(), payload.end());
    set_total_length(packet, packet.size());
    fix_header_checksum(packet);
    return packet;
}

Bytes igmp_with_checksum(Bytes message) {
    if (message.size() >= 4) {
        put_u16(message, 2, 0);
        put_u16(message, 2, net::internet_checksum(message));
    }
    return message;
}

std::size_t ihl_bytes(std::span<const std::uint8_t> packet) {
    return packet.empty() ? 0 : std::size_t{packet[0] & 0x0fU} * 4;
}

void set_total_length(Bytes& packet, std::size_t length) {
    put_u16(packet, 2, static_cast<std::uint16_t>(length));
}

void fix_header_checksum(Bytes& packet) {
    const std::size_t end = std::min(ihl_bytes(packet), packet.size());
    if (end < 12) {
        return;
    }
    put_u16(packet, 10, 0);
    put_u16(packet, 10, net::internet_checksum(std::span{packet}.first(end)));
}

void fix_igmp_checksum(Bytes& packet) {
    const std::size_t start = ihl_bytes(packet);
    const std::size_t end = std::min(total_length(packet), packet.size());
    if (end < start + 4) {
        return;
    }
    put_u16(packet, start + 2, 0);
    put_u16(packet, start + 2,
            net::internet_checksum(std::span{packet}.subspan(start, end - start)));
}

void fix_checksums(Bytes& packet) {
    fix_igmp_checksum(packet);
    fix_header_checksum(packet);
}

Bytes truncate_consistent(const Bytes& packet, std::size_t igmp_length) {
    Bytes out(packet.begin(),
              packet.begin() + static_cast<std::ptrdiff_t>(ihl_bytes(packet) + igmp_length));
    set_total_length(out, out.size());
    fix_checksums(out);
    return out;
}

Bytes truncate_lying(const Bytes& packet, std::size_t frame_length) {
    return Bytes(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(frame_length));
}

} // namespace ecmh::test::v4
