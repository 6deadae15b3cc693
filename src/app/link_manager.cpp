// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/link_manager.hpp"

#include <algorithm>
#include <net/if.h>
#include <optional>
#include <string>

namespace ecmh::app {
namespace {

bool same_config(const engine::LinkConfig& a, const engine::LinkConfig& b) {
    return a.name == b.name && a.link_type == b.link_type && a.mac == b.mac && a.mtu == b.mtu &&
           a.link_local == b.link_local && a.global == b.global && a.ipv4 == b.ipv4 &&
           a.ipv4_prefix_length == b.ipv4_prefix_length && a.upstream == b.upstream &&
           a.settings == b.settings;
}

template <class T>
std::string text_of(const std::optional<T>& value) {
    return value ? value->to_string() : "none";
}

// "MTU 1500 -> 1400, IPv4 192.0.2.1/24 -> none": what changed, for the log.
std::string changes(const engine::LinkConfig& a, const engine::LinkConfig& b) {
    std::string text;
    const auto add = [&](const char* what, const std::string& from, const std::string& to) {
        if (from != to) {
            text += (text.empty() ? "" : ", ") + std::string(what) + " " + from + " -> " + to;
        }
    };
    add("name", a.name, b.name);
    add("MTU", std::to_string(a.mtu), std::to_string(b.mtu));
    add("MAC", a.mac.to_string(), b.mac.to_string());
    add("link-local", text_of(a.link_local), text_of(b.link_local));
    add("global", text_of(a.global), text_of(b.global));
    add("IPv4", text_of(a.ipv4) + "/" + std::to_string(a.ipv4_prefix_length),
        text_of(b.ipv4) + "/" + std::to_string(b.ipv4_prefix_length));
    if (a.settings != b.settings) {
        text += (text.empty() ? "" : ", ") + std::string("settings from the configuration");
    }
    return text;
}

std::string describe(const engine::LinkConfig& c) {
    std::string text = c.name + " (ifindex " + std::to_string(c.ifindex.value()) + ", " +
                       (c.upstream ? "upstream" : "downstream") + ", MTU " + std::to_string(c.mtu);
    if (c.link_local) {
        text += ", " + c.link_local->to_string();
    }
    if (c.ipv4) {
        text += ", " + c.ipv4->to_string();
    }
    return text + ")";
}

} // namespace

LinkManager::LinkManager(engine::Proxy& proxy, io::LinkTransmitter& sender, io::FrameSource& source,
                         engine::EventLog& log, io::LinkSelectionPolicy policy)
    : proxy_(proxy), sender_(sender), source_(source), log_(log), policy_(std::move(policy)) {}

engine::LinkConfig LinkManager::config_for(const io::InterfaceInfo& info, bool upstream,
                                           wire::LinkType type) {
    engine::LinkConfig c;
    c.name = info.name;
    c.ifindex = info.index;
    c.link_type = type;
    if (type == wire::LinkType::Ethernet && info.mac) {
        c.mac = *info.mac;
    }
    c.mtu = info.mtu != 0 ? info.mtu : 1500;
    c.link_local = info.link_local();
    c.global = info.global();
    if (const auto v4 = info.primary_ipv4()) {
        c.ipv4 = v4->address;
        c.ipv4_prefix_length = v4->prefix_length;
    }
    c.upstream = upstream;
    return c;
}

engine::LinkConfig LinkManager::wanted_config(const io::InterfaceInfo& info, bool upstream,
                                              wire::LinkType type) const {
    auto c = config_for(info, upstream, type);
    if (settings_for_) {
        c.settings = settings_for_(info.name);
    }
    return c;
}

void LinkManager::note(const io::InterfaceInfo& info, const std::string& reason) {
    auto& said = said_[info.index];
    if (said != reason) {
        said = reason;
        log_.log(engine::LogLevel::Info, "not using " + info.name + ": " + reason);
    }
}

bool LinkManager::reconcile(const io::InterfaceTable& table, proto::TimePoint now) {
    bool changed = false;
    wants_retry_ = false;
    // Links in use: gone, no longer qualifying, changed, down or up.
    for (std::size_t i = links_.size(); i-- > 0;) {
        changed = refresh(i, table, now) != Outcome::Kept || changed;
    }
    for (const auto& entry : table.all()) {
        const io::InterfaceInfo& info = entry.second;
        const bool active = std::any_of(links_.begin(), links_.end(),
                                        [&](const ActiveLink& l) { return l.index == info.index; });
        if (active) {
            continue;
        }
        // A new link must be up: one that is down is used once it comes up.
        const auto selection = io::select_link(info, table, policy_);
        if (selection.role == io::LinkRole::Ignored) {
            note(info, selection.reason);
            continue;
        }
        const auto before = links_.size();
        add(info, selection.role == io::LinkRole::Upstream, now);
        changed = changed || links_.size() != before;
    }
    // Forget what was said about interfaces that no longer exist.
    std::erase_if(said_, [&](const auto& entry) { return table.find(entry.first) == nullptr; });
    return changed;
}

LinkManager::Outcome LinkManager::refresh(std::size_t position, const io::InterfaceTable& table,
                                          proto::TimePoint now) {
    auto& link = links_[position];
    const auto* info = table.find(link.index);
    if (info == nullptr) {
        log_.log(engine::LogLevel::Info, link.config.name + " is gone");
        remove(position, now);
        return Outcome::Removed;
    }
    // Down or without carrier, a link in use keeps its role, and with it its state.
    const auto selection = io::select_link_when_up(*info, table, policy_);
    if (selection.role == io::LinkRole::Ignored) {
        note(*info, selection.reason);
        remove(position, now);
        return Outcome::Removed;
    }
    const auto wanted =
        wanted_config(*info, selection.role == io::LinkRole::Upstream, link.config.link_type);
    auto outcome = Outcome::Kept;
    if (!same_config(wanted, link.config)) {
        outcome = apply_change(link, *info, wanted, now);
        if (outcome == Outcome::Removed) {
            remove(position, now); // added again, as what it is now, by reconcile()
            return outcome;
        }
    }
    return follow_carrier(link, *info, now) ? Outcome::NewFds : outcome;
}

LinkManager::Outcome LinkManager::apply_change(ActiveLink& link, const io::InterfaceInfo& info,
                                               const engine::LinkConfig& wanted,
                                               proto::TimePoint now) {
    if (!proxy_.update_link(link.id, wanted, now)) {
        log_.log(engine::LogLevel::Info, info.name + " changed role: re-adding it");
        return Outcome::Removed;
    }
    log_.log(engine::LogLevel::Info, info.name + " changed in place (" +
                                         changes(link.config, wanted) + "): listeners kept");
    const bool grew = wanted.mtu > link.config.mtu;
    link.config = wanted;
    if (observer_ != nullptr) {
        observer_->link_changed(link.id, link.config);
    }
    if (!grew || !link.captured) {
        return Outcome::Kept;
    }
    if (auto resized = source_.resize(link.id, capture_link(info, link.config.upstream));
        !resized) {
        // The old capture would cut the larger frames: a new one at the next retry.
        log_.log(engine::LogLevel::Warning, "cannot capture " + info.name + " at MTU " +
                                                std::to_string(wanted.mtu) + ": " +
                                                resized.error().message() + "; retrying");
        source_.detach(link.id);
        link.captured = false;
        wants_retry_ = true;
    }
    return Outcome::NewFds;
}

bool LinkManager::follow_carrier(ActiveLink& link, const io::InterfaceInfo& info,
                                 proto::TimePoint now) {
    const bool running = info.is_up();
    if (running != link.up) {
        link.up = running;
        if (running) {
            proxy_.set_link_up(link.id, now);
            log_.log(engine::LogLevel::Info,
                     info.name + " is up again: forwarding to its listeners resumes");
        } else {
            proxy_.set_link_down(link.id, now);
            log_.log(engine::LogLevel::Info,
                     info.name + ((info.flags & IFF_UP) == 0 ? " is down" : " has no carrier") +
                         ": keeping its listeners, sending nothing there until it is back");
        }
    }
    if (!running || link.captured) {
        return false;
    }
    const auto type = source_.attach(link.id, capture_link(info, link.config.upstream));
    if (!type) {
        note(info, "cannot capture: " + type.error().message());
        wants_retry_ = true;
        return false;
    }
    link.captured = true;
    return true;
}

io::CaptureLink LinkManager::capture_link(const io::InterfaceInfo& info, bool upstream) {
    return io::CaptureLink{info.name, info.index, info.mtu != 0 ? info.mtu : 1500,
                           info.hardware_type, !upstream};
}

void LinkManager::add(const io::InterfaceInfo& info, bool upstream, proto::TimePoint now) {
    // The engine names the id; capture and transmit are set up under it before the
    // engine's link exists, so its first message already has a route.
    const auto id = proxy_.free_link();
    if (!id) {
        note(info, "no room for another link");
        return;
    }
    const auto type = source_.attach(*id, capture_link(info, upstream));
    if (!type) {
        note(info, "cannot capture: " + type.error().message());
        wants_retry_ = true;
        return;
    }
    sender_.attach(*id, info.index, *type);
    const auto config = wanted_config(info, upstream, *type);
    if (!proxy_.add_link(*id, config, now)) {
        sender_.detach(*id);
        source_.detach(*id);
        note(info, "no room for another link");
        return;
    }
    said_.erase(info.index);
    log_.log(engine::LogLevel::Info, "using " + describe(config));
    links_.push_back(ActiveLink{*id, info.index, config});
    if (observer_ != nullptr) {
        observer_->link_added(*id, config);
    }
}

void LinkManager::remove(std::size_t position, proto::TimePoint now) {
    const auto& link = links_[position];
    source_.detach(link.id);
    proxy_.remove_link(link.id, now);
    if (observer_ != nullptr) {
        observer_->link_removed(link.id);
    }
    sender_.detach(link.id);
    links_.erase(links_.begin() + static_cast<std::ptrdiff_t>(position));
}

void LinkManager::drop(engine::LinkId id, const std::string& why) {
    for (auto& link : links_) {
        if (link.id == id && link.captured) {
            log_.log(engine::LogLevel::Warning, "capture on " + link.config.name + " failed (" +
                                                    why +
                                                    "): listeners kept, capturing again "
                                                    "once it can");
            source_.detach(id);
            link.captured = false;
            wants_retry_ = true;
            return;
        }
    }
}

void LinkManager::close_all(proto::TimePoint now) {
    while (!links_.empty()) {
        remove(links_.size() - 1, now);
    }
}

} // namespace ecmh::app
