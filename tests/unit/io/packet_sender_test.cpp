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

} // namespace
} // namespace ecmh::io
