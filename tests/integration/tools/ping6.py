#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ICMPv6 Echo Request to a multicast group, and the replies (ping -6 -I IF GROUP).

usage: ping6.py --ifname IF --source ADDR --group G [--count N] [--hops N] [--wait SECS]

Sends COUNT echo requests (one every 0.2 s) from ADDR to G out of IF with hop limit
HOPS (default 16), then keeps listening until WAIT seconds after the last one. Prints
"reply from ADDR seq N" per reply; exit status 0 if any reply came, 1 otherwise.
"""

import argparse
import os
import socket
import struct
import time

IPPROTO_ICMPV6 = 58
ECHO_REQUEST, ECHO_REPLY = 128, 129


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ifname", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--group", required=True)
    p.add_argument("--count", type=int, default=3)
    p.add_argument("--hops", type=int, default=16)
    p.add_argument("--wait", type=float, default=3.0)
    args = p.parse_args()

    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, IPPROTO_ICMPV6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF,
                 socket.if_nametoindex(args.ifname))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, args.hops)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
    s.bind((args.source, 0, 0, 0))
    ident = os.getpid() & 0xFFFF
    replies = 0
    next_send, sent = time.monotonic(), 0
    deadline = None
    while True:
        now = time.monotonic()
        if sent < args.count and now >= next_send:
            sent += 1
            # The kernel fills in the ICMPv6 checksum of raw ICMPv6 sockets.
            msg = struct.pack("!BBHHH", ECHO_REQUEST, 0, 0, ident, sent) + b"ecmh-netns-ping"
            s.sendto(msg, (args.group, 0, 0, 0))
            next_send = now + 0.2
            if sent == args.count:
                deadline = now + args.wait
        if deadline is not None and now >= deadline:
            break
        s.settimeout(0.05)
        try:
            data, addr = s.recvfrom(2048)
        except socket.timeout:
            continue
        if len(data) >= 8 and data[0] == ECHO_REPLY:
            _, _, _, rid, rseq = struct.unpack_from("!BBHHH", data)
            if rid == ident:
                replies += 1
                print(f"reply from {addr[0]} seq {rseq}", flush=True)
    print(f"# {sent} sent, {replies} replies", flush=True)
    raise SystemExit(0 if replies else 1)


if __name__ == "__main__":
    main()
