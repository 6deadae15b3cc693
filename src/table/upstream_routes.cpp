// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/table/upstream_routes.hpp"

#include <algorithm>
#include <utility>

namespace ecmh::table {

template <class Address>
void UpstreamRoutes<Address>::configure(std::vector<Route> routes) {
    configured_ = std::move(routes);
    resolve();
}

template <class Address>
void UpstreamRoutes<Address>::attach(std::string_view name, LinkId link) {
    std::erase_if(attached_, [&](const auto& a) { return a.second == link; });
    attached_.emplace_back(std::string(name), link);
    resolve();
}

template <class Address>
void UpstreamRoutes<Address>::detach(LinkId link) {
    std::erase_if(attached_, [&](const auto& a) { return a.second == link; });
    resolve();
}

template <class Address>
std::vector<net::Prefix<Address>> UpstreamRoutes<Address>::served_by(LinkId link) const {
    std::vector<net::Prefix<Address>> out;
    for (const auto& r : routes_) {
        if (r.link == link) {
            out.push_back(r.prefix);
        }
    }
    return out;
}

template <class Address>
void UpstreamRoutes<Address>::resolve() {
    links_ = LinkSet{};
    for (const auto& a : attached_) {
        links_.insert(a.second);
    }
    routes_.clear();
    if (configured_.empty()) {
        // No routes configured: an attached upstream serves every group (the first one
        // if there were ever more; the configuration does not allow it).
        if (!attached_.empty()) {
            routes_.push_back(Route{{}, attached_.front().first, attached_.front().second});
        }
        index();
        return;
    }
    routes_ = configured_;
    for (auto& r : routes_) {
        r.link.reset();
        for (const auto& a : attached_) {
            if (a.first == r.upstream) {
                r.link = a.second;
            }
        }
    }
    // Longest prefix first; equal lengths in configuration order (the configuration
    // refuses equal prefixes, so the order among equal lengths never decides).
    std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) {
        return a.prefix.length() > b.prefix.length();
    });
    index();
}

template <class Address>
void UpstreamRoutes<Address>::index() {
    lookup_.clear();
    for (const auto& r : routes_) {
        lookup_.push_back(Lookup{r.prefix, r.link});
    }
    only_default_ = routes_.size() == 1 && routes_.front().prefix.length() == 0;
    default_link_ = only_default_ ? routes_.front().link : std::nullopt;
}

template class UpstreamRoutes<net::Ipv6Address>;
template class UpstreamRoutes<net::Ipv4Address>;

} // namespace ecmh::table
