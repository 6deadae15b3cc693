// SPDX-License-Identifier: BSD-3-Clause
// One libpcap capture handle per link: immediate delivery (a buffered TPACKET_V3 ring
// would hold frames for its block timeout), inbound only (our own transmissions are
// outbound and never come back), a kernel BPF filter that passes only what ecmh can
// use, nonblocking, with a selectable fd for the poll loop. All multicast is received
// through all-multicast membership (or promiscuous mode with -p); both belong to the
// capture socket, so the kernel undoes them when the handle closes, even after a crash.
#pragma once

#include "ecmh/io/sys_error.hpp"
#include "ecmh/net/if_index.hpp"
#include "ecmh/wire/link.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

struct pcap; // libpcap's handle, kept out of every other header

namespace ecmh::io {

struct CaptureOptions {
    bool promiscuous = false;
    bool tunnel_mode = false; // also pass IPv4 protocol 41 (6in4)
    bool ipv4 = true;
    bool ipv6 = true;
    // The kernel ring for data: bursts wait here while ecmh works. libpcap's TPACKET_V2
    // ring (immediate mode) gives every slot the snap length, so the slot count is
    // buffer_bytes / snap length: ~1300 frames at MTU 1500 (the packet rings: ~1000).
    int buffer_bytes = kDefaultBufferBytes;
    static constexpr int kDefaultBufferBytes = 2 << 20;
    // With the XDP fast path: a flow's packets arrive here until ecmh has installed it,
    // and a flood of them (the program passing them up in softirq) can keep ecmh off
    // the CPU for milliseconds first: 8 ms of a 460k pps stream measured on a 2-CPU
    // machine (doc/performance.md). 8 MiB holds ~4000 frames at MTU 1500.
    static constexpr int kFastPathBufferBytes = 8 << 20;
};

// The snap length for a link: its MTU plus the largest link header we parse (Ethernet
// with an 802.1Q tag). Anything longer could not have crossed the link whole; it is
// captured truncated and dropped as such. Capped at the largest IP packet.
[[nodiscard]] int snap_length_for(std::uint32_t mtu);

// Receives each captured frame. `wire_length` is the frame's length on the wire; a
// frame captured shorter than that was truncated by the snap length.
class FrameSink {
public:
    virtual ~FrameSink() = default;
    virtual void on_captured(std::span<const std::uint8_t> frame, std::size_t wire_length) = 0;
};

// The filter expression for these options, e.g. "ip6 multicast or … or igmp".
[[nodiscard]] std::string capture_filter(const CaptureOptions& options);

class Capture {
public:
    [[nodiscard]] static SysResult<Capture> open(const std::string& interface, net::IfIndex index,
                                                 std::uint32_t mtu, const CaptureOptions& options);

    Capture(Capture&&) noexcept = default;
    Capture& operator=(Capture&&) noexcept = default;
    ~Capture();

    [[nodiscard]] int fd() const { return fd_; }
    [[nodiscard]] wire::LinkType link_type() const { return link_type_; }
    // Hands up to `max_frames` waiting frames to `sink` without blocking. Returns how
    // many were delivered (0 when none were waiting).
    [[nodiscard]] SysResult<int> dispatch(int max_frames, FrameSink& sink);
    // Frames the kernel dropped because the capture buffer was full, since open.
    [[nodiscard]] std::uint64_t kernel_drops() const;

private:
    struct Closer {
        void operator()(pcap* handle) const;
    };
    Capture(std::unique_ptr<pcap, Closer> handle, int fd, wire::LinkType type, std::string name)
        : handle_(std::move(handle)), fd_(fd), link_type_(type), name_(std::move(name)) {}

    std::unique_ptr<pcap, Closer> handle_;
    int fd_ = -1; // owned by handle_
    wire::LinkType link_type_ = wire::LinkType::Ethernet;
    std::string name_;
};

} // namespace ecmh::io
