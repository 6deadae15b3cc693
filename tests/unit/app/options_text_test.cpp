// SPDX-License-Identifier: BSD-3-Clause
// `show config`: the running configuration in the file's form, which reads back the same.
#include "ecmh/app/config_file.hpp"
#include "ecmh/app/link_blocks.hpp"
#include "ecmh/app/options_text.hpp"

#include <gtest/gtest.h>

using namespace ecmh::app;

TEST(OptionsText, DefaultsSayAllDefaults) {
    EXPECT_EQ(options_text(Options{}), "# all defaults\n");
}

TEST(OptionsText, ListsWhatDiffersInHelpOrder) {
    Options o;
    o.upstream = "up0";
    o.interfaces = {"dn1", "dn2"};
    o.mld_mode = MldMode::V2Only;
    o.control_socket = "";
    o.timers.query_interval = std::chrono::milliseconds{2000};
    o.limits.max_groups_per_link = 10;
    o.fast_path.forward = ForwardPath::Xdp;
    o.fast_path.idle = std::chrono::milliseconds{5000};
    EXPECT_EQ(options_text(o), "upstream up0\n"
                               "mld2only\n"
                               "interface dn1\n"
                               "interface dn2\n"
                               "control-socket none\n"
                               "forward xdp\n"
                               "xdp-idle 5000ms\n"
                               "query-interval 2000ms\n"
                               "max-groups 10\n");
}

// What `show config` prints is a configuration file that gives the same configuration.
TEST(OptionsText, ReadsBackAsTheSameConfiguration) {
    const std::string file = "upstream ppp0\nssm-range ff3e::/32\nrobustness 3\n"
                             "translate-source-prefix 2001:db8:64::/96\n"
                             "max-groups 100\nforward auto\nxdp-mode native\nxdp-flows 64\n"
                             "link eth*\n  querier-rule off\n  allow ff0e::/16\n"
                             "link eth1\n  mld-version 1\n  query-interval 30s\n";
    std::vector<std::string> storage{"ecmh", "-c", "a.conf", "--max-sources", "7"};
    const auto parse = [&](const std::string& text) {
        std::vector<char*> argv;
        for (auto& s : storage) {
            argv.push_back(s.data());
        }
        argv.push_back(nullptr);
        const ConfigText config{"a.conf", text};
        auto r = parse_command_line(static_cast<int>(storage.size()), argv.data(), &config);
        EXPECT_FALSE(r.error) << (r.error ? r.error->message : "") << "\n" << text;
        return r.command_line ? r.command_line->options : Options{};
    };
    const auto first = parse(file);
    const auto text = options_text(first);
    EXPECT_NE(text.find("max-sources 7\n"), std::string::npos) << text; // the command line's
    EXPECT_NE(text.find("link eth1\n    mld-version 1\n"), std::string::npos) << text;
    const auto again = parse(text);
    EXPECT_EQ(options_text(again), text);
    for (const char* name : {"eth0", "eth1", "wlan0"}) {
        EXPECT_EQ(link_settings(again, name), link_settings(first, name)) << name;
    }
    EXPECT_EQ(again.upstream, first.upstream);
    EXPECT_EQ(again.ssm6, first.ssm6);
    EXPECT_EQ(again.ipv4, first.ipv4);
    EXPECT_TRUE(again.translate);
    EXPECT_EQ(again.translation, first.translation);
    EXPECT_EQ(again.fast_path, first.fast_path);
    EXPECT_EQ(again.fast_path.forward, ForwardPath::Auto);
    EXPECT_EQ(again.fast_path.flows, 64U);
}
