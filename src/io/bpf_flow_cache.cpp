// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/bpf_flow_cache.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>

namespace ecmh::io {
namespace {

// Engine time is CLOCK_MONOTONIC in microseconds in the daemon (io/clock.cpp), and the
// program compares with bpf_ktime_get_ns(), CLOCK_MONOTONIC in nanoseconds. kNever (and
// anything beyond 2^64 ns) never expires.
std::uint64_t monotonic_ns(proto::TimePoint t) {
    using Ns = std::chrono::duration<std::uint64_t, std::nano>;
    const auto us = t.time_since_epoch().count();
    if (us <= 0) {
        return 0;
    }
    if (t == proto::kNever || static_cast<std::uint64_t>(us) > Ns::max().count() / 1000) {
        return std::numeric_limits<std::uint64_t>::max();
    }
    return static_cast<std::uint64_t>(us) * 1000;
}

// A counter read that failed (never seen: the slot is in range) counts nothing.
engine::FlowCounters or_zero(const SysResult<engine::FlowCounters>& read) {
    return read ? *read : engine::FlowCounters{};
}

} // namespace

BpfFlowCache::BpfFlowCache(XdpProgram& program) : program_(program), sets_(program.limits().sets) {
    const auto capacity = program.limits().flows;
    free_slots_.reserve(capacity);
    // Handed out from the back: slot 0 first.
    for (std::uint32_t slot = capacity; slot > 0; --slot) {
        free_slots_.push_back(slot - 1);
    }
    flows_.reserve(capacity);
}

const XdpLink* BpfFlowCache::link(table::LinkId id) const {
    if (table::is_tunnel_peer(id) || !links_[id.slot()]) {
        return nullptr;
    }
    return &*links_[id.slot()];
}

SysResult<Done> BpfFlowCache::set_link(table::LinkId id, const XdpLink& l) {
    if (table::is_tunnel_peer(id) || !l.index.valid()) {
        return net::unexpected(SysError{"XDP link", 0, "not an interface link"});
    }
    const auto old = links_[id.slot()];
    links_[id.slot()] = l;
    // The link first (its MAC for the egress program), then the sets that name it.
    if (auto put = program_.put_link(l.index, l.mac, l.mtu); !put) {
        links_[id.slot()] = old;
        return put;
    }
    if (!old || old->index != l.index) {
        // Sets that still name the link (it was removed, or its interface replaced).
        move_in_sets(id, old ? old->index : net::IfIndex{}, l.index);
    }
    if (old && old->index != l.index) {
        (void)program_.delete_link(old->index);
    }
    if (old && old->mac != l.mac) {
        refresh_own_macs(old->mac);
    }
    // A link without a MAC (tun, sit) has none to recognise, as in Proxy::is_own_mac.
    if (l.mac == net::MacAddress{}) {
        return Done{};
    }
    return program_.put_own_mac(l.mac);
}

void BpfFlowCache::remove_link(table::LinkId id) {
    const auto* l = link(id);
    if (l == nullptr) {
        return;
    }
    const auto gone = *l;
    move_in_sets(id, gone.index, net::IfIndex{});
    links_[id.slot()].reset();
    // Arrivals there go up from now on (the program knows no such link).
    (void)program_.delete_link(gone.index);
    refresh_own_macs(gone.mac);
}

// A link's interface index changed (from: invalid when the link comes back, to: invalid
// when it is gone): every out-set that holds the link follows.
void BpfFlowCache::move_in_sets(table::LinkId id, net::IfIndex from, net::IfIndex to) {
    for (std::uint32_t set = 0; set < sets_.size(); ++set) {
        if (sets_[set].users == 0 || !sets_[set].links.contains(id)) {
            continue;
        }
        if (from.valid()) {
            (void)program_.set_erase(set, from);
        }
        if (to.valid()) {
            (void)program_.set_insert(set, to);
        }
    }
}

// A MAC stays in the own-MAC table while any link has it (VLANs share their parent's).
void BpfFlowCache::refresh_own_macs(const net::MacAddress& mac) {
    const bool used = std::any_of(links_.begin(), links_.end(),
                                  [&](const auto& l) { return l && l->mac == mac; });
    if (!used) {
        (void)program_.delete_own_mac(mac);
    }
}

bool BpfFlowCache::can_offload(table::LinkId arrival, const table::LinkSet& out) const {
    const auto* in = link(arrival);
    if (in == nullptr || in->attached == XdpMode::None || out.empty() || out.contains(arrival)) {
        return false;
    }
    bool ok = true;
    out.for_each([&](table::LinkId id) {
        const auto* l = link(id);
        // A native redirect to a link that cannot take it is lost without a trace (P7).
        ok = ok && l != nullptr && (in->attached != XdpMode::Native || l->native_redirect);
    });
    return ok;
}

std::optional<ecmh_flow_key> BpfFlowCache::map_key(const engine::FlowKey& key) const {
    const auto* in = link(key.arrival);
    if (in == nullptr) {
        return std::nullopt;
    }
    ecmh_flow_key k{};
    k.ifindex = in->index.value();
    k.family = key.family == engine::FlowFamily::Ipv6 ? ECMH_XDP_FAMILY_IPV6 : ECMH_XDP_FAMILY_IPV4;
    std::copy(key.source.bytes().begin(), key.source.bytes().end(), std::begin(k.source));
    std::copy(key.group.bytes().begin(), key.group.bytes().end(), std::begin(k.group));
    return k;
}

bool BpfFlowCache::fill_set(std::uint32_t set, const table::LinkSet& out) {
    bool ok = true;
    out.for_each([&](table::LinkId id) {
        const auto* l = link(id);
        ok = ok && l != nullptr && program_.set_insert(set, l->index).has_value();
    });
    if (!ok) {
        out.for_each([&](table::LinkId id) {
            if (const auto* l = link(id)) {
                (void)program_.set_erase(set, l->index);
            }
        });
    }
    return ok;
}

std::optional<std::uint32_t> BpfFlowCache::acquire_set(const table::LinkSet& out) {
    for (std::uint32_t set = 0; set < sets_.size(); ++set) {
        if (sets_[set].users > 0 && sets_[set].links == out) {
            ++sets_[set].users;
            return set;
        }
    }
    for (std::uint32_t set = 0; set < sets_.size(); ++set) {
        if (sets_[set].users == 0) {
            if (!fill_set(set, out)) {
                return std::nullopt;
            }
            sets_[set] = OutSet{out, 1};
            return set;
        }
    }
    return std::nullopt; // the pool is used up
}

// The last user gone, the devmap is emptied for its next set.
void BpfFlowCache::release_set(std::uint32_t set) {
    auto& s = sets_[set];
    if (--s.users > 0) {
        return;
    }
    s.links.for_each([&](table::LinkId id) {
        if (const auto* l = link(id)) {
            (void)program_.set_erase(set, l->index);
        }
    });
    s.links = {};
}

std::size_t BpfFlowCache::sets_in_use() const {
    return static_cast<std::size_t>(
        std::count_if(sets_.begin(), sets_.end(), [](const OutSet& s) { return s.users > 0; }));
}

// A free counter slot, zeroed: it may hold what a removed flow counted.
std::optional<std::uint32_t> BpfFlowCache::take_slot() {
    if (free_slots_.empty()) {
        return std::nullopt;
    }
    const auto slot = free_slots_.back();
    if (!program_.zero_counters(slot)) {
        return std::nullopt;
    }
    free_slots_.pop_back();
    return slot;
}

bool BpfFlowCache::install(const engine::FlowKey& key, const engine::FlowAction& action) {
    const auto k = map_key(key);
    if (!k || !can_offload(key.arrival, action.out)) {
        return false;
    }
    const auto existing = flows_.find(key);
    const bool replacing = existing != flows_.end();
    const auto set = acquire_set(action.out);
    if (!set) {
        return false;
    }
    const auto slot = replacing ? std::optional{existing->second.slot} : take_slot();
    if (!slot) {
        release_set(*set);
        return false;
    }
    const ecmh_flow_value value{*set, action.max_length, *slot, 0,
                                monotonic_ns(action.valid_until)};
    if (!program_.put_flow(*k, value)) {
        release_set(*set);
        if (!replacing) {
            free_slots_.push_back(*slot);
        }
        return false;
    }
    if (replacing) {
        // The map points to the new set already: the old one may go.
        release_set(existing->second.set);
        existing->second.set = *set;
        if (std::memcmp(&existing->second.key, &*k, sizeof(*k)) != 0) {
            // The arrival link has a new interface index: its old entry would linger.
            (void)program_.delete_flow(existing->second.key);
            existing->second.key = *k;
        }
    } else {
        flows_.emplace(key, Flow{*set, *slot, *k});
    }
    return true;
}

engine::FlowCounters BpfFlowCache::remove(const engine::FlowKey& key) {
    const auto it = flows_.find(key);
    if (it == flows_.end()) {
        return {};
    }
    const auto flow = it->second;
    flows_.erase(it);
    // Deleted first, then read: only frames inside the program right now can still
    // count after the read.
    (void)program_.delete_flow(flow.key);
    const auto sums = program_.read_counters(flow.slot);
    free_slots_.push_back(flow.slot);
    release_set(flow.set);
    return or_zero(sums);
}

engine::FlowCounters BpfFlowCache::counters(const engine::FlowKey& key) const {
    const auto it = flows_.find(key);
    if (it == flows_.end()) {
        return {};
    }
    return or_zero(program_.read_counters(it->second.slot));
}

} // namespace ecmh::io
