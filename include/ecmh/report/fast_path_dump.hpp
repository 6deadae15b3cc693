// SPDX-License-Identifier: BSD-3-Clause
// The dump's "Fast Path Dump" section (--forward xdp|auto, issue 15; doc/dump-format.md):
// how each link forwards and why, every flow the engine installed with its out-links,
// limits and counters, and the program's own counts.
#pragma once

#include "ecmh/engine/proxy.hpp"
#include "ecmh/report/dump.hpp"

#include <string>

namespace ecmh::report {

// Appends the section; nothing without a fast path (context.fast_path empty).
void fast_path_section(std::string& out, const engine::Proxy& proxy, const DumpContext& context);

} // namespace ecmh::report
