#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.upstream_reports: what ecmh, as an RFC 4605 host, says on the upstream link.

tcpdump captures ns up's eth0; the messages are decoded with scapy.
 1. h1 joins ff0e::4:1, (S1, ff3e::8000:4), 239.4.4.1 and (S1, 232.4.4.1): ecmh sends
    MLDv2 and IGMPv3 state-change reports (TO_EX {} for the any-source groups, ALLOW {S1}
    for the channels) at least robustness (2) times, from up0's link-local address /
    198.51.100.1, hop limit / TTL 1, Router Alert, to ff02::16 / 224.0.0.22.
 2. SIGUSR2: the reports are sent again.
 3. An MLDv2 General Query (from a fe80:: source, hop limit 1, Router Alert) and an
    IGMPv3 General Query from ns up: ecmh answers with current-state reports (IS_EX {}
    and IS_IN {S1}).
 3b. Another host on the upstream link (ns up) reports A6 and A4 in MLDv1 / IGMPv2,
    then leaves them: an MLDv1 Done, an IGMPv2 Leave, MLDv2 / IGMPv3 TO_IN {}. ecmh is a
    host there (RFC 4605 §4): it counts the six as control-on-upstream, sends nothing
    about A6 or A4 in answer, and its upstream records stay EXCLUDE {}.
 4. h1 leaves everything: TO_IN {} for the any-source groups, BLOCK {S1} (or TO_IN {})
    for the channels, at least twice.
 5. h1 joins ff0e::4:2 and 239.4.4.2; an MLDv1 and an IGMPv2 General Query: ecmh answers
    with an MLDv1 Report / IGMPv2 Report (older-version querier compatibility); h1 leaves:
    an MLDv1 Done / IGMPv2 Leave.
"""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import (ALLOW, BLOCK, IS_EX, IS_IN, S1_4, S1_6, SOON, TO_EX, TO_IN, check, log,
                   find_messages, summarize, wait_until)  # noqa: E402

A6, SSM6, A4, SSM4 = "ff0e::4:1", "ff3e::8000:4", "239.4.4.1", "232.4.4.1"
B6, B4 = "ff0e::4:2", "239.4.4.2"
RTR_UP_4 = netns.RTR_UP_4


class Upstream:
    """ecmh's messages in the capture on ns up."""

    def __init__(self, topo, cap):
        self.cap = cap
        self.ll = topo.link_local("rtr", "up0")
        self.sources = {self.ll, RTR_UP_4}

    def messages(self, start=0):
        """ecmh's messages: from up0's addresses, about routable groups. (ns rtr's kernel
        shares up0's link-local address and reports its own link-scope groups.)"""
        return netns.from_ecmh(self.cap.messages(start), self.sources)

    def wait(self, what, start, kinds, group, rtypes=None, sources=None, copies=1,
             timeout=SOON):
        """Waits until `copies` messages matching (see netns.find_messages) arrived
        after capture index `start`; returns them."""
        def found():
            msgs = find_messages(self.messages(start), kinds, group, rtypes, sources)
            return msgs if len(msgs) >= copies else None
        msgs = wait_until(found, timeout, f"{what} ({copies} cop{'y' if copies == 1 else 'ies'})",
                          interval=0.1,
                          detail=lambda: "ecmh's messages upstream so far:" +
                          summarize(self.messages(start)))
        for m in msgs:
            check(m.hlim == 1, f"{what}: hop limit/TTL {m.hlim}, must be 1: {m}")
            check(m.router_alert, f"{what}: no Router Alert option: {m}")
        return msgs


def wait_no_retransmissions(ecmh, groups):
    """Waits until the dump's Upstream section shows no pending retransmission."""
    def done():
        dump = ecmh.dump()
        missing = [g for g in groups if g not in dump.upstream]
        check(not missing, f"the dump's Upstream section lacks {missing}:\n{dump.text}")
        return all(not any(k.startswith("Retransmissions") for k in dump.upstream[g])
                   for g in groups)
    wait_until(done, SOON, "the upstream retransmissions to finish", interval=0.2)


def craft(topo, *kinds):
    topo.run("up", netns.PYTHON, os.path.join(netns.TOOLS, "craft.py"), "--ifname", "eth0",
             "--src4", S1_4, *kinds)


def body(args):
    topo = netns.standard_topology("upstream_reports")
    cap = netns.Capture(topo, "up")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    up = Upstream(topo, cap)
    log(f"ecmh's upstream addresses: {up.ll}, {RTR_UP_4}")

    # 1. State-change reports.
    start = cap.mark()
    log(f"h1 joins {A6}, ({S1_6}, {SSM6}), {A4}, ({S1_4}, {SSM4})")
    l1 = netns.Listener(topo, "h1", [A6, f"{SSM6}@{S1_6}", A4, f"{SSM4}@{S1_4}"], 5004)
    msgs = up.wait("MLDv2 TO_EX {} for " + A6, start, "mldv2-report", A6, [TO_EX], (),
                   copies=2)
    check(all(m.dst == "ff02::16" for m in msgs), f"MLDv2 reports go to ff02::16: {msgs}")
    up.wait(f"MLDv2 ALLOW {{{S1_6}}} for {SSM6}", start, "mldv2-report", SSM6,
            [ALLOW, TO_IN], [S1_6], copies=2)
    msgs = up.wait("IGMPv3 TO_EX {} for " + A4, start, "igmpv3-report", A4, [TO_EX], (),
                   copies=2)
    check(all(m.dst == "224.0.0.22" for m in msgs), f"IGMPv3 reports go to 224.0.0.22: {msgs}")
    up.wait(f"IGMPv3 ALLOW {{{S1_4}}} for {SSM4}", start, "igmpv3-report", SSM4,
            [ALLOW, TO_IN], [S1_4], copies=2)
    print("upstream state-change reports after the join:" + summarize(up.messages(start)),
          flush=True)
    check(not find_messages(up.messages(start), "mldv2-report", SSM6, [IS_EX, TO_EX]),
          f"ecmh reported EXCLUDE for the SSM group {SSM6}")
    wait_no_retransmissions(ecmh, [A6, SSM6, A4, SSM4])

    # 2. SIGUSR2: reports again.
    start = cap.mark()
    log("SIGUSR2")
    ecmh.signal(signal.SIGUSR2)
    up.wait("MLDv2 report for " + A6 + " after SIGUSR2", start, "mldv2-report", A6,
            [IS_EX, TO_EX], ())
    up.wait("MLDv2 report for " + SSM6 + " after SIGUSR2", start, "mldv2-report", SSM6,
            [IS_IN, ALLOW, TO_IN], [S1_6])
    up.wait("IGMPv3 report for " + A4 + " after SIGUSR2", start, "igmpv3-report", A4,
            [IS_EX, TO_EX], ())
    up.wait("IGMPv3 report for " + SSM4 + " after SIGUSR2", start, "igmpv3-report", SSM4,
            [IS_IN, ALLOW, TO_IN], [S1_4])
    wait_no_retransmissions(ecmh, [A6, SSM6, A4, SSM4])

    # 3. General Queries, current versions.
    start = cap.mark()
    log("MLDv2 and IGMPv3 General Queries from ns up")
    t_query = time.time()
    craft(topo, "query-mldv2", "query-igmpv3")
    m6 = up.wait("MLDv2 IS_EX {} for " + A6 + " answering the MLDv2 query", start,
                 "mldv2-report", A6, [IS_EX], ())
    up.wait(f"MLDv2 IS_IN {{{S1_6}}} for {SSM6} answering the MLDv2 query", start,
            "mldv2-report", SSM6, [IS_IN], [S1_6])
    m4 = up.wait("IGMPv3 IS_EX {} for " + A4 + " answering the IGMPv3 query", start,
                 "igmpv3-report", A4, [IS_EX], ())
    up.wait(f"IGMPv3 IS_IN {{{S1_4}}} for {SSM4} answering the IGMPv3 query", start,
            "igmpv3-report", SSM4, [IS_IN], [S1_4])
    print(f"query responses: MLDv2 after {m6[0].time - t_query:.2f} s, IGMPv3 after "
          f"{m4[0].time - t_query:.2f} s (Max Response 1 s; from the end of craft.py)",
          flush=True)

    # 3b. Another host's reports and leaves upstream change nothing.
    wait_no_retransmissions(ecmh, [A6, SSM6, A4, SSM4])
    before = ecmh.dump()
    start = cap.mark()
    log(f"another host on the upstream link reports, then leaves, {A6} and {A4}")
    craft(topo, f"mldv1-report:{A6}", f"igmpv2-report:{A4}", f"mldv1-done:{A6}",
          f"igmpv2-leave:{A4}", f"mldv2-to-in:{A6}", f"igmpv3-to-in:{A4}")
    base = before.drops.get("control-on-upstream", 0)
    counted = wait_until(
        lambda: (lambda d: d if d.drops.get("control-on-upstream", 0) >= base + 6 else None)(
            ecmh.dump()),
        SOON, "ecmh to count the six messages as control-on-upstream", interval=0.2)
    # A router would answer a Done / Leave at once with a specific query; give ecmh's
    # answer, if any, a second to reach the capture.
    time.sleep(1.0)
    answered = [m for m in up.messages(start) if m.groups() & {A6, A4}]
    check(not answered, "ecmh answered another host's messages upstream:" + summarize(answered))
    dump = ecmh.dump()
    for g in (A6, A4):
        check(dump.upstream.get(g, {}).get("Mode") == "EXCLUDE",
              f"after another host's leave upstream, ecmh's record for {g} must stay "
              f"EXCLUDE: {dump.upstream.get(g)}")
    moved = {k: v - before.drops.get(k, 0) for k, v in counted.drops.items()
             if v != before.drops.get(k, 0)}
    print(f"drops moved by another host's messages upstream: {moved}", flush=True)
    check(set(moved) == {"control-on-upstream"},
          f"only control-on-upstream may count them: {moved}")

    # 4. Leaves, current versions.
    start = cap.mark()
    log("h1 leaves everything")
    for spec in (A6, f"{SSM6}@{S1_6}", A4, f"{SSM4}@{S1_4}"):
        l1.leave(spec)
    up.wait("MLDv2 TO_IN {} for " + A6 + " after the last listener left", start,
            "mldv2-report", A6, [TO_IN], (), copies=2)
    up.wait("IGMPv3 TO_IN {} for " + A4 + " after the last listener left", start,
            "igmpv3-report", A4, [TO_IN], (), copies=2)
    six = up.wait(f"MLDv2 BLOCK {{{S1_6}}} or TO_IN {{}} for {SSM6}", start, "mldv2-report",
                  SSM6, [BLOCK, TO_IN], None, copies=2)
    four = up.wait(f"IGMPv3 BLOCK {{{S1_4}}} or TO_IN {{}} for {SSM4}", start,
                   "igmpv3-report", SSM4, [BLOCK, TO_IN], None, copies=2)
    for m, group, s in ((six[0], SSM6, S1_6), (four[0], SSM4, S1_4)):
        rtype, _, sources = m.record(group)
        check((rtype == BLOCK and set(sources) == {s}) or (rtype == TO_IN and not sources),
              f"leaving ({s}, {group}) should be BLOCK {{{s}}} or TO_IN {{}}: {m}")
    print("upstream reports after the leave:" + summarize(up.messages(start)), flush=True)

    # 5. Older-version queriers: MLDv1 and IGMPv2.
    start = cap.mark()
    log(f"h1 joins {B6} and {B4}")
    l1.join(B6)
    l1.join(B4)
    up.wait("MLDv2 TO_EX {} for " + B6, start, "mldv2-report", B6, [TO_EX], ())
    up.wait("IGMPv3 TO_EX {} for " + B4, start, "igmpv3-report", B4, [TO_EX], ())
    wait_no_retransmissions(ecmh, [B6, B4])
    start = cap.mark()
    log("MLDv1 and IGMPv2 General Queries from ns up")
    craft(topo, "query-mldv1", "query-igmpv2")
    msgs = up.wait("an MLDv1 Report for " + B6 + " answering the MLDv1 query", start,
                   "mldv1-report", B6)
    check(msgs[0].dst == B6, f"an MLDv1 Report goes to the group: {msgs[0]}")
    msgs = up.wait("an IGMPv2 Report for " + B4 + " answering the IGMPv2 query", start,
                   "igmpv2-report", B4)
    check(msgs[0].dst == B4, f"an IGMPv2 Report goes to the group: {msgs[0]}")
    dump = ecmh.dump()
    up0 = dump.interfaces.get("up0", {})
    check(up0.get("MLD version") == "v1" and up0.get("IGMP version") == "v2",
          "with MLDv1 and IGMPv2 queriers upstream the dump should show up0 in MLD v1 / "
          f"IGMP v2: MLD version {up0.get('MLD version')}, IGMP version "
          f"{up0.get('IGMP version')}")
    late = find_messages(up.messages(start), ("mldv2-report", "igmpv3-report"))
    check(not late, "after MLDv1/IGMPv2 queries ecmh must answer in the old version, sent:"
          + summarize(late))

    # Older Version Querier Present lasts RV x QI + QRI (5 s here): refresh it, then leave.
    start = cap.mark()
    craft(topo, "query-mldv1", "query-igmpv2")
    log(f"h1 leaves {B6} and {B4} while the old queriers are present")
    l1.leave(B6)
    l1.leave(B4)
    msgs = up.wait("an MLDv1 Done for " + B6, start, "mldv1-done", B6)
    check(msgs[0].dst == "ff02::2", f"an MLDv1 Done goes to ff02::2: {msgs[0]}")
    msgs = up.wait("an IGMPv2 Leave for " + B4, start, "igmpv2-leave", B4)
    check(msgs[0].dst == "224.0.0.2", f"an IGMPv2 Leave goes to 224.0.0.2: {msgs[0]}")
    print("upstream messages with the old queriers:" + summarize(up.messages(start)),
          flush=True)

    rc = ecmh.stop()
    check(rc == 0, f"ecmh exited with status {rc} on SIGTERM")


if __name__ == "__main__":
    netns.main("upstream_reports", body, need_scapy=True, need_tcpdump=True)
