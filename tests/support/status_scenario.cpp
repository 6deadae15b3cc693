// SPDX-License-Identifier: BSD-3-Clause
#include "support/status_scenario.hpp"

#include "ecmh/net/byte_writer.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/igmp.hpp"
#include "ecmh/wire/ipv6.hpp"
#include "ecmh/wire/mld.hpp"
#include "support/engine_frames.hpp"

#include <array>

namespace ecmh::test {
namespace {

engine::ProxyConfig scenario_config() {
    engine::ProxyConfig config;
    config.vars = proto::fast_test_profile();
    return config;
}

const net::MacAddress kListener{{0x02, 0, 0, 0, 1, 0x0b}};

} // namespace

StatusScenario::StatusScenario() : proxy(scenario_config(), io, log, 11), now(proto::at_ms(5000)) {
    using proto::at_ms;
    const auto u0 =
        *proxy.add_link(ethernet_link("u0", 0x02, "fe80::2", "192.0.2.2", true, 2), at_ms(0));
    const auto d1 = *proxy.add_link(
        ethernet_link("d1", 0x10, "fe80::100", "198.51.100.100", false, 3), at_ms(0));
    const auto d2 =
        *proxy.add_link(ethernet_link("d2", 0x20, "fe80::200", "203.0.113.1", false, 4), at_ms(0));

    std::array<std::uint8_t, 1500> buf{};
    const std::array<net::Ipv6Address, 1> blocked{ipv6("2001:db8:1::66")};
    const wire::MldRecordSpec exclude{wire::RecordType::ChangeToExcludeMode, ipv6("ff0e::1:2000"),
                                      blocked};
    wire::PackCursor c1;
    auto n = wire::pack_mld_v2_report(buf, ipv6("fe80::b"), 1500, std::span(&exclude, 1), c1);
    proxy.on_frame(d1, ethernet_frame(std::span(buf.data(), *n), kListener), at_ms(1000));

    const std::array<net::Ipv4Address, 1> sources{ipv4("192.0.2.101")};
    const wire::IgmpRecordSpec ssm{wire::RecordType::AllowNewSources, ipv4("232.1.1.1"), sources};
    wire::PackCursor c2;
    n = wire::pack_igmp_v3_report(buf, ipv4("198.51.100.11"), 1500, std::span(&ssm, 1), c2);
    proxy.on_frame(d1, ethernet_frame(std::span(buf.data(), *n), kListener), at_ms(2000));

    n = wire::build_igmp_v2_report(buf, ipv4("203.0.113.11"), ipv4("239.1.2.3"));
    proxy.on_frame(d2, ethernet_frame(std::span(buf.data(), *n), kListener), at_ms(2500));

    for (int i = 0; i < 2; ++i) {
        net::ByteWriter w{buf};
        wire::write_ipv6_header(
            w,
            wire::Ipv6HeaderSpec{ipv6("2001:db8:1::1"), ipv6("ff0e::1:2000"), 8, wire::kProtoUdp},
            30);
        w.zeros(30);
        proxy.on_frame(u0, ethernet_frame(w.written(), kListener), at_ms(3000));
    }
    n = wire::pack_mld_v2_report(buf, ipv6("fe80::b"), 1500, std::span(&exclude, 1), c1 = {});
    buf[48 + 2] ^= 0xff; // a bad checksum: dropped and counted
    proxy.on_frame(d1, ethernet_frame(std::span(buf.data(), *n), kListener), at_ms(3500));

    for (auto t = proxy.next_deadline(); t <= at_ms(4000); t = proxy.next_deadline()) {
        proxy.on_timer(t);
    }
    proxy.set_link_down(d2, at_ms(4000));
    for (auto t = proxy.next_deadline(); t <= now; t = proxy.next_deadline()) {
        proxy.on_timer(t);
    }
}

} // namespace ecmh::test
