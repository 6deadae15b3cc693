// SPDX-License-Identifier: BSD-3-Clause
// What the router side of a downstream link decides, as values for the engine: the one
// output variant of RouterLink and of the machines inside it (Querier, RouterGroup),
// appended to one queue (outputs.hpp). The engine acts on each: builds and sends the
// query, rebuilds the forwarding entry and the upstream merge, logs.
#pragma once

#include "ecmh/proto/outputs.hpp"
#include "ecmh/proto/source_set.hpp"
#include "ecmh/proto/time.hpp"

#include <chrono>
#include <cstdint>
#include <variant>

namespace ecmh::proto {

// A query for the engine to build (wire::MldQuerySpec / IgmpQuerySpec) and send from
// own_address: a General Query when `group` is unspecified, else to the group.
template <class Address>
struct SendQuery {
    std::uint8_t version = 0; // the link's configured version
    Address group{};
    SourceSet<Address> sources; // empty but for Q(MA,A); only in MLDv2 / IGMPv3
    bool suppress_router_side = false;
    Duration max_response{};                    // QRI for General Queries, LLQI for specific ones
    std::uint32_t robustness = 0;               // QRV
    std::chrono::milliseconds query_interval{}; // QQIC
    [[nodiscard]] bool is_general() const { return group == Address{}; }
    friend bool operator==(const SendQuery&, const SendQuery&) = default;
};

// What forwards()/contribution() answer for `group` changed (including its deletion):
// rebuild the forwarding cache and the upstream merge for it (RFC 4605 §4.2).
template <class Address>
struct MembershipChanged {
    Address group;
    friend bool operator==(const MembershipChanged&, const MembershipChanged&) = default;
};

// TotalSources: the family's cap on the source records of all groups on all links.
enum class LimitKind : std::uint8_t { Groups, SourcesPerGroup, TotalSources };

// A cap refused new state (rfc-map M7): log it, rate-limited. One per operation.
template <class Address>
struct LimitReached {
    LimitKind kind = LimitKind::Groups;
    Address group;
    std::uint64_t refused = 1; // records the operation could not create: the group, or sources
    friend bool operator==(const LimitReached&, const LimitReached&) = default;
};

// The link's querier status changed: the querier rule of RFC 4605 §3 (item 42) makes
// this a forwarding change for every group on the link. (The Transition that comes with
// it is for the debug log; this is what the forwarding table acts on.)
template <class Address>
struct QuerierChanged {
    bool querier = true;
    Address querier_address;
    friend bool operator==(const QuerierChanged&, const QuerierChanged&) = default;
};

template <class Address>
using RouterOutput =
    std::variant<SendQuery<Address>, MembershipChanged<Address>, LimitReached<Address>,
                 QuerierChanged<Address>, Transition<Address>>;

template <class Address>
using RouterOutputs = OutputQueue<RouterOutput<Address>>;

} // namespace ecmh::proto
