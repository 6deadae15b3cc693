// SPDX-License-Identifier: BSD-3-Clause
// The packet ring against the real kernel, in a network namespace of its own (a forked
// child unshares one, so nothing reaches the host's links): frames sent on the
// namespace's loopback come back inbound, and the ring must hand over exactly the
// multicast ones its filter passes, in order, in place, with the arrival link.
#include "ecmh/io/capture_program.hpp"
#include "ecmh/io/packet_ring.hpp"
#include "support/engine_frames.hpp"
#include "support/os_fixtures.hpp"
#include "support/scenario.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace ecmh::io {
namespace {

// Exit codes of the child, one per step that can fail.
enum Step : int {
    kOk = 0,
    kUnshare = test::kNoNetns,
    kLoopbackUp = test::kLoopbackDown,
    kOpen,
    kMembership,
    kSend,
    kNoFrame,
    kWrongFrame,
    kFilteredLeaked,
    kNotReleased,
    kSkip = 77,
};

// An Ethernet frame with an IPv6 UDP packet to `destination`, its last octet `tag`.
test::Bytes udp_frame(const char* destination, std::uint8_t tag) {
    auto frame =
        test::frames::ethernet(test::kHostMac, test::frames::udp("2001:db8::1", destination, 8, 4));
    frame.back() = tag;
    return frame;
}

int exercise_ring() {
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
        const auto multicast = udp_frame("ff3e::1", tag);
        for (const auto& frame : {udp_frame("2001:db8::2", tag), multicast}) {
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
        if (frame.index != lo || frame.outgoing || frame.link.size() != multicast.size() ||
            frame.wire_length != multicast.size() ||
            frame.network.size() != multicast.size() - 14 ||
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
    const int code = test::in_private_netns([] { return exercise_ring(); });
    if (code == test::kNoNetns) {
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
