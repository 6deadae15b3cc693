#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.mld1only: ecmh -1, an MLDv1-only router and host.

tcpdump on h1's link and on ns up. ecmh queries dn1 with MLDv1 queries only; h1's
kernel (automatic version) then joins ff0e::c:1 with an MLDv1 Report and receives S1's
stream; upstream ecmh reports the group with an MLDv1 Report, repeated once (within the
MLDv1 Unsolicited Report Interval, set by --unsolicited-report-interval), never MLDv2. h1 leaves
(MLDv1 Done): the stream stops within the last listener query time, and ecmh sends an
MLDv1 Done upstream.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import S1_6, SOON, URI, check, find_messages, log, summarize, wait_until  # noqa: E402

GROUP = "ff0e::c:1"
PORT = 5012


def body(args):
    topo = netns.standard_topology("mld1only")
    cap1 = netns.Capture(topo, "h1")
    capup = netns.Capture(topo, "up")
    ecmh = netns.start_ecmh(topo, args, ["-1", "-i", "up0"])
    dn1 = topo.link_local("rtr", "dn1")
    up0 = topo.link_local("rtr", "up0")

    def ecmh_on(cap, ll):
        return netns.from_ecmh(cap.messages(), {ll})

    wait_until(lambda: find_messages(ecmh_on(cap1, dn1), "mldv1-query"), SOON,
               "an MLDv1 query from ecmh on dn1",
               detail=lambda: summarize(ecmh_on(cap1, dn1)))
    dump = ecmh.dump()
    check(dump.interfaces["dn1"].get("MLD version") == "v1",
          f"with -1 the dump should show MLD version v1 on dn1: {dump.interfaces['dn1']}")

    sniff1 = netns.Sniffer(topo, "h1")
    sender = netns.Sender(topo, "up", GROUP, S1_6, PORT)
    log(f"h1 joins {GROUP}")
    l1 = netns.Listener(topo, "h1", [GROUP], PORT)
    l1.wait_count(20, GROUP, what="h1 to receive 20 datagrams")
    # RFC 2710 §4: the unsolicited Report is repeated after a random delay of up to the
    # MLDv1 Unsolicited Report Interval (10 s by default; --unsolicited-report-interval,
    # 200 ms here, sets it too).
    reports = wait_until(
        lambda: (lambda r: r if len(r) >= 2 else None)(
            find_messages(ecmh_on(capup, up0), "mldv1-report", GROUP)),
        URI + SOON, f"two MLDv1 Reports (robustness 2) for {GROUP} from ecmh upstream",
        interval=0.2, detail=lambda: summarize(ecmh_on(capup, up0)))
    print(f"MLDv1 unsolicited Report repeated after {reports[1].time - reports[0].time:.2f} s",
          flush=True)
    v2 = find_messages(ecmh_on(cap1, dn1) + ecmh_on(capup, up0), ("mldv2-query",
                                                                    "mldv2-report"))
    check(not v2, "with -1 ecmh sent MLDv2:" + summarize(v2))

    log("h1 leaves")
    netns.measure_leave("MLDv1 Done with -1 (h1)", l1, GROUP, sniff1, sender)
    wait_until(lambda: find_messages(ecmh_on(capup, up0), "mldv1-done", GROUP), SOON,
               f"an MLDv1 Done for {GROUP} from ecmh upstream",
               detail=lambda: summarize(ecmh_on(capup, up0)))
    v2 = find_messages(ecmh_on(cap1, dn1) + ecmh_on(capup, up0), ("mldv2-query",
                                                                    "mldv2-report"))
    check(not v2, "with -1 ecmh sent MLDv2:" + summarize(v2))
    print("ecmh's MLD on dn1:" + summarize(ecmh_on(cap1, dn1), 12), flush=True)
    print("ecmh's MLD upstream:" + summarize(ecmh_on(capup, up0), 12), flush=True)


if __name__ == "__main__":
    netns.main("mld1only", body, need_scapy=True, need_tcpdump=True)
