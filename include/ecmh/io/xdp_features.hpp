// SPDX-License-Identifier: BSD-3-Clause
// What a link's driver can do with XDP, as the kernel says through the "netdev" generic
// netlink family (Linux 6.3+, Documentation/netlink/specs/netdev.yaml): whether a program
// runs in the driver (native mode), whether it may redirect, and whether the link can be
// a redirect's target right now. The last one is why ecmh asks: a native redirect to a
// link that cannot transmit XDP frames is lost without an error (a veth whose peer has
// neither GRO nor an XDP program; some NICs), and it changes at run time.
//
// The messages as bytes (built and parsed here, unit-tested without a socket);
// XdpFeatureQuery, which asks the kernel over one socket; and XdpFeatureWatch, which
// hears the kernel's notices of a change over another.
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
// The id of the family's "mgmt" multicast group from the same answer: the group of the
// dev-add, dev-del and dev-change notifications. nullopt when the answer lists no such
// group (a kernel that has the family but tells no changes) or is malformed.
[[nodiscard]] std::optional<std::uint32_t>
parse_netdev_mgmt_group(std::span<const std::uint8_t> reply);
// NETDEV_CMD_DEV_GET for one interface.
[[nodiscard]] std::vector<std::uint8_t>
netdev_dev_get_request(std::uint16_t family, net::IfIndex ifindex, std::uint32_t sequence);
// The interface's XDP features from a NETDEV_CMD_DEV_GET answer; nullopt for an error,
// another interface's answer or a malformed one.
[[nodiscard]] std::optional<XdpFeatures> parse_netdev_dev(std::span<const std::uint8_t> reply,
                                                          net::IfIndex ifindex);

// One notification of the mgmt group: an interface appeared, went, or its XDP features
// changed (a veth's ndo-xmit comes and goes with its peer's GRO and XDP program).
struct XdpFeatureNotice {
    enum class Kind : std::uint8_t { Added, Removed, Changed };
    Kind kind = Kind::Changed;
    net::IfIndex ifindex;
    XdpFeatures features; // as the kernel sent them: the interface's, once it was removed
    friend bool operator==(const XdpFeatureNotice&, const XdpFeatureNotice&) = default;
};
// The notices of `family` in one datagram of the group, in order. Messages of another
// family or command (the kernel may add groups' commands), and malformed ones (no generic
// header, no interface, no features, a lying length), are skipped.
[[nodiscard]] std::vector<XdpFeatureNotice>
parse_netdev_notices(std::span<const std::uint8_t> datagram, std::uint16_t family);

// Asks the kernel, one request at a time (a few per link event: never on the packet path).
class XdpFeatureQuery {
public:
    // The socket and the family's id; an error naming the cause when the kernel has no
    // "netdev" family (Linux older than 6.3): then the features cannot be known.
    [[nodiscard]] static SysResult<XdpFeatureQuery> open();
    [[nodiscard]] SysResult<XdpFeatures> features(net::IfIndex ifindex);
    [[nodiscard]] std::uint16_t family() const { return family_; }
    // The group XdpFeatureWatch joins; nullopt when this kernel's family has none.
    [[nodiscard]] std::optional<std::uint32_t> mgmt_group() const { return mgmt_group_; }

private:
    XdpFeatureQuery(UniqueFd socket, std::uint16_t family)
        : socket_(std::move(socket)), family_(family) {}
    // Sends `request` and returns the kernel's answer to it.
    [[nodiscard]] SysResult<std::vector<std::uint8_t>>
    exchange(std::span<const std::uint8_t> request, const char* what);

    UniqueFd socket_;
    std::uint16_t family_ = 0;
    std::optional<std::uint32_t> mgmt_group_;
    std::uint32_t sequence_ = 0;
};

// The kernel's notices of XDP-feature changes, as they happen: without them a veth peer
// turning GRO off would lose native redirects until the next periodic re-read. A socket
// of its own, so that a notice never lands between XdpFeatureQuery's request and its
// answer; non-blocking, for the daemon's poll loop.
class XdpFeatureWatch {
public:
    // Joins `group` of `family` (XdpFeatureQuery's family() and mgmt_group()).
    [[nodiscard]] static SysResult<XdpFeatureWatch> open(std::uint16_t family, std::uint32_t group);

    [[nodiscard]] int fd() const { return socket_.get(); }

    struct News {
        std::vector<XdpFeatureNotice> notices;
        // The kernel dropped notices (ENOBUFS: our queue was full) or one was cut: any
        // link may have changed.
        bool lost = false;
    };
    // What is queued, without blocking (at most 256 datagrams: poll reports the rest).
    // Datagrams not from the kernel are dropped. An error only when the socket fails.
    [[nodiscard]] SysResult<News> receive();

private:
    XdpFeatureWatch(UniqueFd socket, std::uint16_t family)
        : socket_(std::move(socket)), family_(family) {}

    UniqueFd socket_;
    std::uint16_t family_ = 0;
    std::vector<std::uint8_t> buffer_; // one datagram
};

} // namespace ecmh::io
