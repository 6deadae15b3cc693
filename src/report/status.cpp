// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/report/status.hpp"

#include "ecmh/version.hpp"

#include <algorithm>
#include <chrono>

namespace ecmh::report {
namespace {

using engine::Link;
using engine::LinkId;
using std::chrono::duration_cast;

// Whole seconds from `now` until `t` (0 if past); nullopt for a stopped timer.
std::optional<std::uint64_t> until(proto::TimePoint t, proto::TimePoint now) {
    if (t == proto::kNever) {
        return std::nullopt;
    }
    return t > now
               ? static_cast<std::uint64_t>(duration_cast<std::chrono::seconds>(t - now).count())
               : 0;
}

std::uint64_t age(proto::TimePoint since, proto::TimePoint now) {
    return now > since ? static_cast<std::uint64_t>(
                             duration_cast<std::chrono::seconds>(now - since).count())
                       : 0;
}

template <class Family>
constexpr std::string_view family_name() {
    return Family::kProtocolName == std::string_view("MLD") ? "ipv6" : "ipv4";
}

std::string link_name(const engine::Proxy& proxy, LinkId id) {
    const auto* l = proxy.link(id);
    return l != nullptr ? l->config.name : std::string("?");
}

template <class Family>
ProtocolStatus protocol_status(const engine::FamilyPlane<Family>& plane, LinkId id,
                               std::uint8_t configured, proto::TimePoint now) {
    ProtocolStatus p;
    p.protocol = std::string(Family::kProtocolName);
    p.version = configured;
    if (const auto* host = plane.host(id)) {
        p.version = host->current_version();
    }
    if (const auto* r = plane.router(id)) {
        p.is_querier = r->is_querier();
        p.querier = r->querier().querier_address().to_string();
        if (!p.is_querier) {
            p.other_querier_expire = until(r->querier().other_querier_present_until(), now);
        }
    }
    return p;
}

LinkStatus link_status(const engine::Proxy& proxy, LinkId id, const Link& link,
                       proto::TimePoint now) {
    const auto& c = link.config;
    LinkStatus s;
    s.name = c.name;
    s.ifindex = c.tunnel ? 0 : c.ifindex.value();
    s.role = c.tunnel ? "tunnel-peer" : c.upstream ? "upstream" : "downstream";
    s.up = !link.down_since.has_value();
    if (link.down_since) {
        s.down_for = age(*link.down_since, now);
    }
    s.mtu = c.mtu;
    if (c.link_local) {
        s.link_local = c.link_local->to_string();
    }
    if (c.global) {
        s.global = c.global->to_string();
    }
    if (c.ipv4) {
        s.ipv4 = c.ipv4->to_string() + "/" + std::to_string(c.ipv4_prefix_length);
    }
    if (c.tunnel) {
        s.tunnel_remote = c.tunnel->remote.to_string();
    }
    const auto& config = proxy.config();
    if (config.ipv6) {
        s.protocols.push_back(protocol_status(
            proxy.mld(), id, config.mld_mode == engine::MldMode::V1Only ? 1 : 2, now));
    }
    if (config.ipv4 && !c.tunnel) { // a 6in4 peer carries IPv6 only
        s.protocols.push_back(protocol_status(proxy.igmp(), id, config.igmp_version, now));
    }
    s.counters = link.counters;
    return s;
}

template <class Family>
MembershipStatus
membership_status(const engine::Proxy& proxy, const engine::FamilyPlane<Family>& plane,
                  const typename Family::Address& group,
                  const typename table::ForwardingTable<Family>::Member& m, proto::TimePoint now) {
    MembershipStatus s;
    s.family = family_name<Family>();
    s.group = group.to_string();
    s.link = link_name(proxy, m.link);
    s.filter_mode = m.state.mode == proto::FilterMode::Exclude ? "exclude" : "include";
    s.up_time = age(m.since, now);
    const auto* router = plane.router(m.link);
    const auto* g = router != nullptr ? router->find(group) : nullptr;
    if (m.state.mode == proto::FilterMode::Exclude) {
        if (g != nullptr) {
            s.filter_timer = until(g->filter_timer(), now);
        }
        for (const auto& b : m.state.sources) {
            s.blocked.push_back(b.to_string());
        }
    }
    if (g == nullptr) {
        return s;
    }
    if (const auto v = g->compatibility_version(); v < Family::kNewestVersion) {
        s.compatibility_version = v;
        s.compatibility_expire = until(g->older_host_present(v), now);
    }
    for (const auto& src : g->sources()) {
        if (src.expires != proto::kNever && src.expires > now) {
            s.sources.push_back(SourceStatus{src.source.to_string(), until(src.expires, now)});
        }
    }
    return s;
}

template <class Family>
void collect_family_groups(std::vector<GroupStatus>& out, const engine::Proxy& proxy,
                           const engine::FamilyPlane<Family>& plane, proto::TimePoint now) {
    using Address = typename Family::Address;
    using Member = typename table::ForwardingTable<Family>::Member;
    struct Row {
        Address group;
        std::span<const Member> members;
        table::GroupCounters counters;
    };
    std::vector<Row> rows;
    plane.forwarding().for_each_group([&](const Address& group, std::span<const Member> members,
                                          const table::GroupCounters& counters) {
        rows.push_back(Row{group, members, counters});
    });
    std::sort(rows.begin(), rows.end(),
              [](const Row& a, const Row& b) { return a.group < b.group; });
    for (const auto& r : rows) {
        GroupStatus g{family_name<Family>(), r.group.to_string(), r.counters, {}};
        for (const auto& m : r.members) { // the table keeps them sorted by link
            g.members.push_back(membership_status<Family>(proxy, plane, r.group, m, now));
        }
        out.push_back(std::move(g));
    }
}

template <class Family>
std::optional<std::uint8_t> collect_reported(UpstreamLinkStatus& out,
                                             const engine::FamilyPlane<Family>& plane, LinkId link,
                                             proto::TimePoint now) {
    for (const auto& p : plane.forwarding().upstreams().served_by(link)) {
        out.serves.push_back(p.to_string());
    }
    const auto* host = plane.host(link);
    if (host == nullptr) {
        return std::nullopt;
    }
    std::vector<UpstreamGroupStatus> rows;
    host->for_each_group([&](const auto& view) {
        if (view.state.is_empty()) {
            return;
        }
        UpstreamGroupStatus g;
        g.family = family_name<Family>();
        g.group = view.group.to_string();
        g.filter_mode = view.state.mode == proto::FilterMode::Exclude ? "exclude" : "include";
        for (const auto& s : view.state.sources) {
            g.sources.push_back(s.to_string());
        }
        g.pending_retransmissions = view.pending_retransmissions;
        if (view.pending_retransmissions > 0) {
            g.next_retransmission = until(view.next_retransmission, now);
        }
        rows.push_back(std::move(g));
    });
    out.groups.insert(out.groups.end(), rows.begin(), rows.end());
    return host->current_version();
}

std::vector<DropCount> drop_counts(const engine::Statistics& s) {
    std::vector<DropCount> out;
    for (std::size_t i = 0; i < engine::kParseErrorCount; ++i) {
        out.push_back(
            {std::string(wire::to_string(static_cast<wire::ParseError>(i))), s.parse_drops[i]});
    }
    for (std::size_t i = 0; i < engine::kVerdictCount; ++i) {
        if (static_cast<table::Verdict>(i) != table::Verdict::Forward) {
            out.push_back(
                {std::string(table::to_string(static_cast<table::Verdict>(i))), s.verdicts[i]});
        }
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(engine::DropReason::kCount); ++i) {
        out.push_back(
            {std::string(engine::to_string(static_cast<engine::DropReason>(i))), s.drops[i]});
    }
    for (std::size_t i = 0; i < engine::kTranslateErrorCount; ++i) {
        out.push_back({engine::translate_drop_name(static_cast<wire::TranslateError>(i)),
                       s.translate_drops[i]});
    }
    return out;
}

// The engine's flow counters beside what the daemon says of the links and the program.
FastPathStatus fast_path_status(const engine::Proxy& proxy, const FastPathView& view) {
    const auto& s = proxy.statistics();
    FastPathStatus out;
    out.links = view.links;
    out.flows = proxy.flow_count();
    out.flows_installed = s.flows_installed;
    out.flows_removed = s.flows_removed;
    out.flows_refused_full = s.flows_refused_full;
    out.events = view.events;
    return out;
}

} // namespace

std::vector<LinkStatus> collect_links(const engine::Proxy& proxy, const StatusContext& context) {
    std::vector<LinkStatus> out;
    proxy.for_each_link([&](LinkId id, const Link& link) {
        out.push_back(link_status(proxy, id, link, context.now));
    });
    return out;
}

std::vector<GroupStatus> collect_groups(const engine::Proxy& proxy, const StatusContext& context) {
    std::vector<GroupStatus> out;
    collect_family_groups(out, proxy, proxy.mld(), context.now);
    collect_family_groups(out, proxy, proxy.igmp(), context.now);
    return out;
}

bool serves_every_group(const engine::Proxy& proxy, LinkId link) {
    const auto mld = proxy.mld().forwarding().upstreams().served_by(link);
    const auto igmp = proxy.igmp().forwarding().upstreams().served_by(link);
    const auto every = [](const auto& v) { return v.size() == 1 && v[0].length() == 0; };
    // One family may be off: its list is empty.
    return (every(mld) || mld.empty()) && (every(igmp) || igmp.empty()) &&
           (every(mld) || every(igmp));
}

UpstreamStatus collect_upstream(const engine::Proxy& proxy, const StatusContext& context) {
    UpstreamStatus out;
    proxy.for_each_link([&](LinkId id, const Link& link) {
        if (!link.config.upstream) {
            return;
        }
        UpstreamLinkStatus u;
        u.link = link.config.name;
        u.mld_version = collect_reported(u, proxy.mld(), id, context.now);
        u.igmp_version = collect_reported(u, proxy.igmp(), id, context.now);
        u.every_group = serves_every_group(proxy, id);
        out.upstreams.push_back(std::move(u));
    });
    return out;
}

StatsStatus collect_stats(const engine::Proxy& proxy, const StatusContext& context) {
    const auto& s = proxy.statistics();
    StatsStatus out;
    out.version = kVersion;
    out.started = context.started_text;
    out.uptime = age(context.started, context.now);
    out.tunnel_mode = proxy.config().tunnel_mode;
    out.tunnel_peers = proxy.tunnel_peer_count();
    proxy.for_each_link([&](LinkId /*id*/, const Link& /*link*/) { ++out.links; });
    const auto groups = collect_groups(proxy, context);
    out.groups = groups.size();
    for (const auto& g : groups) {
        out.subscriptions += g.members.size();
    }
    out.total = s.total;
    out.forwarded = s.forwarded;
    out.packet_too_big_sent = s.packet_too_big_sent;
    out.fragmented = s.fragmented;
    out.fragments_sent = s.fragments_sent;
    out.checksums_completed = s.checksums_completed;
    out.superframes_segmented = s.superframes_segmented;
    out.superframe_datagrams = s.superframe_datagrams;
    out.translated_to_ipv6 = s.translated_to_ipv6;
    out.translated_to_ipv4 = s.translated_to_ipv4;
    out.translate_checksums_computed = s.translate_checksums_computed;
    out.kernel_drops = context.kernel_drops;
    out.mld_source_records = proxy.mld().sources().used();
    out.igmp_source_records = proxy.igmp().sources().used();
    out.drops = drop_counts(s);
    if (context.fast_path) {
        out.fast_path = fast_path_status(proxy, *context.fast_path);
    }
    return out;
}

} // namespace ecmh::report
