// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/wire/checksum_offload.hpp"

#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/constants.hpp"

namespace ecmh::wire {
namespace {

// Where the checksum field sits in the transport header, or 0 for transports whose
// checksum Linux always computes in software (ICMP, ICMPv6) or that have none.
std::size_t checksum_field(std::uint8_t protocol) {
    switch (protocol) {
    case kProtoUdp:
        return 6;
    case kProtoTcp:
        return 16;
    default:
        return 0;
    }
}

std::uint16_t read16(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

std::optional<ChecksumCompletion> complete(net::ChecksumAccumulator pseudo, std::uint8_t protocol,
                                           std::span<const std::uint8_t> payload,
                                           std::size_t payload_offset) {
    const std::size_t field = checksum_field(protocol);
    if (field == 0 || payload.size() < field + 2) {
        return std::nullopt;
    }
    // The partial value the stack stored is the folded pseudo-header sum, i.e. the
    // complement of what finish() returns for the pseudo-header alone.
    const auto partial = static_cast<std::uint16_t>(~pseudo.finish());
    if (read16(payload, field) != partial) {
        return std::nullopt;
    }
    pseudo.add(payload.first(field));
    pseudo.add(payload.subspan(field + 2));
    std::uint16_t value = pseudo.finish();
    if (protocol == kProtoUdp && value == 0) {
        value = 0xffff; // UDP sends a computed zero as all ones (RFC 768, RFC 8200 §8.1)
    }
    return ChecksumCompletion{payload_offset + field, value};
}

} // namespace

std::optional<ChecksumCompletion> offloaded_checksum(const Ipv6Packet& p) {
    if (p.is_fragment) {
        return std::nullopt;
    }
    return complete(net::ipv6_pseudo_header(p.source, p.destination,
                                            static_cast<std::uint32_t>(p.payload.size()),
                                            p.next_header),
                    p.next_header, p.payload, p.header_length);
}

std::optional<ChecksumCompletion> offloaded_checksum(const Ipv4Packet& p) {
    if (p.is_fragment()) {
        return std::nullopt;
    }
    if (p.protocol == kProtoUdp && p.payload.size() >= 8 && read16(p.payload, 6) == 0) {
        return std::nullopt; // IPv4 UDP without a checksum stays so
    }
    net::ChecksumAccumulator pseudo;
    pseudo.add_u32(p.source.value());
    pseudo.add_u32(p.destination.value());
    pseudo.add_u16(p.protocol);
    pseudo.add_u16(static_cast<std::uint16_t>(p.payload.size()));
    return complete(pseudo, p.protocol, p.payload, p.header_length);
}

} // namespace ecmh::wire
