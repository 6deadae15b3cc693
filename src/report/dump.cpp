// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/report/dump.hpp"

#include "ecmh/report/fast_path_dump.hpp"
#include "ecmh/report/status.hpp"
#include "ecmh/version.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace ecmh::report {
namespace {

using engine::Link;
using engine::LinkId;
using std::chrono::duration_cast;
using std::chrono::seconds;

std::string num(std::uint64_t v) {
    return std::to_string(v);
}

// Whole seconds from `now` until `t` (0 if past); "never" for a stopped timer.
std::string until(proto::TimePoint t, proto::TimePoint now) {
    if (t == proto::kNever) {
        return "never";
    }
    return num(t > now ? static_cast<std::uint64_t>(duration_cast<seconds>(t - now).count()) : 0);
}

std::string age(proto::TimePoint since, proto::TimePoint now) {
    return num(now > since ? static_cast<std::uint64_t>(duration_cast<seconds>(now - since).count())
                           : 0);
}

std::string uptime(proto::Duration d) {
    const auto total = static_cast<long long>(duration_cast<seconds>(d).count());
    char buf[64];
    std::snprintf(buf, sizeof buf, "%lld days %02lld:%02lld:%02lld", total / 86400,
                  total % 86400 / 3600, total % 3600 / 60, total % 60);
    return buf;
}

const char* link_type_text(wire::LinkType type) {
    switch (type) {
    case wire::LinkType::Ethernet:
        return "Ethernet (1)";
    case wire::LinkType::Raw:
        return "Raw IP (no link header)";
    case wire::LinkType::LinuxSll:
        return "Linux cooked";
    }
    return "Unknown";
}

template <class Family>
std::string compat_text(const proto::RouterGroup<Family>& g, proto::TimePoint now) {
    const auto v = g.compatibility_version();
    if (v >= Family::kNewestVersion) {
        return "";
    }
    return std::string(Family::kProtocolName) + "v" + num(v) + " host present (expires in " +
           until(g.older_host_present(v), now) + " seconds)";
}

// One group of one family: the original "Group / Bytes / Packets / Interface" block,
// then per link the subscription lines with the router's filter state.
template <class Family>
void group_block(std::string& out, const engine::Proxy& proxy,
                 const engine::FamilyPlane<Family>& plane, const typename Family::Address& group,
                 std::span<const typename table::ForwardingTable<Family>::Member> members,
                 const table::GroupCounters& counters, proto::TimePoint now,
                 std::size_t& subscriptions) {
    using Address = typename Family::Address;
    out += "Group : " + group.to_string() + "\n";
    out += "  Bytes : " + num(counters.bytes) + "\n";
    out += "  Packets: " + num(counters.packets) + "\n";
    std::vector<const typename table::ForwardingTable<Family>::Member*> sorted;
    for (const auto& m : members) {
        sorted.push_back(&m);
    }
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->link < b->link; });
    for (const auto* m : sorted) {
        ++subscriptions;
        const auto* l = proxy.link(m->link);
        out += "  Interface: " + (l != nullptr ? l->config.name : std::string("?")) + " (" +
               num(l != nullptr ? l->config.ifindex.value() : 0) + ")\n";
        const auto old = " (" + age(m->since, now) + " seconds old)";
        const auto* router = plane.router(m->link);
        const auto* g = router != nullptr ? router->find(group) : nullptr;
        if (m->state.mode == proto::FilterMode::Exclude) {
            out += "           " + Address{}.to_string() + " EXCLUDE" + old + "\n";
            if (g != nullptr && g->filter_timer() != proto::kNever) {
                out += "           Filter timer : " + until(g->filter_timer(), now) + " seconds\n";
            }
            for (const auto& s : m->state.sources) {
                out += "           " + s.to_string() + " BLOCKED\n";
            }
        }
        if (g != nullptr) {
            if (const auto compat = compat_text(*g, now); !compat.empty()) {
                out += "           " + compat + "\n";
            }
            for (const auto& s : g->sources()) {
                if (s.expires != proto::kNever && s.expires > now) {
                    const char* mode =
                        m->state.mode == proto::FilterMode::Include ? " INCLUDE" : " REQUESTED";
                    out += "           " + s.source.to_string() + mode + old + " (expires in " +
                           until(s.expires, now) + " seconds)\n";
                }
            }
        }
    }
}

template <class Family>
std::size_t subscription_section(std::string& out, const engine::Proxy& proxy,
                                 const engine::FamilyPlane<Family>& plane, proto::TimePoint now,
                                 std::size_t& subscriptions) {
    using Address = typename Family::Address;
    using Member = typename table::ForwardingTable<Family>::Member;
    struct Row {
        Address group;
        std::span<const Member> members;
        const table::GroupCounters* counters;
    };
    std::vector<Row> rows;
    plane.forwarding().for_each_group([&](const Address& group, std::span<const Member> members,
                                          const table::GroupCounters& counters) {
        rows.push_back(Row{group, members, &counters});
    });
    std::sort(rows.begin(), rows.end(),
              [](const Row& a, const Row& b) { return a.group < b.group; });
    for (const auto& r : rows) {
        group_block<Family>(out, proxy, plane, r.group, r.members, *r.counters, now, subscriptions);
    }
    return rows.size();
}

template <class Family>
std::string querier_text(const proto::RouterLink<Family>& router, proto::TimePoint now) {
    if (router.is_querier()) {
        return "this router";
    }
    const auto& q = router.querier();
    return q.querier_address().to_string() + " (other querier present for " +
           until(q.other_querier_present_until(), now) + " seconds)";
}

// The router lines of a downstream link: its version, the querier and, while recent, a
// query of another version heard there (RFC 3810 §8.3.1, RFC 3376 §7.3.1).
template <class Family>
void router_lines(std::string& out, const engine::FamilyPlane<Family>& plane, LinkId id,
                  proto::TimePoint now) {
    const auto* r = plane.router(id);
    if (r == nullptr) {
        return;
    }
    const std::string name(Family::kProtocolName);
    // Labels padded to the interface block's column.
    const auto field = [&](std::string_view what) {
        std::string text = name + " " + std::string(what);
        text.resize(std::max<std::size_t>(text.size() + 1, 18), ' ');
        return "  " + text + ": ";
    };
    out += field("querier") + querier_text(*r, now) + "\n";
    if (const auto other = plane.other_version_query(id, now)) {
        out += field("version warning") + name + "v" + num(other->version) + " query from " +
               other->querier.to_string() + " " + age(other->heard, now) + " seconds ago\n";
    }
}

void interface_block(std::string& out, const engine::Proxy& proxy, LinkId id, const Link& link,
                     proto::TimePoint now) {
    const auto& c = link.config;
    out += "Interface: " + c.name + "\n";
    if (const auto& t = c.tunnel) {
        // The original ecmh's tunnel labels: the master with its index and our local
        // address, then the peer's address.
        const auto local = t->local.is_unspecified() ? std::string("any") : t->local.to_string();
        out += "  Master interface  : " +
               (t->master.empty()
                    ? std::string("(none yet: no packet from the peer)")
                    : t->master + " (" + num(t->master_index.value()) + "/" + local + ")") +
               "\n";
        out += "  IPv4 Local        : " + local + "\n";
        out += "  IPv4 Remote       : " + t->remote.to_string() + "\n";
        out += "  MTU               : " + num(c.mtu) + "\n";
        out +=
            "  Interface Type    : 6in4 tunnel peer (IPv4 protocol 41, TTL " + num(t->ttl) + ")\n";
    } else {
        out += "  Index number      : " + num(c.ifindex.value()) + "\n";
        out += "  MTU               : " + num(c.mtu) + "\n";
        out += "  Interface Type    : " + std::string(link_type_text(c.link_type)) + "\n";
    }
    if (c.link_local) {
        out += "  Link-local address : " + c.link_local->to_string() + "\n";
    }
    if (c.global) {
        out += "  Global unicast address : " + c.global->to_string() + "\n";
    }
    if (c.ipv4) {
        out +=
            "  IPv4 address      : " + c.ipv4->to_string() + "/" + num(c.ipv4_prefix_length) + "\n";
    }
    out += std::string("  Role              : ") + (c.upstream ? "upstream" : "downstream") + "\n";
    if (link.down_since) {
        out += "  Link state        : down for " + age(*link.down_since, now) +
               " seconds (listeners kept, nothing sent)\n";
    }
    const auto& config = proxy.config();
    if (config.ipv6) {
        std::string version = config.mld_mode == engine::MldMode::V1Only ? "v1" : "v2";
        if (const auto* host = proxy.mld().host(id)) {
            version = "v" + num(host->current_version());
        }
        out += "  MLD version       : " + version + "\n";
        router_lines(out, proxy.mld(), id, now);
    }
    if (config.ipv4 && !c.tunnel) { // a 6in4 peer carries IPv6 only
        std::string version = "v" + num(config.igmp_version);
        if (const auto* host = proxy.igmp().host(id)) {
            version = "v" + num(host->current_version());
        }
        out += "  IGMP version      : " + version + "\n";
        router_lines(out, proxy.igmp(), id, now);
    }
    const auto& t = link.counters;
    out += "  Packets received  : " + num(t.packets_received) + "\n";
    out += "  Packets sent      : " + num(t.packets_sent) + "\n";
    out += "  Bytes received    : " + num(t.bytes_received) + "\n";
    out += "  Bytes sent        : " + num(t.bytes_sent) + "\n";
    out += "  ICMP's received   : " + num(t.control_received) + "\n";
    out += "  ICMP's sent       : " + num(t.control_sent) + "\n";
    if (t.control_rate_limited > 0) { // a flooding host: which link it is on
        out += "  ICMP's rate-limited : " + num(t.control_rate_limited) + "\n";
    }
    out += "  Hop Limit Exceeded : " + num(t.hop_limit_exceeded) + "\n";
}

template <class Family>
std::size_t upstream_block(std::string& out, const engine::FamilyPlane<Family>& plane, LinkId link,
                           proto::TimePoint now) {
    const auto* host = plane.host(link);
    if (host == nullptr) {
        return 0;
    }
    std::size_t groups = 0;
    out += std::string(Family::kProtocolName) + " version " + num(host->current_version()) + "\n";
    host->for_each_group([&](const auto& view) {
        if (view.state.is_empty()) {
            return;
        }
        ++groups;
        out += "Group : " + view.group.to_string() + "\n";
        out += "  Mode    : " + std::string(proto::to_string(view.state.mode)) + "\n";
        std::string sources;
        for (const auto& s : view.state.sources) {
            sources += (sources.empty() ? "" : " ") + s.to_string();
        }
        out += "  Sources : " + (sources.empty() ? std::string("(none)") : sources) + "\n";
        if (view.pending_retransmissions > 0) {
            out += "  Retransmissions pending : " + num(view.pending_retransmissions) +
                   " (next in " + until(view.next_retransmission, now) + " seconds)\n";
        }
    });
    return groups;
}

// "every group", or the prefixes the upstream serves, longest first, IPv6 then IPv4.
std::string served_text(const engine::Proxy& proxy, LinkId link) {
    std::string text;
    const auto add = [&](const auto& prefixes) {
        for (const auto& p : prefixes) {
            text += (text.empty() ? "" : " ") + p.to_string();
        }
    };
    if (serves_every_group(proxy, link)) {
        return "every group";
    }
    add(proxy.mld().forwarding().upstreams().served_by(link));
    add(proxy.igmp().forwarding().upstreams().served_by(link));
    return text.empty() ? std::string("no group") : text;
}

// Issue 16: every pair either family listens to, with both names, its kind, the family
// that reports it upstream, the links listening in each family and the packets
// translated to each side.
void translation_section(std::string& out, const engine::Proxy& proxy) {
    const auto* t = proxy.translator();
    if (t == nullptr) {
        return;
    }
    const auto& p = t->prefixes();
    out += "*** Translation Dump\n\n";
    out += "Prefixes : ASM " + p.asm96.to_string() + ", SSM " + p.ssm96.to_string() + ", sources " +
           p.source96.to_string() + "\n\n";
    auto pairs = t->wanted_by_ipv6();
    for (const auto& g4 : proxy.igmp().listened_groups()) {
        if (t->groups().to_ipv6(g4)) {
            pairs.push_back(g4);
        }
    }
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    const auto translated = [](const table::GroupCounters* c) {
        return c == nullptr ? std::uint64_t{0} : c->translated_packets;
    };
    for (const auto& g4 : pairs) {
        const auto g6 = *t->groups().to_ipv6(g4);
        const bool home4 = t->home(g4, g6) == engine::Translator::Home::Ipv4;
        out += g4.to_string() + " <-> " + g6.to_string() + "\n";
        out += std::string("  Kind       : ") + (t->groups().is_ssm(g4) ? "SSM" : "ASM") + "\n";
        out += std::string("  Reported   : ") +
               (home4 ? "IGMP, for " + g4.to_string() : "MLD, for " + g6.to_string()) + "\n";
        out += "  Listeners  : " + num(proxy.igmp().forwarding().members(g4).size()) +
               " IPv4 links, " + num(proxy.mld().forwarding().members(g6).size()) + " IPv6 links\n";
        out += "  Translated : " + num(translated(proxy.mld().forwarding().counters(g6))) +
               " packets to IPv6, " + num(translated(proxy.igmp().forwarding().counters(g4))) +
               " to IPv4\n\n";
    }
    out += "*** Translation Dump (end - " + num(pairs.size()) + " pairs)\n\n";
}

void drop_lines(std::string& out, const engine::Statistics& s) {
    out += "\nDrops\n";
    bool any = false;
    const auto line = [&](std::string_view name, std::uint64_t count) {
        if (count == 0) {
            return;
        }
        any = true;
        std::string label(name);
        label.resize(std::max<std::size_t>(label.size(), 26), ' ');
        out += "  " + label + ": " + num(count) + "\n";
    };
    for (std::size_t i = 0; i < engine::kParseErrorCount; ++i) {
        line(wire::to_string(static_cast<wire::ParseError>(i)), s.parse_drops[i]);
    }
    for (std::size_t i = 0; i < engine::kVerdictCount; ++i) {
        if (static_cast<table::Verdict>(i) != table::Verdict::Forward) {
            line(table::to_string(static_cast<table::Verdict>(i)), s.verdicts[i]);
        }
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(engine::DropReason::kCount); ++i) {
        line(engine::to_string(static_cast<engine::DropReason>(i)), s.drops[i]);
    }
    for (std::size_t i = 0; i < engine::kTranslateErrorCount; ++i) {
        line(engine::translate_drop_name(static_cast<wire::TranslateError>(i)),
             s.translate_drops[i]);
    }
    if (!any) {
        out += "  (none)\n";
    }
}

} // namespace

std::string render_dump(const engine::Proxy& proxy, const DumpContext& context) {
    const auto now = context.now;
    std::string out;
    std::size_t subscriptions = 0;

    out += "*** Subscription Information Dump\n\n";
    std::size_t groups = subscription_section(out, proxy, proxy.mld(), now, subscriptions);
    groups += subscription_section(out, proxy, proxy.igmp(), now, subscriptions);
    out += "\n*** Subscription Information Dump (end - " + num(groups) + " groups, " +
           num(subscriptions) + " subscriptions)\n\n";

    out += "*** Interface Dump\n\n";
    std::size_t interfaces = 0;
    proxy.for_each_link([&](LinkId id, const Link& link) {
        interface_block(out, proxy, id, link, now);
        out += "\n";
        ++interfaces;
    });
    out += "*** Interface Dump (end - " + num(interfaces) + " interfaces)\n\n";

    out += "*** Upstream Dump\n\n";
    std::size_t reported = 0;
    proxy.for_each_link([&](LinkId id, const engine::Link& link) {
        if (!link.config.upstream) {
            return;
        }
        out += "Upstream : " + link.config.name + "\n";
        out += "Serves   : " + served_text(proxy, id) + "\n";
        reported += upstream_block(out, proxy.mld(), id, now);
        reported += upstream_block(out, proxy.igmp(), id, now);
    });
    out += "\n*** Upstream Dump (end - " + num(reported) + " groups reported)\n\n";

    translation_section(out, proxy);
    fast_path_section(out, proxy, context);

    const auto& s = proxy.statistics();
    const auto& vars = proxy.config().vars;
    out += "*** Statistics Dump\n\n";
    out += std::string("Version      : ecmh ") + kVersion + "\n";
    out += "Started      : " + context.started_text + "\n";
    out += "Uptime       : " + uptime(now - context.started) + "\n\n";
    // The original ecmh's line, with the number of peers served.
    out +=
        "Tunnelmode   : " +
        (proxy.config().tunnel_mode ? "Active (" + num(proxy.tunnel_peer_count()) + " tunnel peers)"
                                    : std::string("Disabled")) +
        "\n\n";
    out += "Interfaces Monitored : " + num(interfaces) + "\n";
    out += "Groups Managed       : " + num(groups) + "\n";
    out += "Total Subscriptions  : " + num(subscriptions) + "\n";
    out += "v2 Robustness Factor : " + num(vars.robustness) + "\n";
    out +=
        "Subscription Timeout : " +
        num(static_cast<std::uint64_t>(duration_cast<seconds>(vars.listener_interval()).count())) +
        "\n\n";
    out += "Packets Received      : " + num(s.total.packets_received) + "\n";
    out += "Packets Sent         : " + num(s.total.packets_sent) + "\n";
    out += "Bytes Received       : " + num(s.total.bytes_received) + "\n";
    out += "Bytes Sent           : " + num(s.total.bytes_sent) + "\n";
    out += "ICMP's received     : " + num(s.total.control_received) + "\n";
    out += "ICMP's sent         : " + num(s.total.control_sent) + "\n";
    out += "Hop Limit Exceeded  : " + num(s.total.hop_limit_exceeded) + "\n";
    out += "Packets Forwarded   : " + num(s.forwarded) + "\n";
    out += "Packet Too Big sent : " + num(s.packet_too_big_sent) + "\n";
    out += "IPv4 Fragmented     : " + num(s.fragmented) + " (" + num(s.fragments_sent) +
           " fragments)\n";
    out += "Checksums Completed : " + num(s.checksums_completed) + "\n";
    out += "Super-frames Cut    : " + num(s.superframes_segmented) + " (" +
           num(s.superframe_datagrams) + " datagrams)\n";
    if (proxy.translator() != nullptr) {
        out += "Translated          : " + num(s.translated_to_ipv6) + " to IPv6, " +
               num(s.translated_to_ipv4) + " to IPv4 (" + num(s.translate_checksums_computed) +
               " zero UDP checksums computed)\n";
    }
    out += "Kernel Drops        : " + num(context.kernel_drops) + "\n";
    // New: how full the --max-total-sources budgets are (rfc-map M7).
    out += "Source Records      : " + num(proxy.mld().sources().used()) + " MLD, " +
           num(proxy.igmp().sources().used()) + " IGMP (at most " +
           num(proxy.config().max_total_sources) + " each)\n";
    drop_lines(out, s);
    out += "\n*** Statistics Dump (end)\n";
    return out;
}

} // namespace ecmh::report
