// SPDX-License-Identifier: BSD-3-Clause
// The control socket's protocol (ecmhctl, doc/control.md): a client sends one request line,
// ecmh answers and closes the connection. A request is words separated by spaces: the
// command, then flags.
//
//   show links|groups|upstream|stats|config [--json]
//   reload [--json]     resend [--json]     dump [--json]     metrics [--groups]
//
// Parsing and executing are pure: execute() reads the engine through a ControlTarget the
// daemon implements (and tests fake), and returns the reply text. A malformed request
// (empty, unknown command or flag, a flag twice, a byte outside printable ASCII, longer
// than kMaxRequestLength) gets an error reply — "error: ...", or {"error": "..."} when
// --json was asked — and never touches any state.
#pragma once

#include "ecmh/engine/proxy.hpp"
#include "ecmh/net/expected.hpp"
#include "ecmh/report/status.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ecmh::app {

// The longest request line, its newline included: every valid request is far shorter.
inline constexpr std::size_t kMaxRequestLength = 1024;

enum class ControlCommand : std::uint8_t {
    ShowLinks,
    ShowGroups,
    ShowUpstream,
    ShowStats,
    ShowConfig,
    Reload,
    Resend,
    Dump,
    Metrics,
};

struct ControlRequest {
    ControlCommand command = ControlCommand::ShowStats;
    bool json = false;      // --json
    bool per_group = false; // metrics --groups
};

struct ControlRequestError {
    std::string message;
    bool json = false; // --json was among the words: the error is answered in JSON
};

// `line` without its newline (a trailing '\r' is tolerated).
[[nodiscard]] net::Expected<ControlRequest, ControlRequestError>
parse_control_request(std::string_view line);

// What a request may do to the daemon, and what it reads.
class ControlTarget {
public:
    virtual ~ControlTarget() = default;
    [[nodiscard]] virtual const engine::Proxy& proxy() const = 0;
    [[nodiscard]] virtual report::StatusContext status_context(proto::TimePoint now) const = 0;
    // The running configuration as text (`show config`).
    [[nodiscard]] virtual std::string config_text() const = 0;
    // SIGHUP's work: a sentence saying what was done, or why nothing was.
    [[nodiscard]] virtual net::Expected<std::string, std::string> reload(proto::TimePoint now) = 0;
    // SIGUSR2's work: a sentence saying what was done.
    [[nodiscard]] virtual std::string resend(proto::TimePoint now) = 0;
    // SIGUSR1's work: the path of the dump written, or why it was not.
    [[nodiscard]] virtual net::Expected<std::string, std::string> dump(proto::TimePoint now) = 0;
};

struct ControlReply {
    std::string text; // ends with a newline
    bool error = false;
};

[[nodiscard]] ControlReply execute(const ControlRequest& request, ControlTarget& target,
                                   proto::TimePoint now);
// The whole exchange for one line: parse, then execute or answer the error.
[[nodiscard]] ControlReply answer(std::string_view line, ControlTarget& target,
                                  proto::TimePoint now);
// An error reply in the form the request asked for.
[[nodiscard]] ControlReply error_reply(std::string_view message, bool json);

} // namespace ecmh::app
