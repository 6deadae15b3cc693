// SPDX-License-Identifier: BSD-3-Clause
// The ingress program, frame by frame (BPF_PROG_TEST_RUN): what it forwards must be
// byte for byte what the engine would send (the prepare_copy oracle), and everything it
// does not own must go up unchanged.
#include "ecmh/io/clock.hpp"
#include "support/engine_frames.hpp"
#include "support/ipv4_packets.hpp"
#include "xdp_fixture.hpp"

#include <linux/bpf.h>
#include <random>

namespace ecmh::test::xdp {
namespace {

class Ingress : public XdpTest {
protected:
    void SetUp() override {
        XdpTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        ASSERT_TRUE(cache->install(key6(), action({1, 2})));
        ASSERT_TRUE(cache->install(key4(), action({1, 2})));
    }

    // The frame is forwarded: redirected, Ethernet header as it came, the IP packet as
    // the engine would send it.
    void expect_forwarded(const Bytes& f) {
        const auto r = run(f);
        EXPECT_EQ(r.verdict, XDP_REDIRECT);
        const auto ip = ip_of(f);
        const auto expected = engine_copy(ip);
        ASSERT_FALSE(expected.empty()) << "the engine cannot parse the test's packet";
        EXPECT_EQ(ip_of(r.frame), expected);
        EXPECT_TRUE(std::equal(f.begin(), f.begin() + 14, r.frame.begin()));
    }
    // The frame goes up exactly as it came, for this reason.
    void expect_up(const Bytes& f, ecmh_xdp_event why) {
        const auto before = events(why);
        const auto r = run(f);
        EXPECT_EQ(r.verdict, XDP_PASS);
        EXPECT_EQ(r.frame, f);
        EXPECT_EQ(events(why), before + 1) << "pass-up reason " << why;
    }
};

TEST_F(Ingress, HopLimitTwoIsForwardedOneAndZeroGoUp) {
    expect_forwarded(frame(udp6(2)));
    expect_forwarded(frame(udp6(64)));
    expect_up(frame(udp6(1)), ECMH_XDP_PASS_HOP_LIMIT);
    expect_up(frame(udp6(0)), ECMH_XDP_PASS_HOP_LIMIT);
}

TEST_F(Ingress, TtlTwoIsForwardedOneAndZeroGoUp) {
    expect_forwarded(frame(udp4(2)));
    expect_forwarded(frame(udp4(255)));
    expect_up(frame(udp4(1)), ECMH_XDP_PASS_HOP_LIMIT);
    expect_up(frame(udp4(0)), ECMH_XDP_PASS_HOP_LIMIT);
}

// RFC 1624's incremental update against the engine's, over many headers: every field
// the sum covers varies (the flow's addresses stay, it is the cached one).
TEST_F(Ingress, Ipv4ChecksumMatchesTheEngineOverRandomHeaders) {
    std::mt19937 random{1624};
    auto byte = [&] { return static_cast<std::uint8_t>(random()); };
    for (int i = 0; i < 10'000; ++i) {
        auto ip = udp4(static_cast<std::uint8_t>(2 + random() % 254), random() % 64);
        ip[1] = byte(); // TOS
        ip[4] = byte(); // Identification
        ip[5] = byte();
        ip[6] = static_cast<std::uint8_t>(byte() & 0x40); // DF, never MF / offset
        v4::fix_header_checksum(ip);
        expect_forwarded(frame(ip));
        if (HasFailure()) {
            ADD_FAILURE() << "at header " << i;
            return;
        }
    }
}

TEST_F(Ingress, BadIpv4ChecksumGoesUp) {
    auto ip = udp4(64);
    ip[10] ^= 0x01;
    expect_up(frame(ip), ECMH_XDP_PASS_BAD_CHECKSUM);
}

TEST_F(Ingress, Ipv4OptionsGoUp) {
    // The same datagram with a 4-byte NOP/EOL option: IHL 6.
    const auto plain = udp4(64);
    Bytes ip(plain.begin(), plain.begin() + 20);
    ip.insert(ip.end(), {0x01, 0x01, 0x01, 0x00});
    ip.insert(ip.end(), plain.begin() + 20, plain.end());
    ip[0] = 0x46;
    v4::set_total_length(ip, ip.size());
    v4::fix_header_checksum(ip);
    expect_up(frame(ip), ECMH_XDP_PASS_CONTROL);
}

// The kernel runs no XDP program on fewer than 14 bytes (EINVAL), so lengths start there.
TEST_F(Ingress, EveryTruncatedFrameGoesUpUnchanged) {
    for (const auto& full : {frame(udp6(64)), frame(udp4(64))}) {
        for (std::size_t length = 14; length < full.size(); ++length) {
            const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(length));
            const auto r = run(cut);
            EXPECT_EQ(r.verdict, XDP_PASS) << "length " << length;
            EXPECT_EQ(r.frame, cut) << "length " << length;
        }
    }
    EXPECT_FALSE(program->test_run(Bytes(13, 0), arrival_index));
}

TEST_F(Ingress, EthernetPaddingIsTrimmed) {
    for (const auto& ip : {udp4(64, 2), udp6(64, 2)}) {
        auto padded = frame(ip);
        padded.resize(std::max<std::size_t>(padded.size() + 10, 60), 0);
        const auto r = run(padded);
        EXPECT_EQ(r.verdict, XDP_REDIRECT);
        EXPECT_EQ(r.frame.size(), 14 + ip.size());
        EXPECT_EQ(ip_of(r.frame), engine_copy(ip));
    }
}

// An extension header of 8 bytes after the fixed header, in front of the UDP datagram.
Bytes with_extension(std::uint8_t type, const Bytes& header) {
    auto ip = udp6(64);
    Bytes h = header;
    h[0] = ip[6]; // its Next Header: UDP
    ip.insert(ip.begin() + 40, h.begin(), h.end());
    ip[6] = type;
    const auto payload = ip.size() - 40;
    ip[4] = static_cast<std::uint8_t>(payload >> 8);
    ip[5] = static_cast<std::uint8_t>(payload);
    return ip;
}

TEST_F(Ingress, HopByHopAndIcmpv6GoUp) {
    expect_up(frame(with_extension(0, {0, 0, 1, 4, 0, 0, 0, 0})), ECMH_XDP_PASS_CONTROL);
    auto icmp = udp6(64);
    icmp[6] = 58;
    expect_up(frame(icmp), ECMH_XDP_PASS_CONTROL);
}

TEST_F(Ingress, FragmentAndRoutingHeadersAreForwardedDestinationOptionsGoUp) {
    // A first fragment (offset 0, M set), a non-first one (offset 8), Routing with
    // Segments Left 0: forwarded as the engine forwards them.
    expect_forwarded(frame(with_extension(44, {0, 0, 0x00, 0x01, 0, 0, 0, 1})));
    expect_forwarded(frame(with_extension(44, {0, 0, 0x00, 0x40, 0, 0, 0, 1})));
    expect_forwarded(frame(with_extension(43, {0, 0, 0, 0, 0, 0, 0, 0})));
    // Segments Left 1 (the engine drops it), Destination Options (its options the
    // engine reads): up.
    expect_up(frame(with_extension(43, {0, 0, 0, 1, 0, 0, 0, 0})), ECMH_XDP_PASS_CONTROL);
    expect_up(frame(with_extension(60, {0, 0, 1, 4, 0, 0, 0, 0})), ECMH_XDP_PASS_CONTROL);
}

TEST_F(Ingress, IgmpAndProtocol41GoUp) {
    for (const std::uint8_t protocol : {2, 41}) {
        auto ip = udp4(64);
        ip[9] = protocol;
        v4::fix_header_checksum(ip);
        expect_up(frame(ip), ECMH_XDP_PASS_CONTROL);
    }
}

// A tag after the MACs: 802.1Q (0x8100) once, or 802.1ad (0x88a8) + 802.1Q (QinQ).
Bytes tagged(const Bytes& f, std::initializer_list<std::uint16_t> tpids) {
    Bytes out(f.begin(), f.begin() + 12);
    for (const auto tpid : tpids) {
        out.insert(out.end(), {static_cast<std::uint8_t>(tpid >> 8),
                               static_cast<std::uint8_t>(tpid), 0x00, 0x64});
    }
    out.insert(out.end(), f.begin() + 12, f.end());
    return out;
}

TEST_F(Ingress, VlanTaggedFramesGoUp) {
    expect_up(tagged(frame(udp6(64)), {0x8100}), ECMH_XDP_PASS_VLAN);
    expect_up(tagged(frame(udp4(64)), {0x88a8, 0x8100}), ECMH_XDP_PASS_VLAN);
}

TEST_F(Ingress, OurOwnSourceMacGoesUp) {
    expect_up(frame(udp6(64), kArrivalMac), ECMH_XDP_PASS_OWN_MAC);
    expect_up(frame(udp4(64), out_mac(3)), ECMH_XDP_PASS_OWN_MAC);
}

// A link without a MAC (tun, sit) makes no MAC ours, as Proxy::is_own_mac has it.
TEST_F(Ingress, ALinkWithoutAMacMakesNoMacOurs) {
    ASSERT_TRUE(cache->set_link(out_link(4), io::XdpLink{out_index[4], net::MacAddress{}, 1500}));
    expect_forwarded(frame(udp6(64), net::MacAddress{}));
}

TEST_F(Ingress, MaxLengthIsForwardedOneMoreGoesUp) {
    const auto ip = udp6(64);
    const auto length = static_cast<std::uint32_t>(ip.size());
    ASSERT_TRUE(cache->install(key6(), action({1}, length)));
    expect_forwarded(frame(ip));
    ASSERT_TRUE(cache->install(key6(), action({1}, length - 1)));
    expect_up(frame(ip), ECMH_XDP_PASS_TOO_BIG);
}

TEST_F(Ingress, FrameLongerThanTheArrivalMtuGoesUp) {
    const auto ip = udp4(64);
    register_links(static_cast<std::uint32_t>(ip.size()));
    expect_forwarded(frame(ip));
    register_links(static_cast<std::uint32_t>(ip.size() - 1));
    expect_up(frame(ip), ECMH_XDP_PASS_FRAME_TOO_LONG);
}

TEST_F(Ingress, ValidUntilInThePastGoesUpInTheFutureIsForwarded) {
    const auto now = io::monotonic_now();
    ASSERT_TRUE(cache->install(key6(), action({1}, 1500, now - std::chrono::seconds{1})));
    expect_up(frame(udp6(64)), ECMH_XDP_PASS_EXPIRED);
    ASSERT_TRUE(cache->install(key6(), action({1}, 1500, now + std::chrono::hours{1})));
    expect_forwarded(frame(udp6(64)));
}

TEST_F(Ingress, UncachedAndRemovedFlowsGoUp) {
    expect_up(frame(frames::udp_checksummed(kSource6, "ff3e::1:2", 64)), ECMH_XDP_PASS_NOT_CACHED);
    (void)cache->remove(key4());
    expect_up(frame(udp4(64)), ECMH_XDP_PASS_NOT_CACHED);
    expect_forwarded(frame(udp6(64))); // the other flow stays
}

// A multicast packet in a frame addressed to one MAC (ours, say) leaves with the group's
// MAC, as the engine writes it: 33:33 and the group's last four octets (RFC 2464 §7), or
// 01:00:5e and its low 23 bits (RFC 1112 §6.4), worked out here from the IP bytes.
TEST_F(Ingress, FrameToAUnicastMacLeavesWithTheGroupsMac) {
    const Bytes kUnicast{0x02, 0x00, 0x00, 0x00, 0x00, 0x99};
    for (const bool v6 : {true, false}) {
        Bytes f = v6 ? frame(udp6(64)) : frame(udp4(64));
        std::copy(kUnicast.begin(), kUnicast.end(), f.begin());
        const auto r = run(f);
        ASSERT_EQ(r.verdict, XDP_REDIRECT) << (v6 ? "IPv6" : "IPv4");
        const auto ip = ip_of(f);
        const Bytes expected =
            v6 ? Bytes{0x33, 0x33, ip[36], ip[37], ip[38], ip[39]}
               : Bytes{0x01, 0x00, 0x5e, static_cast<std::uint8_t>(ip[17] & 0x7f), ip[18], ip[19]};
        EXPECT_EQ(Bytes(r.frame.begin(), r.frame.begin() + 6), expected) << (v6 ? "IPv6" : "IPv4");
        EXPECT_EQ(ip_of(r.frame), engine_copy(ip));
    }
}

TEST_F(Ingress, UnicastDestinationGoesUp) {
    expect_up(frame(frames::udp_checksummed(kSource6, "2001:db8:2::1", 64)),
              ECMH_XDP_PASS_NOT_MULTICAST);
    expect_up(frame(frames::udp_checksummed(kSource4, "198.51.100.1", 64)),
              ECMH_XDP_PASS_NOT_MULTICAST);
}

TEST_F(Ingress, ArrivalLinkRemovedGoesUp) {
    cache->remove_link(kArrival);
    expect_up(frame(udp6(64)), ECMH_XDP_PASS_NO_LINK);
}

} // namespace
} // namespace ecmh::test::xdp
