#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.tunnel_default: a Linux host behind a 6in4 tunnel, ecmh in its default mode
(no -t): the tunnel is a link without a link header like any other.

The standard topology with h1 only, plus t1 behind a 6in4 tunnel (add_tunnel_host():
TUN tnl1 in rtr <== protocol 41 over the IPv4 veth o1/eth0 ==> TUN tnl0 in t1; both
ends are tools/tun6in4.py, as this kernel may have no sit).

1. The tunnel downstream (ecmh -i up0): t1 joins ff0e::5:1 on tnl0. ecmh's MLD queries
   and t1's reports cross the tunnel (decoded from the 6in4 packets on t1's eth0); S1's
   stream reaches t1's listener, and on eth0 it travels inside 6in4 packets from
   203.0.113.1 with hop limit 15; h1 (not listening) gets nothing. t1 leaves: the stream
   stops crossing the tunnel within the last listener query time.
2. The tunnel upstream (ecmh -i tnl1): h1 joins ff0e::5:2; ecmh's MLDv2 report for it
   goes over the tunnel, and a source on t1 (2001:db8:5::10, out of tnl0) reaches h1.
   h1 leaves: ecmh's leave (TO_IN {}) goes over the tunnel and the stream stops
   reaching h1's link.
Both instances exit 0 on SIGTERM.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import (S1_6, T1_6, T1_OUTER4, T1_OUTER_RTR4, IS_EX, TO_EX, TO_IN,  # noqa: E402
                   check, log)

GROUP_DOWN, PORT_DOWN = "ff0e::5:1", 5051
GROUP_UP, PORT_UP = "ff0e::5:2", 5052


def using_line(ecmh, ifname):
    """ecmh's "using IF (ifindex N, ROLE, ...)" line, once it is logged."""
    def line():
        for l in ecmh.log_text().splitlines():
            if f"using {ifname} (ifindex" in l:
                return l
        return None
    return netns.wait_until(line, netns.SOON, f"{ecmh.name} to log that it uses {ifname}")


def tunnel_downstream(args, topo, cap):
    """Scenario 1: tnl1 is a downstream link."""
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"], name="ecmh-down")
    line = using_line(ecmh, "tnl1")
    check(", downstream," in line, f"ecmh should use tnl1 as a downstream link: {line!r}")
    rtr_ll = topo.link_local("rtr", "tnl1")
    t1_ll = topo.link_local("t1", "tnl0")
    outer = netns.Sniffer(topo, "t1", "eth0", name="sniffer-t1-6in4", decap_6in4=True)
    inner = netns.Sniffer(topo, "t1", "tnl0", name="sniffer-t1-tnl0")
    sniff1 = netns.Sniffer(topo, "h1")
    # What arrives on the source's own link: nothing of its stream may come back. On a
    # link without a link header there is no MAC to recognise our own copies by; what
    # keeps ecmh from reading its copies to tnl1 as arrivals and forwarding them upstream
    # is that its captures never see its own frames: sent with PACKET_QDISC_BYPASS (no
    # tap sees them), and captured with PACKET_IGNORE_OUTGOING and PCAP_D_IN (rfc-map 49,
    # M13). With all three removed this check fails (hop limit 14 copies on up's eth0).
    sniff_up = netns.Sniffer(topo, "up", "eth0", name="sniffer-up")
    sender = netns.Sender(topo, "up", GROUP_DOWN, S1_6, PORT_DOWN)

    log(f"ecmh queries t1 over the tunnel (from {rtr_ll})")
    netns.wait_until(
        lambda: netns.find_messages(netns.from_ecmh(cap.messages(), {rtr_ll}), "mldv2-query"),
        netns.QUERY_INTERVAL + netns.SOON, "an MLDv2 query of ecmh inside a 6in4 packet from "
        f"{T1_OUTER_RTR4} on t1's eth0", detail=lambda: netns.summarize(cap.messages()))

    log(f"t1 joins {GROUP_DOWN} on tnl0")
    listener = netns.Listener(topo, "t1", [GROUP_DOWN], PORT_DOWN, ifname="tnl0")
    netns.wait_until(
        lambda: netns.find_messages([m for m in cap.messages() if m.src == t1_ll],
                                    "mldv2-report", GROUP_DOWN, (TO_EX, IS_EX)),
        netns.SOON, f"t1's MLDv2 report for {GROUP_DOWN} inside a 6in4 packet from {T1_OUTER4}",
        detail=lambda: netns.summarize(cap.messages()))
    listener.wait_count(20, GROUP_DOWN, what="t1 to receive 20 datagrams over the tunnel")
    netns.wait_until(lambda: outer.count(GROUP_DOWN, S1_6) >= 20, netns.SOON,
                     "20 datagrams inside 6in4 packets on t1's eth0",
                     detail=lambda: f"{outer.count(GROUP_DOWN)} seen")
    hops = {p[4] for p in outer.packets(GROUP_DOWN)} | {p[4] for p in inner.packets(GROUP_DOWN)}
    check(hops == {15}, f"forwarded copies should have hop limit 16 - 1 = 15, saw {hops}")
    check(inner.count(GROUP_DOWN) > 0, "no datagram seen arriving on t1's tnl0")
    check(sniff1.count(GROUP_DOWN) == 0,
          f"h1 does not listen, yet {sniff1.count(GROUP_DOWN)} datagrams reached its link")
    check(sniff_up.count(GROUP_DOWN) == 0,
          f"{sniff_up.count(GROUP_DOWN)} datagrams of S1's stream came back to its own link "
          f"(hop limits {sorted({p[4] for p in sniff_up.packets(GROUP_DOWN)})}): ecmh read "
          "its own copies to tnl1 as arrivals")
    dump = ecmh.dump()
    check(dump.group_links(GROUP_DOWN) == {"tnl1"},
          f"the dump should list {GROUP_DOWN} on tnl1 only, lists "
          f"{dump.group_links(GROUP_DOWN)}")
    check(dump.interfaces.get("tnl1") is not None, "the dump has no interface tnl1")

    log("t1 leaves")
    netns.measure_leave("MLDv2 leave over the tunnel (t1)", listener, GROUP_DOWN, outer,
                        sender)
    sender.stop()
    listener.stop()
    rc = ecmh.stop()
    check(rc == 0, f"{ecmh.name} exited with status {rc} on SIGTERM (expected 0)")


def tunnel_upstream(args, topo, cap):
    """Scenario 2: tnl1 is the upstream link."""
    mark = cap.mark()
    ecmh = netns.start_ecmh(topo, args, ["-i", "tnl1"], name="ecmh-up")
    line = using_line(ecmh, "tnl1")
    check(", upstream," in line, f"ecmh should use tnl1 as its upstream link: {line!r}")
    rtr_ll = topo.link_local("rtr", "tnl1")
    sniff1 = netns.Sniffer(topo, "h1")
    sender = netns.Sender(topo, "t1", GROUP_UP, T1_6, PORT_UP, ifname="tnl0")

    def reports(rtypes, sources=None):
        return netns.find_messages(netns.from_ecmh(cap.messages(mark), {rtr_ll}),
                                   "mldv2-report", GROUP_UP, rtypes, sources)

    log(f"h1 joins {GROUP_UP}")
    listener = netns.Listener(topo, "h1", [GROUP_UP], PORT_UP)
    netns.wait_until(lambda: reports((TO_EX, IS_EX), ()), netns.SOON,
                     f"ecmh's MLDv2 report EXCLUDE {{}} for {GROUP_UP} inside a 6in4 packet "
                     f"from {T1_OUTER_RTR4} on t1's eth0",
                     detail=lambda: netns.summarize(cap.messages(mark)))
    listener.wait_count(20, GROUP_UP, T1_6,
                        what="h1 to receive 20 datagrams from t1, across the tunnel")
    hops = {p[4] for p in sniff1.packets(GROUP_UP)}
    check(hops == {15}, f"forwarded copies should have hop limit 16 - 1 = 15, saw {hops}")
    dump = ecmh.dump()
    check(dump.group_links(GROUP_UP) == {"dn1"},
          f"the dump should list {GROUP_UP} on dn1 only, lists {dump.group_links(GROUP_UP)}")

    log("h1 leaves")
    netns.measure_leave("MLDv2 leave, tunnel upstream (h1)", listener, GROUP_UP, sniff1, sender)
    netns.wait_until(lambda: reports((TO_IN,), ()), netns.SOON,
                     f"ecmh's MLDv2 leave (TO_IN {{}}) for {GROUP_UP} over the tunnel",
                     detail=lambda: netns.summarize(cap.messages(mark)))
    sender.stop()
    rc = ecmh.stop()
    check(rc == 0, f"{ecmh.name} exited with status {rc} on SIGTERM (expected 0)")


def body(args):
    topo = netns.standard_topology("tunnel_default", hosts=("h1",))
    host_end, router_end = netns.add_tunnel_host(topo, "t1")
    # MLD crossing the tunnel, decoded from the 6in4 packets on the outer link.
    cap = netns.Capture(topo, "t1", "eth0", name="tcpdump-t1-6in4", expression="ip proto 41")

    tunnel_downstream(args, topo, cap)
    tunnel_upstream(args, topo, cap)

    for end in (host_end, router_end):
        rc = end.stop()
        check(rc == 0, f"{end.name} exited with status {rc} on SIGTERM: {end.proc.output()}")
        log(f"{end.name}: {end.counters()}")


if __name__ == "__main__":
    netns.main("tunnel_default", body, need_scapy=True, need_tcpdump=True)
