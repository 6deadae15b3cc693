#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.link_selection: --exclude, --interface, --no-ipv4, --no-ipv6.

S1 streams to ff0e::a:1 and 239.10.10.1; h1 and h2 listen to both.
 1. ecmh -i up0 --exclude dn2 --no-ipv4: h1 receives the IPv6 stream only; nothing at
    all reaches h2's link; the dump lists up0 and dn1, no IPv4 group.
 2. ecmh -i up0 --interface dn2 --no-ipv6: h2 receives the IPv4 stream only; nothing
    reaches h1's link any more; the dump lists up0 and dn2, no IPv6 group.
"""

import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import S1_4, S1_6, check, log  # noqa: E402

G6, G4 = "ff0e::a:1", "239.10.10.1"
PORT = 5010


def body(args):
    topo = netns.standard_topology("link_selection")
    sniff1 = netns.Sniffer(topo, "h1")
    sniff2 = netns.Sniffer(topo, "h2")
    netns.Sender(topo, "up", G6, S1_6, PORT)
    netns.Sender(topo, "up", G4, S1_4, PORT)
    l1 = netns.Listener(topo, "h1", [G6, G4], PORT)
    l2 = netns.Listener(topo, "h2", [G6, G4], PORT)

    log("ecmh -i up0 --exclude dn2 --no-ipv4")
    first = netns.start_ecmh(topo, args, ["-i", "up0", "--exclude", "dn2", "--no-ipv4"],
                             name="ecmh-exclude")
    l1.wait_count(20, G6, what=f"h1 to receive 20 datagrams of {G6}")
    check(sniff1.count(G4) == 0,
          f"with --no-ipv4, {sniff1.count(G4)} datagrams of {G4} reached h1's link")
    check(sniff2.count() == 0,
          f"dn2 is excluded, yet {sniff2.count()} datagrams reached h2's link")
    dump = first.dump()
    check(set(dump.interfaces) == {"up0", "dn1"},
          f"with --exclude dn2 the dump should list up0 and dn1: {sorted(dump.interfaces)}")
    check(G4 not in dump.groups and G4 not in dump.upstream,
          f"with --no-ipv4 the dump should have no IPv4 group: {sorted(dump.groups)}")
    rc = first.stop()
    check(rc == 0, f"ecmh exited with status {rc} on SIGTERM")

    log("ecmh -i up0 --interface dn2 --no-ipv6")
    t = time.monotonic()
    second = netns.start_ecmh(topo, args, ["-i", "up0", "--interface", "dn2", "--no-ipv6"],
                              name="ecmh-interface")
    l2.wait_count(20, G4, what=f"h2 to receive 20 datagrams of {G4}")
    check(sniff2.count(G6) == 0,
          f"with --no-ipv6, {sniff2.count(G6)} datagrams of {G6} reached h2's link")
    check(sniff1.count(since=t) == 0,
          f"only dn2 is used, yet {sniff1.count(since=t)} datagrams reached h1's link")
    check(l1.count(G4) == 0, "h1 received IPv4 datagrams")
    dump = second.dump()
    check(set(dump.interfaces) == {"up0", "dn2"},
          f"with --interface dn2 the dump should list up0 and dn2: {sorted(dump.interfaces)}")
    check(G6 not in dump.groups and G6 not in dump.upstream,
          f"with --no-ipv6 the dump should have no IPv6 group: {sorted(dump.groups)}")


if __name__ == "__main__":
    netns.main("link_selection", body)
