#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.tunnel_many_peers: ecmh in tunnel mode (-t) serves 200 6in4 peers from a peers
file; 50 of them join, each gets exactly what it joined; SIGHUP applies a changed file
as a difference, and a broken file changes nothing.

Topology: the standard one without h1/h2 (this test takes 203.0.113.0/24, the prefix of
h2, t1 and h3, for its peers), plus ns "peers", one Linux host on an IPv4-only veth:

    ns "rtr": pr0 203.0.113.1/24 —veth— ns "peers": eth0 203.0.113.10-214/24
                                         tools/tun6in4.py: TUN tp<i> (i = 0..204),
                                         203.0.113.<10+i> -> 203.0.113.1, 2001:db8:100:<i>::10/64

Peer i is a tunnel from 203.0.113.<10+i> to ecmh (all on one host: a host per peer would
only cost namespaces). ecmh runs with -i up0 -t --tunnel-peers FILE listing peers 0..199
(all three line forms: REMOTE, REMOTE LOCAL, REMOTE local LOCAL; comments, blank lines).
S1 sends to ff0e::7:1, S2 to ff0e::7:2, 10 datagrams/s each. tools/multilisten.py joins
on the TUNs (one socket per TUN, so the kernel of "peers" reports over each tunnel):
peers i ≡ 0 (mod 8) ff0e::7:1, i ≡ 4 (mod 8) ff0e::7:2 (25 each), and the five peers
200..204, not in the file yet, ff0e::7:1.

1. Every joined peer receives its group's stream, each datagram once; the endpoint's
   counters show no test datagram of the other group on a joined peer's TUN, and none at
   all on the 150 other peers' TUNs nor on the five unlisted ones. The dump lists the 200
   peers and each group on its 25 peers.
2. SIGHUP with a file that drops 10 joined peers (5 of each group) and adds 200..204:
   "195 served (5 added, 10 removed)"; the dropped peers stop receiving at once and get
   nothing more (no data, no query); the 40 others lose no more than a second's worth of
   datagrams around the SIGHUP (sequence numbers) and none twice; the five new peers are
   queried, report, and receive ff0e::7:1. The dump's interface list follows.
3. SIGHUP with a file that has a bad line: ecmh logs FILE:LINE and keeps every peer; the
   45 joined peers keep receiving.
ecmh and the endpoint exit 0 on SIGTERM.
"""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import S1_6, S2_6, check, log  # noqa: E402

G1, G2, PORT = "ff0e::7:1", "ff0e::7:2", 5071
RATE = 10                      # datagrams per second per sender
RTR4 = "203.0.113.1"           # ecmh's end of every tunnel (rtr's pr0)
LISTED, TOTAL = 200, 205       # peers in the first file; TUNs on the peers' host
NEW = list(range(LISTED, TOTAL))                                  # added by the SIGHUP
G1_PEERS = [i for i in range(LISTED) if i % 8 == 0]               # 25
G2_PEERS = [i for i in range(LISTED) if i % 8 == 4]               # 25
JOINED = sorted(G1_PEERS + G2_PEERS)                              # 50
REMOVED = G1_PEERS[:5] + G2_PEERS[:5]                             # 10
KEPT = [i for i in JOINED if i not in REMOVED]                    # 40
BAD_LINE = "203.0.113.999 local 203.0.113.1"


def addr4(i):
    return f"203.0.113.{10 + i}"


def tun(i):
    return f"tp{i}"


def peer_name(i):
    """ecmh's name for peer i: tunnel-REMOTE, plus -LOCAL for the forms that fix our end
    (peers_file_text: i % 3 == 1 or 2)."""
    return f"tunnel-{addr4(i)}" + ("" if i % 3 == 0 else f"-{RTR4}")


def group_of(i):
    return G1 if i % 8 == 0 or i in NEW else G2


def peers_file_text(peers, bad_line_at=None):
    """The peers file: one line per peer in the three forms ecmh accepts (a peer keeps
    its form: "REMOTE" and "REMOTE local LOCAL" are different peers), with comments and
    blank lines; with bad_line_at, BAD_LINE is line number bad_line_at."""
    lines = ["# tunnel peers of netns.tunnel_many_peers", ""]
    for i in peers:
        forms = (addr4(i), f"{addr4(i)} {RTR4}", f"{addr4(i)} local {RTR4}  # peer {i}")
        lines.append(forms[i % 3])
    if bad_line_at is not None:
        lines.insert(bad_line_at - 1, BAD_LINE)
    return "\n".join(lines) + "\n"


def write_peers_file(path, peers, bad_line_at=None):
    aside = path + ".new"
    with open(aside, "w") as f:
        f.write(peers_file_text(peers, bad_line_at))
    os.replace(aside, path)  # ecmh never reads half a file


def add_peers_host(topo):
    """ns "peers" on rtr's pr0, with TOTAL IPv4 addresses and one 6in4 tunnel each."""
    topo.add_namespace("peers")
    topo.veth("rtr", "pr0", "peers", "eth0")
    topo.addr("rtr", "pr0", RTR4 + "/24")
    batch = topo.path("peers-addresses.batch")
    with open(batch, "w") as f:
        f.write("".join(f"address add {addr4(i)}/24 dev eth0\n" for i in range(TOTAL)))
    topo.ip("-n", topo.ns("peers"), "-batch", batch)
    topo.link_up("peers", "eth0")
    topo.link_up("rtr", "pr0")
    endpoint = netns.Tun6in4(topo, "peers", [(tun(i), addr4(i), RTR4,
                                              f"2001:db8:100:{i:x}::10/64")
                                             for i in range(TOTAL)])
    topo.wait_link_ready("rtr", "pr0")
    topo.wait_link_ready("peers", "eth0")
    return endpoint


def wait_log(ecmh, text, what, timeout=netns.SOON):
    netns.wait_until(lambda: text in ecmh.log_text(), timeout, what)


def check_data(endpoint, joined, what):
    """The endpoint's counters (since it started): the TUN of a peer in `joined` got test
    datagrams of its group only; every other TUN got none. Returns the counters."""
    counters, data = endpoint.stats()
    wrong = {}
    for i in range(TOTAL):
        got = data.get(tun(i), {})
        allowed = {group_of(i)} if i in joined else set()
        extra = {g: n for g, n in got.items() if g not in allowed}
        if extra:
            wrong[tun(i)] = extra
    check(not wrong, f"{what}: test datagrams on TUNs that did not join them "
          f"({len(wrong)} TUNs): {dict(list(wrong.items())[:10])}")
    return counters, data


def check_once(listener, peers, what):
    for i in peers:
        seqs = [r[0] for r in listener.records(tun(i))]
        groups = {r[1] for r in listener.records(tun(i))}
        check(groups <= {group_of(i)}, f"{what}: {tun(i)} received {groups}")
        check(len(seqs) == len(set(seqs)), f"{what}: {tun(i)} received datagrams more than "
              f"once: {len(seqs)} datagrams, {len(set(seqs))} sequence numbers")


def wait_receiving(listener, peers, n, timeout, what, since=0.0):
    def short():
        return [tun(i) for i in peers
                if sum(1 for r in listener.records(tun(i)) if r[2] >= since) < n]
    netns.wait_until(lambda: not short(), timeout, what, interval=0.25,
                     detail=lambda: f"short of {n}: {short()[:12]}")


def body(args):
    topo = netns.standard_topology("tunnel_many_peers", hosts=())
    t_setup = time.monotonic()
    endpoint = add_peers_host(topo)
    log(f"{TOTAL} tunnels up on ns peers in {time.monotonic() - t_setup:.1f} s")
    peers_file = topo.path("tunnel-peers")
    write_peers_file(peers_file, range(LISTED))
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0", "-t", "--tunnel-peers", peers_file])
    wait_log(ecmh, f"tunnel peers: {LISTED} served ({LISTED} added, 0 removed)",
             f"ecmh to serve the {LISTED} peers of the file")

    senders = [netns.Sender(topo, "up", G1, S1_6, PORT, rate=RATE),
               netns.Sender(topo, "up", G2, S2_6, PORT, rate=RATE)]
    log(f"{len(JOINED)} peers join ({len(G1_PEERS)} {G1}, {len(G2_PEERS)} {G2}); "
        f"{len(NEW)} unlisted ones join {G1}")
    listener = netns.MultiListener(topo, "peers", [(tun(i), group_of(i))
                                                   for i in JOINED + NEW], PORT)
    t_join = time.monotonic()
    wait_receiving(listener, JOINED, 2 * RATE, netns.QUERY_INTERVAL + netns.SOON,
                   f"each of the {len(JOINED)} joined peers to receive {2 * RATE} datagrams")
    log(f"all {len(JOINED)} joined peers receive after {time.monotonic() - t_join:.1f} s")
    check_once(listener, JOINED, "joined")
    check_data(endpoint, JOINED, "joined")
    dump = ecmh.dump()
    names = {peer_name(i) for i in range(LISTED)}
    check({n for n in dump.interfaces if n.startswith("tunnel-")} == names,
          f"the dump should list the {LISTED} peers as interfaces, lists "
          f"{len([n for n in dump.interfaces if n.startswith('tunnel-')])}")
    for group, peers in ((G1, G1_PEERS), (G2, G2_PEERS)):
        want = {peer_name(i) for i in peers}
        got = dump.group_links(group)
        check(got == want, f"the dump should list {group} on its {len(want)} peers: missing "
              f"{sorted(want - got)[:5]}, extra {sorted(got - want)[:5]}")
    strangers = {l.split("protocol 41 from ")[1].split(",")[0]
                 for l in ecmh.log_text().splitlines() if "protocol 41 from " in l}
    check(strangers <= {addr4(i) for i in NEW},
          f"unknown tunnel peers other than the unlisted ones: {strangers}")

    log(f"SIGHUP: {len(REMOVED)} joined peers removed, {len(NEW)} added")
    served = [i for i in range(TOTAL) if i not in REMOVED]
    write_peers_file(peers_file, served)
    t_hup = time.monotonic()
    ecmh.signal(signal.SIGHUP)
    wait_log(ecmh, f"tunnel peers: {len(served)} served ({len(NEW)} added, "
             f"{len(REMOVED)} removed)", "ecmh to apply the changed peers file")

    def last_removed():
        return max((r[2] for i in REMOVED for r in listener.records(tun(i))), default=0.0)
    netns.wait_until(lambda: time.monotonic() - max(last_removed(), t_hup) >= 1.0,
                     netns.SOON, "the removed peers to stop receiving", interval=0.1,
                     detail=lambda: f"last datagram {time.monotonic() - last_removed():.2f} s ago")
    stop_latency = max(0.0, last_removed() - t_hup)
    log(f"the removed peers' last datagram came {stop_latency * 1000:.0f} ms after the SIGHUP")
    check(stop_latency <= 2.0, f"removed peers kept receiving {stop_latency:.2f} s after "
          "the SIGHUP")
    wait_receiving(listener, NEW, 2 * RATE, netns.QUERY_INTERVAL + netns.SOON,
                   f"each of the {len(NEW)} new peers to receive {2 * RATE} datagrams")
    log(f"the new peers receive {time.monotonic() - t_hup:.1f} s after the SIGHUP")
    time.sleep(max(0.0, t_hup + 3.0 - time.monotonic()))
    window = (t_hup - 2.0, t_hup + 3.0)
    worst = (0, "-")
    for i in KEPT:
        seqs = sorted(r[0] for r in listener.records(tun(i)) if window[0] <= r[2] <= window[1])
        check(len(seqs) >= 3 * RATE, f"{tun(i)} received only {len(seqs)} datagrams in the 5 s "
              "around the SIGHUP")
        check(len(seqs) == len(set(seqs)), f"{tun(i)} received datagrams twice around the SIGHUP")
        hole = max(b - a - 1 for a, b in zip(seqs, seqs[1:]))
        worst = max(worst, (hole, tun(i)))
    log(f"kept peers: at most {worst[0]} consecutive datagrams missed around the SIGHUP "
        f"({worst[1]})")
    check(worst[0] <= RATE, f"{worst[1]} missed {worst[0]} consecutive datagrams around the "
          f"SIGHUP (more than a second's worth)")
    check_once(listener, KEPT + NEW, "after the SIGHUP")
    dump = ecmh.dump()
    names = {peer_name(i) for i in served}
    got = {n for n in dump.interfaces if n.startswith("tunnel-")}
    check(got == names, f"after the SIGHUP the dump should list the {len(names)} peers: "
          f"missing {sorted(names - got)[:5]}, extra {sorted(got - names)[:5]}")
    check(dump.group_links(G1) == {peer_name(i) for i in G1_PEERS[5:] + NEW},
          f"{G1} after the SIGHUP: {sorted(dump.group_links(G1))}")
    check(dump.group_links(G2) == {peer_name(i) for i in G2_PEERS[5:]},
          f"{G2} after the SIGHUP: {sorted(dump.group_links(G2))}")
    before, _ = check_data(endpoint, JOINED + NEW, "after the SIGHUP")
    t_before = time.monotonic()

    log("SIGHUP: a peers file with a bad line")
    bad_at = 50
    write_peers_file(peers_file, served, bad_line_at=bad_at)
    t_bad = time.monotonic()
    ecmh.signal(signal.SIGHUP)
    error = (f"{peers_file}:{bad_at}: '203.0.113.999' is not an IPv4 address; keeping the "
             "running tunnel peers")
    wait_log(ecmh, error, f"ecmh to log {error!r}")
    wait_receiving(listener, KEPT + NEW, 2 * RATE, netns.SOON,
                   "the joined peers to keep receiving after the broken file", since=t_bad)
    dump = ecmh.dump()
    got = {n for n in dump.interfaces if n.startswith("tunnel-")}
    check(got == names, f"a broken file changed the peers: missing {sorted(names - got)[:5]}, "
          f"extra {sorted(got - names)[:5]}")
    check(f"{len(served)} served" not in ecmh.log_text().split(error)[1],
          "ecmh applied something after the broken file")
    # More than a query interval later: a removed peer got nothing, not even a query.
    time.sleep(max(0.0, t_before + netns.QUERY_INTERVAL + 0.5 - time.monotonic()))
    after, _ = check_data(endpoint, JOINED + NEW, "after the broken file")
    changed = {tun(i): (before[tun(i)][0], after[tun(i)][0]) for i in REMOVED
               if after[tun(i)][0] != before[tun(i)][0]}
    check(not changed, f"ecmh still sends to removed peers (packets in, before -> after): "
          f"{changed}")
    idle = [i for i in served if i not in JOINED + NEW]
    unqueried = [tun(i) for i in idle if after[tun(i)][0] == before[tun(i)][0]]
    check(not unqueried, f"{len(unqueried)} of the {len(idle)} peers that joined nothing got "
          f"no query in a query interval: {unqueried[:10]}")

    for s in senders:
        s.check_alive()
    netns.stop_checked(*senders, listener, ecmh, endpoint)


if __name__ == "__main__":
    netns.main("tunnel_many_peers", body)
