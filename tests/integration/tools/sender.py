#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A multicast source, run inside a namespace.

usage: sender.py --ifname IF --group G --source ADDR --port P [--rate PPS] [--hops N]
                 [--count N] [--size BYTES] [--gso N] [--tos T] [--df do|dont]
                 [--zero-checksum]

Sends UDP datagrams "ECMHT SEQ GROUP SOURCE" (SEQ from 1) from ADDR to G:P out of IF
(IPV6_MULTICAST_IF / IP_MULTICAST_IF), hop limit / TTL N (default 16), loopback off,
at PPS per second until SIGTERM (or COUNT datagrams). --size pads each UDP payload with
dots to BYTES (for tests where the packet's size matters: MTU changes). --gso N sends
N datagrams of BYTES each per system call with UDP_SEGMENT (Linux UDP GSO): the stack
hands them on as one large packet, which a veth passes whole to its peer unless its
tx-udp-segmentation is off (then the datagrams leave one by one, back to back, as GRO on
the far side likes them); PPS counts datagrams either way. --tos sets the IPv4 TOS /
IPv6 Traffic Class (IP_TOS / IPV6_TCLASS). --df (IPv4): Don't Fragment set on every packet
(IP_PMTUDISC_DO) or never (IP_PMTUDISC_DONT); by default the kernel's choice.
--zero-checksum (IPv4): UDP checksum 0 ("none", RFC 768) on every datagram; the UDP
header is written by this tool on a raw IPPROTO_UDP socket (the kernel still builds the
IPv4 header: TTL, TOS, DF as above). Prints "# sent N" at exit.
"""

import argparse
import os
import signal
import socket
import struct
import sys
import time

IPPROTO_IP = 0
IPPROTO_IPV6 = 41
SOL_UDP = 17
UDP_SEGMENT = 103
IP_MTU_DISCOVER = 10
IP_PMTUDISC = {"dont": 0, "do": 2}
IPV6_TCLASS = 67


def udp_header_zero_checksum(sport, dport, payload):
    """A UDP header whose checksum field says "no checksum" (RFC 768: zero)."""
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


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
    p.add_argument("--tos", type=int, default=None)
    p.add_argument("--df", choices=sorted(IP_PMTUDISC), default=None)
    p.add_argument("--zero-checksum", action="store_true")
    args = p.parse_args()
    if args.gso > 1 and args.size <= 0:
        p.error("--gso needs --size: every datagram of a GSO send is the same size")
    v6 = ":" in args.group
    if (args.zero_checksum or args.df) and v6:
        p.error("--zero-checksum and --df are for IPv4 senders")
    if args.zero_checksum and args.gso > 1:
        p.error("--zero-checksum writes one datagram at a time (no --gso)")

    ifindex = socket.if_nametoindex(args.ifname)
    sport = 0
    if v6:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
        s.setsockopt(IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, args.hops)
        s.setsockopt(IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
        if args.tos is not None:
            s.setsockopt(IPPROTO_IPV6, IPV6_TCLASS, args.tos)
        s.bind((args.source, 0, 0, 0))
        dest = (args.group, args.port, 0, 0)
    else:
        if args.zero_checksum:
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
            sport = 40000 + os.getpid() % 20000  # no UDP socket owns it; nothing answers
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # struct ip_mreqn { imr_multiaddr; imr_address; int imr_ifindex; }
        mreqn = socket.inet_aton("0.0.0.0") + socket.inet_aton(args.source) + struct.pack(
            "=i", ifindex)
        s.setsockopt(IPPROTO_IP, socket.IP_MULTICAST_IF, mreqn)
        s.setsockopt(IPPROTO_IP, socket.IP_MULTICAST_TTL, args.hops)
        s.setsockopt(IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        if args.tos is not None:
            s.setsockopt(IPPROTO_IP, socket.IP_TOS, args.tos)
        if args.df is not None:
            s.setsockopt(IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC[args.df])
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
        if args.zero_checksum:
            payload = udp_header_zero_checksum(sport, args.port, payload)
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
