// SPDX-License-Identifier: BSD-3-Clause
// The membership database merge of RFC 4605 §4.1: the subscriptions for one group on
// every downstream link become the one record the proxy reports upstream.
//
// Each contribution arrives already preprocessed by the router side: INCLUDE(A) as is,
// EXCLUDE(X,Y) as EXCLUDE(Y) ("remove every source whose source timer > 0"), an
// IGMPv1/v2 or MLDv1 member as EXCLUDE({}), a link without state as INCLUDE({}) or
// absent. The merge is then the multiple-socket rule of RFC 3810 §4.2 / RFC 3376 §3.2:
//
//   any EXCLUDE  →  EXCLUDE((∩ of the EXCLUDE lists) − (∪ of the INCLUDE lists))
//   otherwise    →  INCLUDE(∪ of the INCLUDE lists)
//
// ("An implementation MUST NOT use an EXCLUDE interface record ... if all ... are in
// INCLUDE", RFC 3810 §4.2.) Contributions are read, never copied: the router side can
// feed them one by one (MembershipMerge) or as any range (merge_memberships).
#pragma once

#include "ecmh/proto/membership.hpp"

#include <functional>
#include <ranges>
#include <type_traits>

namespace ecmh::proto {

template <class Address>
class MembershipMerge {
public:
    void add(const MembershipState<Address>& contribution) {
        if (contribution.mode == FilterMode::Include) {
            include_union_ = include_union_ + contribution.sources;
            return;
        }
        // The first EXCLUDE list starts the intersection; ∩ over no lists is undefined,
        // so "no EXCLUDE yet" is a flag, never an empty set (which would be absorbing).
        exclude_intersection_ =
            any_exclude_ ? exclude_intersection_ * contribution.sources : contribution.sources;
        any_exclude_ = true;
    }

    [[nodiscard]] MembershipState<Address> result() const {
        if (any_exclude_) {
            return {FilterMode::Exclude, exclude_intersection_ - include_union_};
        }
        return {FilterMode::Include, include_union_};
    }

private:
    bool any_exclude_ = false;
    SourceSet<Address> exclude_intersection_;
    SourceSet<Address> include_union_;
};

namespace host_detail {
template <class State>
struct StateAddress;
template <class Address>
struct StateAddress<MembershipState<Address>> {
    using type = Address;
};
} // namespace host_detail

// Merges any range of contributions; `project` maps an element to a
// `const MembershipState&` (e.g. a per-link entry to its state), identity by default.
template <class Range, class Projection = std::identity>
[[nodiscard]] auto merge_memberships(const Range& contributions, Projection project = {}) {
    using State = std::remove_cvref_t<
        std::invoke_result_t<Projection&, std::ranges::range_reference_t<const Range>>>;
    MembershipMerge<typename host_detail::StateAddress<State>::type> merge;
    for (const auto& contribution : contributions) {
        merge.add(std::invoke(project, contribution));
    }
    return merge.result();
}

} // namespace ecmh::proto
