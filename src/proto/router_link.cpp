// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/proto/router_link.hpp"

#include <algorithm>
#include <variant>

namespace ecmh::proto {
namespace {

using wire::RecordType;

bool is_exclude_record(RecordType type) {
    return type == RecordType::ModeIsExclude || type == RecordType::ChangeToExcludeMode;
}

void bump(std::uint64_t* counter) {
    if (counter != nullptr) {
        ++*counter;
    }
}

} // namespace

template <class Family>
RouterLink<Family>::RouterLink(const Config& config, TimePoint now)
    : config_(config), querier_(config.vars, config.own_address, config.version, now) {}

template <class Family>
RouterLink<Family>::~RouterLink() {
    if (config_.source_budget != nullptr) {
        config_.source_budget->adjust(source_records_, 0);
    }
}

// --- Inputs -----------------------------------------------------------------------

template <class Family>
void RouterLink<Family>::on_query(const ReceivedQuery<Address>& query, TimePoint now) {
    ++counters_.queries_received;
    if (query.source == config_.own_address) {
        ++counters_.ignored_own_queries; // our own query, looped back by the capture
        return;
    }
    const auto mark = outputs_.size();
    querier_.on_query(query, now, outputs_);
    tally(mark);
    if (!query.is_general()) {
        lower_on_query(query, now);
    }
}

// §7.6.1 / §6.6.1: a Q(MA) or Q(MA,A) with a clear S flag lowers the timers to LLQT.
// An MLDv1 / IGMPv2 query has no S flag; there the timer goes to "[Last Listener Query
// Count] times the Maximum Response Delay specified in the message" (RFC 2710 §4,
// RFC 2236 §3).
template <class Family>
void RouterLink<Family>::lower_on_query(const ReceivedQuery<Address>& query, TimePoint now) {
    const auto it = groups_.find(query.group);
    if (it == groups_.end()) {
        return;
    }
    const auto& vars = querier_.variables();
    Duration lowered_to = vars.last_listener_query_time();
    if (query.version < Family::kNewestVersion) {
        lowered_to = query.max_response * vars.last_listener_query_count();
    } else if (query.suppress_router_side) {
        return; // "it will not update its timers"
    }
    it->second.group.lower_timers(query.sources, lowered_to, now);
    reindex(it);
}

template <class Family>
void RouterLink<Family>::on_record(const GroupRecord<Address>& record, TimePoint now) {
    if (!admit_group(record.group)) {
        return;
    }
    if (config_.version < Family::kNewestVersion) {
        ++counters_.ignored_version;
        return;
    }
    // "A router SHOULD ignore a group record of either of the following types if it
    // refers to an SSM destination address: MODE_IS_EXCLUDE, CHANGE_TO_EXCLUDE_MODE"
    // and "MUST process any other group records within the same report" (RFC 4604 §3.5).
    if (config_.ssm.contains(record.group) && is_exclude_record(record.type)) {
        ++counters_.ignored_ssm;
        return;
    }
    const auto sources = valid_sources(record.sources);
    update_group(record.group, now, [&](Group& group, const Context& ctx) {
        return group.on_record(record.type, sources, ctx, outputs_) ? &counters_.records_processed
                                                                    : &counters_.ignored_compat;
    });
}

template <class Family>
void RouterLink<Family>::on_old_report(const Address& group, std::uint8_t version, TimePoint now) {
    if (!admit_group(group)) {
        return;
    }
    if (version == 0 || version >= Family::kNewestVersion) {
        ++counters_.ignored_version;
        return;
    }
    // v1/v2 reports for SSM addresses: "SHOULD ignore" (RFC 4604 §3.5/§3.7), so they
    // neither create state nor switch the group's compatibility mode.
    if (config_.ssm.contains(group)) {
        ++counters_.ignored_ssm;
        return;
    }
    update_group(group, now, [&](Group& g, const Context& ctx) {
        g.on_old_report(version, ctx, outputs_);
        return &counters_.old_reports_processed;
    });
}

template <class Family>
void RouterLink<Family>::on_old_leave(const Address& group, TimePoint now) {
    if (!admit_group(group)) {
        return;
    }
    if (config_.ssm.contains(group)) {
        ++counters_.ignored_ssm;
        return;
    }
    // "Routers in Non-Querier state MUST ignore Done messages" (RFC 2710 §4);
    // "Non-Queriers MUST ignore Leave Group messages" (RFC 2236 §3).
    if (!querier_.is_querier()) {
        ++counters_.ignored_leave_non_querier;
        return;
    }
    // "Queriers SHOULD ignore Leave Group messages for which there are no group
    // members" (RFC 2236 §3); RFC 2710 §4 queries only "if ... present".
    if (groups_.find(group) == groups_.end()) {
        ++counters_.ignored_leave_absent;
        return;
    }
    update_group(group, now, [&](Group& g, const Context& ctx) {
        return g.on_old_leave(ctx, outputs_) ? &counters_.old_leaves_processed
                                             : &counters_.ignored_compat;
    });
}

template <class Family>
void RouterLink<Family>::on_timer(TimePoint now) {
    const auto mark = outputs_.size();
    querier_.on_timer(now, outputs_);
    tally(mark);
    // Collect first: each group runs once per call, whatever its timers say next.
    std::vector<Address> groups;
    for (auto it = deadlines_.begin(); it != deadlines_.end() && it->first <= now; ++it) {
        groups.push_back(it->second);
    }
    for (const auto& group : groups) {
        update_group(group, now, [&](Group& g, const Context& ctx) -> std::uint64_t* {
            g.on_timer(ctx, outputs_);
            return nullptr;
        });
    }
}

template <class Family>
TimePoint RouterLink<Family>::next_deadline() const {
    const TimePoint groups = deadlines_.empty() ? kNever : deadlines_.begin()->first;
    return std::min(querier_.next_deadline(), groups);
}

template <class Family>
void RouterLink<Family>::set_own_address(const Address& own) {
    config_.own_address = own;
    querier_.set_own_address(own);
}

template <class Family>
void RouterLink<Family>::change_own_address(const Address& own, TimePoint now) {
    config_.own_address = own;
    const auto mark = outputs_.size();
    querier_.change_own_address(own, now, outputs_);
    tally(mark);
}

template <class Family>
void RouterLink<Family>::restart_queries(TimePoint now) {
    const auto mark = outputs_.size();
    querier_.restart(now, outputs_);
    tally(mark);
}

template <class Family>
void RouterLink<Family>::reconfigure(const Config& config, TimePoint now) {
    const bool protocol = config.vars != config_.vars || config.version != config_.version;
    config_.vars = config.vars;
    config_.version = config.version;
    config_.max_groups = config.max_groups;
    config_.max_sources_per_group = config.max_sources_per_group;
    if (protocol) {
        const auto mark = outputs_.size();
        querier_.reconfigure(config_.vars, config_.version, now, outputs_);
        tally(mark);
    }
}

template <class Family>
void RouterLink<Family>::forget(const Address& group) {
    const auto it = groups_.find(group);
    if (it == groups_.end()) {
        return;
    }
    const auto records = it->second.group.source_records();
    source_records_ -= records;
    if (config_.source_budget != nullptr) {
        config_.source_budget->adjust(records, 0);
    }
    erase(it);
    outputs_.push(MembershipChanged<Address>{group});
}

// --- State ------------------------------------------------------------------------

template <class Family>
auto RouterLink<Family>::find(const Address& group) const -> const Group* {
    const auto it = groups_.find(group);
    return it == groups_.end() ? nullptr : &it->second.group;
}

template <class Family>
bool RouterLink<Family>::forwards(const Address& group, const Address& source) const {
    const Group* g = find(group);
    return g != nullptr && g->forwards(source);
}

template <class Family>
MembershipState<typename Family::Address>
RouterLink<Family>::contribution(const Address& group) const {
    const Group* g = find(group);
    return g == nullptr ? MembershipState<Address>{} : g->contribution();
}

// --- Plumbing ---------------------------------------------------------------------

template <class Family>
bool RouterLink<Family>::admit_group(const Address& group) {
    switch (Family::classify_group(group)) {
    case GroupClass::Trackable:
        return true;
    case GroupClass::LinkScope:
        ++counters_.ignored_link_scope; // normal traffic on every link: no log
        return false;
    case GroupClass::NotMulticast:
        ++counters_.ignored_not_multicast;
        return false;
    case GroupClass::Reserved:
        ++counters_.ignored_reserved;
        return false;
    }
    return false;
}

// A source in a record must be a unicast address that could send (RFC 3810 §5.2.9,
// rfc-map M8). Dropping the entry keeps the record's meaning: no packet can come
// from such a source, so including or excluding it forwards nothing different.
template <class Family>
SourceSet<typename Family::Address>
RouterLink<Family>::valid_sources(const SourceSet<Address>& sources) {
    SourceSet<Address> valid;
    for (const auto& source : sources) {
        if (Family::is_valid_source(source)) {
            valid.insert(source);
        } else {
            ++counters_.ignored_invalid_sources;
        }
    }
    return valid;
}

template <class Family>
auto RouterLink<Family>::make_context(TimePoint now) const -> Context {
    Context ctx;
    ctx.now = now;
    ctx.vars = querier_.variables();
    ctx.configured = config_.vars;
    ctx.querier = querier_.is_querier();
    ctx.max_sources = config_.max_sources_per_group;
    if (config_.source_budget != nullptr) {
        ctx.source_room = config_.source_budget->room();
    }
    return ctx;
}

// Runs `op` on the group (a fresh INCLUDE({}) one if absent); `op` appends the group's
// own outputs to the queue and returns the counter its outcome bumps (or null). Then
// the link adds a MembershipChanged if the group's answer changed, counts the outputs,
// and keeps, refuses or deletes the group.
template <class Family>
template <class Op>
void RouterLink<Family>::update_group(const Address& group, TimePoint now, Op op) {
    const auto mark = outputs_.size();
    const auto ctx = make_context(now);
    const auto records = [&] {
        const auto it = groups_.find(group);
        return it == groups_.end() ? std::size_t{0} : it->second.group.source_records();
    };
    const auto before = records();
    if (const auto it = groups_.find(group); it != groups_.end()) {
        change_group(it, ctx, op);
    } else {
        add_group(group, ctx, op, mark);
    }
    // Every change of a group's records goes through here (records, expiries, deletion),
    // so the link's count and the family's budget stay exact.
    const auto after = records();
    source_records_ = source_records_ - before + after;
    if (config_.source_budget != nullptr) {
        config_.source_budget->adjust(before, after);
    }
    tally(mark);
}

template <class Family>
template <class Op>
void RouterLink<Family>::change_group(typename Groups::iterator it, const Context& ctx, Op op) {
    const auto before = it->second.group.contribution();
    bump(op(it->second.group, ctx));
    if (it->second.group.contribution() != before) {
        outputs_.push(MembershipChanged<Address>{it->first});
    }
    if (it->second.group.is_deletable()) {
        erase(it);
    } else {
        reindex(it);
    }
}

// A fresh group is kept only if it now holds state and the cap allows; a refused one
// leaves no output but the refusal (and bumps no outcome counter).
template <class Family>
template <class Op>
void RouterLink<Family>::add_group(const Address& group, const Context& ctx, Op op,
                                   std::size_t mark) {
    Group fresh{group, config_.version};
    std::uint64_t* outcome = op(fresh, ctx);
    if (fresh.is_deletable()) {
        bump(outcome); // INCLUDE({}) in and out: no state, no query, maybe a refusal
        return;
    }
    if (groups_.size() >= config_.max_groups) {
        outputs_.truncate(mark);
        outputs_.push(LimitReached<Address>{LimitKind::Groups, group});
        return;
    }
    bump(outcome);
    const auto it = groups_.emplace(group, Entry{std::move(fresh), kNever}).first;
    outputs_.push(MembershipChanged<Address>{group});
    reindex(it);
}

// The counters of what the link sent and refused count its outputs: each output
// appended since `first` is counted here, once.
template <class Family>
void RouterLink<Family>::tally(std::size_t first) {
    const auto& items = outputs_.items();
    for (auto i = first; i < items.size(); ++i) {
        if (const auto* q = std::get_if<SendQuery<Address>>(&items[i])) {
            ++(q->is_general()      ? counters_.general_queries_sent
               : q->sources.empty() ? counters_.group_queries_sent
                                    : counters_.group_source_queries_sent);
        } else if (const auto* l = std::get_if<LimitReached<Address>>(&items[i])) {
            (l->kind == LimitKind::Groups            ? counters_.group_limit_hits
             : l->kind == LimitKind::SourcesPerGroup ? counters_.source_limit_hits
                                                     : counters_.total_source_limit_hits) +=
                l->refused;
        } else if (std::holds_alternative<QuerierChanged<Address>>(items[i])) {
            ++counters_.querier_transitions;
        }
    }
}

template <class Family>
void RouterLink<Family>::reindex(typename Groups::iterator it) {
    const TimePoint next = it->second.group.next_deadline();
    if (next == it->second.indexed) {
        return;
    }
    if (it->second.indexed != kNever) {
        deadlines_.erase({it->second.indexed, it->first});
    }
    if (next != kNever) {
        deadlines_.insert({next, it->first});
    }
    it->second.indexed = next;
}

template <class Family>
void RouterLink<Family>::erase(typename Groups::iterator it) {
    if (it->second.indexed != kNever) {
        deadlines_.erase({it->second.indexed, it->first});
    }
    groups_.erase(it);
}

template class RouterLink<Ipv6Family>;
template class RouterLink<Ipv4Family>;

} // namespace ecmh::proto
