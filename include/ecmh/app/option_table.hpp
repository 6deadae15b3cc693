// SPDX-License-Identifier: BSD-3-Clause
// The command line as data: one descriptor per option. The getopt_long tables, the
// --help text and the OPTIONS section of doc/ecmh.8 are all generated from it, so none
// of them can list an option, an argument or a text the others do not.
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
    bool check_config = false; // --check-config
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

// Sections of --help and of the man page, in this order.
enum class OptionGroup : std::uint8_t {
    Original,
    Selection,
    Files,
    Capture,
    Forwarding,
    ProtocolVariables,
    Limits
};

struct OptionDescriptor {
    const char* long_name;       // without "--"; a C string, as getopt_long wants it
    char short_name = '\0';      // none: there is only the long form
    std::string_view argument{}; // the value's name in --help ("IF"); empty for a flag
    std::string_view help;       // one sentence for --help, wrapped by the generator
    std::string_view manual;     // the man page's paragraph (roff), under the option's tag
    OptionGroup group;
    OptionHandler apply;
};

struct OptionGroupText {
    OptionGroup group;
    std::string_view help_heading; // a line of its own in --help
    std::string_view man_heading;  // the .SS title
    std::string_view man_intro;    // roff text before the group's first option, or empty
};

// Every option, grouped; within a group, in the order they are documented.
[[nodiscard]] std::span<const OptionDescriptor> option_table();
// Every group, in the order --help and the man page list them.
[[nodiscard]] std::span<const OptionGroupText> option_groups();
// The option whose long name is `name`, or null.
[[nodiscard]] const OptionDescriptor* option_named(std::string_view name);
// The options of one group, in table order.
[[nodiscard]] std::vector<OptionDescriptor> options_in(OptionGroup group);

} // namespace ecmh::app
