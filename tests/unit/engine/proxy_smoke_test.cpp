// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/engine/proxy.hpp"
#include "ecmh/net/checksum.hpp"
#include "ecmh/wire/constants.hpp"
#include "ecmh/wire/link.hpp"
#include "ecmh/wire/mld.hpp"
#include "support/engine_frames.hpp"
#include "support/fake_link_io.hpp"

#include <array>
#include <gtest/gtest.h>
#include <variant>

using namespace ecmh;
using engine::LinkId;
using net::Ipv6Address;
using proto::at_ms;

namespace {

Ipv6Address v6(const char* s) {
    return *Ipv6Address::parse(s);
}

// An IPv6-only proxy with upstream u0 and downstream d1, its startup queries taken.
class ProxySmoke : public ::testing::Test {
protected:
    ProxySmoke() : proxy{ipv6_only(), io, log, 1} {}

    void SetUp() override {
        u0 = *proxy.add_link(test::ethernet_link("u0", 2, "fe80::2", "192.0.2.2", true), at_ms(0));
        d1 = *proxy.add_link(test::ethernet_link("d1", 0x10, "fe80::100", "198.51.100.100", false),
                             at_ms(0));
        io.take(); // startup queries
    }

    // h1a (fe80::a) on d1, at 10 ms: an MLDv2 TO_EX({}) for `group`.
    void join_on_d1(const Ipv6Address& group) {
        std::array<std::uint8_t, 1500> buf{};
        const wire::MldRecordSpec rec{wire::RecordType::ChangeToExcludeMode, group, {}};
        wire::PackCursor cursor;
        const auto len =
            wire::pack_mld_v2_report(buf, v6("fe80::a"), 1500, std::span(&rec, 1), cursor);
        ASSERT_TRUE(len.has_value());
        proxy.on_frame(d1, test::ethernet_frame(std::span(buf.data(), *len)), at_ms(10));
    }

    static engine::ProxyConfig ipv6_only() {
        engine::ProxyConfig config;
        config.ipv4 = false;
        return config;
    }

    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::Proxy proxy;
    LinkId u0{};
    LinkId d1{};
};

} // namespace

TEST_F(ProxySmoke, JoinIsReportedUpstreamAndDataReachesTheListener) {
    ASSERT_NO_FATAL_FAILURE(join_on_d1(v6("ff0e::1:1000")));

    const auto sent = io.take();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].link, u0);
    const auto lf = wire::parse_link_frame(wire::LinkType::Ethernet, sent[0].bytes);
    ASSERT_TRUE(lf.has_value());
    EXPECT_EQ(lf->source, (net::MacAddress{{0x02, 0, 0, 0, 0, 2}}));
    const auto ip = wire::parse_ipv6(lf->payload);
    ASSERT_TRUE(ip.has_value());
    EXPECT_EQ(ip->source, v6("fe80::2"));
    const auto mld = wire::parse_mld(*ip);
    ASSERT_TRUE(mld.has_value());
    const auto& report = std::get<wire::MldV2Report>(*mld);
    ASSERT_EQ(report.record_count(), 1);
    EXPECT_EQ((*report.begin()).record_type(), wire::RecordType::ChangeToExcludeMode);
    EXPECT_EQ((*report.begin()).group, v6("ff0e::1:1000"));

    // Data from upstream: UDP to the group with hop limit 8 → one copy on d1, hop limit 7.
    std::array<std::uint8_t, 64> data{};
    net::ByteWriter w{data};
    wire::Ipv6HeaderSpec h{v6("2001:db8:1::1"), v6("ff0e::1:1000"), 8, wire::kProtoUdp};
    wire::write_ipv6_header(w, h, 8);
    w.zeros(8);
    proxy.on_frame(u0, test::ethernet_frame(w.written()), at_ms(20));
    const auto copies = io.take();
    ASSERT_EQ(copies.size(), 1U);
    EXPECT_EQ(copies[0].link, d1);
    const auto out = wire::parse_link_frame(wire::LinkType::Ethernet, copies[0].bytes);
    EXPECT_EQ(out->destination.to_string(), "33:33:00:01:10:00");
    EXPECT_EQ(out->source, (net::MacAddress{{0x02, 0, 0, 0, 0, 0x10}}));
    EXPECT_EQ(wire::parse_ipv6(out->payload)->hop_limit, 7);
    EXPECT_EQ(proxy.statistics().forwarded, 1U);
}

// A local sender on a veth hands its packets over with the UDP checksum left to offload;
// the copies ecmh sends must carry the complete checksum, or every receiver drops them.
TEST_F(ProxySmoke, CompletesAChecksumLeftToOffloadInEveryCopy) {
    ASSERT_NO_FATAL_FAILURE(join_on_d1(v6("ff0e::1:1000")));
    io.take(); // the report upstream

    const auto source = v6("2001:db8:1::1");
    const auto group = v6("ff0e::1:1000");
    std::array<std::uint8_t, 52> data{};
    net::ByteWriter w{data};
    wire::write_ipv6_header(w, wire::Ipv6HeaderSpec{source, group, 8, wire::kProtoUdp}, 12);
    const std::array<std::uint8_t, 12> udp = {0x13, 0x88, 0x17, 0x70, 0, 12, 0, 0, 1, 2, 3, 4};
    w.bytes(udp);
    // The partial value: the folded pseudo-header sum.
    const auto partial =
        static_cast<std::uint16_t>(~net::ipv6_pseudo_header(source, group, 12, 17).finish());
    data[46] = static_cast<std::uint8_t>(partial >> 8);
    data[47] = static_cast<std::uint8_t>(partial);
    proxy.on_frame(u0, test::ethernet_frame(w.written()), at_ms(20));

    const auto copies = io.take();
    ASSERT_EQ(copies.size(), 1U);
    const auto out = wire::parse_link_frame(wire::LinkType::Ethernet, copies[0].bytes);
    ASSERT_TRUE(out.has_value());
    const auto ip = wire::parse_ipv6(out->payload);
    ASSERT_TRUE(ip.has_value());
    auto verify = net::ipv6_pseudo_header(source, group, 12, 17);
    verify.add(ip->payload);
    EXPECT_EQ(verify.finish(), 0) << "the copy's UDP checksum verifies";
    EXPECT_EQ(proxy.statistics().checksums_completed, 1U);
}
