#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.operations: what an administrator does with the running daemon.

 - SIGUSR1: the dump file lists the groups with their links and counters, the
   interfaces up0 (upstream), dn1 and dn2 (downstream), and statistics; a later dump
   shows grown counters.
 - SIGHUP (rescan): the daemon keeps running and forwarding, links unchanged.
 - A second ecmh with the same pid file refuses to start (non-zero status, naming the
   running pid); the first keeps running and keeps its pid file.
 - SIGTERM: exit status 0, the pid file is gone, and the groups are left upstream
   (MLDv2 / IGMPv3 TO_IN {} seen by tcpdump in ns up).
 - `-u nobody`: the daemon runs as uid 65534 with only CAP_NET_RAW effective
   (CapEff 0000000000002000) and still forwards; on SIGTERM it exits 0 and removes or
   empties its pid file, on which a new ecmh then starts.
 - Without -f: `ecmh` returns 0 once the daemon runs, the pid file names it, SIGUSR1
   works, a second start fails naming the pid, SIGTERM ends it and removes the pid file.
"""

import os
import signal
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import (S1_4, S1_6, SOON, TO_IN, check, find_messages, log, summarize,
                   wait_until)  # noqa: E402

G6, G4 = "ff0e::7:1", "239.7.7.1"
G6_NOBODY = "ff0e::7:2"
PORT = 5007


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def body(args):
    topo = netns.standard_topology("operations")
    cap = netns.Capture(topo, "up")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    netns.Sender(topo, "up", G6, S1_6, PORT)
    netns.Sender(topo, "up", G4, S1_4, PORT)
    l1 = netns.Listener(topo, "h1", [G6, G4], PORT)
    l1.wait_count(20, G6, what=f"h1 to receive 20 datagrams of {G6}")
    l1.wait_count(20, G4, what=f"h1 to receive 20 datagrams of {G4}")

    # --- SIGUSR1
    log("SIGUSR1")
    dump = ecmh.dump()
    for name, role in (("up0", "upstream"), ("dn1", "downstream"), ("dn2", "downstream")):
        check(name in dump.interfaces, f"the dump does not list interface {name}")
        check(dump.interfaces[name].get("Role") == role,
              f"{name} should have Role {role}: {dump.interfaces[name]}")
        check(dump.interfaces[name].get("Index number") == str(topo.ifindex("rtr", name)),
              f"{name}'s index in the dump {dump.interfaces[name].get('Index number')} is "
              f"not the kernel's {topo.ifindex('rtr', name)}")
    for group in (G6, G4):
        check(dump.group_links(group) == {"dn1"},
              f"the dump should list {group} on dn1, lists {dump.group_links(group)}")
        g = dump.groups[group]
        check(g["packets"] and g["packets"] > 0 and g["bytes"] and g["bytes"] > 0,
              f"{group}: Packets/Bytes should count the forwarded stream: {g}")
    check(dump.stat("Interfaces Monitored") == 3,
          f"Interfaces Monitored should be 3: {dump.stats.get('Interfaces Monitored')}")
    check((dump.stat("Groups Managed") or 0) >= 2, "Groups Managed should be at least 2")
    check((dump.stat("Packets Forwarded") or 0) > 0, "Packets Forwarded should be positive")
    check(dump.stat("Kernel Drops") in (0, None),
          f"20 datagrams a second should lose nothing: Kernel Drops {dump.stat('Kernel Drops')}")
    check(dump.interfaces["dn1"].get("MLD querier") == "this router",
          f"ecmh should be the MLD querier on dn1: {dump.interfaces['dn1']}")
    first_packets = dump.groups[G6]["packets"]
    base = l1.count(G6)
    l1.wait_count(base + 10, G6, what="10 more datagrams")
    dump = ecmh.dump()
    check(dump.groups[G6]["packets"] > first_packets,
          f"{G6}'s Packets did not grow between dumps ({first_packets} -> "
          f"{dump.groups[G6]['packets']})")

    # --- SIGHUP: rescan; nothing changes for the running streams
    log("SIGHUP")
    ecmh.signal(signal.SIGHUP)
    base = l1.count(G6)
    l1.wait_count(base + 20, G6, what="h1 to keep receiving after SIGHUP")
    check(ecmh.alive(), f"ecmh exited ({ecmh.proc.returncode()}) on SIGHUP")
    dump = ecmh.dump()
    check({"up0", "dn1", "dn2"} <= set(dump.interfaces),
          f"after SIGHUP the dump lists {sorted(dump.interfaces)}")

    # --- a second instance with the same pid file
    log("a second ecmh with the same pid file")
    second = netns.Ecmh(topo, args.ecmh, ["-i", "up0"], name="ecmh-second",
                        pidfile=ecmh.pidfile, dumpfile=topo.path("second.dump"))
    rc = second.proc.wait(SOON)
    check(rc is not None, "the second ecmh is still running with the first one's pid file")
    out = second.log_text()
    print(f"second instance: status {rc}, said: {out.strip()}", flush=True)
    check(rc != 0, "the second ecmh exited with status 0")
    check(str(ecmh.pid) in out, f"the second ecmh's message should name pid {ecmh.pid}")
    check(ecmh.alive(), "the first ecmh died when a second one started")
    with open(ecmh.pidfile) as f:
        check(f.read().strip() == str(ecmh.pid), "the pid file no longer holds the first pid")

    # --- SIGTERM
    start = cap.mark()
    log("SIGTERM")
    rc = ecmh.stop()
    check(rc == 0, f"ecmh exited with status {rc} on SIGTERM (expected 0)")
    check(not os.path.exists(ecmh.pidfile), f"the pid file {ecmh.pidfile} is still there")
    ll = topo.link_local("rtr", "up0")

    def left():
        msgs = cap.messages(start)
        return (find_messages(msgs, "mldv2-report", G6, [TO_IN], ()) and
                find_messages(msgs, "igmpv3-report", G4, [TO_IN], ()))
    wait_until(left, SOON, f"TO_IN {{}} for {G6} and {G4} upstream after SIGTERM",
               detail=lambda: summarize([m for m in cap.messages(start)
                                         if m.src in (ll, netns.RTR_UP_4)]))

    # --- -u nobody
    log("ecmh -u nobody")
    nobody = netns.start_ecmh(topo, args, ["-i", "up0", "-u", "nobody"], name="ecmh-nobody")
    status = proc_status(nobody.pid)
    print(f"-u nobody: Uid {status['Uid']} Gid {status['Gid']} CapEff {status['CapEff']} "
          f"CapPrm {status['CapPrm']} CapInh {status['CapInh']} CapBnd {status['CapBnd']}",
          flush=True)
    check(status["Uid"].split() == ["65534"] * 4,
          f"with -u nobody every uid should be 65534: Uid {status['Uid']}")
    check(status["CapEff"] == "0000000000002000",
          f"with -u nobody only CAP_NET_RAW should be effective: CapEff {status['CapEff']}")
    netns.Sender(topo, "up", G6_NOBODY, S1_6, PORT)
    l2 = netns.Listener(topo, "h2", [G6_NOBODY], PORT)
    l2.wait_count(20, G6_NOBODY, what="h2 to receive 20 datagrams from ecmh -u nobody")
    nobody.signal(signal.SIGTERM)
    rc = nobody.proc.wait(SOON)
    check(rc == 0, f"ecmh -u nobody exited with status {rc} on SIGTERM (expected 0)")
    # Without root it may not unlink the file from a root-owned directory: it must then
    # leave it empty (include/ecmh/io/pid_file.hpp), never holding a stale pid.
    if os.path.exists(nobody.pidfile):
        with open(nobody.pidfile) as f:
            left = f.read()
        print(f"ecmh -u nobody left its pid file behind, holding {left!r}", flush=True)
        check(left.strip() == "", f"ecmh -u nobody left a stale pid in {nobody.pidfile}: "
              f"{left!r}")
    else:
        print("ecmh -u nobody removed its pid file", flush=True)
    log("a new ecmh starts on that pid file")
    again = netns.start_ecmh(topo, args, ["-i", "up0"], name="ecmh-again",
                             pidfile=nobody.pidfile, dumpfile=topo.path("again.dump"))
    rc = again.stop()
    check(rc == 0, f"the new ecmh exited with status {rc} on SIGTERM")

    # --- without -f: the daemon goes to the background once it runs
    log("ecmh without -f (daemon mode)")
    pidfile, dumpfile = topo.path("daemon.pid"), topo.path("daemon.dump")
    argv = [args.ecmh, "-i", "up0", "--pidfile", pidfile, "--dumpfile", dumpfile,
            "--control-socket", topo.path("daemon.sock"), *netns.ECMH_TIMER_ARGS]
    r = topo.run("rtr", *argv, check=False, timeout=SOON)
    check(r.returncode == 0, f"`ecmh` (daemon mode) exited with status {r.returncode}: "
          f"{r.stdout} {r.stderr}")
    check(os.path.exists(pidfile), "when `ecmh` returns, its pid file must exist")
    with open(pidfile) as f:
        text = f.read().strip()
    check(text.isdigit(), f"the pid file holds {text!r}")
    pid = int(text)
    topo.adopt(pid, args.ecmh)
    check(netns.process_running(pid), f"the pid file names {pid}, which is not running")
    os.kill(pid, signal.SIGUSR1)
    wait_until(lambda: os.path.exists(dumpfile) and "Interface: up0" in open(dumpfile).read(),
               SOON, "the daemon's dump file after SIGUSR1")
    r = topo.run("rtr", *argv, check=False, timeout=SOON)
    print(f"second daemon-mode start: status {r.returncode}, said: {r.stderr.strip()}",
          flush=True)
    check(r.returncode != 0 and str(pid) in r.stderr,
          f"a second daemon-mode start should fail naming pid {pid}: status {r.returncode}, "
          f"stderr {r.stderr!r}")
    os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not netns.process_running(pid), SOON, "the daemon to exit on SIGTERM")
    wait_until(lambda: not os.path.exists(pidfile), SOON,
               "the daemon's pid file to be removed")


if __name__ == "__main__":
    netns.main("operations", body, need_scapy=True, need_tcpdump=True)
