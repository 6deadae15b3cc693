#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.upstream_recreated: the upstream link deleted and created again under the same
name (a new interface index) while ecmh runs (rfc-map M19).

S1 streams to ff0e::a:1 and 239.10.10.1; h1 listens to both. up0 (and with it ns up's
eth0, its veth peer) is deleted: ecmh keeps running, drops up0 from its dump and keeps
h1's listener state. The veth is created again with the same names and addresses:
ecmh uses the new up0 as its upstream again and reports every group h1 listens to at
once (MLDv2 and IGMPv3 reports from the new up0's addresses, decoded with scapy from a
capture on ns up's new eth0), and S1's stream, started again on the new eth0, reaches
h1.
"""

import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import (RTR_UP_4, RTR_UP_6, S1_4, S1_6, S2_4, S2_6, SOON, TO_EX, check, log,
                   wait_until)  # noqa: E402

G6, G4 = "ff0e::a:1", "239.10.10.1"
PORT = 5010


def recreate_upstream(topo):
    """The veth rtr:up0 -- up:eth0 of netns.standard_topology() again, but rtr's end is
    set up last, once the capture on ns up runs: ecmh reports as soon as up0 is usable."""
    topo.veth("rtr", "up0", "up", "eth0")
    for cidr in (S1_6 + "/64", S2_6 + "/64", S1_4 + "/24", S2_4 + "/24"):
        topo.addr("up", "eth0", cidr)
    topo.addr("rtr", "up0", RTR_UP_6 + "/64")
    topo.addr("rtr", "up0", RTR_UP_4 + "/24")
    topo.link_up("up", "eth0")
    topo.route("up", "-6", "route", "add", "default", "via", RTR_UP_6, "dev", "eth0")
    topo.route("up", "-4", "route", "add", "default", "via", RTR_UP_4, "dev", "eth0")
    cap = netns.Capture(topo, "up", name="tcpdump-up-again")
    topo.link_up("rtr", "up0")
    topo.wait_link_ready("rtr", "up0")
    topo.wait_link_ready("up", "eth0")
    return cap


def wait_join_reports(topo, cap, g6, g4, where):
    """Waits for ecmh's MLDv2 TO_EX {} report for g6 and IGMPv3 one for g4 from up0's
    addresses in `cap` (ns up's eth0); returns the first of each."""
    sources = {topo.link_local("rtr", "up0"), RTR_UP_4}
    found = []
    for kind, group in (("mldv2-report", g6), ("igmpv3-report", g4)):
        found.append(wait_until(
            lambda k=kind, g=group: netns.find_messages(
                netns.from_ecmh(cap.messages(), sources), k, g, [TO_EX], ()),
            SOON, f"ecmh's {kind} for {group} on {where}", interval=0.1,
            detail=lambda: netns.summarize(cap.messages()))[0])
    return found


def body(args):
    topo = netns.standard_topology("upstream_recreated", hosts=("h1",))
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    senders = [netns.Sender(topo, "up", G6, S1_6, PORT), netns.Sender(topo, "up", G4, S1_4, PORT)]
    l1 = netns.Listener(topo, "h1", [G6, G4], PORT)
    for group in (G6, G4):
        l1.wait_count(20, group, what=f"h1 to receive 20 datagrams of {group}")
    old_index = ecmh.dump().interfaces["up0"].get("Index number")

    log("deleting up0 (and ns up's eth0 with it)")
    for s in senders:
        s.stop()  # their interface goes away
    topo.ip("-n", topo.ns("rtr"), "link", "del", "up0")
    wait_until(lambda: "up0" not in ecmh.dump().interfaces, SOON,
               "ecmh to drop up0 from its dump", interval=0.2)
    check(ecmh.alive(), "ecmh died when its upstream was deleted")
    check(ecmh.dump().group_links(G6) == {"dn1"}, "h1's listener state was lost")

    log("creating up0 again (same name, new index)")
    t0 = time.monotonic()
    cap = recreate_upstream(topo)
    dump = ecmh.dump()
    new_index = dump.interfaces.get("up0", {}).get("Index number")
    check(new_index is not None and new_index != old_index,
          f"up0's index should change from {old_index}, the dump says {new_index}")
    check(dump.interfaces["up0"].get("Role") == "upstream", "the new up0 is not the upstream")
    for msg in wait_join_reports(topo, cap, G6, G4, "the new up0"):
        print(f"REPORT on the new up0 {msg.time - time.time() + time.monotonic() - t0:.2f}"
              f" s after it was created: {msg}", flush=True)
    base = {g: l1.count(g) for g in (G6, G4)}
    netns.Sender(topo, "up", G6, S1_6, PORT, name="sender-up-again-6")
    netns.Sender(topo, "up", G4, S1_4, PORT, name="sender-up-again-4")
    for group in (G6, G4):
        l1.wait_count(base[group] + 20, group, what=f"h1 to receive {group} from the new up0")


if __name__ == "__main__":
    netns.main("upstream_recreated", body, need_scapy=True, need_tcpdump=True)
