// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/tunnel_peer_manager.hpp"

#include <algorithm>
#include <utility>

namespace ecmh::app {
namespace {

bool same_settings(const engine::TunnelPeerConfig& a, const engine::TunnelPeerConfig& b) {
    return a.name == b.name && a.ttl == b.ttl && a.mtu == b.mtu && a.master == b.master;
}

std::string describe(const engine::TunnelPeerConfig& c) {
    return c.name + " (remote " + c.remote.to_string() + ", local " +
           (c.local.is_unspecified() ? std::string("any") : c.local.to_string()) + ", MTU " +
           std::to_string(c.mtu) + ")";
}

} // namespace

TunnelPeerManager::TunnelPeerManager(engine::Proxy& proxy, engine::EventLog& log)
    : proxy_(proxy), log_(log) {}

void TunnelPeerManager::reconcile(const std::vector<engine::TunnelPeerConfig>& desired,
                                  proto::TimePoint now) {
    std::map<Key, const engine::TunnelPeerConfig*> wanted;
    for (const auto& c : desired) {
        wanted.emplace(key_of(c), &c); // the first source of a peer wins
    }
    std::size_t removed = 0;
    for (auto it = active_.begin(); it != active_.end();) {
        const auto w = wanted.find(it->first);
        if (w != wanted.end() && same_settings(*w->second, it->second.config)) {
            ++it;
            continue;
        }
        if (w == wanted.end()) {
            log_.log(engine::LogLevel::Info,
                     "tunnel peer " + describe(it->second.config) + " removed");
            ++removed;
        }
        proxy_.remove_link(it->second.id, now);
        it = active_.erase(it);
    }
    std::size_t added = 0;
    for (const auto& [key, config] : wanted) {
        if (!active_.contains(key)) {
            add(*config, now);
            ++added;
        }
    }
    if (added + removed > 0) {
        log_.log(engine::LogLevel::Info, "tunnel peers: " + std::to_string(active_.size()) +
                                             " served (" + std::to_string(added) + " added, " +
                                             std::to_string(removed) + " removed)");
    }
}

void TunnelPeerManager::add(const engine::TunnelPeerConfig& config, proto::TimePoint now) {
    const auto id = proxy_.add_tunnel_peer(config, now);
    if (!id) {
        return; // the engine said why
    }
    active_.emplace(key_of(config), Active{*id, config});
    if (log_.enabled(engine::LogLevel::Debug)) {
        log_.log(engine::LogLevel::Debug, "tunnel peer " + describe(config) + " served");
    }
}

void TunnelPeerManager::close_all(proto::TimePoint now) {
    for (const auto& [key, active] : active_) {
        proxy_.remove_link(active.id, now);
    }
    active_.clear();
}

engine::TunnelPeerConfig configured_peer(net::Ipv4Address remote, net::Ipv4Address local) {
    engine::TunnelPeerConfig c;
    // Peers behind one remote (several of our addresses) need names of their own.
    c.name = "tunnel-" + remote.to_string() +
             (local.is_unspecified() ? std::string{} : "-" + local.to_string());
    c.remote = remote;
    c.local = local;
    return c;
}

std::vector<engine::TunnelPeerConfig>
kernel_tunnel_peers(const io::InterfaceTable& table, const std::vector<std::string>& upstreams) {
    std::vector<engine::TunnelPeerConfig> out;
    for (const auto& [index, info] : table.all()) {
        if (!info.is_6in4_with_fixed_remote() || !info.is_up() ||
            std::find(upstreams.begin(), upstreams.end(), info.name) != upstreams.end()) {
            continue;
        }
        const auto& t = *info.tunnel;
        engine::TunnelPeerConfig c;
        c.name = info.name;
        c.remote = t.remote;
        c.local = t.local;
        c.ttl = t.ttl != 0 ? t.ttl : 64;
        if (info.mtu >= 1280) { // IPv6's minimum link MTU (RFC 8200 §5)
            c.mtu = info.mtu;
        }
        if (const auto* master = t.link.valid() ? table.find(t.link) : nullptr) {
            c.master = master->name;
            c.master_index = master->index;
        }
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<table::TunnelEndpoints> upstream_tunnels(const io::InterfaceTable& table,
                                                     const std::vector<std::string>& upstreams) {
    std::vector<table::TunnelEndpoints> out;
    for (const auto& name : upstreams) {
        const auto* info = table.find(name);
        if (info != nullptr && info->is_6in4_with_fixed_remote()) {
            out.push_back(table::TunnelEndpoints{info->tunnel->remote, info->tunnel->local});
        }
    }
    return out;
}

} // namespace ecmh::app
