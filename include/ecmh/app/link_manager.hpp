// SPDX-License-Identifier: BSD-3-Clause
// Keeps the engine's links in step with the host's interfaces. After every netlink
// change the daemon calls reconcile(): an interface that qualifies (io/link_selection)
// gets a capture (from the FrameSource), an engine link and a transmit route; one that stops
// qualifying or disappears loses all three; one whose addresses or MTU changed is
// re-added with the new values. Every decision is logged once, with its reason.
#pragma once

#include "ecmh/engine/proxy.hpp"
#include "ecmh/io/frame_source.hpp"
#include "ecmh/io/interface_table.hpp"
#include "ecmh/io/link_selection.hpp"
#include "ecmh/io/packet_sender.hpp"

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ecmh::app {

struct ActiveLink {
    engine::LinkId id;
    net::IfIndex index;
    engine::LinkConfig config; // as given to the engine, to notice changes
};

class LinkManager {
public:
    LinkManager(engine::Proxy& proxy, io::PacketSender& sender, io::FrameSource& source,
                engine::EventLog& log, io::LinkSelectionPolicy policy);

    // Brings the engine's links in line with `table`. Returns true when the set of
    // links changed (the poll set must be rebuilt: a source's fds may have changed).
    bool reconcile(const io::InterfaceTable& table, proto::TimePoint now);
    // A capture failed (the link went down under us): drop the link until netlink says
    // it is back.
    void drop(net::IfIndex index, const std::string& why, proto::TimePoint now);
    // Removes every link (at exit, after the engine sent its leaves).
    void close_all(proto::TimePoint now);

    // True when a qualifying interface could not be opened (or was dropped after a
    // capture error): the daemon retries reconcile() a few seconds later.
    [[nodiscard]] bool wants_retry() const { return wants_retry_; }
    [[nodiscard]] const std::vector<ActiveLink>& links() const { return links_; }
    // The link on this interface, or nullptr; O(1), for every captured frame.
    [[nodiscard]] const ActiveLink* find(net::IfIndex index) const {
        const auto it = by_index_.find(index);
        return it == by_index_.end() ? nullptr : &links_[it->second];
    }

private:
    void add(const io::InterfaceInfo& info, bool upstream, proto::TimePoint now);
    void remove(std::size_t position, proto::TimePoint now);
    [[nodiscard]] engine::LinkConfig config_for(const io::InterfaceInfo& info, bool upstream,
                                                wire::LinkType type) const;
    void note(const io::InterfaceInfo& info, const std::string& reason);
    void reindex();

    engine::Proxy& proxy_;
    io::PacketSender& sender_;
    io::FrameSource& source_;
    engine::EventLog& log_;
    io::LinkSelectionPolicy policy_;
    std::vector<ActiveLink> links_;
    std::unordered_map<net::IfIndex, std::size_t> by_index_; // into links_
    // The last reason logged per interface (so a reason is said once, not per change),
    // and interfaces whose capture failed to open with the same error.
    std::map<net::IfIndex, std::string> said_;
    bool wants_retry_ = false;
};

} // namespace ecmh::app
