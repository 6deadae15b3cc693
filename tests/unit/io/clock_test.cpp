// SPDX-License-Identifier: BSD-3-Clause
// The daemon's clock (rfc-map M19): every time the engine sees and every poll timeout
// come from the monotonic source, so a wall-clock jump of a day either way expires
// nothing early or late; only the text an operator reads follows the wall clock. The
// sources are substituted here; the machine's clock is never touched.
#include "ecmh/engine/proxy.hpp"
#include "ecmh/io/clock.hpp"
#include "ecmh/report/dump.hpp"
#include "support/engine_frames.hpp"
#include "support/fake_link_io.hpp"
#include "support/scenario.hpp"

#include <gtest/gtest.h>
#include <set>
#include <string>
#include <vector>

namespace ecmh::io {
namespace {

using proto::at_ms;
using std::chrono::milliseconds;

constexpr std::time_t kDay = 86'400;

// A monotonic and a wall clock the test moves by hand.
struct FakeTime {
    timespec monotonic{1'000, 0};
    timespec realtime{1'700'000'000, 0}; // 2023-11-14 22:13:20 UTC

    Clock clock() {
        return Clock{ClockSources{[this] { return monotonic; }, [this] { return realtime; }}};
    }
    void sleep(int ms) { // what poll() does to the monotonic clock
        const long ns = monotonic.tv_nsec + static_cast<long>(ms % 1000) * 1'000'000;
        monotonic.tv_sec += ms / 1000 + ns / 1'000'000'000;
        monotonic.tv_nsec = ns % 1'000'000'000;
    }
};

// What the daemon's loop (Daemon::run) does with its clock, against an engine with one
// IGMPv3 listener on d1: poll for the next deadline, read now, run the due timers,
// until the listener has expired. `jump` moves the wall clock by a day, forward then
// back, at every wake-up. Returns every poll timeout and the expiry time.
struct Run {
    std::vector<int> timeouts;
    proto::TimePoint joined;
    proto::TimePoint expired;
    std::string started_text;
    std::set<std::string> wall_texts; // what the wall clock said at each wake-up
};

Run run_daemon_loop(bool jump) {
    FakeTime time;
    const Clock clock = time.clock();
    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::ProxyConfig config;
    config.vars = proto::fast_test_profile(); // MALI = 9 s
    config.ipv6 = false;
    engine::Proxy proxy{config, io, log, 7};
    Run run;
    run.started_text = clock.wall_clock_text();
    const auto d1 = *proxy.add_link(
        test::ethernet_link("d1", 0x10, "fe80::100", "198.51.100.100", false, 3), clock.now());
    const auto group = test::ipv4("239.1.1.1");
    run.joined = clock.now();
    proxy.on_frame(
        d1,
        test::ethernet_frame(test::frames::v2_report(
            "198.51.100.10", {{wire::RecordType::ChangeToExcludeMode, "239.1.1.1", {}}})),
        run.joined);
    int wakeups = 0;
    while (proxy.igmp().router(d1)->find(group) != nullptr && wakeups++ < 1000) {
        const int timeout = poll_timeout_ms(proxy.next_deadline(), clock.now());
        run.timeouts.push_back(timeout);
        time.sleep(timeout);
        if (jump) {
            time.realtime.tv_sec += wakeups % 2 == 1 ? kDay : -kDay;
        }
        const auto now = clock.now();
        if (proxy.next_deadline() <= now) {
            proxy.on_timer(now);
        }
        run.expired = now;
        run.wall_texts.insert(clock.wall_clock_text());
    }
    return run;
}

TEST(Clock, WallClockJumpsMoveNoTimer) {
    const auto steady = run_daemon_loop(false);
    const auto jumping = run_daemon_loop(true);
    EXPECT_EQ(jumping.timeouts, steady.timeouts);
    ASSERT_FALSE(steady.timeouts.empty());
    // The listener expired at MALI after its report, to the millisecond the poll
    // timeout rounds to, with or without the jumps.
    const auto mali = proto::fast_test_profile().listener_interval();
    EXPECT_EQ(steady.expired - steady.joined, mali);
    EXPECT_EQ(jumping.expired - jumping.joined, mali);
    // Only the text follows the wall clock.
    EXPECT_EQ(steady.started_text, "2023-11-14 22:13:20 GMT");
    EXPECT_EQ(steady.wall_texts, std::set<std::string>{"2023-11-14 22:13:20 GMT"});
    EXPECT_EQ(jumping.wall_texts,
              (std::set<std::string>{"2023-11-14 22:13:20 GMT", "2023-11-15 22:13:20 GMT"}));
}

TEST(Clock, TheDumpsUptimeIsMonotonicAndItsStartTextWallClock) {
    FakeTime time;
    const Clock clock = time.clock();
    test::FakeLinkIo io;
    test::RecordingLog log;
    engine::Proxy proxy{engine::ProxyConfig{}, io, log, 7};
    const auto started = clock.now();
    const auto started_text = clock.wall_clock_text();
    time.sleep(61'000);
    time.realtime.tv_sec -= kDay; // the wall clock steps back a day meanwhile
    const auto text = report::render_dump(proxy, {clock.now(), started, started_text});
    EXPECT_NE(text.find("Started      : 2023-11-14 22:13:20 GMT\n"), std::string::npos) << text;
    EXPECT_NE(text.find("Uptime       : 0 days 00:01:01\n"), std::string::npos) << text;
    EXPECT_EQ(clock.wall_clock_text(), "2023-11-13 22:13:20 GMT");
}

TEST(Clock, PollTimeoutRoundsUpAndNeverWaitsForNothing) {
    EXPECT_EQ(poll_timeout_ms(proto::kNever, at_ms(5)), -1);
    EXPECT_EQ(poll_timeout_ms(at_ms(5), at_ms(5)), 0);
    EXPECT_EQ(poll_timeout_ms(at_ms(4), at_ms(5)), 0);
    EXPECT_EQ(poll_timeout_ms(at_ms(5) + std::chrono::microseconds{1}, at_ms(5)), 1);
    EXPECT_EQ(poll_timeout_ms(at_ms(3000), at_ms(1000)), 2000);
}

// By default the clock reads CLOCK_MONOTONIC for now() (not the wall clock, whose
// seconds since 1970 are far from the seconds since boot).
TEST(Clock, TheDefaultSourcesAreTheSystemsMonotonicClock) {
    const Clock clock;
    const auto ours = clock.now();
    const auto direct = monotonic_now();
    EXPECT_LE(ours, direct);
    EXPECT_LT(direct - ours, std::chrono::seconds{1});
    EXPECT_EQ(clock.wall_clock_text().size(), std::string("2026-11-23 06:00:00 GMT").size());
}

} // namespace
} // namespace ecmh::io
