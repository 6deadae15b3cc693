// SPDX-License-Identifier: BSD-3-Clause
// A flow cache for tests (engine/flow_cache.hpp): records every call, holds what was
// installed, and stands in for the fast path — forward() is what the XDP program would
// do with a packet of a flow at `now` (the action when the flow is installed and `now`
// is before its valid_until, counting it; nothing otherwise: the packet goes up).
//
// Pure test support: no gtest in here.
#pragma once

#include "ecmh/engine/flow_cache.hpp"
#include "ecmh/engine/proxy.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ecmh::test {

class FakeFlowCache final : public engine::FlowCache {
public:
    struct Call {
        enum class Kind : std::uint8_t { Install, Remove };
        Kind kind;
        engine::FlowKey key;
        engine::FlowAction action{}; // Install only
    };

    // --- What the owner configures.
    bool offload = true;                        // can_offload()'s answer for every link
    std::optional<engine::LinkId> no_offload{}; // ... except false for sets with this link
    std::size_t capacity = 4096;                // install() of a new flow beyond it: false

    [[nodiscard]] bool can_offload(engine::LinkId arrival,
                                   const table::LinkSet& out) const override;
    [[nodiscard]] bool install(const engine::FlowKey& key,
                               const engine::FlowAction& action) override;
    engine::FlowCounters remove(const engine::FlowKey& key) override;
    [[nodiscard]] engine::FlowCounters counters(const engine::FlowKey& key) const override;

    // --- The fast path: a packet of `bytes` of the flow at `now`. The action it was
    // forwarded with, or nullopt (passed up to the engine).
    std::optional<engine::FlowAction> forward(const engine::FlowKey& key, std::size_t bytes,
                                              proto::TimePoint now);

    [[nodiscard]] const std::unordered_map<engine::FlowKey, engine::FlowAction>& flows() const {
        return flows_;
    }
    [[nodiscard]] const engine::FlowAction* find(const engine::FlowKey& key) const;
    std::vector<Call> calls;

private:
    std::unordered_map<engine::FlowKey, engine::FlowAction> flows_;
    std::unordered_map<engine::FlowKey, engine::FlowCounters> counters_;
};

// The oracle of exactness: every installed flow's action is what the engine would
// install now (a fresh decide() and the offer rules: Proxy::flow_action), every flow
// the engine would now refuse is absent, the engine's own record matches the cache's,
// and each action keeps the contract's promises by itself (out-links present, up,
// Ethernet, never the arrival link; max_length their smallest MTU; valid_until after
// `now`). Returns the breaches, one line each; empty when exact.
[[nodiscard]] std::vector<std::string>
flow_oracle(const engine::Proxy& proxy, const FakeFlowCache& cache, proto::TimePoint now);

} // namespace ecmh::test
