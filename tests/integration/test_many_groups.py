#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.many_groups: more groups than one report holds (an IPTV line-up).

h1 joins 150 IPv6 (ff0e::d:1 …) and 150 IPv4 (239.13.0.1 …) groups. The dump lists
them all on dn1; upstream, ecmh's state-change reports cover every group, and after an
MLDv2 / IGMPv3 General Query from ns up its current-state reports cover every group
again, each packet within up0's MTU (1500): the records are split over several packets
(RFC 3810 §5.2.15, RFC 3376 §4.2.16). Then S1 streams to the last group of each family:
h1 receives.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import (IS_EX, S1_4, S1_6, SOON, TO_EX, check, from_ecmh, log,
                   wait_until)  # noqa: E402

N = 150
G6 = [f"ff0e::d:{i:x}" for i in range(1, N + 1)]
G4 = [f"239.13.{i // 256}.{i % 256}" for i in range(1, N + 1)]
PORT = 5013
MTU = 1500


def covered(msgs, kind, rtype):
    return {g for m in msgs if m.kind == kind for t, g, _ in m.records if t == rtype}


def ip_lengths(cap, start, addresses):
    """IP packet sizes of ecmh's MLD/IGMP frames upstream (frame minus Ethernet)."""
    sizes = []
    for t, data in cap.frames()[start:]:
        msgs = from_ecmh(netns.decode_control([(t, data)]), addresses)
        if msgs and msgs[0].kind in ("mldv2-report", "igmpv3-report"):
            sizes.append((msgs[0].kind, len(data) - 14))
    return sizes


def body(args):
    topo = netns.standard_topology("many_groups")
    topo.sysctl_keys("h1", {"net.ipv4.igmp_max_memberships": 1024})
    cap = netns.Capture(topo, "up")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    addresses = {topo.link_local("rtr", "up0"), netns.RTR_UP_4}

    log(f"h1 joins {N} IPv6 and {N} IPv4 groups")
    start = cap.mark()
    l1 = netns.Listener(topo, "h1", G6 + G4, PORT)

    def dump_missing():
        dump = ecmh.dump()
        return [g for g in G6 + G4 if "dn1" not in dump.group_links(g)]
    wait_until(lambda: not dump_missing(), SOON, f"the dump to list all {2 * N} groups on dn1",
               interval=0.3, detail=lambda: f"missing {dump_missing()[:10]}…")

    def state_change_missing():
        msgs = from_ecmh(cap.messages(start), addresses)
        return (set(G6) - covered(msgs, "mldv2-report", TO_EX)) | (
            set(G4) - covered(msgs, "igmpv3-report", TO_EX))
    wait_until(lambda: not state_change_missing(), SOON,
               "TO_EX records upstream for every group", interval=0.3,
               detail=lambda: f"{len(state_change_missing())} missing, e.g. "
               f"{sorted(state_change_missing())[:5]}")
    sizes = ip_lengths(cap, start, addresses)
    print(f"state-change reports upstream: {len(sizes)} packets, largest "
          f"{max(s for _, s in sizes)} octets", flush=True)
    check(all(s <= MTU for _, s in sizes), f"a report exceeds the MTU {MTU}: {sizes}")

    log("MLDv2 and IGMPv3 General Queries from ns up")
    start = cap.mark()
    topo.run("up", netns.PYTHON, os.path.join(netns.TOOLS, "craft.py"), "--ifname", "eth0",
             "--src4", S1_4, "query-mldv2", "query-igmpv3")

    def current_state_missing():
        msgs = from_ecmh(cap.messages(start), addresses)
        return (set(G6) - covered(msgs, "mldv2-report", IS_EX)) | (
            set(G4) - covered(msgs, "igmpv3-report", IS_EX))
    wait_until(lambda: not current_state_missing(), SOON,
               "IS_EX records answering the queries for every group", interval=0.3,
               detail=lambda: f"{len(current_state_missing())} missing, e.g. "
               f"{sorted(current_state_missing())[:5]}")
    sizes = ip_lengths(cap, start, addresses)
    mld = [s for k, s in sizes if k == "mldv2-report"]
    igmp = [s for k, s in sizes if k == "igmpv3-report"]
    print(f"query responses: {len(mld)} MLDv2 packets (largest {max(mld)}), {len(igmp)} "
          f"IGMPv3 packets (largest {max(igmp)})", flush=True)
    check(all(s <= MTU for s in mld + igmp), f"a report exceeds the MTU {MTU}: {sizes}")
    check(len(mld) >= 2, f"{N} MLDv2 records (20 octets each) cannot fit one packet, yet "
          f"{len(mld)} packet(s) came")

    log("streams to the last group of each family")
    netns.Sender(topo, "up", G6[-1], S1_6, PORT)
    netns.Sender(topo, "up", G4[-1], S1_4, PORT)
    l1.wait_count(20, G6[-1], what=f"h1 to receive 20 datagrams of {G6[-1]}")
    l1.wait_count(20, G4[-1], what=f"h1 to receive 20 datagrams of {G4[-1]}")


if __name__ == "__main__":
    netns.main("many_groups", body, need_scapy=True, need_tcpdump=True)
