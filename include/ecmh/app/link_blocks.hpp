// SPDX-License-Identifier: BSD-3-Clause
// The configuration file's link blocks (doc/ecmh.conf.5): "link PATTERN" followed by
// settings for the interfaces whose names match the fnmatch(3) pattern ("eth1",
// "eth*", "wg[0-3]"). An interface takes the settings of every block that matches it,
// in file order, a later value replacing an earlier one; policy lines (allow, deny,
// boundary) of all matching blocks add up.
//
//   role upstream|downstream|disabled        mld-version 1|2      igmp-version 1|2|3
//   querier-rule on|off                      robustness N         query-interval DUR
//   query-response-interval DUR              last-listener-query-interval DUR
//   unsolicited-report-interval DUR          max-groups N         max-sources N
//   max-membership-rate N
//   allow|deny GROUP[/LEN] [source SOURCE[/LEN]]
//   boundary PREFIX | boundary scope N
//   serve PREFIX...                          (an upstream's groups)
//
// Parsing checks every value once, when the file is read; resolving an interface's
// settings then cannot fail.
#pragma once

#include "ecmh/engine/link.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecmh::app {

enum class LinkRoleSetting : std::uint8_t { Downstream, Upstream, Disabled };

// One setting line of a block, as written (its value checked when it was read).
struct LinkSettingLine {
    std::string keyword;
    std::vector<std::string> values;
    std::size_t line = 0;
    // The values as written, separated by one blank ("239.1.0.0/16 source 192.0.2.1").
    [[nodiscard]] std::string values_text() const {
        std::string text;
        for (const auto& v : values) {
            text += (text.empty() ? "" : " ") + v;
        }
        return text;
    }
    friend bool operator==(const LinkSettingLine&, const LinkSettingLine&) = default;
};

struct LinkBlock {
    std::string pattern;
    std::size_t line = 0;
    std::vector<LinkSettingLine> settings;
    friend bool operator==(const LinkBlock&, const LinkBlock&) = default;
};

struct Options;

// Checks one line of a link block; the message when it is wrong.
[[nodiscard]] std::optional<std::string> check_link_setting(const LinkSettingLine& setting,
                                                            const Options& base);
// Checks a whole block's timers on top of the global options (`base`): the Query Response
// Interval must stay below the Query Interval (RFC 3810 §9.3, RFC 3376 §8.3).
[[nodiscard]] std::optional<std::string> check_link_timers(const LinkBlock& block,
                                                           const Options& base);
// The same rule for timers as resolved (several blocks may combine into a bad pair).
[[nodiscard]] std::optional<std::string> timers_error(const proto::ProtocolVariables& timers);
// Whether `keyword` may appear in a link block.
[[nodiscard]] bool is_link_keyword(std::string_view keyword);

// The role the blocks give `interface`, when one does.
[[nodiscard]] std::optional<LinkRoleSetting> configured_role(const Options& options,
                                                             std::string_view interface);
// Every upstream: `upstream` (-i, or the first `role upstream` block), then the file's
// others, each once.
[[nodiscard]] std::vector<std::string> upstream_names(const Options& options);
// The groups each upstream serves: its blocks' `serve` lines (none: every group).
[[nodiscard]] std::vector<engine::UpstreamServes> upstream_serves(const Options& options);
// The settings of `interface`: the blocks' on top of the global options, complete.
[[nodiscard]] engine::LinkSettings link_settings(const Options& options,
                                                 std::string_view interface);
// The blocks whose pattern matches none of `interfaces` (the names that exist now): a
// misspelt name, or a link that is not there yet (ppp0 before it dials). For the log
// and --check-config.
[[nodiscard]] std::vector<LinkBlock> unmatched_blocks(const Options& options,
                                                      const std::vector<std::string>& interfaces);
// Whether the fnmatch(3) pattern matches the interface name.
[[nodiscard]] bool pattern_matches(const std::string& pattern, std::string_view interface);

} // namespace ecmh::app
