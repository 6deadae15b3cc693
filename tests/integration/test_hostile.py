#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.hostile: malformed and invalid MLD/IGMP from a downstream host.

h1 sends, with scapy on its veth (tools/craft.py, one kind at a time, each frame three
times): a truncated MLD report, a bad ICMPv6 checksum, a report with hop limit 64, one
from a global source, one without Router Alert, MLDv2 reports whose record or source
counts run past the packet, reports for ff02::1; IGMP with a bad checksum, a bad IPv4
header checksum, a truncated IGMPv3 report, reports for 224.0.0.1, and one from an
off-subnet source.
After each kind, ecmh's drop counters moved by exactly three per frame under that kind's
one reason and nowhere else (the link-scope reports: no drop, but read); ecmh keeps
running, learns none of those groups (neither downstream nor upstream) and a normal
join afterwards still works.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import H1_4, H1_6, S1_4, S1_6, SOON, check, log, summarize, wait_until  # noqa: E402

# Each kind, sent REPEAT times, and the one drop reason (doc/dump-format.md) each of its
# frames must add, exactly; every other reason must stay where it was. None: valid
# messages for a link-scope group, which the router ignores without a drop (RFC 2710
# §5, RFC 3376 §6): ecmh must still have read them (its MLD/IGMP counter on dn1 moved
# by at least as many frames) and counted nothing.
EXPECTED = {
    "mld-truncated": "truncated",
    "mld-bad-checksum": "bad-checksum",
    "mld-hop-limit-64": "hop-limit-not-one",
    "mld-global-source": "source-not-link-local",
    "mld-record-overrun": "record-overrun",
    "mld-source-overrun": "record-overrun",
    "mld-no-router-alert": "missing-router-alert",
    "mld-all-nodes": None,
    "igmp-bad-checksum": "bad-checksum",
    "igmp-truncated": "record-overrun",
    "igmp-bad-ip-checksum": "bad-header-checksum",
    "igmp-all-hosts": None,
    "igmp-off-subnet": "off-subnet-report",
}
BACKGROUND = {"control-on-upstream"}
FRAMES = {"mld-all-nodes": 2, "igmp-all-hosts": 2}  # frames per kind (default 1)
REPEAT = 3
HOSTILE_GROUPS = ["ff0e::9:1", "ff0e::9:2", "ff0e::9:3", "ff0e::9:4", "ff0e::9:5",
                  "ff0e::9:6", "ff3e::8000:95", "ff02::1", "239.9.9.1", "239.9.9.2",
                  "239.9.9.3", "239.9.9.4", "224.0.0.1"]
G6, G4 = "ff0e::9:100", "239.9.9.100"
PORT = 5009


def _int(text):
    return int(text.split()[0])


def body(args):
    topo = netns.standard_topology("hostile")
    cap = netns.Capture(topo, "up")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    before = ecmh.dump()
    print(f"drops before: {before.drops or '(none)'}", flush=True)

    log("h1 sends the hostile frames, one kind at a time")
    craft = topo.spawn("h1", [netns.PYTHON, os.path.join(netns.TOOLS, "craft.py"), "--ifname",
                              "eth0", "--src4", H1_4, "--src6", H1_6, "--repeat", str(REPEAT),
                              "--stdin"], "craft", stdin=True)
    wait_until(lambda: "# ready" in craft.output() or craft.dead(), SOON, "craft.py to start")
    dump = before
    for kind, reason in EXPECTED.items():
        base = dump
        frames = FRAMES.get(kind, 1) * REPEAT
        craft.command(kind)
        wait_until(lambda: f"# sent {kind} {frames}" in craft.output() or craft.dead(), SOON,
                   f"craft.py to send {kind}")

        def settled():
            d = ecmh.dump()
            if reason is not None:
                return d if d.drops.get(reason, 0) >= base.drops.get(reason, 0) + frames else None
            seen = _int(d.interfaces["dn1"]["ICMP's received"]) - \
                _int(base.interfaces["dn1"]["ICMP's received"])
            return d if seen >= frames else None
        try:
            dump = wait_until(settled, SOON, f"ecmh to count the {frames} frames of {kind}",
                              interval=0.2)
        except netns.Failure:
            dump = netns.Dump(ecmh.last_dump or "")
            raise netns.Failure(f"{kind}: expected {frames} more '{reason}' drops, or as many "
                                f"messages read on dn1; Drops before {base.drops}, after "
                                f"{dump.drops}")
        moved = {k: dump.drops.get(k, 0) - base.drops.get(k, 0)
                 for k in set(dump.drops) | set(base.drops)}
        # control-on-upstream comes only from up0 (the kernel of ns up reports its own
        # groups there): never from a frame h1 sent on dn1, so not this kind's doing.
        moved = {k: v for k, v in moved.items() if v and k not in BACKGROUND}
        want = {reason: frames} if reason is not None else {}
        print(f"{kind}: drops moved {moved or '(none)'}", flush=True)
        check(moved == want, f"{kind}: each frame must add one '{reason}' drop and nothing "
              f"else: expected {want}, the drops moved by {moved}")
    craft.stop()
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
