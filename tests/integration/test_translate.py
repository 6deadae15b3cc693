#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.translate: IPv4 <-> IPv6 multicast translation (--translate, issue 16) between
real Linux hosts that each speak one family.

    ns up: eth0 192.0.2.10/24 (S4), 192.0.2.11/24 (S4b), 2001:db8:1::10/64 (S6),
           64:ff9b:1::c633:6407/128 (S6T, the RFC 6052 form of 198.51.100.7)
        |
    ns rtr (ecmh --translate -i up0):
        up0  2001:db8:1::1/64 and, in phase A only, 192.0.2.1/24
        dn1  2001:db8:2::1/64  198.51.100.129/25 —— ns h1: 2001:db8:2::10/64, no IPv4
        dn2  2001:db8:3::1/64  203.0.113.1/24    —— ns h2: 203.0.113.10/24, IPv6 disabled

Pairs (defaults: ASM ff1e:1000::/96 with 239/8's scope 8, SSM ff3e:0:8000::/96, sources
64:ff9b:1::/96): 239.1.2.3 <-> ff18:1000::ef01:203, 232.1.2.3 <-> ff3e:0:8000::e801:203,
192.0.2.10 <-> 64:ff9b:1::c000:20a. Every datagram is checked as h1's or h2's kernel
socket received it: sequence numbers 1..N once each, the payload's length and CRC-32,
the hop limit / TTL (sender 16, so 15) and the traffic class / TOS (0x28). A kernel drops
a datagram whose UDP checksum is wrong, so receipt proves the translated checksum.

Phase A: up0 has an IPv4 address, so every pair's home is IPv4 (design-16 §3.3).
 1. ASM 4->6: h1 joins ff18:1000::ef01:203 (IPV6_JOIN_GROUP). ecmh reports 239.1.2.3 in
    an IGMPv3 report on up0 (decoded from a capture in ns up). S4 sends N datagrams to
    239.1.2.3 from a UDP socket, then N with UDP checksum zero (a raw socket; the capture
    shows the zeros): h1 receives both rounds from 64:ff9b:1::c000:20a; the dump counts
    N translated for each and N zero checksums computed (RFC 7915 §4.5).
 2. SSM 4->6: h1 joins (64:ff9b:1::c000:20a, ff3e:0:8000::e801:203) with
    MCAST_JOIN_SOURCE_GROUP: IGMPv3 names (192.0.2.10, 232.1.2.3) on up0. S4 and S4b both
    send N to 232.1.2.3: h1 gets S4's N, S4b's never reach its link.
 3. Same time: h2 joins 239.1.2.3 natively as well. S4 sends N more: h1 gets them once,
    translated (and its link carries no IPv4 copy); h2 gets them once, natively (and its
    link carries no IPv6 copy).
 4. Size: a 1472-byte payload (a 1500-byte IPv4 packet; 1520 bytes as IPv6, over dn1's
    MTU) without Don't Fragment reaches h1 as two IPv6 fragments its kernel reassembles;
    with Don't Fragment it is dropped and counted as too-big-for-link (no ICMP error
    about a multicast packet, RFC 1812 §4.3.2.7), while a small datagram sent after it
    arrives.
 5. No MLD report upstream ever named a translated group: one family reports a pair.
Phase B: ecmh again, with up0 IPv4-less, so the pairs' home is IPv6.
 6. ASM 6->4: h2 joins 239.1.2.3: ecmh reports ff18:1000::ef01:203 in an MLDv2 report
    on up0 (and no IGMP report). S6 sends N to ff18:1000::ef01:203: h2 gets them with
    dn2's address 203.0.113.1 as the source (design-16 §3.4: S6 has no IPv4 form).
 7. SSM 6->4: h2 joins (198.51.100.7, 232.1.2.3): the MLDv2 report names
    (64:ff9b:1::c633:6407, ff3e:0:8000::e801:203). S6T and S6 both send N: h2 gets S6T's
    N from 198.51.100.7, none of S6's. The dump counts the translated datagrams.
At the end of each phase `ecmhctl show stats --json` ("translated", "drops") agrees with
the dump.
"""

import json
import os
import re
import struct
import subprocess
import sys
import time
import zlib

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import SOON, check, find_messages, log, summarize, wait_until  # noqa: E402

G4_ASM, G6_ASM = "239.1.2.3", "ff18:1000::ef01:203"
G4_SSM, G6_SSM = "232.1.2.3", "ff3e:0:8000::e801:203"
S4, S4_AS6 = "192.0.2.10", "64:ff9b:1::c000:20a"
S4B, S4B_AS6 = "192.0.2.11", "64:ff9b:1::c000:20b"
S6 = "2001:db8:1::10"
S6T, S6T_AS4 = "64:ff9b:1::c633:6407", "198.51.100.7"
RTR_UP_4 = "192.0.2.1"
DN2_4 = "203.0.113.1"
PORT = 5016
N = 100      # datagrams per round
RATE = 100   # datagrams a second
HOPS = 16    # the senders' TTL / hop limit; ecmh forwards with one less
TOS = 0x28   # the senders' TOS / traffic class (DSCP AF11), copied by the translation
BIG = 1472   # a UDP payload that makes a 1500-byte IPv4 packet

# role: (router link, router addresses, host addresses)
LINKS = {
    "h1": ("dn1", ["2001:db8:2::1/64", "198.51.100.129/25"], ["2001:db8:2::10/64"]),
    "h2": ("dn2", ["2001:db8:3::1/64", DN2_4 + "/24"], ["203.0.113.10/24"]),
}


def topology():
    topo = netns.Topology("translate")
    topo.add_namespace("up")
    topo.add_namespace("rtr", router=True)
    topo.veth("rtr", "up0", "up", "eth0")
    for cidr in (S4 + "/24", S4B + "/24", S6 + "/64", S6T + "/128"):
        topo.addr("up", "eth0", cidr)
    topo.addr("rtr", "up0", "2001:db8:1::1/64")
    topo.addr("rtr", "up0", RTR_UP_4 + "/24")
    topo.link_up("up", "eth0")
    topo.link_up("rtr", "up0")
    for role, (rlink, router, host) in LINKS.items():
        topo.add_namespace(role)
        topo.veth("rtr", rlink, role, "eth0")
        if role == "h2":  # IPv4 only: no IPv6 at all, not even MLD
            topo.sysctl_keys(role, {"net.ipv6.conf.eth0.disable_ipv6": 1})
        for cidr in router:
            topo.addr("rtr", rlink, cidr)
        for cidr in host:
            topo.addr(role, "eth0", cidr)
        topo.link_up(role, "eth0")
        topo.link_up("rtr", rlink)
    topo.wait_link_ready("up", "eth0")
    topo.wait_link_ready("rtr", "up0")
    for role, (rlink, _, _) in LINKS.items():
        topo.wait_link_ready("rtr", rlink)
        topo.wait_link_ready(role, "eth0", ipv6=role != "h2")
    return topo


def send(topo, group, source, count=N, **kw):
    """`count` datagrams from ns up to group:PORT, all sent when this returns."""
    sender = netns.Sender(topo, "up", group, source, PORT, rate=RATE, hops=HOPS, tos=TOS,
                          count=count, name=topo.unique(f"send-{source}"), **kw)
    sender.wait_sent(count)
    return sender


def send_together(topo, group, sources):
    """N datagrams from each of `sources` at the same time, all sent when this returns."""
    senders = [netns.Sender(topo, "up", group, source, PORT, rate=RATE, hops=HOPS, tos=TOS,
                            count=N, name=topo.unique(f"send-{source}")) for source in sources]
    for sender in senders:
        sender.wait_sent(N)


def received(listener, destination, since, count, what):
    """Waits until `listener` has `count` datagrams sent to `destination` after the first
    `since` of them; returns those."""
    wait_until(lambda: len(listener.details(destination)) - since >= count, SOON,
               f"{what}: {count} datagrams to {destination}",
               detail=lambda: f"{len(listener.details(destination)) - since} received")
    return listener.details(destination)[since:]


def check_stream(got, what, source, payload_group, payload_source, count=N, hops=HOPS - 1,
                 tos=TOS, size=0):
    """Datagrams 1..count, each once, from `source`, intact (sender.py's payload to
    payload_group from payload_source), with the hop limit and traffic class given."""
    seqs = sorted(d.seq for d in got)
    check(seqs == list(range(1, count + 1)),
          f"{what}: expected datagrams 1..{count} once each, got {len(seqs)}: "
          f"missing {sorted(set(range(1, count + 1)) - set(seqs))[:10]}, "
          f"repeated {sorted({s for s in seqs if seqs.count(s) > 1})[:10]}")
    for d in got:
        check(d.source == source, f"{what}: datagram from {d.source}, expected {source}: {d!r}")
        payload = netns.sender_payload(d.seq, payload_group, payload_source, size)
        check((d.length, d.crc) == (len(payload), f"{zlib.crc32(payload):08x}"),
              f"{what}: datagram {d.seq}'s payload is not what was sent: {d!r}")
        check(d.hops == hops, f"{what}: hop limit / TTL {d.hops}, expected {hops}: {d!r}")
        check(d.tos == tos, f"{what}: traffic class / TOS {d.tos}, expected {tos:#x}: {d!r}")
    log(f"{what}: {count} datagrams from {source}, intact, hop limit {hops}, "
        f"traffic class {tos:#x}")


def translated_counters(ecmh):
    """(to IPv6, to IPv4, zero UDP checksums computed) from the dump's Translated line."""
    dump = ecmh.dump()
    line = dump.stats.get("Translated", "")
    m = re.match(r"(\d+) to IPv6, (\d+) to IPv4 \((\d+) zero UDP checksums computed\)", line)
    check(m, f"the dump has no Translated line (is --translate on?): {line!r}")
    return tuple(int(x) for x in m.groups()), dump


def check_stats_json(args, ecmh, expected):
    """`ecmhctl show stats --json`'s "translated" object and too-big-for-link drops agree
    with `expected` ({"to-ipv6": n, ...}, "too-big-for-link": n), read from the dump just
    before. Without an ecmhctl binary (a manual run with --ecmh only) this is logged and
    left out; ctest always passes --ecmhctl."""
    ctl = args.ecmhctl or os.path.join(os.path.dirname(os.path.abspath(args.ecmh)), "ecmhctl")
    if not os.access(ctl, os.X_OK):
        log(f"no ecmhctl at {ctl}: show stats --json not checked")
        return
    r = subprocess.run([ctl, "-s", ecmh.control_socket, "show", "stats", "--json"],
                       capture_output=True, text=True, timeout=SOON)
    check(r.returncode == 0, f"ecmhctl show stats --json: status {r.returncode}: {r.stderr}")
    stats = json.loads(r.stdout)["statistics"]
    got = dict(stats["translated"], **{"too-big-for-link":
                                       stats["drops"].get("too-big-for-link", 0)})
    check(all(got.get(k) == v for k, v in expected.items()),
          f"show stats --json says {got}, the dump {expected}")
    log(f"show stats --json: {got}")


def wait_report(capture, mark, kind, group, sources, sender, what):
    """A join in an upstream report of `kind` from `sender`: a record for `group` that
    names exactly `sources`, EXCLUDE {} (any source) or INCLUDE / ALLOW `sources`."""
    rtypes = ((netns.IS_IN, netns.TO_IN, netns.ALLOW) if sources
              else (netns.IS_EX, netns.TO_EX))

    def seen():
        msgs = [m for m in capture.messages(mark) if m.src == sender]
        return find_messages(msgs, kind, group, rtypes=rtypes, sources=sources)
    found = wait_until(seen, SOON, what, detail=lambda: summarize(capture.messages(mark)))
    log(f"{what}: {found[0]!r}")


def at_least(count, items):
    """items if it holds `count` or more (for wait_until), else None."""
    return items if len(items) >= count else None


def asm_round(topo, ecmh, role, group, report, source, translated_source):
    """`role` joins `group` (any source); report = (capture, kind, group, reporter): ecmh's
    upstream report of the counterpart; then `source` sends N to the counterpart, and
    `role` must get them intact from `translated_source`. Returns the listener and the
    dump's translated counters from before the sending."""
    capture, kind, reported, reporter = report
    listener = netns.Listener(topo, role, [group], PORT, details=True)
    wait_report(capture, 0, kind, reported, (), reporter,
                f"ecmh's {kind} of {reported} on up0 for {role}'s join of {group}")
    before, _ = translated_counters(ecmh)
    send(topo, reported, source)
    got = received(listener, group, 0, N, f"{role} (translated from {source} -> {reported})")
    check_stream(got, f"ASM {reported} -> {group}", translated_source, reported, source)
    return listener, before


def join_reported(listener, spec, capture, kind, group, source, reporter):
    """The listener joins spec (GROUP@SOURCE); waits for ecmh's upstream report of
    (source, group), the translated channel, from `reporter`."""
    mark = capture.mark()
    listener.join(spec)
    wait_report(capture, mark, kind, group, (source,), reporter,
                f"ecmh's {kind} of ({source}, {group}) on up0 for {spec}")


def udp_checksums(capture, source, group):
    """The UDP checksums of the datagrams from source to group in the capture (Ethernet,
    IPv4)."""
    out = []
    for _, frame in capture.frames():
        if len(frame) < 42 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        if ip[9] != 17 or ip[12:16] != bytes(map(int, source.split("."))) \
                or ip[16:20] != bytes(map(int, group.split("."))):
            continue
        ihl = (ip[0] & 0x0F) * 4
        out.append(struct.unpack_from("!H", ip, ihl + 6)[0])
    return out


def phase_a(args, topo):
    """Home IPv4: IPv4 senders, an IPv6 listener (and an IPv4 one)."""
    ecmh = netns.start_ecmh(topo, args, ["--translate", "-i", "up0"])
    control = netns.Capture(topo, "up", "eth0", name="tcpdump-up-control",
                            expression="igmp or (ip6 and not udp)")
    data = netns.Capture(topo, "up", "eth0", name="tcpdump-up-udp", expression="ip and udp")
    frags = netns.Capture(topo, "h1", "eth0", name="tcpdump-h1-fragments",
                          expression="ip6 and ip6[6] == 44")
    sniff1 = netns.Sniffer(topo, "h1")
    sniff2 = netns.Sniffer(topo, "h2")

    log(f"1. ASM 4->6: h1 (no IPv4) joins {G6_ASM}")
    l1, (v6_0, _, _) = asm_round(topo, ecmh, "h1", G6_ASM, (control, "igmpv3-report", G4_ASM,
                                                          RTR_UP_4), S4, S4_AS6)
    (v6_1, _, zero_1), _ = translated_counters(ecmh)
    check(v6_1 - v6_0 == N, f"the dump counts {v6_1 - v6_0} datagrams translated to IPv6, "
          f"expected {N}")

    send(topo, G4_ASM, S4, zero_checksum=True)
    got = received(l1, G6_ASM, N, N, "h1 (IPv4 UDP checksum zero)")
    # The capture (a program of its own) may lag: wait for both rounds' datagrams in it.
    sums = wait_until(lambda: at_least(2 * N, udp_checksums(data, S4, G4_ASM)), SOON,
                      f"the capture on up0 to show the {2 * N} datagrams sent")
    check(len(sums) == 2 * N and 0 not in sums[:N] and set(sums[N:]) == {0},
          f"the first {N} datagrams on up0 should have a UDP checksum, the next {N} zero; "
          f"the capture shows {len(sums)}: {sum(1 for c in sums[:N] if c == 0)} and "
          f"{sum(1 for c in sums[N:] if c != 0)} wrong")
    check_stream(got, "ASM 4->6, UDP checksum zero", S4_AS6, G4_ASM, S4)
    (v6_2, _, zero_2), _ = translated_counters(ecmh)
    check((v6_2 - v6_1, zero_2 - zero_1) == (N, N),
          f"the dump counts {v6_2 - v6_1} translated to IPv6 and {zero_2 - zero_1} zero UDP "
          f"checksums computed, expected {N} and {N}")

    log(f"2. SSM 4->6: h1 joins ({S4_AS6}, {G6_SSM})")
    join_reported(l1, f"{G6_SSM}@{S4_AS6}", control, "igmpv3-report", G4_SSM, S4, RTR_UP_4)
    send_together(topo, G4_SSM, (S4, S4B))
    got = received(l1, G6_SSM, 0, N, f"h1 (SSM, translated from {S4} -> {G4_SSM})")
    check_stream(got, "SSM 4->6", S4_AS6, G4_SSM, S4)
    check(sniff1.count(G6_SSM, S4B_AS6) == 0 and not [d for d in l1.details(G6_SSM)
                                                       if d.source != S4_AS6],
          f"h1 joined {S4_AS6} only, yet {sniff1.count(G6_SSM, S4B_AS6)} datagrams from "
          f"{S4B_AS6} reached its link")

    log(f"3. Same time: h2 (IPv4 only) joins {G4_ASM} natively; h1 stays")
    l2 = netns.Listener(topo, "h2", [G4_ASM], PORT, details=True)
    wait_until(lambda: "dn2" in ecmh.dump().group_links(G4_ASM), SOON,
               f"ecmh to list {G4_ASM} on dn2")
    since = time.monotonic()
    base1 = len(l1.details(G6_ASM))
    send(topo, G4_ASM, S4)
    check_stream(received(l1, G6_ASM, base1, N, "h1 (same time)"), "same time, h1 translated",
                 S4_AS6, G4_ASM, S4)
    check_stream(received(l2, G4_ASM, 0, N, "h2 (same time)"), "same time, h2 native",
                 S4, G4_ASM, S4)
    # The sniffers are programs of their own: wait until they have logged N each.
    on1 = wait_until(lambda: at_least(N, sniff1.packets(since=since)), SOON, "h1's sniffer")
    on2 = wait_until(lambda: at_least(N, sniff2.packets(since=since)), SOON, "h2's sniffer")
    check(len(on1) == N and {(p[2], p[3]) for p in on1} == {(S4_AS6, G6_ASM)},
          f"h1's link should carry the {N} datagrams once, as IPv6 only; it carried "
          f"{len(on1)}: {sorted({(p[2], p[3]) for p in on1})}")
    check(len(on2) == N and {(p[2], p[3]) for p in on2} == {(S4, G4_ASM)},
          f"h2's link should carry the {N} datagrams once, as IPv4 only; it carried "
          f"{len(on2)}: {sorted({(p[2], p[3]) for p in on2})}")

    log(f"4. Size: a {BIG}-byte payload to {G4_ASM}, without and with Don't Fragment")
    dump = ecmh.dump()
    too_big = dump.drops.get("too-big-for-link", 0)
    base1 = len(l1.details(G6_ASM))
    send(topo, G4_ASM, S4, count=1, size=BIG, df="dont")
    got = received(l1, G6_ASM, base1, 1, f"h1 (a {BIG}-byte payload, no DF)")
    check_stream(got, "big datagram, no DF", S4_AS6, G4_ASM, S4, count=1, size=BIG)
    pieces = wait_until(lambda: at_least(2, frags.frames()), SOON,
                        "the IPv6 fragments on h1's link")
    check(len(pieces) == 2 and all(len(f) - 14 <= 1500 for _, f in pieces),
          f"expected 2 IPv6 fragments of at most 1500 bytes on h1's link, saw "
          f"{[len(f) - 14 for _, f in pieces]}")
    send(topo, G4_ASM, S4, count=1, size=BIG, df="do")
    send(topo, G4_ASM, S4, count=1)  # a small one after it: once it is in, the big one is past
    got = received(l1, G6_ASM, base1 + 1, 1, "h1 (the small datagram after the DF one)")
    check([d.length for d in got] == [len(netns.sender_payload(1, G4_ASM, S4))],
          f"with Don't Fragment the {BIG}-byte datagram must not reach h1: {got!r}")
    (to6, to4, zeros), dump = translated_counters(ecmh)
    check(dump.drops.get("too-big-for-link", 0) - too_big == 1,
          f"the dump should count the DF datagram once as too-big-for-link: "
          f"{too_big} -> {dump.drops.get('too-big-for-link', 0)}")
    check_stats_json(args, ecmh, {"to-ipv6": to6, "to-ipv4": to4, "checksums-computed": zeros,
                                  "too-big-for-link": too_big + 1})

    log("5. No MLD report upstream named a translated group")
    mld = [m for m in control.messages() if m.kind.startswith("mld") and "report" in m.kind
           and m.groups() & {G6_ASM, G6_SSM}]
    check(not mld, f"the pairs' home is IPv4, yet MLD reports named them on up0:"
          f"{summarize(mld)}")
    igmp = find_messages(control.messages(), "igmpv3-report", G4_ASM)
    check(igmp and {m.src for m in igmp} == {RTR_UP_4},
          f"IGMPv3 reports of {G4_ASM} should come from ecmh's {RTR_UP_4}: {summarize(igmp)}")
    l1.stop()
    l2.stop()
    netns.stop_checked(ecmh)


def phase_b(args, topo):
    """Home IPv6: an IPv4-less upstream, IPv6 senders, an IPv4 listener."""
    topo.ip("-n", topo.ns("rtr"), "addr", "del", RTR_UP_4 + "/24", "dev", "up0")
    ecmh = netns.start_ecmh(topo, args, ["--translate", "-i", "up0"], name="ecmh-v6up")
    control = netns.Capture(topo, "up", "eth0", name="tcpdump-up-control-b",
                            expression="igmp or (ip6 and not udp)")
    up_ll = topo.link_local("rtr", "up0")

    log(f"6. ASM 6->4: h2 (IPv4 only) joins {G4_ASM}; up0 has no IPv4 address")
    l2, (_, v4_0, _) = asm_round(topo, ecmh, "h2", G4_ASM, (control, "mldv2-report", G6_ASM,
                                                         up_ll), S6, DN2_4)

    log(f"7. SSM 6->4: h2 joins ({S6T_AS4}, {G4_SSM})")
    join_reported(l2, f"{G4_SSM}@{S6T_AS4}", control, "mldv2-report", G6_SSM, S6T, up_ll)
    send_together(topo, G6_SSM, (S6T, S6))
    got = received(l2, G4_SSM, 0, N, f"h2 (SSM, translated from {S6T} -> {G6_SSM})")
    check_stream(got, "SSM 6->4", S6T_AS4, G6_SSM, S6T)
    (v6_1, v4_1, _), _ = translated_counters(ecmh)
    check(v4_1 - v4_0 == 2 * N, f"the dump counts {v4_1 - v4_0} datagrams translated to "
          f"IPv4, expected {2 * N}")
    check_stats_json(args, ecmh, {"to-ipv6": v6_1, "to-ipv4": v4_1})
    igmp = find_messages(control.messages(), ("igmpv2-report", "igmpv3-report"))
    igmp = [m for m in igmp if m.groups() & {G4_ASM, G4_SSM}]
    check(not igmp, f"the pairs' home is IPv6, yet IGMP reports named them on up0:"
          f"{summarize(igmp)}")


def body(args):
    topo = topology()
    phase_a(args, topo)
    phase_b(args, topo)


if __name__ == "__main__":
    netns.main("translate", body, need_scapy=True, need_tcpdump=True)
