// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/proto/router_group.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <type_traits>

namespace ecmh::proto {
namespace {

using wire::RecordType;

// IGMPv1 is the only version without a Leave message: in that mode a Leave and its
// IGMPv3 equivalent TO_IN are ignored (RFC 3376 §7.3.2, RFC 2236 §5).
template <class Family>
constexpr bool has_leave_message(std::uint8_t version) {
    return !(std::is_same_v<Family, Ipv4Family> && version == 1);
}

Duration mali(const ProtocolVariables& v) {
    return v.listener_interval();
}

// The first record not ordered before `source` in a vector sorted by source.
template <class Records, class Address>
auto lower_bound_source(Records& records, const Address& source) {
    return std::lower_bound(records.begin(), records.end(), source,
                            [](const auto& r, const Address& s) { return r.source < s; });
}

} // namespace

template <class Family>
RouterGroup<Family>::RouterGroup(const Address& group, std::uint8_t configured_version)
    : group_(group), configured_version_(configured_version) {}

// --- The tables as data -----------------------------------------------------------

template <class Family>
auto RouterGroup<Family>::find_row(FilterMode mode, RecordType type) -> const Row* {
    using M = FilterMode;
    using R = RouterGroup;
    static const std::array<Row, 12> kRows{{
        // RFC 3810 §7.4.1 / RFC 3376 §6.4.1 (T = MALI / GMI)
        {M::Include, RecordType::ModeIsInclude, "INCLUDE (A) IS_IN (B) -> INCLUDE (A+B): (B)=T",
         &R::include_allow},
        {M::Include, RecordType::ModeIsExclude,
         "INCLUDE (A) IS_EX (B) -> EXCLUDE (A*B, B-A): (B-A)=0; Delete (A-B); Filter Timer=T",
         &R::include_is_ex},
        {M::Exclude, RecordType::ModeIsInclude,
         "EXCLUDE (X,Y) IS_IN (A) -> EXCLUDE (X+A, Y-A): (A)=T", &R::exclude_allow},
        {M::Exclude, RecordType::ModeIsExclude,
         "EXCLUDE (X,Y) IS_EX (A) -> EXCLUDE (A-Y, Y*A): (A-X-Y)=T; Delete (X-A); "
         "Delete (Y-A); Filter Timer=T",
         &R::exclude_is_ex},
        // RFC 3810 §7.4.2 / RFC 3376 §6.4.2
        {M::Include, RecordType::AllowNewSources, "INCLUDE (A) ALLOW (B) -> INCLUDE (A+B): (B)=T",
         &R::include_allow},
        {M::Include, RecordType::BlockOldSources,
         "INCLUDE (A) BLOCK (B) -> INCLUDE (A): Send Q(MA,A*B)", &R::include_block},
        {M::Include, RecordType::ChangeToExcludeMode,
         "INCLUDE (A) TO_EX (B) -> EXCLUDE (A*B,B-A): (B-A)=0; Delete (A-B); "
         "Send Q(MA,A*B); Filter Timer=T",
         &R::include_to_ex},
        {M::Include, RecordType::ChangeToIncludeMode,
         "INCLUDE (A) TO_IN (B) -> INCLUDE (A+B): (B)=T; Send Q(MA,A-B)", &R::include_to_in},
        {M::Exclude, RecordType::AllowNewSources,
         "EXCLUDE (X,Y) ALLOW (A) -> EXCLUDE (X+A,Y-A): (A)=T", &R::exclude_allow},
        {M::Exclude, RecordType::BlockOldSources,
         "EXCLUDE (X,Y) BLOCK (A) -> EXCLUDE (X+(A-Y),Y): (A-X-Y)=Filter Timer; "
         "Send Q(MA,A-Y)",
         &R::exclude_block},
        {M::Exclude, RecordType::ChangeToExcludeMode,
         "EXCLUDE (X,Y) TO_EX (A) -> EXCLUDE (A-Y,Y*A): (A-X-Y)=Filter Timer; Delete (X-A); "
         "Delete (Y-A); Send Q(MA,A-Y); Filter Timer=T",
         &R::exclude_to_ex},
        {M::Exclude, RecordType::ChangeToIncludeMode,
         "EXCLUDE (X,Y) TO_IN (A) -> EXCLUDE (X+A,Y-A): (A)=T; Send Q(MA,X-A); Send Q(MA)",
         &R::exclude_to_in},
    }};
    const auto it = std::find_if(kRows.begin(), kRows.end(),
                                 [&](const Row& r) { return r.mode == mode && r.type == type; });
    return it == kRows.end() ? nullptr : &*it;
}

template <class Family>
std::string_view RouterGroup<Family>::transition(FilterMode mode, RecordType type) {
    const Row* row = find_row(mode, type);
    return row == nullptr ? std::string_view{"unknown record type"} : row->rfc;
}

// --- Inputs -----------------------------------------------------------------------

template <class Family>
bool RouterGroup<Family>::on_record(RecordType type, const Sources& sources, const Context& ctx,
                                    Outputs& out) {
    const auto version = compatibility_version();
    if (version < Family::kNewestVersion) {
        // RFC 3810 §8.3.2 / RFC 3376 §7.3.2: "BLOCK messages are ignored, as are
        // source-lists in TO_EX() messages"; IGMPv1 mode also ignores TO_IN().
        if (type == RecordType::BlockOldSources) {
            return false;
        }
        if (type == RecordType::ChangeToIncludeMode && !has_leave_message<Family>(version)) {
            return false;
        }
        if (type == RecordType::ChangeToExcludeMode) {
            apply(type, Sources{}, ctx, out);
            return true;
        }
    }
    apply(type, sources, ctx, out);
    return true;
}

template <class Family>
void RouterGroup<Family>::on_old_report(std::uint8_t version, const Context& ctx, Outputs& out) {
    const auto before = compatibility_version();
    if (version >= 1 && version < Family::kNewestVersion) {
        older_host_until_[version - 1U] = ctx.now + ctx.vars.older_version_host_present_interval();
    }
    report_compatibility(before, kOlderReport, out);
    // MLDv1 Report / IGMPv1, v2 Report → IS_EX( {} ) (§8.3.2, §7.3.2).
    apply(RecordType::ModeIsExclude, Sources{}, ctx, out);
}

template <class Family>
bool RouterGroup<Family>::on_old_leave(const Context& ctx, Outputs& out) {
    if (!has_leave_message<Family>(compatibility_version())) {
        return false; // IGMPv1 mode: "IGMPv2 Leave messages ... are also ignored"
    }
    apply(RecordType::ChangeToIncludeMode, Sources{}, ctx, out); // Done / Leave → TO_IN( {} )
    return true;
}

template <class Family>
void RouterGroup<Family>::apply(RecordType type, const Sources& sources, const Context& ctx,
                                Outputs& out) {
    const Row* row = find_row(mode_, type);
    if (row == nullptr) {
        return; // the wire layer passes only the six known types
    }
    const FilterMode before = mode_;
    transmit_now_ = false;
    refused_now_ = 0;
    refused_total_now_ = 0;
    added_now_ = 0;
    (this->*row->apply)(sources, ctx);
    report_mode(before, wire::to_string(type), row->rfc, out);
    if (transmit_now_) {
        // "The Querier must then immediately send": new and pending queries merged
        // into one transmission (§7.6.3).
        transmit(ctx, out);
    }
    report_refusals(out);
    reschedule(ctx.now, ctx.vars);
}

template <class Family>
void RouterGroup<Family>::lower_timers(const Sources& queried, Duration lowered_to, TimePoint now) {
    const TimePoint limit = now + lowered_to;
    if (queried.empty()) {
        // Q(MA): "Filter Timer is lowered to LLQT" — only EXCLUDE has one.
        if (mode_ == FilterMode::Exclude) {
            filter_expires_ = std::min(filter_expires_, limit);
        }
        return;
    }
    // Q(MA,A): "Source Timers for sources in A are lowered to LLQT"; Y's are already 0.
    for (const auto& source : queried) {
        if (auto* record = find(source)) {
            record->expires = std::min(record->expires, limit);
        }
    }
}

// --- The rows ---------------------------------------------------------------------

// INCLUDE (A) IS_IN (B) / ALLOW (B) → INCLUDE (A+B); (B)=MALI
template <class Family>
void RouterGroup<Family>::include_allow(const Sources& b, const Context& ctx) {
    set_timers(b, ctx.now + mali(ctx.vars), ctx);
}

// INCLUDE (A) IS_EX (B) → EXCLUDE (A*B, B-A); (B-A)=0; Delete (A-B); Filter Timer=MALI
template <class Family>
void RouterGroup<Family>::include_is_ex(const Sources& b, const Context& ctx) {
    const auto a = requested();
    keep_only(b);
    add_excluded(b - a, ctx);
    enter_exclude(ctx);
}

// INCLUDE (A) BLOCK (B) → INCLUDE (A); Send Q(MA,A*B)
template <class Family>
void RouterGroup<Family>::include_block(const Sources& b, const Context& ctx) {
    send_source_query(requested() * b, ctx);
}

// INCLUDE (A) TO_EX (B) → EXCLUDE (A*B,B-A); (B-A)=0; Delete (A-B); Send Q(MA,A*B);
// Filter Timer=MALI
template <class Family>
void RouterGroup<Family>::include_to_ex(const Sources& b, const Context& ctx) {
    const auto a = requested();
    keep_only(b);
    add_excluded(b - a, ctx);
    send_source_query(a * b, ctx);
    enter_exclude(ctx);
}

// INCLUDE (A) TO_IN (B) → INCLUDE (A+B); (B)=MALI; Send Q(MA,A-B)
template <class Family>
void RouterGroup<Family>::include_to_in(const Sources& b, const Context& ctx) {
    const auto a = requested();
    set_timers(b, ctx.now + mali(ctx.vars), ctx);
    send_source_query(a - b, ctx);
}

// EXCLUDE (X,Y) IS_IN (A) / ALLOW (A) → EXCLUDE (X+A, Y-A); (A)=MALI
template <class Family>
void RouterGroup<Family>::exclude_allow(const Sources& a, const Context& ctx) {
    excluded_ = excluded_ - a; // first, so a source moving from Y to X needs no room
    set_timers(a, ctx.now + mali(ctx.vars), ctx);
}

// EXCLUDE (X,Y) IS_EX (A) → EXCLUDE (A-Y, Y*A); (A-X-Y)=MALI; Delete (X-A); Delete (Y-A);
// Filter Timer=MALI
template <class Family>
void RouterGroup<Family>::exclude_is_ex(const Sources& a, const Context& ctx) {
    const auto fresh = a - requested() - excluded_;
    keep_only(a);
    excluded_ = excluded_ * a;
    set_timers(fresh, ctx.now + mali(ctx.vars), ctx);
    enter_exclude(ctx);
}

// EXCLUDE (X,Y) BLOCK (A) → EXCLUDE (X+(A-Y),Y); (A-X-Y)=Filter Timer; Send Q(MA,A-Y)
template <class Family>
void RouterGroup<Family>::exclude_block(const Sources& a, const Context& ctx) {
    set_timers(a - requested() - excluded_, filter_expires_, ctx);
    send_source_query(a - excluded_, ctx);
}

// EXCLUDE (X,Y) TO_EX (A) → EXCLUDE (A-Y,Y*A); (A-X-Y)=Filter Timer; Delete (X-A);
// Delete (Y-A); Send Q(MA,A-Y); Filter Timer=MALI
template <class Family>
void RouterGroup<Family>::exclude_to_ex(const Sources& a, const Context& ctx) {
    // New sources take the Filter Timer's value from before "Filter Timer=MALI" below.
    const auto fresh = a - requested() - excluded_;
    keep_only(a);
    excluded_ = excluded_ * a;
    set_timers(fresh, filter_expires_, ctx);
    send_source_query(a - excluded_, ctx);
    enter_exclude(ctx);
}

// EXCLUDE (X,Y) TO_IN (A) → EXCLUDE (X+A,Y-A); (A)=MALI; Send Q(MA,X-A); Send Q(MA)
template <class Family>
void RouterGroup<Family>::exclude_to_in(const Sources& a, const Context& ctx) {
    const auto x = requested();
    excluded_ = excluded_ - a;
    set_timers(a, ctx.now + mali(ctx.vars), ctx);
    send_source_query(x - a, ctx);
    send_group_query(ctx);
}

// --- Source records ---------------------------------------------------------------

template <class Family>
SourceTimer<typename Family::Address>* RouterGroup<Family>::find(const Address& source) {
    const auto it = lower_bound_source(sources_, source);
    return it != sources_.end() && it->source == source ? &*it : nullptr;
}

template <class Family>
const SourceTimer<typename Family::Address>*
RouterGroup<Family>::find(const Address& source) const {
    const auto it = lower_bound_source(sources_, source);
    return it != sources_.end() && it->source == source ? &*it : nullptr;
}

template <class Family>
typename RouterGroup<Family>::Sources RouterGroup<Family>::requested() const {
    Sources set;
    for (const auto& record : sources_) {
        set.insert(record.source); // already sorted: each insert appends
    }
    return set;
}

// (set)=T: refresh existing records, create the others while the cap allows. One
// merge of two sorted lists, so a full-size record against a full group stays linear.
template <class Family>
void RouterGroup<Family>::set_timers(const Sources& set, TimePoint expires, const Context& ctx) {
    if (set.empty()) {
        return;
    }
    std::vector<SourceTimer<Address>> merged;
    merged.reserve(sources_.size() + set.size());
    auto it = sources_.begin();
    for (const auto& source : set) {
        for (; it != sources_.end() && it->source < source; ++it) {
            merged.push_back(*it);
        }
        if (it != sources_.end() && it->source == source) {
            merged.push_back(SourceTimer<Address>{source, expires, it->retransmissions});
            ++it;
            continue;
        }
        const auto held =
            merged.size() + static_cast<std::size_t>(sources_.end() - it) + excluded_.size();
        if (held >= ctx.max_sources) {
            ++refused_now_;
        } else if (added_now_ >= ctx.source_room) {
            ++refused_total_now_;
        } else {
            merged.push_back(SourceTimer<Address>{source, expires, 0});
            ++added_now_;
        }
    }
    merged.insert(merged.end(), it, sources_.end());
    sources_ = std::move(merged);
}

template <class Family>
void RouterGroup<Family>::keep_only(const Sources& keep) {
    std::erase_if(sources_,
                  [&](const SourceTimer<Address>& r) { return !keep.contains(r.source); });
}

template <class Family>
void RouterGroup<Family>::add_excluded(const Sources& set, const Context& ctx) {
    const auto fresh = set - excluded_;
    const auto held = sources_.size() + excluded_.size();
    const auto group_room = ctx.max_sources > held ? ctx.max_sources - held : 0;
    const auto total_room = ctx.source_room > added_now_ ? ctx.source_room - added_now_ : 0;
    const auto room = std::min(group_room, total_room);
    if (fresh.size() <= room) {
        excluded_ = excluded_ + fresh;
        added_now_ += fresh.size();
        return;
    }
    // Refused sources stay forwarded: the safe side of a full table. They count against
    // the tighter of the two caps.
    excluded_ = excluded_ + Sources::from(std::span{fresh.items()}.first(room));
    added_now_ += room;
    (group_room <= total_room ? refused_now_ : refused_total_now_) += fresh.size() - room;
}

template <class Family>
void RouterGroup<Family>::enter_exclude(const Context& ctx) {
    mode_ = FilterMode::Exclude;
    filter_expires_ = ctx.now + mali(ctx.vars);
}

// --- Queries on the state ---------------------------------------------------------

template <class Family>
std::uint8_t RouterGroup<Family>::compatibility_version() const {
    std::uint8_t version = Family::kNewestVersion;
    if (older_host_until_[1] != kNever) {
        version = 2;
    }
    if (older_host_until_[0] != kNever) {
        version = 1;
    }
    return std::min(version, configured_version_);
}

template <class Family>
TimePoint RouterGroup<Family>::older_host_present(std::uint8_t version) const {
    return version >= 1 && std::size_t{version} <= older_host_until_.size()
               ? older_host_until_[version - 1U]
               : kNever;
}

template <class Family>
bool RouterGroup<Family>::forwards(const Address& source) const {
    if (mode_ == FilterMode::Include) {
        return find(source) != nullptr; // INCLUDE, timer > 0: forward
    }
    if (compatibility_version() < Family::kNewestVersion) {
        return true; // an MLDv1 / IGMPv1, v2 listener wants every source (item 41)
    }
    return !excluded_.contains(source); // EXCLUDE: everything not in Y
}

template <class Family>
MembershipState<typename Family::Address> RouterGroup<Family>::contribution() const {
    if (mode_ == FilterMode::Include) {
        return {FilterMode::Include, requested()};
    }
    if (compatibility_version() < Family::kNewestVersion) {
        return {FilterMode::Exclude, {}};
    }
    return {FilterMode::Exclude, excluded_};
}

template <class Family>
TimePoint RouterGroup<Family>::next_deadline() const {
    TimePoint next =
        std::min({filter_expires_, next_query_, older_host_until_[0], older_host_until_[1]});
    for (const auto& record : sources_) {
        next = std::min(next, record.expires);
    }
    return next;
}

// --- State changes as outputs -----------------------------------------------------

// A change of filter mode; after a record, `rule` is the table row that made it.
template <class Family>
void RouterGroup<Family>::report_mode(FilterMode before, std::string_view event,
                                      std::string_view rule, Outputs& out) const {
    if (mode_ != before) {
        out.push(Transition<Address>{StateMachine::FilterMode, group_, to_string(before), event,
                                     to_string(mode_), rule});
    }
}

template <class Family>
void RouterGroup<Family>::report_compatibility(std::uint8_t before, std::string_view event,
                                               Outputs& out) const {
    const auto after = compatibility_version();
    if (after != before) {
        out.push(Transition<Address>{StateMachine::GroupCompatibility, group_,
                                     Family::version_name(before), event,
                                     Family::version_name(after)});
    }
}

// One LimitReached per operation, however many of its sources the cap kept out.
template <class Family>
void RouterGroup<Family>::report_refusals(Outputs& out) {
    if (refused_now_ > 0) {
        out.push(LimitReached<Address>{LimitKind::SourcesPerGroup, group_, refused_now_});
        refused_now_ = 0;
    }
    if (refused_total_now_ > 0) {
        out.push(LimitReached<Address>{LimitKind::TotalSources, group_, refused_total_now_});
        refused_total_now_ = 0;
    }
}

template class RouterGroup<Ipv6Family>;
template class RouterGroup<Ipv4Family>;

} // namespace ecmh::proto
