// SPDX-License-Identifier: BSD-3-Clause
// The daemon's log lines on stderr (captured by pointing fd 2 at a temporary file for
// the duration of a test) and the verbosity filter.
#include "ecmh/io/log_sink.hpp"

#include <cstdio>
#include <gtest/gtest.h>
#include <regex>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using ecmh::engine::LogLevel;
using ecmh::io::LogSink;

namespace {

// Redirects fd 2 into an anonymous file until text() or destruction.
class StderrCapture {
public:
    StderrCapture() : file_(std::tmpfile()) {
        std::fflush(stderr);
        saved_ = ::dup(STDERR_FILENO);
        if (file_ != nullptr) {
            ::dup2(::fileno(file_), STDERR_FILENO);
        }
    }
    ~StderrCapture() {
        restore();
        if (file_ != nullptr) {
            std::fclose(file_);
        }
    }
    StderrCapture(const StderrCapture&) = delete;
    StderrCapture& operator=(const StderrCapture&) = delete;

    // Everything written so far; stderr is the terminal's again afterwards.
    std::string text() {
        restore();
        std::string captured;
        if (file_ == nullptr) {
            return captured;
        }
        std::rewind(file_);
        char buffer[512];
        std::size_t n = 0;
        while ((n = std::fread(buffer, 1, sizeof buffer, file_)) > 0) {
            captured.append(buffer, n);
        }
        return captured;
    }

private:
    void restore() {
        if (saved_ >= 0) {
            ::dup2(saved_, STDERR_FILENO);
            ::close(saved_);
            saved_ = -1;
        }
    }
    std::FILE* file_;
    int saved_ = -1;
};

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

// "2026-11-23 06:00:00 ecmh: LEVEL: MESSAGE"
bool is_line(const std::string& line, const std::string& level, const std::string& message) {
    const std::regex stamp(R"(^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} )");
    std::smatch match;
    if (!std::regex_search(line, match, stamp)) {
        return false;
    }
    return match.suffix() == "ecmh: " + level + ": " + message;
}

void log_every_level(LogSink& sink) {
    sink.log(LogLevel::Error, "no usable interface");
    sink.log(LogLevel::Warning, "eth1 has no link-local address");
    sink.log(LogLevel::Info, "started");
    sink.log(LogLevel::Debug, "query sent on eth0");
}

} // namespace

TEST(LogSink, StderrLinesCarryTimeAndLevelWithoutDebugByDefault) {
    StderrCapture capture;
    {
        LogSink sink(LogSink::Target::Stderr, 0);
        log_every_level(sink);
    }
    const auto lines = lines_of(capture.text());
    ASSERT_EQ(lines.size(), 3U);
    EXPECT_TRUE(is_line(lines[0], "error", "no usable interface")) << lines[0];
    EXPECT_TRUE(is_line(lines[1], "warning", "eth1 has no link-local address")) << lines[1];
    EXPECT_TRUE(is_line(lines[2], "info", "started")) << lines[2];
}

TEST(LogSink, VerbosityOneAddsDebug) {
    StderrCapture capture;
    {
        LogSink sink(LogSink::Target::Stderr, 1);
        log_every_level(sink);
    }
    const auto lines = lines_of(capture.text());
    ASSERT_EQ(lines.size(), 4U);
    EXPECT_TRUE(is_line(lines[3], "debug", "query sent on eth0")) << lines[3];
}

TEST(LogSink, MessageIsTakenByLengthNotNul) {
    StderrCapture capture;
    {
        LogSink sink(LogSink::Target::Stderr, 0);
        const std::string text = "eth0 up, and more";
        sink.log(LogLevel::Info, std::string_view(text).substr(0, 7));
    }
    const auto lines = lines_of(capture.text());
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_TRUE(is_line(lines[0], "info", "eth0 up")) << lines[0];
}

TEST(LogSink, SyslogTargetLeavesStderrAlone) {
    StderrCapture capture;
    {
        LogSink sink(LogSink::Target::Stderr, 1);
        sink.set_target(LogSink::Target::Syslog);
        sink.log(LogLevel::Info, "ecmh unit test: to syslog");
        sink.log(LogLevel::Debug, "ecmh unit test: debug to syslog");
        sink.set_target(LogSink::Target::Stderr);
        sink.log(LogLevel::Info, "back on stderr");
    }
    const auto lines = lines_of(capture.text());
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_TRUE(is_line(lines[0], "info", "back on stderr")) << lines[0];
}

TEST(LogSink, SyslogFromTheStart) {
    StderrCapture capture;
    {
        LogSink sink(LogSink::Target::Syslog, 0);
        sink.log(LogLevel::Warning, "ecmh unit test: syslog from the start");
    }
    EXPECT_EQ(capture.text(), "");
}
