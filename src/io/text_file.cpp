// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/text_file.hpp"

#include "ecmh/io/unique_fd.hpp"

#include <array>
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace ecmh::io {

SysResult<std::string> read_text_file(const std::string& path, std::size_t limit) {
    UniqueFd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (!fd) {
        return net::unexpected(last_error("open " + path));
    }
    std::string text;
    std::array<char, 65536> chunk{};
    while (true) {
        const ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return net::unexpected(last_error("read " + path));
        }
        if (n == 0) {
            return text;
        }
        text.append(chunk.data(), static_cast<std::size_t>(n));
        if (text.size() > limit) {
            return net::unexpected(
                SysError{"read " + path, 0, "larger than " + std::to_string(limit) + " bytes"});
        }
    }
}

} // namespace ecmh::io
