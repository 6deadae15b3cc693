// SPDX-License-Identifier: BSD-3-Clause
// The two address families as traits, so that one implementation of each state machine
// serves MLD (IPv6) and IGMP (IPv4): RFC 3810 §7.4 and RFC 3376 §6.4 are the same
// algebra over different addresses.
#pragma once

#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/net/ipv6_address.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace ecmh::proto {

// What a group address in a report is to ecmh (rfc-map items 26, 32, M8).
enum class GroupClass : std::uint8_t {
    Trackable,    // ecmh keeps listener state, reports it upstream and forwards it
    LinkScope,    // scope 0–3 / 224.0.0.0/24: normal on every link, never tracked
    NotMulticast, // a unicast "group": dropped and counted
    Reserved,     // ff0X:: (RFC 4291 §2.7.1), ff3X::0–3fff:ffff (RFC 4607 §1): dropped, counted
};

struct Ipv6Family {
    using Address = net::Ipv6Address;
    static constexpr std::string_view kProtocolName = "MLD";
    // Versions: 1 = MLDv1 (RFC 2710), 2 = MLDv2 (RFC 3810).
    static constexpr std::uint8_t kNewestVersion = 2;
    // "MLDv1", "MLDv2": compatibility-mode names for Transitions and log lines.
    [[nodiscard]] static constexpr std::string_view version_name(std::uint8_t version) {
        constexpr std::array<std::string_view, 3> kNames{"MLD", "MLDv1", "MLDv2"};
        return version < kNames.size() ? kNames[version] : kNames[0];
    }

    [[nodiscard]] static GroupClass classify_group(const Address& group);
    // ff3x::/32 (RFC 4607 §1: "treat all of FF3x::/32 as SSM").
    [[nodiscard]] static bool is_ssm(const Address& group) { return group.is_ssm(); }
    // A source in a record must be a unicast address that could send (RFC 3810 §5.2.9);
    // multicast, ::, ::1 are ignored.
    [[nodiscard]] static bool is_valid_source(const Address& source);
    // May a data packet from `source` leave its link? Not from a link-local address
    // ("Routers must not forward any packets with Link-Local source", RFC 4291 §2.5.6).
    [[nodiscard]] static bool is_forwardable_source(const Address& source) {
        return is_valid_source(source) && !source.is_link_local_unicast();
    }
};

struct Ipv4Family {
    using Address = net::Ipv4Address;
    static constexpr std::string_view kProtocolName = "IGMP";
    // Versions: 1 (RFC 1112), 2 (RFC 2236), 3 (RFC 3376).
    static constexpr std::uint8_t kNewestVersion = 3;
    [[nodiscard]] static constexpr std::string_view version_name(std::uint8_t version) {
        constexpr std::array<std::string_view, 4> kNames{"IGMP", "IGMPv1", "IGMPv2", "IGMPv3"};
        return version < kNames.size() ? kNames[version] : kNames[0];
    }

    [[nodiscard]] static GroupClass classify_group(Address group);
    [[nodiscard]] static bool is_ssm(Address group) { return group.is_ssm(); } // 232/8
    // RFC 1812 §5.3.7: not 0/8, 127/8, multicast, class E or broadcast.
    [[nodiscard]] static bool is_valid_source(Address source);
    // Not 169.254/16: link-local sources stay on their link (RFC 3927 §2.7).
    [[nodiscard]] static bool is_forwardable_source(Address source) {
        return is_valid_source(source) && (source.value() >> 16) != 0xa9feU;
    }
};

} // namespace ecmh::proto
