// SPDX-License-Identifier: BSD-3-Clause
// What the control socket's `show` commands and `metrics` report, collected from the
// engine's tables into plain values: links with their role, addresses and counters;
// groups per link with filter mode, sources and timers; the upstream's reported state;
// the statistics with every drop by reason, and the XDP fast path's figures. The text,
// JSON and Prometheus renderers (status_text.cpp, status_json.cpp, metrics.cpp) format
// these and nothing else, so the three always agree. Pure, like the dump (dump.hpp): the
// caller supplies the times, and what the daemon knows of the fast path.
// Timers are whole seconds from now; a stopped timer is nullopt.
#pragma once

#include "ecmh/engine/proxy.hpp"
#include "ecmh/proto/time.hpp"
#include "ecmh/report/fast_path_view.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ecmh::report {

struct StatusContext {
    proto::TimePoint now;     // monotonic, like everything the engine holds
    proto::TimePoint started; // monotonic time the daemon started
    std::string started_text; // wall-clock text of the start
    std::uint64_t kernel_drops = 0;
    // --forward xdp|auto: the links' modes and the program's counts; nullopt without a
    // fast path.
    std::optional<FastPathView> fast_path{};
};

// "ipv6" (MLD) or "ipv4" (IGMP).
using Family = std::string_view;

struct ProtocolStatus {
    std::string protocol;               // "MLD" or "IGMP"
    std::uint8_t version = 0;           // the version ecmh speaks on the link
    std::optional<std::string> querier; // downstream: the querier's address (ours or not)
    bool is_querier = false;            // downstream: ecmh is the link's querier
    std::optional<std::uint64_t> other_querier_expire; // seconds left, when another is
};

struct LinkStatus {
    std::string name;
    std::uint32_t ifindex = 0; // 0 for a tunnel peer
    std::string role;          // "upstream", "downstream" or "tunnel-peer"
    bool up = true;
    std::optional<std::uint64_t> down_for; // seconds, while down
    std::uint32_t mtu = 0;
    std::optional<std::string> link_local;
    std::optional<std::string> global;
    std::optional<std::string> ipv4; // address/prefix length
    std::optional<std::string> tunnel_remote;
    std::vector<ProtocolStatus> protocols;
    engine::TrafficCounters counters;
};

struct SourceStatus {
    std::string address;
    std::optional<std::uint64_t> expire; // seconds left; nullopt for a blocked source
};

// One group on one link (a row of the dump's subscription section).
struct MembershipStatus {
    Family family;
    std::string group;
    std::string link;
    std::string filter_mode; // "include" or "exclude"
    std::uint64_t up_time = 0;
    std::optional<std::uint64_t> filter_timer; // EXCLUDE mode's filter timer
    std::vector<SourceStatus> sources;         // forwarded (INCLUDE) or requested (EXCLUDE)
    std::vector<std::string> blocked;          // EXCLUDE mode's excluded sources
    // The oldest host version present (an older-version host compatibility mode), or 0.
    std::uint8_t compatibility_version = 0;
    std::optional<std::uint64_t> compatibility_expire;
};

struct GroupStatus {
    Family family;
    std::string group;
    table::GroupCounters counters; // forwarded traffic
    std::vector<MembershipStatus> members;
};

struct UpstreamGroupStatus {
    Family family;
    std::string group;
    std::string filter_mode;
    std::vector<std::string> sources;
    std::uint32_t pending_retransmissions = 0;
    std::optional<std::uint64_t> next_retransmission;
};

struct UpstreamLinkStatus {
    std::string link;
    std::optional<std::uint8_t> mld_version; // none: the family is off
    std::optional<std::uint8_t> igmp_version;
    // The prefixes it serves, longest first, IPv6 then IPv4 ("::/0" and "0.0.0.0/0" for
    // the default upstream).
    std::vector<std::string> serves;
    bool every_group = false; // serves_every_group()
    std::vector<UpstreamGroupStatus> groups;
};

// Every upstream link that is there, by link.
struct UpstreamStatus {
    std::vector<UpstreamLinkStatus> upstreams;
};

struct DropCount {
    std::string reason; // the dump's label: a ParseError, Verdict or DropReason name
    std::uint64_t count = 0;
};

// --forward xdp|auto (issue 15): how each link forwards and why, the engine's flows in the
// program's table, and the program's own counts (as the dump's Fast Path section).
struct FastPathStatus {
    std::vector<FastPathView::LinkMode> links;
    std::uint64_t flows = 0;              // in the table now
    std::uint64_t flows_installed = 0;    // since the start
    std::uint64_t flows_removed = 0;      // re-decided away, or idle
    std::uint64_t flows_refused_full = 0; // offered while the table was full
    // The program's counts by name, in its order.
    std::vector<std::pair<std::string, std::uint64_t>> events;
};

struct StatsStatus {
    std::string version;
    std::string started;
    std::uint64_t uptime = 0;
    bool tunnel_mode = false;
    std::size_t tunnel_peers = 0;
    std::size_t links = 0;
    std::size_t groups = 0;
    std::size_t subscriptions = 0;
    engine::TrafficCounters total;
    std::uint64_t forwarded = 0;
    std::uint64_t packet_too_big_sent = 0;
    std::uint64_t fragmented = 0;
    std::uint64_t fragments_sent = 0;
    std::uint64_t checksums_completed = 0;
    std::uint64_t superframes_segmented = 0;
    std::uint64_t superframe_datagrams = 0;
    // Translation (issue 16): packets translated each way, zero IPv4 UDP checksums
    // computed.
    std::uint64_t translated_to_ipv6 = 0;
    std::uint64_t translated_to_ipv4 = 0;
    std::uint64_t translate_checksums_computed = 0;
    std::uint64_t kernel_drops = 0;
    std::size_t mld_source_records = 0;
    std::size_t igmp_source_records = 0;
    std::vector<DropCount> drops;              // every reason, zero or not, in a fixed order
    std::optional<FastPathStatus> fast_path{}; // nullopt with --forward userspace
};

[[nodiscard]] std::vector<LinkStatus> collect_links(const engine::Proxy& proxy,
                                                    const StatusContext& context);
// IPv6 groups, then IPv4 ones, each sorted by address; members sorted by link.
[[nodiscard]] std::vector<GroupStatus> collect_groups(const engine::Proxy& proxy,
                                                      const StatusContext& context);
// Whether the upstream on `link` serves every group of the families that are on (no other
// upstream has prefixes): the dump and `show upstream` say so in words.
[[nodiscard]] bool serves_every_group(const engine::Proxy& proxy, engine::LinkId link);
[[nodiscard]] UpstreamStatus collect_upstream(const engine::Proxy& proxy,
                                              const StatusContext& context);
[[nodiscard]] StatsStatus collect_stats(const engine::Proxy& proxy, const StatusContext& context);

} // namespace ecmh::report
