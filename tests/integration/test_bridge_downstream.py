#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.bridge_downstream: a home gateway's LAN is a bridge (br-lan) with the hosts behind
its ports.

   ns up: eth0 (S1) —— ns rtr: up0                                  ecmh -i up0
                               br0 (bridge, no snooping): ports dn1, dn2
                                ├ dn1 —— h1 (2001:db8:2::10, 192.0.2.10)
                                └ dn2 —— h2 (2001:db8:2::20, 192.0.2.20)

ecmh serves up0 and br0; the bridge's ports dn1 and dn2 are not links of its own (the
frames of a port show up on its bridge, and copies sent to the bridge go out its ports).
(A VLAN upstream would belong here too, but the test machines' kernels have no 802.1Q.)
 1. h1 and h2 join ff0e::b:1 and 239.11.1.1 behind br0: the dump lists each group on br0.
 2. S1 streams 300 datagrams to each group over VLAN 7: each host gets every sequence
    number once, with hop limit / TTL 15 and its payload intact.
 3. h2 leaves ff0e::b:1 while S1 streams: h1 still listens on br0, so the stream goes on
    reaching h1; then h1 leaves too, and the stream stops reaching dn1 within the leave
    bound (LLQT + 1 s).
With --forward xdp (netns-xdp.bridge_downstream) the same holds with the program on up0
and br0 (generic mode: a bridge has no driver hook).
"""

import os
import sys
import zlib

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import RTR_UP_4, RTR_UP_6, S1_4, S1_6, check, log  # noqa: E402

G6, G4 = "ff0e::b:1", "239.11.1.1"
PORT = 5021
COUNT = 300
RATE = 200
BR6, BR4 = "2001:db8:2::1", "192.0.2.1"
HOST_ADDRESSES = {"h1": ("2001:db8:2::10", "192.0.2.10"), "h2": ("2001:db8:2::20", "192.0.2.20")}


def topology():
    topo = netns.Topology("bridge_downstream")
    topo.add_namespace("up")
    topo.add_namespace("rtr", router=True)
    topo.veth("rtr", "up0", "up", "eth0")
    topo.addr("up", "eth0", S1_6 + "/64")
    topo.addr("up", "eth0", S1_4 + "/24")
    topo.addr("rtr", "up0", RTR_UP_6 + "/64")
    topo.addr("rtr", "up0", RTR_UP_4 + "/24")
    topo.ip("-n", topo.ns("rtr"), "link", "add", "name", "br0", "type", "bridge",
            "mcast_snooping", "0")
    topo.sysctl_keys("rtr", {"net.ipv6.conf.br0.accept_dad": 0, "net.ipv4.conf.br0.rp_filter": 0})
    topo.addr("rtr", "br0", BR6 + "/64")
    topo.addr("rtr", "br0", BR4 + "/24")
    for role, port in (("h1", "dn1"), ("h2", "dn2")):
        topo.add_namespace(role)
        topo.veth("rtr", port, role, "eth0")
        topo.ip("-n", topo.ns("rtr"), "link", "set", "dev", port, "master", "br0")
        topo.link_up("rtr", port)
        h6, h4 = HOST_ADDRESSES[role]
        topo.addr(role, "eth0", h6 + "/64")
        topo.addr(role, "eth0", h4 + "/24")
        topo.link_up(role, "eth0")
        topo.route(role, "-6", "route", "add", "default", "via", BR6, "dev", "eth0")
        topo.route(role, "-4", "route", "add", "default", "via", BR4, "dev", "eth0")
    for role, ifname in (("up", "eth0"), ("rtr", "up0"), ("rtr", "br0"), ("h1", "eth0"),
                         ("h2", "eth0")):
        topo.link_up(role, ifname)
    for role, ifname in (("up", "eth0"), ("rtr", "up0"), ("rtr", "br0"), ("h1", "eth0"),
                         ("h2", "eth0")):
        topo.wait_link_ready(role, ifname)
    return topo


def check_each_once(listener, group, what):
    records = listener.details(group)
    seqs = sorted(r.seq for r in records)
    check(seqs == list(range(1, COUNT + 1)),
          f"{what}: expected sequence numbers 1..{COUNT} once each, got {len(seqs)} "
          f"(missing {sorted(set(range(1, COUNT + 1)) - set(seqs))[:10]})")
    bad_hops = {r.hops for r in records} - {15}
    check(not bad_hops, f"{what}: hop limit / TTL should be 15, saw {bad_hops}")
    bad = [r for r in records
           if r.crc != f"{zlib.crc32(netns.sender_payload(r.seq, group, r.source)):08x}"]
    check(not bad, f"{what}: payloads changed on the way: {bad[:3]}")


def body(args):
    topo = topology()
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    dump = ecmh.dump()
    check({"up0", "br0"} <= set(dump.interfaces),
          f"ecmh should serve up0 and br0: {sorted(dump.interfaces)}")
    check(not {"dn1", "dn2"} & set(dump.interfaces),
          f"ecmh should not serve the bridge's ports: {sorted(dump.interfaces)}")

    log(f"h1 and h2 join {G6} and {G4} behind br0")
    listeners = {role: netns.Listener(topo, role, [G6, G4], PORT, details=True)
                 for role in ("h1", "h2")}
    netns.wait_until(lambda: all(ecmh.dump().group_links(g) == {"br0"} for g in (G6, G4)),
                     netns.SOON, "the dump to list both groups on br0")

    for group, source in ((G6, S1_6), (G4, S1_4)):
        log(f"S1 streams {COUNT} datagrams to {group}")
        sender = netns.Sender(topo, "up", group, source, PORT, rate=RATE, count=COUNT)
        sender.wait_sent(COUNT, timeout=netns.SOON + COUNT / RATE)
        for role, listener in listeners.items():
            listener.wait_count(COUNT, group, what=f"{role} to receive {COUNT} of {group}")
            check_each_once(listener, group, f"{group} to {role}")

    log(f"h2 leaves {G6}, then h1, while S1 streams")
    sender = netns.Sender(topo, "up", G6, S1_6, PORT, rate=100, name="sender-leave")
    sniff = netns.Sniffer(topo, "h1")
    netns.wait_until(lambda: sniff.count(G6) >= 20, netns.SOON, "dn1 to see the stream")
    listeners["h2"].leave(G6)
    before = listeners["h1"].count(G6)
    netns.wait_until(lambda: listeners["h1"].count(G6) >= before + 50, netns.SOON,
                     "h1 to keep receiving after h2's leave (it still listens on br0)")
    netns.measure_leave("MLDv2 leave (h1, the last on br0)", listeners["h1"], G6, sniff,
                        sender)
    netns.stop_checked(sender)


if __name__ == "__main__":
    netns.main("bridge_downstream", body)
