// SPDX-License-Identifier: BSD-3-Clause
#include "engine_frames.hpp"

#include "ecmh/net/byte_writer.hpp"
#include "ecmh/wire/link.hpp"
#include "ecmh/wire/tunnel_6in4.hpp"

#include <algorithm>
#include <cstdlib>

namespace ecmh::test {

net::Ipv6Address ipv6(const char* text) {
    const auto a = net::Ipv6Address::parse(text);
    if (!a) {
        std::abort();
    }
    return *a;
}

net::Ipv4Address ipv4(const char* text) {
    const auto a = net::Ipv4Address::parse(text);
    if (!a) {
        std::abort();
    }
    return *a;
}

engine::LinkConfig ethernet_link(const char* name, std::uint8_t mac, const char* link_local,
                                 const char* ipv4, bool upstream, std::uint32_t ifindex) {
    engine::LinkConfig c;
    c.name = name;
    c.ifindex = net::IfIndex{ifindex};
    c.mac = net::MacAddress{{0x02, 0, 0, 0, 0, mac}};
    c.link_local = net::Ipv6Address::parse(link_local);
    c.ipv4 = net::Ipv4Address::parse(ipv4);
    c.ipv4_prefix_length = 24;
    c.upstream = upstream;
    return c;
}

std::vector<std::uint8_t> ethernet_frame(std::span<const std::uint8_t> ip,
                                         const net::MacAddress& source,
                                         std::optional<std::uint16_t> vlan) {
    std::vector<std::uint8_t> f(18 + ip.size());
    net::ByteWriter w{f};
    const bool is_v6 = (ip[0] >> 4) == 6;
    const auto destination =
        is_v6 ? net::MacAddress::for_multicast(*net::Ipv6Address::from_span(ip.subspan(24, 16)))
              : net::MacAddress::for_multicast(
                    net::Ipv4Address::from_bytes({ip[16], ip[17], ip[18], ip[19]}));
    wire::write_ethernet_header(w, destination, source,
                                is_v6 ? wire::NetworkProtocol::Ipv6 : wire::NetworkProtocol::Ipv4,
                                vlan);
    w.bytes(ip);
    f.resize(w.size());
    return f;
}

std::vector<std::uint8_t> tunnelled_frame(std::span<const std::uint8_t> inner,
                                          net::Ipv4Address from, net::Ipv4Address to) {
    std::vector<std::uint8_t> ip(wire::kTunnelHeaderSize + inner.size());
    net::ByteWriter w{ip};
    (void)wire::write_6in4_header(w, {from, to, 64}, inner.size());
    std::copy(inner.begin(), inner.end(),
              ip.begin() + static_cast<std::ptrdiff_t>(wire::kTunnelHeaderSize));
    return ethernet_frame(ip);
}

} // namespace ecmh::test
