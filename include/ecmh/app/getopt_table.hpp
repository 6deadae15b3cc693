// SPDX-License-Identifier: BSD-3-Clause
// getopt_long's view of the option table: the short-option string and the long-option
// array, generated from the descriptors, and the way back from what getopt_long returns
// to the descriptor.
#pragma once

#include "ecmh/app/option_table.hpp"

#include <getopt.h>
#include <span>
#include <string>
#include <vector>

namespace ecmh::app {

// getopt_long returns a long-only option as this plus its index in the table: above every
// char, so it cannot be mistaken for a short option.
inline constexpr int kLongOnlyBase = 256;

struct GetoptTable {
    // ':' first (a missing argument is reported as ':', not '?'), then each short
    // letter, followed by ':' when the option takes a value.
    std::string short_options;
    // One entry per descriptor, in table order, then the all-zero terminator.
    std::vector<option> long_options;
};

[[nodiscard]] GetoptTable make_getopt_table(std::span<const OptionDescriptor> table);

// The descriptor for getopt_long's return value, or nullptr for ':', '?' and anything
// the table does not know.
[[nodiscard]] const OptionDescriptor* find_descriptor(std::span<const OptionDescriptor> table,
                                                      int code);

} // namespace ecmh::app
