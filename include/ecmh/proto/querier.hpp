// SPDX-License-Identifier: BSD-3-Clause
// Querier election and the General Query schedule of one downstream link for one
// family (RFC 3810 §7.6.2, §9.5–§9.7; RFC 3376 §6.6.2, §8.5–§8.7; RFC 2710 §4;
// RFC 2236 §3). Pure: every call gets `now`.
//
//   Start as Querier: a General Query at once, SQC of them SQI apart, then one per QI.
//   A valid query from a lower address → Non-Querier, Other Querier Present = now +
//   OQPT; each further one restarts it. On expiry → Querier, a General Query at once,
//   then one per QI.
//   Which queries count (counts_in_election): MLD, every query ("When a router receives
//   a query with a lower IPv6 address", RFC 9777 §7.6.2); IGMP, General Queries only
//   ("When a router receives a General Query with a lower IP address", RFC 9776 §6.6.2).
//   An IGMP Group-Specific Query from a lower address neither demotes nor restarts OQPT.
//   As Non-Querier the querier's QRV and QQI are adopted (0 = not given: ours), so
//   MALI, LLQT, OVHPT and OQPT use them (RFC 3376 §4.1.6/§4.1.7, RFC 3810 §5.1.8/§5.1.9):
//   from every query of the elected querier, one that does not count included ("the
//   most recently received Query", RFC 9776 §4.1.6).
//   OQPT = RV·QI + QRI/2,  SQI = QI/4,  SQC = RV.
//
// Outputs go to the link's queue (router_outputs.hpp): a SendQuery per General Query
// (group 0, no sources, MRC = QRI, S = 0, QRV = RV, QQIC = QI, the link's version), and
// per state change a Transition followed by the QuerierChanged the forwarding rule needs.
#pragma once

#include "ecmh/proto/family.hpp"
#include "ecmh/proto/protocol_variables.hpp"
#include "ecmh/proto/query.hpp"
#include "ecmh/proto/router_outputs.hpp"
#include "ecmh/proto/time.hpp"

#include <cstdint>
#include <string_view>

namespace ecmh::proto {

// Election order: does a query from `candidate` win against `own`?
// MLDv2 compares "the interface ID represented by the last 64 bits" (RFC 3810 §7.6.2);
// MLDv1 the whole address, "numerically less" (RFC 2710 §4); IGMP the IPv4 address
// numerically (RFC 2236 §3, RFC 3376 §6.6.2).
[[nodiscard]] bool querier_precedes(const net::Ipv6Address& candidate, const net::Ipv6Address& own,
                                    std::uint8_t query_version);
[[nodiscard]] bool querier_precedes(net::Ipv4Address candidate, net::Ipv4Address own,
                                    std::uint8_t query_version);

// Does a query from a lower address take part in the election? MLD: any (RFC 9777 §7.6.2);
// IGMP: a General Query (RFC 9776 §6.6.2; an IGMPv1 query always is, its group is 0).
[[nodiscard]] bool counts_in_election(const ReceivedQuery<net::Ipv6Address>& query);
[[nodiscard]] bool counts_in_election(const ReceivedQuery<net::Ipv4Address>& query);

template <class Family>
class Querier {
public:
    using Address = typename Family::Address;
    using Outputs = RouterOutputs<Address>;

    // Starts as Querier with the first General Query due at `now`; `version` is the
    // link's configured version, the one its General Queries speak.
    Querier(const ProtocolVariables& configured, const Address& own_address, std::uint8_t version,
            TimePoint now);

    // A received, validated query; losing the election is a state change.
    // Ignored for the election: our own looped-back query (source == own address)
    // and an unspecified source (an IGMP snooping switch's 0.0.0.0 proxy query: "must
    // not be included in the Querier election process", RFC 4541 §2.1.1 item 4).
    void on_query(const ReceivedQuery<Address>& query, TimePoint now, Outputs& out);
    // Everything due at `now`: the Other Querier Present expiry, then a General Query.
    void on_timer(TimePoint now, Outputs& out);

    [[nodiscard]] bool is_querier() const { return querier_; }
    // The variables in force: configured as Querier, with the adopted QRV/QQI otherwise.
    [[nodiscard]] const ProtocolVariables& variables() const { return vars_; }
    [[nodiscard]] const ProtocolVariables& configured() const { return configured_; }
    [[nodiscard]] TimePoint next_deadline() const {
        return querier_ ? next_general_query_ : other_querier_until_;
    }
    [[nodiscard]] TimePoint next_general_query() const { return next_general_query_; }
    [[nodiscard]] TimePoint other_querier_present_until() const { return other_querier_until_; }
    // The elected querier: our own address while Querier.
    [[nodiscard]] const Address& querier_address() const {
        return querier_ ? own_ : other_querier_;
    }
    [[nodiscard]] const Address& own_address() const { return own_; }
    // The link's address changed (rfc-map M19): later elections use the new one.
    void set_own_address(const Address& own) { own_ = own; }
    // The same, and the election re-run with what is known (rfc-map M19): a Non-Querier
    // whose new address now precedes the querier it hears becomes Querier at once; a
    // Querier sends a General Query from the new address at once, so every other router
    // compares against the address it now has.
    void change_own_address(const Address& own, TimePoint now, Outputs& out);
    // The link is up again after an outage (rfc-map M19): start over as at startup —
    // Querier, SQC General Queries SQI apart, the first now — so that listeners whose
    // state expired meanwhile, or that joined meanwhile, report within a QRI.
    void restart(TimePoint now, Outputs& out);
    // The link's variables or version were configured anew (a reload): they are the
    // link's from now on, and the querier starts over as at startup (restart()), so the
    // other routers and the listeners learn them at once.
    void reconfigure(const ProtocolVariables& configured, std::uint8_t version, TimePoint now,
                     Outputs& out);
    [[nodiscard]] std::uint32_t startup_queries_left() const { return startup_left_; }

private:
    void adopt(const ReceivedQuery<Address>& query);
    // A change of role on `event`: the Transition for the log, then the QuerierChanged
    // the forwarding rule acts on.
    void change(bool querier, const Address& querier_address, std::string_view event, Outputs& out);
    // Non-Querier → Querier on `event`, with our own variables and a General Query now.
    void become_querier(std::string_view event, TimePoint now, Outputs& out);
    void send_general_query(Outputs& out) const;

    ProtocolVariables configured_;
    ProtocolVariables vars_;
    Address own_;
    Address other_querier_{};
    std::uint8_t version_;
    bool querier_ = true;
    std::uint32_t startup_left_;
    TimePoint next_general_query_;
    TimePoint other_querier_until_ = kNever;
};

extern template class Querier<Ipv6Family>;
extern template class Querier<Ipv4Family>;

} // namespace ecmh::proto
