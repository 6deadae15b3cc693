// SPDX-License-Identifier: BSD-3-Clause
// LinkManager against a fake frame source and a fake transmitter, with a real engine:
// every interface that qualifies gets ONE id under which it is captured, routed and
// known to the engine; links that go lose all three together; links that change, go
// down or whose capture fails keep their id and their listeners (rfc-map M19); and
// what the engine sends reaches the right interface through that id.
#include "ecmh/app/link_manager.hpp"
#include "ecmh/proto/protocol_variables.hpp"
#include "support/fake_link_io.hpp"

#include <gtest/gtest.h>
#include <map>
#include <net/if.h>
#include <net/if_arp.h>
#include <set>

namespace ecmh::app {
namespace {

using engine::LinkId;
using net::IfIndex;
using proto::at_ms;

class FakeFrameSource final : public io::FrameSource {
public:
    io::SysResult<wire::LinkType> attach(LinkId id, const io::CaptureLink& link) override {
        if (failing.contains(link.name)) {
            return net::unexpected(io::SysError{"capture on " + link.name, 19, "No such device"});
        }
        attached[id] = link.index;
        router[id] = link.router;
        return link.hardware_type == ARPHRD_ETHER ? wire::LinkType::Ethernet : wire::LinkType::Raw;
    }
    void detach(LinkId id) override {
        attached.erase(id);
        ++detaches;
    }
    io::SysResult<io::Done> resize(LinkId id, const io::CaptureLink& link) override {
        resized[id] = link.mtu;
        return io::Done{};
    }
    std::vector<int> fds() const override { return {}; }
    std::size_t dispatch(std::span<const pollfd>, int, proto::TimePoint,
                         io::LinkFrameSink&) override {
        return 0;
    }
    std::uint64_t kernel_drops() override { return 0; }
    const char* name() const override { return "fake"; }

    std::map<LinkId, IfIndex> attached;
    std::map<LinkId, bool> router;           // asked to join the report addresses (downstream)
    std::map<LinkId, std::uint32_t> resized; // the MTU each capture was last resized to
    std::set<std::string> failing;
    int detaches = 0;
};

class FakeTransmitter final : public io::LinkTransmitter {
public:
    struct Route {
        IfIndex index;
        wire::LinkType type;
    };
    void attach(LinkId link, IfIndex index, wire::LinkType type) override {
        routes[link] = Route{index, type};
    }
    void detach(LinkId link) override { routes.erase(link); }
    std::span<std::uint8_t> reserve(LinkId link, std::size_t length) override {
        if (!routes.contains(link)) {
            return {}; // as PacketSender: no route, no slot
        }
        slot_.assign(length, 0);
        return slot_;
    }
    void commit(LinkId link, std::size_t, wire::NetworkProtocol) override {
        ++sent_on[routes.at(link).index];
    }

    std::map<LinkId, Route> routes;
    std::map<IfIndex, int> sent_on; // frames per interface

private:
    std::vector<std::uint8_t> slot_;
};

io::InterfaceInfo interface(const char* name, std::uint32_t index,
                            std::uint16_t type = ARPHRD_ETHER) {
    io::InterfaceInfo info;
    info.index = IfIndex{index};
    info.name = name;
    info.hardware_type = type;
    info.flags = IFF_UP | IFF_RUNNING | IFF_MULTICAST;
    info.mtu = 1500;
    if (type == ARPHRD_ETHER) {
        info.mac = net::MacAddress{{0x02, 0, 0, 0, 0, static_cast<std::uint8_t>(index)}};
    }
    info.ipv6.push_back({*net::Ipv6Address::parse("fe80::" + std::to_string(index)), 64});
    return info;
}

class LinkManagerTest : public ::testing::Test {
protected:
    LinkManagerTest() { config_.vars = proto::fast_test_profile(); }

    // The one id each structure holds for `index`, checked to be the same everywhere.
    std::optional<LinkId> id_of(IfIndex index) {
        std::optional<LinkId> id;
        for (const auto& l : manager_.links()) {
            if (l.index == index) {
                id = l.id;
            }
        }
        if (!id) {
            return std::nullopt;
        }
        EXPECT_EQ(source_.attached.at(*id), index) << "capture under another id";
        EXPECT_EQ(sender_.routes.at(*id).index, index) << "route under another id";
        EXPECT_NE(proxy_.link(*id), nullptr) << "engine link under another id";
        EXPECT_EQ(proxy_.link(*id)->config.ifindex, index);
        return id;
    }
    // up0 upstream and dn0 downstream, reconciled at time 0.
    void start_with_two_links() {
        table_.upsert_link(interface("up0", 2));
        table_.upsert_link(interface("dn0", 3));
        manager_.reconcile(table_, at_ms(0));
    }
    bool nowhere(LinkId id) {
        return !source_.attached.contains(id) && !sender_.routes.contains(id) &&
               proxy_.link(id) == nullptr;
    }

    engine::ProxyConfig config_;
    test::RecordingLog log_;
    FakeFrameSource source_;
    FakeTransmitter sender_;
    engine::Proxy proxy_{config_, sender_, log_, 7};
    io::InterfaceTable table_;
    LinkManager manager_{proxy_, sender_, source_, log_, io::LinkSelectionPolicy{{"up0"}, {}, {}}};
};

TEST_F(LinkManagerTest, EachInterfaceGetsOneIdForCaptureRouteAndEngine) {
    table_.upsert_link(interface("up0", 2));
    table_.upsert_link(interface("dn0", 3));
    table_.upsert_link(interface("tun0", 4, ARPHRD_NONE));
    EXPECT_TRUE(manager_.reconcile(table_, at_ms(0)));
    ASSERT_EQ(manager_.links().size(), 3U);
    const auto up = id_of(IfIndex{2});
    const auto dn = id_of(IfIndex{3});
    const auto tun = id_of(IfIndex{4});
    ASSERT_TRUE(up && dn && tun);
    EXPECT_TRUE(proxy_.link(*up)->config.upstream);
    EXPECT_FALSE(proxy_.link(*dn)->config.upstream);
    // The capture joins ff02::16 / 224.0.0.22 where ecmh is the router, not upstream.
    EXPECT_FALSE(source_.router.at(*up));
    EXPECT_TRUE(source_.router.at(*dn));
    EXPECT_TRUE(source_.router.at(*tun));
    // Framing follows what the capture reported.
    EXPECT_EQ(sender_.routes.at(*dn).type, wire::LinkType::Ethernet);
    EXPECT_EQ(sender_.routes.at(*tun).type, wire::LinkType::Raw);
    EXPECT_EQ(proxy_.link(*tun)->config.link_type, wire::LinkType::Raw);
    // Nothing changed: nothing to do.
    EXPECT_FALSE(manager_.reconcile(table_, at_ms(1)));
}

TEST_F(LinkManagerTest, TheEnginesFirstQueriesLeaveOnTheLinksOwnInterface) {
    start_with_two_links();
    proxy_.on_timer(proxy_.next_deadline());   // the startup General Queries
    EXPECT_GE(sender_.sent_on[IfIndex{3}], 1); // MLD and IGMP queries downstream
    EXPECT_EQ(sender_.sent_on[IfIndex{2}], 0); // a host upstream: no queries there
}

TEST_F(LinkManagerTest, AnInterfaceThatGoesLosesCaptureRouteAndEngineLink) {
    start_with_two_links();
    const auto dn = id_of(IfIndex{3});
    ASSERT_TRUE(dn);
    table_.remove_link(IfIndex{3});
    EXPECT_TRUE(manager_.reconcile(table_, at_ms(10)));
    EXPECT_TRUE(nowhere(*dn));
    EXPECT_EQ(manager_.links().size(), 1U);
}

TEST_F(LinkManagerTest, ACaptureThatCannotOpenLeavesNoHalfLinkAndAsksForARetry) {
    table_.upsert_link(interface("up0", 2));
    table_.upsert_link(interface("dn0", 3));
    source_.failing.insert("dn0");
    manager_.reconcile(table_, at_ms(0));
    EXPECT_TRUE(manager_.wants_retry());
    EXPECT_EQ(manager_.links().size(), 1U);
    EXPECT_EQ(sender_.routes.size(), 1U);
    int said = 0;
    for (const auto& [level, line] : log_.lines) {
        said += line.find("not using dn0: cannot capture") != std::string::npos ? 1 : 0;
    }
    manager_.reconcile(table_, at_ms(5000)); // the retry fails the same way: said once
    int said_again = 0;
    for (const auto& [level, line] : log_.lines) {
        said_again += line.find("not using dn0: cannot capture") != std::string::npos ? 1 : 0;
    }
    EXPECT_EQ(said, 1);
    EXPECT_EQ(said_again, 1);
    source_.failing.clear();
    EXPECT_TRUE(manager_.reconcile(table_, at_ms(10000)));
    EXPECT_FALSE(manager_.wants_retry());
    EXPECT_TRUE(id_of(IfIndex{3}));
}

TEST_F(LinkManagerTest, ACaptureFailureReopensTheCaptureAndKeepsTheEngineLink) {
    start_with_two_links();
    const auto dn = id_of(IfIndex{3});
    ASSERT_TRUE(dn);
    manager_.drop(*dn, "The interface went down");
    EXPECT_FALSE(source_.attached.contains(*dn));
    EXPECT_NE(proxy_.link(*dn), nullptr) << "the engine's link and its listeners stay";
    EXPECT_TRUE(sender_.routes.contains(*dn));
    EXPECT_TRUE(manager_.wants_retry());
    // Netlink still lists it up: the retry opens its capture again, under the same id.
    EXPECT_TRUE(manager_.reconcile(table_, at_ms(5000)));
    EXPECT_EQ(id_of(IfIndex{3}), dn);
}

TEST_F(LinkManagerTest, AChangedAddressOrMtuIsAppliedInPlace) {
    start_with_two_links();
    const auto dn = id_of(IfIndex{3});
    ASSERT_TRUE(dn);
    table_.add_ipv4(IfIndex{3},
                    io::InterfaceIpv4Address{*net::Ipv4Address::parse("192.0.2.1"), 24});
    auto info = *table_.find(IfIndex{3});
    info.mtu = 9000;
    table_.upsert_link(info);
    EXPECT_TRUE(manager_.reconcile(table_, at_ms(10))) << "the capture was resized";
    EXPECT_EQ(id_of(IfIndex{3}), dn);
    EXPECT_EQ(proxy_.link(*dn)->config.ipv4, net::Ipv4Address::parse("192.0.2.1"));
    EXPECT_EQ(proxy_.link(*dn)->config.mtu, 9000U);
    EXPECT_EQ(source_.resized.at(*dn), 9000U);
    EXPECT_EQ(source_.detaches, 0) << "never re-added";
    EXPECT_TRUE(log_.contains("dn0 changed in place (MTU 1500 -> 9000, IPv4 none/0 -> "
                              "192.0.2.1/24): listeners kept"));
    // A smaller MTU needs no new capture.
    info.mtu = 1400;
    table_.upsert_link(info);
    EXPECT_FALSE(manager_.reconcile(table_, at_ms(20)));
    EXPECT_EQ(proxy_.link(*dn)->config.mtu, 1400U);
    EXPECT_EQ(source_.resized.at(*dn), 9000U);
}

TEST_F(LinkManagerTest, ALinkThatChangesRoleIsAddedAgain) {
    start_with_two_links();
    auto info = *table_.find(IfIndex{2});
    info.name = "up1"; // no longer -i up0: downstream now
    table_.upsert_link(info);
    manager_.reconcile(table_, at_ms(10));
    const auto up = id_of(IfIndex{2});
    ASSERT_TRUE(up);
    EXPECT_FALSE(proxy_.link(*up)->config.upstream);
    EXPECT_EQ(source_.detaches, 1);
    EXPECT_TRUE(log_.contains("up1 changed role: re-adding it"));
}

TEST_F(LinkManagerTest, ALinkThatGoesDownStaysAndResumesWhenUp) {
    start_with_two_links();
    const auto dn = id_of(IfIndex{3});
    ASSERT_TRUE(dn);
    proxy_.on_timer(proxy_.next_deadline()); // the startup queries
    auto info = *table_.find(IfIndex{3});
    info.flags &= ~static_cast<std::uint32_t>(IFF_RUNNING);
    table_.upsert_link(info);
    EXPECT_FALSE(manager_.reconcile(table_, at_ms(100))) << "nothing to re-poll";
    EXPECT_EQ(id_of(IfIndex{3}), dn) << "capture, route and engine link all kept";
    EXPECT_EQ(proxy_.link(*dn)->down_since, at_ms(100));
    EXPECT_TRUE(log_.contains(
        "dn0 has no carrier: keeping its listeners, sending nothing there until it is back"));
    const auto sent = sender_.sent_on[IfIndex{3}];
    proxy_.on_timer(at_ms(1000)); // the second startup query falls due: not sent
    EXPECT_EQ(sender_.sent_on[IfIndex{3}], sent);
    info.flags |= IFF_RUNNING;
    table_.upsert_link(info);
    manager_.reconcile(table_, at_ms(2000));
    EXPECT_FALSE(proxy_.link(*dn)->down_since);
    proxy_.on_timer(at_ms(2000)); // the querier starts over: a query at once
    EXPECT_GT(sender_.sent_on[IfIndex{3}], sent);
    EXPECT_TRUE(log_.contains("dn0 is up again: forwarding to its listeners resumes"));
}

TEST_F(LinkManagerTest, ALinkDownAtStartIsUsedOnceItComesUp) {
    auto down = interface("dn0", 3);
    down.flags &= ~static_cast<std::uint32_t>(IFF_UP);
    table_.upsert_link(interface("up0", 2));
    table_.upsert_link(down);
    manager_.reconcile(table_, at_ms(0));
    EXPECT_FALSE(id_of(IfIndex{3}));
    EXPECT_TRUE(log_.contains("not using dn0: down"));
    table_.upsert_link(interface("dn0", 3));
    EXPECT_TRUE(manager_.reconcile(table_, at_ms(10)));
    EXPECT_TRUE(id_of(IfIndex{3}));
}

TEST_F(LinkManagerTest, CloseAllLeavesNothingAttached) {
    start_with_two_links();
    manager_.close_all(at_ms(10));
    EXPECT_TRUE(manager_.links().empty());
    EXPECT_TRUE(source_.attached.empty());
    EXPECT_TRUE(sender_.routes.empty());
    EXPECT_EQ(proxy_.free_link(), LinkId{0}); // every slot free again
}

} // namespace
} // namespace ecmh::app

namespace ecmh::app {
namespace {

// What an observer (the XDP fast path) is told, in order, with the engine's state then.
class RecordingObserver final : public LinkObserver {
public:
    explicit RecordingObserver(const engine::Proxy& proxy) : proxy_(proxy) {}
    void link_added(LinkId id, const engine::LinkConfig& config) override {
        // The engine has the link before the observer hears of it.
        events.push_back("added " + config.name + (proxy_.link(id) != nullptr ? "" : " early"));
    }
    void link_changed(LinkId id, const engine::LinkConfig& config) override {
        const auto* link = proxy_.link(id);
        events.push_back("changed " + config.name + " MTU " + std::to_string(config.mtu) +
                         (link != nullptr && link->config.mtu == config.mtu ? "" : " early"));
    }
    void link_removed(LinkId id) override {
        events.push_back(std::string("removed") + (proxy_.link(id) == nullptr ? "" : " early"));
    }
    std::vector<std::string> events;

private:
    const engine::Proxy& proxy_;
};

TEST_F(LinkManagerTest, AnObserverHearsOfEachLinkAfterTheEngine) {
    RecordingObserver observer{proxy_};
    manager_.set_observer(&observer);
    start_with_two_links();
    auto info = *table_.find(IfIndex{3});
    info.mtu = 1400;
    table_.upsert_link(info);
    (void)manager_.reconcile(table_, at_ms(10));
    table_.remove_link(IfIndex{3});
    (void)manager_.reconcile(table_, at_ms(20));
    manager_.close_all(at_ms(30));
    EXPECT_EQ(observer.events,
              (std::vector<std::string>{"added up0", "added dn0", "changed dn0 MTU 1400", "removed",
                                        "removed"}));
}

} // namespace
} // namespace ecmh::app
