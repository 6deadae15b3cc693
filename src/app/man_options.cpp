// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/man_options.hpp"

#include "ecmh/app/option_table.hpp"

#include <cctype>
#include <string_view>

namespace ecmh::app {
namespace {

// roff reads a plain '-' as a hyphen, which may break a line; an option needs "\-".
std::string roff_dashes(std::string_view text) {
    std::string out;
    for (const char c : text) {
        out += c == '-' ? std::string("\\-") : std::string(1, c);
    }
    return out;
}

// Values are named in lower case in the man page (italic), in upper case in --help.
std::string lower(std::string_view text) {
    std::string out;
    for (const char c : text) {
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

// The .TP tag line: bold option names, an italic value name.
std::string man_tag(const OptionDescriptor& option) {
    const std::string name = "\\-\\-" + roff_dashes(option.long_name);
    const std::string value = roff_dashes(lower(option.argument));
    if (option.short_name != '\0') {
        const std::string tag = ".BR \\-" + std::string(1, option.short_name) + " \", \" " + name;
        return value.empty() ? tag : tag + " \" \\fI" + value + "\\fP\"";
    }
    return value.empty() ? ".B " + name : ".BI " + name + " \" " + value + "\"";
}

} // namespace

std::string man_options_text() {
    std::string text;
    for (const auto& group : option_groups()) {
        text += ".SS \"" + std::string(group.man_heading) + "\"\n";
        if (!group.man_intro.empty()) {
            text += std::string(group.man_intro) + "\n";
        }
        for (const auto& option : options_in(group.group)) {
            text += ".TP\n" + man_tag(option) + "\n" + std::string(option.manual) + "\n";
        }
    }
    return text;
}

} // namespace ecmh::app
