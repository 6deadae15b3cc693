// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/signal_fd.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <optional>
#include <sys/signalfd.h>
#include <unistd.h>

namespace ecmh::io {

namespace {

sigset_t handled_signals() {
    sigset_t set;
    ::sigemptyset(&set);
    for (int signal : {SIGUSR1, SIGUSR2, SIGHUP, SIGTERM, SIGINT}) {
        ::sigaddset(&set, signal);
    }
    return set;
}

std::optional<Signal> meaning(std::uint32_t signal) {
    switch (signal) {
    case SIGUSR1:
        return Signal::DumpStats;
    case SIGUSR2:
        return Signal::ResendReports;
    case SIGHUP:
        return Signal::Rescan;
    case SIGTERM:
    case SIGINT:
        return Signal::Stop;
    default:
        return std::nullopt;
    }
}

} // namespace

SysResult<SignalFd> SignalFd::open() {
    const sigset_t set = handled_signals();
    // Blocked, the signals stay pending until the loop reads them from the fd.
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) {
        return net::unexpected(last_error("sigprocmask"));
    }
    // A vanished peer shows up as EPIPE from the write instead of killing the daemon.
    if (::signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
        return net::unexpected(last_error("signal SIGPIPE"));
    }
    UniqueFd fd(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!fd) {
        return net::unexpected(last_error("signalfd"));
    }
    return SignalFd(std::move(fd));
}

std::vector<Signal> SignalFd::take() {
    std::vector<Signal> taken;
    // At most five distinct standard signals can be pending; one read usually takes all.
    std::array<signalfd_siginfo, 8> infos{};
    for (;;) {
        const ssize_t n = ::read(fd_.get(), infos.data(), sizeof infos);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return taken; // EAGAIN: drained (any other error: nothing more to read)
        }
        const auto count = static_cast<std::size_t>(n) / sizeof(signalfd_siginfo);
        for (std::size_t i = 0; i < count; ++i) {
            if (const auto signal = meaning(infos[i].ssi_signo)) {
                taken.push_back(*signal);
            }
        }
    }
}

} // namespace ecmh::io
