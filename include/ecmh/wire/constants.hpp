// SPDX-License-Identifier: BSD-3-Clause
// Every protocol number, message type and well-known address ecmh uses, by its RFC
// name. Code elsewhere names these constants instead of repeating numbers.
#pragma once

#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/net/ipv6_address.hpp"

#include <cstddef>
#include <cstdint>

namespace ecmh::wire {

// EtherTypes (IEEE 802).
inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr std::uint16_t kEtherTypeVlan = 0x8100; // 802.1Q
inline constexpr std::size_t kEthernetHeaderSize = 14;
inline constexpr std::size_t kVlanTagSize = 4;

// IP protocol / IPv6 Next Header numbers.
inline constexpr std::uint8_t kProtoHopByHop = 0;
inline constexpr std::uint8_t kProtoIcmpv4 = 1;
inline constexpr std::uint8_t kProtoIgmp = 2;
inline constexpr std::uint8_t kProtoIpv4 = 4; // IPv4-in-IP
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoIpv6 = 41; // 6in4 (RFC 4213)
inline constexpr std::uint8_t kProtoRouting = 43;
inline constexpr std::uint8_t kProtoFragment = 44;
inline constexpr std::uint8_t kProtoEsp = 50;
inline constexpr std::uint8_t kProtoAh = 51;
inline constexpr std::uint8_t kProtoIcmpv6 = 58;
inline constexpr std::uint8_t kProtoNoNextHeader = 59;
inline constexpr std::uint8_t kProtoDestinationOptions = 60;

// IPv6 (RFC 8200).
inline constexpr std::size_t kIpv6HeaderSize = 40;
inline constexpr std::size_t kIpv6PayloadLengthOffset = 4;
inline constexpr std::size_t kIpv6NextHeaderOffset = 6;
inline constexpr std::size_t kIpv6HopLimitOffset = 7;
inline constexpr std::size_t kIpv6SourceOffset = 8;
inline constexpr std::size_t kIpv6DestinationOffset = 24;
inline constexpr std::size_t kIpv6FragmentHeaderSize = 8;  // RFC 8200 §4.5
inline constexpr std::uint16_t kIpv6FragmentMore = 0x0001; // M, in the offset word
inline constexpr unsigned kIpv6FragmentOffsetShift = 3; // the offset word's low 3 bits are Res, M
// ecmh walks at most this many extension headers; a longer chain is dropped
// (rfc-map M10: bounded parse, no recursion).
inline constexpr std::size_t kMaxExtensionHeaders = 8;
inline constexpr std::uint8_t kOptionPad1 = 0x00;
inline constexpr std::uint8_t kOptionPadN = 0x01;
inline constexpr std::uint8_t kOptionRouterAlert = 0x05;  // RFC 2711
inline constexpr std::uint8_t kOptionJumboPayload = 0xc2; // RFC 2675
inline constexpr std::uint16_t kRouterAlertMld = 0;       // RFC 2711 §2.1

// IPv4 (RFC 791).
inline constexpr std::size_t kIpv4MinHeaderSize = 20;
inline constexpr std::size_t kIpv4TtlOffset = 8;
inline constexpr std::size_t kIpv4ChecksumOffset = 10;
inline constexpr std::size_t kIpv4SourceOffset = 12;
inline constexpr std::size_t kIpv4DestinationOffset = 16;
inline constexpr std::size_t kIpv4TotalLengthOffset = 2;
inline constexpr std::size_t kIpv4FlagsOffset = 6; // flags and fragment offset
inline constexpr std::uint16_t kIpv4FlagDontFragment = 0x4000;
inline constexpr std::uint16_t kIpv4FlagMoreFragments = 0x2000;
inline constexpr std::uint16_t kIpv4FragmentOffsetMask = 0x1fff; // in 8-octet units
// Fragment offsets of both families count 8-octet blocks (RFC 791 §3.1, RFC 8200 §4.5).
inline constexpr std::size_t kFragmentUnit = 8;
inline constexpr std::uint8_t kIpv4OptionCopied = 0x80; // copied into every fragment
inline constexpr std::uint8_t kIpv4OptionEnd = 0;
inline constexpr std::uint8_t kIpv4OptionNop = 1;
inline constexpr std::uint8_t kIpv4OptionRouterAlert = 148; // RFC 2113: 0x94
inline constexpr std::uint8_t kIpv4OptionLsrr = 131;
inline constexpr std::uint8_t kIpv4OptionSsrr = 137;
inline constexpr std::uint8_t kIpv4TosInternetworkControl = 0xc0; // RFC 3376 §4

// UDP (RFC 768).
inline constexpr std::size_t kUdpHeaderSize = 8;
inline constexpr std::size_t kUdpLengthOffset = 4;
inline constexpr std::size_t kUdpChecksumOffset = 6;

// IP/ICMP translation (SIIT, RFC 7915). An IPv6 → IPv4 packet of at most this many
// octets leaves with Don't Fragment clear, a larger one with it set (§5.1): 1280 − 20,
// so that it still fits the IPv6 minimum MTU after a translation back.
inline constexpr std::size_t kSiitDontFragmentAbove = 1260;

// ICMPv6 types (RFC 4443, RFC 2710, RFC 3810).
inline constexpr std::uint8_t kIcmpv6EchoRequest = 128;
inline constexpr std::uint8_t kIcmpv6EchoReply = 129;
inline constexpr std::uint8_t kMldQuery = 130;
inline constexpr std::uint8_t kMldV1Report = 131;
inline constexpr std::uint8_t kMldV1Done = 132;
inline constexpr std::uint8_t kMldV2Report = 143;

// IGMP types (RFC 1112, RFC 2236, RFC 3376).
inline constexpr std::uint8_t kIgmpQuery = 0x11;
inline constexpr std::uint8_t kIgmpV1Report = 0x12;
inline constexpr std::uint8_t kIgmpV2Report = 0x16;
inline constexpr std::uint8_t kIgmpV2Leave = 0x17;
inline constexpr std::uint8_t kIgmpV3Report = 0x22;

// Message sizes.
inline constexpr std::size_t kMldV1Size = 24;         // RFC 2710 §3
inline constexpr std::size_t kMldV2QueryMinSize = 28; // RFC 3810 §5.1
inline constexpr std::size_t kMldV2ReportHeaderSize = 8;
inline constexpr std::size_t kMldV2RecordHeaderSize = 20;
inline constexpr std::size_t kIgmpV12Size = 8;         // RFC 2236 §2
inline constexpr std::size_t kIgmpV3QueryMinSize = 12; // RFC 3376 §4.1
inline constexpr std::size_t kIgmpV3ReportHeaderSize = 8;
inline constexpr std::size_t kIgmpV3RecordHeaderSize = 8;

// IGMPv1 queries carry no Max Resp Time; it "MUST be interpreted as" 10 s
// (RFC 3376 §7.1 / RFC 2236 §4), in tenths of a second.
inline constexpr std::uint32_t kIgmpV1MaxResponseTenths = 100;

// Well-known groups.
inline constexpr net::Ipv6Address kAllNodes{
    {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}};
inline constexpr net::Ipv6Address kAllRouters{
    {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02}};
inline constexpr net::Ipv6Address kAllMldv2Routers{
    {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16}};
inline constexpr net::Ipv4Address kAllSystems{0xe0000001U};       // 224.0.0.1
inline constexpr net::Ipv4Address kAllRoutersV4{0xe0000002U};     // 224.0.0.2
inline constexpr net::Ipv4Address kAllIgmpv3Routers{0xe0000016U}; // 224.0.0.22

} // namespace ecmh::wire
