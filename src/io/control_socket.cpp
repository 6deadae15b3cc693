// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/control_socket.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace ecmh::io {
namespace {

constexpr int kBacklog = 16;

SysResult<sockaddr_un> address_of(const std::string& path) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof a.sun_path) {
        return net::unexpected(SysError{"control socket " + path, ENAMETOOLONG, {}});
    }
    std::memcpy(a.sun_path, path.data(), path.size());
    return a;
}

SysResult<UniqueFd> stream_socket(const std::string& path) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) {
        return net::unexpected(last_error("socket(AF_UNIX) for " + path));
    }
    return fd;
}

// Whether a live process listens on the socket at `path`. Non-blocking, so a listener
// whose backlog is full (EAGAIN: alive, but busy) cannot hold up the start.
bool answered(const sockaddr_un& a) {
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    return probe && (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0 ||
                     errno == EAGAIN);
}

// The directory of `path` exists afterwards; returns whether this call created it.
SysResult<bool> ensure_directory(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) {
        return false;
    }
    const auto dir = path.substr(0, slash);
    if (::mkdir(dir.c_str(), 0755) == 0) {
        return true;
    }
    if (errno == EEXIST) {
        return false;
    }
    return net::unexpected(last_error("mkdir " + dir));
}

// A file at `path` from an earlier run: a socket nobody answers is removed; a live
// one, or something else than a socket, is refused.
SysResult<Done> clear_stale(const std::string& path, const sockaddr_un& a) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        return errno == ENOENT ? SysResult<Done>{Done{}}
                               : net::unexpected(last_error("stat " + path));
    }
    if (!S_ISSOCK(st.st_mode)) {
        return net::unexpected(
            SysError{"control socket " + path, EEXIST, "exists and is not a socket"});
    }
    if (answered(a)) {
        return net::unexpected(
            SysError{"control socket " + path, EADDRINUSE, "another ecmh is answering on it"});
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return net::unexpected(last_error("remove stale control socket " + path));
    }
    return Done{};
}

} // namespace

SysResult<ControlListener> ControlListener::open(const std::string& path) {
    auto a = address_of(path);
    if (!a) {
        return net::unexpected(a.error());
    }
    auto created = ensure_directory(path);
    if (!created) {
        return net::unexpected(created.error());
    }
    if (auto cleared = clear_stale(path, *a); !cleared) {
        return net::unexpected(cleared.error());
    }
    auto fd = stream_socket(path);
    if (!fd) {
        return net::unexpected(fd.error());
    }
    // Created 0600 by the umask below, then opened to the group: never briefly wider.
    const mode_t old_mask = ::umask(0177);
    const int bound = ::bind(fd->get(), reinterpret_cast<const sockaddr*>(&*a), sizeof *a);
    ::umask(old_mask);
    if (bound != 0) {
        return net::unexpected(last_error("bind " + path));
    }
    struct stat st {};
    if (::chmod(path.c_str(), 0660) != 0 || ::stat(path.c_str(), &st) != 0) {
        auto e = last_error("chmod " + path);
        ::unlink(path.c_str());
        return net::unexpected(e);
    }
    if (::listen(fd->get(), kBacklog) != 0) {
        auto e = last_error("listen " + path);
        ::unlink(path.c_str());
        return net::unexpected(e);
    }
    return ControlListener(std::move(*fd), path, *created, st.st_ino);
}

ControlListener::ControlListener(ControlListener&& other) noexcept
    : fd_(std::move(other.fd_)), path_(std::move(other.path_)),
      created_directory_(other.created_directory_), inode_(std::exchange(other.inode_, 0)) {}

ControlListener::~ControlListener() {
    if (inode_ == 0) {
        return; // moved from
    }
    // Only our socket: a second ecmh that replaced it after a stale-check keeps its own.
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0 && st.st_ino == inode_) {
        ::unlink(path_.c_str());
    }
}

SysResult<Done> ControlListener::prepare_for(uid_t uid, gid_t gid) const {
    if (::chown(path_.c_str(), uid, gid) != 0) {
        return net::unexpected(last_error("chown " + path_));
    }
    if (created_directory_) {
        const auto dir = path_.substr(0, path_.rfind('/'));
        if (::chown(dir.c_str(), uid, gid) != 0) {
            return net::unexpected(last_error("chown " + dir));
        }
    }
    return Done{};
}

SysResult<UniqueFd> ControlListener::accept() const {
    UniqueFd client(::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!client && errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED &&
        errno != EINTR) {
        return net::unexpected(last_error("accept on " + path_));
    }
    return client;
}

SysResult<std::size_t> read_some(int fd, char* buffer, std::size_t size) {
    for (;;) {
        const ssize_t n = ::read(fd, buffer, size);
        if (n >= 0) {
            return static_cast<std::size_t>(n);
        }
        if (errno != EINTR) {
            return net::unexpected(last_error("read"));
        }
    }
}

SysResult<std::size_t> write_some(int fd, std::string_view bytes) {
    for (;;) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) {
            return static_cast<std::size_t>(n);
        }
        if (errno != EINTR) {
            return net::unexpected(last_error("write"));
        }
    }
}

SysResult<std::string> control_request(const std::string& path, std::string_view line,
                                       std::chrono::milliseconds timeout) {
    auto a = address_of(path);
    if (!a) {
        return net::unexpected(a.error());
    }
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) {
        return net::unexpected(last_error("socket(AF_UNIX)"));
    }
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*a), sizeof *a) != 0) {
        return net::unexpected(last_error("connect " + path));
    }
    // The bound covers a daemon that accepts but never answers.
    const timeval tv{static_cast<time_t>(timeout.count() / 1000),
                     static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::string request(line);
    request += '\n';
    std::string_view rest = request;
    while (!rest.empty()) {
        const ssize_t n = ::send(fd.get(), rest.data(), rest.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return net::unexpected(last_error("send to " + path));
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    std::string reply;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n == 0) {
            return reply;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        // The daemon closes an oversize request's connection with the rest of it unread,
        // which resets ours after its error reply: the reply is what counts.
        if (n < 0 && errno == ECONNRESET && !reply.empty()) {
            return reply;
        }
        if (n < 0) {
            return net::unexpected(last_error("read from " + path));
        }
        reply.append(buffer, static_cast<std::size_t>(n));
    }
}

} // namespace ecmh::io
