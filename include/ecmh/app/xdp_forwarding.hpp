// SPDX-License-Identifier: BSD-3-Clause
// The XDP fast path in the daemon (issue 15, --forward xdp|auto). Loaded at start, while
// ecmh still has the privileges that loading needs; the engine gets its flow cache
// (engine/flow_cache.hpp) and installs the flows it decided. As LinkManager takes each
// link into service, the program is attached there (a bpf_link: the kernel detaches it
// when ecmh exits or dies, so nothing stale stays behind), in the mode the option or the
// driver says, and the log says which and why. The cache's view of the links — MAC, MTU,
// and whether a native redirect to each is delivered — follows the interfaces.
//
// The kernel tells of a change in a link's XDP features as it happens (XdpFeatureWatch,
// the netdev family's mgmt group): the daemon polls notice_fd() and refreshes at once
// when a notice names a link served here. Every kRefreshInterval, and after every link
// event, the features are read again anyway: all a kernel without the notices has.
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
#include "ecmh/report/fast_path_view.hpp"

#include <functional>
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
    std::string driver;    // as `ethtool -i` names it; empty when unknown
    bool ethernet = false; // only Ethernet links are arrivals or out-links of the program
    bool failed = false;   // the attach failed: userspace until the link is added again
};

// What made refresh() read the features again; the log line of a change names it.
enum class RefreshCause : std::uint8_t {
    Links,       // links came, changed or went (netlink), or a reload
    Periodic,    // kRefreshInterval passed
    Notice,      // the kernel told of a change at a link served here
    NoticesLost, // the kernel dropped notices, or the watch failed: anything may have changed
};
[[nodiscard]] std::string_view to_string(RefreshCause cause);

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

    // LinkObserver: LinkManager's links as they come, change and go. A new link is an
    // out-link at once; the program is attached to it (and other links move between
    // modes) at the next refresh(), which the daemon runs after every reconcile.
    void link_added(engine::LinkId id, const engine::LinkConfig& config) override;
    void link_changed(engine::LinkId id, const engine::LinkConfig& config) override;
    void link_removed(engine::LinkId id) override;

    // Reads every link's XDP features again (a veth becomes a redirect target when its
    // peer gets GRO or an XDP program, and stops being one) and, with --xdp-mode auto,
    // moves links between native and generic mode as they allow. True when anything the
    // cache's can_offload() answers from changed since the last call (links added or
    // removed too): the engine must re-decide its flows then (Proxy::flow_offload_changed).
    [[nodiscard]] bool refresh(RefreshCause cause);
    // Called, before a link's program starts running in native mode, or when a link
    // stops taking native redirects, so that the engine takes away at once the flows that
    // would now send native redirects to a link that loses them (the daemon: Proxy::
    // flow_offload_changed).
    void set_offload_changed(std::function<void()> f) { offload_changed_ = std::move(f); }
    // How often refresh() runs without news: all that a kernel without the netdev
    // family's notices gets, and a safety net under them (a driver that changes what it
    // can do without telling).
    static constexpr auto kRefreshInterval = std::chrono::seconds{10};

    // The kernel's notices for poll(): -1 without them (poll skips a negative fd).
    [[nodiscard]] int notice_fd() const { return watch_ ? watch_->fd() : -1; }
    // Reads the notices queued (the daemon calls this when notice_fd() is readable). The
    // cause to refresh() with now when one names a link served here or some were lost;
    // nullopt when none matters. A socket that fails closes (logged; notice_fd() is -1
    // from then on, the periodic refresh stays) and asks for a refresh.
    [[nodiscard]] std::optional<RefreshCause> take_notices();

    // Per link, by id.
    [[nodiscard]] const std::map<std::uint16_t, XdpLinkState>& links() const { return states_; }
    // The links' modes and the program's counts (read from the kernel now), for the dump
    // and the control socket's `show stats` and `metrics`.
    [[nodiscard]] report::FastPathView view() const;

private:
    XdpForwarding(const FastPath& options, engine::EventLog& log, io::XdpProgram program,
                  std::optional<io::XdpFeatureQuery> query);
    // Joins the kernel's notices when the query's family has them; logs once why not.
    void watch_features();
    // Whether `ifindex` is an Ethernet link served here.
    [[nodiscard]] bool serves(net::IfIndex ifindex) const;
    // The mode the link should run in now, and why.
    [[nodiscard]] std::pair<io::XdpMode, std::string> choose_mode(std::uint16_t slot) const;
    // Whether native redirects to the link are transmitted now.
    [[nodiscard]] static bool takes_native(const XdpLinkState& state);
    // The cache's record of the link from its config and what the kernel says of it.
    [[nodiscard]] io::XdpLink cache_link(std::uint16_t slot) const;
    void update_cache(std::uint16_t slot);
    void read_features(const engine::LinkConfig& config, XdpLinkState& state);
    void offload_changed();
    // Attaches the program in `mode`, replacing the link's one; false (the link forwards
    // in userspace, logged) when the kernel refuses.
    bool attach(std::uint16_t slot, io::XdpMode mode, const std::string& why);
    // Every link in the mode choose_mode() gives; true when any moved.
    bool apply_modes();

    FastPath options_;
    engine::EventLog& log_;
    io::XdpProgram program_;
    std::unique_ptr<io::BpfFlowCache> cache_;
    std::optional<io::XdpFeatureQuery> query_; // none: a kernel without the netdev family
    std::optional<io::XdpFeatureWatch> watch_; // none: no notices (why: notices_.unavailable)
    report::FastPathView::Notices notices_;
    std::map<std::uint16_t, XdpLinkState> states_;
    std::map<std::uint16_t, engine::LinkConfig> configs_;
    std::map<std::uint16_t, io::XdpAttachment> attachments_;
    std::function<void()> offload_changed_;
    bool changed_ = false; // links added or removed since the last refresh()
};

[[nodiscard]] std::string_view to_string(io::XdpMode mode);

} // namespace ecmh::app
