// SPDX-License-Identifier: BSD-3-Clause
// The XDP fast path in the daemon (issue 15, --forward xdp|auto). Loaded at start, while
// ecmh still has the privileges that loading needs; the engine gets its flow cache
// (engine/flow_cache.hpp) and installs the flows it decided. As LinkManager takes each
// link into service, the program is attached there (a bpf_link: the kernel detaches it
// when ecmh exits or dies, so nothing stale stays behind), in the mode the option or the
// driver says, and the log says which and why. The cache's view of the links — MAC, MTU,
// and whether a native redirect to each is delivered — follows the interfaces.
//
// A link where the program cannot run (no Ethernet header, another XDP program there, an
// attach the kernel refuses) forwards in userspace; it is not an out-link of any cached
// flow either, so its copies come from the engine.
#pragma once

#include "ecmh/app/link_manager.hpp"
#include "ecmh/app/options.hpp"
#include "ecmh/engine/flow_cache.hpp"
#include "ecmh/engine/link.hpp"
#include "ecmh/io/bpf_flow_cache.hpp"
#include "ecmh/io/xdp_attachment.hpp"
#include "ecmh/io/xdp_features.hpp"
#include "ecmh/io/xdp_program.hpp"
#include "ecmh/net/expected.hpp"
#include "ecmh/report/dump.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace ecmh::app {

// How the fast path serves one link, for the log and the dump.
struct XdpLinkState {
    std::string name;
    io::XdpMode mode = io::XdpMode::None; // None: this link forwards in userspace
    std::string reason;                   // why this mode (or none)
    io::XdpFeatures features;             // as last read; none when unknown
    bool features_known = false;
};

class XdpForwarding final : public LinkObserver {
public:
    // The program loaded and the cache ready; the reason when it cannot be (a build
    // without XDP, a kernel without it, missing privileges).
    [[nodiscard]] static net::Expected<std::unique_ptr<XdpForwarding>, std::string>
    load(const FastPath& options, engine::EventLog& log);

    XdpForwarding(const XdpForwarding&) = delete;
    XdpForwarding& operator=(const XdpForwarding&) = delete;
    XdpForwarding(XdpForwarding&&) = delete;
    XdpForwarding& operator=(XdpForwarding&&) = delete;
    ~XdpForwarding() override;

    [[nodiscard]] engine::FlowCache& cache() { return *cache_; }
    [[nodiscard]] const io::BpfFlowCache& flows() const { return *cache_; }
    [[nodiscard]] const io::XdpProgram& program() const { return program_; }

    // LinkObserver: LinkManager's links as they come, change and go.
    void link_added(engine::LinkId id, const engine::LinkConfig& config) override;
    void link_changed(engine::LinkId id, const engine::LinkConfig& config) override;
    void link_removed(engine::LinkId id) override;

    // Reads every link's XDP features again (a veth becomes a redirect target when its
    // peer gets GRO or an XDP program, and stops being one). True when any link's
    // delivery of native redirects changed: the engine must re-decide its flows then
    // (Proxy::flow_offload_changed).
    [[nodiscard]] bool refresh();
    // How often refresh() runs without news: the kernel does not tell every change.
    static constexpr auto kRefreshInterval = std::chrono::seconds{10};

    // Per link, by id.
    [[nodiscard]] const std::map<std::uint16_t, XdpLinkState>& links() const { return states_; }
    // The links' modes and the program's counts, for the dump.
    [[nodiscard]] report::DumpContext::FastPath dump_view() const;

private:
    XdpForwarding(const FastPath& options, engine::EventLog& log, io::XdpProgram program,
                  std::optional<io::XdpFeatureQuery> query);
    // The mode for a new link, and why.
    [[nodiscard]] std::pair<io::XdpMode, std::string> choose_mode(const XdpLinkState& state) const;
    // The cache's record of the link from its config and what the kernel says of it.
    [[nodiscard]] io::XdpLink cache_link(const engine::LinkConfig& config,
                                         const XdpLinkState& state) const;
    void read_features(const engine::LinkConfig& config, XdpLinkState& state);

    FastPath options_;
    engine::EventLog& log_;
    io::XdpProgram program_;
    std::unique_ptr<io::BpfFlowCache> cache_;
    std::optional<io::XdpFeatureQuery> query_; // none: a kernel without the netdev family
    std::map<std::uint16_t, XdpLinkState> states_;
    std::map<std::uint16_t, engine::LinkConfig> configs_;
    std::map<std::uint16_t, io::XdpAttachment> attachments_;
};

[[nodiscard]] std::string_view to_string(io::XdpMode mode);

} // namespace ecmh::app
