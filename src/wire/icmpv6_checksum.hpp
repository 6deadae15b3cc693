// SPDX-License-Identifier: BSD-3-Clause
// The ICMPv6 checksum (RFC 4443 §2.3, RFC 8200 §8.1), shared by the MLD and Echo code.
// Private to src/wire: callers outside see only parsers that verify it and builders
// that write it.
#pragma once

#include "ecmh/net/byte_writer.hpp"
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/ipv6.hpp"

#include <cstddef>
#include <cstdint>

namespace ecmh::wire::detail {

// The upper-layer length of the pseudo-header is the payload after every extension
// header, as Payload Length declared it: never the frame length (rfc-map items 3, 12a).
inline bool icmpv6_checksum_ok(const Ipv6Packet& packet) {
    auto sum =
        net::ipv6_pseudo_header(packet.source, packet.destination,
                                static_cast<std::uint32_t>(packet.payload.size()), kProtoIcmpv6);
    sum.add(packet.payload);
    return sum.finish() == 0;
}

// Fills the checksum field (bytes 2–3) of the ICMPv6 message written from `start` to the
// end of `out`, whose field must still be zero.
inline void write_icmpv6_checksum(net::ByteWriter& out, std::size_t start,
                                  const Ipv6HeaderSpec& ip) {
    if (!out.ok()) {
        return;
    }
    const auto message = out.written().subspan(start);
    auto sum = net::ipv6_pseudo_header(ip.source, ip.destination,
                                       static_cast<std::uint32_t>(message.size()), kProtoIcmpv6);
    sum.add(message);
    out.patch_u16(start + 2, sum.finish());
}

} // namespace ecmh::wire::detail
