// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/engine/proxy.hpp"

#include "ecmh/net/byte_writer.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/icmpv6_too_big.hpp"
#include "ecmh/wire/igmp.hpp"
#include "ecmh/wire/ipv4_fragment.hpp"
#include "ecmh/wire/mld.hpp"
#include "ecmh/wire/tunnel_6in4.hpp"
#include "ecmh/wire/udp_segment.hpp"
#include "proxy_transmit.hpp"

#include <type_traits>
#include <variant>

namespace ecmh::engine {
namespace {

using net::Ipv4Address;
using net::Ipv6Address;

PlaneConfig plane_config(const ProxyConfig& c, std::uint8_t newest_version) {
    PlaneConfig p;
    p.vars = c.vars;
    p.newest_version = newest_version;
    p.host_compatibility = c.host_compatibility;
    p.max_groups_per_link = c.max_groups_per_link;
    p.max_sources_per_group = c.max_sources_per_group;
    p.max_total_sources = c.max_total_sources;
    p.ssm6 = c.ssm6;
    p.ssm4 = c.ssm4;
    return p;
}

bool is_mld_type(std::uint8_t type) {
    return type == wire::kMldQuery || type == wire::kMldV1Report || type == wire::kMldV1Done ||
           type == wire::kMldV2Report;
}

template <class Address, class View>
proto::GroupRecord<Address> to_record(const View& record) {
    return proto::GroupRecord<Address>{record.record_type(), record.group,
                                       proto::SourceSet<Address>::from(record.sources)};
}

// RFC 3376 §9.2: a report from a source that is not on the link's subnet is ignored
// (0.0.0.0 is always accepted, §4.2.13); a link without an IPv4 address cannot judge,
// and --accept-off-subnet turns the defence off (it is a SHOULD, and some networks have
// hosts numbered outside the router's subnet).
bool on_subnet(const LinkConfig& link, Ipv4Address source, bool accept_off_subnet) {
    if (accept_off_subnet || source.is_unspecified() || !link.ipv4 ||
        link.ipv4_prefix_length == 0) {
        return true;
    }
    const std::uint32_t mask =
        link.ipv4_prefix_length >= 32 ? 0xffffffffU : ~(0xffffffffU >> link.ipv4_prefix_length);
    return (source.value() & mask) == (link.ipv4->value() & mask);
}

// RFC 4213 §3.7: a tunnel's link-local address has the 32-bit IPv4 address as its
// interface identifier: fe80::a.b.c.d.
Ipv6Address tunnel_link_local(Ipv4Address ipv4) {
    Ipv6Address::Bytes b{0xfe, 0x80};
    const auto v4 = ipv4.bytes();
    std::copy(v4.begin(), v4.end(), b.begin() + 12);
    return Ipv6Address{b};
}

void add_traffic(TrafficCounters& c, std::size_t bytes, bool control) {
    ++c.packets_sent;
    c.bytes_sent += bytes;
    if (control) {
        ++c.control_sent;
    }
}

} // namespace

std::string translate_drop_name(wire::TranslateError error) {
    return "translate-" + std::string(wire::to_string(error));
}

std::string_view to_string(DropReason reason) {
    switch (reason) {
    case DropReason::TooBigForLink:
        return "too-big-for-link";
    case DropReason::NotMulticast:
        return "not-multicast";
    case DropReason::ControlOnUpstream:
        return "control-on-upstream";
    case DropReason::QueryRejected:
        return "query-rejected";
    case DropReason::OffSubnetReport:
        return "off-subnet-report";
    case DropReason::DisabledFamily:
        return "disabled-family";
    case DropReason::IgnoredVersion:
        return "ignored-version";
    case DropReason::BogusSource:
        return "bogus-source";
    case DropReason::MisaddressedReport:
        return "misaddressed-report";
    case DropReason::OwnFrame:
        return "own-frame";
    case DropReason::OwnSource:
        return "own-source";
    case DropReason::Tunnel:
        return "tunnel";
    case DropReason::UnknownTunnelPeer:
        return "unknown-tunnel-peer";
    case DropReason::TunnelNotForUs:
        return "tunnel-not-for-us";
    case DropReason::VlanTagged:
        return "vlan-tagged";
    case DropReason::TruncatedCapture:
        return "truncated-capture";
    case DropReason::OversizedFrame:
        return "oversized-frame";
    case DropReason::LinkDown:
        return "link-down";
    case DropReason::MembershipRateLimit:
        return "membership-rate-limit";
    case DropReason::PolicyDenied:
        return "policy-denied";
    case DropReason::TranslateSuppressed:
        return "translate-native-suppressed";
    case DropReason::TranslateUnmappedSource:
        return "translate-unmapped-source";
    case DropReason::SendFailed:
        return "send-failed";
    case DropReason::BuildFailed:
        return "build-failed";
    case DropReason::kCount:
        break;
    }
    return "unknown";
}

Proxy::Proxy(const ProxyConfig& config, LinkIo& io, EventLog& log, std::uint64_t random_seed)
    : config_(config), io_(io), log_(log), random_(random_seed), links_(table::kMaxLinks),
      mld_(plane_config(config, config.mld_mode == MldMode::V1Only ? 1 : 0), *this, log, random_),
      igmp_(plane_config(config, config.igmp_version), *this, log, random_),
      translator_(config.translation ? std::make_unique<Translator>(*config.translation,
                                                                    config.ssm4, mld_, igmp_, log)
                                     : nullptr),
      buffer_(kMaxIpPacket), segment_(kMaxIpPacket + kMaxLinkHeader) {}

Proxy::SettleTranslation::SettleTranslation(Translator* t, proto::TimePoint now)
    : translator_(t), now_(now) {
    if (translator_ != nullptr) {
        translator_->unsettle();
    }
}

Proxy::SettleTranslation::~SettleTranslation() {
    if (translator_ != nullptr) {
        translator_->settle(now_);
    }
}

std::optional<LinkId> Proxy::free_link() const {
    for (std::size_t slot = 0; slot < table::kMaxLinks; ++slot) {
        if (!links_[slot].present) {
            return LinkId{static_cast<std::uint16_t>(slot)};
        }
    }
    return std::nullopt;
}

void Proxy::configure_upstreams(const std::vector<UpstreamServes>& upstreams,
                                proto::TimePoint now) {
    const SyncFlows sync(*this, now);
    const SettleTranslation settle(translator_.get(), now);
    std::vector<FamilyPlane<proto::Ipv6Family>::UpstreamRoute> mld;
    std::vector<FamilyPlane<proto::Ipv4Family>::UpstreamRoute> igmp;
    for (const auto& u : upstreams) {
        const bool every_group = u.mld.empty() && u.igmp.empty();
        if (every_group) {
            mld.push_back({{}, u.link, {}});
            igmp.push_back({{}, u.link, {}});
        }
        for (const auto& p : u.mld) {
            mld.push_back({p, u.link, {}});
        }
        for (const auto& p : u.igmp) {
            igmp.push_back({p, u.link, {}});
        }
    }
    mld_.configure_upstreams(std::move(mld), now);
    igmp_.configure_upstreams(std::move(igmp), now);
}

std::optional<LinkId> Proxy::add_link(const LinkConfig& config, proto::TimePoint now) {
    const auto id = free_link();
    if (!id) {
        log_.log(LogLevel::Error, "no room for link " + config.name + ": " +
                                      std::to_string(table::kMaxLinks) + " links in use");
        return std::nullopt;
    }
    (void)add_link(*id, config, now); // a free id is always accepted
    return id;
}

bool Proxy::add_link(LinkId id, const LinkConfig& config, proto::TimePoint now) {
    if (id.slot() >= table::kMaxLinks || links_[id.slot()].present || config.tunnel) {
        return false;
    }
    const SyncFlows sync(*this, now);
    const SettleTranslation settle(translator_.get(), now);
    ++links_generation_;
    links_[id.slot()] = Link{config, {}, true};
    links_[id.slot()].membership_rate = membership_bucket(config.settings);
    rebuild_own_addresses();
    if (config_.ipv6) {
        if (config.upstream) {
            // Without a link-local address the upstream still carries data; MLD reports
            // wait for an address (RFC 3810 §5.2.13).
            mld_.add_upstream(id, config.link_local.value_or(Ipv6Address{}), config.mtu,
                              config.settings, now);
        } else if (config.link_local) {
            mld_.add_downstream(id, *config.link_local, config.mtu, config.settings, now);
        } else {
            log_.log(LogLevel::Warning,
                     "link " + config.name + " has no link-local IPv6 address: no MLD there");
        }
    }
    if (config_.ipv4) {
        if (config.upstream) {
            // A host may report from 0.0.0.0 (RFC 3376 §4.2.13).
            igmp_.add_upstream(id, config.ipv4.value_or(Ipv4Address{}), config.mtu, config.settings,
                               now);
        } else if (config.ipv4) {
            igmp_.add_downstream(id, *config.ipv4, config.mtu, config.settings, now);
        } else {
            // A querier from 0.0.0.0 would win every election on the link (RFC 3376
            // §6.6.2: the lowest address) and silence the real querier; and on a 6in4
            // link an IPv4 query cannot even be carried. The link gets IGMP when it gets
            // an address (update_link).
            log_.log(LogLevel::Warning,
                     "link " + config.name + " has no IPv4 address: no IGMP there");
        }
    }
    return true;
}

void Proxy::remove_link(LinkId link, proto::TimePoint now) {
    if (link.slot() >= links_.size() || !links_[link.slot()].present) {
        return;
    }
    const SyncFlows sync(*this, now);
    const SettleTranslation settle(translator_.get(), now);
    ++links_generation_;
    mld_.remove_link(link, now);
    igmp_.remove_link(link, now);
    auto& l = links_[link.slot()];
    if (l.config.tunnel) {
        const auto& t = *l.config.tunnel;
        peers_.remove({t.remote, t.local_configured ? t.local : Ipv4Address{}});
        free_peer_slots_.push_back(link.slot());
        l = Link{};
        return;
    }
    l = Link{};
    rebuild_own_addresses();
}

std::optional<LinkId> Proxy::add_tunnel_peer(const TunnelPeerConfig& peer, proto::TimePoint now) {
    const SyncFlows sync(*this, now);
    ++links_generation_;
    const table::TunnelEndpoints endpoints{peer.remote, peer.local};
    if (peers_.find(endpoints)) {
        log_.log(LogLevel::Warning,
                 "tunnel peer " + peer.name + " (" + peer.remote.to_string() + "): already served");
        return std::nullopt;
    }
    std::uint16_t slot = 0;
    if (!free_peer_slots_.empty()) {
        slot = free_peer_slots_.back();
        free_peer_slots_.pop_back();
    } else if (links_.size() < table::kMaxLinks + table::kMaxTunnelPeers) {
        slot = static_cast<std::uint16_t>(links_.size());
        links_.emplace_back();
    } else {
        log_.log(LogLevel::Error, "no room for tunnel peer " + peer.name + ": " +
                                      std::to_string(table::kMaxTunnelPeers) + " peers in use");
        return std::nullopt;
    }
    const LinkId id{slot};
    (void)peers_.add(endpoints, id); // not taken: checked above
    LinkConfig c;
    c.name = peer.name;
    c.link_type = wire::LinkType::Raw;
    c.mtu = peer.mtu;
    // Our link-local address on the tunnel, the querier's source (RFC 4213 §3.7): from
    // our end's IPv4 address, or, for a peer that may use any of ours, our first one.
    auto local = peer.local;
    if (local.is_unspecified() && !own_ipv4_.empty()) {
        local =
            *std::min_element(own_ipv4_.begin(), own_ipv4_.end(),
                              [](Ipv4Address a, Ipv4Address b) { return a.value() < b.value(); });
    }
    // With no IPv4 address of ours known yet, fe80::1 until the peer's first packet says.
    c.link_local = tunnel_link_local(local.is_unspecified() ? Ipv4Address{1} : local);
    c.tunnel = TunnelEndpoint{peer.remote, peer.local,  !peer.local.is_unspecified(),
                              peer.ttl,    peer.master, peer.master_index,
                              std::nullopt};
    links_[slot] = Link{c, {}, true};
    links_[slot].membership_rate = membership_bucket(c.settings);
    // The first General Queries of many peers are spread, kPeerQuerySpacing apart.
    const auto first_query = std::max(now, next_peer_query_);
    next_peer_query_ = first_query + kPeerQuerySpacing;
    if (config_.ipv6) {
        mld_.add_downstream(id, *c.link_local, c.mtu, c.settings, now, first_query);
    }
    return id;
}

void Proxy::set_kernel_tunnels(const std::vector<table::TunnelEndpoints>& tunnels) {
    const SyncFlows sync(*this, flows_now_); // no time given: the latest one
    ++links_generation_;
    kernel_tunnels_ = {};
    for (const auto& t : tunnels) {
        (void)kernel_tunnels_.add(t, LinkId{}); // a duplicate is the same tunnel
    }
}

std::optional<LinkId> Proxy::find_tunnel_peer(Ipv4Address remote, Ipv4Address local) const {
    return peers_.find({remote, local});
}

const Link* Proxy::link(LinkId id) const {
    return id.slot() < links_.size() && links_[id.slot()].present ? &links_[id.slot()] : nullptr;
}

void Proxy::on_captured(LinkId arrival, std::span<const std::uint8_t> frame,
                        std::size_t wire_length, proto::TimePoint now) {
    on_captured(arrival, frame, wire_length, wire::ReceiveOffload{}, now);
}

void Proxy::on_captured(LinkId arrival, std::span<const std::uint8_t> frame,
                        std::size_t wire_length, const wire::ReceiveOffload& offload,
                        proto::TimePoint now) {
    const SyncFlows sync(*this, now);
    const Link* in = link(arrival);
    if (in == nullptr) {
        return; // a link being removed
    }
    if (frame.size() < wire_length) {
        stats_.count(DropReason::TruncatedCapture);
        return;
    }
    // Larger than the link could carry: a super-frame the stack built (GRO) or took whole
    // from a veth peer (GSO), or a driver bug. Cut back into its datagrams when the
    // capture says how; otherwise never forwarded, so no receiver sees a packet its link
    // could not have delivered.
    if (frame.size() > std::size_t{in->config.mtu} + kMaxLinkHeader) {
        if (offload.kind != wire::ReceiveOffload::Kind::Udp ||
            !on_superframe(arrival, *in, frame, offload.segment_size, now)) {
            drop_oversized(*in, frame.size(), now);
        }
        return;
    }
    on_frame(arrival, frame, now);
}

bool Proxy::on_superframe(LinkId arrival, const Link& in, std::span<const std::uint8_t> frame,
                          std::uint16_t segment_size, proto::TimePoint now) {
    const auto datagrams = wire::UdpSegmenter::plan(in.config.link_type, frame, segment_size);
    // Each datagram must fit the link as the original did, or the segment size is a lie.
    if (!datagrams || datagrams->size(0) > std::size_t{in.config.mtu} + kMaxLinkHeader) {
        return false;
    }
    ++stats_.superframes_segmented;
    for (std::size_t i = 0; i < datagrams->count(); ++i) {
        // segment_ holds any datagram of a packet up to 64 KiB; the first is the largest.
        const std::size_t n = datagrams->write(i, segment_);
        ++stats_.superframe_datagrams;
        on_frame(arrival, std::span<const std::uint8_t>{segment_}.first(n), now);
    }
    return true;
}

void Proxy::on_frame(LinkId arrival, std::span<const std::uint8_t> frame, proto::TimePoint now) {
    const SyncFlows sync(*this, now);
    if (arrival.slot() >= links_.size() || !links_[arrival.slot()].present) {
        return;
    }
    Link& in = links_[arrival.slot()];
    ++in.counters.packets_received;
    in.counters.bytes_received += frame.size();
    ++stats_.total.packets_received;
    stats_.total.bytes_received += frame.size();

    const auto lf = wire::parse_link_frame(in.config.link_type, frame);
    if (!lf) {
        stats_.count(lf.error());
        return;
    }
    // A VLAN is its own interface (eth0.100) and arrives untagged there; a tagged frame
    // on the parent belongs to a link ecmh does not serve (rfc-map M15).
    if (lf->vlan_tci) {
        stats_.count(DropReason::VlanTagged);
        return;
    }
    if (in.config.link_type == wire::LinkType::Ethernet && is_own_mac(lf->source)) {
        stats_.count(DropReason::OwnFrame); // our own frame came back: an L2 loop
        return;
    }
    previous_hop_ = lf->source;
    if (lf->protocol == wire::NetworkProtocol::Ipv6) {
        if (!config_.ipv6) {
            stats_.count(DropReason::DisabledFamily);
            return;
        }
        const auto p = wire::parse_ipv6(lf->payload);
        if (!p) {
            stats_.count(p.error());
            return;
        }
        on_ipv6(in, arrival, *p, now);
    } else {
        // Tunnel mode reads protocol 41 off IPv4 links even where IGMP is off (--no-ipv4).
        if (!config_.ipv4 && !config_.tunnel_mode) {
            stats_.count(DropReason::DisabledFamily);
            return;
        }
        const auto p = wire::parse_ipv4(lf->payload);
        if (!p) {
            stats_.count(p.error());
            return;
        }
        if (!config_.ipv4 && p->protocol != wire::kProtoIpv6) {
            stats_.count(DropReason::DisabledFamily);
            return;
        }
        on_ipv4(in, arrival, *p, now);
    }
}

void Proxy::on_ipv6(Link& in, LinkId id, const wire::Ipv6Packet& p, proto::TimePoint now) {
    // Derived from RFC 4605 §3 (rfc-map items 49, M13): our own packets never come back
    // in, neither as data to forward nor as control (a spoofed query must not win an
    // election or be answered).
    if (is_own_source(in, p.source)) {
        drop_own_source(in, p.source.to_string(), now);
        return;
    }
    const bool first_fragment = !p.is_fragment || p.fragment_offset == 0;
    if (p.next_header == wire::kProtoIcmpv6 && first_fragment && !p.payload.empty() &&
        is_mld_type(p.payload[0])) {
        on_mld(in, id, p, now); // control: never forwarded (rfc-map item 47)
        return;
    }
    if (!p.destination.is_multicast()) {
        stats_.count(DropReason::NotMulticast);
        return;
    }
    forward(mld_, id, p, p.hop_limit, now);
}

void Proxy::on_ipv4(Link& in, LinkId id, const wire::Ipv4Packet& p, proto::TimePoint now) {
    if (is_own_source(p.source)) {
        drop_own_source(in, p.source.to_string(), now);
        return;
    }
    if (p.protocol == wire::kProtoIgmp) {
        on_igmp(in, id, p, now); // control: never forwarded (rfc-map item 47)
        return;
    }
    if (p.protocol == wire::kProtoIpv6) {
        if (!config_.tunnel_mode || table::is_tunnel_peer(id)) {
            stats_.count(DropReason::Tunnel); // decapsulated only in tunnel mode, and once
            return;
        }
        on_tunnel(id, p, now);
        return;
    }
    if (!p.destination.is_multicast()) {
        stats_.count(DropReason::NotMulticast);
        return;
    }
    // "SHOULD by default disallow source routing to an SSM destination" (RFC 4607
    // §7.4); for any other group a source route through a proxy makes no sense either.
    if (p.source_route) {
        stats_.count(wire::ParseError::SourceRoute);
        return;
    }
    forward(igmp_, id, p, p.ttl, now);
}

void Proxy::on_tunnel(LinkId arrival, const wire::Ipv4Packet& outer, proto::TimePoint now) {
    const auto inner = wire::parse_6in4(outer);
    if (!inner) {
        stats_.count(inner.error());
        return;
    }
    // RFC 4213 §3.6: only a configured endpoint's packets, and only to us. Nothing from
    // anyone else changes state or gets an answer: tunnel mode is never an amplifier.
    const bool ours = own_ipv4_.contains(outer.destination);
    const auto peer = peers_.match(outer.source, outer.destination, ours);
    if (!peer) {
        if (kernel_tunnels_.match(outer.source, outer.destination, ours)) {
            stats_.count(DropReason::Tunnel); // the kernel's own tunnel, served as a link
            return;
        }
        const bool known_source = peers_.find({outer.source, Ipv4Address{}}).has_value();
        stats_.count(known_source ? DropReason::TunnelNotForUs : DropReason::UnknownTunnelPeer);
        if (!known_source) {
            log_unknown_peer(outer.source, now);
        }
        return;
    }
    Link& in = links_[peer->slot()];
    auto& tunnel = *in.config.tunnel;
    previous_hop_ = net::MacAddress{}; // a reply goes back through the tunnel
    // A peer that may use any of our addresses gets its answers from the one it used,
    // and our queries from the link-local address that goes with it (RFC 4213 §3.7).
    if (!tunnel.local_configured && tunnel.local != outer.destination) {
        tunnel.local = outer.destination;
        ++links_generation_;
        in.config.link_local = tunnel_link_local(outer.destination);
        mld_.set_own_address(*peer, *in.config.link_local);
    }
    if (tunnel.master_link != arrival) {
        const auto& master = links_[arrival.slot()].config;
        tunnel.master_link = arrival;
        tunnel.master = master.name;
        tunnel.master_index = master.ifindex;
    }
    ++in.counters.packets_received;
    in.counters.bytes_received += inner->packet.size();
    if (!config_.ipv6) {
        stats_.count(DropReason::DisabledFamily);
        return;
    }
    on_ipv6(in, *peer, *inner, now);
}

void Proxy::log_unknown_peer(Ipv4Address source, proto::TimePoint now) {
    if (!unknown_peer_log_.open(now)) {
        return;
    }
    log_.log(LogLevel::Warning, "protocol 41 from " + source.to_string() +
                                    ", which is no tunnel peer: dropped (further such "
                                    "messages suppressed for 10 s)");
}

bool Proxy::admit_membership(Link& in, proto::TimePoint now) {
    ++in.counters.control_received;
    ++stats_.total.control_received;
    if (in.membership_rate.take(now)) {
        return true;
    }
    stats_.count(DropReason::MembershipRateLimit);
    ++in.counters.control_rate_limited;
    ++stats_.total.control_rate_limited;
    if (in.rate_log.open(now)) {
        log_.log(LogLevel::Warning,
                 in.config.name + ": more than " + std::to_string(config_.max_membership_rate) +
                     " MLD/IGMP messages a second (--max-membership-rate): the excess is "
                     "dropped (further such messages for " +
                     in.config.name + " suppressed for 10 s)");
    }
    return false;
}

void Proxy::on_mld(Link& in, LinkId id, const wire::Ipv6Packet& p, proto::TimePoint now) {
    if (!admit_membership(in, now)) {
        return; // before any parsing: the flood costs a counter
    }
    const auto message = wire::parse_mld(p);
    if (!message) {
        stats_.count(message.error());
        return;
    }
    const bool upstream = mld_.is_upstream(id);
    if (!upstream && !mld_.is_downstream(id)) {
        stats_.count(DropReason::DisabledFamily);
        return;
    }
    if (const auto* q = std::get_if<wire::MldQuery>(&*message)) {
        proto::ReceivedQuery<Ipv6Address> rq;
        rq.version = q->version == wire::MldVersion::V1 ? 1 : 2;
        rq.source = p.source;
        rq.group = q->group;
        rq.sources = proto::SourceSet<Ipv6Address>::from(q->sources);
        rq.max_response = std::chrono::milliseconds{q->max_response_ms};
        rq.suppress_router_side = q->suppress_router_side;
        rq.robustness = q->qrv;
        rq.query_interval = std::chrono::seconds{q->query_interval_s};
        mld_.on_query(id, rq, now);
        return;
    }
    if (upstream) {
        stats_.count(DropReason::ControlOnUpstream); // no router function upstream (RFC 4605 §3)
        return;
    }
    const bool v1 = !std::holds_alternative<wire::MldV2Report>(*message);
    if (v1 && config_.mld_mode == MldMode::V2Only) {
        stats_.count(DropReason::IgnoredVersion);
        return;
    }
    if (const auto* r = std::get_if<wire::MldV1Report>(&*message)) {
        // An MLDv1 host sends its report to the group it reports (RFC 2710 §4); RFC 3810
        // §5.2.14 also accepts one to an address of ours. To anything else it is a forgery
        // or a confused stack, whose field cannot be trusted (rfc-map M18, derived).
        const bool to_us =
            p.destination == in.config.link_local || own_ipv6_.contains(p.destination);
        if (p.destination != r->group && !to_us) {
            stats_.count(DropReason::MisaddressedReport);
            return;
        }
        count_policy(mld_.on_old_report(id, r->group, 1, now));
    } else if (const auto* d = std::get_if<wire::MldV1Done>(&*message)) {
        mld_.on_old_leave(id, d->group, now);
    } else {
        // Records in order; unknown types are skipped, the rest processed (§5.2.12).
        for (const auto& record : std::get<wire::MldV2Report>(*message)) {
            if (record.known_type()) {
                count_policy(mld_.on_record(id, to_record<Ipv6Address>(record), now));
            }
        }
    }
}

void Proxy::on_igmp(Link& in, LinkId id, const wire::Ipv4Packet& p, proto::TimePoint now) {
    if (!admit_membership(in, now)) {
        return;
    }
    const auto message = wire::parse_igmp(p);
    if (!message) {
        stats_.count(message.error());
        return;
    }
    // Loopback, multicast, class E and broadcast are nobody's source address: a forgery or
    // a broken stack, never a member or a querier (rfc-map M4), whatever the link's subnet.
    if (p.source.is_loopback() || p.source.is_multicast() || p.source.is_reserved_class_e()) {
        stats_.count(DropReason::BogusSource);
        return;
    }
    const bool upstream = igmp_.is_upstream(id);
    if (const auto* q = std::get_if<wire::IgmpQuery>(&*message)) {
        if (upstream) {
            // RFC 3376 §9.1: hosts SHOULD ignore v2/v3 queries without Router Alert, and
            // general queries sent anywhere but 224.0.0.1.
            const bool no_ra = q->version != wire::IgmpVersion::V1 && p.router_alert_count == 0;
            // A query to our own unicast address is fine (§4.1.12, rfc-map item 37).
            const bool misaddressed = q->is_general() && p.destination.is_multicast() &&
                                      p.destination != wire::kAllSystems;
            if (no_ra || misaddressed) {
                stats_.count(DropReason::QueryRejected);
                return;
            }
        }
        proto::ReceivedQuery<Ipv4Address> rq;
        rq.version = static_cast<std::uint8_t>(q->version);
        rq.source = p.source;
        rq.group = q->group;
        rq.sources = proto::SourceSet<Ipv4Address>::from(q->sources);
        rq.max_response = std::chrono::milliseconds{std::int64_t{q->max_response_tenths} * 100};
        rq.suppress_router_side = q->suppress_router_side;
        rq.robustness = q->qrv;
        rq.query_interval = std::chrono::seconds{q->query_interval_s};
        igmp_.on_query(id, rq, now);
        return;
    }
    if (upstream) {
        stats_.count(DropReason::ControlOnUpstream);
        return;
    }
    if (config_.igmp3_only && !std::holds_alternative<wire::IgmpV3Report>(*message)) {
        stats_.count(DropReason::IgnoredVersion);
        return;
    }
    if (!on_subnet(in.config, p.source, config_.accept_off_subnet)) {
        stats_.count(DropReason::OffSubnetReport);
        return;
    }
    if (const auto* r1 = std::get_if<wire::IgmpV1Report>(&*message)) {
        count_policy(igmp_.on_old_report(id, r1->group, 1, now));
    } else if (const auto* r2 = std::get_if<wire::IgmpV2Report>(&*message)) {
        count_policy(igmp_.on_old_report(id, r2->group, 2, now));
    } else if (const auto* leave = std::get_if<wire::IgmpV2Leave>(&*message)) {
        igmp_.on_old_leave(id, leave->group, now);
    } else {
        for (const auto& record : std::get<wire::IgmpV3Report>(*message)) {
            if (record.known_type()) {
                count_policy(igmp_.on_record(id, to_record<Ipv4Address>(record), now));
            }
        }
    }
}

template <class Plane, class Packet>
void Proxy::forward(Plane& plane, LinkId arrival, const Packet& p, std::uint8_t hop,
                    proto::TimePoint now) {
    auto decision = plane.forwarding().decide(arrival, p.source, p.destination, hop);
    // No packet is forwarded on listener state past its deadline: the daemon hands over
    // a wake-up's frames before it runs the timers, so when a timer that could take an
    // out-link away is due, the timers run first and the packet is decided again (the
    // fast path's valid_until promises the same). Otherwise one comparison.
    if (decision.verdict == table::Verdict::Forward && now >= plane.next_listener_deadline() &&
        stale(plane, p.source, p.destination, decision, now)) {
        on_timer(now);
        decision = plane.forwarding().decide(arrival, p.source, p.destination, hop);
    }
    if (translator_ != nullptr && (decision.verdict == table::Verdict::Forward ||
                                   decision.verdict == table::Verdict::NoListeners)) {
        // Only native copies need suppressing: without any, there is nothing to drop.
        if (decision.verdict == table::Verdict::Forward && suppressed_native(arrival, p)) {
            stats_.count(DropReason::TranslateSuppressed);
            return;
        }
        translate(arrival, p, now);
    }
    if (decision.verdict != table::Verdict::Forward) {
        stats_.count(decision.verdict);
        if (decision.verdict == table::Verdict::HopLimitExceeded) {
            ++stats_.total.hop_limit_exceeded;
            ++links_[arrival.slot()].counters.hop_limit_exceeded;
        }
        return;
    }
    ++stats_.forwarded;
    if (decision.counters != nullptr) {
        ++decision.counters->packets;
        decision.counters->bytes += p.packet.size();
    }
    // Once per packet, not per copy: hop limit / TTL, checksums, the group's MAC.
    const auto copy = wire::prepare_copy(p);
    if (copy.transport_checksum) {
        ++stats_.checksums_completed;
    }
    Origin origin{arrival, previous_hop_, std::nullopt, now};
    if constexpr (std::is_same_v<Packet, wire::Ipv6Packet>) {
        origin.source = p.source;
    }
    decision.links.for_each([&](LinkId out) { send_copy(out, copy, origin); });
    decision.peers.for_each([&](LinkId out) { send_copy(out, copy, origin); });
    if (flow_cache_ != nullptr) {
        offer_flow(arrival, p, decision, copy.size(), now);
    }
}

template <class Plane, class Address>
bool Proxy::stale(const Plane& plane, const Address& source, const Address& group,
                  const table::Decision& decision, proto::TimePoint now) {
    bool expired = plane.shrink_deadline(group, source, decision.links) <= now;
    decision.peers.for_each([&](LinkId peer) {
        expired = expired || plane.shrink_deadline(group, source, peer) <= now;
    });
    return expired;
}

void Proxy::send_copy(LinkId out, const wire::ForwardCopy& copy, const Origin& origin) {
    Link& o = links_[out.slot()];
    if (!o.present) {
        return;
    }
    // Never truncated. An IPv4 copy that may be fragmented is (RFC 1812 §5.2.6); any
    // other copy that does not fit is dropped, and an IPv6 source is told so.
    if (copy.size() > o.config.mtu || copy.size() > kMaxIpPacket) {
        if (copy.protocol == wire::NetworkProtocol::Ipv4 && send_fragments(o, out, copy)) {
            return;
        }
        stats_.count(DropReason::TooBigForLink);
        send_packet_too_big(copy.packet, o.config.mtu, origin);
        return;
    }
    transmit(o, out, copy.size(), copy.group_mac, copy.protocol, false,
             [&](std::span<std::uint8_t> ip) { (void)copy.write(ip); }); // fits: sized so
}

bool Proxy::send_fragments(Link& o, LinkId out, const wire::ForwardCopy& copy) {
    // The rewritten copy is written out once (buffer_: no control message is being built
    // while a packet is forwarded), then cut into fragments straight into the slots.
    if (copy.write(buffer_) != copy.size()) {
        return false;
    }
    const auto fragments = wire::Ipv4Fragmenter::plan({buffer_.data(), copy.size()}, o.config.mtu);
    if (!fragments) {
        return false; // Don't Fragment: dropped (no ICMP for multicast, RFC 1812 §4.3.2.7)
    }
    send_pieces(o, out, *fragments, copy.group_mac, copy.protocol);
    return true;
}

void Proxy::send_packet_too_big(std::span<const std::uint8_t> packet, std::uint32_t mtu,
                                const Origin& origin) {
    if (!origin.source) {
        return; // IPv4: Fragmentation Needed is not sent (rfc-map)
    }
    const auto source = error_source(origin.arrival);
    Link& in = links_[origin.arrival.slot()];
    if (!source || !in.present) {
        return;
    }
    // §2.4(f): rate-limited, per source. A full table is emptied of stale entries.
    if (const auto it = too_big_sent_.find(*origin.source);
        it != too_big_sent_.end() && origin.now - it->second < kTooBigInterval) {
        return;
    }
    if (too_big_sent_.size() >= kTooBigSources) {
        std::erase_if(too_big_sent_,
                      [&](const auto& e) { return origin.now - e.second >= kTooBigInterval; });
        if (too_big_sent_.size() >= kTooBigSources) {
            return; // a flood of sources: none gets an error rather than the table growing
        }
    }
    const auto built = wire::build_packet_too_big(buffer_, *source, *origin.source, mtu, packet);
    if (!built) {
        stats_.count(DropReason::BuildFailed);
        return;
    }
    too_big_sent_[*origin.source] = origin.now;
    ++stats_.packet_too_big_sent;
    const std::span<const std::uint8_t> error{buffer_.data(), *built};
    // Unicast, back to the previous hop on the arrival link (through the tunnel for a peer).
    transmit(
        in, origin.arrival, error.size(), origin.previous_hop, wire::NetworkProtocol::Ipv6, true,
        [&](std::span<std::uint8_t> ip) { std::copy(error.begin(), error.end(), ip.begin()); });
}

// The source of an ICMPv6 error about a packet from `arrival`: our global address there,
// else any of our global addresses, else the link-local one (valid for an on-link source).
std::optional<Ipv6Address> Proxy::error_source(LinkId arrival) const {
    const auto& in = links_[arrival.slot()].config;
    if (in.global) {
        return in.global;
    }
    for (std::size_t slot = 0; slot < table::kMaxLinks; ++slot) {
        if (links_[slot].present && links_[slot].config.global) {
            return links_[slot].config.global;
        }
    }
    return in.link_local;
}

std::span<std::uint8_t> Proxy::packet_buffer() {
    return buffer_;
}

std::string_view Proxy::link_name(LinkId link) const {
    const auto* l = this->link(link);
    return l != nullptr ? std::string_view{l->config.name} : std::string_view{"(gone)"};
}

void Proxy::send_control(LinkId link, std::size_t length, wire::NetworkProtocol protocol) {
    if (link.slot() >= links_.size()) {
        return;
    }
    Link& o = links_[link.slot()];
    if (!o.present || length > buffer_.size()) {
        return;
    }
    const std::span<const std::uint8_t> packet{buffer_.data(), length};
    // Control goes to its IP destination's multicast MAC, like any multicast packet.
    transmit(
        o, link, length, wire::multicast_mac_of(packet, protocol), protocol, true,
        [&](std::span<std::uint8_t> ip) { std::copy(packet.begin(), packet.end(), ip.begin()); });
}

std::size_t Proxy::link_header_size(const Link& link) {
    if (link.config.tunnel) {
        return wire::kTunnelHeaderSize;
    }
    return link.config.link_type == wire::LinkType::Ethernet ? wire::kEthernetHeaderSize : 0;
}

void Proxy::write_link_header(const Link& link, std::span<std::uint8_t> slot,
                              const net::MacAddress& destination, wire::NetworkProtocol protocol,
                              std::size_t ip_length) {
    if (const auto& t = link.config.tunnel) {
        net::ByteWriter w{slot.first(wire::kTunnelHeaderSize)};
        (void)wire::write_6in4_header(w, {t->local, t->remote, t->ttl}, ip_length); // sized so
    } else if (link.config.link_type == wire::LinkType::Ethernet) {
        net::ByteWriter w{slot.first(wire::kEthernetHeaderSize)};
        wire::write_ethernet_header(w, destination, link.config.mac, protocol);
    }
}

void Proxy::count_sent(Link& link, std::size_t frame_size, bool control) {
    add_traffic(link.counters, frame_size, control);
    add_traffic(stats_.total, frame_size, control);
}

namespace {

std::uint64_t mac_key(const net::MacAddress& mac) {
    std::uint64_t k = 0;
    for (const auto b : mac.bytes()) {
        k = (k << 8) | b;
    }
    return k;
}

} // namespace

bool Proxy::is_own_mac(const net::MacAddress& mac) const {
    return own_macs_.contains(mac_key(mac));
}

bool Proxy::is_own_source(const Link& in, const net::Ipv6Address& source) const {
    return in.config.link_local == source || own_ipv6_.contains(source);
}

void Proxy::drop_own_source(const Link& in, const std::string& source, proto::TimePoint now) {
    stats_.count(DropReason::OwnSource);
    if (!own_source_log_.open(now)) {
        return;
    }
    const auto from =
        previous_hop_ == net::MacAddress{} ? std::string{} : " from " + previous_hop_.to_string();
    log_.log(LogLevel::Warning, in.config.name + ": a packet" + from + " carries our own address " +
                                    source +
                                    " as its source: dropped, a loop or a spoof (further such "
                                    "messages suppressed for 10 s)");
}

void Proxy::drop_oversized(const Link& in, std::size_t size, proto::TimePoint now) {
    stats_.count(DropReason::OversizedFrame);
    if (!oversized_log_.open(now)) {
        return;
    }
    // Data is being lost: say why and what helps, once per interval.
    log_.log(LogLevel::Warning,
             in.config.name + ": dropped a " + std::to_string(size) +
                 "-byte frame, larger than the link's MTU " + std::to_string(in.config.mtu) +
                 ": a super-frame of GRO (rx-udp-gro-forwarding, rx-gro-list) or GSO that the "
                 "capture cannot cut into its datagrams (libpcap says nothing of offload; not "
                 "UDP). Use the packet-ring capture, or turn those features off on the link "
                 "(further such messages suppressed for 10 s)");
}

void Proxy::rebuild_own_addresses() {
    own_macs_.clear();
    own_ipv4_.clear();
    own_ipv6_.clear();
    for (std::size_t slot = 0; slot < table::kMaxLinks; ++slot) {
        const auto& l = links_[slot];
        if (!l.present) {
            continue;
        }
        if (l.config.mac != net::MacAddress{}) {
            own_macs_.insert(mac_key(l.config.mac));
        }
        if (l.config.ipv4) {
            own_ipv4_.insert(*l.config.ipv4);
        }
        if (l.config.global) {
            own_ipv6_.insert(*l.config.global);
        }
    }
}

void Proxy::on_timer(proto::TimePoint now) {
    const SyncFlows sync(*this, now);
    mld_.on_timer(now);
    igmp_.on_timer(now);
    if (flow_cache_ != nullptr && now >= next_idle_scan_) {
        scan_idle_flows(now);
    }
}

proto::TimePoint Proxy::next_deadline() const {
    return std::min({mld_.next_deadline(), igmp_.next_deadline(), next_idle_scan_});
}

void Proxy::resend_reports(proto::TimePoint now) {
    const SyncFlows sync(*this, now);
    mld_.resend_reports(now);
    igmp_.resend_reports(now);
}

void Proxy::shutdown(proto::TimePoint now) {
    // Nothing is forwarded past ecmh's end: the fast path loses every flow first.
    remove_all_flows();
    flow_cache_ = nullptr;
    mld_.leave_upstream(now);
    igmp_.leave_upstream(now);
}

} // namespace ecmh::engine
