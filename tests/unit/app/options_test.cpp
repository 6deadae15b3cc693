// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/options.hpp"

#include <gtest/gtest.h>
#include <initializer_list>
#include <string>
#include <vector>

using namespace ecmh::app;
using std::chrono::milliseconds;

namespace {

// getopt_long wants mutable argv; keep the strings alive for the call.
ParseResult parse(std::initializer_list<const char*> args) {
    std::vector<std::string> storage{"ecmh"};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : storage) {
        argv.push_back(s.data());
    }
    argv.push_back(nullptr);
    return parse_command_line(static_cast<int>(storage.size()), argv.data());
}

Options run_options(std::initializer_list<const char*> args) {
    const auto r = parse(args);
    EXPECT_FALSE(r.error.has_value()) << (r.error ? r.error->message : "");
    if (!r.command_line) {
        return {};
    }
    EXPECT_EQ(r.command_line->action, Action::Run);
    return r.command_line->options;
}

std::string error_of(std::initializer_list<const char*> args) {
    const auto r = parse(args);
    EXPECT_TRUE(r.error.has_value());
    return r.error ? r.error->message : "";
}

// Arguments and the exact message they must produce.
struct ErrorRow {
    std::initializer_list<const char*> args;
    const char* message;
};

void expect_errors(std::initializer_list<ErrorRow> rows) {
    for (const auto& row : rows) {
        EXPECT_EQ(error_of(row.args), row.message);
    }
}

} // namespace

TEST(Options, DefaultsAreTheRfcsAndEcmhs) {
    const auto o = run_options({});
    EXPECT_FALSE(o.foreground);
    EXPECT_FALSE(o.upstream.has_value()); // zero-config: every link downstream
    EXPECT_FALSE(o.promiscuous);
    EXPECT_FALSE(o.tunnel_mode);
    EXPECT_EQ(o.mld_mode, MldMode::Auto);
    EXPECT_EQ(o.pid_file, "/var/run/ecmh.pid");
    EXPECT_EQ(o.dump_file, "/var/run/ecmh.dump");
    EXPECT_EQ(o.timers.robustness, 2U);
    EXPECT_EQ(o.timers.query_interval, milliseconds{125'000});
    EXPECT_EQ(o.timers.query_response_interval, milliseconds{10'000});
    EXPECT_EQ(o.timers.last_listener_query_interval, milliseconds{1'000});
    EXPECT_EQ(o.timers.unsolicited_report_interval, milliseconds{1'000});      // RFC 3810 §9.11
    EXPECT_EQ(o.timers.old_unsolicited_report_interval, milliseconds{10'000}); // RFC 2710 §7.10
    EXPECT_TRUE(o.ipv4);
    EXPECT_TRUE(o.ipv6);
    // RFC 9777 §8.2.1, RFC 9776 §7.3.1: the switches "SHOULD be disabled by default".
    EXPECT_TRUE(o.host_compatibility);
    EXPECT_FALSE(o.igmp3_only);
    // RFC 3376 §9.2's defence against off-subnet reports is on unless switched off.
    EXPECT_FALSE(o.accept_off_subnet);
}

TEST(Options, AcceptOffSubnet) {
    EXPECT_TRUE(run_options({"--accept-off-subnet"}).accept_off_subnet);
}

TEST(Options, EcmhCompatibleFlags) {
    const auto o = run_options({"-f", "-i", "eth0", "-p", "-u", "nobody", "-t", "-v", "-v", "-1"});
    EXPECT_TRUE(o.foreground);
    EXPECT_EQ(o.upstream, "eth0");
    EXPECT_TRUE(o.promiscuous);
    EXPECT_EQ(o.user, "nobody");
    EXPECT_TRUE(o.tunnel_mode);
    EXPECT_EQ(o.verbosity, 2);
    EXPECT_EQ(o.mld_mode, MldMode::V1Only);
}

TEST(Options, LongFormsAndLastOneWins) {
    const auto o = run_options({"--foreground", "--upstream=eth1", "--promisc", "--nopromisc",
                                "--tunnelmode", "--notunnelmode", "--mld2only", "--user", "ecmh"});
    EXPECT_TRUE(o.foreground);
    EXPECT_EQ(o.upstream, "eth1");
    EXPECT_FALSE(o.promiscuous);
    EXPECT_FALSE(o.tunnel_mode);
    EXPECT_EQ(o.mld_mode, MldMode::V2Only);
    EXPECT_EQ(o.user, "ecmh");
}

TEST(Options, FastTimerProfile) {
    // The fast timer profile of rfc-map §0.2 (QI 4 s, QRI 1 s, LLQI 0.3 s, URI 0.5 s).
    const auto o = run_options({"--query-interval", "4s", "--query-response-interval", "1000ms",
                                "--last-listener-query-interval", "0.3",
                                "--unsolicited-report-interval", "500ms", "--robustness", "3"});
    EXPECT_EQ(o.timers.query_interval, milliseconds{4000});
    EXPECT_EQ(o.timers.query_response_interval, milliseconds{1000});
    EXPECT_EQ(o.timers.last_listener_query_interval, milliseconds{300});
    EXPECT_EQ(o.timers.unsolicited_report_interval, milliseconds{500});
    EXPECT_EQ(o.timers.old_unsolicited_report_interval, milliseconds{500}) << "one knob for both";
    EXPECT_EQ(o.timers.robustness, 3U);
}

TEST(Options, InterfaceSelectionPathsAndLimits) {
    const auto o = run_options({"--interface", "eth1", "--interface", "eth2", "--exclude",
                                "docker0", "--pidfile", "/tmp/e.pid", "--dumpfile", "/tmp/e.dump",
                                "--max-groups", "100", "--max-sources", "7", "--no-ipv4"});
    EXPECT_EQ(o.interfaces, (std::vector<std::string>{"eth1", "eth2"}));
    EXPECT_EQ(o.excluded, (std::vector<std::string>{"docker0"}));
    EXPECT_EQ(o.pid_file, "/tmp/e.pid");
    EXPECT_EQ(o.dump_file, "/tmp/e.dump");
    EXPECT_EQ(o.limits.max_groups_per_link, 100U);
    EXPECT_EQ(o.limits.max_sources_per_group, 7U);
    EXPECT_FALSE(o.ipv4);
}

// The flood limits (rfc-map items 29, M7): their defaults, and 0 turns the rate limit off.
TEST(Options, FloodLimits) {
    const auto defaults = run_options({});
    EXPECT_EQ(defaults.limits.max_total_sources, 65'536U);
    EXPECT_EQ(defaults.limits.max_membership_rate, 1000U);
    const auto o = run_options({"--max-total-sources", "300", "--max-membership-rate", "50"});
    EXPECT_EQ(o.limits.max_total_sources, 300U);
    EXPECT_EQ(o.limits.max_membership_rate, 50U);
    EXPECT_EQ(run_options({"--max-membership-rate", "0"}).limits.max_membership_rate, 0U);
    EXPECT_EQ(error_of({"--max-total-sources", "0"}),
              "invalid value '0' for --max-total-sources: expected a whole number from 1 to "
              "1000000");
}

TEST(Options, IgmpVersion) {
    EXPECT_EQ(run_options({}).igmp_version, 3);
    EXPECT_EQ(run_options({"--igmp-version", "2"}).igmp_version, 2);
    EXPECT_EQ(error_of({"--igmp-version", "4"}),
              "invalid value '4' for --igmp-version: expected 1, 2 or 3");
}

// The switches RFC 9777 §8.2.1 / §8.3.1 and RFC 9776 §7.2.1 / §7.3.1 RECOMMEND for
// SSM-only networks.
TEST(Options, SsmOnlySwitches) {
    EXPECT_FALSE(run_options({"--no-host-compatibility"}).host_compatibility);
    EXPECT_TRUE(run_options({"--igmp3only"}).igmp3_only);
    EXPECT_TRUE(run_options({"--igmp3only", "--igmp-version", "3"}).igmp3_only);
    expect_errors({
        {{"--igmp3only", "--igmp-version", "2"},
         "options '--igmp3only' and '--igmp-version 2' exclude each other"},
        {{"--igmp-version", "1", "--igmp3only"},
         "options '--igmp3only' and '--igmp-version 1' exclude each other"},
    });
}

// --translate and its prefixes (issue 16): off by default, a prefix turns it on, each
// prefix checked for its kind; translation needs both families.
TEST(Options, Translation) {
    const auto defaults = run_options({});
    EXPECT_FALSE(defaults.translate);
    EXPECT_EQ(defaults.translation, ecmh::net::TranslationPrefixes::defaults());
    EXPECT_TRUE(run_options({"--translate"}).translate);
    const auto custom =
        run_options({"--translate-asm-prefix", "ff18:1000::/96", "--translate-ssm-prefix",
                     "ff35:0:8000::/96", "--translate-source-prefix", "2001:db8:64::/96"});
    EXPECT_TRUE(custom.translate);
    EXPECT_EQ(custom.translation.asm96.to_string(), "ff18:1000::/96");
    EXPECT_EQ(custom.translation.ssm96.to_string(), "ff35:0:8000::/96");
    EXPECT_EQ(custom.translation.source96.to_string(), "2001:db8:64::/96");
    expect_errors({
        {{"--translate-asm-prefix", "ff1e::/96"},
         "invalid value 'ff1e::/96' for --translate-asm-prefix: expected an ASM prefix with the "
         "M flag (bit 20: ff1e:1000::/96)"},
        {{"--translate-asm-prefix", "ff1e:1000::/64"},
         "invalid value 'ff1e:1000::/64' for --translate-asm-prefix: expected a /96 prefix (the "
         "IPv4 group fills the last 32 bits)"},
        {{"--translate-ssm-prefix", "239.1.0.0/16"},
         "invalid value '239.1.0.0/16' for --translate-ssm-prefix: expected an IPv6 prefix such "
         "as ff1e:1000::/96 (host bits zero)"},
        {{"--translate", "--no-ipv4"},
         "translation (--translate) needs both families: drop '--no-ipv4'"},
        {{"--translate-source-prefix", "64:ff9b:1::/96", "--no-ipv6"},
         "translation (--translate) needs both families: drop '--no-ipv6'"},
    });
    EXPECT_NE(error_of({"--translate-source-prefix", "ff1e:1000::/96"}), "");
}

TEST(Options, CaptureMethod) {
#ifdef __linux__
    EXPECT_EQ(run_options({}).capture, CaptureMethod::Ring);
    EXPECT_EQ(run_options({"--capture", "ring"}).capture, CaptureMethod::Ring);
    EXPECT_EQ(error_of({"--capture", "bpf"}),
              "invalid value 'bpf' for --capture: expected ring or pcap");
#endif
    EXPECT_EQ(run_options({"--capture", "pcap"}).capture, CaptureMethod::Pcap);
}

// --forward and the XDP fast path's options (issue 15): userspace unless asked for.
TEST(Options, ForwardingPath) {
    const auto defaults = run_options({});
    EXPECT_EQ(defaults.fast_path.forward, ForwardPath::Userspace);
    EXPECT_EQ(defaults.fast_path.mode, XdpAttachMode::Auto);
    EXPECT_EQ(defaults.fast_path.flows, 4096U);
    EXPECT_EQ(defaults.fast_path.idle, std::chrono::seconds{60});
    const auto xdp = run_options(
        {"--forward", "xdp", "--xdp-mode", "generic", "--xdp-flows", "100", "--xdp-idle", "5s"});
    EXPECT_EQ(xdp.fast_path.forward, ForwardPath::Xdp);
    EXPECT_EQ(xdp.fast_path.mode, XdpAttachMode::Generic);
    EXPECT_EQ(xdp.fast_path.flows, 100U);
    EXPECT_EQ(xdp.fast_path.idle, std::chrono::seconds{5});
    EXPECT_EQ(run_options({"--forward", "auto"}).fast_path.forward, ForwardPath::Auto);
    EXPECT_EQ(run_options({"--forward", "userspace"}).fast_path.forward, ForwardPath::Userspace);
    EXPECT_EQ(run_options({"--xdp-mode", "native"}).fast_path.mode, XdpAttachMode::Native);
    expect_errors({
        {{"--forward", "kernel"},
         "invalid value 'kernel' for --forward: expected userspace, xdp or auto"},
        {{"--xdp-mode", "skb"},
         "invalid value 'skb' for --xdp-mode: expected auto, native or generic"},
    });
    EXPECT_NE(error_of({"--xdp-flows", "0"}), "");
    EXPECT_NE(error_of({"--xdp-flows", "1048577"}), "");
    EXPECT_EQ(run_options({"--xdp-flows", "1048576"}).fast_path.flows, 1048576U);
    EXPECT_NE(error_of({"--xdp-idle", "500ms"}), "");
}

TEST(Options, HelpAndVersionWinOverEverythingButErrors) {
    EXPECT_EQ(parse({"-i", "eth0", "-h"}).command_line->action, Action::ShowHelp);
    EXPECT_EQ(parse({"-V"}).command_line->action, Action::ShowVersion);
    EXPECT_EQ(parse({"--version", "-1", "-2"}).command_line->action, Action::ShowVersion);
    EXPECT_TRUE(parse({"-h", "--bogus"}).error.has_value());
}

TEST(Options, ErrorsNameTheOffendingArgument) {
    expect_errors({
        {{"--bogus"}, "unknown or ambiguous option '--bogus'"},
        {{"-x"}, "unknown or ambiguous option '-x'"},
        {{"-i"}, "option '-i' needs an argument"},
        {{"--upstream"}, "option '--upstream' needs an argument"},
        {{"stray"}, "unexpected argument 'stray'"},
        {{"-i", "eth0", "-i", "eth1"},
         "option '-i' given twice ('eth0' and 'eth1'): it names one upstream (more are link "
         "blocks with 'role upstream' and 'serve' in the configuration file: ecmh.conf(5))"},
        {{"-i", "a-very-long-interface-name"},
         "invalid value 'a-very-long-interface-name' for -i: expected an interface name"},
        {{"--exclude", "eth0/1"},
         "invalid value 'eth0/1' for --exclude: expected an interface name"},
        {{"--robustness", "0"},
         "invalid value '0' for --robustness: expected a whole number from 1 to 255"},
        {{"--robustness", "2x"},
         "invalid value '2x' for --robustness: expected a whole number from 1 to 255"},
        {{"--max-groups", "-1"},
         "invalid value '-1' for --max-groups: expected a whole number from 1 to 1000000"},
        {{"-1", "-2"}, "options '-1' (--mld1only) and '-2' (--mld2only) exclude each other"},
        {{"--no-ipv4", "--no-ipv6"},
         "options '--no-ipv4' and '--no-ipv6' together leave nothing to do"},
        {{"--query-interval", "5s", "--query-response-interval", "5s"},
         "--query-response-interval must be less than --query-interval"},
        {{"-i", "eth0", "--exclude", "eth0"},
         "interface 'eth0' is both the upstream (-i) and excluded"},
    });
}

TEST(Options, UnknownOptionsAndMissingArgumentsKeepTheirMessages) {
    expect_errors({
        {{"-Z"}, "unknown or ambiguous option '-Z'"},
        {{"-f", "--nosuch=1"}, "unknown or ambiguous option '--nosuch=1'"},
        {{"--no"}, "unknown or ambiguous option '--no'"}, // --no-ipv4, --nopromisc, ...
        {{"--help=yes"}, "unknown or ambiguous option '-h'"},
        // A long-only option given a value it does not take is named as typed.
        {{"--no-ipv4=yes"}, "unknown or ambiguous option '--no-ipv4=yes'"},
        {{"-u"}, "option '-u' needs an argument"},
        {{"-f", "--pidfile"}, "option '--pidfile' needs an argument"},
        {{"--query-interval"}, "option '--query-interval' needs an argument"},
        {{"--capture"}, "option '--capture' needs an argument"},
    });
}

TEST(Options, AbbreviatedLongOptionsAreNamedInFull) {
    EXPECT_EQ(run_options({"--upst", "eth0"}).upstream, "eth0");
    EXPECT_EQ(error_of({"--robust", "0"}),
              "invalid value '0' for --robustness: expected a whole number from 1 to 255");
    EXPECT_EQ(error_of({"-u", ""}), "invalid value '' for -u: expected a user name");
    EXPECT_EQ(error_of({"--pidfile="}), "invalid value '' for --pidfile: expected a file path");
}

TEST(Options, ParserCanRunRepeatedly) {
    // getopt keeps global state; the parser must reset it on every call.
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(run_options({"-i", "eth0"}).upstream, "eth0");
        EXPECT_TRUE(parse({"--bogus"}).error.has_value());
    }
}

TEST(Duration, ParsesUnits) {
    EXPECT_EQ(parse_duration("10"), milliseconds{10'000});
    EXPECT_EQ(parse_duration("10s"), milliseconds{10'000});
    EXPECT_EQ(parse_duration("0.3s"), milliseconds{300});
    EXPECT_EQ(parse_duration("300ms"), milliseconds{300});
    EXPECT_EQ(parse_duration("86400s"), milliseconds{86'400'000});
    for (const char* bad :
         {"", "s", "ms", "-1", "+1", "1h", "1 s", "86401", "nan", "inf", "1e400"}) {
        EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
    }
}

TEST(UsageText, ListsEveryOptionOnce) {
    const auto text = usage_text("ecmh");
    for (const char* flag : {"--upstream",
                             "--foreground",
                             "--user",
                             "--promisc",
                             "--nopromisc",
                             "--tunnelmode",
                             "--notunnelmode",
                             "--mld1only",
                             "--mld2only",
                             "--igmp3only",
                             "--no-host-compatibility",
                             "--verbose",
                             "--version",
                             "--help",
                             "--pidfile",
                             "--dumpfile",
                             "--interface",
                             "--exclude",
                             "--robustness",
                             "--query-interval"}) {
        EXPECT_NE(text.find(flag), std::string::npos) << flag;
    }
    EXPECT_EQ(text.rfind("Usage: ecmh", 0), 0U);
}

TEST(Options, TunnelPeers) {
    const auto o = run_options({"-t", "--tunnel-peer", "203.0.113.7", "--tunnel-peer",
                                "203.0.113.8,198.51.100.1", "--tunnel-peers", "/etc/ecmh/peers"});
    EXPECT_TRUE(o.tunnel_mode);
    ASSERT_EQ(o.tunnel_peers.size(), 2U);
    EXPECT_EQ(o.tunnel_peers[0].remote.to_string(), "203.0.113.7");
    EXPECT_TRUE(o.tunnel_peers[0].local.is_unspecified());
    EXPECT_EQ(o.tunnel_peers[1].local.to_string(), "198.51.100.1");
    EXPECT_EQ(o.tunnel_peers_file, "/etc/ecmh/peers");
    expect_errors({
        {{"--tunnel-peer", "203.0.113.7"},
         "tunnel peers (--tunnel-peer, --tunnel-peers) need tunnel mode (-t)"},
        {{"-t", "--tunnel-peers", "f", "-T"},
         "tunnel peers (--tunnel-peer, --tunnel-peers) need tunnel mode (-t)"},
        {{"-t", "--no-ipv6"}, "tunnel mode (-t) carries IPv6: it cannot be used with --no-ipv6"},
        {{"-t", "--tunnel-peer", "203.0.113.7", "--tunnel-peer", "203.0.113.7"},
         "tunnel peer '203.0.113.7' is given twice"},
        {{"-t", "--tunnel-peer", "224.0.0.1"},
         "invalid value '224.0.0.1' for --tunnel-peer: expected a tunnel peer's IPv4 address, "
         "optionally ',' and ours (224.0.0.1 is a multicast address)"},
        {{"-t", "--tunnel-peer", "203.0.113.7,x"},
         "invalid value '203.0.113.7,x' for --tunnel-peer: expected a tunnel peer's IPv4 "
         "address, optionally ',' and ours ('x' is not an IPv4 address)"},
    });
}

TEST(Options, ControlSocketDefaultsToRunEcmhAndNoneDisablesIt) {
    EXPECT_EQ(run_options({}).control_socket, "/run/ecmh/ecmh.sock");
    EXPECT_EQ(run_options({"--control-socket", "/tmp/e.sock"}).control_socket, "/tmp/e.sock");
    EXPECT_EQ(run_options({"--control-socket", "none"}).control_socket, "");
    EXPECT_EQ(run_options({"--control-socket="}).control_socket, "");
    const std::string too_long(108, 'a');
    EXPECT_NE(error_of({"--control-socket", too_long.c_str()}).find("at most 107 bytes"),
              std::string::npos);
}
