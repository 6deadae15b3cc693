// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/xdp_forwarding.hpp"

#include <array>
#include <string_view>
#include <utility>

namespace ecmh::app {
namespace {

using engine::LogLevel;

io::XdpLimits limits_of(const FastPath& options) {
    io::XdpLimits limits;
    limits.flows = options.flows;
    return limits;
}

// The program's counts (enum ecmh_xdp_event), named as the dump shows them.
constexpr std::array<std::string_view, ECMH_XDP_EVENT_COUNT> kEventNames{
    "passed-unknown-link", "passed-not-ip",       "passed-vlan",        "passed-own-mac",
    "passed-frame-too-long", "passed-malformed",  "passed-bad-checksum", "passed-control",
    "passed-not-multicast", "passed-hop-limit",   "passed-not-cached",  "passed-expired",
    "passed-too-big",     "passed-no-set",        "redirected",         "egress-copies",
    "egress-dropped"};

} // namespace

std::string_view to_string(io::XdpMode mode) {
    switch (mode) {
    case io::XdpMode::Native:
        return "native";
    case io::XdpMode::Generic:
        return "generic";
    case io::XdpMode::None:
        break;
    }
    return "none";
}

net::Expected<std::unique_ptr<XdpForwarding>, std::string>
XdpForwarding::load(const FastPath& options, engine::EventLog& log) {
    auto program = io::XdpProgram::load(limits_of(options));
    if (!program) {
        return net::unexpected(program.error().message());
    }
    // Without the netdev family (Linux < 6.3) no link's features are known: generic mode
    // everywhere in auto mode, and no native redirect trusted to arrive.
    std::optional<io::XdpFeatureQuery> query;
    if (auto q = io::XdpFeatureQuery::open(); q) {
        query.emplace(std::move(*q));
    } else {
        log.log(LogLevel::Warning, "XDP: the links' XDP features cannot be read (" +
                                       q.error().message() + "): generic mode where not forced");
    }
    return std::unique_ptr<XdpForwarding>{
        new XdpForwarding(options, log, std::move(*program), std::move(query))};
}

XdpForwarding::XdpForwarding(const FastPath& options, engine::EventLog& log,
                             io::XdpProgram program, std::optional<io::XdpFeatureQuery> query)
    : options_(options), log_(log), program_(std::move(program)),
      cache_(std::make_unique<io::BpfFlowCache>(program_)), query_(std::move(query)) {}

// The attachments go first (the kernel detaches each), then the cache and the program.
XdpForwarding::~XdpForwarding() {
    attachments_.clear();
}

void XdpForwarding::read_features(const engine::LinkConfig& config, XdpLinkState& state) {
    state.features_known = false;
    if (!query_) {
        return;
    }
    if (auto f = query_->features(config.ifindex); f) {
        state.features = *f;
        state.features_known = true;
    }
}

std::pair<io::XdpMode, std::string> XdpForwarding::choose_mode(const XdpLinkState& state) const {
    switch (options_.mode) {
    case XdpAttachMode::Generic:
        return {io::XdpMode::Generic, "as --xdp-mode asks"};
    case XdpAttachMode::Native:
        return {io::XdpMode::Native, "as --xdp-mode asks"};
    case XdpAttachMode::Auto:
        break;
    }
    if (!state.features_known) {
        return {io::XdpMode::Generic, "its XDP features are unknown"};
    }
    if (!state.features.native_redirect()) {
        return {io::XdpMode::Generic, "its driver has no native XDP redirect"};
    }
    // A native redirect is lost on a link that cannot transmit it (a veth whose peer has
    // neither GRO nor XDP): native only where every other link takes them now.
    for (const auto& [slot, other] : states_) {
        if (other.name != state.name && !(other.features_known && other.features.redirect_target())) {
            return {io::XdpMode::Generic,
                    other.name + " cannot take native redirects (" + other.features.to_string() + ")"};
        }
    }
    return {io::XdpMode::Native, "its driver runs XDP"};
}

io::XdpLink XdpForwarding::cache_link(const engine::LinkConfig& config,
                                      const XdpLinkState& state) const {
    io::XdpLink link;
    link.index = config.ifindex;
    link.mac = config.mac;
    link.mtu = config.mtu;
    link.attached = state.mode;
    link.native_redirect = state.features_known && state.features.redirect_target();
    return link;
}

void XdpForwarding::link_added(engine::LinkId id, const engine::LinkConfig& config) {
    auto& state = states_[id.slot()];
    state = XdpLinkState{};
    state.name = config.name;
    configs_[id.slot()] = config;
    if (config.link_type != wire::LinkType::Ethernet) {
        state.reason = "no Ethernet header";
        log_.log(LogLevel::Info, config.name + ": forwarding in userspace (" + state.reason + ")");
        return; // not in the cache: never an arrival or an out-link of a cached flow
    }
    read_features(config, state);
    auto [mode, why] = choose_mode(state);
    auto attached = io::XdpAttachment::attach(program_, config.ifindex, mode);
    if (!attached && mode == io::XdpMode::Native && options_.mode == XdpAttachMode::Auto) {
        why = "native attach failed: " + attached.error().message();
        mode = io::XdpMode::Generic;
        attached = io::XdpAttachment::attach(program_, config.ifindex, mode);
    }
    if (attached) {
        state.mode = mode;
        state.reason = why;
        attachments_.insert_or_assign(id.slot(), std::move(*attached));
        log_.log(LogLevel::Info, config.name + ": XDP forwarding in " +
                                     std::string(to_string(mode)) + " mode (" + why + ")");
    } else {
        state.reason = attached.error().message();
        log_.log(LogLevel::Warning,
                 config.name + ": forwarding in userspace, XDP cannot attach (" + state.reason + ")");
    }
    // Even without the program, the link can be an out-link of flows arriving elsewhere.
    if (auto r = cache_->set_link(id, cache_link(config, state)); !r) {
        log_.log(LogLevel::Warning, config.name + ": not an XDP out-link (" + r.error().message() + ")");
    }
}

void XdpForwarding::link_changed(engine::LinkId id, const engine::LinkConfig& config) {
    const auto it = states_.find(id.slot());
    if (it == states_.end() || config.link_type != wire::LinkType::Ethernet) {
        return;
    }
    configs_[id.slot()] = config;
    if (auto r = cache_->set_link(id, cache_link(config, it->second)); !r) {
        log_.log(LogLevel::Warning, config.name + ": not an XDP out-link (" + r.error().message() + ")");
        cache_->remove_link(id);
    }
}

void XdpForwarding::link_removed(engine::LinkId id) {
    cache_->remove_link(id);
    attachments_.erase(id.slot());
    states_.erase(id.slot());
    configs_.erase(id.slot());
}

bool XdpForwarding::refresh() {
    bool changed = false;
    for (auto& [slot, state] : states_) {
        const auto& config = configs_.at(slot);
        if (config.link_type != wire::LinkType::Ethernet) {
            continue;
        }
        const bool before = state.features_known && state.features.redirect_target();
        read_features(config, state);
        const bool now = state.features_known && state.features.redirect_target();
        if (before == now) {
            continue;
        }
        changed = true;
        log_.log(LogLevel::Info, config.name + (now ? " now takes" : " no longer takes") +
                                     " native XDP redirects (" + state.features.to_string() + ")");
        if (auto r = cache_->set_link(engine::LinkId{slot}, cache_link(config, state)); !r) {
            cache_->remove_link(engine::LinkId{slot});
        }
    }
    return changed;
}

} // namespace ecmh::app

namespace ecmh::app {

report::DumpContext::FastPath XdpForwarding::dump_view() const {
    report::DumpContext::FastPath view;
    for (const auto& [slot, state] : states_) {
        view.links.push_back(report::DumpContext::FastPath::LinkMode{
            state.name,
            state.mode == io::XdpMode::None ? "userspace" : std::string(to_string(state.mode)),
            state.reason});
    }
    for (std::size_t i = 0; i < kEventNames.size(); ++i) {
        view.events.emplace_back(kEventNames[i],
                                 program_.event_count(static_cast<ecmh_xdp_event>(i)));
    }
    return view;
}

} // namespace ecmh::app
