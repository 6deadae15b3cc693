// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/io/service_notifier.hpp"

#include <cstdlib>
#include <ctime>

#ifdef ECMH_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace ecmh::io {
namespace {

// STATUS= is one line: a newline would end the field and start another one.
std::string one_line(std::string_view text) {
    std::string line(text);
    for (char& c : line) {
        if (c == '\n' || c == '\r') {
            c = ' ';
        }
    }
    return line;
}

std::string monotonic_usec() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const auto usec = static_cast<unsigned long long>(now.tv_sec) * 1000000ULL +
                      static_cast<unsigned long long>(now.tv_nsec) / 1000ULL;
    return std::to_string(usec);
}

} // namespace

#ifdef ECMH_HAVE_SYSTEMD
const bool ServiceNotifier::kAvailable = true;
#else
const bool ServiceNotifier::kAvailable = false;
#endif

ServiceNotifier::ServiceNotifier() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    if (socket != nullptr && *socket != '\0') {
        wanted_ = true;
        socket_ = socket;
    }
}

ServiceNotifier::~ServiceNotifier() {
    if (serving_) {
        (void)stopping();
    }
}

SysResult<Done> ServiceNotifier::ready(std::string_view status) {
    last_status_ = one_line(status);
    auto sent = send("READY=1\nSTATUS=" + last_status_);
    serving_ = wanted_;
    return sent;
}

SysResult<Done> ServiceNotifier::reloading() {
    return send("RELOADING=1\nMONOTONIC_USEC=" + monotonic_usec());
}

SysResult<Done> ServiceNotifier::ready_after_reload(std::string_view status) {
    last_status_ = one_line(status);
    return send("READY=1\nSTATUS=" + last_status_);
}

SysResult<Done> ServiceNotifier::status(std::string_view text) {
    auto line = one_line(text);
    if (line == last_status_) {
        return Done{};
    }
    last_status_ = std::move(line);
    return send("STATUS=" + last_status_);
}

SysResult<Done> ServiceNotifier::stopping() {
    serving_ = false;
    return send("STOPPING=1");
}

SysResult<Done> ServiceNotifier::main_pid(pid_t pid) {
    return send("MAINPID=" + std::to_string(pid));
}

SysResult<Done> ServiceNotifier::send(const std::string& message) {
    if (!wanted_) {
        return Done{};
    }
    if (!kAvailable) {
        if (said_unavailable_) {
            return Done{};
        }
        said_unavailable_ = true;
        return net::unexpected(SysError{"NOTIFY_SOCKET is set", 0,
                                        "this ecmh was built without libsystemd and cannot "
                                        "notify the service manager (use Type=simple)"});
    }
#ifdef ECMH_HAVE_SYSTEMD
    // 0: keep $NOTIFY_SOCKET, every later message needs it. sd_notify returns 0 when the
    // variable is unset (not here), > 0 when sent, -errno when it could not send.
    const int r = ::sd_notify(0, message.c_str());
    if (r < 0) {
        return net::unexpected(SysError{"sd_notify to " + socket_, -r, {}});
    }
#else
    (void)message;
#endif
    return Done{};
}

} // namespace ecmh::io
