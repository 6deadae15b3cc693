// SPDX-License-Identifier: BSD-3-Clause
// The configuration files users read (doc/ecmh.conf.5): the shipped /etc/ecmh/ecmh.conf
// (contrib/ecmh.conf) changes nothing and every setting it shows in a comment is valid,
// and the README's IPTV gateway (tests/golden/config/iptv_gateway.conf, the same text)
// parses and does what the README says of it.
#include "ecmh/app/config_file.hpp"
#include "ecmh/app/link_blocks.hpp"
#include "ecmh/app/options.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <vector>

using namespace ecmh::app;
using ecmh::net::Ipv4Address;

namespace {

const std::string kSource = ECMH_SOURCE_DIR;
const std::string kShipped = kSource + "/contrib/ecmh.conf";
const std::string kIptv = kSource + "/tests/golden/config/iptv_gateway.conf";

std::string read(const std::string& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in) << path;
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The file as `ecmh --check-config PATH` reads it.
ParseResult check(const std::string& path, const std::string& text) {
    std::vector<std::string> storage{"ecmh", "--check-config", path};
    std::vector<char*> argv;
    for (auto& s : storage) {
        argv.push_back(s.data());
    }
    const ConfigText config{path, text};
    return parse_command_line(static_cast<int>(storage.size()), argv.data(), &config);
}

Options good(const std::string& path, const std::string& text) {
    const auto r = check(path, text);
    EXPECT_FALSE(r.error) << (r.error ? r.error->message : "");
    return r.command_line ? r.command_line->options : Options{};
}

Ipv4Address v4(const char* text) {
    return *Ipv4Address::parse(text);
}

// "#upstream eth0" -> "upstream eth0", "#    role disabled" -> "    role disabled": the
// lines that show a setting (no blank after the '#', or a block's indent of four), as the
// shipped file writes them; prose ("# One setting per line", "#   ecmh --check-config")
// stays a comment.
std::string uncommented(const std::string& text) {
    std::istringstream in(text);
    std::string out;
    std::string line;
    while (std::getline(in, line)) {
        const auto blanks = line.find_first_not_of(' ', 1);
        const bool setting = line.size() > 1 && line[0] == '#' && line[1] != '#' &&
                             blanks != std::string::npos && (blanks == 1 || blanks >= 5);
        out += (setting ? line.substr(1) : line) + "\n";
    }
    return out;
}

} // namespace

TEST(ConfigExamples, TheShippedFileChangesNothing) {
    const auto text = read(kShipped);
    const auto o = good(kShipped, text);
    EXPECT_FALSE(o.upstream);
    EXPECT_TRUE(o.link_blocks.empty());
    EXPECT_TRUE(o.interfaces.empty());
    EXPECT_TRUE(o.excluded.empty());
    EXPECT_EQ(link_settings(o, "eth0"), link_settings(Options{}, "eth0")); // the defaults
    EXPECT_EQ(config_summary(o),
              kShipped + ": good\n  upstream: none (every link is downstream)\n");
}

TEST(ConfigExamples, EverySettingTheShippedFileShowsIsValid) {
    const auto text = uncommented(read(kShipped));
    const auto o = good(kShipped, text);
    // The comments show a global part and link blocks; all of them were read.
    EXPECT_EQ(o.upstream, "eth0");
    EXPECT_EQ(o.link_blocks.size(), 6U) << text;
    EXPECT_EQ(upstream_names(o), (std::vector<std::string>{"eth0", "ppp0"}));
    const auto serves = upstream_serves(o);
    ASSERT_EQ(serves.size(), 2U);
    EXPECT_TRUE(serves[0].mld.empty() && serves[0].igmp.empty()) << "eth0 is the default";
    EXPECT_EQ(serves[1].igmp.size(), 1U);
    EXPECT_EQ(serves[1].mld.size(), 1U);
    EXPECT_EQ(configured_role(o, "wlan-guest"), LinkRoleSetting::Disabled);
    EXPECT_EQ(configured_role(o, "eth1"), LinkRoleSetting::Downstream);
    EXPECT_EQ(link_settings(o, "eth1").max_groups, 256U);
    EXPECT_FALSE(link_settings(o, "br0").querier_rule);
    EXPECT_TRUE(
        link_settings(o, "wg0").mld_policy.bounds(*ecmh::net::Ipv6Address::parse("ff05::1")));
    EXPECT_FALSE(link_settings(o, "eth0").igmp_policy.allows_group(v4("239.3.99.1")));
    EXPECT_TRUE(o.translate);
    EXPECT_EQ(o.translation, ecmh::net::TranslationPrefixes::defaults());
}

TEST(ConfigExamples, TheIptvGatewayIsTheReadmesExample) {
    const auto readme = read(kSource + "/README.md");
    EXPECT_NE(readme.find("```\n" + read(kIptv) + "```\n"), std::string::npos)
        << "README.md's Configuration example differs from " << kIptv;
}

TEST(ConfigExamples, TheIptvGatewayDoesWhatTheReadmeSays) {
    const auto o = good(kIptv, read(kIptv));
    // One upstream, the provider's line.
    EXPECT_EQ(o.upstream, "ppp0");
    // The home LAN is served, with no rules of its own; the guest LAN is left alone;
    // other links are downstream as without a file.
    EXPECT_EQ(configured_role(o, "eth1"), LinkRoleSetting::Downstream);
    EXPECT_EQ(link_settings(o, "eth1"), link_settings(Options{}, "eth1"));
    EXPECT_EQ(configured_role(o, "wlan-guest"), LinkRoleSetting::Disabled);
    EXPECT_EQ(configured_role(o, "eth2"), std::nullopt);

    // The upstream reports the whitelisted groups only.
    const auto upstream = link_settings(o, "ppp0");
    const auto& p = upstream.igmp_policy;
    EXPECT_TRUE(p.allows_group(v4("239.3.1.1")));  // a channel, any source
    EXPECT_FALSE(p.allows_group(v4("239.4.1.1"))); // not the provider's
    EXPECT_FALSE(p.allows_group(v4("224.2.2.2")));
    EXPECT_TRUE(p.allows_source(v4("203.0.113.9"), v4("239.3.1.1")));
    // SSM channels: from the provider's sources only, never any-source.
    EXPECT_TRUE(p.allows_source(v4("198.51.100.7"), v4("232.1.1.1")));
    EXPECT_FALSE(p.allows_source(v4("203.0.113.9"), v4("232.1.1.1")));
    EXPECT_FALSE(p.allows_group(v4("232.1.1.1")));
    // The house's own groups stay inside, both ways.
    EXPECT_TRUE(p.bounds(v4("239.255.1.1")));
    EXPECT_FALSE(p.bounds(v4("239.3.1.1")));
    EXPECT_FALSE(p.allows_group(v4("239.255.1.1")));
    // IPv6 is not filtered.
    EXPECT_TRUE(upstream.mld_policy.empty());
}
