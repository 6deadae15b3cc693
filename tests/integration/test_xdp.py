#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.xdp: the XDP fast path (--forward xdp, issue 15) between real kernels.

ecmh -i up0 --forward xdp --xdp-mode generic, in the standard topology.
 1. The log and the dump say every link forwards through XDP in generic mode.
 2. IPv6: h1 and h2 join ff0e::1:1 and S1 streams 400 datagrams. Each host's socket gets
    every sequence number exactly once, with hop limit 15 and the payload's CRC intact. The
    dump's fast path lists the flow up0 -> dn1, dn2, and its packet count (read from the
    program's own counters) shows that the program forwarded most of the stream; the
    group's Packets counts everything the hosts got.
    `ecmhctl show stats` (text and --json) and `ecmhctl metrics` show the same: dn1 in
    generic mode, the flow in the table, the program's redirects; `show groups --json`
    counts the datagrams the program forwarded in the group's packets.
 3. IPv4, the same for 239.1.1.1: TTL 15. The receiving kernels check the IPv4 header
    checksum the program updated, so a wrong one would lose the datagrams.
 4. h2 leaves: the stream stops reaching dn2 within the userspace bound (LLQT + 1 s), h1
    keeps receiving, and the flow's out-links are dn1 alone.
 5. A listener state that expires: h1's link gets one MLDv1 Report for ff0e::1:2 (crafted,
    never refreshed). S2's stream to it is installed, then the state expires after its
    Multicast Address Listener Interval: the flow goes, and the stream stops reaching dn1.
 6. dn2 is deleted while the flow runs: ecmh stays up, no flow names dn2, and h1 keeps
    receiving.
 7. ecmh stops: no XDP program stays attached to a router link.
 8. ecmh -u nobody keeps only CAP_NET_RAW, yet attaches the program to dn3, which appears
    after the privileges are gone, and forwards through it there.
 9. ecmh is killed (SIGKILL): the kernel detaches every program with it.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import zlib

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import S1_4, S1_6, S2_6, check, log  # noqa: E402

GROUP6 = "ff0e::1:1"
EXPIRING6 = "ff0e::1:2"
GROUP4 = "239.1.1.1"
PORT = 5001
COUNT = 400


def check_each_once(listener, group, count, hops, what):
    records = listener.details(group)
    seqs = sorted(r.seq for r in records)
    check(seqs == list(range(1, count + 1)),
          f"{what}: expected sequence numbers 1..{count} once each, got {len(seqs)} "
          f"(missing {sorted(set(range(1, count + 1)) - set(seqs))[:10]}, duplicated "
          f"{sorted({s for s in seqs if seqs.count(s) > 1})[:10]})")
    bad_hops = {r.hops for r in records} - {hops}
    check(not bad_hops, f"{what}: hop limit / TTL should be {hops}, saw {bad_hops}")
    bad = [r for r in records
           if r.crc != f"{zlib.crc32(netns.sender_payload(r.seq, group, r.source)):08x}"]
    check(not bad, f"{what}: payloads changed on the way: {bad[:3]}")


def stream(topo, group, source, listeners, hops, what):
    sender = netns.Sender(topo, "up", group, source, PORT, rate=200, count=COUNT)
    sender.wait_sent(COUNT, timeout=netns.SOON + COUNT / 200)
    for name, listener in listeners.items():
        listener.wait_count(COUNT, group, what=f"{name} to receive {COUNT} datagrams")
        check_each_once(listener, group, COUNT, hops, f"{what}, {name}")


def check_control(args, ecmh):
    """After the IPv6 stream, the control socket's replies show the fast path: dn1 in
    generic mode, the flow in the table, most of the stream redirected by the program and
    all of it in the group's packets. Without an ecmhctl binary (a manual run with --ecmh
    only) this is logged and left out; ctest always passes --ecmhctl."""
    ctl = args.ecmhctl or os.path.join(os.path.dirname(os.path.abspath(args.ecmh)), "ecmhctl")
    if not os.access(ctl, os.X_OK):
        log(f"no ecmhctl at {ctl}: show stats and metrics not checked")
        return

    def run(*words):
        r = subprocess.run([ctl, "-s", ecmh.control_socket, *words], capture_output=True,
                           text=True, timeout=netns.SOON)
        check(r.returncode == 0, f"ecmhctl {' '.join(words)}: status {r.returncode}: {r.stderr}")
        return r.stdout

    fast = json.loads(run("show", "stats", "--json"))["statistics"]["fast-path"]
    check(fast is not None and fast["flows"] >= 1 and fast["flows-installed"] >= 1,
          f"show stats --json should show the installed flow: {fast}")
    modes = {link["interface-name"]: link["mode"] for link in fast["links"]}
    check(modes.get("dn1") == "generic", f"show stats --json should show dn1 generic: {modes}")
    check(fast["program"].get("redirected", 0) >= COUNT // 2,
          f"show stats --json: the program redirected fewer than {COUNT // 2}: {fast['program']}")
    check("fast path flows" in run("show", "stats"), "show stats has no fast path section")
    metrics = run("metrics")
    check('ecmh_fast_path_link_mode{link="dn1",mode="generic"} 1\n' in metrics,
          "metrics should show dn1 in generic mode")
    m = re.search(r'^ecmh_fast_path_program_events_total\{event="redirected"\} (\d+)$',
                  metrics, re.M)
    check(m is not None and int(m.group(1)) >= COUNT // 2,
          f"metrics: the program redirected fewer than {COUNT // 2}: {m and m.group(1)}")
    # The daemon adds the program's per-flow counts to the engine's before it answers.
    groups = json.loads(run("show", "groups", "--json"))["groups"]
    packets = next((g["packets"] for g in groups if g["group-address"] == GROUP6), None)
    check(packets is not None and packets >= COUNT,
          f"show groups --json should count all {COUNT} datagrams of {GROUP6}: {packets}")
    log(f"ecmhctl: {fast['flows']} flows, dn1 {modes['dn1']}, "
        f"{fast['program'].get('redirected')} redirected")


def xdp_attached(topo, ifname):
    out = topo.run("rtr", "ip", "-d", "link", "show", "dev", ifname, check=False)
    return re.search(r"\bprog/xdp", out.stdout) is not None or "xdpgeneric" in out.stdout


def body(args):
    topo = netns.standard_topology("xdp")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0", "--forward", "xdp", "--xdp-mode",
                                         "generic"])
    for link in ("up0", "dn1", "dn2"):
        netns.wait_until(lambda link=link: f"{link}: XDP forwarding in generic mode"
                         in ecmh.log_text(), netns.SOON, f"the log to say {link} forwards "
                         "through XDP in generic mode")
        check(xdp_attached(topo, link), f"ip link shows no XDP program on {link}")
    dump = ecmh.dump()
    check(dump.fast_links.get("dn1", ("",))[0] == "generic",
          f"the dump's fast path should show dn1 in generic mode: {dump.fast_links}")
    # With the fast path the data ring is 8 MiB, not 2 (README, "XDP fast path": a new
    # flow's first packets wait there while ecmh installs it): ecmh's packet-socket maps,
    # whole ring blocks of whole frames, so a little under 8 MiB.
    rings = socket_mappings(ecmh.pid)
    check(max(rings, default=0) >= 7 << 20,
          f"ecmh's data capture ring should be 8 MiB with the fast path; its packet-socket "
          f"mappings are {rings} bytes")

    log("IPv6: h1 and h2 join " + GROUP6)
    l1 = netns.Listener(topo, "h1", [GROUP6, GROUP4], PORT, details=True)
    l2 = netns.Listener(topo, "h2", [GROUP6, GROUP4], PORT, details=True)
    netns.wait_until(lambda: ecmh.dump().group_links(GROUP6) == {"dn1", "dn2"}, netns.SOON,
                     f"the dump to list {GROUP6} on dn1 and dn2")
    stream(topo, GROUP6, S1_6, {"h1": l1, "h2": l2}, 15, "IPv6 through XDP")
    check_control(args, ecmh)  # first: nothing but the control request synced the counts
    dump = ecmh.dump()
    flow = dump.flow(GROUP6, S1_6)
    check(flow is not None, f"the dump lists no fast-path flow for ({S1_6}, {GROUP6}):\n"
          + "\n".join(str(f) for f in dump.flows))
    check(flow["arrival"] == "up0" and flow["out"] == {"dn1", "dn2"},
          f"the flow should go up0 -> dn1, dn2: {flow}")
    # The first datagrams go through ecmh (they install the flow); the program forwards
    # the rest. Half is far below what any run forwards through the program.
    check(flow["packets"] is not None and flow["packets"] >= COUNT // 2,
          f"the program forwarded only {flow['packets']} of {COUNT} datagrams")
    check(dump.fast_events.get("redirected", 0) >= flow["packets"],
          f"the program's redirect count {dump.fast_events.get('redirected')} is below the "
          f"flow's {flow['packets']}")
    packets = dump.groups[GROUP6]["packets"]
    check(packets is not None and packets >= COUNT,
          f"the group's Packets should count all {COUNT} datagrams forwarded, says {packets}")

    log("IPv4: " + GROUP4)
    stream(topo, GROUP4, S1_4, {"h1": l1, "h2": l2}, 15, "IPv4 through XDP")
    flow4 = ecmh.dump().flow(GROUP4, S1_4)
    check(flow4 is not None and flow4["out"] == {"dn1", "dn2"} and
          (flow4["packets"] or 0) >= COUNT // 2,
          f"the IPv4 flow should go to dn1, dn2 through the program: {flow4}")

    log("h2 leaves " + GROUP6 + " while S1 streams")
    sender = netns.Sender(topo, "up", GROUP6, S1_6, PORT, rate=100)
    sniff1 = netns.Sniffer(topo, "h1")
    sniff2 = netns.Sniffer(topo, "h2")
    netns.wait_until(lambda: sniff2.count(GROUP6) >= 20, netns.SOON,
                     "h2's link to see the stream")
    netns.measure_leave("MLDv2 leave (h2) through XDP", l2, GROUP6, sniff2, sender)
    before = sniff1.count(GROUP6)
    netns.wait_until(lambda: sniff1.count(GROUP6) >= before + 20, netns.SOON,
                     "h1 to keep receiving after h2 left")
    flow = ecmh.dump().flow(GROUP6, S1_6)
    check(flow is not None and flow["out"] == {"dn1"},
          f"after h2's leave the flow should go to dn1 alone: {flow}")

    log("a listener state that expires: one MLDv1 Report for " + EXPIRING6 + " on dn1")
    topo.run("h1", netns.PYTHON, os.path.join(netns.TOOLS, "craft.py"), "--ifname", "eth0",
             "mldv1-report:" + EXPIRING6)
    expiring = netns.Sender(topo, "up", EXPIRING6, S2_6, PORT, rate=100)
    netns.wait_until(lambda: ecmh.dump().flow(EXPIRING6, S2_6) is not None, netns.SOON,
                     f"the flow ({S2_6}, {EXPIRING6}) to be installed")
    check(sniff1.count(EXPIRING6) > 0, f"dn1 got none of {EXPIRING6}'s stream")
    netns.wait_until(lambda: ecmh.dump().group_links(EXPIRING6) == set(),
                     netns.MALI + netns.SOON, f"dn1's state for {EXPIRING6} to expire")
    check(ecmh.last_dump is not None and netns.Dump(ecmh.last_dump).flow(EXPIRING6) is None,
          f"the flow of {EXPIRING6} outlived its listener state")
    netns.wait_stream_stops(sniff1, EXPIRING6, S2_6, time.monotonic(), expiring, 1.0, netns.SOON,
                            f"{EXPIRING6} to stop reaching dn1 after its state expired")

    log("dn2 is deleted while " + GROUP6 + " streams to dn1")
    netns.Listener(topo, "h2", [GROUP6], PORT, name="listener-h2-again")
    netns.wait_until(lambda: (ecmh.dump().flow(GROUP6, S1_6) or {}).get("out") == {"dn1", "dn2"},
                     netns.SOON, "the flow to go to dn1 and dn2 again")
    topo.ip("-n", topo.ns("rtr"), "link", "del", "dn2")
    netns.wait_until(lambda: "dn2" not in ecmh.dump().fast_links, netns.SOON,
                     "the dump to forget dn2")
    flows = ecmh.dump().flows
    check(all(f is None or "dn2" not in f["out"] for f in flows),
          f"a flow still names the deleted dn2: {flows}")
    before = sniff1.count(GROUP6)
    netns.wait_until(lambda: sniff1.count(GROUP6) >= before + 20, netns.SOON,
                     "h1 to keep receiving after dn2 was deleted")
    check(ecmh.alive(), "ecmh died")
    sender.stop()

    log("ecmh stops: every XDP program is detached")
    check(ecmh.stop() == 0, "ecmh did not exit 0 on SIGTERM")
    for link in ("up0", "dn1"):
        check(not xdp_attached(topo, link), f"an XDP program stayed on {link} after exit")

    log("ecmh -u nobody, and dn3 appears afterwards")
    nobody = netns.start_ecmh(topo, args, ["-i", "up0", "--forward", "xdp", "--xdp-mode",
                                           "generic", "-u", "nobody"], name="ecmh-nobody")
    cap_eff = capabilities(nobody.pid)
    check(cap_eff == "0000000000002000",
          f"with -u nobody only CAP_NET_RAW should be effective: CapEff {cap_eff}")
    netns.add_host(topo, "h3")
    netns.wait_until(lambda: "dn3: XDP forwarding in generic mode" in nobody.log_text(),
                     netns.SOON, "ecmh -u nobody to attach the program to the new dn3")
    check(xdp_attached(topo, "dn3"), "ip link shows no XDP program on dn3")
    l3 = netns.Listener(topo, "h3", [GROUP6], PORT, details=True)
    netns.wait_until(lambda: nobody.dump().group_links(GROUP6) >= {"dn3"}, netns.SOON,
                     f"the dump to list {GROUP6} on dn3")
    stream(topo, GROUP6, S1_6, {"h3": l3}, 15, "IPv6 through XDP after -u")
    flow = nobody.dump().flow(GROUP6, S1_6)
    check(flow is not None and "dn3" in flow["out"] and (flow["packets"] or 0) >= COUNT // 2,
          f"the program should have forwarded the stream to dn3: {flow}")

    log("ecmh is killed: the kernel detaches its programs")
    os.kill(nobody.pid, signal.SIGKILL)
    nobody.proc.wait(5)
    for link in ("up0", "dn1", "dn3"):
        netns.wait_until(lambda link=link: not xdp_attached(topo, link), netns.SOON,
                         f"the XDP program on {link} to go with the killed ecmh")


def socket_mappings(pid):
    """The sizes of the process's socket mappings (its capture rings), in bytes."""
    sizes = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 6 and fields[5].startswith("socket:"):
                start, end = (int(x, 16) for x in fields[0].split("-"))
                sizes.append(end - start)
    return sizes


def capabilities(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return line.split()[1]
    return None


if __name__ == "__main__":
    netns.main("xdp", body)
