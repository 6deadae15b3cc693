// SPDX-License-Identifier: BSD-3-Clause
// apply_netlink_messages against rtnetlink messages built byte by byte: links,
// addresses, every way a length can lie (these run under ASan in CI), and the
// attribute reader on nested blocks.
#include "ecmh/io/netlink_messages.hpp"
#include "support/netlink_builder.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <gtest/gtest.h>
#include <linux/rtnetlink.h>
#include <memory>
#include <net/if.h>
#include <net/if_arp.h>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

using ecmh::io::apply_netlink_messages;
using ecmh::io::InterfaceInfo;
using ecmh::io::InterfaceTable;
using ecmh::net::IfIndex;
using ecmh::net::Ipv4Address;
using ecmh::net::Ipv6Address;
using ecmh::net::MacAddress;
using ecmh::test::nl::Attr;
using ecmh::test::nl::Bytes;
using ecmh::test::nl::concat;
using ecmh::test::nl::encode;
using ecmh::test::nl::message;
using ecmh::test::nl::nested;
using ecmh::test::nl::raw;
using ecmh::test::nl::text;
using ecmh::test::nl::u32;

namespace {

struct Link {
    int index = 2;
    std::uint16_t hardware_type = ARPHRD_ETHER;
    std::uint32_t flags = IFF_UP | IFF_RUNNING | IFF_BROADCAST | IFF_MULTICAST;
    std::uint8_t family = AF_UNSPEC;
    std::optional<std::string> name = "eth0";
    std::optional<std::uint32_t> mtu = 1500;
    std::optional<Bytes> address = Bytes{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    std::optional<std::uint32_t> master{};
};

Bytes link_message(const Link& l, std::uint16_t type = RTM_NEWLINK) {
    ifinfomsg ifi{};
    ifi.ifi_family = l.family;
    ifi.ifi_type = l.hardware_type;
    ifi.ifi_index = l.index;
    ifi.ifi_flags = l.flags;
    std::vector<Attr> attrs;
    if (l.name) {
        attrs.push_back({IFLA_IFNAME, text(*l.name)});
    }
    if (l.mtu) {
        attrs.push_back({IFLA_MTU, u32(*l.mtu)});
    }
    if (l.address) {
        attrs.push_back({IFLA_ADDRESS, *l.address});
    }
    if (l.master) {
        attrs.push_back({IFLA_MASTER, u32(*l.master)});
    }
    return message(type, raw(ifi), attrs);
}

struct Addr {
    std::uint8_t family = AF_INET6;
    std::uint32_t index = 2;
    std::uint8_t prefix = 64;
    std::uint8_t flags = 0;
    std::optional<std::uint32_t> flags_attr{};
    Bytes address{}; // IFA_ADDRESS, when not empty
    Bytes local{};   // IFA_LOCAL, when not empty
};

Bytes v6(const char* s) {
    const auto a = Ipv6Address::parse(s);
    return Bytes(a->bytes().begin(), a->bytes().end());
}

Bytes v4(const char* s) {
    const auto a = Ipv4Address::parse(s)->bytes();
    return Bytes(a.begin(), a.end());
}

Bytes address_message(const Addr& a, std::uint16_t type = RTM_NEWADDR) {
    ifaddrmsg ifa{};
    ifa.ifa_family = a.family;
    ifa.ifa_prefixlen = a.prefix;
    ifa.ifa_flags = a.flags;
    ifa.ifa_index = a.index;
    std::vector<Attr> attrs;
    if (!a.address.empty()) {
        attrs.push_back({IFA_ADDRESS, a.address});
    }
    if (!a.local.empty()) {
        attrs.push_back({IFA_LOCAL, a.local});
    }
    if (a.flags_attr) {
        attrs.push_back({IFA_FLAGS, u32(*a.flags_attr)});
    }
    return message(type, raw(ifa), attrs);
}

Ipv6Address ip6(const char* s) {
    return *Ipv6Address::parse(s);
}

Ipv4Address ip4(const char* s) {
    return *Ipv4Address::parse(s);
}

const InterfaceInfo& entry(const InterfaceTable& table, std::uint32_t index) {
    const InterfaceInfo* info = table.find(IfIndex{index});
    EXPECT_NE(info, nullptr) << "no ifindex " << index;
    static const InterfaceInfo none;
    return info == nullptr ? none : *info;
}

// --- Links

TEST(NetlinkMessages, NewLinkCreatesAnEntryWithEveryField) {
    InterfaceTable table;
    Link l;
    l.master = 7;
    EXPECT_TRUE(apply_netlink_messages(link_message(l), table));
    const auto& e = entry(table, 2);
    EXPECT_EQ(e.name, "eth0");
    EXPECT_EQ(e.hardware_type, ARPHRD_ETHER);
    EXPECT_EQ(e.flags, l.flags);
    EXPECT_EQ(e.mtu, 1500u);
    EXPECT_EQ(e.mac, MacAddress::parse("02:00:00:00:00:01"));
    EXPECT_EQ(e.master, IfIndex{7});
    EXPECT_EQ(table.find("eth0"), &e);
}

TEST(NetlinkMessages, RepeatedLinkMessageIsNoChange) {
    InterfaceTable table;
    ASSERT_TRUE(apply_netlink_messages(link_message(Link{}), table));
    EXPECT_FALSE(apply_netlink_messages(link_message(Link{}), table));
}

TEST(NetlinkMessages, LinkUpdateKeepsAddressesAndReportsChange) {
    InterfaceTable table;
    apply_netlink_messages(link_message(Link{}), table);
    apply_netlink_messages(address_message({.address = v6("fe80::1")}), table);
    Link down;
    down.flags = IFF_BROADCAST | IFF_MULTICAST;
    down.name = "wan0"; // renamed too
    EXPECT_TRUE(apply_netlink_messages(link_message(down), table));
    const auto& e = entry(table, 2);
    EXPECT_FALSE(e.is_up());
    EXPECT_EQ(e.name, "wan0");
    EXPECT_EQ(table.find("eth0"), nullptr);
    ASSERT_EQ(e.ipv6.size(), 1u);
    EXPECT_EQ(e.ipv6[0].address, ip6("fe80::1"));
}

TEST(NetlinkMessages, DelLinkRemovesTheEntry) {
    InterfaceTable table;
    apply_netlink_messages(link_message(Link{}), table);
    EXPECT_TRUE(apply_netlink_messages(link_message(Link{}, RTM_DELLINK), table));
    EXPECT_EQ(table.find(IfIndex{2}), nullptr);
    EXPECT_FALSE(apply_netlink_messages(link_message(Link{}, RTM_DELLINK), table));
}

TEST(NetlinkMessages, PartialLinkMessageKeepsMtuMacAndMaster) {
    // Wireless events: ifinfomsg and IFLA_IFNAME only.
    InterfaceTable table;
    Link full;
    full.master = 9;
    apply_netlink_messages(link_message(full), table);
    Link wireless;
    wireless.mtu.reset();
    wireless.address.reset();
    EXPECT_FALSE(apply_netlink_messages(link_message(wireless), table));
    const auto& e = entry(table, 2);
    EXPECT_EQ(e.mtu, 1500u);
    EXPECT_TRUE(e.mac.has_value());
    EXPECT_EQ(e.master, IfIndex{9});
}

TEST(NetlinkMessages, FullLinkMessageWithoutMasterReleasesThePort) {
    InterfaceTable table;
    Link port;
    port.master = 9;
    apply_netlink_messages(link_message(port), table);
    EXPECT_TRUE(apply_netlink_messages(link_message(Link{}), table));
    EXPECT_FALSE(entry(table, 2).master.valid());
}

TEST(NetlinkMessages, LinkAddressOtherThanSixBytesIsNoMac) {
    InterfaceTable table;
    Link sit;
    sit.hardware_type = ARPHRD_SIT;
    sit.address = v4("192.0.2.1");
    apply_netlink_messages(link_message(sit), table);
    EXPECT_FALSE(entry(table, 2).mac.has_value());
    Link tun;
    tun.index = 3;
    tun.hardware_type = ARPHRD_NONE;
    tun.address.reset();
    apply_netlink_messages(link_message(tun), table);
    EXPECT_FALSE(entry(table, 3).mac.has_value());
}

TEST(NetlinkMessages, BridgeFamilyLinkMessagesAreIgnored) {
    // The bridge reports port state with ifi_family AF_BRIDGE; its RTM_DELLINK means
    // "no longer a port", not "gone".
    InterfaceTable table;
    apply_netlink_messages(link_message(Link{}), table);
    Link bridge_view;
    bridge_view.family = AF_BRIDGE;
    bridge_view.master = 5;
    EXPECT_FALSE(apply_netlink_messages(link_message(bridge_view), table));
    EXPECT_FALSE(apply_netlink_messages(link_message(bridge_view, RTM_DELLINK), table));
    EXPECT_FALSE(entry(table, 2).master.valid());
}

TEST(NetlinkMessages, LinkWithInvalidIndexIsIgnored) {
    for (const int index : {0, -1}) {
        InterfaceTable table;
        Link l;
        l.index = index;
        EXPECT_FALSE(apply_netlink_messages(link_message(l), table));
        EXPECT_TRUE(table.all().empty());
    }
}

TEST(NetlinkMessages, NameWithoutTerminatingNulEndsAtTheAttribute) {
    InterfaceTable table;
    ifinfomsg ifi{};
    ifi.ifi_index = 4;
    apply_netlink_messages(message(RTM_NEWLINK, raw(ifi), {{IFLA_IFNAME, Bytes{'w', 'g', '0'}}}),
                           table);
    EXPECT_EQ(entry(table, 4).name, "wg0");
}

// --- Addresses

TEST(NetlinkMessages, Ipv4AddressPrefersLocalOverPeer) {
    InterfaceTable table;
    apply_netlink_messages(link_message(Link{}), table);
    Addr a{.family = AF_INET, .prefix = 32, .address = v4("192.0.2.2"), .local = v4("192.0.2.1")};
    EXPECT_TRUE(apply_netlink_messages(address_message(a), table));
    const auto& e = entry(table, 2);
    ASSERT_EQ(e.ipv4.size(), 1u);
    EXPECT_EQ(e.ipv4[0].address, ip4("192.0.2.1"));
    EXPECT_EQ(e.ipv4[0].prefix_length, 32);
    EXPECT_FALSE(e.ipv4[0].secondary);
}

TEST(NetlinkMessages, Ipv4AddressAddSecondaryAndDelete) {
    InterfaceTable table;
    apply_netlink_messages(link_message(Link{}), table);
    apply_netlink_messages(
        concat({address_message({.family = AF_INET, .prefix = 24, .local = v4("192.0.2.1")}),
                address_message({.family = AF_INET,
                                 .prefix = 24,
                                 .flags = IFA_F_SECONDARY,
                                 .local = v4("192.0.2.9")})}),
        table);
    const auto& e = entry(table, 2);
    ASSERT_EQ(e.ipv4.size(), 2u);
    EXPECT_TRUE(e.ipv4[1].secondary);
    EXPECT_EQ(e.primary_ipv4()->address, ip4("192.0.2.1"));
    EXPECT_TRUE(apply_netlink_messages(
        address_message({.family = AF_INET, .prefix = 24, .local = v4("192.0.2.1")}, RTM_DELADDR),
        table));
    ASSERT_EQ(entry(table, 2).ipv4.size(), 1u);
    EXPECT_EQ(entry(table, 2).ipv4[0].address, ip4("192.0.2.9"));
}

TEST(NetlinkMessages, Ipv6FlagsFromIfaFlagsOrTheIfaFlagsAttribute) {
    struct Case {
        const char* name;
        std::uint8_t flags;
        std::optional<std::uint32_t> flags_attr;
        bool tentative;
        bool dad_failed;
    };
    const Case cases[] = {
        {"none", 0, std::nullopt, false, false},
        {"tentative", IFA_F_TENTATIVE, std::nullopt, true, false},
        {"dadfailed", IFA_F_DADFAILED | IFA_F_TENTATIVE, std::nullopt, true, true},
        {"attribute wins", IFA_F_TENTATIVE, IFA_F_PERMANENT, false, false},
        {"attribute says tentative", 0, IFA_F_TENTATIVE | IFA_F_MANAGETEMPADDR, true, false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        InterfaceTable table;
        apply_netlink_messages(link_message(Link{}), table);
        apply_netlink_messages(
            address_message(
                {.flags = c.flags, .flags_attr = c.flags_attr, .address = v6("2001:db8::1")}),
            table);
        const auto& e = entry(table, 2);
        ASSERT_EQ(e.ipv6.size(), 1u);
        EXPECT_EQ(e.ipv6[0].address, ip6("2001:db8::1"));
        EXPECT_EQ(e.ipv6[0].prefix_length, 64);
        EXPECT_EQ(e.ipv6[0].tentative, c.tentative);
        EXPECT_EQ(e.ipv6[0].dad_failed, c.dad_failed);
    }
}

TEST(NetlinkMessages, Ipv6AddressUpdatedInPlaceWhenDadEnds) {
    InterfaceTable table;
    apply_netlink_messages(link_message(Link{}), table);
    apply_netlink_messages(address_message({.flags = IFA_F_TENTATIVE, .address = v6("fe80::1")}),
                           table);
    EXPECT_TRUE(apply_netlink_messages(address_message({.address = v6("fe80::1")}), table));
    EXPECT_FALSE(apply_netlink_messages(address_message({.address = v6("fe80::1")}), table));
    const auto& e = entry(table, 2);
    ASSERT_EQ(e.ipv6.size(), 1u);
    EXPECT_FALSE(e.ipv6[0].tentative);
}

TEST(NetlinkMessages, Ipv6PeerAddressUsesLocal) {
    InterfaceTable table;
    apply_netlink_messages(link_message(Link{}), table);
    apply_netlink_messages(
        address_message({.prefix = 128, .address = v6("2001:db8::2"), .local = v6("2001:db8::1")}),
        table);
    ASSERT_EQ(entry(table, 2).ipv6.size(), 1u);
    EXPECT_EQ(entry(table, 2).ipv6[0].address, ip6("2001:db8::1"));
}

TEST(NetlinkMessages, Ipv6DelAddr) {
    InterfaceTable table;
    apply_netlink_messages(link_message(Link{}), table);
    apply_netlink_messages(address_message({.address = v6("fe80::1")}), table);
    EXPECT_TRUE(
        apply_netlink_messages(address_message({.address = v6("fe80::1")}, RTM_DELADDR), table));
    EXPECT_TRUE(entry(table, 2).ipv6.empty());
    EXPECT_FALSE(
        apply_netlink_messages(address_message({.address = v6("fe80::1")}, RTM_DELADDR), table));
}

TEST(NetlinkMessages, MalformedAddressesAreIgnored) {
    const Addr cases[] = {
        {.family = AF_INET6, .prefix = 129, .address = v6("2001:db8::1")},
        {.family = AF_INET, .prefix = 33, .local = v4("192.0.2.1")},
        {.family = AF_INET6, .address = v4("192.0.2.1")}, // wrong size
        {.family = AF_INET, .local = v6("2001:db8::1")},  // wrong size
        {.family = AF_INET6},                             // no address at all
        {.family = AF_INET6, .index = 0, .address = v6("2001:db8::1")},
        {.family = AF_PACKET, .address = v6("2001:db8::1")},
    };
    for (const auto& a : cases) {
        InterfaceTable table;
        apply_netlink_messages(link_message(Link{}), table);
        EXPECT_FALSE(apply_netlink_messages(address_message(a), table));
        EXPECT_TRUE(entry(table, 2).ipv6.empty());
        EXPECT_TRUE(entry(table, 2).ipv4.empty());
    }
}

TEST(NetlinkMessages, AddressesBeforeTheirLinkWaitForIt) {
    InterfaceTable table;
    EXPECT_FALSE(apply_netlink_messages(
        concat({address_message({.index = 5, .address = v6("fe80::5")}),
                address_message(
                    {.family = AF_INET, .index = 5, .prefix = 24, .local = v4("192.0.2.5")})}),
        table));
    EXPECT_EQ(table.find(IfIndex{5}), nullptr);
    Link l;
    l.index = 5;
    EXPECT_TRUE(apply_netlink_messages(link_message(l), table));
    const auto& e = entry(table, 5);
    ASSERT_EQ(e.ipv6.size(), 1u);
    ASSERT_EQ(e.ipv4.size(), 1u);
    EXPECT_EQ(e.link_local(), ip6("fe80::5"));
}

TEST(NetlinkMessages, DelLinkDropsPendingAddresses) {
    InterfaceTable table;
    Link l;
    l.index = 6;
    apply_netlink_messages(address_message({.index = 6, .address = v6("fe80::6")}), table);
    apply_netlink_messages(link_message(l, RTM_DELLINK), table);
    apply_netlink_messages(link_message(l), table);
    EXPECT_TRUE(entry(table, 6).ipv6.empty());
}

// --- Framing

TEST(NetlinkMessages, ControlAndUnknownMessagesAreSkippedNotFatal) {
    InterfaceTable table;
    nlmsgerr error{};
    error.error = -EINVAL;
    const Bytes buffer = concat({message(NLMSG_NOOP, {}), message(NLMSG_ERROR, raw(error)),
                                 message(RTM_NEWROUTE, Bytes(12, 0)), message(0x7777, Bytes(3, 1)),
                                 link_message(Link{}), message(NLMSG_DONE, u32(0))});
    EXPECT_TRUE(apply_netlink_messages(buffer, table));
    EXPECT_NE(table.find("eth0"), nullptr);
}

TEST(NetlinkMessages, ShortFixedHeadersAreIgnored) {
    InterfaceTable table;
    EXPECT_FALSE(
        apply_netlink_messages(message(RTM_NEWLINK, Bytes(sizeof(ifinfomsg) - 1, 0)), table));
    EXPECT_FALSE(
        apply_netlink_messages(message(RTM_NEWADDR, Bytes(sizeof(ifaddrmsg) - 1, 0)), table));
    EXPECT_FALSE(apply_netlink_messages(message(RTM_NEWLINK, {}), table));
    EXPECT_TRUE(table.all().empty());
}

Bytes sample_buffer() {
    Link bridge;
    bridge.index = 3;
    bridge.name = "br0";
    Link port;
    port.master = 3;
    return concat(
        {link_message(bridge), link_message(port),
         address_message({.family = AF_INET, .index = 3, .prefix = 24, .local = v4("192.0.2.1")}),
         address_message({.index = 3, .flags_attr = IFA_F_PERMANENT, .address = v6("fe80::1")})});
}

// Every prefix of a valid buffer, in a heap block of exactly that size, so ASan sees
// any read past the end. Whole messages before the cut still apply.
TEST(NetlinkMessages, TruncatedAtEveryOffset) {
    const Bytes full = sample_buffer();
    const std::size_t first_end = link_message(Link{.index = 3, .name = "br0"}).size();
    for (std::size_t cut = 0; cut <= full.size(); ++cut) {
        SCOPED_TRACE(cut);
        auto copy = std::make_unique<std::uint8_t[]>(cut == 0 ? 1 : cut);
        std::memcpy(copy.get(), full.data(), cut);
        InterfaceTable table;
        apply_netlink_messages({copy.get(), cut}, table);
        EXPECT_EQ(table.find("br0") != nullptr, cut >= first_end);
    }
    InterfaceTable table;
    EXPECT_TRUE(apply_netlink_messages(full, table));
    EXPECT_EQ(entry(table, 3).ipv4.size(), 1u);
    EXPECT_EQ(entry(table, 3).ipv6.size(), 1u);
}

// Sets the nlmsg_len of the message at `offset` in `buffer`.
void set_nlmsg_len(Bytes& buffer, std::size_t offset, std::uint32_t length) {
    std::memcpy(buffer.data() + offset, &length, sizeof length);
}

TEST(NetlinkMessages, LyingNlmsgLenNeverOverrunsNorLoops) {
    const std::uint32_t lengths[] = {0, 1, 15, 0xffffffffU, 0x7fffffffU};
    for (const auto length : lengths) {
        SCOPED_TRACE(length);
        Bytes buffer = concat({link_message(Link{}), link_message(Link{.index = 3, .name = "b"})});
        const std::size_t second = link_message(Link{}).size();
        set_nlmsg_len(buffer, second, length);
        InterfaceTable table;
        apply_netlink_messages(buffer, table); // returns: no endless loop on 0
        EXPECT_NE(table.find(IfIndex{2}), nullptr);
        EXPECT_EQ(table.find(IfIndex{3}), nullptr);
    }
}

TEST(NetlinkMessages, NlmsgLenPastTheBufferDropsTheMessage) {
    Bytes buffer = link_message(Link{});
    set_nlmsg_len(buffer, 0, static_cast<std::uint32_t>(buffer.size() + 4));
    InterfaceTable table;
    EXPECT_FALSE(apply_netlink_messages(buffer, table));
}

TEST(NetlinkMessages, UnalignedLastMessageStillApplies) {
    // nlmsg_len counts no trailing padding; the last message may end unaligned.
    ifinfomsg ifi{};
    ifi.ifi_index = 8;
    Bytes buffer = message(RTM_NEWLINK, raw(ifi), {{IFLA_IFNAME, Bytes{'x', 0}}});
    buffer.resize(buffer.size() - 2); // drop the attribute's padding
    set_nlmsg_len(buffer, 0, static_cast<std::uint32_t>(buffer.size()));
    rtattr a{};
    std::memcpy(&a, buffer.data() + sizeof(nlmsghdr) + sizeof(ifinfomsg), sizeof a);
    ASSERT_EQ(a.rta_len, 6);
    InterfaceTable table;
    EXPECT_TRUE(apply_netlink_messages(buffer, table));
    EXPECT_EQ(entry(table, 8).name, "x");
}

// The link message with its first attribute's rta_len replaced.
Bytes with_first_rta_len(std::uint16_t length) {
    Link l;
    Bytes buffer = link_message(l);
    const std::size_t at = sizeof(nlmsghdr) + sizeof(ifinfomsg);
    std::memcpy(buffer.data() + at, &length, sizeof length);
    return buffer;
}

TEST(NetlinkMessages, LyingRtaLenStopsTheAttributesNotTheMessage) {
    const std::uint16_t lengths[] = {0, 1, 3, 0xffff, 200};
    for (const auto length : lengths) {
        SCOPED_TRACE(length);
        InterfaceTable table;
        EXPECT_TRUE(apply_netlink_messages(with_first_rta_len(length), table));
        const auto& e = entry(table, 2);
        EXPECT_EQ(e.name, ""); // IFLA_IFNAME was the lying one; nothing after it is read
        EXPECT_EQ(e.mtu, 0u);
    }
}

TEST(NetlinkMessages, RtaLenLongerThanItsValueSwallowsTheNextAttribute) {
    // rta_len covers IFLA_IFNAME and the IFLA_MTU after it: the MTU is part of the
    // name's value (cut at its NUL), never an attribute of its own.
    const std::uint16_t length = 4 + 8 + 8;
    InterfaceTable table;
    apply_netlink_messages(with_first_rta_len(length), table);
    EXPECT_EQ(entry(table, 2).name, "eth0");
    EXPECT_EQ(entry(table, 2).mtu, 0u);
}

TEST(NetlinkMessages, WrongSizedIntegerAttributesAreIgnored) {
    InterfaceTable table;
    ifinfomsg ifi{};
    ifi.ifi_index = 2;
    apply_netlink_messages(message(RTM_NEWLINK, raw(ifi),
                                   {{IFLA_IFNAME, text("eth0")},
                                    {IFLA_MTU, Bytes{1, 2}},
                                    {IFLA_MASTER, Bytes{1, 2, 3, 4, 5, 6, 7, 8}}}),
                           table);
    EXPECT_EQ(entry(table, 2).mtu, 0u);
    EXPECT_FALSE(entry(table, 2).master.valid());
}

// --- Attribute walking

using ecmh::io::NetlinkAttribute;
using ecmh::io::NetlinkAttributeReader;

// Every attribute of `block`, as the reader gives them.
std::vector<NetlinkAttribute> read_all(std::span<const std::uint8_t> block) {
    std::vector<NetlinkAttribute> out;
    NetlinkAttributeReader reader{block};
    while (const auto a = reader.next()) {
        out.push_back(*a);
    }
    return out;
}

// IFLA_IPTUN_LOCAL, from <linux/if_tunnel.h> (which clashes with <net/if.h>).
constexpr std::uint16_t kTunnelLocal = 2;

TEST(NetlinkMessages, NestedBlocksAreReadWithTheSameReader) {
    // IFLA_LINKINFO { IFLA_INFO_KIND "sit", IFLA_INFO_DATA { IFLA_IPTUN_LOCAL } }, IFLA_MTU.
    const Bytes data = encode({kTunnelLocal, v4("192.0.2.1")});
    const Bytes info =
        concat({encode({IFLA_INFO_KIND, text("sit")}), encode({nested(IFLA_INFO_DATA), data})});
    const Bytes block =
        concat({encode({nested(IFLA_LINKINFO), info}), encode({IFLA_MTU, u32(1480)})});
    const auto outer = read_all(block);
    ASSERT_EQ(outer.size(), 2u);
    EXPECT_EQ(outer[0].type, IFLA_LINKINFO); // NLA_F_NESTED is not part of the type
    EXPECT_EQ(outer[1].type, IFLA_MTU);
    const auto middle = read_all(outer[0].value);
    ASSERT_EQ(middle.size(), 2u);
    EXPECT_EQ(middle[0].type, IFLA_INFO_KIND);
    EXPECT_EQ(middle[1].type, IFLA_INFO_DATA);
    const auto inner = read_all(middle[1].value);
    ASSERT_EQ(inner.size(), 1u);
    EXPECT_EQ(inner[0].type, kTunnelLocal);
    EXPECT_EQ(Bytes(inner[0].value.begin(), inner[0].value.end()), v4("192.0.2.1"));
}

TEST(NetlinkMessages, LyingLengthInANestedBlockEndsOnlyThatBlock) {
    Bytes info = concat({encode({IFLA_INFO_KIND, text("sit")}), encode({IFLA_INFO_DATA, {}})});
    const std::uint16_t lie = 0xffff;
    std::memcpy(info.data(), &lie, sizeof lie); // IFLA_INFO_KIND's rta_len
    const Bytes block =
        concat({encode({nested(IFLA_LINKINFO), info}), encode({IFLA_MTU, u32(1480)})});
    const auto outer = read_all(block);
    ASSERT_EQ(outer.size(), 2u);
    EXPECT_TRUE(read_all(outer[0].value).empty());
    EXPECT_EQ(outer[1].type, IFLA_MTU);
}

// An independent walk of length-prefixed records (the framing rule of netlink(7)): a
// record starts with a 16- or 32-bit length counting its own header; one shorter than
// its header, or longer than what remains, ends the walk; the next starts at the length
// rounded up to 4. Returns (offset, length) of each record, in order.
template <class Length>
std::vector<std::pair<std::size_t, std::size_t>> walk_records(std::span<const std::uint8_t> bytes,
                                                              std::size_t header_size) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    std::size_t at = 0;
    while (bytes.size() - at >= header_size) {
        Length length = 0;
        std::memcpy(&length, bytes.data() + at, sizeof length);
        if (length < header_size || length > bytes.size() - at) {
            break;
        }
        out.emplace_back(at, length);
        at += std::min<std::size_t>((length + 3U) & ~std::size_t{3}, bytes.size() - at);
    }
    return out;
}

// The size of the fixed header before the attributes of the messages the table reads.
std::size_t fixed_header_size(std::uint16_t type) {
    switch (type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
        return sizeof(ifinfomsg);
    case RTM_NEWADDR:
    case RTM_DELADDR:
        return sizeof(ifaddrmsg);
    default:
        return 0;
    }
}

// The interface index a link or address message names (0 for any other message).
std::uint32_t named_index(std::uint16_t type, std::span<const std::uint8_t> payload) {
    const std::size_t fixed = fixed_header_size(type);
    if (fixed == 0 || payload.size() < fixed) {
        return 0;
    }
    if (fixed == sizeof(ifinfomsg)) {
        ifinfomsg ifi{};
        std::memcpy(&ifi, payload.data(), sizeof ifi);
        return static_cast<std::uint32_t>(ifi.ifi_index);
    }
    ifaddrmsg ifa{};
    std::memcpy(&ifa, payload.data(), sizeof ifa);
    return ifa.ifa_index;
}

// Random bytes changed in a valid buffer, then the buffer cut at a random length (in a
// heap block of exactly that size, so ASan sees any read past it). For each: the
// readers frame exactly the messages and attributes an independent walk frames, every
// span they give lies inside the buffer, the table holds only interfaces some framed
// message names, and br0 (the first message) is there whenever its bytes are intact and
// no later framed message names its index.
TEST(NetlinkMessages, CorruptedBuffersAreFramedAsAnIndependentWalkFramesThem) {
    using ecmh::io::NetlinkAttributeReader;
    using ecmh::io::NetlinkMessageReader;
    const Bytes full = sample_buffer();
    const std::size_t first_end = link_message(Link{.index = 3, .name = "br0"}).size();
    std::mt19937 random{12345};
    std::uniform_int_distribution<std::size_t> position(0, full.size() - 1);
    std::uniform_int_distribution<int> value(0, 255);
    int br0_checked = 0;
    int messages_framed = 0;
    for (int round = 0; round < 3000; ++round) {
        SCOPED_TRACE(round);
        Bytes corrupted = full;
        // Every other round spares the first message, so the intact-prefix check runs.
        const std::size_t lowest = round % 2 == 0 ? 0 : first_end;
        std::size_t first_changed = full.size();
        for (int flips = 1 + round % 4; flips > 0; --flips) {
            const std::size_t at = lowest + position(random) % (full.size() - lowest);
            corrupted[at] = static_cast<std::uint8_t>(value(random));
            if (corrupted[at] != full[at]) {
                first_changed = std::min(first_changed, at);
            }
        }
        const std::size_t size = position(random) + 1;
        auto block = std::make_unique<std::uint8_t[]>(size);
        std::memcpy(block.get(), corrupted.data(), size);
        const std::span<const std::uint8_t> bytes{block.get(), size};
        const auto inside = [&](std::span<const std::uint8_t> s) {
            return s.data() >= bytes.data() && s.data() + s.size() <= bytes.data() + bytes.size();
        };

        const auto expected = walk_records<std::uint32_t>(bytes, sizeof(nlmsghdr));
        NetlinkMessageReader messages{bytes};
        std::size_t n = 0;
        bool br0_named_again = false;
        while (const auto m = messages.next()) {
            ASSERT_LT(n, expected.size()) << "a message the walk does not frame";
            const auto [offset, length] = expected[n];
            EXPECT_EQ(m->payload.data(), bytes.data() + offset + sizeof(nlmsghdr));
            EXPECT_EQ(m->payload.size(), length - sizeof(nlmsghdr));
            EXPECT_TRUE(inside(m->payload));
            EXPECT_EQ(m->header.nlmsg_len, length);
            const auto type = m->header.nlmsg_type;
            br0_named_again = br0_named_again || (n > 0 && named_index(type, m->payload) == 3);
            const std::size_t fixed = fixed_header_size(type);
            if (fixed != 0 && m->payload.size() >= fixed) {
                // The attribute block, walked both ways (rtattr: 16-bit length).
                const auto block_bytes = m->payload.subspan(fixed);
                const auto attrs = walk_records<std::uint16_t>(block_bytes, sizeof(rtattr));
                NetlinkAttributeReader reader{block_bytes};
                std::size_t k = 0;
                while (const auto a = reader.next()) {
                    ASSERT_LT(k, attrs.size()) << "an attribute the walk does not frame";
                    EXPECT_EQ(a->value.data(),
                              block_bytes.data() + attrs[k].first + sizeof(rtattr));
                    EXPECT_EQ(a->value.size(), attrs[k].second - sizeof(rtattr));
                    EXPECT_TRUE(inside(a->value));
                    ++k;
                }
                EXPECT_EQ(k, attrs.size());
            }
            ++n;
        }
        EXPECT_EQ(n, expected.size());
        messages_framed += static_cast<int>(n);

        InterfaceTable table;
        apply_netlink_messages(bytes, table);
        // No interface out of nowhere: each entry's index is one a framed message names.
        for (const auto& entry : table.all()) {
            // Not a structured binding: clang 14 cannot capture one in the lambda below.
            const auto ifindex = entry.second.index.value();
            const bool named = std::any_of(expected.begin(), expected.end(), [&](const auto& e) {
                nlmsghdr h{};
                std::memcpy(&h, bytes.data() + e.first, sizeof h);
                return named_index(h.nlmsg_type, bytes.subspan(e.first + sizeof h,
                                                               e.second - sizeof h)) == ifindex;
            });
            EXPECT_TRUE(named) << "ifindex " << ifindex << " named by no message";
        }
        if (first_changed >= first_end && size >= first_end && !br0_named_again) {
            ++br0_checked;
            const InterfaceInfo* br0 = table.find("br0");
            ASSERT_NE(br0, nullptr) << "the intact first message was not applied";
            EXPECT_EQ(br0->index, IfIndex{3});
            EXPECT_EQ(br0->mtu, 1500U);
        }
    }
    // The checks above ran often enough to mean something.
    EXPECT_GT(br0_checked, 500);
    EXPECT_GT(messages_framed, 3000);
}

} // namespace
