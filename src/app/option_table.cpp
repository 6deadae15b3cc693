// SPDX-License-Identifier: BSD-3-Clause
// Every option of ecmh, once: what getopt_long accepts, what --help says about it, and
// what it does to the Options.
#include "ecmh/app/option_table.hpp"

#include "option_values.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <iterator>

namespace ecmh::app {
namespace {

using std::chrono::milliseconds;
// Short names keep each handler of the table on one line.
using S = ParseState;
using V = OptionValue;

// Lower bounds of the timer options: below them a typo would flood the links with queries
// or reports.
constexpr milliseconds kMinQueryInterval{1000};
constexpr milliseconds kMinResponseInterval{100};
constexpr milliseconds kMinReportInterval{10};
constexpr std::uint32_t kMaxLimit = 1'000'000;

// A flag that sets a field of the Options.
template <bool Options::*Field, bool Value>
OptionError set_option(ParseState& state, const OptionValue& /*value*/) {
    state.options.*Field = Value;
    return std::nullopt;
}

// A flag that only means something once every option is read (-1 with -2, -h, -V).
template <bool ParseState::*Field>
OptionError set_state(ParseState& state, const OptionValue& /*value*/) {
    state.*Field = true;
    return std::nullopt;
}

constexpr OptionDescriptor kTable[] = {
    // --- Options of the original ecmh.
    {
        .long_name = "upstream",
        .short_name = 'i',
        .argument = "IF",
        .help = "upstream interface (where the multicast router is)",
        .group = OptionGroup::Original,
        .apply = [](S& s, const V& v) { return set_upstream(s.options.upstream, v); },
    },
    {
        .long_name = "foreground",
        .short_name = 'f',
        .help = "don't daemonize; log to stderr",
        .group = OptionGroup::Original,
        .apply = set_option<&Options::foreground, true>,
    },
    {
        .long_name = "user",
        .short_name = 'u',
        .argument = "USER",
        .help = "drop root to USER once capture is set up",
        .group = OptionGroup::Original,
        .apply = [](S& s, const V& v) { return set_user(s.options.user, v); },
    },
    {
        .long_name = "promisc",
        .short_name = 'p',
        .help = "put interfaces in promiscuous mode",
        .group = OptionGroup::Original,
        .apply = set_option<&Options::promiscuous, true>,
    },
    {
        .long_name = "nopromisc",
        .short_name = 'P',
        .help = "receive multicast via all-multicast mode (default)",
        .group = OptionGroup::Original,
        .apply = set_option<&Options::promiscuous, false>,
    },
    {
        .long_name = "tunnelmode",
        .short_name = 't',
        .help = "decapsulate proto-41 (6in4) instead of attaching to each tunnel interface",
        .group = OptionGroup::Original,
        .apply = set_option<&Options::tunnel_mode, true>,
    },
    {
        .long_name = "notunnelmode",
        .short_name = 'T',
        .help = "attach to tunnel interfaces separately (default)",
        .group = OptionGroup::Original,
        .apply = set_option<&Options::tunnel_mode, false>,
    },
    {
        .long_name = "mld1only",
        .short_name = '1',
        .help = "act as an MLDv1-only router and host",
        .group = OptionGroup::Original,
        .apply = set_state<&ParseState::mld1_only>,
    },
    {
        .long_name = "mld2only",
        .short_name = '2',
        .help = "MLDv2 only: MLDv1 reports are ignored (*)",
        .group = OptionGroup::Original,
        .apply = set_state<&ParseState::mld2_only>,
    },
    {
        .long_name = "verbose",
        .short_name = 'v',
        .help = "debug logging: membership changes per link",
        .group = OptionGroup::Original,
        .apply = [](S& s, const V&) -> OptionError {
            ++s.options.verbosity;
            return std::nullopt;
        },
    },
    {
        .long_name = "version",
        .short_name = 'V',
        .help = "print the version and exit",
        .group = OptionGroup::Original,
        .apply = set_state<&ParseState::version>,
    },
    {
        .long_name = "help",
        .short_name = 'h',
        .help = "print this help and exit",
        .group = OptionGroup::Original,
        .apply = set_state<&ParseState::help>,
    },
    // --- Interfaces and families.
    {
        .long_name = "interface",
        .argument = "IF",
        .help = "use only these downstream interfaces (repeatable)",
        .group = OptionGroup::Selection,
        .apply = [](S& s, const V& v) { return add_interface(s.options.interfaces, v); },
    },
    {
        .long_name = "exclude",
        .argument = "IF",
        .help = "never use IF (repeatable)",
        .group = OptionGroup::Selection,
        .apply = [](S& s, const V& v) { return add_interface(s.options.excluded, v); },
    },
    {
        .long_name = "no-ipv4",
        .help = "IPv6 only (no IGMP, no IPv4 forwarding)",
        .group = OptionGroup::Selection,
        .apply = set_option<&Options::ipv4, false>,
    },
    {
        .long_name = "no-ipv6",
        .help = "IPv4 only (no MLD, no IPv6 forwarding)",
        .group = OptionGroup::Selection,
        .apply = set_option<&Options::ipv6, false>,
    },
    {
        .long_name = "igmp-version",
        .argument = "N",
        .help = "speak IGMPv1, v2 or v3 (default 3; lower it for older IGMP routers on the "
                "links, RFC 3376 §7.3.1)",
        .group = OptionGroup::Selection,
        .apply = [](S& s, const V& v) { return set_igmp_version(s.options.igmp_version, v); },
    },
    // --- Files.
    {
        .long_name = "pidfile",
        .argument = "PATH",
        .help = "pid file (default /var/run/ecmh.pid)",
        .group = OptionGroup::Files,
        .apply = [](S& s, const V& v) { return set_path(s.options.pid_file, v); },
    },
    {
        .long_name = "dumpfile",
        .argument = "PATH",
        .help = "SIGUSR1 dump file (default /var/run/ecmh.dump)",
        .group = OptionGroup::Files,
        .apply = [](S& s, const V& v) { return set_path(s.options.dump_file, v); },
    },
    // --- Capture.
    {
        .long_name = "capture",
        .argument = "METHOD",
        .help = "ring: shared memory-mapped packet rings, read in place (Linux; the default); "
                "pcap: one libpcap handle per interface (portable, slower)",
        .group = OptionGroup::Capture,
        .apply = [](S& s, const V& v) { return set_capture(s.options.capture, v); },
    },
    // --- Protocol variables.
    {
        .long_name = "robustness",
        .argument = "N",
        .help = "Robustness Variable (default 2)",
        .group = OptionGroup::ProtocolVariables,
        // RFC 3810 §9.1: MUST NOT be 0, SHOULD NOT be 1; above 7 is sent as QRV 0.
        .apply = [](S& s, const V& v) { return set_count(s.options.timers.robustness, v, 1, 255); },
    },
    {
        .long_name = "query-interval",
        .argument = "DUR",
        .help = "Query Interval (default 125s)",
        .group = OptionGroup::ProtocolVariables,
        .apply =
            [](S& s, const V& v) {
                return set_duration(s.options.timers.query_interval, v, kMinQueryInterval);
            },
    },
    {
        .long_name = "query-response-interval",
        .argument = "DUR",
        .help = "Query Response Interval (default 10s)",
        .group = OptionGroup::ProtocolVariables,
        .apply =
            [](S& s, const V& v) {
                return set_duration(s.options.timers.query_response_interval, v,
                                    kMinResponseInterval);
            },
    },
    {
        .long_name = "last-listener-query-interval",
        .argument = "DUR",
        .help = "Last Listener Query Interval (default 1s)",
        .group = OptionGroup::ProtocolVariables,
        .apply =
            [](S& s, const V& v) {
                return set_duration(s.options.timers.last_listener_query_interval, v,
                                    kMinResponseInterval);
            },
    },
    {
        .long_name = "unsolicited-report-interval",
        .argument = "DUR",
        .help = "upstream report retransmission (default 1s; 10s while the upstream speaks "
                "MLDv1/IGMPv2)",
        .group = OptionGroup::ProtocolVariables,
        // One knob for both generations: an operator who shortens it (or a test) means
        // every repetition of an unsolicited report upstream.
        .apply =
            [](S& s, const V& v) {
                auto& timers = s.options.timers;
                auto error =
                    set_duration(timers.unsolicited_report_interval, v, kMinReportInterval);
                timers.old_unsolicited_report_interval = timers.unsolicited_report_interval;
                return error;
            },
    },
    // --- Limits.
    {
        .long_name = "max-groups",
        .argument = "N",
        .help = "groups per link (default 4096)",
        .group = OptionGroup::Limits,
        .apply =
            [](S& s, const V& v) {
                return set_count(s.options.limits.max_groups_per_link, v, 1, kMaxLimit);
            },
    },
    {
        .long_name = "max-sources",
        .argument = "N",
        .help = "sources per group (default 512)",
        .group = OptionGroup::Limits,
        .apply =
            [](S& s, const V& v) {
                return set_count(s.options.limits.max_sources_per_group, v, 1, kMaxLimit);
            },
    },
};

constexpr std::array kGroups{
    OptionGroupText{OptionGroup::Original, "Options of the original ecmh:"},
    OptionGroupText{OptionGroup::Selection, "Interfaces and families:"},
    OptionGroupText{OptionGroup::Files, "Files:"},
    OptionGroupText{OptionGroup::Capture, "Capture:"},
    OptionGroupText{OptionGroup::ProtocolVariables,
                    "Protocol variables (RFC 3810 §9, RFC 3376 §8; DUR is 10s, 0.3s or 300ms):"},
    OptionGroupText{OptionGroup::Limits, "Limits:"},
};

} // namespace

std::span<const OptionDescriptor> option_table() {
    return kTable;
}

std::span<const OptionGroupText> option_groups() {
    return kGroups;
}

std::vector<OptionDescriptor> options_in(OptionGroup group) {
    std::vector<OptionDescriptor> options;
    std::copy_if(std::begin(kTable), std::end(kTable), std::back_inserter(options),
                 [group](const OptionDescriptor& d) { return d.group == group; });
    return options;
}

} // namespace ecmh::app
