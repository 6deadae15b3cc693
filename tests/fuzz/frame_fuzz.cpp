// SPDX-License-Identifier: BSD-3-Clause
// The whole receive chain on one captured frame, as the daemon will run it: link layer
// (the first input byte picks Ethernet, raw or Linux cooked) → IPv6/IPv4 → 6in4 inner
// packet → MLD / IGMP / ICMPv6 echo, touching every field of every view, and the
// forwarding rewrite (wire/forward_copy) of every packet that parsed (an IPv4 one also
// cut into fragments for an MTU the last input byte picks); for a 6in4 inner packet also
// what tunnel mode sends (the rewrite behind a 6in4 header, and a Packet Too Big quoting
// it); and the IPv4 <-> IPv6 translation (wire/translate) of every packet that parsed,
// written, parsed again, its UDP checksum checked by the harness's own sum, and cut into
// IPv6 fragments for the picked MTU.
#include "ecmh/net/byte_writer.hpp"
#include "ecmh/wire/forward_copy.hpp"
#include "ecmh/wire/icmpv6_echo.hpp"
#include "ecmh/wire/icmpv6_too_big.hpp"
#include "ecmh/wire/igmp.hpp"
#include "ecmh/wire/ipv4_fragment.hpp"
#include "ecmh/wire/ipv6_fragment.hpp"
#include "ecmh/wire/link.hpp"
#include "ecmh/wire/mld.hpp"
#include "ecmh/wire/translate.hpp"
#include "ecmh/wire/tunnel_6in4.hpp"
#include "ecmh/wire/udp_segment.hpp"
#include "support/udp_oracle.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>

namespace {

volatile std::uint64_t g_sink; // keeps the reads from being optimised away

// The forwarding rewrite of any packet that parsed: it must always fit a buffer of the
// largest IP packet and touch only bytes inside the packet (ASan watches the rest).
template <class Packet>
void forward_once(const Packet& p) {
    static std::array<std::uint8_t, 65'535> out;
    const auto copy = ecmh::wire::prepare_copy(p);
    if (copy.write(out) != copy.size()) {
        std::abort();
    }
    g_sink = g_sink + out[copy.hop_offset];
}

// What tunnel mode sends for an inner packet: the copy behind a 6in4 header toward the
// outer source, and a Packet Too Big back to the inner source, both within their buffers.
void send_to_peer(const ecmh::wire::Ipv6Packet& inner, const ecmh::wire::Ipv4Packet& outer) {
    using namespace ecmh::wire;
    static std::array<std::uint8_t, 65'535 + kTunnelHeaderSize> frame;
    const auto copy = prepare_copy(inner);
    ecmh::net::ByteWriter w{std::span(frame).first(kTunnelHeaderSize)};
    if (write_6in4_header(w, {outer.destination, outer.source, 64}, copy.size()) !=
            kTunnelHeaderSize ||
        copy.write(std::span(frame).subspan(kTunnelHeaderSize)) != copy.size()) {
        std::abort();
    }
    static std::array<std::uint8_t, kIpv6MinimumMtu> error;
    const auto n = build_packet_too_big(error, inner.destination, inner.source, 1280, inner.packet);
    if (!n || *n > kIpv6MinimumMtu) {
        std::abort();
    }
    g_sink = g_sink + frame[kTunnelHeaderSize] + error[*n - 1];
}

// An IPv4 copy cut for an out-link MTU picked from the input: every fragment fits the
// MTU and its buffer, and the pieces carry exactly the payload.
void fragment_once(const ecmh::wire::Ipv4Packet& p, std::uint8_t mtu_pick) {
    static std::array<std::uint8_t, 65'535> copy;
    static std::array<std::uint8_t, 65'535> piece;
    const auto prepared = ecmh::wire::prepare_copy(p);
    if (prepared.write(copy) != prepared.size()) {
        std::abort();
    }
    const std::size_t mtu = 28 + std::size_t{mtu_pick} * 8;
    const auto f = ecmh::wire::Ipv4Fragmenter::plan(std::span(copy).first(prepared.size()), mtu);
    if (!f) {
        return;
    }
    std::size_t carried = 0;
    for (std::size_t i = 0; i < f->count(); ++i) {
        const auto n = f->write(i, piece);
        if (n == 0 || n > mtu || n != f->size(i)) {
            std::abort();
        }
        carried += n - std::size_t{piece[0] & 0x0fU} * 4;
    }
    if (carried != p.payload.size()) {
        std::abort();
    }
}

// A frame taken as a GRO super-frame with a segment size picked from the input: every
// datagram is as large as size() says, and parses again as a whole IP packet whose
// payload is a UDP datagram of the length its header gives.
void cut_once(ecmh::wire::LinkType type, std::span<const std::uint8_t> frame,
              std::uint8_t segment_pick) {
    using namespace ecmh::wire;
    static std::array<std::uint8_t, 65'535 + 18> datagram;
    const auto s = UdpSegmenter::plan(type, frame, static_cast<std::uint16_t>(segment_pick * 8));
    if (!s) {
        return;
    }
    for (std::size_t i = 0; i < s->count(); ++i) {
        const auto n = s->write(i, datagram);
        const auto link = parse_link_frame(type, std::span(datagram).first(n));
        if (n == 0 || n != s->size(i) || !link) {
            std::abort();
        }
        std::span<const std::uint8_t> udp;
        if (link->protocol == NetworkProtocol::Ipv6) {
            const auto p = parse_ipv6(link->payload);
            udp = p ? p->payload : std::span<const std::uint8_t>{};
        } else {
            const auto p = parse_ipv4(link->payload);
            udp = p ? p->payload : std::span<const std::uint8_t>{};
        }
        if (udp.size() < 8 || ((std::size_t{udp[4]} << 8) | udp[5]) != udp.size()) {
            std::abort();
        }
    }
}

// Does the UDP datagram of an unfragmented packet verify under its pseudo-header (the
// harness's own sum, support/udp_oracle.hpp)? False when it is not one.
bool udp_verifies(std::span<const std::uint8_t> ip, std::span<const std::uint8_t> payload,
                  bool whole) {
    namespace udp = ecmh::test::udp;
    if (!whole || payload.size() < 8 || ((std::size_t{payload[4]} << 8) | payload[5]) < 8 ||
        ((std::size_t{payload[4]} << 8) | payload[5]) > payload.size()) {
        return false;
    }
    const bool v6 = (ip[0] >> 4) == 6;
    const ecmh::test::Bytes addresses(ip.begin() + (v6 ? 8 : 12), ip.begin() + (v6 ? 40 : 20));
    return udp::verifies(addresses, ecmh::test::Bytes(payload.begin(), payload.end()));
}

bool zero_udp_checksum(std::span<const std::uint8_t> payload) {
    return payload.size() >= 8 && payload[6] == 0 && payload[7] == 0;
}

// IPv4 → IPv6: a datagram whose checksum verified (or was "none") verifies after, the
// copy parses again, and its IPv6 fragments for the picked MTU fit it.
void translate_once(const ecmh::wire::Ipv4Packet& p, std::uint8_t mtu_pick) {
    using namespace ecmh::wire;
    static std::array<std::uint8_t, 65'535 + 48> out;
    const auto source = ecmh::net::Ipv6Address::parse("64:ff9b:1::c000:20a");
    const auto group = ecmh::net::Ipv6Address::parse("ff18:1000::ef01:203");
    const auto copy = translate_to_ipv6(p, *source, *group);
    if (!copy) {
        return;
    }
    const auto n = copy->write(out);
    const auto again = parse_ipv6(std::span(out).first(n));
    if (n != copy->size() || !again) {
        std::abort();
    }
    const bool whole = !p.is_fragment();
    if ((udp_verifies(p.packet, p.payload, whole) ||
         (whole && zero_udp_checksum(p.payload) && p.payload.size() >= 8)) &&
        !udp_verifies(again->packet, again->payload, !again->is_fragment)) {
        std::abort();
    }
    const std::size_t mtu = 56 + std::size_t{mtu_pick} * 8;
    if (const auto pieces = Ipv6FragmentWriter::plan(*copy, mtu)) {
        static std::array<std::uint8_t, 65'535 + 48> piece;
        for (std::size_t i = 0; i < pieces->count(); ++i) {
            const auto m = pieces->write(i, piece);
            if (m == 0 || m > mtu || m != pieces->size(i) ||
                !parse_ipv6(std::span(piece).first(m))) {
                std::abort();
            }
        }
    }
}

// IPv6 → IPv4, with and without an out-link's own source: the same checks.
void translate_once(const ecmh::wire::Ipv6Packet& p) {
    using namespace ecmh::wire;
    static std::array<std::uint8_t, 65'535> out;
    const auto copy = translate_to_ipv4(p, ecmh::net::Ipv4Address{0xc6336407},
                                        ecmh::net::Ipv4Address{0xef010203}, 0x1234);
    if (!copy) {
        return;
    }
    for (const bool own_source : {false, true}) {
        const auto n =
            own_source ? copy->write(out, ecmh::net::Ipv4Address{0xcb00710a}) : copy->write(out);
        const auto again = parse_ipv4(std::span(out).first(n));
        if (n != copy->size() || !again) {
            std::abort();
        }
        if (udp_verifies(p.packet, p.payload, !p.is_fragment) &&
            !udp_verifies(again->packet, again->payload, !again->is_fragment())) {
            std::abort();
        }
    }
}

template <class Sources>
void touch_sources(const Sources& sources) {
    for (const auto& s : sources) {
        g_sink = g_sink + std::hash<std::remove_cvref_t<decltype(s)>>{}(s);
    }
}

void visit_ipv6(const ecmh::wire::Ipv6Packet& p) {
    using namespace ecmh::wire;
    if (const auto mld = parse_mld(p)) {
        if (const auto* q = std::get_if<MldQuery>(&*mld)) {
            touch_sources(q->sources);
        } else if (const auto* r = std::get_if<MldV2Report>(&*mld)) {
            for (const auto& record : *r) {
                g_sink = g_sink + record.type;
                touch_sources(record.sources);
            }
        }
    }
    if (const auto echo = parse_icmpv6_echo(p)) {
        g_sink = g_sink + echo->identifier + echo->data.size();
    }
}

void visit_ipv4(const ecmh::wire::Ipv4Packet& p) {
    using namespace ecmh::wire;
    if (const auto igmp = parse_igmp(p)) {
        if (const auto* q = std::get_if<IgmpQuery>(&*igmp)) {
            touch_sources(q->sources);
        } else if (const auto* r = std::get_if<IgmpV3Report>(&*igmp)) {
            for (const auto& record : *r) {
                g_sink = g_sink + record.type;
                touch_sources(record.sources);
            }
        }
    }
    if (const auto inner = parse_6in4(p)) {
        visit_ipv6(*inner);
        send_to_peer(*inner, p);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ecmh::wire;
    if (size < 1) {
        return 0;
    }
    const LinkType type = data[0] % 3 == 0   ? LinkType::Ethernet
                          : data[0] % 3 == 1 ? LinkType::Raw
                                             : LinkType::LinuxSll;
    const auto frame = parse_link_frame(type, std::span(data + 1, size - 1));
    if (!frame) {
        return 0;
    }
    cut_once(type, std::span(data + 1, size - 1), data[size - 1]);
    if (frame->protocol == NetworkProtocol::Ipv6) {
        if (const auto p = parse_ipv6(frame->payload)) {
            visit_ipv6(*p);
            forward_once(*p);
            translate_once(*p);
        }
    } else if (const auto p = parse_ipv4(frame->payload)) {
        visit_ipv4(*p);
        forward_once(*p);
        fragment_once(*p, data[size - 1]);
        translate_once(*p, data[size - 1]);
    }
    return 0;
}
