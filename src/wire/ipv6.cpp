// SPDX-License-Identifier: BSD-3-Clause
// The IPv6 fixed header and a bounded, iterative walk over its extension headers.
//
// Every length below is computed in size_t from 8-bit or 16-bit fields, so no sum can
// wrap; each header is checked to lie inside Payload Length before a byte of it is used.
#include "ecmh/wire/ipv6.hpp"

#include "ecmh/net/byte_reader.hpp"
#include "ecmh/wire/constants.hpp"

namespace ecmh::wire {
namespace {

constexpr std::size_t kMaxPayloadLength = 0xffff;

// What the options of one Hop-by-Hop or Destination Options header say.
struct OptionScan {
    std::uint8_t router_alert_count = 0;
    std::uint16_t router_alert_value = 0;
};

// The RFC 8200 §4.2 action of an unrecognised option: the two high-order bits.
constexpr bool must_skip_unknown(std::uint8_t type) {
    return (type >> 6) == 0;
}

// Router Alert and Jumbo Payload mean something only in the Hop-by-Hop header (RFC 2711
// §2, RFC 2675 §2); anywhere else they are options like any other.
net::Expected<OptionScan, ParseError> scan_options(std::span<const std::uint8_t> options,
                                                   bool hop_by_hop) {
    OptionScan scan;
    net::ByteReader r{options};
    while (r.remaining() > 0) {
        const auto type = r.u8();
        if (type == kOptionPad1) {
            continue; // the one option without a length byte
        }
        const auto length = r.u8();
        const auto data = r.bytes(length);
        if (!r.ok()) {
            return net::unexpected(ParseError::BadOption); // runs past its header's end
        }
        if (type == kOptionPadN) {
            continue;
        }
        if (hop_by_hop && type == kOptionRouterAlert) {
            if (length != 2) {
                return net::unexpected(ParseError::BadOption); // RFC 2711 §2.1: Opt Data Len 2
            }
            if (scan.router_alert_count == 0) {
                scan.router_alert_value = static_cast<std::uint16_t>((data[0] << 8) | data[1]);
            }
            if (scan.router_alert_count < 0xff) {
                ++scan.router_alert_count; // saturate: 512 RAs must not wrap back to one
            }
            continue;
        }
        if (hop_by_hop && type == kOptionJumboPayload) {
            return net::unexpected(ParseError::JumboPayload);
        }
        if (!must_skip_unknown(type)) {
            return net::unexpected(ParseError::UnknownOptionDiscard);
        }
    }
    return scan;
}

// Extension headers that exist but that ecmh does not walk: ESP hides what follows, and
// Mobility, HIP, Shim6 and the experimental values (RFC 8200 §4, IANA) may not be
// skipped blindly. Dropping them beats mistaking one for an upper-layer protocol.
constexpr bool is_unsupported_extension(std::uint8_t next_header) {
    switch (next_header) {
    case kProtoEsp:
    case 135: // Mobility (RFC 6275)
    case 139: // HIP (RFC 7401)
    case 140: // Shim6 (RFC 5533)
    case 253: // experimentation and testing (RFC 3692, RFC 4727)
    case 254:
        return true;
    default:
        return false;
    }
}

// The byte length of the extension header that starts `rest`, or 0 when even its
// length field is missing. Hdr Ext Len counts 8-octet units after the first 8
// (RFC 8200 §4.3); AH counts 4-octet units after the first 8 (RFC 4302 §2.2).
std::size_t extension_length(std::uint8_t type, std::span<const std::uint8_t> rest) {
    if (rest.size() < 2) {
        return 0;
    }
    const std::size_t units = rest[1];
    if (type == kProtoAh) {
        return (units + 2) * 4;
    }
    if (type == kProtoFragment) {
        return kIpv6FragmentHeaderSize; // its second byte is Reserved, not a length
    }
    return (units + 1) * 8;
}

class ExtensionWalk {
public:
    explicit ExtensionWalk(Ipv6Packet& packet) : packet_(packet) {}

    // Walks from the fixed header's Next Header to the upper layer, filling packet_.
    net::Expected<bool, ParseError> run(std::uint8_t next_header) {
        std::size_t offset = kIpv6HeaderSize;
        for (std::size_t walked = 0;; ++walked) {
            if (!is_walked(next_header)) {
                if (is_unsupported_extension(next_header)) {
                    return net::unexpected(ParseError::UnsupportedNextHeader);
                }
                return finish(next_header, offset); // upper layer, or 59
            }
            if (walked == kMaxExtensionHeaders) {
                return net::unexpected(ParseError::ExtensionChainTooLong);
            }
            if (next_header == kProtoHopByHop && walked != 0) {
                return net::unexpected(ParseError::HopByHopNotFirst); // RFC 8200 §4
            }
            const auto rest = packet_.packet.subspan(offset);
            const auto length = extension_length(next_header, rest);
            if (length == 0 || length > rest.size()) {
                return net::unexpected(ParseError::Truncated); // header runs past Payload Length
            }
            const auto header = rest.first(length);
            const auto step = visit(next_header, header);
            if (!step) {
                return net::unexpected(step.error());
            }
            offset += length;
            if (*step == Step::StopAtFragmentData) {
                return finish(header[0], offset);
            }
            next_header = header[0];
        }
    }

private:
    enum class Step : std::uint8_t { Continue, StopAtFragmentData };

    static constexpr bool is_walked(std::uint8_t next_header) {
        return next_header == kProtoHopByHop || next_header == kProtoDestinationOptions ||
               next_header == kProtoRouting || next_header == kProtoFragment ||
               next_header == kProtoAh;
    }

    net::Expected<Step, ParseError> visit(std::uint8_t type, std::span<const std::uint8_t> header) {
        switch (type) {
        case kProtoHopByHop:
            return visit_options(header, true);
        case kProtoDestinationOptions:
            return visit_options(header, false);
        case kProtoRouting:
            // Segments Left ≠ 0 would make a multicast destination an intermediate hop,
            // which RFC 4291 §2.7 forbids; with 0 the header is finished and skipped.
            // header[3] exists: extension_length() is at least 8.
            if (header[3] != 0) {
                return net::unexpected(ParseError::RoutingHeader);
            }
            return Step::Continue;
        case kProtoFragment:
            return visit_fragment(header);
        default:
            return Step::Continue; // AH: authenticates, changes nothing we read
        }
    }

    net::Expected<Step, ParseError> visit_options(std::span<const std::uint8_t> header,
                                                  bool hop_by_hop) {
        const auto scan = scan_options(header.subspan(2), hop_by_hop);
        if (!scan) {
            return net::unexpected(scan.error());
        }
        if (hop_by_hop) {
            packet_.has_hop_by_hop = true;
            packet_.router_alert_count = scan->router_alert_count;
            packet_.router_alert_value = scan->router_alert_value;
        }
        return Step::Continue;
    }

    net::Expected<Step, ParseError> visit_fragment(std::span<const std::uint8_t> header) {
        net::ByteReader r{header};
        r.skip(2); // Next Header, Reserved
        const auto offset_and_flags = r.u16();
        const auto offset = static_cast<std::uint16_t>(offset_and_flags >> 3);
        // A second Fragment header must not make a real fragment look atomic: keep the
        // most fragmented reading of the two.
        packet_.is_fragment = true;
        packet_.more_fragments = packet_.more_fragments || (offset_and_flags & 1) != 0;
        if (offset == 0) {
            return Step::Continue; // a first fragment: the headers that follow are ours
        }
        // A non-first fragment: what follows is the middle of someone's payload.
        packet_.fragment_offset = offset;
        return Step::StopAtFragmentData;
    }

    bool finish(std::uint8_t next_header, std::size_t offset) {
        packet_.next_header = next_header;
        packet_.header_length = offset;
        packet_.payload = packet_.packet.subspan(offset);
        return true;
    }

    Ipv6Packet& packet_;
};

} // namespace

net::Expected<Ipv6Packet, ParseError> parse_ipv6(std::span<const std::uint8_t> bytes) {
    // Check the version first: 20 bytes of IPv4 are not a truncated IPv6 header.
    if (!bytes.empty() && (bytes[0] >> 4) != 6) {
        return net::unexpected(ParseError::BadVersion);
    }
    net::ByteReader r{bytes};
    Ipv6Packet out;
    const auto first_word = r.u32();
    const std::size_t payload_length = r.u16();
    const auto next_header = r.u8();
    out.hop_limit = r.u8();
    out.source = net::Ipv6Address::from_span(r.bytes(16)).value_or(net::Ipv6Address{});
    out.destination = net::Ipv6Address::from_span(r.bytes(16)).value_or(net::Ipv6Address{});
    if (!r.ok()) {
        return net::unexpected(ParseError::Truncated); // fewer than 40 bytes
    }
    out.traffic_class = static_cast<std::uint8_t>(first_word >> 20);
    out.flow_label = first_word & 0xfffffU;
    if (payload_length == 0) {
        // Zero with a Hop-by-Hop header claims a jumbogram (RFC 2675 §2); without one it
        // is a packet with nothing in it. Neither belongs on ecmh's links (rfc-map
        // M10), and the second would hide a length lie behind "no payload".
        return net::unexpected(next_header == kProtoHopByHop ? ParseError::JumboPayload
                                                             : ParseError::BadLength);
    }
    if (payload_length > r.remaining()) {
        return net::unexpected(ParseError::Truncated); // Payload Length claims bytes not here
    }
    // Bytes past Payload Length are link padding (rfc-map item 12a): never part of it.
    out.packet = bytes.first(kIpv6HeaderSize + payload_length);
    const auto walked = ExtensionWalk{out}.run(next_header);
    if (!walked) {
        return net::unexpected(walked.error());
    }
    return out;
}

std::size_t write_ipv6_header(net::ByteWriter& out, const Ipv6HeaderSpec& spec,
                              std::size_t upper_length) {
    const std::size_t extension = spec.router_alert ? 8 : 0;
    if (upper_length > kMaxPayloadLength - extension) {
        // Only a jumbogram could describe this: fail the writer, never wrap the length.
        out.fail();
        return 0;
    }
    const auto start = out.size();
    out.u32((std::uint32_t{6} << 28) | (std::uint32_t{spec.traffic_class} << 20));
    out.u16(static_cast<std::uint16_t>(upper_length + extension));
    out.u8(spec.router_alert ? kProtoHopByHop : spec.next_header);
    out.u8(spec.hop_limit);
    out.bytes(spec.source.bytes());
    out.bytes(spec.destination.bytes());
    if (spec.router_alert) {
        // 'nh 00 05 02 00 00 01 00': Router Alert, value 0 (MLD), then PadN(0) to 8 octets.
        out.u8(spec.next_header);
        out.u8(0);
        out.u8(kOptionRouterAlert);
        out.u8(2);
        out.u16(kRouterAlertMld);
        out.u8(kOptionPadN);
        out.u8(0);
    }
    return out.size() - start;
}

} // namespace ecmh::wire
