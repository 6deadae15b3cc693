// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/service_status.hpp"

#include <algorithm>

namespace ecmh::app {
namespace {

std::string count(std::size_t n, const char* singular, const char* plural) {
    return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

std::string upstream_text(const std::vector<ActiveLink>& links,
                          const std::optional<std::string>& upstream) {
    if (!upstream) {
        return "no upstream";
    }
    const bool served = std::any_of(links.begin(), links.end(),
                                    [](const ActiveLink& l) { return l.config.upstream; });
    return (served ? "upstream " : "waiting for upstream ") + *upstream;
}

} // namespace

std::string service_status(const std::vector<ActiveLink>& links,
                           const std::optional<std::string>& upstream,
                           std::optional<std::size_t> tunnel_peers) {
    std::string text =
        "serving " + count(links.size(), "link", "links") + ", " + upstream_text(links, upstream);
    if (tunnel_peers) {
        text += ", " + count(*tunnel_peers, "tunnel peer", "tunnel peers");
    }
    return text;
}

} // namespace ecmh::app
