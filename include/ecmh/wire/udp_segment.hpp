// SPDX-License-Identifier: BSD-3-Clause
// Cutting a UDP super-frame back into its datagrams. With GRO on, and UDP GRO forwarding
// (rx-udp-gro-forwarding) or fraglist GRO switched on, the kernel merges consecutive
// datagrams of one flow into one frame before a packet socket sees it, and a veth peer
// sending with UDP_SEGMENT hands over such a frame unsegmented. The frame carries one
// link header, one IP header and one UDP header whose lengths cover everything; the
// datagrams were `segment_size` payload octets each, but the last. Each datagram is
// rebuilt as the kernel's own segmentation (__udp_gso_segment) would send it: the headers
// copied, the lengths set, the IPv4 identification counted up from the first datagram's,
// the IPv4 header checksum recomputed and the UDP checksum computed in full (the super-
// frame's field holds at most the pseudo-header sum, left to offload), a zero IPv4 UDP
// checksum kept zero.
//
// The plan is made once per frame; each datagram is then written into a buffer the
// caller owns: nothing is allocated.
#pragma once

#include "ecmh/wire/link.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace ecmh::wire {

class UdpSegmenter {
public:
    // For a link frame (Ethernet, possibly VLAN-tagged, or raw IP) holding an unfragmented
    // IPv4 or IPv6 packet whose upper layer is UDP with a length that matches the IP
    // length. nullopt when the frame is anything else, or `segment_size` is 0.
    [[nodiscard]] static std::optional<UdpSegmenter>
    plan(LinkType type, std::span<const std::uint8_t> frame, std::uint16_t segment_size);

    [[nodiscard]] std::size_t count() const { return count_; }
    // The size of datagram `index` (< count()) as a link frame, headers included.
    [[nodiscard]] std::size_t size(std::size_t index) const;
    // Writes datagram `index` into `out`, which must hold size(index) bytes. Returns the
    // bytes written, or 0 (nothing written) when `index` or `out` is out of range.
    [[nodiscard]] std::size_t write(std::size_t index, std::span<std::uint8_t> out) const;

private:
    [[nodiscard]] std::size_t payload_size(std::size_t index) const;
    void finish_ipv4(std::span<std::uint8_t> ip, std::size_t index, std::size_t length) const;

    std::span<const std::uint8_t> frame_;
    NetworkProtocol protocol_ = NetworkProtocol::Ipv6;
    std::size_t ip_offset_ = 0;  // where the IP header starts in the frame
    std::size_t udp_offset_ = 0; // where the UDP header starts in the frame
    std::size_t payload_ = 0;    // UDP payload octets of the whole super-frame
    std::size_t segment_ = 0;
    std::size_t count_ = 0;
};

} // namespace ecmh::wire
