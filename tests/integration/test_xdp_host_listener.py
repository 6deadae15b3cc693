#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.xdp_host_listener: the router host's own sockets keep getting the groups they
joined while the XDP fast path forwards (--forward xdp, issue 15).

A packet the XDP program forwards never reaches the host's IP stack. So a flow whose group
the host itself has joined on the flow's arrival interface stays in userspace: the kernel
delivers it to the host's sockets, and ecmh forwards it from its capture.

ecmh -i up0 --forward xdp --xdp-mode generic, in the standard topology.
 1. A socket on the router (rtr) joins ff0e::1:5 and 239.1.1.5 on up0; h1 joins those and
    ff0e::1:6. The dump lists the two groups as the host's own on up0.
 2. S1 streams 400 datagrams to each of the three groups. The router's socket gets every
    sequence number of its two groups once, and h1 every one of all three. No fast-path
    flow exists for the host's groups; ff0e::1:6's flow is in the program, which
    forwarded most of its stream.
 3. While S1 streams to ff0e::1:6 through the program, the router's socket joins it on
    up0: the flow leaves the program (on the kernel's notice, or ecmh's once-a-second
    re-read on a kernel without them) and the socket gets the stream; h1 keeps getting
    it.
 4. The router's socket closes: the groups leave the dump's list, and the next stream to
    ff0e::1:5 goes through the program again.
"""

import os
import sys
import zlib

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import S1_4, S1_6, check, log  # noqa: E402

HOST6 = "ff0e::1:5"
HOST4 = "239.1.1.5"
FAST6 = "ff0e::1:6"
PORT = 5001
COUNT = 400
RATE = 200


def check_each_once(listener, group, count, what):
    records = listener.details(group)
    seqs = sorted(r.seq for r in records)
    check(seqs == list(range(1, count + 1)),
          f"{what}: expected sequence numbers 1..{count} once each, got {len(seqs)} "
          f"(missing {sorted(set(range(1, count + 1)) - set(seqs))[:10]})")
    bad = [r for r in records
           if r.crc != f"{zlib.crc32(netns.sender_payload(r.seq, group, r.source)):08x}"]
    check(not bad, f"{what}: payloads changed on the way: {bad[:3]}")


def stream(topo, group, source, listeners, what):
    sender = netns.Sender(topo, "up", group, source, PORT, rate=RATE, count=COUNT)
    sender.wait_sent(COUNT, timeout=netns.SOON + COUNT / RATE)
    for name, listener in listeners.items():
        listener.wait_count(COUNT, group, what=f"{name} to receive {COUNT} datagrams")
        check_each_once(listener, group, COUNT, f"{what}, {name}")


def body(args):
    topo = netns.standard_topology("xdphl", hosts=("h1",))
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0", "--forward", "xdp", "--xdp-mode",
                                         "generic"])
    netns.wait_until(lambda: "up0: XDP forwarding in generic mode" in ecmh.log_text(),
                     netns.SOON, "the log to say up0 forwards through XDP in generic mode")

    log(f"the router host joins {HOST6} and {HOST4} on up0; h1 joins them and {FAST6}")
    own = netns.Listener(topo, "rtr", [HOST6, HOST4], PORT, ifname="up0", name="router-own",
                         details=True)
    h1 = netns.Listener(topo, "h1", [HOST6, HOST4, FAST6], PORT, details=True)
    netns.wait_until(lambda: {(HOST6, "up0"), (HOST4, "up0")} <= ecmh.dump().host_groups,
                     netns.SOON, "the dump to list the host's own groups on up0",
                     detail=lambda: ecmh.dump().host_groups)
    netns.wait_until(lambda: all(ecmh.dump().group_links(g) == {"dn1"}
                                 for g in (HOST6, HOST4, FAST6)),
                     netns.SOON, "the dump to list h1's three groups on dn1")

    stream(topo, HOST6, S1_6, {"router": own, "h1": h1}, "IPv6, the host's own group")
    stream(topo, HOST4, S1_4, {"router": own, "h1": h1}, "IPv4, the host's own group")
    stream(topo, FAST6, S1_6, {"h1": h1}, "IPv6, a group only h1 joined")
    dump = ecmh.dump()
    for group, source in ((HOST6, S1_6), (HOST4, S1_4)):
        check(dump.flow(group, source) is None,
              f"the fast path holds ({source}, {group}), which the host listens to: "
              f"{dump.flow(group, source)}")
    flow = dump.flow(FAST6, S1_6)
    check(flow is not None and (flow["packets"] or 0) >= COUNT // 2,
          f"the program should have forwarded most of {FAST6}'s stream: {flow}")
    log(f"the host's groups went through ecmh; {FAST6}: {flow['packets']} by the program")

    log(f"the router's socket joins {FAST6} on up0 while the program forwards it")
    sender = netns.Sender(topo, "up", FAST6, S1_6, PORT, rate=RATE, name="sender-fast")
    before = h1.count(FAST6)
    netns.wait_until(lambda: h1.count(FAST6) >= before + 20, netns.SOON,
                     f"h1 to receive {FAST6} again")
    check(ecmh.dump().flow(FAST6, S1_6) is not None, f"{FAST6}'s flow is not in the program")
    own.join(FAST6)
    netns.wait_until(lambda: own.count(FAST6) >= 50, netns.SOON,
                     f"the router's socket to receive {FAST6} after joining it",
                     detail=lambda: f"it has {own.count(FAST6)}")
    netns.wait_until(lambda: ecmh.dump().flow(FAST6, S1_6) is None, netns.SOON,
                     f"{FAST6}'s flow to leave the program")
    before = h1.count(FAST6)
    netns.wait_until(lambda: h1.count(FAST6) >= before + 50, netns.SOON,
                     f"h1 to keep receiving {FAST6}")
    netns.stop_checked(sender)

    log("the router's socket closes")
    own.stop()
    netns.wait_until(lambda: not ecmh.dump().host_groups, netns.SOON,
                     "the dump to list no group of the host's own",
                     detail=lambda: ecmh.dump().host_groups)
    h1_before = h1.count(HOST6)
    sender = netns.Sender(topo, "up", HOST6, S1_6, PORT, rate=RATE, count=COUNT,
                          name="sender-again")
    sender.wait_sent(COUNT, timeout=netns.SOON + COUNT / RATE)
    h1.wait_count(h1_before + COUNT, HOST6, what=f"h1 to receive {COUNT} more of {HOST6}")
    flow = ecmh.dump().flow(HOST6, S1_6)
    check(flow is not None and (flow["packets"] or 0) >= COUNT // 2,
          f"with the host gone from {HOST6}, the program should forward its stream: {flow}")
    log(f"{HOST6} through the program again: {flow['packets']} datagrams")
    netns.stop_checked(h1)
    ecmh.stop()


if __name__ == "__main__":
    netns.main("xdp_host_listener", body)
