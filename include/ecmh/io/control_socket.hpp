// SPDX-License-Identifier: BSD-3-Clause
// The control socket's file system and socket calls (the protocol is app/control_protocol,
// the client state app/control_session): a listening Unix stream socket at a path, and
// non-blocking reads and writes on its clients; also the client side ecmhctl uses.
//
// open() runs before the privilege drop: it creates the socket's directory when missing
// (0755), replaces a stale socket left by a crashed run (nobody answers a connect), and
// refuses (EADDRINUSE) a socket another live ecmh answers on, or a path that is not a
// socket. The socket is mode 0660; prepare_for() hands it (and a directory open()
// created) to the user ecmh drops to. The destructor removes the socket, if it is still
// ours (the same inode).
#pragma once

#include "ecmh/io/sys_error.hpp"
#include "ecmh/io/unique_fd.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace ecmh::io {

class ControlListener {
public:
    [[nodiscard]] static SysResult<ControlListener> open(const std::string& path);

    // Before dropping root: the socket (and the directory open() created) owned by the user.
    [[nodiscard]] SysResult<Done> prepare_for(uid_t uid, gid_t gid) const;
    // A waiting client (non-blocking, close-on-exec), or an invalid fd when none waits.
    [[nodiscard]] SysResult<UniqueFd> accept() const;

    [[nodiscard]] int fd() const { return fd_.get(); }
    [[nodiscard]] const std::string& path() const { return path_; }

    ControlListener(ControlListener&& other) noexcept;
    ControlListener& operator=(ControlListener&&) = delete;
    ControlListener(const ControlListener&) = delete;
    ControlListener& operator=(const ControlListener&) = delete;
    ~ControlListener();

private:
    ControlListener(UniqueFd fd, std::string path, bool created_directory, ino_t inode)
        : fd_(std::move(fd)), path_(std::move(path)), created_directory_(created_directory),
          inode_(inode) {}

    UniqueFd fd_;
    std::string path_;
    bool created_directory_ = false;
    ino_t inode_ = 0;
};

// Non-blocking I/O on a client: the bytes read (0 at end of file) or written. EAGAIN
// comes back as an error with that code; a write never raises SIGPIPE.
[[nodiscard]] SysResult<std::size_t> read_some(int fd, char* buffer, std::size_t size);
[[nodiscard]] SysResult<std::size_t> write_some(int fd, std::string_view bytes);

// ecmhctl: connects to `path`, sends `line` and a newline, and returns everything the
// daemon answers until it closes the connection; each wait is bounded by `timeout`.
[[nodiscard]] SysResult<std::string> control_request(const std::string& path, std::string_view line,
                                                     std::chrono::milliseconds timeout);

} // namespace ecmh::io
