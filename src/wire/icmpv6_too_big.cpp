// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/wire/icmpv6_too_big.hpp"

#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/ipv6.hpp"
#include "icmpv6_checksum.hpp"

#include <algorithm>

namespace ecmh::wire {
namespace {

constexpr std::size_t kTooBigHeaderSize = 8; // type, code, checksum, MTU

} // namespace

net::Expected<std::size_t, BuildError>
build_packet_too_big(std::span<std::uint8_t> out, const net::Ipv6Address& source,
                     const net::Ipv6Address& destination, std::uint32_t mtu,
                     std::span<const std::uint8_t> invoking) {
    const std::size_t quoted =
        std::min(invoking.size(), kIpv6MinimumMtu - kIpv6HeaderSize - kTooBigHeaderSize);
    Ipv6HeaderSpec ip;
    ip.source = source;
    ip.destination = destination;
    ip.hop_limit = 64;
    ip.next_header = kProtoIcmpv6;
    net::ByteWriter w{out};
    write_ipv6_header(w, ip, kTooBigHeaderSize + quoted);
    const auto start = w.size();
    w.u8(kIcmpv6PacketTooBig);
    w.u8(0);  // Code
    w.u16(0); // Checksum, filled in below
    w.u32(mtu);
    w.bytes(invoking.first(quoted));
    detail::write_icmpv6_checksum(w, start, ip);
    if (!w.ok()) {
        return net::unexpected(BuildError::BufferTooSmall);
    }
    return w.size();
}

} // namespace ecmh::wire
