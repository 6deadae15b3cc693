// SPDX-License-Identifier: BSD-3-Clause
// mld_scale: one listener joins many IPv6 groups at once, and we time how long the router
// takes to report them all upstream.
//
//   mld_scale --listener-netns /run/netns/L --listener-if eth0
//             --upstream-netns /run/netns/U --upstream-if eth0
//             [--base ff0e::100:0] [--count 10000] [--mtu 1500] [--timeout 60]
//             [--gap-us 0] [--answer-queries] [--cpu N]
//
// In the listener's namespace it sends MLDv2 Reports (to ff02::16, hop limit 1, Router
// Alert, from the link-local address, as a Linux host would) with CHANGE_TO_EXCLUDE_MODE
// records for --count groups from --base, as many records per packet as --mtu allows. On
// the upstream link it watches what the router reports and prints, once every group has
// appeared in an EXCLUDE-mode record (or at --timeout):
//   scale groups=N sent_packets=P send_ns=… all_reported_ns=… elapsed_ms=… seen=K
//         upstream_packets=U complete=0|1
// With --answer-queries it then stays, answering the router's MLD queries for the groups
// (MODE_IS_EXCLUDE records) as a host would, so they stay joined, until SIGTERM/SIGINT,
// and prints "scale-answers queries=Q".
#include "bench_common.hpp"

#include <algorithm>
#include <csignal>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/icmp6.h>
#include <poll.h>

namespace {

constexpr const char* kTool = "mld_scale";
constexpr std::uint8_t kModeIsExclude = 2;
constexpr std::uint8_t kChangeToExclude = 4;
volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) {
    g_stop = 1;
}

void set_int(int fd, int level, int name, int value, const char* what) {
    if (setsockopt(fd, level, name, &value, sizeof value) != 0) {
        bench::die_errno(kTool, what);
    }
}

struct Groups {
    in6_addr base{};
    std::uint32_t count = 0;
    // The index of a group in the range, or -1.
    long index_of(const std::uint8_t* a) const {
        if (std::memcmp(a, &base, 12) != 0) {
            return -1;
        }
        std::uint32_t low = 0;
        std::uint32_t base_low = 0;
        for (int i = 12; i < 16; ++i) {
            low = (low << 8) | a[i];
            base_low = (base_low << 8) | base.s6_addr[i];
        }
        const auto d = static_cast<std::uint32_t>(low - base_low);
        return d < count ? static_cast<long>(d) : -1;
    }
    in6_addr at(std::uint32_t i) const {
        in6_addr a = base;
        std::uint32_t low = 0;
        for (int k = 12; k < 16; ++k) {
            low = (low << 8) | a.s6_addr[k];
        }
        low += i;
        for (int k = 15; k >= 12; --k) {
            a.s6_addr[k] = static_cast<std::uint8_t>(low & 0xff);
            low >>= 8;
        }
        return a;
    }
};

// The raw ICMPv6 socket MLD is sent from, as the kernel's own MLD would be: hop limit 1,
// a Hop-by-Hop Router Alert, the link-local source (chosen by the kernel for ff02::16),
// the checksum computed by the kernel (always on for raw ICMPv6 sockets).
int open_sender(unsigned ifindex, const std::string& ifname) {
    const int fd = ::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    if (fd < 0) {
        bench::die_errno(kTool, "socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)");
    }
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(),
                   static_cast<socklen_t>(ifname.size())) != 0) {
        bench::die_errno(kTool, "SO_BINDTODEVICE " + ifname);
    }
    set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, static_cast<int>(ifindex), "IPV6_MULTICAST_IF");
    set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 1, "IPV6_MULTICAST_HOPS");
    set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP");
    // Hop-by-Hop: Router Alert (type 5, length 2, value 0 = MLD), then PadN to 8 octets.
    const std::array<std::uint8_t, 8> hop_by_hop{0, 0, 5, 2, 0, 0, 1, 0};
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_HOPOPTS, hop_by_hop.data(), hop_by_hop.size()) != 0) {
        bench::die_errno(kTool, "IPV6_HOPOPTS");
    }
    icmp6_filter filter{};
    ICMP6_FILTER_SETBLOCKALL(&filter);
    ICMP6_FILTER_SETPASS(MLD_LISTENER_QUERY, &filter);
    if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) != 0) {
        bench::die_errno(kTool, "ICMP6_FILTER");
    }
    set_int(fd, SOL_SOCKET, SO_SNDBUF, 4 << 20, "SO_SNDBUF");
    return fd;
}

// Sends MLDv2 Reports for groups [from, to) of the range, records of the given type,
// packed up to the MTU. Returns the number of packets.
unsigned send_reports(int fd, unsigned ifindex, const Groups& groups, std::uint32_t from,
                      std::uint32_t to, std::uint8_t type, std::size_t mtu, unsigned gap_us) {
    constexpr std::size_t kHeaders = 40 + 8 + 8; // IPv6, Hop-by-Hop, MLDv2 Report header
    const std::size_t per_packet = (mtu - kHeaders) / 20;
    sockaddr_in6 all_routers{};
    all_routers.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "ff02::16", &all_routers.sin6_addr);
    all_routers.sin6_scope_id = ifindex;
    std::vector<std::uint8_t> packet;
    unsigned packets = 0;
    for (std::uint32_t i = from; i < to;) {
        const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(per_packet, to - i));
        packet.assign(8, 0);
        packet[0] = 143; // MLDv2 Report; checksum left to the kernel
        packet[6] = static_cast<std::uint8_t>(n >> 8);
        packet[7] = static_cast<std::uint8_t>(n & 0xff);
        for (std::uint32_t k = 0; k < n; ++k) {
            const auto g = groups.at(i + k);
            packet.insert(packet.end(), {type, 0, 0, 0});
            packet.insert(packet.end(), g.s6_addr, g.s6_addr + 16);
        }
        while (::sendto(fd, packet.data(), packet.size(), 0,
                        reinterpret_cast<const sockaddr*>(&all_routers), // NOLINT: sockaddr API
                        sizeof all_routers) < 0) {
            if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
                bench::die_errno(kTool, "sendto ff02::16");
            }
            usleep(100);
        }
        ++packets;
        i += n;
        if (gap_us != 0 && i < to) {
            usleep(gap_us);
        }
    }
    return packets;
}

// The upstream side: every MLDv2 Report the router sends there.
int open_watcher(unsigned ifindex) {
    const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IPV6));
    if (fd < 0) {
        bench::die_errno(kTool, "socket(AF_PACKET)");
    }
    sockaddr_ll at{};
    at.sll_family = AF_PACKET;
    at.sll_protocol = htons(ETH_P_IPV6);
    at.sll_ifindex = static_cast<int>(ifindex);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0) { // NOLINT
        bench::die_errno(kTool, "bind AF_PACKET");
    }
    set_int(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
    set_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20, "SO_RCVBUFFORCE");
    return fd;
}

// Marks the range's groups named by EXCLUDE-mode records of an MLDv2 Report in frame f.
// Returns whether f was such a report.
bool note_report(const std::uint8_t* f, std::size_t n, const Groups& groups,
                 std::vector<bool>& seen, std::uint32_t& seen_count) {
    if (n < 54 || f[12] != 0x86 || f[13] != 0xdd) {
        return false;
    }
    unsigned next = f[20];
    std::size_t off = 54;
    while (next == 0 && off + 8 <= n) {
        next = f[off];
        off += (std::size_t{f[off + 1]} + 1) * 8;
    }
    if (next != 58 || off + 8 > n || f[off] != 143) {
        return false;
    }
    const unsigned records = (unsigned{f[off + 6]} << 8) | f[off + 7];
    std::size_t r = off + 8;
    for (unsigned i = 0; i < records && r + 20 <= n; ++i) {
        const std::uint8_t type = f[r];
        if (type == kModeIsExclude || type == kChangeToExclude) {
            const long g = groups.index_of(f + r + 4);
            if (g >= 0 && !seen[static_cast<std::size_t>(g)]) {
                seen[static_cast<std::size_t>(g)] = true;
                ++seen_count;
            }
        }
        const std::size_t sources = (std::size_t{f[r + 2]} << 8) | f[r + 3];
        r += 20 + sources * 16 + std::size_t{f[r + 1]} * 4;
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    const bench::Args args(kTool, argc, argv,
                           {"--listener-netns", "--listener-if", "--upstream-netns",
                            "--upstream-if", "--base", "--count", "--mtu", "--timeout", "--cpu",
                            "--gap-us"},
                           {"--answer-queries"});
    Groups groups;
    if (inet_pton(AF_INET6, args.text("--base", "ff0e::100:0").c_str(), &groups.base) != 1) {
        bench::die(kTool, "--base: not an IPv6 address");
    }
    groups.count = static_cast<std::uint32_t>(args.integer("--count", 10000));
    const auto mtu =
        static_cast<std::size_t>(std::clamp(args.integer("--mtu", 1500), 1280L, 9000L));
    const auto gap_us =
        static_cast<unsigned>(std::clamp(args.integer("--gap-us", 0), 0L, 1'000'000L));
    bench::pin_to_cpu(kTool, static_cast<int>(args.integer("--cpu", -1)));
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);

    int watcher = -1;
    bench::in_netns(kTool, args.required("--upstream-netns"), [&] {
        watcher = open_watcher(bench::interface_index(kTool, args.required("--upstream-if")));
    });
    int sender = -1;
    unsigned ifindex = 0;
    bench::in_netns(kTool, args.required("--listener-netns"), [&] {
        const auto name = args.required("--listener-if");
        ifindex = bench::interface_index(kTool, name);
        sender = open_sender(ifindex, name);
    });

    std::vector<bool> seen(groups.count, false);
    std::uint32_t seen_count = 0;
    std::uint64_t upstream_packets = 0;
    std::array<std::uint8_t, 16384> frame{};

    const std::uint64_t sent_at = bench::now_ns();
    const unsigned packets =
        send_reports(sender, ifindex, groups, 0, groups.count, kChangeToExclude, mtu, gap_us);
    const std::uint64_t sent_done = bench::now_ns();
    const std::uint64_t give_up =
        sent_at + static_cast<std::uint64_t>(args.number("--timeout", 60) * 1e9);
    std::uint64_t all_at = 0;
    while (g_stop == 0 && seen_count < groups.count && bench::now_ns() < give_up) {
        pollfd p{watcher, POLLIN, 0};
        ::poll(&p, 1, 50);
        ssize_t n = 0;
        while ((n = ::recv(watcher, frame.data(), frame.size(), MSG_DONTWAIT)) > 0) {
            if (note_report(frame.data(), static_cast<std::size_t>(n), groups, seen, seen_count)) {
                ++upstream_packets;
                if (seen_count == groups.count && all_at == 0) {
                    all_at = bench::now_ns();
                }
            }
        }
    }
    std::printf("scale groups=%u sent_packets=%u send_ns=%llu send_ms=%.3f all_reported_ns=%llu "
                "elapsed_ms=%.3f seen=%u upstream_packets=%llu complete=%d\n",
                groups.count, packets, static_cast<unsigned long long>(sent_at),
                static_cast<double>(sent_done - sent_at) / 1e6,
                static_cast<unsigned long long>(all_at),
                all_at != 0 ? static_cast<double>(all_at - sent_at) / 1e6 : -1.0, seen_count,
                static_cast<unsigned long long>(upstream_packets), all_at != 0 ? 1 : 0);
    std::fflush(stdout);
    ::close(watcher);
    if (!args.has("--answer-queries")) {
        return all_at != 0 ? 0 : 1;
    }

    // Stay joined: answer General Queries with every group, Group-Specific Queries for one
    // of ours with that group, at once (a host would wait a random part of the Maximum
    // Response Delay; answering at once only moves the work earlier).
    unsigned long long answered = 0;
    while (g_stop == 0) {
        pollfd p{sender, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) {
            continue;
        }
        const ssize_t n = ::recv(sender, frame.data(), frame.size(), MSG_DONTWAIT);
        if (n < 24 || frame[0] != MLD_LISTENER_QUERY) {
            continue;
        }
        const std::uint8_t* group = frame.data() + 8;
        static constexpr std::array<std::uint8_t, 16> kUnspecified{};
        if (std::memcmp(group, kUnspecified.data(), 16) == 0) {
            send_reports(sender, ifindex, groups, 0, groups.count, kModeIsExclude, mtu, gap_us);
            ++answered;
        } else if (const long g = groups.index_of(group); g >= 0) {
            const auto i = static_cast<std::uint32_t>(g);
            send_reports(sender, ifindex, groups, i, i + 1, kModeIsExclude, mtu, 0);
            ++answered;
        }
    }
    std::printf("scale-answers queries=%llu\n", answered);
    return 0;
}
