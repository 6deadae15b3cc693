// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/netlink_receive.hpp"

#include <cerrno>
#include <linux/netlink.h>
#include <sys/socket.h>

namespace ecmh::io {

NetlinkDatagram receive_netlink_datagram(int fd, std::span<std::uint8_t> buffer) {
    sockaddr_nl source{};
    iovec io{buffer.data(), buffer.size()};
    msghdr header{};
    header.msg_name = &source;
    header.msg_namelen = sizeof source;
    header.msg_iov = &io;
    header.msg_iovlen = 1;
    ssize_t n = -1;
    do {
        n = ::recvmsg(fd, &header, MSG_TRUNC | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        using Status = NetlinkDatagram::Status;
        const Status status = errno == EAGAIN || errno == EWOULDBLOCK ? Status::Drained
                              : errno == ENOBUFS                      ? Status::Overflow
                                                                      : Status::Failed;
        return {status, 0, false};
    }
    return {NetlinkDatagram::Status::Datagram, static_cast<std::size_t>(n),
            header.msg_namelen >= sizeof source && source.nl_pid == 0};
}

} // namespace ecmh::io
