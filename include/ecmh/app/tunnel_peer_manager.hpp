// SPDX-License-Identifier: BSD-3-Clause
// Keeps the engine's tunnel peers in step with where peers come from (tunnel mode):
// --tunnel-peer, the peers file (re-read on SIGHUP) and the kernel's 6in4 tunnels with
// a fixed remote (netlink). reconcile() gets the whole desired list each time and
// applies only the difference: a new peer is added, a gone one removed, one whose
// settings changed (MTU, TTL, name) re-added, and an unchanged one left alone, with its
// listeners, querier state and timers. Every change is logged once.
#pragma once

#include "ecmh/engine/proxy.hpp"
#include "ecmh/io/interface_table.hpp"
#include "ecmh/proto/time.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ecmh::app {

class TunnelPeerManager {
public:
    TunnelPeerManager(engine::Proxy& proxy, engine::EventLog& log);

    void reconcile(const std::vector<engine::TunnelPeerConfig>& desired, proto::TimePoint now);
    // Removes every peer (at exit).
    void close_all(proto::TimePoint now);
    [[nodiscard]] std::size_t size() const { return active_.size(); }

private:
    using Key = std::pair<std::uint32_t, std::uint32_t>; // (remote, local)
    struct Active {
        engine::LinkId id;
        engine::TunnelPeerConfig config;
    };
    static Key key_of(const engine::TunnelPeerConfig& c) {
        return {c.remote.value(), c.local.value()};
    }
    void add(const engine::TunnelPeerConfig& config, proto::TimePoint now);

    engine::Proxy& proxy_;
    engine::EventLog& log_;
    std::map<Key, Active> active_;
};

// The peers of --tunnel-peer and the peers file as the engine takes them: named
// "tunnel-REMOTE" ("tunnel-REMOTE-LOCAL" with a local address), with the default outer TTL (64) and
// inner MTU (1480: 1500 − 20).
[[nodiscard]] engine::TunnelPeerConfig configured_peer(net::Ipv4Address remote,
                                                       net::Ipv4Address local);

// The kernel's 6in4 tunnels that are peers in tunnel mode: every sit interface that is
// up and has a fixed remote, but the upstreams (which stay links). Named after the
// interface, with its MTU, its TTL (64 where it inherits: a hop limit is no TTL), its
// local address (0.0.0.0, any, where it has none) and its underlying link as master.
[[nodiscard]] std::vector<engine::TunnelPeerConfig>
kernel_tunnel_peers(const io::InterfaceTable& table, const std::vector<std::string>& upstreams);

// The ends of the 6in4 tunnel of each upstream that is a sit interface with a fixed remote
// (it stays a link in tunnel mode): for Proxy::set_kernel_tunnels.
[[nodiscard]] std::vector<table::TunnelEndpoints>
upstream_tunnels(const io::InterfaceTable& table, const std::vector<std::string>& upstreams);

} // namespace ecmh::app
