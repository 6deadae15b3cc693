// SPDX-License-Identifier: BSD-3-Clause
// The pidfile lock and the daemon's fork, with real processes: a second ecmh is a forked
// child here, and the daemonizing "foreground process" is one too, so its _exit ends
// only that child. Children report through exit codes and pipes, never gtest macros.
#include "ecmh/io/daemonizer.hpp"
#include "ecmh/io/pid_file.hpp"
#include "support/os_fixtures.hpp"

#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <gtest/gtest.h>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace ecmh::io;
using namespace ecmh::test;
namespace fs = std::filesystem;

namespace {

// A pipe whose read end collects everything a child writes until it exits.
struct Pipe {
    int read_end = -1;
    int write_end = -1;
    Pipe() {
        int ends[2];
        if (::pipe(ends) == 0) {
            read_end = ends[0];
            write_end = ends[1];
        }
    }
    ~Pipe() {
        close_read();
        close_write();
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    void close_read() {
        if (read_end >= 0) {
            ::close(read_end);
            read_end = -1;
        }
    }
    void close_write() {
        if (write_end >= 0) {
            ::close(write_end);
            write_end = -1;
        }
    }
    [[nodiscard]] std::string drain() const {
        std::string text;
        char buffer[256];
        ssize_t n = 0;
        while ((n = ::read(read_end, buffer, sizeof buffer)) > 0) {
            text.append(buffer, static_cast<std::size_t>(n));
        }
        return text;
    }
    void send(const std::string& text) const {
        (void)!::write(write_end, text.data(), text.size());
    }
};

std::string running_message(pid_t pid, const std::string& path) {
    return "ecmh is already running (pid " + std::to_string(pid) + ", pidfile " + path +
           "): another ecmh holds its lock";
}

// A pidfile holding `old_text` that no process locks: acquire takes it over and
// write_pid leaves exactly this process's pid in it.
void expect_taken_over_from(const std::string& old_text) {
    TempDir dir("ecmh-pid");
    const auto path = dir.file("ecmh.pid");
    write_file(path, old_text);
    auto pid_file = PidFile::acquire(path);
    ASSERT_TRUE(pid_file) << pid_file.error().message();
    ASSERT_TRUE(pid_file->write_pid());
    EXPECT_EQ(read_file(path), std::to_string(::getpid()) + "\n");
}

} // namespace

TEST(PidFile, AcquireWritePidAndRemove) {
    TempDir dir("ecmh-pid");
    const auto path = dir.file("ecmh.pid");
    auto pid_file = PidFile::acquire(path);
    ASSERT_TRUE(pid_file) << pid_file.error().message();
    EXPECT_EQ(pid_file->path(), path);
    EXPECT_EQ(read_file(path), "");
    ASSERT_TRUE(pid_file->write_pid());
    EXPECT_EQ(read_file(path), std::to_string(::getpid()) + "\n");

    const mode_t mask = ::umask(0);
    ::umask(mask);
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0644U & ~mask);

    pid_file->remove();
    EXPECT_FALSE(fs::exists(path));
    pid_file->remove(); // a second call does nothing
    EXPECT_FALSE(fs::exists(path));
}

TEST(PidFile, WritePidReplacesLongerContent) {
    expect_taken_over_from("123456789012345\n");
}

TEST(PidFile, StaleFileWithoutLockIsTakenOver) {
    expect_taken_over_from("99999\n"); // a crashed ecmh: the file stays, its lock died with it
}

TEST(PidFile, SecondEcmhInAnotherProcessNamesTheRunningPid) {
    TempDir dir("ecmh-pid");
    const auto path = dir.file("ecmh.pid");
    auto pid_file = PidFile::acquire(path);
    ASSERT_TRUE(pid_file) << pid_file.error().message();
    ASSERT_TRUE(pid_file->write_pid());

    Pipe report;
    const int code = in_child([&] {
        report.close_read();
        auto second = PidFile::acquire(path);
        if (second) {
            return 1;
        }
        report.send(second.error().message());
        return 0; // _exit: the inherited PidFile copy must not remove the file
    });
    report.close_write();
    EXPECT_EQ(code, 0) << "the child acquired a locked pidfile";
    EXPECT_EQ(report.drain(), running_message(::getpid(), path));
    EXPECT_EQ(read_file(path), std::to_string(::getpid()) + "\n");
}

TEST(PidFile, SecondAcquireInTheSameProcessFails) {
    // OFD locks conflict between two opens even within one process.
    TempDir dir("ecmh-pid");
    const auto path = dir.file("ecmh.pid");
    auto first = PidFile::acquire(path);
    ASSERT_TRUE(first) << first.error().message();
    const auto unwritten = PidFile::acquire(path);
    ASSERT_FALSE(unwritten);
    EXPECT_EQ(unwritten.error().message(),
              "ecmh is already running (pidfile " + path + "): another ecmh holds its lock");
    EXPECT_EQ(unwritten.error().code, EWOULDBLOCK);
    ASSERT_TRUE(first->write_pid());
    const auto second = PidFile::acquire(path);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().message(), running_message(::getpid(), path));
}

TEST(PidFile, OpenFailureNamesThePath) {
    const std::string path = "/nonexistent-ecmh-dir/ecmh.pid";
    const auto pid_file = PidFile::acquire(path);
    ASSERT_FALSE(pid_file);
    EXPECT_EQ(pid_file.error().code, ENOENT);
    EXPECT_NE(pid_file.error().message().find("open " + path), std::string::npos);
}

TEST(PidFile, DestructorRemovesAndReleases) {
    TempDir dir("ecmh-pid");
    const auto path = dir.file("ecmh.pid");
    {
        auto pid_file = PidFile::acquire(path);
        ASSERT_TRUE(pid_file) << pid_file.error().message();
        EXPECT_TRUE(fs::exists(path));
    }
    EXPECT_FALSE(fs::exists(path));
    EXPECT_TRUE(PidFile::acquire(path)); // the lock went with it
}

TEST(PidFile, MovedFromObjectLeavesTheFileAlone) {
    TempDir dir("ecmh-pid");
    const auto path = dir.file("ecmh.pid");
    auto acquired = PidFile::acquire(path);
    ASSERT_TRUE(acquired) << acquired.error().message();
    {
        PidFile moved(std::move(*acquired));
        { const PidFile gone = std::move(moved); }
        EXPECT_FALSE(fs::exists(path)); // the last owner removed it
    }
    auto again = PidFile::acquire(path);
    ASSERT_TRUE(again) << again.error().message();
    {
        const PidFile kept(std::move(*again));
        EXPECT_TRUE(fs::exists(path));
        EXPECT_FALSE(PidFile::acquire(path)); // still locked by `kept`
    }
    EXPECT_FALSE(fs::exists(path));
}

TEST(PidFile, MoveAssignmentRemovesTheOverwrittenFile) {
    TempDir dir("ecmh-pid");
    const auto first_path = dir.file("first.pid");
    const auto second_path = dir.file("second.pid");
    auto first = PidFile::acquire(first_path);
    auto second = PidFile::acquire(second_path);
    ASSERT_TRUE(first && second);
    *first = std::move(*second);
    EXPECT_FALSE(fs::exists(first_path));
    EXPECT_TRUE(fs::exists(second_path));
    EXPECT_EQ(first->path(), second_path);
}

TEST(PidFile, RemoveTruncatesWhenTheDirectoryRefusesUnlink) {
    // As in the daemon with -u: root acquires and gives the file away, then the dropped
    // user may not unlink in root's directory (root ignores permissions, so as root the
    // drop happens in a child).
    TempDir dir("ecmh-pid"); // 0700; its owner's permissions come back before removal
    const auto path = dir.file("ecmh.pid");
    const bool root = ::geteuid() == 0;
    const uid_t user = root ? kNobodyUid : ::getuid();
    const gid_t group = root ? kNogroupGid : ::getgid();
    const int code = in_child([&] {
        auto pid_file = PidFile::acquire(path);
        if (!pid_file || !pid_file->write_pid() || !pid_file->chown_to(user, group)) {
            return 1;
        }
        if (root) {
            if (!drop_to_nobody()) {
                return 2;
            }
        } else {
            fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
            if (::access(dir.path().c_str(), W_OK) == 0) {
                return 3; // permissions are not enforced for this process
            }
        }
        pid_file->remove();
        return 0;
    });
    if (code == 2 || code == 3) {
        GTEST_SKIP() << (code == 2 ? "cannot switch to uid 65534 here"
                                   : "this process writes into read-only directories");
    }
    ASSERT_EQ(code, 0);
    EXPECT_TRUE(fs::exists(path));
    EXPECT_EQ(read_file(path), "");
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_uid, user);
    EXPECT_EQ(info.st_gid, group);
}

TEST(PidFile, DaemonKeepsTheLockTakenBeforeTheFork) {
    // acquire → Daemonizer::start: the OFD lock follows the fd into the daemon and
    // survives the foreground process's exit.
    TempDir dir("ecmh-pid");
    const auto path = dir.file("ecmh.pid");
    Pipe hold; // the daemon lives until this pipe closes
    const int foreground = in_child([&] {
        auto pid_file = PidFile::acquire(path);
        if (!pid_file) {
            return 2;
        }
        auto daemon = Daemonizer::start(); // only the daemon returns
        if (!daemon) {
            return 3;
        }
        hold.close_write();
        if (!pid_file->write_pid()) {
            daemon->failed(4, "write_pid");
            ::_exit(4);
        }
        daemon->ready();
        (void)hold.drain(); // until the test closes its end
        ::_exit(0);         // as after a crash: no unlink, the lock dies with the process
    });
    ASSERT_EQ(foreground, 0);

    const auto daemon_pid = static_cast<pid_t>(std::stoi(read_file(path)));
    EXPECT_NE(daemon_pid, ::getpid());
    const auto blocked = PidFile::acquire(path);
    ASSERT_FALSE(blocked);
    EXPECT_EQ(blocked.error().message(), running_message(daemon_pid, path));

    hold.close_write();
    // The daemon is not our child: poll until its exit releases the lock.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto taken = PidFile::acquire(path);
    while (!taken && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        taken = PidFile::acquire(path);
    }
    EXPECT_TRUE(taken) << "the daemon's lock was not released at its exit";
}

// --- Daemonizer: the test's child plays `ecmh` started from a shell; its stderr goes
// to a file the test reads after the child exits.

namespace {

struct Startup {
    int exit_code = -1;
    std::string stderr_text;
};

// Runs Daemonizer::start() in a child whose stderr is captured; `daemon_body` runs in
// the daemon and must end with _exit.
Startup start_daemon(const std::function<void(Daemonizer&)>& daemon_body) {
    TempDir dir("ecmh-daemon");
    const auto err_path = dir.file("stderr");
    const int code = in_child([&] {
        const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (err < 0 || ::dup2(err, STDERR_FILENO) < 0) {
            return 100;
        }
        ::close(err);
        auto daemon = Daemonizer::start();
        if (!daemon) {
            return 101;
        }
        daemon_body(*daemon);
        ::_exit(102);
    });
    return Startup{code, read_file(err_path)};
}

std::string detached_state() {
    std::string problems;
    if (::getsid(0) != ::getpid()) {
        problems += "not a session leader; ";
    }
    std::error_code error;
    if (fs::current_path(error) != "/") {
        problems += "cwd is not /; ";
    }
    const mode_t mask = ::umask(0);
    if (mask != 022) {
        problems += "umask is not 022; ";
    }
    return problems;
}

// The daemon reports failed(code, message) and exits `exit_code`: the foreground process
// must print "ecmh: MESSAGE" and exit `exit_code` too.
void expect_failure_relayed(int code, const std::string& message, int exit_code) {
    const auto startup = start_daemon([&](Daemonizer& daemon) {
        daemon.failed(code, message);
        ::_exit(exit_code);
    });
    EXPECT_EQ(startup.exit_code, exit_code);
    EXPECT_EQ(startup.stderr_text, "ecmh: " + message + "\n");
}

} // namespace

TEST(Daemonizer, ReadyMakesTheForegroundExitZero) {
    const auto startup = start_daemon([](Daemonizer& daemon) {
        const auto problems = detached_state();
        if (!problems.empty()) {
            daemon.failed(9, problems);
            ::_exit(9);
        }
        daemon.ready();
        // stdio is /dev/null now: this must not reach the captured stderr.
        (void)!::write(STDERR_FILENO, "late\n", 5);
        ::_exit(0);
    });
    EXPECT_EQ(startup.exit_code, 0) << startup.stderr_text;
    EXPECT_EQ(startup.stderr_text, "");
}

TEST(Daemonizer, FailureIsRelayedWithItsCode) {
    expect_failure_relayed(73, "cannot open eth9: No such device", 73);
}

TEST(Daemonizer, FailureCodeZeroBecomesOne) {
    expect_failure_relayed(0, "oops", 1);
}

TEST(Daemonizer, SilentDeathDuringStartupIsReported) {
    const auto startup = start_daemon([](Daemonizer&) { ::_exit(0); });
    EXPECT_EQ(startup.exit_code, 70);
    EXPECT_EQ(startup.stderr_text, "ecmh: the daemon exited during startup\n");
}
