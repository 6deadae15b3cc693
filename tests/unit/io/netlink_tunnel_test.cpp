// SPDX-License-Identifier: BSD-3-Clause
// apply_netlink_messages on the RTM_NEWLINK of a 6in4 (sit) device: IFLA_LINKINFO
// { IFLA_INFO_KIND "sit", IFLA_INFO_DATA { IFLA_IPTUN_* } } becomes InterfaceInfo::tunnel.
// The kernels that run these tests may have no sit module, so the message is written out
// by hand, byte by byte as the kernel lays it out, and the builders must agree with it.
// Every cut and lie runs under ASan in CI.
//
// This file includes <linux/if_tunnel.h> for the IFLA_IPTUN_* values, so not <net/if.h>
// (the two clash): IFF_* come from <linux/if.h> through it.
#include "ecmh/io/netlink_messages.hpp"
#include "support/hex.hpp"
#include "support/netlink_builder.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <gtest/gtest.h>
#include <linux/if_arp.h>
#include <linux/if_tunnel.h>
#include <linux/rtnetlink.h>
#include <memory>
#include <netinet/in.h>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <sys/socket.h>
#include <vector>

using ecmh::io::apply_netlink_messages;
using ecmh::io::InterfaceInfo;
using ecmh::io::InterfaceTable;
using ecmh::io::InterfaceTunnel;
using ecmh::net::IfIndex;
using ecmh::net::Ipv4Address;
using ecmh::test::from_hex;
using ecmh::test::to_hex;
using ecmh::test::nl::Attr;
using ecmh::test::nl::Bytes;
using ecmh::test::nl::concat;
using ecmh::test::nl::encode;
using ecmh::test::nl::message;
using ecmh::test::nl::nested;
using ecmh::test::nl::raw;
using ecmh::test::nl::text;
using ecmh::test::nl::u16;
using ecmh::test::nl::u32;
using ecmh::test::nl::u8;

namespace {

// RTM_NEWLINK for `ip link add tun6in4 link eth0 type sit local 192.0.2.1 remote
// 198.51.100.7 ttl 64` (eth0 is ifindex 2, tun6in4 7) on x86-64, laid out from the
// kernel's rtnl_fill_ifinfo, rtnl_link_fill and ipip6_fill_info (net/ipv6/sit.c), in
// their order. Left out: the attributes that say nothing of the tunnel and that ecmh
// skips like any unknown one (IFLA_GROUP, IFLA_STATS64, IFLA_AF_SPEC…).
const Bytes kSitNewLink = from_hex(
    // nlmsghdr
    "18 01 00 00" // nlmsg_len 280
    "10 00"       // nlmsg_type RTM_NEWLINK
    "00 00"       // nlmsg_flags: none, a notification (a dump's say NLM_F_MULTI)
    "00 00 00 00" // nlmsg_seq
    "00 00 00 00" // nlmsg_pid: the kernel
    // ifinfomsg
    "00 00"       // ifi_family AF_UNSPEC, padding
    "08 03"       // ifi_type ARPHRD_SIT (776)
    "07 00 00 00" // ifi_index 7
    "d1 00 01 00" // ifi_flags UP POINTOPOINT RUNNING NOARP LOWER_UP
    "ff ff ff ff" // ifi_change: all, a new device
    // Attributes: rta_len (header and value, not the padding), rta_type, value, padding.
    "0c 00 03 00 74 75 6e 36 69 6e 34 00" // IFLA_IFNAME "tun6in4"
    "08 00 0d 00 e8 03 00 00"             // IFLA_TXQLEN 1000
    "05 00 10 00 00 00 00 00"             // IFLA_OPERSTATE IF_OPER_UNKNOWN, 3 bytes padding
    "05 00 11 00 00 00 00 00"             // IFLA_LINKMODE default
    "08 00 04 00 c8 05 00 00"             // IFLA_MTU 1480
    "08 00 32 00 00 05 00 00"             // IFLA_MIN_MTU 1280
    "08 00 33 00 13 00 01 00"             // IFLA_MAX_MTU 65555
    "08 00 05 00 02 00 00 00"             // IFLA_LINK 2
    "08 00 01 00 c0 00 02 01"             // IFLA_ADDRESS: the local end, 4 bytes (no MAC)
    "08 00 02 00 c6 33 64 07"             // IFLA_BROADCAST: the remote end
    // IFLA_LINKINFO, 164 bytes (nla_nest_start_noflag: no NLA_F_NESTED on either nest)
    "a4 00 12 00"
    "08 00 01 00 73 69 74 00" // IFLA_INFO_KIND "sit"
    "98 00 02 00"             // IFLA_INFO_DATA, 152 bytes
    "08 00 01 00 02 00 00 00" // IFLA_IPTUN_LINK 2 (u32, host order)
    "08 00 02 00 c0 00 02 01" // IFLA_IPTUN_LOCAL 192.0.2.1 (network order)
    "08 00 03 00 c6 33 64 07" // IFLA_IPTUN_REMOTE 198.51.100.7
    "05 00 04 00 40 00 00 00" // IFLA_IPTUN_TTL 64
    "05 00 05 00 00 00 00 00" // IFLA_IPTUN_TOS 0
    "05 00 0a 00 01 00 00 00" // IFLA_IPTUN_PMTUDISC 1
    "05 00 09 00 29 00 00 00" // IFLA_IPTUN_PROTO 41 (IPPROTO_IPV6)
    "06 00 08 00 00 00 00 00" // IFLA_IPTUN_FLAGS 0 (be16)
    "08 00 14 00 00 00 00 00" // IFLA_IPTUN_FWMARK 0
    "14 00 0b 00"             // IFLA_IPTUN_6RD_PREFIX 2002:: (the 6to4 default)
    "20 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
    "08 00 0c 00 00 00 00 00"   // IFLA_IPTUN_6RD_RELAY_PREFIX 0.0.0.0
    "06 00 0d 00 10 00 00 00"   // IFLA_IPTUN_6RD_PREFIXLEN 16
    "06 00 0e 00 00 00 00 00"   // IFLA_IPTUN_6RD_RELAY_PREFIXLEN 0
    "06 00 0f 00 00 00 00 00"   // IFLA_IPTUN_ENCAP_TYPE TUNNEL_ENCAP_NONE
    "06 00 11 00 00 00 00 00"   // IFLA_IPTUN_ENCAP_SPORT 0
    "06 00 12 00 00 00 00 00"   // IFLA_IPTUN_ENCAP_DPORT 0
    "06 00 10 00 00 00 00 00"); // IFLA_IPTUN_ENCAP_FLAGS 0

// Where things are in kSitNewLink (checked in TheBuildersLayOutTheSameBytes).
constexpr std::size_t kMtuEnd = 76;        // IFLA_MTU's last byte is 75
constexpr std::size_t kInfoDataAt = 128;   // IFLA_INFO_DATA's rtattr
constexpr std::size_t kIptunLocalAt = 140; // IFLA_IPTUN_LOCAL's rtattr
constexpr std::size_t kIptunRemoteAt = 148;
constexpr std::size_t kIptunTosAt = 164;
// Within IFLA_INFO_DATA's value: the end of IFLA_IPTUN_TTL, the last attribute kept.
constexpr std::size_t kDataTtlEnd = 29;

const InterfaceTunnel kExpected{.kind = "sit",
                                .local = Ipv4Address{0xc0000201U},  // 192.0.2.1
                                .remote = Ipv4Address{0xc6336407U}, // 198.51.100.7
                                .ttl = 64,
                                .link = IfIndex{2}};

Bytes v4(const char* s) {
    const auto a = Ipv4Address::parse(s)->bytes();
    return {a.begin(), a.end()};
}

// IFLA_INFO_DATA's attributes as ipip6_fill_info puts them, with the uapi names.
std::vector<Attr> kernel_sit_data() {
    Bytes prefix_6rd(16, 0);
    prefix_6rd[0] = 0x20;
    prefix_6rd[1] = 0x02;
    return {
        {IFLA_IPTUN_LINK, u32(2)},
        {IFLA_IPTUN_LOCAL, v4("192.0.2.1")},
        {IFLA_IPTUN_REMOTE, v4("198.51.100.7")},
        {IFLA_IPTUN_TTL, u8(64)},
        {IFLA_IPTUN_TOS, u8(0)},
        {IFLA_IPTUN_PMTUDISC, u8(1)},
        {IFLA_IPTUN_PROTO, u8(IPPROTO_IPV6)},
        {IFLA_IPTUN_FLAGS, u16(0)},
        {IFLA_IPTUN_FWMARK, u32(0)},
        {IFLA_IPTUN_6RD_PREFIX, prefix_6rd},
        {IFLA_IPTUN_6RD_RELAY_PREFIX, v4("0.0.0.0")},
        {IFLA_IPTUN_6RD_PREFIXLEN, u16(16)},
        {IFLA_IPTUN_6RD_RELAY_PREFIXLEN, u16(0)},
        {IFLA_IPTUN_ENCAP_TYPE, u16(TUNNEL_ENCAP_NONE)},
        {IFLA_IPTUN_ENCAP_SPORT, u16(0)},
        {IFLA_IPTUN_ENCAP_DPORT, u16(0)},
        {IFLA_IPTUN_ENCAP_FLAGS, u16(0)},
    };
}

Bytes block(const std::vector<Attr>& attrs) {
    Bytes b;
    for (const auto& a : attrs) {
        const Bytes one = encode(a);
        b.insert(b.end(), one.begin(), one.end());
    }
    return b;
}

ifinfomsg sit_ifinfo() {
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_type = ARPHRD_SIT;
    ifi.ifi_index = 7;
    ifi.ifi_flags = IFF_UP | IFF_POINTOPOINT | IFF_RUNNING | IFF_NOARP | IFF_LOWER_UP;
    ifi.ifi_change = 0xffffffffU;
    return ifi;
}

// kSitNewLink through the builders, with IFLA_INFO_DATA's value and the kind as given.
Bytes sit_message(const Bytes& data, const std::string& kind = "sit",
                  std::uint16_t type = RTM_NEWLINK) {
    const Bytes info =
        concat({encode({IFLA_INFO_KIND, text(kind)}), encode({IFLA_INFO_DATA, data})});
    return message(type, raw(sit_ifinfo()),
                   {{IFLA_IFNAME, text("tun6in4")},
                    {IFLA_TXQLEN, u32(1000)},
                    {IFLA_OPERSTATE, u8(IF_OPER_UNKNOWN)},
                    {IFLA_LINKMODE, u8(IF_LINK_MODE_DEFAULT)},
                    {IFLA_MTU, u32(1480)},
                    {IFLA_MIN_MTU, u32(1280)},
                    {IFLA_MAX_MTU, u32(65555)},
                    {IFLA_LINK, u32(2)},
                    {IFLA_ADDRESS, v4("192.0.2.1")},
                    {IFLA_BROADCAST, v4("198.51.100.7")},
                    {IFLA_LINKINFO, info}});
}

// The kernel's data with the value of attribute `type` replaced.
std::vector<Attr> with(std::uint16_t type, const Bytes& value) {
    auto data = kernel_sit_data();
    for (auto& a : data) {
        if (a.type == type) {
            a.value = value;
        }
    }
    return data;
}

std::vector<Attr> without(std::uint16_t type) {
    auto data = kernel_sit_data();
    std::erase_if(data, [&](const Attr& a) { return a.type == type; });
    return data;
}

void set_u16(Bytes& bytes, std::size_t at, std::uint16_t value) {
    std::memcpy(bytes.data() + at, &value, sizeof value);
}

void set_u32(Bytes& bytes, std::size_t at, std::uint32_t value) {
    std::memcpy(bytes.data() + at, &value, sizeof value);
}

std::uint16_t get_u16(const Bytes& bytes, std::size_t at) {
    std::uint16_t value = 0;
    std::memcpy(&value, bytes.data() + at, sizeof value);
    return value;
}

// The entry of ifindex 7 after applying `bytes` to an empty table.
std::optional<InterfaceInfo> applied(std::span<const std::uint8_t> bytes) {
    InterfaceTable table;
    apply_netlink_messages(bytes, table);
    const InterfaceInfo* entry = table.find(IfIndex{7});
    return entry == nullptr ? std::nullopt : std::optional<InterfaceInfo>{*entry};
}

// --- The transcribed message

TEST(NetlinkTunnel, TranscribedSitMessageGivesAFixedRemote) {
    InterfaceTable table;
    EXPECT_TRUE(apply_netlink_messages(kSitNewLink, table));
    const InterfaceInfo* e = table.find(IfIndex{7});
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->name, "tun6in4");
    EXPECT_EQ(e->hardware_type, ARPHRD_SIT);
    EXPECT_TRUE(e->is_up());
    EXPECT_EQ(e->mtu, 1480u);
    EXPECT_EQ(e->mac, std::nullopt); // IFLA_ADDRESS is the 4-byte local end
    EXPECT_EQ(e->tunnel, kExpected);
    EXPECT_TRUE(e->is_6in4_with_fixed_remote());
}

// The hand-written bytes, the builders and the uapi constants say the same thing: each
// checks the other two.
TEST(NetlinkTunnel, TheBuildersLayOutTheSameBytes) {
    EXPECT_EQ(to_hex(sit_message(block(kernel_sit_data()))), to_hex(kSitNewLink));
    ASSERT_EQ(kSitNewLink.size(), 280u);
    EXPECT_EQ(get_u16(kSitNewLink, kMtuEnd - 6), IFLA_MTU);
    EXPECT_EQ(get_u16(kSitNewLink, kInfoDataAt + 2), IFLA_INFO_DATA);
    EXPECT_EQ(get_u16(kSitNewLink, kIptunLocalAt + 2), IFLA_IPTUN_LOCAL);
    EXPECT_EQ(get_u16(kSitNewLink, kIptunRemoteAt + 2), IFLA_IPTUN_REMOTE);
    EXPECT_EQ(get_u16(kSitNewLink, kIptunTosAt + 2), IFLA_IPTUN_TOS);
    EXPECT_EQ(kIptunTosAt - (kInfoDataAt + 4), kDataTtlEnd + 3); // TTL's value, then padding
}

TEST(NetlinkTunnel, RemoteAnyIsATunnelWithoutAFixedRemote) {
    // sit0, the fallback device every network namespace gets: no link, no ends, TTL inherit.
    auto data = kernel_sit_data();
    for (auto& a : data) {
        if (a.type == IFLA_IPTUN_LINK || a.type == IFLA_IPTUN_LOCAL ||
            a.type == IFLA_IPTUN_REMOTE) {
            std::fill(a.value.begin(), a.value.end(), 0);
        } else if (a.type == IFLA_IPTUN_TTL) {
            a.value = u8(0);
        }
    }
    const auto e = applied(sit_message(block(data)));
    ASSERT_TRUE(e.has_value());
    ASSERT_TRUE(e->tunnel.has_value());
    EXPECT_EQ(e->tunnel->kind, "sit");
    EXPECT_TRUE(e->tunnel->local.is_unspecified());
    EXPECT_TRUE(e->tunnel->remote.is_unspecified());
    EXPECT_EQ(e->tunnel->ttl, 0);
    EXPECT_FALSE(e->tunnel->link.valid());
    EXPECT_FALSE(e->is_6in4_with_fixed_remote());

    // 6to4: a local end, any remote.
    const auto six_to_four = applied(sit_message(block(with(IFLA_IPTUN_REMOTE, v4("0.0.0.0")))));
    ASSERT_TRUE(six_to_four.has_value());
    ASSERT_TRUE(six_to_four->tunnel.has_value());
    EXPECT_EQ(six_to_four->tunnel->local, kExpected.local);
    EXPECT_FALSE(six_to_four->is_6in4_with_fixed_remote());
}

TEST(NetlinkTunnel, OtherKindsHaveNoTunnel) {
    // ipip carries the very same IFLA_IPTUN_* block, but IPv4 inside, not IPv6.
    for (const char* kind : {"ipip", "vxlan", "veth", "gre", "sitx", "si", ""}) {
        SCOPED_TRACE(kind);
        const auto e = applied(sit_message(block(kernel_sit_data()), kind));
        ASSERT_TRUE(e.has_value());
        EXPECT_EQ(e->mtu, 1480u);
        EXPECT_EQ(e->tunnel, std::nullopt);
        EXPECT_FALSE(e->is_6in4_with_fixed_remote());
    }
}

TEST(NetlinkTunnel, NestedFlagOnTheContainersIsIgnored) {
    const Bytes info = concat({encode({IFLA_INFO_KIND, text("sit")}),
                               encode({nested(IFLA_INFO_DATA), block(kernel_sit_data())})});
    const Bytes m = message(RTM_NEWLINK, raw(sit_ifinfo()),
                            {{IFLA_MTU, u32(1480)}, {nested(IFLA_LINKINFO), info}});
    const auto e = applied(m);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->tunnel, kExpected);
}

// --- Cut short, lying, wrong sizes

// Every prefix, in a heap block of exactly that size (ASan sees any read past it),
// twice: as a datagram cut short (nlmsg_len still says 280: the message is dropped) and
// as a message that says it ends there (nlmsg_len = the cut: the attributes that fit
// apply). A tunnel comes out whole or not at all.
TEST(NetlinkTunnel, TruncatedAtEveryOffset) {
    for (std::size_t cut = 0; cut <= kSitNewLink.size(); ++cut) {
        SCOPED_TRACE(cut);
        for (const bool consistent : {false, true}) {
            auto copy = std::make_unique<std::uint8_t[]>(std::max<std::size_t>(cut, 1));
            std::memcpy(copy.get(), kSitNewLink.data(), cut);
            if (consistent && cut >= sizeof(std::uint32_t)) {
                const auto length = static_cast<std::uint32_t>(cut);
                std::memcpy(copy.get(), &length, sizeof length);
            }
            const auto e = applied({copy.get(), cut});
            const bool whole = cut == kSitNewLink.size();
            if (!consistent) {
                EXPECT_EQ(e.has_value(), whole);
            } else {
                EXPECT_EQ(e.has_value(), cut >= sizeof(nlmsghdr) + sizeof(ifinfomsg));
            }
            if (e) {
                EXPECT_EQ(e->mtu, cut >= kMtuEnd ? 1480u : 0u);
                EXPECT_EQ(e->tunnel.has_value(), whole);
                if (e->tunnel) {
                    EXPECT_EQ(*e->tunnel, kExpected);
                }
            }
        }
    }
}

// IFLA_INFO_DATA holding only its first `n` bytes, every other length consistent (a
// kernel that sent less): the tunnel needs LINK, LOCAL, REMOTE and TTL whole.
TEST(NetlinkTunnel, InfoDataCutAtEveryOffset) {
    const Bytes data = block(kernel_sit_data());
    for (std::size_t n = 0; n <= data.size(); ++n) {
        SCOPED_TRACE(n);
        const auto e = applied(sit_message(Bytes(data.begin(), data.begin() + n)));
        ASSERT_TRUE(e.has_value());
        EXPECT_EQ(e->mtu, 1480u);
        EXPECT_EQ(e->tunnel.has_value(), n >= kDataTtlEnd);
        if (e->tunnel) {
            EXPECT_EQ(*e->tunnel, kExpected);
        }
    }
}

TEST(NetlinkTunnel, LyingLengthInsideInfoDataEndsOnlyThatBlock) {
    const std::uint16_t lies[] = {0, 1, 3, 7, 9, 0xffff};
    for (const auto lie : lies) {
        SCOPED_TRACE(lie);
        // At IFLA_IPTUN_REMOTE: it and all after it unread, so no tunnel; the link is.
        Bytes at_remote = kSitNewLink;
        set_u16(at_remote, kIptunRemoteAt, lie);
        const auto e = applied(at_remote);
        ASSERT_TRUE(e.has_value());
        EXPECT_EQ(e->name, "tun6in4");
        EXPECT_EQ(e->mtu, 1480u);
        EXPECT_EQ(e->tunnel, std::nullopt);

        // At IFLA_IPTUN_TOS: what came before it is whole.
        Bytes at_tos = kSitNewLink;
        set_u16(at_tos, kIptunTosAt, lie);
        EXPECT_EQ(applied(at_tos).value().tunnel, kExpected);

        // At IFLA_INFO_DATA itself: IFLA_LINKINFO ends there, a kind and no data.
        Bytes at_data = kSitNewLink;
        set_u16(at_data, kInfoDataAt, lie);
        EXPECT_EQ(applied(at_data).value().tunnel, std::nullopt);
    }
    // The outer block goes on after IFLA_LINKINFO whatever its inside said.
    Bytes data = block(kernel_sit_data());
    set_u16(data, kIptunLocalAt - kInfoDataAt - 4, 0xffff);
    const Bytes m =
        message(RTM_NEWLINK, raw(sit_ifinfo()),
                {{IFLA_LINKINFO,
                  concat({encode({IFLA_INFO_KIND, text("sit")}), encode({IFLA_INFO_DATA, data})})},
                 {IFLA_MTU, u32(1480)},
                 {IFLA_IFNAME, text("tun6in4")}});
    const auto e = applied(m);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->mtu, 1480u);
    EXPECT_EQ(e->name, "tun6in4");
    EXPECT_EQ(e->tunnel, std::nullopt);
}

// A kept attribute of the wrong size is ignored, never half read, and the tunnel is
// then not known: no field is guessed. Attributes ecmh does not keep may be any size.
TEST(NetlinkTunnel, WrongSizedAttributesDropTheDescription) {
    struct Case {
        const char* name;
        std::vector<Attr> data;
        bool tunnel;
    };
    const Case cases[] = {
        {"LOCAL 3 bytes", with(IFLA_IPTUN_LOCAL, {192, 0, 2}), false},
        {"LOCAL 5 bytes", with(IFLA_IPTUN_LOCAL, {192, 0, 2, 1, 0}), false},
        {"LOCAL 16 bytes", with(IFLA_IPTUN_LOCAL, Bytes(16, 1)), false},
        {"REMOTE empty", with(IFLA_IPTUN_REMOTE, {}), false},
        {"REMOTE missing", without(IFLA_IPTUN_REMOTE), false},
        {"LINK 2 bytes", with(IFLA_IPTUN_LINK, u16(2)), false},
        {"LINK missing", without(IFLA_IPTUN_LINK), false},
        {"TTL 4 bytes", with(IFLA_IPTUN_TTL, u32(64)), false},
        {"TOS 4 bytes", with(IFLA_IPTUN_TOS, u32(0)), true},
        {"6RD_PREFIX empty", with(IFLA_IPTUN_6RD_PREFIX, {}), true},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto e = applied(sit_message(block(c.data)));
        ASSERT_TRUE(e.has_value());
        EXPECT_EQ(e->mtu, 1480u);
        EXPECT_EQ(e->tunnel.has_value(), c.tunnel);
        if (e->tunnel) {
            EXPECT_EQ(*e->tunnel, kExpected);
        }
    }
}

// Random bytes of IFLA_LINKINFO changed: whatever comes out, nothing is read out of
// bounds and every call returns.
TEST(NetlinkTunnel, CorruptedLinkInfoNeverCrashes) {
    std::mt19937 random{41};
    std::uniform_int_distribution<std::size_t> position(kInfoDataAt - 12, kSitNewLink.size() - 1);
    std::uniform_int_distribution<int> value(0, 255);
    for (int round = 0; round < 3000; ++round) {
        Bytes corrupted = kSitNewLink;
        for (int flips = 1 + round % 4; flips > 0; --flips) {
            corrupted[position(random)] = static_cast<std::uint8_t>(value(random));
        }
        const std::size_t cut = position(random) + 1;
        corrupted.resize(cut);
        corrupted.shrink_to_fit();
        set_u32(corrupted, 0, static_cast<std::uint32_t>(cut));
        const auto e = applied(corrupted);
        ASSERT_TRUE(e.has_value()); // the header and the attributes before LINKINFO hold
    }
}

// --- Updates and removal

TEST(NetlinkTunnel, PartialMessageKeepsTheTunnel) {
    InterfaceTable table;
    ASSERT_TRUE(apply_netlink_messages(kSitNewLink, table));
    // Header and name only, the link now down: a partial message (no IFLA_MTU).
    ifinfomsg ifi = sit_ifinfo();
    ifi.ifi_flags = IFF_POINTOPOINT | IFF_NOARP;
    EXPECT_TRUE(apply_netlink_messages(
        message(RTM_NEWLINK, raw(ifi), {{IFLA_IFNAME, text("tun6in4")}}), table));
    const InterfaceInfo* e = table.find(IfIndex{7});
    ASSERT_NE(e, nullptr);
    EXPECT_FALSE(e->is_up());
    EXPECT_EQ(e->mtu, 1480u);
    EXPECT_EQ(e->tunnel, kExpected);
    EXPECT_TRUE(e->is_6in4_with_fixed_remote());
}

TEST(NetlinkTunnel, FullMessageReplacesTheTunnel) {
    InterfaceTable table;
    ASSERT_TRUE(apply_netlink_messages(kSitNewLink, table));
    EXPECT_FALSE(apply_netlink_messages(kSitNewLink, table)); // the same again: no change
    // ip tunnel change tun6in4 remote 198.51.100.8
    const Bytes moved = sit_message(block(with(IFLA_IPTUN_REMOTE, v4("198.51.100.8"))));
    EXPECT_TRUE(apply_netlink_messages(moved, table));
    auto expected = kExpected;
    expected.remote = Ipv4Address{0xc6336408U};
    EXPECT_EQ(table.find(IfIndex{7})->tunnel, expected);
    // A full message whose tunnel cannot be read leaves none, not the old one.
    EXPECT_TRUE(apply_netlink_messages(sit_message(block(without(IFLA_IPTUN_TTL))), table));
    EXPECT_EQ(table.find(IfIndex{7})->tunnel, std::nullopt);
}

TEST(NetlinkTunnel, DelLinkRemovesIt) {
    InterfaceTable table;
    ASSERT_TRUE(apply_netlink_messages(kSitNewLink, table));
    Bytes del = kSitNewLink;
    set_u16(del, offsetof(nlmsghdr, nlmsg_type), RTM_DELLINK);
    EXPECT_TRUE(apply_netlink_messages(del, table));
    EXPECT_EQ(table.find(IfIndex{7}), nullptr);
    EXPECT_EQ(del, sit_message(block(kernel_sit_data()), "sit", RTM_DELLINK));
}

} // namespace
