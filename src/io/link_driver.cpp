// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/link_driver.hpp"

#include "ecmh/io/unique_fd.hpp"

#include <cstring>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

namespace ecmh::io {

SysResult<std::string> link_driver(const std::string& ifname) {
    if (ifname.empty() || ifname.size() >= IFNAMSIZ) {
        return net::unexpected(SysError{"ETHTOOL_GDRVINFO " + ifname, EINVAL, {}});
    }
    // Any socket of the namespace carries the request; a datagram one needs no privilege.
    UniqueFd socket{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    if (!socket) {
        return net::unexpected(last_error("socket(AF_UNIX)"));
    }
    ethtool_drvinfo info{};
    info.cmd = ETHTOOL_GDRVINFO;
    ifreq request{};
    std::memcpy(request.ifr_name, ifname.data(), ifname.size());
    request.ifr_data = reinterpret_cast<char*>(&info);
    if (::ioctl(socket.get(), SIOCETHTOOL, &request) != 0) {
        return net::unexpected(last_error("ETHTOOL_GDRVINFO " + ifname));
    }
    return std::string(info.driver, strnlen(info.driver, sizeof info.driver));
}

} // namespace ecmh::io
