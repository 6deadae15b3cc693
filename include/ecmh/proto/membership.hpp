// SPDX-License-Identifier: BSD-3-Clause
// Membership values shared by the router side, the host side and the table: a filter
// mode with a source set (RFC 3810 §2/§4.2, RFC 3376 §3.2), and a group record as it
// arrives in a report or leaves in one.
#pragma once

#include "ecmh/proto/source_set.hpp"
#include "ecmh/wire/group_record.hpp"

#include <cstdint>
#include <string_view>

namespace ecmh::proto {

enum class FilterMode : std::uint8_t { Include, Exclude };

[[nodiscard]] constexpr std::string_view to_string(FilterMode m) {
    return m == FilterMode::Include ? "INCLUDE" : "EXCLUDE";
}

// A listening state without timers: INCLUDE(A) or EXCLUDE(A). "No state" is
// INCLUDE({}). This is what a downstream link contributes to the upstream merge and
// what the host side reports.
template <class Address>
struct MembershipState {
    FilterMode mode = FilterMode::Include;
    SourceSet<Address> sources;

    [[nodiscard]] bool is_empty() const { return mode == FilterMode::Include && sources.empty(); }
    // Would a packet from `source` be wanted under this state?
    [[nodiscard]] bool admits(const Address& source) const {
        return mode == FilterMode::Include ? sources.contains(source) : !sources.contains(source);
    }
    friend bool operator==(const MembershipState&, const MembershipState&) = default;
};

// One record of a report, family-generic: the router side consumes them (after the
// wire layer parsed them), the host side produces them (for the wire builders).
template <class Address>
struct GroupRecord {
    wire::RecordType type = wire::RecordType::ModeIsExclude;
    Address group;
    SourceSet<Address> sources;
    friend bool operator==(const GroupRecord&, const GroupRecord&) = default;
};

} // namespace ecmh::proto
