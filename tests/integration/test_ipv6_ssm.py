#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.ipv6_ssm: source-specific IPv6 multicast (RFC 4607) through ecmh.

S1 and S2 (ns up) both stream to ff3e::8000:1. h1 joins (S1, ff3e::8000:1) with
MCAST_JOIN_SOURCE_GROUP: S1's stream reaches h1, S2's never reaches h1's link. h2 makes
an any-source join of the same SSM group (its kernel reports EXCLUDE {}), which a router
must ignore (RFC 4604 §3.7): nothing reaches h2's link. h1 leaves the source: S1's stream
stops reaching h1's link within the last listener query time.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import S1_6, S2_6, check, log  # noqa: E402

GROUP = "ff3e::8000:1"
PORT = 5002


def body(args):
    topo = netns.standard_topology("ipv6_ssm")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    sniff1 = netns.Sniffer(topo, "h1")
    sniff2 = netns.Sniffer(topo, "h2")
    s1 = netns.Sender(topo, "up", GROUP, S1_6, PORT)
    netns.Sender(topo, "up", GROUP, S2_6, PORT)

    log(f"h1 joins ({S1_6}, {GROUP})")
    l1 = netns.Listener(topo, "h1", [f"{GROUP}@{S1_6}"], PORT)
    l1.wait_count(20, GROUP, S1_6, what="h1 to receive 20 datagrams from S1")
    check(sniff1.count(GROUP, S2_6) == 0,
          f"h1 asked for S1 only, yet {sniff1.count(GROUP, S2_6)} datagrams from S2 reached "
          "its link")
    check(l1.count(GROUP, S2_6) == 0, "h1's socket received datagrams from S2")
    check(sniff2.count(GROUP) == 0,
          f"h2 does not listen, yet {sniff2.count(GROUP)} datagrams reached its link")
    dump = ecmh.dump()
    check(dump.group_links(GROUP) == {"dn1"},
          f"the dump should list {GROUP} on dn1 only, lists {dump.group_links(GROUP)}")
    details = " ".join(dump.groups[GROUP]["links"]["dn1"])
    check(f"{S1_6} INCLUDE" in details,
          f"the dump should show {S1_6} INCLUDE on dn1 for {GROUP}: {details!r}")
    check(S2_6 not in details, f"the dump mentions S2 for {GROUP} on dn1: {details!r}")

    log(f"h2 makes an any-source join of the SSM group {GROUP} (must be ignored)")
    l2 = netns.Listener(topo, "h2", [GROUP], PORT)
    base = l1.count(GROUP, S1_6)
    l1.wait_count(base + 30, GROUP, S1_6, what="h1 to receive 30 more datagrams from S1")
    check(sniff2.count(GROUP) == 0,
          f"h2's any-source join of an SSM group must be ignored, yet {sniff2.count(GROUP)} "
          "datagrams reached its link")
    check(l2.count() == 0, "h2's socket received datagrams")
    check(sniff1.count(GROUP, S2_6) == 0, "S2's datagrams reached h1's link")

    log(f"h1 leaves ({S1_6}, {GROUP})")
    netns.measure_leave("MLDv2 source leave (h1)", l1, f"{GROUP}@{S1_6}", sniff1, s1)
    check(ecmh.alive(), "ecmh died")


if __name__ == "__main__":
    netns.main("ipv6_ssm", body)
