// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/packet_ring.hpp"

#ifdef __linux__
#include <algorithm>
#include <arpa/inet.h>
#include <bit>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/mman.h>
#include <sys/socket.h>

namespace ecmh::io {
namespace {

// What the kernel puts before the link header in a slot: the tpacket2 header, the
// sockaddr_ll, and up to 16 octets of alignment (see tpacket_rcv's netoff).
constexpr std::size_t align16(std::size_t n) {
    return (n + 15) & ~std::size_t{15}; // TPACKET_ALIGN, without the sign games
}
constexpr std::size_t kHeaderSpace = align16(sizeof(tpacket2_hdr));
constexpr std::size_t kSlotOverhead = kHeaderSpace + sizeof(sockaddr_ll) + 16 + 16;
constexpr std::size_t kLinkHeader = 18; // Ethernet with an 802.1Q tag
constexpr std::size_t kBlockSize = 1 << 16;

tpacket2_hdr* header_at(std::uint8_t* base, std::size_t slot, std::size_t frame_size) {
    return reinterpret_cast<tpacket2_hdr*>(base + slot * frame_size); // NOLINT: the ring's layout
}

SysResult<Done> set_option(int fd, int level, int name, const void* value, socklen_t length,
                           const std::string& what) {
    if (setsockopt(fd, level, name, value, length) != 0) {
        return net::unexpected(last_error(what));
    }
    return Done{};
}

packet_mreq membership(net::IfIndex index, bool promiscuous) {
    packet_mreq request{};
    request.mr_ifindex = static_cast<int>(index.value());
    request.mr_type = promiscuous ? PACKET_MR_PROMISC : PACKET_MR_ALLMULTI;
    return request;
}

} // namespace

std::size_t ring_frame_size_for(std::uint32_t mtu) {
    return std::bit_ceil(std::max<std::size_t>(kSlotOverhead + kLinkHeader + mtu, 2048));
}

void PacketRing::Unmap::operator()(std::uint8_t* base) const {
    munmap(base, length);
}

SysResult<PacketRing> PacketRing::open(RingGeometry g, const std::vector<sock_filter>& filter) {
    // Protocol 0: nothing is received until bind(), i.e. until the filter is in place.
    UniqueFd fd{socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
    if (!fd) {
        return net::unexpected(last_error("socket(AF_PACKET)"));
    }
    const int version = TPACKET_V2;
    if (auto r = set_option(fd.get(), SOL_PACKET, PACKET_VERSION, &version, sizeof version,
                            "PACKET_VERSION TPACKET_V2");
        !r) {
        return net::unexpected(r.error());
    }
    sock_fprog program{static_cast<unsigned short>(filter.size()),
                       const_cast<sock_filter*>(filter.data())}; // NOLINT: the API's type
    if (auto r = set_option(fd.get(), SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program,
                            "SO_ATTACH_FILTER");
        !r) {
        return net::unexpected(r.error());
    }
    // Our own transmissions never enter the ring (Linux ≥ 4.20; older kernels queue
    // them and next() reports them as outgoing).
    const int one = 1;
    (void)setsockopt(fd.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);

    const std::size_t block = std::max(kBlockSize, g.frame_size);
    const std::size_t per_block = block / g.frame_size;
    const std::size_t blocks =
        std::max<std::size_t>(1, (g.frame_count + per_block - 1) / per_block);
    g.frame_count = blocks * per_block;
    tpacket_req request{};
    request.tp_block_size = static_cast<unsigned>(block);
    request.tp_block_nr = static_cast<unsigned>(blocks);
    request.tp_frame_size = static_cast<unsigned>(g.frame_size);
    request.tp_frame_nr = static_cast<unsigned>(g.frame_count);
    if (auto r = set_option(fd.get(), SOL_PACKET, PACKET_RX_RING, &request, sizeof request,
                            "PACKET_RX_RING");
        !r) {
        return net::unexpected(r.error());
    }
    const std::size_t length = block * blocks;
    void* base = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (base == MAP_FAILED) {
        return net::unexpected(last_error("mmap of the packet ring"));
    }
    std::unique_ptr<std::uint8_t, Unmap> map{static_cast<std::uint8_t*>(base), Unmap{length}};
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_ALL);
    address.sll_ifindex = 0; // every link
    if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        return net::unexpected(last_error("bind(AF_PACKET, all links)"));
    }
    return PacketRing{std::move(fd), std::move(map), g};
}

SysResult<Done> PacketRing::add_membership(net::IfIndex index, bool promiscuous) {
    const auto request = membership(index, promiscuous);
    return set_option(fd_.get(), SOL_PACKET, PACKET_ADD_MEMBERSHIP, &request, sizeof request,
                      std::string(promiscuous ? "promiscuous mode" : "all-multicast") +
                          " on ifindex " + std::to_string(index.value()));
}

void PacketRing::drop_membership(net::IfIndex index, bool promiscuous) {
    const auto request = membership(index, promiscuous);
    // Fails only when the link is already gone, which took the membership with it.
    (void)setsockopt(fd_.get(), SOL_PACKET, PACKET_DROP_MEMBERSHIP, &request, sizeof request);
}

bool PacketRing::next(RingFrame& frame) {
    auto* header = header_at(map_.get(), head_, geometry_.frame_size);
    if ((__atomic_load_n(&header->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0) {
        return false;
    }
    auto* slot = reinterpret_cast<std::uint8_t*>(header);    // NOLINT: the ring's layout
    const auto* from = reinterpret_cast<const sockaddr_ll*>( // NOLINT: the ring's layout
        slot + kHeaderSpace);
    const std::size_t mac = header->tp_mac;
    const std::size_t net = std::max<std::size_t>(header->tp_net, mac);
    const std::size_t captured = header->tp_snaplen;
    // The kernel never writes past the slot; check anyway before trusting offsets.
    const bool sane = mac + captured <= geometry_.frame_size && net - mac <= captured;
    frame.index = net::IfIndex{static_cast<std::uint32_t>(from->sll_ifindex)};
    frame.outgoing = from->sll_pkttype == PACKET_OUTGOING;
    if (sane) {
        frame.link = {slot + mac, captured};
        frame.network = {slot + net, captured - (net - mac)};
        frame.wire_length = header->tp_len;
    } else {
        frame.link = {};
        frame.network = {};
        frame.wire_length = 0;
    }
    return true;
}

void PacketRing::release() {
    auto* header = header_at(map_.get(), head_, geometry_.frame_size);
    __atomic_store_n(&header->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    head_ = (head_ + 1) % geometry_.frame_count;
}

std::uint64_t PacketRing::take_drops() {
    tpacket_stats stats{};
    socklen_t length = sizeof stats;
    if (getsockopt(fd_.get(), SOL_PACKET, PACKET_STATISTICS, &stats, &length) != 0) {
        return 0;
    }
    return stats.tp_drops;
}

int PacketRing::take_error() {
    int error = 0;
    socklen_t length = sizeof error;
    (void)getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &error, &length);
    return error;
}

} // namespace ecmh::io
#endif
