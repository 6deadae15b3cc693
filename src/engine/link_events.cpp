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

// One family's side of a changed link. The upstream and a downstream router of the
// family follow the address (FamilyPlane::update_link: a router that loses it keeps its
// listeners and stays silent until it has one again); a downstream link that gets its
// first address starts speaking the protocol there, as Proxy::add_link decides.
template <class Family>
void update_family(FamilyPlane<Family>& plane, EventLog& log, LinkId id, const LinkConfig& c,
                   const std::optional<typename Family::Address>& before,
                   const std::optional<typename Family::Address>& after, proto::TimePoint now) {
    const std::string protocol{Family::kProtocolName};
    if (c.upstream || plane.is_downstream(id)) {
        if (before && !after && !c.upstream) {
            log.log(LogLevel::Info, "link " + c.name + " has no address for " + protocol +
                                        " now: its listeners are kept, no queries until it "
                                        "has one again");
        }
        plane.update_link(id, after, c.mtu, now);
    } else if (after) {
        log.log(LogLevel::Info, "link " + c.name + " has an address now: " + protocol + " there");
        plane.add_downstream(id, *after, c.mtu, c.settings, now);
    }
}

} // namespace

bool Proxy::update_link(LinkId id, const LinkConfig& config, proto::TimePoint now) {
    if (id.slot() >= table::kMaxLinks || !links_[id.slot()].present ||
        !same_link(links_[id.slot()].config, config)) {
        return false;
    }
    const SyncFlows sync(*this, now);
    const SettleTranslation settle(translator_.get(), now);
    ++links_generation_;
    const LinkConfig before = std::exchange(links_[id.slot()].config, config);
    rebuild_own_addresses();
    if (config_.ipv6) {
        update_family(mld_, log_, id, config, before.link_local, config.link_local, now);
    }
    if (config_.ipv4) {
        update_family(igmp_, log_, id, config, before.ipv4, config.ipv4, now);
    }
    if (before.settings != config.settings) {
        update_settings(id, before.settings, now);
    }
    return true;
}

void Proxy::update_settings(LinkId id, const LinkSettings& before, proto::TimePoint now) {
    ++links_generation_;
    auto& link = links_[id.slot()];
    const auto& after = link.config.settings;
    if (before.max_membership_rate != after.max_membership_rate) {
        link.membership_rate = membership_bucket(after);
    }
    if (config_.ipv6) {
        mld_.update_settings(id, before, after, now);
    }
    if (config_.ipv4) {
        igmp_.update_settings(id, before, after, now);
    }
}

void Proxy::set_link_down(LinkId id, proto::TimePoint now) {
    const SyncFlows sync(*this, now);
    if (id.slot() < links_.size() && links_[id.slot()].present && !links_[id.slot()].down_since) {
        ++links_generation_;
        links_[id.slot()].down_since = now;
    }
}

void Proxy::set_link_up(LinkId id, proto::TimePoint now) {
    const SyncFlows sync(*this, now);
    if (id.slot() >= links_.size() || !links_[id.slot()].present || !links_[id.slot()].down_since) {
        return;
    }
    ++links_generation_;
    links_[id.slot()].down_since.reset();
    if (config_.ipv6) {
        mld_.link_up(id, now);
    }
    if (config_.ipv4) {
        igmp_.link_up(id, now);
    }
}

} // namespace ecmh::engine
