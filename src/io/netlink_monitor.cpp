// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/netlink_monitor.hpp"

#include "ecmh/io/netlink_messages.hpp"
#include "ecmh/io/netlink_receive.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string>
#include <sys/socket.h>
#include <utility>

namespace ecmh::io {
namespace {

constexpr int kReceiveBufferBytes = 1 << 20;
// recv() buffer: the kernel fills dump datagrams up to about 32 KiB; a bigger notification grows
// it (and costs a resync, as that one was cut).
constexpr std::size_t kInitialBufferBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxBufferBytes = std::size_t{4} * 1024 * 1024;
// Datagrams per receive(): the poll loop keeps forwarding under an event storm; poll
// reports the rest.
constexpr int kMaxDatagramsPerReceive = 256;
// A dump the kernel marks inconsistent is restarted at most this often in a row;
// after that the events that follow it keep the table right.
constexpr int kMaxInterruptedRestarts = 3;

// The host's multicast memberships (include/uapi/linux/rtnetlink.h since Linux 6.13;
// older headers, Debian 12's among them, name neither the groups nor the messages).
constexpr std::uint32_t kGroupIpv4Memberships = 37; // RTNLGRP_IPV4_MCADDR
constexpr std::uint32_t kGroupIpv6Memberships = 38; // RTNLGRP_IPV6_MCADDR
constexpr std::uint16_t kNewMembership = 56;        // RTM_NEWMULTICAST
constexpr std::uint16_t kDelMembership = 57;        // RTM_DELMULTICAST

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

// A dump request: nlmsghdr, then the body its type takes (ifinfomsg for links, ifaddrmsg
// for addresses). `length` is what is sent of `bytes`.
struct DumpRequest {
    std::array<std::uint8_t, sizeof(nlmsghdr) + sizeof(ifinfomsg)> bytes{};
    std::size_t length = 0;
};

template <class Body>
DumpRequest dump_request(std::uint16_t type, const Body& body, std::uint32_t sequence) {
    static_assert(sizeof(nlmsghdr) + sizeof(Body) <= sizeof(DumpRequest::bytes));
    nlmsghdr header{};
    header.nlmsg_len = sizeof header + sizeof body;
    header.nlmsg_type = type;
    header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    header.nlmsg_seq = sequence;
    DumpRequest request;
    std::memcpy(request.bytes.data(), &header, sizeof header);
    std::memcpy(request.bytes.data() + sizeof header, &body, sizeof body);
    request.length = header.nlmsg_len;
    return request;
}

// Sends `request` to the kernel (port 0). False with errno set when it cannot be sent.
bool send_to_kernel(int fd, const DumpRequest& request) {
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    while (::sendto(fd, request.bytes.data(), request.length, 0,
                    reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0) {
        if (errno != EINTR) {
            return false;
        }
    }
    return true;
}

} // namespace

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

// Not const, though no member changes: the socket hears more from here on.
// NOLINTNEXTLINE(readability-make-member-function-const)
SysResult<Done> NetlinkMonitor::follow_host_groups() {
    // Past the 32 groups bind()'s nl_groups can name: joined one by one.
    for (const std::uint32_t group : {kGroupIpv4Memberships, kGroupIpv6Memberships}) {
        if (::setsockopt(fd(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0) {
            return net::unexpected(
                last_error("join rtnetlink's multicast-membership group " + std::to_string(group)));
        }
    }
    return Done{};
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
    ++sequence_;
    ifaddrmsg addresses{};
    addresses.ifa_family = stage == DumpStage::Ipv4 ? AF_INET : AF_INET6;
    const DumpRequest message = stage == DumpStage::Links
                                    ? dump_request(RTM_GETLINK, ifinfomsg{}, sequence_)
                                    : dump_request(RTM_GETADDR, addresses, sequence_);
    if (!send_to_kernel(fd(), message)) {
        // No dump runs now: a later resync() may try again.
        auto error = last_error("sendto(AF_NETLINK) dump request");
        dump_stage_ = DumpStage::Idle;
        return net::unexpected(std::move(error));
    }
    dump_stage_ = stage;
    stage_interrupted_ = false;
    replies_started_ = replies_started_ && stage != DumpStage::Links;
    return Done{};
}

SysResult<bool> NetlinkMonitor::on_lost_events() {
    host_groups_changed_ = true; // what was lost may have been membership notices
    if (auto started = resync(); !started) {
        return net::unexpected(started.error());
    }
    return true;
}

SysResult<bool> NetlinkMonitor::receive(InterfaceTable& table) {
    bool changed = false;
    for (int i = 0; i < kMaxDatagramsPerReceive; ++i) {
        const NetlinkDatagram received = receive_netlink_datagram(fd(), buffer_);
        switch (received.status) {
        case NetlinkDatagram::Status::Drained:
            return changed;
        case NetlinkDatagram::Status::Failed:
            return net::unexpected(last_error("recvmsg(AF_NETLINK)"));
        case NetlinkDatagram::Status::Overflow:
            // The kernel dropped events for us: only a new dump can tell what changed.
            if (auto r = on_lost_events(); !r) {
                return r;
            }
            changed = true;
            continue;
        case NetlinkDatagram::Status::Datagram:
            break;
        }
        const std::size_t length = received.length;
        if (length > buffer_.size()) {
            buffer_.resize(std::min(netlink_align(length), kMaxBufferBytes));
            if (auto r = on_lost_events(); !r) {
                return r;
            }
            changed = true;
            continue;
        }
        // Only the kernel speaks for the kernel: a unicast from another process is noise.
        if (!received.from_kernel) {
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
    NetlinkMessageReader messages{datagram};
    while (const auto m = messages.next()) {
        const bool reply =
            dumping() && m->header.nlmsg_seq == sequence_ && m->header.nlmsg_pid == port_id_;
        replies_started_ = replies_started_ || reply;
        if (reply && dump_interrupted(*m)) {
            stage_interrupted_ = true;
        }
        // A membership notice says only that the host's memberships moved: the daemon
        // reads them again (they are not part of the interface table).
        if (m->header.nlmsg_type == kNewMembership || m->header.nlmsg_type == kDelMembership) {
            host_groups_changed_ = true;
            continue;
        }
        // An NLMSG_ERROR reply is the kernel refusing the dump: the stage ends with what it
        // has, as asking again would fail the same way.
        if (reply && ends_dump(*m)) {
            auto ended = end_stage(table);
            if (!ended) {
                return ended;
            }
            changed = *ended || changed;
            continue;
        }
        // Events queued before the dump's first reply predate it: the dump shows their
        // outcome, and after an overrun they are stale (an address they add may have
        // been removed by an event that was dropped).
        if (dumping() && replies_started_) {
            (void)apply_netlink_message(*m, staging_);
        }
        if (!dumping() || have_table_) {
            changed = apply_netlink_message(*m, table) || changed;
        }
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
