// SPDX-License-Identifier: BSD-3-Clause
// The link layer: Ethernet II with an optional 802.1Q tag, and links without a link
// header (tun, sit, ppp: libpcap DLT_RAW), where the IP version nibble tells the
// protocol. The result is the network-layer payload and its protocol; nothing here
// trims to the IP length (the IP parsers do, so Ethernet padding never matters).
#pragma once

#include "ecmh/net/byte_writer.hpp"
#include "ecmh/net/expected.hpp"
#include "ecmh/net/mac_address.hpp"
#include "ecmh/wire/parse_error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace ecmh::wire {

enum class LinkType : std::uint8_t {
    Ethernet, // DLT_EN10MB
    Raw,      // DLT_RAW: the frame starts with the IP header
    LinuxSll, // DLT_LINUX_SLL: 16-byte cooked header, protocol at offset 14
};

enum class NetworkProtocol : std::uint8_t { Ipv4, Ipv6 };

struct LinkFrame {
    // Ethernet only; all-zero for the other link types.
    net::MacAddress destination;
    net::MacAddress source;
    std::optional<std::uint16_t> vlan_tci; // 802.1Q tag control information
    NetworkProtocol protocol = NetworkProtocol::Ipv6;
    std::span<const std::uint8_t> payload; // the IP packet, possibly with link padding
};

[[nodiscard]] net::Expected<LinkFrame, ParseError>
parse_link_frame(LinkType type, std::span<const std::uint8_t> frame);

// The multicast MAC (RFC 2464 §7, RFC 1112 §6.4) of the destination of an IP packet
// ecmh built itself (a control message: at least a whole IPv6 / IPv4 header).
[[nodiscard]] net::MacAddress multicast_mac_of(std::span<const std::uint8_t> packet,
                                               NetworkProtocol protocol);

// Writes a 14-byte Ethernet II header (18 with a VLAN tag).
std::size_t write_ethernet_header(net::ByteWriter& out, const net::MacAddress& destination,
                                  const net::MacAddress& source, NetworkProtocol protocol,
                                  std::optional<std::uint16_t> vlan_tci = std::nullopt);

} // namespace ecmh::wire
