// SPDX-License-Identifier: BSD-3-Clause
// Shared by the network benchmark's tools (tests/bench/run_bench.sh drives them): the
// payload every generated packet carries, CPU pinning, the monotonic clock, addresses,
// joining namespaces, and a latency histogram that allocates nothing while packets flow.
// The tools use libc only, not ecmh's code: they measure ecmh and must not share its bugs.
#pragma once

#include <arpa/inet.h>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <optional>
#include <sched.h>
#include <span>
#include <string>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace bench {

// The first 24 octets of every generated UDP payload (the rest is zero): the receiver
// finds loss from the sequence number and latency from the send time. CLOCK_MONOTONIC is
// one clock for all network namespaces (they share the kernel), so a sink in another
// namespace may subtract the generator's timestamp from its own clock.
inline constexpr std::uint32_t kMagic = 0x45424e31; // "EBN1"
struct Payload {
    std::uint32_t magic;
    std::uint32_t reserved;
    std::uint64_t seq;
    std::uint64_t sent_ns;
};
static_assert(sizeof(Payload) == 24);

inline std::uint64_t now_ns(clockid_t clock = CLOCK_MONOTONIC) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

inline std::uint64_t ns_of(const timespec& ts) {
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

// Kernel receive timestamps (SO_TIMESTAMPNS) are CLOCK_REALTIME; this is what to subtract
// to put them on CLOCK_MONOTONIC. Sampled once per run: a run lasts seconds, far too short
// for NTP slewing to matter at the microsecond level.
inline std::int64_t realtime_minus_monotonic() {
    const auto m1 = now_ns();
    const auto r = now_ns(CLOCK_REALTIME);
    const auto m2 = now_ns();
    return static_cast<std::int64_t>(r) - static_cast<std::int64_t>(m1 + (m2 - m1) / 2);
}

[[noreturn]] inline void die(const char* tool, const std::string& what) {
    std::fprintf(stderr, "%s: %s\n", tool, what.c_str());
    std::exit(2);
}

[[noreturn]] inline void die_errno(const char* tool, const std::string& what) {
    die(tool, what + ": " + std::strerror(errno));
}

// "--name value" and "--flag" arguments. Unknown names and missing values are fatal, so a
// typo in run_bench.sh fails loudly instead of measuring the wrong thing.
class Args {
public:
    Args(const char* tool, int argc, char** argv, const std::vector<std::string>& valued,
         const std::vector<std::string>& flags)
        : tool_(tool) {
        for (int i = 1; i < argc; ++i) {
            const std::string name = argv[i];
            if (contains(flags, name)) {
                pairs_.emplace_back(name, "");
            } else if (contains(valued, name)) {
                if (i + 1 >= argc) {
                    die(tool, name + " needs a value");
                }
                pairs_.emplace_back(name, argv[++i]);
            } else {
                die(tool, "unknown argument " + name);
            }
        }
    }
    bool has(const std::string& name) const {
        for (const auto& [n, v] : pairs_) {
            if (n == name) {
                return true;
            }
        }
        return false;
    }
    std::string text(const std::string& name, const std::string& fallback = "") const {
        std::string value = fallback;
        for (const auto& [n, v] : pairs_) {
            if (n == name) {
                value = v; // the last one wins
            }
        }
        return value;
    }
    std::string required(const std::string& name) const {
        if (!has(name)) {
            die(tool_, name + " is required");
        }
        return text(name);
    }
    std::vector<std::string> all(const std::string& name) const {
        std::vector<std::string> values;
        for (const auto& [n, v] : pairs_) {
            if (n == name) {
                values.push_back(v);
            }
        }
        return values;
    }
    double number(const std::string& name, double fallback) const {
        if (!has(name)) {
            return fallback;
        }
        const auto value = text(name);
        char* end = nullptr;
        const double d = std::strtod(value.c_str(), &end);
        if (end == value.c_str() || *end != '\0') {
            die(tool_, name + ": not a number: " + value);
        }
        return d;
    }
    long integer(const std::string& name, long fallback) const {
        const double d = number(name, static_cast<double>(fallback));
        return static_cast<long>(d);
    }

private:
    static bool contains(const std::vector<std::string>& names, const std::string& name) {
        for (const auto& n : names) {
            if (n == name) {
                return true;
            }
        }
        return false;
    }
    const char* tool_;
    std::vector<std::pair<std::string, std::string>> pairs_;
};

// Pins the calling process to one CPU so the benchmark says where each piece ran.
inline void pin_to_cpu(const char* tool, int cpu) {
    if (cpu < 0) {
        return;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(static_cast<unsigned>(cpu), &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        die_errno(tool, "sched_setaffinity(cpu " + std::to_string(cpu) + ")");
    }
}

// Runs fn with the calling thread in the network namespace at path (/run/netns/NAME),
// then moves it back: sockets fn opens live in that namespace for their whole life.
template <typename Fn>
void in_netns(const char* tool, const std::string& path, Fn fn) {
    const int home = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (home < 0) {
        die_errno(tool, "open /proc/thread-self/ns/net");
    }
    const int there = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (there < 0) {
        die_errno(tool, "open " + path);
    }
    if (setns(there, CLONE_NEWNET) != 0) {
        die_errno(tool, "setns " + path);
    }
    fn();
    if (setns(home, CLONE_NEWNET) != 0) {
        die_errno(tool, "setns back");
    }
    ::close(there);
    ::close(home);
}

// Creates (or empties) the file run_bench.sh waits for before it goes on; "" does nothing.
inline void touch(const std::string& path) {
    if (path.empty()) {
        return;
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ::close(fd);
    }
}

// recvmmsg's buffers: up to kCount datagrams of up to kSize octets per call. Large: keep
// one in static storage, not on the stack.
template <unsigned kCount, std::size_t kSize>
class ReceiveBatch {
public:
    // Waits for one datagram and takes what else is queued. The count, or <= 0 when
    // nothing came (the socket's receive timeout, a signal).
    int receive(int fd) {
        for (unsigned i = 0; i < kCount; ++i) {
            iov_[i] = iovec{buffers_[i].data(), kSize};
            messages_[i] = mmsghdr{};
            messages_[i].msg_hdr.msg_iov = &iov_[i];
            messages_[i].msg_hdr.msg_iovlen = 1;
        }
        return recvmmsg(fd, messages_.data(), kCount, MSG_WAITFORONE, nullptr);
    }
    // The i-th datagram of the last receive().
    std::span<const std::uint8_t> operator[](std::size_t i) const {
        return {buffers_[i].data(), messages_[i].msg_len};
    }

private:
    std::array<std::array<std::uint8_t, kSize>, kCount> buffers_{};
    std::array<iovec, kCount> iov_{};
    std::array<mmsghdr, kCount> messages_{};
};

inline unsigned interface_index(const char* tool, const std::string& name) {
    const unsigned index = if_nametoindex(name.c_str());
    if (index == 0) {
        die_errno(tool, "interface " + name);
    }
    return index;
}

// An IPv6 or IPv4 address with a port, as sockaddr_storage.
struct Endpoint {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family() const { return storage.ss_family; }
    const sockaddr* sa() const {
        return reinterpret_cast<const sockaddr*>(&storage); // NOLINT: the sockaddr API
    }
    const in6_addr& v6() const {
        return reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr; // NOLINT
    }
    const in_addr& v4() const {
        return reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr; // NOLINT
    }
};

inline std::optional<Endpoint> parse_endpoint(const std::string& text, std::uint16_t port) {
    Endpoint e;
    sockaddr_in6 a6{};
    if (inet_pton(AF_INET6, text.c_str(), &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons(port);
        std::memcpy(&e.storage, &a6, sizeof a6);
        e.length = sizeof a6;
        return e;
    }
    sockaddr_in a4{};
    if (inet_pton(AF_INET, text.c_str(), &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons(port);
        std::memcpy(&e.storage, &a4, sizeof a4);
        e.length = sizeof a4;
        return e;
    }
    return std::nullopt;
}

inline std::string address_text(const Endpoint& e) {
    char text[INET6_ADDRSTRLEN] = {};
    if (e.family() == AF_INET6) {
        inet_ntop(AF_INET6, &e.v6(), text, sizeof text);
    } else {
        inet_ntop(AF_INET, &e.v4(), text, sizeof text);
    }
    return text;
}

// A log-linear histogram of nanosecond values: exact below 128 ns, then 128 buckets per
// power of two (under 0.8 % error), up to 2^40 ns (18 minutes). Fixed size, so recording
// millions of samples costs no allocation and no sort; the maximum is kept exactly.
class Histogram {
public:
    void add(std::uint64_t v) {
        ++buckets_[index(v)];
        ++count_;
        if (v > max_) {
            max_ = v;
        }
    }
    std::uint64_t count() const { return count_; }
    std::uint64_t max() const { return max_; }
    // The smallest recorded value v (bucket midpoint) with at least q of the samples <= v.
    std::uint64_t quantile(double q) const {
        if (count_ == 0) {
            return 0;
        }
        auto target = static_cast<std::uint64_t>(q * static_cast<double>(count_) + 0.999999);
        if (target == 0) {
            target = 1;
        }
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < kBuckets; ++i) {
            seen += buckets_[i];
            if (seen >= target) {
                const auto v = midpoint(i);
                return v > max_ ? max_ : v;
            }
        }
        return max_;
    }

private:
    static constexpr unsigned kSubBits = 7;
    static constexpr std::uint64_t kSub = 1u << kSubBits;
    static constexpr unsigned kMaxExponent = 40;
    static constexpr std::size_t kBuckets = kSub + (kMaxExponent - kSubBits + 1) * kSub;

    static std::size_t index(std::uint64_t v) {
        if (v < kSub) {
            return static_cast<std::size_t>(v);
        }
        auto e = static_cast<unsigned>(std::bit_width(v) - 1); // v in [2^e, 2^(e+1))
        if (e > kMaxExponent) {
            return kBuckets - 1;
        }
        const unsigned shift = e - kSubBits;
        const auto sub = (v >> shift) - kSub; // [0, 128)
        return static_cast<std::size_t>(kSub + shift * kSub + sub);
    }
    static std::uint64_t midpoint(std::size_t i) {
        if (i < kSub) {
            return i;
        }
        const auto shift = static_cast<unsigned>((i - kSub) / kSub);
        const auto sub = (i - kSub) % kSub;
        const auto low = (kSub + sub) << shift;
        return low + ((std::uint64_t{1} << shift) >> 1);
    }

    std::array<std::uint64_t, kBuckets> buckets_{};
    std::uint64_t count_ = 0;
    std::uint64_t max_ = 0;
};

} // namespace bench
