// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/engine/flow_shadow.hpp"

#include <algorithm>

namespace ecmh::engine {

FlowShadow::Entry* FlowShadow::find(const FlowKey& key) {
    const auto it = flows_.find(key);
    return it == flows_.end() ? nullptr : &it->second;
}

const FlowShadow::Entry* FlowShadow::find(const FlowKey& key) const {
    const auto it = flows_.find(key);
    return it == flows_.end() ? nullptr : &it->second;
}

void FlowShadow::insert(const FlowKey& key, const FlowAction& action, proto::TimePoint now) {
    if (!flows_.try_emplace(key, Entry{action, {}, 0, now}).second) {
        return; // known: the caller updates instead
    }
    groups_[GroupKey{key.family, key.group}].push_back(key);
    earliest_ = std::min(earliest_, action.valid_until);
}

void FlowShadow::update(Entry& entry, const FlowAction& action) {
    entry.action = action;
    earliest_ = std::min(earliest_, action.valid_until);
}

void FlowShadow::erase(const FlowKey& key) {
    if (flows_.erase(key) == 0) {
        return;
    }
    const auto g = groups_.find(GroupKey{key.family, key.group});
    if (g == groups_.end()) {
        return;
    }
    auto& list = g->second;
    if (const auto it = std::find(list.begin(), list.end(), key); it != list.end()) {
        *it = list.back(); // order does not matter
        list.pop_back();
    }
    if (list.empty()) {
        groups_.erase(g);
    }
}

std::span<const FlowKey> FlowShadow::of_group(FlowFamily family,
                                              const net::Ipv6Address& group) const {
    const auto g = groups_.find(GroupKey{family, group});
    return g == groups_.end() ? std::span<const FlowKey>{} : std::span<const FlowKey>{g->second};
}

void FlowShadow::keys(std::vector<FlowKey>& out) const {
    out.clear();
    for (const auto& [key, entry] : flows_) {
        out.push_back(key);
    }
}

void FlowShadow::reset_earliest() {
    earliest_ = proto::kNever;
    for (const auto& [key, entry] : flows_) {
        earliest_ = std::min(earliest_, entry.action.valid_until);
    }
}

} // namespace ecmh::engine
