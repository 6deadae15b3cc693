// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/table/group_policy.hpp"

#include <algorithm>
#include <tuple>
#include <type_traits>
#include <utility>

namespace ecmh::table {
namespace {

using wire::RecordType;

// How specific a rule is: the longer group prefix, then with a source, then the longer
// source prefix.
template <class Address>
std::tuple<std::uint8_t, bool, std::uint8_t> specificity(const PolicyRule<Address>& rule) {
    return {rule.group.length(), rule.source.has_value(),
            rule.source ? rule.source->length() : std::uint8_t{0}};
}

bool is_exclude_type(RecordType type) {
    return type == RecordType::ModeIsExclude || type == RecordType::ChangeToExcludeMode;
}

// Realm-local (3) to the boundary's scope: RFC 4007 §5 zones nest, so a boundary of a
// scope is one of every smaller multicast scope too; 1 and 2 never leave a link anyway.
bool in_scope_boundary(const net::Ipv6Address& group, std::uint8_t boundary) {
    const auto scope = static_cast<std::uint8_t>(group.multicast_scope());
    return boundary != 0 && group.is_multicast() && scope >= 3 && scope <= boundary;
}
bool in_scope_boundary(const net::Ipv4Address& /*group*/, std::uint8_t /*boundary*/) {
    return false; // IPv4 scopes are prefixes (239.0.0.0/8, RFC 2365 §6.1)
}

} // namespace

template <class Address>
GroupPolicy<Address>::GroupPolicy(std::vector<Rule> rules, std::vector<Prefix> boundaries,
                                  std::uint8_t scope_boundary)
    : rules_(std::move(rules)), boundaries_(std::move(boundaries)), scope_boundary_(scope_boundary),
      has_allow_(std::any_of(rules_.begin(), rules_.end(),
                             [](const Rule& r) { return r.action == PolicyAction::Allow; })) {}

template <class Address>
const PolicyRule<Address>*
GroupPolicy<Address>::decide(const Address& group, const std::optional<Address>& source) const {
    const Rule* best = nullptr;
    for (const auto& rule : rules_) {
        if (!rule.group.contains(group)) {
            continue;
        }
        if (rule.source && (!source || !rule.source->contains(*source))) {
            continue; // the group's decision looks at rules without a source only
        }
        if (best == nullptr || specificity(rule) > specificity(*best) ||
            (specificity(rule) == specificity(*best) && rule.action == PolicyAction::Deny)) {
            best = &rule;
        }
    }
    return best;
}

template <class Address>
bool GroupPolicy<Address>::bounds(const Address& group) const {
    return in_scope_boundary(group, scope_boundary_) ||
           std::any_of(boundaries_.begin(), boundaries_.end(),
                       [&](const Prefix& p) { return p.contains(group); });
}

template <class Address>
bool GroupPolicy<Address>::allows_group(const Address& group) const {
    return !bounds(group) && verdict(decide(group, std::nullopt));
}

template <class Address>
bool GroupPolicy<Address>::allows_source(const Address& source, const Address& group) const {
    return !bounds(group) && verdict(decide(group, source));
}

template <class Address>
std::vector<Address> GroupPolicy<Address>::denied_hosts(const Address& group) const {
    std::vector<Address> hosts;
    for (const auto& rule : rules_) {
        if (rule.action == PolicyAction::Deny && rule.source && rule.source->is_host() &&
            rule.group.contains(group) && !allows_source(rule.source->address(), group)) {
            hosts.push_back(rule.source->address());
        }
    }
    return hosts;
}

template <class Address>
proto::GroupRecord<Address> GroupPolicy<Address>::filter(const proto::GroupRecord<Address>& record,
                                                         bool& changed) const {
    changed = false;
    if (empty()) {
        return record;
    }
    proto::GroupRecord<Address> out{record.type, record.group, {}};
    if (is_exclude_type(record.type)) {
        if (!allows_group(record.group)) {
            // Any-source interest in a denied group: the link joins nothing of it. As a
            // TO_IN {} the router gives up state it may hold from before the rules.
            out.type = record.type == RecordType::ModeIsExclude ? RecordType::ModeIsInclude
                                                                : RecordType::ChangeToIncludeMode;
            changed = true;
            return out;
        }
        out.sources = record.sources;
        for (const auto& host : denied_hosts(record.group)) {
            changed = changed || !out.sources.contains(host);
            out.sources.insert(host);
        }
        return out;
    }
    if (record.type == RecordType::BlockOldSources) {
        return record; // blocking is always allowed, and keeps denied sources blocked
    }
    for (const auto& source : record.sources) {
        if (allows_source(source, record.group)) {
            out.sources.insert(source);
        } else {
            changed = true;
        }
    }
    return out;
}

template <class Address>
proto::MembershipState<Address>
GroupPolicy<Address>::filter(const Address& group,
                             const proto::MembershipState<Address>& state) const {
    if (empty() || state.is_empty()) {
        return state;
    }
    proto::MembershipState<Address> out;
    if (state.mode == proto::FilterMode::Exclude) {
        if (!allows_group(group)) {
            return out; // no any-source interest may be reported
        }
        out = state;
        for (const auto& host : denied_hosts(group)) {
            out.sources.insert(host);
        }
        return out;
    }
    for (const auto& source : state.sources) {
        if (allows_source(source, group)) {
            out.sources.insert(source);
        }
    }
    return out;
}

template class GroupPolicy<net::Ipv4Address>;
template class GroupPolicy<net::Ipv6Address>;

} // namespace ecmh::table
