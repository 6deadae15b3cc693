// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/packet_sender.hpp"

#include <cerrno>
#include <cstring>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace ecmh::io {
namespace {

// Protocol 0: the socket sends but receives nothing, so it costs no capture work.
SysResult<UniqueFd> packet_socket(int type, const char* what) {
    UniqueFd fd{::socket(AF_PACKET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
    if (!fd) {
        return net::unexpected(last_error(what));
    }
    return fd;
}

} // namespace

SysResult<PacketSender> PacketSender::open() {
    auto raw = packet_socket(SOCK_RAW, "socket(AF_PACKET, SOCK_RAW)");
    if (!raw) {
        return net::unexpected(raw.error());
    }
    auto dgram = packet_socket(SOCK_DGRAM, "socket(AF_PACKET, SOCK_DGRAM)");
    if (!dgram) {
        return net::unexpected(dgram.error());
    }
    return PacketSender{std::move(*raw), std::move(*dgram)};
}

void PacketSender::attach(engine::LinkId link, net::IfIndex index, bool has_link_header) {
    if (link.slot() < routes_.size()) {
        routes_[link.slot()] = Route{index, has_link_header};
    }
}

void PacketSender::detach(engine::LinkId link) {
    if (link.slot() < routes_.size()) {
        routes_[link.slot()] = Route{};
    }
}

void PacketSender::send(engine::LinkId link, std::span<const std::uint8_t> frame) {
    if (link.slot() >= routes_.size() || !routes_[link.slot()].index.valid() || frame.empty()) {
        return;
    }
    const Route& route = routes_[link.slot()];
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = static_cast<int>(route.index.value());
    int fd = raw_.get();
    if (route.has_link_header) {
        // The frame carries its own header; the address only names the interface.
        if (frame.size() >= 14) {
            std::memcpy(&to.sll_protocol, frame.data() + 12, 2); // already network order
        }
    } else {
        fd = dgram_.get();
        const bool v6 = (frame[0] >> 4) == 6;
        to.sll_protocol = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);
    }
    const auto sent = ::sendto(fd, frame.data(), frame.size(), 0,
                               reinterpret_cast<const sockaddr*>(&to), // NOLINT: sockaddr API
                               sizeof to);
    if (sent < 0 && on_failure_) {
        on_failure_(link, errno);
    }
}

} // namespace ecmh::io
