// SPDX-License-Identifier: BSD-3-Clause
// The ecmh.dump text (SIGUSR1), rendered from the engine's tables and counters. It keeps
// every section and label of the original ecmh's dump, which operators and their
// scripts know, and adds IPv4 groups, source filters with their timers, querier state,
// the upstream's reported state and drop counters in the same style. doc/dump-format.md
// describes every field. Pure: the caller supplies the times and writes the file.
#pragma once

#include "ecmh/engine/proxy.hpp"
#include "ecmh/proto/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ecmh::report {

struct DumpContext {
    proto::TimePoint now;     // monotonic, like everything the engine holds
    proto::TimePoint started; // monotonic time the daemon started
    std::string started_text; // the start as wall-clock text, e.g. "2026-11-23 06:00:00 GMT"
    // Frames the kernel dropped before ecmh read them (capture buffer full), over all links.
    std::uint64_t kernel_drops = 0;
    // --forward xdp|auto (issue 15): what the daemon knows of the fast path beyond the
    // engine's flows; nullopt without one.
    struct FastPath {
        struct LinkMode {
            std::string name;
            std::string mode;   // "native", "generic" or "userspace"
            std::string reason; // why
        };
        std::vector<LinkMode> links;
        // The program's own counts, by name: why frames went up, and what it sent.
        std::vector<std::pair<std::string, std::uint64_t>> events;
        // The kernel's notices of XDP-feature changes (the netdev family's mgmt group).
        struct Notices {
            bool subscribed = false;
            std::string unavailable;       // why not, when not subscribed
            std::uint64_t received = 0;    // every notice
            std::uint64_t about_links = 0; // those naming a link served here
            std::uint64_t lost = 0;        // the kernel dropped some, or one was cut
        };
        Notices notices{};
    };
    std::optional<FastPath> fast_path{};
};

[[nodiscard]] std::string render_dump(const engine::Proxy& proxy, const DumpContext& context);

} // namespace ecmh::report
