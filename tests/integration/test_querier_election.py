#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.querier_election: another MLD router on a downstream link (RFC 3810 §7.6.2).

S1 streams to ff0e::b:1; h2 listens on dn2. From h2's link, scapy sends MLDv2 General
Queries as another router would:
 - from fe80::ffff:ffff:ffff:ffff (higher than ecmh's address): ecmh stays the querier;
   h2 keeps receiving.
 - from fe80::1 (lower): ecmh yields; its dump names the other querier, and, as an RFC
   4605 proxy forwards only to links where it is the querier (README), the stream stops
   reaching dn2.
 - no more queries: after the Other Querier Present Interval (RV x QI + QRI / 2 = 4.5 s)
   ecmh is the querier again and h2 receives again (the takeover time is printed).
"""

import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import (QUERY_INTERVAL, QUERY_RESPONSE_INTERVAL, ROBUSTNESS, S1_6, SOON, check,
                   log, wait_until)  # noqa: E402

GROUP = "ff0e::b:1"
PORT = 5011
HIGH, LOW = "fe80::ffff:ffff:ffff:ffff", "fe80::1"
OQPI = ROBUSTNESS * QUERY_INTERVAL + QUERY_RESPONSE_INTERVAL / 2


def querier(ecmh):
    return ecmh.dump().interfaces.get("dn2", {}).get("MLD querier", "")


def send_query(topo, source):
    topo.run("h2", netns.PYTHON, os.path.join(netns.TOOLS, "craft.py"), "--ifname", "eth0",
             "--ll", source, "query-mldv2")


def body(args):
    topo = netns.standard_topology("querier_election")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    sniff2 = netns.Sniffer(topo, "h2")
    cap2 = netns.Capture(topo, "h2")
    sender = netns.Sender(topo, "up", GROUP, S1_6, PORT)
    l2 = netns.Listener(topo, "h2", [GROUP], PORT)
    l2.wait_count(20, GROUP, what="h2 to receive 20 datagrams")
    check(querier(ecmh) == "this router", f"ecmh should be dn2's querier: {querier(ecmh)!r}")

    log(f"a query from {HIGH} (higher address)")
    send_query(topo, HIGH)
    base = l2.count(GROUP)
    l2.wait_count(base + 20, GROUP, what="h2 to keep receiving")
    check(querier(ecmh) == "this router",
          f"a query from a higher address must not take over: {querier(ecmh)!r}")

    log(f"a query from {LOW} (lower address)")
    send_query(topo, LOW)
    # When the query was on the wire (tcpdump's CLOCK_REALTIME -> CLOCK_MONOTONIC).
    queries = wait_until(lambda: [m for m in cap2.messages() if m.src == LOW], SOON,
                         f"tcpdump on h2 to see the query from {LOW}")
    t_query = queries[0].time - (time.time() - time.monotonic())
    wait_until(lambda: LOW in querier(ecmh), SOON, f"the dump to name {LOW} as dn2's querier",
               interval=0.2, detail=lambda: repr(querier(ecmh)))
    last = netns.wait_stream_stops(sniff2, GROUP, None, t_query, sender, 1.0, OQPI,
                                   "the stream to stop reaching dn2 while another router "
                                   "is the querier")
    print(f"QUERIER: stream to dn2 stopped {max(0.0, last - t_query) * 1000:.0f} ms after "
          "the lower query", flush=True)

    log("no more queries: ecmh must become the querier again")
    t = wait_until(lambda: querier(ecmh) == "this router" and time.monotonic(),
                   OQPI + SOON, "ecmh to be the querier again", interval=0.2,
                   detail=lambda: repr(querier(ecmh)))
    print(f"QUERIER: ecmh took over {t - t_query:.2f} s after the last query "
          f"(Other Querier Present Interval {OQPI:.1f} s)", flush=True)
    check(t - t_query >= OQPI - 0.05,
          f"ecmh took over after {t - t_query:.2f} s, before the Other Querier Present "
          f"Interval ({OQPI:.1f} s) ran out")
    base = l2.count(GROUP)
    l2.wait_count(base + 20, GROUP, what="h2 to receive again once ecmh is the querier")


if __name__ == "__main__":
    netns.main("querier_election", body, need_scapy=True, need_tcpdump=True)
