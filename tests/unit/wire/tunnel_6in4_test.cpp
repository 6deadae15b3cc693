// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/net/byte_writer.hpp"
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/tunnel_6in4.hpp"

#include <array>
#include <gtest/gtest.h>
#include <vector>

using namespace ecmh::wire;
using ecmh::net::ByteWriter;
using ecmh::net::Ipv4Address;
using ecmh::net::Ipv6Address;

namespace {

// Sets Total Length to the buffer's size and recomputes the IPv4 header checksum.
void fix_outer_header(std::vector<std::uint8_t>& b) {
    b[2] = static_cast<std::uint8_t>(b.size() >> 8);
    b[3] = static_cast<std::uint8_t>(b.size());
    b[10] = b[11] = 0;
    const auto sum = ecmh::net::internet_checksum(std::span(b.data(), 20));
    b[10] = static_cast<std::uint8_t>(sum >> 8);
    b[11] = static_cast<std::uint8_t>(sum);
}

// IPv4(proto 41) + IPv6(next header `inner_next`, UDP-ish payload) + `padding` bytes.
std::vector<std::uint8_t> tunnel_packet(std::uint8_t inner_next = kProtoUdp,
                                        std::size_t padding = 0,
                                        std::uint8_t outer_protocol = kProtoIpv6,
                                        bool more_fragments = false) {
    std::array<std::uint8_t, 256> buf{};
    ByteWriter w{buf};
    const std::size_t inner_payload = 12;
    Ipv4HeaderSpec outer;
    outer.source = *Ipv4Address::parse("192.0.2.1");
    outer.destination = *Ipv4Address::parse("198.51.100.1");
    outer.ttl = 64;
    outer.protocol = outer_protocol;
    write_ipv4_header(w, outer, kIpv6HeaderSize + inner_payload);
    Ipv6HeaderSpec inner;
    inner.source = *Ipv6Address::parse("2001:db8:1::1");
    inner.destination = *Ipv6Address::parse("ff0e::1:1000");
    inner.hop_limit = 8;
    inner.next_header = inner_next;
    write_ipv6_header(w, inner, inner_payload);
    for (std::size_t i = 0; i < inner_payload; ++i) {
        w.u8(static_cast<std::uint8_t>(i));
    }
    EXPECT_TRUE(w.ok());
    std::vector<std::uint8_t> out(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(w.size()));
    if (more_fragments) {
        out[6] |= 0x20; // MF
        fix_outer_header(out);
    }
    out.insert(out.end(), padding, 0xee);
    return out;
}

} // namespace

TEST(Tunnel6in4, DecapsulatesTheInnerPacket) {
    const auto bytes = tunnel_packet();
    const auto outer = parse_ipv4(bytes);
    ASSERT_TRUE(outer.has_value());
    const auto inner = parse_6in4(*outer);
    ASSERT_TRUE(inner.has_value());
    EXPECT_EQ(inner->source.to_string(), "2001:db8:1::1");
    EXPECT_EQ(inner->destination.to_string(), "ff0e::1:1000");
    EXPECT_EQ(inner->hop_limit, 8);
    EXPECT_EQ(inner->next_header, kProtoUdp);
    EXPECT_EQ(inner->payload.size(), 12U);
}

TEST(Tunnel6in4, InnerLengthComesFromPayloadLength) {
    // Garbage after the inner packet inside the outer one (RFC 4213 §3.6) is ignored.
    auto bytes = tunnel_packet();
    bytes.insert(bytes.end(), 6, 0xab);
    fix_outer_header(bytes); // the outer Total Length covers the extra bytes
    const auto outer = parse_ipv4(bytes);
    ASSERT_TRUE(outer.has_value());
    EXPECT_EQ(outer->payload.size(), 40U + 12U + 6U);
    const auto inner = parse_6in4(*outer);
    ASSERT_TRUE(inner.has_value());
    EXPECT_EQ(inner->payload.size(), 12U);
    EXPECT_EQ(inner->packet.size(), 52U);
}

TEST(Tunnel6in4, RejectsWhatIsNotAPlainTunnel) {
    {
        const auto bytes = tunnel_packet(kProtoUdp, 0, kProtoUdp);
        EXPECT_EQ(parse_6in4(*parse_ipv4(bytes)).error(), ParseError::NotTunnel);
    }
    {
        const auto bytes = tunnel_packet(kProtoIpv6);
        EXPECT_EQ(parse_6in4(*parse_ipv4(bytes)).error(), ParseError::NestedTunnel);
    }
    {
        const auto bytes = tunnel_packet(kProtoIpv4);
        EXPECT_EQ(parse_6in4(*parse_ipv4(bytes)).error(), ParseError::NestedTunnel);
    }
    {
        const auto bytes = tunnel_packet(kProtoUdp, 0, kProtoIpv6, true);
        const auto outer = parse_ipv4(bytes);
        ASSERT_TRUE(outer.has_value());
        EXPECT_EQ(parse_6in4(*outer).error(), ParseError::Fragmented);
    }
}

TEST(Tunnel6in4, InnerVersionAndTruncationAreChecked) {
    auto bytes = tunnel_packet();
    bytes[20] = 0x45; // inner "IPv6" header claims version 4
    EXPECT_EQ(parse_6in4(*parse_ipv4(bytes)).error(), ParseError::BadVersion);

    // Outer packets cut at every length inside the inner header: never accepted.
    const auto full = tunnel_packet();
    for (std::size_t cut = 20; cut < full.size(); ++cut) {
        std::vector<std::uint8_t> b(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
        fix_outer_header(b);
        const auto outer = parse_ipv4(b);
        ASSERT_TRUE(outer.has_value()) << cut;
        EXPECT_FALSE(parse_6in4(*outer).has_value()) << cut;
    }
}
