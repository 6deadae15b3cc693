// SPDX-License-Identifier: BSD-3-Clause
// The flow cache's side of the engine (issue 15, doc: include/ecmh/engine/flow_cache.hpp).
//
// Exact by recomputation: rather than reason about which change touches which flow, the
// engine counts its changes (ForwardingTable::generation(), links_generation_) and, when
// an entry point returns, decides every flow those changes may have touched again —
// decide() and the offer rules, as a first packet would get them — and installs,
// replaces or removes what differs. Membership changes, the frequent kind, name their
// groups, so only those groups' flows are re-decided; anything else re-decides them all
// (at most a few thousand decide() calls, on rare events).
#include "ecmh/engine/proxy.hpp"

#include <algorithm>
#include <type_traits>
#include <utility>

namespace ecmh::engine {
namespace {

net::Ipv4Address unmapped(const net::Ipv6Address& a) {
    const auto& b = a.bytes();
    return net::Ipv4Address{(std::uint32_t{b[12]} << 24) | (std::uint32_t{b[13]} << 16) |
                            (std::uint32_t{b[14]} << 8) | std::uint32_t{b[15]}};
}

} // namespace

Proxy::SyncFlows::SyncFlows(Proxy& proxy, proto::TimePoint now) : proxy_(proxy), now_(now) {
    ++proxy_.flow_guards_;
}

Proxy::SyncFlows::~SyncFlows() {
    if (--proxy_.flow_guards_ == 0 && proxy_.flow_cache_ != nullptr) {
        proxy_.sync_flows(now_);
    }
}

void Proxy::set_flow_cache(FlowCache* cache) {
    if (cache == flow_cache_) {
        return;
    }
    remove_all_flows();
    flow_cache_ = cache;
    flows_seen_ = Seen{};
}

void Proxy::flow_offload_changed(proto::TimePoint now) {
    const SyncFlows sync(*this, now);
    ++links_generation_; // what can be offloaded is the links' business
}

void Proxy::set_host_groups(std::vector<HostGroup> groups, proto::TimePoint now) {
    std::sort(groups.begin(), groups.end());
    groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
    if (groups == host_groups_) {
        return; // the periodic re-read: nothing moved
    }
    const SyncFlows sync(*this, now);
    host_groups_ = std::move(groups);
    ++links_generation_; // rare: every flow is decided again
}

template <class Plane>
std::optional<FlowAction>
Proxy::plane_flow_action(const Plane& plane, LinkId arrival, const typename Plane::Address& source,
                         const typename Plane::Address& group, proto::TimePoint now) const {
    // What on_ipv6/on_ipv4 and forward() check before a copy goes out, and the fast path
    // does not: our own source, a translated pair (its copies depend on the other
    // family), then decide() itself (hop limits above 1 all decide alike; ≤ 1 goes up).
    if (!group.is_multicast()) {
        return std::nullopt;
    }
    if (translator_ != nullptr && translator_->role(group) != PairRole::None) {
        return std::nullopt;
    }
    const auto decision = plane.forwarding().decide(arrival, source, group, 2);
    if (decision.verdict != table::Verdict::Forward || !decision.peers.empty() ||
        decision.links.empty()) {
        return std::nullopt; // tunnel peers' copies are 6in4: userspace only
    }
    FlowAction action{decision.links, static_cast<std::uint32_t>(kMaxIpPacket), proto::kNever};
    bool offloadable = true;
    decision.links.for_each([&](LinkId out) {
        const Link& o = links_[out.slot()];
        // A copy to a link that is gone or down is counted, not sent; to one without an
        // Ethernet header (tun) the fast path cannot write it.
        if (!o.present || o.down_since || o.config.tunnel ||
            o.config.link_type != wire::LinkType::Ethernet) {
            offloadable = false;
            return;
        }
        action.max_length = std::min(action.max_length, o.config.mtu);
    });
    if (!offloadable) {
        return std::nullopt;
    }
    action.valid_until = plane.shrink_deadline(group, source, decision.links);
    if (action.valid_until <= now || !flow_cache_->can_offload(arrival, action.out)) {
        return std::nullopt;
    }
    return action;
}

std::optional<FlowAction> Proxy::flow_action(const FlowKey& key, proto::TimePoint now) const {
    if (flow_cache_ == nullptr || key.arrival.slot() >= table::kMaxLinks) {
        return std::nullopt; // tunnel peers arrive as 6in4: userspace only
    }
    const Link& in = links_[key.arrival.slot()];
    if (!in.present || in.down_since || in.config.tunnel ||
        in.config.link_type != wire::LinkType::Ethernet) {
        return std::nullopt;
    }
    // The host listens itself: the kernel must see these packets (flow_cache.hpp,
    // HostGroup).
    if (std::binary_search(host_groups_.begin(), host_groups_.end(),
                           HostGroup{key.arrival, key.family, key.group})) {
        return std::nullopt;
    }
    if (key.family == FlowFamily::Ipv6) {
        if (!config_.ipv6 || is_own_source(in, key.source)) {
            return std::nullopt;
        }
        return plane_flow_action(mld_, key.arrival, key.source, key.group, now);
    }
    const auto source = unmapped(key.source);
    if (!config_.ipv4 || is_own_source(source) ||
        FlowKey::mapped(unmapped(key.group)) != key.group) {
        return std::nullopt;
    }
    return plane_flow_action(igmp_, key.arrival, source, unmapped(key.group), now);
}

template <class Packet>
void Proxy::offer_flow(LinkId arrival, const Packet& p, const table::Decision& decision,
                       std::size_t copy_size, proto::TimePoint now) {
    FlowKey key;
    if constexpr (std::is_same_v<Packet, wire::Ipv6Packet>) {
        key = FlowKey::ipv6(arrival, p.source, p.destination);
    } else {
        key = FlowKey::ipv4(arrival, p.source, p.destination);
    }
    // Installed: the guards keep it equal to what would be installed now.
    if (!decision.peers.empty() || flows_.find(key) != nullptr) {
        return;
    }
    const auto action = flow_action(key, now);
    // A copy that needed fragments or a Packet Too Big: its flow stays here.
    if (!action || copy_size > action->max_length) {
        return;
    }
    if (!flow_cache_->install(key, *action)) {
        ++stats_.flows_refused_full;
        return;
    }
    flows_.insert(key, *action, now);
    ++stats_.flows_installed;
    if (next_idle_scan_ == proto::kNever) {
        next_idle_scan_ = now + kIdleScanInterval;
    }
}

template void Proxy::offer_flow(LinkId, const wire::Ipv6Packet&, const table::Decision&,
                                std::size_t, proto::TimePoint);
template void Proxy::offer_flow(LinkId, const wire::Ipv4Packet&, const table::Decision&,
                                std::size_t, proto::TimePoint);

void Proxy::sync_flows(proto::TimePoint now) {
    flows_now_ = now;
    const auto& mld = mld_.forwarding();
    const auto& igmp = igmp_.forwarding();
    const bool links = links_generation_ != flows_seen_.links;
    const bool mld_changed = mld.generation() != flows_seen_.mld;
    const bool igmp_changed = igmp.generation() != flows_seen_.igmp;
    const bool expired = now >= flows_.earliest_valid_until();
    if (!links && !mld_changed && !igmp_changed && !expired) {
        return; // the per-packet case: a few compares
    }
    const bool all =
        links || expired || (mld_changed && mld.all_dirty()) || (igmp_changed && igmp.all_dirty());
    if (all) {
        flows_.keys(flow_keys_);
    } else {
        flow_keys_.clear();
        for (const auto& g : mld.dirty_groups()) {
            const auto keys = flows_.of_group(FlowFamily::Ipv6, g);
            flow_keys_.insert(flow_keys_.end(), keys.begin(), keys.end());
        }
        for (const auto& g : igmp.dirty_groups()) {
            const auto keys = flows_.of_group(FlowFamily::Ipv4, FlowKey::mapped(g));
            flow_keys_.insert(flow_keys_.end(), keys.begin(), keys.end());
        }
    }
    for (const auto& key : flow_keys_) {
        redecide_flow(key, now);
    }
    if (all) {
        flows_.reset_earliest();
    }
    mld_.clear_dirty();
    igmp_.clear_dirty();
    flows_seen_ = Seen{links_generation_, mld.generation(), igmp.generation()};
}

void Proxy::redecide_flow(const FlowKey& key, proto::TimePoint now) {
    auto* entry = flows_.find(key);
    if (entry == nullptr) {
        return;
    }
    const auto action = flow_action(key, now);
    if (!action) {
        remove_flow(key);
        return;
    }
    if (entry->action == *action) {
        return;
    }
    // What it forwarded so far went to the old out-links.
    fold_flow(key, *entry, flow_cache_->counters(key));
    if (!flow_cache_->install(key, *action)) {
        remove_flow(key);
        return;
    }
    flows_.update(*entry, *action);
}

void Proxy::remove_flow(const FlowKey& key) {
    auto* entry = flows_.find(key);
    if (entry == nullptr) {
        return;
    }
    // Taken out first, then its final counters read: nothing forwarded is lost but the
    // frames in flight at the removal.
    fold_flow(key, *entry, flow_cache_->remove(key));
    flows_.erase(key);
    ++stats_.flows_removed;
}

void Proxy::remove_all_flows() {
    if (flow_cache_ == nullptr) {
        return;
    }
    flows_.keys(flow_keys_);
    for (const auto& key : flow_keys_) {
        remove_flow(key);
    }
    next_idle_scan_ = proto::kNever;
}

void Proxy::fold_flow(const FlowKey& key, FlowShadow::Entry& entry, const FlowCounters& c) {
    if (c.packets < entry.folded.packets || c.bytes < entry.folded.bytes) {
        entry.folded = {}; // the cache started the flow's counters over
    }
    const std::uint64_t packets = c.packets - entry.folded.packets;
    const std::uint64_t bytes = c.bytes - entry.folded.bytes;
    entry.folded = c;
    if (packets == 0 && bytes == 0) {
        return;
    }
    stats_.forwarded += packets;
    if (key.family == FlowFamily::Ipv6) {
        mld_.forwarding().count(key.group, packets, bytes);
    } else {
        igmp_.forwarding().count(unmapped(key.group), packets, bytes);
    }
    // One copy per out-link of each packet, each with its link header.
    entry.action.out.for_each([&](LinkId out) {
        Link& o = links_[out.slot()];
        if (!o.present) {
            return;
        }
        const std::uint64_t frame_bytes = bytes + packets * link_header_size(o);
        for (auto* traffic : {&o.counters, &stats_.total}) {
            traffic->packets_sent += packets;
            traffic->bytes_sent += frame_bytes;
        }
    });
}

void Proxy::sync_flow_counters() {
    if (flow_cache_ == nullptr) {
        return;
    }
    flows_.keys(flow_keys_);
    for (const auto& key : flow_keys_) {
        fold_flow(key, *flows_.find(key), flow_cache_->counters(key));
    }
}

void Proxy::scan_idle_flows(proto::TimePoint now) {
    flows_.keys(flow_keys_);
    for (const auto& key : flow_keys_) {
        auto& entry = *flows_.find(key);
        const auto c = flow_cache_->counters(key);
        if (c.packets != entry.scanned) {
            entry.scanned = c.packets;
            entry.moved = now;
            fold_flow(key, entry, c);
        } else if (now - entry.moved >= config_.flow_idle) {
            remove_flow(key);
        }
    }
    next_idle_scan_ = flows_.empty() ? proto::kNever : now + kIdleScanInterval;
}

} // namespace ecmh::engine
