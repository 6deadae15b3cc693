// SPDX-License-Identifier: BSD-3-Clause
// The Linux fast path: two packet rings not bound to any link, one for control traffic
// (MLD, IGMP) and one for data (capture_program.hpp), read in place. One hash lookup on
// the arrival ifindex gives the engine's link id (frames from links ecmh does not use
// are skipped there); the
// rings' slots are sized for the largest MTU among the links in use, and the rings are
// rebuilt (memberships and all) when a link with a larger MTU is attached.
#include "ecmh/io/capture_program.hpp"
#include "ecmh/io/frame_source.hpp"
#include "ecmh/io/link_selection.hpp"
#include "ecmh/io/packet_ring.hpp"
#include "ecmh/io/report_groups.hpp"

#include <array>
#include <net/if_arp.h>
#include <optional>
#include <unordered_map>
#include <utility>

namespace ecmh::io {
namespace {

constexpr std::size_t kControlRingBytes = 1 << 20; // ~500 reports in one burst
constexpr std::size_t kMinimumFrames = 256;

RingGeometry geometry_for(std::size_t frame_size, std::size_t bytes) {
    return RingGeometry{frame_size, std::max(bytes / frame_size, kMinimumFrames)};
}

class RingFrameSource final : public FrameSource {
public:
    explicit RingFrameSource(const CaptureOptions& options)
        : options_(options), memberships_(options.ipv6, options.ipv4) {}

    SysResult<Done> open_rings(std::size_t frame_size) {
        auto control = PacketRing::open(geometry_for(frame_size, kControlRingBytes),
                                        capture_program(options_, TrafficClass::Control));
        if (!control) {
            return net::unexpected(control.error());
        }
        // CaptureOptions::buffer_bytes: ~1000 frames at MTU 1500 by default.
        auto data = PacketRing::open(
            geometry_for(frame_size, static_cast<std::size_t>(options_.buffer_bytes)),
            capture_program(options_, TrafficClass::Data));
        if (!data) {
            return net::unexpected(data.error());
        }
        for (const auto& [index, link] : links_) {
            if (auto joined = data->add_membership(index, options_.promiscuous); !joined) {
                return net::unexpected(joined.error());
            }
        }
        if (control_) {
            drops_ += control_->take_drops() + data_->take_drops();
        }
        control_ = std::move(*control);
        data_ = std::move(*data);
        frame_size_ = frame_size;
        return Done{};
    }

    SysResult<wire::LinkType> attach(engine::LinkId id, const CaptureLink& link) override {
        if (id.slot() >= index_of_.size()) {
            return net::unexpected(SysError{"capture on " + link.name, 0, "link id out of range"});
        }
        std::optional<wire::LinkType> type;
        if (link.hardware_type == ARPHRD_ETHER) {
            type = wire::LinkType::Ethernet;
        } else if (has_no_link_header(link.hardware_type)) {
            type = wire::LinkType::Raw;
        } else {
            return net::unexpected(
                SysError{"capture on " + link.name, 0,
                         "unsupported link type " + std::to_string(link.hardware_type)});
        }
        if (const auto wanted = ring_frame_size_for(link.mtu); wanted > frame_size_) {
            if (auto reopened = open_rings(wanted); !reopened) {
                return net::unexpected(reopened.error());
            }
        }
        if (auto joined = data_->add_membership(link.index, options_.promiscuous); !joined) {
            return net::unexpected(joined.error());
        }
        links_[link.index] = Attached{id, *type};
        index_of_[id.slot()] = link.index;
        if (link.router) {
            memberships_.join(id, link.name, link.index);
        }
        return *type;
    }

    // Slots are sized for the largest MTU in use: only a larger one rebuilds the rings.
    SysResult<Done> resize(engine::LinkId /*id*/, const CaptureLink& link) override {
        if (const auto wanted = ring_frame_size_for(link.mtu); wanted > frame_size_) {
            return open_rings(wanted);
        }
        return Done{};
    }

    void detach(engine::LinkId id) override {
        if (id.slot() >= index_of_.size() || !index_of_[id.slot()].valid()) {
            return;
        }
        memberships_.leave(id);
        const auto index = std::exchange(index_of_[id.slot()], net::IfIndex{});
        if (links_.erase(index) != 0) {
            data_->drop_membership(index, options_.promiscuous);
        }
    }

    [[nodiscard]] std::vector<int> fds() const override { return {control_->fd(), data_->fd()}; }

    std::size_t dispatch(std::span<const pollfd> ready, int max_frames, proto::TimePoint now,
                         LinkFrameSink& sink) override {
        std::size_t total = 0;
        PacketRing* rings[] = {&*control_, &*data_};
        for (std::size_t i = 0; i < 2 && i < ready.size(); ++i) {
            if (ready[i].revents == 0) {
                continue;
            }
            if ((ready[i].revents & POLLERR) != 0) {
                (void)rings[i]->take_error(); // reported once; the ring itself keeps working
            }
            total += drain(*rings[i], max_frames, now, sink);
        }
        return total;
    }

    std::uint64_t kernel_drops() override {
        drops_ += control_->take_drops() + data_->take_drops();
        return drops_;
    }

    [[nodiscard]] std::vector<std::string> take_notes() override {
        return memberships_.take_notes();
    }

    [[nodiscard]] const char* name() const override { return "packet ring"; }

private:
    struct Attached {
        engine::LinkId id;
        wire::LinkType type = wire::LinkType::Ethernet;
    };

    std::size_t drain(PacketRing& ring, int max_frames, proto::TimePoint now, LinkFrameSink& sink) {
        std::size_t delivered = 0;
        RingFrame frame;
        for (int n = 0; n < max_frames && ring.next(frame); ++n) {
            // The one lookup per frame: arrival ifindex → the engine's link.
            const auto link = links_.find(frame.index);
            if (link != links_.end() && !frame.outgoing) {
                deliver(link->second, frame, now, sink);
                ++delivered;
            }
            ring.release();
        }
        return delivered;
    }

    static void deliver(const Attached& link, const RingFrame& frame, proto::TimePoint now,
                        LinkFrameSink& sink) {
        if (link.type == wire::LinkType::Raw) {
            const std::size_t header = frame.link.size() - frame.network.size();
            const std::size_t wire = frame.wire_length > header ? frame.wire_length - header : 0;
            sink.on_link_frame(link.id, frame.network, wire, frame.offload, now);
        } else {
            sink.on_link_frame(link.id, frame.link, frame.wire_length, frame.offload, now);
        }
    }

    CaptureOptions options_;
    std::optional<PacketRing> control_;
    std::optional<PacketRing> data_;
    std::size_t frame_size_ = 0;
    std::unordered_map<net::IfIndex, Attached> links_;
    std::array<net::IfIndex, table::kMaxLinks> index_of_{}; // by LinkId slot
    std::uint64_t drops_ = 0; // taken from the kernel so far (reading resets its count)
    RouterLinkMemberships memberships_;
};

} // namespace

SysResult<std::unique_ptr<FrameSource>> make_ring_source(const CaptureOptions& options) {
    auto source = std::make_unique<RingFrameSource>(options);
    if (auto opened = source->open_rings(ring_frame_size_for(1500)); !opened) {
        return net::unexpected(opened.error());
    }
    return std::unique_ptr<FrameSource>{std::move(source)};
}

} // namespace ecmh::io
