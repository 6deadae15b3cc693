// SPDX-License-Identifier: BSD-3-Clause
// `metrics`: the Prometheus text exposition format (version 0.0.4), as node_exporter's
// textfile collector reads it. Every metric is named ecmh_*, has one HELP and one TYPE
// line before its samples, and counters end in _total. Label values are escaped
// (backslash, quote, newline), so an odd interface name cannot break the format.
#include "ecmh/report/status_render.hpp"

namespace ecmh::report {
namespace {

std::string label_value(std::string_view v) {
    std::string out;
    for (const char c : v) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

// One metric family: its HELP and TYPE lines, then samples with add().
class Family {
public:
    Family(std::string& out, std::string_view name, std::string_view type, std::string_view help)
        : out_(out), name_(name) {
        out_ += "# HELP " + name_ + " " + std::string(help) + "\n";
        out_ += "# TYPE " + name_ + " " + std::string(type) + "\n";
    }
    // `labels`: name/value pairs.
    void add(std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
             std::uint64_t value) {
        out_ += name_;
        if (labels.size() != 0) {
            out_ += '{';
            bool first = true;
            for (const auto& [k, v] : labels) {
                out_ += (first ? "" : ",") + std::string(k) + "=\"" + label_value(v) + "\"";
                first = false;
            }
            out_ += '}';
        }
        out_ += " " + std::to_string(value) + "\n";
    }

private:
    std::string& out_;
    std::string name_;
};

using Counter = std::uint64_t engine::TrafficCounters::*;

struct LinkCounter {
    std::string_view name;
    std::string_view help;
    Counter field;
};

constexpr LinkCounter kLinkCounters[] = {
    {"ecmh_link_received_packets_total", "Packets received on the link.",
     &engine::TrafficCounters::packets_received},
    {"ecmh_link_received_bytes_total", "Bytes received on the link.",
     &engine::TrafficCounters::bytes_received},
    {"ecmh_link_sent_packets_total", "Packets sent on the link.",
     &engine::TrafficCounters::packets_sent},
    {"ecmh_link_sent_bytes_total", "Bytes sent on the link.", &engine::TrafficCounters::bytes_sent},
    {"ecmh_link_control_received_total", "MLD and IGMP messages received on the link.",
     &engine::TrafficCounters::control_received},
    {"ecmh_link_control_sent_total", "MLD and IGMP messages sent on the link.",
     &engine::TrafficCounters::control_sent},
    {"ecmh_link_control_rate_limited_total",
     "MLD and IGMP messages dropped beyond the link's --max-membership-rate.",
     &engine::TrafficCounters::control_rate_limited},
    {"ecmh_link_hop_limit_exceeded_total",
     "Packets received on the link with a hop limit or TTL too small to forward.",
     &engine::TrafficCounters::hop_limit_exceeded},
};

void link_metrics(std::string& out, std::span<const LinkStatus> links) {
    Family up(out, "ecmh_link_up", "gauge", "1 while the link is up, 0 while it is down.");
    for (const auto& l : links) {
        up.add({{"link", l.name}, {"role", l.role}}, l.up ? 1 : 0);
    }
    for (const auto& c : kLinkCounters) {
        Family f(out, c.name, "counter", c.help);
        for (const auto& l : links) {
            f.add({{"link", l.name}}, l.counters.*c.field);
        }
    }
}

void total_metrics(std::string& out, const StatsStatus& s) {
    const auto counter = [&](std::string_view name, std::string_view help, std::uint64_t v) {
        Family(out, name, "counter", help).add({}, v);
    };
    counter("ecmh_forwarded_packets_total", "Data packets forwarded with at least one copy.",
            s.forwarded);
    counter("ecmh_packet_too_big_sent_total", "ICMPv6 Packet Too Big messages sent.",
            s.packet_too_big_sent);
    counter("ecmh_fragmented_packets_total",
            "Copies sent as fragments (IPv4, or IPv6 translated from IPv4).", s.fragmented);
    counter("ecmh_checksums_completed_total",
            "Forwarded packets whose offloaded checksum ecmh completed.", s.checksums_completed);
    counter("ecmh_superframes_segmented_total", "Super-frames cut back into datagrams.",
            s.superframes_segmented);
    Family translated(out, "ecmh_translated_packets_total", "counter",
                      "Data packets translated between IPv4 and IPv6, by the family they became.");
    translated.add({{"direction", "to-ipv6"}}, s.translated_to_ipv6);
    translated.add({{"direction", "to-ipv4"}}, s.translated_to_ipv4);
    counter("ecmh_kernel_drops_total", "Frames the kernel dropped before ecmh read them.",
            s.kernel_drops);
    Family drops(out, "ecmh_drops_total", "counter", "Packets dropped, by reason.");
    for (const auto& d : s.drops) {
        drops.add({{"reason", d.reason}}, d.count);
    }
    Family(out, "ecmh_links", "gauge", "Links served.").add({}, s.links);
    Family(out, "ecmh_uptime_seconds", "gauge", "Seconds since ecmh started.").add({}, s.uptime);
    Family records(out, "ecmh_source_records", "gauge", "Source records in use, per family.");
    records.add({{"family", "ipv6"}}, s.mld_source_records);
    records.add({{"family", "ipv4"}}, s.igmp_source_records);
}

void group_metrics(std::string& out, std::span<const GroupStatus> groups, bool per_group) {
    std::uint64_t counts[2] = {0, 0};
    std::uint64_t subscriptions[2] = {0, 0};
    for (const auto& g : groups) {
        const std::size_t i = g.family == "ipv6" ? 0 : 1;
        ++counts[i];
        subscriptions[i] += g.members.size();
    }
    Family n(out, "ecmh_groups", "gauge", "Groups with listeners, per family.");
    n.add({{"family", "ipv6"}}, counts[0]);
    n.add({{"family", "ipv4"}}, counts[1]);
    Family subs(out, "ecmh_subscriptions", "gauge", "Links listening to a group, per family.");
    subs.add({{"family", "ipv6"}}, subscriptions[0]);
    subs.add({{"family", "ipv4"}}, subscriptions[1]);
    if (!per_group) {
        return;
    }
    Family packets(out, "ecmh_group_forwarded_packets_total", "counter",
                   "Data packets forwarded to the group.");
    for (const auto& g : groups) {
        packets.add({{"family", g.family}, {"group", g.group}}, g.counters.packets);
    }
    Family bytes(out, "ecmh_group_forwarded_bytes_total", "counter",
                 "Bytes of data packets forwarded to the group.");
    for (const auto& g : groups) {
        bytes.add({{"family", g.family}, {"group", g.group}}, g.counters.bytes);
    }
}

// --forward xdp|auto only. A link's mode is a state set (each mode a series, 1 for the
// one it is in), so a link that moves between modes keeps all its series; the reason is
// free text, which a label must not be.
void fast_path_metrics(std::string& out, const FastPathStatus& f) {
    Family(out, "ecmh_fast_path_flows", "gauge", "Flows in the XDP program's table.")
        .add({}, f.flows);
    Family(out, "ecmh_fast_path_flows_installed_total", "counter",
           "Flows installed in the XDP program's table.")
        .add({}, f.flows_installed);
    Family(out, "ecmh_fast_path_flows_removed_total", "counter",
           "Flows taken out of the XDP program's table (re-decided away, or idle).")
        .add({}, f.flows_removed);
    Family(out, "ecmh_fast_path_flows_refused_total", "counter",
           "Flows not installed because the XDP program's table was full (--xdp-flows).")
        .add({}, f.flows_refused_full);
    Family mode(out, "ecmh_fast_path_link_mode", "gauge",
                "1 for the mode the link forwards in: native or generic XDP, or userspace.");
    for (const auto& l : f.links) {
        for (const std::string_view m : {"native", "generic", "userspace"}) {
            mode.add({{"link", l.name}, {"mode", m}}, l.mode == m ? 1 : 0);
        }
    }
    Family events(out, "ecmh_fast_path_program_events_total", "counter",
                  "What the XDP program did with frames, by event: passed-* sent them up to "
                  "ecmh (by reason), redirected, egress-copies, egress-dropped.");
    for (const auto& [name, count] : f.events) {
        events.add({{"event", name}}, count);
    }
}

} // namespace

std::string render_metrics(std::span<const LinkStatus> links, std::span<const GroupStatus> groups,
                           const StatsStatus& stats, bool per_group) {
    std::string out;
    link_metrics(out, links);
    total_metrics(out, stats);
    group_metrics(out, groups, per_group);
    if (stats.fast_path) {
        fast_path_metrics(out, *stats.fast_path);
    }
    return out;
}

} // namespace ecmh::report
