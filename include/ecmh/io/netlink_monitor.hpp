// SPDX-License-Identifier: BSD-3-Clause
// rtnetlink: one socket that dumps the current links and addresses at start (and on
// demand: SIGHUP, or after the kernel reports an overrun) and then follows
// RTM_NEWLINK/DELLINK/NEWADDR/DELADDR for IPv4 and IPv6. Nonblocking; the daemon polls
// fd() and calls receive() when it is readable. What each message means is
// netlink_messages.hpp's business; this is the socket and the dump around it.
#pragma once

#include "ecmh/io/interface_table.hpp"
#include "ecmh/io/sys_error.hpp"
#include "ecmh/io/unique_fd.hpp"

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace ecmh::io {

// Every dump builds a fresh table from its replies and the events that follow its
// first reply, in order, and replaces the caller's table with it when the last stage
// ends. So the daemon never sees a half table at start, and a resync removes what
// vanished while events were lost. Events queued before the first reply are left out
// of the fresh table: the dump shows their outcome, and after an overrun they are
// stale. During a resync (the caller's table is already whole) every message is also
// applied to the caller's table, so it does not lag.
class NetlinkMonitor {
public:
    // Opens NETLINK_ROUTE, joins the link and IPv4/IPv6 address groups, and starts the
    // first full dump (links, then addresses).
    [[nodiscard]] static SysResult<NetlinkMonitor> open();

    [[nodiscard]] int fd() const { return socket_.get(); }

    // Reads what is available without blocking (at most 256 datagrams, so an event
    // storm cannot starve the poll loop; poll reports the rest) and applies it to
    // `table`, which must be the same table every time. Returns true when the table
    // changed. Continues a dump in progress (links → IPv4 → IPv6 addresses). On
    // ENOBUFS (the kernel dropped events) or a datagram too big for the buffer it dumps
    // again, so nothing is missed, and returns true (the daemon reconciles; harmless
    // when nothing moved). Datagrams not from the kernel (nl_pid ≠ 0) are dropped.
    [[nodiscard]] SysResult<bool> receive(InterfaceTable& table);

    // Starts a full dump again (SIGHUP): the table is rebuilt from scratch when it ends.
    // During a dump, the kernel allows no second one: a new dump starts when the
    // current one ends. A dump the kernel marks interrupted (NLM_F_DUMP_INTR) is
    // restarted the same way, a few times at most.
    [[nodiscard]] SysResult<Done> resync();

    // Also follows this host's own multicast memberships: the kernel's notices of a
    // group joined or left on an interface (RTNLGRP_IPV4_MCADDR and RTNLGRP_IPV6_MCADDR,
    // Linux 6.13 and later). An error when the kernel has no such groups.
    [[nodiscard]] SysResult<Done> follow_host_groups();
    // True once since a membership notice arrived, or since events were lost (which may
    // have been such notices): the memberships must be read again.
    [[nodiscard]] bool take_host_groups_changed() {
        return std::exchange(host_groups_changed_, false);
    }

    // True while a full dump runs: until the first one has been applied, and again
    // during a resync (the caller's table is then complete, only maybe stale).
    [[nodiscard]] bool dumping() const { return dump_stage_ != DumpStage::Idle; }

private:
    enum class DumpStage : std::uint8_t { Idle, Links, Ipv4, Ipv6 };
    NetlinkMonitor(UniqueFd socket, std::uint32_t port_id)
        : socket_(std::move(socket)), port_id_(port_id) {}
    SysResult<Done> request(DumpStage stage);
    SysResult<bool> apply_datagram(std::span<const std::uint8_t> datagram, InterfaceTable& table);
    SysResult<bool> end_stage(InterfaceTable& table);
    SysResult<bool> on_lost_events();

    UniqueFd socket_;
    std::uint32_t port_id_ = 0; // ours, as the kernel addresses dump replies
    DumpStage dump_stage_ = DumpStage::Idle;
    std::uint32_t sequence_ = 0;
    bool restart_after_stage_ = false; // resync() or lost events during a dump
    bool stage_interrupted_ = false;   // NLM_F_DUMP_INTR seen in this stage
    bool replies_started_ = false;     // the dump's first reply has arrived
    bool have_table_ = false;          // a dump has completed: the caller's table is whole
    int interrupted_restarts_ = 0;
    bool host_groups_changed_ = false; // take_host_groups_changed()
    InterfaceTable staging_;           // built during a dump
    std::vector<std::uint8_t> buffer_;
};

} // namespace ecmh::io
