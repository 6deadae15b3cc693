// SPDX-License-Identifier: BSD-3-Clause
// The engine's FlowCache (engine/flow_cache.hpp) over the XDP program's maps
// (io/xdp_program.hpp). It keeps what the kernel cannot tell cheaply: which links exist
// and how the program runs on them, which out-set each flow uses (flows with the same
// out-links share one devmap, refcounted, from the pool created at load), and which
// counter slot each flow counts in (a free list; a reused slot is zeroed first).
//
// Map updates are synchronous bpf() calls, so when a call returns, every packet that
// enters the program afterwards sees the change; only packets already inside it on
// another CPU may use the old entry.
#pragma once

#include "ecmh/engine/flow_cache.hpp"
#include "ecmh/io/sys_error.hpp"
#include "ecmh/io/xdp_mode.hpp"
#include "ecmh/io/xdp_program.hpp"
#include "ecmh/net/if_index.hpp"
#include "ecmh/net/mac_address.hpp"
#include "ecmh/table/link_set.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace ecmh::io {

// One link as the fast path needs it.
struct XdpLink {
    net::IfIndex index;
    net::MacAddress mac;              // the source MAC of copies sent there
    std::uint32_t mtu = 0;            // the longest IP packet it carries
    XdpMode attached = XdpMode::None; // the program on this link, for arrivals
    // Whether a native redirect to it is delivered (veth: only while its peer has NAPI,
    // design-15 P7–P9). A native arrival link sends only to such links.
    bool native_redirect = false;
    friend bool operator==(const XdpLink&, const XdpLink&) = default;
};

class BpfFlowCache final : public engine::FlowCache {
public:
    // `program` must outlive the cache. Holds at most program.limits().flows flows.
    explicit BpfFlowCache(XdpProgram& program);
    ~BpfFlowCache() override = default;
    BpfFlowCache(const BpfFlowCache&) = delete;
    BpfFlowCache& operator=(const BpfFlowCache&) = delete;
    BpfFlowCache(BpfFlowCache&&) = delete;
    BpfFlowCache& operator=(BpfFlowCache&&) = delete;

    // Adds or changes a link (an interface link: no tunnel peer). A new interface index
    // is written into every out-set that holds the link.
    [[nodiscard]] SysResult<Done> set_link(table::LinkId id, const XdpLink& link);
    // Forgets the link; it leaves every out-set, so no copy goes to its old interface.
    void remove_link(table::LinkId id);

    [[nodiscard]] bool can_offload(table::LinkId arrival, const table::LinkSet& out) const override;
    [[nodiscard]] bool install(const engine::FlowKey& key,
                               const engine::FlowAction& action) override;
    engine::FlowCounters remove(const engine::FlowKey& key) override;
    [[nodiscard]] engine::FlowCounters counters(const engine::FlowKey& key) const override;

    [[nodiscard]] std::size_t size() const { return flows_.size(); }
    // Out-sets in use (each held by at least one flow).
    [[nodiscard]] std::size_t sets_in_use() const;

private:
    struct Flow {
        std::uint32_t set = 0;
        std::uint32_t slot = 0;
        ecmh_flow_key key{}; // as installed (the arrival's interface index then)
    };
    struct OutSet {
        table::LinkSet links;
        std::uint32_t users = 0; // 0: free
    };

    [[nodiscard]] const XdpLink* link(table::LinkId id) const;
    [[nodiscard]] std::optional<ecmh_flow_key> map_key(const engine::FlowKey& key) const;
    [[nodiscard]] std::optional<std::uint32_t> acquire_set(const table::LinkSet& out);
    void release_set(std::uint32_t set);
    [[nodiscard]] bool fill_set(std::uint32_t set, const table::LinkSet& out);
    [[nodiscard]] std::optional<std::uint32_t> take_slot();
    void move_in_sets(table::LinkId id, net::IfIndex from, net::IfIndex to);
    void refresh_own_macs(const net::MacAddress& mac);

    XdpProgram& program_;
    std::array<std::optional<XdpLink>, table::kMaxLinks> links_{};
    std::vector<OutSet> sets_;
    std::vector<std::uint32_t> free_slots_;
    std::unordered_map<engine::FlowKey, Flow> flows_;
};

} // namespace ecmh::io
