// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/table/tunnel_peer_table.hpp"

namespace ecmh::table {

bool TunnelPeerTable::add(const TunnelEndpoints& endpoints, LinkId peer) {
    return peers_.emplace(key(endpoints), peer).second;
}

void TunnelPeerTable::remove(const TunnelEndpoints& endpoints) {
    peers_.erase(key(endpoints));
}

std::optional<LinkId> TunnelPeerTable::find(const TunnelEndpoints& endpoints) const {
    const auto it = peers_.find(key(endpoints));
    return it == peers_.end() ? std::nullopt : std::optional<LinkId>{it->second};
}

std::optional<LinkId> TunnelPeerTable::match(net::Ipv4Address source, net::Ipv4Address destination,
                                             bool destination_is_ours) const {
    if (const auto exact = find({source, destination})) {
        return exact;
    }
    if (!destination_is_ours) {
        return std::nullopt;
    }
    return find({source, net::Ipv4Address{}});
}

} // namespace ecmh::table
