// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/dump_file.hpp"

#include "ecmh/io/unique_fd.hpp"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace ecmh::io {

namespace {

// write(2) until all is written: a regular file may still take it in pieces (signals,
// quotas).
SysResult<Done> write_all(int fd, std::string_view text, const std::string& path) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return net::unexpected(last_error("write " + path));
        }
        if (n == 0) {
            return net::unexpected(SysError{"write " + path, 0, "no progress"});
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return Done{};
}

// Closing reports delayed write errors (NFS); the dump is only good if it succeeds.
SysResult<Done> close_checked(UniqueFd& fd, const std::string& path) {
    if (::close(fd.release()) != 0) {
        return net::unexpected(last_error("close " + path));
    }
    return Done{};
}

// The directory refuses new files: not writable by the dropped user, or read-only.
bool directory_refuses(int error) {
    return error == EACCES || error == EPERM || error == EROFS;
}

SysResult<bool> rewrite_in_place(const std::string& path, std::string_view text) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (!fd) {
        return net::unexpected(last_error("open " + path));
    }
    if (auto written = write_all(fd.get(), text, path); !written) {
        return net::unexpected(written.error());
    }
    if (auto closed = close_checked(fd, path); !closed) {
        return net::unexpected(closed.error());
    }
    return false;
}

// Everything after the temporary file exists; it is unlinked again on any failure so
// no half dump lingers next to the real one.
SysResult<bool> fill_and_rename(UniqueFd fd, const std::string& tmp, const std::string& path,
                                std::string_view text) {
    auto written = write_all(fd.get(), text, tmp);
    if (written) {
        written = close_checked(fd, tmp);
    }
    if (written && ::rename(tmp.c_str(), path.c_str()) != 0) {
        written = net::unexpected(last_error("rename " + tmp + " to " + path));
    }
    if (!written) {
        ::unlink(tmp.c_str());
        return net::unexpected(written.error());
    }
    return true;
}

} // namespace

SysResult<Done> DumpFile::prepare_for(uid_t uid, gid_t gid) {
    // No O_TRUNC: an existing dump stays readable until the next SIGUSR1.
    UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) {
        return net::unexpected(last_error("open " + path_));
    }
    if (::fchown(fd.get(), uid, gid) != 0) {
        return net::unexpected(last_error("chown " + path_));
    }
    return Done{};
}

SysResult<bool> DumpFile::write(std::string_view text) {
    // One fixed name: a crash between open and rename leaves a single stale file that
    // the next dump reuses, not one per pid.
    const std::string tmp = path_ + ".tmp";
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) {
        if (directory_refuses(errno)) {
            return rewrite_in_place(path_, text);
        }
        return net::unexpected(last_error("open " + tmp));
    }
    auto renamed = fill_and_rename(std::move(fd), tmp, path_, text);
    // A leftover PATH.tmp of ours could still be opened in a directory we may no longer
    // change; the rename then is what the directory refuses.
    if (!renamed && directory_refuses(renamed.error().code)) {
        return rewrite_in_place(path_, text);
    }
    return renamed;
}

} // namespace ecmh::io
