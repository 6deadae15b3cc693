// SPDX-License-Identifier: BSD-3-Clause
// `show config` for now: the options that differ from their defaults, one per line.
#include "ecmh/app/options_text.hpp"

#include <gtest/gtest.h>

using namespace ecmh::app;

TEST(OptionsText, DefaultsSayAllDefaults) {
    EXPECT_EQ(options_text(Options{}), "(all defaults)\n");
}

TEST(OptionsText, ListsWhatDiffersInHelpOrder) {
    Options o;
    o.upstream = "up0";
    o.interfaces = {"dn1", "dn2"};
    o.mld_mode = MldMode::V2Only;
    o.control_socket = "";
    o.timers.query_interval = std::chrono::milliseconds{2000};
    o.limits.max_groups_per_link = 10;
    EXPECT_EQ(options_text(o), "upstream up0\n"
                               "mld2only\n"
                               "interface dn1\n"
                               "interface dn2\n"
                               "control-socket none\n"
                               "query-interval 2000ms\n"
                               "max-groups 10\n");
}
