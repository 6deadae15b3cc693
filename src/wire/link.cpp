// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/wire/link.hpp"

#include "ecmh/net/byte_reader.hpp"
#include "ecmh/wire/constants.hpp"

namespace ecmh::wire {
namespace {

net::Expected<NetworkProtocol, ParseError> protocol_from_ethertype(std::uint16_t ethertype) {
    switch (ethertype) {
    case kEtherTypeIpv6:
        return NetworkProtocol::Ipv6;
    case kEtherTypeIpv4:
        return NetworkProtocol::Ipv4;
    default:
        return net::unexpected(ParseError::UnknownEtherType);
    }
}

net::Expected<LinkFrame, ParseError> parse_ethernet(std::span<const std::uint8_t> frame) {
    net::ByteReader r{frame};
    LinkFrame out;
    out.destination = net::MacAddress::from_span(r.bytes(6)).value_or(net::MacAddress{});
    out.source = net::MacAddress::from_span(r.bytes(6)).value_or(net::MacAddress{});
    std::uint16_t ethertype = r.u16();
    if (!r.ok()) {
        return net::unexpected(ParseError::Truncated); // a runt: < 14 bytes
    }
    if (ethertype == kEtherTypeVlan) {
        out.vlan_tci = r.u16();
        ethertype = r.u16();
        if (!r.ok()) {
            return net::unexpected(ParseError::Truncated);
        }
        // Q-in-Q and other stacked tags are not ours to untangle.
        if (ethertype == kEtherTypeVlan) {
            return net::unexpected(ParseError::UnknownEtherType);
        }
    }
    const auto protocol = protocol_from_ethertype(ethertype);
    if (!protocol) {
        return net::unexpected(protocol.error());
    }
    out.protocol = *protocol;
    out.payload = r.rest();
    return out;
}

net::Expected<LinkFrame, ParseError> parse_raw(std::span<const std::uint8_t> frame) {
    if (frame.empty()) {
        return net::unexpected(ParseError::Truncated);
    }
    LinkFrame out;
    switch (frame[0] >> 4) {
    case 6:
        out.protocol = NetworkProtocol::Ipv6;
        break;
    case 4:
        out.protocol = NetworkProtocol::Ipv4;
        break;
    default:
        return net::unexpected(ParseError::BadVersion);
    }
    out.payload = frame;
    return out;
}

net::Expected<LinkFrame, ParseError> parse_linux_sll(std::span<const std::uint8_t> frame) {
    // packet type(2) ARPHRD(2) address length(2) address(8) protocol(2)
    net::ByteReader r{frame};
    r.skip(14);
    const auto ethertype = r.u16();
    if (!r.ok()) {
        return net::unexpected(ParseError::Truncated);
    }
    const auto protocol = protocol_from_ethertype(ethertype);
    if (!protocol) {
        return net::unexpected(protocol.error());
    }
    LinkFrame out;
    out.protocol = *protocol;
    out.payload = r.rest();
    return out;
}

} // namespace

net::Expected<LinkFrame, ParseError> parse_link_frame(LinkType type,
                                                      std::span<const std::uint8_t> frame) {
    switch (type) {
    case LinkType::Ethernet:
        return parse_ethernet(frame);
    case LinkType::Raw:
        return parse_raw(frame);
    case LinkType::LinuxSll:
        return parse_linux_sll(frame);
    }
    return net::unexpected(ParseError::UnknownEtherType);
}

std::size_t write_ethernet_header(net::ByteWriter& out, const net::MacAddress& destination,
                                  const net::MacAddress& source, NetworkProtocol protocol,
                                  std::optional<std::uint16_t> vlan_tci) {
    const auto start = out.size();
    out.bytes(destination.bytes());
    out.bytes(source.bytes());
    if (vlan_tci) {
        out.u16(kEtherTypeVlan);
        out.u16(*vlan_tci);
    }
    out.u16(protocol == NetworkProtocol::Ipv6 ? kEtherTypeIpv6 : kEtherTypeIpv4);
    return out.size() - start;
}

net::MacAddress multicast_mac_of(std::span<const std::uint8_t> packet, NetworkProtocol protocol) {
    if (protocol == NetworkProtocol::Ipv6) {
        if (packet.size() < kIpv6HeaderSize) {
            return net::MacAddress{};
        }
        const auto group = net::Ipv6Address::from_span(packet.subspan(kIpv6DestinationOffset, 16));
        return group ? net::MacAddress::for_multicast(*group) : net::MacAddress{};
    }
    if (packet.size() < kIpv4MinHeaderSize) {
        return net::MacAddress{};
    }
    const auto d = packet.subspan(kIpv4DestinationOffset, 4);
    return net::MacAddress::for_multicast(net::Ipv4Address::from_bytes({d[0], d[1], d[2], d[3]}));
}

} // namespace ecmh::wire
