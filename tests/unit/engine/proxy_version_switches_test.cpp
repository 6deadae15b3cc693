// SPDX-License-Identifier: BSD-3-Clause
// The switches RFC 9776 and RFC 9777 RECOMMEND for SSM-only networks, through a whole
// Proxy: --no-host-compatibility (the upstream ignores older-version queries, RFC 9777
// §8.2.1, RFC 9776 §7.2.1; rfc-map item 38) and --igmp3only (IGMPv1/v2 reports and leaves
// ignored downstream, RFC 9776 §7.3.1, as -2 does for MLDv1; rfc-map item 29).
#include "ecmh/engine/proxy.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/igmp.hpp"
#include "ecmh/wire/mld.hpp"
#include "support/engine_frames.hpp"
#include "support/fake_link_io.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <gtest/gtest.h>
#include <variant>
#include <vector>

using namespace ecmh;
using proto::at_ms;

namespace {

constexpr const char* kUpstreamRouter6 = "fe80::1";
constexpr const char* kUpstreamRouter4 = "192.0.2.1";

using Bytes = std::vector<std::uint8_t>;

template <class Built>
Bytes bytes_of(const std::array<std::uint8_t, 1500>& buf, const Built& n) {
    if (!n.has_value()) {
        ADD_FAILURE() << "a test frame could not be built";
        return {};
    }
    return {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n)};
}

Bytes mld_v2_join(const char* host, const char* group) {
    std::array<std::uint8_t, 1500> buf{};
    const wire::MldRecordSpec rec{wire::RecordType::ChangeToExcludeMode, test::ipv6(group), {}};
    wire::PackCursor cursor;
    return bytes_of(
        buf, wire::pack_mld_v2_report(buf, test::ipv6(host), 1500, std::span(&rec, 1), cursor));
}

Bytes igmp_v3_join(const char* host, const char* group) {
    std::array<std::uint8_t, 1500> buf{};
    const wire::IgmpRecordSpec rec{wire::RecordType::ChangeToExcludeMode, test::ipv4(group), {}};
    wire::PackCursor cursor;
    return bytes_of(
        buf, wire::pack_igmp_v3_report(buf, test::ipv4(host), 1500, std::span(&rec, 1), cursor));
}

Bytes igmp_old(std::uint8_t type, const char* host, const char* group) {
    std::array<std::uint8_t, 1500> buf{};
    const auto h = test::ipv4(host);
    const auto g = test::ipv4(group);
    return bytes_of(buf, type == wire::kIgmpV1Report   ? wire::build_igmp_v1_report(buf, h, g)
                         : type == wire::kIgmpV2Report ? wire::build_igmp_v2_report(buf, h, g)
                                                       : wire::build_igmp_v2_leave(buf, h, g));
}

Bytes mld_query(wire::MldVersion version) {
    std::array<std::uint8_t, 1500> buf{};
    wire::MldQuerySpec q;
    q.version = version;
    q.source = test::ipv6(kUpstreamRouter6);
    q.max_response_ms = 1000;
    return bytes_of(buf, wire::build_mld_query(buf, q));
}

Bytes igmp_query(wire::IgmpVersion version) {
    std::array<std::uint8_t, 1500> buf{};
    wire::IgmpQuerySpec q;
    q.version = version;
    q.source = test::ipv4(kUpstreamRouter4);
    q.max_response_tenths = 10;
    return bytes_of(buf, wire::build_igmp_query(buf, q));
}

// MLD and IGMP message types of what was sent on `link`, sorted.
std::vector<std::uint8_t> control_types_on(const std::vector<test::SentFrame>& sent,
                                           engine::LinkId link) {
    std::vector<std::uint8_t> types;
    for (const auto& f : sent) {
        const auto lf = wire::parse_link_frame(wire::LinkType::Ethernet, f.bytes);
        if (f.link != link || !lf) {
            continue;
        }
        if (lf->protocol == wire::NetworkProtocol::Ipv6) {
            if (const auto p = wire::parse_ipv6(lf->payload); p && wire::parse_mld(*p)) {
                types.push_back(p->payload[0]);
            }
        } else if (const auto p = wire::parse_ipv4(lf->payload); p && wire::parse_igmp(*p)) {
            types.push_back(p->payload[0]);
        }
    }
    std::sort(types.begin(), types.end());
    return types;
}

struct Rig {
    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::Proxy proxy;
    engine::LinkId u0;
    engine::LinkId d1;

    explicit Rig(const engine::ProxyConfig& config)
        : proxy{config, io, log, 3}, u0{*proxy.add_link(
                                         test::ethernet_link("u0", 2, "fe80::2", "192.0.2.2", true),
                                         at_ms(0))},
          d1{*proxy.add_link(test::ethernet_link("d1", 0x10, "fe80::100", "198.51.100.100", false),
                             at_ms(0))} {}
    void deliver(engine::LinkId link, const Bytes& ip, std::int64_t ms) {
        proxy.on_frame(link, test::ethernet_frame(ip), at_ms(ms));
    }
    void run_until(std::int64_t ms) {
        for (auto t = proxy.next_deadline(); t <= at_ms(ms); t = proxy.next_deadline()) {
            proxy.on_timer(t);
        }
    }
};

engine::ProxyConfig fast_config() {
    engine::ProxyConfig config;
    config.vars = proto::fast_test_profile();
    return config;
}

} // namespace

// Without the switch an MLDv1 / IGMPv2 General Query upstream is answered with MLDv1 /
// IGMPv2 reports and puts the upstream into that version (RFC 9777 §8.2.1, RFC 9776
// §7.2.1); with --no-host-compatibility it is ignored and counted: no answer, no change.
TEST(ProxyVersionSwitches, HostCompatibilityOffIgnoresOlderQueriesUpstream) {
    struct Row {
        bool host_compatibility;
        std::vector<std::uint8_t> answers; // on u0, after the two older queries, sorted
        std::uint8_t mld_version;
        std::uint8_t igmp_version;
        std::uint64_t ignored; // per family
    };
    const Row rows[] = {
        {true, {wire::kIgmpV2Report, wire::kMldV1Report}, 1, 2, 0},
        {false, {}, 2, 3, 1},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.host_compatibility ? "host compatibility on" : "off");
        auto config = fast_config();
        config.host_compatibility = row.host_compatibility;
        Rig rig{config};
        rig.deliver(rig.d1, mld_v2_join("fe80::a", "ff0e::1:1000"), 10);
        rig.deliver(rig.d1, igmp_v3_join("198.51.100.10", "239.1.1.1"), 10);
        rig.run_until(3000); // the state-change retransmissions are over
        rig.io.take();
        rig.deliver(rig.u0, mld_query(wire::MldVersion::V1), 3100);
        rig.deliver(rig.u0, igmp_query(wire::IgmpVersion::V2), 3100);
        rig.run_until(4200); // both answers are due within the 1 s max response
        EXPECT_EQ(control_types_on(rig.io.take(), rig.u0), row.answers);
        EXPECT_EQ(rig.proxy.mld().host(rig.u0)->current_version(), row.mld_version);
        EXPECT_EQ(rig.proxy.igmp().host(rig.u0)->current_version(), row.igmp_version);
        EXPECT_EQ(rig.proxy.mld().host(rig.u0)->counters().older_queries_ignored, row.ignored);
        EXPECT_EQ(rig.proxy.igmp().host(rig.u0)->counters().older_queries_ignored, row.ignored);
    }
}

// RFC 9776 §7.3.1: "It is RECOMMENDED that implementations provide a configuration option to
// disable use of compatibility mode". With --igmp3only an IGMPv1 or IGMPv2 Report and an
// IGMPv2 Leave on a downstream link are dropped as ignored-version, as -2 drops MLDv1
// (ScenarioMldModes.V2OnlyDropsMldv1); IGMPv3 is taken either way. Without it the old
// reports put their groups into compatibility mode (RFC 9776 §7.3.2).
TEST(ProxyVersionSwitches, Igmp3OnlyDropsIgmpv1AndIgmpv2) {
    struct Row {
        bool igmp3_only;
        std::size_t groups;     // in the forwarding table afterwards
        std::uint64_t ignored;  // ignored-version drops
        std::uint8_t compat_g1; // 239.1.1.1's Group Compatibility Mode on d1
    };
    const Row rows[] = {{false, 3, 0, 1}, {true, 1, 3, 0}};
    for (const auto& row : rows) {
        SCOPED_TRACE(row.igmp3_only ? "--igmp3only" : "default");
        auto config = fast_config();
        config.ipv6 = false;
        config.igmp3_only = row.igmp3_only;
        Rig rig{config};
        rig.deliver(rig.d1, igmp_old(wire::kIgmpV1Report, "198.51.100.10", "239.1.1.1"), 10);
        rig.deliver(rig.d1, igmp_old(wire::kIgmpV2Report, "198.51.100.11", "239.1.1.2"), 20);
        rig.deliver(rig.d1, igmp_old(wire::kIgmpV2Leave, "198.51.100.12", "239.1.1.2"), 30);
        rig.deliver(rig.d1, igmp_v3_join("198.51.100.13", "239.1.1.3"), 40);
        EXPECT_EQ(rig.proxy.igmp().forwarding().group_count(), row.groups);
        EXPECT_EQ(rig.proxy.statistics().of(engine::DropReason::IgnoredVersion), row.ignored);
        const auto* g1 = rig.proxy.igmp().router(rig.d1)->find(test::ipv4("239.1.1.1"));
        EXPECT_EQ(g1 == nullptr ? 0 : g1->compatibility_version(), row.compat_g1);
    }
}
