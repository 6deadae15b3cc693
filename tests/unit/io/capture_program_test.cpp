// SPDX-License-Identifier: BSD-3-Clause
// The packet rings' kernel filters, run by a small classic-BPF interpreter that knows
// the Linux extensions the programs use (SKF_AD_PROTOCOL, SKF_AD_VLAN_TAG_PRESENT and
// loads relative to the network header), over a table of packets per traffic class.
#include "ecmh/io/capture_program.hpp"
#include "support/ipv4_packets.hpp"
#include "support/scenario.hpp"

#include <gtest/gtest.h>

#ifdef __linux__

#include <cstdint>
#include <linux/if_ether.h>
#include <optional>
#include <vector>

namespace ecmh::io {
namespace {

using test::Bytes;
using test::v4::Ipv4Fields;
using test::v4::make_ipv4;
namespace frames = test::frames;

struct SkBuff {
    std::uint16_t protocol = ETH_P_IPV6; // skb->protocol
    bool vlan_tag = false;
    std::vector<std::uint8_t> network; // from the IP header
};

// Runs the program; nullopt when it is malformed (a backward or out-of-range jump, or
// no return).
std::optional<std::uint32_t> run(const std::vector<sock_filter>& program, const SkBuff& skb) {
    constexpr auto kAncillary = static_cast<std::uint32_t>(SKF_AD_OFF);
    constexpr auto kNetwork = static_cast<std::uint32_t>(SKF_NET_OFF);
    std::uint32_t a = 0;
    for (std::size_t pc = 0; pc < program.size(); ++pc) {
        const auto& i = program[pc];
        switch (i.code) {
        case BPF_LD | BPF_W | BPF_ABS:
            if (i.k == kAncillary + SKF_AD_PROTOCOL) {
                a = skb.protocol;
            } else if (i.k == kAncillary + SKF_AD_VLAN_TAG_PRESENT) {
                a = skb.vlan_tag ? 1 : 0;
            } else {
                return std::nullopt;
            }
            break;
        case BPF_LD | BPF_B | BPF_ABS:
            if (i.k < kNetwork || i.k - kNetwork >= 0x1000) {
                return std::nullopt;
            }
            if (i.k - kNetwork >= skb.network.size()) {
                return 0; // the kernel's verdict on a load past the end
            }
            a = skb.network[i.k - kNetwork];
            break;
        case BPF_ALU | BPF_AND | BPF_K:
            a &= i.k;
            break;
        case BPF_JMP | BPF_JEQ | BPF_K:
            pc += a == i.k ? i.jt : i.jf;
            break;
        case BPF_JMP | BPF_JA:
            pc += i.k;
            break;
        case BPF_RET | BPF_K:
            return i.k;
        default:
            return std::nullopt;
        }
    }
    return std::nullopt; // fell off the end
}

// A packet from the shared test builders with one header octet changed, for the cases
// no host would send but the filter must still judge.
Bytes patched(Bytes packet, std::size_t offset, std::uint8_t value) {
    packet.at(offset) = value;
    return packet;
}

constexpr std::size_t kIpv6Destination = 24;
constexpr std::size_t kIpv4Destination = 16;

Bytes sixin4() {
    Ipv4Fields fields;
    fields.destination = net::Ipv4Address{0xc0000201U}; // 192.0.2.1
    fields.protocol = 41;
    fields.options = {};
    return make_ipv4(fields, frames::udp("2001:db8::1", "ff3e::1", 8));
}

struct Case {
    const char* what;
    SkBuff skb;
    bool control; // passes the control ring's filter
    bool data;    // passes the data ring's filter
};

const std::vector<Case>& cases() {
    static const Bytes kUdp6 = frames::udp("2001:db8::1", "ff3e::1", 8);
    static const Bytes kUdp4 = frames::udp("198.51.100.10", "239.1.1.1", 8);
    static const Bytes kMld = frames::old_report("fe80::1", "ff3e::1");
    static const Bytes kIgmp = frames::old_report("198.51.100.10", "239.1.1.1");
    static const std::vector<Case> all = {
        {"IPv6 UDP to ff3e::", {ETH_P_IPV6, false, kUdp6}, false, true},
        {"MLD (Hop-by-Hop) to the group", {ETH_P_IPV6, false, kMld}, true, false},
        {"MLD to a unicast address",
         {ETH_P_IPV6, false, patched(kMld, kIpv6Destination, 0x20)},
         true,
         false},
        {"IPv6 UDP to 2001:db8::",
         {ETH_P_IPV6, false, frames::udp("2001:db8::1", "2001:db8::2", 8)},
         false,
         false},
        {"IPv4 UDP to 239.1.1.1", {ETH_P_IP, false, kUdp4}, false, true},
        {"IPv4 UDP to 224.0.0.251",
         {ETH_P_IP, false, frames::udp("198.51.100.10", "224.0.0.251", 1)},
         false,
         true},
        {"IGMP to the group", {ETH_P_IP, false, kIgmp}, true, false},
        {"IGMP to a unicast address",
         {ETH_P_IP, false, patched(kIgmp, kIpv4Destination, 192)},
         true,
         false},
        {"IPv4 UDP to 192.0.2.1",
         {ETH_P_IP, false, frames::udp("198.51.100.10", "192.0.2.1", 8)},
         false,
         false},
        {"IPv4 UDP to 240.0.0.1",
         {ETH_P_IP, false, patched(kUdp4, kIpv4Destination, 240)},
         false,
         false},
        {"6in4 without tunnel mode", {ETH_P_IP, false, sixin4()}, false, false},
        {"802.1Q-tagged IPv6 multicast", {ETH_P_IPV6, true, kUdp6}, false, false},
        {"802.1Q-tagged MLD", {ETH_P_IPV6, true, kMld}, false, false},
        {"ARP", {ETH_P_ARP, false, std::vector<std::uint8_t>(28, 0xff)}, false, false},
        {"truncated IPv6 header", {ETH_P_IPV6, false, {0x60, 0, 0, 0}}, false, false},
    };
    return all;
}

bool passes(const CaptureOptions& options, TrafficClass traffic, const SkBuff& skb) {
    const auto verdict = run(capture_program(options, traffic), skb);
    EXPECT_TRUE(verdict.has_value()) << "malformed program";
    return verdict.value_or(0) != 0;
}

TEST(CaptureProgram, SplitsControlFromDataAndDropsTheRest) {
    const CaptureOptions options;
    for (const auto& c : cases()) {
        EXPECT_EQ(passes(options, TrafficClass::Control, c.skb), c.control) << c.what;
        EXPECT_EQ(passes(options, TrafficClass::Data, c.skb), c.data) << c.what;
    }
}

TEST(CaptureProgram, AcceptsTheWholeFrame) {
    const auto verdict = run(capture_program({}, TrafficClass::Data),
                             {ETH_P_IPV6, false, frames::udp("2001:db8::1", "ff3e::1", 8)});
    EXPECT_EQ(verdict, 0xFFFF'FFFFU); // the ring slot, not the filter, limits the length
}

TEST(CaptureProgram, TunnelModeAddsProtocol41ToData) {
    CaptureOptions options;
    options.tunnel_mode = true;
    const SkBuff tunnelled{ETH_P_IP, false, sixin4()};
    EXPECT_TRUE(passes(options, TrafficClass::Data, tunnelled));
    EXPECT_FALSE(passes(options, TrafficClass::Control, tunnelled));
    options.ipv4 = false; // 6in4 still passes; IPv4 multicast no longer does
    EXPECT_TRUE(passes(options, TrafficClass::Data, tunnelled));
    EXPECT_FALSE(passes(options, TrafficClass::Data,
                        {ETH_P_IP, false, frames::udp("198.51.100.10", "239.1.1.1", 8)}));
    EXPECT_FALSE(passes(options, TrafficClass::Control,
                        {ETH_P_IP, false, frames::old_report("198.51.100.10", "239.1.1.1")}));
}

TEST(CaptureProgram, DisabledFamiliesPassNothing) {
    CaptureOptions no_v4;
    no_v4.ipv4 = false;
    CaptureOptions no_v6;
    no_v6.ipv6 = false;
    for (const auto& c : cases()) {
        const bool v4 = c.skb.protocol == ETH_P_IP;
        const bool v6 = c.skb.protocol == ETH_P_IPV6;
        EXPECT_EQ(passes(no_v4, TrafficClass::Control, c.skb), c.control && !v4) << c.what;
        EXPECT_EQ(passes(no_v4, TrafficClass::Data, c.skb), c.data && !v4) << c.what;
        EXPECT_EQ(passes(no_v6, TrafficClass::Control, c.skb), c.control && !v6) << c.what;
        EXPECT_EQ(passes(no_v6, TrafficClass::Data, c.skb), c.data && !v6) << c.what;
    }
}

} // namespace
} // namespace ecmh::io
#endif
