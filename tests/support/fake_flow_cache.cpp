// SPDX-License-Identifier: BSD-3-Clause
#include "support/fake_flow_cache.hpp"

#include <algorithm>

namespace ecmh::test {

using engine::FlowAction;
using engine::FlowCounters;
using engine::FlowKey;

bool FakeFlowCache::can_offload(engine::LinkId /*arrival*/, const table::LinkSet& out) const {
    return offload && !(no_offload && out.contains(*no_offload));
}

bool FakeFlowCache::install(const FlowKey& key, const FlowAction& action) {
    calls.push_back({Call::Kind::Install, key, action});
    if (!flows_.contains(key) && flows_.size() >= capacity) {
        return false;
    }
    flows_[key] = action;
    counters_.try_emplace(key);
    return true;
}

FlowCounters FakeFlowCache::remove(const FlowKey& key) {
    calls.push_back({Call::Kind::Remove, key, {}});
    const auto c = counters(key);
    flows_.erase(key);
    counters_.erase(key);
    return c;
}

FlowCounters FakeFlowCache::counters(const FlowKey& key) const {
    const auto it = counters_.find(key);
    return it == counters_.end() ? FlowCounters{} : it->second;
}

std::optional<FlowAction> FakeFlowCache::forward(const FlowKey& key, std::size_t bytes,
                                                 proto::TimePoint now) {
    const auto it = flows_.find(key);
    if (it == flows_.end() || now >= it->second.valid_until || bytes > it->second.max_length) {
        return std::nullopt;
    }
    auto& c = counters_[key];
    ++c.packets;
    c.bytes += bytes;
    return it->second;
}

const FlowAction* FakeFlowCache::find(const FlowKey& key) const {
    const auto it = flows_.find(key);
    return it == flows_.end() ? nullptr : &it->second;
}

namespace {

std::string text(const FlowKey& k) {
    return "flow (" + std::to_string(k.arrival.slot()) + ", " + k.source.to_string() + ", " +
           k.group.to_string() + ")";
}

// The contract's promises about one action, checked without the engine's help.
void check_action(const engine::Proxy& proxy, const FlowKey& key, const FlowAction& a,
                  proto::TimePoint now, std::vector<std::string>& out) {
    if (a.out.empty()) {
        out.push_back(text(key) + ": no out-link");
    }
    std::uint32_t smallest = 65'535;
    a.out.for_each([&](engine::LinkId l) {
        const auto* link = proxy.link(l);
        if (l == key.arrival || table::is_tunnel_peer(l) || link == nullptr || link->down_since ||
            link->config.link_type != wire::LinkType::Ethernet) {
            out.push_back(text(key) + ": out-link " + std::to_string(l.slot()) +
                          " is the arrival, a peer, gone, down or not Ethernet");
            return;
        }
        smallest = std::min(smallest, link->config.mtu);
    });
    if (a.max_length != smallest) {
        out.push_back(text(key) + ": max_length " + std::to_string(a.max_length) +
                      ", smallest MTU " + std::to_string(smallest));
    }
    if (a.valid_until <= now) {
        out.push_back(text(key) + ": valid_until not after now");
    }
}

} // namespace

std::vector<std::string> flow_oracle(const engine::Proxy& proxy, const FakeFlowCache& cache,
                                     proto::TimePoint now) {
    std::vector<std::string> out;
    for (const auto& [key, action] : cache.flows()) {
        const auto want = proxy.flow_action(key, now);
        if (!want) {
            out.push_back(text(key) + ": installed, but the engine would refuse it now");
        } else if (!(*want == action)) {
            out.push_back(text(key) + ": installed action differs from a fresh decision");
        }
        check_action(proxy, key, action, now, out);
    }
    std::size_t shadowed = 0;
    proxy.for_each_flow([&](const FlowKey& key, const FlowAction& action, const FlowCounters&) {
        ++shadowed;
        const auto* held = cache.find(key);
        if (held == nullptr || !(*held == action)) {
            out.push_back(text(key) + ": the engine's record differs from the cache");
        }
    });
    if (shadowed != cache.flows().size()) {
        out.push_back("the engine records " + std::to_string(shadowed) +
                      " flows, the cache holds " + std::to_string(cache.flows().size()));
    }
    return out;
}

} // namespace ecmh::test
