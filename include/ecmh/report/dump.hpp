// SPDX-License-Identifier: BSD-3-Clause
// The ecmh.dump text (SIGUSR1), rendered from the engine's tables and counters. It keeps
// every section and label of the original ecmh's dump, which operators and their
// scripts know, and adds IPv4 groups, source filters with their timers, querier state,
// the upstream's reported state and drop counters in the same style. doc/dump-format.md
// describes every field. Pure: the caller supplies the times and writes the file.
#pragma once

#include "ecmh/engine/proxy.hpp"
#include "ecmh/proto/time.hpp"
#include "ecmh/report/fast_path_view.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace ecmh::report {

struct DumpContext {
    proto::TimePoint now;     // monotonic, like everything the engine holds
    proto::TimePoint started; // monotonic time the daemon started
    std::string started_text; // the start as wall-clock text, e.g. "2026-11-23 06:00:00 GMT"
    // Frames the kernel dropped before ecmh read them (capture buffer full), over all links.
    std::uint64_t kernel_drops = 0;
    // --forward xdp|auto (issue 15): what the daemon knows of the fast path beyond the
    // engine's flows; nullopt without one.
    using FastPath = FastPathView;
    std::optional<FastPath> fast_path{};
};

[[nodiscard]] std::string render_dump(const engine::Proxy& proxy, const DumpContext& context);

} // namespace ecmh::report
