// SPDX-License-Identifier: BSD-3-Clause
#include "support/os_fixtures.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <sstream>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

namespace fs = std::filesystem;

namespace ecmh::test {

TempDir::TempDir(const std::string& prefix) {
    std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    fs::permissions(path_, fs::perms::owner_all, ignored); // undo a read-only test
    fs::remove_all(path_, ignored);
}

std::string TempDir::file(const std::string& name) const {
    return (path_ / name).string();
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

int wait_exit_code(pid_t pid) {
    int status = 0;
    pid_t waited = -1;
    while ((waited = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
    }
    if (waited != pid) {
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int in_child(const std::function<int()>& body) {
    const pid_t pid = ::fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        ::_exit(body());
    }
    return wait_exit_code(pid);
}

bool drop_to_nobody() {
    const gid_t groups[] = {kNogroupGid};
    return ::setgroups(1, groups) == 0 && ::setresgid(kNogroupGid, kNogroupGid, kNogroupGid) == 0 &&
           ::setresuid(kNobodyUid, kNobodyUid, kNobodyUid) == 0;
}

bool bring_up(const char* name) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq request{};
    std::strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    bool ok = fd >= 0 && ::ioctl(fd, SIOCGIFFLAGS, &request) == 0;
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &request) == 0;
    if (fd >= 0) {
        ::close(fd);
    }
    return ok;
}

int in_private_netns(const std::function<int()>& body) {
    return in_child([&] {
        if (::unshare(CLONE_NEWNET) != 0) {
            return kNoNetns;
        }
        return bring_up("lo") ? body() : kLoopbackDown;
    });
}

} // namespace ecmh::test
