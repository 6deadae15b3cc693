// SPDX-License-Identifier: BSD-3-Clause
// The host's own multicast memberships: the /proc parsers on the kernel's text (copied
// from Linux 6.18) and on lines that do not read, the reader on this host with a group
// joined by a socket of the test, and the netlink notice that a membership moved.
#include "ecmh/io/host_groups.hpp"
#include "ecmh/io/netlink_monitor.hpp"
#include "ecmh/io/unique_fd.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <string_view>
#include <sys/socket.h>

using ecmh::io::HostGroups;
using ecmh::io::InterfaceTable;
using ecmh::io::NetlinkMonitor;
using ecmh::io::parse_proc_igmp;
using ecmh::io::parse_proc_igmp6;
using ecmh::io::read_host_groups;
using ecmh::io::UniqueFd;
using ecmh::net::IfIndex;
using ecmh::net::Ipv4Address;
using ecmh::net::Ipv6Address;

namespace {

Ipv6Address v6(const char* text) {
    return *Ipv6Address::parse(text);
}
Ipv4Address v4(const char* text) {
    return *Ipv4Address::parse(text);
}

constexpr const char* kIgmp6 =
    "1    lo              ff020000000000000000000000000001     1 0000000C 0\n"
    "1    lo              ff010000000000000000000000000001     1 00000008 0\n"
    "4    up0             ff0e0000000000000000000000010001     2 00000004 1250\n"
    "12   a-very-long-name ff3e0000000000000000000080000001     1 00000004 0\n";

// As printed on a little-endian host: 010000E0 is 224.0.0.1.
constexpr const char* kIgmp = "Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n"
                              "1\tlo        :     1      V3\n"
                              "\t\t\t\t010000E0     1 0:00000000\t\t0\n"
                              "4\tup0       :     2      V2\n"
                              "\t\t\t\t010101EF     1 1:000001F4\t\t1\n"
                              "\t\t\t\t010000E0     1 0:00000000\t\t0\n"
                              "5\tdn1       :     0      V3\n";

} // namespace

TEST(HostGroups, ParsesTheKernelsIgmp6) {
    const auto groups = parse_proc_igmp6(kIgmp6);
    ASSERT_EQ(groups.size(), 4U);
    EXPECT_EQ(groups[0], std::make_pair(IfIndex{1}, v6("ff02::1")));
    EXPECT_EQ(groups[1], std::make_pair(IfIndex{1}, v6("ff01::1")));
    EXPECT_EQ(groups[2], std::make_pair(IfIndex{4}, v6("ff0e::1:1")));
    EXPECT_EQ(groups[3], std::make_pair(IfIndex{12}, v6("ff3e::8000:1")));
}

TEST(HostGroups, SkipsIgmp6LinesThatDoNotRead) {
    const auto groups = parse_proc_igmp6("\n"
                                         "x    lo  ff020000000000000000000000000001 1 0 0\n"
                                         "0    lo  ff020000000000000000000000000001 1 0 0\n"
                                         "2    lo  ff02000000000000000000000000001 1 0 0\n"
                                         "2    lo  ff02000000000000000000000000000g 1 0 0\n"
                                         "2    lo  ff020000000000000000000000000001000 1 0 0\n"
                                         "2    lo\n"
                                         "2\n"
                                         "3    eth0 ff0e0000000000000000000000000002 1 0 0");
    ASSERT_EQ(groups.size(), 1U); // the last one, without its newline
    EXPECT_EQ(groups[0], std::make_pair(IfIndex{3}, v6("ff0e::2")));
}

TEST(HostGroups, ParsesTheKernelsIgmpInTheWritersByteOrder) {
    const auto little = parse_proc_igmp(kIgmp, std::endian::little);
    ASSERT_EQ(little.size(), 3U);
    EXPECT_EQ(little[0], std::make_pair(IfIndex{1}, v4("224.0.0.1")));
    EXPECT_EQ(little[1], std::make_pair(IfIndex{4}, v4("239.1.1.1")));
    EXPECT_EQ(little[2], std::make_pair(IfIndex{4}, v4("224.0.0.1")));
    const auto big = parse_proc_igmp("1\teth0 :     1      V3\n\t\t\t\tEF010203     1 0:0\t\t0\n",
                                     std::endian::big);
    ASSERT_EQ(big.size(), 1U);
    EXPECT_EQ(big[0], std::make_pair(IfIndex{1}, v4("239.1.2.3")));
}

TEST(HostGroups, SkipsIgmpLinesThatDoNotRead) {
    const auto groups =
        parse_proc_igmp("\t\t\t\t010000E0     1 0:00000000\t\t0\n" // no interface yet
                        "x\tbad :     1      V3\n"
                        "\t\t\t\t010101EF     1 0:00000000\t\t0\n" // under "x"
                        "7\tok :     1      V3\n"
                        "\t\t\t\t10101EF     1 0:00000000\t\t0\n"
                        "\t\t\t\t010101EG     1 0:00000000\t\t0\n"
                        "\t\t\t\t\n"
                        "\t\t\t\t020101EF     1 0:00000000\t\t0",
                        std::endian::little);
    ASSERT_EQ(groups.size(), 1U);
    EXPECT_EQ(groups[0], std::make_pair(IfIndex{7}, v4("239.1.1.2")));
}

namespace {

// A socket of the test holding `group` on lo (an invalid fd when it cannot).
UniqueFd join_on_lo(const char* group) {
    UniqueFd fd{::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    ipv6_mreq request{};
    request.ipv6mr_interface = ::if_nametoindex("lo");
    if (!fd || ::inet_pton(AF_INET6, group, &request.ipv6mr_multiaddr) != 1 ||
        ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_JOIN_GROUP, &request, sizeof request) != 0) {
        return UniqueFd{};
    }
    return fd;
}

UniqueFd join_on_lo4(const char* group) {
    UniqueFd fd{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    ip_mreqn request{};
    request.imr_ifindex = static_cast<int>(::if_nametoindex("lo"));
    if (!fd || ::inet_pton(AF_INET, group, &request.imr_multiaddr) != 1 ||
        ::setsockopt(fd.get(), IPPROTO_IP, IP_ADD_MEMBERSHIP, &request, sizeof request) != 0) {
        return UniqueFd{};
    }
    return fd;
}

template <class List, class Address>
bool holds(const List& list, IfIndex index, const Address& group) {
    return std::find(list.begin(), list.end(), std::make_pair(index, group)) != list.end();
}

} // namespace

TEST(HostGroups, ReadsThisHostsMembershipsAsSocketsJoinAndLeave) {
    const IfIndex lo{::if_nametoindex("lo")};
    auto six = join_on_lo("ff0e::1:77");
    auto four = join_on_lo4("239.1.1.77");
    if (!six || !four) {
        GTEST_SKIP() << "this host cannot join a group on lo";
    }
    auto joined = read_host_groups();
    ASSERT_TRUE(joined) << joined.error().message();
    EXPECT_TRUE(holds(joined->ipv6, lo, v6("ff0e::1:77")));
    EXPECT_TRUE(holds(joined->ipv4, lo, v4("239.1.1.77")));
    six = UniqueFd{};
    four = UniqueFd{};
    auto left = read_host_groups();
    ASSERT_TRUE(left) << left.error().message();
    EXPECT_FALSE(holds(left->ipv6, lo, v6("ff0e::1:77")));
    EXPECT_FALSE(holds(left->ipv4, lo, v4("239.1.1.77")));
}

namespace {

// Reads the monitor until a membership notice is taken, for at most 2 s.
bool notice_within_2s(NetlinkMonitor& monitor, InterfaceTable& table) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{monitor.fd(), POLLIN, 0};
        (void)::poll(&p, 1, 100);
        const auto received = monitor.receive(table);
        EXPECT_TRUE(received) << received.error().message();
        if (monitor.take_host_groups_changed()) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST(HostGroups, TheKernelTellsTheMonitorOfAJoinAndALeave) {
    auto opened = NetlinkMonitor::open();
    ASSERT_TRUE(opened) << opened.error().message();
    NetlinkMonitor& monitor = *opened;
    if (auto followed = monitor.follow_host_groups(); !followed) {
        GTEST_SKIP() << "this kernel sends no membership notices (before Linux 6.13): "
                     << followed.error().message();
    }
    InterfaceTable table;
    while (monitor.dumping()) {
        pollfd p{monitor.fd(), POLLIN, 0};
        ASSERT_GE(::poll(&p, 1, 2000), 1) << "the first dump did not end";
        ASSERT_TRUE(monitor.receive(table));
    }
    (void)monitor.take_host_groups_changed();
    for (const char* group : {"ff0e::1:78", "239.1.1.78"}) {
        SCOPED_TRACE(group);
        auto fd = std::string_view{group}.find(':') != std::string_view::npos ? join_on_lo(group)
                                                                              : join_on_lo4(group);
        ASSERT_TRUE(fd) << "cannot join on lo";
        EXPECT_TRUE(notice_within_2s(monitor, table)) << "no notice of the join";
        fd = UniqueFd{};
        EXPECT_TRUE(notice_within_2s(monitor, table)) << "no notice of the leave";
        EXPECT_FALSE(monitor.take_host_groups_changed());
    }
}
