// SPDX-License-Identifier: BSD-3-Clause
// Which groups, and which sources of a group, one link may join: the configuration's
// allow/deny rules and scope boundaries (doc/ecmh.conf.5, rfc-map items 32 and 46), as a
// pure decision the engine consults before a record reaches the link's router and
// before the merged state of a group is reported upstream.
//
// Rules match a group prefix, optionally with a source prefix. The most specific
// matching rule decides: the longer group prefix, then a rule with a source over one
// without, then the longer source prefix; between equally specific rules deny wins.
// When no rule matches, a policy with at least one allow rule denies (an allow list is a
// whitelist) and one without allows.
//
//   any-source join (EXCLUDE) of G   the group's decision (rules without a source)
//   source-specific join of (S, G)   the decision for (S, G), over every rule
//
// A boundary (RFC 2365 §6, RFC 4007 §5) is stronger than a deny: no membership of a
// bounded group is taken on the link and no data of it crosses the link in either
// direction (the forwarding table applies the data half).
#pragma once

#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/net/ipv6_address.hpp"
#include "ecmh/net/prefix.hpp"
#include "ecmh/proto/membership.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ecmh::table {

enum class PolicyAction : std::uint8_t { Allow, Deny };

template <class Address>
struct PolicyRule {
    PolicyAction action = PolicyAction::Allow;
    net::Prefix<Address> group;
    std::optional<net::Prefix<Address>> source; // none: every source
    friend bool operator==(const PolicyRule&, const PolicyRule&) = default;
};

template <class Address>
class GroupPolicy {
public:
    using Rule = PolicyRule<Address>;
    using Prefix = net::Prefix<Address>;

    // Allows everything, bounds nothing.
    GroupPolicy() = default;
    // `scope_boundary` (IPv6 only; 0: none): every group of a scope from realm-local (3)
    // up to it is bounded (RFC 4007 §5: the zones of smaller scopes nest inside).
    GroupPolicy(std::vector<Rule> rules, std::vector<Prefix> boundaries,
                std::uint8_t scope_boundary = 0);

    [[nodiscard]] bool allows_group(const Address& group) const;
    [[nodiscard]] bool allows_source(const Address& source, const Address& group) const;
    // An any-source join without an exclude list (MLDv1, IGMPv1/v2 reports): the group
    // allowed and no deny rule naming a host of it, which such a join could not exclude.
    [[nodiscard]] bool allows_plain_join(const Address& group) const {
        return allows_group(group) && denied_hosts(group).empty();
    }
    // Data and membership of `group` stop at this link.
    [[nodiscard]] bool bounds(const Address& group) const;
    // Nothing to check: the default policy.
    [[nodiscard]] bool empty() const {
        return rules_.empty() && boundaries_.empty() && scope_boundary_ == 0;
    }

    // The record as the policy lets the router see it, or nullopt when nothing of it
    // may be joined. An any-source record (IS_EX, TO_EX) of a denied group becomes a
    // leave (TO_IN {} / IS_IN {}), so state the link had before is given up as the rules
    // now want; the host addresses a deny rule names for an allowed group are added to its
    // exclude list; sources denied are removed from the other records.
    // `changed` is set when the policy changed anything (counted as policy-denied).
    [[nodiscard]] proto::GroupRecord<Address> filter(const proto::GroupRecord<Address>& record,
                                                     bool& changed) const;
    // A merged state as the upstream may report it: denied groups as no interest,
    // INCLUDE sources denied removed, deny rules' hosts added to an EXCLUDE list.
    [[nodiscard]] proto::MembershipState<Address>
    filter(const Address& group, const proto::MembershipState<Address>& state) const;

    [[nodiscard]] const std::vector<Rule>& rules() const { return rules_; }
    [[nodiscard]] const std::vector<Prefix>& boundaries() const { return boundaries_; }
    [[nodiscard]] std::uint8_t scope_boundary() const { return scope_boundary_; }
    friend bool operator==(const GroupPolicy&, const GroupPolicy&) = default;

private:
    // The deciding rule among those that match (source: nullopt for the group's decision,
    // which looks at rules without a source only); null when none matches.
    [[nodiscard]] const Rule* decide(const Address& group,
                                     const std::optional<Address>& source) const;
    [[nodiscard]] bool verdict(const Rule* rule) const {
        return rule != nullptr ? rule->action == PolicyAction::Allow : !has_allow_;
    }
    // The host sources deny rules name for `group` that its decision for (S, G) denies.
    [[nodiscard]] std::vector<Address> denied_hosts(const Address& group) const;

    std::vector<Rule> rules_;
    std::vector<Prefix> boundaries_;
    std::uint8_t scope_boundary_ = 0;
    bool has_allow_ = false;
};

extern template class GroupPolicy<net::Ipv4Address>;
extern template class GroupPolicy<net::Ipv6Address>;

} // namespace ecmh::table
