#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Crafted MLD/IGMP frames sent with scapy (sendp) out of an interface: the queries of
an upstream router, and malformed or invalid messages a hostile host might send.

usage: craft.py --ifname IF [--src4 A.B.C.D] [--ll fe80::X] [--repeat N] KIND...
       craft.py --ifname IF ... --stdin   (one KIND a line on standard input, each sent
                                           when it is read, then "# sent KIND N" printed)

The IPv6 source is IF's link-local address (read from /proc/net/if_inet6) unless --ll
names another (another router's, for querier election), so each
hostile frame differs from a valid one only in the property its KIND names. --src4 is
the IPv4 source of IGMP frames. Every checksum is correct unless the KIND breaks it.

Queries (as a router on the link would send them):
  query-mldv1     MLDv1 General Query (24 octets), Max Response Delay 1000 ms
  query-mldv2     MLDv2 General Query, MRC 1000 ms, QRV 2, QQIC 2 s
  query-igmpv2    IGMPv2 General Query (8 octets), Max Resp Time 1 s
  query-igmpv3    IGMPv3 General Query, MRC 1 s, QRV 2, QQIC 2 s
  (all: hop limit / TTL 1, Router Alert; MLD from the link-local address)

Another host's messages for GROUP (valid: hop limit / TTL 1, Router Alert; MLD from the
link-local address, IGMP from --src4), to show ecmh ignores them where it is a host:
  mldv1-report:GROUP   MLDv1 Report, to the group
  mldv1-done:GROUP     MLDv1 Done, to ff02::2
  mldv2-to-in:GROUP    MLDv2 Report TO_IN {} (a leave), to ff02::16
  igmpv2-report:GROUP  IGMPv2 Report, to the group
  igmpv2-leave:GROUP   IGMPv2 Leave, to 224.0.0.2
  igmpv3-to-in:GROUP   IGMPv3 Report TO_IN {} (a leave), to 224.0.0.22

Hostile (each names its own group so a test can check ecmh ignored it):
  mld-truncated       MLDv1 Report for ff0e::9:1 cut to 20 octets
  mld-bad-checksum    MLDv2 Report TO_EX ff0e::9:2, ICMPv6 checksum wrong
  mld-hop-limit-64    MLDv2 Report TO_EX ff0e::9:3 with Hop Limit 64
  mld-global-source   MLDv2 Report TO_EX ff0e::9:4 from a global address (--src6)
  mld-record-overrun  MLDv2 Report for ff0e::9:5 claiming 3 records, holding 1
  mld-source-overrun  MLDv2 Report, record ALLOW ff3e::8000:95 claiming 10 sources, 1 present
  mld-no-router-alert MLDv2 Report TO_EX ff0e::9:6 without the Hop-by-Hop Router Alert
  mld-all-nodes       MLDv1 Report and MLDv2 TO_EX for ff02::1
  igmp-bad-checksum   IGMPv2 Report 239.9.9.1, IGMP checksum wrong
  igmp-truncated      IGMPv3 Report for 239.9.9.2 with its record cut short
  igmp-bad-ip-checksum IGMPv2 Report 239.9.9.4, IPv4 header checksum wrong
  igmp-all-hosts      IGMPv2 Report and IGMPv3 TO_EX for 224.0.0.1
  igmp-off-subnet     IGMPv3 Report TO_EX 239.9.9.3 from --src4-off (not on the link)
"""

import argparse
import socket
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from inet_checksum import checksum  # noqa: E402

from scapy.all import Ether, IP, IPOption_Router_Alert, Raw, get_if_hwaddr, sendp
from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop, RouterAlert

ALL_NODES_MAC, MLDV2_ROUTERS_MAC = "33:33:00:00:00:01", "33:33:00:00:00:16"
ALL_ROUTERS_MAC_V6 = "33:33:00:00:00:02"



def icmpv6(src, dst, body):
    """body (checksum field zero) with its ICMPv6 checksum filled in."""
    pseudo = (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
              + struct.pack("!IxxxB", len(body), 58))
    c = checksum(pseudo + body)
    return body[:2] + struct.pack("!H", c) + body[4:]


def igmp(body):
    c = checksum(body)
    return body[:2] + struct.pack("!H", c) + body[4:]


def in6(a):
    return socket.inet_pton(socket.AF_INET6, a)


def in4(a):
    return socket.inet_aton(a)


def mldv1(typ, group, mrd=0):
    return struct.pack("!BBHHH", typ, 0, 0, mrd, 0) + in6(group)


def mldv2_report(records, count=None):
    """records: [(type, group, [sources], declared source count or None)]."""
    body = b""
    for rtype, group, sources, declared in records:
        n = len(sources) if declared is None else declared
        body += struct.pack("!BBH", rtype, 0, n) + in6(group) + b"".join(in6(s) for s in sources)
    n = len(records) if count is None else count
    return struct.pack("!BBHHH", 143, 0, 0, 0, n) + body


def igmpv3_report(records):
    body = b""
    for rtype, group, sources in records:
        body += struct.pack("!BBH", rtype, 0, len(sources)) + in4(group) + b"".join(
            in4(s) for s in sources)
    return struct.pack("!BBHHH", 0x22, 0, 0, 0, len(records)) + body


def link_local(ifname):
    with open("/proc/net/if_inet6") as f:
        for line in f:
            addr, _idx, _plen, scope, _flags, name = line.split()
            if name == ifname and scope == "20":
                return socket.inet_ntop(socket.AF_INET6, bytes.fromhex(addr))
    sys.exit(f"craft.py: {ifname} has no link-local address")


class Crafter:
    def __init__(self, ifname, src4, src4_off, src6_global, ll=None):
        self.ifname = ifname
        self.mac = get_if_hwaddr(ifname)
        self.ll = ll or link_local(ifname)
        self.src4, self.src4_off, self.src6_global = src4, src4_off, src6_global

    def mld(self, dst, body, dst_mac, src=None, hlim=1, router_alert=True, fix_checksum=True,
            truncate=None):
        src = src or self.ll
        if fix_checksum:
            body = icmpv6(src, dst, body)
        if truncate is not None:
            body = icmpv6(src, dst, body[:truncate][:2] + b"\0\0" + body[4:truncate])
        l3 = IPv6(src=src, dst=dst, hlim=hlim)
        if router_alert:
            l3 = l3 / IPv6ExtHdrHopByHop(nh=58, options=[RouterAlert(value=0)])
        else:
            l3.nh = 58
        return Ether(src=self.mac, dst=dst_mac) / l3 / Raw(body)

    def igmp(self, dst, body, src=None, fix_checksum=True, router_alert=True):
        if fix_checksum:
            body = igmp(body)
        opts = [IPOption_Router_Alert()] if router_alert else []
        mac = "01:00:5e:%02x:%02x:%02x" % tuple(
            b & m for b, m in zip(in4(dst)[1:], (0x7F, 0xFF, 0xFF)))
        return (Ether(src=self.mac, dst=mac)
                / IP(src=src or self.src4, dst=dst, ttl=1, tos=0xC0, proto=2, options=opts)
                / Raw(body))

    def host_frames(self, kind, group):
        """Another host's valid report or leave for `group` (the kinds NAME:GROUP)."""
        if kind == "mldv1-report":
            mac = "33:33:" + ":".join(f"{b:02x}" for b in in6(group)[12:])
            return [self.mld(group, mldv1(131, group), mac)]
        if kind == "mldv1-done":
            return [self.mld("ff02::2", mldv1(132, group), ALL_ROUTERS_MAC_V6)]
        if kind == "mldv2-to-in":
            return [self.mld("ff02::16", mldv2_report([(3, group, [], None)]),
                             MLDV2_ROUTERS_MAC)]
        if kind == "igmpv2-report":
            return [self.igmp(group, struct.pack("!BBH", 0x16, 0, 0) + in4(group))]
        if kind == "igmpv2-leave":
            return [self.igmp("224.0.0.2", struct.pack("!BBH", 0x17, 0, 0) + in4(group))]
        if kind == "igmpv3-to-in":
            return [self.igmp("224.0.0.22", igmpv3_report([(3, group, [])]))]
        sys.exit(f"craft.py: unknown kind {kind}:{group}\n{__doc__}")

    def frames(self, kind):
        ll_report = ("ff02::16", MLDV2_ROUTERS_MAC)
        name, _, group = kind.partition(":")
        if group:
            return self.host_frames(name, group)
        if kind == "query-mldv1":
            return [self.mld("ff02::1", mldv1(130, "::", mrd=1000), ALL_NODES_MAC)]
        if kind == "query-mldv2":
            # MRC 1000 ms, S=0 QRV=2, QQIC 2 s, no sources
            body = mldv1(130, "::", mrd=1000) + struct.pack("!BBH", 2, 2, 0)
            return [self.mld("ff02::1", body, ALL_NODES_MAC)]
        if kind == "query-igmpv2":
            return [self.igmp("224.0.0.1", struct.pack("!BBH", 0x11, 10, 0) + in4("0.0.0.0"))]
        if kind == "query-igmpv3":
            body = struct.pack("!BBH", 0x11, 10, 0) + in4("0.0.0.0") + struct.pack(
                "!BBH", 2, 2, 0)
            return [self.igmp("224.0.0.1", body)]
        if kind == "mld-truncated":
            return [self.mld("ff0e::9:1", mldv1(131, "ff0e::9:1"), "33:33:00:09:00:01",
                             truncate=20)]
        if kind == "mld-bad-checksum":
            frame = self.mld(*ll_report[:1], mldv2_report([(4, "ff0e::9:2", [], None)]),
                             ll_report[1])
            body = bytearray(bytes(frame[Raw].load))
            body[2] ^= 0x5A
            frame[Raw].load = bytes(body)
            return [frame]
        if kind == "mld-hop-limit-64":
            return [self.mld(ll_report[0], mldv2_report([(4, "ff0e::9:3", [], None)]),
                             ll_report[1], hlim=64)]
        if kind == "mld-global-source":
            return [self.mld(ll_report[0], mldv2_report([(4, "ff0e::9:4", [], None)]),
                             ll_report[1], src=self.src6_global)]
        if kind == "mld-record-overrun":
            return [self.mld(ll_report[0], mldv2_report([(4, "ff0e::9:5", [], None)], count=3),
                             ll_report[1])]
        if kind == "mld-source-overrun":
            return [self.mld(ll_report[0],
                             mldv2_report([(5, "ff3e::8000:95", ["2001:db8:1::10"], 10)]),
                             ll_report[1])]
        if kind == "mld-no-router-alert":
            return [self.mld(ll_report[0], mldv2_report([(4, "ff0e::9:6", [], None)]),
                             ll_report[1], router_alert=False)]
        if kind == "mld-all-nodes":
            return [self.mld("ff02::1", mldv1(131, "ff02::1"), ALL_NODES_MAC),
                    self.mld(ll_report[0], mldv2_report([(4, "ff02::1", [], None)]),
                             ll_report[1])]
        if kind == "igmp-bad-checksum":
            body = bytearray(igmp(struct.pack("!BBH", 0x16, 0, 0) + in4("239.9.9.1")))
            body[2] ^= 0x5A
            return [self.igmp("239.9.9.1", bytes(body), fix_checksum=False)]
        if kind == "igmp-truncated":
            full = igmpv3_report([(4, "239.9.9.2", ["198.51.100.10", "198.51.100.11"])])
            body = igmp(full[:-6])  # the second source cut in half, count still says 2
            return [self.igmp("224.0.0.22", body, fix_checksum=False)]
        if kind == "igmp-bad-ip-checksum":
            frame = self.igmp("239.9.9.4", struct.pack("!BBH", 0x16, 0, 0) + in4("239.9.9.4"))
            frame[IP].chksum = (IP(bytes(frame[IP])).chksum ^ 0x5A5A) or 1
            return [frame]
        if kind == "igmp-all-hosts":
            return [self.igmp("224.0.0.1", struct.pack("!BBH", 0x16, 0, 0) + in4("224.0.0.1")),
                    self.igmp("224.0.0.22", igmpv3_report([(4, "224.0.0.1", [])]))]
        if kind == "igmp-off-subnet":
            return [self.igmp("224.0.0.22", igmpv3_report([(4, "239.9.9.3", [])]),
                              src=self.src4_off)]
        sys.exit(f"craft.py: unknown kind {kind}\n{__doc__}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ifname", required=True)
    p.add_argument("--src4", default="0.0.0.0")
    p.add_argument("--src4-off", default="203.0.113.250")
    p.add_argument("--src6", default="2001:db8:2::10", help="global source (mld-global-source)")
    p.add_argument("--ll", help="link-local source of MLD frames (default: IF's own)")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--stdin", action="store_true",
                   help="read the kinds from standard input, one a line (scapy loads once)")
    p.add_argument("kinds", nargs="*")
    args = p.parse_args()
    crafter = Crafter(args.ifname, args.src4, args.src4_off, args.src6, args.ll)
    if args.stdin:
        print("# ready", flush=True)
        for line in sys.stdin:
            kind = line.strip()
            if not kind:
                continue
            frames = crafter.frames(kind)
            for _ in range(args.repeat):
                sendp(frames, iface=args.ifname, verbose=False)
            print(f"# sent {kind} {len(frames) * args.repeat}", flush=True)
        return
    frames = []
    for kind in args.kinds:
        frames += crafter.frames(kind)
    for _ in range(args.repeat):
        sendp(frames, iface=args.ifname, verbose=False)
    print(f"# sent {len(frames) * args.repeat} frames: {' '.join(args.kinds)}", flush=True)


if __name__ == "__main__":
    main()
