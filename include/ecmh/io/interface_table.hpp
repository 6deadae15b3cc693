// SPDX-License-Identifier: BSD-3-Clause
// What the kernel says about the host's interfaces, kept current from rtnetlink: the
// link (name, type, flags, MTU, MAC, bridge/bond master, the ends of a 6in4 tunnel) and
// its addresses. The daemon reconciles its links against this table after every change
// (netlink_monitor.hpp).
#pragma once

#include "ecmh/net/if_index.hpp"
#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/net/ipv6_address.hpp"
#include "ecmh/net/mac_address.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ecmh::io {

struct InterfaceIpv6Address {
    net::Ipv6Address address;
    std::uint8_t prefix_length = 0;
    bool tentative = false;  // IFA_F_TENTATIVE: DAD still running
    bool dad_failed = false; // IFA_F_DADFAILED: never usable
    friend bool operator==(const InterfaceIpv6Address&, const InterfaceIpv6Address&) = default;
};

struct InterfaceIpv4Address {
    net::Ipv4Address address;
    std::uint8_t prefix_length = 0;
    bool secondary = false; // IFA_F_SECONDARY: another address of its subnet is primary
    friend bool operator==(const InterfaceIpv4Address&, const InterfaceIpv4Address&) = default;
};

// The ends of a tunnel device, from IFLA_LINKINFO's IFLA_INFO_DATA (IFLA_IPTUN_*,
// <linux/if_tunnel.h>). Only 6in4 ("sit") devices have one; it is set only when every
// field below came from the kernel with its right size (it sends all of them for a sit
// device), never with a field guessed.
struct InterfaceTunnel {
    std::string kind;        // IFLA_INFO_KIND: "sit"
    net::Ipv4Address local;  // IFLA_IPTUN_LOCAL; 0.0.0.0: any
    net::Ipv4Address remote; // IFLA_IPTUN_REMOTE; 0.0.0.0: any (sit0, ISATAP, 6to4)
    std::uint8_t ttl = 0;    // IFLA_IPTUN_TTL; 0: inherit the inner packet's hop limit
    net::IfIndex link;       // IFLA_IPTUN_LINK: the underlying device; invalid: any
    friend bool operator==(const InterfaceTunnel&, const InterfaceTunnel&) = default;
};

struct InterfaceInfo {
    net::IfIndex index;
    std::string name;
    std::uint16_t hardware_type = 0; // ARPHRD_* (1 = Ethernet, 772 = loopback, 776 = sit…)
    std::uint32_t flags = 0;         // IFF_* (IFF_UP, IFF_RUNNING, IFF_LOOPBACK, IFF_MULTICAST…)
    std::uint32_t mtu = 0;
    std::optional<net::MacAddress> mac;    // IFLA_ADDRESS when it is 6 bytes
    net::IfIndex master;                   // IFLA_MASTER: bridge/bond port when valid()
    std::optional<InterfaceTunnel> tunnel; // a 6in4 (sit) device's ends
    std::vector<InterfaceIpv6Address> ipv6;
    std::vector<InterfaceIpv4Address> ipv4;

    [[nodiscard]] bool is_up() const;       // IFF_UP and IFF_RUNNING (carrier)
    [[nodiscard]] bool is_loopback() const; // IFF_LOOPBACK
    // The first usable (not DAD-failed) fe80::/64 address; tentative ones count, as the
    // link can speak MLD while DAD runs (RFC 3590 allows ::, we prefer the address).
    [[nodiscard]] std::optional<net::Ipv6Address> link_local() const;
    // The first global-scope IPv6 address, not DAD-failed (shown in the dump).
    [[nodiscard]] std::optional<net::Ipv6Address> global() const;
    // The first address without IFA_F_SECONDARY (the one the kernel sources from),
    // else the first address.
    [[nodiscard]] std::optional<InterfaceIpv4Address> primary_ipv4() const;
    // A 6in4 tunnel to one fixed remote (a point-to-point sit device, not sit0's any).
    [[nodiscard]] bool is_6in4_with_fixed_remote() const;

    friend bool operator==(const InterfaceInfo&, const InterfaceInfo&) = default;
};

class InterfaceTable {
public:
    // Link messages (RTM_NEWLINK) create or update an entry, keeping its addresses (a
    // new entry takes the pending ones; addresses in `link` are added to those);
    // RTM_DELLINK removes it with its addresses, pending ones included.
    void upsert_link(InterfaceInfo link);
    void remove_link(net::IfIndex index);
    // Address messages for an unknown index are kept aside until the link appears
    // (a dump may list addresses before a racing RTM_NEWLINK). Adding an address the
    // entry already has updates its prefix length and flags instead of duplicating it.
    void add_ipv6(net::IfIndex index, const InterfaceIpv6Address& address);
    void remove_ipv6(net::IfIndex index, const net::Ipv6Address& address);
    void add_ipv4(net::IfIndex index, const InterfaceIpv4Address& address);
    void remove_ipv4(net::IfIndex index, const net::Ipv4Address& address);
    void clear(); // links and pending addresses

    [[nodiscard]] const InterfaceInfo* find(net::IfIndex index) const;
    [[nodiscard]] const InterfaceInfo* find(const std::string& name) const;
    [[nodiscard]] const std::map<net::IfIndex, InterfaceInfo>& all() const { return links_; }

private:
    // Where the addresses of `index` live: its link's entry, else its pending one
    // (address_holder creates that; find_address_holder does not).
    InterfaceInfo& address_holder(net::IfIndex index);
    InterfaceInfo* find_address_holder(net::IfIndex index);

    std::map<net::IfIndex, InterfaceInfo> links_;
    // Addresses of links not seen yet; only ipv6/ipv4 are used.
    std::map<net::IfIndex, InterfaceInfo> pending_;
};

} // namespace ecmh::io
