#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.xdp_native: the XDP fast path in native mode (issue 15).

A veth transmits a native XDP redirect only while its peer has NAPI (GRO on, or an XDP
program); otherwise the frame is lost without a trace, and the kernel says so in the link's
xdp-features (ndo-xmit). And a datagram sent from the veth peer's own namespace may carry its
UDP checksum left to offload, which a native redirect forwards incomplete: so --xdp-mode auto
never runs a veth natively (checked first), and S1's eth0 computes its checksums itself
here (ethtool tx off), as a NIC's frames from the wire always have them.
Standard topology, GRO on at every peer of a router link (up's, h1's and h2's eth0):
 1. --xdp-mode auto: every link is generic, the log saying it is a veth;
 2. --xdp-mode native: every link runs the program in the driver;
 3. h1 and h2 join ff0e::1:1 and S1 streams 400 datagrams: each host gets each once, hop
    limit 15, and the dump's flow shows the program forwarded them;
 4. GRO goes off at h2: dn2 can no longer take native redirects. The kernel tells ecmh
    (the netdev family's mgmt notice for dn2), and ecmh takes the flow away from the
    program at once (up0's native redirects would lose dn2's copies), not at its periodic
    re-read up to 10 s later: the log line names the notice as the cause, and the dump
    counts one more notice about its interfaces. h2 gets a new stream of 400 datagrams
    complete, from ecmh.
"""

import os
import sys
import time
import zlib

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import S1_6, check, log  # noqa: E402

GROUP = "ff0e::1:1"
PORT = 5001
COUNT = 400
# ecmh reads the links' XDP features again at least this often (XdpForwarding), notice
# or not.
REFRESH = 10.0


def gro(topo, role, on):
    log(f"{role}:eth0 GRO {'on' if on else 'off'}")
    topo.run(role, "ethtool", "-K", "eth0", "gro", "on" if on else "off")


def stream_complete(topo, listeners, after=None):
    """S1 sends COUNT datagrams; each listener must get each once (of those it received
    after its time in `after`, when given)."""
    after = after or {}
    sender = netns.Sender(topo, "up", GROUP, S1_6, PORT, rate=200, count=COUNT)
    sender.wait_sent(COUNT, timeout=netns.SOON + COUNT / 200)
    for name, listener in listeners.items():
        since = after.get(name, float("-inf"))

        def complete(listener=listener, since=since):
            return len([d for d in listener.details(GROUP) if d.time > since]) >= COUNT
        netns.wait_until(complete, netns.SOON, f"{name} to receive {COUNT} datagrams")
        got = [d for d in listener.details(GROUP) if d.time > since]
        seqs = sorted(d.seq for d in got)
        check(seqs == list(range(1, COUNT + 1)),
              f"{name}: expected 1..{COUNT} once each, got {len(seqs)} datagrams")
        check({d.hops for d in got} == {15}, f"{name}: hop limits {({d.hops for d in got})}")
        bad = [d for d in got
               if d.crc != f"{zlib.crc32(netns.sender_payload(d.seq, GROUP, d.source)):08x}"]
        check(not bad, f"{name}: payloads changed on the way: {bad[:3]}")


def body(args):
    topo = netns.standard_topology("xdp_native")
    for role in ("up", "h1", "h2"):
        gro(topo, role, True)
    auto = netns.start_ecmh(topo, args, ["-i", "up0", "--forward", "xdp", "--xdp-mode", "auto"],
                            name="ecmh-auto")
    for link in ("up0", "dn1", "dn2"):
        netns.wait_until(lambda link=link: f"{link}: XDP forwarding in generic mode (a veth"
                         in auto.log_text(), netns.SOON, f"auto mode to run {link} generic")
    check(auto.stop() == 0, "ecmh --xdp-mode auto did not exit 0")
    topo.run("up", "ethtool", "-K", "eth0", "tx", "off")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0", "--forward", "xdp", "--xdp-mode", "native"])
    for link in ("up0", "dn1", "dn2"):
        netns.wait_until(lambda link=link: f"{link}: XDP forwarding in native mode" in
                         ecmh.log_text(), netns.SOON, f"the log to say {link} runs in native mode")

    log("h1 and h2 join " + GROUP)
    l1 = netns.Listener(topo, "h1", [GROUP], PORT, details=True)
    l2 = netns.Listener(topo, "h2", [GROUP], PORT, details=True)
    netns.wait_until(lambda: ecmh.dump().group_links(GROUP) == {"dn1", "dn2"}, netns.SOON,
                     f"the dump to list {GROUP} on dn1 and dn2")
    stream_complete(topo, {"h1": l1, "h2": l2})
    flow = ecmh.dump().flow(GROUP, S1_6)
    check(flow is not None and flow["out"] == {"dn1", "dn2"} and
          (flow["packets"] or 0) >= COUNT // 2,
          f"the program should have forwarded the stream in native mode: {flow}")

    notices = ecmh.dump().fast_notices
    check(notices is not None and "none" not in notices,
          f"the dump should count the kernel's feature notices (Linux 6.3+): {notices}")
    gro(topo, "h2", False)
    t_off = time.monotonic()
    change = "dn2 no longer takes native XDP redirects"
    line = netns.wait_until(
        lambda: next((x for x in ecmh.log_text().splitlines() if change in x), None),
        REFRESH + netns.SOON, "ecmh to notice dn2 no longer takes native redirects")
    latency = time.monotonic() - t_off
    print(f"NOTICE LATENCY: the log named the change {latency * 1000:.0f} ms after "
          "ethtool returned (at most the log poll's 50 ms late)", flush=True)
    # The periodic re-read would say "found by the periodic re-read".
    check("notified by the kernel" in line, f"the change should be the kernel's notice: {line}")
    netns.wait_until(lambda: ecmh.dump().flow(GROUP, S1_6) is None, netns.SOON,
                     "the flow to leave the program")
    after = ecmh.dump().fast_notices
    log(f"feature notices before GRO off {notices}, after {after}")
    check(after["about"] > notices["about"] and after["received"] > notices["received"],
          f"the dump should count dn2's notice: before {notices}, after {after}")
    marks = {name: max(d.time for d in l.details(GROUP)) for name, l in (("h1", l1), ("h2", l2))}
    stream_complete(topo, {"h1": l1, "h2": l2}, after=marks)
    check(ecmh.dump().flow(GROUP, S1_6) is None,
          "the program forwards the flow again, though dn2 cannot take its redirects")
    check(ecmh.alive(), "ecmh died")


if __name__ == "__main__":
    netns.main("xdp_native", body)
