// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/proto/family.hpp"

#include <algorithm>

namespace ecmh::proto {

GroupClass Ipv6Family::classify_group(const Address& group) {
    if (!group.is_multicast()) {
        return GroupClass::NotMulticast;
    }
    const auto scope = static_cast<std::uint8_t>(group.multicast_scope());
    // Reserved (0), interface-local, link-local: any flags. Realm-local (3, RFC 7346) too:
    // its boundary is "automatically determined by the network architecture", which a
    // proxy cannot learn, so ecmh does not carry it across links (rfc-map item 46).
    if (scope <= static_cast<std::uint8_t>(net::MulticastScope::RealmLocal)) {
        return GroupClass::LinkScope;
    }
    const auto& b = group.bytes();
    // ff0X:: with a zero group ID "shall never be assigned" (RFC 4291 §2.7.1).
    if (std::all_of(b.begin() + 2, b.end(), [](std::uint8_t x) { return x == 0; })) {
        return GroupClass::Reserved;
    }
    // ff3X::/96 group IDs 0–3fff:ffff are "invalid IPv6 SSM addresses" (RFC 4607 §1).
    if (group.is_ssm() &&
        std::all_of(b.begin() + 2, b.begin() + 12, [](std::uint8_t x) { return x == 0; }) &&
        b[12] < 0x40) {
        return GroupClass::Reserved;
    }
    return GroupClass::Trackable;
}

bool Ipv6Family::is_valid_source(const Address& source) {
    return !source.is_multicast() && !source.is_unspecified() && !source.is_loopback();
}

GroupClass Ipv4Family::classify_group(Address group) {
    if (!group.is_multicast()) {
        return GroupClass::NotMulticast;
    }
    if (group.is_local_network_control()) {
        return GroupClass::LinkScope; // 224.0.0.0/24, never forwarded (RFC 5771 §4)
    }
    return GroupClass::Trackable;
}

bool Ipv4Family::is_valid_source(Address source) {
    const auto first = source.value() >> 24;
    return first != 0 && !source.is_loopback() && !source.is_multicast() &&
           !source.is_reserved_class_e();
}

} // namespace ecmh::proto
