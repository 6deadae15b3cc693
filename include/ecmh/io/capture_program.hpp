// SPDX-License-Identifier: BSD-3-Clause
// The kernel filters of the Linux packet rings (packet_ring.hpp), in classic BPF. One
// unbound socket sees every link whatever its link header, so the program reads the
// protocol from the socket buffer (SKF_AD_PROTOCOL) and the IP header relative to the
// network header (SKF_NET_OFF), not at a link-layer offset as libpcap's compiled
// filters do. Frames with an 802.1Q tag on the parent link never pass: the VLAN
// interface, if ecmh uses it, sees them untagged.
//
// Two classes of traffic get a ring each, so that a flood of data cannot push the
// membership reports out of the ring they wait in:
//   Control — MLD (any IPv6 packet with a Hop-by-Hop header; MLD always has one) and
//             IGMP;
//   Data    — IPv6 to ff00::/8 without a Hop-by-Hop header, IPv4 to 224.0.0.0/4 that is
//             not IGMP, and IPv4 protocol 41 in tunnel mode.
#pragma once

#include "ecmh/io/capture.hpp"

#include <cstdint>
#include <vector>

#ifdef __linux__
#include <linux/filter.h>

namespace ecmh::io {

enum class TrafficClass : std::uint8_t { Control, Data };

[[nodiscard]] std::vector<sock_filter> capture_program(const CaptureOptions& options,
                                                       TrafficClass traffic);

} // namespace ecmh::io
#endif
