// SPDX-License-Identifier: BSD-3-Clause
// What a reload (SIGHUP) can change while ecmh runs, and what waits for a restart. The
// new configuration is read and checked whole first; a bad one changes nothing. A good
// one is applied as a difference: the link blocks, the upstream, the interface
// selection, the protocol variables, versions and per-link limits go to the links whose
// settings they change (LinkManager → Proxy::update_link), and nothing else is touched.
// What is opened or fixed once at startup (files, user, capture, families, tunnel mode,
// the engine-wide switches) keeps its running value, and the log says that it waits for
// a restart.
#pragma once

#include "ecmh/app/options.hpp"

#include <string>
#include <vector>

namespace ecmh::app {

struct ReloadPlan {
    Options next;                          // what will run: `next` with restart-only values kept
    std::vector<std::string> restart_only; // options that changed but need a restart
};

[[nodiscard]] ReloadPlan plan_reload(const Options& running, Options next);

} // namespace ecmh::app
