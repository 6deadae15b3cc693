// SPDX-License-Identifier: BSD-3-Clause
// Which upstream serves a group, for one address family (issue 14 item 4; `serve` in
// doc/ecmh.conf.5). Each configured upstream names the group prefixes it serves; the
// longest prefix that contains a group wins, so a group has one upstream at most (two
// upstreams never claim the same prefix: the configuration refuses it) and never
// reaches two upstreams — RFC 4605 §4's loop rule for a proxy with one upstream, kept
// with several.
//
// An upstream that is configured but not there (a PPP link that is down) keeps its
// prefixes: its groups are served by nobody meanwhile, rather than moving to another
// upstream whose provider may cut streams for groups it does not expect.
//
// Without configured routes (no file, or one upstream without `serve`) every upstream
// that is attached serves every group; the configuration allows only one such upstream.
//
// Per packet: one load when one upstream serves every group (the common case: -i), a walk
// over the routes, longest first, otherwise (a handful); no allocation.
#pragma once

#include "ecmh/net/prefix.hpp"
#include "ecmh/table/link_set.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ecmh::table {

template <class Address>
class UpstreamRoutes {
public:
    struct Route {
        net::Prefix<Address> prefix; // the groups served; length 0: every group
        std::string upstream;        // the link's name
        std::optional<LinkId> link;  // while the link is there
    };

    // The configured routes, replacing the previous ones; links already attached stay
    // attached to the routes that name them.
    void configure(std::vector<Route> routes);
    // The upstream `name` is there as `link` / has gone.
    void attach(std::string_view name, LinkId link);
    void detach(LinkId link);

    // The upstream that serves `group`: nullopt when no route contains it or its
    // upstream is not there.
    [[nodiscard]] std::optional<LinkId> serving(const Address& group) const {
        if (only_default_) {
            return default_link_;
        }
        for (const auto& r : lookup_) {
            if (r.prefix.length() == 0 || r.prefix.contains(group)) {
                return r.link;
            }
        }
        return std::nullopt;
    }
    // Every upstream link that is there.
    [[nodiscard]] const LinkSet& links() const { return links_; }
    // The routes, longest prefix first.
    [[nodiscard]] std::span<const Route> routes() const { return routes_; }
    // The prefixes `link` serves, longest first.
    [[nodiscard]] std::vector<net::Prefix<Address>> served_by(LinkId link) const;

private:
    void resolve();
    void index(); // lookup_ and the one-default shortcut from routes_

    // What serving() reads: the routes without their names, so a walk touches little.
    struct Lookup {
        net::Prefix<Address> prefix;
        std::optional<LinkId> link;
    };
    bool only_default_ = false; // one route, of every group: serving() is default_link_
    std::optional<LinkId> default_link_;
    std::vector<Lookup> lookup_;
    std::vector<Route> configured_;
    std::vector<Route> routes_; // configured_ resolved, or the implicit ones; longest first
    std::vector<std::pair<std::string, LinkId>> attached_;
    LinkSet links_;
};

extern template class UpstreamRoutes<net::Ipv6Address>;
extern template class UpstreamRoutes<net::Ipv4Address>;

} // namespace ecmh::table
