// SPDX-License-Identifier: BSD-3-Clause
// ecmh's command line: compatible with the original ecmh (-f -i -p -P -u -t -T -v -V
// -1 -2 -h) plus what a modern daemon needs (paths, interface selection, protocol
// timers, limits). Parsing is separate from acting on it, so it is unit-tested and the
// daemon sees only validated values.
#pragma once

#include "ecmh/app/link_blocks.hpp"
#include "ecmh/app/tunnel_peers.hpp"
#include "ecmh/net/prefix.hpp"
#include "ecmh/net/translation_map.hpp"
#include "ecmh/proto/protocol_variables.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecmh::app {

// sysexits(3) codes, as the issue tracker and init scripts expect them.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;        // EX_USAGE
inline constexpr int kExitUnavailable = 69;  // EX_UNAVAILABLE
inline constexpr int kExitSoftware = 70;     // EX_SOFTWARE
inline constexpr int kExitOsError = 71;      // EX_OSERR
inline constexpr int kExitCantCreate = 73;   // EX_CANTCREAT
inline constexpr int kExitNoPermission = 77; // EX_NOPERM
inline constexpr int kExitConfig = 78;       // EX_CONFIG

enum class MldMode : std::uint8_t {
    Auto,   // MLDv2 with per-group MLDv1 compatibility (RFC 3810 §8) — recommended
    V1Only, // -1: act as an MLDv1-only router and host
    V2Only, // -2: MLDv2 only; MLDv1 reports ignored (for SSM-only networks, RFC 9777 §8.3.1)
};

struct Limits {
    std::uint32_t max_groups_per_link = 4096;
    std::uint32_t max_sources_per_group = 512;
    std::uint32_t max_total_sources = 65'536; // per family, all groups of all links
    std::uint32_t max_membership_rate = 1000; // MLD/IGMP messages a second per link; 0: none
};

// How frames are captured: the Linux packet rings (one shared ring for control and one
// for data, read in place), or one libpcap handle per link (portable, slower).
enum class CaptureMethod : std::uint8_t { Ring, Pcap };

// Where multicast data is forwarded (issue 15): by the engine in userspace (every packet
// captured, decided and sent by ecmh), or by an XDP program on the arrival link, which
// carries out the engine's decisions for the flows the engine installs (engine/flow_cache.hpp).
enum class ForwardPath : std::uint8_t {
    Userspace, // the default
    Xdp,       // XDP where a link allows it; ecmh does not start when the kernel or build cannot
    Auto,      // XDP where the build, the kernel and the link allow it, userspace elsewhere
};
// How the XDP program is attached: in the driver (native), in the stack's generic hook
// (generic, any driver), or per link as its driver allows (auto).
enum class XdpAttachMode : std::uint8_t { Auto, Native, Generic };

// The option values' names (--forward, --xdp-mode), for parsing and for `show config`.
[[nodiscard]] constexpr std::string_view to_string(ForwardPath path) {
    switch (path) {
    case ForwardPath::Xdp:
        return "xdp";
    case ForwardPath::Auto:
        return "auto";
    case ForwardPath::Userspace:
        break;
    }
    return "userspace";
}
[[nodiscard]] constexpr std::string_view to_string(XdpAttachMode mode) {
    switch (mode) {
    case XdpAttachMode::Native:
        return "native";
    case XdpAttachMode::Generic:
        return "generic";
    case XdpAttachMode::Auto:
        break;
    }
    return "auto";
}

struct FastPath {
    ForwardPath forward = ForwardPath::Userspace;
    XdpAttachMode mode = XdpAttachMode::Auto;
    std::uint32_t flows = 4096; // flows the fast path holds; more stay in userspace
    // A flow without a packet for this long is taken out of the fast path.
    std::chrono::milliseconds idle{60'000};
    friend bool operator==(const FastPath&, const FastPath&) = default;
};

struct Options {
    bool foreground = false;
    std::optional<std::string> upstream;
    // The configuration file's further upstreams: `role upstream` in the block of another
    // link than `upstream` (upstream_names() in link_blocks.hpp lists them all).
    std::vector<std::string> more_upstreams;
    bool promiscuous = false; // default -P, as ecmh on Linux
    std::optional<std::string> user;
    bool tunnel_mode = false; // proto-41 decapsulation
    // Tunnel mode's peers without a kernel tunnel: --tunnel-peer, and the file of
    // --tunnel-peers (re-read on SIGHUP).
    std::vector<TunnelPeerSpec> tunnel_peers;
    std::optional<std::string> tunnel_peers_file;
#ifdef __linux__
    CaptureMethod capture = CaptureMethod::Ring;
#else
    CaptureMethod capture = CaptureMethod::Pcap;
#endif
    FastPath fast_path;
    int verbosity = 0; // each -v adds one
    MldMode mld_mode = MldMode::Auto;
    // The IGMP version ecmh speaks as router and at most as host: RFC 3376 §7.3.1 wants a
    // configuration option for networks with IGMPv1/v2 routers.
    std::uint8_t igmp_version = 3;
    // --igmp3only, the IGMP counterpart of -2: IGMPv1/v2 reports and leaves are ignored
    // (RFC 9776 §7.3.1 RECOMMENDS the option for SSM-only networks; off by default).
    bool igmp3_only = false;
    // --accept-off-subnet: the RFC 3376 §9.2 defence against off-subnet reports is off.
    bool accept_off_subnet = false;
    // --no-host-compatibility: the upstream never falls back to an older version (RFC 9777
    // §8.2.1, RFC 9776 §7.2.1 RECOMMEND the option for SSM-only networks; on by default).
    bool host_compatibility = true;
    bool ipv4 = true;
    bool ipv6 = true;
    // --ssm-range: the SSM groups of a family instead of its default (232/8, FF3x::/32).
    std::vector<net::Ipv6Prefix> ssm6;
    std::vector<net::Ipv4Prefix> ssm4;
    // --translate (issue 16): IPv4 <-> IPv6 multicast translation, off unless asked for;
    // a --translate-*-prefix option turns it on too.
    bool translate = false;
    net::TranslationPrefixes translation = net::TranslationPrefixes::defaults();
    std::string pid_file = "/var/run/ecmh.pid";
    std::string dump_file = "/var/run/ecmh.dump";
    // The control socket ecmhctl talks to; empty: none.
    std::string control_socket = "/run/ecmh/ecmh.sock";
    // Interface selection: when `interfaces` is non-empty only those (and the
    // upstream) are used; `excluded` are never used.
    std::vector<std::string> interfaces;
    std::vector<std::string> excluded;
    proto::ProtocolVariables timers; // RFC defaults
    Limits limits;
    // --config / --check-config, and the link blocks the file gave (link_blocks.hpp).
    std::optional<std::string> config_file;
    std::vector<LinkBlock> link_blocks;
};

enum class Action : std::uint8_t { Run, ShowHelp, ShowVersion, CheckConfig };

struct CommandLine {
    Action action = Action::Run;
    Options options;
};

struct UsageError {
    std::string message; // names the offending argument
    // The configuration file is wrong (exit 78) rather than the command line (64);
    // the message names the file and line.
    bool in_config = false;
};

struct ConfigText;

struct ParseResult {
    std::optional<CommandLine> command_line;
    std::optional<UsageError> error;
    // --config or --check-config named this file and no text of it was given: read it
    // and parse again with it (the checks that combine options wait for it).
    std::optional<std::string> needs_config;
};

// Parses argv with getopt_long, and the configuration file's text when argv names one
// (--config, --check-config). Never prints, never reads a file and never exits: main()
// decides.
[[nodiscard]] ParseResult parse_command_line(int argc, char* const argv[],
                                             const ConfigText* config = nullptr);

// The --help text (also printed after a usage error).
[[nodiscard]] std::string usage_text(std::string_view program_name);
// The -V text.
[[nodiscard]] std::string version_text();

// "300ms", "0.3s", "2s" or a bare number of seconds; nullopt if malformed or
// outside [0, 24 h].
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

} // namespace ecmh::app
