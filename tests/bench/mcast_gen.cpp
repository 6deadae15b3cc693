// SPDX-License-Identifier: BSD-3-Clause
// mcast_gen: UDP datagrams to a multicast group, paced to a rate or flat out, each
// carrying a sequence number and its CLOCK_MONOTONIC send time (bench_common.hpp).
//
//   mcast_gen --group ff0e::db8:1 --ifname eth0 [--port 5000] [--rate PPS (0: flat out)]
//             [--duration S | --count N] [--batch 32] [--hops 8] [--size 64] [--cpu N]
//             [--bind ADDR] [--label TEXT]
//
// Prints one line at the end: "gen label=… sent=N errors=E elapsed_s=T rate_pps=R".
// Pacing sends every packet that is due, up to --batch per sendmmsg, and sleeps until the
// next is due: at low rates each packet goes alone (no burst inflates latency), at high
// rates the batches fill up and the syscall cost is shared.
#include "bench_common.hpp"

#include <algorithm>
#include <csignal>
#include <sys/prctl.h>
#include <sys/uio.h>

namespace {

constexpr const char* kTool = "mcast_gen";
volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) {
    g_stop = 1;
}

int open_socket(const bench::Endpoint& group, unsigned ifindex, int hops,
                const std::string& bind_to) {
    const int fd = ::socket(group.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        bench::die_errno(kTool, "socket");
    }
    const int off = 0;
    if (group.family() == AF_INET6) {
        const int index = static_cast<int>(ifindex);
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index) != 0 ||
            setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) != 0 ||
            // No copy looped back to this host's own sockets: it would cost as much as
            // a forwarded copy and measure nothing.
            setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof off) != 0) {
            bench::die_errno(kTool, "IPv6 multicast socket options");
        }
    } else {
        ip_mreqn request{};
        request.imr_ifindex = static_cast<int>(ifindex);
        const unsigned char ttl = static_cast<unsigned char>(hops);
        const unsigned char loop = 0;
        if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &request, sizeof request) != 0 ||
            setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) != 0 ||
            setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop) != 0) {
            bench::die_errno(kTool, "IPv4 multicast socket options");
        }
    }
    if (!bind_to.empty()) {
        const auto local = bench::parse_endpoint(bind_to, 0);
        if (!local || local->family() != group.family()) {
            bench::die(kTool, "--bind: not an address of the group's family: " + bind_to);
        }
        if (::bind(fd, local->sa(), local->length) != 0) {
            bench::die_errno(kTool, "bind " + bind_to);
        }
    }
    // Connected: the route is looked up once, not per datagram.
    if (::connect(fd, group.sa(), group.length) != 0) {
        bench::die_errno(kTool, "connect " + bench::address_text(group));
    }
    return fd;
}

} // namespace

int main(int argc, char** argv) {
    const bench::Args args(kTool, argc, argv,
                           {"--group", "--ifname", "--port", "--rate", "--duration", "--count",
                            "--batch", "--hops", "--size", "--cpu", "--bind", "--label"},
                           {});
    const auto port = static_cast<std::uint16_t>(args.integer("--port", 5000));
    const auto group = bench::parse_endpoint(args.required("--group"), port);
    if (!group) {
        bench::die(kTool, "--group: not an address: " + args.text("--group"));
    }
    const double rate = args.number("--rate", 0);
    const double duration = args.number("--duration", args.has("--count") ? 3600 : 5);
    const auto count = static_cast<std::uint64_t>(args.integer("--count", 0));
    const auto batch = static_cast<unsigned>(std::clamp(args.integer("--batch", 32), 1L, 1024L));
    const auto size = static_cast<std::size_t>(
        std::clamp(args.integer("--size", 64), static_cast<long>(sizeof(bench::Payload)), 8192L));

    bench::pin_to_cpu(kTool, static_cast<int>(args.integer("--cpu", -1)));
    // Sleeps end when asked, not up to 50 µs later: that slack would show as latency.
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);

    const int fd = open_socket(*group, bench::interface_index(kTool, args.required("--ifname")),
                               static_cast<int>(args.integer("--hops", 8)), args.text("--bind"));

    std::vector<std::uint8_t> buffers(std::size_t{batch} * size, 0);
    std::vector<iovec> iov(batch);
    std::vector<mmsghdr> messages(batch);
    for (unsigned i = 0; i < batch; ++i) {
        iov[i] = iovec{buffers.data() + std::size_t{i} * size, size};
        messages[i] = mmsghdr{};
        messages[i].msg_hdr.msg_iov = &iov[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }

    std::uint64_t sent = 0;
    std::uint64_t errors = 0;
    const std::uint64_t start = bench::now_ns();
    const auto end = start + static_cast<std::uint64_t>(duration * 1e9);
    std::uint64_t last = start;
    while (g_stop == 0) {
        const std::uint64_t now = bench::now_ns();
        if (now >= end || (count != 0 && sent >= count)) {
            break;
        }
        std::uint64_t n = batch;
        if (rate > 0) {
            // Packet k is due at start + k / rate: send all that are due now.
            const auto due =
                static_cast<std::uint64_t>(static_cast<double>(now - start) * rate / 1e9) + 1;
            if (due <= sent) {
                const auto next =
                    start + static_cast<std::uint64_t>(static_cast<double>(sent) * 1e9 / rate);
                const timespec at{static_cast<time_t>(next / 1'000'000'000ULL),
                                  static_cast<long>(next % 1'000'000'000ULL)};
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr);
                continue;
            }
            n = std::min<std::uint64_t>(due - sent, batch);
        }
        if (count != 0) {
            n = std::min(n, count - sent);
        }
        const std::uint64_t stamp = bench::now_ns();
        for (std::uint64_t i = 0; i < n; ++i) {
            const bench::Payload p{bench::kMagic, 0, sent + i, stamp};
            std::memcpy(buffers.data() + i * size, &p, sizeof p);
        }
        const int r = sendmmsg(fd, messages.data(), static_cast<unsigned>(n), 0);
        if (r < 0) {
            if (errno != EINTR) {
                ++errors; // ENOBUFS and the like: the packets were not sent, seq is reused
            }
            continue;
        }
        sent += static_cast<std::uint64_t>(r);
        last = bench::now_ns();
    }
    const double elapsed = static_cast<double>(last - start) / 1e9;
    std::printf("gen label=%s group=%s sent=%llu errors=%llu elapsed_s=%.6f rate_pps=%.0f "
                "target_pps=%.0f start_ns=%llu\n",
                args.text("--label", "-").c_str(), bench::address_text(*group).c_str(),
                static_cast<unsigned long long>(sent), static_cast<unsigned long long>(errors),
                elapsed, elapsed > 0 ? static_cast<double>(sent) / elapsed : 0.0, rate,
                static_cast<unsigned long long>(start));
    ::close(fd);
    return 0;
}
