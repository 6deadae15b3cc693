// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/daemonizer.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace ecmh::io {

namespace {

constexpr int kExitNoReport = 70;   // EX_SOFTWARE: the child died before saying anything
constexpr int kExitChildSetup = 71; // EX_OSERR: setsid/chdir failed in the child

// Everything the child sends, until it closes its end (at ready()/failed()/death).
std::string read_all(int fd) {
    std::string text;
    std::array<char, 512> buffer{};
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n > 0) {
            text.append(buffer.data(), static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            return text;
        }
    }
}

void write_stderr(std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

// The foreground process's end: relay the child's verdict and leave. _exit, because
// this process shares (by fork) the daemon's objects and must not run their cleanup.
[[noreturn]] void wait_for_child(UniqueFd pipe) {
    const std::string report = read_all(pipe.get());
    if (report.empty()) {
        write_stderr("ecmh: the daemon exited during startup\n");
        ::_exit(kExitNoReport);
    }
    const auto code = static_cast<unsigned char>(report[0]);
    const std::string_view message = std::string_view(report).substr(1);
    if (!message.empty()) {
        write_stderr("ecmh: " + std::string(message) + "\n");
    }
    ::_exit(code);
}

// One status byte + text. SIGPIPE is ignored for the write: if the foreground process
// is gone (killed), the daemon must not die of telling it.
void send_report(UniqueFd& pipe, unsigned char code, std::string_view message) {
    if (!pipe) {
        return;
    }
    std::string report(1, static_cast<char>(code));
    report.append(message);
    struct sigaction ignore {};
    struct sigaction previous {};
    ignore.sa_handler = SIG_IGN;
    ::sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, &previous);
    std::string_view rest = report;
    while (!rest.empty()) {
        const ssize_t n = ::write(pipe.get(), rest.data(), rest.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    ::sigaction(SIGPIPE, &previous, nullptr);
    pipe.reset();
}

// The child's detaching: its own session (no controlling terminal, no job-control
// signals from the shell), no mounted directory kept busy, predictable file modes.
bool detach(UniqueFd& pipe) {
    std::string failure;
    if (::setsid() < 0) {
        failure = last_error("setsid").message();
    } else if (::chdir("/") != 0) {
        failure = last_error("chdir /").message();
    }
    if (!failure.empty()) {
        send_report(pipe, kExitChildSetup, failure);
        return false;
    }
    ::umask(022);
    return true;
}

void stdio_to_dev_null() {
    std::fflush(nullptr);
    UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!null) {
        return;
    }
    for (int target : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
        if (null.get() != target) {
            ::dup2(null.get(), target);
        }
    }
    if (null.get() <= STDERR_FILENO) {
        (void)null.release(); // it became one of the three; keep it open
    }
}

// The parent's hook before the child goes on: the child reads its end of `go` until the
// parent closes the other (after the hook), so the hook's effects come first.
void wait_for_go(UniqueFd go) {
    char byte = 0;
    while (::read(go.get(), &byte, 1) < 0 && errno == EINTR) {
    }
}

} // namespace

SysResult<Daemonizer> Daemonizer::start(const std::function<void(pid_t child)>& in_parent) {
    std::array<int, 2> ends{-1, -1};
    if (::pipe2(ends.data(), O_CLOEXEC) != 0) {
        return net::unexpected(last_error("pipe2"));
    }
    UniqueFd read_end(ends[0]);
    UniqueFd write_end(ends[1]);
    std::array<int, 2> go{-1, -1};
    if (in_parent && ::pipe2(go.data(), O_CLOEXEC) != 0) {
        return net::unexpected(last_error("pipe2"));
    }
    UniqueFd go_read(go[0]);
    UniqueFd go_write(go[1]);
    // Buffered stdio output would otherwise be written twice, once by each process.
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        return net::unexpected(last_error("fork"));
    }
    if (pid > 0) {
        write_end.reset(); // so the read sees EOF when the child dies
        go_read.reset();
        if (in_parent) {
            in_parent(pid);
        }
        go_write.reset();
        wait_for_child(std::move(read_end));
    }
    read_end.reset();
    go_write.reset();
    if (go_read) {
        wait_for_go(std::move(go_read));
    }
    if (!detach(write_end)) {
        ::_exit(kExitChildSetup);
    }
    return Daemonizer(std::move(write_end));
}

void Daemonizer::ready() {
    if (!pipe_) {
        return;
    }
    // Detach from the terminal before the shell gets its prompt back.
    stdio_to_dev_null();
    send_report(pipe_, 0, {});
}

void Daemonizer::failed(int code, const std::string& message) {
    const int status = code <= 0 || code > 255 ? 1 : code;
    send_report(pipe_, static_cast<unsigned char>(status), message);
}

} // namespace ecmh::io
