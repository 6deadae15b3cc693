// SPDX-License-Identifier: BSD-3-Clause
// The control socket's replies to `show links|groups|upstream|stats` (as readable text and
// as JSON) and to `metrics` (the Prometheus text exposition format), rendered from the
// values of status.hpp. doc/control.md documents the JSON schema and the metric names;
// both are stable: fields are added, never renamed or removed, and a field that does not
// apply is null rather than absent.
#pragma once

#include "ecmh/report/status.hpp"

#include <span>
#include <string>

namespace ecmh::report {

[[nodiscard]] std::string render_links_text(std::span<const LinkStatus> links);
[[nodiscard]] std::string render_groups_text(std::span<const GroupStatus> groups);
[[nodiscard]] std::string render_upstream_text(const UpstreamStatus& status);
[[nodiscard]] std::string render_stats_text(const StatsStatus& stats);

[[nodiscard]] std::string render_links_json(std::span<const LinkStatus> links);
[[nodiscard]] std::string render_groups_json(std::span<const GroupStatus> groups);
[[nodiscard]] std::string render_upstream_json(const UpstreamStatus& status);
[[nodiscard]] std::string render_stats_json(const StatsStatus& stats);

// Counters per link and in total, drops by reason, gauges of links, groups and
// subscriptions, the fast path's flows, link modes and program counts when there is one
// (stats.fast_path); with `per_group`, each group's forwarded packets and bytes too (one
// series per group: off by default, as thousands of groups make thousands of series).
[[nodiscard]] std::string render_metrics(std::span<const LinkStatus> links,
                                         std::span<const GroupStatus> groups,
                                         const StatsStatus& stats, bool per_group);

} // namespace ecmh::report
