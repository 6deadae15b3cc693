#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A userspace 6in4 (RFC 4213, IPv4 protocol 41) tunnel endpoint on TUN devices, for
kernels without sit. Run inside a namespace (ip netns exec NS tun6in4.py ...).

usage: tun6in4.py [--tunnel SPEC]... [--tunnels-file FILE] [--arphrd-sit] [--stats FILE]

SPEC is NAME,LOCAL4,REMOTE4,INNER6/PLEN[,MTU]: a TUN device NAME (IFF_TUN|IFF_NO_PI)
whose packets are carried in IPv4 from LOCAL4 to REMOTE4. INNER6/PLEN is the device's
IPv6 address ("-": none); MTU defaults to 1480 (1500 less the outer header). FILE holds
one SPEC a line ('#' starts a comment). Per device: accept_dad=0, the MTU, up with
IFF_MULTICAST, INNER6 added, and a link-local address: if the kernel made none (it makes
none on a TUN in EUI-64 mode), fe80::LOCAL4/64 as sit would (RFC 4213 §3.7).

One raw socket (AF_INET, SOCK_RAW, 41; IP_HDRINCL) serves every tunnel:
  - IPv4 -> TUN: a protocol-41 packet whose (source, destination) is a tunnel's (REMOTE4,
    LOCAL4), with a sane outer header (version 4, IHL >= 5, total length within what
    arrived, not a fragment) and an IPv6 packet inside, is written to that tunnel's TUN,
    trimmed to 40 + the IPv6 payload length;
  - TUN -> IPv4: each IPv6 packet read from a TUN is sent from LOCAL4 to REMOTE4 in an
    IPv4 header built here (protocol 41, TTL 64, DF clear; the kernel fills in the
    checksum and the identification).
Holding the socket also keeps the kernel from answering protocol 41 with ICMP protocol
unreachable. Lookups are dicts (by outer address pair, by TUN fd): hundreds of tunnels in
one process cost nothing per packet.

--arphrd-sit: every TUN claims hardware type ARPHRD_SIT (776, TUNSETLINK while it is still
down), so that programs reading the link table (netlink, /sys/class/net/NAME/type) take it
for a kernel sit device: ecmh in tunnel mode (-t) must not serve a sit device as a link of
its own, since it serves the peer behind it by decapsulation. Nothing else changes: the
device still has no link header (the kernel gives it a 4-octet address 0.0.0.0, as a sit
device with no fixed local end has), and it has no link-local address of the kernel's
making (IPv6 autoconfiguration skips the type without CONFIG_IPV6_SIT), so the one added
is fe80::LOCAL4, as sit's.

--stats FILE: on SIGUSR1, FILE is replaced (written aside, then renamed) by the counters
so far: "# stats N" (N counts the SIGUSR1s, from 1), one line per tunnel "NAME in N out
M drop D", then per tunnel and group "NAME data GROUP K": K test datagrams (UDP, payload
"ECMHT ...", from sender.py) to the multicast GROUP written into NAME; then "# end N".

Prints "ready" on stdout once every device is up with its addresses. SIGTERM (or SIGINT)
ends it with status 0; its devices vanish with it (the kernel unregisters them one by
one, some 20 ms each: hundreds take seconds). At exit, one line per tunnel on
stderr, "NAME in N out M drop D" (in: IPv4 -> TUN, out: TUN -> IPv4; drop: what could
not be written or sent, and non-IPv6 packets read from the TUN, which 6in4 cannot carry),
then "unmatched U": protocol-41 packets of no tunnel, or not sane.
"""

import argparse
import fcntl
import ipaddress
import os
import select
import signal
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
TUNSETLINK = 0x400454CD  # _IOW('T', 205, int): the argument is the type itself
ARPHRD_SIT = 776
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
IFF_UP = 0x0001
IFF_MULTICAST = 0x1000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
SIOCSIFADDR = 0x8916
SIOCSIFMTU = 0x8922
IPPROTO_IPV6_IN_IPV4 = 41
IPV4_HEADER = 20
IPV6_HEADER = 40
OUTER_TTL = 64
DEFAULT_MTU = 1480
BATCH = 64  # packets taken from one fd before the others get a turn


class Tunnel:
    def __init__(self, name, local, remote, inner, mtu):
        self.name, self.local, self.remote, self.inner, self.mtu = name, local, remote, inner, mtu
        self.local_raw = socket.inet_aton(local)
        self.remote_raw = socket.inet_aton(remote)
        self.fd = -1
        self.packets_in = self.packets_out = self.drops = 0
        self.data = {}  # multicast group -> test datagrams written into the TUN

    def outer_header(self, inner_length):
        """The 20-octet IPv4 header (no options) of a packet carrying inner_length octets.
        Checksum and identification 0: the kernel fills them in (IP_HDRINCL)."""
        return struct.pack("!BBHHHBBH4s4s", 0x45, 0, IPV4_HEADER + inner_length, 0, 0,
                           OUTER_TTL, IPPROTO_IPV6_IN_IPV4, 0, self.local_raw, self.remote_raw)


def parse_spec(text):
    """NAME,LOCAL4,REMOTE4,INNER6/PLEN[,MTU] -> Tunnel (ValueError when malformed)."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) not in (4, 5) or not parts[0] or len(parts[0]) > 15:
        raise ValueError(f"tunnel {text!r}: expected NAME,LOCAL4,REMOTE4,INNER6/PLEN[,MTU]")
    name, local, remote, inner = parts[:4]
    ipaddress.IPv4Address(local)
    ipaddress.IPv4Address(remote)
    inner = None if inner in ("", "-") else ipaddress.IPv6Interface(inner)
    mtu = int(parts[4]) if len(parts) == 5 else DEFAULT_MTU
    if not 1280 <= mtu <= 65515:
        raise ValueError(f"tunnel {name}: MTU {mtu} outside 1280..65515")
    return Tunnel(name, local, remote, inner, mtu)


def read_specs(path):
    specs = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                specs.append(line)
    return specs


def ifreq(name, payload=b""):
    """struct ifreq: the name (16 octets) and the union (at least 24 octets)."""
    return struct.pack("16s", name.encode()) + payload.ljust(24, b"\0")


def sysctl(path, value):
    with open(path, "w") as f:
        f.write(f"{value}\n")


def link_locals(name):
    """The fe80:: addresses /proc/net/if_inet6 lists on interface `name`."""
    found = []
    with open("/proc/net/if_inet6") as f:
        for line in f:
            fields = line.split()
            if len(fields) == 6 and fields[5] == name and fields[3] == "20":
                found.append(socket.inet_ntop(socket.AF_INET6, bytes.fromhex(fields[0])))
    return found


def add_ipv6(control6, tunnel, address, prefix_length):
    # struct in6_ifreq { struct in6_addr addr; __u32 prefixlen; int ifindex; }
    request = struct.pack("=16sIi", socket.inet_pton(socket.AF_INET6, address), prefix_length,
                          socket.if_nametoindex(tunnel.name))
    fcntl.ioctl(control6, SIOCSIFADDR, request)


def set_up(tunnel, control4, control6, arphrd_sit=False):
    """Creates the TUN device and configures it; tunnel.fd is its non-blocking fd."""
    tunnel.fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    fcntl.ioctl(tunnel.fd, TUNSETIFF, ifreq(tunnel.name, struct.pack("=H", IFF_TUN | IFF_NO_PI)))
    if arphrd_sit:
        # Only while the device is down (EBUSY otherwise).
        fcntl.ioctl(tunnel.fd, TUNSETLINK, ARPHRD_SIT)
    # Before the device is up: no DAD, so the addresses are usable at once.
    sysctl(f"/proc/sys/net/ipv6/conf/{tunnel.name}/accept_dad", 0)
    fcntl.ioctl(control4, SIOCSIFMTU, ifreq(tunnel.name, struct.pack("=i", tunnel.mtu)))
    flags = struct.unpack_from("=H", fcntl.ioctl(control4, SIOCGIFFLAGS, ifreq(tunnel.name)),
                               16)[0]
    fcntl.ioctl(control4, SIOCSIFFLAGS,
                ifreq(tunnel.name, struct.pack("=H", flags | IFF_UP | IFF_MULTICAST)))
    # The kernel generates its link-local address (if any) while the device comes up.
    if not link_locals(tunnel.name):
        link_local = b"\xfe\x80" + b"\0" * 10 + tunnel.local_raw
        add_ipv6(control6, tunnel, socket.inet_ntop(socket.AF_INET6, link_local), 64)
    if tunnel.inner is not None:
        add_ipv6(control6, tunnel, str(tunnel.inner.ip), tunnel.inner.network.prefixlen)


def decapsulate(packet):
    """(outer source, outer destination, inner IPv6 packet) of a protocol-41 packet as a
    raw socket delivers it (IPv4 header included), or None when it is not sane."""
    if len(packet) < IPV4_HEADER or packet[0] >> 4 != 4:
        return None
    ihl = (packet[0] & 0x0F) * 4
    total = struct.unpack_from("!H", packet, 2)[0]
    # A header shorter than 20 octets, or a length claiming more than arrived, is a lie.
    if ihl < IPV4_HEADER or total < ihl or total > len(packet):
        return None
    # More fragments, or an offset: a fragment (the kernel reassembles before raw
    # delivery, so this is belt and braces).
    if struct.unpack_from("!H", packet, 6)[0] & 0x3FFF:
        return None
    if packet[9] != IPPROTO_IPV6_IN_IPV4:
        return None
    inner = packet[ihl:total]
    if len(inner) < IPV6_HEADER or inner[0] >> 4 != 6:
        return None
    # Padding after the IPv6 packet is not part of it.
    length = IPV6_HEADER + struct.unpack_from("!H", inner, 4)[0]
    if length > len(inner):
        return None
    return packet[12:16], packet[16:20], inner[:length]


def test_group(inner):
    """The multicast group of a test datagram (UDP, no extension headers, payload "ECMHT
    ..."), or None."""
    if len(inner) < 53 or inner[6] != 17 or inner[24] != 0xFF or inner[48:53] != b"ECMHT":
        return None
    return socket.inet_ntop(socket.AF_INET6, inner[24:40])


class Endpoint:
    def __init__(self, tunnels, arphrd_sit=False, stats=None):
        self.tunnels = tunnels
        self.arphrd_sit, self.stats, self.generation = arphrd_sit, stats, 0
        self.by_pair = {}  # (remote, local) raw IPv4 addresses -> Tunnel
        self.by_fd = {}    # TUN fd -> Tunnel
        for t in tunnels:
            key = (t.remote_raw, t.local_raw)
            if key in self.by_pair:
                raise ValueError(f"tunnels {self.by_pair[key].name} and {t.name} have the "
                                 f"same outer addresses {t.local} -> {t.remote}")
            self.by_pair[key] = t
        self.unknown = 0   # protocol-41 packets of no tunnel, or not sane
        self.raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_IPV6_IN_IPV4)
        self.raw.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
        self.raw.setblocking(False)

    def start(self):
        control4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        control6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        try:
            for t in self.tunnels:
                set_up(t, control4, control6, self.arphrd_sit)
                self.by_fd[t.fd] = t
        finally:
            control4.close()
            control6.close()

    def from_ipv4(self):
        """Drains the raw socket (a batch) into the TUNs."""
        for _ in range(BATCH):
            try:
                packet = self.raw.recv(65535)
            except BlockingIOError:
                return
            parsed = decapsulate(packet)
            tunnel = self.by_pair.get((parsed[0], parsed[1])) if parsed else None
            if tunnel is None:
                self.unknown += 1
                continue
            try:
                os.write(tunnel.fd, parsed[2])
                tunnel.packets_in += 1
                group = test_group(parsed[2])
                if group is not None:
                    tunnel.data[group] = tunnel.data.get(group, 0) + 1
            except OSError:  # the TUN's queue is full, or the device is going away
                tunnel.drops += 1

    def from_tun(self, tunnel):
        """Drains one TUN (a batch) into the raw socket."""
        for _ in range(BATCH):
            try:
                inner = os.read(tunnel.fd, 65535)
            except BlockingIOError:
                return
            if len(inner) < IPV6_HEADER or inner[0] >> 4 != 6:
                tunnel.drops += 1  # only IPv6 travels in 6in4
                continue
            try:
                self.raw.sendto(tunnel.outer_header(len(inner)) + inner, (tunnel.remote, 0))
                tunnel.packets_out += 1
            except OSError:  # no route, too large for the outer link, buffer full
                tunnel.drops += 1

    def run(self, wakeup):
        poller = select.epoll()
        poller.register(self.raw.fileno(), select.EPOLLIN)
        poller.register(wakeup, select.EPOLLIN)
        for fd in self.by_fd:
            poller.register(fd, select.EPOLLIN)
        raw_fd = self.raw.fileno()
        while True:
            for fd, _events in poller.poll():
                if fd == wakeup:
                    signals = os.read(wakeup, 64)  # one octet per signal: its number
                    if any(s != signal.SIGUSR1 for s in signals):
                        return  # SIGTERM or SIGINT
                    self.write_stats()
                    continue
                if fd == raw_fd:
                    self.from_ipv4()
                else:
                    self.from_tun(self.by_fd[fd])

    def write_stats(self):
        if self.stats is None:
            return
        self.generation += 1
        lines = [f"# stats {self.generation}"]
        for t in self.tunnels:
            lines.append(f"{t.name} in {t.packets_in} out {t.packets_out} drop {t.drops}")
        for t in self.tunnels:
            lines.extend(f"{t.name} data {g} {n}" for g, n in sorted(t.data.items()))
        lines.append(f"# end {self.generation}")
        aside = self.stats + ".new"
        with open(aside, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.replace(aside, self.stats)

    def report(self):
        for t in self.tunnels:
            print(f"{t.name} in {t.packets_in} out {t.packets_out} drop {t.drops}",
                  file=sys.stderr)
        print(f"unmatched {self.unknown}", file=sys.stderr, flush=True)


def main():
    p = argparse.ArgumentParser(description="userspace 6in4 endpoint on TUN devices")
    p.add_argument("--tunnel", action="append", default=[],
                   help="NAME,LOCAL4,REMOTE4,INNER6/PLEN[,MTU] (repeatable)")
    p.add_argument("--tunnels-file", help="one tunnel SPEC a line")
    p.add_argument("--arphrd-sit", action="store_true",
                   help="the TUNs claim hardware type ARPHRD_SIT (776), as sit devices")
    p.add_argument("--stats", help="written on SIGUSR1: the counters so far")
    args = p.parse_args()
    specs = list(args.tunnel) + (read_specs(args.tunnels_file) if args.tunnels_file else [])
    if not specs:
        p.error("no tunnel given")
    try:
        tunnels = [parse_spec(s) for s in specs]
        if len({t.name for t in tunnels}) != len(tunnels):
            raise ValueError("two tunnels with the same name")
        endpoint = Endpoint(tunnels, args.arphrd_sit, args.stats)
    except ValueError as e:
        p.error(str(e))

    # Signals only write a byte to a pipe the loop polls (no work in handlers).
    read_end, write_end = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(write_end)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
        signal.signal(sig, lambda *_: None)
    try:
        endpoint.start()
    except OSError as e:
        sys.exit(f"tun6in4: setting up the tunnels: {e}")
    print("ready", flush=True)
    try:
        endpoint.run(read_end)
    finally:
        endpoint.report()


if __name__ == "__main__":
    main()
