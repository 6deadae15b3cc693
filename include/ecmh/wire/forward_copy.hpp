// SPDX-License-Identifier: BSD-3-Clause
// The one rewrite a forwarded multicast packet gets. Every copy carries the received
// bytes except for: the hop limit / TTL one lower (RFC 8200 §3, RFC 791 §3.2), IPv4's
// header checksum adjusted for it (RFC 1624 eqn. 3), and a UDP/TCP checksum that was
// left to offload, completed (checksum_offload.hpp). prepare_copy() works all of that
// out once per packet from the parsed header; ForwardCopy::write() then puts each copy
// straight into its transmit slot: one memcpy and a few byte stores, nothing parsed again.
// The copy also says what its link header needs: the network protocol and the group's
// multicast MAC (RFC 2464 §7, RFC 1112 §6.4).
#pragma once

#include "ecmh/net/mac_address.hpp"
#include "ecmh/wire/ipv4.hpp"
#include "ecmh/wire/ipv6.hpp"
#include "ecmh/wire/link.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace ecmh::wire {

// A 16-bit field to overwrite, at its offset from the start of the IP packet.
struct FieldValue {
    std::size_t offset = 0;
    std::uint16_t value = 0;
    friend bool operator==(const FieldValue&, const FieldValue&) = default;
};

struct ForwardCopy {
    std::span<const std::uint8_t> packet; // as received, Total / Payload Length bytes
    NetworkProtocol protocol = NetworkProtocol::Ipv6;
    net::MacAddress group_mac;
    std::size_t hop_offset = 0;
    std::uint8_t hop = 0;                         // the decremented hop limit / TTL
    std::optional<FieldValue> header_checksum;    // IPv4 only
    std::optional<FieldValue> transport_checksum; // a completed offload

    [[nodiscard]] std::size_t size() const { return packet.size(); }
    // Writes the copy into `out`, which must hold size() bytes. Returns size(), or 0
    // (nothing written) when it does not fit.
    [[nodiscard]] std::size_t write(std::span<std::uint8_t> out) const;
};

// For a packet the forwarding decision accepted (hop limit / TTL ≥ 2; a lower one is
// clamped at 0 rather than wrapped).
[[nodiscard]] ForwardCopy prepare_copy(const Ipv6Packet& packet);
[[nodiscard]] ForwardCopy prepare_copy(const Ipv4Packet& packet);

} // namespace ecmh::wire
