#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Logs every test datagram (payload "ECMHT SEQ ...", from sender.py) that arrives on
a link, whether or not the host listens to its group: what ecmh put on the wire.

usage: sniff.py --ifname IF --out FILE [--6in4]

An AF_PACKET socket on IF (incoming frames only; Ethernet, or a link without a link
header such as a TUN or sit device). FILE gets "# ready TIME", then one line per
datagram, flushed at once:  TIME SEQ SOURCE GROUP HOPLIMIT  (TIME: the kernel's receive
time, as CLOCK_MONOTONIC seconds).
--6in4: only the datagrams carried in 6in4 (IPv4 protocol 41) packets on IF, decoded
from the inner IPv6 packet: what crossed a tunnel whose outer packets use IF.
Runs until SIGTERM.
"""

import argparse
import signal
import socket
import struct
import time

ETH_P_ALL = 0x0003
ARPHRD_ETHER = 1
PACKET_OUTGOING = 4
SO_TIMESTAMPNS = 35  # = SCM_TIMESTAMPNS


def parse_ip(ip):
    """(source, group, hop limit, udp payload) of a UDP multicast IP packet, or None."""
    if len(ip) >= 48 and ip[0] >> 4 == 6 and ip[6] == 17:
        if ip[24] != 0xFF:
            return None
        return (socket.inet_ntop(socket.AF_INET6, ip[8:24]),
                socket.inet_ntop(socket.AF_INET6, ip[24:40]), ip[7], ip[48:])
    if len(ip) >= 20 and ip[0] >> 4 == 4 and ip[9] == 17:
        ihl = (ip[0] & 0x0F) * 4
        if len(ip) < ihl + 8 or not 224 <= ip[16] <= 239:
            return None
        return (socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20]), ip[8],
                ip[ihl + 8:])
    return None


def network_packet(frame, hatype):
    """The IP packet in a frame: after the Ethernet header on Ethernet links (IPv4 and
    IPv6 only), the whole frame on links without a link header."""
    if hatype != ARPHRD_ETHER:
        return frame
    if len(frame) < 14 or struct.unpack_from("!H", frame, 12)[0] not in (0x0800, 0x86DD):
        return None
    return frame[14:]


def inner_6in4(ip):
    """The IPv6 packet inside a 6in4 (IPv4 protocol 41) packet, or None."""
    if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 41:
        return None
    return ip[(ip[0] & 0x0F) * 4:]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ifname", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--6in4", dest="decap", action="store_true",
                   help="only datagrams carried in 6in4 packets (decoded inside)")
    args = p.parse_args()

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    # The kernel's receive time (CLOCK_REALTIME), so a busy machine that runs this
    # process late does not shift the times.
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.bind((args.ifname, 0))
    s.settimeout(0.2)
    out = open(args.out, "a", buffering=1)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    out.write(f"# ready {time.monotonic():.6f}\n")
    out.flush()
    while not stop:
        try:
            frame, ancdata, _flags, addr = s.recvmsg(65535, socket.CMSG_SPACE(16))
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        now = time.monotonic()
        for level, kind, data in ancdata:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
                sec, nsec = struct.unpack("=qq", data[:16])
                # CLOCK_REALTIME -> CLOCK_MONOTONIC (the offset does not move in a test)
                now = sec + nsec / 1e9 - (time.time() - time.monotonic())
        if addr[2] == PACKET_OUTGOING:
            continue
        ip = network_packet(frame, addr[3])
        if ip is not None and args.decap:
            ip = inner_6in4(ip)
        parsed = parse_ip(ip) if ip is not None else None
        if parsed is None:
            continue
        src, group, hops, payload = parsed
        fields = payload.split()
        if len(fields) >= 3 and fields[0] == b"ECMHT":
            out.write(f"{now:.6f} {int(fields[1])} {src} {group} {hops}\n")
            out.flush()


if __name__ == "__main__":
    main()
