#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A multicast listener, run inside a host namespace (ip netns exec NS listener.py ...).

usage: listener.py --ifname IF --port PORT --out FILE [--details] [--join SPEC]...

SPEC is GROUP (any-source: IPV6_JOIN_GROUP / IP_ADD_MEMBERSHIP) or GROUP@SOURCE
(source-specific: MCAST_JOIN_SOURCE_GROUP with a hand-packed struct group_source_req).
One UDP socket per address family, bound to the wildcard address and PORT, holds the
memberships on IF. Commands on stdin, one per line: "join SPEC", "leave SPEC", "quit".
SIGTERM leaves everything and exits 0.

FILE gets, one line each, flushed at once (times are CLOCK_MONOTONIC seconds):
    SEQ SOURCE GROUP TIME        a test datagram (payload "ECMHT SEQ GROUP ...")
    SEQ SOURCE GROUP TIME DESTINATION HOPS TOS LENGTH CRC32
                                 the same with --details: the address the datagram was
                                 sent to, the hop limit / TTL and traffic class / TOS it
                                 arrived with (IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT,
                                 IPV6_RECVTCLASS; IP_PKTINFO, IP_RECVTTL, IP_RECVTOS), and
                                 the UDP payload's length and CRC-32 (8 hex digits)
    # ready TIME
    # joined SPEC TIME  /  # left SPEC TIME
    # error SPEC MESSAGE TIME
"""

import argparse
import os
import select
import signal
import socket
import struct
import sys
import time
import zlib

IPPROTO_IP = 0
IPPROTO_IPV6 = 41
IP_ADD_MEMBERSHIP = 35
IP_DROP_MEMBERSHIP = 36
IPV6_JOIN_GROUP = 20
IPV6_LEAVE_GROUP = 21
MCAST_JOIN_SOURCE_GROUP = 46
MCAST_LEAVE_SOURCE_GROUP = 47
# Ancillary data (linux/in.h, linux/in6.h): the option that asks for it and the cmsg type.
IP_TOS, IP_TTL, IP_PKTINFO, IP_RECVTTL, IP_RECVTOS = 1, 2, 8, 12, 13
IPV6_RECVPKTINFO, IPV6_PKTINFO = 49, 50
IPV6_RECVHOPLIMIT, IPV6_HOPLIMIT = 51, 52
IPV6_RECVTCLASS, IPV6_TCLASS = 66, 67
SOCKADDR_STORAGE = 128


def sockaddr_storage(address):
    """struct sockaddr_in6 / sockaddr_in, padded to sizeof(struct sockaddr_storage)."""
    if ":" in address:
        raw = struct.pack("=HHI16sI", socket.AF_INET6, 0, 0,
                          socket.inet_pton(socket.AF_INET6, address), 0)
    else:
        raw = struct.pack("=HH4s8x", socket.AF_INET, 0, socket.inet_aton(address))
    return raw.ljust(SOCKADDR_STORAGE, b"\0")


def group_source_req(ifindex, group, source):
    # x86_64: struct group_source_req { uint32_t gsr_interface; /* 4 bytes padding */
    #          struct sockaddr_storage gsr_group; struct sockaddr_storage gsr_source; }
    return struct.pack("=I4x", ifindex) + sockaddr_storage(group) + sockaddr_storage(source)


class Listener:
    def __init__(self, ifname, port, out, details=False):
        self.ifname, self.port, self.details = ifname, port, details
        self.ifindex = socket.if_nametoindex(ifname)
        self.out = open(out, "a", buffering=1)
        self.sockets = {}
        self.joined = []

    def emit(self, line):
        self.out.write(line + "\n")
        self.out.flush()

    def sock(self, family):
        if family not in self.sockets:
            s = socket.socket(family, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                s.setsockopt(IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s.bind(("::", self.port))
                wanted = (IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS)
                level = IPPROTO_IPV6
            else:
                s.bind(("0.0.0.0", self.port))
                wanted = (IP_PKTINFO, IP_RECVTTL, IP_RECVTOS)
                level = IPPROTO_IP
            if self.details:
                for option in wanted:
                    s.setsockopt(level, option, 1)
            s.setblocking(False)
            self.sockets[family] = s
        return self.sockets[family]

    def membership(self, spec, join):
        group, _, source = spec.partition("@")
        v6 = ":" in group
        s = self.sock(socket.AF_INET6 if v6 else socket.AF_INET)
        level = IPPROTO_IPV6 if v6 else IPPROTO_IP
        if source:
            option = MCAST_JOIN_SOURCE_GROUP if join else MCAST_LEAVE_SOURCE_GROUP
            s.setsockopt(level, option, group_source_req(self.ifindex, group, source))
        elif v6:
            mreq = socket.inet_pton(socket.AF_INET6, group) + struct.pack("=i", self.ifindex)
            s.setsockopt(level, IPV6_JOIN_GROUP if join else IPV6_LEAVE_GROUP, mreq)
        else:
            # struct ip_mreqn { imr_multiaddr; imr_address; int imr_ifindex; }
            mreqn = (socket.inet_aton(group) + socket.inet_aton("0.0.0.0")
                     + struct.pack("=i", self.ifindex))
            s.setsockopt(level, IP_ADD_MEMBERSHIP if join else IP_DROP_MEMBERSHIP, mreqn)

    def command(self, op, spec):
        try:
            self.membership(spec, op == "join")
        except OSError as e:
            self.emit(f"# error {spec} {e.strerror.replace(' ', '_')} {time.monotonic():.6f}")
            return
        if op == "join":
            self.joined.append(spec)
            self.emit(f"# joined {spec} {time.monotonic():.6f}")
        else:
            if spec in self.joined:
                self.joined.remove(spec)
            self.emit(f"# left {spec} {time.monotonic():.6f}")

    def receive(self, s):
        while True:
            try:
                data, ancdata, _flags, addr = s.recvmsg(65535, 256)
            except BlockingIOError:
                return
            now = time.monotonic()
            fields = data.split()
            if len(fields) >= 3 and fields[0] == b"ECMHT":
                line = f"{int(fields[1])} {addr[0]} {fields[2].decode()} {now:.6f}"
                if self.details:
                    line += " " + self.describe(ancdata, data)
                self.emit(line)

    @staticmethod
    def describe(ancdata, data):
        """DESTINATION HOPS TOS LENGTH CRC32 of a datagram ("-" for what did not come)."""
        dst, hops, tos = "-", "-", "-"
        for level, kind, value in ancdata:
            if level == IPPROTO_IPV6 and kind == IPV6_PKTINFO:
                dst = socket.inet_ntop(socket.AF_INET6, value[:16])
            elif level == IPPROTO_IPV6 and kind in (IPV6_HOPLIMIT, IPV6_TCLASS):
                number = struct.unpack("=i", value[:4])[0]
                hops, tos = (number, tos) if kind == IPV6_HOPLIMIT else (hops, number)
            elif level == IPPROTO_IP and kind == IP_PKTINFO:
                # struct in_pktinfo { int ipi_ifindex; in_addr ipi_spec_dst; in_addr ipi_addr; }
                dst = socket.inet_ntoa(value[8:12])
            elif level == IPPROTO_IP and kind == IP_TTL:
                hops = struct.unpack("=i", value[:4])[0]
            elif level == IPPROTO_IP and kind == IP_TOS:
                tos = value[0]
        return f"{dst} {hops} {tos} {len(data)} {zlib.crc32(data):08x}"

    def leave_all(self):
        for spec in list(self.joined):
            self.command("leave", spec)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ifname", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--join", action="append", default=[])
    p.add_argument("--details", action="store_true",
                   help="record destination, hop limit, traffic class, length and CRC-32")
    args = p.parse_args()

    listener = Listener(args.ifname, args.port, args.out, args.details)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    # Both sockets exist from the start, so a later "join" never misses a datagram.
    listener.sock(socket.AF_INET6)
    listener.sock(socket.AF_INET)
    listener.emit(f"# ready {time.monotonic():.6f}")
    for spec in args.join:
        listener.command("join", spec)

    stdin = sys.stdin.fileno()
    stdin_open = True
    pending = b""
    while not stop:
        fds = list(listener.sockets.values()) + ([stdin] if stdin_open else [])
        try:
            readable, _, _ = select.select(fds, [], [], 0.2)
        except InterruptedError:
            continue
        for r in readable:
            if r == stdin:
                chunk = os.read(stdin, 4096)
                if not chunk:
                    stdin_open = False
                    continue
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    words = line.decode().split()
                    if not words:
                        continue
                    if words[0] == "quit":
                        stop.append(True)
                    elif words[0] in ("join", "leave") and len(words) == 2:
                        listener.command(words[0], words[1])
                    else:
                        listener.emit(f"# error {line.decode()!r} bad_command "
                                      f"{time.monotonic():.6f}")
            else:
                listener.receive(r)
    listener.leave_all()
    for s in listener.sockets.values():
        s.close()


if __name__ == "__main__":
    main()
