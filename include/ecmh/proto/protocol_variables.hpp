// SPDX-License-Identifier: BSD-3-Clause
// The protocol variables of RFC 9777 §9 / RFC 9776 §8 (RFC 3810 §9 / RFC 3376 §8 before
// them) and every interval derived from them. Only the five configurable values are
// stored; the rest are computed, so they can never disagree.
//
//   MALI / GMI   = RV·QI + 2·QRI          Multicast Address Listening / Group Membership
//                                         (RFC 9777 §9.4, RFC 9776 §8.4; erratum 6725:
//                                         RFC 3810 / RFC 3376 had RV·QI + QRI)
//   OQPT         = RV·QI + QRI/2          Other Querier Present (§9.5, §8.5)
//   SQI          = QI/4,  SQC = RV        Startup Query Interval / Count (§9.6–7, §8.6–7)
//   LLQC         = RV,    LLQT = LLQI·LLQC  Last Listener Query Count / Time (§9.9–10)
//   OVHPT        = RV·QI + QRI            Older Version Host Present (router, per group;
//                                         RFC 9777 §9.13, RFC 9776 §8.13): no longer MALI
//   OVQPT        = RV·QI(last query) + QRI  Older Version Querier Present (host; RFC 9777
//                                         §9.12; for IGMP see rfc-map 9776.15)
#pragma once

#include "ecmh/proto/time.hpp"

#include <chrono>
#include <cstdint>

namespace ecmh::proto {

struct ProtocolVariables {
    std::uint32_t robustness = 2;
    std::chrono::milliseconds query_interval{125'000};
    std::chrono::milliseconds query_response_interval{10'000};
    std::chrono::milliseconds last_listener_query_interval{1'000};
    // The host side's Unsolicited Report Interval for ecmh's own upstream reports
    // (RFC 3810 §9.11: 1 s for MLDv2; RFC 3376 §8.11: 1 s for IGMPv3).
    std::chrono::milliseconds unsolicited_report_interval{1'000};
    // The same for the old protocols, used while the upstream speaks MLDv1, IGMPv1 or
    // IGMPv2: the random delay before repeating an unsolicited report (RFC 2710 §7.10,
    // RFC 2236 §8.10: 10 s).
    std::chrono::milliseconds old_unsolicited_report_interval{10'000};

    [[nodiscard]] constexpr Duration listener_interval() const { // MALI, GMI
        return Duration{robustness * query_interval + 2 * query_response_interval};
    }
    [[nodiscard]] constexpr Duration other_querier_present_interval() const { // OQPT
        return Duration{robustness * query_interval} + Duration{query_response_interval} / 2;
    }
    [[nodiscard]] constexpr Duration startup_query_interval() const { // SQI
        return Duration{query_interval} / 4;
    }
    [[nodiscard]] constexpr std::uint32_t startup_query_count() const { return robustness; }
    [[nodiscard]] constexpr std::uint32_t last_listener_query_count() const { return robustness; }
    [[nodiscard]] constexpr Duration last_listener_query_time() const { // LLQT
        return Duration{last_listener_query_interval * robustness};
    }
    [[nodiscard]] constexpr Duration older_version_host_present_interval() const { // OVHPT
        return Duration{robustness * query_interval + query_response_interval};
    }
    // OVQPT for a querier whose last query said `querier_qi` (0 = not given: use ours).
    [[nodiscard]] constexpr Duration
    older_version_querier_present_interval(std::chrono::milliseconds querier_qi) const {
        const auto qi = querier_qi.count() > 0 ? querier_qi : query_interval;
        return Duration{robustness * qi + query_response_interval};
    }
    friend constexpr bool operator==(const ProtocolVariables&, const ProtocolVariables&) = default;
};

// The fast timer profile of rfc-map §0.2 (RV 2, QI 4 s, QRI 1 s, LLQI 0.3 s, URI 0.5 s).
[[nodiscard]] constexpr ProtocolVariables fast_test_profile() {
    ProtocolVariables v;
    v.query_interval = std::chrono::milliseconds{4'000};
    v.query_response_interval = std::chrono::milliseconds{1'000};
    v.last_listener_query_interval = std::chrono::milliseconds{300};
    v.unsolicited_report_interval = std::chrono::milliseconds{500};
    v.old_unsolicited_report_interval = std::chrono::milliseconds{500};
    return v;
}

} // namespace ecmh::proto
