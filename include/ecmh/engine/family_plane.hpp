// SPDX-License-Identifier: BSD-3-Clause
// One address family's control and forwarding state, glued together: the router side
// on each downstream link, the host side on each upstream, the forwarding table — and
// the rules that connect them (RFC 4605 §4): a membership change on a downstream link
// updates that link's forwarding entry and re-merges the group for the upstream that
// serves it (table/upstream_routes.hpp); a querier change flips the querier rule; every
// protocol output becomes a packet.
#pragma once

#include "ecmh/engine/link.hpp"
#include "ecmh/engine/log_gate.hpp"
#include "ecmh/engine/messages.hpp"
#include "ecmh/engine/statistics.hpp"
#include "ecmh/proto/host_reporter.hpp"
#include "ecmh/proto/random.hpp"
#include "ecmh/proto/router_link.hpp"
#include "ecmh/table/forwarding_table.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ecmh::engine {

// How a FamilyPlane sends what it built: the Proxy owns the buffer and the links.
class PacketSink {
public:
    virtual ~PacketSink() = default;
    // A buffer to build one IP packet in; a link header goes in front of it on send.
    virtual std::span<std::uint8_t> packet_buffer() = 0;
    // Sends the first `length` bytes of packet_buffer() on `link` as a control message.
    virtual void send_control(LinkId link, std::size_t length, wire::NetworkProtocol protocol) = 0;
    // A control message could not be built (counted as build-failed, never silent).
    virtual void count_build_failure() = 0;
    // The link's interface name, for log lines.
    [[nodiscard]] virtual std::string_view link_name(LinkId link) const = 0;
};

// The other family's side of IPv4 <-> IPv6 translation (engine/translator.hpp), as one
// family's plane sees it: which of its groups have a counterpart in the other family,
// which family reports such a pair upstream (its home), and the other family's listeners
// of the counterpart, translated, to merge into this family's report when it is the home.
enum class PairRole : std::uint8_t {
    None,      // no counterpart: a native group only
    Home,      // this family's upstream reports the pair
    Elsewhere, // the other family's does: this one reports nothing for it
    Unsettled, // links are changing: leave the group as it is until they settle
};

template <class Address>
class CrossFamily {
public:
    CrossFamily() = default;
    CrossFamily(const CrossFamily&) = delete;
    CrossFamily& operator=(const CrossFamily&) = delete;
    CrossFamily(CrossFamily&&) = delete;
    CrossFamily& operator=(CrossFamily&&) = delete;
    virtual ~CrossFamily() = default;

    [[nodiscard]] virtual PairRole role(const Address& group) const = 0;
    // The other family's listeners of the counterpart, each translated to this family.
    [[nodiscard]] virtual std::vector<proto::MembershipState<Address>>
    translated_members(const Address& group) const = 0;
    // This family's listeners of `group` changed: the other family merges its
    // counterpart again.
    virtual void listeners_changed(const Address& group, proto::TimePoint now) = 0;
    // This family's groups whose counterparts the other family's listeners want.
    [[nodiscard]] virtual std::vector<Address> translated_groups() const = 0;
};

struct PlaneConfig {
    proto::ProtocolVariables vars;
    std::uint8_t newest_version = 0; // 0: the family's newest; MLDv1-only mode: 1
    bool host_compatibility = true;  // the upstream's (proto::HostReporterConfig)
    std::size_t max_groups_per_link = 4096;
    std::size_t max_sources_per_group = 512;
    std::size_t max_total_sources = 65'536; // all groups of all links together
    // The SSM ranges (--ssm-range); empty: the IANA default of the family.
    std::vector<net::Ipv6Prefix> ssm6{};
    std::vector<net::Ipv4Prefix> ssm4{};
};

template <class Family>
class FamilyPlane {
public:
    using Address = typename Family::Address;
    using Router = proto::RouterLink<Family>;
    using Host = proto::HostReporter<Family>;
    static constexpr wire::NetworkProtocol kProtocol = std::is_same_v<Address, net::Ipv6Address>
                                                           ? wire::NetworkProtocol::Ipv6
                                                           : wire::NetworkProtocol::Ipv4;

    FamilyPlane(const PlaneConfig& config, PacketSink& sink, EventLog& log, proto::Random& random);
    // Its routers hold the address of its source budget.
    FamilyPlane(const FamilyPlane&) = delete;
    FamilyPlane& operator=(const FamilyPlane&) = delete;
    FamilyPlane(FamilyPlane&&) = delete;
    FamilyPlane& operator=(FamilyPlane&&) = delete;
    ~FamilyPlane() = default;

    // A new downstream link; its router's first General Query is due at `first_query`
    // (now, or later where many links start at once and their queries are spread).
    // `settings` (the configuration's for the link) override the plane's where set.
    void add_downstream(LinkId link, const Address& own, std::uint32_t mtu,
                        const LinkSettings& settings, proto::TimePoint now,
                        std::optional<proto::TimePoint> first_query = std::nullopt);
    // Reports everything the downstream links want of the groups it serves at once: an
    // upstream that appears (or comes back) learns the whole database (RFC 3810
    // §5.2.13, rfc-map M19). Each upstream has its own host state.
    void add_upstream(LinkId link, const Address& own, std::uint32_t mtu,
                      const LinkSettings& settings, proto::TimePoint now);
    // Which upstream serves which groups (the longest prefix wins; none configured: the
    // upstream serves every group). A group that moves to another upstream is left on
    // the one it leaves and reported on the one it joins.
    using UpstreamRoute = typename table::UpstreamRoutes<Address>::Route;
    void configure_upstreams(std::vector<UpstreamRoute> routes, proto::TimePoint now);
    void remove_link(LinkId link, proto::TimePoint now);
    // A downstream link's own address changed (a tunnel peer's local end learned): its
    // queries come from the new one.
    void set_own_address(LinkId link, const Address& own);
    // A link's address or MTU changed in place (rfc-map M19, item 37): nothing is
    // forgotten. A downstream router keeps its groups and re-runs the election
    // (RouterLink::change_own_address). Without an address (Linux flushes a link's IPv6
    // addresses when it is set down) it keeps them too but sends no query until it has
    // one again, and then starts over as at startup. The upstream reports from the new
    // address (0.0.0.0 for IGMP: RFC 3376 §4.2.13) and, when it changed, reports every
    // group again at once (RFC 3810 §5.2.13); MLD cannot report from ::, so it waits for
    // a link-local address. The MTU sizes the link's queries and reports from now on.
    void update_link(LinkId link, const std::optional<Address>& own, std::uint32_t mtu,
                     proto::TimePoint now);
    // The link's settings changed (a reload; doc/ecmh.conf.5), the link the same: applied
    // in place. A downstream router takes the new variables, version and caps
    // (RouterLink::reconfigure), the querier rule and boundaries are set again, and
    // groups the new rules deny as a whole end at once (RouterLink::forget); the
    // upstream re-merges every group under its new rules and reports what changed, and
    // starts its host state over only when its own version or variables changed.
    // Nothing happens for what did not change.
    void update_settings(LinkId link, const LinkSettings& before, const LinkSettings& after,
                         proto::TimePoint now);
    // A link is up again after an outage, its state kept: a downstream router starts its
    // queries over as at startup, the upstream reports every group again at once.
    void link_up(LinkId link, proto::TimePoint now);

    // Validated messages, from the link they arrived on. A record or old report is first
    // filtered by the link's policy (table/group_policy.hpp); they return false when the
    // policy denied all or part of it (counted as policy-denied by the caller).
    void on_query(LinkId link, const proto::ReceivedQuery<Address>& query, proto::TimePoint now);
    [[nodiscard]] bool on_record(LinkId link, const proto::GroupRecord<Address>& record,
                                 proto::TimePoint now);
    [[nodiscard]] bool on_old_report(LinkId link, const Address& group, std::uint8_t version,
                                     proto::TimePoint now);
    void on_old_leave(LinkId link, const Address& group, proto::TimePoint now);

    void on_timer(proto::TimePoint now);
    [[nodiscard]] proto::TimePoint next_deadline() const;
    // The earliest deadline of any downstream group's state (RouterLink::
    // next_group_deadline): before it no listener state has expired. One look.
    [[nodiscard]] proto::TimePoint next_listener_deadline() const {
        return group_deadlines_.empty() ? proto::kNever : group_deadlines_.begin()->first;
    }
    void resend_reports(proto::TimePoint now); // SIGUSR2
    // Translation (issue 16): the other family's side, or nullptr (the default: nothing
    // is translated). It must outlive the plane or be reset first.
    void set_cross_family(CrossFamily<Address>* cross) { cross_ = cross; }
    // Merges `group` for its upstream again (the translator, after the other family's
    // listeners of its counterpart or the pair's home changed).
    void refresh_upstream(const Address& group, proto::TimePoint now) {
        update_upstream(group, now);
    }
    // Every group a downstream router has, sorted, once.
    [[nodiscard]] std::vector<Address> listened_groups() const;
    // The own address of the upstream that serves `group`, when that upstream is there
    // (unspecified when the link has none); nullopt when no upstream that is there
    // serves it.
    [[nodiscard]] std::optional<Address> upstream_address(const Address& group) const;
    void leave_upstream(proto::TimePoint now); // shutdown

    [[nodiscard]] bool is_upstream(LinkId link) const { return upstreams_.contains(link.slot()); }
    [[nodiscard]] bool is_downstream(LinkId link) const {
        return downstream_.contains(link.slot());
    }
    // The last query of another version than the link's own heard on a downstream link
    // (RFC 3810 §8.3.1, RFC 3376 §7.3.1: a mismatch an operator must fix), for as long as
    // it is recent: within a Multicast Address Listening Interval of `now`.
    struct OtherVersionQuery {
        Address querier;
        std::uint8_t version = 0;
        proto::TimePoint heard{};
    };
    [[nodiscard]] std::optional<OtherVersionQuery> other_version_query(LinkId link,
                                                                       proto::TimePoint now) const;
    [[nodiscard]] const table::ForwardingTable<Family>& forwarding() const { return table_; }
    // A cache of decisions has seen the table's changes (ForwardingTable::clear_dirty).
    void clear_dirty() { table_.clear_dirty(); }
    // The earliest time a listener state of `group` on one of `out`'s downstream links
    // could expire and take that link out of the copies of `source`'s packets: its
    // Filter Timer, its Older Version Host Present timers and the source timer of
    // `source` (rfc-map items 21 and 41). Earlier than needed where unsure, never later;
    // kNever when no such timer runs (the upstream, a link without state).
    [[nodiscard]] proto::TimePoint shrink_deadline(const Address& group, const Address& source,
                                                   const table::LinkSet& out) const;
    // The same for one link (a tunnel peer too).
    [[nodiscard]] proto::TimePoint shrink_deadline(const Address& group, const Address& source,
                                                   LinkId link) const;
    [[nodiscard]] const Router* router(LinkId link) const;
    // The host state on `link`, an upstream; nullptr for any other link.
    [[nodiscard]] const Host* host(LinkId link) const {
        const auto it = upstreams_.find(link.slot());
        return it == upstreams_.end() ? nullptr : &it->second.host;
    }
    // f(LinkId, const Host&) for each upstream that is there, by link.
    template <class F>
    void for_each_upstream(F&& f) const {
        for (const auto& [slot, u] : upstreams_) {
            f(LinkId{slot}, u.host);
        }
    }
    // The source records of all its routers, and the cap on them (--max-total-sources).
    [[nodiscard]] const proto::SourceBudget& sources() const { return budget_; }
    template <class F>
    void for_each_router(F&& f) const {
        for (const auto& [slot, d] : downstream_) {
            f(LinkId{slot}, *d.router);
        }
    }

private:
    struct Downstream {
        Address own;
        std::uint32_t mtu = 1500;
        std::unique_ptr<Router> router;
        proto::TimePoint indexed = proto::kNever;       // its key in deadlines_
        proto::TimePoint group_indexed = proto::kNever; // its key in group_deadlines_
        std::optional<OtherVersionQuery> other_version;
        LogGate version_log{};
        bool silent = false; // no address on the link (update_link): no queries sent
        table::GroupPolicy<Address> policy{};
        bool querier_rule = true; // LinkSettings::querier_rule
    };
    struct Upstream {
        Upstream(LinkId l, const Address& a, std::uint32_t m, const proto::HostReporterConfig& c,
                 proto::Random& r, const proto::SsmRange<Address>& ssm)
            : link(l), own(a), mtu(m), host(c, r, ssm) {}
        LinkId link;
        Address own;
        std::uint32_t mtu = 1500;
        Host host;
        table::GroupPolicy<Address> policy{}; // what may be reported
    };

    // Hands `link`'s router to f, then sends what it produced.
    template <class F>
    void on_router(LinkId link, proto::TimePoint now, F&& f);
    // Sends what the router produced, then files its next deadline.
    void drain(LinkId link, Downstream& d, proto::TimePoint now);
    void reindex(LinkId link, Downstream& d);
    void drain_host(Upstream& up);
    // A full report upstream now (an address gained, the link back up), unless the
    // upstream has no address MLD may report from.
    void report_all_upstream(Upstream& up, proto::TimePoint now);
    // After the upstreams or their routes changed: each upstream leaves what it no
    // longer serves, and every downstream group is merged for the upstream serving it.
    void reassign_upstreams(proto::TimePoint now);
    [[nodiscard]] Upstream* upstream_of(LinkId link);
    [[nodiscard]] proto::RouterLinkConfig<Family> router_config(const Address& own,
                                                                const LinkSettings& s);
    [[nodiscard]] proto::HostReporterConfig host_config(const LinkSettings& s) const;
    // listened_groups() and the groups the other family's listeners want translated:
    // every group this family may report.
    [[nodiscard]] std::vector<Address> downstream_groups() const;
    void update_downstream_settings(LinkId link, Downstream& d, const LinkSettings& after,
                                    proto::TimePoint now);
    void membership_changed(LinkId link, const Address& group, proto::TimePoint now);
    void update_upstream(const Address& group, proto::TimePoint now);
    // update_upstream, and the other family's counterpart when translating.
    void listeners_changed(const Address& group, proto::TimePoint now);
    // The family's half of a link's settings.
    [[nodiscard]] static const table::GroupPolicy<Address>& policy_of(const LinkSettings& s);
    [[nodiscard]] std::uint8_t version_of(const LinkSettings& s) const;
    // A builder that failed is counted (build-failed), never ignored.
    void check(const Built& built);
    // Notes a query of another version than the link's, and warns at most once per
    // LogGate::kInterval and link (the warnings "MUST be rate-limited").
    void note_other_version(LinkId link, Downstream& d, const proto::ReceivedQuery<Address>& query,
                            proto::TimePoint now);
    // At most one line per LogGate::kInterval about refused state (rfc-map M7).
    void log_limit(const Address& group, proto::LimitKind kind, proto::TimePoint now);

    PlaneConfig config_;
    proto::SsmRange<Address> ssm_;
    PacketSink& sink_;
    EventLog& log_;
    proto::Random& random_;
    // Declared before the routers, which give their records back to it as they go.
    proto::SourceBudget budget_;
    std::map<std::uint16_t, Downstream> downstream_; // by LinkId slot: ordered for the dump
    // Every router's next deadline, earliest first: a timer tick touches only the routers
    // that are due, and next_deadline() is one look, however many links (tunnel peers by
    // the thousand) there are.
    std::set<std::pair<proto::TimePoint, std::uint16_t>> deadlines_;
    // The same for their groups' state alone (next_listener_deadline()).
    std::set<std::pair<proto::TimePoint, std::uint16_t>> group_deadlines_;
    std::map<std::uint16_t, Upstream> upstreams_; // by LinkId slot
    table::ForwardingTable<Family> table_;
    LogGate limit_log_;
    CrossFamily<Address>* cross_ = nullptr;
};

extern template class FamilyPlane<proto::Ipv6Family>;
extern template class FamilyPlane<proto::Ipv4Family>;

} // namespace ecmh::engine
