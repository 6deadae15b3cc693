// SPDX-License-Identifier: BSD-3-Clause
// The configuration file (doc/ecmh.conf.5) through the real command-line parser: every
// error names the file and line, good files set what they say, the command line wins.
#include "ecmh/app/config_file.hpp"
#include "ecmh/app/link_blocks.hpp"
#include "ecmh/app/options.hpp"

#include <gtest/gtest.h>
#include <initializer_list>
#include <string>
#include <vector>

using namespace ecmh::app;
using ecmh::net::Ipv4Address;
using ecmh::net::Ipv6Address;
using std::chrono::milliseconds;

namespace {

ParseResult parse(const std::string& text, std::initializer_list<const char*> args = {}) {
    std::vector<std::string> storage{"ecmh", "--config", "test.conf"};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : storage) {
        argv.push_back(s.data());
    }
    argv.push_back(nullptr);
    const ConfigText config{"test.conf", text};
    return parse_command_line(static_cast<int>(storage.size()), argv.data(), &config);
}

Options good(const std::string& text, std::initializer_list<const char*> args = {}) {
    const auto r = parse(text, args);
    EXPECT_FALSE(r.error) << (r.error ? r.error->message : "");
    return r.command_line ? r.command_line->options : Options{};
}

TEST(ConfigFile, WithoutItsTextTheParserAsksForTheFile) {
    std::vector<std::string> storage{"ecmh", "-c", "/etc/ecmh/ecmh.conf", "-i", "eth0"};
    std::vector<char*> argv;
    for (auto& s : storage) {
        argv.push_back(s.data());
    }
    const auto r = parse_command_line(static_cast<int>(argv.size()), argv.data());
    EXPECT_FALSE(r.error);
    EXPECT_FALSE(r.command_line);
    EXPECT_EQ(r.needs_config, "/etc/ecmh/ecmh.conf");
}

TEST(ConfigFile, GlobalLinesAreTheLongOptions) {
    const auto o = good(R"(# a comment
upstream ppp0     # and one after a setting

max-groups 512
robustness 3
query-interval 60s
promisc
no-ipv4
exclude wg0
exclude wg1
)");
    EXPECT_EQ(o.upstream, "ppp0");
    EXPECT_EQ(o.limits.max_groups_per_link, 512U);
    EXPECT_EQ(o.timers.robustness, 3U);
    EXPECT_EQ(o.timers.query_interval, milliseconds{60'000});
    EXPECT_TRUE(o.promiscuous);
    EXPECT_FALSE(o.ipv4);
    EXPECT_EQ(o.excluded, (std::vector<std::string>{"wg0", "wg1"}));
    EXPECT_EQ(o.config_file, "test.conf");
}

TEST(ConfigFile, TheCommandLineWinsOverTheFile) {
    const auto o =
        good("upstream ppp0\nrobustness 3\nmax-groups 512\n", {"-i", "eth0", "--robustness", "4"});
    EXPECT_EQ(o.upstream, "eth0");
    EXPECT_EQ(o.timers.robustness, 4U);
    EXPECT_EQ(o.limits.max_groups_per_link, 512U); // not on the command line: the file's
}

TEST(ConfigFile, CheckConfigIsItsOwnAction) {
    std::vector<std::string> storage{"ecmh", "--check-config", "test.conf"};
    std::vector<char*> argv;
    for (auto& s : storage) {
        argv.push_back(s.data());
    }
    const ConfigText config{"test.conf", "upstream eth0\nlink eth1\n  role downstream\n"};
    const auto r = parse_command_line(static_cast<int>(argv.size()), argv.data(), &config);
    ASSERT_TRUE(r.command_line);
    EXPECT_EQ(r.command_line->action, Action::CheckConfig);
    EXPECT_EQ(config_summary(r.command_line->options),
              "test.conf: good\n  upstream: eth0\n  link eth1 (line 2): role downstream\n");
}

struct ErrorCase {
    const char* text;
    const char* error; // the whole message
};

TEST(ConfigFile, EveryErrorNamesFileAndLine) {
    const ErrorCase cases[] = {
        {"upstrem eth0\n", "test.conf:1: unknown setting 'upstrem'"},
        {"\n\nrobustness 0\n",
         "test.conf:3: invalid value '0' for robustness: expected a whole number from 1 to 255"},
        {"robustness\n", "test.conf:1: 'robustness' takes one value (N)"},
        {"robustness 2 3\n", "test.conf:1: 'robustness' takes one value (N)"},
        {"promisc yes\n", "test.conf:1: 'promisc' takes no value"},
        {"help\n", "test.conf:1: unknown setting 'help'"},
        {"config other.conf\n", "test.conf:1: unknown setting 'config'"},
        {"check-config other.conf\n", "test.conf:1: unknown setting 'check-config'"},
        {"allow 239.0.0.0/8\n",
         "test.conf:1: 'allow' is a link setting: put it in a 'link' block ('link *' for every "
         "link)"},
        {"link\n", "test.conf:1: 'link' takes one interface name or pattern (eth1, eth*)"},
        {"link a b\n", "test.conf:1: 'link' takes one interface name or pattern (eth1, eth*)"},
        {"link eth0\n  pidfile /x\n",
         "test.conf:2: 'pidfile' is a global setting: put it before the first 'link' line"},
        {"link eth0\n  colour blue\n", "test.conf:2: unknown setting 'colour'"},
        {"link eth0\n  role sideways\n",
         "test.conf:2: invalid value 'sideways' for role: expected upstream, downstream or "
         "disabled"},
        {"link eth0\n  role\n", "test.conf:2: 'role' takes one value"},
        {"link eth0\n  mld-version 3\n",
         "test.conf:2: invalid value '3' for mld-version: expected 1 or 2"},
        {"link eth0\n  igmp-version 4\n",
         "test.conf:2: invalid value '4' for igmp-version: expected 1, 2 or 3"},
        {"link eth0\n  querier-rule maybe\n",
         "test.conf:2: invalid value 'maybe' for querier-rule: expected on or off"},
        {"link eth0\n  allow 192.0.2.0/24\n",
         "test.conf:2: invalid value '192.0.2.0/24' for allow: expected a multicast group "
         "prefix, optionally followed by 'source' and a unicast prefix of the same family"},
        {"link eth0\n  deny 239.1.2.3/8\n",
         "test.conf:2: invalid value '239.1.2.3/8' for deny: expected a multicast group "
         "prefix, optionally followed by 'source' and a unicast prefix of the same family"},
        {"link eth0\n  deny 224.0.0.0/3\n",
         "test.conf:2: invalid value '224.0.0.0/3' for deny: expected a multicast group "
         "prefix, optionally followed by 'source' and a unicast prefix of the same family"},
        {"link eth0\n  allow 232.1.1.1 source 2001:db8::1\n",
         "test.conf:2: invalid value '232.1.1.1 source 2001:db8::1' for allow: expected a "
         "multicast group prefix, optionally followed by 'source' and a unicast prefix of the "
         "same family"},
        {"link eth0\n  allow 232.1.1.1 from 192.0.2.1\n",
         "test.conf:2: invalid value '232.1.1.1 from 192.0.2.1' for allow: expected a "
         "multicast group prefix, optionally followed by 'source' and a unicast prefix of the "
         "same family"},
        {"link eth0\n  allow ff3e::1 source ff02::1\n",
         "test.conf:2: invalid value 'ff3e::1 source ff02::1' for allow: expected a multicast "
         "group prefix, optionally followed by 'source' and a unicast prefix of the same family"},
        {"link eth0\n  allow\n", "test.conf:2: 'allow' needs a group prefix"},
        {"link eth0\n  boundary scope 14\n",
         "test.conf:2: invalid value 'scope 14' for boundary: expected a multicast prefix "
         "(239.0.0.0/8, ff15::/16) or 'scope N' (IPv6, N from 3 to 13)"},
        {"link eth0\n  boundary 10.0.0.0/8\n",
         "test.conf:2: invalid value '10.0.0.0/8' for boundary: expected a multicast prefix "
         "(239.0.0.0/8, ff15::/16) or 'scope N' (IPv6, N from 3 to 13)"},
        {"query-interval 5s\nlink eth0\n  query-response-interval 5s\n",
         "test.conf:3: the query response interval (5000 ms) must be less than the query "
         "interval (5000 ms) in the block of 'link eth0'"},
        {"link eth0\n  query-interval 5s\n  robustness 3\nlink eth1\n",
         "test.conf:2: the query response interval (10000 ms) must be less than the query "
         "interval (5000 ms) in the block of 'link eth0'"},
        {"link eth*\n  role upstream\n",
         "test.conf:2: 'role upstream' needs an exact interface name, not the pattern 'eth*'"},
        {"upstream eth0\nlink ppp0\n  role upstream\n",
         "test.conf:2: 'eth0' and 'ppp0' both serve every group (neither has a 'serve' line): "
         "give each upstream but one the groups it serves ('serve PREFIX...')"},
        {"link up1\n  role upstream\n  serve 239.1.0.0/16 ff3e::/16\nlink up2\n  role upstream\n"
         "  serve ff3e::/16\n",
         "test.conf:4: 'up1' and 'up2' both serve ff3e::/16: a group has one upstream (give the "
         "prefix to one of them)"},
        {"link up1\n  role upstream\nlink eth1\n  serve 239.1.0.0/16\n",
         "test.conf:4: 'serve' is for an upstream: 'eth1' is not one (give it 'role upstream', "
         "or name the upstream exactly)"},
        {"link up1\n  role upstream\n  serve 10.0.0.0/8\n",
         "test.conf:3: invalid value '10.0.0.0/8' for serve: expected multicast prefixes "
         "(ff3e::/16, 239.1.0.0/16)"},
        {"link up1\n  role upstream\n  serve\n",
         "test.conf:3: 'serve' needs one or more multicast prefixes"},
        {"link up1\n  role upstream\nlink up2\n  role upstream\n  serve 239.1.0.0/16\n"
         "link up*\n  role downstream\n",
         "test.conf:7: the upstream 'up1' cannot have the role downstream"},
        {"upstream eth0\nlink eth*\n  role disabled\n",
         "test.conf:3: the upstream 'eth0' cannot have the role disabled"},
        {"upstream eth0\nupstream eth1\n",
         "test.conf:2: option 'upstream' given twice ('eth0' and 'eth1'): it names one upstream "
         "(more are link blocks with 'role upstream' and 'serve' in the configuration file: "
         "ecmh.conf(5))"},
        {"robustness 2\x01\n", "test.conf:1: a character that is no printable ASCII (byte 1)"},
        {"robustness \xc3\xa9\n", "test.conf:1: a character that is no printable ASCII (byte 195)"},
        {"query-response-interval 30s\nquery-interval 20s\n",
         "--query-response-interval must be less than --query-interval (with test.conf)"},
    };
    for (const auto& c : cases) {
        const auto r = parse(c.text);
        ASSERT_TRUE(r.error) << c.text;
        EXPECT_TRUE(r.error->in_config) << c.text;
        EXPECT_EQ(r.error->message, c.error) << c.text;
    }
    // A line that long is no configuration.
    const auto r = parse("# " + std::string(5000, 'x') + "\n");
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->message, "test.conf:1: line longer than 4096 bytes");
}

TEST(ConfigFile, LinkBlocksResolvePerInterfaceLaterBlocksWin) {
    const auto o = good(R"(
robustness 3
max-groups 100
link eth*
    querier-rule off
    max-groups 50
    query-interval 30s
    allow 239.1.0.0/16
link eth1
    max-groups 20
    mld-version 1
    igmp-version 2
    deny 239.1.9.0/24
    boundary scope 5
link guest*
    role disabled
link guest1
    role downstream
)");
    const auto eth0 = link_settings(o, "eth0");
    EXPECT_FALSE(eth0.querier_rule);
    EXPECT_EQ(eth0.max_groups, 50U);
    ASSERT_TRUE(eth0.vars);
    EXPECT_EQ(eth0.vars->query_interval, milliseconds{30'000});
    EXPECT_EQ(eth0.vars->robustness, 3U); // the global value under the block's
    EXPECT_FALSE(eth0.mld_version);
    EXPECT_TRUE(eth0.igmp_policy.allows_group(*Ipv4Address::parse("239.1.9.1")));
    EXPECT_FALSE(eth0.igmp_policy.allows_group(*Ipv4Address::parse("239.2.0.1")));
    EXPECT_TRUE(eth0.mld_policy.empty());

    const auto eth1 = link_settings(o, "eth1");
    EXPECT_FALSE(eth1.querier_rule); // from eth*
    EXPECT_EQ(eth1.max_groups, 20U);
    EXPECT_EQ(eth1.mld_version, 1);
    EXPECT_EQ(eth1.igmp_version, 2);
    EXPECT_FALSE(eth1.igmp_policy.allows_group(*Ipv4Address::parse("239.1.9.1")));
    EXPECT_TRUE(eth1.igmp_policy.allows_group(*Ipv4Address::parse("239.1.8.1")));
    EXPECT_TRUE(eth1.mld_policy.bounds(*Ipv6Address::parse("ff05::1:3")));

    // A link no block names has the global values and no rules.
    const auto wlan = link_settings(o, "wlan0");
    EXPECT_TRUE(wlan.querier_rule);
    EXPECT_EQ(wlan.max_groups, 100U);
    ASSERT_TRUE(wlan.vars);
    EXPECT_EQ(wlan.vars->robustness, 3U);
    EXPECT_EQ(wlan.igmp_version, 3);
    EXPECT_FALSE(wlan.mld_version);
    EXPECT_TRUE(wlan.mld_policy.empty());
    EXPECT_TRUE(wlan.igmp_policy.empty());
    EXPECT_EQ(configured_role(o, "guest0"), LinkRoleSetting::Disabled);
    EXPECT_EQ(configured_role(o, "guest1"), LinkRoleSetting::Downstream);
    EXPECT_EQ(configured_role(o, "eth0"), std::nullopt);
}

TEST(ConfigFile, AnUpstreamBlockNamesTheUpstream) {
    const auto o = good("link ppp0\n  role upstream\n  deny 239.255.0.0/16\n");
    EXPECT_EQ(o.upstream, "ppp0");
    EXPECT_FALSE(
        link_settings(o, "ppp0").igmp_policy.allows_group(*Ipv4Address::parse("239.255.0.1")));
    // The command line's upstream wins, and the block's role then names no upstream.
    EXPECT_EQ(good("link ppp0\n  role upstream\n", {"-i", "eth0"}).upstream, "eth0");
}

TEST(ConfigFile, ABlocksTimersAreCheckedTogether) {
    // The block's own response interval makes its query interval valid, whatever the
    // order of the lines and the global value.
    const auto o = good("query-response-interval 3s\nlink eth1\n  query-response-interval 1s\n"
                        "  query-interval 2s\nlink eth2\n  query-interval 4s\n"
                        "  query-response-interval 1s\n");
    const auto eth2 = link_settings(o, "eth2");
    ASSERT_TRUE(eth2.vars);
    EXPECT_EQ(eth2.vars->query_interval, milliseconds{4000});
    // Blocks that are each right can combine into a wrong pair; timers_error says so for
    // the resolved settings (the daemon then keeps the global timers for the link).
    const auto both = good("link eth*\n  query-response-interval 100s\nlink eth1\n"
                           "  query-interval 60s\n");
    const auto eth1 = link_settings(both, "eth1");
    ASSERT_TRUE(eth1.vars);
    EXPECT_TRUE(timers_error(*eth1.vars));
    EXPECT_FALSE(timers_error(*link_settings(both, "eth0").vars));
}

TEST(ConfigFile, PatternsAreShellWildcards) {
    EXPECT_TRUE(pattern_matches("eth*", "eth0"));
    EXPECT_TRUE(pattern_matches("eth*", "eth"));
    EXPECT_FALSE(pattern_matches("eth*", "veth0"));
    EXPECT_TRUE(pattern_matches("wg[0-3]", "wg2"));
    EXPECT_FALSE(pattern_matches("wg[0-3]", "wg4"));
    EXPECT_TRUE(pattern_matches("br?", "br0"));
    EXPECT_TRUE(pattern_matches("*", "anything"));
    EXPECT_FALSE(pattern_matches("eth1", "eth10"));
}

} // namespace

namespace {

TEST(ConfigFile, SsmRangesArePerFamilyAndRepeatable) {
    const auto o = good("ssm-range 239.232.0.0/16\nssm-range ff3e::/32\nssm-range ff35::/32\n");
    ASSERT_EQ(o.ssm4.size(), 1U);
    EXPECT_EQ(o.ssm4[0].to_string(), "239.232.0.0/16");
    ASSERT_EQ(o.ssm6.size(), 2U);
    EXPECT_EQ(o.ssm6[1].to_string(), "ff35::/32");
    for (const char* bad : {"ssm-range 10.0.0.0/8\n", "ssm-range 232.1.2.3/8\n",
                            "ssm-range fe80::/10\n", "ssm-range x\n", "ssm-range 224.0.0.0/3\n"}) {
        const auto r = parse(bad);
        ASSERT_TRUE(r.error) << bad;
        EXPECT_NE(r.error->message.find("test.conf:1: invalid value"), std::string::npos)
            << r.error->message;
    }
}

} // namespace

namespace {

TEST(ConfigFile, BlocksThatMatchNoInterfaceAreNamed) {
    const auto o = good("link eth1\nlink wg*\nlink ppp0\n  role upstream\nlink eht0\n");
    const auto unmatched = unmatched_blocks(o, {"lo", "eth0", "eth1", "wg0"});
    ASSERT_EQ(unmatched.size(), 2U);
    EXPECT_EQ(unmatched[0].pattern, "ppp0");
    EXPECT_EQ(unmatched[0].line, 3U);
    EXPECT_EQ(unmatched[1].pattern, "eht0");
    EXPECT_TRUE(unmatched_blocks(o, {"eth1", "wg7", "ppp0", "eht0"}).empty());
}

} // namespace
