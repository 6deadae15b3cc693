// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/netlink_receive.hpp"

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
    const ssize_t n = ::recvmsg(fd, &header, MSG_TRUNC | MSG_DONTWAIT);
    return {n, header.msg_namelen >= sizeof source && source.nl_pid == 0};
}

} // namespace ecmh::io
