#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.l2_loop: two of ecmh's links on one bridge, a deliberate layer-2 loop (rfc-map
item 49, conformance test 49).

rtr's dn1 and dn2 are both ports of br0 in namespace sw (no snooping: it floods), and so
is h1, which listens. Every copy ecmh puts on dn1 comes back to it on dn2 and the other
way round; were it forwarded again, each datagram would multiply without end. ecmh
recognises its own frames by their source MAC and drops them (own-frame).
 1. h1 gets S1's IPv6 and IPv4 streams, each datagram at most twice (once per link),
    for a stream of 500 datagrams a second over 3 s: no storm.
 2. The dump counts the looped copies as own-frame drops, about one per copy sent, and
    up's link gets none of S1's stream back.
"""

import os
import sys
from collections import Counter

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import H1_4, H1_6, S1_4, S1_6, SOON, check, log  # noqa: E402

G6, G4 = "ff0e::9:8", "239.9.9.8"
PORT = 5014
RATE = 500
WANTED = 1500  # datagrams of each group (3 s)


def loop_topology():
    topo = netns.standard_topology("l2_loop", hosts=())
    topo.add_namespace("sw")
    topo.add_namespace("h1")
    topo.ip("-n", topo.ns("sw"), "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
    for rlink, port in (("dn1", "p1"), ("dn2", "p2")):
        topo.veth("rtr", rlink, "sw", port)
    topo.veth("sw", "p3", "h1", "eth0")
    for port in ("p1", "p2", "p3"):
        topo.ip("-n", topo.ns("sw"), "link", "set", port, "master", "br0")
        topo.link_up("sw", port)
    topo.link_up("sw", "br0")
    topo.addr("rtr", "dn1", "2001:db8:2::1/64")
    topo.addr("rtr", "dn1", "192.0.2.1/24")
    topo.addr("rtr", "dn2", "2001:db8:2::2/64")
    topo.addr("h1", "eth0", H1_6 + "/64")
    topo.addr("h1", "eth0", H1_4 + "/24")
    for role, ifname in (("rtr", "dn1"), ("rtr", "dn2"), ("h1", "eth0")):
        topo.link_up(role, ifname)
    topo.wait_links_ready("rtr", ["dn1", "dn2"])
    topo.wait_link_ready("h1", "eth0")
    return topo


def body(args):
    topo = loop_topology()
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    sniff_up = netns.Sniffer(topo, "up", "eth0", name="sniffer-up")
    listener = netns.Listener(topo, "h1", [G6, G4], PORT)
    before = ecmh.dump()
    netns.Sender(topo, "up", G6, S1_6, PORT, rate=RATE)
    netns.Sender(topo, "up", G4, S1_4, PORT, rate=RATE)
    for group in (G6, G4):
        listener.wait_count(2 * WANTED, group, timeout=SOON + WANTED / RATE,
                            what=f"h1 to receive {WANTED} datagrams of {group} twice")
    dump = ecmh.dump()
    for group in (G6, G4):
        per_seq = Counter(r[0] for r in listener.records(group))
        most = max(per_seq.values())
        print(f"{group}: {len(per_seq)} datagrams at h1, {sum(per_seq.values())} copies, "
              f"at most {most} of one", flush=True)
        check(most <= 2, f"a datagram of {group} reached h1 {most} times: a loop storm")
    own = dump.drops.get("own-frame", 0) - before.drops.get("own-frame", 0)
    sent = (dump.stat("Packets Forwarded") or 0) - (before.stat("Packets Forwarded") or 0)
    print(f"own-frame drops {own} for {sent} packets forwarded (two copies each)", flush=True)
    check(own >= sent, f"only {own} own-frame drops for {sent} packets forwarded onto a loop")
    check(own <= 2 * sent + 50, f"{own} own-frame drops for {sent} packets: copies multiply")
    check(sniff_up.count(G6) + sniff_up.count(G4) == 0,
          "S1's stream came back to its own link")


if __name__ == "__main__":
    netns.main("l2_loop", body)
