// SPDX-License-Identifier: BSD-3-Clause
// A strict JSON syntax check (RFC 8259), independent of report/json_writer: tests use it
// to show that what the writer and the renderers produce parses.
#pragma once

#include <string_view>

namespace ecmh::test {

// Whether `text` is exactly one JSON value (surrounding whitespace allowed).
[[nodiscard]] bool valid_json(std::string_view text);

} // namespace ecmh::test
