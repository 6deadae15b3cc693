// SPDX-License-Identifier: BSD-3-Clause
// Keeps the engine's links in step with the host's interfaces. After every netlink
// change the daemon calls reconcile(): an interface that qualifies (io/link_selection)
// gets an engine link id, and under that one id a capture (from the FrameSource), a
// transmit route and the engine's link; one that stops qualifying or disappears loses
// all three. A link in use keeps its state through everything else (rfc-map M19):
//   - a changed address, MTU or MAC is applied in place (Proxy::update_link; a larger
//     MTU resizes the capture without closing it first); only a change of role
//     (upstream ↔ downstream) removes the link and adds it again;
//   - a link that goes down or loses carrier stays, marked down in the engine (its
//     listeners kept, nothing sent); when it is back, forwarding resumes at once. Its
//     capture stays open through the outage (the packet rings are bound to no link; a
//     libpcap handle that fails on the outage is reopened when the link is up again);
//   - a capture that fails is reopened (5 s later, or when the link is up again) while
//     the engine's link and its listeners stay.
// Every decision is logged once, with its reason.
#pragma once

#include "ecmh/engine/proxy.hpp"
#include "ecmh/io/frame_source.hpp"
#include "ecmh/io/interface_table.hpp"
#include "ecmh/io/link_selection.hpp"
#include "ecmh/io/link_transmitter.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ecmh::app {

struct ActiveLink {
    engine::LinkId id;
    net::IfIndex index;
    engine::LinkConfig config; // as given to the engine, to notice changes
    bool up = true;            // as the engine was last told (Proxy::set_link_down/up)
    bool captured = true;      // the frame source has it attached
};

// Told of the engine's links as LinkManager changes them (the XDP fast path follows them:
// app/xdp_forwarding.hpp). Each call comes after the engine has the change.
class LinkObserver {
public:
    LinkObserver() = default;
    LinkObserver(const LinkObserver&) = delete;
    LinkObserver& operator=(const LinkObserver&) = delete;
    LinkObserver(LinkObserver&&) = delete;
    LinkObserver& operator=(LinkObserver&&) = delete;
    virtual ~LinkObserver() = default;
    virtual void link_added(engine::LinkId id, const engine::LinkConfig& config) = 0;
    // Its MTU, MAC or addresses changed in place.
    virtual void link_changed(engine::LinkId id, const engine::LinkConfig& config) = 0;
    virtual void link_removed(engine::LinkId id) = 0;
};

class LinkManager {
public:
    LinkManager(engine::Proxy& proxy, io::LinkTransmitter& sender, io::FrameSource& source,
                engine::EventLog& log, io::LinkSelectionPolicy policy);

    // Brings the engine's links in line with `table`. Returns true when the set of
    // links changed (the poll set must be rebuilt: a source's fds may have changed).
    bool reconcile(const io::InterfaceTable& table, proto::TimePoint now);
    // A capture failed (the link went down under us): the capture is closed and reopened
    // by a later reconcile() once the link is up; the engine's link and its listeners
    // stay.
    void drop(engine::LinkId id, const std::string& why);
    // Removes every link (at exit, after the engine sent its leaves).
    void close_all(proto::TimePoint now);

    // True when a qualifying interface could not be opened (or was dropped after a
    // capture error): the daemon retries reconcile() a few seconds later.
    [[nodiscard]] bool wants_retry() const { return wants_retry_; }
    [[nodiscard]] const std::vector<ActiveLink>& links() const { return links_; }

    // Where a link's settings come from (the configuration's link blocks); without one,
    // every link has the defaults.
    using SettingsSource = std::function<engine::LinkSettings(const std::string& name)>;
    void set_settings_source(SettingsSource source) { settings_for_ = std::move(source); }
    // Which interfaces are links, anew (a reload): the next reconcile() applies it.
    void set_policy(io::LinkSelectionPolicy policy) { policy_ = std::move(policy); }
    // Who else follows the links (none by default); it must outlive the manager's links.
    void set_observer(LinkObserver* observer) { observer_ = observer; }

private:
    void add(const io::InterfaceInfo& info, bool upstream, proto::TimePoint now);
    [[nodiscard]] engine::LinkConfig wanted_config(const io::InterfaceInfo& info, bool upstream,
                                                   wire::LinkType type) const;
    void remove(std::size_t position, proto::TimePoint now);
    // What happened to a link in use: removed (gone, no longer qualifying, or its role
    // changed, and then added again as a new link), kept as it was, or kept with a
    // capture reopened or resized (the poll set must be rebuilt).
    enum class Outcome : std::uint8_t { Removed, Kept, NewFds };
    Outcome refresh(std::size_t position, const io::InterfaceTable& table, proto::TimePoint now);
    // A changed address, MTU or MAC, in place; Removed: the engine wants a re-add (the
    // caller removes it).
    Outcome apply_change(ActiveLink& link, const io::InterfaceInfo& info,
                         const engine::LinkConfig& wanted, proto::TimePoint now);
    // Down / up in the engine as the interface is; reopens the capture of a running link
    // that has none (true when it did).
    bool follow_carrier(ActiveLink& link, const io::InterfaceInfo& info, proto::TimePoint now);
    [[nodiscard]] static io::CaptureLink capture_link(const io::InterfaceInfo& info, bool upstream);
    [[nodiscard]] static engine::LinkConfig config_for(const io::InterfaceInfo& info, bool upstream,
                                                       wire::LinkType type);
    void note(const io::InterfaceInfo& info, const std::string& reason);

    engine::Proxy& proxy_;
    io::LinkTransmitter& sender_;
    io::FrameSource& source_;
    engine::EventLog& log_;
    io::LinkSelectionPolicy policy_;
    SettingsSource settings_for_;
    LinkObserver* observer_ = nullptr;
    std::vector<ActiveLink> links_;
    // The last reason logged per interface (so a reason is said once, not per change),
    // and interfaces whose capture failed to open with the same error.
    std::map<net::IfIndex, std::string> said_;
    bool wants_retry_ = false;
};

} // namespace ecmh::app
