// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/unique_fd.hpp"

#include <unistd.h>

namespace ecmh::io {

void UniqueFd::reset(int fd) {
    if (fd_ >= 0) {
        ::close(fd_);
    }
    fd_ = fd;
}

} // namespace ecmh::io
