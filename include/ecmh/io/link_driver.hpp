// SPDX-License-Identifier: BSD-3-Clause
// The driver behind a network interface, as `ethtool -i` names it ("veth", "ixgbe",
// "virtio_net"): the XDP fast path treats some drivers apart (app/xdp_forwarding.hpp).
#pragma once

#include "ecmh/io/sys_error.hpp"

#include <string>

namespace ecmh::io {

// ETHTOOL_GDRVINFO on the interface of this network namespace; needs no capability.
[[nodiscard]] SysResult<std::string> link_driver(const std::string& ifname);

} // namespace ecmh::io
