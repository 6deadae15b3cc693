// SPDX-License-Identifier: BSD-3-Clause
#include "support/scenario.hpp"

#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/checksum_offload.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/icmpv6_too_big.hpp"
#include "ecmh/wire/igmp.hpp"
#include "ecmh/wire/ipv4.hpp"
#include "ecmh/wire/ipv6.hpp"
#include "ecmh/wire/link.hpp"
#include "ecmh/wire/mld.hpp"
#include "ecmh/wire/tunnel_6in4.hpp"
#include "support/udp_oracle.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <utility>
#include <variant>

namespace ecmh::test {
namespace {

using net::Ipv4Address;
using net::Ipv6Address;

template <class... F>
struct Overloaded : F... {
    using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

bool is_v6(const std::string& address) {
    return address.find(':') != std::string::npos;
}

[[noreturn]] void bad_test(const std::string& what) {
    std::fprintf(stderr, "scenario: %s\n", what.c_str());
    std::abort(); // a bug in the test, not a test failure
}

Ipv6Address a6(const std::string& text) {
    const auto a = Ipv6Address::parse(text);
    if (!a) {
        bad_test("not an IPv6 address: " + text);
    }
    return *a;
}

Ipv4Address a4(const std::string& text) {
    const auto a = Ipv4Address::parse(text);
    if (!a) {
        bad_test("not an IPv4 address: " + text);
    }
    return *a;
}

template <class Address>
std::vector<std::string> texts(const auto& addresses) {
    std::vector<std::string> out;
    for (const Address& a : addresses) {
        out.push_back(a.to_string());
    }
    return out;
}

Bytes take_bytes(std::span<const std::uint8_t> buffer,
                 const net::Expected<std::size_t, wire::BuildError>& length) {
    if (!length || *length == 0) {
        bad_test("a frame could not be built");
    }
    return Bytes(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*length));
}

net::MacAddress mac_with_last(std::uint8_t last) {
    return net::MacAddress{{0x02, 0, 0, 0, 0, last}};
}

// The multicast MAC for the destination of an IP packet (RFC 2464 §7, RFC 1112 §6.4).
std::optional<net::MacAddress> destination_mac(std::span<const std::uint8_t> ip) {
    if (ip.empty()) {
        return std::nullopt;
    }
    if ((ip[0] >> 4) == 6 && ip.size() >= 40) {
        return net::MacAddress::for_multicast(*Ipv6Address::from_span(ip.subspan(24, 16)));
    }
    if ((ip[0] >> 4) == 4 && ip.size() >= 20) {
        return net::MacAddress::for_multicast(
            Ipv4Address::from_bytes({ip[16], ip[17], ip[18], ip[19]}));
    }
    return std::nullopt;
}

} // namespace

std::string time_text(proto::TimePoint t) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch());
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(us.count() / 1'000'000),
                  static_cast<long long>(us.count() % 1'000'000));
    return buf;
}

namespace {

bool is_mld_type(std::uint8_t type) {
    return type == wire::kMldQuery || type == wire::kMldV1Report || type == wire::kMldV1Done ||
           type == wire::kMldV2Report;
}

// An ICMPv6 message of `type` (whatever its validity), as the engine tells MLD from data:
// a non-first fragment's payload is no ICMPv6 header, so such a fragment is data.
bool is_icmpv6(const wire::Ipv6Packet& p, bool (*type)(std::uint8_t)) {
    const bool first_fragment = !p.is_fragment || p.fragment_offset == 0;
    return p.next_header == wire::kProtoIcmpv6 && first_fragment && !p.payload.empty() &&
           type(p.payload[0]);
}

bool is_too_big_type(std::uint8_t type) {
    return type == wire::kIcmpv6PacketTooBig;
}

// Is the input IP packet MLD / IGMP (whatever its validity)?
bool is_control(std::span<const std::uint8_t> ip) {
    if (ip.empty()) {
        return false;
    }
    if ((ip[0] >> 4) == 6) {
        const auto p = wire::parse_ipv6(ip);
        return p && is_icmpv6(*p, is_mld_type);
    }
    return ip.size() >= 20 && ip[9] == wire::kProtoIgmp;
}

// Bytes that a forwarded copy may change: hop limit (IPv6) / TTL and header checksum.
bool mutable_byte(bool v6, std::size_t i) {
    return v6 ? i == 7 : (i == 8 || i == 10 || i == 11);
}

// The transport checksum a copy completes; nullopt where it keeps it as it is.
std::optional<wire::ChecksumCompletion> completed_checksum(std::span<const std::uint8_t> ip) {
    if (ip.empty()) {
        return std::nullopt;
    }
    if ((ip[0] >> 4) == 6) {
        const auto p = wire::parse_ipv6(ip);
        return p ? wire::offloaded_checksum(*p) : std::nullopt;
    }
    const auto p = wire::parse_ipv4(ip);
    return p ? wire::offloaded_checksum(*p) : std::nullopt;
}

// `ip` as its copies carry it: with the transport checksum completed where the sender left
// it to offload (wire/checksum_offload.hpp; fragments are cut from that too).
Bytes as_copied(std::span<const std::uint8_t> ip) {
    const auto completion = completed_checksum(ip);
    Bytes out(ip.begin(), ip.end());
    if (completion && completion->offset + 1 < out.size()) {
        out[completion->offset] = static_cast<std::uint8_t>(completion->value >> 8U);
        out[completion->offset + 1] = static_cast<std::uint8_t>(completion->value & 0xffU);
    }
    return out;
}

bool same_but_hop(std::span<const std::uint8_t> out, std::span<const std::uint8_t> in) {
    if (out.size() != in.size() || in.empty()) {
        return false;
    }
    const bool v6 = (in[0] >> 4) == 6;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (!mutable_byte(v6, i) && out[i] != in[i]) {
            return false;
        }
    }
    return true;
}

std::uint16_t be16(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

// The ones'-complement sum over an IPv4 header, written out here rather than taken from
// net/checksum so the harness checks the product's fragments independently.
bool header_checksum_valid(std::span<const std::uint8_t> header) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < header.size(); i += 2) {
        sum += be16(header, i);
    }
    while (sum > 0xffff) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum == 0xffff;
}

// The address bytes of a packet, for the UDP oracle's pseudo-header.
Bytes address_bytes(std::span<const std::uint8_t> ip) {
    const bool v6 = (ip[0] >> 4) == 6;
    const std::size_t from = v6 ? 8 : 12;
    const std::size_t length = v6 ? 32 : 8;
    return {ip.begin() + static_cast<std::ptrdiff_t>(from),
            ip.begin() + static_cast<std::ptrdiff_t>(from + length)};
}

// What is wrong with `out` as the translation of `in` (RFC 7915 for UDP), or "" when
// nothing is. `source4`: the IPv4 source an IPv6 sender outside the source prefix gets
// on the out-link. Fragments of a translated copy are checked by the tests that make
// them; here they only have to be fragments of the right group.
std::string check_translation(std::span<const std::uint8_t> in, std::span<const std::uint8_t> out,
                              const engine::Translator& t,
                              std::optional<net::Ipv4Address> source4) {
    const bool from6 = (in[0] >> 4) == 6;
    const bool to6 = (out[0] >> 4) == 6;
    const auto in4 = wire::parse_ipv4(from6 ? std::span<const std::uint8_t>{} : in);
    const auto in6 = wire::parse_ipv6(from6 ? in : std::span<const std::uint8_t>{});
    const auto out4 = wire::parse_ipv4(to6 ? std::span<const std::uint8_t>{} : out);
    const auto out6 = wire::parse_ipv6(to6 ? out : std::span<const std::uint8_t>{});
    std::span<const std::uint8_t> udp_in;
    std::span<const std::uint8_t> udp_out;
    if (in4 && out6) {
        if (out6->destination != t.groups().to_ipv6(in4->destination) ||
            out6->source != t.sources().embed(in4->source)) {
            return "translated to the wrong addresses";
        }
        if (out6->hop_limit + 1 != in4->ttl || out6->traffic_class != in4->tos ||
            out6->flow_label != 0) {
            return "hop limit, traffic class or flow label not as RFC 7915 §4.1 says";
        }
        if (out6->is_fragment || in4->is_fragment()) {
            return "";
        }
        udp_in = in4->payload;
        udp_out = out6->payload;
    } else if (in6 && out4) {
        const auto s4 = t.sources().extract(in6->source);
        if (out4->destination != t.groups().to_ipv4(in6->destination) ||
            out4->source != (s4 ? s4 : source4)) {
            return "translated to the wrong addresses";
        }
        if (out4->ttl + 1 != in6->hop_limit || out4->tos != in6->traffic_class ||
            !header_checksum_valid(out.first(out4->header_length))) {
            return "TTL, TOS or header checksum not as RFC 7915 §5.1 says";
        }
        if (out4->is_fragment() || in6->is_fragment) {
            return "";
        }
        udp_in = in6->payload;
        udp_out = out4->payload;
    } else {
        return "not a translation between the families";
    }
    if (udp_in.size() != udp_out.size() || udp_out.size() < 8 ||
        !std::equal(udp_in.begin(), udp_in.begin() + 6, udp_out.begin()) ||
        !std::equal(udp_in.begin() + 8, udp_in.end(), udp_out.begin() + 8)) {
        return "the UDP datagram changed";
    }
    // RFC 7915 §4.5, §5.1: the checksum is updated for the new pseudo-header, so the copy
    // verifies exactly when what arrived did: a corrupt datagram stays corrupt, for its
    // receiver to drop. An IPv4 one without a checksum (zero) gets one computed (X14).
    const bool none_in = (udp_in[6] | udp_in[7]) == 0;
    const bool verified_in =
        none_in || udp::verifies(address_bytes(in), Bytes(udp_in.begin(), udp_in.end()));
    const bool verifies_out =
        udp::verifies(address_bytes(out), Bytes(udp_out.begin(), udp_out.end()));
    if (verifies_out != verified_in) {
        return verified_in ? "the UDP checksum does not verify"
                           : "a corrupt UDP checksum was made to verify";
    }
    return "";
}

// A fragment (IPv4 MF or offset, an IPv6 Fragment header): a translated copy too big
// for its link comes as several.
bool is_translated_piece(std::span<const std::uint8_t> ip) {
    if ((ip[0] >> 4) == 6) {
        const auto p = wire::parse_ipv6(ip);
        return p && p->is_fragment;
    }
    const auto p = wire::parse_ipv4(ip);
    return p && p->is_fragment();
}

// Could `f` be an IPv4 fragment of `in` (RFC 791 §3.2: same identification, protocol,
// source and destination, and shorter)?
bool is_fragment_of(std::span<const std::uint8_t> f, std::span<const std::uint8_t> in) {
    return in.size() >= 20 && f.size() >= 20 && (in[0] >> 4) == 4 && (f[0] >> 4) == 4 &&
           f.size() < in.size() && be16(f, 4) == be16(in, 4) && f[9] == in[9] &&
           std::equal(f.begin() + 12, f.begin() + 20, in.begin() + 12);
}

// Do these fragments, sent on one link, carry exactly `in` (TTL one lower)? Each has a
// valid header checksum; they are in order, contiguous, each but the last with More
// Fragments and 8-octet aligned; the first keeps every option of `in`; the payloads put
// together are `in`'s payload. Returns what is wrong, or an empty string.
std::string check_reassembly(const std::vector<const Event*>& fragments,
                             std::span<const std::uint8_t> in) {
    const std::size_t in_header = std::size_t{in[0] & 0x0fU} * 4;
    const std::size_t in_offset = std::size_t{be16(in, 6) & 0x1fffU} * 8;
    const bool in_more = (be16(in, 6) & 0x2000U) != 0;
    if ((be16(in, 6) & 0x4000U) != 0) {
        return "a packet with Don't Fragment was fragmented";
    }
    std::size_t expected_offset = in_offset;
    Bytes payload;
    for (std::size_t i = 0; i < fragments.size(); ++i) {
        const auto& f = fragments[i]->ip;
        const std::size_t header = std::size_t{f[0] & 0x0fU} * 4;
        const bool last = i + 1 == fragments.size();
        const bool more = (be16(f, 6) & 0x2000U) != 0;
        if (header < 20 || header > f.size() || be16(f, 2) != f.size() ||
            !header_checksum_valid(std::span(f).first(header))) {
            return "fragment " + std::to_string(i) + " has a bad header";
        }
        if (std::size_t{be16(f, 6) & 0x1fffU} * 8 != expected_offset) {
            return "fragment " + std::to_string(i) + " is out of order or leaves a gap";
        }
        if (f[8] + 1 != in[8] || (be16(f, 6) & 0x4000U) != 0 || more != (!last || in_more)) {
            return "fragment " + std::to_string(i) + " has a wrong TTL or flags";
        }
        if (i == 0 &&
            !std::equal(in.begin() + 20, in.begin() + static_cast<std::ptrdiff_t>(in_header),
                        f.begin() + 20, f.begin() + static_cast<std::ptrdiff_t>(header))) {
            return "the first fragment lost options";
        }
        if (!last && (f.size() - header) % 8 != 0) {
            return "fragment " + std::to_string(i) + " is not a multiple of 8 octets";
        }
        payload.insert(payload.end(), f.begin() + static_cast<std::ptrdiff_t>(header), f.end());
        expected_offset += f.size() - header;
    }
    if (!std::equal(payload.begin(), payload.end(),
                    in.begin() + static_cast<std::ptrdiff_t>(in_header), in.end()) ||
        payload.size() != in.size() - in_header) {
        return "the fragments do not add up to the packet";
    }
    return {};
}

// A frame to a tunnel peer: a 20-byte IPv4 header without DF, protocol 41, a valid
// checksum and Total Length = the frame, to the peer with its TTL, from our end once
// known (RFC 4213 §3.2, §3.3, §3.5); "" when it is all that.
std::string tunnel_header_error(const engine::TunnelEndpoint& t, std::span<const std::uint8_t> b) {
    if (b.size() < wire::kTunnelHeaderSize + 40) {
        return "tunnel: shorter than an outer header and an IPv6 header";
    }
    const auto source = Ipv4Address::from_bytes({b[12], b[13], b[14], b[15]});
    const auto destination = Ipv4Address::from_bytes({b[16], b[17], b[18], b[19]});
    if (b[0] != 0x45 || b[9] != wire::kProtoIpv6 ||
        ((std::size_t{b[2]} << 8U) | b[3]) != b.size() || (b[6] & 0x40U) != 0 ||
        net::internet_checksum(b.first(20)) != 0) {
        return "tunnel: a bad outer header";
    }
    if (destination != t.remote || b[8] != t.ttl ||
        (!t.local.is_unspecified() && source != t.local)) {
        return "tunnel: not from our end to the peer, or not with its TTL";
    }
    return "";
}

} // namespace

// ---- Kinds and printing -------------------------------------------------------------

std::string_view to_string(Kind kind) {
    switch (kind) {
    case Kind::GeneralQuery:
        return "GQ";
    case Kind::GroupQuery:
        return "Q(G)";
    case Kind::GroupSourceQuery:
        return "Q(G,S)";
    case Kind::V2Report:
        return "Report";
    case Kind::V1Report:
        return "OldReport";
    case Kind::Done:
        return "Done";
    case Kind::Leave:
        return "Leave";
    case Kind::PacketTooBig:
        return "PacketTooBig";
    case Kind::Data:
        return "Data";
    case Kind::Malformed:
        return "Malformed";
    }
    return "?";
}

std::ostream& operator<<(std::ostream& os, const Rec& rec) {
    os << wire::to_string(rec.type) << "(" << rec.group << ",{";
    for (std::size_t i = 0; i < rec.sources.size(); ++i) {
        os << (i == 0 ? "" : ",") << rec.sources[i];
    }
    return os << "})";
}

std::string Event::str() const {
    std::ostringstream os;
    os << "t=" << time_text(at) << " " << link_name << " " << (v6 ? "MLD" : "IGMP") << " "
       << to_string(kind);
    if (version != 0) {
        os << " v" << int{version};
    }
    if (is_query()) {
        os << " " << (group.empty() ? "*" : group);
        if (!sources.empty()) {
            os << " {";
            for (std::size_t i = 0; i < sources.size(); ++i) {
                os << (i == 0 ? "" : ",") << sources[i];
            }
            os << "}";
        }
        os << " S=" << int{s_flag} << " mrd=" << max_response_ms << "ms qrv=" << int{qrv}
           << " qqi=" << qqi_s;
    } else if (kind == Kind::V2Report) {
        for (const auto& r : records) {
            os << " " << r;
        }
    } else if (kind == Kind::Malformed) {
        os << " " << error;
    } else {
        os << " " << group;
    }
    os << " [" << source << " > " << destination << " hop " << int{hop_limit} << "]";
    return os.str();
}

std::ostream& operator<<(std::ostream& os, const Event& event) {
    return os << event.str();
}

std::string dump(const Events& events) {
    std::string out;
    for (const auto& e : events) {
        out += e.str();
        out += '\n';
    }
    return out.empty() ? "(no events)\n" : out;
}

Events select(const Events& events, const Match& match) {
    Events out;
    for (const auto& e : events) {
        if ((match.link && e.link != *match.link) || (match.kind && e.kind != *match.kind) ||
            (match.group && e.group != *match.group) || (match.from && e.at < *match.from) ||
            (match.to && e.at > *match.to)) {
            continue;
        }
        out.push_back(e);
    }
    return out;
}

std::vector<proto::TimePoint> times(const Events& events) {
    std::vector<proto::TimePoint> out;
    for (const auto& e : events) {
        out.push_back(e.at);
    }
    return out;
}

// ---- Frames -------------------------------------------------------------------------

namespace frames {

std::vector<Bytes> v2_reports(const std::string& host, const Recs& records) {
    std::array<std::uint8_t, 1500> buf{};
    wire::PackCursor cursor;
    std::vector<Bytes> out;
    const auto pack = [&](const auto& next) {
        while (true) {
            const auto length = next();
            if (!length) {
                bad_test("a report could not be built");
            }
            if (*length == 0) {
                return;
            }
            out.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*length));
        }
    };
    if (is_v6(host)) {
        std::vector<std::vector<Ipv6Address>> sources;
        for (const auto& r : records) {
            auto& s = sources.emplace_back();
            for (const auto& text : r.sources) {
                s.push_back(a6(text));
            }
        }
        std::vector<wire::MldRecordSpec> specs;
        for (std::size_t i = 0; i < records.size(); ++i) {
            specs.push_back({records[i].type, a6(records[i].group), sources[i]});
        }
        pack([&] { return wire::pack_mld_v2_report(buf, a6(host), buf.size(), specs, cursor); });
    } else {
        std::vector<std::vector<Ipv4Address>> sources;
        for (const auto& r : records) {
            auto& s = sources.emplace_back();
            for (const auto& text : r.sources) {
                s.push_back(a4(text));
            }
        }
        std::vector<wire::IgmpRecordSpec> specs;
        for (std::size_t i = 0; i < records.size(); ++i) {
            specs.push_back({records[i].type, a4(records[i].group), sources[i]});
        }
        pack([&] { return wire::pack_igmp_v3_report(buf, a4(host), buf.size(), specs, cursor); });
    }
    if (out.empty()) {
        bad_test("a report with no packet");
    }
    return out;
}

Bytes v2_report(const std::string& host, const Recs& records) {
    return v2_reports(host, records).front();
}

Bytes old_report(const std::string& host, const std::string& group, std::uint8_t version) {
    std::array<std::uint8_t, 128> buf{};
    if (is_v6(host)) {
        return take_bytes(buf, wire::build_mld_v1_report(buf, a6(host), a6(group)));
    }
    return take_bytes(buf, version == 1 ? wire::build_igmp_v1_report(buf, a4(host), a4(group))
                                        : wire::build_igmp_v2_report(buf, a4(host), a4(group)));
}

Bytes old_leave(const std::string& host, const std::string& group) {
    std::array<std::uint8_t, 128> buf{};
    if (is_v6(host)) {
        return take_bytes(buf, wire::build_mld_v1_done(buf, a6(host), a6(group)));
    }
    return take_bytes(buf, wire::build_igmp_v2_leave(buf, a4(host), a4(group)));
}

Bytes query(const QueryIn& q) {
    std::array<std::uint8_t, 1500> buf{};
    if (is_v6(q.source)) {
        std::vector<Ipv6Address> sources;
        for (const auto& s : q.sources) {
            sources.push_back(a6(s));
        }
        wire::MldQuerySpec spec;
        spec.version = q.version == 1 ? wire::MldVersion::V1 : wire::MldVersion::V2;
        spec.source = a6(q.source);
        spec.group = q.group.empty() ? Ipv6Address{} : a6(q.group);
        spec.max_response_ms = q.max_response_ms;
        spec.suppress_router_side = q.s_flag;
        spec.robustness = q.qrv;
        spec.query_interval_s = q.qqi_s;
        spec.sources = sources;
        return take_bytes(buf, wire::build_mld_query(buf, spec));
    }
    std::vector<Ipv4Address> sources;
    for (const auto& s : q.sources) {
        sources.push_back(a4(s));
    }
    wire::IgmpQuerySpec spec;
    spec.version = static_cast<wire::IgmpVersion>(std::clamp<std::uint8_t>(q.version, 1, 3));
    spec.source = a4(q.source);
    spec.group = q.group.empty() ? Ipv4Address{} : a4(q.group);
    spec.max_response_tenths = q.max_response_ms / 100;
    spec.suppress_router_side = q.s_flag;
    spec.robustness = q.qrv;
    spec.query_interval_s = q.qqi_s;
    spec.sources = sources;
    return take_bytes(buf, wire::build_igmp_query(buf, spec));
}

Bytes udp(const std::string& source, const std::string& group, std::uint8_t hop,
          std::size_t payload, bool dont_fragment) {
    Bytes out(60 + payload);
    net::ByteWriter w{out};
    const std::size_t udp_length = 8 + payload;
    if (is_v6(source)) {
        wire::write_ipv6_header(
            w, wire::Ipv6HeaderSpec{a6(source), a6(group), hop, wire::kProtoUdp}, udp_length);
    } else {
        wire::write_ipv4_header(w,
                                wire::Ipv4HeaderSpec{.source = a4(source),
                                                     .destination = a4(group),
                                                     .ttl = hop,
                                                     .protocol = wire::kProtoUdp,
                                                     .identification = 0x1234,
                                                     .dont_fragment = dont_fragment},
                                udp_length);
    }
    w.u16(5000);
    w.u16(5001);
    w.u16(static_cast<std::uint16_t>(udp_length));
    w.u16(0);
    for (std::size_t i = 0; i < payload; ++i) {
        w.u8(static_cast<std::uint8_t>(0xa0 + i));
    }
    if (!w.ok()) {
        bad_test("udp: buffer too small");
    }
    out.resize(w.size());
    return out;
}

Bytes udp_checksummed(const std::string& source, const std::string& group, std::uint8_t hop,
                      std::size_t payload, bool dont_fragment) {
    auto ip = udp(source, group, hop, payload, dont_fragment);
    const bool v6 = is_v6(source);
    const std::size_t at = v6 ? 40 : 20;
    Bytes pseudo = address_bytes(ip);
    const auto length = static_cast<std::uint8_t>(ip.size() - at);
    const auto length_hi = static_cast<std::uint8_t>((ip.size() - at) >> 8);
    if (v6) {
        udp::append(pseudo, {0, 0, length_hi, length, 0, 0, 0, wire::kProtoUdp});
    } else {
        udp::append(pseudo, {0, wire::kProtoUdp, length_hi, length});
    }
    pseudo.insert(pseudo.end(), ip.begin() + static_cast<std::ptrdiff_t>(at), ip.end());
    auto checksum = static_cast<std::uint16_t>(~udp::folded_sum(pseudo));
    if (checksum == 0) {
        checksum = 0xffff; // RFC 768: 0 means "none"
    }
    ip[at + 6] = static_cast<std::uint8_t>(checksum >> 8);
    ip[at + 7] = static_cast<std::uint8_t>(checksum & 0xff);
    return ip;
}

net::MacAddress mac_of(const std::string& address) {
    return mac_with_last(is_v6(address) ? a6(address).bytes()[15] : a4(address).bytes()[3]);
}

Bytes ethernet(const net::MacAddress& source, std::span<const std::uint8_t> ip) {
    Bytes frame(wire::kEthernetHeaderSize + ip.size());
    net::ByteWriter w{frame};
    const bool v6 = !ip.empty() && (ip[0] >> 4) == 6;
    wire::write_ethernet_header(w, destination_mac(ip).value_or(net::MacAddress{}), source,
                                v6 ? wire::NetworkProtocol::Ipv6 : wire::NetworkProtocol::Ipv4);
    w.bytes(ip);
    return frame;
}

} // namespace frames

// ---- Scenario -----------------------------------------------------------------------

namespace {

engine::ProxyConfig proxy_config(const Scenario::Options& o) {
    engine::ProxyConfig c;
    c.vars = o.vars;
    c.mld_mode = o.mld_mode;
    c.igmp_version = o.igmp_version;
    c.ipv4 = o.ipv4;
    c.ipv6 = o.ipv6;
    c.max_groups_per_link = o.max_groups_per_link;
    c.max_sources_per_group = o.max_sources_per_group;
    c.max_total_sources = o.max_total_sources;
    c.max_membership_rate = o.max_membership_rate;
    c.tunnel_mode = o.tunnel_mode;
    c.ssm6 = o.ssm6;
    c.ssm4 = o.ssm4;
    c.translation = o.translation;
    return c;
}

// The links a scenario may have (rfc-map §0.1, and t3 for links without link header).
struct StandardLink {
    const char* name;
    std::uint8_t index; // ifindex and the last byte of our MAC
    const char* link_local;
    const char* ipv4;
    bool upstream;
    bool raw; // IP packets without link header, as on tun; MTU 1480
};
constexpr std::array<StandardLink, 5> kStandardLinks{{
    {"u0", 0x02, "fe80::2", "192.0.2.2", true, false},
    {"d1", 0x10, "fe80::100", "198.51.100.100", false, false},
    {"d2", 0x20, "fe80::200", "203.0.113.100", false, false},
    {"t3", 0x30, "fe80::300", "10.3.0.1", false, true},
    {"u4", 0x04, "fe80::4", "192.0.2.4", true, false}, // a second upstream
}};

} // namespace

Scenario::Scenario() : Scenario(Options{}) {}

Scenario::Scenario(const Options& options)
    : options_(options), proxy_(proxy_config(options), io_, log_, options.seed) {
    if (!options.upstreams.empty()) {
        proxy_.configure_upstreams(options.upstreams, now_);
    }
    if (options.upstream) {
        u0_ = add("u0");
    }
    for (const auto& u : options.upstreams) {
        if (u.link != "u0") {
            (void)add(u.link);
        }
    }
    d1_ = add("d1");
    d2_ = add("d2");
    collect(true);
    run_until(now_); // the startup General Queries, due at t = 0
}

LinkId Scenario::add(const std::string& name) {
    const auto* standard = std::find_if(kStandardLinks.begin(), kStandardLinks.end(),
                                        [&](const StandardLink& l) { return l.name == name; });
    if (standard == kStandardLinks.end() || find(name)) {
        bad_test("no such link to add: " + name);
    }
    engine::LinkConfig c;
    c.name = name;
    c.ifindex = net::IfIndex{standard->index};
    c.mtu = name == "d2" ? options_.d2_mtu : 1500;
    if (standard->raw) {
        c.link_type = wire::LinkType::Raw;
        c.mtu = 1480;
    } else {
        c.mac = net::MacAddress{{0x02, 0xec, 0, 0, 0, standard->index}}; // never a host's 02:00:…
    }
    c.link_local = a6(standard->link_local);
    if (name != "u0" || options_.u0_ipv4) {
        c.ipv4 = a4(standard->ipv4);
        c.ipv4_prefix_length = 24;
    }
    c.upstream = standard->upstream;
    if (const auto it = options_.settings.find(name); it != options_.settings.end()) {
        c.settings = it->second;
    }
    const auto id = proxy_.add_link(c, now_);
    if (!id) {
        bad_test("add_link failed for " + name);
    }
    configs_[id->slot()] = c;
    return *id;
}

std::string Scenario::name(LinkId link) const {
    const auto it = configs_.find(link.slot());
    return it == configs_.end() ? "link" + std::to_string(link.slot()) : it->second.name;
}

std::optional<LinkId> Scenario::find(const std::string& name) const {
    for (const auto& [slot, c] : configs_) {
        if (c.name == name) {
            return LinkId{slot};
        }
    }
    return std::nullopt;
}

// The engine's own view where the link is there: a tunnel peer's link-local address
// follows the local end it learns.
const engine::LinkConfig& Scenario::config(LinkId link) const {
    if (const auto* l = proxy_.link(link)) {
        return l->config;
    }
    return configs_.at(link.slot());
}

void Scenario::report(LinkId link, const std::string& host, const Recs& records) {
    for (const auto& ip : frames::v2_reports(host, records)) {
        deliver(link, ip);
    }
}

void Scenario::old_report(LinkId link, const std::string& host, const std::string& group,
                          std::uint8_t version) {
    deliver(link, frames::old_report(host, group, version));
}

void Scenario::old_leave(LinkId link, const std::string& host, const std::string& group) {
    deliver(link, frames::old_leave(host, group));
}

void Scenario::query(LinkId link, const QueryIn& q) {
    deliver(link, frames::query(q));
}

void Scenario::deliver(LinkId link, std::span<const std::uint8_t> ip) {
    if (config(link).link_type != wire::LinkType::Ethernet) {
        check_copies(link, ip, input(link, ip, true));
        return;
    }
    std::uint8_t last = 0x99;
    if (!ip.empty() && (ip[0] >> 4) == 6 && ip.size() >= 24) {
        last = ip[23];
    } else if (!ip.empty() && (ip[0] >> 4) == 4 && ip.size() >= 16) {
        last = ip[15];
    }
    const auto frame = frames::ethernet(mac_with_last(last), ip);
    const auto out = input(link, frame, true);
    check_copies(link, ip, out);
}

Events Scenario::deliver_before_timers(LinkId link, std::span<const std::uint8_t> ip,
                                       proto::TimePoint t) {
    now_ = std::max(now_, t);
    return input(link, frames::ethernet(frames::mac_of("2001:db8:ffff::1"), ip), true);
}

void Scenario::deliver_frame(LinkId link, std::span<const std::uint8_t> frame) {
    check_input(link, frame, input(link, frame, true));
}

void Scenario::capture(LinkId link, std::span<const std::uint8_t> frame) {
    check_input(link, frame, input(link, frame, true, true));
}

void Scenario::deliver_captured(LinkId link, std::span<const std::uint8_t> frame,
                                const wire::ReceiveOffload& offload) {
    proxy_.on_captured(link, frame, frame.size(), offload, now_);
    collect(true);
}

std::vector<std::string> Scenario::probe(const std::string& source, const std::string& group,
                                         LinkId arrival, std::uint8_t hop) {
    const auto ip = frames::udp(source, group, hop);
    const auto out = input(arrival, frames::ethernet(frames::mac_of(source), ip), false);
    check_copies(arrival, ip, out);
    std::vector<std::string> names;
    for (const auto& e : out) {
        if (e.kind == Kind::Data) {
            names.push_back(e.link_name);
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

Events Scenario::input(LinkId link, std::span<const std::uint8_t> frame, bool keep, bool captured) {
    record({.kind = Input::Kind::Frame, .link = name(link), .frame = frame});
    if (captured) {
        proxy_.on_captured(link, frame, frame.size(), now_);
    } else {
        proxy_.on_frame(link, frame, now_);
    }
    return collect(keep);
}

Events Scenario::collect(bool keep) {
    Events out;
    for (const auto& sent : io_.take()) {
        auto e = decode(sent.link, sent.bytes);
        e.at = now_;
        check_event(e);
        if (options_.keep_history) {
            all_.push_back(e);
            if (keep) {
                pending_.push_back(e);
            }
        }
        out.push_back(std::move(e));
    }
    if (after_each_) {
        after_each_();
    }
    for (const auto& e : out) {
        const auto observers = observers_; // an observer may remove itself
        for (const auto& [id, observer] : observers) {
            observer(e);
        }
    }
    return out;
}

void Scenario::run_until(proto::TimePoint t) {
    if (t < now_) {
        violation("run_until(" + time_text(t) + ") would go back in time");
        return;
    }
    int same_instant = 0;
    while (true) {
        const auto deadline = proxy_.next_deadline();
        const auto scheduled = scheduled_.empty() ? proto::kNever : scheduled_.begin()->first;
        auto step = std::min(deadline, scheduled);
        if (step > t) {
            break;
        }
        step = std::max(step, now_);
        if (step == now_) {
            // A deadline that on_timer() does not move on would spin forever.
            if (++same_instant > 10'000) {
                violation("next_deadline() stuck at " + time_text(now_));
                break;
            }
        } else {
            same_instant = 0;
        }
        now_ = step;
        if (deadline <= now_) {
            proxy_.on_timer(now_);
            collect(true);
        }
        while (!scheduled_.empty() && scheduled_.begin()->first <= now_) {
            auto action = std::move(scheduled_.begin()->second);
            scheduled_.erase(scheduled_.begin());
            action();
        }
    }
    now_ = t;
}

void Scenario::at(proto::TimePoint t, std::function<void()> action) {
    scheduled_.emplace(std::max(t, now_), std::move(action));
}

int Scenario::on_output(std::function<void(const Event&)> observer) {
    observers_.emplace(next_observer_, std::move(observer));
    return next_observer_++;
}

void Scenario::remove_observer(int id) {
    observers_.erase(id);
}

int Scenario::answer_queries(LinkId link, const std::string& host, const Recs& records,
                             proto::Duration delay) {
    const bool v6 = is_v6(host);
    return on_output([this, link, host, records, delay, v6](const Event& e) {
        if (e.link != link || e.v6 != v6) {
            return;
        }
        const bool asked = e.kind == Kind::GeneralQuery ||
                           (e.kind == Kind::GroupQuery &&
                            std::any_of(records.begin(), records.end(),
                                        [&](const Rec& r) { return r.group == e.group; }));
        if (asked) {
            at(e.at + delay, [this, link, host, records] { report(link, host, records); });
        }
    });
}

int Scenario::answer_queries_old(LinkId link, const std::string& host, const std::string& group,
                                 std::uint8_t version, proto::Duration delay) {
    const bool v6 = is_v6(host);
    return on_output([this, link, host, group, version, delay, v6](const Event& e) {
        if (e.link != link || e.v6 != v6) {
            return;
        }
        if (e.kind == Kind::GeneralQuery || (e.kind == Kind::GroupQuery && e.group == group)) {
            at(e.at + delay,
               [this, link, host, group, version] { old_report(link, host, group, version); });
        }
    });
}

void Scenario::remove_link(LinkId link) {
    const auto it = configs_.find(link.slot());
    if (it == configs_.end()) {
        bad_test("remove_link: no such link");
    }
    record({.kind = Input::Kind::RemoveLink, .link = it->second.name});
    proxy_.remove_link(link, now_);
    collect(true); // before the config goes: the upstream may report the loss
    configs_.erase(it);
}

LinkId Scenario::restore_link(const std::string& name) {
    const auto id = add(name);
    if (name == "u0") {
        u0_ = id;
    } else if (name == "d1") {
        d1_ = id;
    } else if (name == "d2") {
        d2_ = id;
    }
    record({.kind = Input::Kind::RestoreLink, .link = name});
    collect(true);
    return id;
}

std::optional<LinkId> Scenario::add_peer(const engine::TunnelPeerConfig& peer) {
    const auto id = proxy_.add_tunnel_peer(peer, now_);
    if (id) {
        configs_[id->slot()] = proxy_.link(*id)->config;
    }
    collect(true);
    return id;
}

void Scenario::update_link(LinkId link, const std::function<void(engine::LinkConfig&)>& change) {
    const auto it = configs_.find(link.slot());
    if (it == configs_.end()) {
        bad_test("update_link: no such link");
    }
    const auto before = it->second;
    change(it->second);
    if (!proxy_.update_link(link, it->second, now_)) {
        bad_test("update_link refused the change of " + it->second.name);
    }
    record({.kind = Input::Kind::UpdateLink,
            .link = it->second.name,
            .before = &before,
            .after = &it->second});
    collect(true);
}

void Scenario::set_link_down(LinkId link) {
    record({.kind = Input::Kind::LinkDown, .link = name(link)});
    proxy_.set_link_down(link, now_);
    collect(true);
}

void Scenario::set_link_up(LinkId link) {
    record({.kind = Input::Kind::LinkUp, .link = name(link)});
    proxy_.set_link_up(link, now_);
    collect(true);
}

void Scenario::resend_reports() {
    record({.kind = Input::Kind::ResendReports});
    proxy_.resend_reports(now_);
    collect(true);
}

void Scenario::configure_upstreams(const std::vector<engine::UpstreamServes>& upstreams) {
    proxy_.configure_upstreams(upstreams, now_);
    collect(true);
}

void Scenario::shutdown() {
    record({.kind = Input::Kind::Shutdown});
    proxy_.shutdown(now_);
    collect(true);
}

void Scenario::record(Input input) {
    if (recorder_) {
        input.at = now_;
        recorder_(input);
    }
}

namespace {

template <class Router, class Address>
std::optional<std::uint8_t> version_of(const Router* router, const Address& group) {
    if (router == nullptr) {
        return std::nullopt;
    }
    const auto* g = router->find(group);
    return g == nullptr ? std::nullopt : std::optional<std::uint8_t>{g->compatibility_version()};
}

template <class Host, class Address>
std::string state_of(const Host* host, const Address& group) {
    const auto* state = host == nullptr ? nullptr : host->find(group);
    if (state == nullptr) {
        return "";
    }
    std::string out(proto::to_string(state->mode));
    out += "{";
    bool first = true;
    for (const auto& source : state->sources) {
        out += (first ? "" : ",") + source.to_string();
        first = false;
    }
    return out + "}";
}

} // namespace

std::optional<std::uint8_t> Scenario::group_version(LinkId link, const std::string& group) const {
    return is_v6(group) ? version_of(proxy_.mld().router(link), a6(group))
                        : version_of(proxy_.igmp().router(link), a4(group));
}

std::string Scenario::upstream_state(const std::string& group, const std::string& upstream) const {
    const auto link = find(upstream);
    if (!link) {
        return "";
    }
    return is_v6(group) ? state_of(proxy_.mld().host(*link), a6(group))
                        : state_of(proxy_.igmp().host(*link), a4(group));
}

std::uint8_t Scenario::upstream_version(bool v6) const {
    const auto version = [](const auto* host) -> std::uint8_t {
        return host == nullptr ? 0 : host->current_version();
    };
    if (!u0_) {
        return 0;
    }
    return v6 ? version(proxy_.mld().host(*u0_)) : version(proxy_.igmp().host(*u0_));
}

bool Scenario::is_querier(LinkId link, bool v6) const {
    const auto querier = [](const auto* router) {
        return router != nullptr && router->is_querier();
    };
    return v6 ? querier(proxy_.mld().router(link)) : querier(proxy_.igmp().router(link));
}

const proto::RouterLinkCounters& Scenario::router_counters(LinkId link, bool v6) const {
    const proto::RouterLinkCounters* c = nullptr;
    if (v6) {
        if (const auto* r = proxy_.mld().router(link)) {
            c = &r->counters();
        }
    } else if (const auto* r = proxy_.igmp().router(link)) {
        c = &r->counters();
    }
    if (c == nullptr) {
        bad_test("no router side on link " + name(link));
    }
    return *c;
}

Events Scenario::take() {
    return std::exchange(pending_, {});
}

void Scenario::violation(std::string what) {
    violations_.push_back("t=" + time_text(now_) + ": " + std::move(what));
}

// ---- Decoding -----------------------------------------------------------------------

Event Scenario::decode(LinkId link, std::span<const std::uint8_t> frame) const {
    Event e;
    e.link = link;
    e.link_name = name(link);
    const auto& c = config(link);
    if (c.tunnel) {
        e.error = tunnel_header_error(*c.tunnel, frame);
        if (e.error.empty()) {
            decode_ip(e, frame.subspan(wire::kTunnelHeaderSize), wire::NetworkProtocol::Ipv6);
        }
        return e;
    }
    const auto lf = wire::parse_link_frame(c.link_type, frame);
    if (!lf) {
        e.error = "link: " + std::string(wire::to_string(lf.error()));
        return e;
    }
    e.eth_source = lf->source;
    e.eth_destination = lf->destination;
    decode_ip(e, lf->payload, lf->protocol);
    return e;
}

void Scenario::decode_ip(Event& e, std::span<const std::uint8_t> ip,
                         wire::NetworkProtocol protocol) {
    if (protocol == wire::NetworkProtocol::Ipv6) {
        e.v6 = true;
        const auto p = wire::parse_ipv6(ip);
        if (!p) {
            e.error = "ipv6: " + std::string(wire::to_string(p.error()));
            return;
        }
        e.source = p->source.to_string();
        e.destination = p->destination.to_string();
        e.hop_limit = p->hop_limit;
        e.router_alert = p->router_alert_count == 1 && p->router_alert_value == 0;
        e.ip.assign(p->packet.begin(), p->packet.end());
        e.ip_length = p->packet.size();
        e.group = e.destination;
        // Ours go to a unicast source; one to a group is a forwarded copy.
        if (is_icmpv6(*p, is_too_big_type) && !p->destination.is_multicast()) {
            e.kind = Kind::PacketTooBig;
            return;
        }
        if (!is_icmpv6(*p, is_mld_type)) {
            e.kind = Kind::Data;
            return;
        }
        const auto m = wire::parse_mld(*p);
        if (!m) {
            e.error = "mld: " + std::string(wire::to_string(m.error()));
            return;
        }
        std::visit(Overloaded{
                       [&](const wire::MldQuery& q) {
                           e.version = q.version == wire::MldVersion::V1 ? 1 : 2;
                           e.kind = q.is_general()      ? Kind::GeneralQuery
                                    : q.sources.empty() ? Kind::GroupQuery
                                                        : Kind::GroupSourceQuery;
                           e.group = q.is_general() ? "" : q.group.to_string();
                           e.sources = texts<Ipv6Address>(q.sources);
                           e.s_flag = q.suppress_router_side;
                           e.max_response_ms = q.max_response_ms;
                           e.qrv = q.qrv;
                           e.qqi_s = q.query_interval_s;
                       },
                       [&](const wire::MldV1Report& r) {
                           e.kind = Kind::V1Report;
                           e.version = 1;
                           e.group = r.group.to_string();
                       },
                       [&](const wire::MldV1Done& d) {
                           e.kind = Kind::Done;
                           e.version = 1;
                           e.group = d.group.to_string();
                       },
                       [&](const wire::MldV2Report& r) {
                           e.kind = Kind::V2Report;
                           e.version = 2;
                           e.group.clear();
                           for (const auto& rec : r) {
                               e.records.push_back(Rec{rec.record_type(), rec.group.to_string(),
                                                       texts<Ipv6Address>(rec.sources)});
                           }
                       },
                   },
                   *m);
        return;
    }
    e.v6 = false;
    const auto p = wire::parse_ipv4(ip);
    if (!p) {
        e.error = "ipv4: " + std::string(wire::to_string(p.error()));
        return;
    }
    e.source = p->source.to_string();
    e.destination = p->destination.to_string();
    e.hop_limit = p->ttl;
    e.router_alert = p->router_alert_count == 1;
    e.ip.assign(p->packet.begin(), p->packet.end());
    e.ip_length = p->packet.size();
    e.group = e.destination;
    if (p->protocol != wire::kProtoIgmp) {
        e.kind = Kind::Data;
        return;
    }
    const auto m = wire::parse_igmp(*p);
    if (!m) {
        e.error = "igmp: " + std::string(wire::to_string(m.error()));
        return;
    }
    std::visit(Overloaded{
                   [&](const wire::IgmpQuery& q) {
                       e.version = static_cast<std::uint8_t>(q.version);
                       e.kind = q.is_general()      ? Kind::GeneralQuery
                                : q.sources.empty() ? Kind::GroupQuery
                                                    : Kind::GroupSourceQuery;
                       e.group = q.is_general() ? "" : q.group.to_string();
                       e.sources = texts<Ipv4Address>(q.sources);
                       e.s_flag = q.suppress_router_side;
                       e.max_response_ms = q.max_response_tenths * 100;
                       e.qrv = q.qrv;
                       e.qqi_s = q.query_interval_s;
                   },
                   [&](const wire::IgmpV1Report& r) {
                       e.kind = Kind::V1Report;
                       e.version = 1;
                       e.group = r.group.to_string();
                   },
                   [&](const wire::IgmpV2Report& r) {
                       e.kind = Kind::V1Report;
                       e.version = 2;
                       e.group = r.group.to_string();
                   },
                   [&](const wire::IgmpV2Leave& l) {
                       e.kind = Kind::Leave;
                       e.version = 2;
                       e.group = l.group.to_string();
                   },
                   [&](const wire::IgmpV3Report& r) {
                       e.kind = Kind::V2Report;
                       e.version = 3;
                       e.group.clear();
                       for (const auto& rec : r) {
                           e.records.push_back(Rec{rec.record_type(), rec.group.to_string(),
                                                   texts<Ipv4Address>(rec.sources)});
                       }
                   },
               },
               *m);
}

// What every frame ecmh sends must look like (rfc-map items 4, 5, 30, 48).
void Scenario::check_event(const Event& e) {
    if (e.kind == Kind::Malformed) {
        violation("sent a malformed frame: " + e.str());
        return;
    }
    const auto& link = config(e.link);
    // A tunnel peer's outer header was checked in decode(); a raw link has no header.
    const bool ethernet = link.link_type == wire::LinkType::Ethernet && !link.tunnel;
    if (ethernet && e.eth_source != link.mac) {
        violation("Ethernet source is not the link's own MAC: " + e.str());
    }
    if (e.kind == Kind::PacketTooBig) {
        // Unicast, to the previous hop: never to a group's MAC.
        if (ethernet && (e.eth_destination.bytes()[0] & 1) != 0) {
            violation("Packet Too Big to a multicast MAC: " + e.str());
        }
        return;
    }
    if (const auto mac = destination_mac(e.ip); ethernet && (!mac || e.eth_destination != *mac)) {
        violation("Ethernet destination is not the group's multicast MAC: " + e.str());
    }
    if (e.kind == Kind::Data) {
        if (e.hop_limit == 0) {
            violation("a copy with hop limit 0: " + e.str());
        }
        return;
    }
    if (e.hop_limit != 1 || !e.router_alert) {
        violation("control without hop limit 1 and Router Alert: " + e.str());
    }
    // An upstream without an IPv4 address reports from 0.0.0.0 (RFC 3376 §4.2.13).
    const std::string own = e.v6 ? link.link_local.value_or(net::Ipv6Address{}).to_string()
                                 : link.ipv4.value_or(net::Ipv4Address{}).to_string();
    if (e.source != own) {
        violation("control not from the link's own address " + own + ": " + e.str());
    }
    if (e.is_query() && link.upstream) {
        violation("a query on the upstream link (RFC 4605 §3): " + e.str());
    }
    if (e.is_report() && !link.upstream) {
        violation("a report on a downstream link: " + e.str());
    }
    std::string expected;
    switch (e.kind) {
    case Kind::GeneralQuery:
        expected = e.v6 ? "ff02::1" : "224.0.0.1";
        break;
    case Kind::GroupQuery:
    case Kind::GroupSourceQuery:
    case Kind::V1Report:
        expected = e.group;
        break;
    case Kind::V2Report:
        expected = e.v6 ? "ff02::16" : "224.0.0.22";
        break;
    case Kind::Done:
        expected = "ff02::2";
        break;
    case Kind::Leave:
        expected = "224.0.0.2";
        break;
    case Kind::Data:
    case Kind::PacketTooBig:
    case Kind::Malformed:
        break;
    }
    if (e.destination != expected) {
        violation("control sent to " + e.destination + " instead of " + expected + ": " + e.str());
    }
}

void Scenario::check_input(LinkId arrival, std::span<const std::uint8_t> frame, const Events& out) {
    const auto lf = wire::parse_link_frame(config(arrival).link_type, frame);
    if (!lf) {
        if (!out.empty()) {
            violation("a frame that does not parse caused output: " + out.front().str());
        }
        return;
    }
    // The IP packet without what follows it in the frame (Ethernet padding).
    auto ip = lf->payload;
    if (lf->protocol == wire::NetworkProtocol::Ipv6) {
        if (const auto p = wire::parse_ipv6(ip)) {
            ip = p->packet;
        }
    } else if (const auto p = wire::parse_ipv4(ip)) {
        ip = p->packet;
        const auto inner = wire::parse_6in4(*p);
        if (options_.tunnel_mode && inner) {
            auto peer = proxy_.find_tunnel_peer(p->source, p->destination);
            if (!peer) {
                peer = proxy_.find_tunnel_peer(p->source, Ipv4Address{});
            }
            if (peer) {
                arrival = *peer;
                ip = inner->packet;
            }
        }
    }
    check_copies(arrival, ip, out);
}

// Copies of one input packet (rfc-map items 45, 47, 49).
void Scenario::check_copies(LinkId arrival, std::span<const std::uint8_t> ip, const Events& out) {
    const bool control = is_control(ip);
    const bool v6 = !ip.empty() && (ip[0] >> 4) == 6;
    const auto copied = as_copied(ip);
    std::set<std::uint16_t> seen;
    std::set<std::uint16_t> translated; // links that got a translated copy
    std::map<std::uint16_t, std::vector<const Event*>> fragments; // by out-link slot
    for (const auto& e : out) {
        const bool copy = same_but_hop(e.ip, copied);
        const std::size_t hop_at = v6 ? 7 : 8;
        if (control) {
            // A copy has the hop limit lowered: a report of ours for the same group from
            // the same address (a host that used it) is the very same packet otherwise.
            if (copy && e.ip[hop_at] + 1 == ip[hop_at]) {
                violation("MLD/IGMP forwarded as data: " + e.str());
            }
            continue;
        }
        if (e.kind == Kind::PacketTooBig) {
            // The one error a multicast packet may cause (RFC 4443 §2.4(e.3)): to its
            // source, back on its arrival link, quoting it.
            const bool quotes = e.ip.size() >= 48 + std::min<std::size_t>(ip.size(), 1232) &&
                                std::equal(ip.begin(),
                                           ip.begin() + static_cast<std::ptrdiff_t>(
                                                            std::min<std::size_t>(ip.size(), 1232)),
                                           e.ip.begin() + 48);
            if (!v6 || e.link != arrival || !quotes) {
                violation("a Packet Too Big not about this packet, or not to its arrival link: " +
                          e.str());
            }
            continue;
        }
        if (!copy && !v6 && is_fragment_of(e.ip, ip)) {
            fragments[e.link.slot()].push_back(&e); // checked as a whole below
            continue;
        }
        if (!copy && e.kind == Kind::Data && e.v6 != v6 && proxy_.translator() != nullptr) {
            // A translated copy (issue 16): one per link in the other family.
            const auto& c = config(e.link);
            if (const auto wrong = check_translation(copied, e.ip, *proxy_.translator(), c.ipv4);
                !wrong.empty()) {
                violation(wrong + ": " + e.str());
            }
            if (!translated.insert(e.link.slot()).second && !is_translated_piece(e.ip)) {
                violation("more than one translated copy on a link: " + e.str());
            }
            continue;
        }
        if (!copy || e.kind != Kind::Data) {
            violation("a data packet caused something other than a copy: " + e.str());
            continue;
        }
        if (e.ip[hop_at] + 1 != ip[hop_at]) {
            violation("copy's hop limit/TTL is not the input's minus one: " + e.str());
        }
        if (e.link == arrival) {
            violation("copy sent back out of its arrival link: " + e.str());
        }
        if (!seen.insert(e.link.slot()).second) {
            violation("more than one copy on a link: " + e.str());
        }
    }
    for (const auto& [slot, pieces] : fragments) {
        if (const auto wrong = check_reassembly(pieces, copied); !wrong.empty()) {
            violation(wrong + ": " + pieces.front()->str());
        }
        if (slot == arrival.slot()) {
            violation("fragments sent back out of their arrival link: " + pieces.front()->str());
        }
        if (!seen.insert(slot).second) {
            violation("a copy and fragments on one link: " + pieces.front()->str());
        }
    }
}

} // namespace ecmh::test

namespace ecmh::proto {
void PrintTo(const TimePoint& t, std::ostream* os) {
    *os << "t=" << ecmh::test::time_text(t);
}
} // namespace ecmh::proto
