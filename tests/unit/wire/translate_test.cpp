// SPDX-License-Identifier: BSD-3-Clause
// IPv4 <-> IPv6 header translation of multicast UDP (wire/translate.hpp; RFC 7915, the
// rules X1–X18 of the issue-16 design note). The expected packets are written out by
// hand, and every checksum of every output is verified with a sum and a pseudo-header
// the test builds (support/udp_oracle.hpp), never with net/checksum; every output is
// parsed again.
#include "ecmh/wire/translate.hpp"
#include "support/hex.hpp"
#include "support/ipv4_packets.hpp"
#include "support/udp_oracle.hpp"

#include <gtest/gtest.h>

namespace ecmh::wire {
namespace {

using test::Bytes;
using test::from_hex;
using test::to_hex;

const net::Ipv6Address kSource6 = test::v6::addr("64:ff9b:1::c000:20a"); // 192.0.2.10
const net::Ipv6Address kGroup6 = test::v6::addr("ff18:1000::ef01:203");  // 239.1.2.3
const net::Ipv4Address kSource4{0xc000020aU};                            // 192.0.2.10
const net::Ipv4Address kGroup4{0xef010203U};                             // 239.1.2.3

using test::udp::append;
using test::udp::folded_sum;
using test::udp::slice;

bool udp_verifies_v6(const Bytes& addresses, const Bytes& udp) {
    return addresses.size() == 32 && test::udp::verifies(addresses, udp);
}

bool udp_verifies_v4(const Bytes& addresses, const Bytes& udp) {
    return addresses.size() == 8 && test::udp::verifies(addresses, udp);
}

// An unfragmented IPv6 UDP packet with no extension headers: re-parsed, checksum right.
void expect_valid_ipv6_udp(const Bytes& packet) {
    const auto parsed = parse_ipv6(packet);
    ASSERT_TRUE(parsed) << to_string(parsed.error());
    EXPECT_EQ(parsed->next_header, 17);
    EXPECT_EQ(parsed->packet.size(), packet.size());
    EXPECT_TRUE(udp_verifies_v6(slice(packet, 8, 32), slice(packet, 40, packet.size() - 40)))
        << to_hex(packet);
}

// An IPv4 packet without options: re-parsed (which checks the header checksum), and the
// header sum checked here too.
void expect_valid_ipv4(const Bytes& packet) {
    const auto parsed = parse_ipv4(packet);
    ASSERT_TRUE(parsed) << to_string(parsed.error());
    EXPECT_EQ(parsed->packet.size(), packet.size());
    EXPECT_EQ(folded_sum(slice(packet, 0, 20)), 0xffffU) << to_hex(packet);
}

void expect_valid_ipv4_udp(const Bytes& packet) {
    expect_valid_ipv4(packet);
    EXPECT_TRUE(udp_verifies_v4(slice(packet, 12, 8), slice(packet, 20, packet.size() - 20)))
        << to_hex(packet);
}

// --- Inputs ----------------------------------------------------------------------------

// The design note's golden vector: 192.0.2.10 → 239.1.2.3, TTL 16, TOS 0x28, ID 0x1234,
// UDP 5000 → 5001 "hello" with its correct checksum e1e1.
const char* const kGoldenV4 = "45 28 00 21 12 34 00 00 10 11 e5 61 c0 00 02 0a ef 01 02 03"
                              "13 88 13 89 00 0d e1 e1 68 65 6c 6c 6f";
// Its translation: hop limit 15, traffic class 0x28, the mapped addresses, checksum
// e1e1 + Δ 0x0f1a = d2c7.
const char* const kGoldenV6 = "62 80 00 00 00 0d 11 0f"
                              "00 64 ff 9b 00 01 00 00 00 00 00 00 c0 00 02 0a"
                              "ff 18 10 00 00 00 00 00 00 00 00 00 ef 01 02 03"
                              "13 88 13 89 00 0d d2 c7 68 65 6c 6c 6f";

// An IPv4 UDP packet 192.0.2.10 → 239.1.2.3 (TTL 16, TOS 0x28, ID 0x1234) around `udp`,
// with `options` (a multiple of 4) and `flags_offset`; the header checksum is set.
Bytes ipv4_packet(const Bytes& udp, std::uint16_t flags_offset = 0, const Bytes& options = {},
                  std::uint8_t protocol = 17) {
    test::v4::Ipv4Fields f;
    f.source = kSource4;
    f.destination = kGroup4;
    f.tos = 0x28;
    f.ttl = 16;
    f.protocol = protocol;
    f.identification = 0x1234;
    f.flags_offset = flags_offset;
    f.options = options;
    return test::v4::make_ipv4(f, udp);
}

// A UDP datagram 5000 → 5001 with `data`; the checksum field is `checksum`.
Bytes udp_datagram(const Bytes& data, std::uint16_t checksum) {
    const auto length = data.size() + 8;
    Bytes udp = {0x13,
                 0x88,
                 0x13,
                 0x89,
                 static_cast<std::uint8_t>(length >> 8),
                 static_cast<std::uint8_t>(length),
                 static_cast<std::uint8_t>(checksum >> 8),
                 static_cast<std::uint8_t>(checksum)};
    append(udp, data);
    return udp;
}

// An IPv6 packet from `source` to ff18:1000::ef01:203, hop limit 15, traffic class
// 0x28, with `extensions` (whose first Next Header is `next_header`) and `upper`.
Bytes ipv6_packet(std::uint8_t next_header, const Bytes& extensions, const Bytes& upper,
                  const net::Ipv6Address& source = kSource6) {
    test::v6::Ipv6Fields f;
    f.source = source;
    f.destination = kGroup6;
    f.hop_limit = 15;
    f.traffic_class = 0x28;
    f.next_header = next_header;
    f.extension_headers = extensions;
    return test::v6::make_ipv6(f, upper);
}

// The golden UDP datagram as the IPv6 packet carries it (checksum d2c7).
Bytes golden_udp6() {
    return slice(from_hex(kGoldenV6), 40, 13);
}

// --- Running the code under test -------------------------------------------------------

net::Expected<TranslatedCopy, TranslateError> to_ipv6(const Bytes& v4,
                                                      const net::Ipv6Address& source = kSource6,
                                                      const net::Ipv6Address& group = kGroup6) {
    const auto parsed = parse_ipv4(v4);
    if (!parsed) {
        ADD_FAILURE() << "input does not parse: " << to_string(parsed.error());
        return net::unexpected(TranslateError::Truncated);
    }
    return translate_to_ipv6(*parsed, source, group);
}

net::Expected<TranslatedCopy, TranslateError> to_ipv4(const Bytes& v6,
                                                      std::uint16_t identification = 0x1234) {
    const auto parsed = parse_ipv6(v6);
    if (!parsed) {
        ADD_FAILURE() << "input does not parse: " << to_string(parsed.error());
        return net::unexpected(TranslateError::Truncated);
    }
    return translate_to_ipv4(*parsed, kSource4, kGroup4, identification);
}

// The copy points into its input: a temporary input would leave it dangling.
net::Expected<TranslatedCopy, TranslateError> to_ipv6(const Bytes&& v4) = delete;
net::Expected<TranslatedCopy, TranslateError> to_ipv4(const Bytes&& v6,
                                                      std::uint16_t identification = 0) = delete;

// What a translation of `v4` / `v6` is refused for; nullopt when it is translated.
std::optional<TranslateError> refusal_to_ipv6(const Bytes& v4) {
    const auto copy = to_ipv6(v4);
    return copy ? std::nullopt : std::optional{copy.error()};
}
std::optional<TranslateError> refusal_to_ipv4(const Bytes& v6) {
    const auto copy = to_ipv4(v6);
    return copy ? std::nullopt : std::optional{copy.error()};
}

Bytes written(const TranslatedCopy& copy) {
    Bytes out(copy.size());
    EXPECT_EQ(copy.write(out), out.size());
    return out;
}

std::string error_name(const net::Expected<TranslatedCopy, TranslateError>& result) {
    return result ? std::string{"(translated)"} : std::string{to_string(result.error())};
}

// --- IPv4 → IPv6 -----------------------------------------------------------------------

TEST(Translate, TheDesignNotesGoldenVectorToIpv6) {
    const auto v4 = from_hex(kGoldenV4);
    const auto copy = to_ipv6(v4);
    ASSERT_TRUE(copy) << error_name(copy);
    const auto out = written(*copy);
    EXPECT_EQ(to_hex(out), to_hex(from_hex(kGoldenV6)));
    expect_valid_ipv6_udp(out);
    EXPECT_EQ(copy->protocol, NetworkProtocol::Ipv6);
    EXPECT_EQ(copy->group_mac.to_string(), "33:33:ef:01:02:03"); // RFC 2464 §7
    EXPECT_EQ(copy->header_length, 40U);
    EXPECT_FALSE(copy->dont_fragment);
    EXPECT_FALSE(copy->zero_checksum_computed);
    ASSERT_TRUE(copy->transport_checksum);
    EXPECT_EQ(copy->transport_checksum->offset, 46U);
}

TEST(Translate, TheSsmVectorToIpv6) {
    // 198.51.100.7 → 232.1.2.3, UDP checksum 80b1 → 0171 under 64:ff9b:1::/96 and
    // ff3e:0:8000::/96.
    const auto v4 = from_hex("45 28 00 21 12 34 00 00 10 11 84 31 c6 33 64 07 e8 01 02 03"
                             "13 88 13 89 00 0d 80 b1 68 65 6c 6c 6f");
    const auto copy = to_ipv6(v4, test::v6::addr("64:ff9b:1::c633:6407"),
                              test::v6::addr("ff3e:0:8000::e801:203"));
    ASSERT_TRUE(copy) << error_name(copy);
    const auto out = written(*copy);
    EXPECT_EQ(to_hex(out), to_hex(from_hex("62 80 00 00 00 0d 11 0f"
                                           "00 64 ff 9b 00 01 00 00 00 00 00 00 c6 33 64 07"
                                           "ff 3e 00 00 80 00 00 00 00 00 00 00 e8 01 02 03"
                                           "13 88 13 89 00 0d 01 71 68 65 6c 6c 6f")));
    expect_valid_ipv6_udp(out);
    EXPECT_EQ(copy->group_mac.to_string(), "33:33:e8:01:02:03");
}

TEST(Translate, Ipv4OptionsAreDroppedNotTranslated) {
    // NOP and a Record Route with room for one address (X4: ignored, RFC 7915 §4.1).
    const auto v4 = from_hex("47 28 00 29 12 34 00 00 10 11 db 4e c0 00 02 0a ef 01 02 03"
                             "01 07 07 04 00 00 00 00"
                             "13 88 13 89 00 0d e1 e1 68 65 6c 6c 6f");
    const auto copy = to_ipv6(v4);
    ASSERT_TRUE(copy) << error_name(copy);
    EXPECT_EQ(to_hex(written(*copy)), to_hex(from_hex(kGoldenV6)));
}

TEST(Translate, AnUnexpiredSourceRouteIsDroppedAnExpiredOneIgnored) {
    // LSRR (131) and SSRR (137) of length 7 with one address: pointer 4 still names it.
    const auto udp = slice(from_hex(kGoldenV4), 20, 13);
    for (const auto type : std::initializer_list<std::uint8_t>{0x83, 0x89}) {
        const auto v4 = ipv4_packet(udp, 0, {0x01, type, 0x07, 0x04, 0xc6, 0x33, 0x64, 0x01});
        const auto copy = to_ipv6(v4);
        ASSERT_FALSE(copy) << int{type};
        EXPECT_EQ(copy.error(), TranslateError::SourceRoute);
    }
    // Pointer 8 > length 7: the route is done, the option is ignored like any other.
    const auto expired = ipv4_packet(udp, 0, {0x01, 0x83, 0x07, 0x08, 0xc6, 0x33, 0x64, 0x01});
    const auto copy = to_ipv6(expired);
    ASSERT_TRUE(copy) << error_name(copy);
    EXPECT_EQ(to_hex(written(*copy)), to_hex(from_hex(kGoldenV6)));
}

TEST(Translate, AZeroIpv4ChecksumIsComputedForAWholeDatagram) {
    // X14: the golden packet with no UDP checksum gets the same d2c7, computed in full.
    auto v4 = from_hex(kGoldenV4);
    v4[26] = 0;
    v4[27] = 0;
    const auto copy = to_ipv6(v4);
    ASSERT_TRUE(copy) << error_name(copy);
    EXPECT_TRUE(copy->zero_checksum_computed);
    const auto out = written(*copy);
    EXPECT_EQ(to_hex(out), to_hex(from_hex(kGoldenV6)));
    expect_valid_ipv6_udp(out);
}

TEST(Translate, AZeroChecksumOnAFirstFragmentIsDroppedOnALaterOneKept) {
    // X15: the first fragment of a datagram without checksum.
    const auto first = ipv4_packet(udp_datagram(from_hex("0102030405060708"), 0), 0x2000);
    const auto refused = to_ipv6(first);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error(), TranslateError::ZeroChecksumFragment);
    // A later fragment carries no UDP header: nothing to check, nothing changed.
    const auto later = ipv4_packet(from_hex("0000000000000000"), 2);
    const auto copy = to_ipv6(later);
    ASSERT_TRUE(copy) << error_name(copy);
    EXPECT_FALSE(copy->transport_checksum);
}

TEST(Translate, Ipv4FragmentsGetAFragmentHeaderWithTheIpv4Id) {
    // The datagram "hello, translated world" (31 octets of UDP) as two IPv4 fragments:
    // the first with the UDP header and 8 data octets (MF, offset 0), then the rest
    // (offset 2). Its checksum is the IPv4 one; the IPv6 pieces must carry the IPv6 one.
    const Bytes data{'h', 'e', 'l', 'l', 'o', ',', ' ', 't', 'r', 'a', 'n', 's',
                     'l', 'a', 't', 'e', 'd', ' ', 'w', 'o', 'r', 'l', 'd'};
    auto udp = udp_datagram(data, 0);
    Bytes pseudo4 = {192, 0, 2, 10, 239, 1, 2, 3, 0, 17, 0, static_cast<std::uint8_t>(udp.size())};
    append(pseudo4, udp);
    const auto checksum4 = static_cast<std::uint16_t>(~folded_sum(pseudo4));
    udp[6] = static_cast<std::uint8_t>(checksum4 >> 8);
    udp[7] = static_cast<std::uint8_t>(checksum4);
    const auto first4 = ipv4_packet(slice(udp, 0, 16), 0x2000);
    const auto second4 = ipv4_packet(slice(udp, 16, udp.size() - 16), 0x0002);
    const auto first = to_ipv6(first4);
    const auto second = to_ipv6(second4);
    ASSERT_TRUE(first) << error_name(first);
    ASSERT_TRUE(second) << error_name(second);
    const auto a = written(*first);
    const auto b = written(*second);
    // Payload Length 8 + 16, Next Header 44; Fragment header: Next Header 17, offset 0,
    // M 1, Identification 0x00001234 (X8).
    EXPECT_EQ(to_hex(slice(a, 0, 8)), "62800000"
                                      "0018"
                                      "2c0f");
    EXPECT_EQ(to_hex(slice(a, 40, 8)), "1100"
                                       "0001"
                                       "00001234");
    // Payload Length 8 + 15; offset 2 (16 octets), M 0.
    EXPECT_EQ(to_hex(slice(b, 0, 8)), "62800000"
                                      "0017"
                                      "2c0f");
    EXPECT_EQ(to_hex(slice(b, 40, 8)), "1100"
                                       "0010"
                                       "00001234");
    EXPECT_EQ(first->transport_checksum->offset, 54U);
    EXPECT_FALSE(second->transport_checksum);
    EXPECT_EQ(to_hex(slice(b, 48, b.size() - 48)), to_hex(slice(udp, 16, udp.size() - 16)));
    for (const auto* piece : {&a, &b}) {
        const auto parsed = parse_ipv6(*piece);
        ASSERT_TRUE(parsed) << to_string(parsed.error());
        EXPECT_TRUE(parsed->is_fragment);
    }
    // Reassembled, the datagram verifies under the IPv6 pseudo-header.
    Bytes reassembled = slice(a, 48, a.size() - 48);
    append(reassembled, slice(b, 48, b.size() - 48));
    EXPECT_TRUE(udp_verifies_v6(slice(a, 8, 32), reassembled));
}

TEST(Translate, OnlyUdpIsTranslated) {
    // X17: TCP and ICMP (and a later fragment of either) are refused.
    const auto udp = slice(from_hex(kGoldenV4), 20, 13);
    for (const auto protocol : std::initializer_list<std::uint8_t>{6, 1}) {
        for (const auto flags : std::initializer_list<std::uint16_t>{0x0000, 0x0002}) {
            EXPECT_EQ(refusal_to_ipv6(ipv4_packet(udp, flags, {}, protocol)),
                      TranslateError::NotUdp);
        }
    }
    EXPECT_EQ(refusal_to_ipv4(ipv6_packet(58, {}, golden_udp6())), TranslateError::NotUdp);
    // A later IPv6 fragment of a TCP segment.
    EXPECT_EQ(refusal_to_ipv4(ipv6_packet(44, from_hex("06000010 00000001"), golden_udp6())),
              TranslateError::NotUdp);
    // UDP behind AH: AH is the "last Next Header" (RFC 7915 §5.1), not UDP.
    EXPECT_EQ(
        refusal_to_ipv4(ipv6_packet(51, from_hex("11010000 00000001 00000001"), golden_udp6())),
        TranslateError::NotUdp);
}

TEST(Translate, AChecksumLeftToOffloadIsCompletedThenTranslated) {
    // X18: the field holds only the IPv4 pseudo-header sum, as CHECKSUM_PARTIAL leaves it:
    // 192.0.2.10 + 239.1.2.3 + 17 + 13 = b32d.
    auto v4 = from_hex(kGoldenV4);
    v4[26] = 0xb3;
    v4[27] = 0x2d;
    test::v4::fix_header_checksum(v4);
    const auto copy = to_ipv6(v4);
    ASSERT_TRUE(copy) << error_name(copy);
    const auto out = written(*copy);
    EXPECT_EQ(to_hex(out), to_hex(from_hex(kGoldenV6)));
    expect_valid_ipv6_udp(out);
}

TEST(Translate, AChecksumThatComesOutZeroIsSentAsAllOnes) {
    // Data "hell" 41 c6 makes the IPv6 sum of everything but the checksum ffff: the
    // adjusted checksum (0f1a + Δ 0f1a) is zero, which UDP sends as ffff.
    const auto v4 = from_hex("45 28 00 22 12 34 00 00 10 11 e5 60 c0 00 02 0a ef 01 02 03"
                             "13 88 13 89 00 0e 0f 1a 68 65 6c 6c 41 c6");
    const auto copy = to_ipv6(v4);
    ASSERT_TRUE(copy) << error_name(copy);
    const auto out = written(*copy);
    EXPECT_EQ(to_hex(slice(out, 40, 14)), "13881389000effff68656c6c41c6");
    expect_valid_ipv6_udp(out);
    // The same datagram without a checksum: computed in full, zero, sent as ffff.
    auto zero = v4;
    zero[26] = 0;
    zero[27] = 0;
    const auto computed = to_ipv6(zero);
    ASSERT_TRUE(computed) << error_name(computed);
    EXPECT_EQ(to_hex(slice(written(*computed), 40, 14)), "13881389000effff68656c6c41c6");
    // IPv6 → IPv4: data "hell" 50 e0 sums to zero under the IPv4 pseudo-header.
    const auto v6 = ipv6_packet(17, {}, from_hex("13 88 13 89 00 0e f0 e5 68 65 6c 6c 50 e0"));
    const auto back = to_ipv4(v6);
    ASSERT_TRUE(back) << error_name(back);
    const auto out4 = written(*back);
    EXPECT_EQ(to_hex(slice(out4, 20, 14)), "13881389000effff68656c6c50e0");
    expect_valid_ipv4_udp(out4);
}

TEST(Translate, ATruncatedDatagramIsRefused) {
    // Fewer than 8 octets of UDP header.
    EXPECT_EQ(refusal_to_ipv6(ipv4_packet(from_hex("13881389000d"), 0)), TranslateError::Truncated);
    // UDP Length 0x0d claims more than the 12 octets that came.
    EXPECT_EQ(refusal_to_ipv6(ipv4_packet(from_hex("13881389000de1e168656c6c"), 0)),
              TranslateError::Truncated);
    EXPECT_EQ(refusal_to_ipv4(ipv6_packet(17, {}, from_hex("13881389000dd2c768656c6c"))),
              TranslateError::Truncated);
    // A first fragment that stops inside the UDP header (no Length to check it by).
    EXPECT_EQ(refusal_to_ipv6(ipv4_packet(from_hex("13881389000d"), 0x2000)),
              TranslateError::Truncated);
    EXPECT_EQ(
        refusal_to_ipv4(ipv6_packet(44, from_hex("11000001 abcd1234"), from_hex("13881389000d"))),
        TranslateError::Truncated);
}

// --- IPv6 → IPv4 -----------------------------------------------------------------------

TEST(Translate, TheGoldenVectorBackToIpv4) {
    // X1, X2, X6, X11, X12: TTL 14, TOS 0x28, ID from the caller, DF clear (33 ≤ 1260),
    // and the checksum back to e1e1.
    const auto v6 = from_hex(kGoldenV6);
    const auto copy = to_ipv4(v6, 0x1234);
    ASSERT_TRUE(copy) << error_name(copy);
    const auto out = written(*copy);
    EXPECT_EQ(to_hex(out),
              to_hex(from_hex("45 28 00 21 12 34 00 00 0e 11 e7 61 c0 00 02 0a ef 01 02 03"
                              "13 88 13 89 00 0d e1 e1 68 65 6c 6c 6f")));
    expect_valid_ipv4_udp(out);
    EXPECT_EQ(copy->protocol, NetworkProtocol::Ipv4);
    EXPECT_EQ(copy->group_mac.to_string(), "01:00:5e:01:02:03"); // RFC 1112 §6.4
    EXPECT_FALSE(copy->dont_fragment);
    ASSERT_TRUE(copy->transport_checksum);
    EXPECT_EQ(copy->transport_checksum->offset, 26U);
    // The caller's counter is the ID of an unfragmented packet.
    const auto next = to_ipv4(v6, 0xbeef);
    ASSERT_TRUE(next);
    EXPECT_EQ(to_hex(slice(written(*next), 4, 2)), "beef");
}

TEST(Translate, HopByHopAndDestinationOptionsAreSkipped) {
    // HBH (Next Header 60, PadN 4), then Destination Options (Next Header 17, PadN 4).
    const auto v6 = ipv6_packet(0,
                                from_hex("3c00010400000000"
                                         "1100010400000000"),
                                golden_udp6());
    const auto copy = to_ipv4(v6);
    ASSERT_TRUE(copy) << error_name(copy);
    EXPECT_EQ(to_hex(written(*copy)),
              to_hex(from_hex("45 28 00 21 12 34 00 00 0e 11 e7 61 c0 00 02 0a ef 01 02 03"
                              "13 88 13 89 00 0d e1 e1 68 65 6c 6c 6f")));
}

TEST(Translate, ARoutingHeaderWithSegmentsLeftIsDropped) {
    // parse_ipv6 refuses Segments Left ≠ 0 itself; the translation refuses it too
    // (X5) should a view reach it: parse with 0, then set it to 1 under the view.
    auto v6 = ipv6_packet(43, from_hex("1100000000000000"), golden_udp6());
    const auto parsed = parse_ipv6(v6);
    ASSERT_TRUE(parsed);
    const auto finished = translate_to_ipv4(*parsed, kSource4, kGroup4, 1);
    ASSERT_TRUE(finished) << error_name(finished); // Segments Left 0: skipped
    v6[43] = 1;
    const auto copy = translate_to_ipv4(*parsed, kSource4, kGroup4, 1);
    ASSERT_FALSE(copy);
    EXPECT_EQ(copy.error(), TranslateError::RoutingHeader);
}

TEST(Translate, AHeaderAfterTheFragmentHeaderIsDropped) {
    // Fragment header (offset 0, M 1), then Destination Options, then UDP (§5.1.1).
    const auto v6 = ipv6_packet(44,
                                from_hex("3c000001 00000001"
                                         "1100010400000000"),
                                golden_udp6());
    EXPECT_EQ(refusal_to_ipv4(v6), TranslateError::HeaderAfterFragment);
}

TEST(Translate, AnIpv6FragmentKeepsItsIdOffsetAndMoreFlag) {
    // X12: first fragment, Identification 0xabcd1234, M 1 → ID 0x1234, DF 0, MF 1.
    const auto first_v6 = ipv6_packet(44, from_hex("11000001 abcd1234"), golden_udp6());
    const auto first = to_ipv4(first_v6, 0x7777);
    ASSERT_TRUE(first) << error_name(first);
    const auto a = written(*first);
    EXPECT_EQ(to_hex(a),
              to_hex(from_hex("45 28 00 21 12 34 20 00 0e 11 c7 61 c0 00 02 0a ef 01 02 03"
                              "13 88 13 89 00 0d e1 e1 68 65 6c 6c 6f")));
    expect_valid_ipv4(a);
    EXPECT_FALSE(first->dont_fragment);
    // A later fragment: offset 2, M 0 → flags 0x0002; its data is not touched.
    const auto later_v6 = ipv6_packet(44, from_hex("11000010 abcd1234"), from_hex("0102030405"));
    const auto later = to_ipv4(later_v6);
    ASSERT_TRUE(later) << error_name(later);
    const auto b = written(*later);
    EXPECT_EQ(to_hex(slice(b, 0, 10)), "4528001912340002"
                                       "0e11");
    EXPECT_EQ(to_hex(slice(b, 20, 5)), "0102030405");
    expect_valid_ipv4(b);
    EXPECT_FALSE(later->transport_checksum);
}

TEST(Translate, AZeroIpv6ChecksumIsRefused) {
    // X16: RFC 8200 §8.1 makes it invalid.
    EXPECT_EQ(refusal_to_ipv4(ipv6_packet(17, {}, from_hex("13881389000d0000 68656c6c6f"))),
              TranslateError::ZeroChecksumIpv6);
}

// An IPv6 UDP packet from 64:ff9b:1::c000:20a with `data` octets of 0x5a and a UDP
// checksum computed here.
Bytes ipv6_udp(std::size_t data) {
    auto udp = udp_datagram(Bytes(data, 0x5a), 0);
    Bytes pseudo6 = slice(from_hex(kGoldenV6), 8, 32);
    append(pseudo6, {0, 0, static_cast<std::uint8_t>(udp.size() >> 8),
                     static_cast<std::uint8_t>(udp.size()), 0, 0, 0, 17});
    append(pseudo6, udp);
    const auto checksum = static_cast<std::uint16_t>(~folded_sum(pseudo6));
    udp[6] = static_cast<std::uint8_t>(checksum >> 8);
    udp[7] = static_cast<std::uint8_t>(checksum);
    return ipv6_packet(17, {}, udp);
}

TEST(Translate, DontFragmentIsSetAbove1260Octets) {
    // X11 (RFC 7915 §5.1): IPv4 Total Length 1260 → DF 0, 1261 → DF 1.
    for (const std::size_t total : {std::size_t{1260}, std::size_t{1261}}) {
        const auto v6 = ipv6_udp(total - 28);
        const auto copy = to_ipv4(v6, 0x0101);
        ASSERT_TRUE(copy) << error_name(copy);
        const auto out = written(*copy);
        ASSERT_EQ(out.size(), total);
        EXPECT_EQ(to_hex(slice(out, 2, 6)), total == 1260 ? "04ec01010000" : "04ed01014000");
        EXPECT_EQ(copy->dont_fragment, total == 1261);
        expect_valid_ipv4_udp(out);
    }
}

TEST(Translate, APayloadTotalLengthCannotHoldIsRefused) {
    // IPv6 Payload Length 65515 becomes Total Length 65535; one more does not fit.
    const auto largest = ipv6_udp(65515 - 8);
    const auto copy = to_ipv4(largest);
    ASSERT_TRUE(copy) << error_name(copy);
    const auto out = written(*copy);
    EXPECT_EQ(to_hex(slice(out, 2, 2)), "ffff");
    expect_valid_ipv4_udp(out);
    EXPECT_EQ(refusal_to_ipv4(ipv6_udp(65516 - 8)), TranslateError::TotalLengthOverflow);
}

TEST(Translate, TheOutLinksOwnSourceAddressKeepsBothChecksumsRight) {
    // D9: an IPv6-only sender's copy leaves with the link's address 198.51.100.1.
    const auto v6 = from_hex(kGoldenV6);
    const auto copy = to_ipv4(v6);
    ASSERT_TRUE(copy) << error_name(copy);
    Bytes out(copy->size());
    ASSERT_EQ(copy->write(out, net::Ipv4Address{0xc6336401U}), out.size());
    EXPECT_EQ(to_hex(slice(out, 12, 4)), "c6336401");
    expect_valid_ipv4_udp(out);
    // And an IPv6 copy has no IPv4 source to replace.
    const auto v4 = from_hex(kGoldenV4);
    const auto v6copy = to_ipv6(v4);
    ASSERT_TRUE(v6copy);
    Bytes out6(v6copy->size());
    EXPECT_EQ(v6copy->write(out6, net::Ipv4Address{0xc6336401U}), 0U);
}

TEST(Translate, WriteRefusesAShortBuffer) {
    const auto v4 = from_hex(kGoldenV4);
    const auto copy = to_ipv6(v4);
    ASSERT_TRUE(copy);
    Bytes out(copy->size() - 1, 0xee);
    EXPECT_EQ(copy->write(out), 0U);
    EXPECT_EQ(out, Bytes(copy->size() - 1, 0xee)); // nothing written
}

TEST(Translate, ErrorNames) {
    EXPECT_EQ(to_string(TranslateError::NotUdp), "not-udp");
    EXPECT_EQ(to_string(TranslateError::SourceRoute), "source-route");
    EXPECT_EQ(to_string(TranslateError::RoutingHeader), "routing-header");
    EXPECT_EQ(to_string(TranslateError::HeaderAfterFragment), "header-after-fragment");
    EXPECT_EQ(to_string(TranslateError::ZeroChecksumFragment), "zero-checksum-fragment");
    EXPECT_EQ(to_string(TranslateError::ZeroChecksumIpv6), "zero-checksum-ipv6");
    EXPECT_EQ(to_string(TranslateError::Truncated), "truncated");
    EXPECT_EQ(to_string(TranslateError::TotalLengthOverflow), "total-length-overflow");
}

} // namespace
} // namespace ecmh::wire
