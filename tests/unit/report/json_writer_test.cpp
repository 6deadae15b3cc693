// SPDX-License-Identifier: BSD-3-Clause
// The JSON writer: nesting and commas, and strings escaped so any bytes stay valid JSON.
#include "ecmh/report/json_writer.hpp"
#include "support/json_check.hpp"

#include <gtest/gtest.h>

using ecmh::report::json_quote;
using ecmh::report::JsonWriter;
using ecmh::test::valid_json;

TEST(JsonWriter, WritesNestedObjectsAndArraysWithCommas) {
    JsonWriter w;
    w.begin_object().member("name", "d1").member("mtu", std::uint64_t{1500});
    w.member("delta", std::int64_t{-3}).member("up", true);
    w.key("none").null();
    w.key("list").begin_array().value("a").begin_object().end_object().begin_array().end_array();
    w.value(false).end_array().end_object();
    EXPECT_TRUE(w.complete());
    EXPECT_EQ(w.text(), R"({"name":"d1","mtu":1500,"delta":-3,"up":true,"none":null,)"
                        R"("list":["a",{},[],false]})");
    EXPECT_TRUE(valid_json(w.text()));
}

TEST(JsonWriter, IsIncompleteWhileAContainerIsOpen) {
    JsonWriter w;
    EXPECT_FALSE(w.complete());
    w.begin_array();
    EXPECT_FALSE(w.complete());
    w.end_array();
    EXPECT_TRUE(w.complete());
}

TEST(JsonWriter, EscapesQuotesBackslashesAndEveryControlCharacter) {
    EXPECT_EQ(json_quote("a\"b\\c"), R"("a\"b\\c")");
    EXPECT_EQ(json_quote("\n\r\t"), R"("\n\r\t")");
    EXPECT_EQ(json_quote(std::string_view("\0\x01\x1f\x7f", 4)), R"("\u0000\u0001\u001f\u007f")");
    // Every byte value: the result is a valid JSON string with no raw control byte.
    std::string all;
    for (int b = 0; b < 256; ++b) {
        all += static_cast<char>(b);
    }
    const auto quoted = json_quote(all);
    for (const char c : quoted) {
        EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20) << "raw control byte";
    }
    JsonWriter w;
    w.begin_object().member("ascii", all.substr(0, 128)).end_object();
    EXPECT_TRUE(valid_json(w.text())) << w.text();
}

TEST(JsonWriter, EscapesKeysToo) {
    JsonWriter w;
    w.begin_object().member("a\"b", "x").end_object();
    EXPECT_EQ(w.text(), R"({"a\"b":"x"})");
}

TEST(JsonCheck, RejectsWhatIsNotJson) {
    // The checker the tests rely on must itself tell good from bad.
    for (const char* bad : {"", "{", "{\"a\":1,}", "[1,]", "{\"a\" 1}", "\"\x01\"", "01", "tru",
                            "{} {}", "\"\\x\""}) {
        EXPECT_FALSE(valid_json(bad)) << bad;
    }
    for (const char* good : {"{}", "[]", "0", "-1.5e3", "\"\\u00e9\"", "{\"a\":[null,true]}"}) {
        EXPECT_TRUE(valid_json(good)) << good;
    }
}
