#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.two_upstreams: two upstream links, each serving its own groups (issue 14).

     ns u1 (S1, capture) --- up1 [ns rtr: ecmh -c FILE] up2 --- ns u2 (S2, capture)
                                          dn1
                                           |
                                       ns h1 (listener, downstream source)

    link up1
        role upstream
        serve ff0e::1:0/112 239.1.0.0/16     # G1 = ff0e::1:1, 239.1.1.1
    link up2
        role upstream                        # no serve line: every other group (G2)

G2 = ff0e::2:1, 239.2.1.1. IPv6 groups are ff0e:: (ASM): ecmh takes all of ff3x:: as
SSM. ecmh's MLD/IGMP messages are read from tcpdump captures in ns u1 and u2 (decoded
with scapy, independent of ecmh), the data from sniffers there and from h1's listener.

 1. h1 joins G1 and G2: MLDv2/IGMPv3 reports for G1 reach up1 (from up1's addresses,
    both copies of the state change) and never up2; G2's reach up2 and never up1.
    `ecmhctl show upstream --json` agrees: up1 serves its two prefixes and holds G1,
    up2 holds G2.
 2. S1 (on up1) sends to G1, S2 (on up2) to G2: h1 receives both, sequence numbers
    rising without a repeat and payloads naming the group; no copy crosses to the other
    upstream, and nothing is counted as other-upstream.
 3. S2 sends to G1 (an upstream that does not serve it) while S1's G1 stream runs on:
    the dump's other-upstream drop counter rises by S2's datagrams, and h1 gets none of
    them (nor does up1) while S1's still arrive.
 4. h1 sends to G1 and G2: copies of G1 reach up1 only and of G2 up2 only.
 5. h1 leaves G1: TO_IN {} for G1 on up1 only; G2 stays joined (no TO_IN on up2).
 6. Over the whole captures so far: no message about G1 on up2, none about G2 on up1.
 7. A live reload (SIGHUP) gives up1 G2's prefixes too: up2 leaves G2 at once (TO_IN {})
    and up1 reports it (TO_EX {}), without waiting for a query; `ecmhctl show upstream
    --json` moves G2 to up1.
 8. SIGTERM: ecmh leaves G2 (TO_IN {}) on up1, where it is now; up2 gets no more than a
    retransmission of its leave.
"""

import json
import os
import signal
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import SOON, TO_EX, TO_IN, check, find_messages, log, summarize, wait_until  # noqa: E402

G1_6, G1_4 = "ff0e::1:1", "239.1.1.1"
G2_6, G2_4 = "ff0e::2:1", "239.2.1.1"
PORT = 5014
RATE = 20
COUNT = 20  # datagrams awaited per stream before a check

# role: (router link, router v6, router v4/len, host v6, host v4/len)
LINKS = {
    "u1": ("up1", "2001:db8:1::1", "198.51.100.1/24", "2001:db8:1::10", "198.51.100.10/24"),
    "u2": ("up2", "2001:db8:2::1", "203.0.113.1/25", "2001:db8:2::10", "203.0.113.10/25"),
    "h1": ("dn1", "2001:db8:3::1", "192.0.2.1/24", "2001:db8:3::10", "192.0.2.10/24"),
}
S1_6, S1_4 = LINKS["u1"][3], LINKS["u1"][4].split("/")[0]
S2_6, S2_4 = LINKS["u2"][3], LINKS["u2"][4].split("/")[0]
H1_6, H1_4 = LINKS["h1"][3], LINKS["h1"][4].split("/")[0]

CONFIG = """# netns.two_upstreams
link up1
    role upstream
    serve ff0e::1:0/112 239.1.0.0/16
link up2
    role upstream
"""
# The reload of phase 7: G2's prefixes go to up1 as well.
MOVED = CONFIG.replace("239.1.0.0/16", "239.1.0.0/16\n    serve ff0e::2:0/112 239.2.0.0/16")


def topology():
    """ns rtr with up1, up2 and dn1, each a veth to eth0 of ns u1, u2, h1."""
    topo = netns.Topology("two_upstreams")
    topo.add_namespace("rtr", router=True)
    for role, link in LINKS.items():
        topo.add_namespace(role)
        netns.connect_host(topo, role, wait=False, link=link)
    topo.wait_links_ready("rtr", [link[0] for link in LINKS.values()])
    for role in LINKS:
        topo.wait_link_ready(role, "eth0")
    return topo


class Upstream:
    """One upstream link as its far side sees it: the capture (MLD/IGMP) and the
    sniffer (test datagrams) in ns u1 or u2."""

    def __init__(self, topo, role):
        self.role, self.link = role, LINKS[role][0]
        self.cap = netns.Capture(topo, role)
        self.sniffer = netns.Sniffer(topo, role)
        self.topo = topo

    def ecmh_sources(self):
        """ecmh's addresses on the link: its link-local address and its IPv4 address."""
        return {self.topo.link_local("rtr", self.link), LINKS[self.role][2].split("/")[0]}

    def reports(self, start=0):
        """ecmh's messages on the link (its kernel's link-scope reports left out)."""
        return netns.from_ecmh(self.cap.messages(start), self.ecmh_sources())

    def wait_report(self, what, start, kind, group, rtype, copies):
        def found():
            msgs = find_messages(self.reports(start), kind, group, [rtype], ())
            return msgs if len(msgs) >= copies else None
        plural = "copy" if copies == 1 else "copies"
        return wait_until(found, SOON, f"{what} on {self.link} ({copies} {plural})", interval=0.1,
                          detail=lambda: f"ecmh's messages on {self.link}:"
                          + summarize(self.reports(start)))

    def check_never(self, groups, why):
        """No MLD/IGMP message on the link, from anyone, names one of `groups`."""
        wrong = [m for m in self.cap.messages() if m.groups() & set(groups)]
        check(not wrong, f"{why}: messages about {sorted(groups)} on {self.link}:"
              + summarize(wrong))


def check_stream(listener, group, source):
    """The datagrams h1 got from (source, group): rising sequence numbers, none twice
    (the listener keeps only payloads "ECMHT SEQ GROUP ..." and records their GROUP)."""
    seqs = [r[0] for r in listener.records(group, source)]
    check(seqs == sorted(set(seqs)), f"h1's datagrams of ({source}, {group}) out of order "
          f"or repeated: {seqs}")
    return len(seqs)


def show_upstreams(args, ecmh):
    """{link: (serves, {groups})} from `ecmhctl show upstream --json`."""
    ctl = args.ecmhctl or os.path.join(os.path.dirname(os.path.abspath(args.ecmh)), "ecmhctl")
    r = subprocess.run([ctl, "-s", ecmh.control_socket, "show", "upstream", "--json"],
                       capture_output=True, text=True, timeout=SOON)
    check(r.returncode == 0, f"ecmhctl show upstream --json: status {r.returncode}: {r.stderr}")
    return {u["interface-name"]: (u.get("serves"), {g["group-address"] for g in u["groups"]})
            for u in json.loads(r.stdout)["upstreams"]}


def other_upstream(ecmh):
    return ecmh.dump().drops.get("other-upstream", 0)


def body(args):
    topo = topology()
    ups = {role: Upstream(topo, role) for role in ("u1", "u2")}
    up1, up2 = ups["u1"], ups["u2"]
    conf = topo.path("ecmh.conf")
    with open(conf, "w") as f:
        f.write(CONFIG)
    ecmh = netns.start_ecmh(topo, args, ["-c", conf])

    # 1. Membership reports go to the upstream serving the group only.
    log(f"h1 joins G1 ({G1_6}, {G1_4}) and G2 ({G2_6}, {G2_4})")
    h1 = netns.Listener(topo, "h1", [G1_6, G1_4, G2_6, G2_4], PORT)
    for up, g6, g4 in ((up1, G1_6, G1_4), (up2, G2_6, G2_4)):
        up.wait_report(f"MLDv2 TO_EX {{}} for {g6}", 0, "mldv2-report", g6, TO_EX, 2)
        up.wait_report(f"IGMPv3 TO_EX {{}} for {g4}", 0, "igmpv3-report", g4, TO_EX, 2)
    up2.check_never((G1_6, G1_4), "G1 is up1's")
    up1.check_never((G2_6, G2_4), "G2 is up2's")
    for up in (up1, up2):
        print(f"reports on {up.link}:" + summarize(up.reports()), flush=True)
    shown = show_upstreams(args, ecmh)
    check(set(shown) == {"up1", "up2"}, f"show upstream lists {sorted(shown)}, not up1 and up2")
    check(shown["up1"] == (["ff0e::1:0/112", "239.1.0.0/16"], {G1_6, G1_4})
          and shown["up2"][1] == {G2_6, G2_4}, f"show upstream --json: {shown}")

    # 2. Each upstream's data reaches h1; none crosses to the other upstream.
    log("S1 sends to G1 on up1, S2 to G2 on up2")
    s1 = [netns.Sender(topo, "u1", g, s, PORT, rate=RATE) for g, s in ((G1_6, S1_6),
                                                                         (G1_4, S1_4))]
    s2 = [netns.Sender(topo, "u2", g, s, PORT, rate=RATE) for g, s in ((G2_6, S2_6),
                                                                         (G2_4, S2_4))]
    streams = ((G1_6, S1_6), (G1_4, S1_4), (G2_6, S2_6), (G2_4, S2_4))
    for g, s in streams:
        h1.wait_count(COUNT, g, s, what=f"h1 to receive {COUNT} datagrams of ({s}, {g})")
    print("h1 received " + ", ".join(f"{check_stream(h1, g, s)} of ({s}, {g})"
                                     for g, s in streams), flush=True)
    for up, groups in ((up2, (G1_6, G1_4)), (up1, (G2_6, G2_4))):
        crossed = sum(up.sniffer.count(g) for g in groups)
        check(crossed == 0, f"{crossed} datagrams of {groups} crossed to {up.link}")
    check(other_upstream(ecmh) == 0, "served streams counted as other-upstream: "
          f"{other_upstream(ecmh)}")
    for sender in s2:
        sender.stop()

    # 3. G1 from up2, which does not serve it: dropped and counted; S1's G1 runs on.
    log("S2 sends to G1 on up2")
    wrong = [netns.Sender(topo, "u2", g, s, PORT, rate=RATE, name=f"wrong-{g}")
             for g, s in ((G1_6, S2_6), (G1_4, S2_4))]
    before = {g: h1.count(g, s) for g, s in ((G1_6, S1_6), (G1_4, S1_4))}
    wait_until(lambda: other_upstream(ecmh) >= 2 * COUNT, SOON,
               f"the dump to count {2 * COUNT} of S2's G1 datagrams as other-upstream",
               interval=0.2, detail=lambda: str(ecmh.dump().drops))
    for g, s in ((G1_6, S1_6), (G1_4, S1_4)):
        h1.wait_count(before[g] + 1, g, s, what=f"S1's {g} to reach h1 still")
    for sender in wrong:
        sender.check_alive()
    got = {g: h1.count(g, s) for g, s in ((G1_6, S2_6), (G1_4, S2_4))}
    check(not any(got.values()), f"h1 received G1 from up2, which does not serve it: {got}")
    crossed = {g: up1.sniffer.count(g, s) for g, s in ((G1_6, S2_6), (G1_4, S2_4))}
    check(not any(crossed.values()), f"S2's G1 datagrams reached up1: {crossed}")
    print(f"other-upstream: {other_upstream(ecmh)} (S2's G1 datagrams); h1 got none of them",
          flush=True)
    for sender in wrong + s1:
        sender.stop()

    # 4. A downstream source: each group's copies go to its own upstream only.
    log("h1 sends to G1 and G2")
    local = [netns.Sender(topo, "h1", g, s, PORT, rate=RATE, name=f"h1-{g}")
             for g, s in ((G1_6, H1_6), (G1_4, H1_4), (G2_6, H1_6), (G2_4, H1_4))]
    for up, other, groups in ((up1, up2, (G1_6, G1_4)), (up2, up1, (G2_6, G2_4))):
        for g in groups:
            s = H1_6 if ":" in g else H1_4
            wait_until(lambda: up.sniffer.count(g, s) >= COUNT, SOON,
                       f"{COUNT} of h1's datagrams of {g} on {up.link}",
                       detail=lambda: f"{up.sniffer.count(g, s)} seen")
        for g in groups:
            n = other.sniffer.count(g, H1_6 if ":" in g else H1_4)
            check(n == 0, f"{n} of h1's datagrams of {g} went to {other.link}")
    for sender in local:
        sender.stop()

    # 5. Leaving G1: the TO_IN {} goes to up1 only.
    start1, start2 = up1.cap.mark(), up2.cap.mark()
    log(f"h1 leaves {G1_6} and {G1_4}")
    h1.leave(G1_6)
    h1.leave(G1_4)
    up1.wait_report(f"MLDv2 TO_IN {{}} for {G1_6}", start1, "mldv2-report", G1_6, TO_IN, 2)
    up1.wait_report(f"IGMPv3 TO_IN {{}} for {G1_4}", start1, "igmpv3-report", G1_4, TO_IN, 2)
    left = [m for m in up2.reports(start2) if any(r[0] == TO_IN for r in m.records)]
    check(not left, "a leave reached up2:" + summarize(left))

    # 6. Nothing about one upstream's groups ever reached the other.
    up2.check_never((G1_6, G1_4), "G1 is up1's")
    up1.check_never((G2_6, G2_4), "G2 is up2's")

    # 7. A reload moves G2 to up1: left on up2, reported on up1, at once.
    start1, start2 = up1.cap.mark(), up2.cap.mark()
    log("reload: up1 serves G2's prefixes too")
    with open(conf, "w") as f:
        f.write(MOVED)
    ecmh.signal(signal.SIGHUP)
    up2.wait_report(f"MLDv2 TO_IN {{}} for {G2_6} after the reload", start2, "mldv2-report",
                    G2_6, TO_IN, 1)
    up2.wait_report(f"IGMPv3 TO_IN {{}} for {G2_4} after the reload", start2, "igmpv3-report",
                    G2_4, TO_IN, 1)
    up1.wait_report(f"MLDv2 TO_EX {{}} for {G2_6} after the reload", start1, "mldv2-report",
                    G2_6, TO_EX, 2)
    up1.wait_report(f"IGMPv3 TO_EX {{}} for {G2_4} after the reload", start1, "igmpv3-report",
                    G2_4, TO_EX, 2)
    shown = show_upstreams(args, ecmh)
    check(shown["up1"][1] == {G2_6, G2_4} and not shown["up2"][1],
          f"show upstream --json after the reload: {shown}")

    # 8. At exit ecmh leaves G2 on up1, where it is now, and sends up2 nothing more.
    start1, start2 = up1.cap.mark(), up2.cap.mark()
    netns.stop_checked(ecmh)
    up1.wait_report(f"MLDv2 TO_IN {{}} for {G2_6} at exit", start1, "mldv2-report", G2_6,
                    TO_IN, 1)
    up1.wait_report(f"IGMPv3 TO_IN {{}} for {G2_4} at exit", start1, "igmpv3-report", G2_4,
                    TO_IN, 1)
    # (a retransmission of phase 7's TO_IN may still fall here; nothing else may)
    late = [m for m in up2.reports(start2) if any(r[0] != TO_IN for r in m.records)]
    check(not late, "ecmh sent up2 more than G2's leave at exit, though it serves nothing "
          "joined:" + summarize(late))


if __name__ == "__main__":
    netns.main("two_upstreams", body, need_scapy=True, need_tcpdump=True)
