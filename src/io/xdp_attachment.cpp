// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/xdp_attachment.hpp"

#include <bpf/bpf.h>
#include <cerrno>
#include <cstring>
#include <linux/if_link.h>
#include <string>

namespace ecmh::io {
namespace {

std::string describe(net::IfIndex index, XdpMode mode) {
    return std::string{"attach XDP ("} + (mode == XdpMode::Native ? "native" : "generic") +
           ") to interface " + std::to_string(index.value());
}

// What an operator needs beyond errno's text for the failures an attach meets.
std::string explain(int code) {
    switch (code) {
    case EBUSY:
    case EEXIST:
        return "another XDP program is attached to it";
    case EOPNOTSUPP:
        return "the driver has no native XDP";
    case ENODEV:
        return "no such interface";
    default:
        return {};
    }
}

} // namespace

SysResult<XdpAttachment> XdpAttachment::attach(const XdpProgram& program, net::IfIndex index,
                                               XdpMode mode) {
    if (mode == XdpMode::None) {
        return net::unexpected(SysError{describe(index, mode), EINVAL, "no XDP mode given"});
    }
    bpf_link_create_opts opts{}; // no LIBBPF_OPTS in C++ (design-15 P4)
    opts.sz = sizeof(opts);
    opts.flags = mode == XdpMode::Native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
    UniqueFd link{
        bpf_link_create(program.ingress_fd(), static_cast<int>(index.value()), BPF_XDP, &opts)};
    if (!link) {
        const int code = -link.get();
        auto error = SysError{describe(index, mode), code, explain(code)};
        if (!error.detail.empty()) {
            error.detail += std::string{" ("} + std::strerror(code) + ")";
        }
        return net::unexpected(std::move(error));
    }
    return XdpAttachment{std::move(link), index, mode};
}

} // namespace ecmh::io
