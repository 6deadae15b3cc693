// SPDX-License-Identifier: BSD-3-Clause
// tunnel_peers: N 6in4 tunnel peers (RFC 4213) in one process, for ecmh's tunnel mode (-t).
//
//   tunnel_peers --count N --write-peers FILE [layout]      writes ecmh's peers file, exits
//   tunnel_peers --count N [layout] [--group ff0e::db8:5] [--no-join] [--resend S]
//                [--batch 32] [--gap-us 1000] [--cpu N] [--ready FILE] [--timeout S]
//                [--label TEXT] [--per-peer FILE]
//   layout: [--remote 203.0.113.129] [--local 203.0.113.1] [--locals 125]
//
// Peer i is REMOTE_i = --remote + i / L on this side and LOCAL_i = --local + i % L on the
// router's (L = --locals), so N peers need ceil(N / L) addresses here and min(N, L) there;
// ecmh tells peers apart by (outer source, outer destination). Each stays within its /24.
//
// Unless --no-join, it sends every peer's MLDv2 Report, CHANGE_TO_EXCLUDE {} for --group, as
// the peer's host would: IPv6 from fe80::<i+1> to ff02::16, hop limit 1, a Hop-by-Hop Router
// Alert, the ICMPv6 checksum, inside an IPv4 header (protocol 41, REMOTE_i → LOCAL_i) on a
// raw socket with IP_HDRINCL (the remote addresses are this host's own). --batch reports per
// sendmmsg, --gap-us between batches, so the router's capture ring is not flooded. With
// --resend S it sends them again (MODE_IS_EXCLUDE) every S seconds.
//
// Then, until SIGTERM/SIGINT or --timeout, it counts the protocol-41 packets addressed to
// the peers (recvmmsg on the same socket), each matched to its peer by the outer addresses
// (arithmetic on the layout, O(1)): data (UDP carrying mcast_gen's payload, with latency from
// its send time), MLD Queries, anything else. It prints one line:
//   tunnel label=… peers=N reports=R received=T data=D queries=Q other=O foreign=F
//          peers_with_data=K data_min=… data_max=… first_data_ns=… last_data_ns=…
//          peers_queried=P first_query_ns=… all_queried_ns=… last_query_ns=…
//          lat_p50_ns=… lat_p99_ns=… lat_max_ns=… start_ns=…
// all_queried_ns: when the last peer not yet queried got its first Query (0: some never
// did). --per-peer FILE writes "index remote local data queries" per peer.
#include "bench_common.hpp"

#include <algorithm>
#include <csignal>
#include <sys/uio.h>

namespace {

constexpr const char* kTool = "tunnel_peers";
constexpr std::uint8_t kChangeToExclude = 4;
constexpr std::uint8_t kModeIsExclude = 2;
constexpr std::uint8_t kProtoIpv6 = 41;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kProtoIcmpv6 = 58;
constexpr std::uint8_t kMldQuery = 130;
constexpr std::uint8_t kMldv2Report = 143;
// IPv4 (20) + IPv6 (40) + Hop-by-Hop with Router Alert (8) + MLDv2 Report (8) + a record (20).
constexpr std::size_t kIpv4Header = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kMldLength = 8 + 20;
constexpr std::size_t kReportSize = kIpv4Header + kIpv6Header + 8 + kMldLength;
constexpr unsigned kReceiveBatch = 64;
constexpr std::size_t kBufferSize = 2048;
volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) {
    g_stop = 1;
}

std::uint32_t ipv4_of(const std::string& text, const char* what) {
    in_addr a{};
    if (inet_pton(AF_INET, text.c_str(), &a) != 1) {
        bench::die(kTool, std::string(what) + ": not an IPv4 address: " + text);
    }
    return ntohl(a.s_addr);
}

std::string text_of(std::uint32_t host_order) {
    const in_addr a{htonl(host_order)};
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &a, text, sizeof text);
    return text;
}

struct Layout {
    std::uint32_t count = 0;
    std::uint32_t remote = 0; // host order
    std::uint32_t local = 0;
    std::uint32_t locals = 0; // peers per remote address
    std::uint32_t remote_of(std::uint32_t i) const { return remote + i / locals; }
    std::uint32_t local_of(std::uint32_t i) const { return local + i % locals; }
    std::uint32_t remotes() const { return (count + locals - 1) / locals; }
    // The peer a packet from `source` (the router's end) to `destination` (ours) belongs
    // to, or -1.
    long peer_of(std::uint32_t source, std::uint32_t destination) const {
        const std::uint32_t r = destination - remote;
        const std::uint32_t l = source - local;
        if (r >= remotes() || l >= locals) {
            return -1;
        }
        const std::uint64_t i = std::uint64_t{r} * locals + l;
        return i < count ? static_cast<long>(i) : -1;
    }
};

Layout layout_of(const bench::Args& args) {
    Layout l;
    l.count = static_cast<std::uint32_t>(std::clamp(args.integer("--count", 1), 1L, 65536L));
    l.remote = ipv4_of(args.text("--remote", "203.0.113.129"), "--remote");
    l.local = ipv4_of(args.text("--local", "203.0.113.1"), "--local");
    l.locals = static_cast<std::uint32_t>(std::clamp(args.integer("--locals", 125), 1L, 254L));
    // Documentation prefixes are /24s: no address may leave its /24 (or be .0 or .255).
    auto within = [](std::uint32_t first, std::uint32_t last) {
        return (first >> 8) == (last >> 8) && (first & 0xff) != 0 && (last & 0xff) != 0xff;
    };
    if (!within(l.remote, l.remote_of(l.count - 1)) ||
        !within(l.local, l.local + std::min(l.count, l.locals) - 1)) {
        bench::die(kTool, "the layout leaves a /24: " + std::to_string(l.count) + " peers, " +
                              std::to_string(l.locals) + " per remote address");
    }
    return l;
}

void write_peers(const Layout& l, const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr) {
        bench::die_errno(kTool, "open " + path);
    }
    std::fprintf(f, "# %u 6in4 tunnel peers, written by tunnel_peers: REMOTE local LOCAL\n",
                 l.count);
    for (std::uint32_t i = 0; i < l.count; ++i) {
        std::fprintf(f, "%s local %s\n", text_of(l.remote_of(i)).c_str(),
                     text_of(l.local_of(i)).c_str());
    }
    if (std::fclose(f) != 0) {
        bench::die_errno(kTool, "write " + path);
    }
    std::printf("peers file=%s peers=%u remotes=%u locals=%u\n", path.c_str(), l.count, l.remotes(),
                std::min(l.count, l.locals));
}

std::uint32_t sum16(const std::uint8_t* p, std::size_t n, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i + 1 < n; i += 2) {
        sum += (std::uint32_t{p[i]} << 8) | p[i + 1];
    }
    if (n % 2 != 0) {
        sum += std::uint32_t{p[n - 1]} << 8;
    }
    return sum;
}

std::uint16_t fold(std::uint32_t sum) {
    while ((sum >> 16) != 0) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

void put16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v & 0xff);
}

void put32(std::uint8_t* p, std::uint32_t v) {
    put16(p, static_cast<std::uint16_t>(v >> 16));
    put16(p + 2, static_cast<std::uint16_t>(v & 0xffff));
}

// Peer i's report, as its host would send it, inside the 6in4 header.
void build_report(std::uint8_t* f, const Layout& l, std::uint32_t i, const in6_addr& group,
                  std::uint8_t type) {
    std::memset(f, 0, kReportSize);
    // IPv4: protocol 41, REMOTE_i → LOCAL_i. The kernel fills in the ID and the checksum
    // of an IP_HDRINCL header anyway; the checksum is computed here so the bytes are right.
    f[0] = 0x45;
    put16(f + 2, static_cast<std::uint16_t>(kReportSize));
    f[8] = 64;
    f[9] = kProtoIpv6;
    put32(f + 12, l.remote_of(i));
    put32(f + 16, l.local_of(i));
    put16(f + 10, fold(sum16(f, kIpv4Header)));
    // IPv6: fe80::<i+1> → ff02::16, hop limit 1, Hop-by-Hop first.
    std::uint8_t* v6 = f + kIpv4Header;
    v6[0] = 0x60;
    put16(v6 + 4, static_cast<std::uint16_t>(8 + kMldLength));
    v6[6] = 0; // Hop-by-Hop
    v6[7] = 1;
    v6[8] = 0xfe;
    v6[9] = 0x80;
    put32(v6 + 20, i + 1);
    v6[24] = 0xff;
    v6[25] = 0x02;
    v6[39] = 0x16;
    // Hop-by-Hop: next header ICMPv6, Router Alert (type 5, length 2, value 0 = MLD), PadN.
    std::uint8_t* hbh = v6 + kIpv6Header;
    const std::array<std::uint8_t, 8> options{kProtoIcmpv6, 0, 5, 2, 0, 0, 1, 0};
    std::memcpy(hbh, options.data(), options.size());
    // MLDv2 Report with one record: `type`, no sources, the group.
    std::uint8_t* mld = hbh + 8;
    mld[0] = kMldv2Report;
    put16(mld + 6, 1);
    mld[8] = type;
    std::memcpy(mld + 12, group.s6_addr, 16);
    // The checksum over the pseudo-header (RFC 8200 §8.1): source, destination, the
    // upper-layer length and next header.
    std::uint32_t sum = sum16(v6 + 8, 32);
    sum += static_cast<std::uint32_t>(kMldLength) + kProtoIcmpv6;
    put16(mld + 2, fold(sum16(mld, kMldLength, sum)));
}

// Sends every peer's report, `batch` per sendmmsg with `gap_us` between batches.
std::uint64_t send_reports(int fd, const Layout& l, const in6_addr& group, std::uint8_t type,
                           unsigned batch, unsigned gap_us) {
    std::vector<std::uint8_t> frames(std::size_t{batch} * kReportSize);
    std::vector<sockaddr_in> to(batch);
    std::vector<iovec> iov(batch);
    std::vector<mmsghdr> messages(batch);
    std::uint64_t sent = 0;
    for (std::uint32_t first = 0; first < l.count;) {
        const auto n = std::min<std::uint32_t>(batch, l.count - first);
        for (std::uint32_t k = 0; k < n; ++k) {
            std::uint8_t* f = frames.data() + std::size_t{k} * kReportSize;
            build_report(f, l, first + k, group, type);
            to[k] = sockaddr_in{};
            to[k].sin_family = AF_INET;
            to[k].sin_addr.s_addr = htonl(l.local_of(first + k));
            iov[k] = iovec{f, kReportSize};
            messages[k] = mmsghdr{};
            messages[k].msg_hdr.msg_name = &to[k];
            messages[k].msg_hdr.msg_namelen = sizeof to[k];
            messages[k].msg_hdr.msg_iov = &iov[k];
            messages[k].msg_hdr.msg_iovlen = 1;
        }
        std::uint32_t done = 0;
        while (done < n) {
            const int r = sendmmsg(fd, messages.data() + done, n - done, 0);
            if (r > 0) {
                done += static_cast<std::uint32_t>(r);
            } else if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
                usleep(100);
            } else {
                bench::die_errno(kTool, "sendmmsg (6in4 reports)");
            }
        }
        sent += n;
        first += n;
        if (gap_us != 0 && first < l.count) {
            usleep(gap_us);
        }
    }
    return sent;
}

int open_socket() {
    // Protocol 41 both ways: it sends the reports with our own IPv4 header and receives
    // every protocol-41 packet addressed to this host (so the kernel, which has no 6in4
    // handler here, answers none of them with an ICMP error).
    const int fd = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, kProtoIpv6);
    if (fd < 0) {
        bench::die_errno(kTool, "socket(AF_INET, SOCK_RAW, 41)");
    }
    const int one = 1;
    if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof one) != 0) {
        bench::die_errno(kTool, "IP_HDRINCL");
    }
    const int size = 32 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0 &&
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) != 0) {
        bench::die_errno(kTool, "SO_RCVBUF");
    }
    const timeval tick{0, 100'000}; // reads return now and then to see the clock and signals
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
    return fd;
}

struct Counts {
    std::uint64_t received = 0;
    std::uint64_t data = 0;
    std::uint64_t queries = 0;
    std::uint64_t other = 0;
    std::uint64_t foreign = 0;
    std::uint64_t first_data = 0;
    std::uint64_t last_data = 0;
    std::uint64_t first_query = 0;
    std::uint64_t last_query = 0;
    std::uint64_t all_queried = 0;
    std::uint32_t peers_queried = 0;
    std::vector<std::uint64_t> data_of;
    std::vector<std::uint32_t> queries_of;
    bench::Histogram latency;
};

// One received IPv4 packet (the raw socket hands it with its header).
void count_packet(std::span<const std::uint8_t> packet, const Layout& l, std::uint64_t now,
                  Counts& c) {
    const std::uint8_t* p = packet.data();
    const std::size_t n = packet.size();
    ++c.received;
    if (n < kIpv4Header || (p[0] >> 4) != 4 || p[9] != kProtoIpv6) {
        ++c.foreign;
        return;
    }
    const std::size_t ihl = std::size_t{p[0] & 0x0fU} * 4;
    const auto word = [](const std::uint8_t* a) {
        return (std::uint32_t{a[0]} << 24) | (std::uint32_t{a[1]} << 16) |
               (std::uint32_t{a[2]} << 8) | a[3];
    };
    const long peer = l.peer_of(word(p + 12), word(p + 16));
    if (peer < 0 || n < ihl + kIpv6Header || (p[ihl] >> 4) != 6) {
        ++c.foreign;
        return;
    }
    const auto i = static_cast<std::size_t>(peer);
    const std::uint8_t* v6 = p + ihl;
    const std::size_t end = n - ihl;
    std::uint8_t next = v6[6];
    std::size_t off = kIpv6Header;
    if (next == 0 && off + 8 <= end) { // Hop-by-Hop (MLD carries one)
        next = v6[off];
        off += (std::size_t{v6[off + 1]} + 1) * 8;
    }
    if (next == kProtoUdp && off + 8 + sizeof(bench::Payload) <= end) {
        bench::Payload payload{};
        std::memcpy(&payload, v6 + off + 8, sizeof payload);
        if (payload.magic == bench::kMagic) {
            ++c.data;
            ++c.data_of[i];
            if (c.first_data == 0) {
                c.first_data = now;
            }
            c.last_data = now;
            if (now > payload.sent_ns) {
                c.latency.add(now - payload.sent_ns);
            }
            return;
        }
    } else if (next == kProtoIcmpv6 && off < end && v6[off] == kMldQuery) {
        ++c.queries;
        if (c.queries_of[i]++ == 0 && ++c.peers_queried == l.count) {
            c.all_queried = now;
        }
        if (c.first_query == 0) {
            c.first_query = now;
        }
        c.last_query = now;
        return;
    }
    ++c.other;
}

} // namespace

int main(int argc, char** argv) {
    const bench::Args args(kTool, argc, argv,
                           {"--count", "--remote", "--local", "--locals", "--write-peers",
                            "--group", "--resend", "--batch", "--gap-us", "--cpu", "--ready",
                            "--timeout", "--label", "--per-peer"},
                           {"--no-join"});
    const Layout layout = layout_of(args);
    if (args.has("--write-peers")) {
        write_peers(layout, args.text("--write-peers"));
        return 0;
    }
    in6_addr group{};
    if (inet_pton(AF_INET6, args.text("--group", "ff0e::db8:5").c_str(), &group) != 1) {
        bench::die(kTool, "--group: not an IPv6 address");
    }
    const auto batch = static_cast<unsigned>(std::clamp(args.integer("--batch", 32), 1L, 1024L));
    const auto gap_us =
        static_cast<unsigned>(std::clamp(args.integer("--gap-us", 1000), 0L, 1'000'000L));
    const double resend = args.number("--resend", 0);
    const double timeout = args.number("--timeout", 0);
    bench::pin_to_cpu(kTool, static_cast<int>(args.integer("--cpu", -1)));
    struct sigaction action {};
    action.sa_handler = on_signal; // no SA_RESTART: a blocked recvmmsg returns at once
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);

    const int fd = open_socket();
    const bool join = !args.has("--no-join");
    const std::uint64_t start = bench::now_ns();
    std::uint64_t reports = 0;
    if (join) {
        reports += send_reports(fd, layout, group, kChangeToExclude, batch, gap_us);
    }
    bench::touch(args.text("--ready"));

    static bench::ReceiveBatch<kReceiveBatch, kBufferSize> received;
    static Counts c; // the histogram is 36 KB: not on the stack
    c.data_of.assign(layout.count, 0);
    c.queries_of.assign(layout.count, 0);
    const std::uint64_t give_up =
        timeout > 0 ? start + static_cast<std::uint64_t>(timeout * 1e9) : UINT64_MAX;
    const auto resend_ns = static_cast<std::uint64_t>(resend * 1e9);
    std::uint64_t next_resend = resend_ns != 0 ? start + resend_ns : UINT64_MAX;
    while (g_stop == 0) {
        const int n = received.receive(fd);
        const std::uint64_t now = bench::now_ns();
        for (int i = 0; i < n; ++i) {
            count_packet(received[static_cast<std::size_t>(i)], layout, now, c);
        }
        if (now >= give_up) {
            break;
        }
        if (join && now >= next_resend) {
            reports += send_reports(fd, layout, group, kModeIsExclude, batch, gap_us);
            next_resend = now + resend_ns;
        }
    }

    std::uint32_t with_data = 0;
    std::uint64_t data_min = UINT64_MAX;
    std::uint64_t data_max = 0;
    for (const auto d : c.data_of) {
        with_data += d != 0 ? 1 : 0;
        data_min = std::min(data_min, d);
        data_max = std::max(data_max, d);
    }
    if (const auto path = args.text("--per-peer"); !path.empty()) {
        if (std::FILE* f = std::fopen(path.c_str(), "w"); f != nullptr) {
            for (std::uint32_t i = 0; i < layout.count; ++i) {
                std::fprintf(f, "%u %s %s %llu %u\n", i, text_of(layout.remote_of(i)).c_str(),
                             text_of(layout.local_of(i)).c_str(),
                             static_cast<unsigned long long>(c.data_of[i]), c.queries_of[i]);
            }
            std::fclose(f);
        }
    }
    using ull = unsigned long long;
    std::printf("tunnel label=%s peers=%u reports=%llu received=%llu data=%llu queries=%llu "
                "other=%llu foreign=%llu peers_with_data=%u data_min=%llu data_max=%llu "
                "first_data_ns=%llu last_data_ns=%llu peers_queried=%u first_query_ns=%llu "
                "all_queried_ns=%llu last_query_ns=%llu lat_p50_ns=%llu lat_p99_ns=%llu "
                "lat_max_ns=%llu start_ns=%llu\n",
                args.text("--label", "-").c_str(), layout.count, static_cast<ull>(reports),
                static_cast<ull>(c.received), static_cast<ull>(c.data), static_cast<ull>(c.queries),
                static_cast<ull>(c.other), static_cast<ull>(c.foreign), with_data,
                static_cast<ull>(data_min), static_cast<ull>(data_max),
                static_cast<ull>(c.first_data), static_cast<ull>(c.last_data), c.peers_queried,
                static_cast<ull>(c.first_query), static_cast<ull>(c.all_queried),
                static_cast<ull>(c.last_query), static_cast<ull>(c.latency.quantile(0.50)),
                static_cast<ull>(c.latency.quantile(0.99)), static_cast<ull>(c.latency.max()),
                static_cast<ull>(start));
    std::fflush(stdout);
    ::close(fd);
    return 0;
}
