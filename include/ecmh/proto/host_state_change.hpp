// SPDX-License-Identifier: BSD-3-Clause
// The retransmission state of one group's State Change Reports (RFC 3810 §6.1, §6.3
// item 4; RFC 3376 §5.1): what the next report for the group carries, and how many are
// still owed. The timer that paces them lives in the reporter; this is the bookkeeping.
//
//   Filter Mode Retransmission Counter  set to RV on a filter-mode change; while > 0
//                                       a report carries TO_IN / TO_EX of the whole
//                                       current state.
//   Source Retransmission List          every source in a source-list difference, with
//                                       a counter set to RV; at counter 0 the source
//                                       leaves. With the mode counter at 0 a report
//                                       carries ALLOW / BLOCK of these sources.
//
// Every counter falls by one per report sent ("Each time a State Change Report is sent
// the counter is decreased by one unit", §6.1), so each change reaches the router in at
// least RV reports: a TO_IN / TO_EX describes the whole state, so it carries a source
// change made while the mode counter runs too. A filter-mode change clears the source
// list, because the TO_IN / TO_EX records that follow supersede every older delta.
// The list is bounded: a change adds at most |old Δ new| sources and every change sends
// a report at once, so nothing lives past RV reports.
#pragma once

#include "ecmh/proto/membership.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace ecmh::proto {

template <class Address>
class StateChangeRetransmission {
public:
    using State = MembershipState<Address>;

    // Registers the change before → after (the caller skips equal states).
    void record_change(const State& before, const State& after, std::uint32_t robustness) {
        if (before.mode != after.mode) {
            // "If the ... change that triggers the new report is a filter mode change,
            // then the next [Robustness Variable] State Change Reports will include a
            // Filter Mode Change Record."
            filter_mode_counter_ = robustness;
            sources_.clear();
            return;
        }
        // "Each time a source is included in the difference report ..., its counter is
        // set to [Robustness Variable]."
        for (const auto& source :
             (before.sources - after.sources) + (after.sources - before.sources)) {
            arm(source, robustness);
        }
    }

    // Appends the records of the next State Change Report for `group`, built against
    // the current state, and counts that report as sent. Appends nothing if nothing is
    // owed.
    void build_next(const Address& group, const State& current,
                    std::vector<GroupRecord<Address>>& out) {
        if (filter_mode_counter_ > 0) {
            // "if the current filter mode of the interface is INCLUDE, a TO_IN record is
            // included in the report; otherwise a TO_EX record": TO_IN lists what must be
            // forwarded, TO_EX what must be blocked — in both cases the state's list.
            const auto type = current.mode == FilterMode::Include
                                  ? wire::RecordType::ChangeToIncludeMode
                                  : wire::RecordType::ChangeToExcludeMode;
            out.push_back({type, group, current.sources});
            --filter_mode_counter_;
        } else {
            // "ALLOW: All with retransmission state that must be forwarded; BLOCK: All
            // with retransmission state that must be blocked." Empty ones are omitted.
            SourceSet<Address> allow;
            SourceSet<Address> block;
            for (const auto& [source, count] : sources_) {
                (current.admits(source) ? allow : block).insert(source);
            }
            if (!allow.empty()) {
                out.push_back({wire::RecordType::AllowNewSources, group, std::move(allow)});
            }
            if (!block.empty()) {
                out.push_back({wire::RecordType::BlockOldSources, group, std::move(block)});
            }
        }
        for (auto& entry : sources_) {
            --entry.second;
        }
        std::erase_if(sources_, [](const auto& entry) { return entry.second == 0; });
    }

    [[nodiscard]] bool pending() const { return filter_mode_counter_ > 0 || !sources_.empty(); }

    // How many more reports are owed: the largest counter.
    [[nodiscard]] std::uint32_t remaining() const {
        std::uint32_t most = filter_mode_counter_;
        for (const auto& entry : sources_) {
            most = std::max(most, entry.second);
        }
        return most;
    }

    [[nodiscard]] std::uint32_t filter_mode_counter() const { return filter_mode_counter_; }
    [[nodiscard]] const std::vector<std::pair<Address, std::uint32_t>>& sources() const {
        return sources_;
    }

    // A compatibility-mode change "cancels all ... retransmission timers" (§8.2.1).
    void cancel() {
        filter_mode_counter_ = 0;
        sources_.clear();
    }

private:
    void arm(const Address& source, std::uint32_t robustness) {
        const auto it =
            std::lower_bound(sources_.begin(), sources_.end(), source,
                             [](const auto& entry, const Address& a) { return entry.first < a; });
        if (it != sources_.end() && it->first == source) {
            it->second = robustness;
        } else {
            sources_.insert(it, {source, robustness});
        }
    }

    std::uint32_t filter_mode_counter_ = 0;
    std::vector<std::pair<Address, std::uint32_t>> sources_; // sorted by address
};

} // namespace ecmh::proto
