// SPDX-License-Identifier: BSD-3-Clause
// Reads a small configuration file (the tunnel peers file) whole. A file larger than
// `limit` is refused rather than read into memory: a configuration file that size is a
// mistake (the wrong path), not configuration.
#pragma once

#include "ecmh/io/sys_error.hpp"

#include <cstddef>
#include <string>

namespace ecmh::io {

[[nodiscard]] SysResult<std::string> read_text_file(const std::string& path,
                                                    std::size_t limit = 16U << 20U);

} // namespace ecmh::io
