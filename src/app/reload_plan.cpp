// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/reload_plan.hpp"

#include <utility>

namespace ecmh::app {
namespace {

// Keeps the running value of one restart-only option, noting the change.
template <class T>
void keep(const char* name, const T& running, T& next, std::vector<std::string>& changed) {
    if (!(running == next)) {
        changed.emplace_back(name);
        next = running;
    }
}

} // namespace

ReloadPlan plan_reload(const Options& running, Options next) {
    std::vector<std::string> changed;
    keep("foreground", running.foreground, next.foreground, changed);
    keep("user", running.user, next.user, changed);
    keep("pidfile", running.pid_file, next.pid_file, changed);
    keep("dumpfile", running.dump_file, next.dump_file, changed);
    keep("config", running.config_file, next.config_file, changed);
    keep("control-socket", running.control_socket, next.control_socket, changed);
    keep("capture", running.capture, next.capture, changed);
    // The XDP program and its tables are loaded once, before ecmh drops its privileges.
    keep("forward/xdp-*", running.fast_path, next.fast_path, changed);
    keep("promisc", running.promiscuous, next.promiscuous, changed);
    keep("tunnelmode", running.tunnel_mode, next.tunnel_mode, changed);
    keep("tunnel-peer", running.tunnel_peers, next.tunnel_peers, changed);
    keep("tunnel-peers", running.tunnel_peers_file, next.tunnel_peers_file, changed);
    keep("verbose", running.verbosity, next.verbosity, changed);
    keep("mld1only/mld2only", running.mld_mode, next.mld_mode, changed);
    keep("igmp3only", running.igmp3_only, next.igmp3_only, changed);
    keep("accept-off-subnet", running.accept_off_subnet, next.accept_off_subnet, changed);
    keep("no-host-compatibility", running.host_compatibility, next.host_compatibility, changed);
    keep("no-ipv4", running.ipv4, next.ipv4, changed);
    keep("no-ipv6", running.ipv6, next.ipv6, changed);
    keep("ssm-range (IPv6)", running.ssm6, next.ssm6, changed);
    keep("ssm-range (IPv4)", running.ssm4, next.ssm4, changed);
    keep("translate", running.translate, next.translate, changed);
    keep("translate-*-prefix", running.translation, next.translation, changed);
    keep("max-total-sources", running.limits.max_total_sources, next.limits.max_total_sources,
         changed);
    return ReloadPlan{std::move(next), std::move(changed)};
}

} // namespace ecmh::app
