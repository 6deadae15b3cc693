#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.hotplug: links that appear and disappear while ecmh runs.

S1 streams to ff0e::6:1; h1 listens. A new link dn3 (veth to a new ns h3) is created,
configured and brought up in ns rtr: ecmh picks it up (netlink) and h3, which joins at
once, receives within a bounded time. dn3 is deleted: ecmh keeps running, drops dn3
from its dump and still forwards to h1. dn3 is created again under the same name (a new
interface index): h3 receives again.
"""

import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import S1_6, SOON, check, log, wait_until  # noqa: E402

GROUP = "ff0e::6:1"
PORT = 5006


def body(args):
    topo = netns.standard_topology("hotplug")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    netns.Sender(topo, "up", GROUP, S1_6, PORT)
    l1 = netns.Listener(topo, "h1", [GROUP], PORT)
    l1.wait_count(20, GROUP, what="h1 to receive 20 datagrams")
    check("dn3" not in ecmh.dump().interfaces, "dn3 in the dump before it exists")

    log("creating dn3 and ns h3 while ecmh runs")
    t0 = time.monotonic()
    netns.add_host(topo, "h3")
    l3 = netns.Listener(topo, "h3", [GROUP], PORT)
    l3.wait_count(1, GROUP, what="h3 (on the new link dn3) to receive the stream")
    print(f"HOTPLUG: first datagram at h3 {time.monotonic() - t0:.2f} s after the link "
          "was created", flush=True)
    l3.wait_count(20, GROUP, what="h3 to receive 20 datagrams")
    dump = ecmh.dump()
    check("dn3" in dump.interfaces, "the dump does not list dn3")
    check(dump.group_links(GROUP) == {"dn1", "dn3"},
          f"the dump should list {GROUP} on dn1 and dn3, lists {dump.group_links(GROUP)}")
    old_index = dump.interfaces["dn3"].get("Index number")

    log("deleting dn3")
    l3.stop()
    topo.ip("-n", topo.ns("rtr"), "link", "del", "dn3")
    wait_until(lambda: "dn3" not in ecmh.dump().interfaces, SOON,
               "ecmh to drop dn3 from its dump", interval=0.2)
    check(ecmh.alive(), f"ecmh exited ({ecmh.proc.returncode()}) when dn3 was deleted")
    base = l1.count(GROUP)
    l1.wait_count(base + 20, GROUP, what="h1 to keep receiving after dn3 was deleted")
    check("dn3" not in ecmh.dump().group_links(GROUP), "the dump still lists dn3 for the group")

    log("creating dn3 again (same name, new index)")
    netns.connect_host(topo, "h3")
    l3 = netns.Listener(topo, "h3", [GROUP], PORT, name="listener-h3-again")
    l3.wait_count(20, GROUP, what="h3 to receive 20 datagrams on the re-created dn3")
    dump = ecmh.dump()
    new_index = dump.interfaces.get("dn3", {}).get("Index number")
    check(new_index is not None and new_index != old_index,
          f"dn3's index should change from {old_index}, dump says {new_index}")
    check(ecmh.alive(), "ecmh died")


if __name__ == "__main__":
    netns.main("hotplug", body)
