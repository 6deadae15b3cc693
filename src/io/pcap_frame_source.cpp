// SPDX-License-Identifier: BSD-3-Clause
// FrameSource over one libpcap Capture per link (capture.hpp).
#include "ecmh/io/frame_source.hpp"
#include "ecmh/io/report_groups.hpp"

#include <algorithm>

namespace ecmh::io {
namespace {

// Hands one capture's frames to the sink under its link id and the wake-up's time;
// made per dispatch, so nothing is relayed through members.
class LinkDelivery final : public FrameSink {
public:
    LinkDelivery(engine::LinkId link, proto::TimePoint now, LinkFrameSink& sink)
        : link_(link), now_(now), sink_(sink) {}
    void on_captured(std::span<const std::uint8_t> frame, std::size_t wire_length) override {
        sink_.on_link_frame(link_, frame, wire_length, wire::ReceiveOffload{}, now_);
    }

private:
    engine::LinkId link_;
    proto::TimePoint now_;
    LinkFrameSink& sink_;
};

class PcapFrameSource final : public FrameSource {
public:
    explicit PcapFrameSource(const CaptureOptions& options)
        : options_(options)
#ifdef __linux__
          ,
          memberships_(options.ipv6, options.ipv4)
#endif
    {
    }

    SysResult<wire::LinkType> attach(engine::LinkId id, const CaptureLink& link) override {
        auto capture = Capture::open(link.name, link.index, link.mtu, options_);
        if (!capture) {
            return net::unexpected(capture.error());
        }
        const auto type = capture->link_type();
        captures_.push_back(Entry{id, link.mtu, std::move(*capture)});
#ifdef __linux__
        if (link.router) {
            memberships_.join(id, link.name, link.index);
        }
#endif
        return type;
    }

    void detach(engine::LinkId id) override {
#ifdef __linux__
        memberships_.leave(id);
#endif
        const auto it = find(id);
        if (it != captures_.end()) {
            closed_drops_ += it->capture.kernel_drops();
            captures_.erase(it);
        }
    }

    // The snap length follows the MTU: only a larger MTU needs a new handle.
    SysResult<Done> resize(engine::LinkId id, const CaptureLink& link) override {
        const auto it = find(id);
        if (it == captures_.end() || link.mtu <= it->mtu) {
            return Done{};
        }
        auto capture = Capture::open(link.name, link.index, link.mtu, options_);
        if (!capture) {
            return net::unexpected(capture.error());
        }
        closed_drops_ += it->capture.kernel_drops();
        it->capture = std::move(*capture); // the old handle closes only now
        it->mtu = link.mtu;
        return Done{};
    }

    [[nodiscard]] std::vector<int> fds() const override {
        std::vector<int> fds;
        for (const auto& e : captures_) {
            fds.push_back(e.capture.fd());
        }
        return fds;
    }

    std::size_t dispatch(std::span<const pollfd> ready, int max_frames, proto::TimePoint now,
                         LinkFrameSink& sink) override {
        std::size_t total = 0;
        std::vector<std::pair<engine::LinkId, std::string>> failed; // allocates only on failure
        for (std::size_t i = 0; i < captures_.size() && i < ready.size(); ++i) {
            const auto revents = ready[i].revents;
            if (revents == 0) {
                continue;
            }
            const auto link = captures_[i].link;
            LinkDelivery delivery{link, now, sink};
            auto n = captures_[i].capture.dispatch(max_frames, delivery);
            if (!n) {
                failed.emplace_back(link, n.error().message());
            } else if ((revents & (POLLERR | POLLNVAL)) != 0) {
                failed.emplace_back(link, "capture error");
            } else {
                total += static_cast<std::size_t>(*n);
            }
        }
        for (const auto& [link, why] : failed) {
            sink.on_capture_failed(link, why); // may detach: after the loop
        }
        return total;
    }

    std::uint64_t kernel_drops() override {
        std::uint64_t total = closed_drops_;
        for (const auto& e : captures_) {
            total += e.capture.kernel_drops();
        }
        return total;
    }

#ifdef __linux__
    [[nodiscard]] std::vector<std::string> take_notes() override {
        return memberships_.take_notes();
    }
#endif

    [[nodiscard]] const char* name() const override {
        return "libpcap";
    }

private:
    struct Entry {
        engine::LinkId link;
        std::uint32_t mtu = 0; // what the snap length was made for
        Capture capture;
    };

    std::vector<Entry>::iterator find(engine::LinkId id) {
        return std::find_if(captures_.begin(), captures_.end(),
                            [&](const Entry& e) { return e.link == id; });
    }

    CaptureOptions options_;
    std::vector<Entry> captures_;
    std::uint64_t closed_drops_ = 0;
#ifdef __linux__
    RouterLinkMemberships memberships_;
#endif
};

} // namespace

std::unique_ptr<FrameSource> make_pcap_source(const CaptureOptions& options) {
    return std::make_unique<PcapFrameSource>(options);
}

} // namespace ecmh::io
