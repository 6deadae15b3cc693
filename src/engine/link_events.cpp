// SPDX-License-Identifier: BSD-3-Clause
// Runtime link events (rfc-map M19, item 37): a link whose addresses, MTU or MAC change,
// and a link that goes down and comes back, keep their listener state. Re-adding the
// link instead would flush it: its listeners would lose their stream until they answer
// the next query, which takes up to a Query Response Interval.
#include "ecmh/engine/proxy.hpp"

#include <string>
#include <utility>

namespace ecmh::engine {
namespace {

// The same interface in the same role: a change that can be applied in place.
bool same_link(const LinkConfig& a, const LinkConfig& b) {
    return a.ifindex == b.ifindex && a.link_type == b.link_type && a.upstream == b.upstream &&
           !a.tunnel && !b.tunnel;
}

// One family's side of a changed link. The upstream reports from its new address (or
// from the unspecified one: RFC 3376 §4.2.13). A downstream router moves to its new
// address; a downstream link that gains its first address starts speaking the protocol
// there, one that loses it stops (as Proxy::add_link decides for a new link).
template <class Family>
void update_family(FamilyPlane<Family>& plane, EventLog& log, LinkId id, const LinkConfig& c,
                   const std::optional<typename Family::Address>& before,
                   const std::optional<typename Family::Address>& after, proto::TimePoint now) {
    using Address = typename Family::Address;
    const std::string protocol{Family::kProtocolName};
    if (c.upstream) {
        plane.update_link(id, after.value_or(Address{}), c.mtu, now);
    } else if (before && after) {
        plane.update_link(id, *after, c.mtu, now);
    } else if (after) {
        log.log(LogLevel::Info, "link " + c.name + " has an address now: " + protocol + " there");
        plane.add_downstream(id, *after, c.mtu, now);
    } else if (before) {
        log.log(LogLevel::Warning, "link " + c.name + " lost its address: no " + protocol +
                                       " there any more, its listeners are forgotten");
        plane.remove_link(id, now);
    }
}

} // namespace

bool Proxy::update_link(LinkId id, const LinkConfig& config, proto::TimePoint now) {
    if (id.slot() >= table::kMaxLinks || !links_[id.slot()].present ||
        !same_link(links_[id.slot()].config, config)) {
        return false;
    }
    const LinkConfig before = std::exchange(links_[id.slot()].config, config);
    rebuild_own_addresses();
    if (config_.ipv6) {
        update_family(mld_, log_, id, config, before.link_local, config.link_local, now);
    }
    if (config_.ipv4) {
        update_family(igmp_, log_, id, config, before.ipv4, config.ipv4, now);
    }
    return true;
}

void Proxy::set_link_down(LinkId id, proto::TimePoint now) {
    if (id.slot() < links_.size() && links_[id.slot()].present && !links_[id.slot()].down_since) {
        links_[id.slot()].down_since = now;
    }
}

void Proxy::set_link_up(LinkId id, proto::TimePoint now) {
    if (id.slot() >= links_.size() || !links_[id.slot()].present || !links_[id.slot()].down_since) {
        return;
    }
    links_[id.slot()].down_since.reset();
    if (config_.ipv6) {
        mld_.link_up(id, now);
    }
    if (config_.ipv4) {
        igmp_.link_up(id, now);
    }
}

} // namespace ecmh::engine
