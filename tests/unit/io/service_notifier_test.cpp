// SPDX-License-Identifier: BSD-3-Clause
// The notifier against a real AF_UNIX datagram socket, bound where $NOTIFY_SOCKET points
// as systemd binds /run/systemd/notify: every message is read back and checked field by
// field. sd_notify returns after the kernel queued the datagram, so it is there to read
// at once (MSG_DONTWAIT), and "nothing sent" is an empty queue.
#include "ecmh/io/service_notifier.hpp"
#include "support/os_fixtures.hpp"

#include <cstdlib>
#include <ctime>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

using ecmh::io::ServiceNotifier;
using namespace ecmh::test;

namespace {

// The service manager's end: a datagram socket bound to `path` ('@' first: abstract).
class NotifySocket {
public:
    explicit NotifySocket(const std::string& path) : fd_(::socket(AF_UNIX, SOCK_DGRAM, 0)) {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        path.copy(address.sun_path, sizeof address.sun_path - 1);
        if (path[0] == '@') {
            address.sun_path[0] = '\0';
        }
        const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
        bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) == 0;
    }
    ~NotifySocket() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    [[nodiscard]] bool bound() const { return bound_; }
    // The next queued datagram, or nullopt when none is queued.
    [[nodiscard]] std::optional<std::string> take() const {
        std::vector<char> buffer(4096);
        const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n < 0) {
            return std::nullopt;
        }
        return std::string(buffer.data(), static_cast<std::size_t>(n));
    }

private:
    int fd_;
    bool bound_ = false;
};

// The value of `key` in a message of "KEY=value" lines ("" when absent).
std::string field(const std::string& message, const std::string& key) {
    std::size_t start = 0;
    while (start < message.size()) {
        auto end = message.find('\n', start);
        if (end == std::string::npos) {
            end = message.size();
        }
        const auto line = message.substr(start, end - start);
        if (line.rfind(key + "=", 0) == 0) {
            return line.substr(key.size() + 1);
        }
        start = end + 1;
    }
    return "";
}

unsigned long long monotonic_usec() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<unsigned long long>(now.tv_sec) * 1000000ULL +
           static_cast<unsigned long long>(now.tv_nsec) / 1000ULL;
}

// $NOTIFY_SOCKET as systemd sets it for a Type=notify service, restored afterwards.
class ServiceNotifierTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (const char* previous = std::getenv("NOTIFY_SOCKET")) {
            previous_ = previous;
        }
        ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
    }
    void TearDown() override {
        if (previous_) {
            ::setenv("NOTIFY_SOCKET", previous_->c_str(), 1);
        } else {
            ::unsetenv("NOTIFY_SOCKET");
        }
    }

    TempDir dir_{"ecmh-notify"};
    std::string path_ = dir_.file("notify");
    NotifySocket manager_{path_};
    std::optional<std::string> previous_;
};

// The tests of what is sent: skipped when this build cannot send (ECMH_SYSTEMD=OFF).
class ServiceNotifierSendTest : public ServiceNotifierTest {
protected:
    void SetUp() override {
        ServiceNotifierTest::SetUp();
        if (!ServiceNotifier::kAvailable) {
            GTEST_SKIP() << "built without libsystemd (ECMH_SYSTEMD=OFF)";
        }
    }
};

TEST_F(ServiceNotifierSendTest, ReadySaysReadyWithStatus) {
    ASSERT_TRUE(manager_.bound());
    ServiceNotifier notifier;
    EXPECT_TRUE(notifier.wanted());
    const auto sent = notifier.ready("serving 2 links, upstream eth0");
    ASSERT_TRUE(sent) << sent.error().message();
    const auto message = manager_.take();
    ASSERT_TRUE(message);
    EXPECT_EQ(field(*message, "READY"), "1");
    EXPECT_EQ(field(*message, "STATUS"), "serving 2 links, upstream eth0");
    EXPECT_FALSE(manager_.take()) << "one datagram";
}

TEST_F(ServiceNotifierSendTest, ReloadingCarriesMonotonicUsecThenReadyAgain) {
    ServiceNotifier notifier;
    ASSERT_TRUE(notifier.ready("up"));
    ASSERT_TRUE(manager_.take());

    const auto before = monotonic_usec();
    ASSERT_TRUE(notifier.reloading());
    const auto after = monotonic_usec();
    const auto reloading = manager_.take();
    ASSERT_TRUE(reloading);
    EXPECT_EQ(field(*reloading, "RELOADING"), "1");
    EXPECT_EQ(field(*reloading, "READY"), "");
    // systemd ≥ 253 compares it with its own CLOCK_MONOTONIC reading: it must be that clock.
    const auto usec = std::stoull(field(*reloading, "MONOTONIC_USEC"));
    EXPECT_GE(usec, before);
    EXPECT_LE(usec, after);

    ASSERT_TRUE(notifier.ready_after_reload("serving 3 links, upstream eth0"));
    const auto ready = manager_.take();
    ASSERT_TRUE(ready);
    EXPECT_EQ(field(*ready, "READY"), "1");
    EXPECT_EQ(field(*ready, "STATUS"), "serving 3 links, upstream eth0");
}

TEST_F(ServiceNotifierSendTest, StatusIsSentWhenItChanges) {
    ServiceNotifier notifier;
    ASSERT_TRUE(notifier.ready("serving 1 link, waiting for upstream ppp0"));
    ASSERT_TRUE(manager_.take());
    ASSERT_TRUE(notifier.status("serving 1 link, waiting for upstream ppp0"));
    EXPECT_FALSE(manager_.take()) << "an unchanged status is not sent again";
    ASSERT_TRUE(notifier.status("serving 2 links,\nupstream ppp0"));
    const auto message = manager_.take();
    ASSERT_TRUE(message);
    EXPECT_EQ(*message, "STATUS=serving 2 links, upstream ppp0") << "one line, nothing else";
}

TEST_F(ServiceNotifierSendTest, StoppingSaysStoppingOnce) {
    {
        ServiceNotifier notifier;
        ASSERT_TRUE(notifier.ready("up"));
        ASSERT_TRUE(manager_.take());
        ASSERT_TRUE(notifier.stopping());
        const auto message = manager_.take();
        ASSERT_TRUE(message);
        EXPECT_EQ(*message, "STOPPING=1");
    }
    EXPECT_FALSE(manager_.take()) << "the destructor does not say it again";
}

TEST_F(ServiceNotifierSendTest, DestroyedWhileServingSaysStopping) {
    {
        ServiceNotifier notifier;
        ASSERT_TRUE(notifier.ready("up"));
        ASSERT_TRUE(manager_.take());
    }
    const auto message = manager_.take();
    ASSERT_TRUE(message);
    EXPECT_EQ(*message, "STOPPING=1");
}

TEST_F(ServiceNotifierSendTest, MainPidNamesTheDaemon) {
    ServiceNotifier notifier;
    ASSERT_TRUE(notifier.main_pid(4711));
    const auto message = manager_.take();
    ASSERT_TRUE(message);
    EXPECT_EQ(*message, "MAINPID=4711");
}

TEST_F(ServiceNotifierSendTest, AbstractSocket) {
    const std::string abstract = "@ecmh-notify-test-" + std::to_string(::getpid());
    NotifySocket manager{abstract};
    ASSERT_TRUE(manager.bound());
    ::setenv("NOTIFY_SOCKET", abstract.c_str(), 1);
    ServiceNotifier notifier;
    ASSERT_TRUE(notifier.stopping());
    const auto message = manager.take();
    ASSERT_TRUE(message);
    EXPECT_EQ(*message, "STOPPING=1");
}

// After -u the daemon notifies as its new user: sd_notify needs only the right to write
// to the socket (systemd's is mode 0777), no privilege.
TEST_F(ServiceNotifierSendTest, WorksAfterDroppingRoot) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to drop";
    }
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
    ASSERT_EQ(::chmod(path_.c_str(), 0777), 0);
    const int code = in_child([] {
        if (!drop_to_nobody()) {
            return 20;
        }
        ServiceNotifier notifier;
        return notifier.ready("as nobody") ? 0 : 21;
    });
    ASSERT_EQ(code, 0);
    const auto message = manager_.take();
    ASSERT_TRUE(message);
    EXPECT_EQ(field(*message, "STATUS"), "as nobody");
}

TEST_F(ServiceNotifierTest, WithoutNotifySocketNothingIsSent) {
    ::unsetenv("NOTIFY_SOCKET");
    ServiceNotifier notifier;
    EXPECT_FALSE(notifier.wanted());
    EXPECT_TRUE(notifier.ready("up"));
    EXPECT_TRUE(notifier.status("changed"));
    EXPECT_TRUE(notifier.reloading());
    EXPECT_TRUE(notifier.ready_after_reload("up"));
    EXPECT_TRUE(notifier.main_pid(4711));
    EXPECT_TRUE(notifier.stopping());
    EXPECT_FALSE(manager_.take());
}

TEST_F(ServiceNotifierSendTest, UnreachableSocketIsAnErrorNamingIt) {
    const auto missing = dir_.file("no-such-socket");
    ::setenv("NOTIFY_SOCKET", missing.c_str(), 1);
    ServiceNotifier notifier;
    const auto sent = notifier.ready("up");
    ASSERT_FALSE(sent);
    EXPECT_NE(sent.error().message().find(missing), std::string::npos) << sent.error().message();
    EXPECT_FALSE(notifier.stopping()) << "each call tries again, and says so";
}

TEST_F(ServiceNotifierTest, WithoutLibsystemdSaysSoOnce) {
    if (ServiceNotifier::kAvailable) {
        GTEST_SKIP() << "built with libsystemd";
    }
    ServiceNotifier notifier;
    const auto sent = notifier.ready("up");
    ASSERT_FALSE(sent);
    EXPECT_NE(sent.error().message().find("without libsystemd"), std::string::npos);
    EXPECT_TRUE(notifier.stopping()) << "said once";
    EXPECT_FALSE(manager_.take());
}

} // namespace
