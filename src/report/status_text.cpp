// SPDX-License-Identifier: BSD-3-Clause
// The readable form of the `show` replies: one block per link or group, labels as the
// dump's where the dump has one, for an operator at a terminal (scripts use --json).
#include "ecmh/report/status_render.hpp"

#include <algorithm>

namespace ecmh::report {
namespace {

std::string num(std::uint64_t v) {
    return std::to_string(v);
}

std::string seconds(const std::optional<std::uint64_t>& s) {
    return s ? num(*s) + " s" : std::string("never");
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) {
        out += (out.empty() ? "" : ", ") + i;
    }
    return out.empty() ? std::string("(none)") : out;
}

// "  <label>  <value>": an indented row of a section (drops, the fast path's), the values
// aligned from column 28 and at least one space after a longer label.
std::string section_row(std::string label, const std::string& value) {
    label.resize(std::max<std::size_t>(label.size() + 1, 26), ' ');
    return "  " + label + value + "\n";
}

std::string protocol_line(const ProtocolStatus& p) {
    std::string line = "  " + p.protocol + " v" + num(p.version);
    if (!p.querier) {
        return line + "\n";
    }
    line += ", querier " + *p.querier;
    if (p.is_querier) {
        line += " (this router)";
    } else if (p.other_querier_expire) {
        line += " (other querier present for " + num(*p.other_querier_expire) + " s)";
    }
    return line + "\n";
}

void link_block(std::string& out, const LinkStatus& l) {
    out += l.name;
    if (l.ifindex != 0) {
        out += " (index " + num(l.ifindex) + ")";
    }
    out += ": " + l.role + ", " +
           (l.up ? std::string("up") : "down for " + num(l.down_for.value_or(0)) + " s") +
           ", MTU " + num(l.mtu) + "\n";
    std::vector<std::string> addresses;
    for (const auto* a : {&l.link_local, &l.global, &l.ipv4}) {
        if (*a) {
            addresses.push_back(**a);
        }
    }
    out += "  addresses " + join(addresses) + "\n";
    if (l.tunnel_remote) {
        out += "  tunnel remote " + *l.tunnel_remote + "\n";
    }
    for (const auto& p : l.protocols) {
        out += protocol_line(p);
    }
    const auto& c = l.counters;
    out += "  received " + num(c.packets_received) + " packets, " + num(c.bytes_received) +
           " bytes, " + num(c.control_received) + " MLD/IGMP\n";
    out += "  sent     " + num(c.packets_sent) + " packets, " + num(c.bytes_sent) + " bytes, " +
           num(c.control_sent) + " MLD/IGMP\n";
    out += "  hop limit exceeded " + num(c.hop_limit_exceeded) + ", MLD/IGMP rate-limited " +
           num(c.control_rate_limited) + "\n";
}

void member_block(std::string& out, const MembershipStatus& m) {
    out += "  " + m.link + ": " + m.filter_mode + ", up " + num(m.up_time) + " s";
    if (m.filter_mode == "exclude") {
        out += ", filter timer " + seconds(m.filter_timer);
    }
    out += "\n";
    for (const auto& s : m.sources) {
        out += "    source " + s.address + " expires in " + seconds(s.expire) + "\n";
    }
    for (const auto& b : m.blocked) {
        out += "    blocked " + b + "\n";
    }
    if (m.compatibility_version != 0) {
        out += "    version " + num(m.compatibility_version) + " host present (expires in " +
               seconds(m.compatibility_expire) + ")\n";
    }
}

} // namespace

std::string render_links_text(std::span<const LinkStatus> links) {
    std::string out;
    for (const auto& l : links) {
        link_block(out, l);
    }
    return out.empty() ? "no links\n" : out;
}

std::string render_groups_text(std::span<const GroupStatus> groups) {
    std::string out;
    for (const auto& g : groups) {
        out += g.group + " (" + std::string(g.family) + "): " + num(g.counters.packets) +
               " packets, " + num(g.counters.bytes) + " bytes forwarded\n";
        for (const auto& m : g.members) {
            member_block(out, m);
        }
    }
    return out.empty() ? "no groups\n" : out;
}

namespace {

// "upstream u0, MLD v2, IGMP v3, serves ff3e::1:0/112 239.1.0.0/16: 2 groups reported",
// then a line per group.
void upstream_block(std::string& out, const UpstreamLinkStatus& u) {
    out += "upstream " + u.link;
    if (u.mld_version) {
        out += ", MLD v" + num(*u.mld_version);
    }
    if (u.igmp_version) {
        out += ", IGMP v" + num(*u.igmp_version);
    }
    // The default upstream's "::/0" and "0.0.0.0/0" read better as words.
    out += ", serves " + (u.every_group      ? std::string("every group")
                          : u.serves.empty() ? std::string("no group")
                                             : join(u.serves));
    out += ": " + num(u.groups.size()) + " groups reported\n";
    for (const auto& g : u.groups) {
        out += "  " + g.group + " (" + std::string(g.family) + "): " + g.filter_mode +
               ", sources " + join(g.sources);
        if (g.pending_retransmissions > 0) {
            out += ", " + num(g.pending_retransmissions) + " retransmissions pending (next in " +
                   seconds(g.next_retransmission) + ")";
        }
        out += "\n";
    }
}

} // namespace

std::string render_upstream_text(const UpstreamStatus& status) {
    if (status.upstreams.empty()) {
        return "no upstream link\n";
    }
    std::string out;
    for (const auto& u : status.upstreams) {
        upstream_block(out, u);
    }
    return out;
}

namespace {

// --forward xdp|auto: the flows, each link's mode and why, and every count of the program
// (zero ones too: "redirected 0" says the program forwards nothing).
void fast_path_section(std::string& out, const FastPathStatus& f) {
    out += "fast path flows     " + num(f.flows) + " (" + num(f.flows_installed) + " installed, " +
           num(f.flows_removed) + " removed, " + num(f.flows_refused_full) +
           " refused with the table full)\n";
    out += "fast path links\n";
    for (const auto& l : f.links) {
        // A link has no reason only until the daemon first chose its mode.
        out += section_row(l.name, l.reason.empty() ? l.mode : l.mode + " (" + l.reason + ")");
    }
    if (f.links.empty()) {
        out += "  (none)\n";
    }
    out += "fast path program\n";
    for (const auto& [name, count] : f.events) {
        out += section_row(name, num(count));
    }
}

} // namespace

std::string render_stats_text(const StatsStatus& s) {
    std::string out;
    out += "version             ecmh " + s.version + "\n";
    out += "started             " + s.started + " (up " + num(s.uptime) + " s)\n";
    out += "tunnel mode         " +
           (s.tunnel_mode ? "on, " + num(s.tunnel_peers) + " peers" : std::string("off")) + "\n";
    out += "links               " + num(s.links) + "\n";
    out +=
        "groups              " + num(s.groups) + " (" + num(s.subscriptions) + " subscriptions)\n";
    out += "packets received    " + num(s.total.packets_received) + " (" +
           num(s.total.bytes_received) + " bytes)\n";
    out += "packets sent        " + num(s.total.packets_sent) + " (" + num(s.total.bytes_sent) +
           " bytes)\n";
    out += "MLD/IGMP            " + num(s.total.control_received) + " received, " +
           num(s.total.control_sent) + " sent\n";
    out += "packets forwarded   " + num(s.forwarded) + "\n";
    out += "hop limit exceeded  " + num(s.total.hop_limit_exceeded) + "\n";
    out += "packet too big sent " + num(s.packet_too_big_sent) + "\n";
    out +=
        "IPv4 fragmented     " + num(s.fragmented) + " (" + num(s.fragments_sent) + " fragments)\n";
    out += "checksums completed " + num(s.checksums_completed) + "\n";
    out += "super-frames cut    " + num(s.superframes_segmented) + " (" +
           num(s.superframe_datagrams) + " datagrams)\n";
    out += "translated          " + num(s.translated_to_ipv6) + " to IPv6, " +
           num(s.translated_to_ipv4) + " to IPv4 (" + num(s.translate_checksums_computed) +
           " zero checksums computed)\n";
    out += "kernel drops        " + num(s.kernel_drops) + "\n";
    out += "source records      " + num(s.mld_source_records) + " MLD, " +
           num(s.igmp_source_records) + " IGMP\n";
    out += "drops\n";
    bool any = false;
    for (const auto& d : s.drops) {
        if (d.count != 0) {
            any = true;
            out += section_row(d.reason, num(d.count));
        }
    }
    if (!any) {
        out += "  (none)\n";
    }
    if (s.fast_path) {
        fast_path_section(out, *s.fast_path);
    }
    return out;
}

} // namespace ecmh::report
