// SPDX-License-Identifier: BSD-3-Clause
// What the capture says about a frame that the receiving stack built from several
// packets (GRO) or received as one large packet (a veth peer's GSO). Linux packet
// sockets tell it in the virtio_net_hdr they put before each frame (PACKET_VNET_HDR):
// such a frame is larger than its link could carry, and only with the segment size
// can it be cut back into the datagrams it was made of. Anything else the capture
// offers (libpcap) says nothing: Kind::None.
#pragma once

#include <cstdint>

namespace ecmh::wire {

struct ReceiveOffload {
    enum class Kind : std::uint8_t {
        None,  // a frame as it was on the wire
        Udp,   // UDP datagrams of `segment_size` payload octets each (the last may be shorter)
        Other, // TCP segmentation or a kind ecmh cannot cut (UDP fragmentation offload)
    };
    Kind kind = Kind::None;
    std::uint16_t segment_size = 0; // payload octets per datagram (gso_size)
};

} // namespace ecmh::wire
