// SPDX-License-Identifier: BSD-3-Clause
// The engine's LinkIo on Linux: frames leave through AF_PACKET sockets addressed by
// interface index. Ethernet links get the complete frame the engine built (group MAC,
// our MAC); links without a link header (tun, sit, ppp) get the bare IP packet on a
// SOCK_DGRAM packet socket with the protocol set, which is what sit's transmit path
// checks and what tun's packet-information header carries. Our transmissions are
// outbound on their link, and captures take inbound frames only, so nothing we send
// is captured and forwarded again.
#pragma once

#include "ecmh/engine/link.hpp"
#include "ecmh/io/sys_error.hpp"
#include "ecmh/io/unique_fd.hpp"
#include "ecmh/net/if_index.hpp"
#include "ecmh/table/link_set.hpp"

#include <array>
#include <cstdint>
#include <functional>

namespace ecmh::io {

class PacketSender final : public engine::LinkIo {
public:
    // Called for every copy the kernel refused (ENOBUFS, ENETDOWN, ENXIO…), with errno.
    using FailureHandler = std::function<void(engine::LinkId, int)>;

    [[nodiscard]] static SysResult<PacketSender> open();

    // Where a link's frames go; the engine only knows LinkIds.
    void attach(engine::LinkId link, net::IfIndex index, bool has_link_header);
    void detach(engine::LinkId link);
    void on_failure(FailureHandler handler) { on_failure_ = std::move(handler); }

    void send(engine::LinkId link, std::span<const std::uint8_t> frame) override;

private:
    struct Route {
        net::IfIndex index;
        bool has_link_header = true;
    };
    PacketSender(UniqueFd raw, UniqueFd dgram) : raw_(std::move(raw)), dgram_(std::move(dgram)) {}

    UniqueFd raw_;   // SOCK_RAW: Ethernet frames as built
    UniqueFd dgram_; // SOCK_DGRAM: IP packets on links without a link header
    std::array<Route, table::kMaxLinks> routes_{};
    FailureHandler on_failure_;
};

} // namespace ecmh::io
