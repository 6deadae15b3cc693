// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/config_file.hpp"

#include "ecmh/app/link_blocks.hpp"
#include "ecmh/app/options.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace ecmh::app {
namespace {

// Options that make no sense in a file: they choose what the command does.
constexpr std::array<std::string_view, 4> kCommandOnly{"help", "version", "config", "check-config"};
// Longer lines are a mistake (a binary file), not configuration.
constexpr std::size_t kMaxLine = 4096;

struct Line {
    std::size_t number = 0;
    std::string keyword;
    std::vector<std::string> values;
};

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

// Splits a line into words; a '#' at the start of a word starts a comment. A control
// character or a byte that is no printable ASCII outside a comment is an error: a
// keyword or value with one is always a mistake.
std::optional<std::string> split(std::string_view text, std::vector<std::string>& words) {
    std::size_t i = 0;
    while (i < text.size()) {
        if (is_blank(text[i])) {
            ++i;
            continue;
        }
        if (text[i] == '#') {
            break;
        }
        std::string word;
        for (; i < text.size() && !is_blank(text[i]); ++i) {
            const auto c = static_cast<unsigned char>(text[i]);
            if (c < 0x20 || c >= 0x7f) {
                return "a character that is no printable ASCII (byte " + std::to_string(c) + ")";
            }
            word += text[i];
        }
        words.push_back(std::move(word));
    }
    return std::nullopt;
}

const OptionDescriptor* global_option(std::string_view keyword) {
    if (std::find(kCommandOnly.begin(), kCommandOnly.end(), keyword) != kCommandOnly.end()) {
        return nullptr;
    }
    return option_named(keyword);
}

class Reader {
public:
    Reader(const ConfigText& config, ParseState& state,
           const std::set<std::string, std::less<>>& given)
        : config_(config), state_(state), given_(given) {}

    std::optional<ConfigError> read() {
        std::size_t number = 0;
        std::string_view rest = config_.text;
        while (!rest.empty()) {
            const auto end = rest.find('\n');
            const auto text = rest.substr(0, end);
            rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
            ++number;
            if (auto error = line(number, text)) {
                return error;
            }
        }
        return finish();
    }

private:
    [[nodiscard]] ConfigError fail(std::size_t number, std::string message) const {
        return ConfigError{config_.path, number, std::move(message)};
    }

    std::optional<ConfigError> line(std::size_t number, std::string_view text) {
        if (text.size() > kMaxLine) {
            return fail(number, "line longer than " + std::to_string(kMaxLine) + " bytes");
        }
        std::vector<std::string> words;
        if (auto error = split(text, words)) {
            return fail(number, *error);
        }
        if (words.empty()) {
            return std::nullopt;
        }
        Line l{number, words.front(), {words.begin() + 1, words.end()}};
        if (l.keyword == "link") {
            return open_block(l);
        }
        if (!state_.options.link_blocks.empty()) {
            return block_line(l);
        }
        return global_line(l);
    }

    // The block that ends here: its timers together (a line alone cannot say).
    [[nodiscard]] std::optional<ConfigError> close_block() const {
        if (state_.options.link_blocks.empty()) {
            return std::nullopt;
        }
        const auto& block = state_.options.link_blocks.back();
        auto error = check_link_timers(block, state_.options);
        if (!error) {
            return std::nullopt;
        }
        std::size_t line = block.line;
        for (const auto& s : block.settings) {
            if (s.keyword.find("interval") != std::string::npos) {
                line = s.line; // the last timer line, where the pair went wrong
            }
        }
        return fail(line, *error + " in the block of 'link " + block.pattern + "'");
    }

    std::optional<ConfigError> open_block(const Line& l) {
        if (auto error = close_block()) {
            return error;
        }
        if (l.values.size() != 1) {
            return fail(l.number, "'link' takes one interface name or pattern (eth1, eth*)");
        }
        if (l.values[0].size() > 64) {
            return fail(l.number, "interface pattern longer than 64 characters");
        }
        state_.options.link_blocks.push_back(LinkBlock{l.values[0], l.number, {}});
        return std::nullopt;
    }

    std::optional<ConfigError> block_line(const Line& l) {
        LinkSettingLine setting{l.keyword, l.values, l.number};
        if (auto error = check_link_setting(setting, state_.options)) {
            return fail(l.number, *error);
        }
        auto& block = state_.options.link_blocks.back();
        if (l.keyword == "role" && l.values[0] == "upstream") {
            if (auto error = set_block_upstream(block, l)) {
                return error;
            }
        }
        block.settings.push_back(std::move(setting));
        return std::nullopt;
    }

    // "link ppp0 / role upstream" is "upstream ppp0" for the first upstream, named
    // exactly; later ones are further upstreams, each serving its `serve` prefixes. An
    // upstream given on the command line (-i) replaces the file's.
    std::optional<ConfigError> set_block_upstream(const LinkBlock& block, const Line& l) {
        if (block.pattern.find_first_of("*?[") != std::string::npos) {
            return fail(l.number, "'role upstream' needs an exact interface name, not the "
                                  "pattern '" +
                                      block.pattern + "'");
        }
        auto& o = state_.options;
        if (given_.contains("upstream")) {
            return std::nullopt; // the command line wins
        }
        if (!o.upstream) {
            o.upstream = block.pattern;
        } else if (*o.upstream != block.pattern &&
                   std::find(o.more_upstreams.begin(), o.more_upstreams.end(), block.pattern) ==
                       o.more_upstreams.end()) {
            o.more_upstreams.push_back(block.pattern);
        }
        return std::nullopt;
    }

    std::optional<ConfigError> global_line(const Line& l) {
        if (is_link_keyword(l.keyword) && global_option(l.keyword) == nullptr) {
            return fail(l.number, "'" + l.keyword +
                                      "' is a link setting: put it in a 'link' "
                                      "block ('link *' for every link)");
        }
        const auto* option = global_option(l.keyword);
        if (option == nullptr) {
            return fail(l.number, "unknown setting '" + l.keyword + "'");
        }
        const bool flag = option->argument.empty();
        if (flag && !l.values.empty()) {
            return fail(l.number, "'" + l.keyword + "' takes no value");
        }
        if (!flag && l.values.size() != 1) {
            return fail(l.number, "'" + l.keyword + "' takes one value (" +
                                      std::string(option->argument) + ")");
        }
        if (given_.contains(l.keyword)) {
            return std::nullopt; // the command line wins
        }
        const OptionValue value{flag ? std::string_view{} : std::string_view{l.values[0]},
                                l.keyword};
        if (auto error = option->apply(state_, value)) {
            return fail(l.number, *error);
        }
        return std::nullopt;
    }

    [[nodiscard]] std::optional<ConfigError> finish() const {
        if (auto error = close_block()) {
            return error;
        }
        if (auto error = check_upstream_roles()) {
            return error;
        }
        if (auto error = check_serve_lines()) {
            return error;
        }
        return check_one_upstream_per_group();
    }

    // An upstream a block gives another role than upstream contradicts itself.
    [[nodiscard]] std::optional<ConfigError> check_upstream_roles() const {
        const auto& o = state_.options;
        for (const auto& name : upstream_names(o)) {
            for (const auto& block : o.link_blocks) {
                if (!pattern_matches(block.pattern, name)) {
                    continue;
                }
                for (const auto& s : block.settings) {
                    if (s.keyword == "role" && s.values[0] != "upstream") {
                        return fail(s.line, "the upstream '" + name + "' cannot have the role " +
                                                s.values[0]);
                    }
                }
            }
        }
        return std::nullopt;
    }

    // `serve` belongs to an upstream's own block: a pattern, or a link that is not an
    // upstream, would leave it unclear whose groups they are.
    [[nodiscard]] std::optional<ConfigError> check_serve_lines() const {
        const auto& o = state_.options;
        const auto names = upstream_names(o);
        for (const auto& block : o.link_blocks) {
            for (const auto& s : block.settings) {
                if (s.keyword == "serve" &&
                    std::find(names.begin(), names.end(), block.pattern) == names.end()) {
                    return fail(s.line, "'serve' is for an upstream: '" + block.pattern +
                                            "' is not one (give it 'role upstream', or name "
                                            "the upstream exactly)");
                }
            }
        }
        return std::nullopt;
    }

    // "No loops: a group is never served by two upstreams" (the longest prefix wins, so
    // only an equal prefix, or two upstreams without `serve`, could give it two).
    [[nodiscard]] std::optional<ConfigError> check_one_upstream_per_group() const {
        const auto& o = state_.options;
        const auto serves = upstream_serves(o);
        for (std::size_t i = 0; i < serves.size(); ++i) {
            for (std::size_t j = 0; j < i; ++j) {
                if (auto clash = shared_prefix(serves[j], serves[i])) {
                    return fail(block_line(serves[i].link), "'" + serves[j].link + "' and '" +
                                                                serves[i].link + "' both serve " +
                                                                *clash);
                }
            }
        }
        return std::nullopt;
    }

    // What both serve and what to do about it, as text; nullopt when nothing.
    static std::optional<std::string> shared_prefix(const engine::UpstreamServes& a,
                                                    const engine::UpstreamServes& b) {
        const auto every = [](const engine::UpstreamServes& u) {
            return u.mld.empty() && u.igmp.empty();
        };
        if (every(a) && every(b)) {
            return std::string("every group (neither has a 'serve' line): give each upstream "
                               "but one the groups it serves ('serve PREFIX...')");
        }
        constexpr std::string_view kOne = ": a group has one upstream (give the prefix to one "
                                          "of them)";
        for (const auto& p : b.mld) {
            if (std::find(a.mld.begin(), a.mld.end(), p) != a.mld.end()) {
                return p.to_string() + std::string(kOne);
            }
        }
        for (const auto& p : b.igmp) {
            if (std::find(a.igmp.begin(), a.igmp.end(), p) != a.igmp.end()) {
                return p.to_string() + std::string(kOne);
            }
        }
        return std::nullopt;
    }

    // The line of the last block that names `link` exactly (0: none, an upstream given
    // by -i or the `upstream` line only).
    [[nodiscard]] std::size_t block_line(const std::string& link) const {
        std::size_t line = 0;
        for (const auto& block : state_.options.link_blocks) {
            if (block.pattern == link) {
                line = block.line;
            }
        }
        return line;
    }

    const ConfigText& config_;
    ParseState& state_;
    const std::set<std::string, std::less<>>& given_;
};

} // namespace

std::string ConfigError::what() const {
    return path + (line > 0 ? ":" + std::to_string(line) : std::string{}) + ": " + message;
}

std::string config_summary(const Options& options) {
    std::string text = options.config_file.value_or("(no file)") + ": good\n";
    const auto serves = upstream_serves(options);
    if (serves.empty()) {
        text += "  upstream: none (every link is downstream)\n";
    }
    for (const auto& u : serves) {
        text += "  upstream: " + u.link;
        if (serves.size() > 1 || !u.mld.empty() || !u.igmp.empty()) {
            std::string groups;
            for (const auto& p : u.mld) {
                groups += " " + p.to_string();
            }
            for (const auto& p : u.igmp) {
                groups += " " + p.to_string();
            }
            text += ", serves" + (groups.empty() ? std::string(" every other group") : groups);
        }
        text += "\n";
    }
    for (const auto& block : options.link_blocks) {
        text += "  link " + block.pattern + " (line " + std::to_string(block.line) + "):";
        if (block.settings.empty()) {
            text += " nothing set";
        }
        for (const auto& s : block.settings) {
            text += (&s == &block.settings.front() ? " " : ", ") + s.keyword;
            text += s.values.empty() ? "" : " " + s.values_text();
        }
        text += "\n";
    }
    return text;
}

std::optional<ConfigError> apply_config(const ConfigText& config, ParseState& state,
                                        const std::set<std::string, std::less<>>& given) {
    return Reader{config, state, given}.read();
}

} // namespace ecmh::app
