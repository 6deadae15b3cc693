// SPDX-License-Identifier: BSD-3-Clause
// The forwarding decision of RFC 4605 §4.2 for one address family:
//
//   decide(arrival, source, group, hop limit) → the links that get a copy
//
// "a list consisting of the upstream interface and any downstream interface that has a
// subscription pertaining to this packet and on which it is the IGMP/MLD Querier",
// minus "the interface on which this packet arrived" (RFC 4605 §3, §4.2). With several
// upstreams (upstream_routes.hpp) "the upstream interface" is the one that serves the
// group, and data arriving on another upstream is not forwarded at all. Plus the
// router rules RFC 4605 leaves to others: hop limit/TTL ≤ 1 is never forwarded (RFC
// 8200 §3, RFC 1812 §5.3.1, no ICMP for multicast), link/realm-scope groups and
// link-local, unspecified or multicast sources never leave their link (RFC 4291 §2.5,
// §2.7), SSM groups only with matching (S,G) state (RFC 4607 §5.1).
//
// Per packet: one hash lookup of the group and, only when the group has
// source-specific state, one of (group, source); a few bitset operations; no
// allocation. Tunnel peers (link_set.hpp) are kept apart, in sorted lists per group and
// per (group, source), so a packet costs a walk over the peers that listen to its group
// and nothing for the thousands that do not. Membership updates (control plane) rebuild
// one group's entries.
#pragma once

#include "ecmh/proto/family.hpp"
#include "ecmh/proto/membership.hpp"
#include "ecmh/proto/ssm_range.hpp"
#include "ecmh/proto/time.hpp"
#include "ecmh/table/group_policy.hpp"
#include "ecmh/table/link_set.hpp"
#include "ecmh/table/upstream_routes.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ecmh::table {

// Why a packet got no copies at all (a forwarded packet has Verdict::Forward even if
// only some links were eligible).
enum class Verdict : std::uint8_t {
    Forward,
    HopLimitExceeded,  // hop limit / TTL ≤ 1 on arrival
    ScopeNotForwarded, // link/realm-scope or reserved group, or not multicast
    InvalidSource,     // link-local, unspecified, loopback or multicast source
    Boundary,          // the group is bounded on its arrival link (a configured boundary)
    OtherUpstream,     // arrived on an upstream that does not serve its group
    NoListeners,       // nobody (and no upstream) wants it
};

[[nodiscard]] std::string_view to_string(Verdict v);

// Traffic forwarded for one group (the dump's "Bytes" and "Packets").
struct GroupCounters {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    // Of them, translated from the other family's counterpart (issue 16).
    std::uint64_t translated_packets = 0;
};

// The tunnel peers that get a copy of one packet: the EXCLUDE-mode peers of its group
// but those whose list blocks its source, plus the INCLUDE-mode peers whose list has the
// source (the two are disjoint: a peer has one filter mode per group) — each only where
// ecmh is the peer's querier, never the arrival peer. A view into the table, valid until
// the table next changes; walked in slot order without allocating.
class PeerCopies {
public:
    PeerCopies() = default;
    PeerCopies(std::span<const LinkId> exclude, std::span<const LinkId> blocked,
               std::span<const LinkId> include, const std::vector<bool>* querier, LinkId arrival)
        : exclude_(exclude), blocked_(blocked), include_(include), querier_(querier),
          arrival_(arrival) {}

    // Calls f(LinkId) for each peer that gets a copy.
    template <class F>
    void for_each(F&& f) const {
        (void)walk([&](LinkId p) {
            f(p);
            return true;
        });
    }
    [[nodiscard]] bool empty() const {
        return !walk([](LinkId) { return false; });
    }

private:
    // Calls f for each peer until it returns false; returns whether it stopped early.
    template <class F>
    bool walk(F&& f) const {
        std::size_t b = 0;
        for (const LinkId p : exclude_) {
            while (b < blocked_.size() && blocked_[b] < p) {
                ++b; // both lists are sorted: one merge walk
            }
            const bool blocked = b < blocked_.size() && blocked_[b] == p;
            if (!blocked && eligible(p) && !f(p)) {
                return true;
            }
        }
        for (const LinkId p : include_) {
            if (eligible(p) && !f(p)) {
                return true;
            }
        }
        return false;
    }
    [[nodiscard]] bool eligible(LinkId p) const {
        const std::size_t i = p.slot() - kMaxLinks;
        return p != arrival_ && querier_ != nullptr && i < querier_->size() && (*querier_)[i];
    }

    std::span<const LinkId> exclude_;
    std::span<const LinkId> blocked_;
    std::span<const LinkId> include_;
    const std::vector<bool>* querier_ = nullptr;
    LinkId arrival_;
};

struct Decision {
    Verdict verdict = Verdict::NoListeners;
    LinkSet links;    // the interface out-links; empty unless verdict == Forward
    PeerCopies peers; // the tunnel peers that get a copy
    // The group's counters when it has an entry, for the caller to count what it sent
    // without a second lookup.
    GroupCounters* counters = nullptr;
};

template <class Family>
class ForwardingTable {
public:
    using Address = typename Family::Address;
    using State = proto::MembershipState<Address>;

    struct Member {
        LinkId link;
        State state;
        proto::TimePoint since; // when the link first had state for the group
    };

    // Which upstream serves which groups (none configured: an attached upstream serves
    // every group; without one, every link is downstream).
    void configure_upstreams(std::vector<typename UpstreamRoutes<Address>::Route> routes) {
        changed();
        upstreams_.configure(std::move(routes));
    }
    // The upstream `name` is there as `link` / has gone. Always an interface link: a
    // tunnel peer is never an upstream.
    void attach_upstream(std::string_view name, LinkId link) {
        changed();
        if (!is_tunnel_peer(link)) {
            upstreams_.attach(name, link);
        }
    }
    void detach_upstream(LinkId link) {
        changed();
        upstreams_.detach(link);
    }
    [[nodiscard]] const UpstreamRoutes<Address>& upstreams() const { return upstreams_; }
    // The groups that are SSM (rfc-map item 27): only (S,G) state forwards them.
    void set_ssm_range(proto::SsmRange<Address> ssm) {
        changed();
        ssm_ = std::move(ssm);
    }
    // The querier rule: downstream copies only where ecmh is the querier (RFC 4605 §3).
    void set_querier(LinkId link, bool querier);
    // What the router side says of (link, group): INCLUDE(A) forwards A, EXCLUDE(Y)
    // forwards all but Y (RFC 3810 §7.3). INCLUDE({}) removes the link from the group.
    void set_membership(LinkId link, const Address& group, const State& state,
                        proto::TimePoint now = {});
    // The scope boundaries of a link (GroupPolicy::bounds): no packet of a bounded group
    // arrives through it or leaves through it (RFC 2365 §6, RFC 4007 §5). Replaces what
    // the link had; a policy without boundaries removes them.
    void set_boundary(LinkId link, const GroupPolicy<Address>& policy);
    // A link went away: forget it everywhere.
    void remove_link(LinkId link);

    [[nodiscard]] Decision decide(LinkId arrival, const Address& source, const Address& group,
                                  std::uint8_t hop_limit) const;

    // A packet of another family translated to `group` (IPv4 <-> IPv6 translation, issue
    // 16): the downstream links and tunnel peers whose listeners want it, as decide()
    // would give them — the source filters, SSM, the querier rule and the out-links'
    // boundaries — but never an upstream (the pair's home family reports it there, and a
    // translated copy is for listeners only) and without an arrival link to leave out
    // (the packet came in as another family). The caller has already checked the hop
    // limit and the arrival side with the packet's own family's decide().
    [[nodiscard]] Decision decide_translated(const Address& source, const Address& group) const;

    // --- Changes, for a cache of decisions (engine/flow_shadow.hpp, issue 15): every
    // non-const member bumps generation(), so a caller that saw the same generation
    // knows no decide() can have changed. set_membership() and mark_dirty() also name
    // their group in dirty_groups(); every other change (or more dirty groups than
    // kMaxDirtyGroups) sets all_dirty(): anything may have changed.
    [[nodiscard]] std::uint64_t generation() const { return generation_; }
    [[nodiscard]] std::span<const Address> dirty_groups() const { return dirty_; }
    [[nodiscard]] bool all_dirty() const { return all_dirty_; }
    // The caller has re-decided what it caches: dirty_groups() and all_dirty() start over.
    void clear_dirty() {
        dirty_.clear();
        all_dirty_ = false;
    }
    // The group's listener timers changed while its membership did not (a leave or a
    // query lowered them): what a cache holds of it must be looked at again.
    void mark_dirty(const Address& group);
    static constexpr std::size_t kMaxDirtyGroups = 64;
    // Adds traffic forwarded elsewhere (the fast path) to the group's counters; nothing
    // when the group has no entry. Counters are not decisions: no generation bump.
    void count(const Address& group, std::uint64_t packets, std::uint64_t bytes) const;

    [[nodiscard]] std::size_t group_count() const { return groups_.size(); }
    // The links with state for `group` (sorted by link), empty when none.
    [[nodiscard]] std::span<const Member> members(const Address& group) const {
        const auto it = groups_.find(group);
        return it == groups_.end() ? std::span<const Member>{} : it->second.members;
    }

    // The group's counters; nullptr when it has no listeners.
    [[nodiscard]] const GroupCounters* counters(const Address& group) const {
        const auto it = groups_.find(group);
        return it == groups_.end() ? nullptr : &it->second.counters;
    }
    // For the dump: f(group, members, counters) for every group with listeners.
    template <class F>
    void for_each_group(F&& f) const {
        for (const auto& [group, entry] : groups_) {
            f(group, std::span<const Member>(entry.members), entry.counters);
        }
    }

private:
    struct GroupEntry {
        LinkSet exclude_links; // links in EXCLUDE mode: all sources but their blocked ones
        std::vector<LinkId> exclude_peers; // the same for tunnel peers, sorted
        bool has_sources = false;          // any (group, source) entries to consult
        std::vector<Member> members;       // the inputs, to rebuild from; sorted by link
        mutable GroupCounters counters;
    };
    struct SourceEntry {
        LinkSet include_links;             // links whose INCLUDE list has the source
        LinkSet blocked_links;             // EXCLUDE links whose list has it
        std::vector<LinkId> include_peers; // the same for tunnel peers, sorted
        std::vector<LinkId> blocked_peers;
    };
    struct SourceKey {
        Address group;
        Address source;
        friend bool operator==(const SourceKey&, const SourceKey&) = default;
    };
    struct SourceKeyHash {
        std::size_t operator()(const SourceKey& k) const noexcept {
            const auto h = std::hash<Address>{}(k.group);
            return h ^
                   (std::hash<Address>{}(k.source) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
        }
    };

    // The links whose state for `group` wants `source`, where ecmh is their querier,
    // into `links` (written in place: a LinkSet is large, and this is the per-packet
    // path); the tunnel peers' lists to walk for it.
    struct PeerLists {
        std::span<const LinkId> exclude;
        std::span<const LinkId> blocked;
        std::span<const LinkId> include;
    };
    [[nodiscard]] PeerLists listeners(const GroupEntry& entry, const Address& group,
                                      const Address& source, LinkSet& links) const;
    void clear_sources(const Address& group, const GroupEntry& entry);
    void rebuild(const Address& group, GroupEntry& entry);

    // Every change bumps the generation; anything but membership dirties everything.
    void changed() {
        ++generation_;
        all_dirty_ = true;
    }
    std::uint64_t generation_ = 0;
    std::vector<Address> dirty_;
    bool all_dirty_ = false;

    UpstreamRoutes<Address> upstreams_;
    proto::SsmRange<Address> ssm_{};
    LinkSet querier_links_;
    // False when `group` is bounded on the arrival link; otherwise takes the links that
    // bound it out of `out`.
    [[nodiscard]] bool within_boundaries(LinkId arrival, const Address& group, LinkSet& out) const;
    // The links with boundaries, few: walked only when not empty.
    std::vector<std::pair<LinkId, GroupPolicy<Address>>> boundaries_;
    std::vector<bool> querier_peers_; // by slot − kMaxLinks
    std::unordered_map<Address, GroupEntry> groups_;
    std::unordered_map<SourceKey, SourceEntry, SourceKeyHash> sources_;
};

extern template class ForwardingTable<proto::Ipv6Family>;
extern template class ForwardingTable<proto::Ipv4Family>;

} // namespace ecmh::table
