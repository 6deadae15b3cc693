// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/table/forwarding_table.hpp"

#include <algorithm>

namespace ecmh::table {

std::string_view to_string(Verdict v) {
    switch (v) {
    case Verdict::Forward:
        return "forward";
    case Verdict::HopLimitExceeded:
        return "hop-limit-exceeded";
    case Verdict::ScopeNotForwarded:
        return "scope-not-forwarded";
    case Verdict::InvalidSource:
        return "invalid-source";
    case Verdict::Boundary:
        return "scope-boundary";
    case Verdict::OtherUpstream:
        return "other-upstream";
    case Verdict::NoListeners:
        return "no-listeners";
    }
    return "unknown";
}

template <class Family>
void ForwardingTable<Family>::set_querier(LinkId link, bool querier) {
    changed();
    if (is_tunnel_peer(link)) {
        const std::size_t i = link.slot() - kMaxLinks;
        if (i >= querier_peers_.size()) {
            querier_peers_.resize(i + 1, false);
        }
        querier_peers_[i] = querier;
    } else if (querier) {
        querier_links_.insert(link);
    } else {
        querier_links_.erase(link);
    }
}

template <class Family>
void ForwardingTable<Family>::set_membership(LinkId link, const Address& group, const State& state,
                                             proto::TimePoint now) {
    mark_dirty(group);
    auto it = groups_.find(group);
    if (it == groups_.end()) {
        if (state.is_empty()) {
            return; // nothing known, nothing wanted
        }
        it = groups_.emplace(group, GroupEntry{}).first;
    }
    clear_sources(group, it->second);
    auto& members = it->second.members;
    // Members stay sorted by link, so rebuild() writes the peer lists in order.
    const auto m = std::lower_bound(members.begin(), members.end(), link,
                                    [](const Member& x, LinkId l) { return x.link < l; });
    const bool found = m != members.end() && m->link == link;
    if (state.is_empty()) {
        if (found) {
            members.erase(m);
        }
    } else if (found) {
        m->state = state;
    } else {
        members.insert(m, Member{link, state, now});
    }
    rebuild(group, it->second);
    if (it->second.members.empty()) {
        groups_.erase(it);
    }
}

template <class Family>
void ForwardingTable<Family>::set_boundary(LinkId link, const GroupPolicy<Address>& policy) {
    changed();
    std::erase_if(boundaries_, [&](const auto& b) { return b.first == link; });
    if (!policy.boundaries().empty() || policy.scope_boundary() != 0) {
        boundaries_.emplace_back(link, policy);
    }
}

template <class Family>
bool ForwardingTable<Family>::within_boundaries(LinkId arrival, const Address& group,
                                                LinkSet& out) const {
    for (const auto& [link, policy] : boundaries_) {
        if (policy.bounds(group)) {
            if (link == arrival) {
                return false;
            }
            out.erase(link);
        }
    }
    return true;
}

template <class Family>
void ForwardingTable<Family>::remove_link(LinkId link) {
    changed();
    set_querier(link, false);
    set_boundary(link, {});
    upstreams_.detach(link);
    std::vector<Address> affected;
    for (const auto& [group, entry] : groups_) {
        for (const auto& member : entry.members) {
            if (member.link == link) {
                affected.push_back(group);
            }
        }
    }
    for (const auto& group : affected) {
        set_membership(link, group, State{});
    }
}

template <class Family>
void ForwardingTable<Family>::mark_dirty(const Address& group) {
    ++generation_;
    if (all_dirty_) {
        return;
    }
    if (dirty_.size() >= kMaxDirtyGroups) {
        all_dirty_ = true; // a burst: one pass over everything is cheaper than the list
        dirty_.clear();
        return;
    }
    if (std::find(dirty_.begin(), dirty_.end(), group) == dirty_.end()) {
        dirty_.push_back(group);
    }
}

template <class Family>
void ForwardingTable<Family>::count(const Address& group, std::uint64_t packets,
                                    std::uint64_t bytes) const {
    if (const auto it = groups_.find(group); it != groups_.end()) {
        it->second.counters.packets += packets;
        it->second.counters.bytes += bytes;
    }
}

template <class Family>
void ForwardingTable<Family>::clear_sources(const Address& group, const GroupEntry& entry) {
    // Only the keys this group's members wrote: bounded by the group's own sources.
    for (const auto& member : entry.members) {
        for (const auto& source : member.state.sources) {
            sources_.erase(SourceKey{group, source});
        }
    }
}

template <class Family>
void ForwardingTable<Family>::rebuild(const Address& group, GroupEntry& entry) {
    // Write the group's entries anew from its members (clear_sources ran first).
    // Members are sorted by link, so every peer list comes out sorted.
    entry.exclude_links = LinkSet{};
    entry.exclude_peers.clear();
    entry.has_sources = false;
    for (const auto& member : entry.members) {
        const bool peer = is_tunnel_peer(member.link);
        const bool include = member.state.mode == proto::FilterMode::Include;
        if (!include) {
            if (peer) {
                entry.exclude_peers.push_back(member.link);
            } else {
                entry.exclude_links.insert(member.link);
            }
        }
        for (const auto& source : member.state.sources) {
            auto& s = sources_[SourceKey{group, source}];
            if (peer) {
                (include ? s.include_peers : s.blocked_peers).push_back(member.link);
            } else if (include) {
                s.include_links.insert(member.link);
            } else {
                s.blocked_links.insert(member.link);
            }
            entry.has_sources = true;
        }
    }
}

template <class Family>
Decision ForwardingTable<Family>::decide(LinkId arrival, const Address& source,
                                         const Address& group, std::uint8_t hop_limit) const {
    // "discarded if Hop Limit was zero when received or is decremented to zero"
    // (RFC 8200 §3); no Time Exceeded for multicast (RFC 1812 §5.3.1, RFC 4443 §2.4).
    if (hop_limit <= 1) {
        return Decision{Verdict::HopLimitExceeded, {}, {}, nullptr};
    }
    if (Family::classify_group(group) != proto::GroupClass::Trackable) {
        return Decision{Verdict::ScopeNotForwarded, {}, {}, nullptr};
    }
    if (!Family::is_forwardable_source(source)) {
        return Decision{Verdict::InvalidSource, {}, {}, nullptr};
    }
    // Data from an upstream is taken only from the one that serves its group: another
    // upstream's copy would duplicate the stream downstream, or loop back through the
    // serving upstream (RFC 4605 §4).
    const auto upstream = upstreams_.serving(group);
    if (!is_tunnel_peer(arrival) && upstreams_.links().contains(arrival) && upstream != arrival) {
        return Decision{Verdict::OtherUpstream, {}, {}, nullptr};
    }
    LinkSet out;
    PeerLists l;
    GroupCounters* counters = nullptr;
    if (const auto g = groups_.find(group); g != groups_.end()) {
        counters = &g->second.counters;
        l = listeners(g->second, group, source, out);
    }
    // From a downstream link, always toward the group's upstream too (RFC 4605 §4.2);
    // never back out of the arrival link.
    if (upstream) {
        out.insert(*upstream);
    }
    if (!is_tunnel_peer(arrival)) {
        out.erase(arrival);
    }
    // Configured boundaries (few links, when any): the common case pays one test.
    if (!boundaries_.empty() && !within_boundaries(arrival, group, out)) {
        return Decision{Verdict::Boundary, {}, {}, nullptr};
    }
    const PeerCopies peers{l.exclude, l.blocked, l.include, &querier_peers_, arrival};
    if (out.empty() && peers.empty()) {
        return Decision{Verdict::NoListeners, {}, {}, nullptr};
    }
    return Decision{Verdict::Forward, out, peers, counters};
}

template <class Family>
typename ForwardingTable<Family>::PeerLists
ForwardingTable<Family>::listeners(const GroupEntry& entry, const Address& group,
                                   const Address& source, LinkSet& links) const {
    PeerLists peers;
    // SSM: only (S,G) state counts (RFC 4607 §5.1); the router side never creates
    // EXCLUDE state for SSM groups, but the table does not rely on it.
    if (!ssm_.contains(group)) {
        links = entry.exclude_links;
        peers.exclude = entry.exclude_peers;
    }
    if (entry.has_sources) {
        if (const auto s = sources_.find(SourceKey{group, source}); s != sources_.end()) {
            links.subtract(s->second.blocked_links);
            links |= s->second.include_links;
            peers.blocked = s->second.blocked_peers;
            peers.include = s->second.include_peers;
        }
    }
    // Downstream copies only where ecmh is the querier (RFC 4605 §3 querier rule);
    // PeerCopies applies it per peer.
    links &= querier_links_;
    return peers;
}

template <class Family>
Decision ForwardingTable<Family>::decide_translated(const Address& source,
                                                    const Address& group) const {
    if (Family::classify_group(group) != proto::GroupClass::Trackable) {
        return Decision{Verdict::ScopeNotForwarded, {}, {}, nullptr};
    }
    if (!Family::is_forwardable_source(source)) {
        return Decision{Verdict::InvalidSource, {}, {}, nullptr};
    }
    const auto g = groups_.find(group);
    if (g == groups_.end()) {
        return Decision{Verdict::NoListeners, {}, {}, nullptr};
    }
    LinkSet out;
    const auto l = listeners(g->second, group, source, out);
    out.subtract(upstreams_.links());
    // No arrival link of this family: one that no link or peer can be.
    constexpr LinkId kNoArrival{0xffff};
    if (!boundaries_.empty()) {
        (void)within_boundaries(kNoArrival, group, out);
    }
    const PeerCopies peers{l.exclude, l.blocked, l.include, &querier_peers_, kNoArrival};
    if (out.empty() && peers.empty()) {
        return Decision{Verdict::NoListeners, {}, {}, nullptr};
    }
    return Decision{Verdict::Forward, out, peers, &g->second.counters};
}

template class ForwardingTable<proto::Ipv6Family>;
template class ForwardingTable<proto::Ipv4Family>;

} // namespace ecmh::table
