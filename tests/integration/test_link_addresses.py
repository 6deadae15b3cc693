#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.link_addresses: addresses removed, added and changed under the running ecmh
(rfc-map M19, item 37).

S1 streams to ff0e::8:1 and 239.8.8.1; h1 listens to both on dn1. Captures on ns up and
on h1 are decoded with scapy (netns.decode_control), independently of ecmh's parser.
 1. dn1: its IPv4 address 192.0.2.1 is removed and 192.0.2.5 added; its link-local
    address is replaced by fe80::1:100; a global address is added. ecmh applies each
    change in place (its log says so; nothing is re-added), h1's stream never stops
    (no gap over 1 s), and ecmh's next queries on dn1 come from 192.0.2.5 and
    fe80::1:100.
 2. up0: its IPv4 address 198.51.100.1 is removed: ecmh reports its groups again from
    0.0.0.0 (RFC 3376 §4.2.13); 198.51.100.2 is added: again from 198.51.100.2. Its
    link-local address is replaced by fe80::1:1: the MLD reports come from fe80::1:1
    (RFC 3810 §5.2.13). S1's stream reaches h1 throughout.
"""

import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import IS_EX, S1_4, S1_6, SOON, check, log, wait_until  # noqa: E402

G6, G4 = "ff0e::8:1", "239.8.8.1"
PORT = 5008
MAX_GAP = 1.0  # seconds: the stream at 20 datagrams/s may pause this long, no more


def addr(topo, role, verb, cidr, ifname):
    extra = ["nodad"] if ":" in cidr and verb == "add" else []
    topo.ip("-n", topo.ns(role), "addr", verb, cidr, "dev", ifname, *extra)


def replace_link_local(topo, role, ifname, new):
    old = topo.link_local(role, ifname)
    log(f"{role}:{ifname}: link-local {old} -> {new}")
    addr(topo, role, "del", f"{old}/64", ifname)
    addr(topo, role, "add", f"{new}/64", ifname)


def wait_message(cap, start, kinds, source, group=None, what=""):
    """The first decoded message of `kinds` from `source` after capture index `start`."""
    def found():
        msgs = [m for m in netns.find_messages(cap.messages(start), kinds, group)
                if m.src == source]
        return msgs[0] if msgs else None
    return wait_until(found, SOON, what or f"{kinds} from {source}", interval=0.1,
                      detail=lambda: netns.summarize(cap.messages(start)))


def max_gap(listener, group, since):
    times = [since] + [r[3] for r in listener.records(group) if r[3] >= since]
    return max(b - a for a, b in zip(times, times[1:])) if len(times) > 1 else None


def check_stream(listener, since, what):
    """Both streams went on at h1 since `since`: they are flowing, with no gap > MAX_GAP."""
    for group in (G6, G4):
        base = listener.count(group)
        listener.wait_count(base + 10, group, what=f"h1 to keep receiving {group} {what}")
        gap = max_gap(listener, group, since)
        print(f"GAP {what}: {group}: longest pause at h1 {gap * 1000:.0f} ms", flush=True)
        check(gap < MAX_GAP, f"{what}: {group} paused {gap:.2f} s at h1 (bound {MAX_GAP} s)")


def downstream(topo, ecmh, l1, h1cap):
    since = time.monotonic()
    start = h1cap.mark()
    log("dn1: 192.0.2.1 removed, 192.0.2.5 added")
    addr(topo, "rtr", "del", "192.0.2.1/24", "dn1")
    addr(topo, "rtr", "add", "192.0.2.5/24", "dn1")
    replace_link_local(topo, "rtr", "dn1", "fe80::1:100")
    addr(topo, "rtr", "del", "2001:db8:2::1/64", "dn1")
    addr(topo, "rtr", "add", "2001:db8:2::2/64", "dn1")
    q4 = wait_message(h1cap, start, ("igmpv3-query",), "192.0.2.5",
                      what="an IGMP query on dn1 from 192.0.2.5")
    q6 = wait_message(h1cap, start, ("mldv2-query",), "fe80::1:100",
                      what="an MLD query on dn1 from fe80::1:100")
    print(f"QUERIES on dn1 from the new addresses: {q4}, {q6}", flush=True)
    check_stream(l1, since, "while dn1's addresses changed")
    dn1 = ecmh.dump().interfaces.get("dn1", {})
    check(dn1.get("IPv4 address") == "192.0.2.5/24" and
          dn1.get("Link-local address") == "fe80::1:100",
          f"the dump should show dn1's new addresses: {dn1}")
    wait_until(lambda: ecmh.dump().interfaces.get("dn1", {}).get("Global unicast address")
               == "2001:db8:2::2", SOON, "dn1's new global address in the dump", interval=0.2)


def upstream(topo, ecmh, l1, cap):
    since = time.monotonic()
    for old, new in (("198.51.100.1", "0.0.0.0"), (None, "198.51.100.2")):
        start = cap.mark()
        if old:
            log(f"up0: {old} removed")
            addr(topo, "rtr", "del", f"{old}/24", "up0")
        else:
            log(f"up0: {new} added")
            addr(topo, "rtr", "add", f"{new}/24", "up0")
        m = wait_message(cap, start, ("igmpv3-report",), new, G4,
                         f"an IGMPv3 report for {G4} from {new}")
        check(m.record(G4)[0] == IS_EX, f"the report from {new} should be IS_EX {{}}: {m}")
        print(f"REPORT from {new}: {m}", flush=True)
    start = cap.mark()
    replace_link_local(topo, "rtr", "up0", "fe80::1:1")
    m = wait_message(cap, start, ("mldv2-report",), "fe80::1:1", G6,
                     f"an MLDv2 report for {G6} from fe80::1:1")
    check(m.record(G6)[0] == IS_EX, f"the report from fe80::1:1 should be IS_EX {{}}: {m}")
    print(f"REPORT from fe80::1:1: {m}", flush=True)
    check_stream(l1, since, "while up0's addresses changed")


def body(args):
    topo = netns.standard_topology("link_addresses", hosts=("h1",))
    cap = netns.Capture(topo, "up")
    h1cap = netns.Capture(topo, "h1")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    netns.Sender(topo, "up", G6, S1_6, PORT)
    netns.Sender(topo, "up", G4, S1_4, PORT)
    l1 = netns.Listener(topo, "h1", [G6, G4], PORT)
    for group in (G6, G4):
        l1.wait_count(20, group, what=f"h1 to receive 20 datagrams of {group}")
    downstream(topo, ecmh, l1, h1cap)
    upstream(topo, ecmh, l1, cap)
    text = ecmh.log_text()
    for line in ("dn1 changed in place", "up0 changed in place"):
        check(line in text, f"ecmh's log lacks '{line}'")
    check("re-adding" not in text and " is gone" not in text,
          "ecmh re-added a link instead of changing it in place")


if __name__ == "__main__":
    netns.main("link_addresses", body, need_scapy=True, need_tcpdump=True)
