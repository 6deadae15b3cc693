// SPDX-License-Identifier: BSD-3-Clause
// The engine's EventLog for the daemon: stderr in the foreground (-f), syslog
// (LOG_DAEMON, ident "ecmh") when daemonized. Debug lines only with -v.
// Stderr lines read "2026-11-23 06:00:00 ecmh: warning: MESSAGE" (local time; level
// words error, warning, info, debug), each written with a single write(2). Syslog lines
// are the bare message at LOG_ERR/LOG_WARNING/LOG_INFO/LOG_DEBUG.
#pragma once

#include "ecmh/engine/link.hpp"

#include <string_view>

namespace ecmh::io {

class LogSink final : public engine::EventLog {
public:
    enum class Target : std::uint8_t { Stderr, Syslog };
    LogSink(Target target, int verbosity);
    ~LogSink() override;
    LogSink(const LogSink&) = delete;
    LogSink& operator=(const LogSink&) = delete;

    void log(engine::LogLevel level, std::string_view message) override;
    [[nodiscard]] bool enabled(engine::LogLevel level) const override;
    // Switch stderr → syslog after daemonizing.
    void set_target(Target target);

private:
    Target target_ = Target::Stderr;
    int verbosity_;
    bool syslog_open_ = false;
};

} // namespace ecmh::io
