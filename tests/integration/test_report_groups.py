#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.report_groups: ecmh joins the report addresses on its downstream links (rfc-map
items 12, 13).

Hosts send MLDv2 reports to ff02::16 and IGMPv3 reports to 224.0.0.22. ecmh's capture
asks for all multicast, but a snooping switch delivers reports only to ports it knows
want them, and NICs filter by MAC; a router's kernel membership of the two addresses is
what both act on. h2's end of dn2 is a port of a bridge with multicast snooping (br0 in
h2), as a snooping switch in front of a link ecmh serves.
 1. With ecmh running, rtr's kernel holds ff02::16 and 224.0.0.22 on dn1 and dn2 (and
    their MACs 33:33:00:00:00:16 and 01:00:5e:00:00:16 are in the links' filters), not on
    the upstream up0, where ecmh is a host.
 2. rtr's kernel announces them: tcpdump on h1 sees an MLDv2 report with a record for
    ff02::16 and an IGMPv3 report with a record for 224.0.0.22 from rtr (decoded here).
 3. The snooping bridge learns it: its MDB lists ff02::16 on the port towards ecmh.
 4. ecmh stops: the memberships are gone with it.
Linux's own bridge floods MLDv2/IGMPv3 reports to every port, and every Linux software
link honours all-multicast, so no test topology loses reports without the join; what the
test shows is what a hardware switch and a NIC filter act on.
"""

import os
import socket
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import SOON, check, log, wait_until  # noqa: E402


def memberships(topo, ifname):
    """The groups and MACs `ip maddr` lists for an interface of rtr."""
    out = topo.run("rtr", "ip", "maddr", "show", "dev", ifname).stdout
    return set(w for line in out.splitlines() for w in line.split()[1:2])


def has_report_groups(topo, ifname):
    m = memberships(topo, ifname)
    return {"ff02::16", "224.0.0.22", "33:33:00:00:00:16", "01:00:5e:00:00:16"} <= m


def report_records(frames, rtr_mac):
    """The groups of the MLDv2 and IGMPv3 report records rtr's kernel sent (frames from
    rtr_mac), decoded from the bytes here."""
    groups = set()
    for _, f in frames:
        if f[6:12] != rtr_mac:
            continue
        if f[12:14] == b"\x86\xdd" and f[20] == 0:  # IPv6 with Hop-by-Hop
            icmp = 14 + 40 + 8
            if len(f) > icmp + 8 and f[icmp] == 143:  # MLDv2 Report
                n, at = struct.unpack("!H", f[icmp + 6:icmp + 8])[0], icmp + 8
                for _ in range(n):
                    aux, sources = f[at + 1], struct.unpack("!H", f[at + 2:at + 4])[0]
                    groups.add(socket_ntop6(f[at + 4:at + 20]))
                    at += 20 + 16 * sources + 4 * aux
        elif f[12:14] == b"\x08\x00" and f[23] == 2:  # IGMP
            igmp = 14 + (f[14] & 0x0F) * 4
            if f[igmp] == 0x22:  # IGMPv3 Report
                n, at = struct.unpack("!H", f[igmp + 6:igmp + 8])[0], igmp + 8
                for _ in range(n):
                    aux, sources = f[at + 1], struct.unpack("!H", f[at + 2:at + 4])[0]
                    groups.add(".".join(str(b) for b in f[at + 4:at + 8]))
                    at += 8 + 4 * sources + 4 * aux
    return groups


def socket_ntop6(b):
    return socket.inet_ntop(socket.AF_INET6, bytes(b))


def mac_of(topo, role, ifname):
    out = topo.run(role, "cat", f"/sys/class/net/{ifname}/address").stdout.strip()
    return bytes(int(x, 16) for x in out.split(":"))


def body(args):
    topo = netns.standard_topology("report_groups")
    # h2's eth0 becomes a port of a snooping bridge (h2 is a switch now, not a host).
    for cmd in (["link", "add", "br0", "type", "bridge", "mcast_snooping", "1"],
                ["link", "set", "eth0", "master", "br0"],
                ["link", "set", "br0", "up"]):
        topo.ip("-n", topo.ns("h2"), *cmd)
    cap = netns.Capture(topo, "h1")
    check(not has_report_groups(topo, "dn1"), "rtr held the report addresses before ecmh ran")
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    for ifname in ("dn1", "dn2"):
        wait_until(lambda: has_report_groups(topo, ifname), SOON,
                   f"rtr's kernel to hold ff02::16 and 224.0.0.22 on {ifname}")
    up = memberships(topo, "up0")
    print(f"memberships: dn1 {sorted(memberships(topo, 'dn1'))}; up0 {sorted(up)}", flush=True)
    check("ff02::16" not in up and "224.0.0.22" not in up,
          "the report addresses were joined on the upstream link")

    rtr_mac = mac_of(topo, "rtr", "dn1")
    wait_until(lambda: {"ff02::16", "224.0.0.22"} <= report_records(cap.frames(), rtr_mac),
               SOON, "rtr's kernel to report ff02::16 and 224.0.0.22 on dn1",
               detail=lambda: f"records seen: {sorted(report_records(cap.frames(), rtr_mac))}")
    print(f"reports from rtr on dn1: {sorted(report_records(cap.frames(), rtr_mac))}",
          flush=True)

    def mdb():
        return topo.run("h2", "bridge", "mdb", "show").stdout
    wait_until(lambda: any("port eth0" in line and "ff02::16" in line
                           for line in mdb().splitlines()), SOON,
               "h2's snooping bridge to list ff02::16 on the port towards ecmh",
               detail=mdb)
    print("bridge mdb:", " | ".join(mdb().split("\n")).strip(), flush=True)

    log("stopping ecmh")
    ecmh.stop()
    wait_until(lambda: not any(g in memberships(topo, "dn1") for g in ("ff02::16", "224.0.0.22")),
               SOON, "the memberships to go with ecmh")


if __name__ == "__main__":
    netns.main("report_groups", body, need_tcpdump=True)
