// SPDX-License-Identifier: BSD-3-Clause
// The engine's own record of what it installed in a flow cache (engine/flow_cache.hpp,
// issue 15): per flow the action installed, the counters already added to the engine's
// figures, and when its packet count last moved; and per group its flows, so a change
// of one group's listeners re-decides those flows and no others.
//
// Pure bookkeeping: Proxy decides what goes in and out (flow_sync.cpp), and talks to
// the cache. Looking a flow up does not allocate; installing one may.
#pragma once

#include "ecmh/engine/flow_cache.hpp"
#include "ecmh/proto/time.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

namespace ecmh::engine {

class FlowShadow {
public:
    struct Entry {
        FlowAction action;
        FlowCounters folded;       // what the engine's counters already hold of the flow
        std::uint64_t scanned = 0; // its packet count at the last idle scan
        proto::TimePoint moved{};  // when that count last moved (or it was installed)
    };

    [[nodiscard]] Entry* find(const FlowKey& key);
    [[nodiscard]] const Entry* find(const FlowKey& key) const;
    // A flow just installed (not yet known here).
    void insert(const FlowKey& key, const FlowAction& action, proto::TimePoint now);
    // The flow's action was replaced (its counters go on).
    void update(Entry& entry, const FlowAction& action);
    void erase(const FlowKey& key);

    [[nodiscard]] std::size_t size() const { return flows_.size(); }
    [[nodiscard]] bool empty() const { return flows_.empty(); }
    // The flows of one group of one family (the group as FlowKey holds it).
    [[nodiscard]] std::span<const FlowKey> of_group(FlowFamily family,
                                                    const net::Ipv6Address& group) const;
    // Every flow's key, into `out` (cleared first): a copy to walk while flows go.
    void keys(std::vector<FlowKey>& out) const;
    // No flow's valid_until is earlier (it may be earlier than any: then a full pass
    // finds out, and reset_earliest() puts it right).
    [[nodiscard]] proto::TimePoint earliest_valid_until() const { return earliest_; }
    void reset_earliest();

    template <class F>
    void for_each(F&& f) const {
        for (const auto& [key, entry] : flows_) {
            f(key, entry);
        }
    }

private:
    struct GroupKey {
        FlowFamily family;
        net::Ipv6Address group;
        friend bool operator==(const GroupKey&, const GroupKey&) = default;
    };
    struct GroupKeyHash {
        std::size_t operator()(const GroupKey& k) const noexcept {
            return std::hash<net::Ipv6Address>{}(k.group) ^
                   static_cast<std::size_t>(k.family == FlowFamily::Ipv4);
        }
    };

    std::unordered_map<FlowKey, Entry> flows_;
    std::unordered_map<GroupKey, std::vector<FlowKey>, GroupKeyHash> groups_;
    proto::TimePoint earliest_ = proto::kNever;
};

} // namespace ecmh::engine
