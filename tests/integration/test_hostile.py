#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.hostile: malformed and invalid MLD/IGMP from a downstream host.

h1 sends, with scapy on its veth (tools/craft.py, each frame three times): a truncated
MLD report, a bad ICMPv6 checksum, a report with hop limit 64, one from a global source,
one without Router Alert, MLDv2 reports whose record or source counts run past the
packet, reports for ff02::1; IGMP with a bad checksum, a bad IPv4 header checksum, a
truncated IGMPv3 report, reports for 224.0.0.1, and one from an off-subnet source.
ecmh keeps running, counts the drops, learns none of those groups (neither downstream
nor upstream) and a normal join afterwards still works.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import H1_4, H1_6, S1_4, S1_6, SOON, check, log, summarize, wait_until  # noqa: E402

KINDS = ["mld-truncated", "mld-bad-checksum", "mld-hop-limit-64", "mld-global-source",
         "mld-record-overrun", "mld-source-overrun", "mld-no-router-alert", "mld-all-nodes",
         "igmp-bad-checksum", "igmp-truncated", "igmp-bad-ip-checksum", "igmp-all-hosts",
         "igmp-off-subnet"]
HOSTILE_GROUPS = ["ff0e::9:1", "ff0e::9:2", "ff0e::9:3", "ff0e::9:4", "ff0e::9:5",
                  "ff0e::9:6", "ff3e::8000:95", "ff02::1", "239.9.9.1", "239.9.9.2",
                  "239.9.9.3", "239.9.9.4", "224.0.0.1"]
# Drop reasons (doc/dump-format.md) that these frames must produce.
EXPECTED_DROPS = ["bad-checksum", "hop-limit-not-one", "source-not-link-local",
                  "missing-router-alert", "record-overrun", "bad-header-checksum",
                  "off-subnet-report"]
G6, G4 = "ff0e::9:100", "239.9.9.100"
PORT = 5009


def body(args):
    topo = netns.standard_topology("hostile")
    cap = netns.Capture(topo, "up")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    before = ecmh.dump()
    print(f"drops before: {before.drops or '(none)'}", flush=True)

    log("h1 sends the hostile frames")
    r = topo.run("h1", netns.PYTHON, os.path.join(netns.TOOLS, "craft.py"), "--ifname",
                 "eth0", "--src4", H1_4, "--src6", H1_6, "--repeat", "3", *KINDS)
    print(r.stdout.strip(), flush=True)

    def counted():
        dump = ecmh.dump()
        return dump if all(dump.drops.get(k, 0) > before.drops.get(k, 0)
                           for k in EXPECTED_DROPS) else None
    try:
        dump = wait_until(counted, SOON, "ecmh to count the hostile frames as drops",
                          interval=0.3)
    except netns.Failure:
        dump = netns.Dump(ecmh.last_dump or "")
        missing = [k for k in EXPECTED_DROPS if dump.drops.get(k, 0) <= before.drops.get(k, 0)]
        raise netns.Failure(f"drop reasons not counted: {missing}; Drops: {dump.drops}")
    print(f"drops after: {dump.drops}", flush=True)
    check(ecmh.alive(), f"ecmh died ({ecmh.proc.returncode()}) on hostile frames")
    learned = [g for g in HOSTILE_GROUPS if g in dump.groups or g in dump.upstream]
    check(not learned, f"ecmh learned groups from invalid messages: {learned}")

    log(f"a normal join of {G6} and {G4} still works")
    netns.Sender(topo, "up", G6, S1_6, PORT)
    netns.Sender(topo, "up", G4, S1_4, PORT)
    l1 = netns.Listener(topo, "h1", [G6, G4], PORT)
    l1.wait_count(20, G6, what=f"h1 to receive 20 datagrams of {G6}")
    l1.wait_count(20, G4, what=f"h1 to receive 20 datagrams of {G4}")
    dump = ecmh.dump()
    learned = [g for g in HOSTILE_GROUPS if g in dump.groups or g in dump.upstream]
    check(not learned, f"ecmh learned groups from invalid messages: {learned}")
    ll = topo.link_local("rtr", "up0")
    leaked = [m for m in cap.messages() if m.src in (ll, netns.RTR_UP_4)
              and m.groups() & set(HOSTILE_GROUPS)]
    check(not leaked, "ecmh reported hostile groups upstream:" + summarize(leaked))
    check(ecmh.alive(), "ecmh died")


if __name__ == "__main__":
    netns.main("hostile", body, need_scapy=True, need_tcpdump=True)
