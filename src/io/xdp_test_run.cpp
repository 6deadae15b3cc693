// SPDX-License-Identifier: BSD-3-Clause
// BPF_PROG_TEST_RUN of the ingress program: a frame in, the verdict and the frame out,
// without an interface receiving anything (or, with live frames, a redirect carried out).
#include "ecmh/io/xdp_program.hpp"

#include <bpf/bpf.h>
#include <cerrno>
#include <linux/bpf.h>

namespace ecmh::io {
namespace {

// The context the run starts from: the frame starts the data, and arrived on `ingress`.
xdp_md context(std::span<const std::uint8_t> frame, net::IfIndex ingress) {
    xdp_md ctx{};
    ctx.data_end = static_cast<std::uint32_t>(frame.size());
    ctx.ingress_ifindex = ingress.value();
    return ctx;
}

// C++ has no LIBBPF_OPTS (its designated initializers must follow declaration order,
// design-15 P4): zeroed, then the size libbpf checks, then the fields.
bpf_test_run_opts run_options(std::span<const std::uint8_t> frame, const xdp_md& ctx) {
    bpf_test_run_opts opts{};
    opts.sz = sizeof(opts);
    opts.data_in = frame.data();
    opts.data_size_in = static_cast<std::uint32_t>(frame.size());
    opts.ctx_in = &ctx;
    opts.ctx_size_in = sizeof(ctx);
    return opts;
}

} // namespace

SysResult<XdpTestRun> XdpProgram::test_run(std::span<const std::uint8_t> frame,
                                           net::IfIndex ingress) const {
    const auto ctx = context(frame, ingress);
    auto opts = run_options(frame, ctx);
    XdpTestRun run;
    // The program only ever shrinks a frame (padding trimmed).
    run.frame.resize(frame.size());
    opts.data_out = run.frame.data();
    opts.data_size_out = static_cast<std::uint32_t>(run.frame.size());
    if (const int rc = bpf_prog_test_run_opts(ingress_fd(), &opts); rc < 0) {
        return net::unexpected(SysError{"BPF_PROG_TEST_RUN of the XDP program", -rc, {}});
    }
    run.frame.resize(opts.data_size_out);
    run.verdict = opts.retval;
    return run;
}

SysResult<Done> XdpProgram::test_run_live(std::span<const std::uint8_t> frame, net::IfIndex ingress,
                                          std::uint32_t repeat) const {
    const auto ctx = context(frame, ingress);
    auto opts = run_options(frame, ctx);
    opts.flags = BPF_F_TEST_XDP_LIVE_FRAMES;
    opts.repeat = static_cast<int>(repeat);
    if (const int rc = bpf_prog_test_run_opts(ingress_fd(), &opts); rc < 0) {
        return net::unexpected(
            SysError{"BPF_PROG_TEST_RUN of the XDP program (live frames)", -rc, {}});
    }
    return Done{};
}

} // namespace ecmh::io
