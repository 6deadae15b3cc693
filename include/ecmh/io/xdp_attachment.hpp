// SPDX-License-Identifier: BSD-3-Clause
// The XDP program attached to one interface, owned: a bpf_link (kernel 5.9), which the
// kernel detaches when its fd closes, so ecmh's exit, a crash or SIGKILL leaves nothing
// attached and no pinned state to find again. Attaching goes by the program's fd and
// needs no capability once the program is loaded (design-15 P15), so it works after
// `-u` for interfaces that appear later.
//
// Another program already on the interface makes the attach fail (EBUSY), and the
// interface stays with userspace forwarding. libxdp's dispatcher would share it, but
// cannot work where the kernel refuses freplace programs (design-15 P13, P14).
#pragma once

#include "ecmh/io/sys_error.hpp"
#include "ecmh/io/unique_fd.hpp"
#include "ecmh/io/xdp_mode.hpp"
#include "ecmh/io/xdp_program.hpp"
#include "ecmh/net/if_index.hpp"

namespace ecmh::io {

class XdpAttachment {
public:
    // `mode` is Generic or Native; None is refused.
    [[nodiscard]] static SysResult<XdpAttachment> attach(const XdpProgram& program,
                                                         net::IfIndex index, XdpMode mode);

    [[nodiscard]] net::IfIndex index() const { return index_; }
    [[nodiscard]] XdpMode mode() const { return mode_; }

private:
    XdpAttachment(UniqueFd link, net::IfIndex index, XdpMode mode)
        : link_(std::move(link)), index_(index), mode_(mode) {}

    UniqueFd link_; // closing it detaches
    net::IfIndex index_;
    XdpMode mode_ = XdpMode::None;
};

} // namespace ecmh::io
