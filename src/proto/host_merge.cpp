// SPDX-License-Identifier: BSD-3-Clause
// The merge is a header template; instantiating it here for both families compiles it
// under the core's strict warnings, which the tests that include it do not use.
#include "ecmh/proto/host_merge.hpp"

#include "ecmh/proto/family.hpp"

namespace ecmh::proto {

template class MembershipMerge<Ipv6Family::Address>;
template class MembershipMerge<Ipv4Family::Address>;

} // namespace ecmh::proto
