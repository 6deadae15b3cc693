// SPDX-License-Identifier: BSD-3-Clause
// Byte-exact goldens for every message ecmh builds that had none (issue 13 item 9):
// MLDv1 queries, MLDv2 specific queries, an MLDv2 report with one record of each type,
// IGMPv1/v2/v3 queries, the IGMPv1/v2 reports and Leave, an IGMPv3 report with one
// record of each type, ICMPv6 Packet Too Big, IPv4 fragments with options, and the
// forwarded copies (IPv6, IPv4) behind their Ethernet headers. The MLDv2 General Query,
// MLDv1 Report and Done, the MLDv2 TO_EX report (mld_test.cpp), the IGMPv3 General
// Query (igmp_test.cpp), ICMPv6 Echo and the 6in4 header have theirs elsewhere.
//
// Each expected message is written out field by field from the RFC formats (RFC 2710
// §3, RFC 3810 §5, RFC 1112 App. I, RFC 2236 §2, RFC 3376 §4, RFC 4443 §3.2, RFC 791
// §3.1-§3.2, RFC 2464 §7, RFC 1112 §6.4), its checksums computed outside ecmh; every
// checksum is then verified here again by the test's own one's-complement loop, so
// neither ecmh's parser nor its checksum code has a say.
#include "ecmh/net/byte_writer.hpp"
#include "ecmh/wire/forward_copy.hpp"
#include "ecmh/wire/icmpv6_too_big.hpp"
#include "ecmh/wire/igmp.hpp"
#include "ecmh/wire/ipv4.hpp"
#include "ecmh/wire/ipv4_fragment.hpp"
#include "ecmh/wire/ipv6.hpp"
#include "ecmh/wire/link.hpp"
#include "ecmh/wire/mld.hpp"
#include "support/hex.hpp"

#include <array>
#include <cstdint>
#include <gtest/gtest.h>
#include <initializer_list>
#include <span>
#include <vector>

using namespace ecmh::wire;
using ecmh::net::ByteWriter;
using ecmh::net::Ipv4Address;
using ecmh::net::Ipv6Address;
using ecmh::net::MacAddress;
using ecmh::test::Bytes;
using ecmh::test::from_hex;
using ecmh::test::to_hex;

namespace {

Bytes h(std::string_view text) {
    return from_hex(text);
}

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

// The test's own one's-complement sum (RFC 1071), folded to 16 bits; a region whose
// checksum field is right sums to 0xffff.
std::uint32_t ones_sum(std::span<const std::uint8_t> bytes, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i < bytes.size(); i += 2) {
        sum += static_cast<std::uint32_t>(bytes[i] << 8) +
               (i + 1 < bytes.size() ? bytes[i + 1] : std::uint32_t{0});
    }
    while (sum > 0xffff) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

// An IPv6 packet's upper-layer message (from `offset`) with its pseudo-header
// (RFC 8200 §8.1) sums to 0xffff.
std::uint32_t pseudo6_sum(const Bytes& packet, std::size_t offset, std::uint8_t next_header) {
    const std::span<const std::uint8_t> p{packet};
    const std::size_t length = packet.size() - offset;
    const std::array<std::uint8_t, 8> tail{0,
                                           0,
                                           static_cast<std::uint8_t>(length >> 8),
                                           static_cast<std::uint8_t>(length),
                                           0,
                                           0,
                                           0,
                                           next_header};
    std::uint32_t sum = ones_sum(p.subspan(8, 32)); // source and destination
    sum = ones_sum(tail, sum);
    return ones_sum(p.subspan(offset), sum);
}

// An IPv4 packet: its header (IHL·4 octets) and, for IGMP, the message after it.
std::uint32_t header4_sum(const Bytes& packet) {
    return ones_sum(std::span(packet).first(std::size_t{packet[0] & 0x0fU} * 4));
}
std::uint32_t igmp_sum(const Bytes& packet) {
    return ones_sum(std::span(packet).subspan(std::size_t{packet[0] & 0x0fU} * 4));
}

Ipv6Address a6(const char* text) {
    return *Ipv6Address::parse(text);
}
Ipv4Address a4(const char* text) {
    return *Ipv4Address::parse(text);
}

template <class Result>
Bytes take(Bytes& out, const Result& n) {
    EXPECT_TRUE(n.has_value());
    return n.has_value() ? Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n))
                         : Bytes{};
}

// MLDv1 General Query.
const Bytes kMldV1GeneralQuery = cat({
    h("60 00 00 00"), // version 6, traffic class 0, flow label 0
    h("00 20 00 01"), // Payload Length 32, Next Header 0 (Hop-by-Hop), Hop Limit 1
    h("fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01"), // source fe80::1
    h("ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 01"), // destination ff02::1
    h("3a 00 05 02 00 00 01 00"), // Hop-by-Hop: next 58; Router Alert 0 (MLD); PadN(0)
    h("82 00"),                   // type 130 (query), code 0
    h("59 17"),                   // checksum 0x5917 (pseudo-header + message)
    h("27 10 00 00"),             // Maximum Response Delay 10000 ms, reserved
    h("00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"), // Multicast Address :: (general)
});

// MLDv1 Multicast-Address-Specific Query.
const Bytes kMldV1SpecificQuery = cat({
    h("60 00 00 00"), // version 6, traffic class 0, flow label 0
    h("00 20 00 01"), // Payload Length 32, Next Header 0 (Hop-by-Hop), Hop Limit 1
    h("fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01"), // source fe80::1
    h("ff 0e 00 00 00 00 00 00 00 00 00 00 00 01 10 00"), // destination ff0e::1:1000
    h("3a 00 05 02 00 00 01 00"), // Hop-by-Hop: next 58; Router Alert 0 (MLD); PadN(0)
    h("82 00"),                   // type 130, code 0
    h("5d 23"),                   // checksum 0x5d23 (pseudo-header + message)
    h("03 e8 00 00"),             // Maximum Response Delay 1000 ms, reserved
    h("ff 0e 00 00 00 00 00 00 00 00 00 00 00 01 10 00"), // Multicast Address ff0e::1:1000
});

// MLDv2 Multicast Address Specific Query, S flag.
const Bytes kMldV2GroupQuery = cat({
    h("60 00 00 00"), // version 6, traffic class 0, flow label 0
    h("00 24 00 01"), // Payload Length 36, Next Header 0 (Hop-by-Hop), Hop Limit 1
    h("fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01"), // source fe80::1
    h("ff 0e 00 00 00 00 00 00 00 00 00 00 00 01 10 00"), // destination ff0e::1:1000
    h("3a 00 05 02 00 00 01 00"), // Hop-by-Hop: next 58; Router Alert 0 (MLD); PadN(0)
    h("82 00"),                   // type 130, code 0
    h("52 a2"),                   // checksum 0x52a2 (pseudo-header + message)
    h("03 e8 00 00"),             // Maximum Response Code 1000 (linear below 32768), reserved
    h("ff 0e 00 00 00 00 00 00 00 00 00 00 00 01 10 00"), // Multicast Address ff0e::1:1000
    h("0a 7d 00 00"), // Resv 0, S 1, QRV 2; QQIC 125; Number of Sources 0
});

// MLDv2 Multicast Address and Source Specific Query.
const Bytes kMldV2SourceQuery = cat({
    h("60 00 00 00"), // version 6, traffic class 0, flow label 0
    h("00 44 00 01"), // Payload Length 68, Next Header 0 (Hop-by-Hop), Hop Limit 1
    h("fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01"), // source fe80::1
    h("ff 0e 00 00 00 00 00 00 00 00 00 00 00 01 10 00"), // destination ff0e::1:1000
    h("3a 00 05 02 00 00 01 00"), // Hop-by-Hop: next 58; Router Alert 0 (MLD); PadN(0)
    h("82 00"),                   // type 130, code 0
    h("ff 08"),                   // checksum 0xff08 (pseudo-header + message)
    h("03 e8 00 00"),             // Maximum Response Code 1000, reserved
    h("ff 0e 00 00 00 00 00 00 00 00 00 00 00 01 10 00"), // Multicast Address ff0e::1:1000
    h("02 7d 00 02"), // S 0, QRV 2; QQIC 125; Number of Sources 2
    h("20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 01"), // source 2001:db8:1::1
    h("20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 02"), // source 2001:db8:1::2
});

// MLDv2 Report, one record of each type.
const Bytes kMldV2Report = cat({
    h("60 00 00 00"), // version 6, traffic class 0, flow label 0
    h("00 e8 00 01"), // Payload Length 232, Next Header 0 (Hop-by-Hop), Hop Limit 1
    h("fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 0a"), // source fe80::a
    h("ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 16"), // destination ff02::16
    h("3a 00 05 02 00 00 01 00"), // Hop-by-Hop: next 58; Router Alert 0 (MLD); PadN(0)
    h("8f 00"),                   // type 143 (MLDv2 report), reserved
    h("f0 59"),                   // checksum 0xf059 (pseudo-header + message)
    h("00 00 00 06"),             // reserved, Nr of Mcast Address Records 6
    h("01 00 00 02"),             // record: type 1 (MODE_IS_INCLUDE), no aux data, 2 sources
    h("ff 0e 00 00 00 00 00 00 00 00 00 00 00 01 10 01"), //   Multicast Address ff0e::1:1001
    h("20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 01"), //   source 2001:db8:1::1
    h("20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 02"), //   source 2001:db8:1::2
    h("02 00 00 00"), // record: type 2 (MODE_IS_EXCLUDE), no aux data, 0 sources
    h("ff 0e 00 00 00 00 00 00 00 00 00 00 00 01 10 02"), //   Multicast Address ff0e::1:1002
    h("03 00 00 01"), // record: type 3 (CHANGE_TO_INCLUDE_MODE), no aux data, 1 sources
    h("ff 0e 00 00 00 00 00 00 00 00 00 00 00 01 10 03"), //   Multicast Address ff0e::1:1003
    h("20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 01"), //   source 2001:db8:1::1
    h("04 00 00 01"), // record: type 4 (CHANGE_TO_EXCLUDE_MODE), no aux data, 1 sources
    h("ff 0e 00 00 00 00 00 00 00 00 00 00 00 01 10 04"), //   Multicast Address ff0e::1:1004
    h("20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 02"), //   source 2001:db8:1::2
    h("05 00 00 01"), // record: type 5 (ALLOW_NEW_SOURCES), no aux data, 1 sources
    h("ff 0e 00 00 00 00 00 00 00 00 00 00 00 01 10 05"), //   Multicast Address ff0e::1:1005
    h("20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 01"), //   source 2001:db8:1::1
    h("06 00 00 01"), // record: type 6 (BLOCK_OLD_SOURCES), no aux data, 1 sources
    h("ff 0e 00 00 00 00 00 00 00 00 00 00 00 01 10 06"), //   Multicast Address ff0e::1:1006
    h("20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 02"), //   source 2001:db8:1::2
});

// IGMPv1 General Query.
const Bytes kIgmpV1Query = cat({
    h("46 c0 00 20"), // version 4, IHL 6, TOS 0xc0, Total Length 32
    h("00 00 00 00"), // Identification 0, flags 0, fragment offset 0
    h("01 02 19 7f"), // TTL 1, protocol 2 (IGMP), header checksum 0x197f
    h("c6 33 64 64"), // source 198.51.100.100
    h("e0 00 00 01"), // destination 224.0.0.1
    h("94 04 00 00"), // Router Alert option (148, length 4, value 0)
    h("11 00"),       // type 0x11, code 0 (IGMPv1: no Max Resp Time)
    h("ee ff"),       // IGMP checksum 0xeeff
    h("00 00 00 00"), // group 0.0.0.0
});

// IGMPv2 General Query.
const Bytes kIgmpV2GeneralQuery = cat({
    h("46 c0 00 20"), // version 4, IHL 6, TOS 0xc0, Total Length 32
    h("00 00 00 00"), // Identification 0, flags 0, fragment offset 0
    h("01 02 19 7f"), // TTL 1, protocol 2 (IGMP), header checksum 0x197f
    h("c6 33 64 64"), // source 198.51.100.100
    h("e0 00 00 01"), // destination 224.0.0.1
    h("94 04 00 00"), // Router Alert option (148, length 4, value 0)
    h("11 64"),       // type 0x11, Max Resp Time 100 (tenths)
    h("ee 9b"),       // IGMP checksum 0xee9b
    h("00 00 00 00"), // group 0.0.0.0
});

// IGMPv2 Group-Specific Query.
const Bytes kIgmpV2GroupQuery = cat({
    h("46 c0 00 20"), // version 4, IHL 6, TOS 0xc0, Total Length 32
    h("00 00 00 00"), // Identification 0, flags 0, fragment offset 0
    h("01 02 08 7c"), // TTL 1, protocol 2 (IGMP), header checksum 0x087c
    h("c6 33 64 64"), // source 198.51.100.100
    h("ef 01 02 03"), // destination 239.1.2.3
    h("94 04 00 00"), // Router Alert option (148, length 4, value 0)
    h("11 0a"),       // type 0x11, Max Resp Time 10 (tenths)
    h("fd f0"),       // IGMP checksum 0xfdf0
    h("ef 01 02 03"), // group 239.1.2.3
});

// IGMPv3 Group-Specific Query, S flag.
const Bytes kIgmpV3GroupQuery = cat({
    h("46 c0 00 24"), // version 4, IHL 6, TOS 0xc0, Total Length 36
    h("00 00 00 00"), // Identification 0, flags 0, fragment offset 0
    h("01 02 08 78"), // TTL 1, protocol 2 (IGMP), header checksum 0x0878
    h("c6 33 64 64"), // source 198.51.100.100
    h("ef 01 02 03"), // destination 239.1.2.3
    h("94 04 00 00"), // Router Alert option (148, length 4, value 0)
    h("11 0a"),       // type 0x11, Max Resp Code 10
    h("f3 73"),       // IGMP checksum 0xf373
    h("ef 01 02 03"), // group 239.1.2.3
    h("0a 7d 00 00"), // Resv 0, S 1, QRV 2; QQIC 125; Number of Sources 0
});

// IGMPv3 Group-and-Source-Specific Query.
const Bytes kIgmpV3SourceQuery = cat({
    h("46 c0 00 2c"), // version 4, IHL 6, TOS 0xc0, Total Length 44
    h("00 00 00 00"), // Identification 0, flags 0, fragment offset 0
    h("01 02 08 70"), // TTL 1, protocol 2 (IGMP), header checksum 0x0870
    h("c6 33 64 64"), // source 198.51.100.100
    h("ef 01 02 03"), // destination 239.1.2.3
    h("94 04 00 00"), // Router Alert option (148, length 4, value 0)
    h("11 0a"),       // type 0x11, Max Resp Code 10
    h("77 6d"),       // IGMP checksum 0x776d
    h("ef 01 02 03"), // group 239.1.2.3
    h("02 7d 00 02"), // S 0, QRV 2; QQIC 125; Number of Sources 2
    h("c0 00 02 01"), // source 192.0.2.1
    h("c0 00 02 02"), // source 192.0.2.2
});

// IGMPv1 Report.
const Bytes kIgmpV1Report = cat({
    h("46 c0 00 20"), // version 4, IHL 6, TOS 0xc0, Total Length 32
    h("00 00 00 00"), // Identification 0, flags 0, fragment offset 0
    h("01 02 08 d6"), // TTL 1, protocol 2 (IGMP), header checksum 0x08d6
    h("c6 33 64 0a"), // source 198.51.100.10
    h("ef 01 02 03"), // destination 239.1.2.3
    h("94 04 00 00"), // Router Alert option (148, length 4, value 0)
    h("12 00"),       // type 0x12, unused 0
    h("fc fa"),       // IGMP checksum 0xfcfa
    h("ef 01 02 03"), // group 239.1.2.3
});

// IGMPv2 Report.
const Bytes kIgmpV2Report = cat({
    h("46 c0 00 20"), // version 4, IHL 6, TOS 0xc0, Total Length 32
    h("00 00 00 00"), // Identification 0, flags 0, fragment offset 0
    h("01 02 08 d6"), // TTL 1, protocol 2 (IGMP), header checksum 0x08d6
    h("c6 33 64 0a"), // source 198.51.100.10
    h("ef 01 02 03"), // destination 239.1.2.3
    h("94 04 00 00"), // Router Alert option (148, length 4, value 0)
    h("16 00"),       // type 0x16, Max Resp Time 0
    h("f8 fa"),       // IGMP checksum 0xf8fa
    h("ef 01 02 03"), // group 239.1.2.3
});

// IGMPv2 Leave.
const Bytes kIgmpV2Leave = cat({
    h("46 c0 00 20"), // version 4, IHL 6, TOS 0xc0, Total Length 32
    h("00 00 00 00"), // Identification 0, flags 0, fragment offset 0
    h("01 02 19 d8"), // TTL 1, protocol 2 (IGMP), header checksum 0x19d8
    h("c6 33 64 0a"), // source 198.51.100.10
    h("e0 00 00 02"), // destination 224.0.0.2
    h("94 04 00 00"), // Router Alert option (148, length 4, value 0)
    h("17 00"),       // type 0x17, Max Resp Time 0
    h("f7 fa"),       // IGMP checksum 0xf7fa
    h("ef 01 02 03"), // group 239.1.2.3
});

// IGMPv3 Report, one record of each type.
const Bytes kIgmpV3Report = cat({
    h("46 c0 00 68"), // version 4, IHL 6, TOS 0xc0, Total Length 104
    h("00 00 00 00"), // Identification 0, flags 0, fragment offset 0
    h("01 02 19 7c"), // TTL 1, protocol 2 (IGMP), header checksum 0x197c
    h("c6 33 64 0a"), // source 198.51.100.10
    h("e0 00 00 16"), // destination 224.0.0.22
    h("94 04 00 00"), // Router Alert option (148, length 4, value 0)
    h("22 00"),       // type 0x22 (IGMPv3 report), reserved
    h("96 c5"),       // IGMP checksum 0x96c5
    h("00 00 00 06"), // reserved, Number of Group Records 6
    h("01 00 00 02"), // record: type 1 (MODE_IS_INCLUDE), no aux data, 2 sources
    h("ef 01 02 01"), //   group 239.1.2.1
    h("c0 00 02 01"), //   source 192.0.2.1
    h("c0 00 02 02"), //   source 192.0.2.2
    h("02 00 00 00"), // record: type 2 (MODE_IS_EXCLUDE), no aux data, 0 sources
    h("ef 01 02 02"), //   group 239.1.2.2
    h("03 00 00 01"), // record: type 3 (CHANGE_TO_INCLUDE_MODE), no aux data, 1 sources
    h("ef 01 02 03"), //   group 239.1.2.3
    h("c0 00 02 01"), //   source 192.0.2.1
    h("04 00 00 01"), // record: type 4 (CHANGE_TO_EXCLUDE_MODE), no aux data, 1 sources
    h("ef 01 02 04"), //   group 239.1.2.4
    h("c0 00 02 02"), //   source 192.0.2.2
    h("05 00 00 01"), // record: type 5 (ALLOW_NEW_SOURCES), no aux data, 1 sources
    h("ef 01 02 05"), //   group 239.1.2.5
    h("c0 00 02 01"), //   source 192.0.2.1
    h("06 00 00 01"), // record: type 6 (BLOCK_OLD_SOURCES), no aux data, 1 sources
    h("ef 01 02 06"), //   group 239.1.2.6
    h("c0 00 02 02"), //   source 192.0.2.2
});

// ICMPv6 Packet Too Big.
const Bytes kPacketTooBig = cat({
    h("60 00 00 00"), // version 6, traffic class 0, flow label 0
    h("00 38 3a 40"), // Payload Length 56, Next Header 58 (ICMPv6), Hop Limit 64
    h("20 01 0d b8 00 09 00 00 00 00 00 00 00 00 00 01"), // source 2001:db8:9::1 (ours)
    h("20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 10"), // destination 2001:db8:1::10 (the
                                                          // invoking packet's source)
    h("02 00 2b 41"),             // type 2 (Packet Too Big), code 0, checksum 0x2b41
    h("00 00 05 c8"),             // MTU 1480
    h("60 00 00 00 00 08 11 08"), // invoking packet: IPv6, Payload Length 8, UDP, Hop Limit 8
    h("20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 10"), //   its source
    h("ff 0e 00 00 00 00 00 00 00 00 00 00 00 01 10 00"), //   its destination
    h("13 88 13 89 00 08 9b f3"), //   its UDP header (5000 -> 5001, length 8, checksum 0x9bf3)
});

// IPv4 fragments (RFC 791 §3.2) of a 52-octet packet (IHL 7: Router Alert, copied, and a
// Record Route, not copied) at MTU 44.
const Bytes kUnfragmented = cat({
    h("47 00 00 34"), // version 4, IHL 7, TOS 0, Total Length 52
    h("be ef 00 00"), // Identification 0xbeef, no flags, offset 0
    h("07 11 a1 b5"), // TTL 7, protocol 17, header checksum 0xa1b5
    h("c0 00 02 0a"), // source 192.0.2.10
    h("ef 01 01 01"), // destination 239.1.1.1
    h("94 04 00 00"), // Router Alert (copy bit set: goes into every fragment)
    h("07 03 04 00"), // Record Route, length 3, pointer 4 (copy bit clear); EOL
    h("00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17"), // 24 octets
});
const Bytes kFirstFragment = cat({
    h("47 00 00 2c"), // IHL 7, Total Length 44
    h("be ef 20 00"), // the same Identification, More Fragments, offset 0
    h("07 11 81 bd"), // TTL 7, protocol 17, header checksum 0x81bd
    h("c0 00 02 0a"), // source
    h("ef 01 01 01"), // destination
    h("94 04 00 00"), // Router Alert
    h("07 03 04 00"), // Record Route; EOL (the first fragment keeps every option)
    h("00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"), // data 0-15 (16 = 2 units of 8)
});
const Bytes kSecondFragment = cat({
    h("46 00 00 20"),             // IHL 6 (only the copied option), Total Length 32
    h("be ef 00 02"),             // last fragment (MF clear), offset 2 (16 octets)
    h("07 11 ad ca"),             // TTL 7, protocol 17, header checksum 0xadca
    h("c0 00 02 0a"),             // source
    h("ef 01 01 01"),             // destination
    h("94 04 00 00"),             // Router Alert
    h("10 11 12 13 14 15 16 17"), // data 16-23
});

// A forwarded IPv6 copy behind its Ethernet header: hop limit 64 → 63, nothing else
// changes (the UDP checksum does not cover the hop limit).
const Bytes kUdp6 = cat({
    h("60 00 00 00"), // version 6, traffic class 0, flow label 0
    h("00 0c 11 40"), // Payload Length 12, Next Header 17 (UDP), Hop Limit 64
    h("20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 10"), // source 2001:db8:1::10
    h("ff 0e 00 00 00 00 00 00 00 00 00 00 00 01 10 00"), // destination ff0e::1:1000
    h("13 88 13 89 00 0c c9 1f"), // UDP 5000 → 5001, length 12, checksum 0xc91f
    h("65 63 6d 68"),             // "ecmh"
});
const Bytes kUdp6CopyFrame = cat({
    h("33 33 00 01 10 00"), // destination MAC: 33:33 + the group's last 32 bits (RFC 2464 §7)
    h("02 00 00 00 00 01"), // source MAC: the out-link's
    h("86 dd"),             // EtherType IPv6
    h("60 00 00 00"),
    h("00 0c 11 3f"), // Hop Limit 63
    h("20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 10"),
    h("ff 0e 00 00 00 00 00 00 00 00 00 00 00 01 10 00"),
    h("13 88 13 89 00 0c c9 1f"),
    h("65 63 6d 68"),
});

// A forwarded IPv4 copy: TTL 64 → 63 and the header checksum with it (0x758a → 0x768a).
const Bytes kUdp4 = cat({
    h("45 00 00 20"),             // version 4, IHL 5, TOS 0, Total Length 32
    h("12 34 40 00"),             // Identification 0x1234, Don't Fragment, offset 0
    h("40 11 75 8a"),             // TTL 64, protocol 17, header checksum 0x758a
    h("c0 00 02 0a"),             // source 192.0.2.10
    h("ef 01 02 03"),             // destination 239.1.2.3
    h("13 88 13 89 00 0c 52 ea"), // UDP 5000 → 5001, length 12, checksum 0x52ea
    h("65 63 6d 68"),             // "ecmh"
});
const Bytes kUdp4CopyFrame = cat({
    h("01 00 5e 01 02 03"), // destination MAC: 01:00:5e + the group's low 23 bits (RFC 1112 §6.4)
    h("02 00 00 00 00 01"), // source MAC: the out-link's
    h("08 00"),             // EtherType IPv4
    h("45 00 00 20"),
    h("12 34 40 00"),
    h("3f 11 76 8a"), // TTL 63, header checksum 0x768a
    h("c0 00 02 0a"),
    h("ef 01 02 03"),
    h("13 88 13 89 00 0c 52 ea"),
    h("65 63 6d 68"),
});

const Ipv6Address kRouter6 = a6("fe80::1");
const Ipv6Address kHost6 = a6("fe80::a");
const Ipv6Address kGroup6 = a6("ff0e::1:1000");
const Ipv4Address kRouter4 = a4("198.51.100.100");
const Ipv4Address kHost4 = a4("198.51.100.10");
const Ipv4Address kGroup4 = a4("239.1.2.3");
const MacAddress kLinkMac{{0x02, 0, 0, 0, 0, 0x01}};

// MLD: the ICMPv6 message starts after the 40-octet header and the 8-octet Hop-by-Hop.
void expect_mld(const Bytes& built, const Bytes& golden) {
    EXPECT_EQ(to_hex(built), to_hex(golden));
    EXPECT_EQ(pseudo6_sum(golden, 48, 58), 0xffffU) << "the golden's own checksum";
}

void expect_igmp(const Bytes& built, const Bytes& golden) {
    EXPECT_EQ(to_hex(built), to_hex(golden));
    EXPECT_EQ(header4_sum(golden), 0xffffU) << "the golden's header checksum";
    EXPECT_EQ(igmp_sum(golden), 0xffffU) << "the golden's IGMP checksum";
}

} // namespace

TEST(GoldenBytes, MldV1Queries) {
    Bytes out(200);
    MldQuerySpec spec;
    spec.version = MldVersion::V1;
    spec.source = kRouter6;
    expect_mld(take(out, build_mld_query(out, spec)), kMldV1GeneralQuery);
    spec.group = kGroup6;
    spec.max_response_ms = 1000;
    expect_mld(take(out, build_mld_query(out, spec)), kMldV1SpecificQuery);
}

TEST(GoldenBytes, MldV2SpecificQueries) {
    Bytes out(200);
    MldQuerySpec spec;
    spec.source = kRouter6;
    spec.group = kGroup6;
    spec.max_response_ms = 1000;
    spec.suppress_router_side = true;
    expect_mld(take(out, build_mld_query(out, spec)), kMldV2GroupQuery);
    const std::array sources{a6("2001:db8:1::1"), a6("2001:db8:1::2")};
    spec.suppress_router_side = false;
    spec.sources = sources;
    expect_mld(take(out, build_mld_query(out, spec)), kMldV2SourceQuery);
}

TEST(GoldenBytes, MldV2ReportWithEveryRecordType) {
    const std::array one{a6("2001:db8:1::1")};
    const std::array two{a6("2001:db8:1::2")};
    const std::array both{a6("2001:db8:1::1"), a6("2001:db8:1::2")};
    const MldRecordSpec records[] = {
        {RecordType::ModeIsInclude, a6("ff0e::1:1001"), both},
        {RecordType::ModeIsExclude, a6("ff0e::1:1002"), {}},
        {RecordType::ChangeToIncludeMode, a6("ff0e::1:1003"), one},
        {RecordType::ChangeToExcludeMode, a6("ff0e::1:1004"), two},
        {RecordType::AllowNewSources, a6("ff0e::1:1005"), one},
        {RecordType::BlockOldSources, a6("ff0e::1:1006"), two},
    };
    Bytes out(1500);
    PackCursor cursor;
    expect_mld(take(out, pack_mld_v2_report(out, kHost6, 1500, records, cursor)), kMldV2Report);
}

TEST(GoldenBytes, IgmpQueriesOfEveryVersion) {
    Bytes out(200);
    IgmpQuerySpec spec;
    spec.source = kRouter4;
    spec.version = IgmpVersion::V1;
    expect_igmp(take(out, build_igmp_query(out, spec)), kIgmpV1Query);
    spec.version = IgmpVersion::V2; // Max Resp Time 100 tenths, the default
    expect_igmp(take(out, build_igmp_query(out, spec)), kIgmpV2GeneralQuery);
    spec.group = kGroup4;
    spec.max_response_tenths = 10;
    expect_igmp(take(out, build_igmp_query(out, spec)), kIgmpV2GroupQuery);
    spec.version = IgmpVersion::V3;
    spec.suppress_router_side = true;
    expect_igmp(take(out, build_igmp_query(out, spec)), kIgmpV3GroupQuery);
    const std::array sources{a4("192.0.2.1"), a4("192.0.2.2")};
    spec.suppress_router_side = false;
    spec.sources = sources;
    expect_igmp(take(out, build_igmp_query(out, spec)), kIgmpV3SourceQuery);
}

TEST(GoldenBytes, IgmpV1V2ReportsAndLeave) {
    Bytes out(100);
    expect_igmp(take(out, build_igmp_v1_report(out, kHost4, kGroup4)), kIgmpV1Report);
    expect_igmp(take(out, build_igmp_v2_report(out, kHost4, kGroup4)), kIgmpV2Report);
    expect_igmp(take(out, build_igmp_v2_leave(out, kHost4, kGroup4)), kIgmpV2Leave);
}

TEST(GoldenBytes, IgmpV3ReportWithEveryRecordType) {
    const std::array one{a4("192.0.2.1")};
    const std::array two{a4("192.0.2.2")};
    const std::array both{a4("192.0.2.1"), a4("192.0.2.2")};
    const IgmpRecordSpec records[] = {
        {RecordType::ModeIsInclude, a4("239.1.2.1"), both},
        {RecordType::ModeIsExclude, a4("239.1.2.2"), {}},
        {RecordType::ChangeToIncludeMode, a4("239.1.2.3"), one},
        {RecordType::ChangeToExcludeMode, a4("239.1.2.4"), two},
        {RecordType::AllowNewSources, a4("239.1.2.5"), one},
        {RecordType::BlockOldSources, a4("239.1.2.6"), two},
    };
    Bytes out(1500);
    PackCursor cursor;
    expect_igmp(take(out, pack_igmp_v3_report(out, kHost4, 1500, records, cursor)), kIgmpV3Report);
}

TEST(GoldenBytes, PacketTooBig) {
    const Bytes invoking(kPacketTooBig.begin() + 48, kPacketTooBig.end());
    Bytes out(1500);
    const auto built = take(
        out, build_packet_too_big(out, a6("2001:db8:9::1"), a6("2001:db8:1::10"), 1480, invoking));
    EXPECT_EQ(to_hex(built), to_hex(kPacketTooBig));
    EXPECT_EQ(pseudo6_sum(kPacketTooBig, 40, 58), 0xffffU) << "the golden's own checksum";
    EXPECT_EQ(pseudo6_sum(invoking, 40, 17), 0xffffU) << "the quoted UDP checksum";
}

TEST(GoldenBytes, Ipv4FragmentsKeepOnlyCopiedOptionsAfterTheFirst) {
    ASSERT_EQ(header4_sum(kUnfragmented), 0xffffU);
    const auto plan = Ipv4Fragmenter::plan(kUnfragmented, 44);
    ASSERT_TRUE(plan);
    ASSERT_EQ(plan->count(), 2U);
    for (std::size_t i = 0; i < 2; ++i) {
        const Bytes& golden = i == 0 ? kFirstFragment : kSecondFragment;
        Bytes out(plan->size(i));
        ASSERT_EQ(plan->write(i, out), golden.size());
        EXPECT_EQ(to_hex(out), to_hex(golden)) << "fragment " << i;
        EXPECT_EQ(header4_sum(golden), 0xffffU) << "the golden's header checksum " << i;
    }
}

TEST(GoldenBytes, ForwardedCopiesBehindTheirEthernetHeaders) {
    EXPECT_EQ(pseudo6_sum(kUdp6, 40, 17), 0xffffU);
    EXPECT_EQ(header4_sum(kUdp4), 0xffffU);
    for (const auto* in : {&kUdp6, &kUdp4}) {
        const bool v6 = in == &kUdp6;
        const ForwardCopy copy =
            v6 ? prepare_copy(*parse_ipv6(*in)) : prepare_copy(*parse_ipv4(*in));
        Bytes frame(14 + copy.size());
        ByteWriter w{frame};
        ASSERT_EQ(write_ethernet_header(w, copy.group_mac, kLinkMac, copy.protocol), 14U);
        ASSERT_EQ(copy.write(std::span(frame).subspan(14)), copy.size());
        const Bytes& golden = v6 ? kUdp6CopyFrame : kUdp4CopyFrame;
        EXPECT_EQ(to_hex(frame), to_hex(golden));
        const Bytes ip(golden.begin() + 14, golden.end());
        if (v6) {
            EXPECT_EQ(pseudo6_sum(ip, 40, 17), 0xffffU) << "the copy's UDP checksum";
        } else {
            EXPECT_EQ(header4_sum(ip), 0xffffU) << "the copy's header checksum";
        }
    }
}
