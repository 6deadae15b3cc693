// SPDX-License-Identifier: BSD-3-Clause
#include "xdp_fixture.hpp"

#include "ecmh/wire/forward_copy.hpp"
#include "ecmh/wire/ipv4.hpp"
#include "ecmh/wire/ipv6.hpp"
#include "support/engine_frames.hpp"
#include "support/os_fixtures.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

namespace ecmh::test::xdp {

std::string& unavailable_reason() {
    static std::string reason;
    return reason;
}

void enter_private_netns() {
    auto& reason = unavailable_reason();
    if (!io::XdpProgram::built_in()) {
        reason = "built without XDP support (ECMH_XDP=OFF)";
    } else if (::geteuid() != 0) {
        reason = "needs root (CAP_BPF and CAP_NET_ADMIN) to load the XDP program";
    } else if (::unshare(CLONE_NEWNET) != 0) {
        reason = std::string{"no private network namespace: unshare(CLONE_NEWNET): "} +
                 std::strerror(errno);
    } else if (!bring_up("lo")) {
        reason = "the private namespace's lo cannot be brought up";
    }
}

int shell(const std::string& command) {
    return std::system((command + " >/dev/null 2>&1").c_str()); // NOLINT(cert-env33-c)
}

std::string output_of(const std::string& command) {
    std::string out;
    const std::unique_ptr<FILE, int (*)(FILE*)> pipe{::popen((command + " 2>&1").c_str(), "r"),
                                                     ::pclose};
    std::array<char, 512> buffer{};
    while (pipe && std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe.get())) {
        out += buffer.data();
    }
    return out;
}

net::IfIndex index_of(const char* name) {
    return net::IfIndex{::if_nametoindex(name)};
}

namespace {

// The kernel reports a link up (operstate, "state UP") once its link watch has run, which
// it does asynchronously after `ip link set up`; until then a redirect to it is dropped
// (seen with live frames). /sys/class/net would show the host's links, not this
// namespace's.
bool operational(const std::string& name) {
    for (int i = 0; i < 200; ++i) { // at most 2 s
        if (output_of("ip -o link show dev " + name).find("state UP") != std::string::npos) {
            return true;
        }
        ::usleep(10'000);
    }
    return false;
}

} // namespace

net::IfIndex make_veth(const std::string& name) {
    const auto peer = name + "p";
    if (!index_of(name.c_str()).valid()) {
        shell("ip link add " + name + " type veth peer name " + peer);
        shell("ip link set " + name + " up");
        shell("ip link set " + peer + " up");
    }
    return operational(name) && operational(peer) ? index_of(name.c_str()) : net::IfIndex{};
}

net::MacAddress out_mac(std::size_t i) {
    return net::MacAddress{{0x02, 0, 0, 0, 0xb0, static_cast<std::uint8_t>(i)}};
}

table::LinkId out_link(std::size_t i) {
    return table::LinkId{static_cast<std::uint16_t>(i)};
}

void XdpTest::SetUp() {
    if (!unavailable_reason().empty()) {
        GTEST_SKIP() << unavailable_reason();
    }
    auto loaded = io::XdpProgram::load(kLimits);
    ASSERT_TRUE(loaded) << loaded.error().message();
    program.emplace(std::move(*loaded));
    cache = std::make_unique<io::BpfFlowCache>(*program);
    arrival_index = index_of("lo");
    ASSERT_TRUE(arrival_index.valid());
    for (std::size_t i = 1; i <= kOutLinks; ++i) {
        out_index[i] = make_veth("xo" + std::to_string(i));
        ASSERT_TRUE(out_index[i].valid()) << "cannot make veth xo" << i;
    }
    register_links();
}

void XdpTest::register_links(std::uint32_t arrival_mtu) {
    ASSERT_TRUE(cache->set_link(kArrival, io::XdpLink{arrival_index, kArrivalMac, arrival_mtu,
                                                      io::XdpMode::Generic, false}));
    for (std::size_t i = 1; i <= kOutLinks; ++i) {
        ASSERT_TRUE(cache->set_link(
            out_link(i), io::XdpLink{out_index[i], out_mac(i), 1500, io::XdpMode::None, false}));
    }
}

engine::FlowKey XdpTest::key6() {
    return engine::FlowKey::ipv6(kArrival, ipv6(kSource6), ipv6(kGroup6));
}

engine::FlowKey XdpTest::key4() {
    return engine::FlowKey::ipv4(kArrival, ipv4(kSource4), ipv4(kGroup4));
}

engine::FlowAction XdpTest::action(std::initializer_list<std::size_t> links,
                                   std::uint32_t max_length, proto::TimePoint valid_until) {
    engine::FlowAction a;
    for (const auto i : links) {
        a.out.insert(out_link(i));
    }
    a.max_length = max_length;
    a.valid_until = valid_until;
    return a;
}

io::XdpTestRun XdpTest::run(const Bytes& f) const {
    auto result = program->test_run(f, arrival_index);
    EXPECT_TRUE(result) << result.error().message();
    return result ? *result : io::XdpTestRun{};
}

Bytes udp6(std::uint8_t hop, std::size_t payload) {
    return frames::udp_checksummed(kSource6, kGroup6, hop, payload);
}

Bytes udp4(std::uint8_t ttl, std::size_t payload) {
    return frames::udp_checksummed(kSource4, kGroup4, ttl, payload);
}

Bytes frame(const Bytes& ip, const net::MacAddress& source) {
    return frames::ethernet(source, ip);
}

Bytes engine_copy(const Bytes& ip) {
    auto write = [](const wire::ForwardCopy& copy) {
        Bytes out(copy.size());
        EXPECT_EQ(copy.write(out), copy.size());
        return out;
    };
    if (!ip.empty() && (ip[0] >> 4) == 6) {
        const auto p = wire::parse_ipv6(ip);
        return p ? write(wire::prepare_copy(*p)) : Bytes{};
    }
    const auto p = wire::parse_ipv4(ip);
    return p ? write(wire::prepare_copy(*p)) : Bytes{};
}

Bytes ip_of(const Bytes& f) {
    return f.size() < 14 ? Bytes{} : Bytes(f.begin() + 14, f.end());
}

} // namespace ecmh::test::xdp
