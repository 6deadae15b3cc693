// SPDX-License-Identifier: BSD-3-Clause
// Telling the service manager how the daemon is doing: systemd's readiness protocol
// (sd_notify(3), Type=notify), through libsystemd. The protocol itself is a datagram of
// "KEY=value" lines to the socket named by $NOTIFY_SOCKET, but libsystemd also knows its
// abstract-socket form, passes the sender's credentials and follows future changes of the
// protocol, so ecmh does not speak it by hand.
//
// Without $NOTIFY_SOCKET (started by an init script, by hand, or by systemd with another
// Type=) every call does nothing and succeeds. Built without libsystemd (ECMH_SYSTEMD off)
// the interface is the same and does nothing either; only when $NOTIFY_SOCKET is set does
// ready() say, once, that nothing can be sent. A failure is returned as text for the log,
// never fatal: the daemon serves its links whatever the service manager hears.
//
// sd_notify opens a socket for each message and needs nothing but the socket's path (and
// the right to write to it), so it works after the daemon dropped root.
#pragma once

#include "ecmh/io/sys_error.hpp"

#include <string>
#include <string_view>
#include <sys/types.h>

namespace ecmh::io {

class ServiceNotifier {
public:
    // True when this build sends notifications (linked with libsystemd).
    static const bool kAvailable;

    // Reads $NOTIFY_SOCKET now; the messages go where it pointed then.
    ServiceNotifier();

    // READY=1 with STATUS=: startup is complete and the daemon serves.
    [[nodiscard]] SysResult<Done> ready(std::string_view status);
    // RELOADING=1 with MONOTONIC_USEC= (CLOCK_MONOTONIC now, in µs), which systemd 253 and
    // later require with RELOADING=1 (Type=notify-reload) and older versions ignore.
    [[nodiscard]] SysResult<Done> reloading();
    // READY=1 with STATUS= after a reload: the service is back in service.
    [[nodiscard]] SysResult<Done> ready_after_reload(std::string_view status);
    // STATUS=: one line for `systemctl status`. Not sent again while it is unchanged.
    [[nodiscard]] SysResult<Done> status(std::string_view text);
    // STOPPING=1: the daemon is shutting down.
    [[nodiscard]] SysResult<Done> stopping();
    // MAINPID=: from the process systemd started, names the one that will notify from now
    // on (the daemonized child; NotifyAccess=main accepts only the main process).
    [[nodiscard]] SysResult<Done> main_pid(pid_t pid);

    // $NOTIFY_SOCKET was set (whether or not this build can use it).
    [[nodiscard]] bool wanted() const { return wanted_; }

    // The destructor of a notifier that said READY=1 and not STOPPING=1 says STOPPING=1,
    // so the service manager never waits on a daemon that left by another path.
    ~ServiceNotifier();
    ServiceNotifier(const ServiceNotifier&) = delete;
    ServiceNotifier& operator=(const ServiceNotifier&) = delete;

private:
    [[nodiscard]] SysResult<Done> send(const std::string& message);

    bool wanted_ = false;
    std::string socket_; // $NOTIFY_SOCKET, for error messages
    bool said_unavailable_ = false;
    bool serving_ = false; // READY=1 said, STOPPING=1 not yet
    std::string last_status_;
};

} // namespace ecmh::io
