// SPDX-License-Identifier: BSD-3-Clause
// The running options as text for `ecmhctl show config`: one "option value" line (a
// flag alone) per long option whose value differs from its default, in the order of
// --help. A stand-in until the configuration file's canonical form replaces it.
#pragma once

#include "ecmh/app/options.hpp"

#include <string>

namespace ecmh::app {

[[nodiscard]] std::string options_text(const Options& options);

} // namespace ecmh::app
