// SPDX-License-Identifier: BSD-3-Clause
// rtnetlink messages as bytes in, InterfaceTable updates out: the framing of messages
// and attributes (every length checked before anything is read), the link and address
// messages, and the end of a dump. No socket here: NetlinkMonitor (netlink_monitor.hpp)
// receives the datagrams and feeds them through this; unit tests feed bytes directly.
#pragma once

#include "ecmh/io/interface_table.hpp"

#include <cstddef>
#include <cstdint>
#include <linux/netlink.h>
#include <optional>
#include <span>

namespace ecmh::io {

// Netlink pads every message and attribute to 4 bytes (NLMSG_ALIGN, RTA_ALIGN).
constexpr std::size_t netlink_align(std::size_t n) {
    return (n + 3) & ~std::size_t{3};
}

struct NetlinkMessage {
    nlmsghdr header;
    std::span<const std::uint8_t> payload; // after the header, within nlmsg_len
};

struct NetlinkAttribute {
    std::uint16_t type; // without NLA_F_NESTED and NLA_F_NET_BYTEORDER
    std::span<const std::uint8_t> value;
};

// Reads length-prefixed items off a byte span, in order: NetlinkMessageReader the
// messages of one datagram, NetlinkAttributeReader the attributes of one block (those
// after a message's fixed header, or the value of a nested attribute: IFLA_LINKINFO
// holds IFLA_INFO_KIND and IFLA_INFO_DATA, which holds the kind's own attributes; each
// level is read with a reader of its own). An item whose length does not fit what
// remains (or is too short to move on) ends the walk, so a lying length can neither
// overrun the bytes nor loop forever; a lying attribute ends its block, not the message.
template <class Item>
class NetlinkReader {
public:
    explicit NetlinkReader(std::span<const std::uint8_t> bytes) : rest_(bytes) {}
    // The next item, or nullopt from the end or the first lying length on.
    [[nodiscard]] std::optional<Item> next();

private:
    std::span<const std::uint8_t> rest_;
};

template <>
std::optional<NetlinkMessage> NetlinkReader<NetlinkMessage>::next();
template <>
std::optional<NetlinkAttribute> NetlinkReader<NetlinkAttribute>::next();

using NetlinkMessageReader = NetlinkReader<NetlinkMessage>;
using NetlinkAttributeReader = NetlinkReader<NetlinkAttribute>;

// NLMSG_DONE ends a dump; so does NLMSG_ERROR, the kernel refusing it (say, no IPv6 in
// this kernel).
[[nodiscard]] bool ends_dump(const NetlinkMessage& message);
// NLM_F_DUMP_INTR: the kernel's lists changed while it dumped them.
[[nodiscard]] bool dump_interrupted(const NetlinkMessage& message);

// Applies one RTM_NEWLINK/DELLINK/NEWADDR/DELADDR to `table`; any other message changes
// nothing. Returns true when the table changed. Only AF_UNSPEC link messages count: the
// bridge's AF_BRIDGE RTM_NEWLINK/RTM_DELLINK describe a port's bridging state, and its
// RTM_DELLINK does not mean the device is gone. A sit device's IFLA_LINKINFO gives
// its tunnel's ends (InterfaceTunnel). A link message without IFLA_MTU is a partial one
// (wireless events carry only the header and the name): it keeps the entry's MTU, MAC,
// master and tunnel. Malformed messages are skipped.
bool apply_netlink_message(const NetlinkMessage& message, InterfaceTable& table);

// Applies every message in `buffer` (one recv()'s worth) to `table`, as above. Returns
// true when the table changed.
bool apply_netlink_messages(std::span<const std::uint8_t> buffer, InterfaceTable& table);

} // namespace ecmh::io
