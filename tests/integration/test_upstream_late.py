#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.upstream_late: `ecmh -i up0` started before up0 exists, as when a PPPoE, WireGuard
or VLAN upstream comes up after the daemons at boot (issue 14, item 7).

up0 (ns rtr's end of the veth to ns up) is deleted before ecmh starts.
 1. ecmh starts anyway (no exit 78), logs once that it waits for up0, and serves the link
    it has: h1's joins on dn1 are learned (the dump lists them).
 2. up0 is created: ecmh takes it as its upstream (the dump says so), reports every group
    h1 listens to from up0's addresses (MLDv2 and IGMPv3 reports, decoded with scapy from a
    capture in ns up), and S1's streams reach h1. The waiting line was logged once only.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import S1_4, S1_6, SOON, check, log, wait_until  # noqa: E402
from test_upstream_recreated import recreate_upstream, wait_join_reports  # noqa: E402

G6, G4 = "ff0e::a:2", "239.10.10.2"
PORT = 5015
WAITING = "upstream interface up0 does not exist (yet): waiting for it"


def body(args):
    topo = netns.standard_topology("upstream_late", hosts=("h1",))
    topo.ip("-n", topo.ns("rtr"), "link", "del", "up0")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    check(WAITING in ecmh.log_text(), f"ecmh did not log '{WAITING}'")
    l1 = netns.Listener(topo, "h1", [G6, G4], PORT)
    wait_until(lambda: all("dn1" in ecmh.dump().group_links(g) for g in (G6, G4)), SOON,
               "the dump to list h1's groups on dn1 while ecmh waits for its upstream",
               interval=0.2)
    check("up0" not in ecmh.dump().interfaces, "the dump lists an up0 that does not exist")

    log("creating up0")
    cap = recreate_upstream(topo)
    wait_until(lambda: ecmh.dump().interfaces.get("up0", {}).get("Role") == "upstream", SOON,
               "the dump to show up0 as the upstream", interval=0.2)
    for msg in wait_join_reports(topo, cap, G6, G4, "up0"):
        print(f"REPORT on up0 once it exists: {msg}", flush=True)
    netns.Sender(topo, "up", G6, S1_6, PORT)
    netns.Sender(topo, "up", G4, S1_4, PORT)
    for group in (G6, G4):
        l1.wait_count(20, group, what=f"h1 to receive {group} through the late upstream")
    check(ecmh.log_text().count(WAITING) == 1, "the waiting line was logged more than once")


if __name__ == "__main__":
    netns.main("upstream_late", body, need_scapy=True, need_tcpdump=True)
