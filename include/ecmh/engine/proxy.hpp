// SPDX-License-Identifier: BSD-3-Clause
// The engine: ecmh without its OS. It takes captured frames, timer expiries and
// operator commands, each with `now`, drives the wire, protocol and table layers, and
// sends packets through LinkIo. One instance, one thread; nothing here blocks.
//
//   frame → link header → IPv6 / IPv4
//     MLD / IGMP → validated (wire) → router side (downstream) or host side (upstream)
//     multicast data → forwarding decision → one rewritten copy per out-link
//     6in4 (tunnel mode) → outer gate → peer by (outer src, outer dst) → the inner
//       IPv6 packet as if it had arrived on the peer's own link
//   timer → every router link and the host side process their due deadlines
//   commands → resend reports upstream (SIGUSR2), leave upstream (shutdown)
#pragma once

#include "ecmh/engine/family_plane.hpp"
#include "ecmh/engine/flow_cache.hpp"
#include "ecmh/engine/flow_shadow.hpp"
#include "ecmh/engine/link.hpp"
#include "ecmh/engine/log_gate.hpp"
#include "ecmh/engine/statistics.hpp"
#include "ecmh/engine/token_bucket.hpp"
#include "ecmh/engine/translator.hpp"
#include "ecmh/proto/random.hpp"
#include "ecmh/table/tunnel_peer_table.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/forward_copy.hpp"
#include "ecmh/wire/ipv4.hpp"
#include "ecmh/wire/ipv6.hpp"
#include "ecmh/wire/receive_offload.hpp"
#include "ecmh/wire/translate.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace ecmh::engine {

enum class MldMode : std::uint8_t { Auto, V1Only, V2Only };

struct ProxyConfig {
    proto::ProtocolVariables vars;
    MldMode mld_mode = MldMode::Auto;
    std::uint8_t igmp_version = 3; // RFC 3376 §7.3.1: configurable for IGMPv1/v2 networks
    // --igmp3only: IGMPv1/v2 Reports and Leaves are dropped (IgnoredVersion), as MLDv1 with
    // MldMode::V2Only (RFC 9776 §7.3.1: an option "to disable use of compatibility mode").
    bool igmp3_only = false;
    // --accept-off-subnet: IGMP reports from sources outside the link's subnet are taken
    // (RFC 3376 §9.2 describes ignoring them as a defence; on by default).
    bool accept_off_subnet = false;
    // Off: the upstream ignores queries older than its version (RFC 9777 §8.2.1, RFC 9776
    // §7.2.1: an option "to disable the use of Host Compatibility Mode").
    bool host_compatibility = true;
    bool ipv4 = true;
    bool ipv6 = true;
    std::size_t max_groups_per_link = 4096;
    std::size_t max_sources_per_group = 512;
    // Source records held in all groups of all links, per family (rfc-map M7): past it a
    // new source is refused as past max_sources_per_group.
    std::size_t max_total_sources = 65'536;
    // MLD/IGMP messages a second accepted per link, with a burst of as many (0: no limit;
    // rfc-map items 29, M7). The excess is dropped before it is parsed
    // (membership-rate-limit), so a flooding host cannot starve the other links.
    std::uint32_t max_membership_rate = 1000;
    // -t: protocol-41 packets from configured tunnel peers are decapsulated and the peers
    // served as links of their own; without it protocol 41 is dropped (`tunnel`).
    bool tunnel_mode = false;
    // --ssm-range: the SSM groups of each family; empty: 232/8, FF3x::/32 (rfc-map 27).
    std::vector<net::Ipv6Prefix> ssm6{};
    std::vector<net::Ipv4Prefix> ssm4{};
    // --translate (issue 16): IPv4 <-> IPv6 multicast translation through these
    // prefixes; nullopt: off.
    std::optional<net::TranslationPrefixes> translation{};
    // A flow cache's flow (set_flow_cache) whose packet count has not moved for this
    // long is removed (issue 15: --xdp-idle).
    proto::Duration flow_idle = std::chrono::seconds{60};
};

// A tunnel peer to serve (tunnel mode): from --tunnel-peer, a peers file, or a kernel
// 6in4 tunnel with a fixed remote.
struct TunnelPeerConfig {
    std::string name; // for logs and the dump ("tunnel-192.0.2.7", or the sit device's)
    net::Ipv4Address remote;
    net::Ipv4Address local; // 0.0.0.0: any of our addresses
    std::uint8_t ttl = 64;  // outer TTL; the kernel tunnel's where it has one
    // The inner MTU: the tunnel's, or the outer link's MTU − 20 (RFC 4213 §3.2).
    std::uint32_t mtu = 1480;
    std::string master; // the underlying interface, where known
    net::IfIndex master_index;
};

struct Link {
    LinkConfig config;
    TrafficCounters counters;
    bool present = false;
    // Set while the link is down (admin down or no carrier): its state is kept and its
    // timers run, but nothing is sent on it (set_link_down).
    std::optional<proto::TimePoint> down_since{};
    // The MLD/IGMP messages it may send us (ProxyConfig::max_membership_rate), and when
    // their excess was last logged.
    TokenBucket membership_rate{0, 1};
    LogGate rate_log{};
};

class Proxy final : private PacketSink {
public:
    Proxy(const ProxyConfig& config, LinkIo& io, EventLog& log, std::uint64_t random_seed);

    // The id the next add_link() would use, or nullopt when all kMaxLinks slots are
    // taken: the daemon attaches capture and transmit under this id before the engine
    // starts speaking on the link, so the id is the link's one identity everywhere.
    [[nodiscard]] std::optional<LinkId> free_link() const;
    // A link appeared (or was there at start), under a free id. Returns false (and
    // changes nothing) when the id is taken or out of range.
    [[nodiscard]] bool add_link(LinkId id, const LinkConfig& config, proto::TimePoint now);
    // The same under the lowest free id; nullopt when all slots are taken.
    [[nodiscard]] std::optional<LinkId> add_link(const LinkConfig& config, proto::TimePoint now);
    // A link (or tunnel peer) went away: its listeners stop counting, its slot is freed.
    void remove_link(LinkId link, proto::TimePoint now);
    // Runtime link events (rfc-map M19, item 37; link_events.cpp). The addresses, MTU or
    // MAC of a link changed, the interface the same: applied in place, every listener
    // and timer kept — a downstream querier re-runs the election from its new address,
    // the upstream reports every group again from its new address, copies and messages
    // are sized for the new MTU. Returns false (and changes nothing) when the link is
    // unknown, a tunnel peer, or the change makes it another link (ifindex, link type
    // or role): remove and add it then.
    [[nodiscard]] bool update_link(LinkId id, const LinkConfig& config, proto::TimePoint now);
    // update_link() also takes new settings (a reload of the configuration file,
    // FamilyPlane::update_settings): unchanged links and groups are not touched.
    // The link went down (admin down or no carrier). It keeps its listener state and its
    // timers keep running, as the kernel's multicast routes and a bridge's MDB do, so a
    // state that outlives the outage expires as usual; nothing is sent on it meanwhile
    // (copies, queries and reports are counted as link-down).
    void set_link_down(LinkId id, proto::TimePoint now);
    // It is up again: copies to the listeners still known resume at once; a downstream
    // querier starts over with its startup queries (listeners that expired or joined
    // meanwhile report within a QRI), the upstream reports every group at once.
    void set_link_up(LinkId id, proto::TimePoint now);

    // Tunnel mode: a peer becomes a downstream link (MLD router, forwarding) under a slot
    // of its own above the interface links. Its first General Query is spread from the
    // other peers' (kPeerQuerySpacing apart), so thousands of peers added at once are
    // not queried in one burst. nullopt (and a log line) when its endpoints are taken or
    // every peer slot is.
    [[nodiscard]] std::optional<LinkId> add_tunnel_peer(const TunnelPeerConfig& peer,
                                                        proto::TimePoint now);
    [[nodiscard]] std::optional<LinkId> find_tunnel_peer(net::Ipv4Address remote,
                                                         net::Ipv4Address local) const;
    [[nodiscard]] std::size_t tunnel_peer_count() const { return peers_.size(); }
    // 6in4 tunnels the kernel ends on an interface ecmh serves as a link (a sit upstream):
    // their protocol-41 packets are the kernel's to decapsulate, so they are counted as
    // `tunnel`, not as an unknown peer's, and not logged.
    void set_kernel_tunnels(const std::vector<table::TunnelEndpoints>& tunnels);
    // Which upstream serves which groups (issue 14 item 4). Without it, the one upstream
    // serves every group. Groups that change upstream are left on the old one and
    // reported on the new one at once.
    void configure_upstreams(const std::vector<UpstreamServes>& upstreams, proto::TimePoint now);
    static constexpr auto kPeerQuerySpacing = std::chrono::milliseconds{1};

    // A frame as captured: `wire_length` is its length on the wire. A frame captured
    // shorter (the snap length cut it) is counted and dropped. One longer than its link
    // can carry is a super-frame (GRO, a veth peer's GSO): with the capture's offload
    // description of UDP datagrams it is cut back into them (wire/udp_segment.hpp), each
    // going to on_frame(); without one it is counted and dropped. Any other frame goes to
    // on_frame().
    void on_captured(LinkId arrival, std::span<const std::uint8_t> frame, std::size_t wire_length,
                     proto::TimePoint now);
    void on_captured(LinkId arrival, std::span<const std::uint8_t> frame, std::size_t wire_length,
                     const wire::ReceiveOffload& offload, proto::TimePoint now);
    void on_frame(LinkId arrival, std::span<const std::uint8_t> frame, proto::TimePoint now);
    void on_timer(proto::TimePoint now);
    [[nodiscard]] proto::TimePoint next_deadline() const;
    void resend_reports(proto::TimePoint now); // SIGUSR2
    void shutdown(proto::TimePoint now);       // leaves upstream, as a host leaving

    // --- The flow cache (issue 15; flow_sync.cpp). With one set, every forwarded flow
    // the fast path can carry out exactly is offered to it, and every entry point below
    // that changes state re-decides the flows it may have changed before it returns:
    // an installed action is always what this engine would do with the flow's next
    // packet. nullptr (the default): none, and nothing else changes. A cache replaced
    // or removed is emptied first. It must outlive the proxy or be reset first.
    void set_flow_cache(FlowCache* cache);
    // The owner's can_offload() may have changed its answers: every flow is re-decided.
    void flow_offload_changed(proto::TimePoint now);
    // The groups this host itself has joined, per link, all of them each time (the
    // daemon reads the kernel's memberships). A flow whose group the host has joined on
    // its arrival link stays with the engine, so that the host's own sockets there keep
    // getting its packets; a change re-decides every flow.
    void set_host_groups(std::vector<HostGroup> groups, proto::TimePoint now);
    [[nodiscard]] const std::vector<HostGroup>& host_groups() const { return host_groups_; }
    // Adds what the cache forwarded since the last call to the engine's counters (the
    // group's, forwarded, the out-links' sent): before the dump or status is written.
    void sync_flow_counters();
    // f(const FlowKey&, const FlowAction&, const FlowCounters&) for every installed
    // flow, with its counters since it was installed (for the dump).
    template <class F>
    void for_each_flow(F&& f) const {
        flows_.for_each([&](const FlowKey& key, const FlowShadow::Entry& e) {
            f(key, e.action, flow_cache_->counters(key));
        });
    }
    [[nodiscard]] std::size_t flow_count() const { return flows_.size(); }
    // What the flow's next packet would get from the fast path now: the decision the
    // engine would take, when the fast path can carry it out exactly; nullopt when the
    // flow must stay with the engine (or without a cache). The offers and re-decisions
    // install exactly this.
    [[nodiscard]] std::optional<FlowAction> flow_action(const FlowKey& key,
                                                        proto::TimePoint now) const;
    static constexpr auto kIdleScanInterval = std::chrono::seconds{10};

    [[nodiscard]] const Statistics& statistics() const { return stats_; }
    // For the daemon's transmit path (SendFailed).
    void count(DropReason reason) { stats_.count(reason); }
    [[nodiscard]] const Link* link(LinkId id) const;
    [[nodiscard]] const FamilyPlane<proto::Ipv6Family>& mld() const { return mld_; }
    [[nodiscard]] const FamilyPlane<proto::Ipv4Family>& igmp() const { return igmp_; }
    [[nodiscard]] const ProxyConfig& config() const { return config_; }
    // The translation's maps and homes; nullptr when translation is off.
    [[nodiscard]] const Translator* translator() const { return translator_.get(); }
    // Interface links, then tunnel peers, in slot order.
    template <class F>
    void for_each_link(F&& f) const {
        for (std::size_t i = 0; i < links_.size(); ++i) {
            if (links_[i].present) {
                f(LinkId{static_cast<std::uint16_t>(i)}, links_[i]);
            }
        }
    }

private:
    // PacketSink: control messages are built in buffer_, then copied into a slot.
    std::span<std::uint8_t> packet_buffer() override;
    void send_control(LinkId link, std::size_t length, wire::NetworkProtocol protocol) override;
    void count_build_failure() override { stats_.count(DropReason::BuildFailed); }
    [[nodiscard]] std::string_view link_name(LinkId link) const override;

    void on_ipv6(Link& in, LinkId id, const wire::Ipv6Packet& packet, proto::TimePoint now);
    void on_ipv4(Link& in, LinkId id, const wire::Ipv4Packet& packet, proto::TimePoint now);
    // A protocol-41 packet: to its peer's link, or counted and dropped (tunnel safety:
    // nothing from an unknown source changes state or is answered).
    void on_tunnel(LinkId arrival, const wire::Ipv4Packet& outer, proto::TimePoint now);
    void log_unknown_peer(net::Ipv4Address source, proto::TimePoint now);
    // The link's settings are its config's now, `before` the old ones.
    void update_settings(LinkId id, const LinkSettings& before, proto::TimePoint now);
    // Counts an MLD/IGMP message in; false (counted as membership-rate-limit, logged at
    // most once per LogGate::kInterval and link) when the link is over its rate.
    [[nodiscard]] bool admit_membership(Link& in, proto::TimePoint now);
    [[nodiscard]] TokenBucket membership_bucket(const LinkSettings& settings) const {
        const auto rate = settings.max_membership_rate.value_or(config_.max_membership_rate);
        return TokenBucket{rate, rate};
    }
    // A record or report the link's policy denied, in full or in part.
    void count_policy(bool allowed) {
        if (!allowed) {
            stats_.count(DropReason::PolicyDenied);
        }
    }
    void on_mld(Link& in, LinkId id, const wire::Ipv6Packet& packet, proto::TimePoint now);
    void on_igmp(Link& in, LinkId id, const wire::Ipv4Packet& packet, proto::TimePoint now);
    // Where a forwarded packet came from: for a Packet Too Big about it.
    struct Origin {
        LinkId arrival;
        net::MacAddress previous_hop;           // the frame's source MAC (Ethernet)
        std::optional<net::Ipv6Address> source; // IPv6 packets only
        proto::TimePoint now;
    };
    template <class Plane, class Packet>
    void forward(Plane& plane, LinkId arrival, const Packet& packet, std::uint8_t hop,
                 proto::TimePoint now);
    // Whether a listener state that could take one of the decision's copies away has
    // reached its deadline (FamilyPlane::shrink_deadline).
    template <class Plane, class Address>
    [[nodiscard]] static bool stale(const Plane& plane, const Address& source, const Address& group,
                                    const table::Decision& decision, proto::TimePoint now);
    // Writes one copy straight into `out`'s transmit slot: link header, then the packet
    // with the rewrite prepared once for all copies. A copy larger than the link's MTU is
    // dropped, and its IPv6 source told so (send_packet_too_big).
    void send_copy(LinkId out, const wire::ForwardCopy& copy, const Origin& origin);
    // An IPv4 copy without Don't Fragment, larger than `o`'s MTU: sent as fragments (RFC
    // 791 §3.2, RFC 1812 §5.2.6). False (nothing sent) when it must not be fragmented.
    bool send_fragments(Link& o, LinkId out, const wire::ForwardCopy& copy);
    bool on_superframe(LinkId arrival, const Link& in, std::span<const std::uint8_t> frame,
                       std::uint16_t segment_size, proto::TimePoint now);
    void drop_oversized(const Link& in, std::size_t size, proto::TimePoint now);
    // RFC 4443 §3.2 (allowed for multicast, §2.4(e.3)), at most one per source per
    // kTooBigInterval (§2.4(f)), back on the arrival link to the previous hop.
    void send_packet_too_big(std::span<const std::uint8_t> packet, std::uint32_t mtu,
                             const Origin& origin);
    // Translation (issue 16; translate_path.cpp). After the packet's own family's
    // decide() accepted its arrival (hop limit, scope, source, upstream, boundary): a
    // native packet of a pair whose home is the other family, from an upstream, is
    // suppressed (true: count it and send nothing) — its listeners get the home family's
    // stream translated, never both.
    [[nodiscard]] bool suppressed_native(LinkId arrival, const wire::Ipv4Packet& packet) const;
    [[nodiscard]] bool suppressed_native(LinkId arrival, const wire::Ipv6Packet& packet) const;
    // The copies of `packet` for the other family's listeners of its counterpart, when
    // the packet's family is the pair's home (RFC 7915 header translation, UDP only).
    void translate(LinkId arrival, const wire::Ipv4Packet& packet, proto::TimePoint now);
    void translate(LinkId arrival, const wire::Ipv6Packet& packet, proto::TimePoint now);
    // One translated copy to `out` (with `source` as its IPv4 source where given). Too
    // big for the link: IPv6 fragments when the IPv4 packet allowed fragmentation, else
    // dropped (no ICMPv4 about multicast, RFC 1812 §4.3.2.7); IPv4 fragments when the
    // new header allows it, else a Packet Too Big to the IPv6 source (RFC 7915 §5.1).
    void send_translated(LinkId out, const wire::TranslatedCopy& copy, const Origin& origin,
                         std::span<const std::uint8_t> received,
                         std::optional<net::Ipv4Address> source);
    // A packet with listeners that could not be translated: counted, and logged at most
    // once per LogGate interval with its addresses and ports (RFC 7915 §4.5, §5.1.1 want
    // such drops logged; a flood must not fill the log).
    void drop_untranslatable(wire::TranslateError error, const std::string& source,
                             const std::string& group, std::span<const std::uint8_t> udp,
                             proto::TimePoint now);
    void send_translated_too_big(Link& o, LinkId out, const wire::TranslatedCopy& copy,
                                 const Origin& origin, std::span<const std::uint8_t> received,
                                 std::optional<net::Ipv4Address> source);
    [[nodiscard]] std::optional<net::Ipv6Address> error_source(LinkId arrival) const;
    // The link header's length on `link` (0 where frames are bare IP packets).
    [[nodiscard]] static std::size_t link_header_size(const Link& link);
    // The link header in front of an IP packet of `ip_length` bytes: Ethernet's, a
    // tunnel peer's outer IPv4 header, or none.
    static void write_link_header(const Link& link, std::span<std::uint8_t> slot,
                                  const net::MacAddress& destination,
                                  wire::NetworkProtocol protocol, std::size_t ip_length);
    // Reserves a slot on `out`, writes the link header, then the IP packet through
    // `write_ip` (given exactly `ip_length` bytes), and queues it; counts the frame, or
    // send-failed when the link had no slot for it.
    // Each piece of a fragment plan (wire::Ipv4Fragmenter, wire::Ipv6FragmentWriter) to
    // `out`, counted as fragmented.
    template <class Pieces>
    void send_pieces(Link& o, LinkId out, const Pieces& pieces, const net::MacAddress& destination,
                     wire::NetworkProtocol protocol);
    template <class WriteIp>
    void transmit(Link& o, LinkId out, std::size_t ip_length, const net::MacAddress& destination,
                  wire::NetworkProtocol protocol, bool control, WriteIp&& write_ip);
    void count_sent(Link& link, std::size_t frame_size, bool control);
    [[nodiscard]] bool is_own_mac(const net::MacAddress& mac) const;
    // Is `source` ours: the arrival link's link-local address (link-local addresses are
    // unique on their link only), a global IPv6 address or an IPv4 address of any link?
    // ecmh never captures what it sends, so such a packet is a loop or a spoof.
    [[nodiscard]] bool is_own_source(const Link& in, const net::Ipv6Address& source) const;
    [[nodiscard]] bool is_own_source(const net::Ipv4Address& source) const {
        return own_ipv4_.contains(source);
    }
    // Counts it (own-source) and says so at most once per LogGate::kInterval.
    void drop_own_source(const Link& in, const std::string& source, proto::TimePoint now);

    static constexpr std::size_t kMaxIpPacket = 65'535;
    // The largest link header a captured frame may add to its link's MTU (Ethernet with
    // an 802.1Q tag).
    static constexpr std::size_t kMaxLinkHeader = wire::kEthernetHeaderSize + wire::kVlanTagSize;

    ProxyConfig config_;
    LinkIo& io_;
    EventLog& log_;
    proto::Random random_;
    Statistics stats_;
    // By slot: the interface links (kMaxLinks of them), then the tunnel peers, grown as
    // peers come (freed peer slots are reused first).
    std::vector<Link> links_;
    std::vector<std::uint16_t> free_peer_slots_;
    table::TunnelPeerTable peers_;
    table::TunnelPeerTable kernel_tunnels_; // set_kernel_tunnels(); the ids mean nothing
    proto::TimePoint next_peer_query_{};
    LogGate unknown_peer_log_;
    net::MacAddress previous_hop_; // the source MAC of the frame being handled
    std::unordered_map<net::Ipv6Address, proto::TimePoint> too_big_sent_; // by source
    static constexpr auto kTooBigInterval = std::chrono::seconds{1};
    static constexpr std::size_t kTooBigSources = 4096; // rate-limiter entries kept
    FamilyPlane<proto::Ipv6Family> mld_;
    FamilyPlane<proto::Ipv4Family> igmp_;
    // After the planes, which it registers with (and leaves first).
    std::unique_ptr<Translator> translator_;
    // The Identification of the next unfragmented IPv6 -> IPv4 translation (RFC 7915
    // §5.1: generated by the translator), one per packet, not per copy.
    std::uint16_t next_ipv4_id_ = 0;
    LogGate untranslatable_log_;
    // While links change, translated pairs wait until the homes are known again
    // (Translator::unsettle): the guard's end merges them for their homes.
    class SettleTranslation {
    public:
        SettleTranslation(Translator* t, proto::TimePoint now);
        SettleTranslation(const SettleTranslation&) = delete;
        SettleTranslation& operator=(const SettleTranslation&) = delete;
        SettleTranslation(SettleTranslation&&) = delete;
        SettleTranslation& operator=(SettleTranslation&&) = delete;
        ~SettleTranslation();

    private:
        Translator* translator_;
        proto::TimePoint now_;
    };
    // Re-decides the flows that the entry point's changes may have changed when the
    // outermost entry point returns (after SettleTranslation's work: declared first).
    class SyncFlows {
    public:
        SyncFlows(Proxy& proxy, proto::TimePoint now);
        SyncFlows(const SyncFlows&) = delete;
        SyncFlows& operator=(const SyncFlows&) = delete;
        SyncFlows(SyncFlows&&) = delete;
        SyncFlows& operator=(SyncFlows&&) = delete;
        ~SyncFlows();

    private:
        Proxy& proxy_;
        proto::TimePoint now_;
    };
    // The flow cache (flow_sync.cpp).
    template <class Packet>
    void offer_flow(LinkId arrival, const Packet& packet, const table::Decision& decision,
                    std::size_t copy_size, proto::TimePoint now);
    void sync_flows(proto::TimePoint now);
    void redecide_flow(const FlowKey& key, proto::TimePoint now);
    void remove_flow(const FlowKey& key);
    void remove_all_flows();
    // Adds the flow's counters since they were last added to the engine's.
    void fold_flow(const FlowKey& key, FlowShadow::Entry& entry, const FlowCounters& c);
    void scan_idle_flows(proto::TimePoint now);
    template <class Plane>
    [[nodiscard]] std::optional<FlowAction>
    plane_flow_action(const Plane& plane, LinkId arrival, const typename Plane::Address& source,
                      const typename Plane::Address& group, proto::TimePoint now) const;
    FlowCache* flow_cache_ = nullptr;
    FlowShadow flows_;
    // Bumped by every change of links, their settings or our addresses: each may change
    // any flow (the tables count their own changes).
    std::uint64_t links_generation_ = 0;
    struct Seen {
        std::uint64_t links = ~std::uint64_t{0};
        std::uint64_t mld = ~std::uint64_t{0};
        std::uint64_t igmp = ~std::uint64_t{0};
    } flows_seen_;
    int flow_guards_ = 0;          // SyncFlows nesting: the outermost syncs
    proto::TimePoint flows_now_{}; // the latest `now` an entry point gave
    proto::TimePoint next_idle_scan_ = proto::kNever;
    std::vector<FlowKey> flow_keys_;     // scratch for a pass over every flow
    std::vector<HostGroup> host_groups_; // sorted, unique (set_host_groups)

    std::vector<std::uint8_t> buffer_;  // control messages are built here
    std::vector<std::uint8_t> segment_; // a super-frame's datagram, one at a time
    // Our own MAC addresses as 48-bit integers: one hash lookup per frame for the L2
    // loop check instead of a walk over every link.
    std::unordered_set<std::uint64_t> own_macs_;
    // Our IPv4 addresses (the links'), for the tunnel gate's "addressed to us" and the
    // own-source check; our global IPv6 addresses, for the latter.
    std::unordered_set<net::Ipv4Address> own_ipv4_;
    std::unordered_set<net::Ipv6Address> own_ipv6_;
    LogGate own_source_log_;
    LogGate oversized_log_;
    void rebuild_own_addresses();
};

} // namespace ecmh::engine
