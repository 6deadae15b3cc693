// SPDX-License-Identifier: BSD-3-Clause
// Going to the background the way init scripts expect.
#pragma once

#include "ecmh/io/sys_error.hpp"
#include "ecmh/io/unique_fd.hpp"

#include <functional>
#include <string>
#include <sys/types.h>

namespace ecmh::io {

// The daemon's fork: the parent waits until the child reports "started" (or a failure
// message) through a pipe and exits with the child's status, so `ecmh` returns 0 only
// when the daemon really runs and an init script sees startup errors.
//
// One fork is enough. The classic second fork only keeps the daemon from being a session
// leader, which matters if it later opens a terminal without O_NOCTTY; ecmh opens no
// terminal (pidfile, dump file, /dev/null, sockets). So getpid() after start() is the
// final daemon's pid, the one PidFile::write_pid() records.
class Daemonizer {
public:
    // fork + setsid + chdir("/") + umask(022); stdin/stdout/stderr go to /dev/null in the
    // child at ready(). In the parent this function never returns: it waits for the
    // child's report, prints a failure as "ecmh: MESSAGE" on stderr and leaves with
    // _exit(child's code) — _exit, so no destructor or atexit handler of the parent
    // touches what the daemon now owns (pidfile, sockets). If the child dies without a
    // report: "ecmh: the daemon exited during startup", exit 70. Returns the error if
    // pipe2 or fork fails (still in the foreground process).
    // `in_parent`, if given, runs in the parent with the child's pid right after the
    // fork, and the child waits until it has returned: what the parent tells the world
    // about the child (systemd's MAINPID=) is said before the child says anything.
    [[nodiscard]] static SysResult<Daemonizer>
    start(const std::function<void(pid_t child)>& in_parent = {});
    // Child: startup succeeded; the parent exits 0. Redirects stdio to /dev/null.
    void ready();
    // Child: startup failed; the parent prints `message` to stderr and exits `code`
    // (1…255; 0 is turned into 1, since 0 means started). The child then exits itself.
    void failed(int code, const std::string& message);
    // Destroyed without ready()/failed(): the parent reports "exited during startup".

private:
    explicit Daemonizer(UniqueFd pipe) : pipe_(std::move(pipe)) {}
    UniqueFd pipe_;
};

} // namespace ecmh::io
