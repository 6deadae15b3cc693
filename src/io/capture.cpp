// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/capture.hpp"

#include <algorithm>
#include <pcap/pcap.h>
#include <vector>

#ifdef __linux__
#include <linux/if_packet.h>
#include <sys/socket.h>
#endif

namespace ecmh::io {
namespace {

SysError pcap_failure(const std::string& what, pcap_t* handle) {
    return SysError{what, 0, handle != nullptr ? pcap_geterr(handle) : "unknown error"};
}

// The link types ecmh can frame; anything else is refused at open.
std::optional<wire::LinkType> link_type_of(int dlt) {
    switch (dlt) {
    case DLT_EN10MB:
        return wire::LinkType::Ethernet;
    case DLT_RAW:
#ifdef DLT_IPV4
    case DLT_IPV4:
    case DLT_IPV6:
#endif
        return wire::LinkType::Raw;
    case DLT_LINUX_SLL:
        return wire::LinkType::LinuxSll;
    default:
        return std::nullopt;
    }
}

// All-multicast membership on the capture socket (Linux): every multicast frame reaches
// us without promiscuous mode, and the kernel drops the membership with the socket.
SysResult<Done> join_all_multicast([[maybe_unused]] int fd, [[maybe_unused]] net::IfIndex index) {
#ifdef __linux__
    packet_mreq request{};
    request.mr_ifindex = static_cast<int>(index.value());
    request.mr_type = PACKET_MR_ALLMULTI;
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &request, sizeof request) != 0) {
        return net::unexpected(
            last_error("all-multicast on ifindex " + std::to_string(index.value())));
    }
#endif
    return Done{};
}

void deliver(u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
    auto* sink = reinterpret_cast<FrameSink*>(user); // NOLINT: libpcap's void* user data
    sink->on_captured({bytes, header->caplen}, header->len);
}

} // namespace

std::string capture_filter(const CaptureOptions& o) {
    std::vector<std::string> parts;
    if (o.ipv6) {
        // Multicast data and MLD; MLD to a unicast address of ours (RFC 3810 §5.1.15)
        // always carries a Hop-by-Hop header (Next Header 0).
        parts.emplace_back("ip6 multicast");
        parts.emplace_back("(ip6 and ip6[6] == 0)");
    }
    if (o.ipv4) {
        parts.emplace_back("ip multicast");
        parts.emplace_back("igmp"); // includes queries to our unicast address
    }
    if (o.tunnel_mode) {
        parts.emplace_back("(ip proto 41)");
    }
    std::string expression;
    for (const auto& p : parts) {
        expression += (expression.empty() ? "" : " or ") + p;
    }
    return expression.empty() ? "less 0" : expression; // nothing enabled: pass nothing
}

void Capture::Closer::operator()(pcap* handle) const {
    pcap_close(handle);
}

int snap_length_for(std::uint32_t mtu) {
    constexpr std::uint32_t kLinkHeader = 18;  // Ethernet + 802.1Q
    constexpr std::uint32_t kLargest = 65'535; // an IP packet
    return static_cast<int>(std::min(mtu, kLargest) + kLinkHeader);
}

SysResult<Capture> Capture::open(const std::string& interface, net::IfIndex index,
                                 std::uint32_t mtu, const CaptureOptions& options) {
    char error[PCAP_ERRBUF_SIZE] = {};
    std::unique_ptr<pcap, Closer> handle{pcap_create(interface.c_str(), error)};
    if (!handle) {
        return net::unexpected(SysError{"pcap_create " + interface, 0, error});
    }
    pcap_t* h = handle.get();
    pcap_set_snaplen(h, snap_length_for(mtu));
    pcap_set_promisc(h, options.promiscuous ? 1 : 0);
    pcap_set_immediate_mode(h, 1);
    pcap_set_buffer_size(h, options.buffer_bytes);
    if (const int rc = pcap_activate(h); rc < 0) {
        return net::unexpected(pcap_failure("pcap_activate " + interface, h));
    }
    const auto type = link_type_of(pcap_datalink(h));
    if (!type) {
        return net::unexpected(SysError{"capture on " + interface, 0,
                                        std::string("unsupported link type ") +
                                            pcap_datalink_val_to_name(pcap_datalink(h))});
    }
    if (pcap_setdirection(h, PCAP_D_IN) != 0) {
        return net::unexpected(pcap_failure("pcap_setdirection " + interface, h));
    }
    bpf_program program{};
    const auto expression = capture_filter(options);
    if (pcap_compile(h, &program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        return net::unexpected(
            pcap_failure("pcap_compile \"" + expression + "\" on " + interface, h));
    }
    const int set = pcap_setfilter(h, &program);
    pcap_freecode(&program);
    if (set != 0) {
        return net::unexpected(pcap_failure("pcap_setfilter " + interface, h));
    }
    if (pcap_setnonblock(h, 1, error) != 0) {
        return net::unexpected(SysError{"pcap_setnonblock " + interface, 0, error});
    }
    const int fd = pcap_get_selectable_fd(h);
    if (fd < 0) {
        return net::unexpected(SysError{"pcap_get_selectable_fd " + interface, 0, "no fd"});
    }
#ifdef PACKET_IGNORE_OUTGOING
    // PCAP_D_IN filters our own copies only after the kernel has queued them into the
    // ring; this keeps them out in the first place (Linux ≥ 4.20). Best effort.
    const int one = 1;
    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
#endif
    if (!options.promiscuous) {
        if (auto joined = join_all_multicast(fd, index); !joined) {
            return net::unexpected(joined.error());
        }
    }
    return Capture{std::move(handle), fd, *type, interface};
}

Capture::~Capture() = default;

SysResult<int> Capture::dispatch(int max_frames, FrameSink& sink) {
    const int n = pcap_dispatch(handle_.get(), max_frames, deliver,
                                reinterpret_cast<u_char*>(&sink)); // NOLINT: libpcap's user data
    if (n < 0) {
        return net::unexpected(pcap_failure("pcap_dispatch " + name_, handle_.get()));
    }
    return n;
}

std::uint64_t Capture::kernel_drops() const {
    pcap_stat stats{};
    if (pcap_stats(handle_.get(), &stats) != 0) {
        return 0;
    }
    return stats.ps_drop;
}

} // namespace ecmh::io
