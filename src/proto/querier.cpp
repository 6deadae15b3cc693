// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/proto/querier.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

namespace ecmh::proto {
namespace {

// The events that change the role, named as RFC 2236 §7's router state diagram names
// them; the last two are ecmh's own (rfc-map M19).
constexpr std::string_view kLost = "query received from a router with a lower IP address";
constexpr std::string_view kRegained = "other querier present timer expired";
constexpr std::string_view kAddressChanged = "own address changed to one below the querier's";
constexpr std::string_view kLinkUp = "link up again: starting over as at startup";
constexpr std::string_view kReconfigured = "settings reloaded: starting over as at startup";

} // namespace

bool querier_precedes(const net::Ipv6Address& candidate, const net::Ipv6Address& own,
                      std::uint8_t query_version) {
    const auto& c = candidate.bytes();
    const auto& o = own.bytes();
    // MLDv2 queries all come from fe80::/64, so only the interface ID tells them apart.
    const std::size_t first = query_version >= 2 ? 8 : 0;
    return std::lexicographical_compare(c.begin() + static_cast<std::ptrdiff_t>(first), c.end(),
                                        o.begin() + static_cast<std::ptrdiff_t>(first), o.end());
}

bool querier_precedes(net::Ipv4Address candidate, net::Ipv4Address own,
                      std::uint8_t /*query_version*/) {
    return candidate.value() < own.value();
}

bool counts_in_election(const ReceivedQuery<net::Ipv6Address>& /*query*/) {
    return true; // "When a router receives a query with a lower IPv6 address" (§7.6.2)
}

bool counts_in_election(const ReceivedQuery<net::Ipv4Address>& query) {
    return query.is_general(); // "When a router receives a General Query with a lower IP address"
}

template <class Family>
Querier<Family>::Querier(const ProtocolVariables& configured, const Address& own_address,
                         std::uint8_t version, TimePoint now)
    : configured_(configured), vars_(configured), own_(own_address), version_(version),
      // "SHOULD send [Startup Query Count] General Queries spaced closely together
      // [Startup Query Interval]" (RFC 2710 §4, RFC 2236 §3).
      startup_left_(configured.startup_query_count()), next_general_query_(now) {}

template <class Family>
void Querier<Family>::on_query(const ReceivedQuery<Address>& query, TimePoint now, Outputs& out) {
    if (query.source == own_ || query.source == Address{}) {
        return;
    }
    // The S flag "does not suppress the querier election" (RFC 3810 §5.1.7): not looked at.
    if (!querier_precedes(query.source, own_, query.version)) {
        return; // a higher address: we stay (or it stays) what we were
    }
    if (!counts_in_election(query)) {
        if (!querier_ && query.source == other_querier_) {
            adopt(query); // the querier's own Group-Specific Query
        }
        return;
    }
    const bool was_querier = querier_;
    querier_ = false;
    other_querier_ = query.source;
    startup_left_ = 0;
    next_general_query_ = kNever;
    adopt(query);
    // "it sets the Other Querier Present timer to Other Querier Present Timeout; if it
    // was previously in Querier state, it switches to Non-Querier state" (§7.6.2).
    other_querier_until_ = now + vars_.other_querier_present_interval();
    if (was_querier) {
        change(false, query.source, kLost, out);
    }
}

// "Routers adopt the QRV value from the most recently received Query as their own
// [Robustness Variable] value, unless that most recently received QRV was zero, in
// which case the receivers use the default" (RFC 3376 §4.1.6; §4.1.7 likewise for QQI).
template <class Family>
void Querier<Family>::adopt(const ReceivedQuery<Address>& query) {
    vars_.robustness = query.robustness != 0 ? query.robustness : configured_.robustness;
    vars_.query_interval =
        query.query_interval.count() > 0 ? query.query_interval : configured_.query_interval;
}

template <class Family>
void Querier<Family>::on_timer(TimePoint now, Outputs& out) {
    if (!querier_ && other_querier_until_ <= now) {
        // "After the Other Querier Present timer expires, it should re-enter the Querier
        // state and begin sending General Queries" (§7.6.2): one now, then every QI.
        become_querier(kRegained, now, out);
    }
    if (querier_ && next_general_query_ <= now) {
        send_general_query(out);
        if (startup_left_ > 0) {
            --startup_left_;
        }
        next_general_query_ = now + (startup_left_ > 0 ? vars_.startup_query_interval()
                                                       : Duration{vars_.query_interval});
    }
}

template <class Family>
void Querier<Family>::change(bool querier, const Address& querier_address, std::string_view event,
                             Outputs& out) {
    out.push(Transition<Address>{StateMachine::Querier, Address{},
                                 querier ? "Non-Querier" : "Querier", event,
                                 querier ? "Querier" : "Non-Querier"});
    out.push(QuerierChanged<Address>{querier, querier_address});
}

template <class Family>
void Querier<Family>::become_querier(std::string_view event, TimePoint now, Outputs& out) {
    querier_ = true;
    vars_ = configured_;
    other_querier_until_ = kNever;
    next_general_query_ = now;
    change(true, own_, event, out);
}

template <class Family>
void Querier<Family>::change_own_address(const Address& own, TimePoint now, Outputs& out) {
    if (own == own_) {
        return;
    }
    own_ = own;
    if (querier_) {
        next_general_query_ = now; // the other routers learn the new address at once
    } else if (!querier_precedes(other_querier_, own_, version_)) {
        become_querier(kAddressChanged, now, out); // we would have won with this address
    }
}

template <class Family>
void Querier<Family>::restart(TimePoint now, Outputs& out) {
    // Whoever was querier before the outage may be gone; as at startup, every router
    // "assumes itself as Querier" (RFC 3810 §7.6.2) until a lower address is heard.
    if (!querier_) {
        become_querier(kLinkUp, now, out);
    }
    startup_left_ = configured_.startup_query_count();
    next_general_query_ = now;
}

template <class Family>
void Querier<Family>::reconfigure(const ProtocolVariables& configured, std::uint8_t version,
                                  TimePoint now, Outputs& out) {
    configured_ = configured;
    version_ = version;
    if (querier_) {
        vars_ = configured_;
    } else {
        become_querier(kReconfigured, now, out);
    }
    startup_left_ = configured_.startup_query_count();
    next_general_query_ = now;
}

// Group 0, no sources, MRC = QRI, S = 0, QRV = RV, QQIC = QI (item 14).
template <class Family>
void Querier<Family>::send_general_query(Outputs& out) const {
    SendQuery<Address> send;
    send.version = version_;
    send.max_response = Duration{configured_.query_response_interval};
    send.robustness = configured_.robustness;
    send.query_interval = configured_.query_interval;
    out.push(std::move(send));
}

template class Querier<Ipv6Family>;
template class Querier<Ipv4Family>;

} // namespace ecmh::proto
