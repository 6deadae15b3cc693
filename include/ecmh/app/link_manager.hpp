// SPDX-License-Identifier: BSD-3-Clause
// Keeps the engine's links in step with the host's interfaces. After every netlink
// change the daemon calls reconcile(): an interface that qualifies (io/link_selection)
// gets an engine link id, and under that one id a capture (from the FrameSource), a
// transmit route and the engine's link; one that stops
// qualifying or disappears loses all three; one whose addresses or MTU changed is
// re-added with the new values. Every decision is logged once, with its reason.
#pragma once

#include "ecmh/engine/proxy.hpp"
#include "ecmh/io/frame_source.hpp"
#include "ecmh/io/interface_table.hpp"
#include "ecmh/io/link_selection.hpp"
#include "ecmh/io/link_transmitter.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ecmh::app {

struct ActiveLink {
    engine::LinkId id;
    net::IfIndex index;
    engine::LinkConfig config; // as given to the engine, to notice changes
};

class LinkManager {
public:
    LinkManager(engine::Proxy& proxy, io::LinkTransmitter& sender, io::FrameSource& source,
                engine::EventLog& log, io::LinkSelectionPolicy policy);

    // Brings the engine's links in line with `table`. Returns true when the set of
    // links changed (the poll set must be rebuilt: a source's fds may have changed).
    bool reconcile(const io::InterfaceTable& table, proto::TimePoint now);
    // A capture failed (the link went down under us): drop the link until netlink says
    // it is back.
    void drop(engine::LinkId id, const std::string& why, proto::TimePoint now);
    // Removes every link (at exit, after the engine sent its leaves).
    void close_all(proto::TimePoint now);

    // True when a qualifying interface could not be opened (or was dropped after a
    // capture error): the daemon retries reconcile() a few seconds later.
    [[nodiscard]] bool wants_retry() const { return wants_retry_; }
    [[nodiscard]] const std::vector<ActiveLink>& links() const { return links_; }

private:
    void add(const io::InterfaceInfo& info, bool upstream, proto::TimePoint now);
    void remove(std::size_t position, proto::TimePoint now);
    [[nodiscard]] static engine::LinkConfig config_for(const io::InterfaceInfo& info, bool upstream,
                                                       wire::LinkType type);
    void note(const io::InterfaceInfo& info, const std::string& reason);

    engine::Proxy& proxy_;
    io::LinkTransmitter& sender_;
    io::FrameSource& source_;
    engine::EventLog& log_;
    io::LinkSelectionPolicy policy_;
    std::vector<ActiveLink> links_;
    // The last reason logged per interface (so a reason is said once, not per change),
    // and interfaces whose capture failed to open with the same error.
    std::map<net::IfIndex, std::string> said_;
    bool wants_retry_ = false;
};

} // namespace ecmh::app
