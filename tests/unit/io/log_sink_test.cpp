// SPDX-License-Identifier: BSD-3-Clause
// The daemon's log lines on stderr (captured by pointing fd 2 at a temporary file for
// the duration of a test) and the verbosity filter.
#include "ecmh/io/log_sink.hpp"

#include <cstdio>
#include <functional>
#include <gtest/gtest.h>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
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

// What a sink made with `target` and `verbosity` writes to stderr while `body` uses it
// and until it is destroyed.
std::string stderr_of(LogSink::Target target, int verbosity,
                      const std::function<void(LogSink&)>& body) {
    StderrCapture capture;
    {
        LogSink sink(target, verbosity);
        body(sink);
    }
    return capture.text();
}

struct Line {
    const char* level;
    const char* message;
};

// `text` is exactly the stamped `expected` lines, in order.
void expect_lines(const std::string& text, const std::vector<Line>& expected) {
    const auto lines = lines_of(text);
    ASSERT_EQ(lines.size(), expected.size()) << text;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_TRUE(is_line(lines[i], expected[i].level, expected[i].message)) << lines[i];
    }
}

} // namespace

TEST(LogSink, StderrLinesCarryTimeAndLevelWithoutDebugByDefault) {
    expect_lines(stderr_of(LogSink::Target::Stderr, 0, log_every_level),
                 {{"error", "no usable interface"},
                  {"warning", "eth1 has no link-local address"},
                  {"info", "started"}});
}

TEST(LogSink, VerbosityOneAddsDebug) {
    expect_lines(stderr_of(LogSink::Target::Stderr, 1, log_every_level),
                 {{"error", "no usable interface"},
                  {"warning", "eth1 has no link-local address"},
                  {"info", "started"},
                  {"debug", "query sent on eth0"}});
}

TEST(LogSink, MessageIsTakenByLengthNotNul) {
    const auto text = stderr_of(LogSink::Target::Stderr, 0, [](LogSink& sink) {
        const std::string message = "eth0 up, and more";
        sink.log(LogLevel::Info, std::string_view(message).substr(0, 7));
    });
    expect_lines(text, {{"info", "eth0 up"}});
}

TEST(LogSink, SyslogTargetLeavesStderrAlone) {
    const auto text = stderr_of(LogSink::Target::Stderr, 1, [](LogSink& sink) {
        sink.set_target(LogSink::Target::Syslog);
        sink.log(LogLevel::Info, "ecmh unit test: to syslog");
        sink.log(LogLevel::Debug, "ecmh unit test: debug to syslog");
        sink.set_target(LogSink::Target::Stderr);
        sink.log(LogLevel::Info, "back on stderr");
    });
    expect_lines(text, {{"info", "back on stderr"}});
}

TEST(LogSink, SyslogFromTheStart) {
    const auto text = stderr_of(LogSink::Target::Syslog, 0, [](LogSink& sink) {
        sink.log(LogLevel::Warning, "ecmh unit test: syslog from the start");
    });
    EXPECT_EQ(text, "");
}
