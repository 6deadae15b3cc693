// SPDX-License-Identifier: BSD-3-Clause
// The router side of one downstream link for one family (RFC 4605 §4.1: "the router
// portion of the IGMP/MLD protocol on each downstream interface"): the Querier, the
// groups, and the rules that sit between a parsed message and a group's tables.
//
//   Groups:  LinkScope → ignored silently; NotMulticast, Reserved → ignored, counted.
//   SSM:     IS_EX/TO_EX records, v1/v2 reports and Done/Leave ignored and counted
//            (RFC 4604 §3.5, §3.7); other records of the report processed; no compat.
//   Leaves:  ignored as Non-Querier (RFC 2710 §4, RFC 2236 §3) and for absent groups.
//   Version: a link configured for an older version ignores v2/v3 records (an MLDv1 /
//            IGMPv2 router does not know the message) and acts in that version for
//            every group; its queries use that version.
//   Limits:  a new group beyond max_groups, a new source beyond max_sources_per_group
//            or beyond the family's source_budget is refused, existing state is kept,
//            a LimitReached output is emitted.
//   Queries: started only by the Querier (General and specific); a specific-query
//            retransmission already under way finishes (RFC 2710 §4, RFC 2236 §3).
//
// Inputs come one message or record at a time, in arrival order, each with `now`.
// Outputs (router_outputs.hpp), the Querier's and every group's included, are appended
// to one queue in the order decided; the engine drains it with take_outputs().
#pragma once

#include "ecmh/proto/family.hpp"
#include "ecmh/proto/membership.hpp"
#include "ecmh/proto/protocol_variables.hpp"
#include "ecmh/proto/querier.hpp"
#include "ecmh/proto/query.hpp"
#include "ecmh/proto/router_group.hpp"
#include "ecmh/proto/router_outputs.hpp"
#include "ecmh/proto/source_budget.hpp"
#include "ecmh/proto/ssm_range.hpp"
#include "ecmh/proto/time.hpp"

#include <cstddef>
#include <cstdint>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ecmh::proto {

template <class Family>
struct RouterLinkConfig {
    using Address = typename Family::Address;
    ProtocolVariables vars{};
    Address own_address{}; // MLD: the link's fe80::/64 address; IGMP: its IPv4 address
    // MLD 1|2, IGMP 1|2|3; RFC 4605 §4.1: "defaults to the highest version supported".
    std::uint8_t version = Family::kNewestVersion;
    std::size_t max_groups = 4096;
    std::size_t max_sources_per_group = 1024;
    // The family's cap on source records in all groups of all links, shared by its
    // routers (owned by the engine, which outlives them); null: none.
    SourceBudget* source_budget = nullptr;
    SsmRange<Address> ssm{}; // the groups that are SSM (item 27)
};

struct RouterLinkCounters {
    std::uint64_t records_processed = 0;     // v2/v3 records applied
    std::uint64_t old_reports_processed = 0; // MLDv1 / IGMPv1, v2 reports applied
    std::uint64_t old_leaves_processed = 0;  // Done / Leave applied
    std::uint64_t queries_received = 0;
    // Ignored, by reason.
    std::uint64_t ignored_link_scope = 0;
    std::uint64_t ignored_not_multicast = 0;
    std::uint64_t ignored_reserved = 0;
    std::uint64_t ignored_ssm = 0;             // non-source-specific messages for SSM groups
    std::uint64_t ignored_invalid_sources = 0; // source entries dropped from records
    std::uint64_t ignored_version = 0;         // newer than the link's configured version
    std::uint64_t ignored_compat = 0;          // BLOCK, TO_IN, Leave dropped by compat mode
    std::uint64_t ignored_leave_non_querier = 0;
    std::uint64_t ignored_leave_absent = 0;
    std::uint64_t ignored_own_queries = 0;
    // Sent.
    std::uint64_t general_queries_sent = 0;
    std::uint64_t group_queries_sent = 0;        // Q(MA)
    std::uint64_t group_source_queries_sent = 0; // Q(MA,A) messages
    // Limits and transitions.
    std::uint64_t group_limit_hits = 0;
    std::uint64_t source_limit_hits = 0;       // source records refused by the per-group cap
    std::uint64_t total_source_limit_hits = 0; // ... by the family's total (SourceBudget)
    std::uint64_t querier_transitions = 0;
};

template <class Family>
class RouterLink {
public:
    using Address = typename Family::Address;
    using Config = RouterLinkConfig<Family>;
    using Group = RouterGroup<Family>;
    using Output = RouterOutput<Address>;
    using Outputs = RouterOutputs<Address>;

    // Starts as Querier; the first General Query is due at `now` (next_deadline()).
    RouterLink(const Config& config, TimePoint now);
    // Gives the link's source records back to the family's budget.
    ~RouterLink();
    RouterLink(const RouterLink&) = delete;
    RouterLink& operator=(const RouterLink&) = delete;
    RouterLink(RouterLink&&) = delete;
    RouterLink& operator=(RouterLink&&) = delete;

    void on_query(const ReceivedQuery<Address>& query, TimePoint now);
    // One record of an MLDv2 / IGMPv3 report; call once per record, in report order.
    void on_record(const GroupRecord<Address>& record, TimePoint now);
    // An MLDv1 report (version 1), an IGMPv1 (1) or IGMPv2 (2) report.
    void on_old_report(const Address& group, std::uint8_t version, TimePoint now);
    // An MLDv1 Done / IGMPv2 Leave.
    void on_old_leave(const Address& group, TimePoint now);
    // Processes everything due at `now`.
    void on_timer(TimePoint now);
    [[nodiscard]] TimePoint next_deadline() const;
    // The earliest deadline of its groups' state (the querier's own timers left out):
    // before it, no listener state of the link can have expired.
    [[nodiscard]] TimePoint next_group_deadline() const {
        return deadlines_.empty() ? kNever : deadlines_.begin()->first;
    }

    [[nodiscard]] std::vector<Output> take_outputs() { return outputs_.take(); }
    [[nodiscard]] const std::vector<Output>& outputs() const { return outputs_.items(); }

    // --- State.
    [[nodiscard]] bool is_querier() const { return querier_.is_querier(); }
    [[nodiscard]] const Querier<Family>& querier() const { return querier_; }
    [[nodiscard]] const Config& config() const { return config_; }
    [[nodiscard]] const RouterLinkCounters& counters() const { return counters_; }
    [[nodiscard]] std::size_t group_count() const { return groups_.size(); }
    // Source records held by all its groups (what it claims of the family's budget).
    [[nodiscard]] std::size_t source_records() const { return source_records_; }
    [[nodiscard]] const Group* find(const Address& group) const;
    // §7.3 suggestion for (source, group) on this link; the querier rule is the engine's.
    [[nodiscard]] bool forwards(const Address& group, const Address& source) const;
    [[nodiscard]] MembershipState<Address> contribution(const Address& group) const;
    // Every group with its full state, unordered: fn(const Address&, const Group&).
    template <class Fn>
    void for_each_group(Fn&& fn) const {
        for (const auto& [address, entry] : groups_) {
            fn(address, entry.group);
        }
    }
    void set_own_address(const Address& own);
    // The link's address changed in place (rfc-map M19): groups and their timers are
    // kept, the election is re-run (Querier::change_own_address).
    void change_own_address(const Address& own, TimePoint now);
    // The link is up again after an outage: groups and their timers are kept (they ran
    // meanwhile), the querier starts over as at startup (Querier::restart).
    void restart_queries(TimePoint now);
    // New settings for the link (a reload): its variables, version and caps are
    // `config`'s from now on; its groups are kept (their timers run on; groups beyond a
    // lowered cap stay until they expire). Changed variables or version restart the
    // querier (Querier::reconfigure). The own address and budget are not changed here.
    void reconfigure(const Config& config, TimePoint now);
    // Ends the group's state at once, as an operator's rule wants (a reload that denies
    // it): MembershipChanged follows, nothing is sent on the link.
    void forget(const Address& group);

private:
    struct Entry {
        Group group;
        TimePoint indexed = kNever; // its key in deadlines_
    };
    using Groups = std::unordered_map<Address, Entry>;
    using Context = GroupContext;
    template <class Op>
    void update_group(const Address& group, TimePoint now, Op op);
    template <class Op>
    void change_group(typename Groups::iterator it, const Context& ctx, Op op);
    template <class Op>
    void add_group(const Address& group, const Context& ctx, Op op, std::size_t mark);

    [[nodiscard]] bool admit_group(const Address& group);
    [[nodiscard]] SourceSet<Address> valid_sources(const SourceSet<Address>& sources);
    [[nodiscard]] Context make_context(TimePoint now) const;
    void reindex(typename Groups::iterator it);
    void erase(typename Groups::iterator it);
    void lower_on_query(const ReceivedQuery<Address>& query, TimePoint now);
    void tally(std::size_t first);

    Config config_;
    Querier<Family> querier_;
    Groups groups_;
    // Every group's next deadline, earliest first (deadlines as data).
    std::set<std::pair<TimePoint, Address>> deadlines_;
    Outputs outputs_;
    RouterLinkCounters counters_;
    std::size_t source_records_ = 0;
};

extern template class RouterLink<Ipv6Family>;
extern template class RouterLink<Ipv4Family>;

} // namespace ecmh::proto
