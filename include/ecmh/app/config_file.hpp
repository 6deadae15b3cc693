// SPDX-License-Identifier: BSD-3-Clause
// The configuration file (--config FILE; doc/ecmh.conf.5): one setting per line, a
// keyword and its values separated by blanks, '#' to the end of the line a comment.
//
//   # global settings: ecmh(8)'s long options without their dashes
//   upstream ppp0
//   max-groups 512
//   promisc                       # a flag stands alone
//
//   link eth*                     # a block, to the next 'link' line (link_blocks.hpp)
//       deny 239.255.0.0/16
//
// An option given on the command line wins over the file's line for it. Parsing only:
// the daemon reads the file (io/text_file.hpp) and hands its text here.
#pragma once

#include "ecmh/app/option_table.hpp"

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace ecmh::app {

struct ConfigText {
    std::string path; // for messages
    std::string text;
};

struct ConfigError {
    std::string path;
    std::size_t line = 0; // 1-based; 0: the file as a whole
    std::string message;
    // "/etc/ecmh/ecmh.conf:12: unknown setting 'upstrem'"
    [[nodiscard]] std::string what() const;
};

// Applies the file to `state`: its global lines for the options not in `given` (the
// long names given on the command line), its link blocks in order.
[[nodiscard]] std::optional<ConfigError>
apply_config(const ConfigText& config, ParseState& state,
             const std::set<std::string, std::less<>>& given);

struct Options;
// What --check-config prints for a good file: that it is good, the upstream and each
// link block with what it sets.
[[nodiscard]] std::string config_summary(const Options& options);

} // namespace ecmh::app
