// SPDX-License-Identifier: BSD-3-Clause
// The command line as data: one descriptor per option. The getopt_long tables and the
// --help text are generated from it, so neither can list an option or an argument the
// other does not.
#pragma once

#include "ecmh/app/options.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ecmh::app {

// What the options have set before the cross-option checks run: the Options, and the
// flags that only mean something together (-1 with -2) or that choose the action.
struct ParseState {
    Options options;
    bool mld1_only = false;
    bool mld2_only = false;
    bool help = false;
    bool version = false;
};

// One option as given: its value ("" for a flag) and the spelling the user typed
// ("-i" or "--upstream"), so that a message names what the user wrote.
struct OptionValue {
    std::string_view text;
    std::string_view spelling;
};

// The message for a bad value, or nothing.
using OptionError = std::optional<std::string>;
using OptionHandler = OptionError (*)(ParseState&, const OptionValue&);

// Sections of --help, in this order.
enum class OptionGroup : std::uint8_t {
    Original,
    Selection,
    Files,
    Capture,
    ProtocolVariables,
    Limits
};

struct OptionDescriptor {
    const char* long_name;       // without "--"; a C string, as getopt_long wants it
    char short_name = '\0';      // none: there is only the long form
    std::string_view argument{}; // the value's name in --help ("IF"); empty for a flag
    std::string_view help;       // one sentence for --help, wrapped by the generator
    OptionGroup group;
    OptionHandler apply;
};

struct OptionGroupText {
    OptionGroup group;
    std::string_view help_heading; // a line of its own in --help
};

// Every option, grouped; within a group, in the order they are documented.
[[nodiscard]] std::span<const OptionDescriptor> option_table();
// Every group, in the order --help lists them.
[[nodiscard]] std::span<const OptionGroupText> option_groups();
// The options of one group, in table order.
[[nodiscard]] std::vector<OptionDescriptor> options_in(OptionGroup group);

} // namespace ecmh::app
