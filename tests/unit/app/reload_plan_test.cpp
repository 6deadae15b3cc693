// SPDX-License-Identifier: BSD-3-Clause
// What a reload applies and what waits for a restart.
#include "ecmh/app/reload_plan.hpp"

#include <gtest/gtest.h>

using namespace ecmh::app;

namespace {

TEST(ReloadPlan, NothingChangedNothingToSay) {
    Options running;
    running.upstream = "eth0";
    const auto plan = plan_reload(running, running);
    EXPECT_TRUE(plan.restart_only.empty());
    EXPECT_EQ(plan.next.upstream, "eth0");
}

TEST(ReloadPlan, LiveSettingsAreTakenRestartOnlyOnesKept) {
    Options running;
    running.pid_file = "/run/ecmh/ecmh.pid";
    Options next = running;
    next.upstream = "ppp0";                               // live
    next.timers.robustness = 3;                           // live
    next.limits.max_groups_per_link = 10;                 // live
    next.excluded = {"wg0"};                              // live
    next.link_blocks.push_back(LinkBlock{"eth*", 3, {}}); // live
    next.pid_file = "/tmp/other.pid";                     // restart
    next.ipv4 = false;                                    // restart
    next.capture = CaptureMethod::Pcap;                   // restart
    next.limits.max_total_sources = 7;                    // restart
    next.translate = true;                                // restart
    next.fast_path.forward = ForwardPath::Xdp;            // restart
    const auto plan = plan_reload(running, next);
    EXPECT_EQ(plan.next.upstream, "ppp0");
    EXPECT_EQ(plan.next.timers.robustness, 3U);
    EXPECT_EQ(plan.next.limits.max_groups_per_link, 10U);
    EXPECT_EQ(plan.next.excluded, std::vector<std::string>{"wg0"});
    EXPECT_EQ(plan.next.link_blocks.size(), 1U);
    EXPECT_EQ(plan.next.pid_file, "/run/ecmh/ecmh.pid");
    EXPECT_TRUE(plan.next.ipv4);
    EXPECT_EQ(plan.next.capture, running.capture);
    EXPECT_EQ(plan.next.limits.max_total_sources, running.limits.max_total_sources);
    EXPECT_FALSE(plan.next.translate);
    EXPECT_EQ(plan.next.fast_path.forward, ForwardPath::Userspace);
    EXPECT_EQ(plan.restart_only,
              (std::vector<std::string>{"pidfile", "capture", "forward/xdp-*", "no-ipv4",
                                        "translate", "max-total-sources"}));
}

} // namespace
