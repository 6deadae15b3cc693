// SPDX-License-Identifier: BSD-3-Clause
// Scenario: translated data (issue 16 item 3). An IPv4 datagram of a pair whose home is
// IPv4 reaches the IPv6 listeners of its counterpart as the RFC 7915 translation (the
// harness checks every translated copy: addresses, hop limit, traffic class, the UDP
// datagram unchanged and its checksum verified by the test's own sum); the reverse with
// an IPv6-only upstream; never both a native and a translated stream of a pair on one
// link and family; too big copies are fragmented or refused as RFC 7915 says.
#include "support/scenario_fixture.hpp"
#include "support/udp_oracle.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <set>

using namespace ecmh;
using namespace ecmh::test;
using proto::at_ms;

namespace {

using Strings = std::vector<std::string>;

constexpr const char* kG4 = "239.1.2.3";
constexpr const char* kG6 = "ff18:1000::ef01:203";
constexpr const char* kSsm4 = "232.1.2.3";
constexpr const char* kSsm6 = "ff3e:0:8000::e801:203";
constexpr const char* kS4 = "192.0.2.10";                       // an IPv4 sender upstream
constexpr const char* kS4As6 = "64:ff9b:1::c000:20a";           // its IPv6 form
constexpr const char* kS6 = "2001:db8:1::10";                   // an IPv6-only sender upstream
constexpr const char* kS6Translatable = "64:ff9b:1::c633:6407"; // 198.51.100.7
constexpr const char* kH6 = "fe80::1:a";
constexpr const char* kH4 = "203.0.113.10";
constexpr const char* kH4OnD1 = "198.51.100.10";

Scenario::Options translating(bool u0_ipv4 = true) {
    Scenario::Options o;
    o.translation = net::TranslationPrefixes::defaults();
    o.u0_ipv4 = u0_ipv4;
    return o;
}

// The data events on `link`: "v6 SRC>DST hop N" lines.
Strings data_on(const Events& events, LinkId link) {
    Strings out;
    for (const auto& e : select(events, {.link = link, .kind = Kind::Data})) {
        out.push_back(std::string(e.v6 ? "v6 " : "v4 ") + e.source + ">" + e.destination + " hop " +
                      std::to_string(e.hop_limit));
    }
    return out;
}

class ScenarioTranslateData : public ::testing::Test {
protected:
    void TearDown() override {
        EXPECT_TRUE(s_.violations().empty()) << ::testing::PrintToString(s_.violations());
        const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
        seeds_.save(std::string(test->test_suite_name()) + "." + test->name());
    }
    // d1's MLD listener joins `g6` at 1 s (any source, or `sources`).
    void join6(const char* g6, std::vector<std::string> sources = {}) {
        s_.run_until(at_ms(1000));
        s_.report(s_.d1(), kH6,
                  {{sources.empty() ? RecordType::ChangeToExcludeMode : RecordType::AllowNewSources,
                    g6, std::move(sources)}});
        s_.run_until(at_ms(1500));
        s_.take();
    }
    // One UDP datagram in on `link`; the events it caused.
    Events send(LinkId link, const std::string& source, const std::string& group,
                std::uint8_t hop = 16, std::size_t payload = 32, bool dont_fragment = false) {
        s_.deliver(link, frames::udp_checksummed(source, group, hop, payload, dont_fragment));
        return s_.take();
    }

    Scenario s_{translating()};
    script::SeedRecorder seeds_{s_}; // ECMH_SCENARIO_SEEDS: the engine fuzzer's seeds
};

} // namespace

// ASM: 192.0.2.10 -> 239.1.2.3 reaches d1's IPv6 listener as 64:ff9b:1::c000:20a ->
// ff18:1000::ef01:203 with the hop limit one lower, and nowhere else.
TEST_F(ScenarioTranslateData, Ipv4DataReachesAnIpv6ListenerTranslated) {
    join6(kG6);
    const auto events = send(s_.u0(), kS4, kG4, 16);
    EXPECT_EQ(data_on(events, s_.d1()),
              Strings{"v6 64:ff9b:1::c000:20a>ff18:1000::ef01:203 hop 15"})
        << dump(events);
    EXPECT_EQ(events.size(), 1U) << dump(events);
    EXPECT_EQ(s_.stats().translated_to_ipv6, 1U);
    EXPECT_EQ(s_.stats().forwarded, 0U); // no native copy
}

// SSM: only the joined source's datagrams, mapped through the source prefix.
TEST_F(ScenarioTranslateData, SsmDataOfTheJoinedSourceOnly) {
    join6(kSsm6, {kS4As6});
    auto events = send(s_.u0(), kS4, kSsm4);
    EXPECT_EQ(data_on(events, s_.d1()),
              Strings{"v6 64:ff9b:1::c000:20a>ff3e:0:8000::e801:203 hop 15"})
        << dump(events);
    events = send(s_.u0(), "192.0.2.11", kSsm4);
    EXPECT_TRUE(events.empty()) << dump(events);
}

// A native IGMP listener on d2 and a translated one on d1 at the same time: each link gets
// the stream once, in its listener's family; the upstream carries one membership.
TEST_F(ScenarioTranslateData, NativeAndTranslatedListenersAtTheSameTime) {
    s_.report(s_.d2(), kH4, {{RecordType::ChangeToExcludeMode, kG4, {}}});
    join6(kG6);
    s_.report(s_.d1(), kH4OnD1, {{RecordType::ChangeToExcludeMode, kG4, {}}});
    s_.run_until(at_ms(2000));
    s_.take();
    const auto events = send(s_.u0(), kS4, kG4);
    EXPECT_EQ(data_on(events, s_.d2()), Strings{"v4 192.0.2.10>239.1.2.3 hop 15"}) << dump(events);
    auto on_d1 = data_on(events, s_.d1());
    std::sort(on_d1.begin(), on_d1.end());
    EXPECT_EQ(on_d1, (Strings{"v4 192.0.2.10>239.1.2.3 hop 15",
                              "v6 64:ff9b:1::c000:20a>ff18:1000::ef01:203 hop 15"}))
        << dump(events);
}

// The pair's home is IPv4: a native IPv6 stream of ff18:1000::ef01:203 from the upstream
// is not forwarded next to the translated one, and is counted.
TEST_F(ScenarioTranslateData, TheNonHomeFamilysNativeStreamIsSuppressed) {
    join6(kG6);
    const auto events = send(s_.u0(), kS6, kG6);
    EXPECT_TRUE(events.empty()) << dump(events);
    EXPECT_EQ(s_.stats().of(engine::DropReason::TranslateSuppressed), 1U);
    // From a downstream source the native stream is the only one: forwarded as usual
    // (to the upstream too, RFC 4605 §4.2).
    EXPECT_EQ(s_.probe("2001:db8:2::20", kG6, s_.d2()), (Strings{"d1", "u0"}));
}

// The reverse: with an IPv6-only upstream, an IPv6 sender reaches an IPv4 listener. A
// sender inside the source prefix keeps its address; any other gets the out-link's.
TEST(ScenarioTranslateDataReverse, Ipv6DataReachesAnIpv4Listener) {
    Scenario s(translating(/*u0_ipv4=*/false));
    s.run_until(at_ms(1000));
    s.report(s.d1(), kH4OnD1, {{RecordType::ChangeToExcludeMode, kG4, {}}});
    s.run_until(at_ms(1500));
    s.take();
    s.deliver(s.u0(), frames::udp_checksummed(kS6, kG6, 16));
    auto events = s.take();
    EXPECT_EQ(data_on(events, s.d1()), Strings{"v4 198.51.100.100>239.1.2.3 hop 15"})
        << dump(events);
    s.deliver(s.u0(), frames::udp_checksummed(kS6Translatable, kG6, 16));
    events = s.take();
    EXPECT_EQ(data_on(events, s.d1()), Strings{"v4 198.51.100.7>239.1.2.3 hop 15"}) << dump(events);
    EXPECT_EQ(s.stats().translated_to_ipv4, 2U);
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}

// The listener leaves: its translated copies stop once its state is gone.
TEST_F(ScenarioTranslateData, ALeaveStopsTheTranslatedCopies) {
    join6(kG6);
    EXPECT_FALSE(data_on(send(s_.u0(), kS4, kG4), s_.d1()).empty());
    s_.report(s_.d1(), kH6, {{RecordType::ChangeToIncludeMode, kG6, {}}});
    s_.run_until(at_ms(8000));
    s_.take();
    const auto events = send(s_.u0(), kS4, kG4);
    EXPECT_TRUE(events.empty()) << dump(events);
}

// TTL 1 is not forwarded, translated or not (RFC 7915 §4.1: the translator decrements).
TEST_F(ScenarioTranslateData, TtlOneIsNotTranslated) {
    join6(kG6);
    const auto events = send(s_.u0(), kS4, kG4, 1);
    EXPECT_TRUE(events.empty()) << dump(events);
    EXPECT_EQ(s_.stats().translated_to_ipv6, 0U);
}

// Too big for d1 (1500): without Don't Fragment, IPv6 fragments; with it, dropped and
// counted, and no ICMP to the IPv4 sender (RFC 1812 §4.3.2.7).
TEST_F(ScenarioTranslateData, TooBigIpv4IsFragmentedUnlessDontFragment) {
    join6(kG6);
    // 1472 bytes of payload: a 1500-byte IPv4 packet, 1520 bytes as IPv6.
    auto events = send(s_.u0(), kS4, kG4, 16, 1472);
    const auto pieces = select(events, {.link = s_.d1(), .kind = Kind::Data});
    EXPECT_EQ(pieces.size(), 2U) << dump(events);
    for (const auto& p : pieces) {
        EXPECT_LE(p.ip_length, 1500U);
    }
    EXPECT_EQ(s_.stats().fragmented, 1U);
    events = send(s_.u0(), kS4, kG4, 16, 1472, /*dont_fragment=*/true);
    EXPECT_TRUE(events.empty()) << dump(events);
    EXPECT_EQ(s_.stats().of(engine::DropReason::TooBigForLink), 1U);
}

// Only UDP is translated; anything else with listeners is counted.
TEST_F(ScenarioTranslateData, NonUdpIsCountedNotTranslated) {
    join6(kG6);
    auto ip = frames::udp_checksummed(kS4, kG4, 16);
    ip[9] = 6; // TCP
    ip[10] = 0;
    ip[11] = 0;
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < 20; i += 2) {
        sum += static_cast<std::uint32_t>((ip[i] << 8) | ip[i + 1]);
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    ip[10] = static_cast<std::uint8_t>(~sum >> 8);
    ip[11] = static_cast<std::uint8_t>(~sum & 0xff);
    s_.deliver(s_.u0(), ip);
    const auto events = s_.take();
    EXPECT_TRUE(events.empty()) << dump(events);
    EXPECT_EQ(s_.stats().translate_drops[static_cast<std::size_t>(wire::TranslateError::NotUdp)],
              1U);
    // Logged with its addresses and ports, once per interval (RFC 7915 §4.5).
    EXPECT_TRUE(
        s_.log().contains("not translated: 192.0.2.10 -> 239.1.2.3 (ports 5000 -> 5001): not-udp"));
    const auto lines = s_.log().lines.size();
    s_.deliver(s_.u0(), ip);
    EXPECT_EQ(s_.log().lines.size(), lines);
}

// A zero IPv4 UDP checksum ("none") cannot stay zero in IPv6: it is computed (RFC 7915
// §4.5), and the harness's own sum verifies it.
TEST_F(ScenarioTranslateData, AZeroIpv4ChecksumIsComputed) {
    join6(kG6);
    s_.deliver(s_.u0(), frames::udp(kS4, kG4, 16));
    const auto events = s_.take();
    EXPECT_EQ(data_on(events, s_.d1()),
              Strings{"v6 64:ff9b:1::c000:20a>ff18:1000::ef01:203 hop 15"})
        << dump(events);
    EXPECT_EQ(s_.stats().translate_checksums_computed, 1U);
}

namespace {

// Does the UDP datagram of `ip` (no options, no extension headers) verify under its
// pseudo-header? The test's own sum (support/udp_oracle.hpp).
bool udp_verifies(const Bytes& ip) {
    const bool v6 = (ip[0] >> 4) == 6;
    const std::size_t header = v6 ? 40 : 20;
    return udp::verifies(udp::slice(ip, v6 ? 8 : 12, v6 ? 32 : 8),
                         udp::slice(ip, header, ip.size() - header));
}

// `ip` with its last payload byte changed, so that its UDP checksum no longer verifies.
Bytes corrupted(Bytes ip) {
    ip.back() ^= 0x5aU;
    EXPECT_FALSE(udp_verifies(ip));
    return ip;
}

} // namespace

// A datagram whose UDP checksum does not verify is translated with the checksum updated
// for the new pseudo-header (RFC 7915 §4.5), not computed afresh: it reaches the IPv6
// listener as corrupt as it arrived, for its receiver to drop. (The harness's checks
// once demanded a verifying copy whatever arrived; engine_fuzz found that.)
TEST_F(ScenarioTranslateData, ACorruptUdpChecksumStaysCorrupt) {
    join6(kG6);
    s_.deliver(s_.u0(), corrupted(frames::udp_checksummed(kS4, kG4, 16)));
    auto events = s_.take();
    auto copies = select(events, {.link = s_.d1(), .kind = Kind::Data});
    ASSERT_EQ(copies.size(), 1U) << dump(events);
    EXPECT_FALSE(udp_verifies(copies.front().ip));
    s_.deliver(s_.u0(), frames::udp_checksummed(kS4, kG4, 16));
    events = s_.take();
    copies = select(events, {.link = s_.d1(), .kind = Kind::Data});
    ASSERT_EQ(copies.size(), 1U) << dump(events);
    EXPECT_TRUE(udp_verifies(copies.front().ip));
}

TEST(ScenarioTranslateDataReverse, ACorruptUdpChecksumStaysCorrupt) {
    Scenario s(translating(/*u0_ipv4=*/false));
    s.run_until(at_ms(1000));
    s.report(s.d1(), kH4OnD1, {{RecordType::ChangeToExcludeMode, kG4, {}}});
    s.run_until(at_ms(1500));
    s.take();
    s.deliver(s.u0(), corrupted(frames::udp_checksummed(kS6Translatable, kG6, 16)));
    const auto events = s.take();
    const auto copies = select(events, {.link = s.d1(), .kind = Kind::Data});
    ASSERT_EQ(copies.size(), 1U) << dump(events);
    EXPECT_FALSE(udp_verifies(copies.front().ip));
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}

namespace {

// An IPv6-only upstream and an IGMP listener of 239.1.2.3 on d2, whose MTU is `d2_mtu`.
Scenario reverse_with_d2_mtu(std::uint32_t d2_mtu) {
    auto o = translating(/*u0_ipv4=*/false);
    o.d2_mtu = d2_mtu;
    return Scenario(o);
}

} // namespace

// IPv6 -> IPv4 too big for d2 (1280): above 1260 octets the IPv4 header says Don't
// Fragment (RFC 7915 §5.1), so the IPv6 source gets a Packet Too Big with the size that
// fits once translated, 1280 + 20 (RFC 7915 §5, RFC 4443 §3.2), on its arrival link.
TEST(ScenarioTranslateDataReverse, TooBigWithDontFragmentTellsTheIpv6Source) {
    auto s = reverse_with_d2_mtu(1280);
    s.run_until(at_ms(1000));
    s.report(s.d2(), kH4, {{RecordType::ChangeToExcludeMode, kG4, {}}});
    s.run_until(at_ms(1500));
    s.take();
    s.deliver(s.u0(), frames::udp_checksummed(kS6, kG6, 16, 1400 - 48));
    const auto events = s.take();
    EXPECT_TRUE(select(events, {.link = s.d2()}).empty()) << dump(events);
    const auto errors = select(events, {.link = s.u0(), .kind = Kind::PacketTooBig});
    ASSERT_EQ(errors.size(), 1U) << dump(events);
    const auto& ip = errors.front().ip;
    ASSERT_GE(ip.size(), 48U);
    EXPECT_EQ(errors.front().destination, kS6);
    EXPECT_EQ((ip[44] << 24) | (ip[45] << 16) | (ip[46] << 8) | ip[47], 1300);
    EXPECT_EQ(s.stats().of(engine::DropReason::TooBigForLink), 1U);
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}

// At most 1260 octets the IPv4 copy may be fragmented: on a 576-octet link it goes as
// IPv4 fragments, none larger than the MTU.
TEST(ScenarioTranslateDataReverse, SmallEnoughForIpv4FragmentsIsFragmented) {
    auto s = reverse_with_d2_mtu(576);
    s.run_until(at_ms(1000));
    s.report(s.d2(), kH4, {{RecordType::ChangeToExcludeMode, kG4, {}}});
    s.run_until(at_ms(1500));
    s.take();
    s.deliver(s.u0(), frames::udp_checksummed(kS6, kG6, 16, 1000 - 48));
    const auto events = s.take();
    const auto pieces = select(events, {.link = s.d2(), .kind = Kind::Data});
    ASSERT_EQ(pieces.size(), 2U) << dump(events);
    std::size_t total = 0;
    for (const auto& p : pieces) {
        EXPECT_LE(p.ip_length, 576U);
        EXPECT_FALSE(p.v6);
        total += p.ip_length - 20;
    }
    EXPECT_EQ(total, 1000U - 40U); // the UDP datagram, all of it
    EXPECT_EQ(s.stats().fragmented, 1U);
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}

// SSM the other way: an IPv4 listener of (198.51.100.7, 232.1.2.3) gets the datagrams of
// the IPv6 sender 64:ff9b:1::c633:6407 only.
TEST(ScenarioTranslateDataReverse, SsmOfTheJoinedTranslatableSourceOnly) {
    Scenario s(translating(/*u0_ipv4=*/false));
    s.run_until(at_ms(1000));
    s.report(s.d2(), kH4, {{RecordType::AllowNewSources, kSsm4, {"198.51.100.7"}}});
    s.run_until(at_ms(1500));
    s.take();
    s.deliver(s.u0(), frames::udp_checksummed(kS6Translatable, kSsm6, 16));
    auto events = s.take();
    EXPECT_EQ(data_on(events, s.d2()), Strings{"v4 198.51.100.7>232.1.2.3 hop 15"}) << dump(events);
    s.deliver(s.u0(), frames::udp_checksummed(kS6, kSsm6, 16));
    events = s.take();
    EXPECT_TRUE(events.empty()) << dump(events);
    EXPECT_TRUE(s.violations().empty()) << ::testing::PrintToString(s.violations());
}
