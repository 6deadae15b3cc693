// SPDX-License-Identifier: BSD-3-Clause
// XdpFeatureQuery: the netdev family's answers over a NETLINK_GENERIC socket.
#include "ecmh/io/netlink_messages.hpp"
#include "ecmh/io/xdp_features.hpp"

#include <cerrno>
#include <cstring>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <utility>

namespace ecmh::io {
namespace {

// The kernel answers a request at once; a bound keeps a wedged socket from holding the
// poll loop (the query runs on link events, between packets).
constexpr timeval kReplyTimeout{1, 0};
constexpr std::size_t kReplyBytes = 8192; // one device's attributes are far fewer

// The errno of an NLMSG_ERROR answer (its error field is the negated errno), or 0.
int error_code(std::span<const std::uint8_t> reply) {
    NetlinkMessageReader messages{reply};
    const auto m = messages.next();
    if (!m || m->header.nlmsg_type != NLMSG_ERROR || m->payload.size() < sizeof(nlmsgerr)) {
        return 0;
    }
    nlmsgerr error{};
    std::memcpy(&error, m->payload.data(), sizeof error);
    return -error.error;
}

} // namespace

SysResult<XdpFeatureQuery> XdpFeatureQuery::open() {
    UniqueFd socket{::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC)};
    if (!socket) {
        return net::unexpected(last_error("socket(NETLINK_GENERIC)"));
    }
    if (::setsockopt(socket.get(), SOL_SOCKET, SO_RCVTIMEO, &kReplyTimeout, sizeof kReplyTimeout) !=
        0) {
        return net::unexpected(last_error("setsockopt(SO_RCVTIMEO)"));
    }
    XdpFeatureQuery query{std::move(socket), 0};
    const auto reply =
        query.exchange(netdev_family_request(++query.sequence_), "generic netlink family netdev");
    if (!reply) {
        return net::unexpected(reply.error());
    }
    const auto family = parse_netdev_family(*reply);
    if (!family) {
        const int code = error_code(*reply);
        return net::unexpected(SysError{
            "generic netlink family netdev", code,
            code == ENOENT ? "not in this kernel (Linux 6.3 or later has it)" : std::string{}});
    }
    query.family_ = *family;
    query.mgmt_group_ = parse_netdev_mgmt_group(*reply);
    return SysResult<XdpFeatureQuery>{std::move(query)};
}

SysResult<XdpFeatures> XdpFeatureQuery::features(net::IfIndex ifindex) {
    const auto reply =
        exchange(netdev_dev_get_request(family_, ifindex, ++sequence_), "netdev dev-get");
    if (!reply) {
        return net::unexpected(reply.error());
    }
    const auto features = parse_netdev_dev(*reply, ifindex);
    if (!features) {
        const int code = error_code(*reply);
        return net::unexpected(SysError{"netdev dev-get ifindex " + std::to_string(ifindex.value()),
                                        code, code == 0 ? "malformed answer" : std::string{}});
    }
    return *features;
}

SysResult<std::vector<std::uint8_t>>
XdpFeatureQuery::exchange(std::span<const std::uint8_t> request, const char* what) {
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    while (::sendto(socket_.get(), request.data(), request.size(), 0,
                    reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0) {
        if (errno != EINTR) {
            return net::unexpected(last_error(std::string("send ") + what));
        }
    }
    std::vector<std::uint8_t> reply(kReplyBytes);
    // Skips anything that is not the answer to this request (a late answer to an earlier
    // one that timed out).
    for (;;) {
        const ssize_t n = ::recv(socket_.get(), reply.data(), reply.size(), 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return net::unexpected(last_error(std::string("receive ") + what));
        }
        NetlinkMessageReader messages{
            std::span<const std::uint8_t>{reply}.first(static_cast<std::size_t>(n))};
        const auto m = messages.next();
        if (m && m->header.nlmsg_seq == sequence_) {
            reply.resize(static_cast<std::size_t>(n));
            return reply;
        }
    }
}

} // namespace ecmh::io
