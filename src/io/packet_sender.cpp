// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/packet_sender.hpp"

#include "ecmh/wire/constants.hpp"

#include <cerrno>
#include <cstring>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <poll.h>
#include <utility>

namespace ecmh::io {
namespace {

// Protocol 0: the socket sends but receives nothing, so it costs no capture work.
SysResult<UniqueFd> packet_socket(int type, const char* what) {
    UniqueFd fd{::socket(AF_PACKET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
    if (!fd) {
        return net::unexpected(last_error(what));
    }
    // Straight to the driver: a multicast proxy has no use for queueing disciplines on
    // its copies, and skipping them saves a lock and a queue per frame. Best effort.
    const int one = 1;
    ::setsockopt(fd.get(), SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    return fd;
}

constexpr int kTunnelSendBuffer = 8 << 20; // bytes

// Tunnel peers' packets: IPv4 with our own header (IP_HDRINCL), routed by the kernel.
SysResult<UniqueFd> tunnel_socket() {
    UniqueFd fd{::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, wire::kProtoIpv6)};
    if (!fd) {
        return net::unexpected(last_error("socket(AF_INET, SOCK_RAW, 41)"));
    }
    const int one = 1;
    if (::setsockopt(fd.get(), IPPROTO_IP, IP_HDRINCL, &one, sizeof one) != 0) {
        return net::unexpected(last_error("setsockopt(IP_HDRINCL)"));
    }
    // Room for a burst: one packet to a thousand peers is a thousand copies queued at
    // once (about 2 KiB of buffer each), where the default send buffer holds about a
    // hundred. SO_SNDBUFFORCE passes the system's wmem_max with CAP_NET_ADMIN; without
    // it SO_SNDBUF gets what wmem_max allows. Best effort: flush() waits for room anyway.
    const int buffer = kTunnelSendBuffer;
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUFFORCE, &buffer, sizeof buffer) != 0) {
        ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
    }
    // Never read: every protocol-41 packet the kernel hands this socket is dropped by
    // the filter before it is queued (the captures see them anyway).
    sock_filter drop_all{BPF_RET | BPF_K, 0, 0, 0};
    const sock_fprog program{1, &drop_all};
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0) {
        return net::unexpected(last_error("setsockopt(SO_ATTACH_FILTER)"));
    }
    return fd;
}

} // namespace

PacketSender::PacketSender(UniqueFd raw, UniqueFd dgram, UniqueFd tunnel)
    : raw_(std::make_unique<Queue>()), dgram_(std::make_unique<Queue>()),
      large_(std::make_unique<std::uint8_t[]>(kLargestFrame)) {
    raw_->fd = std::move(raw);
    dgram_->fd = std::move(dgram);
    if (tunnel) {
        tunnel_ = std::make_unique<Queue>();
        tunnel_->fd = std::move(tunnel);
        tunnel_->to_length = sizeof(sockaddr_in);
    }
    for (auto* q : {raw_.get(), dgram_.get(), tunnel_.get()}) {
        if (q != nullptr) {
            q->slab = std::make_unique<std::uint8_t[]>(kQueueDepth * kSlotSize);
        }
    }
}

SysResult<PacketSender> PacketSender::open(bool tunnel_peers) {
    auto raw = packet_socket(SOCK_RAW, "socket(AF_PACKET, SOCK_RAW)");
    if (!raw) {
        return net::unexpected(raw.error());
    }
    auto dgram = packet_socket(SOCK_DGRAM, "socket(AF_PACKET, SOCK_DGRAM)");
    if (!dgram) {
        return net::unexpected(dgram.error());
    }
    UniqueFd tunnel;
    if (tunnel_peers) {
        auto t = tunnel_socket();
        if (!t) {
            return net::unexpected(t.error());
        }
        tunnel = std::move(*t);
    }
    return PacketSender{std::move(*raw), std::move(*dgram), std::move(tunnel)};
}

void PacketSender::attach(engine::LinkId link, net::IfIndex index, wire::LinkType type) {
    if (link.slot() < routes_.size()) {
        routes_[link.slot()] = Route{index, type != wire::LinkType::Raw};
    }
}

void PacketSender::detach(engine::LinkId link) {
    if (link.slot() < routes_.size()) {
        routes_[link.slot()] = Route{};
    }
}

const PacketSender::Route* PacketSender::route(engine::LinkId link) const {
    if (table::is_tunnel_peer(link)) {
        return tunnel_ ? &kTunnelRoute : nullptr; // routed by the kernel, not by interface
    }
    if (link.slot() >= routes_.size() || !routes_[link.slot()].index.valid()) {
        return nullptr;
    }
    return &routes_[link.slot()];
}

PacketSender::Queue& PacketSender::queue_for(const Route& route) const {
    if (&route == &kTunnelRoute) {
        return *tunnel_;
    }
    return route.has_link_header ? *raw_ : *dgram_;
}

PacketSender::Destination PacketSender::destination(const Route& route, engine::LinkId link,
                                                    std::span<const std::uint8_t> frame,
                                                    wire::NetworkProtocol protocol) {
    Destination to{};
    if (table::is_tunnel_peer(link)) {
        to.ipv4.sin_family = AF_INET;
        // The outer header's destination, already in network order.
        if (frame.size() >= wire::kIpv4DestinationOffset + 4) {
            std::memcpy(&to.ipv4.sin_addr, frame.data() + wire::kIpv4DestinationOffset, 4);
        }
        return to;
    }
    to.link.sll_family = AF_PACKET;
    to.link.sll_ifindex = static_cast<int>(route.index.value());
    // Names the interface and, on links without a link header, the protocol: it is
    // what sit's transmit path checks and what tun's packet-information header carries.
    to.link.sll_protocol = htons(protocol == wire::NetworkProtocol::Ipv6 ? ETH_P_IPV6 : ETH_P_IP);
    return to;
}

std::span<std::uint8_t> PacketSender::reserve(engine::LinkId link, std::size_t length) {
    large_reserved_ = false; // one reservation at a time: a new one replaces an unused one
    const Route* r = route(link);
    if (r == nullptr || length == 0 || length > kLargestFrame) {
        return {};
    }
    Queue& queue = queue_for(*r);
    if (length > kSlotSize) {
        large_reserved_ = true;
        return {large_.get(), length};
    }
    if (queue.count == kQueueDepth) {
        flush(queue);
    }
    return {queue.slab.get() + queue.count * kSlotSize, length};
}

void PacketSender::commit(engine::LinkId link, std::size_t length, wire::NetworkProtocol protocol) {
    const Route* r = route(link);
    const bool large = std::exchange(large_reserved_, false);
    if (r == nullptr || length == 0 || length > (large ? kLargestFrame : kSlotSize)) {
        return;
    }
    Queue& queue = queue_for(*r);
    if (large) {
        const std::span<const std::uint8_t> frame{large_.get(), length};
        flush(queue); // keep the link's order
        send_now(queue, link, destination(*r, link, frame, protocol), frame);
        return;
    }
    const std::size_t i = queue.count++;
    queue.to[i] = destination(*r, link, {queue.slab.get() + i * kSlotSize, length}, protocol);
    queue.length[i] = static_cast<std::uint16_t>(length);
    queue.link[i] = link;
}

void PacketSender::flush() {
    flush(*raw_);
    flush(*dgram_);
    if (tunnel_) {
        flush(*tunnel_);
    }
}

void PacketSender::flush(Queue& q) {
    for (std::size_t i = 0; i < q.count; ++i) {
        q.iov[i] = iovec{q.slab.get() + i * kSlotSize, q.length[i]};
        q.message[i] = mmsghdr{};
        q.message[i].msg_hdr.msg_name = &q.to[i];
        q.message[i].msg_hdr.msg_namelen = q.to_length;
        q.message[i].msg_hdr.msg_iov = &q.iov[i];
        q.message[i].msg_hdr.msg_iovlen = 1;
    }
    std::size_t done = 0;
    while (done < q.count) {
        const int sent =
            ::sendmmsg(q.fd.get(), &q.message[done], static_cast<unsigned>(q.count - done), 0);
        if (sent > 0) {
            done += static_cast<std::size_t>(sent);
        } else if (sent < 0 && (errno == EINTR || (errno == EAGAIN && wait_for_room(q)))) {
            continue; // interrupted, or a burst filled the socket's buffer and it drained
        } else {
            // The kernel stops at the first frame it refuses: count it, go on after it.
            if (on_failure_) {
                on_failure_(q.link[done], sent < 0 ? errno : EIO);
            }
            ++done;
        }
    }
    q.count = 0;
    q.waits = 0;
}

bool PacketSender::wait_for_room(Queue& q) {
    // One packet to a thousand tunnel peers is a thousand copies at once; the kernel
    // drains the socket's buffer in well under a millisecond, so waiting that long beats
    // dropping the rest of the burst. Bounded: a link that stays full costs at most
    // kMaxWaitsPerFlush short waits per flush, then its copies are counted as failed.
    if (q.waits == kMaxWaitsPerFlush) {
        return false;
    }
    ++q.waits;
    pollfd p{q.fd.get(), POLLOUT, 0};
    return ::poll(&p, 1, kRoomWaitMs) == 1 && (p.revents & POLLOUT) != 0;
}

void PacketSender::send_now(Queue& q, engine::LinkId link, const Destination& to,
                            std::span<const std::uint8_t> frame) {
    const auto sent = ::sendto(q.fd.get(), frame.data(), frame.size(), 0,
                               reinterpret_cast<const sockaddr*>(&to), // NOLINT: sockaddr API
                               q.to_length);
    if (sent < 0 && on_failure_) {
        on_failure_(link, errno);
    }
}

} // namespace ecmh::io
