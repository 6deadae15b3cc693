#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.link_mtu: MTU changes under the running ecmh, while streams flow (rfc-map M19).

S1 streams 1,300-byte datagrams (1,348-byte IPv6 and 1,328-byte IPv4 packets) to
ff0e::9:1, heard by h1 on dn1 and h2 on dn2, and to 239.9.9.1, heard by h1. tcpdump on
h1 sees every frame ecmh puts on dn1.
 1. dn1's MTU goes down to 1,280: ecmh applies it in place (its log says so, nothing is
    re-added, the dump shows MTU 1280). From then on no frame on dn1 is larger than
    1,280 bytes plus the Ethernet header: the first IPv6 copy that does not fit is
    dropped (too-big-for-link) and S1 gets a Packet Too Big, after which S1's kernel
    sends fragments that fit, so h1's IPv6 stream goes on; the IPv4 copies are dropped
    or fragmented (what reaches h1 is printed). h2 is not affected.
 2. dn1's MTU goes back up to 1,500: 1,328-byte IPv4 copies reach dn1 again and h1's
    IPv4 stream goes on, without h1 joining again.
 3. dn1, dn2 and the hosts' ends go up to 9,000: the packet rings are rebuilt for
    larger frames while S1's stream flows to h1 (no pause over 1 s); a 4,000-byte
    datagram stream from h1 to ff0e::9:2 reaches h2 (frames the old rings could not
    hold whole).
"""

import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import H1_6, S1_4, S1_6, SOON, check, log, wait_until  # noqa: E402

G6, G4, JUMBO = "ff0e::9:1", "239.9.9.1", "ff0e::9:2"
PORT = 5009
SIZE = 1300  # UDP payload: a 1,348-byte IPv6 packet, 1,328 bytes in IPv4
MAX_GAP = 1.0


def set_mtu(topo, role, ifname, mtu):
    log(f"{role}:{ifname} MTU {mtu}")
    topo.ip("-n", topo.ns(role), "link", "set", "dev", ifname, "mtu", str(mtu))


def wait_mtu(ecmh, link, mtu):
    wait_until(lambda: ecmh.dump().interfaces.get(link, {}).get("MTU") == str(mtu), SOON,
               f"the dump to show {link} with MTU {mtu}", interval=0.2)


def largest_frame(cap, since):
    """The largest IPv4/IPv6 frame tcpdump saw after wall-clock time `since` (Ethernet
    header included), and how many of them were IPv6 fragments. (By time, not by index:
    tcpdump may write a frame seen before `since` after it.)"""
    frames = [f for t, f in cap.frames()
              if t > since and f[12:14] in (b"\x08\x00", b"\x86\xdd")]
    fragments = sum(1 for f in frames if f[12:14] == b"\x86\xdd" and f[20] == 44)
    return max((len(f) for f in frames), default=0), fragments


def lower_and_raise(topo, ecmh, l1, l2, h1cap):
    before = ecmh.dump()
    set_mtu(topo, "rtr", "dn1", 1280)
    wait_mtu(ecmh, "dn1", 1280)
    since = time.time()  # ecmh applied it before it wrote that dump
    n6, n4, n2 = l1.count(G6), l1.count(G4), l2.count(G6)
    l1.wait_count(n6 + 20, G6, what="h1's IPv6 stream to go on at MTU 1280 (S1 fragments)")
    l2.wait_count(n2 + 20, G6, what="h2 to keep receiving while dn1's MTU is 1280")
    # h1 got fragments, so they crossed dn1; tcpdump may write them a moment later.
    wait_until(lambda: largest_frame(h1cap, since)[1] > 0, SOON,
               "tcpdump on h1 to show the IPv6 fragments h1 received",
               detail=lambda: largest_frame(h1cap, since))
    largest, fragments = largest_frame(h1cap, since)
    dump = ecmh.dump()
    too_big = dump.drops.get("too-big-for-link", 0) - before.drops.get("too-big-for-link", 0)
    ptb = (dump.stat("Packet Too Big sent") or 0) - (before.stat("Packet Too Big sent") or 0)
    print(f"MTU 1280 on dn1: largest frame on dn1 {largest} bytes, {fragments} IPv6 "
          f"fragments; h1 got {l1.count(G6) - n6} IPv6 and {l1.count(G4) - n4} IPv4 "
          f"datagrams; too-big-for-link +{too_big}, Packet Too Big sent +{ptb}", flush=True)
    check(largest <= 1280 + 14, f"a {largest}-byte frame went out on dn1 at MTU 1280")
    check(too_big > 0 and ptb > 0 and fragments > 0,
          "the first IPv6 copy too big for dn1 should be dropped and S1 told, and S1's "
          f"fragments forwarded: too-big +{too_big}, PTB +{ptb}, fragments {fragments}")

    set_mtu(topo, "rtr", "dn1", 1500)
    wait_mtu(ecmh, "dn1", 1500)
    since = time.time()
    n4 = l1.count(G4)
    l1.wait_count(n4 + 20, G4, what="h1's IPv4 stream at MTU 1500 again")
    wait_until(lambda: largest_frame(h1cap, since)[0] >= SIZE + 28 + 14, SOON,
               f"tcpdump on h1 to show whole {SIZE + 28}-byte IPv4 copies",
               detail=lambda: largest_frame(h1cap, since))
    largest, _ = largest_frame(h1cap, since)
    print(f"MTU 1500 on dn1 again: largest frame on dn1 {largest} bytes", flush=True)
    check(largest == SIZE + 28 + 14,
          f"whole {SIZE + 28}-byte IPv4 copies should reach dn1 again (largest {largest})")


def jumbo(topo, ecmh, l1):
    for role, ifname in (("h1", "eth0"), ("h2", "eth0"), ("rtr", "dn2"), ("rtr", "dn1")):
        set_mtu(topo, role, ifname, 9000)
    since = time.monotonic()
    wait_mtu(ecmh, "dn1", 9000)
    l2 = netns.Listener(topo, "h2", [JUMBO], PORT, name="listener-h2-jumbo")
    netns.Sender(topo, "h1", JUMBO, H1_6, PORT, size=4000)
    l2.wait_count(20, JUMBO, what="h2 to receive 20 datagrams of 4,000 bytes from h1")
    base = l1.count(G6)
    l1.wait_count(base + 20, G6, what="h1 to keep receiving S1's stream")
    seqs = sorted(r[0] for r in l1.records(G6) if r[3] >= since - 1.0)
    missing = (seqs[-1] - seqs[0] + 1) - len(set(seqs))
    times = [since] + [r[3] for r in l1.records(G6) if r[3] >= since]
    gap = max(b - a for a, b in zip(times, times[1:]))
    print(f"RINGS rebuilt for MTU 9000: S1's stream at h1 lost {missing} datagram(s), "
          f"longest pause {gap * 1000:.0f} ms", flush=True)
    check(gap < MAX_GAP, f"S1's stream paused {gap:.2f} s at h1 when the rings were rebuilt")


def body(args):
    topo = netns.standard_topology("link_mtu")
    h1cap = netns.Capture(topo, "h1")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    netns.Sender(topo, "up", G6, S1_6, PORT, size=SIZE)
    netns.Sender(topo, "up", G4, S1_4, PORT, size=SIZE)
    l1 = netns.Listener(topo, "h1", [G6, G4], PORT)
    l2 = netns.Listener(topo, "h2", [G6], PORT)
    for listener, group in ((l1, G6), (l1, G4), (l2, G6)):
        listener.wait_count(20, group, what=f"{listener.name} to receive 20 of {group}")
    lower_and_raise(topo, ecmh, l1, l2, h1cap)
    jumbo(topo, ecmh, l1)
    text = ecmh.log_text()
    for line in ("dn1 changed in place (MTU 1500 -> 1280)",
                 "dn1 changed in place (MTU 1280 -> 1500)",
                 "dn2 changed in place (MTU 1500 -> 9000)"):
        check(line in text, f"ecmh's log lacks '{line}'")
    check("re-adding" not in text, "ecmh re-added a link instead of changing it in place")


if __name__ == "__main__":
    netns.main("link_mtu", body, need_tcpdump=True)
