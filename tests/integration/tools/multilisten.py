#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Many IPv6 multicast listeners in one process, one per (interface, group): a host
with many links (e.g. one 6in4 tunnel each), each joining a group of its own. Run inside
a namespace (ip netns exec NS multilisten.py ...).

usage: multilisten.py --port PORT --out FILE (--join IF,GROUP)...

Per IF,GROUP one UDP socket bound to [::]:PORT and to IF (SO_BINDTODEVICE), with
IPV6_MULTICAST_ALL off and IPV6_JOIN_GROUP of GROUP on IF: it receives only what arrives
on IF for a group it joined, and its join makes the kernel report GROUP on IF (MLD), as
any host's would.

FILE gets (CLOCK_MONOTONIC seconds; written in batches, complete lines only):
    # ready TIME                 the sockets exist
    # joined N TIME              all N joins made
    IF SEQ GROUP TIME            a test datagram (payload "ECMHT SEQ GROUP ...") on IF
SIGTERM (or SIGINT) closes the sockets (the kernel leaves the groups) and exits 0.
"""

import argparse
import os
import select
import signal
import socket
import struct
import time

IPPROTO_IPV6 = 41
IPV6_JOIN_GROUP = 20
IPV6_MULTICAST_ALL = 29
SO_BINDTODEVICE = 25


def open_socket(ifname, port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, ifname.encode())
    s.setsockopt(IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    # Only the groups this socket joined, not those its neighbours joined on the host.
    s.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0)
    s.bind(("::", port))
    s.setblocking(False)
    return s


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--join", action="append", default=[], help="IF,GROUP (repeatable)")
    args = p.parse_args()
    if not args.join:
        p.error("nothing to join")
    joins = []
    for spec in args.join:
        ifname, _, group = spec.partition(",")
        if not ifname or not group:
            p.error(f"{spec!r}: expected IF,GROUP")
        joins.append((ifname, group))

    read_end, write_end = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(write_end)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)

    out = open(args.out, "a")
    by_fd = {}
    for ifname, group in joins:
        s = open_socket(ifname, args.port)
        by_fd[s.fileno()] = (s, ifname, group)
    out.write(f"# ready {time.monotonic():.6f}\n")
    out.flush()
    for s, ifname, group in by_fd.values():
        mreq = socket.inet_pton(socket.AF_INET6, group) + struct.pack(
            "=i", socket.if_nametoindex(ifname))
        s.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, mreq)
    out.write(f"# joined {len(by_fd)} {time.monotonic():.6f}\n")
    out.flush()

    poller = select.epoll()
    poller.register(read_end, select.EPOLLIN)
    for fd in by_fd:
        poller.register(fd, select.EPOLLIN)
    running = True
    while running:
        for fd, _events in poller.poll():
            if fd == read_end:
                running = False
                continue
            s, ifname, _group = by_fd[fd]
            while True:
                try:
                    data = s.recv(2048)
                except BlockingIOError:
                    break
                fields = data.split()
                if len(fields) >= 3 and fields[0] == b"ECMHT":
                    out.write(f"{ifname} {int(fields[1])} {fields[2].decode()} "
                              f"{time.monotonic():.6f}\n")
        out.flush()
    for s, _ifname, _group in by_fd.values():
        s.close()
    out.close()


if __name__ == "__main__":
    main()
