// SPDX-License-Identifier: BSD-3-Clause
// Scenario: super-frames (rfc-map item M12). With GRO on, a NIC's stack hands the capture
// one frame for many datagrams of a flow, larger than the link could carry; a veth peer's
// UDP_SEGMENT send arrives the same way. With the capture's offload description the
// engine cuts it back into its datagrams, and each is forwarded as if it had come alone:
// nothing lost, every copy the size the link carries. Without one (libpcap) the frame is
// dropped as oversized. The copies' UDP checksums are verified here by a sum of our own.
#include "support/scenario.hpp"

#include <algorithm>
#include <gtest/gtest.h>

using namespace ecmh;
using namespace ecmh::test;
using proto::at_ms;

namespace {

// h1a on d1 listens to G from the start.
template <class F>
class ScenarioSuperFrame : public ::testing::Test {
protected:
    void SetUp() override {
        s.run_until(at_ms(1000));
        s.report(s.d1(), F::H1A, {{RecordType::ChangeToExcludeMode, F::G, {}}});
        s.take();
    }
    Scenario s{Scenario::Options{.ipv6 = F::kV6, .ipv4 = !F::kV6}};
};

using Families = ::testing::Types<MldFamily, IgmpFamily>;
TYPED_TEST_SUITE(ScenarioSuperFrame, Families, FamilyNames);

constexpr std::size_t kDatagram = 1000; // the sender's datagram payload (gso_size)
constexpr std::size_t kDatagrams = 4;   // 3 whole ones and a last of half the size

// The super-frame GRO would build from the datagrams: one Ethernet, IP and UDP header
// for all of them, lengths covering the whole, the UDP checksum field holding what GRO
// leaves there (not a valid checksum of anything).
Bytes superframe(const std::string& source, const std::string& group) {
    const std::size_t payload = kDatagram * (kDatagrams - 1) + kDatagram / 2;
    auto ip = frames::udp(source, group, 8, payload);
    const std::size_t udp = ip.size() - payload - 8;
    ip[udp + 6] = 0x12; // a pseudo-header sum left to offload
    ip[udp + 7] = 0x34;
    return frames::ethernet(frames::mac_of(source), ip);
}

std::uint32_t sum_words(std::span<const std::uint8_t> b) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < b.size(); i += 2) {
        sum += static_cast<std::uint32_t>(b[i] << 8) | (i + 1 < b.size() ? b[i + 1] : 0U);
    }
    return sum;
}
// RFC 768 with the pseudo-header, for an IP packet whose upper layer starts at `udp`:
// 0xffff when the checksum is right.
std::uint32_t udp_check(const Bytes& ip, bool v6, std::size_t udp) {
    const auto addresses = std::span(ip).subspan(v6 ? 8 : 12, v6 ? 32 : 8);
    const auto datagram = std::span(ip).subspan(udp);
    std::uint32_t sum = sum_words(addresses) + 17 + static_cast<std::uint32_t>(datagram.size()) +
                        sum_words(datagram);
    while (sum > 0xffff) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

} // namespace

TYPED_TEST(ScenarioSuperFrame, IsCutIntoItsDatagramsAndEachIsForwarded) {
    using F = TypeParam;
    auto& s = this->s;
    const auto frame = superframe(F::S1, F::G);
    ASSERT_GT(frame.size(), 1500U + 18);
    s.deliver_captured(s.u0(), frame,
                       wire::ReceiveOffload{wire::ReceiveOffload::Kind::Udp, kDatagram});
    const auto copies = select(s.take(), {.link = s.d1()});
    ASSERT_EQ(copies.size(), kDatagrams);
    const std::size_t udp = F::kV6 ? 40 : 20;
    for (std::size_t i = 0; i < kDatagrams; ++i) {
        const auto& ip = copies[i].ip;
        const std::size_t payload = i + 1 < kDatagrams ? kDatagram : kDatagram / 2;
        ASSERT_EQ(ip.size(), udp + 8 + payload) << "datagram " << i;
        EXPECT_EQ(copies[i].hop_limit, 7);
        EXPECT_EQ(static_cast<std::size_t>((ip[udp + 4] << 8) | ip[udp + 5]), 8 + payload);
        EXPECT_EQ(udp_check(ip, F::kV6, udp), 0xffffU) << "datagram " << i;
        // frames::udp's payload octets run 0xa0, 0xa1, …: each datagram starts where the
        // one before it ended.
        EXPECT_EQ(ip[udp + 8], static_cast<std::uint8_t>(0xa0 + i * kDatagram)) << i;
        if constexpr (!F::kV6) {
            EXPECT_EQ((ip[4] << 8) | ip[5], 0x1234 + static_cast<int>(i)); // identification
        }
    }
    EXPECT_EQ(s.stats().superframes_segmented, 1U);
    EXPECT_EQ(s.stats().superframe_datagrams, kDatagrams);
    EXPECT_EQ(s.stats().of(engine::DropReason::OversizedFrame), 0U);
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}

TYPED_TEST(ScenarioSuperFrame, WithoutAUdpOffloadDescriptionItIsDroppedAsOversized) {
    using F = TypeParam;
    auto& s = this->s;
    const auto frame = superframe(F::S1, F::G);
    using Kind = wire::ReceiveOffload::Kind;
    // libpcap (no description), TCP segmentation, and a segment size larger than the
    // link's MTU (the description lies).
    for (const auto offload : {wire::ReceiveOffload{}, wire::ReceiveOffload{Kind::Other, 1000},
                               wire::ReceiveOffload{Kind::Udp, 2000}}) {
        s.deliver_captured(s.u0(), frame, offload);
    }
    EXPECT_TRUE(select(s.take(), {.link = s.d1()}).empty());
    EXPECT_EQ(s.stats().of(engine::DropReason::OversizedFrame), 3U);
    EXPECT_EQ(s.stats().superframes_segmented, 0U);
    // Data is lost: one warning that says why and what helps, not one per frame.
    const auto warnings =
        std::count_if(s.log().lines.begin(), s.log().lines.end(), [](const auto& l) {
            return l.second.find("larger than the link's MTU 1500") != std::string::npos;
        });
    EXPECT_EQ(warnings, 1);
    EXPECT_TRUE(s.log().contains("u0: dropped a " + std::to_string(frame.size()) + "-byte frame"));
    // The same datagrams sent one by one go through.
    EXPECT_EQ(s.probe(F::S1, F::G, s.u0()), std::vector<std::string>{"d1"});
}
