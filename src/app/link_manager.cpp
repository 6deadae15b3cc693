// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/link_manager.hpp"

#include <algorithm>

namespace ecmh::app {
namespace {

bool same_config(const engine::LinkConfig& a, const engine::LinkConfig& b) {
    return a.name == b.name && a.link_type == b.link_type && a.mac == b.mac && a.mtu == b.mtu &&
           a.link_local == b.link_local && a.ipv4 == b.ipv4 &&
           a.ipv4_prefix_length == b.ipv4_prefix_length && a.upstream == b.upstream;
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
    // Links that vanished, stopped qualifying or changed.
    for (std::size_t i = links_.size(); i-- > 0;) {
        const auto* info = table.find(links_[i].index);
        if (info == nullptr) {
            log_.log(engine::LogLevel::Info, links_[i].config.name + " is gone");
            remove(i, now);
            changed = true;
            continue;
        }
        const auto selection = io::select_link(*info, table, policy_);
        if (selection.role == io::LinkRole::Ignored) {
            note(*info, selection.reason);
            remove(i, now);
            changed = true;
            continue;
        }
        const auto wanted =
            config_for(*info, selection.role == io::LinkRole::Upstream, links_[i].config.link_type);
        if (!same_config(wanted, links_[i].config)) {
            // The engine keeps addresses per link; re-adding is the simple, correct way
            // to apply new ones (the link's listeners re-report within a query interval).
            log_.log(engine::LogLevel::Info, info->name + " changed: re-adding it");
            remove(i, now);
            changed = true;
        }
    }
    for (const auto& entry : table.all()) {
        const io::InterfaceInfo& info = entry.second;
        const bool active = std::any_of(links_.begin(), links_.end(),
                                        [&](const ActiveLink& l) { return l.index == info.index; });
        if (active) {
            continue;
        }
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

void LinkManager::add(const io::InterfaceInfo& info, bool upstream, proto::TimePoint now) {
    // The engine names the id; capture and transmit are set up under it before the
    // engine's link exists, so its first message already has a route.
    const auto id = proxy_.free_link();
    if (!id) {
        note(info, "no room for another link");
        return;
    }
    const auto type =
        source_.attach(*id, io::CaptureLink{info.name, info.index, info.mtu != 0 ? info.mtu : 1500,
                                            info.hardware_type});
    if (!type) {
        note(info, "cannot capture: " + type.error().message());
        wants_retry_ = true;
        return;
    }
    sender_.attach(*id, info.index, *type);
    const auto config = config_for(info, upstream, *type);
    if (!proxy_.add_link(*id, config, now)) {
        sender_.detach(*id);
        source_.detach(*id);
        note(info, "no room for another link");
        return;
    }
    said_.erase(info.index);
    log_.log(engine::LogLevel::Info, "using " + describe(config));
    links_.push_back(ActiveLink{*id, info.index, config});
}

void LinkManager::remove(std::size_t position, proto::TimePoint now) {
    const auto& link = links_[position];
    source_.detach(link.id);
    proxy_.remove_link(link.id, now);
    sender_.detach(link.id);
    links_.erase(links_.begin() + static_cast<std::ptrdiff_t>(position));
}

void LinkManager::drop(engine::LinkId id, const std::string& why, proto::TimePoint now) {
    for (std::size_t i = 0; i < links_.size(); ++i) {
        if (links_[i].id == id) {
            log_.log(engine::LogLevel::Warning, "dropping " + links_[i].config.name + ": " + why);
            said_[links_[i].index] = why;
            remove(i, now);
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
