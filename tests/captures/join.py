#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Drive the Linux kernel's multicast membership from inside a network namespace.

Used by make_captures.sh (run it with /usr/bin/python3 under `ip netns exec`). One
socket per address family holds the memberships; the steps run in order:

    ipv6-join G | ipv6-leave G      IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP (ipv6_mreq)
    ip-join G   | ip-leave G        IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP (ip_mreqn)
    join G      | leave G           MCAST_JOIN_GROUP / MCAST_LEAVE_GROUP (group_req)
    join-source G S | leave-source G S   MCAST_(JOIN|LEAVE)_SOURCE_GROUP
    block G S   | unblock G S       MCAST_(UN)BLOCK_SOURCE (group_source_req)
    await N     wait (at most 5 s) until the capture file holds exactly N packets
    hold SECS   sleep

The MCAST_* options take level IPPROTO_IPV6 for an IPv6 group, IPPROTO_IP for IPv4.
`await` is what makes a capture deterministic: the next step only runs once the
kernel's reports for the previous one (first report and retransmissions) are on the
wire, so no two changes are ever merged into one report.

usage: join.py --ifname IF --pcap FILE STEP...
"""

import socket
import struct
import sys
import time

IPPROTO_IP = 0
IPPROTO_IPV6 = 41
IP_ADD_MEMBERSHIP = 35
IP_DROP_MEMBERSHIP = 36
IPV6_JOIN_GROUP = 20
IPV6_LEAVE_GROUP = 21
MCAST_JOIN_GROUP = 42
MCAST_BLOCK_SOURCE = 43
MCAST_UNBLOCK_SOURCE = 44
MCAST_LEAVE_GROUP = 45
MCAST_JOIN_SOURCE_GROUP = 46
MCAST_LEAVE_SOURCE_GROUP = 47

SOCKADDR_STORAGE = 128


def sockaddr_storage(address):
    """A struct sockaddr_in / sockaddr_in6 padded to sizeof(struct sockaddr_storage)."""
    if ":" in address:
        raw = struct.pack("=HHI16sI", socket.AF_INET6, 0, 0,
                          socket.inet_pton(socket.AF_INET6, address), 0)
    else:
        raw = struct.pack("=HH4s", socket.AF_INET, 0, socket.inet_pton(socket.AF_INET, address))
    return raw.ljust(SOCKADDR_STORAGE, b"\0")


def group_req(ifindex, group):
    # struct group_req { uint32_t gr_interface; /* 4 pad */ sockaddr_storage gr_group; }
    return struct.pack("=I4x", ifindex) + sockaddr_storage(group)


def group_source_req(ifindex, group, source):
    # struct group_source_req { uint32_t gsr_interface; /* 4 pad */ gsr_group; gsr_source; }
    return struct.pack("=I4x", ifindex) + sockaddr_storage(group) + sockaddr_storage(source)


def pcap_count(path):
    """Complete records in a (possibly still growing) classic pcap file."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return 0
    if len(data) < 24:
        return 0
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    count, offset = 0, 24
    while offset + 16 <= len(data):
        (incl,) = struct.unpack_from(endian + "I", data, offset + 8)
        if offset + 16 + incl > len(data):
            break
        offset += 16 + incl
        count += 1
    return count


def await_count(path, expected, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        n = pcap_count(path)
        if n > expected:
            sys.exit(f"join.py: {path} holds {n} packets, expected {expected} at this point")
        if n == expected:
            return
        if time.monotonic() > deadline:
            sys.exit(f"join.py: timed out with {n} of {expected} packets in {path}")
        time.sleep(0.05)


def main(argv):
    if len(argv) < 5 or argv[0] != "--ifname" or argv[2] != "--pcap":
        sys.exit(__doc__)
    ifname, pcap, steps = argv[1], argv[3], argv[4:]
    ifindex = socket.if_nametoindex(ifname)
    sockets = {}

    def sock(address):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        if family not in sockets:
            sockets[family] = socket.socket(family, socket.SOCK_DGRAM)
        return sockets[family], (IPPROTO_IPV6 if family == socket.AF_INET6 else IPPROTO_IP)

    arity = {"ipv6-join": 1, "ipv6-leave": 1, "ip-join": 1, "ip-leave": 1, "join": 1,
             "leave": 1, "join-source": 2, "leave-source": 2, "block": 2, "unblock": 2,
             "await": 1, "hold": 1}
    i = 0
    while i < len(steps):
        op = steps[i]
        if op not in arity or i + arity[op] >= len(steps):
            sys.exit(f"join.py: bad step at {steps[i:]}")
        args = steps[i + 1:i + 1 + arity[op]]
        i += 1 + arity[op]
        if op == "await":
            await_count(pcap, int(args[0]))
        elif op == "hold":
            time.sleep(float(args[0]))
        elif op in ("ipv6-join", "ipv6-leave"):
            s, _ = sock(args[0])
            mreq = socket.inet_pton(socket.AF_INET6, args[0]) + struct.pack("=i", ifindex)
            s.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP if op == "ipv6-join" else IPV6_LEAVE_GROUP,
                         mreq)
        elif op in ("ip-join", "ip-leave"):
            s, _ = sock(args[0])
            # struct ip_mreqn { imr_multiaddr; imr_address; int imr_ifindex; }
            mreqn = socket.inet_aton(args[0]) + socket.inet_aton("0.0.0.0") + struct.pack(
                "=i", ifindex)
            s.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP if op == "ip-join" else IP_DROP_MEMBERSHIP,
                         mreqn)
        elif op in ("join", "leave"):
            s, level = sock(args[0])
            s.setsockopt(level, MCAST_JOIN_GROUP if op == "join" else MCAST_LEAVE_GROUP,
                         group_req(ifindex, args[0]))
        else:
            s, level = sock(args[0])
            option = {"join-source": MCAST_JOIN_SOURCE_GROUP,
                      "leave-source": MCAST_LEAVE_SOURCE_GROUP,
                      "block": MCAST_BLOCK_SOURCE, "unblock": MCAST_UNBLOCK_SOURCE}[op]
            s.setsockopt(level, option, group_source_req(ifindex, args[0], args[1]))
    for s in sockets.values():
        s.close()


if __name__ == "__main__":
    main(sys.argv[1:])
