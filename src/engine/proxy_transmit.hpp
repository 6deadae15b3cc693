// SPDX-License-Identifier: BSD-3-Clause
// Proxy::transmit, a template shared by the files that send copies (proxy.cpp,
// translate_path.cpp): internal to the engine.
#pragma once

#include "ecmh/engine/proxy.hpp"

namespace ecmh::engine {

template <class WriteIp>
void Proxy::transmit(Link& o, LinkId out, std::size_t ip_length, const net::MacAddress& destination,
                     wire::NetworkProtocol protocol, bool control, WriteIp&& write_ip) {
    if (o.down_since) {
        stats_.count(DropReason::LinkDown); // its state is kept; nothing goes out meanwhile
        return;
    }
    const std::size_t header = link_header_size(o);
    const auto slot = io_.reserve(out, header + ip_length);
    if (slot.size() < header + ip_length) {
        stats_.count(DropReason::SendFailed); // no route to the link: nothing was queued
        return;
    }
    write_link_header(o, slot, destination, protocol, ip_length);
    write_ip(slot.subspan(header, ip_length));
    // A tunnel peer's frame is an IPv4 packet (the outer header and the IPv6 inside).
    io_.commit(out, header + ip_length, o.config.tunnel ? wire::NetworkProtocol::Ipv4 : protocol);
    count_sent(o, header + ip_length, control);
}

template <class Pieces>
void Proxy::send_pieces(Link& o, LinkId out, const Pieces& pieces,
                        const net::MacAddress& destination, wire::NetworkProtocol protocol) {
    ++stats_.fragmented;
    for (std::size_t i = 0; i < pieces.count(); ++i) {
        transmit(o, out, pieces.size(i), destination, protocol, false,
                 [&](std::span<std::uint8_t> ip) { (void)pieces.write(i, ip); }); // sized so
        ++stats_.fragments_sent;
    }
}

} // namespace ecmh::engine
