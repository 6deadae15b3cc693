// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/report_groups.hpp"

#ifdef __linux__
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>

namespace ecmh::io {
namespace {

constexpr const char* kMldv2Routers = "ff02::16";
constexpr const char* kIgmpv3Routers = "224.0.0.22";

// A datagram socket that receives nothing (no port is bound, and the membership only
// serves the link's filter and the kernel's reports) holding one membership; on failure
// an invalid fd and `error` set.
UniqueFd joined_socket(int family, int level, int option, const void* request, socklen_t length,
                       int& error) {
    UniqueFd fd{socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    if (!fd || setsockopt(fd.get(), level, option, request, length) != 0) {
        error = errno; // before the fd is closed
        return UniqueFd{};
    }
    return fd;
}

std::string failure(const char* group, int error) {
    return std::string("could not join ") + group + ": " + std::strerror(error);
}

} // namespace

ReportGroups ReportGroups::join(net::IfIndex index, bool ipv6, bool ipv4) {
    ReportGroups g;
    if (ipv6) {
        ipv6_mreq request{};
        (void)inet_pton(AF_INET6, kMldv2Routers, &request.ipv6mr_multiaddr);
        request.ipv6mr_interface = index.value();
        int error = 0;
        g.ipv6_ =
            joined_socket(AF_INET6, IPPROTO_IPV6, IPV6_JOIN_GROUP, &request, sizeof request, error);
        if (!g.ipv6_) {
            g.problem_ = failure(kMldv2Routers, error);
        }
    }
    if (ipv4) {
        ip_mreqn request{};
        (void)inet_pton(AF_INET, kIgmpv3Routers, &request.imr_multiaddr);
        request.imr_ifindex = static_cast<int>(index.value());
        int error = 0;
        g.ipv4_ =
            joined_socket(AF_INET, IPPROTO_IP, IP_ADD_MEMBERSHIP, &request, sizeof request, error);
        if (!g.ipv4_) {
            g.problem_ += (g.problem_.empty() ? "" : "; ") + failure(kIgmpv3Routers, error);
        }
    }
    return g;
}

void RouterLinkMemberships::join(engine::LinkId id, const std::string& name, net::IfIndex index) {
    if (id.slot() >= by_slot_.size()) {
        return;
    }
    auto& slot = by_slot_[id.slot()];
    slot = ReportGroups::join(index, ipv6_, ipv4_);
    if (!slot->problem().empty()) {
        notes_.push_back(name + ": " + slot->problem() +
                         " (reports reach ecmh there only through its all-multicast capture, "
                         "which a snooping switch or a MAC filter may defeat)");
    }
}

void RouterLinkMemberships::leave(engine::LinkId id) {
    if (id.slot() < by_slot_.size()) {
        by_slot_[id.slot()].reset();
    }
}

} // namespace ecmh::io
#endif
