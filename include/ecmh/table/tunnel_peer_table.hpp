// SPDX-License-Identifier: BSD-3-Clause
// Tunnel mode's one lookup per protocol-41 packet: (outer source, outer destination) →
// the tunnel peer's link, a single hash probe (two when the peer accepts any of our
// addresses). RFC 4213 §3.6: a packet whose outer source is not a configured tunnel
// endpoint "MUST be discarded" — the caller drops what this table does not know.
//
// A peer is registered under its remote address and our local address; a local of
// 0.0.0.0 means "any address of ours", for peers configured by their remote alone. An
// exact (remote, local) entry wins over the remote's wildcard.
#pragma once

#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/table/link_set.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>

namespace ecmh::table {

struct TunnelEndpoints {
    net::Ipv4Address remote;
    net::Ipv4Address local; // 0.0.0.0: any of ours
    friend bool operator==(const TunnelEndpoints&, const TunnelEndpoints&) = default;
};

class TunnelPeerTable {
public:
    // False (and nothing changed) when the endpoints are already registered.
    [[nodiscard]] bool add(const TunnelEndpoints& endpoints, LinkId peer);
    void remove(const TunnelEndpoints& endpoints);
    // The peer registered exactly under (remote, local), if any.
    [[nodiscard]] std::optional<LinkId> find(const TunnelEndpoints& endpoints) const;
    // The peer a packet from `source` to `destination` belongs to: the exact entry, else
    // the source's wildcard entry when `destination_is_ours` (only then may a wildcard
    // peer's packet be accepted).
    [[nodiscard]] std::optional<LinkId> match(net::Ipv4Address source, net::Ipv4Address destination,
                                              bool destination_is_ours) const;
    [[nodiscard]] std::size_t size() const { return peers_.size(); }

private:
    static std::uint64_t key(const TunnelEndpoints& e) {
        return (std::uint64_t{e.remote.value()} << 32) | e.local.value();
    }
    std::unordered_map<std::uint64_t, LinkId> peers_;
};

} // namespace ecmh::table
