// SPDX-License-Identifier: BSD-3-Clause
// The flow cache (issue 15): forwarding decisions the engine hands to a faster path.
//
// The engine decides the first packet of every flow (arrival link, source, group) as it
// decides any packet. A decision the fast path can carry out exactly — copies to
// interface links only, hop limit / TTL decremented once, nothing to fragment, translate
// or answer — is then installed, and later packets of the flow are forwarded there (XDP,
// io/bpf_flow_cache.hpp) without reaching the engine. What the fast path does not own
// comes up to the engine unchanged: a flow it does not hold, hop limit / TTL ≤ 1, a
// packet longer than the action's max_length, a packet at or after its valid_until, and
// anything odd. So the engine stays the one place that decides, and the userspace path
// stays the reference.
//
// The contract is exactness: every installed action equals what the engine would do with
// the flow's next packet now. Every event that can change that (membership, timers,
// queriers, links, settings) updates or removes the entry before the engine returns to
// its caller, and valid_until covers the timers whose expiry the engine learns of late.
#pragma once

#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/net/ipv6_address.hpp"
#include "ecmh/proto/time.hpp"
#include "ecmh/table/link_set.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>

namespace ecmh::engine {

enum class FlowFamily : std::uint8_t { Ipv6, Ipv4 };

// One flow. Both families share one key: an IPv4 address is held as its IPv4-mapped IPv6
// address (::ffff:a.b.c.d, RFC 4291 §2.5.5.2), as the fast path's table keys it.
struct FlowKey {
    table::LinkId arrival;
    FlowFamily family = FlowFamily::Ipv6;
    net::Ipv6Address source;
    net::Ipv6Address group;

    [[nodiscard]] static FlowKey ipv6(table::LinkId arrival, const net::Ipv6Address& source,
                                      const net::Ipv6Address& group) {
        return FlowKey{arrival, FlowFamily::Ipv6, source, group};
    }
    [[nodiscard]] static FlowKey ipv4(table::LinkId arrival, net::Ipv4Address source,
                                      net::Ipv4Address group) {
        return FlowKey{arrival, FlowFamily::Ipv4, mapped(source), mapped(group)};
    }
    [[nodiscard]] static net::Ipv6Address mapped(net::Ipv4Address a) {
        const auto v = a.value();
        return net::Ipv6Address{net::Ipv6Address::Bytes{
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, static_cast<std::uint8_t>(v >> 24),
            static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
            static_cast<std::uint8_t>(v)}};
    }
    friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

// A group this host's own sockets have joined on a link: the kernel's membership, not a
// listener's. The kernel delivers the group's packets that arrive on that link to those
// sockets; a packet the fast path forwards never reaches the host's IP stack, so such a
// flow stays with the engine (Proxy::set_host_groups).
struct HostGroup {
    table::LinkId link;
    FlowFamily family = FlowFamily::Ipv6;
    net::Ipv6Address group; // IPv4: mapped, as in FlowKey
    friend auto operator<=>(const HostGroup&, const HostGroup&) = default;
};

// What the fast path does with a flow's packets.
struct FlowAction {
    // The interface links that get a copy: never empty, never the arrival link, never a
    // tunnel peer.
    table::LinkSet out;
    // The longest IP packet (header included) forwarded: the smallest MTU of `out`. A
    // longer one goes up (fragments, Packet Too Big).
    std::uint32_t max_length = 0;
    // Packets at or after this point of the engine's timeline go up: the earliest expiry
    // of a listener state that could take a link out of `out`.
    proto::TimePoint valid_until = proto::kNever;
    friend bool operator==(const FlowAction&, const FlowAction&) = default;
};

// What the fast path forwarded of one flow since it was installed; bytes as GroupCounters
// counts them (the IP packet as it arrived).
struct FlowCounters {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    friend bool operator==(const FlowCounters&, const FlowCounters&) = default;
};

class FlowCache {
public:
    FlowCache() = default;
    FlowCache(const FlowCache&) = delete;
    FlowCache& operator=(const FlowCache&) = delete;
    FlowCache(FlowCache&&) = delete;
    FlowCache& operator=(FlowCache&&) = delete;
    virtual ~FlowCache() = default;

    // Whether packets arriving on `arrival` can be forwarded by the fast path to every
    // link of `out` (attached on the arrival link; each out-link reachable from it).
    // Called for every offer, so cheap. When the answer may have changed for flows
    // already installed, the owner calls Proxy::flow_offload_changed().
    [[nodiscard]] virtual bool can_offload(table::LinkId arrival,
                                           const table::LinkSet& out) const = 0;
    // Installs the flow, or replaces its action; a replaced flow's counters go on. False
    // (nothing installed) when the cache is full or the kernel refused: the flow stays
    // with the engine.
    [[nodiscard]] virtual bool install(const FlowKey& key, const FlowAction& action) = 0;
    // Removes the flow (unknown: nothing happens) and returns what it forwarded since it
    // was installed, for the engine to add to its group's counters.
    virtual FlowCounters remove(const FlowKey& key) = 0;
    // What the flow has forwarded since it was installed (zero when unknown).
    [[nodiscard]] virtual FlowCounters counters(const FlowKey& key) const = 0;
};

} // namespace ecmh::engine

template <>
struct std::hash<ecmh::engine::FlowKey> {
    std::size_t operator()(const ecmh::engine::FlowKey& k) const noexcept {
        const std::size_t a = std::hash<ecmh::net::Ipv6Address>{}(k.group);
        const std::size_t b = std::hash<ecmh::net::Ipv6Address>{}(k.source);
        const std::size_t c = (std::size_t{k.arrival.slot()} << 1U) |
                              static_cast<std::size_t>(k.family == ecmh::engine::FlowFamily::Ipv4);
        return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6U) + (a >> 2U)) ^
               (c * 0xff51afd7ed558ccdULL);
    }
};
