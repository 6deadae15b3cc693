// SPDX-License-Identifier: BSD-3-Clause
// What a failed system call tells an operator: which call, on what, and errno's text.
// io functions return net::Expected<T, SysError> instead of throwing.
#pragma once

#include "ecmh/net/expected.hpp"

#include <string>
#include <utility>

namespace ecmh::io {

struct SysError {
    std::string what;   // "socket(AF_NETLINK)", "open /var/run/ecmh.pid", "pcap_activate eth0"
    int code = 0;       // errno, or 0 when `detail` says it all
    std::string detail; // extra text (libpcap's error buffer); empty when errno says it

    // "what: detail" or "what: strerror(code)".
    [[nodiscard]] std::string message() const;
};

// A SysError from the current errno.
[[nodiscard]] SysError last_error(std::string what);

template <class T>
using SysResult = net::Expected<T, SysError>;

// For calls that return nothing on success.
struct Done {};

} // namespace ecmh::io
