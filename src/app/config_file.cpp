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

    // "link ppp0 / role upstream" is "upstream ppp0": one upstream, named exactly.
    std::optional<ConfigError> set_block_upstream(const LinkBlock& block, const Line& l) {
        if (block.pattern.find_first_of("*?[") != std::string::npos) {
            return fail(l.number, "'role upstream' needs an exact interface name, not the "
                                  "pattern '" +
                                      block.pattern + "'");
        }
        const auto& upstream = state_.options.upstream;
        if (upstream && *upstream != block.pattern && !given_.contains("upstream")) {
            return fail(l.number, "a second upstream '" + block.pattern + "' ('" + *upstream +
                                      "' is the upstream already): ecmh has one upstream");
        }
        if (!upstream) {
            state_.options.upstream = block.pattern;
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

    // An upstream a block gives another role than upstream contradicts itself.
    [[nodiscard]] std::optional<ConfigError> finish() const {
        if (auto error = close_block()) {
            return error;
        }
        const auto& o = state_.options;
        if (!o.upstream) {
            return std::nullopt;
        }
        for (const auto& block : o.link_blocks) {
            if (!pattern_matches(block.pattern, *o.upstream)) {
                continue;
            }
            for (const auto& s : block.settings) {
                if (s.keyword == "role" && s.values[0] != "upstream") {
                    return fail(s.line, "the upstream '" + *o.upstream + "' cannot have the role " +
                                            s.values[0]);
                }
            }
        }
        return std::nullopt;
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
    text += "  upstream: " + options.upstream.value_or("none (every link is downstream)") + "\n";
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
