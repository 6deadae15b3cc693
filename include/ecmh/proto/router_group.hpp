// SPDX-License-Identifier: BSD-3-Clause
// The router-side state of one multicast group on one downstream link (RFC 3810 §7.2,
// RFC 3376 §6.2), for MLD and IGMP alike. It applies the record tables of RFC 3810
// §7.4 / RFC 3376 §6.4, the older-version translations of RFC 3810 §8.3.2 / RFC 3376
// §7.3.2, the querier's specific-query retransmissions (§7.6.3 / §6.6.3) and the
// timer expiries of §7.2.2, §7.2.3 and §7.5. No I/O and no clock: every call gets
// `now` in a GroupContext, every timer is a deadline.
//
// Outputs go to the link's queue (router_outputs.hpp), passed with each call: the
// specific queries to send (SendQuery, complete with the link's version and values),
// one LimitReached per operation and cap (per group, in all) that cut it short, and one Transition
// per change of filter mode (named after the table row that made it) or of compatibility mode.
// Forwarding changes are the link's to notice: it compares contribution().
//
// State and its invariants:
//   mode INCLUDE: sources() is the Include List A, every timer running; excluded()
//                 is empty; filter_timer() is kNever.
//   mode EXCLUDE: sources() is the Requested List X (timers running), excluded() is
//                 the Exclude List Y (timers 0, "not running"); the Filter Timer runs.
//   Timers:  (B)=T sets a source deadline to now+T with T = MALI (RFC 3376: GMI);
//            Filter Timer = now + MALI; LLQT = LLQI·LLQC; OVHPT = RV·QI + QRI.
//   The group is deletable once it is INCLUDE({}): that is "no state".
#pragma once

#include "ecmh/proto/family.hpp"
#include "ecmh/proto/membership.hpp"
#include "ecmh/proto/protocol_variables.hpp"
#include "ecmh/proto/router_outputs.hpp"
#include "ecmh/proto/source_set.hpp"
#include "ecmh/proto/time.hpp"
#include "ecmh/wire/group_record.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

namespace ecmh::proto {

// What one operation on a group needs from its link.
struct GroupContext {
    TimePoint now{};
    // The variables in force: the configured ones, or as a Non-Querier those with the
    // querier's QRV and QQI adopted (RFC 3376 §4.1.6/§4.1.7, RFC 3810 §5.1.8/§5.1.9).
    ProtocolVariables vars{};
    // The values a query states (Maximum Response = LLQI, QRV, QQIC): the configured
    // ones, also while `vars` holds adopted ones.
    ProtocolVariables configured{};
    // Only the Querier starts specific queries ("Send Q(...)", §7.6.3).
    bool querier = true;
    // Source records (X and Y together) one group may hold (rfc-map M7).
    std::size_t max_sources = std::numeric_limits<std::size_t>::max();
    // New source records this operation may create, what the family's total cap has
    // left (SourceBudget::room).
    std::size_t source_room = std::numeric_limits<std::size_t>::max();
};

// A source record with a running timer: a member of the Include List (INCLUDE) or of
// the Requested List (EXCLUDE).
template <class Address>
struct SourceTimer {
    Address source;
    TimePoint expires = kNever;
    // Source Retransmission Counter (§7.6.3.2): Q(MA,A) transmissions still owed.
    std::uint32_t retransmissions = 0;
    friend bool operator==(const SourceTimer&, const SourceTimer&) = default;
};

template <class Family>
class RouterGroup {
public:
    using Address = typename Family::Address;
    using Sources = SourceSet<Address>;
    using Context = GroupContext;
    using Outputs = RouterOutputs<Address>;

    // `configured_version` is the link's version (MLD 1|2, IGMP 1|2|3): the group never
    // acts newer than it.
    RouterGroup(const Address& group, std::uint8_t configured_version);

    // A Multicast Address / Group Record (current-state or state-change), after the
    // link's checks (scope, SSM, valid sources). Applies the compatibility-mode
    // translation first; returns false if that mode ignores the record.
    bool on_record(wire::RecordType type, const Sources& sources, const Context& ctx, Outputs& out);
    // An MLDv1 report (version 1) or IGMPv1/v2 report (1 or 2): starts or restarts the
    // Older Version Host Present timer, then applies IS_EX({}).
    void on_old_report(std::uint8_t version, const Context& ctx, Outputs& out);
    // An MLDv1 Done / IGMPv2 Leave: TO_IN({}); returns false in IGMPv1 mode, which
    // ignores it (RFC 3376 §7.3.2).
    bool on_old_leave(const Context& ctx, Outputs& out);
    // §7.6.1 / §6.6.1, RFC 2710 §4, RFC 2236 §3: a received Q(MA) (`queried` empty) or
    // Q(MA,A) without the S flag lowers the Filter Timer or those source timers to
    // now + `lowered_to` (never raises them).
    void lower_timers(const Sources& queried, Duration lowered_to, TimePoint now);
    // Everything due at ctx.now: older-host timers, source timers, the Filter Timer,
    // then the specific-query retransmission.
    void on_timer(const Context& ctx, Outputs& out);

    // §7.3 / §6.3 forwarding suggestion (rfc-map items 21 and 41).
    [[nodiscard]] bool forwards(const Address& source) const;
    // RFC 4605 §4.1 preprocessing: INCLUDE(A); EXCLUDE(X,Y) → EXCLUDE(Y); an
    // older-version membership → EXCLUDE({}).
    [[nodiscard]] MembershipState<Address> contribution() const;
    [[nodiscard]] TimePoint next_deadline() const;
    // Source records held: X (or A) and Y together, what the caps count.
    [[nodiscard]] std::size_t source_records() const { return sources_.size() + excluded_.size(); }
    [[nodiscard]] bool is_deletable() const {
        return mode_ == FilterMode::Include && sources_.empty();
    }

    // --- Full state, for the dump and tests.
    [[nodiscard]] const Address& group() const { return group_; }
    [[nodiscard]] FilterMode mode() const { return mode_; }
    [[nodiscard]] TimePoint filter_timer() const { return filter_expires_; }
    // INCLUDE: the Include List A; EXCLUDE: the Requested List X. Sorted by source.
    [[nodiscard]] const std::vector<SourceTimer<Address>>& sources() const { return sources_; }
    [[nodiscard]] const Sources& excluded() const { return excluded_; } // Y
    [[nodiscard]] Sources requested() const;                            // A or X as a set
    // The Multicast Address / Group Compatibility Mode (RFC 3810 §8.3.2, RFC 3376
    // §7.3.2), capped by the configured version.
    [[nodiscard]] std::uint8_t compatibility_version() const;
    // Older Version Host Present deadline for hosts of `version` (1, or 2 for IGMP);
    // kNever when that timer is not running.
    [[nodiscard]] TimePoint older_host_present(std::uint8_t version) const;
    [[nodiscard]] std::uint32_t pending_group_queries() const { return group_queries_left_; }
    [[nodiscard]] TimePoint next_retransmission() const { return next_query_; }

    // The RFC table row for a record in a mode, as Transitions quote it.
    [[nodiscard]] static std::string_view transition(FilterMode mode, wire::RecordType type);

private:
    // The events besides the tables' records that change a group's state (§8.3.2, §7.5).
    static constexpr std::string_view kOlderReport = "older-version report received";
    static constexpr std::string_view kOlderHostExpired =
        "Older Version Host Present timer expired";
    static constexpr std::string_view kFilterTimerExpired = "Filter Timer expired";

    using Handler = void (RouterGroup::*)(const Sources&, const Context&);
    struct Row {
        FilterMode mode;
        wire::RecordType type;
        std::string_view rfc; // the table row, verbatim
        Handler apply;
    };
    static const Row* find_row(FilterMode mode, wire::RecordType type);

    // The twelve rows of §7.4.1 + §7.4.2 (ALLOW shares IS_IN's row in each mode).
    void include_allow(const Sources& b, const Context& ctx);
    void include_is_ex(const Sources& b, const Context& ctx);
    void include_block(const Sources& b, const Context& ctx);
    void include_to_ex(const Sources& b, const Context& ctx);
    void include_to_in(const Sources& b, const Context& ctx);
    void exclude_allow(const Sources& a, const Context& ctx);
    void exclude_is_ex(const Sources& a, const Context& ctx);
    void exclude_block(const Sources& a, const Context& ctx);
    void exclude_to_ex(const Sources& a, const Context& ctx);
    void exclude_to_in(const Sources& a, const Context& ctx);
    void apply(wire::RecordType type, const Sources& sources, const Context& ctx, Outputs& out);

    // Source-record primitives.
    SourceTimer<Address>* find(const Address& source);
    [[nodiscard]] const SourceTimer<Address>* find(const Address& source) const;
    void set_timers(const Sources& set, TimePoint expires, const Context& ctx); // (set)=T
    void keep_only(const Sources& keep);                                        // Delete (X-keep)
    void add_excluded(const Sources& set, const Context& ctx);                  // (set)=0
    void enter_exclude(const Context& ctx);                                     // Filter Timer=MALI

    // Querier actions (§7.6.3) and the transmissions they schedule.
    void send_source_query(const Sources& set, const Context& ctx); // Send Q(MA,set)
    void send_group_query(const Context& ctx);                      // Send Q(MA)
    void transmit(const Context& ctx, Outputs& out);
    void emit_query(Sources sources, bool suppress, const Context& ctx, Outputs& out) const;
    void reschedule(TimePoint now, const ProtocolVariables& vars);

    // Expiries.
    void expire_older_hosts(TimePoint now, Outputs& out);
    void expire_sources(TimePoint now);
    void expire_filter(TimePoint now, Outputs& out);

    // Outputs of state changes.
    void report_mode(FilterMode before, std::string_view event, std::string_view rule,
                     Outputs& out) const;
    void report_compatibility(std::uint8_t before, std::string_view event, Outputs& out) const;
    void report_refusals(Outputs& out);

    Address group_;
    std::uint8_t configured_version_;
    FilterMode mode_ = FilterMode::Include;
    TimePoint filter_expires_ = kNever;
    std::vector<SourceTimer<Address>> sources_; // sorted by source
    Sources excluded_;
    // Older Version Host Present deadlines: [0] v1 hosts, [1] v2 hosts (IGMP only).
    std::array<TimePoint, 2> older_host_until_{kNever, kNever};
    // Q(MA) transmissions still owed, and when the next (merged) transmission is due.
    std::uint32_t group_queries_left_ = 0;
    TimePoint next_query_ = kNever;
    bool transmit_now_ = false;           // a "Send Q" of the current record wants a transmission
    std::uint64_t refused_now_ = 0;       // new source records the cap kept out of this operation
    std::uint64_t refused_total_now_ = 0; // ... that the family's total cap kept out
    std::size_t added_now_ = 0;           // new source records this operation created
};

extern template class RouterGroup<Ipv6Family>;
extern template class RouterGroup<Ipv4Family>;

} // namespace ecmh::proto
