// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/service_status.hpp"

#include <algorithm>

namespace ecmh::app {
namespace {

std::string count(std::size_t n, const char* singular, const char* plural) {
    return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

// "upstream eth0, waiting for upstream ppp0": each configured upstream, served or awaited.
std::string upstream_text(const std::vector<ActiveLink>& links,
                          const std::vector<std::string>& upstreams) {
    if (upstreams.empty()) {
        return "no upstream";
    }
    std::string text;
    for (const auto& name : upstreams) {
        const bool served = std::any_of(links.begin(), links.end(), [&](const ActiveLink& l) {
            return l.config.upstream && l.config.name == name;
        });
        text += (text.empty() ? "" : ", ") +
                std::string(served ? "upstream " : "waiting for upstream ") + name;
    }
    return text;
}

} // namespace

std::string service_status(const std::vector<ActiveLink>& links,
                           const std::vector<std::string>& upstreams,
                           std::optional<std::size_t> tunnel_peers) {
    std::string text =
        "serving " + count(links.size(), "link", "links") + ", " + upstream_text(links, upstreams);
    if (tunnel_peers) {
        text += ", " + count(*tunnel_peers, "tunnel peer", "tunnel peers");
    }
    return text;
}

} // namespace ecmh::app
