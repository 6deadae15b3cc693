// SPDX-License-Identifier: BSD-3-Clause
// XdpFeatureWatch: the netdev family's mgmt group over a NETLINK_GENERIC socket of its own.
#include "ecmh/io/netlink_receive.hpp"
#include "ecmh/io/xdp_features.hpp"

#include <cerrno>
#include <cstddef>
#include <linux/netlink.h>
#include <span>
#include <string>
#include <sys/socket.h>
#include <utility>
#include <vector>

namespace ecmh::io {
namespace {

// One notification is a few dozen bytes; the kernel sends one per datagram.
constexpr std::size_t kDatagramBytes = 4096;
// Datagrams per receive(): a storm of notices (a thousand veths created) cannot hold the
// poll loop; poll reports the rest, and the refresh after them reads every link anyway.
constexpr int kMaxDatagramsPerReceive = 256;

} // namespace

SysResult<XdpFeatureWatch> XdpFeatureWatch::open(std::uint16_t family, std::uint32_t group) {
    UniqueFd socket{::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_GENERIC)};
    if (!socket) {
        return net::unexpected(last_error("socket(NETLINK_GENERIC)"));
    }
    // A port of our own first: the kernel's multicasts skip a socket without one (its port
    // would be 0, the sender's).
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
        return net::unexpected(last_error("bind(NETLINK_GENERIC)"));
    }
    // Generic netlink's group ids go past the 32 bits of bind()'s nl_groups: joined one by
    // one.
    if (::setsockopt(socket.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) !=
        0) {
        return net::unexpected(
            last_error("join the netdev family's mgmt group " + std::to_string(group)));
    }
    XdpFeatureWatch watch{std::move(socket), family};
    watch.buffer_.resize(kDatagramBytes);
    return SysResult<XdpFeatureWatch>{std::move(watch)};
}

SysResult<XdpFeatureWatch::News> XdpFeatureWatch::receive() {
    News news;
    for (int i = 0; i < kMaxDatagramsPerReceive; ++i) {
        const NetlinkDatagram received = receive_netlink_datagram(fd(), buffer_);
        if (received.status == NetlinkDatagram::Status::Drained) {
            break; // all read
        }
        if (received.status == NetlinkDatagram::Status::Failed) {
            return net::unexpected(last_error("receive netdev notifications"));
        }
        if (received.status == NetlinkDatagram::Status::Overflow) {
            news.lost = true; // the queue overflowed: the kernel dropped some for us
            continue;
        }
        const std::size_t length = received.length;
        if (length > buffer_.size()) {
            news.lost = true; // cut: what it said is unknown
            continue;
        }
        // Only the kernel speaks for the kernel: a unicast from another process is noise.
        if (!received.from_kernel) {
            continue;
        }
        auto notices = parse_netdev_notices(std::span{buffer_}.first(length), family_);
        news.notices.insert(news.notices.end(), notices.begin(), notices.end());
    }
    return news;
}

} // namespace ecmh::io
