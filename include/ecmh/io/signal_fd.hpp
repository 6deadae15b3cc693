// SPDX-License-Identifier: BSD-3-Clause
// Signals as readable events (signalfd): USR1, USR2, HUP, TERM and INT are blocked and
// read in the poll loop, so no handler runs code at an arbitrary point (the original
// ecmh wrote its dump inside a handler). SIGPIPE is ignored.
#pragma once

#include "ecmh/io/sys_error.hpp"
#include "ecmh/io/unique_fd.hpp"

#include <cstdint>
#include <vector>

namespace ecmh::io {

enum class Signal : std::uint8_t { DumpStats, ResendReports, Rescan, Stop };

class SignalFd {
public:
    [[nodiscard]] static SysResult<SignalFd> open();
    [[nodiscard]] int fd() const { return fd_.get(); }
    // Every signal pending (nonblocking; empty when none). Standard signals do not
    // queue: each is pending at most once, however often it was sent, and the kernel
    // hands them out lowest number first, not in arrival order. TERM and INT both map
    // to Stop.
    [[nodiscard]] std::vector<Signal> take();

private:
    explicit SignalFd(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

} // namespace ecmh::io
