// SPDX-License-Identifier: BSD-3-Clause
// The one line the daemon shows the service manager (systemd's STATUS=, in
// `systemctl status ecmh`): how many links it serves and what became of the upstream.
//   "serving 2 links, upstream eth0"
//   "serving 1 link, waiting for upstream ppp0"
//   "serving 3 links, no upstream, 12 tunnel peers"
#pragma once

#include "ecmh/app/link_manager.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace ecmh::app {

// `upstreams`: the configured upstream interfaces (none: every link is downstream);
// `tunnel_peers`: the number of peers in tunnel mode, nullopt otherwise.
[[nodiscard]] std::string service_status(const std::vector<ActiveLink>& links,
                                         const std::vector<std::string>& upstreams,
                                         std::optional<std::size_t> tunnel_peers);

} // namespace ecmh::app
