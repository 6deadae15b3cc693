// SPDX-License-Identifier: BSD-3-Clause
// A file descriptor that closes itself: move-only, and the raw number is reached only
// through get(), so an fd is never leaked on an error path nor closed twice.
#pragma once

#include <utility>

namespace ecmh::io {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) {
            reset(std::exchange(other.fd_, -1));
        }
        return *this;
    }

    [[nodiscard]] int get() const { return fd_; }
    [[nodiscard]] bool valid() const { return fd_ >= 0; }
    explicit operator bool() const { return valid(); }
    [[nodiscard]] int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1); // closes the current fd (EINTR is not retried: Linux closed it)

private:
    int fd_ = -1;
};

} // namespace ecmh::io
