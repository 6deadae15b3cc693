// SPDX-License-Identifier: BSD-3-Clause
// The option table is complete and consistent: names unique, every option documented in
// --help and in the man page's option list, every group listed.
#include "ecmh/app/man_options.hpp"
#include "ecmh/app/option_table.hpp"
#include "ecmh/app/options.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <set>
#include <sstream>
#include <string>

using namespace ecmh::app;

namespace {

// Runs of blanks and newlines as one space: --help wraps the sentences.
std::string one_line(const std::string& text) {
    std::istringstream in{text};
    std::string out;
    for (std::string word; in >> word;) {
        out += (out.empty() ? "" : " ") + word;
    }
    return out;
}

} // namespace

TEST(OptionTable, NamesAreUniqueAndEveryOptionDoesSomething) {
    std::set<std::string> long_names;
    std::set<char> letters;
    for (const auto& d : option_table()) {
        EXPECT_TRUE(long_names.insert(d.long_name).second) << d.long_name;
        if (d.short_name != '\0') {
            EXPECT_TRUE(letters.insert(d.short_name).second) << d.long_name;
        }
        EXPECT_NE(d.apply, nullptr) << d.long_name;
        EXPECT_FALSE(d.help.empty()) << d.long_name;
        EXPECT_FALSE(d.manual.empty()) << d.long_name;
    }
}

TEST(OptionTable, EveryOptionIsInExactlyOneListedGroup) {
    std::size_t listed = 0;
    for (const auto& group : option_groups()) {
        EXPECT_FALSE(options_in(group.group).empty()) << group.man_heading;
        listed += options_in(group.group).size();
    }
    EXPECT_EQ(listed, option_table().size());
}

TEST(UsageText, EveryDescriptorAppearsWithItsArgumentAndHelp) {
    const auto text = one_line(usage_text("ecmh"));
    for (const auto& d : option_table()) {
        std::string tag = std::string("--") + d.long_name;
        if (d.short_name != '\0') {
            tag = std::string("-") + d.short_name + ", " + tag;
        }
        if (!d.argument.empty()) {
            tag += " " + std::string(d.argument);
        }
        EXPECT_NE(text.find(tag + " " + std::string(d.help)), std::string::npos) << tag;
    }
    for (const auto& group : option_groups()) {
        EXPECT_NE(text.find(group.help_heading), std::string::npos) << group.help_heading;
    }
}

TEST(UsageText, NoLineIsWiderThanATerminal) {
    std::istringstream lines{usage_text("ecmh")};
    for (std::string line; std::getline(lines, line);) {
        // Columns, not bytes: a UTF-8 continuation byte ("§" has one) takes none.
        const auto width = std::count_if(line.begin(), line.end(), [](char c) {
            return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
        });
        EXPECT_LE(width, 80) << line;
    }
}

TEST(ManOptions, EveryDescriptorHasItsTagAndParagraph) {
    const auto text = man_options_text();
    for (const auto& d : option_table()) {
        std::string name = std::string("\\-\\-") + d.long_name;
        for (auto at = name.find('-', 4); at != std::string::npos; at = name.find('-', at + 2)) {
            name.insert(at, "\\");
        }
        const auto tag = text.find(name);
        ASSERT_NE(tag, std::string::npos) << d.long_name;
        EXPECT_NE(text.find(std::string(d.manual), tag), std::string::npos) << d.long_name;
    }
    for (const auto& group : option_groups()) {
        EXPECT_NE(text.find(".SS \"" + std::string(group.man_heading) + "\""), std::string::npos);
    }
}
