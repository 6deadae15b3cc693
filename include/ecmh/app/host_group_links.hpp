// SPDX-License-Identifier: BSD-3-Clause
// The host's own memberships (io::read_host_groups, by interface index) as the engine
// takes them (engine::HostGroup, by link): only the links ecmh serves, and only groups a
// router could forward (not IPv6 interface- or link-local scope, not 224.0.0.0/24: the
// kernel joins those on every interface, and no flow has them).
#pragma once

#include "ecmh/app/link_manager.hpp"
#include "ecmh/engine/flow_cache.hpp"
#include "ecmh/io/host_groups.hpp"

#include <vector>

namespace ecmh::app {

[[nodiscard]] std::vector<engine::HostGroup>
host_groups_on_links(const io::HostGroups& groups, const std::vector<ActiveLink>& links);

} // namespace ecmh::app
