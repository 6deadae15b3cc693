// SPDX-License-Identifier: BSD-3-Clause
#include "data_plane_fixture.hpp"

#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/igmp.hpp"
#include "ecmh/wire/ipv4.hpp"
#include "ecmh/wire/ipv6.hpp"
#include "ecmh/wire/mld.hpp"

#include <array>
#include <string>

namespace ecmh::test {
namespace {

using net::Ipv4Address;
using net::Ipv6Address;

Ipv6Address group6(int i) {
    auto b = Ipv6Address::parse("ff0e::1:0")->bytes();
    b[14] = static_cast<std::uint8_t>(i >> 8);
    b[15] = static_cast<std::uint8_t>(i);
    return Ipv6Address{b};
}

Ipv4Address group4(int i) {
    return Ipv4Address{0xef010000U + static_cast<std::uint32_t>(i)};
}

// 239.2.x.y and its IPv6 counterpart under the default ASM prefix (scope 8 for 239/8).
Ipv4Address translated4(int i) {
    return Ipv4Address{0xef020000U + static_cast<std::uint32_t>(i)};
}
Ipv6Address translated6(int i) {
    auto b = Ipv6Address::parse("ff18:1000::ef02:0")->bytes();
    b[14] = static_cast<std::uint8_t>(i >> 8);
    b[15] = static_cast<std::uint8_t>(i);
    return Ipv6Address{b};
}

std::vector<std::uint8_t> frame(std::span<const std::uint8_t> ip, const net::MacAddress& dst) {
    std::vector<std::uint8_t> f(14 + ip.size());
    net::ByteWriter w{f};
    const bool v6 = (ip[0] >> 4) == 6;
    wire::write_ethernet_header(w, dst, net::MacAddress{{0x02, 0, 0, 0, 0x99, 1}},
                                v6 ? wire::NetworkProtocol::Ipv6 : wire::NetworkProtocol::Ipv4);
    w.bytes(ip);
    return f;
}

} // namespace

DataPlaneFixture::DataPlaneFixture(bool translate) {
    engine::ProxyConfig config;
    config.max_groups_per_link = 2 * kGroups;
    if (translate) {
        config.translation = net::TranslationPrefixes::defaults();
    }
    proxy = std::make_unique<engine::Proxy>(config, io, log, 1);
    const auto now = proto::at_ms(0);
    for (int i = 0; i < kLinks; ++i) {
        engine::LinkConfig c;
        c.name = "l" + std::to_string(i);
        c.ifindex = net::IfIndex{static_cast<std::uint32_t>(i + 1)};
        c.mac = net::MacAddress{{0x02, 0, 0, 0, 0, static_cast<std::uint8_t>(i)}};
        auto ll = Ipv6Address::parse("fe80::1")->bytes();
        ll[15] = static_cast<std::uint8_t>(i + 1);
        c.link_local = Ipv6Address{ll};
        c.ipv4 = Ipv4Address{0xc6336400U + static_cast<std::uint32_t>(i + 1)}; // 198.51.100.x
        c.upstream = i == 0;
        const auto id = *proxy->add_link(c, now);
        (i == 0 ? upstream : downstream.emplace_back()) = id;
    }
    // Each group joined on 4 downstream links (a fan-out of 4), with MLDv2 and IGMPv3
    // reports of 60 records each.
    std::array<std::uint8_t, 1500> buf{};
    const auto send_mld = [&](engine::LinkId link, const std::vector<wire::MldRecordSpec>& r6) {
        wire::PackCursor c6;
        while (const auto n =
                   wire::pack_mld_v2_report(buf, *Ipv6Address::parse("fe80::1:a"), 1500, r6, c6)) {
            if (*n == 0) {
                break;
            }
            proxy->on_frame(link,
                            frame(std::span(buf.data(), *n),
                                  net::MacAddress::for_multicast(wire::kAllMldv2Routers)),
                            now);
        }
    };
    for (int first = 0; first < kGroups; first += 60) {
        for (int copy = 0; copy < 4; ++copy) {
            std::vector<wire::MldRecordSpec> r6;
            std::vector<wire::MldRecordSpec> t6;
            std::vector<wire::IgmpRecordSpec> r4;
            for (int g = first; g < first + 60 && g < kGroups; ++g) {
                r6.push_back({wire::RecordType::ChangeToExcludeMode, group6(g), {}});
                t6.push_back({wire::RecordType::ChangeToExcludeMode, translated6(g), {}});
                r4.push_back({wire::RecordType::ChangeToExcludeMode, group4(g), {}});
            }
            const auto link =
                downstream[static_cast<std::size_t>((first / 60 + copy * 13) % (kLinks - 1))];
            send_mld(link, r6);
            if (translate) {
                send_mld(link, t6); // the translated groups' IPv6 listeners
            }
            wire::PackCursor c4;
            while (const auto n = wire::pack_igmp_v3_report(buf, Ipv4Address{0}, 1500, r4, c4)) {
                if (*n == 0) {
                    break;
                }
                proxy->on_frame(link,
                                frame(std::span(buf.data(), *n),
                                      net::MacAddress::for_multicast(wire::kAllIgmpv3Routers)),
                                now);
            }
        }
    }
    for (int g = 0; g < kGroups; ++g) {
        net::ByteWriter w{buf};
        wire::write_ipv6_header(w,
                                wire::Ipv6HeaderSpec{*Ipv6Address::parse("2001:db8:1::1"),
                                                     group6(g), 64, wire::kProtoUdp},
                                72);
        w.zeros(72);
        v6_frames.push_back(frame(w.written(), net::MacAddress::for_multicast(group6(g))));
        net::ByteWriter w4{buf};
        wire::write_ipv4_header(w4,
                                wire::Ipv4HeaderSpec{*Ipv4Address::parse("192.0.2.101"), group4(g),
                                                     64, 0, wire::kProtoUdp},
                                72);
        w4.zeros(72);
        v4_frames.push_back(frame(w4.written(), net::MacAddress::for_multicast(group4(g))));
        if (translate) {
            net::ByteWriter t4{buf};
            wire::write_ipv4_header(t4,
                                    wire::Ipv4HeaderSpec{*Ipv4Address::parse("192.0.2.101"),
                                                         translated4(g), 64, 0, wire::kProtoUdp},
                                    72);
            // A UDP header (checksum 0x1234, not "none": the incremental path, not the
            // full sum) and 64 octets of data.
            t4.u16(5000);
            t4.u16(5001);
            t4.u16(72);
            t4.u16(0x1234);
            t4.zeros(64);
            translated_frames.push_back(
                frame(t4.written(), net::MacAddress::for_multicast(translated4(g))));
        }
    }
}

} // namespace ecmh::test
