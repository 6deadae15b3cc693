// SPDX-License-Identifier: BSD-3-Clause
// How the protocol layer hands back what it decided: one shape for every state machine.
//
//   Each side has one typed output variant (RouterOutput, HostOutput) and its owner
//   one OutputQueue of it (RouterLink, HostReporter). Every decision is appended to that
//   queue in the order it was made; the engine drains it with take_outputs() after each
//   input. The inner machines (Querier, RouterGroup, HostCompatibility) get the owner's
//   queue as a parameter and append to it themselves: none returns a result struct or
//   fills a vector in a context, so there is one place to look and one order to test.
//
//   Why a queue of values: proto stays pure (no callbacks into the engine while state is
//   half-updated), a test reads exactly what the engine would act on, and an operation
//   that must leave no trace (a group the cap refuses) is undone with truncate().
//
//   Every state change of a machine is an output too: one Transition, with printable
//   names (state before, event, state after) of static storage, so building one never
//   allocates and the engine formats a debug line only when debug logging is on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace ecmh::proto {

// The machines whose state changes are reported as Transitions.
enum class StateMachine : std::uint8_t {
    FilterMode,         // router, per group: INCLUDE / EXCLUDE (RFC 3810 §7.4, §7.5)
    GroupCompatibility, // router, per group: Multicast Address Compatibility Mode (§8.3.2)
    Querier,            // router, per link: Querier / Non-Querier (§7.6.2)
    HostFilterMode,     // host, per group: the reported INCLUDE / EXCLUDE (§6.1)
    HostCompatibility,  // host, per link: Host Compatibility Mode (§8.2.1)
};

[[nodiscard]] constexpr std::string_view to_string(StateMachine m) {
    switch (m) {
    case StateMachine::FilterMode:
        return "filter mode";
    case StateMachine::GroupCompatibility:
        return "compatibility mode";
    case StateMachine::Querier:
        return "querier";
    case StateMachine::HostFilterMode:
        return "host filter mode";
    case StateMachine::HostCompatibility:
        return "host compatibility mode";
    }
    return "unknown";
}

// One state change: `from` --event--> `to`. The names point at static strings (state
// and event names of the RFC tables), never at state that may change or go away.
template <class Address>
struct Transition {
    StateMachine machine = StateMachine::FilterMode;
    Address group{}; // unspecified (:: / 0.0.0.0) for a per-link machine
    std::string_view from;
    std::string_view event;
    std::string_view to;
    std::string_view rule{}; // the RFC table row applied, verbatim, when there is one
    friend bool operator==(const Transition&, const Transition&) = default;
};

// The outputs of one owner, in the order they were decided.
template <class Output>
class OutputQueue {
public:
    void push(Output output) { items_.push_back(std::move(output)); }
    // Hands over everything pushed so far and starts empty again.
    [[nodiscard]] std::vector<Output> take() { return std::exchange(items_, {}); }
    [[nodiscard]] const std::vector<Output>& items() const { return items_; }
    [[nodiscard]] std::size_t size() const { return items_.size(); }
    // Forgets what was pushed after the first `size` outputs: an operation undone.
    void truncate(std::size_t size) {
        items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(size), items_.end());
    }

private:
    std::vector<Output> items_;
};

} // namespace ecmh::proto
