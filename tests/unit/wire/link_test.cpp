// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/net/byte_writer.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/link.hpp"

#include <array>
#include <gtest/gtest.h>
#include <vector>

using namespace ecmh::wire;
using ecmh::net::MacAddress;

namespace {

const MacAddress kDst{{0x33, 0x33, 0x00, 0x00, 0x00, 0x16}};
const MacAddress kSrc{{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};

std::vector<std::uint8_t> frame(std::uint16_t ethertype, std::vector<std::uint8_t> payload,
                                std::optional<std::uint16_t> vlan = std::nullopt) {
    std::vector<std::uint8_t> f;
    for (const auto b : kDst.bytes()) {
        f.push_back(b);
    }
    for (const auto b : kSrc.bytes()) {
        f.push_back(b);
    }
    if (vlan) {
        f.push_back(0x81);
        f.push_back(0x00);
        f.push_back(static_cast<std::uint8_t>(*vlan >> 8));
        f.push_back(static_cast<std::uint8_t>(*vlan));
    }
    f.push_back(static_cast<std::uint8_t>(ethertype >> 8));
    f.push_back(static_cast<std::uint8_t>(ethertype));
    for (const auto b : payload) {
        f.push_back(b);
    }
    return f;
}

} // namespace

TEST(LinkFrame, EthernetIpv6) {
    const auto f = frame(kEtherTypeIpv6, {0x60, 0, 0, 0});
    const auto r = parse_link_frame(LinkType::Ethernet, f);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->destination, kDst);
    EXPECT_EQ(r->source, kSrc);
    EXPECT_FALSE(r->vlan_tci.has_value());
    EXPECT_EQ(r->protocol, NetworkProtocol::Ipv6);
    ASSERT_EQ(r->payload.size(), 4U);
    EXPECT_EQ(r->payload[0], 0x60);
}

TEST(LinkFrame, EthernetIpv4WithVlanTag) {
    const auto f = frame(kEtherTypeIpv4, {0x45, 1}, 0x2064);
    const auto r = parse_link_frame(LinkType::Ethernet, f);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->vlan_tci, 0x2064);
    EXPECT_EQ(r->protocol, NetworkProtocol::Ipv4);
    EXPECT_EQ(r->payload.size(), 2U);
}

TEST(LinkFrame, RejectsOtherEtherTypesAndStackedTags) {
    EXPECT_EQ(parse_link_frame(LinkType::Ethernet, frame(0x0806, {1, 2})).error(),
              ParseError::UnknownEtherType); // ARP
    EXPECT_EQ(
        parse_link_frame(LinkType::Ethernet, frame(kEtherTypeVlan, {0, 1, 0x86, 0xdd}, 5)).error(),
        ParseError::UnknownEtherType); // Q-in-Q
}

TEST(LinkFrame, EveryTruncationOfTheHeaderIsRejected) {
    const auto tagged = frame(kEtherTypeIpv6, {}, 7);
    for (std::size_t len = 0; len < tagged.size(); ++len) {
        const auto r = parse_link_frame(LinkType::Ethernet, std::span(tagged.data(), len));
        ASSERT_FALSE(r.has_value()) << len;
        EXPECT_EQ(r.error(), ParseError::Truncated) << len;
    }
    // Exactly a header and nothing else: an empty payload, left for the IP parser.
    const auto bare = frame(kEtherTypeIpv6, {});
    const auto r = parse_link_frame(LinkType::Ethernet, bare);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->payload.empty());
}

TEST(LinkFrame, RawLinksUseTheVersionNibble) {
    const std::uint8_t v6[] = {0x60, 0, 0, 0};
    const std::uint8_t v4[] = {0x45, 0};
    const std::uint8_t other[] = {0x50};
    EXPECT_EQ(parse_link_frame(LinkType::Raw, v6)->protocol, NetworkProtocol::Ipv6);
    EXPECT_EQ(parse_link_frame(LinkType::Raw, v4)->protocol, NetworkProtocol::Ipv4);
    EXPECT_EQ(parse_link_frame(LinkType::Raw, v4)->payload.size(), 2U);
    EXPECT_EQ(parse_link_frame(LinkType::Raw, other).error(), ParseError::BadVersion);
    EXPECT_EQ(parse_link_frame(LinkType::Raw, {}).error(), ParseError::Truncated);
}

TEST(LinkFrame, LinuxCookedHeader) {
    std::vector<std::uint8_t> f(14, 0);
    f.push_back(0x86);
    f.push_back(0xdd);
    f.push_back(0x60);
    const auto r = parse_link_frame(LinkType::LinuxSll, f);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->protocol, NetworkProtocol::Ipv6);
    EXPECT_EQ(r->payload.size(), 1U);
    EXPECT_EQ(parse_link_frame(LinkType::LinuxSll, std::span(f.data(), 15)).error(),
              ParseError::Truncated);
}

TEST(EthernetHeader, BuildsAndParsesBack) {
    std::array<std::uint8_t, 18> buf{};
    ecmh::net::ByteWriter w{buf};
    EXPECT_EQ(write_ethernet_header(w, kDst, kSrc, NetworkProtocol::Ipv6), kEthernetHeaderSize);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(buf[12], 0x86);
    EXPECT_EQ(buf[13], 0xdd);
    const auto r = parse_link_frame(LinkType::Ethernet, std::span(buf.data(), 14));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->destination, kDst);

    ecmh::net::ByteWriter tagged{buf};
    EXPECT_EQ(write_ethernet_header(tagged, kDst, kSrc, NetworkProtocol::Ipv4, 42), 18U);
    const auto t = parse_link_frame(LinkType::Ethernet, buf);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->vlan_tci, 42);
    EXPECT_EQ(t->protocol, NetworkProtocol::Ipv4);

    std::array<std::uint8_t, 13> small{};
    ecmh::net::ByteWriter overflow{small};
    write_ethernet_header(overflow, kDst, kSrc, NetworkProtocol::Ipv6);
    EXPECT_FALSE(overflow.ok());
}
