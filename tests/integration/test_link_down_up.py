#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.link_down_up: a short outage of a link costs its listeners nothing (rfc-map M19).

h1 reaches dn1 through a switch (ns sw: a bridge without multicast snooping), so an
outage of dn1 never touches h1's own link: h1 keeps its memberships and does not report
them again by itself (Linux re-reports MLD when its own carrier comes back); it only
answers queries, after a random delay of up to the Query Response Interval, which is
20 s here so that an answer cannot be what brings the stream back.

     ns up (S1) --- up0 [ns rtr: ecmh -i up0] dn1 --- p1 [ns sw: br0] p2 --- eth0 [ns h1]

S1 streams to ff0e::7:1 and 239.7.7.1 at 50 datagrams/s; h1 listens to both.
 1. dn1 set down for 1 s, then up: ecmh keeps dn1's listeners (the dump shows dn1 down,
    the copies meanwhile are counted as link-down, the log says the link is kept);
    the time from `ip link set up` to the first datagram at h1 is measured for each
    family and must stay under 2 s (it is a few milliseconds: ecmh forwards the next
    datagram; h1 sends no report meanwhile, which the test prints from a capture on h1).
    Before ecmh kept a down link's state, the stream came back only with h1's answer to
    the next query, after a random delay of up to the Query Response Interval (7.3 s
    and 2.3 s in one run).
 2. The same with dn1 up but without carrier (the switch's port p1 set down).
 3. up0 set down for 1 s, then up: ecmh reports every group again at once from up0's
    addresses (MLDv2 and IGMPv3 current-state reports, decoded with scapy from a
    capture on ns up), and S1's stream reaches h1 again.
"""

import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import IS_EX, RTR_UP_4, S1_4, S1_6, SOON, check, log, wait_until  # noqa: E402

G6, G4 = "ff0e::7:1", "239.7.7.1"
PORT = 5007
OUTAGE = 1.0       # seconds a link stays down: far below MALI (2 x 25 s + 20 s)
RESUME_BOUND = 2.0  # the stream must be back this soon after the link is up
# Long timers: a query answer (random, up to QRI) cannot bring the stream back in time.
TIMERS = ["--robustness", "2", "--query-interval", "25s", "--query-response-interval", "20s",
          "--last-listener-query-interval", "200ms", "--unsolicited-report-interval", "200ms"]


def switched_h1(topo):
    """h1 behind a bridge in ns sw, on rtr's dn1 (addresses as netns.HOSTS["h1"])."""
    rlink, r6, r4, h6, h4 = netns.HOSTS["h1"]
    topo.add_namespace("sw")
    topo.sysctl_keys("sw", {"net.ipv6.conf.all.disable_ipv6": 1,
                            "net.ipv6.conf.default.disable_ipv6": 1})
    topo.add_namespace("h1")
    topo.veth("rtr", rlink, "sw", "p1")
    topo.veth("sw", "p2", "h1", "eth0")
    topo.ip("-n", topo.ns("sw"), "link", "add", "name", "br0", "type", "bridge",
            "mcast_snooping", "0")
    for port in ("p1", "p2"):
        topo.ip("-n", topo.ns("sw"), "link", "set", "dev", port, "master", "br0")
        topo.link_up("sw", port)
    topo.link_up("sw", "br0")
    topo.addr("rtr", rlink, r6 + "/64")
    topo.addr("rtr", rlink, r4)
    topo.addr("h1", "eth0", h6 + "/64")
    topo.addr("h1", "eth0", h4)
    topo.link_up("h1", "eth0")
    topo.link_up("rtr", rlink)
    topo.route("h1", "-6", "route", "add", "default", "via", r6, "dev", "eth0")
    topo.route("h1", "-4", "route", "add", "default", "via", r4.split("/")[0], "dev", "eth0")
    topo.wait_link_ready("rtr", rlink)
    topo.wait_link_ready("h1", "eth0")


def link_state(ecmh, link):
    return ecmh.dump().interfaces.get(link, {}).get("Link state", "")


def outage(topo, ecmh, what, link, role, ifname):
    """Sets role's ifname down, waits until ecmh shows `link` down, keeps it down for
    OUTAGE seconds and sets it up; returns the time (monotonic) of `ip link set up`."""
    log(f"{what}: {role}:{ifname} down")
    topo.ip("-n", topo.ns(role), "link", "set", "dev", ifname, "down")
    wait_until(lambda: link_state(ecmh, link).startswith("down"), SOON,
               f"the dump to show {link} down", interval=0.2)
    time.sleep(OUTAGE)  # the outage itself, not a wait for something to happen
    check(link in ecmh.dump().interfaces, f"ecmh dropped {link} during the outage")
    log(f"{what}: {role}:{ifname} up")
    t_up = time.monotonic()
    topo.ip("-n", topo.ns(role), "link", "set", "dev", ifname, "up")
    return t_up


def first_after(listener, group, t):
    times = [r[3] for r in listener.records(group) if r[3] > t]
    return min(times) if times else None


def host_reports_before(h1cap, t_up, t_end):
    """h1's MLD/IGMP reports captured between t_up and t_end (monotonic times; the
    capture's are wall-clock)."""
    offset = time.time() - time.monotonic()
    return [m for m in h1cap.messages() if m.kind.endswith("report")
            and t_up + offset <= m.time <= t_end + offset]


def measure_resume(listener, h1cap, what, t_up):
    """Waits for the first datagram of each group after t_up; prints and bounds it, with
    whether h1 had reported anything meanwhile (it has no reason to: its link stayed
    up; only an answer to ecmh's startup query, after a random delay, could come)."""
    resumed = {}
    for group in (G6, G4):
        first = wait_until(lambda g=group: first_after(listener, g, t_up), SOON,
                           f"{what}: h1 to receive {group} again",
                           detail=lambda g=group: f"{listener.count(g)} received in all")
        resumed[group] = first - t_up
    reported = host_reports_before(h1cap, t_up, t_up + max(resumed.values()))
    print(f"RESUME {what}: first datagram at h1 {resumed[G6] * 1000:.0f} ms (IPv6) and "
          f"{resumed[G4] * 1000:.0f} ms (IPv4) after `ip link set up` (bound "
          f"{RESUME_BOUND * 1000:.0f} ms); h1 reported {len(reported)} time(s) before",
          flush=True)
    for group, delay in resumed.items():
        check(delay < RESUME_BOUND, f"{what}: {group} came back {delay:.2f} s after the link "
              f"was up (bound {RESUME_BOUND} s): its listener state was lost")


def downstream(topo, ecmh, l1, h1cap):
    t_up = outage(topo, ecmh, "dn1 admin down", "dn1", "rtr", "dn1")
    measure_resume(l1, h1cap, "dn1 down/up", t_up)
    t_up = outage(topo, ecmh, "dn1 without carrier", "dn1", "sw", "p1")
    measure_resume(l1, h1cap, "dn1 carrier lost/back", t_up)
    dump = ecmh.dump()
    check(dump.drops.get("link-down", 0) > 0,
          f"copies to dn1 while it was down should be counted as link-down: {dump.drops}")
    check(link_state(ecmh, "dn1") == "", "dn1 is up again but the dump still shows it down")
    text = ecmh.log_text()
    for line in ("dn1 is down: keeping its listeners", "dn1 has no carrier: keeping its",
                 "dn1 is up again"):
        check(line in text, f"ecmh's log lacks '{line}'")
    check("dn1 is gone" not in text and "re-adding" not in text,
          "ecmh removed dn1 instead of keeping it")


def upstream(topo, ecmh, cap, l1, h1cap):
    sources = {topo.link_local("rtr", "up0"), RTR_UP_4}
    start = cap.mark()
    t_up = outage(topo, ecmh, "up0 admin down", "up0", "rtr", "up0")
    for kind, group in (("mldv2-report", G6), ("igmpv3-report", G4)):
        msgs = wait_until(
            lambda k=kind, g=group: netns.find_messages(
                netns.from_ecmh(cap.messages(start), sources), k, g, [IS_EX], ()),
            SOON, f"ecmh's {kind} for {group} after up0 came back", interval=0.1,
            detail=lambda: netns.summarize(cap.messages(start)))
        print(f"REPORT after up0 came back: {msgs[0]}", flush=True)
    measure_resume(l1, h1cap, "up0 down/up", t_up)


def body(args):
    topo = netns.standard_topology("link_down_up", hosts=())
    switched_h1(topo)
    cap = netns.Capture(topo, "up")
    h1cap = netns.Capture(topo, "h1")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"] + TIMERS, timers=False)
    netns.Sender(topo, "up", G6, S1_6, PORT, rate=50)
    netns.Sender(topo, "up", G4, S1_4, PORT, rate=50)
    l1 = netns.Listener(topo, "h1", [G6, G4], PORT)
    for group in (G6, G4):
        l1.wait_count(20, group, what=f"h1 to receive 20 datagrams of {group}")
    # The capture on h1 sees h1's reports (its joins), so "reported 0 times" means it.
    wait_until(lambda: any(m.kind.endswith("report") for m in h1cap.messages()), SOON,
               "h1's join reports in the capture on h1")
    downstream(topo, ecmh, l1, h1cap)
    upstream(topo, ecmh, cap, l1, h1cap)
    check(ecmh.alive(), "ecmh died")


if __name__ == "__main__":
    netns.main("link_down_up", body, need_scapy=True, need_tcpdump=True)
