// SPDX-License-Identifier: BSD-3-Clause
// What the engine knows of a link, and the two thin interfaces through which it acts:
// LinkIo (put a frame on a link) and EventLog (say something). The daemon implements
// them over AF_PACKET sockets and syslog; tests implement them with vectors.
#pragma once

#include "ecmh/net/if_index.hpp"
#include "ecmh/net/ipv4_address.hpp"
#include "ecmh/net/ipv6_address.hpp"
#include "ecmh/net/mac_address.hpp"
#include "ecmh/net/prefix.hpp"
#include "ecmh/proto/protocol_variables.hpp"
#include "ecmh/table/group_policy.hpp"
#include "ecmh/table/link_set.hpp"
#include "ecmh/wire/link.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ecmh::engine {

using table::LinkId;

// What makes a link a tunnel peer (tunnel mode, -t): ecmh reaches it by encapsulating
// toward its IPv4 address (RFC 4213), and hears it through the protocol-41 packets it
// sends to one of ours.
struct TunnelEndpoint {
    net::Ipv4Address remote;
    // Our end, the outer source; 0.0.0.0 until the peer's first packet says which of our
    // addresses it uses (the kernel fills in its route's source meanwhile).
    net::Ipv4Address local;
    bool local_configured = false; // local given, so packets must be addressed to it
    std::uint8_t ttl = 64;         // the outer TTL (RFC 4213 §3.3)
    // The interface the peer's packets last arrived on, or its kernel tunnel's
    // underlying link (the dump's "Master interface"); empty while unknown.
    std::string master;
    net::IfIndex master_index;
    std::optional<table::LinkId> master_link; // learned from arrivals
};

// What the configuration file sets for one link (doc/ecmh.conf.5); what it leaves unset
// is the ProxyConfig's.
struct LinkSettings {
    std::optional<proto::ProtocolVariables> vars;
    std::optional<std::uint8_t> mld_version;  // the router's (downstream) or host's (upstream)
    std::optional<std::uint8_t> igmp_version; // likewise
    // RFC 4605 §3: copies go only to downstream links where ecmh is the querier. Off, the
    // link gets its listeners' copies whoever is querier there (a snooping switch with a
    // lower address must not silently stop all forwarding).
    bool querier_rule = true;
    std::optional<std::uint32_t> max_groups;
    std::optional<std::uint32_t> max_sources;
    std::optional<std::uint32_t> max_membership_rate;
    // Which groups and sources the link may join (a downstream link) or the upstream may
    // report (the upstream link), and the link's scope boundaries.
    table::GroupPolicy<net::Ipv6Address> mld_policy;
    table::GroupPolicy<net::Ipv4Address> igmp_policy;
    friend bool operator==(const LinkSettings&, const LinkSettings&) = default;
};

// The groups one upstream serves (doc/ecmh.conf.5 `serve`): the longest prefix that
// contains a group names its upstream. An upstream with no prefix of either family serves
// every group (the default upstream).
struct UpstreamServes {
    std::string link; // the interface's name; it need not be there (yet)
    std::vector<net::Ipv6Prefix> mld;
    std::vector<net::Ipv4Prefix> igmp;
    friend bool operator==(const UpstreamServes&, const UpstreamServes&) = default;
};

struct LinkConfig {
    std::string name;
    net::IfIndex ifindex;
    wire::LinkType link_type = wire::LinkType::Ethernet;
    net::MacAddress mac; // our own address on an Ethernet link
    std::uint32_t mtu = 1500;
    // MLD needs a link-local source (RFC 3810 §5); without one the link does not speak
    // MLD (but still forwards IPv6 toward other links).
    std::optional<net::Ipv6Address> link_local;
    // Shown in the dump ("Global unicast address"); not used by the protocols.
    std::optional<net::Ipv6Address> global;
    // IGMP's source; 0.0.0.0 when the link has no IPv4 address (RFC 3376 §4.2.13).
    std::optional<net::Ipv4Address> ipv4;
    std::uint8_t ipv4_prefix_length = 0;
    bool upstream = false;
    LinkSettings settings{};
    // Set on tunnel peers only (slots at and above kMaxLinks; link_type Raw).
    std::optional<TunnelEndpoint> tunnel;
};

// How the engine puts frames on links. A frame is written once, in place: reserve()
// hands out room in the transmit queue's own memory (the sendmmsg slab on Linux), the
// engine writes the frame there, and commit() queues it. So a forwarded copy is never
// built in one buffer and copied to another.
class LinkIo {
public:
    virtual ~LinkIo() = default;
    // Room for one frame of `length` bytes toward `link` (a complete frame for the
    // link's type: with its Ethernet header on Ethernet). Empty when the link has no
    // route or the frame cannot be queued; nothing is sent until commit().
    [[nodiscard]] virtual std::span<std::uint8_t> reserve(LinkId link, std::size_t length) = 0;
    // Queues the first `length` bytes of the slot reserve() last handed out for `link`.
    // `protocol` names the frame's network protocol to links without a link header.
    virtual void commit(LinkId link, std::size_t length, wire::NetworkProtocol protocol) = 0;
};

enum class LogLevel : std::uint8_t { Error, Warning, Info, Debug };

class EventLog {
public:
    virtual ~EventLog() = default;
    virtual void log(LogLevel level, std::string_view message) = 0;
    // Whether `level` is written at all: callers skip building debug text otherwise
    // (membership changes can come by the thousand).
    [[nodiscard]] virtual bool enabled(LogLevel /*level*/) const { return true; }
};

} // namespace ecmh::engine
