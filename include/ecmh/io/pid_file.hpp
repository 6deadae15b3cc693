// SPDX-License-Identifier: BSD-3-Clause
// The pidfile, held with an fcntl write lock for the daemon's whole life: a second
// ecmh finds it locked and refuses to start, naming the running pid; a stale file from
// a crash (no lock) is simply taken over.
//
// The lock is an open-file-description lock (F_OFD_SETLK): it belongs to the open file,
// not to the process, so a fork shares it and it lasts until the last copy of the fd is
// closed. Classic F_SETLK locks (used only when the kernel predates OFD locks, < 3.15) are
// not inherited by a fork child and die with the locking process. The order that works
// with both, and that main() uses:
//     Daemonizer::start() → PidFile::acquire() → write_pid() → … → Daemonizer::ready()
// (a failed acquire goes to the waiting parent through Daemonizer::failed()). Note that
// the parent of Daemonizer::start() leaves with _exit(), so no PidFile destructor of the
// parent can remove the daemon's file.
#pragma once

#include "ecmh/io/sys_error.hpp"
#include "ecmh/io/unique_fd.hpp"

#include <string>
#include <sys/types.h>

namespace ecmh::io {

class PidFile {
public:
    // Creates/opens `path` (0644), locks it, and writes nothing yet. Fails with a
    // SysError (code EWOULDBLOCK) reading "ecmh is already running (pid N, pidfile PATH): …" when
    // another process (or another open of the file) holds the lock; "(pidfile PATH)"
    // alone when the holder has not written its pid yet.
    [[nodiscard]] static SysResult<PidFile> acquire(const std::string& path);

    // Writes the current pid (after daemonizing, so it is the daemon's).
    [[nodiscard]] SysResult<Done> write_pid();
    // Before dropping root: give the file to the user that will remove it at exit.
    [[nodiscard]] SysResult<Done> chown_to(uid_t uid, gid_t gid);
    // At exit: unlink; when the directory is not writable any more (after -u), truncate
    // it instead so no stale pid is left. Then releases the lock. Also done by the
    // destructor if not called; a second call does nothing.
    void remove();

    PidFile(PidFile&&) noexcept = default;
    // Removes the file this object held before taking over `other`'s.
    PidFile& operator=(PidFile&& other) noexcept;
    PidFile(const PidFile&) = delete;
    PidFile& operator=(const PidFile&) = delete;
    ~PidFile();

    [[nodiscard]] const std::string& path() const { return path_; }

private:
    PidFile(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
    std::string path_;
    UniqueFd fd_; // invalid once removed or moved from
};

} // namespace ecmh::io
