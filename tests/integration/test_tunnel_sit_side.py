#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.tunnel_sit_side: ecmh in tunnel mode (-t) next to a sit device on its own side,
as an operator with a kernel tunnel per peer has: each packet is delivered once.

The standard topology with no h1/h2, plus t1 behind a 6in4 tunnel ended on both sides
(add_tunnel_host(router_endpoint=True, router_sit=True)): tools/tun6in4.py with TUN tnl0
in t1 and, in rtr, one with TUN tnl1 that claims hardware type ARPHRD_SIT (776), so
ecmh takes it for a sit device (this kernel has no sit). Both ends receive t1's 6in4
packets to 203.0.113.1: ecmh's capture on o1 and the rtr endpoint, which writes them
into tnl1 as the kernel's sit would. ecmh runs with -i up0 -t --tunnel-peer 203.0.113.10.

1. ecmh does not serve tnl1 ("not using tnl1: a 6in4 (sit) tunnel: ...") and has no
   interface tnl1 in its dump.
2. t1 joins ff0e::8:1 on tnl0: S1's stream reaches t1's listener with each sequence
   number exactly once; on t1's eth0 at most one 6in4 copy of each datagram arrives
   (hop limit 15), and on tnl0 one; the dump lists the group on tunnel-203.0.113.10
   only; ecmh sees no unknown tunnel peer (the rtr endpoint's own 6in4 packets to t1,
   the rtr kernel's MLD reports on tnl1, are not taken for one).
3. Nothing loops: the rtr endpoint writes into tnl1 only what t1 sent (its MLD
   messages, no test datagram), and the protocol-41 packets arriving at t1 number no
   more than the datagrams plus a little control.
4. t1 leaves: the stream stops crossing the tunnel.
ecmh and both endpoints exit 0 on SIGTERM.
"""

import os
import time
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import S1_6, T1_OUTER4, check, log  # noqa: E402

GROUP, PORT = "ff0e::8:1", 5081
PEER = f"tunnel-{T1_OUTER4}"
SIT_REASON = ("not using tnl1: a 6in4 (sit) tunnel: in tunnel mode (-t) its peer is served "
              "by decapsulation, not as a link of its own")


def body(args):
    topo = netns.standard_topology("tunnel_sit_side", hosts=())
    host_end, router_end = netns.add_tunnel_host(topo, "t1", router_endpoint=True,
                                                 router_sit=True)
    hw_type = topo.run("rtr", "cat", "/sys/class/net/tnl1/type").stdout.strip()
    check(hw_type == "776", f"tnl1 should have hardware type ARPHRD_SIT (776), has {hw_type}")
    cap = netns.Capture(topo, "t1", "eth0", name="tcpdump-t1-6in4",
                        expression="ip proto 41 and src host 203.0.113.1")
    outer = netns.Sniffer(topo, "t1", "eth0", name="sniffer-t1-6in4", decap_6in4=True)
    inner = netns.Sniffer(topo, "t1", "tnl0", name="sniffer-t1-tnl0")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0", "-t", "--tunnel-peer", T1_OUTER4])

    log("ecmh leaves tnl1 alone")
    netns.wait_until(lambda: SIT_REASON in ecmh.log_text(), netns.SOON,
                     f"ecmh to log {SIT_REASON!r}")
    used = [l for l in ecmh.log_text().splitlines() if "using tnl1 (" in l]
    check(not used, f"ecmh serves tnl1: {used}")

    sender = netns.Sender(topo, "up", GROUP, S1_6, PORT)
    log(f"t1 joins {GROUP} on tnl0")
    listener = netns.Listener(topo, "t1", [GROUP], PORT, ifname="tnl0")
    listener.wait_count(40, GROUP, what="t1 to receive 40 datagrams over ecmh's tunnel")
    netns.wait_until(lambda: outer.count(GROUP, S1_6) >= 40 and inner.count(GROUP, S1_6) >= 40,
                     netns.SOON, "40 datagrams inside 6in4 packets on t1's eth0, and on tnl0",
                     detail=lambda: f"{outer.count(GROUP)} on eth0, {inner.count(GROUP)} on tnl0")
    for what, seqs in (("t1's listener", [r[0] for r in listener.records(GROUP, S1_6)]),
                       ("t1's eth0 (inside 6in4)", [p[1] for p in outer.packets(GROUP, S1_6)]),
                       ("t1's tnl0", [p[1] for p in inner.packets(GROUP, S1_6)])):
        dups = sorted({s for s in seqs if seqs.count(s) > 1})
        check(not dups, f"{what}: datagrams delivered more than once: {dups[:20]} "
              f"({len(seqs)} packets, {len(set(seqs))} sequence numbers)")
    hops = {p[4] for p in outer.packets(GROUP)}
    check(hops == {15}, f"forwarded copies should have hop limit 16 - 1 = 15, saw {hops}")
    dump = ecmh.dump()
    check(dump.group_links(GROUP) == {PEER},
          f"the dump should list {GROUP} on {PEER} only, lists {dump.group_links(GROUP)}")
    check("tnl1" not in dump.interfaces, "the dump lists tnl1 as an interface")
    check(PEER in dump.interfaces, f"the dump has no interface {PEER}: "
          f"{sorted(dump.interfaces)}")
    unknown = dump.drops.get("unknown-tunnel-peer", 0)
    said = [l for l in ecmh.log_text().splitlines() if "protocol 41 from" in l]
    check(unknown == 0 and not said,
          f"ecmh took a 6in4 packet for an unknown peer's ({unknown} drops): {said}")

    log("nothing loops")
    _, rtr_data = router_end.stats()
    check(not rtr_data.get("tnl1"), f"test datagrams went into rtr's tnl1: {rtr_data}")
    frames_before, data_before = len(cap.frames()), outer.count(GROUP)
    time.sleep(netns.QUERY_INTERVAL)
    frames = len(cap.frames()) - frames_before
    data = outer.count(GROUP) - data_before
    check(frames <= data + 20, f"{frames} protocol-41 packets reached t1 in "
          f"{netns.QUERY_INTERVAL} s, {data} of them test datagrams: a loop?")

    log("t1 leaves")
    netns.measure_leave("MLDv2 leave over ecmh's tunnel, sit device beside it (t1)", listener,
                        GROUP, outer, sender)
    netns.stop_checked(sender, listener, ecmh, host_end, router_end)
    log(f"endpoints: {host_end.counters()} {router_end.counters()}")


if __name__ == "__main__":
    netns.main("tunnel_sit_side", body, need_tcpdump=True)
