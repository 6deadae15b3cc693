// SPDX-License-Identifier: BSD-3-Clause
// PacketSender against the real kernel, in a network namespace of its own (a forked
// child unshares one): frames written in place into reserved slots leave on the link
// they were reserved for, whole and in the order they were committed — a frame too
// large for a slot included — and a link with no route gets no slot. What left is read
// back with a packet socket of the test's own, not through ecmh's capture code.
#include "ecmh/io/packet_sender.hpp"
#include "support/os_fixtures.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <poll.h>
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
    kListen,
    kSlot,
    kRouteless,
    kMissing,
    kWrongFrame,
    kFailureNotReported,
    kNoTunnelRoute,
    kTunnelWrong,
    kTunnelNotReceived,
};

// An Ethernet II frame of `size` bytes to 33:33:00:00:00:01, IPv6 EtherType, every
// payload byte `tag`.
std::vector<std::uint8_t> frame_of(std::size_t size, std::uint8_t tag) {
    std::vector<std::uint8_t> f(size, tag);
    const std::uint8_t header[14] = {0x33, 0x33, 0, 0, 0, 1, 2, 0, 0, 0, 0, 1, 0x86, 0xdd};
    std::copy(std::begin(header), std::end(header), f.begin());
    return f;
}

bool queue(PacketSender& sender, engine::LinkId link, const std::vector<std::uint8_t>& frame) {
    const auto slot = sender.reserve(link, frame.size());
    if (slot.size() != frame.size()) {
        return false;
    }
    std::copy(frame.begin(), frame.end(), slot.begin());
    sender.commit(link, frame.size(), wire::NetworkProtocol::Ipv6);
    return true;
}

// The next frame lo delivered inbound (each frame sent on lo is seen once outgoing
// and once incoming), or empty after 2 s.
std::vector<std::uint8_t> next_inbound(int listener) {
    std::vector<std::uint8_t> buffer(70'000);
    while (true) {
        pollfd p{listener, POLLIN, 0};
        if (poll(&p, 1, 2000) != 1) {
            return {};
        }
        sockaddr_ll from{};
        socklen_t length = sizeof from;
        const auto n = recvfrom(listener, buffer.data(), buffer.size(), 0,
                                reinterpret_cast<sockaddr*>(&from), &length);
        if (n > 0 && from.sll_pkttype != PACKET_OUTGOING) {
            buffer.resize(static_cast<std::size_t>(n));
            return buffer;
        }
    }
}

int exercise_sender() {
    auto sender = PacketSender::open();
    if (!sender) {
        return kOpen;
    }
    const int listener = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IPV6));
    sockaddr_ll bind_to{};
    bind_to.sll_family = AF_PACKET;
    bind_to.sll_protocol = htons(ETH_P_IPV6);
    bind_to.sll_ifindex = static_cast<int>(if_nametoindex("lo"));
    if (listener < 0 ||
        bind(listener, reinterpret_cast<sockaddr*>(&bind_to), sizeof bind_to) != 0) {
        return kListen;
    }
    const engine::LinkId lo_link{5};
    const engine::LinkId nowhere{6};
    sender->attach(lo_link, net::IfIndex{if_nametoindex("lo")}, wire::LinkType::Ethernet);
    // A link without a route gets no slot; a detached one neither.
    if (!sender->reserve(nowhere, 100).empty()) {
        return kRouteless;
    }
    // 70 small frames (more than a queue holds, so one flush happens on the way), one
    // larger than a slot in the middle, all in commit order.
    std::vector<std::vector<std::uint8_t>> sent;
    for (int i = 0; i < 70; ++i) {
        sent.push_back(
            frame_of(i == 35 ? PacketSender::kSlotSize + 1000 : 100, static_cast<std::uint8_t>(i)));
        if (!queue(*sender, lo_link, sent.back())) {
            return kSlot;
        }
    }
    sender->flush();
    for (const auto& expected : sent) {
        const auto got = next_inbound(listener);
        if (got.empty()) {
            return kMissing;
        }
        if (got != expected) {
            return kWrongFrame;
        }
    }
    // A route to an interface that does not exist: the kernel refuses, the handler hears
    // of it with the link's id.
    int failures = 0;
    sender->on_failure([&](engine::LinkId link, int) { failures += link == nowhere ? 1 : 100; });
    sender->attach(nowhere, net::IfIndex{4242}, wire::LinkType::Ethernet);
    if (!queue(*sender, nowhere, frame_of(100, 1))) {
        return kSlot;
    }
    sender->flush();
    sender->detach(nowhere);
    if (!sender->reserve(nowhere, 100).empty()) {
        return kRouteless;
    }
    close(listener);
    return failures == 1 ? kOk : kFailureNotReported;
}

TEST(PacketSender, FramesLeaveWholeInCommitOrderOnTheirLink) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "packet sockets and network namespaces need root";
    }
    const int code = test::in_private_netns([] { return exercise_sender(); });
    if (code == test::kNoNetns) {
        GTEST_SKIP() << "cannot create a network namespace here";
    }
    EXPECT_EQ(code, kOk) << "failed at step " << code << " (see enum Step)";
}

// A 6in4 packet as the engine writes it for a tunnel peer: 20-byte IPv4 header (our
// 127.0.0.1 to the peer 127.0.0.2, protocol 41) and `inner_size` bytes of "IPv6".
std::vector<std::uint8_t> tunnel_packet(std::size_t inner_size, std::uint8_t tag) {
    std::vector<std::uint8_t> p(20 + inner_size, tag);
    const std::uint8_t header[20] = {0x45, 0, 0,   0, 0, 0, 0,   0, 64, 41,
                                     0,    0, 127, 0, 0, 1, 127, 0, 0,  2};
    std::copy(std::begin(header), std::end(header), p.begin());
    p[2] = static_cast<std::uint8_t>(p.size() >> 8);
    p[3] = static_cast<std::uint8_t>(p.size());
    p[20] = 0x60;
    return p;
}

int exercise_tunnel_peers() {
    auto plain = PacketSender::open();
    if (!plain) {
        return kOpen;
    }
    const engine::LinkId peer{static_cast<std::uint16_t>(table::kMaxLinks + 7)};
    // Without tunnel mode there is no route to any peer.
    if (!plain->reserve(peer, 100).empty()) {
        return kRouteless;
    }
    auto sender = PacketSender::open(true);
    if (!sender) {
        return kOpen;
    }
    // The test's own receiver: a raw protocol-41 socket sees every 6in4 packet lo
    // delivers (ecmh's own socket filters all of them out).
    const int listener = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, 41);
    if (listener < 0) {
        return kListen;
    }
    std::vector<std::vector<std::uint8_t>> sent;
    for (int i = 0; i < 70; ++i) { // more than a queue: one flush on the way
        sent.push_back(tunnel_packet(i == 9 ? PacketSender::kSlotSize + 500 : 100,
                                     static_cast<std::uint8_t>(i)));
        const auto slot = sender->reserve(peer, sent.back().size());
        if (slot.size() != sent.back().size()) {
            return kNoTunnelRoute;
        }
        std::copy(sent.back().begin(), sent.back().end(), slot.begin());
        sender->commit(peer, sent.back().size(), wire::NetworkProtocol::Ipv4);
    }
    sender->flush();
    std::vector<std::uint8_t> buffer(70'000);
    for (const auto& expected : sent) {
        pollfd p{listener, POLLIN, 0};
        if (poll(&p, 1, 2000) != 1) {
            return kTunnelNotReceived;
        }
        const auto n = recv(listener, buffer.data(), buffer.size(), 0);
        // The kernel routed it to 127.0.0.2 as written: same addresses, protocol and
        // payload (it fills in the ID and the checksum).
        if (n != static_cast<ssize_t>(expected.size()) ||
            !std::equal(expected.begin() + 12, expected.end(), buffer.begin() + 12) ||
            buffer[9] != 41) {
            return kTunnelWrong;
        }
    }
    close(listener);
    return kOk;
}

TEST(PacketSender, TunnelPeersAreRoutedByTheKernelToTheOuterDestination) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "raw sockets and network namespaces need root";
    }
    const int code = test::in_private_netns([] { return exercise_tunnel_peers(); });
    if (code == test::kNoNetns) {
        GTEST_SKIP() << "cannot create a network namespace here";
    }
    EXPECT_EQ(code, kOk) << "failed at step " << code << " (see enum Step)";
}

} // namespace
} // namespace ecmh::io
