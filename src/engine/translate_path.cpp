// SPDX-License-Identifier: BSD-3-Clause
// The data side of IPv4 <-> IPv6 translation (issue 16): a packet of a translated pair's
// home family also goes, translated (wire/translate.hpp), to the other family's
// listeners of its counterpart. The other direction never happens (a translated copy is
// not translated back), and the non-home family's native stream from an upstream is
// suppressed, so a link never gets the same stream twice in one family.
#include "ecmh/engine/proxy.hpp"
#include "ecmh/wire/ipv4_fragment.hpp"
#include "ecmh/wire/ipv6_fragment.hpp"
#include "proxy_transmit.hpp"

#include <algorithm>

namespace ecmh::engine {
namespace {

// The source an IPv4 listener's filter is matched against for an IPv6 sender outside
// the source prefix: no IPv4 host has it (RFC 7600's IPv4 dummy address), so only
// any-source (EXCLUDE) listeners get such a stream, as only they can want it. Each copy
// is then written with its out-link's own IPv4 address (design D9).
constexpr net::Ipv4Address kDummyIpv4{0xc0000008}; // 192.0.0.8

// RFC 8200 §5: the IPv6 minimum MTU, the least a Packet Too Big may say.
constexpr std::uint32_t kIpv6MinimumMtu = 1280;

} // namespace

bool Proxy::suppressed_native(LinkId arrival, const wire::Ipv4Packet& packet) const {
    if (!igmp_.is_upstream(arrival)) {
        return false;
    }
    // decide() took it from an upstream only if that upstream serves the group; with an
    // IPv4 address there, the pair's home is IPv4 (Translator::home) and nothing is
    // suppressed: the common case costs no mapping.
    if (const auto& own = links_[arrival.slot()].config.ipv4; own && !own->is_unspecified()) {
        return false;
    }
    return translator_->role(packet.destination) == PairRole::Elsewhere;
}

bool Proxy::suppressed_native(LinkId arrival, const wire::Ipv6Packet& packet) const {
    return mld_.is_upstream(arrival) &&
           translator_->role(packet.destination) == PairRole::Elsewhere;
}

void Proxy::translate(LinkId arrival, const wire::Ipv4Packet& p, proto::TimePoint now) {
    if (!translator_->wanted_in_ipv6(p.destination)) {
        return; // nobody listens to its counterpart: one lookup and done
    }
    const auto g6 = translator_->groups().to_ipv6(p.destination);
    if (!g6 || translator_->home(p.destination, *g6) != Translator::Home::Ipv4) {
        return;
    }
    const auto s6 = translator_->sources().embed(p.source);
    if (!s6) {
        stats_.count(DropReason::TranslateUnmappedSource);
        return;
    }
    const auto decision = mld_.forwarding().decide_translated(*s6, *g6);
    if (decision.verdict != table::Verdict::Forward) {
        return; // the listeners' filters or the querier rule want none
    }
    const auto copy = wire::translate_to_ipv6(p, *s6, *g6);
    if (!copy) {
        drop_untranslatable(copy.error(), p.source.to_string(), p.destination.to_string(),
                            p.payload, now);
        return;
    }
    ++stats_.translated_to_ipv6;
    if (copy->zero_checksum_computed) {
        ++stats_.translate_checksums_computed;
    }
    ++decision.counters->packets;
    ++decision.counters->translated_packets;
    decision.counters->bytes += copy->size();
    // No Packet Too Big for an IPv4 sender (RFC 1812 §4.3.2.7): origin.source stays empty.
    const Origin origin{arrival, previous_hop_, std::nullopt, now};
    const auto send = [&](LinkId out) {
        send_translated(out, *copy, origin, p.packet, std::nullopt);
    };
    decision.links.for_each(send);
    decision.peers.for_each(send);
}

void Proxy::translate(LinkId arrival, const wire::Ipv6Packet& p, proto::TimePoint now) {
    if (!translator_->wanted_in_ipv4(p.destination)) {
        return;
    }
    const auto g4 = translator_->groups().to_ipv4(p.destination);
    if (!g4 || translator_->home(*g4, p.destination) != Translator::Home::Ipv6) {
        return;
    }
    // An IPv4-translatable sender (inside the source prefix) keeps its address; any
    // other is written with each out-link's own IPv4 address.
    const auto s4 = translator_->sources().extract(p.source);
    const auto decision = igmp_.forwarding().decide_translated(s4.value_or(kDummyIpv4), *g4);
    if (decision.verdict != table::Verdict::Forward) {
        return;
    }
    const auto copy = wire::translate_to_ipv4(p, s4.value_or(kDummyIpv4), *g4, next_ipv4_id_);
    if (!copy) {
        drop_untranslatable(copy.error(), p.source.to_string(), p.destination.to_string(),
                            p.payload, now);
        return;
    }
    ++next_ipv4_id_;
    ++stats_.translated_to_ipv4;
    ++decision.counters->packets;
    ++decision.counters->translated_packets;
    decision.counters->bytes += copy->size();
    const Origin origin{arrival, previous_hop_, p.source, now};
    decision.links.for_each([&](LinkId out) {
        std::optional<net::Ipv4Address> source;
        if (!s4) {
            source = links_[out.slot()].config.ipv4;
            if (!source) {
                return; // no IPv4 address on the link: no IGMP router, no listener either
            }
        }
        send_translated(out, *copy, origin, p.packet, source);
    });
}

void Proxy::drop_untranslatable(wire::TranslateError error, const std::string& source,
                                const std::string& group, std::span<const std::uint8_t> udp,
                                proto::TimePoint now) {
    stats_.count(error);
    if (!untranslatable_log_.open(now)) {
        return;
    }
    std::string ports;
    if (udp.size() >= 4) {
        ports = " (ports " + std::to_string((udp[0] << 8) | udp[1]) + " -> " +
                std::to_string((udp[2] << 8) | udp[3]) + ")";
    }
    log_.log(LogLevel::Warning, "not translated: " + source + " -> " + group + ports + ": " +
                                    std::string(wire::to_string(error)) +
                                    "; more within 10 s are only counted");
}

void Proxy::send_translated(LinkId out, const wire::TranslatedCopy& copy, const Origin& origin,
                            std::span<const std::uint8_t> received,
                            std::optional<net::Ipv4Address> source) {
    Link& o = links_[out.slot()];
    if (!o.present) {
        return;
    }
    if (copy.size() > o.config.mtu || copy.size() > kMaxIpPacket) {
        send_translated_too_big(o, out, copy, origin, received, source);
        return;
    }
    transmit(o, out, copy.size(), copy.group_mac, copy.protocol, false,
             [&](std::span<std::uint8_t> ip) {
                 (void)(source ? copy.write(ip, *source) : copy.write(ip)); // sized so
             });
}

void Proxy::send_translated_too_big(Link& o, LinkId out, const wire::TranslatedCopy& copy,
                                    const Origin& origin, std::span<const std::uint8_t> received,
                                    std::optional<net::Ipv4Address> source) {
    const auto mtu = std::min<std::size_t>(o.config.mtu, kMaxIpPacket);
    if (copy.protocol == wire::NetworkProtocol::Ipv6) {
        // The IPv4 sender allowed fragmentation: IPv6 fragments (RFC 7915 §4.1). With
        // Don't Fragment, RFC 7915 wants a Fragmentation Needed, but no ICMP error is
        // ever sent about a multicast packet (RFC 1812 §4.3.2.7): dropped and counted.
        if (const auto pieces = wire::Ipv6FragmentWriter::plan(copy, mtu)) {
            send_pieces(o, out, *pieces, copy.group_mac, copy.protocol);
            return;
        }
        stats_.count(DropReason::TooBigForLink);
        return;
    }
    // IPv4 without Don't Fragment (a translated packet of at most 1260 bytes, or a
    // fragment): written once, then cut (RFC 791 §3.2) as a native copy would be.
    const std::size_t written = source ? copy.write(buffer_, *source) : copy.write(buffer_);
    if (!copy.dont_fragment && written == copy.size()) {
        if (const auto pieces = wire::Ipv4Fragmenter::plan({buffer_.data(), written}, mtu)) {
            send_pieces(o, out, *pieces, copy.group_mac, copy.protocol);
            return;
        }
    }
    // Don't Fragment: the IPv6 source learns the size that fits once translated, the
    // 20 octets the IPv6 header is longer, and never less than 1280 (RFC 7915 §5, §4.2;
    // RFC 4443 §2.4 (e.3) allows it for multicast).
    stats_.count(DropReason::TooBigForLink);
    const auto ipv6_mtu = std::max<std::uint32_t>(
        kIpv6MinimumMtu,
        static_cast<std::uint32_t>(mtu + wire::kIpv6HeaderSize - wire::kIpv4MinHeaderSize));
    send_packet_too_big(received, ipv6_mtu, origin);
}

} // namespace ecmh::engine
