// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/log_sink.hpp"

#include <array>
#include <cerrno>
#include <ctime>
#include <string>
#include <syslog.h>
#include <unistd.h>

namespace ecmh::io {

namespace {

using engine::LogLevel;

std::string_view level_word(LogLevel level) {
    switch (level) {
    case LogLevel::Error:
        return "error";
    case LogLevel::Warning:
        return "warning";
    case LogLevel::Info:
        return "info";
    case LogLevel::Debug:
        return "debug";
    }
    return "info";
}

int syslog_priority(LogLevel level) {
    switch (level) {
    case LogLevel::Error:
        return LOG_ERR;
    case LogLevel::Warning:
        return LOG_WARNING;
    case LogLevel::Info:
        return LOG_INFO;
    case LogLevel::Debug:
        return LOG_DEBUG;
    }
    return LOG_INFO;
}

// Local wall time, "2026-11-23 06:00:00 ": foreground runs are read by people next to
// other tools' output; syslog stamps its own lines.
std::string timestamp() {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    std::array<char, 32> text{};
    if (::localtime_r(&now, &local) == nullptr) {
        return {};
    }
    const std::size_t length =
        std::strftime(text.data(), text.size(), "%Y-%m-%d %H:%M:%S ", &local);
    return {text.data(), length};
}

// One write(2) per line, so lines from ecmh and anything else sharing the terminal or
// log file never interleave mid-line.
void write_line(const std::string& line) {
    std::string_view rest = line;
    while (!rest.empty()) {
        const ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return; // stderr gone: nowhere left to complain
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
}

} // namespace

LogSink::LogSink(Target target, int verbosity) : verbosity_(verbosity) {
    set_target(target);
}

LogSink::~LogSink() {
    if (syslog_open_) {
        ::closelog();
    }
}

void LogSink::set_target(Target target) {
    // LOG_NDELAY connects to /dev/log now, while the filesystem view is still root's.
    if (target == Target::Syslog && !syslog_open_) {
        ::openlog("ecmh", LOG_PID | LOG_NDELAY, LOG_DAEMON);
        syslog_open_ = true;
    }
    target_ = target;
}

bool LogSink::enabled(LogLevel level) const {
    return level != LogLevel::Debug || verbosity_ >= 1;
}

void LogSink::log(LogLevel level, std::string_view message) {
    if (!enabled(level)) {
        return;
    }
    if (target_ == Target::Syslog) {
        ::syslog(syslog_priority(level), "%.*s", static_cast<int>(message.size()), message.data());
        return;
    }
    std::string line = timestamp();
    line.append("ecmh: ").append(level_word(level)).append(": ").append(message).append("\n");
    write_line(line);
}

} // namespace ecmh::io
