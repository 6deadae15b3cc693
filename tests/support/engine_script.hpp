// SPDX-License-Identifier: BSD-3-Clause
// The engine fuzzer's input format (tests/fuzz/engine_fuzz.cpp): a script of events for
// a Scenario, and the writer that records a scenario test's inputs as such a script (the
// fuzzer's seed corpus comes from the scenario tests).
//
//   header  4 bytes: flags, limits, profile, random seed (Header)
//   events  an opcode byte (modulo Op::kCount), then its operands; bytes that run out
//           end the script. Every operand byte is taken modulo its range, so any
//           input is a valid script.
//
//   Frame      link, length (u16, little-endian), bytes     a captured frame, as is
//   Report     link, host, records, records × (type, group, count, count × source)
//   OldReport  link, host, group, version                   MLDv1 / IGMPv1 / IGMPv2
//   Leave      link, host, group                            Done / IGMPv2 Leave
//   Query      link, querier, version, group, flags, qqi, mrc, count, count × source
//   Data       link, source, group, hop limit, payload length (÷ 8); IPv4: link bit 5
//              sets Don't Fragment, bit 6 More Fragments, bit 7 a fragment offset (1480)
//   Clock      unit, amount (u16)                            see ClockUnit
//   Command    command                                       see Command
//   Link       link, then by its bits 3-4 (LinkAction):
//                Presence  —                               present: removed; absent: added
//                DownUp    —                               up: set down; down: set up
//                Mtu       mtu (u16, little-endian)        the link's MTU (68 at least)
//                Address   flags, address (16 or 4 bytes)  flags bit 0: IPv4 (else the
//                          link-local, kept in fe80::/64), bit 1: removed (no address bytes)
//
// `link` picks one of kLinkNames; in the message events its bit 3 picks the family (0:
// IPv6, 1: IPv4) and bit 4 wraps the packet in 6in4 (bits 5-7 pick the tunnel's
// endpoints), delivered on the link picked: what a tunnel peer sends. Host, querier,
// source and group operands index address tables of the family (engine_fuzz.cpp).
#pragma once

#include "support/scenario.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ecmh::test::script {

enum class Op : std::uint8_t {
    Frame,
    Report,
    OldReport,
    Leave,
    Query,
    Data,
    Clock,
    Command,
    Link,
    kCount,
};

// u0 (upstream), d1, d2 (downstream, Ethernet) as in Scenario; t3, a downstream link
// without link header (tun); p0, p1, tunnel peers (tunnel mode only): p0 toward one of
// our addresses, p1 toward any.
inline constexpr std::array<std::string_view, 6> kLinkNames{"u0", "d1", "d2", "t3", "p0", "p1"};

enum class LinkAction : std::uint8_t { Presence, DownUp, Mtu, Address, kCount };
inline constexpr std::uint8_t kAddressIpv4 = 1;
inline constexpr std::uint8_t kAddressRemoved = 2;

enum class ClockUnit : std::uint8_t {
    Micros,
    Millis,
    Seconds,
    // To the engine's next deadline, then `amount` − 32768 µs from it: timers are
    // probed just before and just after they fire.
    NextDeadline,
    kCount,
};

enum class Command : std::uint8_t {
    ResendReports, // SIGUSR2
    Dump,          // SIGUSR1: the dump rendered from the engine's state
    Shutdown,      // leave upstream (the engine goes on, as in the scenario tests)
    Restart,       // a fresh engine with the same header, at t = 0
    kCount,
};

// The scenario's options, in four bytes:
//   flags    bits 0-1 families (0: both; 1: IPv6 only; 2: IPv4 only; 3: both, with
//            --translate and its default prefixes), bit 2 no
//            upstream link, bit 3 tunnel mode, bits 4-5 MLD mode (Auto, V1Only, V2Only,
//            Auto), bits 6-7 IGMP version (3, 1, 2, 3)
//   limits   bits 0-2 max groups per link, bits 3-5 max sources per group (kCaps),
//            bits 6-7 d2's MTU (kD2Mtus)
//   profile  the protocol variables (kProfiles), modulo their count
//   seed     the engine's random seed
struct Header {
    std::uint8_t flags = 0;
    std::uint8_t limits = 0;
    std::uint8_t profile = 0;
    std::uint8_t seed = 1;
    static constexpr std::size_t kSize = 4;

    [[nodiscard]] Scenario::Options options() const;
    // The header for `options`, or nullopt when a value is not one the format has.
    [[nodiscard]] static std::optional<Header> from(const Scenario::Options& options);
};

inline constexpr std::array<std::size_t, 8> kCaps{0, 1, 2, 3, 4, 8, 16, 64}; // 0: default
inline constexpr std::array<std::uint32_t, 4> kD2Mtus{1500, 1280, 1400, 576};
[[nodiscard]] std::span<const proto::ProtocolVariables> profiles();

// Operands, read front to back; a read past the end fails and ends the script.
class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> bytes) : rest_(bytes) {}
    [[nodiscard]] bool u8(std::uint8_t& out);
    [[nodiscard]] bool u16(std::uint16_t& out);
    // Fills `out`, one operand a byte.
    [[nodiscard]] bool u8s(std::span<std::uint8_t> out);
    [[nodiscard]] bool bytes(std::size_t n, std::span<const std::uint8_t>& out);
    [[nodiscard]] bool empty() const { return rest_.empty(); }

private:
    std::span<const std::uint8_t> rest_;
};

// Records a Scenario's inputs (Scenario::on_input) as a script: frames as Frame events,
// the clock as the Clock steps that reach each input's time exactly.
class Writer {
public:
    explicit Writer(const Header& header);
    void add(const Scenario::Input& input);
    // Clock steps up to `t`: the last timers a scenario ran after its last input.
    void advance_to(proto::TimePoint t);
    [[nodiscard]] const Bytes& bytes() const { return bytes_; }
    // False once an input was one the format cannot say (a link change beyond its MTU
    // and addresses).
    [[nodiscard]] bool complete() const { return complete_; }

private:
    void clock(ClockUnit unit, std::uint16_t amount);
    void op(Op op) { bytes_.push_back(static_cast<std::uint8_t>(op)); }
    void link(const std::string& name, LinkAction action);
    void update(const std::string& name, const engine::LinkConfig& before,
                const engine::LinkConfig& after);
    [[nodiscard]] static std::uint8_t link_index(const std::string& name);

    Bytes bytes_;
    proto::TimePoint now_ = proto::at_ms(0);
    bool complete_ = true;
};

// With ECMH_SCENARIO_SEEDS=DIR in the environment, records a scenario from now on and
// save() writes the script to DIR/<name>: how tests/fuzz/corpus/engine/ was made
// (README.md, "Fuzzing"). Scenarios the format cannot say (options, link changes) are
// skipped.
class SeedRecorder {
public:
    explicit SeedRecorder(Scenario& s);
    void save(std::string name) const;

private:
    const Scenario& s_;
    std::string dir_;
    std::shared_ptr<Writer> writer_; // shared with the scenario's recorder
};

} // namespace ecmh::test::script
