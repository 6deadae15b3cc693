// SPDX-License-Identifier: BSD-3-Clause
// Which groups are source-specific multicast (rfc-map item 27): 232.0.0.0/8 and
// FF3x::/32 by default (RFC 4607 §1), or the prefixes an operator configured instead
// (--ssm-range; RFC 9776 §6.4 / RFC 9777 §7.4 let a router be configured for another
// range). In the range, any-source joins and old-version messages are ignored and only
// (S,G) state forwards (RFC 4604 §3.5, §3.7).
#pragma once

#include "ecmh/net/prefix.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace ecmh::proto {

template <class Address>
class SsmRange {
public:
    // The IANA default.
    SsmRange() = default;
    // The configured prefixes instead of the default; an empty list is the default.
    explicit SsmRange(std::vector<net::Prefix<Address>> prefixes)
        : prefixes_(std::move(prefixes)) {}

    [[nodiscard]] bool contains(const Address& group) const {
        if (prefixes_.empty()) {
            return group.is_ssm();
        }
        return std::any_of(prefixes_.begin(), prefixes_.end(),
                           [&](const auto& p) { return p.contains(group); });
    }
    [[nodiscard]] bool is_default() const { return prefixes_.empty(); }
    [[nodiscard]] const std::vector<net::Prefix<Address>>& prefixes() const { return prefixes_; }
    friend bool operator==(const SsmRange&, const SsmRange&) = default;

private:
    std::vector<net::Prefix<Address>> prefixes_;
};

} // namespace ecmh::proto
