#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A host flooding its link with membership reports, run inside a namespace.

usage: flood.py --ifname IF [--spoof K] [--rate PPS] [--seconds S] [--groups N]

Builds N MLDv2 and N IGMPv3 reports up front (one CHANGE_TO_EXCLUDE record each, for the
distinct groups ff0e::f:0:n and 239.15.x.y, with Router Alert, hop limit / TTL 1, correct
checksums), from K spoofed sources in turn (fe80::ff:k and 192.0.2.100 to .199, all with
IF's MAC address), then writes them to IF through a packet socket, alternating the families, at
PPS frames a second in bursts every 5 ms for S seconds. Prints "# flood ready" once the
frames are built and "# sent N in T s" at the end: the rate actually reached.
"""

import argparse
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from inet_checksum import checksum  # noqa: E402

ETH_P_ALL = 0x0003


def mld_report(mac, src6, n):
    group = socket.inet_pton(socket.AF_INET6, "ff0e::f:0:0")[:12] + struct.pack("!I", n)
    dst = socket.inet_pton(socket.AF_INET6, "ff02::16")
    src = socket.inet_pton(socket.AF_INET6, src6)
    record = struct.pack("!BBH", 4, 0, 0) + group  # CHANGE_TO_EXCLUDE_MODE, no sources
    icmp = struct.pack("!BBHHH", 143, 0, 0, 0, 1) + record
    pseudo = src + dst + struct.pack("!I3xB", len(icmp), 58)
    icmp = icmp[:2] + struct.pack("!H", checksum(pseudo + icmp)) + icmp[4:]
    hop_by_hop = bytes([58, 0, 5, 2, 0, 0, 1, 0])  # Router Alert (MLD), PadN
    payload = hop_by_hop + icmp
    ip = struct.pack("!IHBB", 0x60000000, len(payload), 0, 1) + src + dst + payload
    return bytes.fromhex("333300000016") + mac + b"\x86\xdd" + ip


def igmp_report(mac, src4, n):
    group = bytes([239, 15, (n >> 8) & 0xFF, n & 0xFF])
    record = struct.pack("!BBH", 4, 0, 0) + group
    igmp = struct.pack("!BBHHH", 0x22, 0, 0, 0, 1) + record
    igmp = igmp[:2] + struct.pack("!H", checksum(igmp)) + igmp[4:]
    options = bytes([0x94, 4, 0, 0])  # Router Alert
    total = 24 + len(igmp)
    header = struct.pack("!BBHHHBBH4s4s", 0x46, 0xC0, total, n & 0xFFFF, 0, 1, 2, 0,
                         socket.inet_aton(src4), socket.inet_aton("224.0.0.22")) + options
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return bytes.fromhex("01005e000016") + mac + b"\x08\x00" + header + igmp


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ifname", required=True)
    p.add_argument("--spoof", type=int, default=1000)
    p.add_argument("--rate", type=int, default=20000)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--groups", type=int, default=16384)
    args = p.parse_args()

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((args.ifname, 0))
    mac = s.getsockname()[4][:6]
    frames = []
    for n in range(args.groups):
        k = 1 + n % args.spoof
        frames.append(mld_report(mac, f"fe80::ff:{k:x}", n))
        frames.append(igmp_report(mac, f"192.0.2.{100 + k % 100}", n))
    print("# flood ready", flush=True)

    tick = 0.005
    per_tick = max(1, round(args.rate * tick))
    start = time.monotonic()
    deadline = start + args.seconds
    sent = dropped = i = 0
    next_tick = start
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        # Catch up on ticks missed (the scheduler ran someone else), so the average holds.
        due = per_tick * (1 + int((now - next_tick) / tick)) if now >= next_tick else 0
        for _ in range(due):
            try:
                s.send(frames[i])
                sent += 1
            except BlockingIOError:
                dropped += 1
            i = (i + 1) % len(frames)
        if due:
            next_tick += tick * (due // per_tick)
        else:
            time.sleep(max(0.0, next_tick - now))
    elapsed = time.monotonic() - start
    print(f"# sent {sent} in {elapsed:.2f} s ({sent / elapsed:.0f}/s; {dropped} refused)",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
