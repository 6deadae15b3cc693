// SPDX-License-Identifier: BSD-3-Clause
// The host side of the proxy on its upstream link (RFC 4605 §4.1, §3: "MUST NOT perform
// the router portion ... on its upstream interface"), one instance per family. It
// reports the merged membership database as though ecmh were a host: MLDv2 / IGMPv3
// by default, MLDv1 / IGMPv2 / IGMPv1 while an older querier is present.
//
// Pure logic: every input carries `now`. Outputs (host_actions.hpp) are appended to one
// queue in the order decided, a Transition for every change of Host Compatibility Mode
// or of a group's reported filter mode among them; the engine drains it with
// take_outputs(). Deadlines are data — the engine polls until next_deadline() and calls
// on_timer().
//
// State, per group ("interface state" = the reported record):
//   state          the merged membership last set (INCLUDE({}) = none; an entry with
//                  it lives only while a deletion is still being retransmitted)
//   changes        §6.1 retransmission counters      retransmit_at  next one, (0, URI]
//   old_repeats    v1/v2 unsolicited repeats left    (same timer, (0, old URI])
//   response_at    Multicast Address Timer (§6.2) / the v1/v2 per-group delay timer
//   response_sources  recorded Q(G,S) sources; empty = a group-specific response
// Per link:
//   general_at     Interface Timer (§6.2 rule 2), MLDv2 / IGMPv3 only
//   compat         Older Version Querier Present timers (host_compat.hpp)
// Invariants: a group is in `due_` under min(response_at, retransmit_at) iff that is
// not kNever; no entry has an empty state without a pending retransmission; at most one
// pending response per group plus one interface timer, whatever the query rate.
#pragma once

#include "ecmh/proto/family.hpp"
#include "ecmh/proto/host_actions.hpp"
#include "ecmh/proto/host_compat.hpp"
#include "ecmh/proto/host_state_change.hpp"
#include "ecmh/proto/membership.hpp"
#include "ecmh/proto/query.hpp"
#include "ecmh/proto/random.hpp"
#include "ecmh/proto/ssm_range.hpp"
#include "ecmh/proto/time.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace ecmh::proto {

// One reported group as the dump shows it.
template <class Address>
struct HostGroupView {
    const Address& group;
    const MembershipState<Address>& state;
    std::uint32_t pending_retransmissions; // state-change (or v1/v2 repeat) reports owed
    TimePoint next_retransmission;         // kNever if none
    TimePoint response_at;                 // pending query response; kNever if none
};

template <class Family>
class HostReporter {
public:
    using Address = typename Family::Address;
    using State = MembershipState<Address>;
    using Output = HostOutput<Address>;
    using Outputs = HostOutputs<Address>;
    using Query = ReceivedQuery<Address>;

    // `random` must outlive the reporter.
    // `ssm`: the groups that are SSM (rfc-map item 27), the IANA default unless given.
    HostReporter(const HostReporterConfig& config, Random& random, SsmRange<Address> ssm = {});

    // The merged record for `group` is now `merged` (RFC 4605 §4.1); INCLUDE({}) means
    // no longer wanted. Sends what the change needs (RFC 3810 §6.1 / RFC 4605 §4.1).
    void set_membership(const Address& group, const State& merged, TimePoint now);
    // A valid query heard on the upstream link (RFC 3810 §6.2, §8.2.1; RFC 3376 §5.2,
    // §7.2.1; RFC 2710 §4; RFC 2236 §3). With host_compatibility off, one older than the
    // configured newest version changes nothing but a counter.
    void on_query(const Query& query, TimePoint now);
    // A full set of current-state reports now (SIGUSR2, new link-local address).
    void resend_all(TimePoint now);
    // Leave every group once (shutdown) and forget all state.
    void leave_all(TimePoint now);
    // Runs every timer due at `now`.
    void on_timer(TimePoint now);
    [[nodiscard]] TimePoint next_deadline() const;

    [[nodiscard]] const std::vector<Output>& outputs() const { return outputs_.items(); }
    // Hands the collected outputs to the engine and starts a fresh queue.
    [[nodiscard]] std::vector<Output> take_outputs() { return outputs_.take(); }

    [[nodiscard]] std::uint8_t current_version() const { return compat_.version(); }
    [[nodiscard]] const HostCompatibility<Family>& compatibility() const { return compat_; }
    [[nodiscard]] TimePoint general_response_at() const { return general_at_; }
    [[nodiscard]] const HostCounters& counters() const { return counters_; }
    // The reported state for `group`, nullptr if none.
    [[nodiscard]] const State* find(const Address& group) const;
    // Groups with listening state (not counting deletions still being retransmitted).
    [[nodiscard]] std::size_t listening_groups() const { return listening_; }

    // Calls f(HostGroupView) for every entry, in address order.
    template <class F>
    void for_each_group(F&& f) const {
        for (const auto& [group, entry] : groups_) {
            const auto owed = full_mode() ? entry.changes.remaining() : entry.old_repeats;
            f(HostGroupView<Address>{group, entry.state, owed, entry.retransmit_at,
                                     entry.response_at});
        }
    }

private:
    // How long an older querier is taken to be present after its query (OVQPT).
    [[nodiscard]] Duration older_querier_present_interval(const Query& query) const;
    struct Entry {
        State state;
        StateChangeRetransmission<Address> changes;
        std::uint32_t old_repeats = 0;
        TimePoint retransmit_at = kNever;
        TimePoint response_at = kNever;
        SourceSet<Address> response_sources;
        TimePoint indexed_at = kNever; // its key in due_
    };
    using Groups = std::map<Address, Entry>;
    using Iter = typename Groups::iterator;

    // Whether the link speaks the source-filtering version (MLDv2 / IGMPv3).
    [[nodiscard]] bool full_mode() const { return compat_.version() == Family::kNewestVersion; }
    [[nodiscard]] std::uint32_t robustness() const;
    [[nodiscard]] Duration max_response(const Query& query) const;

    void advance(TimePoint now);
    void report_ssm_query(const Query& query, bool general, TimePoint now);
    void follow_mode(std::uint8_t before);
    void change_mode(std::uint8_t from);
    void report_filter_mode(const Address& group, FilterMode before, FilterMode after,
                            std::string_view event);
    void report_change(Iter it, const State& before, TimePoint now);
    void report_old_change(Iter it, const State& before, TimePoint now);
    void schedule_full(const Query& query, bool general, TimePoint now);
    void schedule_old(const Query& query, bool general, TimePoint now);
    void schedule_old_group(Iter it, Duration mrd, TimePoint now);
    void record_sources(Entry& entry, const SourceSet<Address>& more);
    void set_recorded(Entry& entry, SourceSet<Address> sources);
    void fire_group(Iter it, TimePoint now, std::vector<GroupRecord<Address>>& current,
                    std::vector<GroupRecord<Address>>& changes);
    void append_current_state(const Address& group, const State& state,
                              std::vector<GroupRecord<Address>>& out) const;
    bool emit_old_report(const Address& group);
    void emit_report(ReportKind kind, std::vector<GroupRecord<Address>> records);
    // Re-keys the entry in due_ and erases it if nothing is left (invalidating `it`).
    void reindex(Iter it);

    HostReporterConfig config_;
    Random* random_;
    SsmRange<Address> ssm_;
    HostCompatibility<Family> compat_;
    Groups groups_;
    std::set<std::pair<TimePoint, Address>> due_; // per-group deadlines, earliest first
    TimePoint general_at_ = kNever;
    std::size_t listening_ = 0;
    std::size_t recorded_total_ = 0;
    std::optional<TimePoint> last_ssm_error_; // the last HostSsmQueryError pushed
    std::uint64_t ssm_errors_suppressed_ = 0; // since then
    HostCounters counters_;
    Outputs outputs_;
};

extern template class HostReporter<Ipv6Family>;
extern template class HostReporter<Ipv4Family>;

} // namespace ecmh::proto
