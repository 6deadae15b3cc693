// SPDX-License-Identifier: BSD-3-Clause
// The XDP fast path in a build without libbpf (ECMH_XDP=OFF, or AUTO without libbpf,
// clang or bpftool): nothing loads or attaches, and the error says why. No XdpProgram
// can exist, so its other members are never reached.
#include "ecmh/io/xdp_attachment.hpp"
#include "ecmh/io/xdp_program.hpp"

namespace ecmh::io {
namespace {

SysError unavailable(std::string what) {
    return SysError{std::move(what), 0, "built without XDP support (ECMH_XDP=OFF)"};
}

} // namespace

struct XdpProgram::Impl {
    XdpLimits limits;
};

bool XdpProgram::built_in() {
    return false;
}

SysResult<XdpProgram> XdpProgram::load(const XdpLimits& /*limits*/) {
    return net::unexpected(unavailable("load the XDP program"));
}

XdpProgram::XdpProgram(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
XdpProgram::XdpProgram(XdpProgram&& other) noexcept = default;
XdpProgram& XdpProgram::operator=(XdpProgram&& other) noexcept = default;
XdpProgram::~XdpProgram() = default;

// The members the real build implements with the maps: here none needs `this`.
// NOLINTBEGIN(readability-convert-member-functions-to-static)
const XdpLimits& XdpProgram::limits() const {
    return impl_->limits;
}
int XdpProgram::ingress_fd() const {
    return -1;
}
SysResult<Done> XdpProgram::put_flow(const ecmh_flow_key& /*key*/,
                                     const ecmh_flow_value& /*value*/) {
    return net::unexpected(unavailable("update the XDP flow table"));
}
SysResult<Done> XdpProgram::delete_flow(const ecmh_flow_key& /*key*/) {
    return net::unexpected(unavailable("delete from the XDP flow table"));
}
SysResult<engine::FlowCounters> XdpProgram::read_counters(std::uint32_t /*slot*/) const {
    return net::unexpected(unavailable("read the XDP flow counters"));
}
SysResult<Done> XdpProgram::zero_counters(std::uint32_t /*slot*/) {
    return net::unexpected(unavailable("zero the XDP flow counters"));
}
SysResult<Done> XdpProgram::put_link(net::IfIndex /*index*/, const net::MacAddress& /*mac*/,
                                     std::uint32_t /*mtu*/) {
    return net::unexpected(unavailable("update the XDP link table"));
}
SysResult<Done> XdpProgram::delete_link(net::IfIndex /*index*/) {
    return net::unexpected(unavailable("delete from the XDP link table"));
}
SysResult<Done> XdpProgram::put_own_mac(const net::MacAddress& /*mac*/) {
    return net::unexpected(unavailable("update the XDP own-MAC table"));
}
SysResult<Done> XdpProgram::delete_own_mac(const net::MacAddress& /*mac*/) {
    return net::unexpected(unavailable("delete from the XDP own-MAC table"));
}
SysResult<Done> XdpProgram::set_insert(std::uint32_t /*set*/, net::IfIndex /*index*/) {
    return net::unexpected(unavailable("add a link to an XDP out-set"));
}
SysResult<Done> XdpProgram::set_erase(std::uint32_t /*set*/, net::IfIndex /*index*/) {
    return net::unexpected(unavailable("remove a link from an XDP out-set"));
}
std::uint64_t XdpProgram::event_count(ecmh_xdp_event /*event*/) const {
    return 0;
}
SysResult<XdpTestRun> XdpProgram::test_run(std::span<const std::uint8_t> /*frame*/,
                                           net::IfIndex /*ingress*/) const {
    return net::unexpected(unavailable("BPF_PROG_TEST_RUN of the XDP program"));
}
SysResult<Done> XdpProgram::test_run_live(std::span<const std::uint8_t> /*frame*/,
                                          net::IfIndex /*ingress*/,
                                          std::uint32_t /*repeat*/) const {
    return net::unexpected(unavailable("BPF_PROG_TEST_RUN of the XDP program (live frames)"));
}

// NOLINTEND(readability-convert-member-functions-to-static)

SysResult<XdpAttachment> XdpAttachment::attach(const XdpProgram& /*program*/,
                                               net::IfIndex /*index*/, XdpMode /*mode*/) {
    return net::unexpected(unavailable("attach XDP"));
}

} // namespace ecmh::io
