#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.control: ecmhctl and the control socket against the running daemon.

up (S1) —— rtr (ecmh -i up0, control socket in the test's directory) —— h1 (dn1), h2 (dn2)

 1. h1 joins ff0e::1:4242 and 239.4.4.4 with kernel sockets, h2 joins (S1, 232.4.4.4):
    `ecmhctl show groups --json` (parsed with python's json) lists exactly those groups
    on those links (besides link-scope groups), the SSM one in INCLUDE mode with S1.
 2. S1 streams to ff0e::1:4242 and 239.4.4.4, then stops: `ecmhctl metrics` parses as the
    Prometheus text format (prometheus_client's parser when installed, else a strict
    regex per line) and ecmh_forwarded_packets_total is what h1 received.
 3. A malformed request (unknown command, control bytes) and an oversize one get an
    error reply (ecmhctl exits 1) and the daemon keeps serving.
 4. A client that connects and sends nothing does not stall the stream to h1, and is
    cut off (its connection closed) within the request bound.
 5. `ecmhctl dump` writes the dump file and prints its path; `ecmhctl resend` makes the
    upstream see reports of the joined groups; an unreachable socket is exit status 69.
 6. A second ecmh on the same control socket refuses to start (exit status 73); SIGTERM
    removes the socket.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import S1_4, S1_6, SOON, check, log, wait_until  # noqa: E402

G6 = "ff0e::1:4242"
G4 = "239.4.4.4"
SSM4 = "232.4.4.4"
PORT = 5044


def ctl_binary(args):
    return args.ecmhctl or os.path.join(os.path.dirname(os.path.abspath(args.ecmh)), "ecmhctl")


def ctl(args, sock, *words):
    """Runs ecmhctl; returns (status, stdout, stderr)."""
    r = subprocess.run([ctl_binary(args), "-s", sock, *words], capture_output=True, text=True,
                       timeout=SOON)
    return r.returncode, r.stdout, r.stderr


def ctl_ok(args, sock, *words):
    rc, out, err = ctl(args, sock, *words)
    check(rc == 0, f"ecmhctl {' '.join(words)} exited with status {rc}: {err.strip()}")
    return out


def raw_request(sock, data):
    """Sends raw bytes on a connection of its own; returns the whole reply."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(SOON)
        s.connect(sock)
        s.sendall(data)
        reply = b""
        while True:
            try:
                chunk = s.recv(4096)
            except ConnectionResetError:
                return reply  # closed with part of an oversize request unread
            if not chunk:
                return reply
            reply += chunk


def link_scope(group):
    return group.startswith("ff02:") or group.startswith("224.0.0.")


def joined_groups(args, sock):
    """{(group, link): interface entry} from `show groups --json`, link scope left out."""
    doc = json.loads(ctl_ok(args, sock, "show", "groups", "--json"))
    return {(g["group-address"], i["interface-name"]): i
            for g in doc["groups"] if not link_scope(g["group-address"])
            for i in g["interfaces"]}


METRIC_LINE = re.compile(
    r'^(?:# HELP ecmh_[a-z_]+ \S.*'
    r'|# TYPE ecmh_[a-z_]+ (?:counter|gauge)'
    r'|ecmh_[a-z_]+(?:\{[a-z_]+="(?:[^"\\\n]|\\.)*"(?:,[a-z_]+="(?:[^"\\\n]|\\.)*")*\})? [0-9]+)$')


def parse_metrics(text):
    """{(name, frozenset(labels)): value}, with prometheus_client's parser if installed."""
    samples = {}
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        text_string_to_metric_families = None
    if text_string_to_metric_families is not None:
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                samples[(s.name, frozenset(s.labels.items()))] = s.value
        print("metrics parsed with prometheus_client", flush=True)
        return samples
    for line in text.splitlines():
        check(METRIC_LINE.match(line), f"not a Prometheus text-format line: {line!r}")
        if line.startswith("#"):
            continue
        m = re.match(r'^(\w+)(?:\{(.*)\})? (\d+)$', line)
        labels = frozenset(re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    print("metrics checked with the regex parser (no prometheus_client)", flush=True)
    return samples


def forwarded(args, sock):
    return parse_metrics(ctl_ok(args, sock, "metrics"))[("ecmh_forwarded_packets_total",
                                                          frozenset())]


def body(args):
    check(os.access(ctl_binary(args), os.X_OK), f"{ctl_binary(args)} is not an executable")
    topo = netns.standard_topology("control")
    netns.set_host_versions(topo, "h2", igmp=3)
    ecmh = netns.start_ecmh(topo, args, ["-i", "up0"])
    sock = ecmh.control_socket
    mode = os.stat(sock).st_mode & 0o777
    check(mode == 0o660, f"the control socket has mode {oct(mode)} (expected 0660)")
    print(ctl_ok(args, sock, "show", "stats"), flush=True)

    # --- 1. show groups --json: exactly the joined groups on the right links
    log(f"h1 joins {G6} and {G4}; h2 joins ({S1_4}, {SSM4})")
    l1 = netns.Listener(topo, "h1", [G6, G4], PORT)
    l2 = netns.Listener(topo, "h2", [f"{SSM4}@{S1_4}"], PORT)
    expected = {(G6, "dn1"), (G4, "dn1"), (SSM4, "dn2")}
    wait_until(lambda: set(joined_groups(args, sock)) == expected, SOON,
               f"show groups --json to list exactly {sorted(expected)}",
               detail=lambda: sorted(joined_groups(args, sock)))
    groups = joined_groups(args, sock)
    print(f"show groups --json: {sorted(groups)}", flush=True)
    ssm = groups[(SSM4, "dn2")]
    check(ssm["filter-mode"] == "include" and
          [s["source-address"] for s in ssm["sources"]] == [S1_4],
          f"({S1_4}, {SSM4}) on dn2 should be INCLUDE with source {S1_4}: {ssm}")
    check(groups[(G6, "dn1")]["filter-mode"] == "exclude", f"{G6} on dn1: {groups[(G6, 'dn1')]}")
    links = {l["interface-name"]: l for l in json.loads(
        ctl_ok(args, sock, "show", "links", "--json"))["links"]}
    check(links["up0"]["role"] == "upstream" and links["dn1"]["role"] == "downstream",
          f"show links --json roles: {[(n, l['role']) for n, l in links.items()]}")

    # --- 2. metrics: the forwarded counter is what h1 received
    log(f"S1 streams to {G6} and {G4}")
    senders = [netns.Sender(topo, "up", G6, S1_6, PORT), netns.Sender(topo, "up", G4, S1_4, PORT)]
    l1.wait_count(20, G6, what=f"h1 to receive 20 datagrams of {G6}")
    l1.wait_count(20, G4, what=f"h1 to receive 20 datagrams of {G4}")
    for s in senders:
        s.stop()

    def settled():
        n, got = forwarded(args, sock), l1.count(G6) + l1.count(G4)
        return n == got and (n, got)
    n, got = wait_until(settled, SOON, "ecmh_forwarded_packets_total to equal what h1 received",
                        detail=lambda: f"forwarded {forwarded(args, sock)}, h1 received "
                        f"{l1.count(G6) + l1.count(G4)}")
    print(f"ecmh_forwarded_packets_total {n:.0f} = datagrams h1 received {got}", flush=True)
    per_group = parse_metrics(ctl_ok(args, sock, "metrics", "--groups"))
    key = ("ecmh_group_forwarded_packets_total", frozenset({("family", "ipv6"), ("group", G6)}))
    check(per_group.get(key) == l1.count(G6),
          f"metrics --groups: {G6} forwarded {per_group.get(key)}, h1 received {l1.count(G6)}")

    # --- 3. malformed and oversize requests: an error, and the daemon goes on
    rc, out, err = ctl(args, sock, "show", "nonsense")
    check(rc == 1 and err.startswith("error: unknown command"),
          f"ecmhctl show nonsense: status {rc}, stderr {err!r}")
    rc, out, err = ctl(args, sock, "--json", "show", "nonsense")
    check(rc == 1 and "error" in json.loads(err), f"--json error: status {rc}, {err!r}")
    reply = raw_request(sock, b"show \x01\xff links\n")
    check(reply.startswith(b"error: request holds a control"), f"control bytes: {reply!r}")
    reply = raw_request(sock, b"a" * 5000 + b"\n")
    check(reply.startswith(b"error: request longer than"), f"oversize request: {reply!r}")
    check("version" in ctl_ok(args, sock, "show", "stats"), "show stats after the errors")

    # --- 4. a silent client neither stalls the stream nor stays connected
    log("a client connects and sends nothing while S1 streams")
    sender = netns.Sender(topo, "up", G6, S1_6, PORT)
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.connect(sock)
    connected = time.monotonic()
    base = l1.count(G6)
    l1.wait_count(base + 10, G6, what="h1 to keep receiving while a control client is silent")
    silent.settimeout(SOON)
    try:
        closed = silent.recv(1) == b""
    except TimeoutError:
        closed = False
    waited = time.monotonic() - connected
    silent.close()
    check(closed, "the silent client's connection was not closed by ecmh")
    print(f"silent client cut off after {waited:.1f} s", flush=True)
    sender.stop()

    # --- 5. dump, resend, unreachable
    before = os.stat(ecmh.dumpfile).st_mtime_ns if os.path.exists(ecmh.dumpfile) else None
    path = ctl_ok(args, sock, "dump").strip()
    check(path == ecmh.dumpfile, f"ecmhctl dump printed {path!r}, expected {ecmh.dumpfile}")
    with open(path) as f:
        text = f.read()
    check("*** Statistics Dump (end)" in text and os.stat(path).st_mtime_ns != before,
          "ecmhctl dump did not write a fresh, complete dump")
    check(json.loads(ctl_ok(args, sock, "dump", "--json"))["path"] == ecmh.dumpfile,
          "dump --json")

    cap = netns.Capture(topo, "up")
    start = cap.mark()
    print(ctl_ok(args, sock, "resend").strip(), flush=True)
    wait_until(lambda: netns.find_messages(cap.messages(start), "mldv2-report", G6) and
               netns.find_messages(cap.messages(start), "igmpv3-report", G4), SOON,
               f"the upstream to see reports of {G6} and {G4} after ecmhctl resend")
    cap.proc.stop()

    missing = topo.path("nowhere/ecmh.sock")
    rc, out, err = ctl(args, missing, "show", "stats")
    check(rc == 69 and missing in err and "No such file" in err,
          f"an unreachable socket: status {rc}, stderr {err!r}")
    rc, out, err = ctl(args, sock)
    check(rc == 64, f"ecmhctl without a command: status {rc}")

    # --- 6. one socket, one daemon; removed at exit
    log("a second ecmh on the same control socket")
    second = netns.Ecmh(topo, args.ecmh, ["-i", "up0"], name="ecmh-second", control_socket=sock)
    rc = second.proc.wait(SOON)
    print(f"second ecmh: status {rc}: {second.log_text().strip().splitlines()[-1:]}", flush=True)
    check(rc == 73 and "another ecmh is answering" in second.log_text(),
          f"the second ecmh should exit with 73 naming the live socket, got {rc}")
    check("version" in ctl_ok(args, sock, "show", "stats"), "the first ecmh stopped answering")
    l1.stop()
    l2.stop()
    netns.stop_checked(ecmh)
    check(not os.path.exists(sock), f"{sock} is still there after SIGTERM")


if __name__ == "__main__":
    netns.main("control", body, need_scapy=True, need_tcpdump=True)
