// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/options_text.hpp"

#include <string>

namespace ecmh::app {
namespace {

std::string ms(std::chrono::milliseconds d) {
    return std::to_string(d.count()) + "ms";
}

class Lines {
public:
    void add(std::string_view option, const std::string& value = {}) {
        text_ += std::string(option) + (value.empty() ? "" : " " + value) + "\n";
    }
    template <class T>
    void differs(std::string_view option, const T& value, const T& default_value,
                 const std::string& text) {
        if (value != default_value) {
            add(option, text);
        }
    }
    [[nodiscard]] std::string text() const { return text_.empty() ? "# all defaults\n" : text_; }

private:
    std::string text_;
};

} // namespace

std::string options_text(const Options& o) {
    const Options d;
    Lines l;
    if (o.upstream) {
        l.add("upstream", *o.upstream);
    }
    if (o.user) {
        l.add("user", *o.user);
    }
    l.differs("promisc", o.promiscuous, d.promiscuous, "");
    l.differs("tunnelmode", o.tunnel_mode, d.tunnel_mode, "");
    for (const auto& p : o.tunnel_peers) {
        l.add("tunnel-peer",
              p.remote.to_string() + (p.local.is_unspecified() ? "" : "," + p.local.to_string()));
    }
    if (o.tunnel_peers_file) {
        l.add("tunnel-peers", *o.tunnel_peers_file);
    }
    if (o.mld_mode != d.mld_mode) {
        l.add(o.mld_mode == MldMode::V1Only ? "mld1only" : "mld2only");
    }
    for (const auto& i : o.interfaces) {
        l.add("interface", i);
    }
    for (const auto& x : o.excluded) {
        l.add("exclude", x);
    }
    l.differs("no-ipv4", o.ipv4, d.ipv4, "");
    l.differs("no-ipv6", o.ipv6, d.ipv6, "");
    for (const auto& p : o.ssm4) {
        l.add("ssm-range", p.to_string());
    }
    for (const auto& p : o.ssm6) {
        l.add("ssm-range", p.to_string());
    }
    if (o.translate) {
        const auto defaults = net::TranslationPrefixes::defaults();
        l.add("translate");
        l.differs("translate-asm-prefix", o.translation.asm96, defaults.asm96,
                  o.translation.asm96.to_string());
        l.differs("translate-ssm-prefix", o.translation.ssm96, defaults.ssm96,
                  o.translation.ssm96.to_string());
        l.differs("translate-source-prefix", o.translation.source96, defaults.source96,
                  o.translation.source96.to_string());
    }
    l.differs("igmp-version", o.igmp_version, d.igmp_version, std::to_string(o.igmp_version));
    l.differs("igmp3only", o.igmp3_only, d.igmp3_only, "");
    l.differs("accept-off-subnet", o.accept_off_subnet, d.accept_off_subnet, "");
    l.differs("no-host-compatibility", o.host_compatibility, d.host_compatibility, "");
    l.differs("pidfile", o.pid_file, d.pid_file, o.pid_file);
    l.differs("dumpfile", o.dump_file, d.dump_file, o.dump_file);
    l.differs("control-socket", o.control_socket, d.control_socket,
              o.control_socket.empty() ? std::string("none") : o.control_socket);
    l.differs("capture", o.capture, d.capture, o.capture == CaptureMethod::Ring ? "ring" : "pcap");
    const auto& f = o.fast_path;
    l.differs("forward", f.forward, d.fast_path.forward, std::string(to_string(f.forward)));
    l.differs("xdp-mode", f.mode, d.fast_path.mode, std::string(to_string(f.mode)));
    l.differs("xdp-flows", f.flows, d.fast_path.flows, std::to_string(f.flows));
    l.differs("xdp-idle", f.idle, d.fast_path.idle, ms(f.idle));
    const auto& t = o.timers;
    l.differs("robustness", t.robustness, d.timers.robustness, std::to_string(t.robustness));
    l.differs("query-interval", t.query_interval, d.timers.query_interval, ms(t.query_interval));
    l.differs("query-response-interval", t.query_response_interval,
              d.timers.query_response_interval, ms(t.query_response_interval));
    l.differs("last-listener-query-interval", t.last_listener_query_interval,
              d.timers.last_listener_query_interval, ms(t.last_listener_query_interval));
    l.differs("unsolicited-report-interval", t.unsolicited_report_interval,
              d.timers.unsolicited_report_interval, ms(t.unsolicited_report_interval));
    const auto& m = o.limits;
    l.differs("max-groups", m.max_groups_per_link, d.limits.max_groups_per_link,
              std::to_string(m.max_groups_per_link));
    l.differs("max-sources", m.max_sources_per_group, d.limits.max_sources_per_group,
              std::to_string(m.max_sources_per_group));
    l.differs("max-total-sources", m.max_total_sources, d.limits.max_total_sources,
              std::to_string(m.max_total_sources));
    l.differs("max-membership-rate", m.max_membership_rate, d.limits.max_membership_rate,
              std::to_string(m.max_membership_rate));
    // The link blocks last, as a file has them: each setting as it was written.
    for (const auto& block : o.link_blocks) {
        l.add("link", block.pattern);
        for (const auto& setting : block.settings) {
            l.add("    " + setting.keyword, setting.values_text());
        }
    }
    return l.text();
}

} // namespace ecmh::app
