// SPDX-License-Identifier: BSD-3-Clause
// The netdev family's messages (xdp_features.hpp) against bytes laid out as the kernel
// lays them out (tests/support/netlink_builder.hpp), every way an answer can be wrong, and
// one real question to this kernel.
#include "ecmh/io/xdp_features.hpp"
#include "support/netlink_builder.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <optional>
#include <poll.h>
#include <sched.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using ecmh::io::parse_netdev_dev;
using ecmh::io::parse_netdev_family;
using ecmh::io::parse_netdev_mgmt_group;
using ecmh::io::parse_netdev_notices;
using ecmh::io::UniqueFd;
using ecmh::io::XdpFeatureNotice;
using ecmh::io::XdpFeatures;
using ecmh::net::IfIndex;
using ecmh::test::nl::Attr;
using ecmh::test::nl::Bytes;
using ecmh::test::nl::concat;
using ecmh::test::nl::encode;
using ecmh::test::nl::message;
using ecmh::test::nl::nested;
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

// One entry of CTRL_ATTR_MCAST_GROUPS as the controller nests it: its position as type,
// the name and the id inside.
Attr group_entry(std::uint16_t position, const Bytes& name, const Bytes& id) {
    return Attr{nested(position), concat({encode(Attr{CTRL_ATTR_MCAST_GRP_NAME, name}),
                                          encode(Attr{CTRL_ATTR_MCAST_GRP_ID, id})})};
}

// The controller's answer about netdev, in the kernel's order, with `groups` (encoded
// entries, lying ones included) as its groups block; none when empty.
Bytes family_answer(const Bytes& groups) {
    std::vector<Attr> attrs{Attr{CTRL_ATTR_FAMILY_NAME, text("netdev")},
                            Attr{CTRL_ATTR_FAMILY_ID, u16(kFamily)},
                            Attr{CTRL_ATTR_VERSION, u32(1)},
                            Attr{nested(CTRL_ATTR_OPS), encode(Attr{nested(1), u32(1)})}};
    if (!groups.empty()) {
        attrs.push_back(Attr{nested(CTRL_ATTR_MCAST_GROUPS), groups});
    }
    return message(GENL_ID_CTRL, genl_header(CTRL_CMD_NEWFAMILY), attrs);
}

// `bytes` (an encoded attribute or message) with its first 16 bits, nla_len, set to a lie.
Bytes with_length(Bytes bytes, std::uint16_t length) {
    std::memcpy(bytes.data(), &length, sizeof length);
    return bytes;
}

// A notification as netdev_genl_dev_notify sends it.
Bytes notice_message(std::uint8_t command, std::uint32_t ifindex, std::uint64_t features,
                     std::uint16_t family = kFamily) {
    return message(
        family, genl_header(command),
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

struct GroupCase {
    const char* what;
    Bytes answer;
    std::optional<std::uint32_t> group;
};

TEST(XdpFeatureMessages, MgmtGroupFromTheControllersAnswer) {
    const auto mgmt = encode(group_entry(1, text("mgmt"), u32(7)));
    const auto pool = encode(group_entry(2, text("page-pool"), u32(8)));
    const std::vector<GroupCase> cases{
        {"the one group", family_answer(mgmt), 7},
        {"mgmt after another group",
         family_answer(concat({encode(group_entry(1, text("page-pool"), u32(8))),
                               encode(group_entry(2, text("mgmt"), u32(9)))})),
         9},
        {"mgmt before another group", family_answer(concat({mgmt, pool})), 7},
        {"no mgmt group", family_answer(pool), std::nullopt},
        {"no groups at all", family_answer({}), std::nullopt},
        {"a name that starts as mgmt", family_answer(encode(group_entry(1, text("mgmtx"), u32(7)))),
         std::nullopt},
        {"a name cut short", family_answer(encode(group_entry(1, text("mgm"), u32(7)))),
         std::nullopt},
        {"a name without its NUL",
         family_answer(encode(group_entry(1, Bytes{'m', 'g', 'm', 't'}, u32(7)))), std::nullopt},
        {"an id of 16 bits", family_answer(encode(group_entry(1, text("mgmt"), u16(7)))),
         std::nullopt},
        {"id 0", family_answer(encode(group_entry(1, text("mgmt"), u32(0)))), std::nullopt},
        {"no id",
         family_answer(
             encode(Attr{nested(1), encode(Attr{CTRL_ATTR_MCAST_GRP_NAME, text("mgmt")})})),
         std::nullopt},
        {"a group before mgmt whose length runs past the block",
         family_answer(concat({with_length(pool, 200), mgmt})), std::nullopt},
        {"mgmt's id whose length runs past its entry",
         family_answer(encode(Attr{
             nested(1), concat({encode(Attr{CTRL_ATTR_MCAST_GRP_NAME, text("mgmt")}),
                                with_length(encode(Attr{CTRL_ATTR_MCAST_GRP_ID, u32(7)}), 12)})})),
         std::nullopt},
        {"an error answer", error_answer(ENOENT), std::nullopt},
        {"nothing", {}, std::nullopt},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(parse_netdev_mgmt_group(c.answer), c.group) << c.what;
    }
    // The answer cut anywhere inside the groups block: the message's length lies.
    const Bytes cut = family_answer(concat({pool, mgmt}));
    for (std::size_t n = 4; n <= mgmt.size(); n += 4) {
        Bytes shorter = cut;
        shorter.resize(cut.size() - n);
        EXPECT_FALSE(parse_netdev_mgmt_group(shorter)) << n << " bytes cut";
    }
    // The family id is still read from an answer with groups.
    EXPECT_EQ(parse_netdev_family(family_answer(concat({pool, mgmt}))), kFamily);
}

struct NoticeCase {
    const char* what;
    Bytes datagram;
    std::vector<XdpFeatureNotice> notices;
};

TEST(XdpFeatureMessages, NoticesOfTheFamilysDeviceCommands) {
    using Kind = XdpFeatureNotice::Kind;
    const XdpFeatureNotice changed{Kind::Changed, IfIndex{7}, XdpFeatures{0x23}};
    const XdpFeatureNotice added{Kind::Added, IfIndex{8}, XdpFeatures{0x67}};
    const XdpFeatureNotice removed{Kind::Removed, IfIndex{9}, XdpFeatures{0}};
    const Bytes no_features =
        message(kFamily, genl_header(4), {Attr{kIfindex, u32(7)}}); // features left out
    const std::vector<NoticeCase> cases{
        {"dev-change-ntf", notice_message(4, 7, 0x23), {changed}},
        {"dev-add-ntf", notice_message(2, 8, 0x67), {added}},
        {"dev-del-ntf", notice_message(3, 9, 0), {removed}},
        {"three in one datagram",
         concat({notice_message(2, 8, 0x67), notice_message(4, 7, 0x23), notice_message(3, 9, 0)}),
         {added, changed, removed}},
        {"dev-get's answer", notice_message(1, 7, 0x23), {}},
        {"a page-pool notification", notice_message(6, 7, 0x23), {}},
        {"another family's", notice_message(4, 7, 0x23, kFamily + 1), {}},
        {"an error", error_answer(ENOBUFS), {}},
        {"no features", no_features, {}},
        {"features of 32 bits",
         message(kFamily, genl_header(4), {Attr{kIfindex, u32(7)}, Attr{kXdpFeatures, u32(0x23)}}),
         {}},
        {"ifindex 0", notice_message(4, 0, 0x23), {}},
        {"no generic header", message(kFamily, {}), {}},
        {"a malformed one between two",
         concat({notice_message(2, 8, 0x67), no_features, notice_message(3, 9, 0)}),
         {added, removed}},
        {"the second's length running past the datagram",
         concat({notice_message(4, 7, 0x23), with_length(notice_message(2, 8, 0x67), 200)}),
         {changed}},
        {"nothing", {}, {}},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(parse_netdev_notices(c.datagram, kFamily), c.notices) << c.what;
    }
    // A notice cut anywhere is none.
    const Bytes whole = notice_message(4, 7, 0x23);
    for (std::size_t n = 1; n < whole.size(); ++n) {
        Bytes shorter = whole;
        shorter.resize(n);
        EXPECT_TRUE(parse_netdev_notices(shorter, kFamily).empty()) << n << " bytes left";
    }
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

// This kernel's netdev family has the mgmt group, and the watch joins it (any user may):
// a non-blocking socket, whose receive() returns at once. A group the family does not
// have is refused, so the join is real. (That notices arrive: HearsOfANewInterface.)
TEST(XdpFeatureWatch, JoinsThisKernelsMgmtGroup) {
    auto query = ecmh::io::XdpFeatureQuery::open();
    if (!query) {
        GTEST_SKIP() << query.error().message();
    }
    const auto group = query->mgmt_group();
    ASSERT_TRUE(group) << "a netdev family without its mgmt group";
    auto watch = ecmh::io::XdpFeatureWatch::open(query->family(), *group);
    if (!watch && watch.error().code == EPERM) {
        GTEST_SKIP() << watch.error().message();
    }
    ASSERT_TRUE(watch) << watch.error().message();
    const int flags = ::fcntl(watch->fd(), F_GETFL);
    EXPECT_NE(flags & O_NONBLOCK, 0);
    const auto news = watch->receive();
    ASSERT_TRUE(news) << news.error().message();
    EXPECT_FALSE(news->lost);
    EXPECT_FALSE(ecmh::io::XdpFeatureWatch::open(query->family(), 0x7ffffff0));
}

// Creates the veth pair `name`–`peer` in the calling thread's network namespace (no
// acknowledgement asked: the kernel applies it within send()).
void add_veth(const std::string& name, const std::string& peer) {
    const ifinfomsg ifi{};
    const Bytes peer_info = concat({raw(ifi), encode(Attr{IFLA_IFNAME, text(peer)})});
    const Bytes link_info =
        concat({encode(Attr{IFLA_INFO_KIND, text("veth")}),
                encode(Attr{nested(IFLA_INFO_DATA), encode(Attr{VETH_INFO_PEER, peer_info})})});
    const Bytes m = message(RTM_NEWLINK, raw(ifi),
                            {Attr{IFLA_IFNAME, text(name)}, Attr{nested(IFLA_LINKINFO), link_info}},
                            NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
    const UniqueFd control{::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)};
    ASSERT_TRUE(control.valid());
    ASSERT_EQ(::send(control.get(), m.data(), m.size(), 0), static_cast<ssize_t>(m.size()));
}

// A watch on the calling thread's namespace; nullopt, with `skip` set when the kernel has
// no netdev family, or with a failure when the family has no mgmt group or the join fails.
std::optional<ecmh::io::XdpFeatureWatch> open_watch(std::string& skip) {
    auto query = ecmh::io::XdpFeatureQuery::open();
    if (!query) {
        skip = query.error().message();
        return std::nullopt;
    }
    const auto group = query->mgmt_group();
    EXPECT_TRUE(group) << "a netdev family without its mgmt group";
    if (!group) {
        return std::nullopt;
    }
    auto watch = ecmh::io::XdpFeatureWatch::open(query->family(), *group);
    EXPECT_TRUE(watch) << watch.error().message();
    if (!watch) {
        return std::nullopt;
    }
    return std::move(*watch);
}

// Runs `scenario` in a thread of its own, in a network namespace of its own (the namespace
// is per thread): what it creates never touches the host's links, and goes with the
// thread. Returns why the test is to be skipped, or "".
std::string in_own_namespace(void (*scenario)(std::string& skip)) {
    bool unshared = false;
    std::string skip;
    std::thread worker([&] {
        unshared = ::unshare(CLONE_NEWNET) == 0;
        if (unshared) {
            scenario(skip);
        }
    });
    worker.join();
    return unshared ? skip : "unshare(CLONE_NEWNET) refused";
}

// The watch hears the kernel announce a veth created after it joined.
void new_interface_scenario(std::string& skip) {
    auto watch = open_watch(skip);
    if (!watch) {
        return;
    }
    add_veth("ecmh-n0", "ecmh-n1");
    const IfIndex n0{::if_nametoindex("ecmh-n0")};
    ASSERT_TRUE(n0.valid()) << "the veth was not created";
    const auto announced = [&](const XdpFeatureNotice& n) {
        return n.ifindex == n0 && n.kind == XdpFeatureNotice::Kind::Added;
    };
    std::vector<XdpFeatureNotice> heard;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::none_of(heard.begin(), heard.end(), announced) &&
           std::chrono::steady_clock::now() < deadline) {
        pollfd p{watch->fd(), POLLIN, 0};
        ASSERT_GE(::poll(&p, 1, 100), 0);
        const auto news = watch->receive();
        ASSERT_TRUE(news) << news.error().message();
        EXPECT_FALSE(news->lost);
        heard.insert(heard.end(), news->notices.begin(), news->notices.end());
    }
    EXPECT_TRUE(std::any_of(heard.begin(), heard.end(), announced))
        << "no dev-add-ntf for ecmh-n0 (ifindex " << n0.value() << ") among " << heard.size()
        << " notices";
}

// More notices than the socket's buffer holds, none read meanwhile: the kernel drops
// some, and receive() says so (the daemon then reads every link's features again).
void overflow_scenario(std::string& skip) {
    auto watch = open_watch(skip);
    if (!watch) {
        return;
    }
    const int smallest = 1; // the kernel raises it to its minimum, a few notices' worth
    ASSERT_EQ(::setsockopt(watch->fd(), SOL_SOCKET, SO_RCVBUF, &smallest, sizeof smallest), 0);
    for (int i = 0; i < 32; ++i) {
        add_veth("ecmh-o" + std::to_string(i), "ecmh-p" + std::to_string(i));
    }
    const auto news = watch->receive();
    ASSERT_TRUE(news) << news.error().message();
    EXPECT_TRUE(news->lost) << news->notices.size()
                            << " notices and none lost: the buffer never overflowed";
}

TEST(XdpFeatureWatch, HearsOfANewInterface) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root for a network namespace of its own";
    }
    if (const auto skip = in_own_namespace(new_interface_scenario); !skip.empty()) {
        GTEST_SKIP() << skip;
    }
}

TEST(XdpFeatureWatch, SaysWhenTheKernelDroppedNotices) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root for a network namespace of its own";
    }
    if (const auto skip = in_own_namespace(overflow_scenario); !skip.empty()) {
        GTEST_SKIP() << skip;
    }
}

} // namespace
