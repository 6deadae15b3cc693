#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.config: the configuration file through the daemon (issue 14): policy per link,
a live reload on SIGHUP that loses nothing, and a bad file that changes nothing.

     ns up (S1) --- up0 [ns rtr: ecmh -c FILE] dn1 --- h1
                                                dn2 --- h2

S1 streams six groups at 50 datagrams/s: A (239.8.8.1, ff0e::8:1), B (239.9.9.1,
ff0e::9:1) and C (239.10.10.1, ff0e::10:1). h1 listens to A and C, h2 to B. The file:

    upstream up0
    link dn1
        allow 239.8.0.0/16       # dn1 may join A only (a whitelist)
        allow ff0e::8:0/112

 1. Policy: h1 gets A, never C; h2 gets B (dn2 has no rules). C is never reported
    upstream (ecmh's reports, decoded from a capture on ns up, name A and B only), and
    the dump counts policy-denied.
 2. Reload while A streams: the file also allows C on dn1; SIGHUP. h1 gets C (from its
    next answer to a query), A's sequence numbers at h1 run on without a gap across the
    reload, and the log says dn1's settings changed.
 3. A bad file (an unknown setting on line 3): SIGHUP is refused with file:line, ecmh
    keeps running with the configuration it had: A and C still reach h1.
 4. The file without C again: SIGHUP ends C on dn1 at once (no query round is waited
    for) and ecmh leaves C upstream, while A runs on without a gap.
"""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import RTR_UP_4, S1_4, S1_6, SOON, TO_IN, check, log, wait_until  # noqa: E402

A6, A4 = "ff0e::8:1", "239.8.8.1"
B6, B4 = "ff0e::9:1", "239.9.9.1"
C6, C4 = "ff0e::10:1", "239.10.10.1"
PORT = 5008
RATE = 50

BASE = """# netns.config
upstream up0
link dn1
    allow 239.8.0.0/16
    allow ff0e::8:0/112
"""
WITH_C = BASE + """    allow 239.10.0.0/16
    allow ff0e::10:0/112
"""
BAD = """upstream up0
link dn1
    allow-everything yes
"""


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def gaps(listener, group, since, until):
    """Sequence numbers missing at the listener between the first and the last datagram
    of `group` received in [since, until] (monotonic times)."""
    seqs = sorted(r[0] for r in listener.records(group) if since <= r[3] <= until)
    check(len(seqs) >= 2, f"too few datagrams of {group} around the reload: {seqs}")
    return sorted(set(range(seqs[0], seqs[-1] + 1)) - set(seqs))


def check_no_gap(listener, groups, t_reload, what):
    # Half a second of stream on each side of the reload.
    end = t_reload + 0.5
    for g in groups:
        listener.wait_count(listener.count(g) + RATE // 2, g, what=f"{what}: more of {g} at h1")
    for g in groups:
        missing = gaps(listener, g, t_reload - 0.5, end)
        check(not missing, f"{what}: h1 lost {g} datagrams {missing} across the reload")
        print(f"NO-GAP {what}: {g} ran on without a gap across the reload", flush=True)


def reported_groups(cap, sources, start=0):
    groups = set()
    for m in netns.from_ecmh(cap.messages(start), sources):
        if m.kind.endswith("report"):
            groups.update(m.groups())
    return groups


def stream_stopped(listener, group, quiet=1.0):
    last = max((r[3] for r in listener.records(group)), default=0.0)
    return time.monotonic() - last >= quiet


def body(args):
    topo = netns.standard_topology("config")
    conf = topo.path("ecmh.conf")
    write(conf, BASE)
    cap = netns.Capture(topo, "up")
    ecmh = netns.start_ecmh(topo, args, ["-c", conf])
    for g, s in ((A6, S1_6), (A4, S1_4), (B6, S1_6), (B4, S1_4), (C6, S1_6), (C4, S1_4)):
        netns.Sender(topo, "up", g, s, PORT, rate=RATE)
    h1 = netns.Listener(topo, "h1", [A6, A4, C6, C4], PORT)
    h2 = netns.Listener(topo, "h2", [B6, B4], PORT)
    sources = {topo.link_local("rtr", "up0"), RTR_UP_4}

    # 1. Policy.
    for listener, g in ((h1, A6), (h1, A4), (h2, B6), (h2, B4)):
        listener.wait_count(RATE, g)
    # h1's joins of C are refused (counted); by then C would have reached h1 if taken.
    wait_until(lambda: ecmh.dump().drops.get("policy-denied", 0) >= 2, SOON,
               "the dump to count h1's joins of C as policy-denied",
               detail=lambda: str(ecmh.dump().drops))
    check(h1.count(C6) == 0 and h1.count(C4) == 0,
          f"h1 received C although dn1 may not join it: {h1.count(C6)}, {h1.count(C4)}")
    reported = reported_groups(cap, sources)
    check({A6, A4, B6, B4} <= reported, f"ecmh did not report A and B upstream: {reported}")
    check(not ({C6, C4} & reported), f"ecmh reported the denied C upstream: {reported}")
    print(f"POLICY: h1 {h1.count(A6)}+{h1.count(A4)} of A, 0 of C; reported upstream "
          f"{sorted(reported)}", flush=True)

    # 2. A reload that allows C, while A streams.
    write(conf, WITH_C)
    t_reload = time.monotonic()
    ecmh.signal(signal.SIGHUP)
    for g in (C6, C4):
        h1.wait_count(RATE // 2, g, what=f"h1 to receive {g} after the reload allowed it")
    check_no_gap(h1, (A6, A4), t_reload, "allowing C")
    text = ecmh.log_text()
    check("configuration " + conf + " applied" in text, "ecmh's log lacks the reload line")
    check("dn1 changed in place (settings from the configuration)" in text,
          "ecmh's log does not say dn1's settings changed")
    check("dn2 changed in place" not in text, "ecmh's log says dn2 changed: it did not")

    # 3. A bad file keeps the running configuration.
    write(conf, BAD)
    t_bad = time.monotonic()
    ecmh.signal(signal.SIGHUP)
    wait_until(lambda: f"{conf}:3: unknown setting 'allow-everything'" in ecmh.log_text(),
               SOON, "ecmh to refuse the bad file with its line")
    check("the running configuration is kept" in ecmh.log_text(),
          "the refusal does not say the running configuration is kept")
    check(ecmh.alive(), "ecmh died on a bad file")
    for g in (A6, A4, C6, C4):
        h1.wait_count(h1.count(g) + RATE // 2, g, what=f"{g} to keep flowing after the bad file")
    check_no_gap(h1, (A6, A4, C6, C4), t_bad, "the bad file")

    # 4. C denied again: it ends at once on dn1 and upstream, A runs on.
    write(conf, BASE)
    start = cap.mark()
    t_deny = time.monotonic()
    ecmh.signal(signal.SIGHUP)
    for g in (C6, C4):
        wait_until(lambda g=g: stream_stopped(h1, g), SOON, f"{g} to stop at h1",
                   detail=lambda g=g: f"{h1.count(g)} received")
    for kind, g in (("mldv2-report", C6), ("igmpv3-report", C4)):
        wait_until(lambda k=kind, g=g: netns.find_messages(
            netns.from_ecmh(cap.messages(start), sources), k, g, [TO_IN], ()), SOON,
            f"ecmh to leave {g} upstream", detail=lambda: netns.summarize(cap.messages(start)))
    last_c = max(r[3] for r in h1.records(C4))
    print(f"DENY: C's last datagram at h1 {max(0.0, last_c - t_deny) * 1000:.0f} ms after "
          "SIGHUP; ecmh left it upstream", flush=True)
    check_no_gap(h1, (A6, A4), t_deny, "denying C")
    check(ecmh.alive(), "ecmh died")


if __name__ == "__main__":
    netns.main("config", body, need_scapy=True, need_tcpdump=True)
