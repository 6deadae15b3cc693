// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/pid_file.hpp"

#include <array>
#include <cerrno>
#include <charconv>
#include <fcntl.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace ecmh::io {

namespace {

struct flock whole_file_write_lock() {
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start = 0;
    lock.l_len = 0; // to the end of the file, however long it grows
    return lock;
}

// F_OFD_SETLK, or classic F_SETLK on a kernel without OFD locks (EINVAL). Returns the
// fcntl result; errno tells why it failed.
int try_lock(int fd) {
    struct flock lock = whole_file_write_lock();
    if (::fcntl(fd, F_OFD_SETLK, &lock) == 0) {
        return 0;
    }
    if (errno != EINVAL) {
        return -1;
    }
    lock = whole_file_write_lock();
    return ::fcntl(fd, F_SETLK, &lock);
}

bool is_lock_conflict(int error) {
    // POSIX allows either for a conflicting lock.
    return error == EAGAIN || error == EACCES;
}

// The holder's pid from the file text ("1234\n"), or 0 when it is not written (yet).
pid_t pid_in_file(int fd) {
    std::array<char, 32> buffer{};
    const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), 0);
    if (n <= 0) {
        return 0;
    }
    const std::string_view text(buffer.data(), static_cast<std::size_t>(n));
    pid_t pid = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), pid);
    if (error != std::errc{} || end == text.data() || pid <= 0) {
        return 0;
    }
    return pid;
}

// Who holds the lock: F_GETLK names the pid for a classic lock (an old ecmh or another
// tool); an OFD lock has no owning process (l_pid −1), so the file's text says it.
pid_t lock_holder(int fd) {
    struct flock query = whole_file_write_lock();
    if (::fcntl(fd, F_OFD_GETLK, &query) == 0 && query.l_type != F_UNLCK && query.l_pid > 0) {
        return query.l_pid;
    }
    return pid_in_file(fd);
}

SysError already_running(int fd, const std::string& path) {
    const pid_t holder = lock_holder(fd);
    std::string text = "ecmh is already running (";
    if (holder > 0) {
        text += "pid " + std::to_string(holder) + ", ";
    }
    text += "pidfile " + path + ")";
    // EWOULDBLOCK tells main() this is a second instance, not a broken pidfile path.
    return SysError{std::move(text), EWOULDBLOCK, "another ecmh holds its lock"};
}

// Whether `fd` still is the file at `path`: a holder that exits unlinks the file while
// we wait for its lock, and a lock on the unlinked inode would not stop a third ecmh.
bool still_linked(int fd, const std::string& path) {
    struct stat opened {};
    struct stat named {};
    return ::fstat(fd, &opened) == 0 && ::stat(path.c_str(), &named) == 0 &&
           opened.st_dev == named.st_dev && opened.st_ino == named.st_ino;
}

} // namespace

SysResult<PidFile> PidFile::acquire(const std::string& path) {
    // A few rounds are plenty: each retry means another ecmh exited in between.
    constexpr int kAttempts = 5;
    for (int attempt = 0;; ++attempt) {
        UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
        if (!fd) {
            return net::unexpected(last_error("open " + path));
        }
        if (try_lock(fd.get()) != 0) {
            if (is_lock_conflict(errno)) {
                return net::unexpected(already_running(fd.get(), path));
            }
            return net::unexpected(last_error("lock " + path));
        }
        if (still_linked(fd.get(), path) || attempt + 1 == kAttempts) {
            return PidFile(path, std::move(fd));
        }
    }
}

SysResult<Done> PidFile::write_pid() {
    const std::string text = std::to_string(::getpid()) + "\n";
    // Truncate first: a longer stale pid must not leave digits behind.
    if (::ftruncate(fd_.get(), 0) != 0) {
        return net::unexpected(last_error("truncate " + path_));
    }
    const ssize_t n = ::pwrite(fd_.get(), text.data(), text.size(), 0);
    if (n < 0) {
        return net::unexpected(last_error("write " + path_));
    }
    if (static_cast<std::size_t>(n) != text.size()) {
        return net::unexpected(SysError{"write " + path_, 0, "short write"});
    }
    return Done{};
}

SysResult<Done> PidFile::chown_to(uid_t uid, gid_t gid) {
    if (::fchown(fd_.get(), uid, gid) != 0) {
        return net::unexpected(last_error("chown " + path_));
    }
    return Done{};
}

void PidFile::remove() {
    if (!fd_) {
        return;
    }
    // Unlink while still holding the lock, so a starting ecmh never locks the old inode
    // and then sees it vanish. Failure (EACCES after -u) leaves an empty file: no pid
    // that could name an unrelated process later.
    if (::unlink(path_.c_str()) != 0 && ::ftruncate(fd_.get(), 0) != 0) {
        // Neither worked (a read-only filesystem?): the lock goes with the fd, so the
        // stale pid cannot keep another ecmh from starting.
    }
    fd_.reset();
}

PidFile& PidFile::operator=(PidFile&& other) noexcept {
    if (this != &other) {
        remove();
        path_ = std::move(other.path_);
        fd_ = std::move(other.fd_);
    }
    return *this;
}

PidFile::~PidFile() {
    remove();
}

} // namespace ecmh::io
