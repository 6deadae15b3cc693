// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/sys_error.hpp"

#include <cerrno>
#include <cstring>

namespace ecmh::io {

std::string SysError::message() const {
    if (!detail.empty()) {
        return what + ": " + detail;
    }
    if (code != 0) {
        return what + ": " + std::strerror(code);
    }
    return what;
}

SysError last_error(std::string what) {
    return SysError{std::move(what), errno, {}};
}

} // namespace ecmh::io
