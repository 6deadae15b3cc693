// SPDX-License-Identifier: BSD-3-Clause
// What the daemon knows of the XDP fast path (--forward xdp|auto, issue 15) beyond the
// engine's flows: how each link forwards and why, and the program's own counts. The
// daemon (app/xdp_forwarding.hpp) fills it; the dump and the control socket's replies
// show it. Plain values, so the report layer needs nothing of io/.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ecmh::report {

struct FastPathView {
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

} // namespace ecmh::report
