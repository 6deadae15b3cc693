// SPDX-License-Identifier: BSD-3-Clause
// NetlinkMonitor against the real kernel, in the test's own network namespace: the
// dump needs no privilege, and every namespace has "lo".
#include "ecmh/io/netlink_monitor.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <gtest/gtest.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using ecmh::io::InterfaceTable;
using ecmh::io::NetlinkMonitor;
using ecmh::io::UniqueFd;
using ecmh::net::IfIndex;

namespace {

// Polls and receives until the dump in progress ends, for at most two seconds.
// Returns whether any receive() reported a change.
bool wait_for_dump(NetlinkMonitor& monitor, InterfaceTable& table) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    bool changed = false;
    while (monitor.dumping() && std::chrono::steady_clock::now() < deadline) {
        pollfd p{monitor.fd(), POLLIN, 0};
        if (::poll(&p, 1, 100) < 0) {
            ADD_FAILURE() << "poll failed";
            break;
        }
        const auto received = monitor.receive(table);
        if (!received) {
            ADD_FAILURE() << received.error().message();
            break;
        }
        changed = *received || changed;
    }
    return changed;
}

// Opens the monitor as `monitor`, or fails the test.
#define OPEN_MONITOR(monitor)                                                                      \
    auto opened = NetlinkMonitor::open();                                                          \
    ASSERT_TRUE(opened) << opened.error().message();                                               \
    NetlinkMonitor& monitor = *opened

TEST(NetlinkMonitor, FirstDumpFindsLoopback) {
    OPEN_MONITOR(monitor);
    EXPECT_GE(monitor.fd(), 0);
    EXPECT_TRUE(monitor.dumping());
    InterfaceTable table;
    EXPECT_TRUE(wait_for_dump(monitor, table));
    ASSERT_FALSE(monitor.dumping());
    const auto* lo = table.find("lo");
    ASSERT_NE(lo, nullptr);
    EXPECT_TRUE(lo->is_loopback());
    EXPECT_GT(lo->mtu, 0u);
}

TEST(NetlinkMonitor, ResyncRebuildsTheSameTable) {
    OPEN_MONITOR(monitor);
    InterfaceTable table;
    wait_for_dump(monitor, table);
    ASSERT_FALSE(monitor.dumping());
    const auto before = table.all();

    ASSERT_TRUE(monitor.resync());
    EXPECT_TRUE(monitor.dumping());
    // The table stays whole while the resync runs.
    EXPECT_NE(table.find("lo"), nullptr);
    wait_for_dump(monitor, table);
    ASSERT_FALSE(monitor.dumping());
    EXPECT_EQ(table.all(), before);
}

TEST(NetlinkMonitor, ResyncDuringADumpRestartsItAfterwards) {
    OPEN_MONITOR(monitor);
    ASSERT_TRUE(monitor.resync()); // the first dump still runs
    ASSERT_TRUE(monitor.resync());
    InterfaceTable table;
    wait_for_dump(monitor, table);
    ASSERT_FALSE(monitor.dumping());
    EXPECT_NE(table.find("lo"), nullptr);
}

TEST(NetlinkMonitor, ReceiveWithNothingPendingReturns) {
    OPEN_MONITOR(monitor);
    InterfaceTable table;
    wait_for_dump(monitor, table);
    // Nonblocking: an empty socket is no error.
    EXPECT_TRUE(monitor.receive(table).has_value());
}

// A privileged process can unicast to the monitor's port; what it says about links is
// not the kernel's word.
TEST(NetlinkMonitor, IgnoresDatagramsNotFromTheKernel) {
    OPEN_MONITOR(monitor);
    InterfaceTable table;
    wait_for_dump(monitor, table);
    sockaddr_nl target{};
    socklen_t length = sizeof target;
    ASSERT_EQ(::getsockname(monitor.fd(), reinterpret_cast<sockaddr*>(&target), &length), 0);

    std::vector<std::uint8_t> m(NLMSG_SPACE(sizeof(ifinfomsg)) + RTA_SPACE(sizeof "spoof0"));
    nlmsghdr header{};
    header.nlmsg_len = static_cast<std::uint32_t>(m.size());
    header.nlmsg_type = RTM_NEWLINK;
    ifinfomsg ifi{};
    ifi.ifi_index = 999999;
    ifi.ifi_flags = IFF_UP | IFF_RUNNING | IFF_MULTICAST;
    rtattr name{};
    name.rta_len = RTA_LENGTH(sizeof "spoof0");
    name.rta_type = IFLA_IFNAME;
    std::memcpy(m.data(), &header, sizeof header);
    std::memcpy(m.data() + NLMSG_HDRLEN, &ifi, sizeof ifi);
    std::memcpy(m.data() + NLMSG_SPACE(sizeof ifi), &name, sizeof name);
    std::memcpy(m.data() + NLMSG_SPACE(sizeof ifi) + RTA_LENGTH(0), "spoof0", sizeof "spoof0");

    UniqueFd sender{::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)};
    ASSERT_TRUE(sender.valid());
    const auto sent = ::sendto(sender.get(), m.data(), m.size(), 0,
                               reinterpret_cast<const sockaddr*>(&target), sizeof target);
    if (sent < 0 && errno == EPERM) {
        GTEST_SKIP() << "only a privileged process may unicast to another netlink socket";
    }
    ASSERT_EQ(sent, static_cast<ssize_t>(m.size()));
    pollfd p{monitor.fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 1000), 1);
    const auto received = monitor.receive(table);
    ASSERT_TRUE(received);
    EXPECT_EQ(table.find("spoof0"), nullptr);
    EXPECT_EQ(table.find(IfIndex{999999}), nullptr);
}

// Adds or removes 10.x.y.z/32 number `n` on `index`, through a netlink socket of the
// test's own (no acknowledgement asked: the kernel applies it within send()).
void change_address(int fd, std::uint16_t type, std::uint32_t n, std::uint32_t index) {
    const std::uint32_t address = htonl(0x0a000000U | n);
    std::vector<std::uint8_t> m(NLMSG_SPACE(sizeof(ifaddrmsg)) + RTA_SPACE(sizeof address));
    nlmsghdr header{};
    header.nlmsg_len = static_cast<std::uint32_t>(m.size());
    header.nlmsg_type = type;
    header.nlmsg_flags = NLM_F_REQUEST | (type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0);
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_INET;
    ifa.ifa_prefixlen = 32;
    ifa.ifa_index = index;
    rtattr local{};
    local.rta_len = RTA_LENGTH(sizeof address);
    local.rta_type = IFA_LOCAL;
    std::memcpy(m.data(), &header, sizeof header);
    std::memcpy(m.data() + NLMSG_HDRLEN, &ifa, sizeof ifa);
    std::memcpy(m.data() + NLMSG_SPACE(sizeof ifa), &local, sizeof local);
    std::memcpy(m.data() + NLMSG_SPACE(sizeof ifa) + RTA_LENGTH(0), &address, sizeof address);
    ASSERT_EQ(::send(fd, m.data(), m.size(), 0), static_cast<ssize_t>(m.size()));
}

// Runs in a thread of its own: the network namespace is per thread.
void overrun_scenario(bool& unshared) {
    unshared = ::unshare(CLONE_NEWNET) == 0;
    if (!unshared) {
        return;
    }
    OPEN_MONITOR(monitor);
    InterfaceTable table;
    wait_for_dump(monitor, table);
    const auto* lo = table.find("lo");
    ASSERT_NE(lo, nullptr);
    const auto lo_index = lo->index.value();

    // Far more events than the socket buffer holds, none read meanwhile: the kernel
    // drops some, including deletions of addresses whose additions got through.
    UniqueFd control{::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)};
    ASSERT_TRUE(control.valid());
    constexpr std::uint32_t kAdded = 4000;
    constexpr std::uint32_t kRemoved = 3000;
    for (std::uint32_t n = 1; n <= kAdded; ++n) {
        change_address(control.get(), RTM_NEWADDR, n, lo_index);
    }
    for (std::uint32_t n = 1; n <= kRemoved; ++n) {
        change_address(control.get(), RTM_DELADDR, n, lo_index);
    }

    bool resynced = false;
    for (int rounds = 0; rounds < 200; ++rounds) {
        pollfd p{monitor.fd(), POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0 && !monitor.dumping()) {
            break;
        }
        ASSERT_TRUE(monitor.receive(table));
        resynced = resynced || monitor.dumping();
    }
    EXPECT_TRUE(resynced) << "the socket never overran: the test proves nothing";
    ASSERT_FALSE(monitor.dumping());
    ASSERT_NE(table.find("lo"), nullptr);
    EXPECT_EQ(table.find("lo")->ipv4.size(), kAdded - kRemoved);

    auto fresh = NetlinkMonitor::open();
    ASSERT_TRUE(fresh);
    InterfaceTable fresh_table;
    wait_for_dump(*fresh, fresh_table);
    EXPECT_TRUE(table.all() == fresh_table.all()) << "differs from a fresh dump";
}

TEST(NetlinkMonitor, OverrunResyncForgetsWhatWasRemovedMeanwhile) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root for a network namespace of its own";
    }
    bool unshared = false;
    std::thread worker([&] { overrun_scenario(unshared); });
    worker.join();
    if (!unshared) {
        GTEST_SKIP() << "unshare(CLONE_NEWNET) refused";
    }
}

} // namespace
