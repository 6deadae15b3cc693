// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/control_protocol.hpp"

#include "ecmh/report/json_writer.hpp"
#include "ecmh/report/status_render.hpp"

#include <array>
#include <vector>

namespace ecmh::app {
namespace {

struct CommandName {
    std::string_view first;
    std::string_view second; // empty for a one-word command
    ControlCommand command;
};

constexpr std::array<CommandName, 9> kCommands{{
    {"show", "links", ControlCommand::ShowLinks},
    {"show", "groups", ControlCommand::ShowGroups},
    {"show", "upstream", ControlCommand::ShowUpstream},
    {"show", "stats", ControlCommand::ShowStats},
    {"show", "config", ControlCommand::ShowConfig},
    {"reload", "", ControlCommand::Reload},
    {"resend", "", ControlCommand::Resend},
    {"dump", "", ControlCommand::Dump},
    {"metrics", "", ControlCommand::Metrics},
}};

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t at = 0;
    while (at < line.size()) {
        const auto start = line.find_first_not_of(" \t", at);
        if (start == std::string_view::npos) {
            break;
        }
        const auto end = std::min(line.find_first_of(" \t", start), line.size());
        words.push_back(line.substr(start, end - start));
        at = end;
    }
    return words;
}

// Printable ASCII and tabs only: a request is typed words, so anything else (a control
// byte, a UTF-8 sequence, a NUL) is a client speaking another protocol.
bool printable(std::string_view line) {
    for (const char c : line) {
        const auto b = static_cast<unsigned char>(c);
        if ((b < 0x20 && c != '\t') || b > 0x7e) {
            return false;
        }
    }
    return true;
}

net::Unexpected<ControlRequestError> fail(std::string message, bool json) {
    return net::unexpected(ControlRequestError{std::move(message), json});
}

// The words that are not flags name the command: "show groups", "dump".
net::Expected<ControlCommand, std::string> command_of(const std::vector<std::string_view>& words) {
    if (words.empty()) {
        return net::unexpected(std::string("empty request"));
    }
    const std::string_view second = words.size() > 1 ? words[1] : "";
    for (const auto& c : kCommands) {
        if (words[0] == c.first && second == c.second &&
            words.size() == (c.second.empty() ? 1U : 2U)) {
            return c.command;
        }
    }
    std::string text;
    for (const auto w : words) {
        text += (text.empty() ? "" : " ") + std::string(w);
    }
    if (text.size() > 64) {
        text = text.substr(0, 64) + "...";
    }
    return net::unexpected("unknown command '" + text +
                           "' (show links|groups|upstream|stats|config, reload, resend, dump, "
                           "metrics)");
}

// The show commands come first in ControlCommand.
bool is_show(ControlCommand c) {
    return c <= ControlCommand::ShowConfig;
}

std::string status_reply(const ControlRequest& r, const ControlTarget& target,
                         proto::TimePoint now) {
    const auto context = target.status_context(now);
    const auto& proxy = target.proxy();
    switch (r.command) {
    case ControlCommand::ShowLinks: {
        const auto links = report::collect_links(proxy, context);
        return r.json ? report::render_links_json(links) : report::render_links_text(links);
    }
    case ControlCommand::ShowGroups: {
        const auto groups = report::collect_groups(proxy, context);
        return r.json ? report::render_groups_json(groups) : report::render_groups_text(groups);
    }
    case ControlCommand::ShowUpstream: {
        const auto upstream = report::collect_upstream(proxy, context);
        return r.json ? report::render_upstream_json(upstream)
                      : report::render_upstream_text(upstream);
    }
    case ControlCommand::ShowStats: {
        const auto stats = report::collect_stats(proxy, context);
        return r.json ? report::render_stats_json(stats) : report::render_stats_text(stats);
    }
    default: // Metrics
        return report::render_metrics(report::collect_links(proxy, context),
                                      report::collect_groups(proxy, context),
                                      report::collect_stats(proxy, context), r.per_group);
    }
}

// A one-sentence result: plain, or {"<key>": "<text>"}.
ControlReply result(std::string_view key, std::string_view text, bool json) {
    if (!json) {
        const bool has_newline = !text.empty() && text.back() == '\n';
        return ControlReply{std::string(text) + (has_newline ? "" : "\n"), false};
    }
    report::JsonWriter w;
    w.begin_object().member(key, text).end_object();
    return ControlReply{w.text() + "\n", false};
}

} // namespace

net::Expected<ControlRequest, ControlRequestError> parse_control_request(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    if (line.size() >= kMaxRequestLength) {
        return fail("request longer than " + std::to_string(kMaxRequestLength - 1) + " bytes",
                    false);
    }
    if (!printable(line)) {
        return fail("request holds a control or non-ASCII byte", false);
    }
    const auto words = split_words(line);
    ControlRequest r;
    std::vector<std::string_view> command_words;
    bool json = false;
    for (const auto w : words) {
        json = json || w == "--json";
    }
    for (const auto w : words) {
        if (!w.starts_with("--")) {
            command_words.push_back(w);
            continue;
        }
        bool* flag = w == "--json" ? &r.json : w == "--groups" ? &r.per_group : nullptr;
        if (flag == nullptr) {
            return fail("unknown flag '" + std::string(w.substr(0, 64)) + "' (--json, --groups)",
                        json);
        }
        if (*flag) {
            return fail("flag " + std::string(w) + " given twice", json);
        }
        *flag = true;
    }
    auto command = command_of(command_words);
    if (!command) {
        return fail(command.error(), json);
    }
    r.command = *command;
    if (r.json && r.command == ControlCommand::Metrics) {
        return fail("metrics has no --json form (it is the Prometheus text format)", false);
    }
    if (r.per_group && r.command != ControlCommand::Metrics) {
        return fail("--groups is a flag of metrics only", json);
    }
    return r;
}

ControlReply error_reply(std::string_view message, bool json) {
    if (!json) {
        return ControlReply{"error: " + std::string(message) + "\n", true};
    }
    report::JsonWriter w;
    w.begin_object().member("error", message).end_object();
    return ControlReply{w.text() + "\n", true};
}

ControlReply execute(const ControlRequest& request, ControlTarget& target, proto::TimePoint now) {
    const bool json = request.json;
    if (request.command == ControlCommand::ShowConfig) {
        return result("config", target.config_text(), json);
    }
    if (is_show(request.command) || request.command == ControlCommand::Metrics) {
        return ControlReply{status_reply(request, target, now), false};
    }
    switch (request.command) {
    case ControlCommand::Reload: {
        auto r = target.reload(now);
        return r ? result("result", *r, json) : error_reply(r.error(), json);
    }
    case ControlCommand::Resend:
        return result("result", target.resend(now), json);
    default: { // Dump
        auto path = target.dump(now);
        return path ? result("path", *path, json) : error_reply(path.error(), json);
    }
    }
}

ControlReply answer(std::string_view line, ControlTarget& target, proto::TimePoint now) {
    auto request = parse_control_request(line);
    if (!request) {
        return error_reply(request.error().message, request.error().json);
    }
    return execute(*request, target, now);
}

} // namespace ecmh::app
