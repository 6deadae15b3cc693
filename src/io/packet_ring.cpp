// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/packet_ring.hpp"

#ifdef __linux__
#include <algorithm>
#include <arpa/inet.h>
#include <bit>
#include <cstring>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/mman.h>
#include <sys/socket.h>

namespace ecmh::io {
namespace {

// struct virtio_net_hdr of <linux/virtio_net.h>, which C++ cannot include (a member is
// named `class`), and the gso_type values ecmh tells apart.
struct VirtioNetHeader {
    std::uint8_t flags;
    std::uint8_t gso_type;
    std::uint16_t hdr_len;
    std::uint16_t gso_size; // payload octets per segment
    std::uint16_t csum_start;
    std::uint16_t csum_offset;
};
static_assert(sizeof(VirtioNetHeader) == 10);
constexpr std::uint8_t kGsoNone = 0;
constexpr std::uint8_t kGsoEcn = 0x80;
constexpr std::uint8_t kGsoUdpL4 = 5; // UDP datagrams merged by GRO or sent with UDP_SEGMENT

// What the kernel puts before the link header in a slot: the tpacket2 header, the
// sockaddr_ll, up to 16 octets of alignment (see tpacket_rcv's netoff) and the
// virtio_net_hdr that describes offload.
constexpr std::size_t align16(std::size_t n) {
    return (n + 15) & ~std::size_t{15}; // TPACKET_ALIGN, without the sign games
}
constexpr std::size_t kHeaderSpace = align16(sizeof(tpacket2_hdr));
constexpr std::size_t kSlotOverhead =
    kHeaderSpace + sizeof(sockaddr_ll) + 16 + 16 + align16(sizeof(VirtioNetHeader));
// A whole IP packet and its link header: what a super-frame can be at most.
constexpr std::size_t kLargestFrame = 65535 + 18;
// The queue that holds whole copies of frames larger than a slot (TP_STATUS_COPY).
constexpr int kCopyQueueBytes = 4 << 20;

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

// What the kernel's virtio_net_hdr (in host byte order here: virtio_net_hdr_from_skb
// writes it little-endian on little-endian hosts, i.e. natively) says of a frame.
wire::ReceiveOffload offload_of(std::span<const std::uint8_t> bytes) {
    VirtioNetHeader h{};
    if (bytes.size() < sizeof h) {
        return {};
    }
    std::memcpy(&h, bytes.data(), sizeof h);
    switch (h.gso_type & ~kGsoEcn) {
    case kGsoNone:
        return {};
    case kGsoUdpL4:
        return {wire::ReceiveOffload::Kind::Udp, h.gso_size};
    default:
        return {wire::ReceiveOffload::Kind::Other, h.gso_size};
    }
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
    // Each frame comes with its offload description, so a super-frame (GRO) can be cut
    // back into its datagrams (wire/udp_segment.hpp); and a frame larger than a slot is
    // also queued whole on the socket (TP_STATUS_COPY), where next() reads it. Both must
    // be set before the ring exists. Without them (an old kernel) super-frames are
    // dropped as oversized, as before.
    const bool vnet = setsockopt(fd.get(), SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) == 0 &&
                      setsockopt(fd.get(), SOL_PACKET, PACKET_COPY_THRESH, &one, sizeof one) == 0;
    if (vnet && setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &kCopyQueueBytes,
                           sizeof kCopyQueueBytes) != 0) {
        (void)setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &kCopyQueueBytes, sizeof kCopyQueueBytes);
    }

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
    PacketRing ring{std::move(fd), std::move(map), g};
    if (vnet) {
        ring.copy_.resize(sizeof(VirtioNetHeader) + kLargestFrame);
    }
    return ring;
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
    const std::size_t vnet = copy_.empty() ? 0 : sizeof(VirtioNetHeader);
    // The kernel never writes past the slot; check anyway before trusting offsets.
    const bool sane =
        mac + captured <= geometry_.frame_size && net - mac <= captured && mac >= vnet;
    frame.index = net::IfIndex{static_cast<std::uint32_t>(from->sll_ifindex)};
    frame.outgoing = from->sll_pkttype == PACKET_OUTGOING;
    frame.link = {};
    frame.network = {};
    frame.wire_length = 0;
    frame.offload = {};
    if ((header->tp_status & TP_STATUS_COPY) != 0) {
        read_copy(frame, net - mac); // the slot holds the frame's head only
    } else if (sane) {
        frame.link = {slot + mac, captured};
        frame.network = {slot + net, captured - (net - mac)};
        frame.wire_length = header->tp_len;
        if (vnet != 0) {
            frame.offload = offload_of({slot + mac - vnet, vnet});
        }
    }
    return true;
}

void PacketRing::read_copy(RingFrame& frame, std::size_t link_header) {
    // The whole frame waits on the socket's queue, in the order the slots were filled,
    // behind its virtio_net_hdr. If it cannot be read (nothing queued: the kernel had
    // no room), the frame is reported empty with its wire length, i.e. truncated.
    const ssize_t n = recv(fd_.get(), copy_.data(), copy_.size(), MSG_DONTWAIT | MSG_TRUNC);
    const std::size_t vnet = sizeof(VirtioNetHeader);
    if (n < 0 || static_cast<std::size_t>(n) < vnet + link_header ||
        static_cast<std::size_t>(n) > copy_.size()) {
        frame.wire_length = n > 0 ? static_cast<std::size_t>(n) : 1;
        return;
    }
    const std::span<const std::uint8_t> whole{copy_.data(), static_cast<std::size_t>(n)};
    frame.offload = offload_of(whole.first(vnet));
    frame.link = whole.subspan(vnet);
    frame.network = frame.link.subspan(link_header);
    frame.wire_length = frame.link.size();
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
