// SPDX-License-Identifier: BSD-3-Clause
// mcast_sink: joins a multicast group and counts what mcast_gen sent to it.
//
//   mcast_sink --group G --ifname IF [--port 5000] [--source S (SSM)] [--cpu N]
//              [--rcvbuf BYTES] [--ready FILE] [--timeout S] [--label TEXT]
//   mcast_sink --first … [--watch-netns /run/netns/NS --watch-if IF]
//
// Counting mode (the default) runs until SIGTERM/SIGINT or --timeout, reading with
// recvmmsg, and prints one line:
//   sink label=… received=N lost=L late=K max_seq=M first_rx_ns=… last_rx_ns=…
//        lat_p50_ns=… lat_p99_ns=… lat_max_ns=… lat_samples=…
// Latency is the receive time (CLOCK_MONOTONIC right after recvmmsg returns) minus the
// send time in the payload: wire, forwarding, socket queue and this process's wake-up.
// lost = max_seq + 1 - received assumes the generator started after the join.
//
// --first measures a join: it notes the time just before the join, waits for the first
// datagram and exits (its socket closes, so the host leaves the group again). With
// --watch-netns/--watch-if it also watches that interface (the router's side of this
// host's link, in the router's namespace) for this host's membership report naming the
// group. Both arrival times are the kernel's receive timestamps, not this process's
// wake-up. It prints:
//   join label=… join_ns=… report_ns=… first_rx_ns=… first_sent_ns=… first_seq=…
//        join_to_report_us=… report_to_first_us=… join_to_first_us=…
#include "bench_common.hpp"

#include <csignal>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sys/uio.h>

namespace {

constexpr const char* kTool = "mcast_sink";
constexpr unsigned kBatch = 64;
constexpr std::size_t kBufferSize = 2048;
volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) {
    g_stop = 1;
}

void set_int(int fd, int level, int name, int value, const char* what) {
    if (setsockopt(fd, level, name, &value, sizeof value) != 0) {
        bench::die_errno(kTool, what);
    }
}

int open_group_socket(const bench::Endpoint& group, int rcvbuf) {
    const int fd = ::socket(group.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        bench::die_errno(kTool, "socket");
    }
    set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
    // A deep queue: at the highest load this process shares its CPU with the generator,
    // and what it cannot read in time should show up as loss, not be the bottleneck.
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
        set_int(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf, "SO_RCVBUF");
    }
    // Bound to the group: datagrams to other groups on the same port are not counted.
    if (::bind(fd, group.sa(), group.length) != 0) {
        bench::die_errno(kTool, "bind " + bench::address_text(group));
    }
    const timeval tick{0, 100'000}; // blocking reads return now and then to see --timeout
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
    return fd;
}

void join(int fd, const bench::Endpoint& group, unsigned ifindex, const std::string& source) {
    const int level = group.family() == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
    if (source.empty()) {
        group_req request{};
        request.gr_interface = ifindex;
        std::memcpy(&request.gr_group, &group.storage, group.length);
        if (setsockopt(fd, level, MCAST_JOIN_GROUP, &request, sizeof request) != 0) {
            bench::die_errno(kTool, "MCAST_JOIN_GROUP " + bench::address_text(group));
        }
        return;
    }
    const auto s = bench::parse_endpoint(source, 0);
    if (!s || s->family() != group.family()) {
        bench::die(kTool, "--source: not an address of the group's family: " + source);
    }
    group_source_req request{};
    request.gsr_interface = ifindex;
    std::memcpy(&request.gsr_group, &group.storage, group.length);
    std::memcpy(&request.gsr_source, &s->storage, s->length);
    if (setsockopt(fd, level, MCAST_JOIN_SOURCE_GROUP, &request, sizeof request) != 0) {
        bench::die_errno(kTool, "MCAST_JOIN_SOURCE_GROUP " + bench::address_text(group));
    }
}

// --- Counting mode.

int count_mode(const bench::Args& args, int fd, const bench::Endpoint& group) {
    static bench::ReceiveBatch<kBatch, kBufferSize> batch;
    static bench::Histogram latency; // 36 KB: static, not on the stack
    std::uint64_t received = 0;
    std::uint64_t late = 0;
    std::uint64_t next_seq = 0;
    std::uint64_t max_seq = 0;
    std::uint64_t first_rx = 0;
    std::uint64_t last_rx = 0;
    std::uint64_t foreign = 0;
    const double timeout = args.number("--timeout", 0);
    const std::uint64_t give_up =
        timeout > 0 ? bench::now_ns() + static_cast<std::uint64_t>(timeout * 1e9) : UINT64_MAX;

    while (g_stop == 0) {
        const int n = batch.receive(fd);
        const std::uint64_t now = bench::now_ns();
        if (now >= give_up) {
            break;
        }
        if (n <= 0) {
            continue; // the 100 ms tick, or a signal
        }
        for (int i = 0; i < n; ++i) {
            const auto datagram = batch[static_cast<std::size_t>(i)];
            bench::Payload p{};
            if (datagram.size() < sizeof p) {
                ++foreign;
                continue;
            }
            std::memcpy(&p, datagram.data(), sizeof p);
            if (p.magic != bench::kMagic) {
                ++foreign;
                continue;
            }
            if (received == 0) {
                first_rx = now;
            }
            ++received;
            last_rx = now;
            if (p.seq >= next_seq) {
                next_seq = p.seq + 1;
            } else {
                ++late; // reordered or duplicated
            }
            if (p.seq > max_seq) {
                max_seq = p.seq;
            }
            if (now > p.sent_ns) {
                latency.add(now - p.sent_ns);
            }
        }
    }
    const std::uint64_t expected = received > 0 ? max_seq + 1 : 0;
    const double span = static_cast<double>(last_rx - first_rx) / 1e9;
    std::printf("sink label=%s group=%s received=%llu lost=%lld late=%llu max_seq=%llu "
                "foreign=%llu first_rx_ns=%llu last_rx_ns=%llu rate_pps=%.0f lat_p50_ns=%llu "
                "lat_p99_ns=%llu lat_max_ns=%llu lat_samples=%llu\n",
                args.text("--label", "-").c_str(), bench::address_text(group).c_str(),
                static_cast<unsigned long long>(received),
                static_cast<long long>(expected) - static_cast<long long>(received),
                static_cast<unsigned long long>(late), static_cast<unsigned long long>(max_seq),
                static_cast<unsigned long long>(foreign), static_cast<unsigned long long>(first_rx),
                static_cast<unsigned long long>(last_rx),
                span > 0 ? static_cast<double>(received - 1) / span : 0.0,
                static_cast<unsigned long long>(latency.quantile(0.50)),
                static_cast<unsigned long long>(latency.quantile(0.99)),
                static_cast<unsigned long long>(latency.max()),
                static_cast<unsigned long long>(latency.count()));
    return 0;
}

// --- Join mode.

// Reads one datagram or frame with its kernel receive time (CLOCK_REALTIME, converted).
// Returns the length, or -1 when nothing is queued.
ssize_t read_stamped(int fd, std::uint8_t* buffer, std::size_t size, std::int64_t rt_minus_mono,
                     std::uint64_t& at) {
    iovec iov{buffer, size};
    alignas(cmsghdr) std::array<std::uint8_t, 256> control{};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control.data();
    m.msg_controllen = control.size();
    const ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
    if (n < 0) {
        return -1;
    }
    at = bench::now_ns(); // without a kernel timestamp: when we read it
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            timespec ts{};
            std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
            at = static_cast<std::uint64_t>(static_cast<std::int64_t>(bench::ns_of(ts)) -
                                            rt_minus_mono);
        }
    }
    return n;
}

// Does this Ethernet frame carry an MLD or IGMP report with a record for the group?
bool reports_group(const std::uint8_t* f, std::size_t n, const bench::Endpoint& group) {
    if (n < 14) {
        return false;
    }
    const unsigned type = (unsigned{f[12]} << 8) | f[13];
    if (type == ETH_P_IPV6 && group.family() == AF_INET6 && n >= 54) {
        unsigned next = f[20];
        std::size_t off = 54;
        while ((next == 0 || next == 60) && off + 8 <= n) { // Hop-by-Hop, Destination
            next = f[off];
            off += (std::size_t{f[off + 1]} + 1) * 8;
        }
        if (next != 58 || off + 8 > n) {
            return false;
        }
        const unsigned icmp = f[off];
        if (icmp == 131) { // MLDv1 Report
            return off + 24 <= n && std::memcmp(f + off + 8, &group.v6(), 16) == 0;
        }
        if (icmp != 143) { // MLDv2 Report
            return false;
        }
        const unsigned records = (unsigned{f[off + 6]} << 8) | f[off + 7];
        std::size_t r = off + 8;
        for (unsigned i = 0; i < records && r + 20 <= n; ++i) {
            if (std::memcmp(f + r + 4, &group.v6(), 16) == 0) {
                return true;
            }
            const std::size_t sources = (std::size_t{f[r + 2]} << 8) | f[r + 3];
            r += 20 + sources * 16 + std::size_t{f[r + 1]} * 4;
        }
        return false;
    }
    if (type == ETH_P_IP && group.family() == AF_INET && n >= 34) {
        const std::size_t off = 14 + std::size_t{f[14] & 0x0fU} * 4;
        if (f[23] != 2 || off + 8 > n) { // IGMP
            return false;
        }
        const unsigned igmp = f[off];
        if (igmp == 0x12 || igmp == 0x16) { // IGMPv1/v2 Report
            return std::memcmp(f + off + 4, &group.v4(), 4) == 0;
        }
        if (igmp != 0x22) { // IGMPv3 Report
            return false;
        }
        const unsigned records = (unsigned{f[off + 6]} << 8) | f[off + 7];
        std::size_t r = off + 8;
        for (unsigned i = 0; i < records && r + 8 <= n; ++i) {
            if (std::memcmp(f + r + 4, &group.v4(), 4) == 0) {
                return true;
            }
            const std::size_t sources = (std::size_t{f[r + 2]} << 8) | f[r + 3];
            r += 8 + sources * 4 + std::size_t{f[r + 1]} * 4;
        }
    }
    return false;
}

int first_mode(const bench::Args& args, int fd, const bench::Endpoint& group, unsigned ifindex) {
    int watch = -1;
    if (args.has("--watch-netns")) {
        bench::in_netns(kTool, args.text("--watch-netns"), [&] {
            const unsigned index = bench::interface_index(kTool, args.required("--watch-if"));
            watch = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
            if (watch < 0) {
                bench::die_errno(kTool, "socket(AF_PACKET)");
            }
            sockaddr_ll at{};
            at.sll_family = AF_PACKET;
            at.sll_protocol = htons(ETH_P_ALL);
            at.sll_ifindex = static_cast<int>(index);
            if (::bind(watch, reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0) { // NOLINT
                bench::die_errno(kTool, "bind AF_PACKET");
            }
            // Only what arrives from this host, not the data the router sends it.
            set_int(watch, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            set_int(watch, SOL_SOCKET, SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS");
        });
    }
    set_int(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS");
    const std::int64_t offset = bench::realtime_minus_monotonic();
    const double timeout = args.number("--timeout", 10);

    const std::uint64_t joined = bench::now_ns();
    join(fd, group, ifindex, args.text("--source"));
    bench::touch(args.text("--ready"));
    const std::uint64_t give_up = joined + static_cast<std::uint64_t>(timeout * 1e9);

    std::array<std::uint8_t, kBufferSize> buffer{};
    std::uint64_t report = 0;
    std::uint64_t first = 0;
    bench::Payload payload{};
    auto drain_watch = [&] {
        std::uint64_t at = 0;
        ssize_t n = 0;
        while (watch >= 0 &&
               (n = read_stamped(watch, buffer.data(), buffer.size(), offset, at)) >= 0) {
            if (report == 0 && reports_group(buffer.data(), static_cast<std::size_t>(n), group)) {
                report = at;
            }
        }
    };
    while (g_stop == 0 && first == 0 && bench::now_ns() < give_up) {
        std::array<pollfd, 2> fds{pollfd{fd, POLLIN, 0}, pollfd{watch, POLLIN, 0}};
        ::poll(fds.data(), watch >= 0 ? 2 : 1, 50);
        drain_watch();
        std::uint64_t at = 0;
        const ssize_t n = read_stamped(fd, buffer.data(), buffer.size(), offset, at);
        if (n >= static_cast<ssize_t>(sizeof payload)) {
            std::memcpy(&payload, buffer.data(), sizeof payload);
            if (payload.magic == bench::kMagic) {
                first = at;
            }
        }
    }
    drain_watch(); // the report came first; its frame may still be queued
    auto us = [](std::uint64_t from, std::uint64_t to) {
        return from == 0 || to == 0
                   ? -1.0
                   : static_cast<double>(static_cast<std::int64_t>(to - from)) / 1e3;
    };
    std::printf("join label=%s group=%s join_ns=%llu report_ns=%llu first_rx_ns=%llu "
                "first_sent_ns=%llu first_seq=%llu join_to_report_us=%.1f "
                "report_to_first_us=%.1f join_to_first_us=%.1f\n",
                args.text("--label", "-").c_str(), bench::address_text(group).c_str(),
                static_cast<unsigned long long>(joined), static_cast<unsigned long long>(report),
                static_cast<unsigned long long>(first),
                static_cast<unsigned long long>(first != 0 ? payload.sent_ns : 0),
                static_cast<unsigned long long>(first != 0 ? payload.seq : 0), us(joined, report),
                us(report, first), us(joined, first));
    return first != 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    const bench::Args args(kTool, argc, argv,
                           {"--group", "--ifname", "--port", "--source", "--cpu", "--rcvbuf",
                            "--ready", "--timeout", "--label", "--watch-netns", "--watch-if"},
                           {"--first"});
    const auto port = static_cast<std::uint16_t>(args.integer("--port", 5000));
    const auto group = bench::parse_endpoint(args.required("--group"), port);
    if (!group) {
        bench::die(kTool, "--group: not an address: " + args.text("--group"));
    }
    bench::pin_to_cpu(kTool, static_cast<int>(args.integer("--cpu", -1)));
    struct sigaction action {};
    action.sa_handler = on_signal; // no SA_RESTART: a blocked recvmmsg returns at once
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);

    const unsigned ifindex = bench::interface_index(kTool, args.required("--ifname"));
    const int fd = open_group_socket(*group, static_cast<int>(args.integer("--rcvbuf", 16 << 20)));
    if (args.has("--first")) {
        return first_mode(args, fd, *group, ifindex);
    }
    join(fd, *group, ifindex, args.text("--source"));
    bench::touch(args.text("--ready"));
    const int rc = count_mode(args, fd, *group);
    std::fflush(stdout);
    return rc;
}
