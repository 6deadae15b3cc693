// SPDX-License-Identifier: BSD-3-Clause
// The engine's LinkIo on Linux: frames leave through AF_PACKET sockets addressed by
// interface index. Ethernet links get the complete frame the engine built (group MAC,
// our MAC); links without a link header (tun, sit, ppp) get the bare IP packet on a
// SOCK_DGRAM packet socket with the protocol set, which is what sit's transmit path
// checks and what tun's packet-information header carries. Our transmissions are
// outbound on their link, and captures take inbound frames only, so nothing we send
// is captured and forwarded again.
//
// Tunnel peers (tunnel mode) have no interface of their own: their frames are IPv4
// packets (the engine wrote the 6in4 outer header) that the kernel routes, through one
// raw IPv4 socket with IP_HDRINCL, addressed to the outer destination. That socket is
// for protocol 41, so the kernel also hands it the peers' packets: a filter drops them
// all (ecmh reads them through its captures), and the kernel, seeing a socket for the
// protocol, no longer answers every 6in4 packet with ICMP Protocol Unreachable.
//
// The engine writes each frame straight into a slot of a queue (reserve/commit), and
// queues are handed to the kernel in batches (one sendmmsg for up to kQueueDepth
// frames), bypassing the qdisc layer: the daemon flushes after each batch of captured
// frames and before it sleeps, so batching adds no latency beyond the batch being
// processed.
#pragma once

#include "ecmh/io/link_transmitter.hpp"
#include "ecmh/io/sys_error.hpp"
#include "ecmh/io/unique_fd.hpp"
#include "ecmh/net/if_index.hpp"
#include "ecmh/table/link_set.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <linux/if_packet.h>
#include <memory>
#include <netinet/in.h>
#include <sys/socket.h>

namespace ecmh::io {

class PacketSender final : public LinkTransmitter {
public:
    // Called for every copy the kernel refused (ENOBUFS, ENETDOWN, ENXIO…), with errno.
    using FailureHandler = std::function<void(engine::LinkId, int)>;

    // With `tunnel_peers`, also the raw socket for tunnel peers (tunnel mode).
    [[nodiscard]] static SysResult<PacketSender> open(bool tunnel_peers = false);

    // Where a link's frames go; the engine only knows LinkIds.
    void attach(engine::LinkId link, net::IfIndex index, wire::LinkType type) override;
    void detach(engine::LinkId link) override;
    void on_failure(FailureHandler handler) { on_failure_ = std::move(handler); }

    // The next slot of the link's queue, written in place: a full queue is flushed
    // first. A frame larger than a slot gets a buffer of its own and is sent at
    // commit(), after the queue, so order per link is kept.
    [[nodiscard]] std::span<std::uint8_t> reserve(engine::LinkId link, std::size_t length) override;
    void commit(engine::LinkId link, std::size_t length, wire::NetworkProtocol protocol) override;
    // Hands every queued frame to the kernel.
    void flush();

    static constexpr std::size_t kQueueDepth = 64;
    static constexpr std::size_t kSlotSize = 2048; // an Ethernet frame at MTU 1500 and more
    static constexpr std::size_t kLargestFrame = 65'535 + 14;

private:
    struct Route {
        net::IfIndex index;
        bool has_link_header = true;
    };
    // Where a frame goes: an interface (packet sockets) or an IPv4 address (tunnel peers).
    union Destination {
        sockaddr_ll link;
        sockaddr_in ipv4;
    };
    // One socket and its pending frames. The message headers are filled at flush time,
    // so the object can move freely (nothing points into it between calls).
    struct Queue {
        UniqueFd fd;
        std::unique_ptr<std::uint8_t[]> slab; // kQueueDepth slots of kSlotSize
        std::array<Destination, kQueueDepth> to{};
        socklen_t to_length = sizeof(sockaddr_ll);
        std::array<std::uint16_t, kQueueDepth> length{};
        std::array<engine::LinkId, kQueueDepth> link{};
        std::array<iovec, kQueueDepth> iov{};
        std::array<mmsghdr, kQueueDepth> message{};
        std::size_t count = 0;
        std::size_t waits = 0; // wait_for_room() calls in this flush
    };
    PacketSender(UniqueFd raw, UniqueFd dgram, UniqueFd tunnel);
    [[nodiscard]] const Route* route(engine::LinkId link) const;
    [[nodiscard]] Queue& queue_for(const Route& route) const;
    void flush(Queue& queue);
    // After EAGAIN: waits up to kRoomWaitMs for the socket to take more; false when it
    // did not, or this flush already waited kMaxWaitsPerFlush times.
    [[nodiscard]] static bool wait_for_room(Queue& queue);
    static constexpr int kRoomWaitMs = 2;
    static constexpr std::size_t kMaxWaitsPerFlush = 8;
    void send_now(Queue& queue, engine::LinkId link, const Destination& to,
                  std::span<const std::uint8_t> frame);
    // The destination of a frame toward `link`: its route's interface, or for a tunnel
    // peer the outer IPv4 destination in the frame itself.
    [[nodiscard]] static Destination destination(const Route& route, engine::LinkId link,
                                                 std::span<const std::uint8_t> frame,
                                                 wire::NetworkProtocol protocol);

    std::unique_ptr<Queue> raw_;            // SOCK_RAW: Ethernet frames as built
    std::unique_ptr<Queue> dgram_;          // SOCK_DGRAM: IP packets on links without a link header
    std::unique_ptr<Queue> tunnel_;         // raw IPv4: tunnel peers' 6in4 packets (tunnel mode)
    std::unique_ptr<std::uint8_t[]> large_; // kLargestFrame bytes: a frame beyond a slot
    bool large_reserved_ = false;
    std::array<Route, table::kMaxLinks> routes_{};
    static constexpr Route kTunnelRoute{net::IfIndex{}, false}; // every tunnel peer's
    FailureHandler on_failure_;
};

} // namespace ecmh::io
