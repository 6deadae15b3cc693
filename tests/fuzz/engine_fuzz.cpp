// SPDX-License-Identifier: BSD-3-Clause
// The engine as a whole, driven by a script of events (support/engine_script.hpp):
// captured frames, raw or built from templates so that mutations get past the parsers
// (MLDv1/v2 and IGMPv1/2/3 reports, leaves and queries, UDP data, each optionally in
// 6in4 from a tunnel peer), clock steps, operator commands, links and tunnel peers
// coming and going, links going down and up and changing MTU and addresses. After every
// event, or the input is a finding (abort):
//   - every frame sent keeps the envelope rules the scenario harness checks (MACs, hop
//     limit and Router Alert of control, its source, a tunnel peer's outer header;
//     copies identical to their input but for hop limit and checksums, or IPv4 fragments
//     that add up to it, never back out of the arrival link, one per link, MLD/IGMP never
//     copied);
//   - state stays within the limits: groups per link, sources per group, and neither the
//     forwarding table nor the upstream's report larger than the routers' state;
//   - the sent-packet counter agrees with the frames that went out;
//   - no copy of a group's data goes to a downstream link where no report naming the
//     group arrived for longer than any listener timer can run: MALI = RV·QI + 2·QRI
//     (RFC 9777 §9.4, RFC 9776 §8.4; OVHPT is shorter) with the largest QRV and QQI any
//     query fed could have made the router adopt (a Non-Querier adopts the Querier's,
//     §9.1/§9.2); timers only ever lower from there;
//   - the flow cache (issue 15, a FakeFlowCache) holds exactly what a fresh decision
//     and the offer rules would install now (support/fake_flow_cache.hpp's oracle).
// ASan and UBSan watch the rest.
#include "ecmh/net/byte_writer.hpp"
#include "ecmh/net/checksum.hpp"
#include "ecmh/report/dump.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/igmp.hpp"
#include "ecmh/wire/link.hpp"
#include "ecmh/wire/mld.hpp"
#include "ecmh/wire/tunnel_6in4.hpp"
#include "support/engine_script.hpp"
#include "support/fake_flow_cache.hpp"
#include "support/scenario.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>

namespace {

using namespace ecmh;
using namespace ecmh::test;
using proto::TimePoint;
using script::Reader;

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "engine_fuzz: %s\n", what.c_str());
    std::abort();
}

// ---- What the template events pick from ------------------------------------------------

// Every entry is valid for the builders (multicast groups, fe80::/64 MLD sources), so
// a template never fails to build; invalid values come with raw frames.
struct Addresses {
    std::array<const char*, 16> groups;
    std::array<const char*, 8> hosts;        // report senders
    std::array<const char*, 8> queriers;     // our own addresses among them
    std::array<const char*, 16> odd_sources; // in records and queries, besides source()'s
    std::array<const char*, 8> senders;      // of data, invalid ones last
};

constexpr Addresses kMld{
    {"ff0e::1:1000", "ff0e::1:2000", "ff0e::1:3000", "ff3e::8000:1", "ff02::1234", "ff02::1",
     "ff05::1:3", "ff0e::", "ff01::1", "ff3e::8000:2", "ff0e::1:4000", "ff0e::1:5000",
     "ff0e::1:6000", "ff0e::1:7000", "ff0e::1:8000", "ff02::16"},
    {"fe80::a", "fe80::b", "fe80::c", "fe80::100", "fe80::2", "fe80::cb00:7107", "fe80::1",
     "fe80::ffff"},
    {"fe80::1", "fe80::ffff", "fe80::100", "fe80::200", "fe80::2", "fe80::300", "fe80::cb00:7107",
     "fe80::a"},
    {"2001:db8:3::5", "2001:db8:2::5", "2001:db8::1", "fe80::a", "fe80::1", "ff0e::1", "ff02::1",
     "::", "::1", "::ffff:192.0.2.1", "64:ff9b::c000:201", "fc00::1", "2002:c000:201::1",
     "2001:db8:1::1", "2001:db8:1::2", "2001:db8:1::3"},
    {"2001:db8:1::1", "2001:db8:1::2", "2001:db8:1::3", "2001:db8:3::5", "2001:db8:2::5", "fe80::a",
     "::", "ff0e::1"},
};

constexpr Addresses kIgmp{
    {"239.1.1.1", "239.1.1.2", "239.1.1.3", "232.1.1.1", "224.0.0.251", "224.0.0.1",
     "239.255.255.250", "224.0.0.22", "224.0.1.1", "232.1.1.2", "239.1.1.4", "239.1.1.5",
     "239.1.1.6", "239.1.1.7", "239.1.1.8", "224.0.0.2"},
    {"198.51.100.10", "198.51.100.11", "203.0.113.10", "0.0.0.0", "192.0.2.50", "198.51.100.100",
     "10.3.0.5", "8.8.8.8"},
    {"198.51.100.1", "198.51.100.254", "192.0.2.1", "203.0.113.1", "0.0.0.0", "10.3.0.1",
     "198.51.100.100", "192.0.2.2"},
    {"198.51.100.10", "203.0.113.10", "10.3.0.5", "224.0.0.5", "239.1.1.1", "0.0.0.0", "127.0.0.1",
     "255.255.255.255", "169.254.1.1", "240.0.0.1", "192.0.2.2", "198.51.100.100", "192.0.2.101",
     "192.0.2.102", "192.0.2.103", "8.8.8.8"},
    {"192.0.2.101", "192.0.2.102", "192.0.2.103", "198.51.100.10", "203.0.113.10", "0.0.0.0",
     "127.0.0.1", "224.0.0.5"},
};

template <std::size_t N>
const char* pick(const std::array<const char*, N>& table, std::uint8_t b) {
    return table[b % N];
}

// A source in a record or query: most bytes name one of a few hundred sources of the
// data senders' prefix (so the source limits and split queries are within reach), the
// last sixteen an odd one.
std::string source(const Addresses& a, std::uint8_t b) {
    if (b >= 0xf0) {
        return pick(a.odd_sources, b);
    }
    char text[40];
    if (&a == &kMld) {
        std::snprintf(text, sizeof text, "2001:db8:1::%x", b + 1U);
    } else {
        std::snprintf(text, sizeof text, "192.0.%u.%u", 2U + (b + 101U) / 256U, (b + 101U) % 256U);
    }
    return text;
}

// Tunnel peers (tunnel mode): p0 sends to d1's address only, p1 to any of ours.
struct Peer {
    std::string_view name;
    const char* remote;
    const char* local;
};
constexpr std::array<Peer, 2> kPeers{
    {{"p0", "203.0.113.7", "198.51.100.100"}, {"p1", "192.0.2.77", "0.0.0.0"}}};

// A 6in4 packet's outer source and destination: from the peers or a stranger, to one of
// our addresses or someone else's.
struct Endpoints {
    const char* from;
    const char* to;
};
constexpr std::array<Endpoints, 8> kTunnels{{
    {"203.0.113.7", "198.51.100.100"},
    {"203.0.113.7", "192.0.2.2"},
    {"192.0.2.77", "198.51.100.100"},
    {"192.0.2.77", "192.0.2.2"},
    {"192.0.2.77", "203.0.113.100"},
    {"203.0.113.99", "198.51.100.100"},
    {"203.0.113.7", "10.9.9.9"},
    {"192.0.2.77", "10.9.9.9"},
}};

const net::MacAddress kSenderMac{{0x02, 0, 0, 0, 0, 0x99}};

net::Ipv4Address v4(const char* text) {
    return *net::Ipv4Address::parse(text); // the tables' own literals
}

// ---- The listener model -----------------------------------------------------------------

// When a report last named (link, group), from every frame fed: the engine can have
// listeners only where one did, and only for the longest listener interval since.
class ListenerModel {
public:
    static constexpr std::uint16_t kAnyPeer = 0xffff; // 6in4: whichever peer it is

    explicit ListenerModel(const proto::ProtocolVariables& vars)
        : robustness_(vars.robustness), query_interval_(vars.query_interval),
          response_interval_(vars.query_response_interval) {}

    void heard(std::uint16_t slot, wire::LinkType type, std::span<const std::uint8_t> frame,
               TimePoint now) {
        const auto lf = wire::parse_link_frame(type, frame);
        if (!lf) {
            return;
        }
        if (lf->protocol == wire::NetworkProtocol::Ipv6) {
            if (const auto p = wire::parse_ipv6(lf->payload)) {
                heard_mld(slot, *p, now);
            }
        } else if (const auto p = wire::parse_ipv4(lf->payload)) {
            heard_igmp(slot, *p, now);
            if (const auto inner = wire::parse_6in4(*p)) {
                heard_mld(kAnyPeer, *inner, now);
            }
        }
    }

    // A copy of data to a downstream link.
    void check_copy(const Event& e, TimePoint now) const {
        const auto slot = table::is_tunnel_peer(e.link) ? kAnyPeer : e.link.slot();
        const auto it = reported_.find(key(slot, e.v6, e.ip));
        const auto bound = robustness_ * query_interval_ + 2 * response_interval_; // MALI
        if (it == reported_.end() || now - it->second > bound) {
            fail("a copy for a group without listeners: " + e.str() + "; last report " +
                 (it == reported_.end() ? std::string("never") : time_text(it->second)) +
                 ", listener interval at most " +
                 std::to_string(
                     std::chrono::duration_cast<std::chrono::milliseconds>(bound).count()) +
                 " ms");
        }
    }

private:
    using Key = std::tuple<std::uint16_t, bool, std::array<std::uint8_t, 16>>;

    // The group of a packet to it (its destination), as the key's bytes.
    static Key key(std::uint16_t slot, bool v6, std::span<const std::uint8_t> ip) {
        std::array<std::uint8_t, 16> group{};
        const std::size_t at = v6 ? 24 : 16;
        const std::size_t n = v6 ? 16 : 4;
        if (ip.size() >= at + n) {
            std::copy_n(ip.begin() + static_cast<std::ptrdiff_t>(at), n, group.begin());
        }
        return {slot, v6, group};
    }
    static Key key(std::uint16_t slot, const net::Ipv6Address& group) {
        return {slot, true, group.bytes()};
    }
    static Key key(std::uint16_t slot, const net::Ipv4Address& group) {
        std::array<std::uint8_t, 16> bytes{};
        const auto b = group.bytes();
        std::copy(b.begin(), b.end(), bytes.begin());
        return {slot, false, bytes};
    }

    void query(std::uint32_t qrv, std::uint32_t qqi_s) {
        robustness_ = std::max(robustness_, qrv);
        query_interval_ = std::max(query_interval_, std::chrono::milliseconds{qqi_s * 1000LL});
    }

    void heard_mld(std::uint16_t slot, const wire::Ipv6Packet& p, TimePoint now) {
        const auto m = wire::parse_mld(p);
        if (!m) {
            return;
        }
        if (const auto* q = std::get_if<wire::MldQuery>(&*m)) {
            query(q->qrv, q->query_interval_s);
        } else if (const auto* r = std::get_if<wire::MldV1Report>(&*m)) {
            reported_[key(slot, r->group)] = now;
        } else if (const auto* d = std::get_if<wire::MldV1Done>(&*m)) {
            reported_[key(slot, d->group)] = now;
        } else {
            for (const auto& record : std::get<wire::MldV2Report>(*m)) {
                reported_[key(slot, record.group)] = now;
            }
        }
    }

    void heard_igmp(std::uint16_t slot, const wire::Ipv4Packet& p, TimePoint now) {
        const auto m = wire::parse_igmp(p);
        if (!m) {
            return;
        }
        std::visit(
            [&](const auto& message) {
                using T = std::decay_t<decltype(message)>;
                if constexpr (std::is_same_v<T, wire::IgmpQuery>) {
                    query(message.qrv, message.query_interval_s);
                } else if constexpr (std::is_same_v<T, wire::IgmpV3Report>) {
                    for (const auto& record : message) {
                        reported_[key(slot, record.group)] = now;
                    }
                } else {
                    reported_[key(slot, message.group)] = now;
                }
            },
            *m);
    }

    std::map<Key, TimePoint> reported_;
    std::uint32_t robustness_;
    std::chrono::milliseconds query_interval_;
    std::chrono::milliseconds response_interval_;
};

// ---- Limits -----------------------------------------------------------------------------

// The groups a family's routers hold, all links together.
template <class Plane>
std::size_t router_groups(const Plane& plane) {
    std::size_t groups = 0;
    plane.for_each_router([&](LinkId, const auto& router) { groups += router.group_count(); });
    return groups;
}

// `translated`: how many groups the other family may add to this one's upstream report
// (its routers' groups with --translate, else 0).
template <class Plane>
void check_limits(const Plane& plane, const Scenario::Options& o, std::string_view family,
                  std::size_t translated) {
    std::size_t groups = 0;
    plane.for_each_router([&](LinkId link, const auto& router) {
        if (router.group_count() > o.max_groups_per_link) {
            fail(std::string(family) + ": link " + std::to_string(link.slot()) + " holds " +
                 std::to_string(router.group_count()) + " groups, more than the limit");
        }
        groups += router.group_count();
        router.for_each_group([&](const auto& address, const auto& group) {
            if (group.sources().size() + group.excluded().size() > o.max_sources_per_group) {
                fail(std::string(family) + ": group " + address.to_string() +
                     " holds more sources than the limit");
            }
        });
    });
    if (plane.forwarding().group_count() > groups) {
        fail(std::string(family) + ": the forwarding table has groups no router has");
    }
    plane.for_each_upstream([&](LinkId, const auto& host) {
        if (host.listening_groups() > groups + translated) {
            fail(std::string(family) + ": the upstream reports groups no router has");
        }
    });
}

// ---- The harness ------------------------------------------------------------------------

// The limit on simulated time per input, over restarts: periodic queries cost a frame
// each, and ten minutes outlast every timer of the profiles (the default one's MALI is
// 260 s).
constexpr proto::Duration kMaxSimulated = std::chrono::minutes{10};

class Harness {
public:
    explicit Harness(const script::Header& header) : header_(header) { start(); }

    // Runs one event; false once the script is over.
    bool step(Reader& in) {
        std::uint8_t op = 0;
        if (!in.u8(op)) {
            return false;
        }
        const bool ok = (this->*kHandlers[op % kHandlers.size()])(in);
        check();
        return ok;
    }

private:
    void start() {
        auto options = header_.options();
        options.keep_history = false; // a long run would keep every frame
        s_.reset();
        cache_ = std::make_unique<FakeFlowCache>();
        cache_->capacity = 64; // small enough that a script can fill it
        s_ = std::make_unique<Scenario>(options);
        s_->proxy().set_flow_cache(cache_.get());
        model_ = std::make_unique<ListenerModel>(options.vars);
        // The startup queries went out in the constructor, checked by the scenario.
        sent_ = s_->stats().total.packets_sent;
        s_->on_output([this](const Event& e) { on_sent(e); });
        if (options.tunnel_mode) {
            for (const auto& peer : kPeers) {
                add_peer(peer);
            }
        }
        check();
    }

    void on_sent(const Event& e) {
        ++sent_;
        const auto* l = s_->proxy().link(e.link);
        if (e.kind == Kind::Data && l != nullptr && !l->config.upstream) {
            model_->check_copy(e, s_->now());
        }
    }

    void check() {
        if (!s_->violations().empty()) {
            std::string all;
            for (const auto& v : s_->violations()) {
                all += "\n  " + v;
            }
            fail("envelope rules broken:" + all);
        }
        const auto& o = s_->options();
        const bool translating = o.translation.has_value();
        check_limits(s_->proxy().mld(), o, "MLD",
                     translating ? router_groups(s_->proxy().igmp()) : 0);
        check_limits(s_->proxy().igmp(), o, "IGMP",
                     translating ? router_groups(s_->proxy().mld()) : 0);
        if (const auto breaches = flow_oracle(s_->proxy(), *cache_, s_->now()); !breaches.empty()) {
            std::string all;
            for (const auto& b : breaches) {
                all += "\n  " + b;
            }
            fail("flow cache not exact:" + all);
        }
        if (s_->stats().total.packets_sent != sent_) {
            fail("packets_sent says " + std::to_string(s_->stats().total.packets_sent) + ", " +
                 std::to_string(sent_) + " frames went out");
        }
    }

    void add_peer(const Peer& peer) {
        engine::TunnelPeerConfig c;
        c.name = std::string(peer.name);
        c.remote = v4(peer.remote);
        c.local = v4(peer.local);
        (void)s_->add_peer(c); // never refused: added only while absent, endpoints distinct
    }

    // ---- Frames

    void capture(LinkId link, std::span<const std::uint8_t> frame) {
        const auto& config = s_->proxy().link(link)->config;
        model_->heard(link.slot(), config.link_type, frame, s_->now());
        s_->capture(link, frame);
    }

    bool frame(Reader& in) {
        std::uint8_t which = 0;
        std::uint16_t length = 0;
        std::span<const std::uint8_t> bytes;
        if (!in.u8(which) || !in.u16(length) || !in.bytes(length, bytes)) {
            return false;
        }
        const auto link = s_->find(std::string(link_name(which)));
        if (link && !table::is_tunnel_peer(*link)) {
            capture(*link, bytes);
        }
        return true;
    }

    static std::string_view link_name(std::uint8_t target) {
        return script::kLinkNames[(target & 7U) % script::kLinkNames.size()];
    }

    // An IP packet from a template onto the link `target` names: in an Ethernet frame or
    // as is, or in 6in4. A tunnel peer's comes in 6in4 on d1, from the peer to its end.
    void deliver(std::uint8_t target, const Bytes& ip) {
        const auto name = link_name(target);
        const bool from_peer = name == "p0" || name == "p1";
        const auto& endpoints = name == "p0"   ? kTunnels[0]
                                : name == "p1" ? kTunnels[2]
                                               : kTunnels[(target >> 5U) % kTunnels.size()];
        const auto link = s_->find(from_peer ? "d1" : std::string(name));
        if (!link) {
            return;
        }
        const Bytes packet = from_peer || (target & 0x10U) != 0 ? six_in_four(ip, endpoints) : ip;
        if (s_->proxy().link(*link)->config.link_type == wire::LinkType::Ethernet) {
            capture(*link, frames::ethernet(kSenderMac, packet));
        } else {
            capture(*link, packet);
        }
    }

    static Bytes six_in_four(const Bytes& inner, const Endpoints& e) {
        Bytes out(wire::kTunnelHeaderSize + inner.size());
        net::ByteWriter w{out};
        (void)wire::write_6in4_header(w, {v4(e.from), v4(e.to), 64}, inner.size()); // sized so
        w.bytes(inner);
        return out;
    }

    static const Addresses& family(std::uint8_t target) {
        return (target & 8U) != 0 ? kIgmp : kMld;
    }

    bool report(Reader& in) {
        std::array<std::uint8_t, 3> b{}; // target, host, records
        if (!in.u8s(b)) {
            return false;
        }
        const auto& a = family(b[0]);
        Recs records;
        for (unsigned i = 0; i < b[2] % 8U + 1U; ++i) {
            std::array<std::uint8_t, 3> r{}; // type, group, sources
            if (!in.u8s(r)) {
                return false;
            }
            Rec& rec = records.emplace_back(
                Rec{static_cast<RecordType>(r[0] % 6U + 1U), pick(a.groups, r[1]), {}});
            std::array<std::uint8_t, 16> sources{};
            if (!in.u8s(std::span(sources).first(r[2] % 17U))) {
                return false;
            }
            for (const auto index : std::span(sources).first(r[2] % 17U)) {
                rec.sources.push_back(source(a, index));
            }
        }
        for (const auto& ip : frames::v2_reports(pick(a.hosts, b[1]), records)) {
            deliver(b[0], ip);
        }
        return true;
    }

    bool old_report(Reader& in) {
        std::array<std::uint8_t, 4> b{}; // target, host, group, version
        if (!in.u8s(b)) {
            return false;
        }
        const auto& a = family(b[0]);
        deliver(b[0], frames::old_report(pick(a.hosts, b[1]), pick(a.groups, b[2]),
                                         static_cast<std::uint8_t>(b[3] % 2U + 1U)));
        return true;
    }

    bool leave(Reader& in) {
        std::array<std::uint8_t, 3> b{}; // target, host, group
        if (!in.u8s(b)) {
            return false;
        }
        const auto& a = family(b[0]);
        deliver(b[0], frames::old_leave(pick(a.hosts, b[1]), pick(a.groups, b[2])));
        return true;
    }

    bool query(Reader& in) {
        std::array<std::uint8_t, 8> b{}; // target, querier, version, group, flags, qqi, mrc, count
        if (!in.u8s(b)) {
            return false;
        }
        const auto& a = family(b[0]);
        const bool v4 = (b[0] & 8U) != 0;
        QueryIn q{pick(a.queriers, b[1]), static_cast<std::uint8_t>(1U + b[2] % (v4 ? 3U : 2U))};
        const bool general = (b[3] & 0x80U) != 0 || (v4 && q.version == 1);
        q.group = general ? "" : pick(a.groups, b[3]);
        q.s_flag = (b[4] & 1U) != 0;
        q.qrv = static_cast<std::uint8_t>((b[4] >> 1U) & 7U);
        q.qqi_s = b[5] < 0x80 ? b[5] : (b[5] - 0x80U) * 256U; // up to the 31744 s QQIC says
        q.max_response_ms = b[6] * 100U;
        const bool with_sources = !general && q.version == (v4 ? 3 : 2);
        std::array<std::uint8_t, 8> sources{};
        if (!in.u8s(std::span(sources).first(b[7] % 9U))) {
            return false;
        }
        for (const auto index : std::span(sources).first(with_sources ? b[7] % 9U : 0U)) {
            q.sources.push_back(source(a, index));
        }
        deliver(b[0], frames::query(q));
        return true;
    }

    bool data(Reader& in) {
        std::array<std::uint8_t, 5> b{}; // target, sender, group, hop limit, payload / 8
        if (!in.u8s(b)) {
            return false;
        }
        const auto& a = family(b[0]);
        const bool dont_fragment = (b[0] & 0x20U) != 0; // IPv4 only
        auto packet = frames::udp(pick(a.senders, b[1]), pick(a.groups, b[2]), b[3],
                                  std::size_t{b[4]} * 8U, dont_fragment);
        if (&a == &kIgmp) {
            as_fragment(packet, (b[0] & 0x40U) != 0, (b[0] & 0x80U) != 0);
        }
        deliver(b[0], packet);
        return true;
    }

    // IPv4 data as a piece of a larger packet, with More Fragments and/or an offset:
    // a copy too big for its link is then a fragment cut again, whose last piece keeps
    // More Fragments (RFC 791 §3.2). Raw frames seldom get there: they would need a
    // valid header checksum.
    static void as_fragment(Bytes& ip, bool more, bool later) {
        constexpr std::uint16_t kLaterOffset = 1480 / 8; // in 8-octet units
        if (!more && !later) {
            return;
        }
        const auto field = static_cast<std::uint16_t>(((ip[6] << 8U) | ip[7]) |
                                                      (more ? wire::kIpv4FlagMoreFragments : 0U) |
                                                      (later ? kLaterOffset : 0U));
        write16(ip, 6, field);
        write16(ip, 10, 0);
        write16(ip, 10, net::internet_checksum(std::span(ip).first(20)));
    }

    static void write16(Bytes& b, std::size_t at, std::uint16_t value) {
        b[at] = static_cast<std::uint8_t>(value >> 8U);
        b[at + 1] = static_cast<std::uint8_t>(value & 0xffU);
    }

    // ---- Clock, commands, links

    bool clock(Reader& in) {
        std::uint8_t unit = 0;
        std::uint16_t amount = 0;
        if (!in.u8(unit) || !in.u16(amount)) {
            return false;
        }
        using std::chrono::microseconds;
        auto to = s_->now();
        switch (static_cast<script::ClockUnit>(unit %
                                               static_cast<unsigned>(script::ClockUnit::kCount))) {
        case script::ClockUnit::Micros:
            to += microseconds{amount};
            break;
        case script::ClockUnit::Millis:
            to += std::chrono::milliseconds{amount};
            break;
        case script::ClockUnit::Seconds:
            to += std::chrono::seconds{amount};
            break;
        case script::ClockUnit::NextDeadline:
            if (s_->proxy().next_deadline() == proto::kNever) {
                return true;
            }
            to = std::max(to, s_->proxy().next_deadline() + microseconds{amount - 32768});
            break;
        case script::ClockUnit::kCount:
            break;
        }
        const auto left = kMaxSimulated - std::min(simulated_before_, kMaxSimulated);
        s_->run_until(std::max(s_->now(), std::min(to, TimePoint{} + left)));
        return true;
    }

    bool command(Reader& in) {
        std::uint8_t c = 0;
        if (!in.u8(c)) {
            return false;
        }
        switch (static_cast<script::Command>(c % static_cast<unsigned>(script::Command::kCount))) {
        case script::Command::ResendReports:
            s_->resend_reports();
            break;
        case script::Command::Dump:
            dump();
            break;
        case script::Command::Shutdown:
            s_->shutdown();
            break;
        case script::Command::Restart:
            s_->shutdown();
            check();
            simulated_before_ += s_->now() - TimePoint{};
            start();
            break;
        case script::Command::kCount:
            break;
        }
        return true;
    }

    void dump() const {
        const auto text = report::render_dump(s_->proxy(), {s_->now(), TimePoint{}, "fuzz", 0});
        if (text.empty()) {
            fail("an empty dump");
        }
    }

    bool link(Reader& in) {
        std::uint8_t which = 0;
        if (!in.u8(which)) {
            return false;
        }
        const std::string name{link_name(which)};
        const auto id = s_->find(name);
        // Links come and go, and change, as the daemon's link manager sees them; tunnel
        // peers only come and go.
        const bool interface = id && !table::is_tunnel_peer(*id);
        switch (static_cast<script::LinkAction>((which >> 3U) & 3U)) {
        case script::LinkAction::Presence:
            presence(name, id);
            return true;
        case script::LinkAction::DownUp:
            if (interface && s_->proxy().link(*id)->down_since) {
                s_->set_link_up(*id);
            } else if (interface) {
                s_->set_link_down(*id);
            }
            return true;
        case script::LinkAction::Mtu:
            return mtu(in, interface ? id : std::nullopt);
        case script::LinkAction::Address:
            return address(in, interface ? id : std::nullopt);
        case script::LinkAction::kCount:
            break;
        }
        return true;
    }

    void presence(const std::string& name, std::optional<LinkId> id) {
        const auto* peer = std::find_if(kPeers.begin(), kPeers.end(),
                                        [&](const Peer& p) { return p.name == name; });
        if (id) {
            s_->remove_link(*id);
        } else if (peer == kPeers.end()) {
            s_->restore_link(name);
        } else if (s_->options().tunnel_mode) {
            add_peer(*peer);
        }
    }

    bool mtu(Reader& in, std::optional<LinkId> id) {
        std::uint16_t mtu = 0;
        if (!in.u16(mtu)) {
            return false;
        }
        if (id) {
            s_->update_link(
                *id, [&](engine::LinkConfig& c) { c.mtu = std::max<std::uint16_t>(mtu, 68); });
        }
        return true;
    }

    // A link-local address stays one (fe80::/64), an IPv4 address a unicast one: what the
    // kernel can give a link.
    bool address(Reader& in, std::optional<LinkId> id) {
        std::uint8_t flags = 0;
        std::array<std::uint8_t, 16> b{};
        if (!in.u8(flags)) {
            return false;
        }
        const bool removed = (flags & script::kAddressRemoved) != 0;
        const bool ipv4 = (flags & script::kAddressIpv4) != 0;
        if (!removed && !in.u8s(std::span(b).first(ipv4 ? 4 : 16))) {
            return false;
        }
        if (!id) {
            return true;
        }
        if (ipv4) {
            const auto a = net::Ipv4Address::from_bytes({b[0], b[1], b[2], b[3]});
            if (!removed && (a.is_unspecified() || a.is_multicast() || a.is_broadcast())) {
                return true;
            }
            s_->update_link(*id, [&](engine::LinkConfig& c) {
                c.ipv4 = removed ? std::nullopt : std::optional{a};
            });
            return true;
        }
        std::fill_n(b.begin(), 8, 0);
        b[0] = 0xfe;
        b[1] = 0x80;
        s_->update_link(*id, [&](engine::LinkConfig& c) {
            c.link_local = removed ? std::nullopt : std::optional{net::Ipv6Address{b}};
        });
        return true;
    }

    // One handler per script::Op, in its order; each reads its operands (false: the
    // script ended inside them).
    using Handler = bool (Harness::*)(Reader&);
    static constexpr std::array<Handler, static_cast<std::size_t>(script::Op::kCount)> kHandlers{
        &Harness::frame, &Harness::report, &Harness::old_report, &Harness::leave, &Harness::query,
        &Harness::data,  &Harness::clock,  &Harness::command,    &Harness::link,
    };

    script::Header header_;
    std::unique_ptr<FakeFlowCache> cache_; // before s_, whose proxy refers to it
    std::unique_ptr<Scenario> s_;
    std::unique_ptr<ListenerModel> model_;
    std::uint64_t sent_ = 0;
    proto::Duration simulated_before_{}; // by the engines before a restart
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < script::Header::kSize) {
        return 0;
    }
    const script::Header header{data[0], data[1], data[2], data[3]};
    Reader in{std::span(data, size).subspan(script::Header::kSize)};
    Harness harness{header};
    while (harness.step(in)) {
    }
    return 0;
}
