#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.downstream_source: a source on a downstream link.

h1 streams to ff0e::5:1 and 239.5.5.1. A listener in ns up (upstream) and one in h2
receive both streams (RFC 4605 §4.2: data from downstream goes upstream, and to other
downstream links with listeners); no copy comes back to h1's link. Then h1 listens to
ff0e::5:2 and ns up pings that group (ICMPv6 Echo Request, hop limit 16): h1 answers
(by unicast, routed back through ns rtr's kernel).
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import H1_4, H1_6, S1_6, SOON, check, log, wait_until  # noqa: E402

G6, G4 = "ff0e::5:1", "239.5.5.1"
PING_GROUP = "ff0e::5:2"
PORT = 5005


def body(args):
    topo = netns.standard_topology("downstream_source")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    sniff_up = netns.Sniffer(topo, "up")
    sniff1 = netns.Sniffer(topo, "h1")
    lup = netns.Listener(topo, "up", [G6, G4], PORT, name="listener-up")
    l2 = netns.Listener(topo, "h2", [G6, G4], PORT)
    netns.Sender(topo, "h1", G6, H1_6, PORT)
    netns.Sender(topo, "h1", G4, H1_4, PORT)

    log("waiting for h1's streams upstream and at h2")
    lup.wait_count(20, G6, H1_6, what=f"the upstream listener to receive 20 datagrams of {G6}")
    lup.wait_count(20, G4, H1_4, what=f"the upstream listener to receive 20 datagrams of {G4}")
    l2.wait_count(20, G6, H1_6, what=f"h2 to receive 20 datagrams of {G6}")
    l2.wait_count(20, G4, H1_4, what=f"h2 to receive 20 datagrams of {G4}")
    hops = {p[4] for p in sniff_up.packets(G6)} | {p[4] for p in sniff_up.packets(G4)}
    check(hops == {15}, f"copies upstream should have hop limit/TTL 15, saw {hops}")
    check(sniff1.count(G6) == 0 and sniff1.count(G4) == 0,
          f"ecmh sent {sniff1.count(G6) + sniff1.count(G4)} copies back to the source's link")

    log(f"h1 listens to {PING_GROUP}; ns up pings it")
    netns.Listener(topo, "h1", [PING_GROUP], PORT + 1, name="listener-h1-ping")
    wait_until(lambda: "dn1" in ecmh.dump().group_links(PING_GROUP), SOON,
               f"the dump to list {PING_GROUP} on dn1", interval=0.2)
    ping = [netns.PYTHON, os.path.join(netns.TOOLS, "ping6.py"), "--ifname", "eth0",
            "--source", S1_6, "--group", PING_GROUP, "--count", "3", "--hops", "16",
            "--wait", "2"]
    r = topo.run("up", *ping, check=False)
    print(r.stdout.strip(), flush=True)
    check(r.returncode == 0 and f"reply from {H1_6}" in r.stdout,
          f"no Echo Reply from h1 ({H1_6}) to a ping of {PING_GROUP}: {r.stdout} {r.stderr}")
    check(ecmh.alive(), "ecmh died")


if __name__ == "__main__":
    netns.main("downstream_source", body)
