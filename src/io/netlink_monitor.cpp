// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/netlink_monitor.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <utility>

namespace ecmh::io {
namespace {

// Netlink pads every message and attribute to 4 bytes (NLMSG_ALIGN, RTA_ALIGN).
constexpr std::size_t align4(std::size_t n) {
    return (n + 3) & ~std::size_t{3};
}

// The attribute type without NLA_F_NESTED and NLA_F_NET_BYTEORDER.
constexpr std::uint16_t kAttributeTypeMask = 0x3fff;

constexpr int kReceiveBufferBytes = 1 << 20;
// recv() buffer: the kernel fills dump datagrams up to about 32 KiB; a bigger notification grows
// it (and costs a resync, as that one was cut).
constexpr std::size_t kInitialBufferBytes = 64 * 1024;
constexpr std::size_t kMaxBufferBytes = 4 * 1024 * 1024;
// Datagrams per receive(): the poll loop keeps forwarding under an event storm; poll
// reports the rest.
constexpr int kMaxDatagramsPerReceive = 256;
// A dump the kernel marks inconsistent is restarted at most this often in a row;
// after that the events that follow it keep the table right.
constexpr int kMaxInterruptedRestarts = 3;

struct Message {
    nlmsghdr header;
    std::span<const std::uint8_t> payload; // after the header, within nlmsg_len
};

// Calls f(message) for each message whose nlmsg_len fits what remains; a length that
// does not fit (or is too short to move on) ends the walk, so a lying length can
// neither overrun the buffer nor loop forever. f returns false to stop.
template <class F>
void for_each_message(std::span<const std::uint8_t> buffer, F&& f) {
    while (buffer.size() >= sizeof(nlmsghdr)) {
        nlmsghdr header{};
        std::memcpy(&header, buffer.data(), sizeof header);
        const std::size_t length = header.nlmsg_len;
        if (length < sizeof header || length > buffer.size()) {
            return;
        }
        if (!f(Message{header, buffer.subspan(sizeof header, length - sizeof header)})) {
            return;
        }
        buffer = buffer.subspan(std::min(align4(length), buffer.size()));
    }
}

// Calls f(type, value) for each attribute whose rta_len fits what remains.
template <class F>
void for_each_attribute(std::span<const std::uint8_t> attributes, F&& f) {
    while (attributes.size() >= sizeof(rtattr)) {
        rtattr attribute{};
        std::memcpy(&attribute, attributes.data(), sizeof attribute);
        const std::size_t length = attribute.rta_len;
        if (length < sizeof attribute || length > attributes.size()) {
            return;
        }
        f(static_cast<std::uint16_t>(attribute.rta_type & kAttributeTypeMask),
          attributes.subspan(sizeof attribute, length - sizeof attribute));
        attributes = attributes.subspan(std::min(align4(length), attributes.size()));
    }
}

// The fixed header of a message (ifinfomsg, ifaddrmsg), or nullopt when it is short;
// `attributes` receives what follows it.
template <class Header>
std::optional<Header> fixed_header(std::span<const std::uint8_t> payload,
                                   std::span<const std::uint8_t>& attributes) {
    if (payload.size() < sizeof(Header)) {
        return std::nullopt;
    }
    Header header{};
    std::memcpy(&header, payload.data(), sizeof header);
    attributes = payload.subspan(std::min(align4(sizeof header), payload.size()));
    return header;
}

std::optional<std::uint32_t> u32_value(std::span<const std::uint8_t> value) {
    if (value.size() != sizeof(std::uint32_t)) {
        return std::nullopt;
    }
    std::uint32_t v = 0;
    std::memcpy(&v, value.data(), sizeof v); // host order, as all of rtnetlink's integers
    return v;
}

// IFLA_IFNAME is NUL-terminated; a missing NUL still ends at the attribute.
std::string string_value(std::span<const std::uint8_t> value) {
    const auto end = std::find(value.begin(), value.end(), std::uint8_t{0});
    return {value.begin(), end};
}

// What an RTM_NEWLINK/RTM_DELLINK says, before it is merged into the table.
struct LinkMessage {
    net::IfIndex index;
    std::uint16_t hardware_type = 0;
    std::uint32_t flags = 0;
    std::optional<std::string> name;
    std::optional<std::uint32_t> mtu;
    std::optional<net::MacAddress> mac;
    net::IfIndex master;
};

std::optional<LinkMessage> parse_link(std::span<const std::uint8_t> payload) {
    std::span<const std::uint8_t> attributes;
    const auto ifi = fixed_header<ifinfomsg>(payload, attributes);
    if (!ifi || ifi->ifi_family != AF_UNSPEC || ifi->ifi_index <= 0) {
        return std::nullopt;
    }
    LinkMessage link;
    link.index = net::IfIndex{static_cast<std::uint32_t>(ifi->ifi_index)};
    link.hardware_type = ifi->ifi_type;
    link.flags = ifi->ifi_flags;
    for_each_attribute(attributes, [&](std::uint16_t type, std::span<const std::uint8_t> value) {
        switch (type) {
        case IFLA_IFNAME:
            link.name = string_value(value);
            break;
        case IFLA_MTU:
            link.mtu = u32_value(value);
            break;
        case IFLA_ADDRESS:
            link.mac = net::MacAddress::from_span(value);
            break;
        case IFLA_MASTER:
            link.master = net::IfIndex{u32_value(value).value_or(0)};
            break;
        default:
            break;
        }
    });
    return link;
}

// A full link message (rtnl_fill_ifinfo always sends IFLA_MTU) replaces the entry's
// MTU, MAC and master: a missing IFLA_MASTER means the port was released. A partial
// one (wireless events: header and name only) leaves them as they were.
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
    }
    return info;
}

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

std::optional<AddressMessage> parse_address(std::span<const std::uint8_t> payload) {
    std::span<const std::uint8_t> attributes;
    const auto ifa = fixed_header<ifaddrmsg>(payload, attributes);
    if (!ifa || ifa->ifa_index == 0) {
        return std::nullopt;
    }
    AddressMessage a;
    a.family = ifa->ifa_family;
    a.prefix_length = ifa->ifa_prefixlen;
    a.flags = ifa->ifa_flags;
    a.index = net::IfIndex{ifa->ifa_index};
    for_each_attribute(attributes, [&](std::uint16_t type, std::span<const std::uint8_t> value) {
        if (type == IFA_LOCAL) {
            a.local = value;
        } else if (type == IFA_ADDRESS) {
            a.address = value;
        } else if (type == IFA_FLAGS) {
            // The u32 extension of ifa_flags, for flags above 0x80.
            a.flags = u32_value(value).value_or(a.flags);
        }
    });
    return a;
}

void apply_ipv4(const AddressMessage& a, bool add, InterfaceTable& table) {
    const auto bytes = a.own();
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
    const auto address = net::Ipv6Address::from_span(a.own());
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

bool apply_link(const Message& m, InterfaceTable& table) {
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

bool apply_address(const Message& m, InterfaceTable& table) {
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

bool apply_message(const Message& m, InterfaceTable& table) {
    switch (m.header.nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
        return apply_link(m, table);
    case RTM_NEWADDR:
    case RTM_DELADDR:
        return apply_address(m, table);
    default: // NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, anything newer
        return false;
    }
}

void set_receive_buffer(int fd) {
    // Big enough for a dump and an event burst. SO_RCVBUFFORCE passes
    // net.core.rmem_max but needs CAP_NET_ADMIN; SO_RCVBUF is capped. Best effort:
    // lost events only cost a resync.
    const int bytes = kReceiveBufferBytes;
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0) {
        (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
    }
}

SysResult<std::uint32_t> bind_to_groups(int fd) {
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    local.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
        return net::unexpected(last_error("bind(AF_NETLINK)"));
    }
    socklen_t length = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
        return net::unexpected(last_error("getsockname(AF_NETLINK)"));
    }
    return local.nl_pid;
}

} // namespace

bool apply_netlink_messages(std::span<const std::uint8_t> buffer, InterfaceTable& table) {
    bool changed = false;
    for_each_message(buffer, [&](const Message& m) {
        changed = apply_message(m, table) || changed;
        return true;
    });
    return changed;
}

SysResult<NetlinkMonitor> NetlinkMonitor::open() {
    UniqueFd socket{::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE)};
    if (!socket) {
        return net::unexpected(last_error("socket(AF_NETLINK)"));
    }
    set_receive_buffer(socket.get());
    const auto port_id = bind_to_groups(socket.get());
    if (!port_id) {
        return net::unexpected(port_id.error());
    }
    NetlinkMonitor monitor{std::move(socket), *port_id};
    monitor.buffer_.resize(kInitialBufferBytes);
    if (auto sent = monitor.request(DumpStage::Links); !sent) {
        return net::unexpected(sent.error());
    }
    return SysResult<NetlinkMonitor>{std::move(monitor)};
}

SysResult<Done> NetlinkMonitor::resync() {
    if (dumping()) {
        // The kernel runs one dump per socket at a time.
        restart_after_stage_ = true;
        return Done{};
    }
    staging_.clear();
    return request(DumpStage::Links);
}

SysResult<Done> NetlinkMonitor::request(DumpStage stage) {
    // nlmsghdr, then an all-zero ifinfomsg (links) or an ifaddrmsg with only the family.
    const bool links = stage == DumpStage::Links;
    std::array<std::uint8_t, sizeof(nlmsghdr) + sizeof(ifinfomsg)> message{};
    nlmsghdr header{};
    header.nlmsg_len =
        static_cast<std::uint32_t>(sizeof header + (links ? sizeof(ifinfomsg) : sizeof(ifaddrmsg)));
    header.nlmsg_type = links ? RTM_GETLINK : RTM_GETADDR;
    header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    header.nlmsg_seq = ++sequence_;
    std::memcpy(message.data(), &header, sizeof header);
    if (!links) {
        ifaddrmsg body{};
        body.ifa_family = stage == DumpStage::Ipv4 ? AF_INET : AF_INET6;
        std::memcpy(message.data() + sizeof header, &body, sizeof body);
    }
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    while (::sendto(fd(), message.data(), header.nlmsg_len, 0,
                    reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0) {
        if (errno != EINTR) {
            // No dump runs now: a later resync() may try again.
            auto error = last_error("sendto(AF_NETLINK) dump request");
            dump_stage_ = DumpStage::Idle;
            return net::unexpected(std::move(error));
        }
    }
    dump_stage_ = stage;
    stage_interrupted_ = false;
    replies_started_ = replies_started_ && stage != DumpStage::Links;
    return Done{};
}

SysResult<bool> NetlinkMonitor::on_lost_events() {
    if (auto started = resync(); !started) {
        return net::unexpected(started.error());
    }
    return true;
}

SysResult<bool> NetlinkMonitor::receive(InterfaceTable& table) {
    bool changed = false;
    for (int i = 0; i < kMaxDatagramsPerReceive; ++i) {
        sockaddr_nl source{};
        iovec io{buffer_.data(), buffer_.size()};
        msghdr header{};
        header.msg_name = &source;
        header.msg_namelen = sizeof source;
        header.msg_iov = &io;
        header.msg_iovlen = 1;
        // MSG_TRUNC: the result is the datagram's real length even when cut.
        const ssize_t n = ::recvmsg(fd(), &header, MSG_TRUNC | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return changed;
            }
            if (errno != ENOBUFS) {
                return net::unexpected(last_error("recvmsg(AF_NETLINK)"));
            }
            // The kernel dropped events for us: only a new dump can tell what changed.
            if (auto r = on_lost_events(); !r) {
                return r;
            }
            changed = true;
            continue;
        }
        const auto length = static_cast<std::size_t>(n);
        if (length > buffer_.size()) {
            buffer_.resize(std::min(align4(length), kMaxBufferBytes));
            if (auto r = on_lost_events(); !r) {
                return r;
            }
            changed = true;
            continue;
        }
        // Only the kernel speaks for the kernel: a unicast from another process is noise.
        if (header.msg_namelen < sizeof source || source.nl_pid != 0) {
            continue;
        }
        auto applied = apply_datagram({buffer_.data(), length}, table);
        if (!applied) {
            return applied;
        }
        changed = *applied || changed;
    }
    return changed;
}

SysResult<bool> NetlinkMonitor::apply_datagram(std::span<const std::uint8_t> datagram,
                                               InterfaceTable& table) {
    bool changed = false;
    std::optional<SysError> failure;
    for_each_message(datagram, [&](const Message& m) {
        const bool reply =
            dumping() && m.header.nlmsg_seq == sequence_ && m.header.nlmsg_pid == port_id_;
        replies_started_ = replies_started_ || reply;
        if (reply && (m.header.nlmsg_flags & NLM_F_DUMP_INTR) != 0) {
            stage_interrupted_ = true;
        }
        // NLMSG_ERROR: the kernel refused the dump (say, no IPv6 in this kernel). The
        // stage ends with what it has; asking again would fail the same way.
        if (reply && (m.header.nlmsg_type == NLMSG_DONE || m.header.nlmsg_type == NLMSG_ERROR)) {
            auto ended = end_stage(table);
            if (!ended) {
                failure = ended.error();
                return false;
            }
            changed = *ended || changed;
            return true;
        }
        // Events queued before the dump's first reply predate it: the dump shows their
        // outcome, and after an overrun they are stale (an address they add may have
        // been removed by an event that was dropped).
        if (dumping() && replies_started_) {
            (void)apply_message(m, staging_);
        }
        if (!dumping() || have_table_) {
            changed = apply_message(m, table) || changed;
        }
        return true;
    });
    if (failure) {
        return net::unexpected(std::move(*failure));
    }
    return changed;
}

SysResult<bool> NetlinkMonitor::end_stage(InterfaceTable& table) {
    if (stage_interrupted_ && interrupted_restarts_ < kMaxInterruptedRestarts) {
        ++interrupted_restarts_;
        restart_after_stage_ = true;
    }
    if (restart_after_stage_) {
        restart_after_stage_ = false;
        staging_.clear();
        if (auto sent = request(DumpStage::Links); !sent) {
            return net::unexpected(sent.error());
        }
        return false;
    }
    if (dump_stage_ != DumpStage::Ipv6) {
        const auto next = dump_stage_ == DumpStage::Links ? DumpStage::Ipv4 : DumpStage::Ipv6;
        if (auto sent = request(next); !sent) {
            return net::unexpected(sent.error());
        }
        return false;
    }
    dump_stage_ = DumpStage::Idle;
    interrupted_restarts_ = 0;
    have_table_ = true;
    const bool changed = staging_.all() != table.all();
    table = std::move(staging_);
    staging_.clear();
    return changed;
}

} // namespace ecmh::io
