// SPDX-License-Identifier: BSD-3-Clause
// The netdev family's messages (xdp_features.hpp) against bytes laid out as the kernel
// lays them out (tests/support/netlink_builder.hpp), every way an answer can be wrong, and
// one real question to this kernel.
#include "ecmh/io/xdp_features.hpp"
#include "support/netlink_builder.hpp"

#include <cerrno>
#include <cstring>
#include <gtest/gtest.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>

using ecmh::io::parse_netdev_dev;
using ecmh::io::parse_netdev_family;
using ecmh::io::XdpFeatures;
using ecmh::net::IfIndex;
using ecmh::test::nl::Attr;
using ecmh::test::nl::Bytes;
using ecmh::test::nl::message;
using ecmh::test::nl::raw;
using ecmh::test::nl::text;
using ecmh::test::nl::u16;
using ecmh::test::nl::u32;

namespace {

constexpr std::uint16_t kFamily = 0x22; // any id the controller could give
// netdev.h, written out independently of the code under test.
constexpr std::uint16_t kIfindex = 1;
constexpr std::uint16_t kPad = 2;
constexpr std::uint16_t kXdpFeatures = 3;

Bytes genl_header(std::uint8_t command) {
    genlmsghdr g{};
    g.cmd = command;
    g.version = 1;
    return raw(g);
}

Bytes u64(std::uint64_t v) {
    return raw(v);
}

Bytes dev_answer(std::uint32_t ifindex, std::uint64_t features) {
    // The kernel puts the 64-bit value after a pad attribute when it needs aligning.
    return message(
        kFamily, genl_header(1),
        {Attr{kIfindex, u32(ifindex)}, Attr{kPad, {}}, Attr{kXdpFeatures, u64(features)}});
}

Bytes error_answer(int code) {
    nlmsgerr e{};
    e.error = -code;
    return message(NLMSG_ERROR, raw(e));
}

TEST(XdpFeatures, NamesTheBitsAsNetdevYamlDoes) {
    EXPECT_EQ(XdpFeatures{0}.to_string(), "none");
    EXPECT_EQ(XdpFeatures{0x07}.to_string(), "basic redirect ndo-xmit");
    EXPECT_EQ(XdpFeatures{0x63}.to_string(), "basic redirect rx-sg ndo-xmit-sg");
}

TEST(XdpFeatures, NativeRedirectNeedsBasicAndRedirect) {
    EXPECT_TRUE(XdpFeatures{0x03}.native_redirect());
    EXPECT_FALSE(XdpFeatures{0x01}.native_redirect());
    EXPECT_FALSE(XdpFeatures{0x02}.native_redirect());
    EXPECT_FALSE(XdpFeatures{0x03}.redirect_target());
    EXPECT_TRUE(XdpFeatures{0x04}.redirect_target());
}

TEST(XdpFeatureMessages, FamilyRequestAsksTheControllerForNetdev) {
    const auto r = ecmh::io::netdev_family_request(7);
    ASSERT_GE(r.size(), NLMSG_HDRLEN + GENL_HDRLEN + 4);
    nlmsghdr h{};
    std::memcpy(&h, r.data(), sizeof h);
    EXPECT_EQ(h.nlmsg_len, r.size());
    EXPECT_EQ(h.nlmsg_type, GENL_ID_CTRL);
    EXPECT_EQ(h.nlmsg_seq, 7U);
    EXPECT_EQ(h.nlmsg_flags, NLM_F_REQUEST);
    EXPECT_EQ(r[NLMSG_HDRLEN], CTRL_CMD_GETFAMILY);
    const Bytes expected_attr = ecmh::test::nl::encode(Attr{CTRL_ATTR_FAMILY_NAME, text("netdev")});
    EXPECT_EQ(Bytes(r.begin() + NLMSG_HDRLEN + GENL_HDRLEN, r.end()), expected_attr);
}

TEST(XdpFeatureMessages, DevGetNamesTheInterface) {
    const auto r = ecmh::io::netdev_dev_get_request(kFamily, IfIndex{42}, 9);
    nlmsghdr h{};
    std::memcpy(&h, r.data(), sizeof h);
    EXPECT_EQ(h.nlmsg_type, kFamily);
    EXPECT_EQ(r[NLMSG_HDRLEN], 1); // NETDEV_CMD_DEV_GET
    EXPECT_EQ(Bytes(r.begin() + NLMSG_HDRLEN + GENL_HDRLEN, r.end()),
              ecmh::test::nl::encode(Attr{kIfindex, u32(42)}));
}

TEST(XdpFeatureMessages, FamilyIdFromTheControllersAnswer) {
    const Bytes answer = message(
        GENL_ID_CTRL, genl_header(CTRL_CMD_NEWFAMILY),
        {Attr{CTRL_ATTR_FAMILY_NAME, text("netdev")}, Attr{CTRL_ATTR_FAMILY_ID, u16(kFamily)}});
    EXPECT_EQ(parse_netdev_family(answer), kFamily);
}

TEST(XdpFeatureMessages, NoFamilyFromAnErrorOrAMalformedAnswer) {
    EXPECT_FALSE(parse_netdev_family(error_answer(ENOENT)));
    EXPECT_FALSE(parse_netdev_family({}));
    // The id with a size other than 16 bits.
    EXPECT_FALSE(parse_netdev_family(message(GENL_ID_CTRL, genl_header(CTRL_CMD_NEWFAMILY),
                                             {Attr{CTRL_ATTR_FAMILY_ID, u32(kFamily)}})));
    // No generic header after the netlink one.
    EXPECT_FALSE(parse_netdev_family(message(GENL_ID_CTRL, {})));
}

TEST(XdpFeatureMessages, FeaturesOfTheInterfaceAskedFor) {
    EXPECT_EQ(parse_netdev_dev(dev_answer(5, 0x67), IfIndex{5}), XdpFeatures{0x67});
    EXPECT_EQ(parse_netdev_dev(dev_answer(5, 0), IfIndex{5}), XdpFeatures{0});
}

TEST(XdpFeatureMessages, NoFeaturesFromAnotherInterfaceAnErrorOrALie) {
    EXPECT_FALSE(parse_netdev_dev(dev_answer(6, 0x67), IfIndex{5}));
    EXPECT_FALSE(parse_netdev_dev(error_answer(ENODEV), IfIndex{5}));
    EXPECT_FALSE(parse_netdev_dev(message(kFamily, genl_header(1), {Attr{kIfindex, u32(5)}}),
                                  IfIndex{5})); // no features
    EXPECT_FALSE(parse_netdev_dev(
        message(kFamily, genl_header(1), {Attr{kIfindex, u32(5)}, Attr{kXdpFeatures, u32(7)}}),
        IfIndex{5})); // 32 bits where the kernel sends 64
    Bytes cut = dev_answer(5, 0x67);
    cut.resize(cut.size() - 4); // the last attribute's value cut short
    EXPECT_FALSE(parse_netdev_dev(cut, IfIndex{5}));
}

// The loopback device is in every network namespace and cannot be a native redirect's
// source: the kernel says so, or it is older than the netdev family.
TEST(XdpFeatureQuery, AsksThisKernelAboutLoopback) {
    auto query = ecmh::io::XdpFeatureQuery::open();
    if (!query) {
        GTEST_SKIP() << query.error().message();
    }
    const auto lo = query->features(IfIndex{if_nametoindex("lo")});
    ASSERT_TRUE(lo) << lo.error().message();
    EXPECT_FALSE(lo->native_redirect()) << lo->to_string();
    const auto none = query->features(IfIndex{0x7ffffff0});
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, ENODEV) << none.error().message();
}

} // namespace
