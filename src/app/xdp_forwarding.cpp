// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/xdp_forwarding.hpp"

#include "ecmh/io/link_driver.hpp"

#include <algorithm>
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

// The program's counts (enum ecmh_xdp_event), named as the dump, `show stats` and the
// metrics show them.
constexpr std::array<std::string_view, ECMH_XDP_EVENT_COUNT> kEventNames{
    "passed-unknown-link",   "passed-not-ip",    "passed-vlan",         "passed-own-mac",
    "passed-frame-too-long", "passed-malformed", "passed-bad-checksum", "passed-control",
    "passed-not-multicast",  "passed-hop-limit", "passed-not-cached",   "passed-expired",
    "passed-too-big",        "passed-no-set",    "redirected",          "egress-copies",
    "egress-dropped"};

// Without the kernel's notices, what remains.
std::string periodic_only() {
    return "reading them again every " + std::to_string(XdpForwarding::kRefreshInterval.count()) +
           " s";
}

} // namespace

std::string_view to_string(RefreshCause cause) {
    switch (cause) {
    case RefreshCause::Links:
        return "read again as the links changed";
    case RefreshCause::Periodic:
        return "found by the periodic re-read";
    case RefreshCause::Notice:
        return "notified by the kernel";
    case RefreshCause::NoticesLost:
        return "read again after kernel notices were lost";
    }
    return "read again";
}

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
    std::unique_ptr<XdpForwarding> forwarding{
        new XdpForwarding(options, log, std::move(*program), std::move(query))};
    forwarding->watch_features();
    return forwarding;
}

void XdpForwarding::watch_features() {
    if (!query_) {
        notices_.unavailable = "the XDP features cannot be read";
        return; // load() said so
    }
    if (const auto group = query_->mgmt_group(); !group) {
        notices_.unavailable = "this kernel's netdev family has no mgmt group";
    } else if (auto watch = io::XdpFeatureWatch::open(query_->family(), *group); !watch) {
        notices_.unavailable = watch.error().message();
    } else {
        watch_.emplace(std::move(*watch));
        notices_.subscribed = true;
        return;
    }
    log_.log(LogLevel::Warning, "XDP: the kernel does not tell of XDP-feature changes (" +
                                    notices_.unavailable + "): " + periodic_only());
}

XdpForwarding::XdpForwarding(const FastPath& options, engine::EventLog& log, io::XdpProgram program,
                             std::optional<io::XdpFeatureQuery> query)
    : options_(options), log_(log), program_(std::move(program)),
      cache_(std::make_unique<io::BpfFlowCache>(program_)), query_(std::move(query)) {}

// The attachments go first (the kernel detaches each), then the cache and the program.
XdpForwarding::~XdpForwarding() {
    attachments_.clear();
}

void XdpForwarding::read_features(const engine::LinkConfig& config, XdpLinkState& state) {
    state.features_known = false;
    state.features = io::XdpFeatures{};
    if (!query_) {
        return;
    }
    if (auto f = query_->features(config.ifindex); f) {
        state.features = *f;
        state.features_known = true;
    }
}

std::pair<io::XdpMode, std::string> XdpForwarding::choose_mode(std::uint16_t slot) const {
    const auto& state = states_.at(slot);
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
    // A packet sent from the veth peer's own namespace may arrive with its UDP checksum
    // left to offload (CHECKSUM_PARTIAL). Generic XDP keeps that state with the packet; a
    // native redirect drops it, and the copies arrive with checksums that do not verify
    // (measured: every datagram lost at the listeners). The engine completes such
    // checksums (wire::prepare_copy); the program cannot see that it must.
    if (state.driver == "veth") {
        return {io::XdpMode::Generic,
                "a veth: packets sent from its peer's host may carry checksums left to "
                "offload, which only generic mode keeps"};
    }
    // A native redirect is lost on a link that cannot transmit it (a veth whose peer has
    // neither GRO nor XDP): native only while every other link takes them.
    for (const auto& [other_slot, other] : states_) {
        if (other_slot != slot && other.ethernet && !takes_native(other)) {
            return {io::XdpMode::Generic, other.name + " cannot take native redirects (" +
                                              other.features.to_string() + ")"};
        }
    }
    return {io::XdpMode::Native, "its driver runs XDP, and every other link takes its redirects"};
}

bool XdpForwarding::takes_native(const XdpLinkState& state) {
    return state.features_known && state.features.redirect_target();
}

io::XdpLink XdpForwarding::cache_link(std::uint16_t slot) const {
    const auto& config = configs_.at(slot);
    const auto& state = states_.at(slot);
    io::XdpLink link;
    link.index = config.ifindex;
    link.mac = config.mac;
    link.mtu = config.mtu;
    link.attached = state.mode;
    link.native_redirect = takes_native(state);
    return link;
}

void XdpForwarding::update_cache(std::uint16_t slot) {
    const engine::LinkId id{slot};
    if (auto r = cache_->set_link(id, cache_link(slot)); !r) {
        log_.log(LogLevel::Warning,
                 configs_.at(slot).name + ": not an XDP out-link (" + r.error().message() + ")");
        cache_->remove_link(id);
    }
}

void XdpForwarding::offload_changed() {
    if (offload_changed_) {
        offload_changed_();
    }
}

bool XdpForwarding::attach(std::uint16_t slot, io::XdpMode mode, const std::string& why) {
    auto& state = states_.at(slot);
    const auto& config = configs_.at(slot);
    if (mode == io::XdpMode::Native) {
        // Native redirects from this link must not go to a link that would lose them:
        // the cache says so before the program runs in the driver, and the engine takes
        // away the flows that would (it asks can_offload again).
        state.mode = io::XdpMode::Native;
        update_cache(slot);
        offload_changed();
    }
    attachments_.erase(slot); // one program per link: the old mode's goes first
    auto attached = io::XdpAttachment::attach(program_, config.ifindex, mode);
    if (!attached) {
        state.mode = io::XdpMode::None;
        state.reason = attached.error().message();
        state.failed = true;
        log_.log(LogLevel::Warning,
                 config.name + ": forwarding in userspace, XDP cannot attach in " +
                     std::string(to_string(mode)) + " mode (" + state.reason + ")");
        update_cache(slot);
        offload_changed();
        return false;
    }
    attachments_.insert_or_assign(slot, std::move(*attached));
    state.mode = mode;
    state.reason = why;
    log_.log(LogLevel::Info, config.name + ": XDP forwarding in " + std::string(to_string(mode)) +
                                 " mode (" + why + ")");
    update_cache(slot);
    return true;
}

bool XdpForwarding::apply_modes() {
    bool changed = false;
    for (auto& [slot, state] : states_) {
        if (!state.ethernet || state.failed) {
            continue;
        }
        const auto [mode, why] = choose_mode(slot);
        if (mode == state.mode) {
            state.reason = why;
            continue;
        }
        changed = true;
        if (!attach(slot, mode, why) && mode == io::XdpMode::Native &&
            options_.mode == XdpAttachMode::Auto) {
            state.failed = false; // the driver refused native: generic does not need it
            (void)attach(slot, io::XdpMode::Generic, "native attach failed: " + state.reason);
        }
    }
    return changed;
}

void XdpForwarding::link_added(engine::LinkId id, const engine::LinkConfig& config) {
    const auto slot = id.slot();
    configs_[slot] = config;
    auto& state = states_[slot];
    state = XdpLinkState{};
    state.name = config.name;
    state.ethernet = config.link_type == wire::LinkType::Ethernet;
    if (!state.ethernet) {
        state.reason = "no Ethernet header";
        log_.log(LogLevel::Info, config.name + ": forwarding in userspace (" + state.reason + ")");
        return; // not in the cache: never an arrival or an out-link of a cached flow
    }
    read_features(config, state);
    if (auto driver = io::link_driver(config.name); driver) {
        state.driver = *driver;
    }
    update_cache(slot); // an out-link at once; its program comes with the next refresh()
    changed_ = true;
}

void XdpForwarding::link_changed(engine::LinkId id, const engine::LinkConfig& config) {
    const auto it = states_.find(id.slot());
    if (it == states_.end() || !it->second.ethernet) {
        return;
    }
    configs_[id.slot()] = config;
    update_cache(id.slot());
}

void XdpForwarding::link_removed(engine::LinkId id) {
    cache_->remove_link(id);
    attachments_.erase(id.slot());
    states_.erase(id.slot());
    configs_.erase(id.slot());
    changed_ = true; // the next refresh() may move others to native mode
}

bool XdpForwarding::serves(net::IfIndex ifindex) const {
    return std::any_of(configs_.begin(), configs_.end(), [&](const auto& entry) {
        return entry.second.ifindex == ifindex && states_.at(entry.first).ethernet;
    });
}

std::optional<RefreshCause> XdpForwarding::take_notices() {
    if (!watch_) {
        return std::nullopt;
    }
    auto news = watch_->receive();
    if (!news) {
        // A socket that failed once would fail at every wakeup.
        notices_.subscribed = false;
        notices_.unavailable = news.error().message();
        watch_.reset();
        log_.log(LogLevel::Warning, "XDP: no more notices of XDP-feature changes (" +
                                        notices_.unavailable + "): " + periodic_only());
        return RefreshCause::NoticesLost;
    }
    bool about_links = false;
    for (const auto& notice : news->notices) {
        ++notices_.received;
        if (serves(notice.ifindex)) {
            ++notices_.about_links;
            about_links = true;
        }
    }
    if (news->lost) {
        ++notices_.lost;
        return RefreshCause::NoticesLost;
    }
    // The features are read again rather than taken from the notice: with several queued,
    // only the kernel's answer now is sure to be the last word.
    return about_links ? std::optional{RefreshCause::Notice} : std::nullopt;
}

bool XdpForwarding::refresh(RefreshCause cause) {
    bool changed = std::exchange(changed_, false);
    for (auto& [slot, state] : states_) {
        if (!state.ethernet) {
            continue;
        }
        const bool before = takes_native(state);
        read_features(configs_.at(slot), state);
        if (takes_native(state) == before) {
            continue;
        }
        changed = true;
        log_.log(LogLevel::Info, state.name + (before ? " no longer takes" : " now takes") +
                                     " native XDP redirects (" + state.features.to_string() + "; " +
                                     std::string(to_string(cause)) + ")");
        update_cache(slot);
        if (before) {
            offload_changed(); // no native redirect to it from here on
        }
    }
    return apply_modes() || changed;
}

} // namespace ecmh::app

namespace ecmh::app {

report::FastPathView XdpForwarding::view() const {
    report::FastPathView view;
    for (const auto& [slot, state] : states_) {
        view.links.push_back(report::FastPathView::LinkMode{
            state.name,
            state.mode == io::XdpMode::None ? "userspace" : std::string(to_string(state.mode)),
            state.reason});
    }
    view.notices = notices_;
    for (std::size_t i = 0; i < kEventNames.size(); ++i) {
        view.events.emplace_back(kEventNames[i],
                                 program_.event_count(static_cast<ecmh_xdp_event>(i)));
    }
    return view;
}

} // namespace ecmh::app
