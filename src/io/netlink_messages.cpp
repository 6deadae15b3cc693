// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/netlink_messages.hpp"

#include <algorithm>
#include <cstring>
#include <linux/if_tunnel.h> // IFLA_IPTUN_*; it clashes with <net/if.h>, keep that out
#include <linux/rtnetlink.h>
#include <string>
#include <sys/socket.h> // AF_UNSPEC, AF_INET, AF_INET6 only: no socket is opened here

namespace ecmh::io {
namespace {

// --- Framing: every length is checked here, before a byte it counts is read.

// The attribute type without NLA_F_NESTED and NLA_F_NET_BYTEORDER.
constexpr std::uint16_t kAttributeTypeMask = 0x3fff;

// A header read out of the buffer and the bytes it covers after itself.
template <class Header>
struct Record {
    Header header;
    std::span<const std::uint8_t> value;
};

std::size_t record_length(const nlmsghdr& header) {
    return header.nlmsg_len;
}

std::size_t record_length(const rtattr& header) {
    return header.rta_len;
}

// Takes the next message or attribute (a header whose length field counts itself and
// its value, not the padding after it) off the front of `rest`. At the end, or at a
// length that lies, `rest` is emptied: nothing after a lie can be framed.
template <class Header>
std::optional<Record<Header>> take_record(std::span<const std::uint8_t>& rest) {
    // Fewer bytes left than a header: the end, or a tail cut short.
    if (rest.size() < sizeof(Header)) {
        rest = {};
        return std::nullopt;
    }
    Header header{};
    std::memcpy(&header, rest.data(), sizeof header);
    const std::size_t length = record_length(header);
    // Shorter than its own header: the walk would not move on (0 would loop forever).
    // Longer than what is left: its value would be read past the buffer.
    if (length < sizeof header || length > rest.size()) {
        rest = {};
        return std::nullopt;
    }
    Record<Header> record{header, rest.subspan(sizeof header, length - sizeof header)};
    // The last record may end unaligned: the padding after it need not be there.
    rest = rest.subspan(std::min(netlink_align(length), rest.size()));
    return record;
}

// The fixed header of a message (ifinfomsg, ifaddrmsg) and the attribute block after it.
template <class Header>
std::optional<Record<Header>> fixed_header(std::span<const std::uint8_t> payload) {
    // A payload shorter than the header its type promises: a message cut short.
    if (payload.size() < sizeof(Header)) {
        return std::nullopt;
    }
    Header header{};
    std::memcpy(&header, payload.data(), sizeof header);
    // The attributes start aligned; a payload that ends inside the padding has none.
    return Record<Header>{header,
                          payload.subspan(std::min(netlink_align(sizeof header), payload.size()))};
}

std::optional<std::uint32_t> u32_value(std::span<const std::uint8_t> value) {
    // Any other size is not the u32 the attribute type promises: ignored, not half read.
    if (value.size() != sizeof(std::uint32_t)) {
        return std::nullopt;
    }
    std::uint32_t v = 0;
    std::memcpy(&v, value.data(), sizeof v); // host order, as all of rtnetlink's integers
    return v;
}

std::optional<std::uint8_t> u8_value(std::span<const std::uint8_t> value) {
    if (value.size() != 1) {
        return std::nullopt;
    }
    return value[0];
}

// An IPv4 address in network order (nla_put_in_addr).
std::optional<net::Ipv4Address> ipv4_value(std::span<const std::uint8_t> value) {
    if (value.size() != 4) {
        return std::nullopt;
    }
    return net::Ipv4Address::from_bytes({value[0], value[1], value[2], value[3]});
}

// IFLA_IFNAME is NUL-terminated; a missing NUL still ends at the attribute.
std::string string_value(std::span<const std::uint8_t> value) {
    const auto end = std::find(value.begin(), value.end(), std::uint8_t{0});
    return {value.begin(), end};
}

// --- Tunnels: IFLA_LINKINFO { IFLA_INFO_KIND "sit", IFLA_INFO_DATA { IFLA_IPTUN_* } }

// The IFLA_IPTUN_* attributes ecmh keeps; each stays empty when its attribute is
// missing or not the size its type promises.
struct SitData {
    std::optional<std::uint32_t> link;
    std::optional<net::Ipv4Address> local;
    std::optional<net::Ipv4Address> remote;
    std::optional<std::uint8_t> ttl;
};

void read_sit_attribute(const NetlinkAttribute& attribute, SitData& sit) {
    switch (attribute.type) {
    case IFLA_IPTUN_LINK:
        sit.link = u32_value(attribute.value);
        break;
    case IFLA_IPTUN_LOCAL:
        sit.local = ipv4_value(attribute.value);
        break;
    case IFLA_IPTUN_REMOTE:
        sit.remote = ipv4_value(attribute.value);
        break;
    case IFLA_IPTUN_TTL:
        sit.ttl = u8_value(attribute.value);
        break;
    default: // TOS, PMTUDISC, PROTO, FLAGS, FWMARK, 6RD_*, ENCAP_*, anything newer
        break;
    }
}

std::optional<InterfaceTunnel> parse_sit_data(std::span<const std::uint8_t> data) {
    SitData sit;
    NetlinkAttributeReader attributes{data};
    while (const auto attribute = attributes.next()) {
        read_sit_attribute(*attribute, sit);
    }
    // ipip6_fill_info sends all four for every sit device: one missing means the block
    // was cut short or lied, and a guessed field (an "any" remote where there is one)
    // would be worse than no description.
    if (!sit.link || !sit.local || !sit.remote || !sit.ttl) {
        return std::nullopt;
    }
    return InterfaceTunnel{"sit", *sit.local, *sit.remote, *sit.ttl, net::IfIndex{*sit.link}};
}

// IFLA_LINKINFO's value: the device's kind, and for a sit device its ends. Both are
// read before either is used, so the order of the two does not matter.
std::optional<InterfaceTunnel> parse_link_info(std::span<const std::uint8_t> info) {
    std::string kind;
    std::span<const std::uint8_t> data;
    NetlinkAttributeReader attributes{info};
    while (const auto attribute = attributes.next()) {
        if (attribute->type == IFLA_INFO_KIND) {
            kind = string_value(attribute->value);
        } else if (attribute->type == IFLA_INFO_DATA) {
            data = attribute->value;
        }
    }
    if (kind != "sit") { // ipip, gre, vxlan, veth…: not a 6in4 tunnel
        return std::nullopt;
    }
    return parse_sit_data(data);
}

// --- Link messages

// What an RTM_NEWLINK/RTM_DELLINK says, before it is merged into the table.
struct LinkMessage {
    net::IfIndex index;
    std::uint16_t hardware_type = 0;
    std::uint32_t flags = 0;
    std::optional<std::string> name;
    std::optional<std::uint32_t> mtu;
    std::optional<net::MacAddress> mac;
    net::IfIndex master;
    std::optional<InterfaceTunnel> tunnel;
};

void read_link_attribute(const NetlinkAttribute& attribute, LinkMessage& link) {
    switch (attribute.type) {
    case IFLA_IFNAME:
        link.name = string_value(attribute.value);
        break;
    case IFLA_MTU:
        link.mtu = u32_value(attribute.value);
        break;
    case IFLA_ADDRESS:
        link.mac = net::MacAddress::from_span(attribute.value); // not 6 bytes: no MAC
        break;
    case IFLA_MASTER:
        link.master = net::IfIndex{u32_value(attribute.value).value_or(0)};
        break;
    case IFLA_LINKINFO:
        link.tunnel = parse_link_info(attribute.value);
        break;
    default:
        break;
    }
}

std::optional<LinkMessage> parse_link(std::span<const std::uint8_t> payload) {
    const auto ifi = fixed_header<ifinfomsg>(payload);
    if (!ifi || ifi->header.ifi_family != AF_UNSPEC || ifi->header.ifi_index <= 0) {
        return std::nullopt;
    }
    LinkMessage link;
    link.index = net::IfIndex{static_cast<std::uint32_t>(ifi->header.ifi_index)};
    link.hardware_type = ifi->header.ifi_type;
    link.flags = ifi->header.ifi_flags;
    NetlinkAttributeReader attributes{ifi->value};
    while (const auto attribute = attributes.next()) {
        read_link_attribute(*attribute, link);
    }
    return link;
}

// A full link message (rtnl_fill_ifinfo always sends IFLA_MTU) replaces the entry's
// MTU, MAC, master and tunnel: a missing IFLA_MASTER means the port was released. A
// partial one (wireless events: header and name only) leaves them as they were.
InterfaceInfo merge_link(const LinkMessage& link, const InterfaceInfo* existing) {
    InterfaceInfo info;
    if (existing != nullptr) {
        info = *existing;
        info.ipv6.clear(); // upsert_link keeps the entry's addresses
        info.ipv4.clear();
    }
    info.index = link.index;
    info.hardware_type = link.hardware_type;
    info.flags = link.flags;
    if (link.name) {
        info.name = *link.name;
    }
    if (link.mtu) {
        info.mtu = *link.mtu;
        info.mac = link.mac;
        info.master = link.master;
        info.tunnel = link.tunnel;
    }
    return info;
}

// --- Address messages

// What an RTM_NEWADDR/RTM_DELADDR says.
struct AddressMessage {
    std::uint8_t family = 0;
    std::uint8_t prefix_length = 0;
    std::uint32_t flags = 0;
    net::IfIndex index;
    // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point
    // links that have one (IPv4 and IPv6 alike), else the address.
    std::span<const std::uint8_t> local;
    std::span<const std::uint8_t> address;

    [[nodiscard]] std::span<const std::uint8_t> own() const {
        return local.empty() ? address : local;
    }
};

void read_address_attribute(const NetlinkAttribute& attribute, AddressMessage& a) {
    if (attribute.type == IFA_LOCAL) {
        a.local = attribute.value;
    } else if (attribute.type == IFA_ADDRESS) {
        a.address = attribute.value;
    } else if (attribute.type == IFA_FLAGS) {
        // The u32 extension of ifa_flags, for flags above 0x80.
        a.flags = u32_value(attribute.value).value_or(a.flags);
    }
}

std::optional<AddressMessage> parse_address(std::span<const std::uint8_t> payload) {
    const auto ifa = fixed_header<ifaddrmsg>(payload);
    if (!ifa || ifa->header.ifa_index == 0) {
        return std::nullopt;
    }
    AddressMessage a;
    a.family = ifa->header.ifa_family;
    a.prefix_length = ifa->header.ifa_prefixlen;
    a.flags = ifa->header.ifa_flags;
    a.index = net::IfIndex{ifa->header.ifa_index};
    NetlinkAttributeReader attributes{ifa->value};
    while (const auto attribute = attributes.next()) {
        read_address_attribute(*attribute, a);
    }
    return a;
}

void apply_ipv4(const AddressMessage& a, bool add, InterfaceTable& table) {
    const auto bytes = a.own();
    // An address of another size, or a prefix longer than it, is not an IPv4 address.
    if (bytes.size() != 4 || a.prefix_length > 32) {
        return;
    }
    const auto address = net::Ipv4Address::from_bytes({bytes[0], bytes[1], bytes[2], bytes[3]});
    if (!add) {
        table.remove_ipv4(a.index, address);
        return;
    }
    table.add_ipv4(a.index, {address, a.prefix_length, (a.flags & IFA_F_SECONDARY) != 0});
}

void apply_ipv6(const AddressMessage& a, bool add, InterfaceTable& table) {
    const auto address = net::Ipv6Address::from_span(a.own()); // not 16 bytes: nullopt
    if (!address || a.prefix_length > 128) {
        return;
    }
    if (!add) {
        table.remove_ipv6(a.index, *address);
        return;
    }
    table.add_ipv6(a.index, {*address, a.prefix_length, (a.flags & IFA_F_TENTATIVE) != 0,
                             (a.flags & IFA_F_DADFAILED) != 0});
}

// --- Into the table

std::optional<InterfaceInfo> snapshot(const InterfaceTable& table, net::IfIndex index) {
    const InterfaceInfo* entry = table.find(index);
    return entry == nullptr ? std::nullopt : std::optional<InterfaceInfo>{*entry};
}

// Whether the entry for `index` differs from `before` (pending addresses do not count).
bool entry_changed(const InterfaceTable& table, net::IfIndex index,
                   const std::optional<InterfaceInfo>& before) {
    const InterfaceInfo* after = table.find(index);
    if (!before || after == nullptr) {
        return before.has_value() != (after != nullptr);
    }
    return *before != *after;
}

bool apply_link(const NetlinkMessage& m, InterfaceTable& table) {
    const auto link = parse_link(m.payload);
    if (!link) {
        return false;
    }
    const auto before = snapshot(table, link->index);
    if (m.header.nlmsg_type == RTM_DELLINK) {
        table.remove_link(link->index);
    } else {
        table.upsert_link(merge_link(*link, table.find(link->index)));
    }
    return entry_changed(table, link->index, before);
}

bool apply_address(const NetlinkMessage& m, InterfaceTable& table) {
    const auto a = parse_address(m.payload);
    if (!a || (a->family != AF_INET && a->family != AF_INET6)) {
        return false;
    }
    const auto before = snapshot(table, a->index);
    const bool add = m.header.nlmsg_type == RTM_NEWADDR;
    if (a->family == AF_INET) {
        apply_ipv4(*a, add, table);
    } else {
        apply_ipv6(*a, add, table);
    }
    return entry_changed(table, a->index, before);
}

} // namespace

template <>
std::optional<NetlinkMessage> NetlinkReader<NetlinkMessage>::next() {
    const auto record = take_record<nlmsghdr>(rest_);
    if (!record) {
        return std::nullopt;
    }
    return NetlinkMessage{record->header, record->value};
}

template <>
std::optional<NetlinkAttribute> NetlinkReader<NetlinkAttribute>::next() {
    const auto record = take_record<rtattr>(rest_);
    if (!record) {
        return std::nullopt;
    }
    return NetlinkAttribute{
        static_cast<std::uint16_t>(record->header.rta_type & kAttributeTypeMask), record->value};
}

bool ends_dump(const NetlinkMessage& message) {
    return message.header.nlmsg_type == NLMSG_DONE || message.header.nlmsg_type == NLMSG_ERROR;
}

bool dump_interrupted(const NetlinkMessage& message) {
    return (message.header.nlmsg_flags & NLM_F_DUMP_INTR) != 0;
}

bool apply_netlink_message(const NetlinkMessage& message, InterfaceTable& table) {
    switch (message.header.nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
        return apply_link(message, table);
    case RTM_NEWADDR:
    case RTM_DELADDR:
        return apply_address(message, table);
    default: // NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, anything newer
        return false;
    }
}

bool apply_netlink_messages(std::span<const std::uint8_t> buffer, InterfaceTable& table) {
    bool changed = false;
    NetlinkMessageReader messages{buffer};
    while (const auto message = messages.next()) {
        changed = apply_netlink_message(*message, table) || changed;
    }
    return changed;
}

} // namespace ecmh::io
