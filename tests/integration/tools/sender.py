#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A multicast source, run inside a namespace.

usage: sender.py --ifname IF --group G --source ADDR --port P [--rate PPS] [--hops N]
                 [--count N] [--size BYTES] [--gso N]

Sends UDP datagrams "ECMHT SEQ GROUP SOURCE" (SEQ from 1) from ADDR to G:P out of IF
(IPV6_MULTICAST_IF / IP_MULTICAST_IF), hop limit / TTL N (default 16), loopback off,
at PPS per second until SIGTERM (or COUNT datagrams). --size pads each UDP payload with
dots to BYTES (for tests where the packet's size matters: MTU changes). --gso N sends
N datagrams of BYTES each per system call with UDP_SEGMENT (Linux UDP GSO): the stack
hands them on as one large packet, which a veth passes whole to its peer unless its
tx-udp-segmentation is off (then the datagrams leave one by one, back to back, as GRO on
the far side likes them); PPS counts datagrams either way. Prints "# sent N" at exit.
"""

import argparse
import signal
import socket
import struct
import sys
import time

IPPROTO_IP = 0
IPPROTO_IPV6 = 41
SOL_UDP = 17
UDP_SEGMENT = 103


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ifname", required=True)
    p.add_argument("--group", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--rate", type=float, default=20.0)
    p.add_argument("--hops", type=int, default=16)
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--size", type=int, default=0)
    p.add_argument("--gso", type=int, default=1)
    args = p.parse_args()
    if args.gso > 1 and args.size <= 0:
        p.error("--gso needs --size: every datagram of a GSO send is the same size")

    ifindex = socket.if_nametoindex(args.ifname)
    if ":" in args.group:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
        s.setsockopt(IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, args.hops)
        s.setsockopt(IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
        s.bind((args.source, 0, 0, 0))
        dest = (args.group, args.port, 0, 0)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # struct ip_mreqn { imr_multiaddr; imr_address; int imr_ifindex; }
        mreqn = socket.inet_aton("0.0.0.0") + socket.inet_aton(args.source) + struct.pack(
            "=i", ifindex)
        s.setsockopt(IPPROTO_IP, socket.IP_MULTICAST_IF, mreqn)
        s.setsockopt(IPPROTO_IP, socket.IP_MULTICAST_TTL, args.hops)
        s.setsockopt(IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        s.bind((args.source, 0))
        dest = (args.group, args.port)

    if args.gso > 1:
        s.setsockopt(SOL_UDP, UDP_SEGMENT, args.size)

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    start = time.monotonic()
    seq = 0
    errors = 0
    while not stop and (args.count == 0 or seq < args.count):
        payload = b""
        for _ in range(args.gso):
            seq += 1
            one = f"ECMHT {seq} {args.group} {args.source}\n".encode()
            payload += one + b"." * max(0, args.size - len(one))
        try:
            s.sendto(payload, dest)
        except OSError as e:
            errors += 1
            if errors <= 5:
                print(f"sender: sendto {dest}: {e}", file=sys.stderr, flush=True)
        delay = start + seq / args.rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print(f"# sent {seq} errors {errors}", flush=True)


if __name__ == "__main__":
    main()
