// SPDX-License-Identifier: BSD-3-Clause
// A scenario harness for the engine: the topology of rfc-map §0.1 (upstream u0,
// downstream d1 and d2, Ethernet, both families, fast_test_profile()), the frames hosts
// and routers send, a manual clock, and a decoder that turns every frame the proxy sent
// into a readable Event (link, time, kind, fields).
//
//   Scenario s;                         // links added at t = 0, startup queries sent
//   s.report(s.d1(), "fe80::a", {{TO_EX, "ff0e::1:1000", {}}});
//   s.run_until(at_ms(5000));           // on_timer at every next_deadline(), no sleep
//   for (const auto& e : s.take()) ...  // what went out since the last take()
//   s.probe("2001:db8:1::1", "ff0e::1:1000", s.u0())  // → {"d1"}: who got a copy
//
// Every address is written as text; the family follows from it (a ':' means IPv6).
// Invariants that hold for every frame are checked as frames come out (control sent
// from the link's own address with hop limit 1 and Router Alert, multicast MACs, the
// out-link's MAC, copies identical to their input but for hop limit/TTL and the IPv4
// checksum, never back out of the arrival link, MLD/IGMP never copied as data); each
// breach is recorded in violations(), which a test fixture asserts empty.
//
// Pure test support: no gtest in here, no clock, no sleeping.
#pragma once

#include "ecmh/engine/proxy.hpp"
#include "ecmh/proto/protocol_variables.hpp"
#include "ecmh/proto/time.hpp"
#include "ecmh/wire/group_record.hpp"
#include "support/fake_link_io.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ecmh::test {

using Bytes = std::vector<std::uint8_t>;
using engine::LinkId;
using wire::RecordType;

// ---- Topology (rfc-map §0.1) -------------------------------------------------------

// The two families as test traits: every address a scenario needs, by its §0.1 role.
struct MldFamily {
    static constexpr bool kV6 = true;
    static constexpr std::string_view kName = "Mld";
    static constexpr std::uint8_t kNewest = 2; // MLDv2
    static constexpr std::uint8_t kOld = 1;    // MLDv1: the compatibility version
    static constexpr const char* G = "ff0e::1:1000";
    static constexpr const char* G2 = "ff0e::1:2000";
    static constexpr const char* G3 = "ff0e::1:3000";
    static constexpr const char* SG = "ff3e::8000:1";
    static constexpr const char* S1 = "2001:db8:1::1";
    static constexpr const char* S2 = "2001:db8:1::2";
    static constexpr const char* S3 = "2001:db8:1::3";
    static constexpr const char* H1A = "fe80::a";
    static constexpr const char* H1B = "fe80::b";
    static constexpr const char* H2 = "fe80::c";
    static constexpr const char* H1_SOURCE = "2001:db8:3::5"; // a sender on d1
    static constexpr const char* H2_SOURCE = "2001:db8:2::5"; // a sender on d2
    static constexpr const char* R_U = "fe80::1";             // the upstream router
    static constexpr const char* R1_LOWER = "fe80::1";        // wins the election on d1
    static constexpr const char* R1_HIGHER = "fe80::ffff";    // loses it
    static constexpr const char* U0 = "fe80::2";
    static constexpr const char* D1 = "fe80::100";
    static constexpr const char* D2 = "fe80::200";
    static constexpr const char* LINK_SCOPE = "ff02::1234";
    static constexpr const char* ALL_NODES = "ff02::1";
};

struct IgmpFamily {
    static constexpr bool kV6 = false;
    static constexpr std::string_view kName = "Igmp";
    static constexpr std::uint8_t kNewest = 3; // IGMPv3
    static constexpr std::uint8_t kOld = 2;    // IGMPv2 (IGMPv1 has its own tests)
    static constexpr const char* G = "239.1.1.1";
    static constexpr const char* G2 = "239.1.1.2";
    static constexpr const char* G3 = "239.1.1.3";
    static constexpr const char* SG = "232.1.1.1";
    static constexpr const char* S1 = "192.0.2.101";
    static constexpr const char* S2 = "192.0.2.102";
    static constexpr const char* S3 = "192.0.2.103";
    static constexpr const char* H1A = "198.51.100.10";
    static constexpr const char* H1B = "198.51.100.11";
    static constexpr const char* H2 = "203.0.113.10";
    static constexpr const char* H1_SOURCE = "198.51.100.10";
    static constexpr const char* H2_SOURCE = "203.0.113.10";
    static constexpr const char* R_U = "192.0.2.1";
    static constexpr const char* R1_LOWER = "198.51.100.1";
    static constexpr const char* R1_HIGHER = "198.51.100.254";
    static constexpr const char* U0 = "192.0.2.2";
    static constexpr const char* D1 = "198.51.100.100";
    static constexpr const char* D2 = "203.0.113.100";
    static constexpr const char* LINK_SCOPE = "224.0.0.251";
    static constexpr const char* ALL_NODES = "224.0.0.1";
};

// For TYPED_TEST_SUITE(…, …, FamilyNames): "Mld" / "Igmp" in test names.
struct FamilyNames {
    template <class F>
    static std::string GetName(int) {
        return std::string(F::kName);
    }
};

// ---- Decoded output ----------------------------------------------------------------

// One Multicast Address Record / Group Record, addresses as text.
struct Rec {
    RecordType type = RecordType::ModeIsExclude;
    std::string group;
    std::vector<std::string> sources;
    friend bool operator==(const Rec&, const Rec&) = default;
};
using Recs = std::vector<Rec>;

enum class Kind : std::uint8_t {
    GeneralQuery,     // MLD / IGMP General Query
    GroupQuery,       // Q(G)
    GroupSourceQuery, // Q(G,S)
    V2Report,         // MLDv2 / IGMPv3 Report: records
    V1Report,         // MLDv1 Report, IGMPv1 (version 1) or IGMPv2 (version 2) Report
    Done,             // MLDv1 Done
    Leave,            // IGMPv2 Leave
    PacketTooBig,     // ICMPv6 Packet Too Big about a copy that did not fit (RFC 4443 §3.2)
    Data,             // anything else: a forwarded copy
    Malformed,        // did not parse (error says why)
};
[[nodiscard]] std::string_view to_string(Kind kind);

struct Event {
    proto::TimePoint at{};
    LinkId link;
    std::string link_name;
    Kind kind = Kind::Malformed;
    bool v6 = true;
    std::uint8_t version = 0; // queries and reports: MLD 1|2, IGMP 1|2|3
    std::string source;       // IP source
    std::string destination;  // IP destination
    std::uint8_t hop_limit = 0;
    bool router_alert = false;
    net::MacAddress eth_source;
    net::MacAddress eth_destination;
    std::size_t ip_length = 0; // the IP packet, headers included
    // Queries.
    std::string group; // also old reports, Done/Leave and data (the destination)
    std::vector<std::string> sources;
    bool s_flag = false;
    std::uint32_t max_response_ms = 0;
    std::uint8_t qrv = 0;
    std::uint32_t qqi_s = 0;
    // Reports.
    Recs records;
    // Malformed.
    std::string error;
    Bytes ip; // the raw IP packet

    [[nodiscard]] bool is_query() const {
        return kind == Kind::GeneralQuery || kind == Kind::GroupQuery ||
               kind == Kind::GroupSourceQuery;
    }
    [[nodiscard]] bool is_report() const {
        return kind == Kind::V2Report || kind == Kind::V1Report || kind == Kind::Done ||
               kind == Kind::Leave;
    }
    [[nodiscard]] std::string str() const;
};
using Events = std::vector<Event>;

std::ostream& operator<<(std::ostream& os, const Rec& rec);
std::ostream& operator<<(std::ostream& os, const Event& event);
// One event per line, for failure messages.
[[nodiscard]] std::string dump(const Events& events);

// A filter: every field that is set must match.
struct Match {
    std::optional<LinkId> link{};
    std::optional<Kind> kind{};
    std::optional<std::string> group{};
    std::optional<proto::TimePoint> from{}; // at ≥ from
    std::optional<proto::TimePoint> to{};   // at ≤ to
};
[[nodiscard]] Events select(const Events& events, const Match& match);
// The times of the selected events.
[[nodiscard]] std::vector<proto::TimePoint> times(const Events& events);

// "2.500000": seconds since t = 0, to the microsecond.
[[nodiscard]] std::string time_text(proto::TimePoint t);
// Milliseconds since t = 0, for messages and exact comparisons.
[[nodiscard]] constexpr std::int64_t ms(proto::TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
// The events' times in milliseconds, for comparing a schedule at a glance.
[[nodiscard]] inline std::vector<std::int64_t> ms_of(const Events& events) {
    std::vector<std::int64_t> out;
    for (const auto& e : events) {
        out.push_back(ms(e.at));
    }
    return out;
}
[[nodiscard]] constexpr proto::Duration millis(std::int64_t n) {
    return std::chrono::milliseconds{n};
}

// ---- Inputs: the frames hosts and routers send --------------------------------------

struct QueryIn {
    std::string source;   // the querier; its family picks MLD or IGMP
    std::uint8_t version; // MLD 1|2, IGMP 1|2|3
    std::string group{};  // empty: General Query
    std::vector<std::string> sources{};
    std::uint32_t max_response_ms = 1000; // IGMP: sent in tenths (v1: always 0)
    bool s_flag = false;
    std::uint8_t qrv = 2;
    std::uint32_t qqi_s = 4;
};

namespace frames {

// Complete IP packets, as a host or router would send them (hop limit 1, Router Alert,
// correct checksums), to corrupt before delivery where a test wants that.
// An MLDv2 / IGMPv3 Report (the first packet, when the records need more than 1500 bytes).
[[nodiscard]] Bytes v2_report(const std::string& host, const Recs& records);
// Every packet of it, packed to a 1500-byte MTU as a host would (RFC 3810 §5.2.15).
[[nodiscard]] std::vector<Bytes> v2_reports(const std::string& host, const Recs& records);
// MLDv1 Report; IGMPv2 Report (version 2, the default) or IGMPv1 Report (version 1).
[[nodiscard]] Bytes old_report(const std::string& host, const std::string& group,
                               std::uint8_t version = 2);
[[nodiscard]] Bytes old_leave(const std::string& host, const std::string& group); // Done/Leave
[[nodiscard]] Bytes query(const QueryIn& query);
// UDP from `source` to `group` with this hop limit / TTL and a small payload (IPv4:
// with Don't Fragment where asked).
[[nodiscard]] Bytes udp(const std::string& source, const std::string& group, std::uint8_t hop,
                        std::size_t payload = 32, bool dont_fragment = false);
// The same with its UDP checksum filled in (frames::udp leaves it 0, "none" for IPv4 and
// invalid for IPv6), computed by the test's own sum (support/udp_oracle.hpp).
[[nodiscard]] Bytes udp_checksummed(const std::string& source, const std::string& group,
                                    std::uint8_t hop, std::size_t payload = 32,
                                    bool dont_fragment = false);
// The MAC a node with this IP address sends from (02:00:00:00:00:<last octet>).
[[nodiscard]] net::MacAddress mac_of(const std::string& address);
// An Ethernet frame around `ip`: to the multicast MAC of its destination.
[[nodiscard]] Bytes ethernet(const net::MacAddress& source, std::span<const std::uint8_t> ip);
// The offset of the ICMPv6 message in a packet built here (40 + 8 for Hop-by-Hop).
inline constexpr std::size_t kMldOffset = 48;

} // namespace frames

// ---- The scenario -------------------------------------------------------------------

class Scenario {
public:
    struct Options {
        bool upstream = true; // false: no u0 at all, d1 and d2 only ("no -i")
        bool ipv6 = true;
        bool ipv4 = true;
        std::uint64_t seed = 1;
        proto::ProtocolVariables vars = proto::fast_test_profile();
        engine::MldMode mld_mode = engine::MldMode::Auto;
        std::uint8_t igmp_version = 3;
        std::uint32_t d2_mtu = 1500; // the others are 1500
        // The limits (engine::ProxyConfig's defaults unless a test sets them).
        std::size_t max_groups_per_link = engine::ProxyConfig{}.max_groups_per_link;
        std::size_t max_sources_per_group = engine::ProxyConfig{}.max_sources_per_group;
        std::size_t max_total_sources = engine::ProxyConfig{}.max_total_sources;
        std::uint32_t max_membership_rate = engine::ProxyConfig{}.max_membership_rate;
        bool tunnel_mode = false;
        bool keep_history = true; // false: all() and take() stay empty (a long fuzzer run)
        // A link's configuration-file settings, by name ("u0", "d1", …); the others
        // have the defaults.
        std::map<std::string, engine::LinkSettings> settings{};
        // --ssm-range (empty: the default ranges).
        std::vector<net::Ipv6Prefix> ssm6{};
        std::vector<net::Ipv4Prefix> ssm4{};
        // Several upstreams (Proxy::configure_upstreams, given before any link is added):
        // each named link is an upstream ("u0", and "u4", a second one).
        std::vector<engine::UpstreamServes> upstreams{};
        // --translate (issue 16); nullopt: off.
        std::optional<net::TranslationPrefixes> translation{};
        // false: u0 has no IPv4 address (an IPv6-only uplink).
        bool u0_ipv4 = true;
    };

    // An input as the scenario was fed it, for recording (Scenario::on_input). The spans
    // and pointers are valid during the call only.
    struct Input {
        enum class Kind : std::uint8_t {
            Frame,
            RemoveLink,
            RestoreLink,
            LinkDown,
            LinkUp,
            UpdateLink, // before → after
            ResendReports,
            Shutdown,
        };
        Kind kind = Kind::Frame;
        proto::TimePoint at{};
        std::string link{}; // its name
        std::span<const std::uint8_t> frame{};
        const engine::LinkConfig* before = nullptr;
        const engine::LinkConfig* after = nullptr;
    };

    Scenario();
    explicit Scenario(const Options& options);
    Scenario(const Scenario&) = delete;
    Scenario& operator=(const Scenario&) = delete;

    [[nodiscard]] engine::Proxy& proxy() { return proxy_; }
    [[nodiscard]] const engine::Statistics& stats() const { return proxy_.statistics(); }
    [[nodiscard]] LinkId u0() const { return u0_.value(); }
    [[nodiscard]] LinkId d1() const { return d1_; }
    [[nodiscard]] LinkId d2() const { return d2_; }
    [[nodiscard]] std::string name(LinkId link) const;
    // A present link by name, tunnel peers included.
    [[nodiscard]] std::optional<LinkId> find(const std::string& name) const;
    [[nodiscard]] const Options& options() const { return options_; }
    [[nodiscard]] proto::TimePoint now() const { return now_; }
    [[nodiscard]] RecordingLog& log() { return log_; }

    // --- Inputs, delivered at now() from the sender's MAC (frames::mac_of).
    void report(LinkId link, const std::string& host, const Recs& records);
    void old_report(LinkId link, const std::string& host, const std::string& group,
                    std::uint8_t version = 2);
    void old_leave(LinkId link, const std::string& host, const std::string& group);
    void query(LinkId link, const QueryIn& query);
    // Any IP packet (the sender's MAC from its source address; on a link without link
    // header, t3, the packet is the frame), or a whole frame; either way its copies are
    // checked.
    void deliver(LinkId link, std::span<const std::uint8_t> ip);
    void deliver_frame(LinkId link, std::span<const std::uint8_t> frame);
    // A whole frame as the capture hands it over with its offload description
    // (Proxy::on_captured): a super-frame to cut, or one to drop as oversized.
    void deliver_captured(LinkId link, std::span<const std::uint8_t> frame,
                          const wire::ReceiveOffload& offload);
    // A frame as the capture hands it over (Proxy::on_captured), whatever its bytes; its
    // copies are checked as deliver()'s are (a 6in4 packet's, in tunnel mode, as those
    // of the inner packet arriving on its tunnel peer).
    void capture(LinkId link, std::span<const std::uint8_t> frame);
    // A data packet handed over at `t` (≥ now()) before the clock ran the timers due by
    // then, as the daemon hands over a wake-up's frames before it runs the timers. The
    // clock is set to `t` (inputs scheduled before it are not run); what the proxy sent
    // is returned (and kept), unchecked: the timers' output comes with it.
    Events deliver_before_timers(LinkId link, std::span<const std::uint8_t> ip, proto::TimePoint t);

    // One data packet from `source` to `group` arriving on `arrival`: the names of the
    // links that got a copy, sorted. Its copies are checked and kept out of take().
    [[nodiscard]] std::vector<std::string> probe(const std::string& source,
                                                 const std::string& group, LinkId arrival,
                                                 std::uint8_t hop = 8);

    // --- The clock: runs on_timer at every next_deadline() and every scheduled input
    // up to `t` (inclusive), then sets now() to `t`. Never goes back.
    void run_until(proto::TimePoint t);
    void run_for(proto::Duration d) { run_until(now_ + d); }
    // An input to deliver at `t` (a host answering a query a little later).
    void at(proto::TimePoint t, std::function<void()> action);
    // Called for every event as it is produced (after the frame went out); may
    // schedule inputs with at(). Returns an id for remove_observer().
    int on_output(std::function<void(const Event&)> observer);
    void remove_observer(int id);
    // A listener that answers every General Query on `link` (and every Q(G) for a group
    // it lists) `delay` later with an MLDv2 / IGMPv3 report of `records`.
    int answer_queries(LinkId link, const std::string& host, const Recs& records,
                       proto::Duration delay = millis(200));
    // The same for an MLDv1 / IGMPv1 / IGMPv2 host of `group`: an old-version report.
    int answer_queries_old(LinkId link, const std::string& host, const std::string& group,
                           std::uint8_t version = 2, proto::Duration delay = millis(200));

    // --- Links going away and coming back (the same name, MAC and addresses). Besides
    // u0, d1 and d2 there is t3, a downstream link without link header (tun), which
    // only restore_link() adds.
    void remove_link(LinkId link);
    LinkId restore_link(const std::string& name);
    // A tunnel peer (tunnel mode); nullopt when the engine refuses it.
    std::optional<LinkId> add_peer(const engine::TunnelPeerConfig& peer);

    // --- Runtime link events at now() (rfc-map M19): the link's config changed in place
    // (Proxy::update_link; later frames are checked against the new addresses), or it
    // went down / came back up.
    void update_link(LinkId link, const std::function<void(engine::LinkConfig&)>& change);
    void set_link_down(LinkId link);
    void set_link_up(LinkId link);

    // --- Operator commands at now(): SIGUSR2 and shutdown.
    void resend_reports();
    void shutdown();
    // A reload's new upstream routes (Proxy::configure_upstreams). Not recorded as an
    // input: the fuzzer's topology has one upstream.
    void configure_upstreams(const std::vector<engine::UpstreamServes>& upstreams);

    // --- State, as the dump shows it (`address` picks the family).
    // The compatibility version of `group` on a downstream link; nullopt: no state.
    [[nodiscard]] std::optional<std::uint8_t> group_version(LinkId link,
                                                            const std::string& group) const;
    // The upstream's reported record for `group`: "EXCLUDE{}", "INCLUDE{a,b}"; "" if none.
    // `upstream` names the link (default: u0).
    [[nodiscard]] std::string upstream_state(const std::string& group,
                                             const std::string& upstream = "u0") const;
    // u0's Host Compatibility Mode of the family.
    [[nodiscard]] std::uint8_t upstream_version(bool v6) const;
    [[nodiscard]] bool is_querier(LinkId link, bool v6) const;
    [[nodiscard]] const proto::RouterLinkCounters& router_counters(LinkId link, bool v6) const;

    // --- Output.
    // Events since the last take() (probe copies excluded); call it to discard them.
    Events take();
    // Everything ever sent, probe copies included.
    [[nodiscard]] const Events& all() const { return all_; }
    [[nodiscard]] const std::vector<std::string>& violations() const { return violations_; }
    // Called with every input from now on: frames, link changes, commands.
    void on_input(std::function<void(const Input&)> recorder) { recorder_ = std::move(recorder); }
    // Called after every event the proxy handled (a frame, a timer run, a link change, a
    // command), once its output is collected: an invariant to check after each.
    void after_each(std::function<void()> check) { after_each_ = std::move(check); }

private:
    LinkId add(const std::string& name);
    // Sends `frame` in on `link` and decodes what came out; returns the new events.
    Events input(LinkId link, std::span<const std::uint8_t> frame, bool keep,
                 bool captured = false);
    Events collect(bool keep);
    [[nodiscard]] const engine::LinkConfig& config(LinkId link) const;
    [[nodiscard]] Event decode(LinkId link, std::span<const std::uint8_t> frame) const;
    static void decode_ip(Event& e, std::span<const std::uint8_t> ip,
                          wire::NetworkProtocol protocol);
    void check_event(const Event& e);
    // The copies of the IP packet in `frame` (the inner one of a tunnel peer's 6in4).
    void check_input(LinkId arrival, std::span<const std::uint8_t> frame, const Events& out);
    void check_copies(LinkId arrival, std::span<const std::uint8_t> ip, const Events& out);
    void violation(std::string what);
    void record(Input input); // at now()

    Options options_;
    FakeLinkIo io_;
    RecordingLog log_;
    engine::Proxy proxy_;
    std::optional<LinkId> u0_;
    LinkId d1_;
    LinkId d2_;
    std::map<std::uint16_t, engine::LinkConfig> configs_;
    proto::TimePoint now_ = proto::at_ms(0);
    std::multimap<proto::TimePoint, std::function<void()>> scheduled_;
    std::map<int, std::function<void(const Event&)>> observers_;
    int next_observer_ = 0;
    Events all_;
    Events pending_;
    std::vector<std::string> violations_;
    std::function<void(const Input&)> recorder_;
    std::function<void()> after_each_;
};

} // namespace ecmh::test

namespace ecmh::proto {
// gtest prints a TimePoint as "t=2.500000" (found by ADL through MonotonicClock).
void PrintTo(const TimePoint& t, std::ostream* os);
} // namespace ecmh::proto
