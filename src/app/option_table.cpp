// SPDX-License-Identifier: BSD-3-Clause
// Every option of ecmh, once: what getopt_long accepts, what --help and doc/ecmh.8 say
// about it, and what it does to the Options. After a change here, regenerate the man
// page's option list (cmake --build <dir> --target man_options); ctest check.man_options
// fails until then.
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
// The XDP program's flow table is a kernel hash map, allocated whole when loaded.
constexpr std::uint32_t kMaxXdpFlows = 1'048'576;

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
        .manual = R"(The upstream interface, where the multicast router is.
Given twice with different names, it is a usage error: it names one upstream.
Several upstreams, each with the groups it serves, are link blocks of the configuration
file (ecmh.conf(5), serve).
Without it, every link is downstream (see above).
An interface that does not exist yet (a PPPoE, WireGuard or VLAN link that comes up after
ecmh) is waited for: ecmh logs that once, serves the other links meanwhile as it would
without an upstream, and takes the interface as its upstream when it appears.)",
        .group = OptionGroup::Original,
        .apply = [](S& s, const V& v) { return set_upstream(s.options.upstream, v); },
    },
    {
        .long_name = "foreground",
        .short_name = 'f',
        .help = "don't daemonize; log to stderr",
        .manual = "Do not daemonize; log to standard error, one timestamped line per event.",
        .group = OptionGroup::Original,
        .apply = set_option<&Options::foreground, true>,
    },
    {
        .long_name = "user",
        .short_name = 'u',
        .argument = "USER",
        .help = "drop root to USER once capture is set up",
        .manual = R"(Run as
.I user
once the captures are open; see
.BR PRIVILEGES .
An unknown user is an error (exit status 78) before anything else is done.)",
        .group = OptionGroup::Original,
        .apply = [](S& s, const V& v) { return set_user(s.options.user, v); },
    },
    {
        .long_name = "promisc",
        .short_name = 'p',
        .help = "put interfaces in promiscuous mode",
        .manual = "Put the interfaces in promiscuous mode.",
        .group = OptionGroup::Original,
        .apply = set_option<&Options::promiscuous, true>,
    },
    {
        .long_name = "nopromisc",
        .short_name = 'P',
        .help = "receive multicast via all-multicast mode (default)",
        .manual = "Receive multicast in all-multicast mode instead (the default).",
        .group = OptionGroup::Original,
        .apply = set_option<&Options::promiscuous, false>,
    },
    {
        .long_name = "tunnelmode",
        .short_name = 't',
        .help = "decapsulate proto-41 (6in4) instead of attaching to each tunnel interface",
        .manual = R"(Tunnel mode: serve 6in4 (RFC 4213, IPv4 protocol 41) tunnel peers directly.
Protocol-41 packets arriving on ecmh's IPv4 links are matched to a tunnel peer by their
outer source and destination, decapsulated, and handled as if they had arrived on a link
of the peer's own (MLD querier, listener state, forwarding); ecmh sends to a peer by
encapsulating toward its IPv4 address.
Peers are the kernel's 6in4
.RB ( sit )
tunnels with a fixed remote, followed through netlink (the
.B sit
interfaces themselves are then not served as links), and those given by
.B \-\-tunnel\-peer
and
.BR \-\-tunnel\-peers .
Protocol 41 from any other address changes nothing and is never answered; see
.BR "TUNNEL MODE" .)",
        .group = OptionGroup::Original,
        .apply = set_option<&Options::tunnel_mode, true>,
    },
    {
        .long_name = "notunnelmode",
        .short_name = 'T',
        .help = "attach to tunnel interfaces separately (default)",
        .manual = "Attach to tunnel interfaces separately (the default).",
        .group = OptionGroup::Original,
        .apply = set_option<&Options::tunnel_mode, false>,
    },
    {
        .long_name = "tunnel-peer",
        .argument = "IPV4[,LOCAL]",
        .help = "serve the 6in4 tunnel peer at IPV4 (repeatable; needs -t)",
        .manual = R"(Serve the 6in4 tunnel peer whose IPv4 address is
.IR ipv4 ,
which has no kernel tunnel interface; repeatable.
With
.IR local ,
only its packets to that address of ours are accepted, and ours to it come from there;
without, it may use any of our addresses.
Needs
.BR \-t .)",
        .group = OptionGroup::Original,
        .apply = [](S& s, const V& v) { return add_tunnel_peer(s.options.tunnel_peers, v); },
    },
    {
        .long_name = "tunnel-peers",
        .argument = "FILE",
        .help = "serve the 6in4 tunnel peers listed in FILE (re-read on SIGHUP; needs -t)",
        .manual = R"(Serve the 6in4 tunnel peers listed in
.IR file :
one per line, its IPv4 address, optionally followed by our local address (with or
without the word
.BR local );
.B #
starts a comment.
A bad line stops ecmh from starting (exit 78), naming the file and line.
SIGHUP re-reads the file: new peers are added, removed ones dropped, unchanged ones keep
their listeners; a file that no longer reads keeps the running peers.
Needs
.BR \-t .)",
        .group = OptionGroup::Original,
        .apply = [](S& s, const V& v) { return set_optional_path(s.options.tunnel_peers_file, v); },
    },
    {
        .long_name = "mld1only",
        .short_name = '1',
        .help = "act as an MLDv1-only router and host",
        .manual = "Act as an MLDv1-only router and host.",
        .group = OptionGroup::Original,
        .apply = set_state<&ParseState::mld1_only>,
    },
    {
        .long_name = "mld2only",
        .short_name = '2',
        .help = "MLDv2 only: MLDv1 reports and dones are ignored (*)",
        .manual = R"(MLDv2 only: MLDv1 Reports and Dones are ignored.
RFC 9777 section 8.3.1 recommends this switch for networks that run SSM only.
It is off by default: without
.B \-1
or
.BR \-2 ,
MLDv1 listeners are served in compatibility mode as RFC 9777 section 8.3.2 requires.)",
        .group = OptionGroup::Original,
        .apply = set_state<&ParseState::mld2_only>,
    },
    {
        .long_name = "verbose",
        .short_name = 'v',
        .help = "debug logging: membership changes per link",
        .manual = "Also log debug messages: every change of a group's listeners on a link.",
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
        .manual = "Print the version and exit.",
        .group = OptionGroup::Original,
        .apply = set_state<&ParseState::version>,
    },
    {
        .long_name = "help",
        .short_name = 'h',
        .help = "print this help and exit",
        .manual = "Print the usage text and exit.",
        .group = OptionGroup::Original,
        .apply = set_state<&ParseState::help>,
    },
    // --- Interfaces and families.
    {
        .long_name = "interface",
        .argument = "IF",
        .help = "use only these downstream interfaces (repeatable)",
        .manual = R"(Use only the listed downstream interfaces; repeat the option for each.
The upstream interface is used whether listed or not.)",
        .group = OptionGroup::Selection,
        .apply = [](S& s, const V& v) { return add_interface(s.options.interfaces, v); },
    },
    {
        .long_name = "exclude",
        .argument = "IF",
        .help = "never use IF (repeatable)",
        .manual = R"(Never use
.IR if ;
repeatable.
An interface cannot be both the upstream and excluded.)",
        .group = OptionGroup::Selection,
        .apply = [](S& s, const V& v) { return add_interface(s.options.excluded, v); },
    },
    {
        .long_name = "no-ipv4",
        .help = "IPv6 only (no IGMP, no IPv4 forwarding)",
        .manual = "IPv6 only: no IGMP, no IPv4 forwarding.",
        .group = OptionGroup::Selection,
        .apply = set_option<&Options::ipv4, false>,
    },
    {
        .long_name = "no-ipv6",
        .help = "IPv4 only (no MLD, no IPv6 forwarding)",
        .manual = R"(IPv4 only: no MLD, no IPv6 forwarding.
Giving both is a usage error.)",
        .group = OptionGroup::Selection,
        .apply = set_option<&Options::ipv6, false>,
    },
    {
        .long_name = "igmp-version",
        .argument = "N",
        .help = "speak IGMPv1, v2 or v3 (default 3; lower it for older IGMP routers on the "
                "links, RFC 3376 §7.3.1)",
        .manual = R"(Speak IGMP version 1, 2 or 3 (default 3).
Lower it when older IGMP routers share the links (RFC 3376 section 7.3.1).)",
        .group = OptionGroup::Selection,
        .apply = [](S& s, const V& v) { return set_igmp_version(s.options.igmp_version, v); },
    },
    {
        .long_name = "igmp3only",
        .help = "IGMPv3 only: IGMPv1/v2 reports and leaves are ignored (*)",
        .manual = R"(IGMPv3 only, the IGMP counterpart of
.BR \-2 :
IGMPv1 and IGMPv2 Reports and IGMPv2 Leaves are ignored.
RFC 9776 section 7.3.1 recommends this switch for networks that run SSM only.
It is off by default: without it, IGMPv1 and IGMPv2 members are served in compatibility
mode as RFC 9776 section 7.3.2 requires.
With
.B \-\-igmp\-version
1 or 2 it is a usage error.)",
        .group = OptionGroup::Selection,
        .apply = set_option<&Options::igmp3_only, true>,
    },
    {
        .long_name = "accept-off-subnet",
        .help = "take IGMP reports from sources outside the link's IPv4 subnet",
        .manual = R"(Take IGMP Reports and Leaves from sources outside the receiving link's IPv4
subnet. By default they are ignored and counted as off-subnet-report, the defence RFC 3376
section 9.2 describes against forged reports from afar; turn it off where hosts are numbered
outside the router's subnet (unnumbered or point-to-point links, some CPE).
Reports from 0.0.0.0 are always taken (RFC 3376 section 4.2.13), and IGMP from a loopback,
multicast, class E or broadcast source never (counted as bogus-source).)",
        .group = OptionGroup::Selection,
        .apply = set_option<&Options::accept_off_subnet, true>,
    },
    {
        .long_name = "ssm-range",
        .argument = "PREFIX",
        .help = "a source-specific multicast range (repeatable; default 232.0.0.0/8, ff3x::/32)",
        .manual = R"(Treat the groups of
.I prefix
as source-specific multicast (RFC 4607) instead of the family's default range,
232.0.0.0/8 for IPv4 and FF3x::/32 for IPv6; repeat it for more ranges.
Giving a prefix of one family replaces that family's default only.
In the range, any-source joins (EXCLUDE records, MLDv1 and IGMPv1/v2 reports) are
ignored and only source-specific state forwards (RFC 4604 §3.5, §3.7).
A reload keeps the running ranges: a change takes effect at the next start.)",
        .group = OptionGroup::Selection,
        .apply = [](S& s, const V& v) { return add_ssm_range(s.options, v); },
    },
    {
        .long_name = "translate",
        .help = "translate IPv4 <-> IPv6 multicast (membership and UDP data) through the "
                "translation prefixes",
        .manual = R"(Translate multicast between IPv4 and IPv6: an MLD listener downstream for
an IPv6 group that carries an IPv4 group is served from the IPv4 group (reported upstream
with IGMP, its UDP datagrams translated to IPv6 as RFC 7915 says), and an IGMP listener for
an IPv4 group is served from its IPv6 counterpart when the upstream has no IPv4 address.
The groups map through
.B \-\-translate\-asm\-prefix
and
.BR \-\-translate\-ssm\-prefix ,
the sources through
.BR \-\-translate\-source\-prefix ;
the section IPV4/IPV6 TRANSLATION below has a worked example.
Off by default. A reload keeps it and the running prefixes: a change takes effect at the
next start.)",
        .group = OptionGroup::Selection,
        .apply = set_option<&Options::translate, true>,
    },
    {
        .long_name = "translate-asm-prefix",
        .argument = "P/96",
        .help = "IPv6 /96 prefix that carries IPv4 any-source groups (default ff1e:1000::/96; "
                "implies --translate)",
        .manual = R"(The IPv6 multicast /96 prefix whose last 32 bits carry an IPv4 any-source
group (default ff1e:1000::/96): its M flag (bit 20) must be set, its scope from 4 to e, and
it must lie outside ff3x::/32
(draft-ietf-mboned-64-multicast-address-format-06 section 3.1).
The scope of a mapped group is the prefix's or smaller: 239.255.0.0/16 maps to scope 5,
the rest of 239.0.0.0/8 to scope 8 (RFC 2365 section 8).
Implies
.BR \-\-translate .)",
        .group = OptionGroup::Selection,
        .apply =
            [](S& s, const V& v) {
                return set_translate_prefix(s.options, TranslatePrefix::Asm, v);
            },
    },
    {
        .long_name = "translate-ssm-prefix",
        .argument = "P/96",
        .help = "IPv6 /96 prefix that carries IPv4 source-specific groups (default "
                "ff3e:0:8000::/96; implies --translate)",
        .manual = R"(The IPv6 multicast /96 prefix whose last 32 bits carry an IPv4
source-specific group of 232.0.0.0/8 or of an IPv4
.B \-\-ssm\-range
(default ff3e:0:8000::/96, the draft's ff3x:0:8000::/96 of section 3.2 with global scope).
It must lie inside ff3x::/32 with a scope from 4 to e.
Implies
.BR \-\-translate .)",
        .group = OptionGroup::Selection,
        .apply =
            [](S& s, const V& v) {
                return set_translate_prefix(s.options, TranslatePrefix::Ssm, v);
            },
    },
    {
        .long_name = "translate-source-prefix",
        .argument = "P/96",
        .help = "IPv6 /96 prefix that carries IPv4 sources (RFC 6052; default 64:ff9b:1::/96; "
                "implies --translate)",
        .manual = R"(The IPv6 unicast /96 prefix whose last 32 bits carry an IPv4 source
(RFC 6052 section 2.2; default 64:ff9b:1::/96, the local-use prefix of RFC 8215).
With the Well-Known Prefix 64:ff9b::/96, sources with private IPv4 addresses are not
translated (RFC 6052 section 3.1).
Implies
.BR \-\-translate .)",
        .group = OptionGroup::Selection,
        .apply =
            [](S& s, const V& v) {
                return set_translate_prefix(s.options, TranslatePrefix::Source, v);
            },
    },
    {
        .long_name = "no-host-compatibility",
        .help = "ignore older queries upstream instead of falling back to MLDv1 or IGMPv1/v2 "
                "(SSM-only networks, RFC 9777 §8.2.1)",
        .manual = R"(On the upstream, ignore queries older than the version ecmh speaks there
(MLDv1; IGMPv1 and IGMPv2): they are not answered and do not make ecmh fall back to their
version.
RFC 9777 section 8.2.1 and RFC 9776 section 7.2.1 recommend this switch for networks that
run SSM only, which an older querier cannot serve.
It is off by default: without it ecmh follows an older querier on the upstream, as those
sections require.)",
        .group = OptionGroup::Selection,
        .apply = set_option<&Options::host_compatibility, false>,
    },
    // --- Files.
    {
        .long_name = "pidfile",
        .argument = "PATH",
        .help = "pid file (default /var/run/ecmh.pid)",
        .manual = R"(The pid file (default
.IR /var/run/ecmh.pid ).)",
        .group = OptionGroup::Files,
        .apply = [](S& s, const V& v) { return set_path(s.options.pid_file, v); },
    },
    {
        .long_name = "dumpfile",
        .argument = "PATH",
        .help = "SIGUSR1 dump file (default /var/run/ecmh.dump)",
        .manual = R"(Where
.B SIGUSR1
writes the dump (default
.IR /var/run/ecmh.dump ).)",
        .group = OptionGroup::Files,
        .apply = [](S& s, const V& v) { return set_path(s.options.dump_file, v); },
    },
    {
        .long_name = "config",
        .short_name = 'c',
        .argument = "FILE",
        .help = "read settings, per-link settings and policy from FILE (see ecmh.conf(5))",
        .manual = R"(Read the configuration file
.I file
(see
.BR ecmh.conf (5)):
every long option without its dashes, and per-link settings and policy in
.B link
blocks.
An option given on the command line wins over the file's line for it.
A file that does not read or has an error is refused before anything is done (exit
status 78), with the file, the line and what is wrong.)",
        .group = OptionGroup::Files,
        .apply = [](S& s, const V& v) { return set_optional_path(s.options.config_file, v); },
    },
    {
        .long_name = "check-config",
        .argument = "FILE",
        .help = "check FILE as --config would read it, then exit (0: good, 78: not)",
        .manual = R"(Check the configuration file
.I file
together with the other options as
.B \-\-config
would read it, print what is wrong (or that it is good) and exit: status 0 when it
is good, 78 when it is not.
Nothing else is done; root is not needed.)",
        .group = OptionGroup::Files,
        .apply =
            [](S& s, const V& v) {
                s.check_config = true;
                return set_optional_path(s.options.config_file, v);
            },
    },
    {
        .long_name = "control-socket",
        .argument = "PATH",
        .help = "the Unix socket ecmhctl talks to (default /run/ecmh/ecmh.sock; none: no socket)",
        .manual = R"(The Unix stream socket
.BR ecmhctl (8)
talks to (default
.IR /run/ecmh/ecmh.sock ).
ecmh creates it (and its directory, when missing) before dropping privileges, owned by
the user of
.B \-u
with mode 0660, and removes it at exit.
A socket left by a crashed ecmh is replaced; one another running ecmh answers on is an
error (exit status 73).
.B none
or an empty value: no control socket.)",
        .group = OptionGroup::Files,
        .apply = [](S& s, const V& v) { return set_control_socket(s.options.control_socket, v); },
    },
    // --- Capture.
    {
        .long_name = "capture",
        .argument = "METHOD",
        .help = "ring: shared memory-mapped packet rings, read in place (Linux; the default); "
                "pcap: one libpcap handle per interface (portable, slower)",
        .manual = R"(.B ring
(the default on Linux): two memory-mapped packet rings shared by all interfaces, one for
MLD and IGMP and one for multicast data, read in place with one poll entry each and no
system call per frame; the control ring is read first, so a flood of data cannot push
membership reports out.
.BR pcap :
one libpcap capture per interface (portable, slower, 2 MiB of ring per interface).
If the rings cannot be set up, ecmh logs why and uses libpcap.)",
        .group = OptionGroup::Capture,
        .apply = [](S& s, const V& v) { return set_capture(s.options.capture, v); },
    },
    // --- Forwarding (issue 15).
    {
        .long_name = "forward",
        .argument = "PATH",
        .help = "where multicast data is forwarded: userspace (the default), xdp, or auto (xdp "
                "where the kernel, the build and the link allow it)",
        .manual = R"(.B userspace
(the default): ecmh captures, decides and sends every packet.
.BR xdp :
ecmh decides the first packet of each flow (its arrival interface, source and group) as
always, then hands the decision to an XDP program on the arrival interface, which forwards
the flow's later packets in the kernel's receive path, before the network stack. Anything
that could change the decision (a join, a leave, an expiring listener, a querier, an
interface or a setting changing) updates the program's table before the next packet is
handled; packets the program does not own (control messages, unknown flows, a hop limit of
1, a packet too big for an out-interface) come to ecmh as before. An interface where the
program cannot be attached (no Ethernet header, a tunnel, another XDP program attached)
forwards in userspace, and the log says why. A flow whose group this host itself has
joined on the arrival interface (a local player, say) also stays in userspace, because the
host's sockets get nothing the program forwards: ecmh follows the host's memberships
through the kernel's notices (Linux 6.13 or later; on older kernels it reads them every
second). ecmh does not start when the kernel or the build has no XDP.
.BR auto :
as
.BR xdp ,
but without XDP in the kernel or the build ecmh logs it and forwards in userspace.)",
        .group = OptionGroup::Forwarding,
        .apply = [](S& s, const V& v) { return set_forward_path(s.options.fast_path.forward, v); },
    },
    {
        .long_name = "xdp-mode",
        .argument = "MODE",
        .help = "how the XDP program is attached: auto (native where the driver has XDP, the "
                "default), native or generic",
        .manual = R"(.B native
runs the program in the driver;
.B generic
in the stack's generic hook, which every driver has but which costs a socket buffer per
packet;
.B auto
(the default) chooses native for an interface whose driver supports XDP redirects when
every other interface in use can transmit redirected frames, and generic otherwise; always
generic for a veth, whose peer's own packets may carry UDP checksums left to offload, which
a native redirect would forward incomplete. The
mode chosen is logged per interface, with the reason. A flow arriving in native mode is only
handed to the program when every out-interface can transmit redirected frames now (a veth
whose peer has neither GRO nor an XDP program cannot, and would lose them); the others are
forwarded in userspace. The kernel tells ecmh when an interface's XDP features change (Linux
6.3 or later), and ecmh acts on it at once; it reads them again after every interface event
and every 10 seconds besides.)",
        .group = OptionGroup::Forwarding,
        .apply = [](S& s, const V& v) { return set_xdp_mode(s.options.fast_path.mode, v); },
    },
    {
        .long_name = "xdp-flows",
        .argument = "N",
        .help = "flows the XDP program holds at once (default 4096)",
        .manual = R"(At most
.I n
flows in the XDP program's table (default 4096, at most 1048576). The flows beyond it are
forwarded in userspace, and counted.)",
        .group = OptionGroup::Forwarding,
        .apply =
            [](S& s, const V& v) {
                return set_count(s.options.fast_path.flows, v, 1, kMaxXdpFlows);
            },
    },
    {
        .long_name = "xdp-idle",
        .argument = "DUR",
        .help = "a flow without packets for this long leaves the XDP table (default 60s)",
        .manual = R"(A flow that has had no packet for
.I dur
(default 60s, at least 1s) is taken out of the XDP program's table; its next packet comes
to ecmh and installs it again.)",
        .group = OptionGroup::Forwarding,
        .apply =
            [](S& s, const V& v) {
                return set_duration(s.options.fast_path.idle, v, std::chrono::seconds{1});
            },
    },
    // --- Protocol variables.
    {
        .long_name = "robustness",
        .argument = "N",
        .help = "Robustness Variable (default 2)",
        .manual = "The Robustness Variable, 1 to 255 (default 2).",
        .group = OptionGroup::ProtocolVariables,
        // RFC 3810 §9.1: MUST NOT be 0, SHOULD NOT be 1; above 7 is sent as QRV 0.
        .apply = [](S& s, const V& v) { return set_count(s.options.timers.robustness, v, 1, 255); },
    },
    {
        .long_name = "query-interval",
        .argument = "DUR",
        .help = "Query Interval (default 125s)",
        .manual = "The Query Interval (default 125s, at least 1s).",
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
        .manual =
            R"(The Query Response Interval (default 10s, at least 100ms); it must be less than the Query
Interval.)",
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
        .manual = "The Last Listener Query Interval (default 1s, at least 100ms).",
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
        .manual =
            R"(How soon a state-change report upstream is retransmitted (default 1s, at least 10ms).
While the upstream speaks MLDv1 or IGMPv1/v2 the default is 10s (RFC 2710, RFC 2236);
giving this option sets both.)",
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
        .manual = R"(At most
.I n
groups per link (default 4096); further groups are refused and a warning is logged.)",
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
        .manual = R"(At most
.I n
sources per group (default 512).)",
        .group = OptionGroup::Limits,
        .apply =
            [](S& s, const V& v) {
                return set_count(s.options.limits.max_sources_per_group, v, 1, kMaxLimit);
            },
    },
    {
        .long_name = "max-total-sources",
        .argument = "N",
        .help = "sources in all groups of all links, per family (default 65536)",
        .manual = R"(At most
.I n
source records in all groups of all links together, for MLD and for IGMP each (default
65536). Beyond it new sources are refused as beyond
.BR \-\-max\-sources :
what is there is kept, and a warning is logged at most every 10 seconds. A source that
expires or is left frees its place. The default leaves room for every link of a large site
to follow a few thousand source-specific channels, and bounds the memory a flood of
distinct sources can take to a few megabytes.)",
        .group = OptionGroup::Limits,
        .apply =
            [](S& s, const V& v) {
                return set_count(s.options.limits.max_total_sources, v, 1, kMaxLimit);
            },
    },
    {
        .long_name = "max-membership-rate",
        .argument = "N",
        .help = "MLD/IGMP messages a second per link, 0 for no limit (default 1000)",
        .manual = R"(At most
.I n
MLD and IGMP messages a second from each link, with bursts of up to
.I n
at once (default 1000; 0: no limit). The excess is dropped before it is parsed and counted
as
.B membership-rate-limit
in the dump, and a warning names the link at most every 10 seconds, so a host flooding
reports costs ecmh little and the other links keep being served (RFC 2711 allows Router
Alert processing to be rate-limited). Hosts answer a General Query within the Query
Response Interval (10 seconds), one report per group in MLDv1 and IGMPv1/v2 or a few in
MLDv2 and IGMPv3, so even a link with thousands of listened groups stays well below the
default; raise it for a link with more, e.g. a switch's many ports behind it.)",
        .group = OptionGroup::Limits,
        .apply =
            [](S& s, const V& v) {
                return set_count(s.options.limits.max_membership_rate, v, 0, kMaxLimit);
            },
    },
};

constexpr std::array kGroups{
    OptionGroupText{OptionGroup::Original,
                    "Options of the original ecmh:", "Options of the original ecmh", ""},
    OptionGroupText{OptionGroup::Selection, "Interfaces and families:", "Interfaces and families",
                    ""},
    OptionGroupText{OptionGroup::Files, "Files:", "Files", ""},
    OptionGroupText{OptionGroup::Capture, "Capture:", "Capture", ""},
    OptionGroupText{OptionGroup::Forwarding, "Forwarding:", "Forwarding", ""},
    OptionGroupText{OptionGroup::ProtocolVariables,
                    "Protocol variables (RFC 3810 §9, RFC 3376 §8; DUR is 10s, 0.3s or 300ms):",
                    "Protocol variables",
                    R"(These are the variables of RFC 3810 section 9 and RFC 3376 section 8.
A duration
.I dur
is a number of seconds, optionally with a fraction and an
.B s
suffix, or milliseconds with an
.B ms
suffix:
.BR 10s ,
.BR 0.3s ,
.BR 300ms .)"},
    OptionGroupText{OptionGroup::Limits, "Limits:", "Limits", ""},
};

} // namespace

std::span<const OptionDescriptor> option_table() {
    return kTable;
}

std::span<const OptionGroupText> option_groups() {
    return kGroups;
}

const OptionDescriptor* option_named(std::string_view name) {
    for (const auto& d : option_table()) {
        if (name == d.long_name) {
            return &d;
        }
    }
    return nullptr;
}

std::vector<OptionDescriptor> options_in(OptionGroup group) {
    std::vector<OptionDescriptor> options;
    std::copy_if(std::begin(kTable), std::end(kTable), std::back_inserter(options),
                 [group](const OptionDescriptor& d) { return d.group == group; });
    return options;
}

} // namespace ecmh::app
