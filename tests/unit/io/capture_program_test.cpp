// SPDX-License-Identifier: BSD-3-Clause
// The packet rings' kernel filters, run by a small classic-BPF interpreter that knows
// the Linux extensions the programs use (SKF_AD_PROTOCOL, SKF_AD_VLAN_TAG_PRESENT and
// loads relative to the network header), over a table of packets per traffic class.
#include "ecmh/io/capture_program.hpp"

#include <gtest/gtest.h>

#ifdef __linux__

#include <cstdint>
#include <linux/if_ether.h>
#include <optional>
#include <vector>

namespace ecmh::io {
namespace {

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

std::vector<std::uint8_t> ipv6(std::uint8_t next_header, std::uint8_t destination_first) {
    std::vector<std::uint8_t> p(48, 0);
    p[0] = 0x60;
    p[6] = next_header;
    p[7] = 1;
    p[8] = 0xfe; // fe80::1
    p[9] = 0x80;
    p[23] = 1;
    p[24] = destination_first;
    p[39] = 0x16;
    return p;
}

std::vector<std::uint8_t> ipv4(std::uint8_t protocol, std::uint8_t destination_first) {
    std::vector<std::uint8_t> p(28, 0);
    p[0] = 0x45;
    p[8] = 1;
    p[9] = protocol;
    p[12] = 198; // 198.51.100.10
    p[13] = 51;
    p[14] = 100;
    p[15] = 10;
    p[16] = destination_first;
    p[19] = 1;
    return p;
}

struct Case {
    const char* what;
    SkBuff skb;
    bool control; // passes the control ring's filter
    bool data;    // passes the data ring's filter
};

const std::vector<Case>& cases() {
    static const std::vector<Case> all = {
        {"IPv6 UDP to ff3e::", {ETH_P_IPV6, false, ipv6(17, 0xff)}, false, true},
        {"MLD (Hop-by-Hop) to ff02::16", {ETH_P_IPV6, false, ipv6(0, 0xff)}, true, false},
        {"MLD query to a unicast address", {ETH_P_IPV6, false, ipv6(0, 0xfe)}, true, false},
        {"IPv6 UDP to 2001:db8::", {ETH_P_IPV6, false, ipv6(17, 0x20)}, false, false},
        {"IPv4 UDP to 239.1.1.1", {ETH_P_IP, false, ipv4(17, 239)}, false, true},
        {"IPv4 UDP to 224.0.0.251", {ETH_P_IP, false, ipv4(17, 224)}, false, true},
        {"IGMP to 224.0.0.22", {ETH_P_IP, false, ipv4(2, 224)}, true, false},
        {"IGMP query to a unicast address", {ETH_P_IP, false, ipv4(2, 192)}, true, false},
        {"IPv4 UDP to 192.0.2.1", {ETH_P_IP, false, ipv4(17, 192)}, false, false},
        {"IPv4 UDP to 240.0.0.1", {ETH_P_IP, false, ipv4(17, 240)}, false, false},
        {"6in4 without tunnel mode", {ETH_P_IP, false, ipv4(41, 192)}, false, false},
        {"802.1Q-tagged IPv6 multicast", {ETH_P_IPV6, true, ipv6(17, 0xff)}, false, false},
        {"802.1Q-tagged MLD", {ETH_P_IPV6, true, ipv6(0, 0xff)}, false, false},
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
    const auto verdict =
        run(capture_program({}, TrafficClass::Data), {ETH_P_IPV6, false, ipv6(17, 0xff)});
    EXPECT_EQ(verdict, 0xFFFF'FFFFU); // the ring slot, not the filter, limits the length
}

TEST(CaptureProgram, TunnelModeAddsProtocol41ToData) {
    CaptureOptions options;
    options.tunnel_mode = true;
    const SkBuff sixin4{ETH_P_IP, false, ipv4(41, 192)};
    EXPECT_TRUE(passes(options, TrafficClass::Data, sixin4));
    EXPECT_FALSE(passes(options, TrafficClass::Control, sixin4));
    options.ipv4 = false; // 6in4 still passes; IPv4 multicast no longer does
    EXPECT_TRUE(passes(options, TrafficClass::Data, sixin4));
    EXPECT_FALSE(passes(options, TrafficClass::Data, {ETH_P_IP, false, ipv4(17, 239)}));
    EXPECT_FALSE(passes(options, TrafficClass::Control, {ETH_P_IP, false, ipv4(2, 224)}));
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
