#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.mac_filter: ecmh on a link that filters multicast by MAC (rfc-map item 12).

A router must receive every multicast MAC on its links (RFC 3810 §7, RFC 1112 §6.4):
sources send to groups nobody on the router asked its kernel for. veth delivers every
frame, so the other tests cannot tell; a macvlan delivers a multicast frame only if its
destination MAC is in the macvlan's filter, or the macvlan is in all-multicast mode,
which ecmh's capture asks for. Here ecmh serves mv1, a macvlan on rtr's dn1 (dn1 itself
excluded), and h1 behind dn1 is a source; h2 on dn2 listens.
 1. h1's own reports (MLDv2 to ff02::16, IGMPv3 to 224.0.0.22) reach ecmh on mv1: the dump
    lists h1's groups on mv1 (with ecmh's all-multicast membership, and also without it,
    through its kernel membership of the report addresses: netns.report_groups).
 2. h1's IPv6 and IPv4 streams reach h2: ecmh received them on mv1, whose kernel joined
    neither group (without the all-multicast membership they would never arrive).
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import H1_4, H1_6, SOON, check, log, wait_until  # noqa: E402

G6, G4 = "ff0e::9:6", "239.9.9.6"  # h1 → h2
J6, J4 = "ff0e::9:7", "239.9.9.7"  # h1's own joins
PORT = 5013


def body(args):
    topo = netns.standard_topology("mac_filter")
    log("rtr: macvlan mv1 on dn1 (mode bridge), with dn1's addresses moved to it")
    topo.ip("-n", topo.ns("rtr"), "link", "add", "mv1", "link", "dn1", "type", "macvlan",
            "mode", "bridge")
    topo.ip("-n", topo.ns("rtr"), "addr", "flush", "dev", "dn1")
    topo.addr("rtr", "mv1", "2001:db8:2::1/64")
    topo.addr("rtr", "mv1", "192.0.2.1/24")
    topo.link_up("rtr", "mv1")
    topo.wait_link_ready("rtr", "mv1")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0", "--exclude", "dn1"])
    l2 = netns.Listener(topo, "h2", [G6, G4], PORT)
    l1 = netns.Listener(topo, "h1", [J6, J4], PORT)
    netns.Sender(topo, "h1", G6, H1_6, PORT)
    netns.Sender(topo, "h1", G4, H1_4, PORT)
    def joined_on_mv1():
        dump = ecmh.dump()
        return all("mv1" in dump.group_links(g) for g in (J6, J4))
    wait_until(joined_on_mv1, SOON, "the dump to list h1's joins on mv1")
    for group in (G6, G4):
        l2.wait_count(20, group, what=f"h2 to receive 20 datagrams of {group} from h1 via mv1")
    maddr = topo.run("rtr", "ip", "maddr", "show", "dev", "mv1").stdout
    print(f"mv1's kernel memberships: {' '.join(maddr.split())}", flush=True)
    check(G6 not in maddr and G4 not in maddr,
          "rtr's kernel joined the stream's group on mv1: the test would prove nothing")
    check(ecmh.dump().interfaces.get("dn1") is None, "ecmh used dn1 despite --exclude")


if __name__ == "__main__":
    netns.main("mac_filter", body)
