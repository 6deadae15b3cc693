// SPDX-License-Identifier: BSD-3-Clause
// Keeps the engine's links in step with the host's interfaces. After every netlink
// change the daemon calls reconcile(): an interface that qualifies (io/link_selection)
// gets a capture handle, an engine link and a transmit route; one that stops
// qualifying or disappears loses all three; one whose addresses or MTU changed is
// re-added with the new values. Every decision is logged once, with its reason.
#pragma once

#include "ecmh/engine/proxy.hpp"
#include "ecmh/io/capture.hpp"
#include "ecmh/io/interface_table.hpp"
#include "ecmh/io/link_selection.hpp"
#include "ecmh/io/packet_sender.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ecmh::app {

struct ActiveLink {
    engine::LinkId id;
    net::IfIndex index;
    engine::LinkConfig config; // as given to the engine, to notice changes
    io::Capture capture;
};

class LinkManager {
public:
    LinkManager(engine::Proxy& proxy, io::PacketSender& sender, engine::EventLog& log,
                io::LinkSelectionPolicy policy, io::CaptureOptions capture);

    // Brings the engine's links in line with `table`. Returns true when the set of
    // capture fds changed (the poll set must be rebuilt).
    bool reconcile(const io::InterfaceTable& table, proto::TimePoint now);
    // A capture failed (the link went down under us): drop the link until netlink says
    // it is back.
    void drop(engine::LinkId id, const std::string& why, proto::TimePoint now);
    // Removes every link (at exit, after the engine sent its leaves).
    void close_all(proto::TimePoint now);

    // True when a qualifying interface could not be opened (or was dropped after a
    // capture error): the daemon retries reconcile() a few seconds later.
    [[nodiscard]] bool wants_retry() const { return wants_retry_; }
    [[nodiscard]] std::vector<ActiveLink>& links() { return links_; }
    [[nodiscard]] std::uint64_t kernel_drops() const;

private:
    void add(const io::InterfaceInfo& info, bool upstream, proto::TimePoint now);
    void remove(std::size_t position, proto::TimePoint now);
    [[nodiscard]] engine::LinkConfig config_for(const io::InterfaceInfo& info, bool upstream,
                                                wire::LinkType type) const;
    void note(const io::InterfaceInfo& info, const std::string& reason);

    engine::Proxy& proxy_;
    io::PacketSender& sender_;
    engine::EventLog& log_;
    io::LinkSelectionPolicy policy_;
    io::CaptureOptions capture_;
    std::vector<ActiveLink> links_;
    // The last reason logged per interface (so a reason is said once, not per change),
    // and interfaces whose capture failed to open with the same error.
    std::map<net::IfIndex, std::string> said_;
    std::uint64_t closed_drops_ = 0; // kernel drops of captures already closed
    bool wants_retry_ = false;
};

} // namespace ecmh::app
