// SPDX-License-Identifier: BSD-3-Clause
// The getopt_long tables are the option table, letter for letter.
#include "ecmh/app/getopt_table.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <string>

using namespace ecmh::app;

TEST(GetoptTable, ShortOptionStringMatchesTheTable) {
    const auto table = option_table();
    const auto getopt = make_getopt_table(table);
    // Built by hand from the descriptors: the letter, ':' when it takes a value.
    std::string expected = ":";
    for (const auto& d : table) {
        if (d.short_name != '\0') {
            expected += d.short_name;
            expected += d.argument.empty() ? "" : ":";
        }
    }
    EXPECT_EQ(getopt.short_options, expected);
    // The letters of the original ecmh and -c (--config), whatever the table's order.
    std::string letters;
    for (const char c : getopt.short_options) {
        letters += c == ':' ? "" : std::string(1, c);
    }
    std::sort(letters.begin(), letters.end());
    EXPECT_EQ(letters, "12PTVcfhiptuv");
}

TEST(GetoptTable, LongOptionsMatchTheTableInOrder) {
    const auto table = option_table();
    const auto getopt = make_getopt_table(table);
    ASSERT_EQ(getopt.long_options.size(), table.size() + 1);
    for (std::size_t i = 0; i < table.size(); ++i) {
        const auto& o = getopt.long_options[i];
        EXPECT_STREQ(o.name, table[i].long_name);
        EXPECT_EQ(o.has_arg, table[i].argument.empty() ? no_argument : required_argument) << o.name;
        EXPECT_EQ(o.flag, nullptr);
        EXPECT_EQ(find_descriptor(table, o.val), &table[i]) << o.name;
    }
    const auto& last = getopt.long_options.back();
    EXPECT_EQ(last.name, nullptr);
    EXPECT_EQ(last.val, 0);
}

TEST(GetoptTable, ShortFormAndLongFormAreOneCase) {
    const auto table = option_table();
    const auto getopt = make_getopt_table(table);
    for (std::size_t i = 0; i < table.size(); ++i) {
        const int code = getopt.long_options[i].val;
        if (table[i].short_name != '\0') {
            EXPECT_EQ(code, table[i].short_name) << table[i].long_name;
        } else {
            EXPECT_GE(code, kLongOnlyBase) << table[i].long_name;
        }
    }
}

TEST(GetoptTable, GetoptsOwnCodesHaveNoDescriptor) {
    const auto table = option_table();
    EXPECT_EQ(find_descriptor(table, ':'), nullptr);
    EXPECT_EQ(find_descriptor(table, '?'), nullptr);
    EXPECT_EQ(find_descriptor(table, 'x'), nullptr);
    EXPECT_EQ(find_descriptor(table, kLongOnlyBase + static_cast<int>(table.size())), nullptr);
}
