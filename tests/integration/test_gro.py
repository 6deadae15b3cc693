#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.gro: super-frames, i.e. GRO and GSO on the links ecmh captures (rfc-map M12).

With GRO on a link and UDP GRO forwarding (rx-udp-gro-forwarding) switched on, as tuning
guides suggest for routers and VPN gateways, the kernel merges back-to-back datagrams of
one flow into one frame before ecmh's capture sees it, larger than the link's MTU; a
veth peer sending with UDP GSO (UDP_SEGMENT) hands over such a frame without any GRO.
ecmh must cut them back into their datagrams: no multicast data lost.
 1. GRO: rtr's up0 has GRO and UDP GRO forwarding on; S1 sends 1,000-byte datagrams ten
    per system call with UDP_SEGMENT, and up's eth0 (tx-udp-segmentation off) sends them
    out one by one, back to back, which GRO on up0 merges again. h1 (dn1) listens to
    ff0e::9:3 and 239.9.9.3: every datagram in the run arrives, in order, intact (the
    kernel drops a datagram with a bad checksum, so corruption would show as a gap), and
    the dump shows super-frames cut and no oversized-frame drop.
 2. GSO through a veth: h1 sends ff0e::9:4 the same way with its eth0's segmentation on,
    so dn1 receives whole GSO packets (no GRO involved); h2 (dn2) gets every datagram.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import H1_6, S1_4, S1_6, SOON, check, log, wait_until  # noqa: E402

G6, G4, G6_DOWN = "ff0e::9:3", "239.9.9.3", "ff0e::9:4"
PORT = 5011
SIZE = 1000  # UDP payload of each datagram
GSO = 10  # datagrams per send
RATE = 400  # datagrams per second
WANTED = 600  # datagrams to see in one run


def ethtool(topo, role, ifname, *features):
    log(f"{role}:{ifname} ethtool -K {' '.join(features)}")
    topo.run(role, "ethtool", "-K", ifname, *features)


def complete_run(listener, group, what):
    """Waits for WANTED datagrams of `group` and returns how many sequence numbers are
    missing between the first and the last received, and whether they came in order."""
    base = listener.count(group)
    listener.wait_count(base + WANTED, group, what=what)
    seqs = [r[0] for r in listener.records(group)][base:]
    missing = (max(seqs) - min(seqs) + 1) - len(set(seqs))
    in_order = all(a < b for a, b in zip(seqs, seqs[1:]))
    return missing, in_order, len(seqs)


def superframes(ecmh):
    dump = ecmh.dump()
    return dump.stat("Super-frames Cut") or 0, dump.drops.get("oversized-frame", 0)


def gro_on_upstream(topo, ecmh, l1):
    for group in (G6, G4):
        missing, in_order, got = complete_run(l1, group, f"h1 to receive {WANTED} of {group}")
        cut, oversized = superframes(ecmh)
        print(f"GRO on up0: h1 got {got} datagrams of {group}, {missing} missing, "
              f"in order: {in_order}; super-frames cut so far {cut}, oversized-frame "
              f"{oversized}", flush=True)
        check(missing == 0 and in_order, f"{group} at h1: {missing} datagram(s) missing, "
              f"in order: {in_order}")
    cut, oversized = superframes(ecmh)
    check(oversized == 0, f"{oversized} super-frame(s) dropped as oversized")
    if netns._forwards_xdp(ecmh.argv):
        # With the XDP fast path (issue 15) the kernel hands the program the datagrams one
        # by one (generic XDP on this veth): the program forwards them, and what GRO
        # would have merged never reaches ecmh. The run proves that instead.
        dump = ecmh.dump()
        for group in (G6, G4):
            flow = dump.flow(group)
            check(flow is not None and (flow["packets"] or 0) >= WANTED // 2,
                  f"with --forward xdp the program should have forwarded {group}: {flow}")
        return
    check(cut > 0, "no super-frame reached ecmh: GRO did not merge anything, so this run "
          "proves nothing")


def gso_from_downstream(topo, ecmh, l2):
    before, _ = superframes(ecmh)
    netns.Sender(topo, "h1", G6_DOWN, H1_6, PORT, rate=RATE, size=SIZE, gso=GSO)
    missing, in_order, got = complete_run(l2, G6_DOWN, f"h2 to receive {WANTED} of {G6_DOWN}")
    cut, oversized = superframes(ecmh)
    print(f"GSO from h1: h2 got {got} datagrams, {missing} missing, in order: {in_order}; "
          f"super-frames cut {cut - before}", flush=True)
    check(missing == 0 and in_order, f"{G6_DOWN} at h2: {missing} missing")
    check(cut > before, "h1's GSO sends did not reach ecmh as super-frames")
    check(oversized == 0, f"{oversized} super-frame(s) dropped as oversized")


def body(args):
    topo = netns.standard_topology("gro")
    ethtool(topo, "rtr", "up0", "gro", "on", "rx-udp-gro-forwarding", "on")
    ethtool(topo, "up", "eth0", "tx-udp-segmentation", "off")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    l1 = netns.Listener(topo, "h1", [G6, G4], PORT)
    l2 = netns.Listener(topo, "h2", [G6_DOWN], PORT)
    netns.Sender(topo, "up", G6, S1_6, PORT, rate=RATE, size=SIZE, gso=GSO)
    netns.Sender(topo, "up", G4, S1_4, PORT, rate=RATE, size=SIZE, gso=GSO)
    gro_on_upstream(topo, ecmh, l1)
    gso_from_downstream(topo, ecmh, l2)


if __name__ == "__main__":
    netns.main("gro", body)
