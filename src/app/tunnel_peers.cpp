// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/tunnel_peers.hpp"

#include "ecmh/wire/tunnel_6in4.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace ecmh::app {
namespace {

// Why `a` cannot be a tunnel end, or "" when it can.
std::string unusable(net::Ipv4Address a) {
    if (a.is_unspecified()) {
        return "the unspecified address";
    }
    if (a.is_multicast()) {
        return "a multicast address";
    }
    if (a.is_broadcast()) {
        return "the broadcast address";
    }
    if (a.is_loopback()) {
        return "a loopback address";
    }
    if (wire::is_6to4_relay_anycast(a)) {
        return "a 6to4 relay anycast address (192.88.99.0/24)";
    }
    return {};
}

std::optional<net::Ipv4Address> address(std::string_view text, std::string& why) {
    const auto a = net::Ipv4Address::parse(text);
    if (!a) {
        why = "'" + std::string(text) + "' is not an IPv4 address";
        return std::nullopt;
    }
    if (auto reason = unusable(*a); !reason.empty()) {
        why = std::string(text) + " is " + reason;
        return std::nullopt;
    }
    return a;
}

std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) {
            ++i;
        }
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
            ++i;
        }
        if (i > start) {
            out.push_back(line.substr(start, i - start));
        }
    }
    return out;
}

// One line's words: REMOTE, REMOTE LOCAL, or REMOTE local LOCAL.
std::optional<TunnelPeerSpec> peer_of(const std::vector<std::string_view>& w, std::string& why) {
    if (w.size() > 3 || (w.size() == 3 && w[1] != "local")) {
        why = "expected REMOTE [[local] LOCAL]";
        return std::nullopt;
    }
    TunnelPeerSpec spec;
    const auto remote = address(w[0], why);
    if (!remote) {
        return std::nullopt;
    }
    spec.remote = *remote;
    if (w.size() > 1) {
        const auto local = address(w.back(), why);
        if (!local) {
            return std::nullopt;
        }
        spec.local = *local;
    }
    return spec;
}

} // namespace

std::optional<TunnelPeerSpec> parse_tunnel_peer(std::string_view text, std::string& why) {
    const auto comma = text.find(',');
    std::vector<std::string_view> w{text.substr(0, comma)};
    if (comma != std::string_view::npos) {
        w.push_back(text.substr(comma + 1));
    }
    return peer_of(w, why);
}

net::Expected<std::vector<TunnelPeerSpec>, PeersFileError>
parse_tunnel_peers(std::string_view text) {
    std::vector<TunnelPeerSpec> peers;
    std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
    std::size_t number = 0;
    while (!text.empty()) {
        ++number;
        const auto end = text.find('\n');
        auto line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        line = line.substr(0, line.find('#'));
        const auto w = words(line);
        if (w.empty()) {
            continue;
        }
        std::string why;
        const auto peer = peer_of(w, why);
        if (!peer) {
            return net::unexpected(PeersFileError{number, why});
        }
        if (!seen.emplace(peer->remote.value(), peer->local.value()).second) {
            return net::unexpected(
                PeersFileError{number, peer->remote.to_string() + " is listed twice"});
        }
        peers.push_back(*peer);
    }
    return peers;
}

} // namespace ecmh::app
