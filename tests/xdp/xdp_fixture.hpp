// SPDX-License-Identifier: BSD-3-Clause
// The fixture of ecmh_xdp_tests: the real XDP program (io/xdp_program.hpp) loaded into
// the kernel, its maps filled through the real BpfFlowCache, and frames run through it
// with BPF_PROG_TEST_RUN. The binary runs in a network namespace of its own (main.cpp),
// so the veth links it makes vanish with it and nothing touches the host's links.
#pragma once

#include "ecmh/io/bpf_flow_cache.hpp"
#include "ecmh/io/xdp_program.hpp"
#include "support/scenario.hpp"

#include <array>
#include <cstdint>
#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ecmh::test::xdp {

using Bytes = std::vector<std::uint8_t>;

// Why XDP cannot be tested here ("" when it can); set once by main().
std::string& unavailable_reason();
// Enters a private network namespace with lo up, or sets unavailable_reason().
void enter_private_netns();

// Runs a shell command (ip, ethtool); its exit status.
int shell(const std::string& command);
// What a shell command (ip, ethtool) writes, stdout and stderr.
[[nodiscard]] std::string output_of(const std::string& command);
// The interface's index, or an invalid one.
[[nodiscard]] net::IfIndex index_of(const char* name);
// veth pair `name` ↔ `name`p, both up and operational; its index (invalid when it cannot
// be made, or is not up within 2 s).
[[nodiscard]] net::IfIndex make_veth(const std::string& name);

// The flows of the tests: S → G arriving on the loopback interface (arrival, slot 0),
// out-links xo1…xo4 (slots 1…4, veths).
inline const char* const kSource6 = "2001:db8:1::10";
inline const char* const kGroup6 = "ff3e::1:1";
inline const char* const kSource4 = "192.0.2.10";
inline const char* const kGroup4 = "239.1.2.3";
inline constexpr table::LinkId kArrival{0};
inline constexpr std::size_t kOutLinks = 4;
inline constexpr net::MacAddress kArrivalMac{{0x02, 0, 0, 0, 0xa0, 0}};
inline constexpr net::MacAddress kSenderMac{{0x02, 0, 0, 0, 0x5e, 1}};
[[nodiscard]] net::MacAddress out_mac(std::size_t i);
[[nodiscard]] table::LinkId out_link(std::size_t i); // i = 1 … kOutLinks

class XdpTest : public ::testing::Test {
protected:
    void SetUp() override;
    // The limits the program is loaded with (small, so tests can fill them).
    static constexpr io::XdpLimits kLimits{16, 8};

    // Registers the arrival (generic, this MTU) and the out-links.
    void register_links(std::uint32_t arrival_mtu = 1500);
    [[nodiscard]] static engine::FlowKey key6();
    [[nodiscard]] static engine::FlowKey key4();
    // The action: out-links `links` (slots), max_length, valid until.
    [[nodiscard]] static engine::FlowAction action(std::initializer_list<std::size_t> links,
                                                   std::uint32_t max_length = 1500,
                                                   proto::TimePoint valid_until = proto::kNever);
    // One BPF_PROG_TEST_RUN of the ingress program; the frame arrives on lo.
    [[nodiscard]] io::XdpTestRun run(const Bytes& frame) const;
    [[nodiscard]] std::uint64_t events(ecmh_xdp_event e) const { return program->event_count(e); }

    std::optional<io::XdpProgram> program;
    std::unique_ptr<io::BpfFlowCache> cache;
    net::IfIndex arrival_index;
    std::array<net::IfIndex, kOutLinks + 1> out_index{};
};

// UDP datagrams from the test flows (UDP checksum complete), and frames around them.
[[nodiscard]] Bytes udp6(std::uint8_t hop, std::size_t payload = 32);
[[nodiscard]] Bytes udp4(std::uint8_t ttl, std::size_t payload = 32);
[[nodiscard]] Bytes frame(const Bytes& ip, const net::MacAddress& source = kSenderMac);
// The oracle: what the engine sends for this IP packet (wire::prepare_copy +
// ForwardCopy::write, as Proxy::forward does); empty when the engine cannot parse it.
[[nodiscard]] Bytes engine_copy(const Bytes& ip);
// The IP packet of a frame (after the 14-byte Ethernet header).
[[nodiscard]] Bytes ip_of(const Bytes& frame);

} // namespace ecmh::test::xdp
