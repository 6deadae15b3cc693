// SPDX-License-Identifier: BSD-3-Clause
// Signals read from the signalfd. The fixture restores the signal mask and SIGPIPE's
// disposition, so the rest of the test binary runs as before.
#include "ecmh/io/signal_fd.hpp"

#include <algorithm>
#include <csignal>
#include <gtest/gtest.h>
#include <optional>
#include <poll.h>
#include <vector>

using ecmh::io::Signal;
using ecmh::io::SignalFd;

namespace {

class SignalFdTest : public ::testing::Test {
protected:
    void SetUp() override {
        ::sigprocmask(SIG_BLOCK, nullptr, &saved_mask_);
        ::sigaction(SIGPIPE, nullptr, &saved_pipe_);
        auto opened = SignalFd::open();
        ASSERT_TRUE(opened) << opened.error().message();
        signals_.emplace(std::move(*opened));
    }
    void TearDown() override {
        if (signals_) {
            (void)signals_->take(); // nothing pending may fire once unblocked
        }
        signals_.reset();
        ::sigprocmask(SIG_SETMASK, &saved_mask_, nullptr);
        ::sigaction(SIGPIPE, &saved_pipe_, nullptr);
    }

    SignalFd& fd() { return *signals_; }

    // Standard signals come out lowest number first, not in arrival order.
    std::vector<Signal> sorted_take() {
        auto taken = fd().take();
        std::sort(taken.begin(), taken.end());
        return taken;
    }

private:
    sigset_t saved_mask_{};
    struct sigaction saved_pipe_ {};
    std::optional<SignalFd> signals_;
};

} // namespace

TEST_F(SignalFdTest, NothingPendingTakesNothing) {
    EXPECT_TRUE(fd().take().empty());
}

TEST_F(SignalFdTest, Usr1AndHupAreDumpAndRescan) {
    ASSERT_EQ(::raise(SIGHUP), 0);
    ASSERT_EQ(::raise(SIGUSR1), 0);
    EXPECT_EQ(sorted_take(), (std::vector<Signal>{Signal::DumpStats, Signal::Rescan}));
    EXPECT_TRUE(fd().take().empty());
}

TEST_F(SignalFdTest, Usr2ResendsReports) {
    ASSERT_EQ(::raise(SIGUSR2), 0);
    EXPECT_EQ(fd().take(), (std::vector<Signal>{Signal::ResendReports}));
}

TEST_F(SignalFdTest, TermAndIntStop) {
    ASSERT_EQ(::raise(SIGTERM), 0);
    ASSERT_EQ(::raise(SIGINT), 0);
    EXPECT_EQ(fd().take(), (std::vector<Signal>{Signal::Stop, Signal::Stop}));
}

TEST_F(SignalFdTest, RepeatedSignalIsPendingOnce) {
    ASSERT_EQ(::raise(SIGUSR1), 0);
    ASSERT_EQ(::raise(SIGUSR1), 0);
    EXPECT_EQ(fd().take(), (std::vector<Signal>{Signal::DumpStats}));
}

TEST_F(SignalFdTest, FdIsReadableWhileASignalIsPending) {
    pollfd entry{fd().fd(), POLLIN, 0};
    EXPECT_EQ(::poll(&entry, 1, 0), 0);
    ASSERT_EQ(::raise(SIGUSR1), 0);
    EXPECT_EQ(::poll(&entry, 1, 0), 1);
    EXPECT_TRUE(entry.revents & POLLIN);
    (void)fd().take();
}

TEST_F(SignalFdTest, SigpipeIsIgnored) {
    struct sigaction current {};
    ASSERT_EQ(::sigaction(SIGPIPE, nullptr, &current), 0);
    EXPECT_EQ(current.sa_handler, SIG_IGN);
}

TEST_F(SignalFdTest, TheSignalsAreBlocked) {
    sigset_t mask;
    ASSERT_EQ(::sigprocmask(SIG_BLOCK, nullptr, &mask), 0);
    for (int signal : {SIGUSR1, SIGUSR2, SIGHUP, SIGTERM, SIGINT}) {
        EXPECT_EQ(::sigismember(&mask, signal), 1) << signal;
    }
}
