// SPDX-License-Identifier: BSD-3-Clause
// The addresses hosts send their reports to, joined with the kernel on every link ecmh
// serves as a router: ff02::16 (all MLDv2-capable routers, RFC 3810 §7) and 224.0.0.22
// (IGMPv3 routers, RFC 3376 §4.2.14). ecmh's capture asks the NIC for all multicast,
// but a snooping switch forwards reports only to ports it knows want them (a router
// port, or a port whose host joined the report address), and some NICs and virtual
// links filter by MAC. A kernel membership puts 33:33:00:00:00:16 and
// 01:00:5e:00:00:16 in the link's MAC filter and makes the kernel announce the
// membership, as a router host's own kernel would. One UDP socket per family and link
// holds the membership (IPv4 allows only 20 per socket by default); closing it leaves.
#pragma once

#ifdef __linux__
#include "ecmh/engine/link.hpp"
#include "ecmh/io/unique_fd.hpp"
#include "ecmh/net/if_index.hpp"
#include "ecmh/table/link_set.hpp"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace ecmh::io {

class ReportGroups {
public:
    // Joins on `index` for the families asked. A family that cannot be joined (IPv6
    // disabled on the link, no IPv4 device) is left out and described in problem():
    // the all-multicast capture may still see the reports.
    [[nodiscard]] static ReportGroups join(net::IfIndex index, bool ipv6, bool ipv4);

    [[nodiscard]] const std::string& problem() const { return problem_; }

private:
    UniqueFd ipv6_;
    UniqueFd ipv4_;
    std::string problem_;
};

// The memberships of the router links a frame source captures, by the engine's link id,
// with what could not be joined kept for the daemon's log.
class RouterLinkMemberships {
public:
    RouterLinkMemberships(bool ipv6, bool ipv4) : ipv6_(ipv6), ipv4_(ipv4) {}

    void join(engine::LinkId id, const std::string& name, net::IfIndex index);
    void leave(engine::LinkId id);
    [[nodiscard]] std::vector<std::string> take_notes() { return std::exchange(notes_, {}); }

private:
    bool ipv6_;
    bool ipv4_;
    std::array<std::optional<ReportGroups>, table::kMaxLinks> by_slot_{};
    std::vector<std::string> notes_;
};

} // namespace ecmh::io
#endif
