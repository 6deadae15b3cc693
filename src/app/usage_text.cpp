// SPDX-License-Identifier: BSD-3-Clause
// The --help text, generated from the option table: a tag per option ("-i, --upstream
// IF") and its help sentence wrapped into a column, under the group headings.
#include "ecmh/app/option_table.hpp"
#include "ecmh/app/options.hpp"

#include <algorithm>
#include <cstddef>
#include <sstream>

namespace ecmh::app {
namespace {

constexpr std::size_t kHelpColumn = 29; // where the help sentences start
constexpr std::size_t kHelpWidth = 80;  // the longest line, in columns

constexpr std::string_view kDescription =
    R"(Easy Cast du Multi Hub: an IPv6 and IPv4 multicast proxy (MLD/IGMP router on the
downstream links, RFC 4605 host on the upstream link, userspace forwarding).
Without -i every link is downstream and multicast is routed between all links
that have listeners.
)";

constexpr std::string_view kEpilogue = R"(
Signals: SIGUSR1 writes the dump file, SIGUSR2 re-sends reports upstream,
SIGHUP rescans interfaces, SIGTERM/SIGINT exit cleanly.

(*) for SSM-only networks (RFC 9777 §8.3.1, RFC 9776 §7.3.1); without them,
MLDv1 and IGMPv1/v2 listeners are served in compatibility mode.
)";

// Columns on a terminal: UTF-8 continuation bytes take none ("§" is two bytes).
std::size_t columns(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    }));
}

// "  -i, --upstream IF", or "      --pidfile PATH" when there is no short form.
// The strings of this file are appended to, not joined with operator+, on which GCC 12
// warns falsely at -O2 and above (-Wrestrict, GCC bug 105329).
std::string option_tag(const OptionDescriptor& option) {
    std::string tag = option.short_name != '\0' ? "  -" : "      ";
    if (option.short_name != '\0') {
        tag += option.short_name;
        tag += ", ";
    }
    tag += "--";
    tag += option.long_name;
    if (!option.argument.empty()) {
        tag += ' ';
        tag += option.argument;
    }
    return tag;
}

// The tag, then the help sentence from kHelpColumn on, wrapped at kHelpWidth; a tag too
// long for the column gets a line of its own.
std::string help_entry(const OptionDescriptor& option) {
    std::string text;
    std::string line = option_tag(option);
    if (columns(line) + 2 > kHelpColumn) {
        text += line;
        text += '\n';
        line.clear();
    }
    line.resize(kHelpColumn, ' ');
    std::istringstream words{std::string(option.help)};
    for (std::string word; words >> word;) {
        const bool has_words = columns(line) > kHelpColumn;
        if (has_words && columns(line) + 1 + columns(word) > kHelpWidth) {
            text += line;
            text += '\n';
            line.assign(kHelpColumn, ' ');
        } else if (has_words) {
            line += ' ';
        }
        line += word;
    }
    text += line;
    text += '\n';
    return text;
}

} // namespace

std::string usage_text(std::string_view program_name) {
    std::string text = "Usage: ";
    text += program_name;
    text += " [OPTION]...\n";
    text += kDescription;
    for (const auto& group : option_groups()) {
        text += '\n';
        text += group.help_heading;
        text += '\n';
        for (const auto& option : options_in(group.group)) {
            text += help_entry(option);
        }
    }
    text += kEpilogue;
    return text;
}

} // namespace ecmh::app
