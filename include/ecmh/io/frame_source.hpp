// SPDX-License-Identifier: BSD-3-Clause
// Where captured frames come from, whatever captures them: on Linux a pair of shared
// memory-mapped packet rings (RingFrameSource, the fast path: one poll entry and no
// system call per frame for all links); elsewhere, or with --capture pcap, one libpcap
// handle per link (PcapFrameSource). The daemon polls the fds a source names and hands
// it the poll results; the source delivers each frame under the engine's id of the link
// it arrived on, so nothing above looks the link up again.
#pragma once

#include "ecmh/engine/link.hpp"
#include "ecmh/io/capture.hpp"
#include "ecmh/io/sys_error.hpp"
#include "ecmh/net/if_index.hpp"
#include "ecmh/proto/time.hpp"
#include "ecmh/wire/link.hpp"
#include "ecmh/wire/receive_offload.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <poll.h>
#include <span>
#include <string>
#include <vector>

namespace ecmh::io {

struct CaptureLink {
    std::string name;
    net::IfIndex index;
    std::uint32_t mtu = 1500;
    std::uint16_t hardware_type = 0; // ARPHRD_*
    // ecmh is the router here (a downstream link): the report addresses are joined
    // (report_groups.hpp) for as long as the link is attached.
    bool router = false;
};

class LinkFrameSink {
public:
    virtual ~LinkFrameSink() = default;
    // A frame from `link`, captured at `now` (the wake-up the dispatch belongs to).
    // `wire_length` is the frame's length on the wire; a shorter frame was truncated.
    // `offload` describes a super-frame the stack built (GRO) or took whole (GSO), as
    // far as the capture knows (the packet rings do; libpcap does not).
    virtual void on_link_frame(engine::LinkId link, std::span<const std::uint8_t> frame,
                               std::size_t wire_length, const wire::ReceiveOffload& offload,
                               proto::TimePoint now) = 0;
    // A link's capture failed (the link went away under us): it gets nothing more.
    virtual void on_capture_failed(engine::LinkId link, const std::string& why) = 0;
};

class FrameSource {
public:
    virtual ~FrameSource() = default;

    // Starts capturing on a link, whose frames are delivered under `id` (the engine's
    // id for it); returns how its frames are framed.
    [[nodiscard]] virtual SysResult<wire::LinkType> attach(engine::LinkId id,
                                                           const CaptureLink& link) = 0;
    virtual void detach(engine::LinkId id) = 0;
    // The link's MTU changed: frames of its new size are captured whole from now on. A
    // capture that must grow is replaced, the new one opened (and joined) before the old
    // one closes, so the link is never without one; only frames the old one held unread
    // are lost. fds() may change. On error the old capture stays as it was.
    [[nodiscard]] virtual SysResult<Done> resize(engine::LinkId id, const CaptureLink& link) = 0;

    // The fds to poll for input, in a fixed order; they change only on attach/detach.
    [[nodiscard]] virtual std::vector<int> fds() const = 0;
    // `ready`: the poll results for fds(), in that order. Delivers up to `max_frames`
    // per fd, each with `now`; returns how many frames were delivered.
    virtual std::size_t dispatch(std::span<const pollfd> ready, int max_frames,
                                 proto::TimePoint now, LinkFrameSink& sink) = 0;
    // Frames the kernel dropped because a capture buffer was full, since the start.
    [[nodiscard]] virtual std::uint64_t kernel_drops() = 0;
    // What went wrong since the last call without stopping a capture (a report address
    // that could not be joined), one line each, for the daemon's log.
    [[nodiscard]] virtual std::vector<std::string> take_notes() { return {}; }
    // "packet ring" or "libpcap", for the log.
    [[nodiscard]] virtual const char* name() const = 0;
};

// One libpcap handle per link; portable.
[[nodiscard]] std::unique_ptr<FrameSource> make_pcap_source(const CaptureOptions& options);

#ifdef __linux__
// Two shared TPACKET_V2 rings (control, data); see ring_frame_source.cpp.
[[nodiscard]] SysResult<std::unique_ptr<FrameSource>>
make_ring_source(const CaptureOptions& options);
#endif

} // namespace ecmh::io
