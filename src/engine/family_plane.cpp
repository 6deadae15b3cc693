// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/engine/family_plane.hpp"

#include "ecmh/engine/messages.hpp"
#include "ecmh/proto/host_merge.hpp"

#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace ecmh::engine {
namespace {

// "no listeners", "EXCLUDE {} (all sources)", "INCLUDE {2001:db8::1, …}" for debug lines.
template <class Address>
std::string describe(const proto::MembershipState<Address>& state) {
    if (state.is_empty()) {
        return "no listeners";
    }
    std::string text = state.mode == proto::FilterMode::Include ? "INCLUDE {" : "EXCLUDE {";
    std::size_t shown = 0;
    for (const auto& source : state.sources) {
        if (shown == 4) {
            text += ", … " + std::to_string(state.sources.size()) + " in all";
            break;
        }
        text += (shown++ == 0 ? "" : ", ") + source.to_string();
    }
    return text + "}";
}

// "ff0e::1:1000 filter mode INCLUDE -> EXCLUDE on TO_EX [the RFC row]"; a per-link
// machine (querier, host compatibility mode) names no group.
template <class Address>
std::string describe(const proto::Transition<Address>& t) {
    std::string text = t.group == Address{} ? std::string{} : t.group.to_string() + " ";
    text.append(proto::to_string(t.machine)).append(" ").append(t.from);
    text.append(" -> ").append(t.to).append(" on ").append(t.event);
    if (!t.rule.empty()) {
        text.append(" [").append(t.rule).append("]");
    }
    return text;
}

// One debug line per state transition, its text built only if debug lines are written.
template <class Family>
void log_transition(EventLog& log, std::string_view link,
                    const proto::Transition<typename Family::Address>& t) {
    if (log.enabled(LogLevel::Debug)) {
        log.log(LogLevel::Debug,
                std::string(Family::kProtocolName) + " " + std::string(link) + ": " + describe(t));
    }
}

// "MLD upstream: an MLDv1 General Query from fe80::1 while 2 SSM groups have listeners:
// an older querier cannot serve SSM (RFC 9777 §8.2.1; ...)", the error RFC 9777 §8.2.1 /
// RFC 9776 §7.2.1 want logged; the reporter has rate-limited it.
template <class Family>
std::string describe(const proto::HostSsmQueryError<typename Family::Address>& e) {
    constexpr std::string_view kRule = std::is_same_v<typename Family::Address, net::Ipv6Address>
                                           ? "RFC 9777 §8.2.1"
                                           : "RFC 9776 §7.2.1";
    std::string text = std::string(Family::kProtocolName) + " upstream: an " +
                       std::string(Family::version_name(e.version)) +
                       (e.group == typename Family::Address{}
                            ? " General Query"
                            : " query for the SSM group " + e.group.to_string()) +
                       " from " + e.source.to_string();
    if (e.ssm_groups > 0) {
        text += " while " + std::to_string(e.ssm_groups) + " SSM groups have listeners";
    }
    text += ": an older querier cannot serve SSM (" + std::string(kRule);
    if (e.suppressed > 0) {
        text += "; " + std::to_string(e.suppressed) + " more since the last such message";
    }
    return text + "; further such messages suppressed for 10 s)";
}

template <class... F>
struct Overloaded : F... {
    using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

} // namespace

template <class Family>
FamilyPlane<Family>::FamilyPlane(const PlaneConfig& config, PacketSink& sink, EventLog& log,
                                 proto::Random& random)
    : config_(config), sink_(sink), log_(log), random_(random), budget_(config.max_total_sources) {
    if constexpr (std::is_same_v<Address, net::Ipv6Address>) {
        ssm_ = proto::SsmRange<Address>{config.ssm6};
    } else {
        ssm_ = proto::SsmRange<Address>{config.ssm4};
    }
    table_.set_ssm_range(ssm_);
}

template <class Family>
const table::GroupPolicy<typename Family::Address>&
FamilyPlane<Family>::policy_of(const LinkSettings& s) {
    if constexpr (std::is_same_v<Address, net::Ipv6Address>) {
        return s.mld_policy;
    } else {
        return s.igmp_policy;
    }
}

template <class Family>
std::uint8_t FamilyPlane<Family>::version_of(const LinkSettings& s) const {
    const auto& v = std::is_same_v<Address, net::Ipv6Address> ? s.mld_version : s.igmp_version;
    return v.value_or(config_.newest_version);
}

template <class Family>
proto::RouterLinkConfig<Family> FamilyPlane<Family>::router_config(const Address& own,
                                                                   const LinkSettings& s) {
    proto::RouterLinkConfig<Family> rc;
    rc.vars = s.vars.value_or(config_.vars);
    rc.own_address = own;
    if (const auto version = version_of(s); version != 0) {
        rc.version = version;
    }
    rc.max_groups = s.max_groups.value_or(config_.max_groups_per_link);
    rc.max_sources_per_group = s.max_sources.value_or(config_.max_sources_per_group);
    rc.source_budget = &budget_;
    rc.ssm = ssm_;
    return rc;
}

template <class Family>
proto::HostReporterConfig FamilyPlane<Family>::host_config(const LinkSettings& s) const {
    proto::HostReporterConfig hc;
    hc.vars = s.vars.value_or(config_.vars);
    hc.newest_version = version_of(s);
    hc.host_compatibility = config_.host_compatibility;
    hc.old_unsolicited_report_interval = hc.vars.old_unsolicited_report_interval;
    return hc;
}

template <class Family>
std::vector<typename Family::Address> FamilyPlane<Family>::listened_groups() const {
    std::vector<Address> groups;
    for (const auto& [slot, d] : downstream_) {
        d.router->for_each_group([&](const Address& g, const auto&) { groups.push_back(g); });
    }
    std::sort(groups.begin(), groups.end());
    groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
    return groups;
}

template <class Family>
std::vector<typename Family::Address> FamilyPlane<Family>::downstream_groups() const {
    auto groups = listened_groups();
    if (cross_ == nullptr) {
        return groups;
    }
    const auto translated = cross_->translated_groups();
    groups.insert(groups.end(), translated.begin(), translated.end());
    std::sort(groups.begin(), groups.end());
    groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
    return groups;
}

template <class Family>
std::optional<typename Family::Address>
FamilyPlane<Family>::upstream_address(const Address& group) const {
    const auto serving = table_.upstreams().serving(group);
    if (!serving) {
        return std::nullopt;
    }
    const auto it = upstreams_.find(serving->slot());
    return it == upstreams_.end() ? std::nullopt : std::optional<Address>(it->second.own);
}

template <class Family>
void FamilyPlane<Family>::add_downstream(LinkId link, const Address& own, std::uint32_t mtu,
                                         const LinkSettings& settings, proto::TimePoint now,
                                         std::optional<proto::TimePoint> first_query) {
    const auto rc = router_config(own, settings);
    if (const auto old = downstream_.find(link.slot()); old != downstream_.end()) {
        deadlines_.erase({old->second.indexed, link.slot()});
        group_deadlines_.erase({old->second.group_indexed, link.slot()});
    }
    auto& d = downstream_[link.slot()];
    d = Downstream{};
    d.own = own;
    d.mtu = mtu;
    d.policy = policy_of(settings);
    d.querier_rule = settings.querier_rule;
    d.router = std::make_unique<Router>(rc, first_query.value_or(now));
    // A new router starts as the querier (RFC 3810 §7.6.2).
    table_.set_querier(link, true);
    table_.set_boundary(link, d.policy);
    drain(link, d, now);
}

template <class Family>
void FamilyPlane<Family>::add_upstream(LinkId link, const Address& own, std::uint32_t mtu,
                                       const LinkSettings& settings, proto::TimePoint now) {
    upstreams_.erase(link.slot());
    auto& up =
        upstreams_.try_emplace(link.slot(), link, own, mtu, host_config(settings), random_, ssm_)
            .first->second;
    up.policy = policy_of(settings);
    table_.attach_upstream(sink_.link_name(link), link);
    table_.set_boundary(link, up.policy);
    reassign_upstreams(now);
}

template <class Family>
void FamilyPlane<Family>::configure_upstreams(std::vector<UpstreamRoute> routes,
                                              proto::TimePoint now) {
    table_.configure_upstreams(std::move(routes));
    reassign_upstreams(now);
}

template <class Family>
void FamilyPlane<Family>::reassign_upstreams(proto::TimePoint now) {
    const auto& routes = table_.upstreams();
    for (auto& entry : upstreams_) {
        auto& up = entry.second; // not a structured binding: the lambda below captures it
        std::vector<Address> leaving;
        up.host.for_each_group([&](const auto& view) {
            if (!view.state.is_empty() && routes.serving(view.group) != up.link) {
                leaving.push_back(view.group);
            }
        });
        for (const auto& g : leaving) {
            up.host.set_membership(g, {}, now);
        }
        drain_host(up);
    }
    for (const auto& g : downstream_groups()) {
        update_upstream(g, now);
    }
}

template <class Family>
typename FamilyPlane<Family>::Upstream* FamilyPlane<Family>::upstream_of(LinkId link) {
    const auto it = upstreams_.find(link.slot());
    return it == upstreams_.end() ? nullptr : &it->second;
}

template <class Family>
void FamilyPlane<Family>::update_settings(LinkId link, const LinkSettings& before,
                                          const LinkSettings& after, proto::TimePoint now) {
    if (auto* up = upstream_of(link)) {
        if (host_config(before).vars != host_config(after).vars ||
            version_of(before) != version_of(after)) {
            // The host side starts over in the new version / with the new variables and
            // reports every group at once (as an upstream that appears).
            const Address own = up->own; // add_upstream replaces *up
            add_upstream(link, own, up->mtu, after, now);
            return;
        }
        up->policy = policy_of(after);
        table_.set_boundary(link, up->policy);
        for (const auto& g : downstream_groups()) {
            update_upstream(g, now);
        }
        return;
    }
    if (const auto it = downstream_.find(link.slot()); it != downstream_.end()) {
        update_downstream_settings(link, it->second, after, now);
    }
}

template <class Family>
void FamilyPlane<Family>::update_downstream_settings(LinkId link, Downstream& d,
                                                     const LinkSettings& after,
                                                     proto::TimePoint now) {
    d.router->reconfigure(router_config(d.own, after), now);
    d.policy = policy_of(after);
    d.querier_rule = after.querier_rule;
    table_.set_querier(link, d.router->is_querier() || !d.querier_rule);
    table_.set_boundary(link, d.policy);
    // Groups the rules now deny as a whole end at once; a joined group whose sources
    // the rules changed is filtered from its listeners' next report on.
    std::vector<Address> denied;
    d.router->for_each_group([&](const Address& g, const auto&) {
        const auto state = d.router->contribution(g);
        if (d.policy.filter(g, state).is_empty()) {
            denied.push_back(g);
        }
    });
    for (const auto& g : denied) {
        d.router->forget(g);
    }
    drain(link, d, now);
}

template <class Family>
void FamilyPlane<Family>::remove_link(LinkId link, proto::TimePoint now) {
    if (upstreams_.erase(link.slot()) > 0) {
        table_.remove_link(link); // its boundaries, its routes' link
        return;
    }
    const auto it = downstream_.find(link.slot());
    if (it == downstream_.end()) {
        return;
    }
    std::vector<Address> groups;
    it->second.router->for_each_group([&](const Address& g, const auto&) { groups.push_back(g); });
    deadlines_.erase({it->second.indexed, link.slot()});
    group_deadlines_.erase({it->second.group_indexed, link.slot()});
    downstream_.erase(it);
    table_.remove_link(link);
    for (const auto& g : groups) {
        listeners_changed(g, now); // the link's listeners no longer count upstream
    }
}

template <class Family>
void FamilyPlane<Family>::set_own_address(LinkId link, const Address& own) {
    if (const auto it = downstream_.find(link.slot()); it != downstream_.end()) {
        it->second.own = own;
        it->second.router->set_own_address(own);
    }
}

template <class Family>
void FamilyPlane<Family>::update_link(LinkId link, const std::optional<Address>& own,
                                      std::uint32_t mtu, proto::TimePoint now) {
    if (auto* up = upstream_of(link)) {
        up->mtu = mtu;
        const Address before = std::exchange(up->own, own.value_or(Address{}));
        if (before != up->own) {
            report_all_upstream(*up, now);
        }
        return;
    }
    on_router(link, now, [&](Router& r) {
        auto& d = downstream_.at(link.slot());
        d.mtu = mtu;
        if (!own) {
            d.silent = true;
            return;
        }
        const bool was_silent = std::exchange(d.silent, false);
        d.own = *own;
        r.change_own_address(*own, now);
        if (was_silent) {
            r.restart_queries(now); // as a link that just got its address would
        }
    });
}

template <class Family>
void FamilyPlane<Family>::link_up(LinkId link, proto::TimePoint now) {
    if (auto* up = upstream_of(link)) {
        report_all_upstream(*up, now);
        return;
    }
    on_router(link, now, [&](Router& r) { r.restart_queries(now); });
}

template <class Family>
void FamilyPlane<Family>::report_all_upstream(Upstream& up, proto::TimePoint now) {
    // Routers discard MLD from :: (RFC 3810 §5.2.13); IGMP may come from 0.0.0.0.
    if (kProtocol == wire::NetworkProtocol::Ipv6 && up.own == Address{}) {
        return;
    }
    up.host.resend_all(now);
    drain_host(up);
}

template <class Family>
const typename FamilyPlane<Family>::Router* FamilyPlane<Family>::router(LinkId link) const {
    const auto it = downstream_.find(link.slot());
    return it == downstream_.end() ? nullptr : it->second.router.get();
}

template <class Family>
template <class F>
void FamilyPlane<Family>::on_router(LinkId link, proto::TimePoint now, F&& f) {
    // A message for a link that has no router for this family (no link-local address, or
    // it just went away) changes nothing.
    if (const auto it = downstream_.find(link.slot()); it != downstream_.end()) {
        f(*it->second.router);
        drain(link, it->second, now);
    }
}

template <class Family>
void FamilyPlane<Family>::on_query(LinkId link, const proto::ReceivedQuery<Address>& query,
                                   proto::TimePoint now) {
    if (auto* up = upstream_of(link)) {
        up->host.on_query(query, now);
        drain_host(*up);
        return;
    }
    if (const auto it = downstream_.find(link.slot());
        it != downstream_.end() && query.version != it->second.router->config().version) {
        note_other_version(link, it->second, query, now);
    }
    on_router(link, now, [&](Router& r) { r.on_query(query, now); });
    if (query.group != Address{}) {
        table_.mark_dirty(query.group); // another querier's Q(G) may lower its timers
    }
}

template <class Family>
void FamilyPlane<Family>::note_other_version(LinkId link, Downstream& d,
                                             const proto::ReceivedQuery<Address>& query,
                                             proto::TimePoint now) {
    d.other_version = OtherVersionQuery{query.source, query.version, now};
    if (!d.version_log.open(now)) {
        return;
    }
    constexpr std::string_view kVersionRule =
        std::is_same_v<Address, net::Ipv6Address> ? "RFC 3810 §8.3.1" : "RFC 3376 §7.3.1";
    const std::string name(Family::kProtocolName);
    const auto ours = d.router->config().version;
    const std::string link_name(sink_.link_name(link));
    // RFC 3810 §8.3.1 / RFC 3376 §7.3.1: every router on a link must run the lowest
    // version present there; an older querier also turns the hosts back to its version.
    log_.log(LogLevel::Warning,
             name + " " + link_name + ": a " + name + "v" + std::to_string(query.version) +
                 " query from " + query.source.to_string() + ", but the link runs " + name + "v" +
                 std::to_string(ours) +
                 (query.version < ours ? ": configure the link for the older version or upgrade "
                                         "that router"
                                       : ": a router there runs a newer version than configured") +
                 " (" + std::string(kVersionRule) + "; further such warnings for " + link_name +
                 " suppressed for 10 s)");
}

template <class Family>
std::optional<typename FamilyPlane<Family>::OtherVersionQuery>
FamilyPlane<Family>::other_version_query(LinkId link, proto::TimePoint now) const {
    const auto it = downstream_.find(link.slot());
    if (it == downstream_.end() || !it->second.other_version ||
        now - it->second.other_version->heard > config_.vars.listener_interval()) {
        return std::nullopt;
    }
    return it->second.other_version;
}

template <class Family>
bool FamilyPlane<Family>::on_record(LinkId link, const proto::GroupRecord<Address>& record,
                                    proto::TimePoint now) {
    // A record can move the group's timers (raised, or lowered to LLQT by a leave) with
    // its membership unchanged: the flows' valid_until must follow.
    table_.mark_dirty(record.group);
    const auto it = downstream_.find(link.slot());
    if (it == downstream_.end() || it->second.policy.empty()) {
        on_router(link, now, [&](Router& r) { r.on_record(record, now); });
        return true;
    }
    bool changed = false;
    const auto allowed = it->second.policy.filter(record, changed);
    on_router(link, now, [&](Router& r) { r.on_record(allowed, now); });
    return !changed;
}

template <class Family>
bool FamilyPlane<Family>::on_old_report(LinkId link, const Address& group, std::uint8_t version,
                                        proto::TimePoint now) {
    // An MLDv1 / IGMPv1-v2 report is an any-source join that cannot exclude a source: the
    // group's decision, and refused where a deny rule names a host of the group.
    if (const auto it = downstream_.find(link.slot());
        it != downstream_.end() && !it->second.policy.allows_plain_join(group)) {
        return false;
    }
    table_.mark_dirty(group); // its timers restart
    on_router(link, now, [&](Router& r) { r.on_old_report(group, version, now); });
    return true;
}

template <class Family>
void FamilyPlane<Family>::on_old_leave(LinkId link, const Address& group, proto::TimePoint now) {
    table_.mark_dirty(group); // the Filter Timer is lowered to LLQT
    on_router(link, now, [&](Router& r) { r.on_old_leave(group, now); });
}

template <class Family>
proto::TimePoint FamilyPlane<Family>::shrink_deadline(const Address& group, const Address& source,
                                                      const table::LinkSet& out) const {
    proto::TimePoint earliest = proto::kNever;
    out.for_each(
        [&](LinkId link) { earliest = std::min(earliest, shrink_deadline(group, source, link)); });
    return earliest;
}

template <class Family>
proto::TimePoint FamilyPlane<Family>::shrink_deadline(const Address& group, const Address& source,
                                                      LinkId link) const {
    const auto* r = router(link);
    const auto* g = r != nullptr ? r->find(group) : nullptr;
    if (g == nullptr) {
        return proto::kNever;
    }
    // The Filter Timer ends EXCLUDE mode (kNever in INCLUDE); an older host's timer
    // changes what the group contributes (RFC 4605 §4.1).
    auto earliest =
        std::min({g->filter_timer(), g->older_host_present(1), g->older_host_present(2)});
    // INCLUDE: the source leaves A; EXCLUDE: it moves from X to Y (blocked).
    const auto& sources = g->sources();
    const auto s = std::lower_bound(
        sources.begin(), sources.end(), source,
        [](const proto::SourceTimer<Address>& t, const Address& a) { return t.source < a; });
    if (s != sources.end() && s->source == source) {
        earliest = std::min(earliest, s->expires);
    }
    return earliest;
}

template <class Family>
void FamilyPlane<Family>::on_timer(proto::TimePoint now) {
    // The due routers first, then each once: a router's work cannot make another due.
    std::vector<std::uint16_t> due;
    for (auto it = deadlines_.begin(); it != deadlines_.end() && it->first <= now; ++it) {
        due.push_back(it->second);
    }
    for (const auto slot : due) {
        if (const auto it = downstream_.find(slot); it != downstream_.end()) {
            it->second.router->on_timer(now);
            drain(LinkId{slot}, it->second, now);
        }
    }
    for (auto& [slot, up] : upstreams_) {
        if (up.host.next_deadline() <= now) {
            up.host.on_timer(now);
            drain_host(up);
        }
    }
}

template <class Family>
proto::TimePoint FamilyPlane<Family>::next_deadline() const {
    auto next = deadlines_.empty() ? proto::kNever : deadlines_.begin()->first;
    for (const auto& [slot, up] : upstreams_) {
        next = std::min(next, up.host.next_deadline());
    }
    return next;
}

template <class Family>
void FamilyPlane<Family>::resend_reports(proto::TimePoint now) {
    for (auto& [slot, up] : upstreams_) {
        up.host.resend_all(now);
        drain_host(up);
    }
}

template <class Family>
void FamilyPlane<Family>::leave_upstream(proto::TimePoint now) {
    for (auto& [slot, up] : upstreams_) {
        up.host.leave_all(now);
        drain_host(up);
    }
}

template <class Family>
void FamilyPlane<Family>::drain(LinkId link, Downstream& d, proto::TimePoint now) {
    // Outputs can cause more outputs (a membership change re-merges upstream, never the
    // router itself), so one pass over what the router produced is enough.
    for (const auto& output : d.router->take_outputs()) {
        std::visit(
            Overloaded{
                [&](const proto::SendQuery<Address>& q) {
                    if (d.silent) {
                        return; // no address to send it from
                    }
                    check(build_queries(
                        sink_.packet_buffer(), d.own, d.mtu, q,
                        [&](std::size_t length) { sink_.send_control(link, length, kProtocol); }));
                },
                [&](const proto::MembershipChanged<Address>& c) {
                    membership_changed(link, c.group, now);
                },
                [&](const proto::LimitReached<Address>& l) { log_limit(l.group, l.kind, now); },
                [&](const proto::QuerierChanged<Address>& q) {
                    // With the querier rule off the link keeps its copies (LinkSettings).
                    table_.set_querier(link, q.querier || !d.querier_rule);
                    log_.log(LogLevel::Info,
                             std::string(Family::kProtocolName) + " querier on " +
                                 std::string(sink_.link_name(link)) + ": " +
                                 (q.querier ? std::string("ecmh") : q.querier_address.to_string()));
                },
                [&](const proto::Transition<Address>& t) {
                    log_transition<Family>(log_, sink_.link_name(link), t);
                },
            },
            output);
    }
    reindex(link, d);
}

template <class Family>
void FamilyPlane<Family>::reindex(LinkId link, Downstream& d) {
    if (const auto group = d.router->next_group_deadline(); group != d.group_indexed) {
        group_deadlines_.erase({d.group_indexed, link.slot()});
        d.group_indexed = group;
        if (group != proto::kNever) {
            group_deadlines_.emplace(group, link.slot());
        }
    }
    const auto next = d.router->next_deadline();
    if (next == d.indexed) {
        return;
    }
    deadlines_.erase({d.indexed, link.slot()});
    d.indexed = next;
    if (next != proto::kNever) {
        deadlines_.emplace(next, link.slot());
    }
}

template <class Family>
void FamilyPlane<Family>::membership_changed(LinkId link, const Address& group,
                                             proto::TimePoint now) {
    if (const auto* r = router(link)) {
        const auto state = r->contribution(group);
        table_.set_membership(link, group, state, now);
        if (log_.enabled(LogLevel::Debug)) {
            log_.log(LogLevel::Debug, std::string(Family::kProtocolName) + " " +
                                          std::string(sink_.link_name(link)) + ": " +
                                          group.to_string() + " " + describe(state));
        }
    }
    listeners_changed(group, now);
}

template <class Family>
void FamilyPlane<Family>::listeners_changed(const Address& group, proto::TimePoint now) {
    update_upstream(group, now);
    if (cross_ != nullptr) {
        cross_->listeners_changed(group, now);
    }
}

template <class Family>
void FamilyPlane<Family>::update_upstream(const Address& group, proto::TimePoint now) {
    const auto serving = table_.upstreams().serving(group);
    auto* up = serving ? upstream_of(*serving) : nullptr;
    if (up == nullptr) {
        return; // no upstream serves the group (or its upstream is not there)
    }
    const auto role = cross_ == nullptr ? PairRole::None : cross_->role(group);
    if (role == PairRole::Unsettled) {
        return; // merged again when the links have settled
    }
    if (role == PairRole::Elsewhere) {
        // The other family's upstream reports the pair (translation): not this one, and
        // it leaves the group if it reported it before the pair's home changed.
        up->host.set_membership(group, {}, now);
        drain_host(*up);
        return;
    }
    // RFC 4605 §4.1: the merge over every downstream link's subscription for the group —
    // the table's members of the group are exactly the links with one (each holds its
    // router's contribution), so this costs the group's listeners, not every link.
    // The upstream's policy filters each link's state before the merge, so a source
    // one link includes survives another link's any-source join of a denied group.
    proto::MembershipMerge<Address> merge;
    for (const auto& member : table_.members(group)) {
        merge.add(up->policy.filter(group, member.state));
    }
    if (role == PairRole::Home) {
        for (const auto& state : cross_->translated_members(group)) {
            merge.add(up->policy.filter(group, state));
        }
    }
    up->host.set_membership(group, merge.result(), now);
    drain_host(*up);
}

template <class Family>
void FamilyPlane<Family>::drain_host(Upstream& up) {
    const auto send = [&](std::size_t length) { sink_.send_control(up.link, length, kProtocol); };
    for (const auto& output : up.host.take_outputs()) {
        std::visit(
            Overloaded{
                [&](const proto::HostReport<Address>& r) {
                    check(build_reports(sink_.packet_buffer(), up.own, up.mtu, r, send));
                },
                [&](const proto::HostOldReport<Address>& r) {
                    check(build_old_report(sink_.packet_buffer(), up.own, r, send));
                },
                [&](const proto::HostOldLeave<Address>& l) {
                    check(build_old_leave(sink_.packet_buffer(), up.own, l, send));
                },
                [&](const proto::HostModeChanged& m) {
                    const bool old = m.to < Family::kNewestVersion;
                    log_.log(
                        old && m.ssm_groups > 0 ? LogLevel::Error : LogLevel::Info,
                        std::string(Family::kProtocolName) + " upstream now version " +
                            std::to_string(m.to) + " (was " + std::to_string(m.from) + ") on " +
                            std::string(sink_.link_name(up.link)) +
                            (old && m.ssm_groups > 0
                                 ? "; " + std::to_string(m.ssm_groups) +
                                       " SSM groups cannot be reported in this version (RFC 4604)"
                                 : ""));
                },
                [&](const proto::HostSsmQueryError<Address>& e) {
                    log_.log(LogLevel::Error, describe<Family>(e));
                },
                [&](const proto::Transition<Address>& t) {
                    log_transition<Family>(log_, sink_.link_name(up.link), t);
                },
            },
            output);
    }
}

template <class Family>
void FamilyPlane<Family>::check(const Built& built) {
    if (!built) {
        sink_.count_build_failure();
    }
}

template <class Family>
void FamilyPlane<Family>::log_limit(const Address& group, proto::LimitKind kind,
                                    proto::TimePoint now) {
    if (!limit_log_.open(now)) {
        return;
    }
    const std::string what =
        kind == proto::LimitKind::Groups ? ": group limit reached, refusing "
        : kind == proto::LimitKind::SourcesPerGroup
            ? ": source limit reached for "
            : ": total source limit (" + std::to_string(budget_.cap()) +
                  " in all groups, --max-total-sources) reached, refusing new sources for ";
    log_.log(LogLevel::Warning, std::string(Family::kProtocolName) + what + group.to_string() +
                                    " (further such messages suppressed for 10 s)");
}

template class FamilyPlane<proto::Ipv6Family>;
template class FamilyPlane<proto::Ipv4Family>;

} // namespace ecmh::engine
