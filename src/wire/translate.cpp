// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/wire/translate.hpp"

#include "copy_fields.hpp"
#include "ecmh/net/byte_writer.hpp"
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/checksum_offload.hpp"
#include "ecmh/wire/constants.hpp"

#include <algorithm>

namespace ecmh::wire {
namespace {

constexpr std::size_t kMaxTotalLength = 0xffff;

using detail::one_lower;
using detail::read16;
using detail::write16;

// The one's-complement sum of two addresses, folded to 16 bits: the part of a
// pseudo-header (RFC 768, RFC 8200 §8.1) that translation changes.
std::uint16_t address_sum(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
    net::ChecksumAccumulator sum;
    sum.add(a);
    sum.add(b);
    return static_cast<std::uint16_t>(~sum.finish());
}

// A computed UDP checksum of zero is sent as all ones: zero means "none" (RFC 768,
// RFC 8200 §8.1).
std::uint16_t udp_nonzero(std::uint16_t checksum) {
    return checksum == 0 ? std::uint16_t{0xffff} : checksum;
}

// RFC 1624 eqn. 3 with the address sums as the changed "field": UDP Length and the
// protocol are the same in both pseudo-headers, so they cancel.
std::uint16_t readdressed(std::uint16_t checksum, std::uint16_t old_addresses,
                          std::uint16_t new_addresses) {
    return udp_nonzero(net::checksum_adjust(checksum, old_addresses, new_addresses));
}

// The UDP Length of an unfragmented datagram when it fits what arrived (≥ 8, ≤ the
// IP payload); nullopt otherwise. Bytes past it are padding the receiver trims.
std::optional<std::size_t> whole_udp_length(std::span<const std::uint8_t> udp) {
    const std::size_t length = read16(udp, kUdpLengthOffset);
    if (length < kUdpHeaderSize || length > udp.size()) {
        return std::nullopt;
    }
    return length;
}

struct UdpChecksum {
    std::uint16_t value = 0;
    bool computed = false; // X14
};

// --- IPv4 → IPv6 ---------------------------------------------------------------------

// X4: an LSRR/SSRR whose pointer has not run past its length still names hops to visit
// (RFC 791 §3.1). One without a pointer byte cannot be read as expired.
bool unexpired_source_route(const Ipv4Packet& p) {
    const auto options = p.packet.subspan(kIpv4MinHeaderSize, p.header_length - kIpv4MinHeaderSize);
    std::size_t at = 0;
    while (at < options.size()) {
        const auto type = options[at];
        if (type == kIpv4OptionEnd) {
            break;
        }
        if (type == kIpv4OptionNop) {
            ++at;
            continue;
        }
        const std::size_t length = at + 1 < options.size() ? options[at + 1] : 0;
        if (length < 2 || length > options.size() - at) {
            return true; // parse_ipv4 refuses these; defence only
        }
        if (type == kIpv4OptionLsrr || type == kIpv4OptionSsrr) {
            if (length < 3 || options[at + 2] <= length) {
                return true;
            }
        }
        at += length;
    }
    return false;
}

net::Expected<UdpChecksum, TranslateError> checksum_for_ipv6(const Ipv4Packet& p,
                                                             const net::Ipv6Address& source,
                                                             const net::Ipv6Address& group) {
    if (p.payload.size() < kUdpHeaderSize) {
        return net::unexpected(TranslateError::Truncated);
    }
    const auto length = whole_udp_length(p.payload);
    if (!p.is_fragment() && !length) {
        return net::unexpected(TranslateError::Truncated);
    }
    const auto received = read16(p.payload, kUdpChecksumOffset);
    if (received == 0) {
        if (p.is_fragment()) {
            return net::unexpected(TranslateError::ZeroChecksumFragment); // X15
        }
        // X14: summed in full once, for the new pseudo-header; the zero field adds nothing.
        auto sum =
            net::ipv6_pseudo_header(source, group, static_cast<std::uint32_t>(*length), kProtoUdp);
        sum.add(p.payload.first(*length));
        return UdpChecksum{udp_nonzero(sum.finish()), true};
    }
    const auto completed = offloaded_checksum(p); // X18: a partial one is finished first
    return UdpChecksum{readdressed(completed ? completed->value : received,
                                   address_sum(p.source.bytes(), p.destination.bytes()),
                                   address_sum(source.bytes(), group.bytes())),
                       false};
}

void write_translated_ipv6_headers(TranslatedCopy& copy, const Ipv4Packet& p,
                                   const net::Ipv6Address& source, const net::Ipv6Address& group) {
    const bool fragment = p.is_fragment();
    const std::size_t extension = fragment ? kIpv6FragmentHeaderSize : 0;
    net::ByteWriter w{copy.header};
    Ipv6HeaderSpec spec;
    spec.source = source;
    spec.destination = group;
    spec.hop_limit = one_lower(p.ttl);
    spec.next_header = fragment ? kProtoFragment : kProtoUdp;
    spec.traffic_class = p.tos;
    // Flow label 0 (X3); IPv4 Total Length ≤ 65535 keeps Payload Length in range.
    write_ipv6_header(w, spec, extension + p.payload.size());
    if (fragment) {
        // X8: Next Header, Reserved, offset and M from the IPv4 header, the ID widened.
        w.u8(kProtoUdp);
        w.u8(0);
        w.u16(static_cast<std::uint16_t>(
            (static_cast<unsigned>(p.fragment_offset) << kIpv6FragmentOffsetShift) |
            (p.more_fragments ? kIpv6FragmentMore : 0U)));
        w.u32(p.identification);
    }
    copy.header_length = w.size();
}

// --- IPv6 → IPv4 ---------------------------------------------------------------------

struct FragmentHeader {
    bool present = false;
    std::uint32_t identification = 0;
    std::uint16_t offset = 0; // in 8-octet units
    bool more = false;
};

// The byte length of the extension header `type` at the start of `rest` (RFC 8200 §4.3;
// AH counts 4-octet units, RFC 4302 §2.2), or 0 when it does not fit.
std::size_t extension_length(std::uint8_t type, std::span<const std::uint8_t> rest) {
    if (rest.size() < kIpv6FragmentHeaderSize) {
        return 0;
    }
    std::size_t length = (std::size_t{rest[1]} + 1) * 8;
    if (type == kProtoFragment) {
        length = kIpv6FragmentHeaderSize;
    } else if (type == kProtoAh) {
        length = (std::size_t{rest[1]} + 2) * 4;
    }
    return length <= rest.size() ? length : 0;
}

// Walks the extension headers parse_ipv6 already checked, for what RFC 7915 §5.1 and
// §5.1.1 decide on: Hop-by-Hop, Destination Options and a finished Routing header are
// skipped; AH is the "last Next Header", i.e. not UDP; anything after the Fragment
// header is dropped; the Fragment header's fields are returned.
net::Expected<FragmentHeader, TranslateError> walk_extensions(const Ipv6Packet& p) {
    FragmentHeader fragment;
    std::uint8_t type = p.packet[kIpv6NextHeaderOffset];
    std::size_t at = kIpv6HeaderSize;
    for (std::size_t walked = 0; at < p.header_length && walked <= kMaxExtensionHeaders; ++walked) {
        const auto header = p.packet.subspan(at, p.header_length - at);
        const auto length = extension_length(type, header);
        if (length == 0 || type == kProtoAh) {
            return net::unexpected(TranslateError::NotUdp);
        }
        if (fragment.present) {
            return net::unexpected(TranslateError::HeaderAfterFragment);
        }
        if (type == kProtoRouting && header[3] != 0) {
            return net::unexpected(TranslateError::RoutingHeader);
        }
        if (type == kProtoFragment) {
            const auto word = read16(header, 2);
            fragment.present = true;
            fragment.offset = static_cast<std::uint16_t>(word >> kIpv6FragmentOffsetShift);
            fragment.more = (word & kIpv6FragmentMore) != 0;
            fragment.identification = (std::uint32_t{read16(header, 4)} << 16) | read16(header, 6);
        }
        type = header[0];
        at += length;
    }
    return fragment;
}

net::Expected<UdpChecksum, TranslateError>
checksum_for_ipv4(const Ipv6Packet& p, net::Ipv4Address source, net::Ipv4Address group) {
    if (p.payload.size() < kUdpHeaderSize || (!p.is_fragment && !whole_udp_length(p.payload))) {
        return net::unexpected(TranslateError::Truncated);
    }
    const auto received = read16(p.payload, kUdpChecksumOffset);
    if (received == 0) {
        return net::unexpected(TranslateError::ZeroChecksumIpv6); // X16
    }
    const auto completed = offloaded_checksum(p);
    return UdpChecksum{readdressed(completed ? completed->value : received,
                                   address_sum(p.source.bytes(), p.destination.bytes()),
                                   address_sum(source.bytes(), group.bytes())),
                       false};
}

void write_translated_ipv4_header(TranslatedCopy& copy, const Ipv6Packet& p,
                                  const FragmentHeader& fragment, net::Ipv4Address source,
                                  net::Ipv4Address group, std::uint16_t identification) {
    const std::size_t total = kIpv4MinHeaderSize + p.payload.size();
    // X11/X12: an unfragmented packet gets the caller's ID and DF by size; a fragment
    // keeps its ID's low half, its offset and M, and DF clear.
    std::uint16_t flags = 0;
    if (fragment.present) {
        identification = static_cast<std::uint16_t>(fragment.identification);
        flags = static_cast<std::uint16_t>(fragment.offset |
                                           (fragment.more ? kIpv4FlagMoreFragments : 0U));
    } else if (total > kSiitDontFragmentAbove) {
        flags = kIpv4FlagDontFragment;
    }
    copy.dont_fragment = (flags & kIpv4FlagDontFragment) != 0;
    net::ByteWriter w{copy.header};
    w.u8(0x45); // version 4, IHL 5: no options
    w.u8(p.traffic_class);
    w.u16(static_cast<std::uint16_t>(total));
    w.u16(identification);
    w.u16(flags);
    w.u8(one_lower(p.hop_limit));
    w.u8(kProtoUdp);
    w.u16(0);
    w.bytes(source.bytes());
    w.bytes(group.bytes());
    copy.header_length = w.size();
    write16(copy.header, FieldValue{kIpv4ChecksumOffset, net::internet_checksum(w.written())});
}

} // namespace

std::string_view to_string(TranslateError error) {
    switch (error) {
    case TranslateError::NotUdp:
        return "not-udp";
    case TranslateError::SourceRoute:
        return "source-route";
    case TranslateError::RoutingHeader:
        return "routing-header";
    case TranslateError::HeaderAfterFragment:
        return "header-after-fragment";
    case TranslateError::ZeroChecksumFragment:
        return "zero-checksum-fragment";
    case TranslateError::ZeroChecksumIpv6:
        return "zero-checksum-ipv6";
    case TranslateError::Truncated:
        return "truncated";
    case TranslateError::TotalLengthOverflow:
        return "total-length-overflow";
    }
    return "unknown";
}

net::Expected<TranslatedCopy, TranslateError> translate_to_ipv6(const Ipv4Packet& p,
                                                                const net::Ipv6Address& source,
                                                                const net::Ipv6Address& group) {
    if (p.protocol != kProtoUdp) {
        return net::unexpected(TranslateError::NotUdp);
    }
    if (p.source_route && unexpired_source_route(p)) {
        return net::unexpected(TranslateError::SourceRoute);
    }
    TranslatedCopy copy;
    copy.protocol = NetworkProtocol::Ipv6;
    copy.group_mac = net::MacAddress::for_multicast(group);
    copy.transport = p.payload;
    copy.dont_fragment = p.dont_fragment;
    copy.identification = p.identification;
    write_translated_ipv6_headers(copy, p, source, group);
    if (p.fragment_offset == 0) {
        // Only the first fragment carries the UDP header; the checksum covers the whole
        // datagram, whose pseudo-header alone changed.
        const auto checksum = checksum_for_ipv6(p, source, group);
        if (!checksum) {
            return net::unexpected(checksum.error());
        }
        copy.transport_checksum =
            FieldValue{copy.header_length + kUdpChecksumOffset, checksum->value};
        copy.zero_checksum_computed = checksum->computed;
    }
    return copy;
}

net::Expected<TranslatedCopy, TranslateError> translate_to_ipv4(const Ipv6Packet& p,
                                                                net::Ipv4Address source,
                                                                net::Ipv4Address group,
                                                                std::uint16_t identification) {
    const auto fragment = walk_extensions(p);
    if (!fragment) {
        return net::unexpected(fragment.error());
    }
    if (p.next_header != kProtoUdp) {
        return net::unexpected(TranslateError::NotUdp);
    }
    if (kIpv4MinHeaderSize + p.payload.size() > kMaxTotalLength) {
        return net::unexpected(TranslateError::TotalLengthOverflow);
    }
    TranslatedCopy copy;
    copy.protocol = NetworkProtocol::Ipv4;
    copy.group_mac = net::MacAddress::for_multicast(group);
    copy.transport = p.payload;
    if (fragment->offset == 0) {
        const auto checksum = checksum_for_ipv4(p, source, group);
        if (!checksum) {
            return net::unexpected(checksum.error());
        }
        copy.transport_checksum =
            FieldValue{kIpv4MinHeaderSize + kUdpChecksumOffset, checksum->value};
    }
    write_translated_ipv4_header(copy, p, *fragment, source, group, identification);
    return copy;
}

std::size_t TranslatedCopy::write(std::span<std::uint8_t> out) const {
    const auto n = size();
    if (header_length > header.size() || out.size() < n) {
        return 0;
    }
    std::copy_n(header.begin(), header_length, out.begin());
    std::copy(transport.begin(), transport.end(), out.subspan(header_length).begin());
    if (transport_checksum) {
        write16(out, *transport_checksum);
    }
    return n;
}

std::size_t TranslatedCopy::write(std::span<std::uint8_t> out, net::Ipv4Address source) const {
    if (protocol != NetworkProtocol::Ipv4 || write(out) == 0) {
        return 0;
    }
    const auto old_source = address_sum(out.subspan(kIpv4SourceOffset, 4), {});
    const auto bytes = source.bytes();
    std::copy(bytes.begin(), bytes.end(), out.begin() + kIpv4SourceOffset);
    const auto new_source = address_sum(bytes, {});
    write16(out, FieldValue{kIpv4ChecksumOffset, 0});
    write16(out, FieldValue{kIpv4ChecksumOffset, net::internet_checksum(out.first(header_length))});
    if (transport_checksum) {
        const auto offset = transport_checksum->offset;
        write16(out, FieldValue{offset, readdressed(read16(out, offset), old_source, new_source)});
    }
    return size();
}

} // namespace ecmh::wire
