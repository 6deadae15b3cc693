// SPDX-License-Identifier: BSD-3-Clause
// The packet ring against the real kernel, in a network namespace of its own (a forked
// child unshares one, so nothing reaches the host's links): frames sent on the
// namespace's loopback come back inbound, and the ring must hand over exactly the
// multicast ones its filter passes, in order, in place, with the arrival link.
#include "ecmh/io/capture_program.hpp"
#include "ecmh/io/packet_ring.hpp"
#include "support/os_fixtures.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <cstring>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace ecmh::io {
namespace {

// Exit codes of the child, one per step that can fail.
enum Step : int {
    kOk = 0,
    kUnshare = 10,
    kLoopbackUp,
    kOpen,
    kMembership,
    kSend,
    kNoFrame,
    kWrongFrame,
    kFilteredLeaked,
    kNotReleased,
    kSkip = 77,
};

bool bring_up(const char* name) {
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq request{};
    std::strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    bool ok = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &request) == 0;
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    ok = ok && ioctl(fd, SIOCSIFFLAGS, &request) == 0;
    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

// An Ethernet frame with an IPv6 UDP packet to `destination_first`::…, marked by `tag`.
std::vector<std::uint8_t> ipv6_frame(std::uint8_t destination_first, std::uint8_t tag) {
    std::vector<std::uint8_t> f(14 + 40 + 8 + 4, 0);
    f[0] = 0x33; // 33:33:00:00:00:01
    f[1] = 0x33;
    f[5] = 1;
    f[12] = 0x86;
    f[13] = 0xdd;
    std::uint8_t* ip = f.data() + 14;
    ip[0] = 0x60;
    ip[5] = 12; // payload length
    ip[6] = 17;
    ip[7] = 8;
    ip[8] = 0x20; // 2001:db8::1
    ip[9] = 0x01;
    ip[10] = 0x0d;
    ip[11] = 0xb8;
    ip[23] = 1;
    ip[24] = destination_first; // ff3e::1 or 2001:…
    ip[25] = destination_first == 0xff ? 0x3e : 0x01;
    ip[39] = 1;
    f.back() = tag;
    return f;
}

int exercise_ring() {
    if (unshare(CLONE_NEWNET) != 0) {
        return kUnshare;
    }
    if (!bring_up("lo")) {
        return kLoopbackUp;
    }
    const net::IfIndex lo{if_nametoindex("lo")};
    auto ring = PacketRing::open(RingGeometry{2048, 64}, capture_program({}, TrafficClass::Data));
    if (!ring) {
        return kOpen;
    }
    if (!ring->add_membership(lo, false)) {
        return kMembership;
    }
    const int out = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = static_cast<int>(lo.value());
    to.sll_halen = 6;
    // Unicast first (filtered out), then two multicast frames; the ring must hold
    // those two, in order. More than the ring's 64 slots go through, so slots must
    // have been handed back for the last ones to arrive.
    for (int round = 0; round < 100; ++round) {
        const auto tag = static_cast<std::uint8_t>(round);
        for (const auto& frame : {ipv6_frame(0x20, tag), ipv6_frame(0xff, tag)}) {
            if (sendto(out, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to),
                       sizeof to) != static_cast<ssize_t>(frame.size())) {
                return kSend;
            }
        }
        pollfd p{ring->fd(), POLLIN, 0};
        if (poll(&p, 1, 2000) != 1) {
            return kNoFrame;
        }
        RingFrame frame;
        if (!ring->next(frame)) {
            return kNoFrame;
        }
        if (frame.index != lo || frame.outgoing || frame.link.size() != 66 ||
            frame.wire_length != 66 || frame.network.size() != 52 ||
            frame.network.data() != frame.link.data() + 14) {
            return kWrongFrame;
        }
        if (frame.network[24] != 0xff) {
            return kFilteredLeaked;
        }
        if (frame.link.back() != tag) {
            return kWrongFrame;
        }
        ring->release();
        if (ring->next(frame)) {
            return kFilteredLeaked; // the unicast frame, or a duplicate
        }
    }
    close(out);
    return ring->take_drops() == 0 ? kOk : kNotReleased;
}

TEST(PacketRing, HandsOverWhatTheFilterPassesInOrderAndInPlace) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "packet sockets and network namespaces need root";
    }
    const int code = test::in_child([] { return exercise_ring(); });
    if (code == kUnshare) {
        GTEST_SKIP() << "cannot create a network namespace here";
    }
    EXPECT_EQ(code, kOk) << "failed at step " << code << " (see enum Step)";
}

TEST(PacketRing, FrameSizeHoldsTheLinkMtu) {
    EXPECT_EQ(ring_frame_size_for(1500), 2048U);
    EXPECT_EQ(ring_frame_size_for(1280), 2048U);
    EXPECT_EQ(ring_frame_size_for(9000), 16384U);
    EXPECT_GE(ring_frame_size_for(65535), 65535U + 18U);
}

} // namespace
} // namespace ecmh::io
