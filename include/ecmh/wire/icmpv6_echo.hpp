// SPDX-License-Identifier: BSD-3-Clause
// ICMPv6 Echo Request and Reply (RFC 4443 §4.1, §4.2): a parse view and a builder, for
// answering and sending pings to multicast groups through the proxy.
#pragma once

#include "ecmh/net/expected.hpp"
#include "ecmh/wire/build_error.hpp"
#include "ecmh/wire/ipv6.hpp"
#include "ecmh/wire/parse_error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace ecmh::wire {

struct Icmpv6Echo {
    bool is_request = false; // type 128; false for a Reply (129)
    std::uint16_t identifier = 0;
    std::uint16_t sequence = 0;
    std::span<const std::uint8_t> data; // a view into the packet
};

// Accepts an Echo Request or Reply: Next Header 58, not fragmented (an atomic fragment
// counts as unfragmented, RFC 6946; the checksum of any other fragment covers bytes not
// here), at least 8 octets, a checksum that verifies with the pseudo-header. Errors:
// NonFirstFragment, Fragmented, UnknownType (another protocol or ICMPv6 type),
// Truncated, BadChecksum.
[[nodiscard]] net::Expected<Icmpv6Echo, ParseError> parse_icmpv6_echo(const Ipv6Packet& packet);

// Writes a whole IPv6 packet carrying an Echo Request (or Reply) with `data`; the
// header comes from `ip`, whose next_header is taken as 58 whatever it says. Returns the
// packet length, BufferTooSmall, or InvalidArgument when `data` cannot fit in an IPv6
// payload.
[[nodiscard]] net::Expected<std::size_t, BuildError>
build_icmpv6_echo(std::span<std::uint8_t> out, const Ipv6HeaderSpec& ip, bool request,
                  std::uint16_t identifier, std::uint16_t sequence,
                  std::span<const std::uint8_t> data);

} // namespace ecmh::wire
