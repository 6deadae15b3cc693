// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/wire/icmpv6_echo.hpp"

#include "ecmh/net/byte_reader.hpp"
#include "ecmh/wire/constants.hpp"
#include "icmpv6_checksum.hpp"

namespace ecmh::wire {
namespace {

constexpr std::size_t kEchoHeaderSize = 8; // Type, Code, Checksum, Identifier, Sequence
constexpr std::size_t kMaxPayloadLength = 0xffff;

} // namespace

net::Expected<Icmpv6Echo, ParseError> parse_icmpv6_echo(const Ipv6Packet& packet) {
    if (packet.is_fragment && packet.fragment_offset != 0) {
        return net::unexpected(ParseError::NonFirstFragment); // no ICMPv6 header here
    }
    if (packet.is_fragment && packet.more_fragments) {
        return net::unexpected(ParseError::Fragmented); // the checksum covers later fragments
    }
    if (packet.next_header != kProtoIcmpv6) {
        return net::unexpected(ParseError::UnknownType);
    }
    net::ByteReader r{packet.payload};
    const auto type = r.u8();
    r.skip(3); // Code, Checksum
    Icmpv6Echo echo;
    echo.identifier = r.u16();
    echo.sequence = r.u16();
    if (!r.ok()) {
        return net::unexpected(ParseError::Truncated); // shorter than the Echo header
    }
    if (!detail::icmpv6_checksum_ok(packet)) {
        return net::unexpected(ParseError::BadChecksum);
    }
    if (type != kIcmpv6EchoRequest && type != kIcmpv6EchoReply) {
        return net::unexpected(ParseError::UnknownType);
    }
    echo.is_request = type == kIcmpv6EchoRequest;
    echo.data = r.rest();
    return echo;
}

net::Expected<std::size_t, BuildError> build_icmpv6_echo(std::span<std::uint8_t> out,
                                                         const Ipv6HeaderSpec& ip, bool request,
                                                         std::uint16_t identifier,
                                                         std::uint16_t sequence,
                                                         std::span<const std::uint8_t> data) {
    auto spec = ip;
    spec.next_header = kProtoIcmpv6;
    const std::size_t extension = spec.router_alert ? 8 : 0;
    if (data.size() > kMaxPayloadLength - extension - kEchoHeaderSize) {
        return net::unexpected(BuildError::InvalidArgument); // only a jumbogram could carry it
    }
    net::ByteWriter w{out};
    write_ipv6_header(w, spec, kEchoHeaderSize + data.size());
    const auto start = w.size();
    w.u8(request ? kIcmpv6EchoRequest : kIcmpv6EchoReply);
    w.u8(0);  // Code
    w.u16(0); // Checksum, filled in below
    w.u16(identifier);
    w.u16(sequence);
    w.bytes(data);
    detail::write_icmpv6_checksum(w, start, spec);
    if (!w.ok()) {
        return net::unexpected(BuildError::BufferTooSmall);
    }
    return w.size();
}

} // namespace ecmh::wire
