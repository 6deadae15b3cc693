// SPDX-License-Identifier: BSD-3-Clause
// mfc_route: the benchmark's baseline — the Linux kernel forwarding multicast itself.
// Installs static (S,G) entries in the kernel's multicast forwarding cache of the current
// network namespace, from one input interface to the output interfaces, and holds them
// until SIGTERM/SIGINT (the kernel removes its multicast routing state when the socket that
// set it up closes, so this process must stay alive while the baseline is measured).
//
//   mfc_route --in up0 --out dn1 [--out dn2 …] --route 2001:db8:1::10,ff0e::db8:1
//             [--route 198.51.100.10,239.1.1.1 …]
//
// IPv6: a raw ICMPv6 socket, MRT6_INIT (which sets net.ipv6.conf.all.mc_forwarding),
// MRT6_ADD_MIF per interface, MRT6_ADD_MFC with the output MIFs in mf6cc_ifset.
// IPv4: a raw IGMP socket, MRT_INIT, MRT_ADD_VIF (VIFF_USE_IFINDEX), MRT_ADD_MFC with a
// TTL threshold of 1 per output VIF. Prints "mfc_route ready …" once everything is in.
// What the kernel sends up the socket (NOCACHE upcalls for other traffic) is read and
// dropped.
#include "bench_common.hpp"

#include <csignal>
#include <linux/mroute.h>
#include <linux/mroute6.h>
#include <poll.h>

namespace {

constexpr const char* kTool = "mfc_route";
volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) {
    g_stop = 1;
}

struct Route {
    bench::Endpoint source;
    bench::Endpoint group;
};

int setup_v6(const std::vector<unsigned>& interfaces, const std::vector<Route>& routes) {
    const int fd = ::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    if (fd < 0) {
        bench::die_errno(kTool, "socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)");
    }
    const int one = 1;
    if (setsockopt(fd, IPPROTO_IPV6, MRT6_INIT, &one, sizeof one) != 0) {
        bench::die_errno(kTool, "MRT6_INIT (is another multicast router running here?)");
    }
    for (std::size_t i = 0; i < interfaces.size(); ++i) {
        mif6ctl mif{};
        mif.mif6c_mifi = static_cast<mifi_t>(i);
        mif.vifc_threshold = 1;
        mif.mif6c_pifi = static_cast<__u16>(interfaces[i]);
        if (setsockopt(fd, IPPROTO_IPV6, MRT6_ADD_MIF, &mif, sizeof mif) != 0) {
            bench::die_errno(kTool, "MRT6_ADD_MIF " + std::to_string(i));
        }
    }
    for (const auto& r : routes) {
        if (r.group.family() != AF_INET6) {
            continue;
        }
        mf6cctl mfc{};
        mfc.mf6cc_origin.sin6_family = AF_INET6;
        mfc.mf6cc_origin.sin6_addr = r.source.v6();
        mfc.mf6cc_mcastgrp.sin6_family = AF_INET6;
        mfc.mf6cc_mcastgrp.sin6_addr = r.group.v6();
        mfc.mf6cc_parent = 0; // MIF 0 is --in
        for (std::size_t i = 1; i < interfaces.size(); ++i) {
            IF_SET(i, &mfc.mf6cc_ifset);
        }
        if (setsockopt(fd, IPPROTO_IPV6, MRT6_ADD_MFC, &mfc, sizeof mfc) != 0) {
            bench::die_errno(kTool, "MRT6_ADD_MFC " + bench::address_text(r.group));
        }
    }
    return fd;
}

int setup_v4(const std::vector<unsigned>& interfaces, const std::vector<Route>& routes) {
    const int fd = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_IGMP);
    if (fd < 0) {
        bench::die_errno(kTool, "socket(AF_INET, SOCK_RAW, IPPROTO_IGMP)");
    }
    const int one = 1;
    if (setsockopt(fd, IPPROTO_IP, MRT_INIT, &one, sizeof one) != 0) {
        bench::die_errno(kTool, "MRT_INIT (is another multicast router running here?)");
    }
    for (std::size_t i = 0; i < interfaces.size(); ++i) {
        vifctl vif{};
        vif.vifc_vifi = static_cast<vifi_t>(i);
        vif.vifc_flags = VIFF_USE_IFINDEX;
        vif.vifc_threshold = 1;
        vif.vifc_lcl_ifindex = static_cast<int>(interfaces[i]);
        if (setsockopt(fd, IPPROTO_IP, MRT_ADD_VIF, &vif, sizeof vif) != 0) {
            bench::die_errno(kTool, "MRT_ADD_VIF " + std::to_string(i));
        }
    }
    for (const auto& r : routes) {
        if (r.group.family() != AF_INET) {
            continue;
        }
        mfcctl mfc{};
        mfc.mfcc_origin = r.source.v4();
        mfc.mfcc_mcastgrp = r.group.v4();
        mfc.mfcc_parent = 0; // VIF 0 is --in
        for (std::size_t i = 1; i < interfaces.size(); ++i) {
            mfc.mfcc_ttls[i] = 1; // forward when TTL > 1; 0 = not on this VIF
        }
        if (setsockopt(fd, IPPROTO_IP, MRT_ADD_MFC, &mfc, sizeof mfc) != 0) {
            bench::die_errno(kTool, "MRT_ADD_MFC " + bench::address_text(r.group));
        }
    }
    return fd;
}

} // namespace

int main(int argc, char** argv) {
    const bench::Args args(kTool, argc, argv, {"--in", "--out", "--route"}, {});
    std::vector<unsigned> interfaces{bench::interface_index(kTool, args.required("--in"))};
    for (const auto& name : args.all("--out")) {
        interfaces.push_back(bench::interface_index(kTool, name));
    }
    if (interfaces.size() < 2 || interfaces.size() > MAXMIFS || interfaces.size() > MAXVIFS) {
        bench::die(kTool, "need 1 to " + std::to_string(MAXVIFS - 1) + " --out interfaces");
    }
    std::vector<Route> routes;
    bool v6 = false;
    bool v4 = false;
    for (const auto& text : args.all("--route")) {
        const auto comma = text.find(',');
        const auto source = bench::parse_endpoint(text.substr(0, comma), 0);
        const auto group = comma == std::string::npos
                               ? std::nullopt
                               : bench::parse_endpoint(text.substr(comma + 1), 0);
        if (!source || !group || source->family() != group->family()) {
            bench::die(kTool, "--route: want SOURCE,GROUP of one family, got " + text);
        }
        routes.push_back(Route{*source, *group});
        (group->family() == AF_INET6 ? v6 : v4) = true;
    }
    if (routes.empty()) {
        bench::die(kTool, "no --route");
    }
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);

    std::vector<pollfd> fds;
    if (v6) {
        fds.push_back(pollfd{setup_v6(interfaces, routes), POLLIN, 0});
    }
    if (v4) {
        fds.push_back(pollfd{setup_v4(interfaces, routes), POLLIN, 0});
    }
    std::printf("mfc_route ready: %zu routes, %zu output interfaces\n", routes.size(),
                interfaces.size() - 1);
    std::fflush(stdout);
    std::array<std::uint8_t, 2048> discard{};
    while (g_stop == 0) {
        if (::poll(fds.data(), fds.size(), 500) <= 0) {
            continue;
        }
        for (const auto& p : fds) {
            if ((p.revents & POLLIN) != 0) {
                [[maybe_unused]] const auto n =
                    ::recv(p.fd, discard.data(), discard.size(), MSG_DONTWAIT);
            }
        }
    }
    for (const auto& p : fds) {
        ::close(p.fd); // MRT6_DONE / MRT_DONE happen on close
    }
    return 0;
}
