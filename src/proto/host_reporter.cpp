// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/proto/host_reporter.hpp"

#include <algorithm>
#include <string_view>
#include <type_traits>
#include <utility>

namespace ecmh::proto {
namespace {

template <class Family>
constexpr bool kIsIgmp = std::is_same_v<Family, Ipv4Family>;

// RFC 3376 §7.2.1: "An IGMPv1 router will send General Queries with the Max Resp Code
// set to 0. This MUST be interpreted as a value of 100 (10 seconds)."
constexpr Duration kIgmpV1MaxResponse = std::chrono::seconds{10};

// Why a group's reported filter mode changes: a new merge of the downstream links'
// state (RFC 4605 §4.1), or the proxy leaving every group as it stops.
constexpr std::string_view kDatabaseChanged = "membership database changed";
constexpr std::string_view kLeaveAll = "leave all";

} // namespace

template <class Family>
HostReporter<Family>::HostReporter(const HostReporterConfig& config, Random& random,
                                   SsmRange<Address> ssm)
    : config_(config), random_(&random), ssm_(std::move(ssm)), compat_(config.newest_version) {}

template <class Family>
const typename HostReporter<Family>::State* HostReporter<Family>::find(const Address& group) const {
    const auto it = groups_.find(group);
    return it == groups_.end() || it->second.state.is_empty() ? nullptr : &it->second.state;
}

template <class Family>
TimePoint HostReporter<Family>::next_deadline() const {
    const auto group = due_.empty() ? kNever : due_.begin()->first;
    return std::min({general_at_, group, compat_.next_deadline()});
}

template <class Family>
std::uint32_t HostReporter<Family>::robustness() const {
    // RV "MUST NOT be zero"; a zero would silence every report, so treat it as 1.
    return std::max<std::uint32_t>(config_.vars.robustness, 1);
}

template <class Family>
Duration HostReporter<Family>::max_response(const Query& query) const {
    if (kIsIgmp<Family> && query.version == 1) {
        return kIgmpV1MaxResponse;
    }
    return std::max(query.max_response, Duration{0});
}

// ---- Compatibility mode -------------------------------------------------------------

template <class Family>
void HostReporter<Family>::advance(TimePoint now) {
    const auto before = compat_.version();
    compat_.expire(now, outputs_);
    follow_mode(before);
}

// The compatibility helper reported its own transition; what a new mode cancels is ours.
template <class Family>
void HostReporter<Family>::follow_mode(std::uint8_t before) {
    if (compat_.version() != before) {
        change_mode(before);
    }
}

template <class Family>
void HostReporter<Family>::change_mode(std::uint8_t from) {
    // "Whenever a host changes its compatibility mode, it cancels all its pending
    // responses and retransmission timers." (RFC 3810 §8.2.1, RFC 3376 §7.2.1)
    ++counters_.mode_changes;
    general_at_ = kNever;
    due_.clear();
    recorded_total_ = 0;
    std::size_t ssm_groups = 0;
    for (auto it = groups_.begin(); it != groups_.end();) {
        auto& e = it->second;
        e.changes.cancel();
        e.old_repeats = 0;
        e.retransmit_at = kNever;
        e.response_at = kNever;
        e.response_sources = {};
        e.indexed_at = kNever;
        if (e.state.is_empty()) { // a deletion whose retransmissions just died
            it = groups_.erase(it);
            continue;
        }
        if (ssm_.contains(it->first)) {
            ++ssm_groups;
        }
        ++it;
    }
    outputs_.push(HostModeChanged{from, compat_.version(), ssm_groups});
}

template <class Family>
void HostReporter<Family>::report_filter_mode(const Address& group, FilterMode before,
                                              FilterMode after, std::string_view event) {
    if (before != after) {
        outputs_.push(Transition<Address>{StateMachine::HostFilterMode, group, to_string(before),
                                          event, to_string(after)});
    }
}

// ---- Database changes ---------------------------------------------------------------

template <class Family>
void HostReporter<Family>::set_membership(const Address& group, const State& merged,
                                          TimePoint now) {
    advance(now);
    // Link-scope and reserved groups never enter the upstream database (rfc-map item 32).
    if (Family::classify_group(group) != GroupClass::Trackable) {
        ++counters_.untrackable_refused;
        return;
    }
    // RFC 4604 §2.2.2 (now RFC 9777 §5.2.13, RFC 9776 §4.2.13): an SSM-aware host "SHOULD
    // NOT send" IS_EX / TO_EX for an SSM address. The router side never merges such state
    // (rfc-map item 27); this is the second fence.
    if (merged.mode == FilterMode::Exclude && ssm_.contains(group)) {
        ++counters_.ssm_exclude_refused;
        return;
    }
    auto it = groups_.find(group);
    if (it == groups_.end()) {
        if (merged.is_empty()) {
            return;
        }
        it = groups_.emplace(group, Entry{}).first;
    }
    auto& e = it->second;
    if (e.state == merged) {
        return;
    }
    const State before = std::exchange(e.state, merged);
    report_filter_mode(group, before.mode, merged.mode, kDatabaseChanged);
    if (before.is_empty() != merged.is_empty()) {
        listening_ = merged.is_empty() ? listening_ - 1 : listening_ + 1;
    }
    if (merged.is_empty()) { // nothing left to answer a query with
        e.response_at = kNever;
        set_recorded(e, {});
    }
    if (full_mode()) {
        report_change(it, before, now);
    } else {
        report_old_change(it, before, now);
    }
    reindex(it);
}

template <class Family>
void HostReporter<Family>::report_change(Iter it, const State& before, TimePoint now) {
    // "A change of per-interface state causes the node to immediately transmit a State
    // Change Report", merged with any pending one (RFC 3810 §6.1, RFC 3376 §5.1), then
    // "[Robustness Variable] - 1 retransmissions ... at intervals chosen at random from
    // the range (0, [Unsolicited Report Interval])".
    auto& e = it->second;
    e.changes.record_change(before, e.state, robustness());
    std::vector<GroupRecord<Address>> records;
    e.changes.build_next(it->first, e.state, records);
    emit_report(ReportKind::StateChange, std::move(records));
    e.retransmit_at =
        e.changes.pending()
            ? now + random_->delay_up_to(Duration{config_.vars.unsolicited_report_interval})
            : kNever;
}

template <class Family>
void HostReporter<Family>::report_old_change(Iter it, const State& before, TimePoint now) {
    // RFC 4605 §4.1: in IGMPv1/v2 or MLDv1 mode, "when the membership records are created
    // or deleted, the changes are reported ... All other changes are ignored."
    auto& e = it->second;
    const bool created = before.is_empty();
    const bool deleted = e.state.is_empty();
    if (!created && !deleted) {
        return;
    }
    e.old_repeats = 0;
    e.retransmit_at = kNever;
    if (ssm_.contains(it->first)) {
        // An old querier "MUST ignore" SSM reports (RFC 4607 §8): say nothing.
        ++counters_.ssm_suppressed;
        return;
    }
    if (created) {
        emit_old_report(it->first);
        // "it is recommended that it be repeated once or twice after short delays
        // [Unsolicited Report Interval]" (RFC 2710 §4, RFC 2236 §3): RV − 1 repeats.
        e.old_repeats = robustness() - 1;
        if (e.old_repeats > 0) {
            e.retransmit_at =
                now + random_->delay_up_to(Duration{config_.old_unsolicited_report_interval});
        }
        return;
    }
    // IGMPv1 has no Leave ("MAY suppress Leave ... where the Querier is using IGMPv1").
    // The proxy never suppresses a Done/Leave for having been the last reporter: it is
    // the only host speaking for the whole downstream side.
    if (!(kIsIgmp<Family> && compat_.version() == 1)) {
        outputs_.push(HostOldLeave<Address>{it->first});
        ++counters_.old_leaves;
    }
}

// ---- Queries ------------------------------------------------------------------------

template <class Family>
Duration HostReporter<Family>::older_querier_present_interval(const Query& query) const {
    const auto& v = config_.vars;
    if constexpr (kIsIgmp<Family>) {
        // RFC 9776 §8.12 (erratum 4375): RV·QI from the defaults (ours: a host cannot know
        // the routers' QI, and IGMPv1/v2 queries carry none) plus the last query's Max
        // Response Time — "10 times" read as the PIM working group's issue reads it, the
        // field's tenths of a second counted in seconds (rfc-map P4-5, difference 9776.15).
        // An IGMPv1 query's is 10 s (RFC 2236 §4). At the defaults this is RFC 3376's value.
        const auto mrt = query.max_response > Duration{0} ? query.max_response
                                                          : Duration{v.query_response_interval};
        return Duration{v.robustness * v.query_interval} + mrt;
    } else {
        // RFC 9777 §9.12 keeps RFC 3810's RV·QI(last query) + QRI; an MLDv1 query carries
        // no QQIC, so QI is ours (rfc-map note A.4).
        return v.older_version_querier_present_interval(query.query_interval);
    }
}

template <class Family>
void HostReporter<Family>::on_query(const Query& query, TimePoint now) {
    advance(now);
    ++counters_.queries_by_version[query.version <= 3 ? query.version : 0];
    // An IGMPv1 query's group field is "ignored when received" (RFC 1112 App. I).
    const bool general = query.is_general() || (kIsIgmp<Family> && query.version == 1);
    report_ssm_query(query, general, now);
    if (!config_.host_compatibility && query.version < compat_.newest_allowed()) {
        ++counters_.older_queries_ignored; // neither answered nor followed
        return;
    }
    const auto until = now + older_querier_present_interval(query);
    const auto before = compat_.version();
    // "it should switch compatibility modes immediately" (RFC 3376 §7.2.1), then answer
    // the query in the new mode.
    compat_.on_query(query.version, general, until, outputs_);
    follow_mode(before);
    if (full_mode()) {
        schedule_full(query, general, now);
    } else {
        schedule_old(query, general, now);
    }
}

// An older querier cannot serve SSM: "An SSM-aware host that receives an IGMPv1 Query, an
// IGMPv2 General Query, or an IGMPv2 Group Specific Query for a multicast address in the
// SSM address range SHOULD log an error" (RFC 9776 §7.2.1, RFC 9777 §8.2.1). Rate-limited
// (host_actions.hpp HostSsmQueryError).
template <class Family>
void HostReporter<Family>::report_ssm_query(const Query& query, bool general, TimePoint now) {
    if (query.version >= Family::kNewestVersion) {
        return;
    }
    const auto ssm_groups = static_cast<std::size_t>(
        std::count_if(groups_.begin(), groups_.end(), [this](const auto& entry) {
            return ssm_.contains(entry.first) && !entry.second.state.is_empty();
        }));
    if (general ? ssm_groups == 0 : !ssm_.contains(query.group)) {
        return;
    }
    ++counters_.ssm_query_errors;
    if (last_ssm_error_ && now - *last_ssm_error_ < kSsmQueryErrorInterval) {
        ++ssm_errors_suppressed_;
        return;
    }
    last_ssm_error_ = now;
    outputs_.push(HostSsmQueryError<Address>{query.version, query.source,
                                             general ? Address{} : query.group, ssm_groups,
                                             std::exchange(ssm_errors_suppressed_, 0)});
}

template <class Family>
void HostReporter<Family>::schedule_full(const Query& query, bool general, TimePoint now) {
    // A delay "randomly selected in the range (0, [Maximum Response Delay])", never 0:
    // "MUST NOT send a Report immediately upon reception of a General Query" (§6.3).
    const auto at = now + random_->delay_up_to(max_response(query));
    // Rule 1: "If there is a pending response to a previous General Query scheduled
    // sooner than the selected delay, no additional response needs to be scheduled."
    if (general_at_ < at) {
        return;
    }
    if (general) {
        // Only "if it has any per-interface listening state record to report on".
        if (listening_ > 0) {
            general_at_ = at; // rule 2: the Interface Timer, replacing any pending one
        }
        return;
    }
    const auto it = groups_.find(query.group);
    if (it == groups_.end() || it->second.state.is_empty()) {
        return; // no listening state for the queried address: nothing to say
    }
    auto& e = it->second;
    if (e.response_at == kNever) {
        // Rule 3: schedule, recording the queried sources (none for Q(G)).
        e.response_at = at;
        record_sources(e, query.sources);
    } else if (query.sources.empty() || e.response_sources.empty()) {
        // Rule 4: a group-specific answer subsumes any source-specific one.
        set_recorded(e, {});
        e.response_at = std::min(e.response_at, at);
    } else {
        // Rule 5: "the multicast address source list is augmented".
        record_sources(e, query.sources);
        e.response_at = std::min(e.response_at, at);
    }
    reindex(it);
}

template <class Family>
void HostReporter<Family>::record_sources(Entry& e, const SourceSet<Address>& more) {
    if (more.empty()) {
        return;
    }
    auto merged = e.response_sources + more;
    const auto added = merged.size() - e.response_sources.size();
    if (merged.size() > config_.max_recorded_sources_per_group ||
        recorded_total_ + added > config_.max_recorded_sources_total) {
        // RFC 3810 §10.1: "record only a limited number of sources". Answering for the
        // whole group instead is a superset of the question, never a wrong answer.
        ++counters_.recorded_sources_capped;
        set_recorded(e, {});
        return;
    }
    set_recorded(e, std::move(merged));
}

template <class Family>
void HostReporter<Family>::set_recorded(Entry& e, SourceSet<Address> sources) {
    recorded_total_ = recorded_total_ - e.response_sources.size() + sources.size();
    e.response_sources = std::move(sources);
}

template <class Family>
void HostReporter<Family>::schedule_old(const Query& query, bool general, TimePoint now) {
    // RFC 2710 §4 / RFC 2236 §3: a General Query starts a delay timer for every
    // listened address, a specific query for that one; no interface timer.
    const auto mrd = max_response(query);
    if (!general) {
        const auto it = groups_.find(query.group);
        if (it != groups_.end()) {
            schedule_old_group(it, mrd, now);
        }
        return;
    }
    for (auto it = groups_.begin(); it != groups_.end(); ++it) {
        schedule_old_group(it, mrd, now);
    }
}

template <class Family>
void HostReporter<Family>::schedule_old_group(Iter it, Duration mrd, TimePoint now) {
    auto& e = it->second;
    if (e.state.is_empty()) {
        return;
    }
    if (ssm_.contains(it->first)) {
        ++counters_.ssm_suppressed;
        return;
    }
    if (e.response_at != kNever) {
        // "If a timer for the address is already running, it is reset to the random
        // value only if the requested Maximum Response Delay is less than the remaining
        // value of the running timer." (RFC 2710 §4, RFC 2236 §3.) An IGMPv1 host never
        // resets it (RFC 1112 App. I).
        if ((kIsIgmp<Family> && compat_.version() == 1) || mrd >= e.response_at - now) {
            return;
        }
    }
    e.response_at = now + random_->delay_up_to(mrd);
    reindex(it);
}

// ---- Timers -------------------------------------------------------------------------

template <class Family>
void HostReporter<Family>::on_timer(TimePoint now) {
    advance(now);
    std::vector<GroupRecord<Address>> current;
    std::vector<GroupRecord<Address>> changes;
    if (general_at_ <= now) {
        // §6.3 item 1: "one Current State Record is sent for each multicast address for
        // which the specified interface has listening state".
        general_at_ = kNever;
        for (const auto& [group, e] : groups_) {
            append_current_state(group, e.state, current);
        }
    }
    while (!due_.empty() && due_.begin()->first <= now) {
        const auto it = groups_.find(due_.begin()->second);
        if (it == groups_.end()) { // cannot happen: reindex keeps due_ and groups_ in step
            due_.erase(due_.begin());
            continue;
        }
        fire_group(it, now, current, changes);
    }
    emit_report(ReportKind::CurrentState, std::move(current));
    emit_report(ReportKind::StateChange, std::move(changes));
}

template <class Family>
void HostReporter<Family>::fire_group(Iter it, TimePoint now,
                                      std::vector<GroupRecord<Address>>& current,
                                      std::vector<GroupRecord<Address>>& changes) {
    auto& e = it->second;
    const auto& group = it->first;
    bool old_sent = false;
    if (e.response_at <= now) {
        e.response_at = kNever;
        if (!full_mode()) {
            old_sent = !e.state.is_empty() && emit_old_report(group);
        } else if (e.response_sources.empty()) {
            append_current_state(group, e.state, current); // §6.3 item 2
        } else {
            // §6.3 item 3: INCLUDE(A), B → IS_IN(A*B); EXCLUDE(A), B → IS_IN(B-A);
            // "If the resulting Current State Record has an empty set of source
            // addresses, then no response is sent."
            auto sources = e.state.mode == FilterMode::Include
                               ? e.state.sources * e.response_sources
                               : e.response_sources - e.state.sources;
            if (!sources.empty()) {
                current.push_back({wire::RecordType::ModeIsInclude, group, std::move(sources)});
            }
            set_recorded(e, {});
        }
    }
    if (e.retransmit_at <= now) {
        e.retransmit_at = kNever;
        if (full_mode()) {
            e.changes.build_next(group, e.state, changes); // §6.3 item 4
            if (e.changes.pending()) {
                e.retransmit_at =
                    now + random_->delay_up_to(Duration{config_.vars.unsolicited_report_interval});
            }
        } else if (e.old_repeats > 0) {
            --e.old_repeats;
            if (!old_sent) { // a response just now is as good as a repeat
                emit_old_report(group);
            }
            if (e.old_repeats > 0) {
                e.retransmit_at =
                    now + random_->delay_up_to(Duration{config_.old_unsolicited_report_interval});
            }
        }
    }
    reindex(it);
}

template <class Family>
void HostReporter<Family>::append_current_state(const Address& group, const State& state,
                                                std::vector<GroupRecord<Address>>& out) const {
    if (state.is_empty()) {
        return; // "non-existent" is never reported as IS_IN({})
    }
    const auto type = state.mode == FilterMode::Include ? wire::RecordType::ModeIsInclude
                                                        : wire::RecordType::ModeIsExclude;
    out.push_back({type, group, state.sources});
}

// ---- Commands -----------------------------------------------------------------------

template <class Family>
void HostReporter<Family>::resend_all(TimePoint now) {
    advance(now);
    if (!full_mode()) {
        for (const auto& [group, e] : groups_) {
            if (!e.state.is_empty()) {
                emit_old_report(group);
            }
        }
        return;
    }
    std::vector<GroupRecord<Address>> records;
    for (const auto& [group, e] : groups_) {
        append_current_state(group, e.state, records);
    }
    emit_report(ReportKind::CurrentState, std::move(records));
}

template <class Family>
void HostReporter<Family>::leave_all(TimePoint now) {
    advance(now);
    for (const auto& [group, e] : groups_) {
        report_filter_mode(group, e.state.mode, FilterMode::Include, kLeaveAll);
    }
    if (full_mode()) {
        // Each group goes to "non-existent" = INCLUDE({}) by the §6.1 table:
        // EXCLUDE(A) → TO_IN({}); INCLUDE(A) → BLOCK(A). Sent once: we are going away.
        std::vector<GroupRecord<Address>> records;
        for (const auto& [group, e] : groups_) {
            if (e.state.is_empty()) {
                continue;
            }
            if (e.state.mode == FilterMode::Exclude) {
                records.push_back({wire::RecordType::ChangeToIncludeMode, group, {}});
            } else {
                records.push_back({wire::RecordType::BlockOldSources, group, e.state.sources});
            }
        }
        emit_report(ReportKind::StateChange, std::move(records));
    } else if (!(kIsIgmp<Family> && compat_.version() == 1)) {
        for (const auto& [group, e] : groups_) {
            if (!e.state.is_empty() && !ssm_.contains(group)) {
                outputs_.push(HostOldLeave<Address>{group});
                ++counters_.old_leaves;
            }
        }
    }
    groups_.clear();
    due_.clear();
    general_at_ = kNever;
    listening_ = 0;
    recorded_total_ = 0;
}

// ---- Output and bookkeeping ---------------------------------------------------------

template <class Family>
bool HostReporter<Family>::emit_old_report(const Address& group) {
    if (ssm_.contains(group)) {
        ++counters_.ssm_suppressed;
        return false;
    }
    outputs_.push(HostOldReport<Address>{compat_.version(), group});
    ++counters_.old_reports;
    return true;
}

template <class Family>
void HostReporter<Family>::emit_report(ReportKind kind, std::vector<GroupRecord<Address>> records) {
    if (records.empty()) {
        return;
    }
    ++(kind == ReportKind::StateChange ? counters_.state_change_reports
                                       : counters_.current_state_reports);
    counters_.records += records.size();
    outputs_.push(HostReport<Address>{kind, std::move(records)});
}

template <class Family>
void HostReporter<Family>::reindex(Iter it) {
    auto& e = it->second;
    const auto key = std::min(e.response_at, e.retransmit_at);
    if (e.indexed_at != key) {
        if (e.indexed_at != kNever) {
            due_.erase({e.indexed_at, it->first});
        }
        if (key != kNever) {
            due_.insert({key, it->first});
        }
        e.indexed_at = key;
    }
    if (e.state.is_empty() && key == kNever) {
        set_recorded(e, {});
        groups_.erase(it);
    }
}

template class HostReporter<Ipv6Family>;
template class HostReporter<Ipv4Family>;

} // namespace ecmh::proto
