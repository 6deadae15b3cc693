// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/link_blocks.hpp"

#include "ecmh/app/option_table.hpp"
#include "ecmh/app/options.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <fnmatch.h>
#include <utility>

namespace ecmh::app {
namespace {

using net::Ipv4Address;
using net::Ipv6Address;

// Options of ecmh(8) that a link block may set for its links: the same names, values
// and checks as on the command line.
constexpr std::array<std::string_view, 9> kOptionKeywords{"robustness",
                                                          "query-interval",
                                                          "query-response-interval",
                                                          "last-listener-query-interval",
                                                          "unsolicited-report-interval",
                                                          "igmp-version",
                                                          "max-groups",
                                                          "max-sources",
                                                          "max-membership-rate"};
// Settings that exist for links only.
constexpr std::array<std::string_view, 7> kLinkOnlyKeywords{
    "role", "mld-version", "querier-rule", "allow", "deny", "boundary", "serve"};

template <std::size_t N>
bool listed(const std::array<std::string_view, N>& list, std::string_view keyword) {
    return std::find(list.begin(), list.end(), keyword) != list.end();
}

// A block's settings as they accumulate over the matching blocks.
struct Draft {
    explicit Draft(const Options& base) { scratch.options = base; }
    ParseState scratch; // the block's option lines applied to the global options
    std::optional<LinkRoleSetting> role;
    std::optional<std::uint8_t> mld_version;
    std::optional<bool> querier_rule;
    std::vector<table::PolicyRule<Ipv6Address>> mld_rules;
    std::vector<table::PolicyRule<Ipv4Address>> igmp_rules;
    std::vector<net::Ipv6Prefix> mld_boundaries;
    std::vector<net::Ipv4Prefix> igmp_boundaries;
    std::uint8_t scope_boundary = 0;
    std::vector<net::Ipv6Prefix> mld_serves; // an upstream's groups (`serve`)
    std::vector<net::Ipv4Prefix> igmp_serves;
};

std::string quoted(std::string_view s) {
    return "'" + std::string(s) + "'";
}

std::string expected(const LinkSettingLine& s, std::string_view what) {
    return "invalid value '" + s.values_text() + "' for " + s.keyword + ": expected " +
           std::string(what);
}

template <class Address>
std::optional<std::string> add_rule(const LinkSettingLine& s,
                                    std::vector<table::PolicyRule<Address>>& rules) {
    constexpr std::string_view kWhat =
        "a multicast group prefix, optionally followed by 'source' and a unicast prefix of the "
        "same family";
    const auto group = net::Prefix<Address>::parse(s.values[0]);
    if (!group || !group->is_multicast()) {
        return expected(s, kWhat);
    }
    table::PolicyRule<Address> rule{s.keyword == "allow" ? table::PolicyAction::Allow
                                                         : table::PolicyAction::Deny,
                                    *group, std::nullopt};
    if (s.values.size() == 3) {
        const auto source = net::Prefix<Address>::parse(s.values[2]);
        if (s.values[1] != "source" || !source || source->address().is_multicast()) {
            return expected(s, kWhat);
        }
        rule.source = *source;
    } else if (s.values.size() != 1) {
        return expected(s, kWhat);
    }
    rules.push_back(rule);
    return std::nullopt;
}

std::optional<std::string> add_policy(Draft& d, const LinkSettingLine& s) {
    if (s.values.empty()) {
        return quoted(s.keyword) + " needs a group prefix";
    }
    if (s.values[0].find(':') != std::string::npos) {
        return add_rule<Ipv6Address>(s, d.mld_rules);
    }
    return add_rule<Ipv4Address>(s, d.igmp_rules);
}

std::optional<std::string> add_boundary(Draft& d, const LinkSettingLine& s) {
    constexpr std::string_view kWhat =
        "a multicast prefix (239.0.0.0/8, ff15::/16) or 'scope N' (IPv6, N from 3 to 13)";
    if (s.values.size() == 2 && s.values[0] == "scope") {
        const auto& n = s.values[1];
        unsigned scope = 0;
        const auto [end, error] = std::from_chars(n.data(), n.data() + n.size(), scope);
        if (error != std::errc{} || end != n.data() + n.size() || scope < 3 || scope > 13) {
            return expected(s, kWhat);
        }
        d.scope_boundary = std::max(d.scope_boundary, static_cast<std::uint8_t>(scope));
        return std::nullopt;
    }
    if (s.values.size() != 1) {
        return expected(s, kWhat);
    }
    if (const auto v6 = net::Ipv6Prefix::parse(s.values[0]); v6 && v6->is_multicast()) {
        d.mld_boundaries.push_back(*v6);
    } else if (const auto v4 = net::Ipv4Prefix::parse(s.values[0]); v4 && v4->is_multicast()) {
        d.igmp_boundaries.push_back(*v4);
    } else {
        return expected(s, kWhat);
    }
    return std::nullopt;
}

// "serve ff3e::1:0/112 239.1.0.0/16": the groups an upstream serves (multicast prefixes of
// either family, on one line or several).
std::optional<std::string> add_serves(Draft& d, const LinkSettingLine& s) {
    if (s.values.empty()) {
        return quoted(s.keyword) + " needs one or more multicast prefixes";
    }
    for (const auto& v : s.values) {
        if (const auto v6 = net::Ipv6Prefix::parse(v); v6 && v6->is_multicast()) {
            d.mld_serves.push_back(*v6);
        } else if (const auto v4 = net::Ipv4Prefix::parse(v); v4 && v4->is_multicast()) {
            d.igmp_serves.push_back(*v4);
        } else {
            return "invalid value '" + v + "' for serve: expected multicast prefixes " +
                   "(ff3e::/16, 239.1.0.0/16)";
        }
    }
    return std::nullopt;
}

std::optional<std::string> set_word(const LinkSettingLine& s) {
    if (s.values.size() != 1) {
        return quoted(s.keyword) + " takes one value";
    }
    return std::nullopt;
}

std::optional<std::string> apply(Draft& d, const LinkSettingLine& s) {
    if (const auto* option =
            listed(kOptionKeywords, s.keyword) ? option_named(s.keyword) : nullptr) {
        if (auto error = set_word(s)) {
            return error;
        }
        return option->apply(d.scratch, OptionValue{s.values[0], s.keyword});
    }
    if (s.keyword == "allow" || s.keyword == "deny") {
        return add_policy(d, s);
    }
    if (s.keyword == "boundary") {
        return add_boundary(d, s);
    }
    if (s.keyword == "serve") {
        return add_serves(d, s);
    }
    if (auto error = set_word(s)) {
        return error;
    }
    const auto& v = s.values[0];
    if (s.keyword == "role") {
        if (v != "upstream" && v != "downstream" && v != "disabled") {
            return expected(s, "upstream, downstream or disabled");
        }
        d.role = v == "upstream"   ? LinkRoleSetting::Upstream
                 : v == "disabled" ? LinkRoleSetting::Disabled
                                   : LinkRoleSetting::Downstream;
    } else if (s.keyword == "mld-version") {
        if (v != "1" && v != "2") {
            return expected(s, "1 or 2");
        }
        d.mld_version = static_cast<std::uint8_t>(v[0] - '0');
    } else if (s.keyword == "querier-rule") {
        if (v != "on" && v != "off") {
            return expected(s, "on or off");
        }
        d.querier_rule = v == "on";
    } else {
        return "unknown setting " + quoted(s.keyword);
    }
    return std::nullopt;
}

// Applies every line of every block that matches `interface`.
Draft resolve(const Options& options, std::string_view interface) {
    Draft d{options};
    for (const auto& block : options.link_blocks) {
        if (pattern_matches(block.pattern, interface)) {
            for (const auto& line : block.settings) {
                (void)apply(d, line); // checked when the file was read
            }
        }
    }
    return d;
}

} // namespace

bool is_link_keyword(std::string_view keyword) {
    return listed(kOptionKeywords, keyword) || listed(kLinkOnlyKeywords, keyword);
}

std::vector<LinkBlock> unmatched_blocks(const Options& options,
                                        const std::vector<std::string>& interfaces) {
    std::vector<LinkBlock> unmatched;
    for (const auto& block : options.link_blocks) {
        if (std::none_of(interfaces.begin(), interfaces.end(), [&](const std::string& name) {
                return pattern_matches(block.pattern, name);
            })) {
            unmatched.push_back(block);
        }
    }
    return unmatched;
}

bool pattern_matches(const std::string& pattern, std::string_view interface) {
    return ::fnmatch(pattern.c_str(), std::string(interface).c_str(), 0) == 0;
}

std::optional<std::string> check_link_setting(const LinkSettingLine& setting, const Options& base) {
    if (!is_link_keyword(setting.keyword)) {
        return option_named(setting.keyword) != nullptr
                   ? quoted(setting.keyword) +
                         " is a global setting: put it before the first 'link' line"
                   : "unknown setting " + quoted(setting.keyword);
    }
    Draft d{base};
    return apply(d, setting);
}

std::optional<std::string> check_link_timers(const LinkBlock& block, const Options& base) {
    Draft d{base};
    for (const auto& line : block.settings) {
        (void)apply(d, line); // each line was checked on its own
    }
    return timers_error(d.scratch.options.timers);
}

std::optional<std::string> timers_error(const proto::ProtocolVariables& t) {
    if (t.query_response_interval < t.query_interval) {
        return std::nullopt;
    }
    return "the query response interval (" + std::to_string(t.query_response_interval.count()) +
           " ms) must be less than the query interval (" +
           std::to_string(t.query_interval.count()) + " ms)";
}

std::optional<LinkRoleSetting> configured_role(const Options& options, std::string_view interface) {
    return resolve(options, interface).role;
}

std::vector<std::string> upstream_names(const Options& options) {
    std::vector<std::string> names;
    if (options.upstream) {
        names.push_back(*options.upstream);
    }
    for (const auto& name : options.more_upstreams) {
        if (std::find(names.begin(), names.end(), name) == names.end()) {
            names.push_back(name);
        }
    }
    return names;
}

std::vector<engine::UpstreamServes> upstream_serves(const Options& options) {
    std::vector<engine::UpstreamServes> out;
    for (const auto& name : upstream_names(options)) {
        Draft d = resolve(options, name);
        out.push_back({name, std::move(d.mld_serves), std::move(d.igmp_serves)});
    }
    return out;
}

engine::LinkSettings link_settings(const Options& options, std::string_view interface) {
    const Draft d = resolve(options, interface);
    const auto& o = d.scratch.options;
    // Complete: the global values where no block sets one, so a reload that changes a
    // global value changes every link's settings (and only then).
    engine::LinkSettings s;
    s.vars = o.timers;
    s.mld_version = d.mld_version;
    s.igmp_version = o.igmp_version;
    s.querier_rule = d.querier_rule.value_or(true);
    s.max_groups = o.limits.max_groups_per_link;
    s.max_sources = o.limits.max_sources_per_group;
    s.max_membership_rate = o.limits.max_membership_rate;
    s.mld_policy = table::GroupPolicy<Ipv6Address>{d.mld_rules, d.mld_boundaries, d.scope_boundary};
    s.igmp_policy = table::GroupPolicy<Ipv4Address>{d.igmp_rules, d.igmp_boundaries};
    return s;
}

} // namespace ecmh::app
