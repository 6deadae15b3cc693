#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.notify: systemd's readiness protocol (Type=notify), with this test as the service
manager: it binds the notify socket, sets NOTIFY_SOCKET for ecmh as systemd does, and
reads what ecmh says, with the sender's pid and uid (SCM_CREDENTIALS), as systemd does.

 - ecmh -f -i up0 (the unit's way): READY=1 arrives once, from ecmh's pid, when its pid
   file is written (it serves), with STATUS "serving 3 links, upstream up0";
 - a link that goes away updates STATUS; SIGHUP gives RELOADING=1 with MONOTONIC_USEC
   (CLOCK_MONOTONIC, µs) and then READY=1; SIGTERM gives STOPPING=1; every message comes
   from the main pid (NotifyAccess=main would drop any other);
 - ecmh -i up0 -u nobody without -f: the process started names its daemon with MAINPID=
   before the daemon says anything, and the daemon, as uid 65534, says READY=1.
Skips (77) when ecmh was built without libsystemd (it then logs that it cannot notify).
"""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools"))
import netns  # noqa: E402
from netns import SOON, check, log, wait_until  # noqa: E402
from notify_socket import NotifySocket  # noqa: E402

NOBODY = 65534


def messages_with(manager, key, value=None, pid=None):
    return [m for m in manager.snapshot()
            if m.get(key) is not None and (value is None or m.get(key) == value)
            and (pid is None or m.pid == pid)]


def wait_message(manager, key, value=None, pid=None, count=1, what=None):
    def seen():
        found = messages_with(manager, key, value, pid)
        return found if len(found) >= count else None
    wanted = f"{key}={value if value is not None else '*'}"
    return wait_until(seen, SOON, what or f"{wanted} (#{count}) on the notify socket",
                      detail=lambda: manager.snapshot())[count - 1]


def foreground(topo, args, manager):
    ecmh = netns.Ecmh(topo, args.ecmh, ["-i", "up0", *(args.ecmh_arg or [])])
    manager.watch = ecmh.pidfile
    wait_until(lambda: messages_with(manager, "READY") or "without libsystemd" in ecmh.log_text(),
               SOON, "READY=1 after the start", detail=lambda: manager.snapshot())
    if "without libsystemd" in ecmh.log_text():
        netns.skip("this ecmh was built without libsystemd")
    ready = messages_with(manager, "READY")[0]
    log(f"first message: {ready}")
    check(ready.pid == ecmh.pid, f"READY=1 from pid {ready.pid}, not ecmh's {ecmh.pid}")
    check(ready.watched, "READY=1 came before ecmh wrote its pid file (before it served)")
    check(ready.get("STATUS") == "serving 3 links, upstream up0",
          f"STATUS with READY=1: {ready.get('STATUS')!r}")

    log("dn2 goes away: STATUS follows")
    topo.ip("-n", topo.ns("rtr"), "link", "del", "dn2")
    wait_message(manager, "STATUS", "serving 2 links, upstream up0", pid=ecmh.pid)

    log("SIGHUP: RELOADING=1 … READY=1")
    before_usec = int(time.monotonic() * 1e6)  # CLOCK_MONOTONIC, as ecmh's
    ecmh.signal(signal.SIGHUP)
    reloading = wait_message(manager, "RELOADING", "1", pid=ecmh.pid)
    after_usec = int(time.monotonic() * 1e6)
    usec = int(reloading.get("MONOTONIC_USEC") or -1)
    check(before_usec <= usec <= after_usec,
          f"MONOTONIC_USEC={usec} is not CLOCK_MONOTONIC between {before_usec} and {after_usec}")
    wait_message(manager, "READY", "1", pid=ecmh.pid, count=2, what="READY=1 after the reload")
    sequence = manager.snapshot()
    check(sequence.index(reloading) < sequence.index(messages_with(manager, "READY")[1]),
          f"READY=1 before RELOADING=1: {sequence}")

    log("SIGTERM: STOPPING=1")
    check(ecmh.stop() == 0, "ecmh did not exit 0 on SIGTERM")
    wait_message(manager, "STOPPING", "1", pid=ecmh.pid)
    strangers = [m for m in manager.snapshot() if m.pid != ecmh.pid]
    check(not strangers, f"messages from other pids than ecmh's {ecmh.pid}: {strangers}")
    check("service manager:" not in ecmh.log_text(), "ecmh logged a notification failure")


def daemonized(topo, args, manager):
    pidfile, dumpfile = topo.path("daemon.pid"), topo.path("daemon.dump")
    manager.watch = pidfile
    argv = [args.ecmh, "-i", "up0", "-u", "nobody", "--pidfile", pidfile, "--dumpfile",
            dumpfile, *netns.ECMH_TIMER_ARGS, *(args.ecmh_arg or [])]
    log("ecmh without -f, -u nobody")
    starter = topo.spawn("rtr", argv, "ecmh-starter")  # `ip netns exec` execs ecmh itself
    check(starter.wait(SOON) == 0, f"`ecmh` (daemon mode) exited with {starter.returncode()}: "
          f"{starter.output()}")
    with open(pidfile) as f:
        daemon = int(f.read().strip())
    topo.adopt(daemon, args.ecmh)
    ready = wait_message(manager, "READY", "1", what="the daemon's READY=1")
    messages = manager.snapshot()
    log(f"messages: {messages}")
    check(messages[0].pid == starter.pid and messages[0].get("MAINPID") == str(daemon),
          f"the first message must be MAINPID={daemon} from the started pid {starter.pid}")
    check(ready.pid == daemon and ready.uid == NOBODY,
          f"READY=1 from pid {ready.pid} uid {ready.uid}, not the daemon {daemon} as nobody")
    check(ready.watched, "READY=1 came before the daemon wrote its pid file")
    os.kill(daemon, signal.SIGTERM)
    wait_message(manager, "STOPPING", "1", pid=daemon)
    wait_until(lambda: not netns.process_running(daemon), SOON, "the daemon to exit")


def body(args):
    topo = netns.standard_topology("notify")
    path = topo.path("notify")
    manager = NotifySocket(path)
    os.environ["NOTIFY_SOCKET"] = path  # for every ecmh this test starts
    try:
        foreground(topo, args, manager)
    finally:
        manager.close()
    manager = NotifySocket(path)
    try:
        daemonized(topo, args, manager)
    finally:
        manager.close()


if __name__ == "__main__":
    netns.main("notify", body)
