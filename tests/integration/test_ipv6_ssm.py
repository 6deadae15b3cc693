#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.ipv6_ssm: source-specific IPv6 multicast (RFC 4607) through ecmh.

S1 and S2 (ns up) both stream to ff3e::8000:1. h1 joins (S1, ff3e::8000:1) with
MCAST_JOIN_SOURCE_GROUP: S1's stream reaches h1, S2's never reaches h1's link. h2 makes
an any-source join of the same SSM group (its kernel reports EXCLUDE {}), which a router
must ignore (RFC 4604 §3.7): once a capture on ecmh's side of h2's link has seen that
report arrive, nothing reaches h2's link and the dump lists the group on dn1 only. h1 leaves the source: S1's stream
stops reaching h1's link within the last listener query time.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import S1_6, S2_6, check, log, summarize, wait_until  # noqa: E402

GROUP = "ff3e::8000:1"
PORT = 5002


def body(args):
    topo = netns.standard_topology("ipv6_ssm")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    sniff1 = netns.Sniffer(topo, "h1")
    sniff2 = netns.Sniffer(topo, "h2")
    cap2 = netns.Capture(topo, "rtr", ifname=netns.HOSTS["h2"][0], expression="ip6 and not udp")
    s1 = netns.Sender(topo, "up", GROUP, S1_6, PORT)
    netns.Sender(topo, "up", GROUP, S2_6, PORT)

    log(f"h1 joins ({S1_6}, {GROUP})")
    l1 = netns.Listener(topo, "h1", [f"{GROUP}@{S1_6}"], PORT)
    l1.wait_count(20, GROUP, S1_6, what="h1 to receive 20 datagrams from S1")
    check(sniff1.count(GROUP, S2_6) == 0,
          f"h1 asked for S1 only, yet {sniff1.count(GROUP, S2_6)} datagrams from S2 reached "
          "its link")
    check(l1.count(GROUP, S2_6) == 0, "h1's socket received datagrams from S2")
    check(sniff2.count(GROUP) == 0,
          f"h2 does not listen, yet {sniff2.count(GROUP)} datagrams reached its link")
    dump = ecmh.dump()
    check(dump.group_links(GROUP) == {"dn1"},
          f"the dump should list {GROUP} on dn1 only, lists {dump.group_links(GROUP)}")
    details = " ".join(dump.groups[GROUP]["links"]["dn1"])
    check(f"{S1_6} INCLUDE" in details,
          f"the dump should show {S1_6} INCLUDE on dn1 for {GROUP}: {details!r}")
    check(S2_6 not in details, f"the dump mentions S2 for {GROUP} on dn1: {details!r}")

    log(f"h2 makes an any-source join of the SSM group {GROUP} (must be ignored)")
    dn2 = netns.HOSTS["h2"][0]
    received = dump.interfaces[dn2]["ICMP's received"]
    mark = cap2.mark()
    h2_ll = topo.link_local("h2", "eth0")
    l2 = netns.Listener(topo, "h2", [GROUP], PORT)
    # The join happened: h2's EXCLUDE record for the group reached ecmh's side of the
    # link, and ecmh has read MLD on dn2 since (its counter moved), so what follows tests
    # an ignored join, not a join that never came.
    reports = wait_until(
        lambda: netns.find_messages([m for m in cap2.messages(mark) if m.src == h2_ll],
                                    "mldv2-report", GROUP, rtypes=(netns.IS_EX, netns.TO_EX),
                                    sources=()),
        netns.SOON, f"h2's EXCLUDE {{}} report for {GROUP} on {dn2}",
        detail=lambda: summarize(cap2.messages(mark)))
    log(f"h2's any-source join seen on {dn2}: {reports[0]!r}")
    wait_until(lambda: int(ecmh.dump().interfaces[dn2]["ICMP's received"]) > int(received),
               netns.SOON, f"ecmh to count h2's report as received on {dn2}")
    base = l1.count(GROUP, S1_6)
    l1.wait_count(base + 30, GROUP, S1_6, what="h1 to receive 30 more datagrams from S1")
    check(sniff2.count(GROUP) == 0,
          f"h2's any-source join of an SSM group must be ignored, yet {sniff2.count(GROUP)} "
          "datagrams reached its link")
    check(l2.count() == 0, "h2's socket received datagrams")
    check(sniff1.count(GROUP, S2_6) == 0, "S2's datagrams reached h1's link")
    dump = ecmh.dump()
    check(dump.group_links(GROUP) == {"dn1"},
          f"after h2's any-source join the dump should still list {GROUP} on dn1 only, "
          f"lists {dump.group_links(GROUP)}")

    log(f"h1 leaves ({S1_6}, {GROUP})")
    netns.measure_leave("MLDv2 source leave (h1)", l1, f"{GROUP}@{S1_6}", sniff1, s1)
    check(ecmh.alive(), "ecmh died")


if __name__ == "__main__":
    netns.main("ipv6_ssm", body, need_scapy=True, need_tcpdump=True)
