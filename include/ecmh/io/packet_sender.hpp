// SPDX-License-Identifier: BSD-3-Clause
// The engine's LinkIo on Linux: frames leave through AF_PACKET sockets addressed by
// interface index. Ethernet links get the complete frame the engine built (group MAC,
// our MAC); links without a link header (tun, sit, ppp) get the bare IP packet on a
// SOCK_DGRAM packet socket with the protocol set, which is what sit's transmit path
// checks and what tun's packet-information header carries. Our transmissions are
// outbound on their link, and captures take inbound frames only, so nothing we send
// is captured and forwarded again.
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
#include <sys/socket.h>

namespace ecmh::io {

class PacketSender final : public LinkTransmitter {
public:
    // Called for every copy the kernel refused (ENOBUFS, ENETDOWN, ENXIO…), with errno.
    using FailureHandler = std::function<void(engine::LinkId, int)>;

    [[nodiscard]] static SysResult<PacketSender> open();

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
    // One socket and its pending frames. The message headers are filled at flush time,
    // so the object can move freely (nothing points into it between calls).
    struct Queue {
        UniqueFd fd;
        std::unique_ptr<std::uint8_t[]> slab; // kQueueDepth slots of kSlotSize
        std::array<sockaddr_ll, kQueueDepth> to{};
        std::array<std::uint16_t, kQueueDepth> length{};
        std::array<engine::LinkId, kQueueDepth> link{};
        std::array<iovec, kQueueDepth> iov{};
        std::array<mmsghdr, kQueueDepth> message{};
        std::size_t count = 0;
    };
    PacketSender(UniqueFd raw, UniqueFd dgram);
    [[nodiscard]] const Route* route(engine::LinkId link) const;
    [[nodiscard]] Queue& queue_for(const Route& route) const;
    void flush(Queue& queue);
    void send_now(Queue& queue, engine::LinkId link, const sockaddr_ll& to,
                  std::span<const std::uint8_t> frame);

    std::unique_ptr<Queue> raw_;            // SOCK_RAW: Ethernet frames as built
    std::unique_ptr<Queue> dgram_;          // SOCK_DGRAM: IP packets on links without a link header
    std::unique_ptr<std::uint8_t[]> large_; // kLargestFrame bytes: a frame beyond a slot
    bool large_reserved_ = false;
    std::array<Route, table::kMaxLinks> routes_{};
    FailureHandler on_failure_;
};

} // namespace ecmh::io
