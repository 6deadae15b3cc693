// SPDX-License-Identifier: BSD-3-Clause
// RouterGroup, second half: the Querier's specific queries and their retransmissions
// (RFC 3810 §7.6.3, RFC 3376 §6.6.3) and the timer expiries (§7.2.2, §7.2.3, §7.5,
// §8.3.2 / §7.3.2). The tables and the state live in router_group.cpp, which also
// instantiates the class; the members defined here are instantiated at the bottom.
#include "ecmh/proto/router_group.hpp"

#include <algorithm>
#include <vector>

namespace ecmh::proto {
namespace {

Duration llqt(const ProtocolVariables& v) {
    return v.last_listener_query_time();
}

} // namespace

// --- Specific queries (§7.6.3, §6.6.3) --------------------------------------------

// "Send Q(MA,X)": for each source in X with a timer larger than LLQT, lower it to LLQT
// and set its retransmission counter to LLQC. Sources already at or below LLQT are
// being queried or about to expire: nothing new to send for them.
template <class Family>
void RouterGroup<Family>::send_source_query(const Sources& set, const Context& ctx) {
    if (!ctx.querier) {
        return; // a Non-Querier lowers its timers when the Querier's query arrives
    }
    const TimePoint lowered = ctx.now + llqt(ctx.vars);
    for (const auto& source : set) {
        auto* record = find(source);
        if (record != nullptr && record->expires > lowered) {
            record->expires = lowered;
            record->retransmissions = ctx.vars.last_listener_query_count();
            transmit_now_ = true;
        }
    }
}

// "Send Q(MA)": lower the Filter Timer to LLQT, then LLQC transmissions LLQI apart.
template <class Family>
void RouterGroup<Family>::send_group_query(const Context& ctx) {
    if (!ctx.querier) {
        return;
    }
    filter_expires_ = std::min(filter_expires_, ctx.now + llqt(ctx.vars));
    group_queries_left_ = ctx.vars.last_listener_query_count();
    transmit_now_ = true;
}

// One transmission of everything pending. The S flag is decided per transmission:
// set on Q(MA) "if the Filter Timer is larger than LLQT"; Q(MA,A) is split into an S=1
// message (sources whose timers are > LLQT) and an S=0 message (≤ LLQT), each
// suppressed when empty. The S=1 message is also dropped when a Q(MA) goes out at the
// same moment, as §7.6.3.2's note allows: every listener answers the Q(MA) with its
// whole state for the group anyway.
template <class Family>
void RouterGroup<Family>::transmit(const Context& ctx, Outputs& out) {
    const TimePoint lowered = ctx.now + llqt(ctx.vars);
    bool group_sent = false;
    if (group_queries_left_ > 0) {
        --group_queries_left_;
        emit_query(Sources{}, filter_expires_ > lowered, ctx, out);
        group_sent = true;
    }
    Sources suppressed;
    Sources lowering;
    for (auto& record : sources_) {
        if (record.retransmissions == 0) {
            continue;
        }
        --record.retransmissions;
        (record.expires > lowered ? suppressed : lowering).insert(record.source);
    }
    if (!suppressed.empty() && !group_sent) {
        emit_query(std::move(suppressed), true, ctx, out);
    }
    if (!lowering.empty()) {
        emit_query(std::move(lowering), false, ctx, out);
    }
    next_query_ = ctx.now + Duration{ctx.vars.last_listener_query_interval};
}

// One message to the group in the link's version, stating the configured LLQI, QRV and
// QQIC. MLDv1 and IGMPv1, v2 have no source-specific query and no S flag: the
// retransmission counters still run, the Q(MA,A) just never reaches the wire.
template <class Family>
void RouterGroup<Family>::emit_query(Sources sources, bool suppress, const Context& ctx,
                                     Outputs& out) const {
    const bool newest = configured_version_ == Family::kNewestVersion;
    if (!newest && !sources.empty()) {
        return;
    }
    SendQuery<Address> send;
    send.version = configured_version_;
    send.group = group_;
    send.sources = std::move(sources);
    send.suppress_router_side = newest && suppress;
    send.max_response = Duration{ctx.configured.last_listener_query_interval};
    send.robustness = ctx.configured.robustness;
    send.query_interval = ctx.configured.query_interval;
    out.push(std::move(send));
}

// Drop the retransmission deadline once nothing is owed any more.
template <class Family>
void RouterGroup<Family>::reschedule(TimePoint now, const ProtocolVariables& vars) {
    const bool pending = group_queries_left_ > 0 || std::any_of(sources_.begin(), sources_.end(),
                                                                [](const SourceTimer<Address>& r) {
                                                                    return r.retransmissions > 0;
                                                                });
    if (!pending) {
        next_query_ = kNever;
    } else if (next_query_ == kNever) {
        next_query_ = now + Duration{vars.last_listener_query_interval};
    }
}

// --- Timers -----------------------------------------------------------------------

template <class Family>
void RouterGroup<Family>::on_timer(const Context& ctx, Outputs& out) {
    expire_older_hosts(ctx.now, out);
    // Source timers before the Filter Timer: a source whose timer ends with the Filter
    // Timer must not survive into INCLUDE (both orders give that result, this one in
    // a single pass).
    expire_sources(ctx.now);
    expire_filter(ctx.now, out);
    if (next_query_ <= ctx.now) {
        transmit(ctx, out); // retransmissions run to their end even after a lost election
    }                       // (RFC 2710 §4, RFC 2236 §3)
    reschedule(ctx.now, ctx.vars);
}

// RFC 3376 §7.3.2: v1 timer expiry → v2 mode if the v2 timer runs, else v3; the mode
// is derived from the timers, so clearing them is the whole transition.
template <class Family>
void RouterGroup<Family>::expire_older_hosts(TimePoint now, Outputs& out) {
    const auto before = compatibility_version();
    for (auto& until : older_host_until_) {
        if (until <= now) {
            until = kNever;
        }
    }
    report_compatibility(before, kOlderHostExpired, out);
}

// §7.2.3 / §7.3: INCLUDE, timer 0 → "remove source record"; EXCLUDE, timer 0 → "Move
// the source from the Requested List to the Exclude List (DO NOT remove source record)".
template <class Family>
void RouterGroup<Family>::expire_sources(TimePoint now) {
    std::vector<Address> expired;
    for (const auto& record : sources_) {
        if (record.expires <= now) {
            expired.push_back(record.source);
        }
    }
    if (expired.empty()) {
        return;
    }
    std::erase_if(sources_, [&](const SourceTimer<Address>& r) { return r.expires <= now; });
    if (mode_ == FilterMode::Exclude) {
        excluded_ = excluded_ + Sources::from(expired);
    }
}

// §7.2.2 / §7.5: EXCLUDE, Filter Timer 0 → INCLUDE (X), the Exclude List deleted; an
// empty X leaves INCLUDE ({}), which the link deletes.
template <class Family>
void RouterGroup<Family>::expire_filter(TimePoint now, Outputs& out) {
    if (mode_ != FilterMode::Exclude || filter_expires_ > now) {
        return;
    }
    mode_ = FilterMode::Include;
    filter_expires_ = kNever;
    excluded_ = Sources{};
    group_queries_left_ = 0; // Q(MA) asked "any EXCLUDE listener left?": answered no
    report_mode(FilterMode::Exclude, kFilterTimerExpired, {}, out);
}

// router_group.cpp instantiates the class; these members are defined only here.
template void RouterGroup<Ipv6Family>::send_source_query(const Sources&, const Context&);
template void RouterGroup<Ipv6Family>::send_group_query(const Context&);
template void RouterGroup<Ipv6Family>::transmit(const Context&, Outputs&);
template void RouterGroup<Ipv6Family>::emit_query(Sources, bool, const Context&, Outputs&) const;
template void RouterGroup<Ipv6Family>::reschedule(TimePoint, const ProtocolVariables&);
template void RouterGroup<Ipv6Family>::on_timer(const Context&, Outputs&);
template void RouterGroup<Ipv6Family>::expire_older_hosts(TimePoint, Outputs&);
template void RouterGroup<Ipv6Family>::expire_sources(TimePoint);
template void RouterGroup<Ipv6Family>::expire_filter(TimePoint, Outputs&);
template void RouterGroup<Ipv4Family>::send_source_query(const Sources&, const Context&);
template void RouterGroup<Ipv4Family>::send_group_query(const Context&);
template void RouterGroup<Ipv4Family>::transmit(const Context&, Outputs&);
template void RouterGroup<Ipv4Family>::emit_query(Sources, bool, const Context&, Outputs&) const;
template void RouterGroup<Ipv4Family>::reschedule(TimePoint, const ProtocolVariables&);
template void RouterGroup<Ipv4Family>::on_timer(const Context&, Outputs&);
template void RouterGroup<Ipv4Family>::expire_older_hosts(TimePoint, Outputs&);
template void RouterGroup<Ipv4Family>::expire_sources(TimePoint);
template void RouterGroup<Ipv4Family>::expire_filter(TimePoint, Outputs&);

} // namespace ecmh::proto
