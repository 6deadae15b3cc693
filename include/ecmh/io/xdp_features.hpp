// SPDX-License-Identifier: BSD-3-Clause
// What a link's driver can do with XDP, as the kernel says through the "netdev" generic
// netlink family (Linux 6.3+, Documentation/netlink/specs/netdev.yaml): whether a program
// runs in the driver (native mode), whether it may redirect, and whether the link can be
// a redirect's target right now. The last one is why ecmh asks: a native redirect to a
// link that cannot transmit XDP frames is lost without an error (a veth whose peer has
// neither GRO nor an XDP program; some NICs), and it changes at run time.
//
// The messages as bytes (built and parsed here, unit-tested without a socket), and
// XdpFeatureQuery, which asks the kernel over one socket.
#pragma once

#include "ecmh/io/sys_error.hpp"
#include "ecmh/io/unique_fd.hpp"
#include "ecmh/net/if_index.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ecmh::io {

class XdpFeatures {
public:
    // enum netdev_xdp_act (include/uapi/linux/netdev.h; Debian 12's headers predate it).
    static constexpr std::uint64_t kBasic = 1U << 0U; // XDP_PASS, DROP, TX, ABORTED in the driver
    static constexpr std::uint64_t kRedirect = 1U << 1U; // XDP_REDIRECT from the driver
    static constexpr std::uint64_t kNdoXmit = 1U << 2U;  // takes redirected frames (ndo_xdp_xmit)

    constexpr XdpFeatures() = default;
    explicit constexpr XdpFeatures(std::uint64_t bits) : bits_(bits) {}

    [[nodiscard]] constexpr std::uint64_t bits() const { return bits_; }
    // A program can run in the driver and redirect from there.
    [[nodiscard]] constexpr bool native_redirect() const {
        return (bits_ & (kBasic | kRedirect)) == (kBasic | kRedirect);
    }
    // Frames redirected to this link in native mode are transmitted, not lost.
    [[nodiscard]] constexpr bool redirect_target() const { return (bits_ & kNdoXmit) != 0; }
    // "basic redirect ndo-xmit" (the names of netdev.yaml), "none" for no bit.
    [[nodiscard]] std::string to_string() const;
    friend constexpr bool operator==(XdpFeatures, XdpFeatures) = default;

private:
    std::uint64_t bits_ = 0;
};

// The generic netlink controller's CTRL_CMD_GETFAMILY for "netdev".
[[nodiscard]] std::vector<std::uint8_t> netdev_family_request(std::uint32_t sequence);
// The family id from the controller's answer; nullopt for an error (the kernel has no such
// family: older than 6.3) or a malformed answer.
[[nodiscard]] std::optional<std::uint16_t> parse_netdev_family(std::span<const std::uint8_t> reply);
// NETDEV_CMD_DEV_GET for one interface.
[[nodiscard]] std::vector<std::uint8_t>
netdev_dev_get_request(std::uint16_t family, net::IfIndex ifindex, std::uint32_t sequence);
// The interface's XDP features from a NETDEV_CMD_DEV_GET answer; nullopt for an error,
// another interface's answer or a malformed one.
[[nodiscard]] std::optional<XdpFeatures> parse_netdev_dev(std::span<const std::uint8_t> reply,
                                                          net::IfIndex ifindex);

// Asks the kernel, one request at a time (a few per link event: never on the packet path).
class XdpFeatureQuery {
public:
    // The socket and the family's id; an error naming the cause when the kernel has no
    // "netdev" family (Linux older than 6.3): then the features cannot be known.
    [[nodiscard]] static SysResult<XdpFeatureQuery> open();
    [[nodiscard]] SysResult<XdpFeatures> features(net::IfIndex ifindex);

private:
    XdpFeatureQuery(UniqueFd socket, std::uint16_t family)
        : socket_(std::move(socket)), family_(family) {}
    // Sends `request` and returns the kernel's answer to it.
    [[nodiscard]] SysResult<std::vector<std::uint8_t>>
    exchange(std::span<const std::uint8_t> request, const char* what);

    UniqueFd socket_;
    std::uint16_t family_ = 0;
    std::uint32_t sequence_ = 0;
};

} // namespace ecmh::io
