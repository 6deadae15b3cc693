// SPDX-License-Identifier: BSD-3-Clause
// The STATUS= line `systemctl status ecmh` shows.
#include "ecmh/app/service_status.hpp"

#include <gtest/gtest.h>

using namespace ecmh::app;

namespace {

ActiveLink link(const std::string& name, bool upstream) {
    ActiveLink l;
    l.config.name = name;
    l.config.upstream = upstream;
    return l;
}

TEST(ServiceStatus, UpstreamServed) {
    EXPECT_EQ(service_status({link("eth0", true), link("eth1", false)}, {"eth0"}, std::nullopt),
              "serving 2 links, upstream eth0");
}

TEST(ServiceStatus, SeveralUpstreamsEachServedOrAwaited) {
    EXPECT_EQ(
        service_status({link("eth0", true), link("eth1", false)}, {"eth0", "ppp0"}, std::nullopt),
        "serving 2 links, upstream eth0, waiting for upstream ppp0");
}

TEST(ServiceStatus, WaitingForUpstream) {
    EXPECT_EQ(service_status({link("eth1", false)}, {"ppp0"}, std::nullopt),
              "serving 1 link, waiting for upstream ppp0");
    EXPECT_EQ(service_status({}, {"ppp0"}, std::nullopt),
              "serving 0 links, waiting for upstream ppp0");
}

TEST(ServiceStatus, NoUpstreamWithTunnelPeers) {
    EXPECT_EQ(service_status({link("eth1", false)}, {}, 1),
              "serving 1 link, no upstream, 1 tunnel peer");
    EXPECT_EQ(service_status({link("eth1", false), link("eth2", false)}, {}, 12),
              "serving 2 links, no upstream, 12 tunnel peers");
}

} // namespace
