#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.ipv6_asm: any-source IPv6 multicast from upstream to MLDv2 and MLDv1 listeners.

S1 (ns up) streams to ff0e::1:1 (hop limit 16), S2 too but with hop limit 1. h1
(MLDv2) joins: S1's stream reaches h1 with hop limit 15, S2's is never forwarded (the
dump counts it under Hop Limit Exceeded), and nothing reaches h2's link. h1 leaves: the stream stops reaching h1's link within the last
listener query time (the latency is printed). h2 (force_mld_version=1) joins: it
receives, h1's link stays silent; h2 leaves with an MLDv1 Done: the stream stops.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import S1_6, S2_6, check, log  # noqa: E402

GROUP = "ff0e::1:1"
PORT = 5001


def body(args):
    topo = netns.standard_topology("ipv6_asm")
    netns.set_host_versions(topo, "h2", mld=1)
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    sniff1 = netns.Sniffer(topo, "h1")
    sniff2 = netns.Sniffer(topo, "h2")
    sender = netns.Sender(topo, "up", GROUP, S1_6, PORT)
    # S2's datagrams arrive with hop limit 1: a router never forwards them.
    netns.Sender(topo, "up", GROUP, S2_6, PORT, hops=1)

    log("h1 (MLDv2) joins " + GROUP)
    l1 = netns.Listener(topo, "h1", [GROUP], PORT)
    l1.wait_count(20, GROUP, what="h1 to receive 20 datagrams of S1's stream")
    check(sniff2.count(GROUP) == 0,
          f"h2 does not listen, yet {sniff2.count(GROUP)} datagrams reached its link")
    hops = {p[4] for p in sniff1.packets(GROUP)}
    check(hops == {15}, f"forwarded copies should have hop limit 16 - 1 = 15, saw {hops}")
    check(sniff1.count(GROUP, S2_6) == 0,
          f"{sniff1.count(GROUP, S2_6)} datagrams that arrived with hop limit 1 were forwarded")
    dump = ecmh.dump()
    check(dump.group_links(GROUP) == {"dn1"},
          f"the dump should list {GROUP} on dn1 only, lists {dump.group_links(GROUP)}")
    exceeded = netns._int(dump.interfaces.get("up0", {}).get("Hop Limit Exceeded"))
    check(exceeded and exceeded > 0 and (dump.stat("Hop Limit Exceeded") or 0) >= exceeded,
          f"the dump should count S2's hop-limit-1 datagrams under Hop Limit Exceeded (up0: "
          f"{exceeded}, total: {dump.stats.get('Hop Limit Exceeded')})")

    log("h1 leaves")
    netns.measure_leave("MLDv2 leave (h1)", l1, GROUP, sniff1, sender)

    log("h2 (MLDv1) joins " + GROUP)
    h1_before = sniff1.count(GROUP)
    l2 = netns.Listener(topo, "h2", [GROUP], PORT)
    l2.wait_count(20, GROUP, what="h2 (MLDv1) to receive 20 datagrams")
    check(sniff1.count(GROUP) == h1_before,
          f"h1 left, yet {sniff1.count(GROUP) - h1_before} more datagrams reached its link")
    dump = ecmh.dump()
    check(dump.group_links(GROUP) == {"dn2"},
          f"the dump should list {GROUP} on dn2 only, lists {dump.group_links(GROUP)}")
    details = " ".join(dump.groups[GROUP]["links"]["dn2"])
    check("MLDv1" in details, f"the dump should show an MLDv1 host on dn2 for {GROUP}: "
          f"{details!r}")

    log("h2 leaves (MLDv1 Done)")
    netns.measure_leave("MLDv1 Done (h2)", l2, GROUP, sniff2, sender)
    check(ecmh.alive(), "ecmh died")


if __name__ == "__main__":
    netns.main("ipv6_asm", body)
