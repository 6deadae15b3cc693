// SPDX-License-Identifier: BSD-3-Clause
// Operating-system fixtures for the io tests: a temporary directory, whole-file reads
// and writes, and forked children that report through their exit code (a process that
// drops root cannot get it back, so such tests drop in a child).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <sys/types.h>

namespace ecmh::test {

// The unprivileged user and group the tests drop to (nobody/nogroup on Debian).
inline constexpr uid_t kNobodyUid = 65534;
inline constexpr gid_t kNogroupGid = 65534;

// A fresh directory <temp>/<prefix>-XXXXXX (mode 0700), removed with everything in it.
// The owner's permissions are restored first, so a test may leave it read-only.
// Throws std::system_error when the directory cannot be made.
class TempDir {
public:
    explicit TempDir(const std::string& prefix);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    // The path of `name` inside the directory.
    [[nodiscard]] std::string file(const std::string& name) const;

private:
    std::filesystem::path path_;
};

// The whole file ("" when it cannot be read).
[[nodiscard]] std::string read_file(const std::string& path);
// Creates or truncates `path` and writes `text`.
void write_file(const std::string& path, const std::string& text);

// Waits for the child `pid` and returns its exit code (128 + signal if killed, -1 when
// there is no such child).
int wait_exit_code(pid_t pid);
// Runs `body` in a forked child, which _exits with its result, and returns the exit code
// (128 + signal if killed, -1 when fork fails). The child must report only through that
// code (or pipes and files): a gtest assertion there would not reach the parent.
int in_child(const std::function<int()>& body);

// Exit codes of in_private_netns when the namespace itself fails; a body's own codes
// must differ from them.
inline constexpr int kNoNetns = 10;      // unshare(CLONE_NEWNET) refused: skip the test
inline constexpr int kLoopbackDown = 11; // the namespace's lo could not be brought up

// in_child(), with the child first in a network namespace of its own whose loopback is
// up: whatever the body sends stays there and vanishes with the child.
int in_private_netns(const std::function<int()>& body);

// Sets IFF_UP on the interface `name` (in the caller's network namespace); false when
// the kernel refuses.
[[nodiscard]] bool bring_up(const char* name);

// Switches groups, gid and uid to nogroup/nobody for good. For a forked child of a
// test running as root; false when the switch is refused.
[[nodiscard]] bool drop_to_nobody();

} // namespace ecmh::test
