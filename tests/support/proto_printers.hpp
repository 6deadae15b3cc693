// SPDX-License-Identifier: BSD-3-Clause
// Readable gtest failures for the router-side outputs (router_outputs.hpp) and
// Transitions: gtest finds these by ADL, also inside a std::variant.
#pragma once

#include "ecmh/proto/router_outputs.hpp"

#include <ostream>

namespace ecmh::proto {

template <class Address>
void PrintTo(const Transition<Address>& t, std::ostream* os) {
    *os << to_string(t.machine) << ' ' << t.group.to_string() << ": " << t.from << " -[" << t.event
        << "]-> " << t.to;
    if (!t.rule.empty()) {
        *os << " [" << t.rule << ']';
    }
}

template <class Address>
void PrintTo(const SendQuery<Address>& q, std::ostream* os) {
    *os << "SendQuery(v" << int{q.version} << ' ' << q.group.to_string()
        << " S=" << q.suppress_router_side << " {";
    const char* sep = "";
    for (const auto& s : q.sources) {
        *os << sep << s.to_string();
        sep = ",";
    }
    *os << "} MRC " << q.max_response.count() << "us QRV " << q.robustness << " QQIC "
        << q.query_interval.count() << "ms)";
}

template <class Address>
void PrintTo(const MembershipChanged<Address>& c, std::ostream* os) {
    *os << "MembershipChanged(" << c.group.to_string() << ')';
}

template <class Address>
void PrintTo(const LimitReached<Address>& l, std::ostream* os) {
    *os << "LimitReached("
        << (l.kind == LimitKind::Groups            ? "groups "
            : l.kind == LimitKind::SourcesPerGroup ? "sources "
                                                   : "total sources ")
        << l.group.to_string() << ", " << l.refused << ')';
}

template <class Address>
void PrintTo(const QuerierChanged<Address>& q, std::ostream* os) {
    *os << "QuerierChanged(" << (q.querier ? "querier " : "non-querier ")
        << q.querier_address.to_string() << ')';
}

} // namespace ecmh::proto
