// SPDX-License-Identifier: BSD-3-Clause
// One datagram off a netlink socket, without blocking: what NetlinkMonitor (rtnetlink) and
// XdpFeatureWatch (the netdev family's notices) both read their sockets with.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <sys/types.h>

namespace ecmh::io {

struct NetlinkDatagram {
    enum class Status : std::uint8_t {
        Datagram, // one was read: length and from_kernel say what
        Drained,  // nothing queued (EAGAIN)
        Overflow, // the socket's queue overflowed: the kernel dropped messages (ENOBUFS)
        Failed,   // any other error, errno set
    };
    Status status;
    // The datagram's real length, even when it was cut to fit the buffer (MSG_TRUNC: a
    // length past the buffer's says so).
    std::size_t length;
    bool from_kernel; // sent by port 0; anything else is another process's unicast
};

[[nodiscard]] NetlinkDatagram receive_netlink_datagram(int fd, std::span<std::uint8_t> buffer);

} // namespace ecmh::io
