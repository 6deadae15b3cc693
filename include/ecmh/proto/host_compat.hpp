// SPDX-License-Identifier: BSD-3-Clause
// The upstream Host Compatibility Mode (RFC 9777 §8.2.1, RFC 9776 §7.2.1, RFC 4605
// §4.1 "If there is an IGMPv1 or IGMPv2/MLDv1 querier on the upstream network, then
// the proxy device will perform IGMPv1 or IGMPv2/MLDv1").
//
// One Older Version Querier Present timer per older version: MLD has v1; IGMP has v1
// and v2. The mode is the oldest version whose timer runs, else the newest, never
// above the configured newest version (an MLDv1-only proxy stays at 1).
//
//   v1 timer  (MLD) set by MLDv1 *General* Queries only: "whenever an MLDv1 Multicast
//             Address Listener General Query is received" (RFC 9777 §8.2.1; RFC 3810
//             said any MLDv1 query, and RFC 9777 §9.12 still says "an MLDv1 query")
//             (IGMP) set by every IGMPv1 query, "whenever an IGMPv1 Membership Query is
//             received" (RFC 9776 §7.2.1): its group field is ignored (RFC 1112 App. I),
//             so the caller passes every IGMPv1 query as general
//   v2 timer  (IGMP) set by IGMPv2 *General* Queries only: "The Host Compatibility Mode
//             variable value MUST NOT be changed by an older version Group Specific
//             Query" (RFC 9776 §7.2.1)
//   duration  OVQPT = RV·QI(last query) + QRI (RFC 9777 §9.12, RFC 3376 §8.12), given
//             by the caller
//
// So a query that is not general never changes the mode, in either family.
//
// Each change of mode is appended to the reporter's queue as one Transition; what the
// change cancels is the reporter's business (it compares version() before and after).
#pragma once

#include "ecmh/proto/host_actions.hpp"
#include "ecmh/proto/time.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

namespace ecmh::proto {

template <class Family>
class HostCompatibility {
public:
    using Address = typename Family::Address;
    using Outputs = HostOutputs<Address>;
    static constexpr std::uint8_t kNewest = Family::kNewestVersion;

    // `newest_allowed` outside 1..kNewest means kNewest.
    explicit HostCompatibility(std::uint8_t newest_allowed)
        : newest_allowed_(newest_allowed >= 1 && newest_allowed <= kNewest ? newest_allowed
                                                                           : kNewest) {
        until_.fill(kNever);
    }

    // A query of wire `version` arrived; `general` is true for a General Query (and
    // for every IGMPv1 query); `until` is now + OVQPT.
    void on_query(std::uint8_t version, bool general, TimePoint until, Outputs& out) {
        if (version < 1 || version >= kNewest || !general) {
            return;
        }
        const auto before = version_now();
        until_[version] = until;
        report(before, "older-version query received", out);
    }

    // Stops every timer that has run out by `now`.
    void expire(TimePoint now, Outputs& out) {
        const auto before = version_now();
        for (auto& t : until_) {
            if (t <= now) {
                t = kNever;
            }
        }
        report(before, "Older Version Querier Present timer expired", out);
    }

    // The mode as of the last event.
    [[nodiscard]] std::uint8_t version() const { return version_now(); }
    [[nodiscard]] std::uint8_t newest_allowed() const { return newest_allowed_; }
    // When the timer for older `version` runs out; kNever if it is not running.
    [[nodiscard]] TimePoint older_querier_until(std::uint8_t version) const {
        return version >= 1 && version < kNewest ? until_[version] : kNever;
    }
    [[nodiscard]] TimePoint next_deadline() const {
        return *std::min_element(until_.begin(), until_.end());
    }

private:
    void report(std::uint8_t before, std::string_view event, Outputs& out) const {
        const auto after = version_now();
        if (after != before) {
            out.push(Transition<Address>{StateMachine::HostCompatibility, Address{},
                                         Family::version_name(before), event,
                                         Family::version_name(after)});
        }
    }

    [[nodiscard]] std::uint8_t version_now() const {
        for (std::uint8_t v = 1; v < kNewest; ++v) {
            if (until_[v] != kNever) {
                return std::min(v, newest_allowed_);
            }
        }
        return newest_allowed_;
    }

    std::uint8_t newest_allowed_;
    std::array<TimePoint, kNewest> until_{}; // indexed by version; [0] unused, always kNever
};

} // namespace ecmh::proto
