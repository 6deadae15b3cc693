#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.tunnel_mode: ecmh in tunnel mode (-t) serves a 6in4 tunnel peer itself, with no
tunnel interface on its side.

The standard topology with h1 only, plus t1 behind a 6in4 tunnel whose far end is ecmh
itself (add_tunnel_host(router_endpoint=False): t1 runs tools/tun6in4.py with TUN tnl0,
203.0.113.10 → 203.0.113.1 over the IPv4 veth o1; nothing in rtr ends the tunnel).
ecmh runs with -i up0 -t --tunnel-peer 203.0.113.10.

1. The peer is queried over the tunnel: MLDv2 General Queries inside 6in4 packets to
   203.0.113.10, from fe80::c000:201 (RFC 4213 §3.7: fe80:: and our lowest IPv4 address,
   as the peer may use any of ours) until the peer's first packet, to 203.0.113.1;
   from then on from fe80::cb00:7101.
2. t1 joins ff0e::6:1 on tnl0: its report reaches ecmh through the tunnel, S1's stream
   reaches t1 (inside 6in4 packets on t1's eth0, hop limit 16 − 1, each datagram once),
   and ecmh reports the group upstream. The dump shows the peer.
3. A source on t1 (out of tnl0) reaches h1, which joined ff0e::6:2.
4. t1 leaves: the stream stops crossing the tunnel.
5. A stranger (203.0.113.66, on o1's subnet, no peer) sends a 6in4 MLDv2 report for
   ff0e::6:3 (scapy): ecmh changes nothing (no report upstream, nothing in the dump),
   sends nothing to 203.0.113.66 (no protocol-41 packet, no query), counts
   unknown-tunnel-peer and logs it once.
ecmh exits 0 on SIGTERM.
"""

import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import (S1_6, T1_6, T1_OUTER4, T1_OUTER_RTR4, IS_EX, TO_EX,  # noqa: E402
                   check, log)

GROUP, PORT = "ff0e::6:1", 5061
GROUP_H1, PORT_H1 = "ff0e::6:2", 5062
GROUP_STRANGER = "ff0e::6:3"
STRANGER4 = "203.0.113.66"
# RFC 4213 §3.7: fe80::IPV4. Before the peer's first packet ecmh queries from its lowest
# IPv4 address's (192.0.2.1 on dn1); then from the one the peer sends to (203.0.113.1).
ECMH_TUNNEL_LL_FIRST = "fe80::c000:201"
ECMH_TUNNEL_LL = "fe80::cb00:7101"


def stranger_report(topo):
    """A 6in4 MLDv2 report (TO_EX {} for GROUP_STRANGER) from STRANGER4 to ecmh's o1
    address, crafted with scapy in t1 (whose eth0 takes the stranger's address too)."""
    topo.addr("t1", "eth0", STRANGER4 + "/25")
    script = (
        "from scapy.all import *\n"
        "import scapy.contrib.igmpv3\n"
        "from scapy.layers.inet6 import *\n"
        f"inner = IPv6(src='fe80::66', dst='ff02::16', hlim=1) / "
        "IPv6ExtHdrHopByHop(options=[RouterAlert()]) / "
        "ICMPv6MLReport2(records=[ICMPv6MLDMultAddrRec(rtype=4, "
        f"dst='{GROUP_STRANGER}')])\n"
        f"pkt = IP(src='{STRANGER4}', dst='{T1_OUTER_RTR4}', proto=41) / inner\n"
        "for _ in range(3):\n"
        "    send(pkt, iface='eth0', verbose=False)\n"
    )
    topo.run("t1", netns.PYTHON, "-c", script)


def body(args):
    topo = netns.standard_topology("tunnel_mode", hosts=("h1",))
    host_end, _ = netns.add_tunnel_host(topo, "t1", router_endpoint=False)
    cap = netns.Capture(topo, "t1", "eth0", name="tcpdump-t1-6in4", expression="ip proto 41")
    up_cap = netns.Capture(topo, "up", "eth0", name="tcpdump-up")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0", "-t", "--tunnel-peer", T1_OUTER4])

    log(f"ecmh queries t1 over the tunnel, from {ECMH_TUNNEL_LL_FIRST}")
    netns.wait_until(
        lambda: netns.find_messages(netns.from_ecmh(cap.messages(), {ECMH_TUNNEL_LL_FIRST}),
                                    "mldv2-query"),
        netns.QUERY_INTERVAL + netns.SOON,
        f"an MLDv2 query of ecmh inside a 6in4 packet from {T1_OUTER_RTR4} on t1's eth0",
        detail=lambda: netns.summarize(cap.messages()))

    outer = netns.Sniffer(topo, "t1", "eth0", name="sniffer-t1-6in4", decap_6in4=True)
    sender = netns.Sender(topo, "up", GROUP, S1_6, PORT)
    t1_ll = topo.link_local("t1", "tnl0")
    log(f"t1 joins {GROUP} on tnl0")
    listener = netns.Listener(topo, "t1", [GROUP], PORT, ifname="tnl0")
    netns.wait_until(
        lambda: netns.find_messages([m for m in cap.messages() if m.src == t1_ll],
                                    "mldv2-report", GROUP, (TO_EX, IS_EX)),
        netns.SOON, f"t1's MLDv2 report for {GROUP} inside a 6in4 packet from {T1_OUTER4}",
        detail=lambda: netns.summarize(cap.messages()))
    listener.wait_count(20, GROUP, what="t1 to receive 20 datagrams over ecmh's tunnel")
    mark = cap.mark()
    netns.wait_until(
        lambda: netns.find_messages(netns.from_ecmh(cap.messages(mark), {ECMH_TUNNEL_LL}),
                                    "mldv2-query"),
        netns.QUERY_INTERVAL + netns.SOON,
        f"an MLDv2 query from {ECMH_TUNNEL_LL}, the address t1 uses",
        detail=lambda: netns.summarize(cap.messages(mark)))
    netns.wait_until(lambda: outer.count(GROUP, S1_6) >= 20, netns.SOON,
                     "20 datagrams inside 6in4 packets on t1's eth0",
                     detail=lambda: f"{outer.count(GROUP)} seen")
    hops = {p[4] for p in outer.packets(GROUP)}
    check(hops == {15}, f"forwarded copies should have hop limit 16 - 1 = 15, saw {hops}")
    seqs = [p[1] for p in outer.packets(GROUP, S1_6)]
    check(len(seqs) == len(set(seqs)),
          f"each datagram should cross the tunnel once: {len(seqs)} packets, "
          f"{len(set(seqs))} sequence numbers")
    ecmh_up_ll = topo.link_local("rtr", "up0")
    netns.wait_until(
        lambda: netns.find_messages(netns.from_ecmh(up_cap.messages(), {ecmh_up_ll}),
                                    "mldv2-report", GROUP, (TO_EX, IS_EX)),
        netns.SOON, f"ecmh's report for {GROUP} upstream",
        detail=lambda: netns.summarize(up_cap.messages()))
    dump = ecmh.dump()
    peer_name = f"tunnel-{T1_OUTER4}"
    check(dump.group_links(GROUP) == {peer_name},
          f"the dump should list {GROUP} on {peer_name} only, lists {dump.group_links(GROUP)}")

    log(f"h1 joins {GROUP_H1}; t1 sends to it out of tnl0")
    listener_h1 = netns.Listener(topo, "h1", [GROUP_H1], PORT_H1)
    sender_t1 = netns.Sender(topo, "t1", GROUP_H1, T1_6, PORT_H1, ifname="tnl0")
    listener_h1.wait_count(20, GROUP_H1, T1_6,
                           what="h1 to receive 20 datagrams from t1, through ecmh's tunnel")
    sender_t1.stop()
    listener_h1.stop()

    log("t1 leaves")
    netns.measure_leave("MLDv2 leave over ecmh's tunnel (t1)", listener, GROUP, outer, sender)
    sender.stop()

    log(f"a stranger ({STRANGER4}) sends a 6in4 report")
    to_stranger = netns.Capture(topo, "t1", "eth0", name="tcpdump-to-stranger",
                                expression=f"ip and dst host {STRANGER4}")
    up_mark = up_cap.mark()
    before = ecmh.dump().drops.get("unknown-tunnel-peer", 0)
    stranger_report(topo)
    netns.wait_until(lambda: ecmh.dump().drops.get("unknown-tunnel-peer", 0) >= before + 3,
                     netns.SOON, "ecmh to count 3 unknown-tunnel-peer drops",
                     detail=lambda: str(ecmh.last_dump.drops if ecmh.last_dump else None))
    dump = ecmh.dump()
    check(GROUP_STRANGER not in dump.groups,
          f"a stranger's report created state: {dump.group_links(GROUP_STRANGER)}")
    time.sleep(netns.QUERY_INTERVAL)  # a query to the stranger would be due by now
    frames = to_stranger.frames()
    check(not frames, f"{len(frames)} IPv4 packets were sent to the stranger")
    reports = netns.find_messages(netns.from_ecmh(up_cap.messages(up_mark), {ecmh_up_ll}),
                                  "mldv2-report", GROUP_STRANGER)
    check(not reports, f"the stranger's group was reported upstream: {reports}")
    said = [l for l in ecmh.log_text().splitlines() if STRANGER4 in l]
    check(len(said) == 1, f"the stranger should be logged once, was {len(said)} times: {said}")

    listener.stop()
    rc = ecmh.stop()
    check(rc == 0, f"ecmh exited with status {rc} on SIGTERM (expected 0)")
    rc = host_end.stop()
    check(rc == 0, f"{host_end.name} exited with status {rc} on SIGTERM")


if __name__ == "__main__":
    netns.main("tunnel_mode", body, need_scapy=True, need_tcpdump=True)
