// SPDX-License-Identifier: BSD-3-Clause
// A Linux packet socket with a memory-mapped receive ring (TPACKET_V2): the kernel
// writes each frame the filter passes into the next free slot and wakes poll() at
// once (V2 has no block timeout, unlike V3's batching ring); ecmh reads the frame
// where it lies and hands the slot back. The socket is not bound to a link: one ring
// serves every link, so a wake-up takes whatever arrived anywhere with one poll entry
// and no system call per frame. Owned resources (socket, mapping) are released by
// their destructors; memberships belong to the socket and die with it.
#pragma once

#ifdef __linux__
#include "ecmh/io/sys_error.hpp"
#include "ecmh/io/unique_fd.hpp"
#include "ecmh/net/if_index.hpp"
#include "ecmh/wire/receive_offload.hpp"

#include <cstddef>
#include <cstdint>
#include <linux/filter.h>
#include <memory>
#include <span>
#include <vector>

namespace ecmh::io {

// One frame in the ring, valid until PacketRing::release().
struct RingFrame {
    net::IfIndex index;                 // where it arrived
    std::span<const std::uint8_t> link; // from the link header (the IP header on links without one)
    std::span<const std::uint8_t> network; // from the IP header
    std::size_t wire_length = 0;           // the frame's length on the wire, from `link`
    bool outgoing = false;                 // PACKET_OUTGOING: one of the host's own
    wire::ReceiveOffload offload;          // a super-frame's segmentation (GRO, GSO)
};

struct RingGeometry {
    std::size_t frame_size = 2048; // a power of two, ≥ 128
    std::size_t frame_count = 1024;
};

// The slot size that holds a frame of a link with this MTU whole: the ring's
// per-frame header, an Ethernet header with a VLAN tag, the packet.
[[nodiscard]] std::size_t ring_frame_size_for(std::uint32_t mtu);

class PacketRing {
public:
    [[nodiscard]] static SysResult<PacketRing> open(RingGeometry geometry,
                                                    const std::vector<sock_filter>& filter);

    PacketRing(PacketRing&&) noexcept = default;
    PacketRing& operator=(PacketRing&&) noexcept = default;
    ~PacketRing() = default;

    [[nodiscard]] int fd() const { return fd_.get(); }
    [[nodiscard]] const RingGeometry& geometry() const { return geometry_; }

    // All-multicast (or promiscuous) reception on a link, for as long as the socket
    // lives or until dropped.
    [[nodiscard]] SysResult<Done> add_membership(net::IfIndex index, bool promiscuous);
    void drop_membership(net::IfIndex index, bool promiscuous);

    // The next frame the kernel has handed over, or nothing. Call release() before
    // asking for another.
    [[nodiscard]] bool next(RingFrame& frame);
    void release();

    // Frames the kernel could not queue (ring full) since the last call.
    [[nodiscard]] std::uint64_t take_drops();
    // Clears a pending socket error (what POLLERR reports); returns it.
    [[nodiscard]] int take_error();

private:
    struct Unmap {
        std::size_t length = 0;
        void operator()(std::uint8_t* base) const;
    };
    PacketRing(UniqueFd fd, std::unique_ptr<std::uint8_t, Unmap> map, RingGeometry geometry)
        : fd_(std::move(fd)), map_(std::move(map)), geometry_(geometry) {}

    // A frame larger than a slot, read whole from the socket's queue into copy_.
    void read_copy(RingFrame& frame, std::size_t link_header);

    UniqueFd fd_;
    std::unique_ptr<std::uint8_t, Unmap> map_;
    RingGeometry geometry_;
    // Whole copies of frames larger than a slot land here (empty when the kernel offers
    // no offload description, and then no copies either).
    std::vector<std::uint8_t> copy_;
    std::size_t head_ = 0;
};

} // namespace ecmh::io
#endif
