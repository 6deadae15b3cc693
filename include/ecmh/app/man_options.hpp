// SPDX-License-Identifier: BSD-3-Clause
// The option list of doc/ecmh.8, generated from the option table: the roff text between
// the BEGIN and END GENERATED OPTIONS comments there (tests/check_man_options.sh).
#pragma once

#include <string>

namespace ecmh::app {

[[nodiscard]] std::string man_options_text();

} // namespace ecmh::app
