#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.flood: a host floods its link with reports; the other link's streams keep flowing.

h1 writes about 20,000 MLDv2 and IGMPv3 reports a second onto dn1 for a few seconds
(tools/flood.py: each for another group, alternating the families, from 1000 spoofed
link-local and on-subnet IPv4 sources), while S1 upstream
sends an IPv6 and an IPv4 stream with sequence numbers to h2's groups on dn2. Expected
(rfc-map items 29, M7, M16): h2 receives every datagram of both streams, in order, no
gap; ecmh drops the excess as membership-rate-limit (--max-membership-rate, default 1000
a second per link), the dump names dn1 as the flooded link, and dn1's accepted messages
stay within the bucket's burst plus its rate over ecmh's lifetime.
"""

import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import S1_4, S1_6, SOON, check, log, wait_until  # noqa: E402

G6, G4 = "ff0e::9:200", "239.9.9.200"
PORT = 5010
RATE = 1000          # ecmh's default --max-membership-rate (and burst)
FLOOD_RATE = 20000   # frames a second h1 tries to send
FLOOD_SECONDS = 5.0
SPOOFED = 1000       # link-local (and on-subnet IPv4) sources the flood cycles through
STREAM_RATE = 200    # datagrams a second per stream


def gaps(seqs):
    """The sequence numbers missing between the first and last received, and whether
    they arrived in order."""
    missing = sorted(set(range(seqs[0], seqs[-1] + 1)) - set(seqs)) if seqs else []
    return missing, seqs == sorted(seqs)


def cpu_seconds(pid):
    """The CPU time (user + system) the process has used: printed, never asserted on."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def body(args):
    topo = netns.standard_topology("flood")
    started = time.monotonic()
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"], verbose=False)

    log(f"h2 listens to {G6} and {G4}; S1 sends {STREAM_RATE}/s to each")
    senders = [netns.Sender(topo, "up", G6, S1_6, PORT, rate=STREAM_RATE),
               netns.Sender(topo, "up", G4, S1_4, PORT, rate=STREAM_RATE)]
    l2 = netns.Listener(topo, "h2", [G6, G4], PORT)
    l2.wait_count(20, G6, what=f"h2 to receive 20 datagrams of {G6}")
    l2.wait_count(20, G4, what=f"h2 to receive 20 datagrams of {G4}")

    log(f"h1 floods dn1 with {FLOOD_RATE} reports a second for {FLOOD_SECONDS} s from "
        f"{SPOOFED} spoofed sources")
    cpu_before, flood_start = cpu_seconds(ecmh.pid), time.monotonic()
    flood = topo.spawn("h1", [netns.PYTHON, os.path.join(netns.TOOLS, "flood.py"),
                              "--ifname", "eth0", "--spoof", str(SPOOFED), "--rate",
                              str(FLOOD_RATE), "--seconds", str(FLOOD_SECONDS)], "flood")
    check(flood.wait(FLOOD_SECONDS + 3 * SOON) == 0,
          f"flood.py failed or did not end ({flood.returncode()}): {flood.output()}")
    print(flood.output().strip(), flush=True)
    print(f"ecmh used {cpu_seconds(ecmh.pid) - cpu_before:.2f} s of CPU in the "
          f"{time.monotonic() - flood_start:.2f} s of the flood", flush=True)
    during = {g: l2.count(g) for g in (G6, G4)}

    log("the streams go on a little, then stop; every datagram must have arrived")
    wait_until(lambda: all(l2.count(g) >= during[g] + 20 for g in (G6, G4)), SOON,
               "h2 to receive 20 more datagrams of each stream after the flood")
    for s in senders:
        s.stop()
    for s in senders:
        last = netns._int(s.proc.output().split("# sent")[-1])
        check(last is not None, f"{s.name} did not say how many it sent: {s.proc.output()}")
        wait_until(lambda: l2.records(s.group)[-1][0] >= last, SOON,
                   f"h2 to receive {s.group} up to datagram {last}",
                   detail=lambda: f"last received {l2.records(s.group)[-1][0]}")
        seqs = [r[0] for r in l2.records(s.group)]
        missing, in_order = gaps(seqs)
        print(f"{s.group}: received {len(seqs)} datagrams, {seqs[0]} to {seqs[-1]} "
              f"(sent {last}); missing {len(missing)}", flush=True)
        check(not missing, f"{s.group}: {len(missing)} datagrams lost during the flood "
              f"(first few: {missing[:10]})")
        check(in_order, f"{s.group}: datagrams out of order")

    dump = ecmh.dump()
    lifetime = time.monotonic() - started
    dn1 = dump.interfaces.get("dn1", {})
    received = netns._int(dn1.get("ICMP's received"))
    limited = netns._int(dn1.get("ICMP's rate-limited"))
    print(f"dn1: {received} MLD/IGMP messages received, {limited} rate-limited; "
          f"drops: {dump.drops}", flush=True)
    check(dump.drops.get("membership-rate-limit", 0) > 0,
          f"no membership-rate-limit drops counted: {dump.drops}")
    check(limited is not None and limited > 0, f"dn1 shows no rate-limited messages: {dn1}")
    accepted = received - limited
    bound = RATE + RATE * lifetime
    check(accepted <= bound, f"dn1 accepted {accepted} messages in {lifetime:.1f} s, more "
          f"than the burst and rate allow ({bound:.0f})")
    check("ICMP's rate-limited" not in dump.interfaces.get("dn2", {}),
          "dn2 was rate-limited, though nobody flooded it")
    flooded = [g for g in dump.groups if g.startswith("ff0e::f:0:") or g.startswith("239.15.")]
    check(flooded, "no flooded group held: the flood's reports were not valid ones")
    check(len(flooded) <= accepted, f"{len(flooded)} flooded groups held, more than the "
          f"{accepted} messages accepted")
    check(ecmh.alive(), "ecmh died")


if __name__ == "__main__":
    netns.main("flood", body)
