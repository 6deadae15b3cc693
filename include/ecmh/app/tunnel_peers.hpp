// SPDX-License-Identifier: BSD-3-Clause
// Tunnel peers named by the operator (tunnel mode, -t): --tunnel-peer REMOTE[,LOCAL]
// and the peers file (--tunnel-peers FILE), one peer per line:
//
//   # comment (also after a peer)
//   203.0.113.7                    any of our addresses
//   203.0.113.8  198.51.100.1      our end fixed
//   203.0.113.9  local 198.51.100.1
//
// Parsing only: the daemon reads the file and hands the peers to TunnelPeerManager.
// Each address must be a unicast IPv4 address a tunnel can have (not 0.0.0.0,
// multicast, broadcast, loopback or a 6to4 relay's 192.88.99.0/24); a peer given twice
// is an error, so a typo never silently shadows a line.
#pragma once

#include "ecmh/net/expected.hpp"
#include "ecmh/net/ipv4_address.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecmh::app {

struct TunnelPeerSpec {
    net::Ipv4Address remote;
    net::Ipv4Address local; // 0.0.0.0: any of ours
    friend bool operator==(const TunnelPeerSpec&, const TunnelPeerSpec&) = default;
};

// "203.0.113.7" or "203.0.113.7,198.51.100.1"; nullopt with `why` set when invalid.
[[nodiscard]] std::optional<TunnelPeerSpec> parse_tunnel_peer(std::string_view text,
                                                              std::string& why);

struct PeersFileError {
    std::size_t line = 0; // 1-based
    std::string what;
};

[[nodiscard]] net::Expected<std::vector<TunnelPeerSpec>, PeersFileError>
parse_tunnel_peers(std::string_view text);

} // namespace ecmh::app
