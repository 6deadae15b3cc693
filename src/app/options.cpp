// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/options.hpp"

#include "ecmh/version.hpp"

#include <charconv>
#include <cstring>
#include <getopt.h>

namespace ecmh::app {
namespace {

using std::chrono::milliseconds;

// Long-only options get values above the char range.
enum LongOnly : int {
    kPidFile = 256,
    kDumpFile,
    kInterface,
    kExclude,
    kNoIpv4,
    kNoIpv6,
    kRobustness,
    kQueryInterval,
    kQueryResponseInterval,
    kLastListenerQueryInterval,
    kUnsolicitedReportInterval,
    kMaxGroups,
    kMaxSources,
    kIgmpVersion,
    kCapture,
};

#ifdef __linux__
constexpr const char* kCaptureMethods = "ring or pcap";
#else
constexpr const char* kCaptureMethods = "pcap (the packet rings are Linux only)";
#endif

constexpr const char* kShortOptions = ":fi:pPu:tTvV12h";

const option kLongOptions[] = {
    {"foreground", no_argument, nullptr, 'f'},
    {"upstream", required_argument, nullptr, 'i'},
    {"promisc", no_argument, nullptr, 'p'},
    {"nopromisc", no_argument, nullptr, 'P'},
    {"user", required_argument, nullptr, 'u'},
    {"tunnelmode", no_argument, nullptr, 't'},
    {"notunnelmode", no_argument, nullptr, 'T'},
    {"verbose", no_argument, nullptr, 'v'},
    {"version", no_argument, nullptr, 'V'},
    {"mld1only", no_argument, nullptr, '1'},
    {"mld2only", no_argument, nullptr, '2'},
    {"help", no_argument, nullptr, 'h'},
    {"pidfile", required_argument, nullptr, kPidFile},
    {"dumpfile", required_argument, nullptr, kDumpFile},
    {"interface", required_argument, nullptr, kInterface},
    {"exclude", required_argument, nullptr, kExclude},
    {"no-ipv4", no_argument, nullptr, kNoIpv4},
    {"no-ipv6", no_argument, nullptr, kNoIpv6},
    {"robustness", required_argument, nullptr, kRobustness},
    {"query-interval", required_argument, nullptr, kQueryInterval},
    {"query-response-interval", required_argument, nullptr, kQueryResponseInterval},
    {"last-listener-query-interval", required_argument, nullptr, kLastListenerQueryInterval},
    {"unsolicited-report-interval", required_argument, nullptr, kUnsolicitedReportInterval},
    {"max-groups", required_argument, nullptr, kMaxGroups},
    {"max-sources", required_argument, nullptr, kMaxSources},
    {"igmp-version", required_argument, nullptr, kIgmpVersion},
    {"capture", required_argument, nullptr, kCapture},
    {nullptr, 0, nullptr, 0},
};

// The spelling the user typed for the option getopt just handled, for messages.
std::string option_name(int code, int long_index) {
    if (long_index >= 0) {
        return std::string("--") + kLongOptions[long_index].name;
    }
    if (code > 0 && code < 256) {
        return std::string("-") + static_cast<char>(code);
    }
    for (const auto& o : kLongOptions) {
        if (o.name != nullptr && o.val == code) {
            return std::string("--") + o.name;
        }
    }
    return "?";
}

std::optional<std::uint32_t> parse_uint(std::string_view text, std::uint32_t min,
                                        std::uint32_t max) {
    std::uint32_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value < min || value > max) {
        return std::nullopt;
    }
    return value;
}

// Linux interface names: 1..15 bytes (IFNAMSIZ − 1), no '/', ':' or whitespace.
bool valid_interface_name(std::string_view name) {
    if (name.empty() || name.size() > 15 || name == "." || name == "..") {
        return false;
    }
    for (const char c : name) {
        if (c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n') {
            return false;
        }
    }
    return true;
}

UsageError bad_value(const std::string& option, std::string_view value, std::string_view expected) {
    return UsageError{"invalid value '" + std::string(value) + "' for " + option + ": expected " +
                      std::string(expected)};
}

// Cross-option checks, after every option has been read.
std::optional<UsageError> validate(const Options& o, bool mld1, bool mld2) {
    if (mld1 && mld2) {
        return UsageError{"options '-1' (--mld1only) and '-2' (--mld2only) exclude each other"};
    }
    if (!o.ipv4 && !o.ipv6) {
        return UsageError{"options '--no-ipv4' and '--no-ipv6' together leave nothing to do"};
    }
    if (o.timers.query_response_interval >= o.timers.query_interval) {
        // RFC 3810 §9.3 / RFC 3376 §8.3: the response interval must be less than the
        // query interval, or reports of one round run into the next.
        return UsageError{"--query-response-interval must be less than --query-interval"};
    }
    for (const auto& name : o.excluded) {
        if (o.upstream && *o.upstream == name) {
            return UsageError{"interface '" + name + "' is both the upstream (-i) and excluded"};
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<milliseconds> parse_duration(std::string_view text) {
    double scale = 1000.0; // bare numbers are seconds
    if (text.ends_with("ms")) {
        scale = 1.0;
        text.remove_suffix(2);
    } else if (text.ends_with("s")) {
        text.remove_suffix(1);
    }
    if (text.empty() || text.front() == '-' || text.front() == '+') {
        return std::nullopt;
    }
    double value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    constexpr double kMaxMs = 24.0 * 3600.0 * 1000.0;
    if (ec != std::errc{} || ptr != end || !(value * scale <= kMaxMs)) {
        return std::nullopt;
    }
    return milliseconds{static_cast<std::int64_t>(value * scale + 0.5)};
}

ParseResult parse_command_line(int argc, char* const argv[]) {
    CommandLine cl;
    Options& o = cl.options;
    bool mld1 = false;
    bool mld2 = false;
    bool help = false;
    bool version = false;

    optind = 0; // reinitialise getopt (glibc): the parser may run more than once
    opterr = 0; // we print our own messages
    while (true) {
        int long_index = -1;
        const int c = getopt_long(argc, argv, kShortOptions, kLongOptions, &long_index);
        if (c == -1) {
            break;
        }
        const std::string_view arg = optarg != nullptr ? optarg : "";
        const std::string name = option_name(c, long_index);
        const auto duration = [&](milliseconds& out,
                                  milliseconds min) -> std::optional<UsageError> {
            const auto d = parse_duration(arg);
            if (!d || *d < min) {
                return bad_value(name, arg,
                                 "a duration such as 10s, 0.3s or 300ms, at least " +
                                     std::to_string(min.count()) + "ms");
            }
            out = *d;
            return std::nullopt;
        };
        std::optional<UsageError> error;
        switch (c) {
        case 'f':
            o.foreground = true;
            break;
        case 'i':
            if (!valid_interface_name(arg)) {
                error = bad_value(name, arg, "an interface name");
            } else if (o.upstream && *o.upstream != arg) {
                error =
                    UsageError{"option '" + name + "' given twice ('" + *o.upstream + "' and '" +
                               std::string(arg) + "'): ecmh has one upstream interface"};
            } else {
                o.upstream = std::string(arg);
            }
            break;
        case 'p':
            o.promiscuous = true;
            break;
        case 'P':
            o.promiscuous = false;
            break;
        case 'u':
            if (arg.empty()) {
                error = bad_value(name, arg, "a user name");
            } else {
                o.user = std::string(arg);
            }
            break;
        case 't':
            o.tunnel_mode = true;
            break;
        case 'T':
            o.tunnel_mode = false;
            break;
        case 'v':
            ++o.verbosity;
            break;
        case 'V':
            version = true;
            break;
        case '1':
            mld1 = true;
            break;
        case '2':
            mld2 = true;
            break;
        case 'h':
            help = true;
            break;
        case kPidFile:
        case kDumpFile:
            if (arg.empty()) {
                error = bad_value(name, arg, "a file path");
            } else {
                (c == kPidFile ? o.pid_file : o.dump_file) = std::string(arg);
            }
            break;
        case kInterface:
        case kExclude:
            if (!valid_interface_name(arg)) {
                error = bad_value(name, arg, "an interface name");
            } else {
                (c == kInterface ? o.interfaces : o.excluded).emplace_back(arg);
            }
            break;
        case kNoIpv4:
            o.ipv4 = false;
            break;
        case kNoIpv6:
            o.ipv6 = false;
            break;
        case kRobustness:
            // RFC 3810 §9.1: MUST NOT be 0, SHOULD NOT be 1; above 7 is sent as QRV 0.
            if (const auto v = parse_uint(arg, 1, 255)) {
                o.timers.robustness = *v;
            } else {
                error = bad_value(name, arg, "a whole number from 1 to 255");
            }
            break;
        case kQueryInterval:
            error = duration(o.timers.query_interval, milliseconds{1000});
            break;
        case kQueryResponseInterval:
            error = duration(o.timers.query_response_interval, milliseconds{100});
            break;
        case kLastListenerQueryInterval:
            error = duration(o.timers.last_listener_query_interval, milliseconds{100});
            break;
        case kUnsolicitedReportInterval:
            // One knob for both generations: an operator who shortens it (or a test)
            // means every repetition of an unsolicited report upstream.
            error = duration(o.timers.unsolicited_report_interval, milliseconds{10});
            o.timers.old_unsolicited_report_interval = o.timers.unsolicited_report_interval;
            break;
        case kMaxGroups:
        case kMaxSources:
            if (const auto v = parse_uint(arg, 1, 1'000'000)) {
                (c == kMaxGroups ? o.limits.max_groups_per_link : o.limits.max_sources_per_group) =
                    *v;
            } else {
                error = bad_value(name, arg, "a whole number from 1 to 1000000");
            }
            break;
        case kIgmpVersion:
            if (const auto v = parse_uint(arg, 1, 3)) {
                o.igmp_version = static_cast<std::uint8_t>(*v);
            } else {
                error = bad_value(name, arg, "1, 2 or 3");
            }
            break;
        case kCapture:
            if (arg == "pcap") {
                o.capture = CaptureMethod::Pcap;
#ifdef __linux__
            } else if (arg == "ring") {
                o.capture = CaptureMethod::Ring;
#endif
            } else {
                error = bad_value(name, arg, kCaptureMethods);
            }
            break;
        case ':':
            error = UsageError{"option '" + std::string(argv[optind - 1]) + "' needs an argument"};
            break;
        default: { // '?': unknown option
            const std::string bad = optopt != 0 ? std::string("-") + static_cast<char>(optopt)
                                                : std::string(argv[optind - 1]);
            error = UsageError{"unknown or ambiguous option '" + bad + "'"};
            break;
        }
        }
        if (error) {
            return ParseResult{std::nullopt, error};
        }
    }
    if (optind < argc) {
        return ParseResult{std::nullopt,
                           UsageError{"unexpected argument '" + std::string(argv[optind]) + "'"}};
    }
    if (help) {
        cl.action = Action::ShowHelp;
        return ParseResult{cl, std::nullopt};
    }
    if (version) {
        cl.action = Action::ShowVersion;
        return ParseResult{cl, std::nullopt};
    }
    if (auto error = validate(o, mld1, mld2)) {
        return ParseResult{std::nullopt, error};
    }
    o.mld_mode = mld1 ? MldMode::V1Only : (mld2 ? MldMode::V2Only : MldMode::Auto);
    return ParseResult{cl, std::nullopt};
}

std::string usage_text(std::string_view program_name) {
    std::string text = "Usage: " + std::string(program_name) + " [OPTION]...\n";
    text += R"(Easy Cast du Multi Hub: an IPv6 and IPv4 multicast proxy (MLD/IGMP router on the
downstream links, RFC 4605 host on the upstream link, userspace forwarding).
Without -i every link is downstream and multicast is routed between all links
that have listeners.

  -i, --upstream IF          upstream interface (where the multicast router is)
  -f, --foreground           don't daemonize; log to stderr
  -u, --user USER            drop root to USER once capture is set up
  -p, --promisc              put interfaces in promiscuous mode
  -P, --nopromisc            receive multicast via all-multicast mode (default)
  -t, --tunnelmode           decapsulate proto-41 (6in4) instead of attaching
                             to each tunnel interface
  -T, --notunnelmode         attach to tunnel interfaces separately (default)
  -1, --mld1only             act as an MLDv1-only router and host
  -2, --mld2only             MLDv2 only: MLDv1 reports are ignored (*)
      --igmp-version N       speak IGMPv1, v2 or v3 (default 3; lower it when
                             older IGMP routers share the links, RFC 3376 §7.3.1)
  -v, --verbose              debug logging: membership changes per link
  -V, --version              print the version and exit
  -h, --help                 print this help and exit

      --interface IF         use only these downstream interfaces (repeatable)
      --exclude IF           never use IF (repeatable)
      --no-ipv4              IPv6 only (no IGMP, no IPv4 forwarding)
      --no-ipv6              IPv4 only (no MLD, no IPv6 forwarding)
      --pidfile PATH         pid file (default /var/run/ecmh.pid)
      --dumpfile PATH        SIGUSR1 dump file (default /var/run/ecmh.dump)
      --capture METHOD       ring: shared memory-mapped packet rings, read in
                             place (Linux; the default); pcap: one libpcap
                             handle per interface (portable, slower)

Protocol variables (RFC 3810 §9, RFC 3376 §8; DUR is 10s, 0.3s or 300ms):
      --robustness N                  Robustness Variable (default 2)
      --query-interval DUR            Query Interval (default 125s)
      --query-response-interval DUR   Query Response Interval (default 10s)
      --last-listener-query-interval DUR
                                      Last Listener Query Interval (default 1s)
      --unsolicited-report-interval DUR
                                      upstream report retransmission (default 1s;
                                      10s while the upstream speaks MLDv1/IGMPv2)
      --max-groups N                  groups per link (default 4096)
      --max-sources N                 sources per group (default 512)

Signals: SIGUSR1 writes the dump file, SIGUSR2 re-sends reports upstream,
SIGHUP rescans interfaces, SIGTERM/SIGINT exit cleanly.

(*) not RFC-compliant: without -1/-2, MLDv1 listeners are served in
compatibility mode as RFC 3810 §8 requires.
)";
    return text;
}

std::string version_text() {
    return std::string("ecmh ") + kVersion +
           " - Easy Cast du Multi Hub, an IPv6/IPv4 multicast proxy\n"
           "BSD-3-Clause licensed; see the LICENSE file.\n";
}

} // namespace ecmh::app
