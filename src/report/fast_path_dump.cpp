// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/report/fast_path_dump.hpp"

#include <algorithm>
#include <chrono>
#include <tuple>
#include <vector>

namespace ecmh::report {
namespace {

std::string num(std::uint64_t v) {
    return std::to_string(v);
}

// An address as the flow's family writes it: IPv4 flows hold IPv4-mapped addresses.
std::string address_text(const net::Ipv6Address& a, engine::FlowFamily family) {
    if (family == engine::FlowFamily::Ipv6) {
        return a.to_string();
    }
    const auto& b = a.bytes();
    return net::Ipv4Address{static_cast<std::uint32_t>((std::uint32_t{b[12]} << 24U) |
                                                       (std::uint32_t{b[13]} << 16U) |
                                                       (std::uint32_t{b[14]} << 8U) | b[15])}
        .to_string();
}

std::string link_name(const engine::Proxy& proxy, engine::LinkId id) {
    const auto* link = proxy.link(id);
    return link != nullptr ? link->config.name : "link " + num(id.slot());
}

std::string valid_text(proto::TimePoint until, proto::TimePoint now) {
    if (until == proto::kNever) {
        return "no listener timer";
    }
    const auto left = until > now ? until - now : proto::Duration{};
    return num(static_cast<std::uint64_t>(
               std::chrono::duration_cast<std::chrono::milliseconds>(left).count())) +
           " ms";
}

// How the kernel's notices of XDP-feature changes came, or why none can.
std::string notices_line(const DumpContext::FastPath::Notices& n) {
    if (!n.subscribed) {
        return "Feature notices : none (" + n.unavailable + ")\n";
    }
    return "Feature notices : " + num(n.received) + " received, " + num(n.about_links) +
           " about these interfaces, " + num(n.lost) + " times lost\n";
}

struct Row {
    engine::FlowKey key;
    engine::FlowAction action;
    engine::FlowCounters counters;
};

} // namespace

void fast_path_section(std::string& out, const engine::Proxy& proxy, const DumpContext& context) {
    if (!context.fast_path) {
        return;
    }
    out += "*** Fast Path Dump\n\n";
    for (const auto& l : context.fast_path->links) {
        out += "Interface " + l.name + " : " + l.mode + " (" + l.reason + ")\n";
    }
    out += notices_line(context.fast_path->notices);
    // The host's own sockets get these groups' packets from the kernel: their flows on
    // that interface stay in userspace (engine::HostGroup).
    for (const auto& h : proxy.host_groups()) {
        out += "Host listens    : " + address_text(h.group, h.family) + " on " +
               link_name(proxy, h.link) + " (its flows there stay in userspace)\n";
    }
    // Sorted, so two dumps of the same state read the same.
    std::vector<Row> rows;
    proxy.for_each_flow(
        [&](const engine::FlowKey& k, const engine::FlowAction& a, const engine::FlowCounters& c) {
            rows.push_back(Row{k, a, c});
        });
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        return std::tie(a.key.family, a.key.group, a.key.source, a.key.arrival) <
               std::tie(b.key.family, b.key.group, b.key.source, b.key.arrival);
    });
    for (const auto& r : rows) {
        out += "\nFlow " + address_text(r.key.group, r.key.family) + " from " +
               address_text(r.key.source, r.key.family) + " on " + link_name(proxy, r.key.arrival) +
               "\n";
        std::string links;
        r.action.out.for_each([&](engine::LinkId id) {
            links += (links.empty() ? "" : ", ") + link_name(proxy, id);
        });
        out += "  Out-links   : " + links + "\n";
        out += "  Max length  : " + num(r.action.max_length) + "\n";
        out += "  Valid for   : " + valid_text(r.action.valid_until, context.now) + "\n";
        out += "  Packets     : " + num(r.counters.packets) + "\n";
        out += "  Bytes       : " + num(r.counters.bytes) + "\n";
    }
    if (!context.fast_path->events.empty()) {
        out += "\nProgram\n";
        for (const auto& [name, count] : context.fast_path->events) {
            std::string label = name;
            label.resize(std::max<std::size_t>(label.size(), 26), ' ');
            out += "  " + label + ": " + num(count) + "\n";
        }
    }
    const auto& s = proxy.statistics();
    out += "\n*** Fast Path Dump (end - " + num(rows.size()) + " flows; " + num(s.flows_installed) +
           " installed, " + num(s.flows_removed) + " removed, " + num(s.flows_refused_full) +
           " refused with the table full)\n\n";
}

} // namespace ecmh::report
