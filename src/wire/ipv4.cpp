// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/wire/ipv4.hpp"

#include "ecmh/net/byte_reader.hpp"
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/constants.hpp"

namespace ecmh::wire {
namespace {

constexpr std::uint8_t kRouterAlertLength = 4; // RFC 2113 §2.1: type, length, 16-bit value
constexpr std::size_t kMaxTotalLength = 0xffff;

// Walks the options between the fixed header and IHL·4. Every option but EOL and NOP
// carries a length that includes its type and length bytes; the walk trusts none of
// them until it has checked it against what is left of the header.
net::Expected<Ipv4Packet, ParseError> walk_options(std::span<const std::uint8_t> options,
                                                   Ipv4Packet packet) {
    net::ByteReader r{options};
    while (r.remaining() > 0) {
        const auto type = r.u8();
        if (type == kIpv4OptionEnd) {
            break; // what follows EOL is padding, never options
        }
        if (type == kIpv4OptionNop) {
            continue;
        }
        // A type in the last header byte has no room for its length byte.
        if (r.remaining() == 0) {
            return net::unexpected(ParseError::BadOption);
        }
        const std::size_t length = r.u8();
        // Length 0 or 1 would not cover its own type and length bytes: a walk that
        // advanced by it would spin on the same option forever.
        if (length < 2) {
            return net::unexpected(ParseError::BadOption);
        }
        const auto body = r.bytes(length - 2);
        // An option that claims more than the rest of the header would run into the
        // payload.
        if (!r.ok()) {
            return net::unexpected(ParseError::BadOption);
        }
        if (type == kIpv4OptionRouterAlert) {
            // RFC 2113 defines exactly one length; 2 has no value, 6 has junk after it.
            if (length != kRouterAlertLength) {
                return net::unexpected(ParseError::BadOption);
            }
            ++packet.router_alert_count;
            packet.router_alert_value = static_cast<std::uint16_t>((body[0] << 8) | body[1]);
        } else if (type == kIpv4OptionLsrr || type == kIpv4OptionSsrr) {
            packet.source_route = true; // the caller decides (RFC 4607 §7.4)
        }
        // Any other option (Record Route, Timestamp, unknown) is skipped by its length.
    }
    return packet;
}

} // namespace

net::Expected<Ipv4Packet, ParseError> parse_ipv4(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) {
        return net::unexpected(ParseError::Truncated);
    }
    if ((bytes[0] >> 4) != 4) {
        return net::unexpected(ParseError::BadVersion);
    }
    net::ByteReader r{bytes};
    const auto version_ihl = r.u8();
    Ipv4Packet packet;
    packet.tos = r.u8();
    const std::size_t total_length = r.u16();
    packet.identification = r.u16();
    const auto flags_offset = r.u16();
    packet.ttl = r.u8();
    packet.protocol = r.u8();
    r.skip(2); // header checksum: verified over the whole header below
    packet.source = net::Ipv4Address{r.u32()};
    packet.destination = net::Ipv4Address{r.u32()};
    // Fewer bytes than the fixed header: a runt, or a capture cut short.
    if (!r.ok()) {
        return net::unexpected(ParseError::Truncated);
    }
    packet.header_length = std::size_t{version_ihl & 0x0fU} * 4;
    // IHL < 5 claims a header shorter than its own fixed fields.
    if (packet.header_length < kIpv4MinHeaderSize) {
        return net::unexpected(ParseError::BadLength);
    }
    // A header longer than the whole packet it belongs to.
    if (packet.header_length > total_length) {
        return net::unexpected(ParseError::BadLength);
    }
    // Total Length promises bytes that never arrived (a lie, or a truncated capture).
    // More bytes than it claims is link padding and is ignored.
    if (total_length > bytes.size()) {
        return net::unexpected(ParseError::Truncated);
    }
    packet.packet = bytes.first(total_length);
    const auto header = packet.packet.first(packet.header_length);
    if (net::internet_checksum(header) != 0) {
        return net::unexpected(ParseError::BadHeaderChecksum);
    }
    packet.dont_fragment = (flags_offset & kIpv4FlagDontFragment) != 0;
    packet.more_fragments = (flags_offset & kIpv4FlagMoreFragments) != 0;
    packet.fragment_offset = static_cast<std::uint16_t>(flags_offset & kIpv4FragmentOffsetMask);
    packet.payload = packet.packet.subspan(packet.header_length);
    return walk_options(header.subspan(kIpv4MinHeaderSize), packet);
}

std::size_t write_ipv4_header(net::ByteWriter& out, const Ipv4HeaderSpec& spec,
                              std::size_t payload_length) {
    const std::size_t header_length =
        kIpv4MinHeaderSize + (spec.router_alert ? std::size_t{kRouterAlertLength} : 0);
    // A payload that Total Length cannot express is a caller's bug; fail the writer
    // rather than send a wrapped length.
    if (payload_length > kMaxTotalLength - header_length) {
        out.fail();
        return 0;
    }
    const auto start = out.size();
    out.u8(static_cast<std::uint8_t>(0x40U | (header_length / 4)));
    out.u8(spec.tos);
    out.u16(static_cast<std::uint16_t>(header_length + payload_length));
    out.u16(spec.identification);
    out.u16(spec.dont_fragment ? kIpv4FlagDontFragment : std::uint16_t{0});
    out.u8(spec.ttl);
    out.u8(spec.protocol);
    const auto checksum_at = out.size();
    out.u16(0);
    out.bytes(spec.source.bytes());
    out.bytes(spec.destination.bytes());
    if (spec.router_alert) {
        // '94 04 00 00': Router Alert, value 0 = "examine packet" (RFC 2113 §2.1).
        out.u8(kIpv4OptionRouterAlert);
        out.u8(kRouterAlertLength);
        out.u16(0);
    }
    if (!out.ok()) {
        return 0;
    }
    out.patch_u16(checksum_at, net::internet_checksum(out.written().subspan(start)));
    return header_length;
}

} // namespace ecmh::wire
