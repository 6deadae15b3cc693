#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.ipv4: IPv4 multicast through ecmh to IGMPv2 and IGMPv3 hosts.

S1 streams to 239.1.1.1 and to 232.1.1.1; S2 streams to 232.1.1.1 too.
h1 (force_igmp_version=2) joins 239.1.1.1: it receives, h2's link gets nothing.
h2 (IGMPv3) joins 239.1.1.1 (any source) and (S1, 232.1.1.1): it receives both, never
S2's 232.1.1.1 stream; h1, which asked for no SSM channel, never sees 232.1.1.1.
h1 leaves (IGMPv2 Leave): the stream stops reaching h1's link within the last member
query time while h2 keeps receiving; h2 leaves (S1, 232.1.1.1): that stream stops.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import S1_4, S2_4, check, log  # noqa: E402

ASM = "239.1.1.1"
SSM = "232.1.1.1"
PORT = 5003


def body(args):
    topo = netns.standard_topology("ipv4")
    netns.set_host_versions(topo, "h1", igmp=2)
    netns.set_host_versions(topo, "h2", igmp=3)
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    sniff1 = netns.Sniffer(topo, "h1")
    sniff2 = netns.Sniffer(topo, "h2")
    asm_sender = netns.Sender(topo, "up", ASM, S1_4, PORT)
    ssm_sender = netns.Sender(topo, "up", SSM, S1_4, PORT)
    netns.Sender(topo, "up", SSM, S2_4, PORT)

    log(f"h1 (IGMPv2) joins {ASM}")
    l1 = netns.Listener(topo, "h1", [ASM], PORT)
    l1.wait_count(20, ASM, what=f"h1 (IGMPv2) to receive 20 datagrams of {ASM}")
    check(sniff2.count(ASM) == 0,
          f"h2 does not listen, yet {sniff2.count(ASM)} datagrams reached its link")
    ttls = {p[4] for p in sniff1.packets(ASM)}
    check(ttls == {15}, f"forwarded copies should have TTL 16 - 1 = 15, saw {ttls}")

    log(f"h2 (IGMPv3) joins {ASM} and ({S1_4}, {SSM})")
    l2 = netns.Listener(topo, "h2", [ASM, f"{SSM}@{S1_4}"], PORT)
    l2.wait_count(20, ASM, what=f"h2 (IGMPv3) to receive 20 datagrams of {ASM}")
    l2.wait_count(20, SSM, S1_4, what=f"h2 to receive 20 datagrams from S1 to {SSM}")
    check(sniff2.count(SSM, S2_4) == 0,
          f"h2 asked for S1 only, yet {sniff2.count(SSM, S2_4)} datagrams from S2 to {SSM} "
          "reached its link")
    check(sniff1.count(SSM) == 0,
          f"h1 did not join {SSM}, yet {sniff1.count(SSM)} datagrams reached its link")

    dump = ecmh.dump()
    check(dump.group_links(ASM) == {"dn1", "dn2"},
          f"the dump should list {ASM} on dn1 and dn2, lists {dump.group_links(ASM)}")
    check("IGMPv2" in " ".join(dump.groups[ASM]["links"]["dn1"]),
          f"the dump should show an IGMPv2 host on dn1 for {ASM}: "
          f"{dump.groups[ASM]['links']['dn1']}")
    check(dump.group_links(SSM) == {"dn2"},
          f"the dump should list {SSM} on dn2 only, lists {dump.group_links(SSM)}")
    details = " ".join(dump.groups[SSM]["links"]["dn2"])
    check(f"{S1_4} INCLUDE" in details and S2_4 not in details,
          f"the dump should show only {S1_4} INCLUDE for {SSM} on dn2: {details!r}")

    log(f"h1 leaves {ASM} (IGMPv2 Leave)")
    h2_before = l2.count(ASM)
    netns.measure_leave("IGMPv2 leave (h1)", l1, ASM, sniff1, asm_sender)
    l2.wait_count(h2_before + 20, ASM, what=f"h2 to keep receiving {ASM} after h1 left")

    log(f"h2 leaves ({S1_4}, {SSM})")
    netns.measure_leave("IGMPv3 source leave (h2)", l2, f"{SSM}@{S1_4}", sniff2, ssm_sender)
    check(ecmh.alive(), "ecmh died")


if __name__ == "__main__":
    netns.main("ipv4", body)
