// SPDX-License-Identifier: BSD-3-Clause
// A small JSON writer for the control socket's --json replies (doc/control.md): objects,
// arrays, strings, unsigned and signed integers, booleans and null, written in order into
// a string. Commas and nesting are tracked here, so a renderer cannot produce a
// misplaced comma; strings are escaped per RFC 8259 §7 (quote, backslash and every
// control character), so an interface name or a message can hold any byte but still
// yields valid JSON. Output is compact: one line, no spaces.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ecmh::report {

class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    // The name of the next member; only inside an object.
    JsonWriter& key(std::string_view name);
    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(std::uint64_t number);
    JsonWriter& value(std::int64_t number);
    JsonWriter& value(bool flag);
    JsonWriter& null();
    // key(name).value(v) in one call.
    template <class T>
    JsonWriter& member(std::string_view name, const T& v) {
        return key(name).value(v);
    }

    // The text written so far (complete once every object and array is closed).
    [[nodiscard]] const std::string& text() const { return out_; }
    [[nodiscard]] bool complete() const { return nesting_.empty() && !out_.empty(); }

private:
    void before_value();

    std::string out_;
    // Per open container: whether it holds a member yet (a comma goes before the next).
    std::vector<bool> nesting_;
    bool after_key_ = false;
};

// `text` as a JSON string literal, quotes included.
[[nodiscard]] std::string json_quote(std::string_view text);

} // namespace ecmh::report
