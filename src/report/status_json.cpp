// SPDX-License-Identifier: BSD-3-Clause
// The --json form of the `show` replies (schema in doc/control.md). Member names follow
// the IETF IGMP/MLD YANG models (RFC 9166, RFC 9398: interface-name, group-address,
// source-address, filter-mode, up-time, expire) where they have one. Every field is
// always present; one that does not apply is null.
#include "ecmh/report/json_writer.hpp"
#include "ecmh/report/status_render.hpp"

namespace ecmh::report {
namespace {

void optional_text(JsonWriter& w, std::string_view name, const std::optional<std::string>& v) {
    w.key(name);
    v ? w.value(*v) : w.null();
}

template <class T>
void optional_number(JsonWriter& w, std::string_view name, const std::optional<T>& v) {
    w.key(name);
    v ? w.value(static_cast<std::uint64_t>(*v)) : w.null();
}

void counters(JsonWriter& w, const engine::TrafficCounters& c) {
    w.member("packets-received", c.packets_received)
        .member("bytes-received", c.bytes_received)
        .member("packets-sent", c.packets_sent)
        .member("bytes-sent", c.bytes_sent)
        .member("control-received", c.control_received)
        .member("control-sent", c.control_sent)
        .member("control-rate-limited", c.control_rate_limited)
        .member("hop-limit-exceeded", c.hop_limit_exceeded);
}

void protocol(JsonWriter& w, const ProtocolStatus& p) {
    w.begin_object().member("protocol", p.protocol == "MLD" ? "mld" : "igmp");
    w.member("version", static_cast<std::uint64_t>(p.version));
    optional_text(w, "querier", p.querier);
    w.member("is-querier", p.is_querier);
    optional_number(w, "other-querier-expire", p.other_querier_expire);
    w.end_object();
}

void link(JsonWriter& w, const LinkStatus& l) {
    w.begin_object().member("interface-name", l.name);
    w.member("if-index", static_cast<std::uint64_t>(l.ifindex)).member("role", l.role);
    w.member("oper-status", l.up ? "up" : "down");
    optional_number(w, "down-time", l.down_for);
    w.member("mtu", static_cast<std::uint64_t>(l.mtu));
    optional_text(w, "link-local-address", l.link_local);
    optional_text(w, "global-address", l.global);
    optional_text(w, "ipv4-address", l.ipv4);
    optional_text(w, "tunnel-remote", l.tunnel_remote);
    w.key("protocols").begin_array();
    for (const auto& p : l.protocols) {
        protocol(w, p);
    }
    w.end_array();
    w.key("statistics").begin_object();
    counters(w, l.counters);
    w.end_object().end_object();
}

void member(JsonWriter& w, const MembershipStatus& m) {
    w.begin_object().member("interface-name", m.link).member("filter-mode", m.filter_mode);
    w.member("up-time", m.up_time);
    optional_number(w, "expire", m.filter_timer);
    w.key("sources").begin_array();
    for (const auto& s : m.sources) {
        w.begin_object().member("source-address", s.address);
        optional_number(w, "expire", s.expire);
        w.end_object();
    }
    w.end_array().key("excluded-sources").begin_array();
    for (const auto& b : m.blocked) {
        w.value(b);
    }
    w.end_array();
    w.key("compatibility-version");
    m.compatibility_version != 0 ? w.value(static_cast<std::uint64_t>(m.compatibility_version))
                                 : w.null();
    optional_number(w, "compatibility-expire", m.compatibility_expire);
    w.end_object();
}

// --forward xdp|auto's object (null without a fast path): the flows, each link's mode and
// why, and the program's counts by name.
void fast_path(JsonWriter& w, const std::optional<FastPathStatus>& f) {
    w.key("fast-path");
    if (!f) {
        w.null();
        return;
    }
    w.begin_object().member("flows", f->flows).member("flows-installed", f->flows_installed);
    w.member("flows-removed", f->flows_removed);
    w.member("flows-refused-full", f->flows_refused_full);
    w.key("links").begin_array();
    for (const auto& l : f->links) {
        w.begin_object().member("interface-name", l.name).member("mode", l.mode);
        w.member("reason", l.reason).end_object();
    }
    w.end_array().key("program").begin_object();
    for (const auto& [name, count] : f->events) {
        w.member(name, count);
    }
    w.end_object().end_object();
}

} // namespace

std::string render_links_json(std::span<const LinkStatus> links) {
    JsonWriter w;
    w.begin_object().key("links").begin_array();
    for (const auto& l : links) {
        link(w, l);
    }
    w.end_array().end_object();
    return w.text() + "\n";
}

std::string render_groups_json(std::span<const GroupStatus> groups) {
    JsonWriter w;
    w.begin_object().key("groups").begin_array();
    for (const auto& g : groups) {
        w.begin_object().member("family", g.family).member("group-address", g.group);
        w.member("packets", g.counters.packets).member("bytes", g.counters.bytes);
        w.key("interfaces").begin_array();
        for (const auto& m : g.members) {
            member(w, m);
        }
        w.end_array().end_object();
    }
    w.end_array().end_object();
    return w.text() + "\n";
}

namespace {

// One upstream's members (the fields of "upstream", and "serves").
void upstream_members(JsonWriter& w, const UpstreamLinkStatus* u) {
    const bool known = u != nullptr;
    optional_text(w, "interface-name", known ? std::optional{u->link} : std::nullopt);
    optional_number(w, "mld-version", known ? u->mld_version : std::nullopt);
    optional_number(w, "igmp-version", known ? u->igmp_version : std::nullopt);
    w.key("groups").begin_array();
    if (!known) {
        w.end_array();
        return;
    }
    for (const auto& g : u->groups) {
        w.begin_object().member("family", g.family).member("group-address", g.group);
        w.member("filter-mode", g.filter_mode).key("sources").begin_array();
        for (const auto& s : g.sources) {
            w.value(s);
        }
        w.end_array();
        w.member("pending-retransmissions", static_cast<std::uint64_t>(g.pending_retransmissions));
        optional_number(w, "next-retransmission", g.next_retransmission);
        w.end_object();
    }
    w.end_array();
}

} // namespace

// "upstream" is the first upstream (by link), as before several were possible; "upstreams"
// has every one, with the prefixes it serves.
std::string render_upstream_json(const UpstreamStatus& status) {
    JsonWriter w;
    const auto* first = status.upstreams.empty() ? nullptr : &status.upstreams.front();
    w.begin_object().key("upstream").begin_object();
    upstream_members(w, first);
    w.end_object().key("upstreams").begin_array();
    for (const auto& u : status.upstreams) {
        w.begin_object();
        upstream_members(w, &u);
        w.key("serves").begin_array();
        for (const auto& p : u.serves) {
            w.value(p);
        }
        w.end_array().end_object();
    }
    w.end_array().end_object();
    return w.text() + "\n";
}

std::string render_stats_json(const StatsStatus& s) {
    JsonWriter w;
    w.begin_object().key("statistics").begin_object();
    w.member("version", s.version).member("started", s.started).member("up-time", s.uptime);
    w.member("tunnel-mode", s.tunnel_mode);
    w.member("tunnel-peers", static_cast<std::uint64_t>(s.tunnel_peers));
    w.member("links", static_cast<std::uint64_t>(s.links));
    w.member("groups", static_cast<std::uint64_t>(s.groups));
    w.member("subscriptions", static_cast<std::uint64_t>(s.subscriptions));
    counters(w, s.total);
    w.member("forwarded", s.forwarded).member("packet-too-big-sent", s.packet_too_big_sent);
    w.member("fragmented", s.fragmented).member("fragments-sent", s.fragments_sent);
    w.member("checksums-completed", s.checksums_completed);
    w.member("superframes-segmented", s.superframes_segmented);
    w.member("superframe-datagrams", s.superframe_datagrams);
    w.key("translated").begin_object();
    w.member("to-ipv6", s.translated_to_ipv6).member("to-ipv4", s.translated_to_ipv4);
    w.member("checksums-computed", s.translate_checksums_computed);
    w.end_object();
    w.member("kernel-drops", s.kernel_drops);
    w.key("source-records").begin_object();
    w.member("ipv6", static_cast<std::uint64_t>(s.mld_source_records));
    w.member("ipv4", static_cast<std::uint64_t>(s.igmp_source_records));
    w.end_object().key("drops").begin_object();
    for (const auto& d : s.drops) {
        w.member(d.reason, d.count);
    }
    w.end_object();
    fast_path(w, s.fast_path);
    w.end_object().end_object();
    return w.text() + "\n";
}

} // namespace ecmh::report
