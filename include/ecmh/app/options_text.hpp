// SPDX-License-Identifier: BSD-3-Clause
// The running configuration as text for `ecmhctl show config`, in the configuration
// file's form (doc/ecmh.conf.5): one "option value" line (a flag alone) per long option
// whose value differs from its default, in the order of --help, then the link blocks.
// Read back as a file it gives the same configuration (the command line folded in).
#pragma once

#include "ecmh/app/options.hpp"

#include <string>

namespace ecmh::app {

[[nodiscard]] std::string options_text(const Options& options);

} // namespace ecmh::app
