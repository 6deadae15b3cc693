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

namespace {

// The whole gate a captured protocol-41 packet passes: the outer IPv4 header, then 6in4.
ParseError gate_error(const std::vector<std::uint8_t>& bytes) {
    const auto outer = parse_ipv4(bytes);
    if (!outer) {
        return outer.error();
    }
    const auto inner = parse_6in4(*outer);
    return inner ? ParseError::NotTunnel : inner.error(); // NotTunnel: accepted (never here)
}

void set_address(std::vector<std::uint8_t>& b, std::size_t offset, const char* address) {
    const auto a = Ipv4Address::parse(address)->value();
    for (std::size_t i = 0; i < 4; ++i) {
        b[offset + i] = static_cast<std::uint8_t>(a >> (24 - 8 * i));
    }
    fix_outer_header(b);
}

} // namespace

TEST(Tunnel6in4, TruncationAtEveryOffsetIsRefusedWithoutAFixedHeader) {
    // Cut at every length with the outer Total Length left as it was: the outer gate
    // refuses it (nothing read past the bytes: ASan watches).
    const auto full = tunnel_packet();
    for (std::size_t cut = 0; cut < full.size(); ++cut) {
        const std::vector<std::uint8_t> b(full.begin(),
                                          full.begin() + static_cast<std::ptrdiff_t>(cut));
        EXPECT_NE(gate_error(b), ParseError::NotTunnel) << "accepted at " << cut;
    }
}

TEST(Tunnel6in4, BadOuterHeaderLengthsAreRefused) {
    auto b = tunnel_packet();
    b[0] = 0x44; // IHL 4: shorter than a header
    fix_outer_header(b);
    EXPECT_EQ(gate_error(b), ParseError::BadLength);
    b = tunnel_packet();
    b[0] = 0x4f; // IHL 15: 60 bytes of "options", cutting into the inner packet
    fix_outer_header(b);
    EXPECT_NE(gate_error(b), ParseError::NotTunnel);
    b = tunnel_packet();
    b[3] = static_cast<std::uint8_t>(b[3] + 1); // Total Length one past the bytes
    b[10] = b[11] = 0;
    const auto sum = ecmh::net::internet_checksum(std::span(b.data(), 20));
    b[10] = static_cast<std::uint8_t>(sum >> 8);
    b[11] = static_cast<std::uint8_t>(sum);
    EXPECT_EQ(gate_error(b), ParseError::Truncated);
}

TEST(Tunnel6in4, InnerPacketMustFitTheOuterOneAndHoldAHeader) {
    auto b = tunnel_packet();
    b[20 + 5] = 13; // inner Payload Length 13 of 12 bytes: longer than the outer payload
    EXPECT_EQ(gate_error(b), ParseError::Truncated);
    b = tunnel_packet();
    b.resize(20 + 39); // an outer payload too short for an IPv6 header
    fix_outer_header(b);
    EXPECT_EQ(gate_error(b), ParseError::Truncated);
}

TEST(Tunnel6in4, SixToFourRelayAnycastIsNotATunnel) {
    for (const std::size_t offset : {std::size_t{12}, std::size_t{16}}) {
        auto b = tunnel_packet();
        set_address(b, offset, "192.88.99.1");
        EXPECT_EQ(gate_error(b), ParseError::SixToFourAnycast) << offset;
        set_address(b, offset, "192.88.98.255"); // just outside 192.88.99.0/24
        EXPECT_NE(gate_error(b), ParseError::SixToFourAnycast) << offset;
    }
    EXPECT_TRUE(is_6to4_relay_anycast(*Ipv4Address::parse("192.88.99.255")));
    EXPECT_FALSE(is_6to4_relay_anycast(*Ipv4Address::parse("192.88.100.0")));
}

TEST(Tunnel6in4, EncapsulationHeaderBytes) {
    // RFC 4213 §3.5: version 4, IHL 5, TOS 0, Total Length 20 + inner, ID 0 (the kernel
    // fills it in), no DF, TTL, protocol 41, checksum, source, destination.
    std::array<std::uint8_t, 20> buf{};
    ByteWriter w{buf};
    const TunnelHeaderSpec spec{*Ipv4Address::parse("198.51.100.1"),
                                *Ipv4Address::parse("203.0.113.7"), 64};
    ASSERT_EQ(write_6in4_header(w, spec, 1280), kTunnelHeaderSize);
    const std::array<std::uint8_t, 20> golden{
        0x45, 0x00, 0x05, 0x14, // version 4, IHL 5, TOS 0, Total Length 1300
        0x00, 0x00, 0x00, 0x00, // ID 0, no flags, offset 0
        0x40, 0x29, 0x00, 0x00, // TTL 64, protocol 41, checksum (set below)
        198,  51,   100,  1,    // source
        203,  0,    113,  7,    // destination
    };
    auto expected = golden;
    const auto sum = ecmh::net::internet_checksum(std::span(expected.data(), 20));
    expected[10] = static_cast<std::uint8_t>(sum >> 8);
    expected[11] = static_cast<std::uint8_t>(sum);
    EXPECT_EQ(buf, expected);
    EXPECT_EQ(ecmh::net::internet_checksum(buf), 0) << "a valid header sums to zero";

    std::array<std::uint8_t, 19> small{};
    ByteWriter too_small{small};
    EXPECT_EQ(write_6in4_header(too_small, spec, 1280), 0U);
    EXPECT_FALSE(too_small.ok());
}
