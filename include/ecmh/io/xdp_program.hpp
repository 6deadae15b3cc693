// SPDX-License-Identifier: BSD-3-Clause
// The XDP fast path's program and maps in the kernel (src/bpf/ecmh_xdp.bpf.c, embedded
// as a libbpf skeleton), owned: loading creates everything, destruction frees it.
//
// Everything is created at load, while ecmh still has CAP_BPF: the maps, the programs
// and a pool of inner devmaps, one per out-set the flow cache may need (limits.sets).
// After `-u` ecmh keeps only CAP_NET_RAW, which cannot create a map or load a program,
// but can update maps and attach through a bpf_link by their fds (design-15 P15). So
// every operation after load goes by fd.
//
// Built without libbpf (ECMH_XDP=OFF), load() fails with a message that says so
// (io/xdp_unavailable.cpp).
#pragma once

#include "ecmh/engine/flow_cache.hpp"
#include "ecmh/io/sys_error.hpp"
#include "ecmh/io/xdp_abi.h"
#include "ecmh/net/if_index.hpp"
#include "ecmh/net/mac_address.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ecmh::io {

struct XdpLimits {
    std::uint32_t flows = 4096; // flow entries (and counter slots)
    std::uint32_t sets = 256;   // distinct out-sets at once (inner devmaps)
};

// What one BPF_PROG_TEST_RUN of the ingress program gave.
struct XdpTestRun {
    std::uint32_t verdict = 0;       // XDP_PASS, XDP_REDIRECT, …
    std::vector<std::uint8_t> frame; // the frame as the program left it
};

class XdpProgram {
public:
    // Loads the programs and creates the maps and the devmap pool. Needs CAP_BPF and
    // CAP_NET_ADMIN (or root).
    [[nodiscard]] static SysResult<XdpProgram> load(const XdpLimits& limits = {});
    // Whether this build has the fast path at all (ECMH_XDP).
    [[nodiscard]] static bool built_in();

    XdpProgram(XdpProgram&& other) noexcept;
    XdpProgram& operator=(XdpProgram&& other) noexcept;
    XdpProgram(const XdpProgram&) = delete;
    XdpProgram& operator=(const XdpProgram&) = delete;
    ~XdpProgram();

    [[nodiscard]] const XdpLimits& limits() const;
    [[nodiscard]] int ingress_fd() const;

    // The flow table (set ids below limits().sets, counter slots below limits().flows).
    [[nodiscard]] SysResult<Done> put_flow(const ecmh_flow_key& key, const ecmh_flow_value& value);
    [[nodiscard]] SysResult<Done> delete_flow(const ecmh_flow_key& key);
    // The slot's counters summed over every CPU.
    [[nodiscard]] SysResult<engine::FlowCounters> read_counters(std::uint32_t slot) const;
    [[nodiscard]] SysResult<Done> zero_counters(std::uint32_t slot);

    // The links: MAC and MTU per interface, and every MAC of ours (the own-frame check).
    [[nodiscard]] SysResult<Done> put_link(net::IfIndex index, const net::MacAddress& mac,
                                           std::uint32_t mtu);
    [[nodiscard]] SysResult<Done> delete_link(net::IfIndex index);
    [[nodiscard]] SysResult<Done> put_own_mac(const net::MacAddress& mac);
    [[nodiscard]] SysResult<Done> delete_own_mac(const net::MacAddress& mac);

    // The out-sets: an interface in or out of inner devmap `set` (with the egress
    // program, which writes its source MAC).
    [[nodiscard]] SysResult<Done> set_insert(std::uint32_t set, net::IfIndex index);
    [[nodiscard]] SysResult<Done> set_erase(std::uint32_t set, net::IfIndex index);

    // How often the event happened, summed over every CPU.
    [[nodiscard]] std::uint64_t event_count(ecmh_xdp_event event) const;

    // Runs the ingress program once over `frame` as if it had arrived on `ingress` (an
    // interface in the caller's network namespace): BPF_PROG_TEST_RUN, which returns
    // the verdict without carrying out a redirect. For tests and a start-up probe.
    [[nodiscard]] SysResult<XdpTestRun> test_run(std::span<const std::uint8_t> frame,
                                                 net::IfIndex ingress) const;
    // The same with live frames (BPF_F_TEST_XDP_LIVE_FRAMES, kernel 5.18): a redirect is
    // carried out, `repeat` times. Nothing comes back but success.
    [[nodiscard]] SysResult<Done> test_run_live(std::span<const std::uint8_t> frame,
                                                net::IfIndex ingress, std::uint32_t repeat) const;

private:
    struct Impl;
    explicit XdpProgram(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace ecmh::io
