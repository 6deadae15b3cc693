// SPDX-License-Identifier: BSD-3-Clause
// What the upstream host side asks the engine to do, its configuration and its
// counters. The reporter decides *what* to say; the engine builds the packets (MLDv2 /
// IGMPv3 reports split by MTU with the wire builders, sources and destinations per
// RFC 3810 §5.2.13–14, RFC 3376 §4.2.13–14, RFC 2710 §3, RFC 2236 §3).
//
// HostOutput is the host side's one output variant: the reporter and its compatibility
// helper append to one queue of it (outputs.hpp), which the engine drains.
#pragma once

#include "ecmh/proto/membership.hpp"
#include "ecmh/proto/outputs.hpp"
#include "ecmh/proto/protocol_variables.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <variant>
#include <vector>

namespace ecmh::proto {

struct HostReporterConfig {
    ProtocolVariables vars;
    // The newest version the upstream may speak: MLD 1–2, IGMP 1–3. 0 (or anything out
    // of range) means the family's newest. An MLDv1-only upstream is 1.
    std::uint8_t newest_version = 0;
    // The Host Compatibility Mode (RFC 9777 §8.2.1, RFC 9776 §7.2.1). Off, a query older
    // than newest_version is ignored and counted (older_queries_ignored): the upstream
    // keeps speaking its newest version, as an SSM-only network wants ("It is RECOMMENDED
    // that implementations provide a configuration option to disable the use of Host
    // Compatibility Mode ... This configuration option SHOULD be disabled by default").
    bool host_compatibility = true;
    // URI of the old protocols, between repetitions of an unsolicited v1/v2 report
    // (RFC 2710 §7.10, RFC 2236 §8.10: 10 s). vars.unsolicited_report_interval is the
    // MLDv2/IGMPv3 one (1 s).
    std::chrono::milliseconds old_unsolicited_report_interval{10'000};
    // RFC 3810 §10.1: "record only a limited number of sources" per pending
    // group-and-source response; beyond either cap the response becomes a
    // group-specific one (a superset answer, always correct).
    std::size_t max_recorded_sources_per_group = 128;
    std::size_t max_recorded_sources_total = 16'384;
};

enum class ReportKind : std::uint8_t {
    StateChange,  // TO_IN / TO_EX / ALLOW / BLOCK (RFC 3810 §6.1)
    CurrentState, // IS_IN / IS_EX (query responses, resend_all)
};

// An MLDv2 / IGMPv3 Report with these records, in this order; the engine packs them
// into as many MTU-sized messages as it takes (RFC 3810 §5.2.15, RFC 3376 §4.2.16).
template <class Address>
struct HostReport {
    ReportKind kind = ReportKind::StateChange;
    std::vector<GroupRecord<Address>> records;
    friend bool operator==(const HostReport&, const HostReport&) = default;
};

// An old-version report for `group`, sent to the group: MLDv1 Report (131, version 1);
// IGMPv1 Report (0x12, version 1); IGMPv2 Report (0x16, version 2).
template <class Address>
struct HostOldReport {
    std::uint8_t version = 1;
    Address group;
    friend bool operator==(const HostOldReport&, const HostOldReport&) = default;
};

// MLDv1 Done (132) to ff02::2, IGMPv2 Leave (0x17) to 224.0.0.2. Never in IGMPv1 mode.
template <class Address>
struct HostOldLeave {
    Address group;
    friend bool operator==(const HostOldLeave&, const HostOldLeave&) = default;
};

// The Host Compatibility Mode changed; all pending responses and retransmissions are
// gone. `ssm_groups` counts SSM groups with state: when `to` is an old version they
// go unreported, which RFC 4604 §2.2.1 and §2.2.3 want logged as an error. (It follows
// the change's Transition, which is for the debug log; this is for the operator.)
struct HostModeChanged {
    std::uint8_t from = 0;
    std::uint8_t to = 0;
    std::size_t ssm_groups = 0;
    friend bool operator==(const HostModeChanged&, const HostModeChanged&) = default;
};

// An older-version query heard upstream that concerns SSM, to be logged as an error: "An
// SSM-aware host that receives an IGMPv1 Query, an IGMPv2 General Query, or an IGMPv2
// Group Specific Query for a multicast address in the SSM address range SHOULD log an
// error" (RFC 9776 §7.2.1; RFC 9777 §8.2.1 for MLDv1; RFC 4604 §2.2.3, §2.2.5). Read
// here as: an older General Query (every IGMPv1 query is one) while SSM groups have state
// (`ssm_groups` > 0), or an older Group-Specific Query for an SSM group (`group`). Whether
// the Host Compatibility Mode follows the query or not (--no-host-compatibility) does not
// matter. Rate-limited: at most one per kSsmQueryErrorInterval; `suppressed` counts the
// ones left out since the last (HostCounters::ssm_query_errors counts them all).
template <class Address>
struct HostSsmQueryError {
    std::uint8_t version = 0;
    Address source;
    Address group{}; // unspecified for a General Query
    std::size_t ssm_groups = 0;
    std::uint64_t suppressed = 0;
    friend bool operator==(const HostSsmQueryError&, const HostSsmQueryError&) = default;
};
inline constexpr Duration kSsmQueryErrorInterval = std::chrono::seconds{10};

template <class Address>
using HostOutput = std::variant<HostReport<Address>, HostOldReport<Address>, HostOldLeave<Address>,
                                HostModeChanged, HostSsmQueryError<Address>, Transition<Address>>;

template <class Address>
using HostOutputs = OutputQueue<HostOutput<Address>>;

struct HostCounters {
    std::uint64_t state_change_reports = 0;  // HostReport{StateChange} emitted
    std::uint64_t current_state_reports = 0; // HostReport{CurrentState} emitted
    std::uint64_t records = 0;               // group records in those
    std::uint64_t old_reports = 0;
    std::uint64_t old_leaves = 0;
    std::array<std::uint64_t, 4> queries_by_version{}; // [1..3]; [0] = other versions
    std::uint64_t mode_changes = 0;
    std::uint64_t older_queries_ignored = 0;   // with host_compatibility off
    std::uint64_t ssm_suppressed = 0;          // SSM reports withheld in v1/v2 mode (RFC 4607 §8)
    std::uint64_t ssm_exclude_refused = 0;     // EXCLUDE states for SSM groups (RFC 4604 §2.2.2)
    std::uint64_t ssm_query_errors = 0;        // HostSsmQueryError cases, suppressed ones too
    std::uint64_t untrackable_refused = 0;     // link-scope / reserved groups (rfc-map item 32)
    std::uint64_t recorded_sources_capped = 0; // Q(G,S) answered as Q(G) (RFC 3810 §10.1)
};

} // namespace ecmh::proto
