# SPDX-License-Identifier: BSD-3-Clause
"""Network-namespace integration tests: the real ecmh daemon between real Linux kernels.

Each test script (test_<name>.py, run by ctest as netns.<name>) builds its own namespaces,
named ecmh-<test>-<pid>-<role> so parallel runs never collide, starts ecmh in the router
namespace and drives Linux hosts around it with the tools in tools/. Run as root with the
system interpreter (/usr/bin/python3: it has python3-scapy). Without root or `ip netns`
the scripts exit 77, which ctest reports as skipped.

The standard topology (standard_topology()):

            ns "up": S1, S2, the upstream querier (crafted queries) and upstream listener
     +--------------------------------------------------------------+
     | eth0  2001:db8:1::10/64 (S1)  2001:db8:1::11/64 (S2)          |
     |       198.51.100.10/24  (S1)  198.51.100.11/24  (S2)          |
     |       default via 2001:db8:1::1 / 198.51.100.1                |
     +-----------------------------+--------------------------------+
                                   | veth
     +-----------------------------+--------------------------------+
     | up0   2001:db8:1::1/64  198.51.100.1/24      ecmh -i up0      |
     |                ns "rtr": unicast forwarding on (v6 and v4)    |
     | dn1   2001:db8:2::1/64  192.0.2.1/24                          |
     | dn2   2001:db8:3::1/64  203.0.113.1/25                        |
     | (dn3  2001:db8:4::1/64  203.0.113.129/25, hotplug test only)  |
     +---------+------------------------+---------------------------+
               | veth                   | veth
     +---------+----------+   +---------+----------+   (+ ns "h3": eth0 2001:db8:4::10,
     | ns "h1": eth0       |   | ns "h2": eth0       |       203.0.113.138, on dn3)
     | 2001:db8:2::10/64   |   | 2001:db8:3::10/64   |
     | 192.0.2.10/24       |   | 203.0.113.10/25     |
     | listeners, sources  |   | listeners           |
     +---------------------+   +---------------------+

A tunnel host (add_tunnel_host(), on top of the standard topology; it takes h2's IPv4
prefix, so a topology with t1 has no h2): a Linux host behind a 6in4 tunnel. This
kernel may have no sit, so both ends are tools/tun6in4.py, a userspace 6in4 endpoint on
a TUN device (a link without a link header, as sit is); class Tun6in4 runs it.

     ns "rtr": o1 203.0.113.1/25 —veth— ns "t1": eth0 203.0.113.10/25 (IPv4 only)
     tnl1 (TUN) 2001:db8:5::1/64   <== 6in4 ==>   tnl0 (TUN) 2001:db8:5::10/64
     203.0.113.1 -> 203.0.113.10                  203.0.113.10 -> 203.0.113.1
                                                  default via 2001:db8:5::1 dev tnl0

Addresses come from the documentation prefixes only (2001:db8::/32, 192.0.2.0/24,
198.51.100.0/24, 203.0.113.0/24); groups from ff0e::/16 (ASM), ff3e::8000:0/97 (SSM),
239.0.0.0/8 (ASM) and 232.0.0.0/8 (SSM). ecmh treats all of ff3x::/32 as SSM and
ff3x::/96 group IDs below 4000:0000 as reserved (RFC 4607 §1), so ASM tests use ff0e::.
DAD is off on every link (accept_dad=0), so addresses are usable at once.

Timers: ecmh runs with the short protocol variables in ECMH_TIMER_ARGS; LLQT (the time a
leave takes when ecmh is the querier) is LLQI x robustness = 0.4 s.
"""

import atexit
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

PYTHON = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "tools")
SKIP = 77

# --- Addresses of the standard topology.
S1_6, S2_6 = "2001:db8:1::10", "2001:db8:1::11"
S1_4, S2_4 = "198.51.100.10", "198.51.100.11"
RTR_UP_6, RTR_UP_4 = "2001:db8:1::1", "198.51.100.1"
HOSTS = {
    # role: (router link, router v6, router v4/len, host v6, host v4/len)
    "h1": ("dn1", "2001:db8:2::1", "192.0.2.1/24", "2001:db8:2::10", "192.0.2.10/24"),
    "h2": ("dn2", "2001:db8:3::1", "203.0.113.1/25", "2001:db8:3::10", "203.0.113.10/25"),
    "h3": ("dn3", "2001:db8:4::1", "203.0.113.129/25", "2001:db8:4::10", "203.0.113.138/25"),
}
TUNNEL_HOSTS = {
    # role: (router's outer link, router v4/len, host v4/len,
    #        router TUN, router v6/len, host TUN, host v6/len)
    "t1": ("o1", "203.0.113.1/25", "203.0.113.10/25",
           "tnl1", "2001:db8:5::1/64", "tnl0", "2001:db8:5::10/64"),
}
T1_OUTER_RTR4, T1_OUTER4 = "203.0.113.1", "203.0.113.10"
T1_RTR_6, T1_6 = "2001:db8:5::1", "2001:db8:5::10"
H1_6, H1_4 = "2001:db8:2::10", "192.0.2.10"
H2_6, H2_4 = "2001:db8:3::10", "203.0.113.10"
H3_6, H3_4 = "2001:db8:4::10", "203.0.113.138"

# --- ecmh's protocol variables in these tests.
ROBUSTNESS = 2
QUERY_INTERVAL = 2.0
QUERY_RESPONSE_INTERVAL = 1.0
LLQI = 0.2
URI = 0.2
LLQT = LLQI * ROBUSTNESS
# RFC 9777 §9.4 / RFC 9776 §8.4 (erratum 6725): RV·QI + 2·QRI.
MALI = ROBUSTNESS * QUERY_INTERVAL + 2 * QUERY_RESPONSE_INTERVAL
ECMH_TIMER_ARGS = ["--robustness", str(ROBUSTNESS), "--query-interval", "2s",
                   "--query-response-interval", "1s", "--last-listener-query-interval", "200ms",
                   "--unsolicited-report-interval", "200ms"]

# How long "soon" may take on a loaded 2-core machine running a sanitizer build.
SOON = 10.0

_T0 = time.monotonic()
TOPOLOGIES = []      # every Topology made in this process (cleaned up by main())
ECMH_INSTANCES = []  # every Ecmh started (reported on failure)


class Failure(Exception):
    """A test assertion that did not hold."""


def log(message):
    print(f"[{time.monotonic() - _T0:7.3f}] {message}", flush=True)


def check(condition, message):
    if not condition:
        raise Failure(message)


def wait_until(predicate, timeout, what, interval=0.05, detail=None):
    """Polls predicate() until it returns something truthy (returned) or timeout seconds
    pass (Failure naming `what`, plus detail() if given)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            extra = ""
            if detail is not None:
                try:
                    extra = f"\n  state: {detail()}"
                except Exception as e:  # the detail is best effort
                    extra = f"\n  (detail failed: {e})"
            raise Failure(f"timed out after {timeout:.1f} s waiting for {what}{extra}")
        time.sleep(interval)


def skip(reason):
    print(f"SKIP: {reason}", flush=True)
    sys.exit(SKIP)


def check_environment(need_scapy=False, need_tcpdump=False):
    """Exits 77 (skip) when the tests cannot run here."""
    if os.geteuid() != 0:
        skip("needs root (network namespaces)")
    if shutil.which("ip") is None:
        skip("iproute2 (ip) not installed")
    probe = f"ecmh-probe-{os.getpid()}"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if r.returncode != 0:
        skip(f"`ip netns add` does not work here: {r.stderr.strip()}")
    r = subprocess.run(["ip", "netns", "exec", probe, "true"], capture_output=True, text=True)
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    if r.returncode != 0:
        skip(f"`ip netns exec` does not work here: {r.stderr.strip()}")
    if need_tcpdump and shutil.which("tcpdump") is None:
        skip("tcpdump not installed")
    if need_scapy:
        r = subprocess.run([PYTHON, "-c", "import scapy.all"], capture_output=True)
        if r.returncode != 0:
            skip(f"{PYTHON} has no scapy (apt-get install python3-scapy)")


# --------------------------------------------------------------------------- processes

class Proc:
    """A process this harness started (inside a namespace); killed only by its PID."""

    def __init__(self, topo, name, popen, logpath):
        self.topo, self.name, self.popen, self.logpath = topo, name, popen, logpath
        self.stop_timeout = 3.0  # how long cleanup() lets it take to exit on SIGTERM

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def returncode(self):
        return self.popen.poll()

    def signal(self, sig):
        if self.alive():
            os.kill(self.popen.pid, sig)

    def dead(self):
        """False while the process runs; a Failure with its output once it has exited
        (for wait_until() predicates: `... or proc.dead()`)."""
        if not self.alive():
            raise Failure(f"{self.name} exited ({self.returncode()}): {self.output()}")
        return False

    def wait(self, timeout):
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=5.0):
        """SIGTERM, then SIGKILL after timeout; returns the exit status."""
        if self.alive():
            os.kill(self.popen.pid, signal.SIGTERM)
            if self.wait(timeout) is None:
                log(f"{self.name} (pid {self.pid}) ignored SIGTERM for {timeout} s: SIGKILL")
                os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        if self.popen.stdin is not None:
            try:
                self.popen.stdin.close()
            except OSError:
                pass
        return self.popen.returncode

    def output(self):
        try:
            with open(self.logpath, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def command(self, line):
        """Writes one command line to the process's stdin (tools that read commands)."""
        self.popen.stdin.write((line + "\n").encode())
        self.popen.stdin.flush()


def _die_with_parent():
    """In the child before exec: SIGKILL it if the test process dies without cleaning up
    (ctest kills a test that times out with SIGKILL). `ip netns exec` execs the command
    in place, so this reaches the tool or daemon itself (a daemon that changes its
    credentials, as ecmh -u does, loses it)."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _read_lines(path):
    try:
        with open(path, errors="replace") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    lines = data.split("\n")
    return lines[:-1]  # only complete lines


# --------------------------------------------------------------------------- topology

class Topology:
    """Namespaces, veth pairs, addresses and processes of one test; cleanup() undoes all
    of it (also at exit and on SIGTERM/SIGINT/SIGHUP)."""

    def __init__(self, test_name):
        self.test_name = test_name
        self.tag = f"ecmh-{test_name}-{os.getpid()}"
        self.namespaces = {}   # role -> namespace name, in creation order
        self.procs = []
        self.adopted = []      # (pid, binary) of daemons started here that forked
        self.workdir = tempfile.mkdtemp(prefix=self.tag + "-")
        os.chmod(self.workdir, 0o755)  # ecmh -u nobody must reach files under it
        self.keep = False
        self._cleaned = False
        self._counter = 0
        TOPOLOGIES.append(self)
        atexit.register(self.cleanup)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, _frame):
        log(f"signal {signum}: cleaning up")
        raise SystemExit(128 + signum)

    def path(self, name):
        return os.path.join(self.workdir, name)

    def unique(self, base):
        self._counter += 1
        return f"{base}-{self._counter}"

    # -- commands

    def ns(self, role):
        return self.namespaces[role]

    def ip(self, *args, check=True):
        r = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
        if check and r.returncode != 0:
            raise Failure(f"`ip {' '.join(args)}` failed: {r.stderr.strip()}")
        return r

    def run(self, role, *argv, check=True, timeout=30):
        r = subprocess.run(["ip", "netns", "exec", self.ns(role), *argv], capture_output=True,
                           text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise Failure(f"[{role}] `{' '.join(argv)}` failed ({r.returncode}): "
                          f"{r.stdout.strip()} {r.stderr.strip()}")
        return r

    def sysctl_keys(self, role, settings):
        args = [f"{k}={v}" for k, v in settings.items()]
        self.run(role, "sysctl", "-q", "-w", *args)

    def add_namespace(self, role, router=False):
        name = f"{self.tag}-{role}"
        self.ip("netns", "add", name)
        self.namespaces[role] = name
        self.ip("-n", name, "link", "set", "lo", "up")
        settings = {
            "net.ipv6.conf.all.accept_dad": 0, "net.ipv6.conf.default.accept_dad": 0,
            "net.ipv6.conf.all.accept_ra": 0, "net.ipv6.conf.default.accept_ra": 0,
            "net.ipv6.conf.all.router_solicitations": 0,
            "net.ipv6.conf.default.router_solicitations": 0,
            "net.ipv4.conf.all.rp_filter": 0, "net.ipv4.conf.default.rp_filter": 0,
            "net.ipv6.icmp.echo_ignore_multicast": 0,
        }
        if router:
            settings.update({"net.ipv6.conf.all.forwarding": 1, "net.ipv4.ip_forward": 1})
        self.sysctl_keys(role, settings)
        return name

    def veth(self, role_a, if_a, role_b, if_b):
        """A veth pair created inside role_a's namespace with its peer placed straight
        into role_b's: nothing is ever created in the root namespace."""
        self.ip("-n", self.ns(role_a), "link", "add", "name", if_a, "type", "veth", "peer",
                "name", if_b, "netns", self.ns(role_b))
        for role, ifname in ((role_a, if_a), (role_b, if_b)):
            self.sysctl_keys(role, {f"net.ipv6.conf.{ifname}.accept_dad": 0,
                                    f"net.ipv4.conf.{ifname}.rp_filter": 0})

    def addr(self, role, ifname, cidr):
        extra = ["nodad"] if ":" in cidr else []
        self.ip("-n", self.ns(role), "addr", "add", cidr, "dev", ifname, *extra)

    def link_up(self, role, ifname):
        self.ip("-n", self.ns(role), "link", "set", "dev", ifname, "up")

    def route(self, role, *args):
        self.ip("-n", self.ns(role), *args)

    def link_local(self, role, ifname):
        """The interface's usable (non-tentative) fe80:: address, or None."""
        r = self.ip("-n", self.ns(role), "-6", "-o", "addr", "show", "dev", ifname, "scope",
                    "link", check=False)
        for line in r.stdout.splitlines():
            if "tentative" in line:
                continue
            m = re.search(r"inet6 (fe80::[0-9a-f:]+)/", line)
            if m:
                return m.group(1)
        return None

    def wait_link_ready(self, role, ifname, timeout=SOON, ipv6=True):
        """Waits until the link is up (LOWER_UP) and, unless ipv6 is False (a link with
        IPv6 disabled), has a usable link-local address."""
        def ready():
            r = self.ip("-n", self.ns(role), "-o", "link", "show", "dev", ifname, check=False)
            return "LOWER_UP" in r.stdout and (not ipv6 or self.link_local(role, ifname))
        return wait_until(ready, timeout, f"{role}:{ifname} up"
                          + (" with a link-local address" if ipv6 else ""))

    def wait_links_ready(self, role, ifnames, timeout=SOON):
        """wait_link_ready() for many interfaces at once: two `ip` calls a round, however
        many interfaces there are."""
        pending = set(ifnames)

        def ready():
            links = self.ip("-n", self.ns(role), "-o", "link", "show", check=False).stdout
            lower_up = {m.group(1) for m in re.finditer(r"^\d+: ([^:@]+)[:@].*LOWER_UP",
                                                         links, re.M)}
            addrs = self.ip("-n", self.ns(role), "-6", "-o", "addr", "show", "scope", "link",
                            check=False).stdout
            with_ll = {m.group(1) for m in re.finditer(r"^\d+: (\S+)\s+inet6 fe80::.*$", addrs,
                                                       re.M) if "tentative" not in m.group(0)}
            pending.difference_update(lower_up & with_ll)
            return not pending
        return wait_until(ready, timeout, f"{len(ifnames)} links of {role} up with a link-local "
                          "address", interval=0.2,
                          detail=lambda: f"not ready: {sorted(pending)[:10]}")

    def ifindex(self, role, ifname):
        r = self.ip("-n", self.ns(role), "-o", "link", "show", "dev", ifname)
        return int(r.stdout.split(":", 1)[0])

    # -- processes

    def spawn(self, role, argv, name, stdin=False, env=None):
        logpath = self.path(self.unique(name) + ".log")
        logf = open(logpath, "wb")
        popen = subprocess.Popen(["ip", "netns", "exec", self.ns(role), *argv],
                                 stdout=logf, stderr=subprocess.STDOUT,
                                 stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                 start_new_session=True, env=env,
                                 preexec_fn=_die_with_parent)
        logf.close()
        proc = Proc(self, name, popen, logpath)
        self.procs.append(proc)
        return proc

    def adopt(self, pid, binary):
        """A process this test started that is not its child (a daemon that forked):
        cleanup() stops it too, if /proc/PID/exe still is `binary`."""
        self.adopted.append((pid, os.path.realpath(binary)))

    # -- cleanup

    def _stop_adopted(self, pid, binary):
        for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 1.0)):
            try:
                if os.path.realpath(f"/proc/{pid}/exe") != binary:
                    return
                os.kill(pid, sig)
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                return
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and process_running(pid):
                time.sleep(0.05)
            if not process_running(pid):
                return

    def cleanup(self):
        if self._cleaned:
            return
        self._cleaned = True
        for pid, binary in self.adopted:
            self._stop_adopted(pid, binary)
        for proc in reversed(self.procs):
            try:
                proc.stop(timeout=proc.stop_timeout)
            except Exception as e:
                print(f"cleanup: stopping {proc.name} (pid {proc.pid}): {e}", file=sys.stderr)
        for name in reversed(list(self.namespaces.values())):
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
        if self.keep:
            print(f"kept {self.workdir}", flush=True)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


def process_running(pid):
    """True while PID exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("State:"):
                    return "Z" not in line.split()[1]
    except FileNotFoundError:
        return False
    return True


def standard_topology(test_name, hosts=("h1", "h2")):
    """up —veth— rtr(up0, dn1, dn2…) —veth— h1, h2…  (see the module docstring)."""
    topo = Topology(test_name)
    topo.add_namespace("up")
    topo.add_namespace("rtr", router=True)
    topo.veth("rtr", "up0", "up", "eth0")
    topo.addr("up", "eth0", S1_6 + "/64")
    topo.addr("up", "eth0", S2_6 + "/64")
    topo.addr("up", "eth0", S1_4 + "/24")
    topo.addr("up", "eth0", S2_4 + "/24")
    topo.addr("rtr", "up0", RTR_UP_6 + "/64")
    topo.addr("rtr", "up0", RTR_UP_4 + "/24")
    topo.link_up("up", "eth0")
    topo.link_up("rtr", "up0")
    topo.route("up", "-6", "route", "add", "default", "via", RTR_UP_6, "dev", "eth0")
    topo.route("up", "-4", "route", "add", "default", "via", RTR_UP_4, "dev", "eth0")
    for role in hosts:
        add_host(topo, role, wait=False)
    topo.wait_link_ready("up", "eth0")
    topo.wait_link_ready("rtr", "up0")
    for role in hosts:
        topo.wait_link_ready("rtr", HOSTS[role][0])
        topo.wait_link_ready(role, "eth0")
    return topo


def add_host(topo, role, wait=True):
    """Namespace `role` (h1, h2, h3) on router link dn1/dn2/dn3 (connect_host)."""
    topo.add_namespace(role)
    connect_host(topo, role, wait)


def connect_host(topo, role, wait=True, link=None):
    """The veth between rtr's dn<N> and the host's eth0, addresses and default routes.
    The router side gets its addresses before it comes up, as an administrator would
    configure a new link. link: (router link, router v6, router v4/len, host v6, host
    v4/len), as in HOSTS, for a host of a topology of the test's own (default HOSTS[role])."""
    rlink, r6, r4, h6, h4 = link or HOSTS[role]
    topo.veth("rtr", rlink, role, "eth0")
    topo.addr("rtr", rlink, r6 + "/64")
    topo.addr("rtr", rlink, r4)
    topo.addr(role, "eth0", h6 + "/64")
    topo.addr(role, "eth0", h4)
    topo.link_up(role, "eth0")
    topo.link_up("rtr", rlink)
    topo.route(role, "-6", "route", "add", "default", "via", r6, "dev", "eth0")
    topo.route(role, "-4", "route", "add", "default", "via", r4.split("/")[0], "dev", "eth0")
    if wait:
        topo.wait_link_ready("rtr", rlink)
        topo.wait_link_ready(role, "eth0")


def add_tunnel_host(topo, role="t1", router_endpoint=True, router_sit=False):
    """Namespace `role` (t1) behind a 6in4 tunnel (see the module docstring): an IPv4-only
    veth to rtr, a tools/tun6in4.py endpoint with TUN tnl0 in `role` and, if
    router_endpoint, the other end with TUN tnl1 in rtr (a raw-IP link, as sit is; with
    router_sit its hardware type is ARPHRD_SIT, so it looks like a kernel sit device).
    Without router_endpoint nothing in rtr ends the tunnel (for ecmh's tunnel mode, -t,
    which decapsulates protocol 41 on o1 itself). Returns (host endpoint, router endpoint
    or None), both ready: up, with their addresses and a link-local address."""
    check("h2" not in topo.namespaces, "a tunnel host takes h2's IPv4 prefix: no h2 with it")
    rlink, r4, h4, rtun, r6, htun, h6 = TUNNEL_HOSTS[role]
    topo.add_namespace(role)
    topo.veth("rtr", rlink, role, "eth0")
    topo.addr("rtr", rlink, r4)
    topo.addr(role, "eth0", h4)
    topo.link_up(role, "eth0")
    topo.link_up("rtr", rlink)
    topo.route(role, "-4", "route", "add", "default", "via", r4.split("/")[0], "dev", "eth0")
    host_end = Tun6in4(topo, role, [(htun, h4.split("/")[0], r4.split("/")[0], h6)])
    topo.route(role, "-6", "route", "add", "default", "via", r6.split("/")[0], "dev", htun)
    router_end = None
    if router_endpoint:
        router_end = Tun6in4(topo, "rtr", [(rtun, r4.split("/")[0], h4.split("/")[0], r6)],
                             arphrd_sit=router_sit)
    topo.wait_link_ready("rtr", rlink)
    topo.wait_link_ready(role, "eth0")
    return host_end, router_end


def set_host_versions(topo, role, mld=None, igmp=None):
    """force_mld_version / force_igmp_version on the host's eth0 (0 = automatic)."""
    settings = {}
    if mld is not None:
        settings["net.ipv6.conf.eth0.force_mld_version"] = mld
    if igmp is not None:
        settings["net.ipv4.conf.eth0.force_igmp_version"] = igmp
    topo.sysctl_keys(role, settings)


# --------------------------------------------------------------------------- ecmh

class Ecmh:
    """The daemon under test, in the foreground (-f), stderr captured to a log file."""

    def __init__(self, topo, binary, args, role="rtr", name="ecmh", timers=True,
                 verbose=True, pidfile=None, dumpfile=None, control_socket=None):
        self.topo, self.role, self.name = topo, role, name
        self.pidfile = pidfile or topo.path(f"{name}.pid")
        self.dumpfile = dumpfile or topo.path(f"{name}.dump")
        # Each instance's own control socket, in the test's directory: never the host's
        # /run/ecmh/ecmh.sock, which tests running in parallel (or a real ecmh) would share.
        self.control_socket = control_socket or topo.path(f"{name}.sock")
        self.argv = [binary, "-f", *args, "--pidfile", self.pidfile, "--dumpfile",
                     self.dumpfile, "--control-socket", self.control_socket]
        if timers:
            self.argv += ECMH_TIMER_ARGS
        if verbose:
            self.argv.append("-v")
        self.last_dump = None
        env = dict(os.environ)
        # Sanitizer reports go to the log; the harness fails the test when it finds one.
        env.setdefault("ASAN_OPTIONS", "abort_on_error=0")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        log(f"starting {name}: {' '.join(self.argv)}")
        self.proc = topo.spawn(role, self.argv, name, env=env)
        ECMH_INSTANCES.append(self)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.alive()

    def log_text(self):
        return self.proc.output()

    def wait_ready(self, timeout=SOON):
        """Ready = the pid file exists and holds the daemon's pid."""
        def ready():
            if not self.proc.alive():
                raise Failure(f"{self.name} exited with status {self.proc.returncode()} "
                              "before it was ready")
            try:
                with open(self.pidfile) as f:
                    return f.read().strip() == str(self.pid)
            except FileNotFoundError:
                return False
        start = time.monotonic()
        wait_until(ready, timeout, f"{self.name}'s pid file {self.pidfile} to hold "
                   f"pid {self.pid}")
        log(f"{self.name} ready (pid {self.pid}) after {time.monotonic() - start:.2f} s")

    def signal(self, sig):
        check(self.proc.alive(), f"{self.name} is not running (status {self.proc.returncode()})")
        os.kill(self.pid, sig)

    def _dump_identity(self):
        try:
            st = os.stat(self.dumpfile)
            return (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            return None

    def dump(self, timeout=5.0):
        """SIGUSR1, then waits for a new complete dump file; returns a Dump."""
        before = self._dump_identity()
        self.signal(signal.SIGUSR1)

        def fresh():
            ident = self._dump_identity()
            if ident is None or ident == before:
                return None
            with open(self.dumpfile, errors="replace") as f:
                text = f.read()
            return text if "*** Statistics Dump (end)" in text else None
        text = wait_until(fresh, timeout, f"{self.name} to write {self.dumpfile} after SIGUSR1")
        self.last_dump = text
        return Dump(text)

    def stop(self, timeout=10.0):
        """SIGTERM and wait; returns the exit status (None if it had to be killed)."""
        if not self.proc.alive():
            return self.proc.returncode()
        os.kill(self.pid, signal.SIGTERM)
        rc = self.proc.wait(timeout)
        if rc is None:
            log(f"{self.name} did not exit within {timeout} s of SIGTERM: SIGKILL")
            os.kill(self.pid, signal.SIGKILL)
            self.proc.wait(5)
        return rc

    def sanitizer_findings(self):
        text = self.log_text()
        return [line for line in text.splitlines()
                if "runtime error:" in line or "ERROR: AddressSanitizer" in line
                or "ERROR: LeakSanitizer" in line]

    def report(self):
        """What a failing test prints about this instance."""
        rc = self.proc.returncode()
        state = "running" if rc is None else f"exited with status {rc}"
        out = [f"===== {self.name} (pid {self.pid}, {state}) log: {self.proc.logpath}"]
        text = self.log_text()
        lines = text.splitlines()
        if len(lines) > 400:
            out.append(f"... ({len(lines) - 400} earlier lines omitted)")
            lines = lines[-400:]
        out.extend(lines)
        dump = self.last_dump
        if rc is None and self.proc.alive():
            try:
                dump = self.dump(timeout=3.0).text
            except Exception as e:
                out.append(f"(could not get a fresh dump: {e})")
        if dump is not None:
            out.append(f"===== {self.name} last dump ({self.dumpfile})")
            out.extend(dump.splitlines())
        return "\n".join(out)


def start_ecmh(topo, args, ecmh_args, **kw):
    """ecmh with ecmh_args (e.g. ["-i", "up0"]) in ns rtr, waited for until ready."""
    e = Ecmh(topo, args.ecmh, list(ecmh_args) + list(args.ecmh_arg or []), **kw)
    e.wait_ready()
    return e


def stop_checked(*procs):
    """Stops each of `procs` (an Ecmh, a tool wrapper) with SIGTERM, in order; each must
    exit with status 0."""
    for p in procs:
        rc = p.stop()
        check(rc == 0, f"{p.name} exited with status {rc} on SIGTERM (expected 0)")


def wait_stream_stops(sniffer, group, source, since, sender, quiet, timeout, what):
    """Waits until the sniffer has seen no datagram of (source, group) for `quiet`
    seconds after `since`, while the sender keeps sending; returns the time of the last
    datagram (or `since` if none came after it)."""
    def stopped():
        sender.check_alive()
        last = sniffer.last_time(group, source) or since
        return time.monotonic() - max(last, since) >= quiet
    wait_until(stopped, timeout, what, interval=0.1,
               detail=lambda: "last datagram "
               f"{time.monotonic() - (sniffer.last_time(group, source) or since):.2f} s ago")
    return max(sniffer.last_time(group, source) or since, since)


def measure_leave(what, listener, spec, sniffer, sender, quiet=1.0, bound=LLQT + 1.0):
    """The listener leaves `spec` (GROUP or GROUP@SOURCE); waits until the sniffer on
    its link has seen no datagram of that stream for `quiet` seconds while the sender
    keeps sending; prints and returns leave -> last datagram (seconds), which must not
    exceed `bound`."""
    group, _, source = spec.partition("@")
    source = source or None
    check(sniffer.count(group, source) > 0, f"{what}: no datagram seen before the leave")
    t_leave = listener.leave(spec)
    last = wait_stream_stops(sniffer, group, source, t_leave, sender, quiet,
                             bound + MALI + SOON, f"{what}: the stream to stop reaching the "
                             "link after the leave")
    latency = max(0.0, last - t_leave)
    after = sniffer.count(group, source, since=t_leave)
    print(f"LEAVE LATENCY {what}: {latency * 1000:.0f} ms from leave to the last datagram "
          f"on the link ({after} datagrams after the leave; LLQT {LLQT * 1000:.0f} ms, "
          f"bound {bound * 1000:.0f} ms)", flush=True)
    check(latency <= bound, f"{what}: the stream kept reaching the link {latency:.3f} s after "
          f"the leave (bound {bound:.3f} s = LLQT + 1 s)")
    return latency


class Dump:
    """A parsed ecmh.dump (doc/dump-format.md). Tolerant of spacing before colons."""

    def __init__(self, text):
        self.text = text
        self.groups = {}       # group -> {"bytes", "packets", "links": {name: [detail lines]}}
        self.interfaces = {}   # name -> {label: value}
        self.upstream = {}     # group -> {label: value}
        self.stats = {}        # label -> value
        self.drops = {}        # reason -> count
        # The fast path (--forward xdp): name -> (mode, reason); flows, each a dict with
        # group, source, arrival, out (a set of names), packets, bytes; program counts.
        self.fast_links = {}
        self.flows = []
        self.fast_events = {}
        self.fast_end = None   # the section's end line, with its installed/removed counts
        # The kernel's notices of XDP-feature changes: {"received", "about", "lost"}, or
        # {"none": why}; None without the line.
        self.fast_notices = None
        # The groups the router host itself listens to: {(group, interface)}.
        self.host_groups = set()
        section = None
        group = link = None
        in_drops = False
        for raw in text.splitlines():
            line = raw.rstrip()
            if line.startswith("*** "):
                section = None
                for key in ("Subscription", "Interface", "Upstream", "Statistics", "Fast Path"):
                    if line.startswith(f"*** {key}") and "(end" not in line:
                        section = key
                if line.startswith("*** Fast Path Dump (end"):
                    self.fast_end = line
                group = link = None
                in_drops = False
                continue
            if not line.strip():
                continue
            label, _, value = line.partition(":")
            label, value = label.strip(), value.strip()
            if section == "Subscription":
                if label == "Group":
                    group = value
                    self.groups[group] = {"bytes": None, "packets": None, "links": {}}
                    link = None
                elif group is not None and label == "Bytes":
                    self.groups[group]["bytes"] = _int(value)
                elif group is not None and label == "Packets":
                    self.groups[group]["packets"] = _int(value)
                elif group is not None and label == "Interface":
                    link = value.split()[0]
                    self.groups[group]["links"][link] = []
                elif link is not None:
                    self.groups[group]["links"][link].append(line.strip())
            elif section == "Interface":
                if label == "Interface" and raw.startswith("Interface"):
                    link = value
                    self.interfaces[link] = {}
                elif link is not None:
                    self.interfaces[link][label] = value
            elif section == "Upstream":
                if label == "Group":
                    group = value
                    self.upstream[group] = {}
                elif group is not None:
                    self.upstream[group][label] = value
            elif section == "Fast Path":
                self._fast_path_line(raw, line, label, value)
            elif section == "Statistics":
                if line.strip() == "Drops":
                    in_drops = True
                elif in_drops and raw.startswith(" "):
                    if line.strip() != "(none)":
                        self.drops[label] = _int(value)
                else:
                    in_drops = False
                    self.stats[label] = value

    def _fast_path_line(self, raw, line, label, value):
        m = re.match(r"Interface (\S+) : (\S+) \((.*)\)$", line)
        if m:
            self.fast_links[m.group(1)] = (m.group(2), m.group(3))
            return
        m = re.match(r"Feature notices : (\d+) received, (\d+) about these interfaces, "
                     r"(\d+) times lost$", line)
        if m:
            self.fast_notices = {"received": int(m.group(1)), "about": int(m.group(2)),
                                 "lost": int(m.group(3))}
            return
        m = re.match(r"Feature notices : none \((.*)\)$", line)
        if m:
            self.fast_notices = {"none": m.group(1)}
            return
        m = re.match(r"Host listens\s*: (\S+) on (\S+) \(", line)
        if m:
            self.host_groups.add((m.group(1), m.group(2)))
            return
        m = re.match(r"Flow (\S+) from (\S+) on (\S+)$", line)
        if m:
            self.flows.append({"group": m.group(1), "source": m.group(2),
                               "arrival": m.group(3), "out": set(), "packets": None,
                               "bytes": None})
            return
        if line.strip() == "Program":
            self.flows.append(None)  # the flows end here
            return
        if raw.startswith("  ") and self.flows and self.flows[-1] is None:
            self.fast_events[label] = _int(value)
        elif raw.startswith("  ") and self.flows:
            flow = self.flows[-1]
            if label == "Out-links":
                flow["out"] = {name.strip() for name in value.split(",") if name.strip()}
            elif label in ("Packets", "Bytes"):
                flow[label.lower()] = _int(value)

    def flow(self, group, source=None):
        """The fast path's flow of `group` (from `source`), or None."""
        for f in self.flows:
            if f is not None and f["group"] == group and source in (None, f["source"]):
                return f
        return None

    def group_links(self, group):
        g = self.groups.get(group)
        return set(g["links"]) if g else set()

    def stat(self, label):
        return _int(self.stats.get(label, ""))


def _int(text):
    m = re.match(r"\s*(\d+)", text or "")
    return int(m.group(1)) if m else None


# --------------------------------------------------------------------------- host tools

def _tool(name):
    return os.path.join(TOOLS, name)


class Listener:
    """tools/listener.py in a namespace: joins groups on eth0 (ASM, or SSM with a
    source) and records every test datagram it receives (with details=True also what
    details() returns)."""

    def __init__(self, topo, role, joins, port, ifname="eth0", name=None, details=False):
        self.topo, self.role = topo, role
        self.name = name or f"listener-{role}"
        self.out = topo.path(topo.unique(self.name) + ".txt")
        argv = [PYTHON, _tool("listener.py"), "--ifname", ifname, "--port", str(port),
                "--out", self.out] + (["--details"] if details else [])
        for j in joins:
            argv += ["--join", j]
        self.proc = topo.spawn(role, argv, self.name, stdin=True)
        wait_until(lambda: self._event("ready") or self.proc.dead(), SOON,
                   f"{self.name} to start")
        for j in joins:
            self._wait_event("joined", j)

    def _wait_event(self, kind, spec):
        def seen():
            error = self._event("error", spec)
            if error is not None:
                line = [l for l in _read_lines(self.out) if l.startswith(f"# error {spec} ")]
                raise Failure(f"{self.name}: {kind} {spec} failed: {line}")
            return self._event(kind, spec) or self.proc.dead()
        return wait_until(seen, SOON, f"{self.name} to report '{kind} {spec}'")

    def _event(self, kind, arg=None):
        for line in _read_lines(self.out):
            if line.startswith("# "):
                parts = line[2:].split()
                if parts[0] == kind and (arg is None or (len(parts) > 1 and parts[1] == arg)):
                    return float(parts[-1])
        return None

    def records(self, group=None, source=None):
        """[(seq, source, group, time)] of datagrams received."""
        out = []
        for line in _read_lines(self.out):
            if not line or line.startswith("#"):
                continue
            seq, src, grp, t = line.split()[:4]
            if (group is None or grp == group) and (source is None or src == source):
                out.append((int(seq), src, grp, float(t)))
        return out

    def details(self, destination=None):
        """[Datagram] received (details=True), those sent to `destination` if given."""
        out = []
        for line in _read_lines(self.out):
            if not line or line.startswith("#"):
                continue
            f = line.split()
            if len(f) == 9 and (destination is None or f[4] == destination):
                out.append(Datagram(int(f[0]), f[1], f[2], float(f[3]), f[4], _int(f[5]),
                                    _int(f[6]), int(f[7]), f[8]))
        return out

    def count(self, group=None, source=None):
        return len(self.records(group, source))

    def wait_count(self, n, group=None, source=None, timeout=SOON, what=None):
        wait_until(lambda: self.count(group, source) >= n, timeout,
                   what or f"{self.name} to receive {n} packets"
                   f"{' for ' + group if group else ''}{' from ' + source if source else ''}",
                   detail=lambda: f"{self.count(group, source)} received")

    def leave(self, spec):
        """Leaves `spec` (GROUP or GROUP@SOURCE); returns the time (monotonic) of the
        setsockopt."""
        self.proc.command(f"leave {spec}")
        return self._wait_event("left", spec)

    def join(self, spec):
        """Joins `spec`; a spec joined, left and joined again is not supported (the
        first "joined" line would answer)."""
        self.proc.command(f"join {spec}")
        return self._wait_event("joined", spec)

    def stop(self):
        return self.proc.stop()


class Datagram:
    """One datagram a details=True Listener received: seq and group from the payload
    ("ECMHT SEQ GROUP SOURCE"), the source and destination addresses, hop limit / TTL and
    traffic class / TOS it arrived with (None if the kernel gave none), the UDP payload's
    length and CRC-32 (8 hex digits)."""

    def __init__(self, seq, source, group, time_, destination, hops, tos, length, crc):
        self.seq, self.source, self.group, self.time = seq, source, group, time_
        self.destination, self.hops, self.tos = destination, hops, tos
        self.length, self.crc = length, crc

    def __repr__(self):
        return (f"<#{self.seq} {self.source}->{self.destination} hops={self.hops} "
                f"tos={self.tos} len={self.length} crc={self.crc}>")


def sender_payload(seq, group, source, size=0):
    """The UDP payload tools/sender.py sends as datagram `seq` (to check one received)."""
    one = f"ECMHT {seq} {group} {source}\n".encode()
    return one + b"." * max(0, size - len(one))


class MultiListener:
    """tools/multilisten.py in a namespace: one socket per (interface, group) in `joins`,
    each joining its group on its interface (a host with many links, e.g. one tunnel
    each); records every test datagram with the interface it arrived on."""

    def __init__(self, topo, role, joins, port, name=None):
        self.name = name or f"multilisten-{role}"
        self.out = topo.path(topo.unique(self.name) + ".txt")
        argv = [PYTHON, _tool("multilisten.py"), "--port", str(port), "--out", self.out]
        for ifname, group in joins:
            argv += ["--join", f"{ifname},{group}"]
        self.proc = topo.spawn(role, argv, self.name)
        self._offset = 0
        self._records = {}  # interface -> [(seq, group, time)]
        self._joined = None
        wait_until(lambda: self._read() or self._joined is not None or self.proc.dead(), SOON,
                   f"{self.name} to join {len(joins)} groups")

    def _read(self):
        """Takes in the complete lines written since the last call."""
        try:
            with open(self.out, "rb") as f:
                f.seek(self._offset)
                data = f.read()
        except FileNotFoundError:
            return False
        end = data.rfind(b"\n")
        if end < 0:
            return False
        self._offset += end + 1
        for line in data[:end].decode(errors="replace").split("\n"):
            if line.startswith("# joined "):
                self._joined = float(line.split()[-1])
            elif line and not line.startswith("#"):
                ifname, seq, group, t = line.split()
                self._records.setdefault(ifname, []).append((int(seq), group, float(t)))
        return False

    def records(self, ifname):
        """[(seq, group, time)] of the test datagrams received on `ifname`."""
        self._read()
        return list(self._records.get(ifname, []))

    def all_records(self):
        """{interface: [(seq, group, time)]}."""
        self._read()
        return {k: list(v) for k, v in self._records.items()}

    def stop(self):
        return self.proc.stop()


class Sniffer:
    """tools/sniff.py: every test datagram seen arriving on a link (what ecmh put on
    the wire, whether or not the host listens). decap_6in4: only those carried in 6in4
    packets on the link (what crossed a tunnel), decoded inside."""

    def __init__(self, topo, role, ifname="eth0", name=None, decap_6in4=False):
        self.name = name or f"sniffer-{role}"
        self.out = topo.path(topo.unique(self.name) + ".txt")
        self.proc = topo.spawn(role, [PYTHON, _tool("sniff.py"), "--ifname", ifname,
                                      "--out", self.out] + (["--6in4"] if decap_6in4 else []),
                               self.name)
        wait_until(lambda: any(l.startswith("# ready") for l in _read_lines(self.out))
                   or self.proc.dead(), SOON, f"{self.name} to start")

    def packets(self, group=None, source=None, since=None):
        """[(time, seq, source, group, hop limit)]."""
        out = []
        for line in _read_lines(self.out):
            if not line or line.startswith("#"):
                continue
            t, seq, src, grp, hl = line.split()
            t = float(t)
            if ((group is None or grp == group) and (source is None or src == source)
                    and (since is None or t >= since)):
                out.append((t, int(seq), src, grp, int(hl)))
        return out

    def count(self, group=None, source=None, since=None):
        return len(self.packets(group, source, since))

    def last_time(self, group=None, source=None):
        p = self.packets(group, source)
        return p[-1][0] if p else None


class Sender:
    """tools/sender.py: UDP to a group at a fixed rate, with a sequence number (and
    payloads padded to `size` bytes, if given)."""

    def __init__(self, topo, role, group, source, port, rate=20, hops=16, ifname="eth0",
                 name=None, size=0, gso=1, count=0, tos=None, df=None, zero_checksum=False):
        """count: send that many, then exit (wait_sent()); tos, df ("do"/"dont") and
        zero_checksum: as sender.py's --tos, --df and --zero-checksum."""
        self.group, self.source = group, source
        self.name = name or f"sender-{role}-{source}"
        argv = [PYTHON, _tool("sender.py"), "--ifname", ifname, "--group", group, "--source",
                source, "--port", str(port), "--rate", str(rate), "--hops", str(hops),
                "--size", str(size), "--gso", str(gso), "--count", str(count)]
        if tos is not None:
            argv += ["--tos", str(tos)]
        if df is not None:
            argv += ["--df", df]
        if zero_checksum:
            argv.append("--zero-checksum")
        self.proc = topo.spawn(role, argv, self.name)

    def wait_sent(self, count, timeout=SOON):
        """Waits until a sender started with `count` has sent them all and exited 0."""
        wait_until(lambda: not self.proc.alive(), timeout, f"{self.name} to send {count} "
                   "datagrams and exit")
        out = self.proc.output()
        check(self.proc.returncode() == 0 and f"# sent {count} errors 0" in out,
              f"{self.name} did not send {count} datagrams without an error "
              f"(status {self.proc.returncode()}): {out.strip()}")

    def check_alive(self):
        check(self.proc.alive(), f"{self.name} exited ({self.proc.returncode()}): "
              f"{self.proc.output()}")

    def stop(self):
        return self.proc.stop()


class Tun6in4:
    """tools/tun6in4.py in a namespace: a userspace 6in4 endpoint serving `tunnels`
    [(TUN name, local IPv4, remote IPv4, IPv6/len or "-"[, MTU])]; ready (the tool said
    so, and every TUN is up with a link-local address) when this returns. arphrd_sit: the
    TUNs claim hardware type ARPHRD_SIT (776), as sit devices. stats(): the tool's
    counters while it runs (SIGUSR1)."""

    def __init__(self, topo, role, tunnels, name=None, arphrd_sit=False):
        self.topo, self.role = topo, role
        self.name = name or f"tun6in4-{role}"
        self.stats_file = topo.path(topo.unique(self.name) + ".stats")
        self._generation = 0
        argv = [PYTHON, _tool("tun6in4.py"), "--stats", self.stats_file]
        if arphrd_sit:
            argv.append("--arphrd-sit")
        specs = [",".join(str(field) for field in t) for t in tunnels]
        if len(specs) <= 8:
            for spec in specs:
                argv += ["--tunnel", spec]
        else:  # many tunnels: a file rather than a huge command line
            path = topo.path(topo.unique(self.name) + ".tunnels")
            with open(path, "w") as f:
                f.write("\n".join(specs) + "\n")
            argv += ["--tunnels-file", path]
        self.proc = topo.spawn(role, argv, self.name)
        # At exit the kernel unregisters the TUNs one by one (~20 ms each).
        self.proc.stop_timeout = 5.0 + 0.05 * len(tunnels)
        wait_until(lambda: "ready" in _read_lines(self.proc.logpath) or self.proc.dead(), SOON,
                   f"{self.name} to set up {len(tunnels)} tunnel(s)")
        topo.wait_links_ready(role, [t[0] for t in tunnels])

    def stats(self, timeout=5.0):
        """The counters so far (SIGUSR1): ({TUN name: (packets in, packets out, drops)},
        {TUN name: {group: test datagrams written into the TUN}})."""
        self._generation += 1
        want = f"# end {self._generation}"
        self.proc.signal(signal.SIGUSR1)

        def fresh():
            self.proc.dead()
            lines = _read_lines(self.stats_file)
            return lines if lines and lines[-1] == want else None
        lines = wait_until(fresh, timeout, f"{self.name} to write its counters")
        counters, data = {}, {}
        for line in lines:
            f = line.split()
            if len(f) == 7 and f[1:6:2] == ["in", "out", "drop"]:
                counters[f[0]] = (int(f[2]), int(f[4]), int(f[6]))
            elif len(f) == 4 and f[1] == "data":
                data.setdefault(f[0], {})[f[2]] = int(f[3])
        return counters, data

    def counters(self):
        """{TUN name: (packets in, packets out, drops)} from the lines the tool prints at
        exit (empty while it runs)."""
        out = {}
        for line in _read_lines(self.proc.logpath):
            f = line.split()
            if len(f) == 7 and f[1:6:2] == ["in", "out", "drop"]:
                out[f[0]] = (int(f[2]), int(f[4]), int(f[6]))
        return out

    def stop(self):
        return self.proc.stop(timeout=self.proc.stop_timeout)


class Capture:
    """tcpdump -U -w on an Ethernet link (`expression`: a tcpdump filter, e.g. "ip proto
    41" for the 6in4 packets of a tunnel, whose inner MLD messages messages() decodes);
    frames() reads the complete records so far. tcpdump hands frames over when a ring block
    fills or times out, up to a second after they arrived: wait for what a host already
    received to show in the file. (Not --immediate-mode: with -s 0 its ring holds ~32
    frames, and a burst such as many_groups' 400 reports overflows it.)"""

    def __init__(self, topo, role, ifname="eth0", name=None, expression=None):
        self.name = name or f"tcpdump-{role}"
        self.file = topo.path(topo.unique(self.name) + ".pcap")
        self.proc = topo.spawn(role, ["tcpdump", "-i", ifname, "-U", "-n", "-s", "0",
                                      "-Z", "root", "-w", self.file]
                               + ([expression] if expression else []), self.name)
        wait_until(lambda: "listening on" in self.proc.output() or self.proc.dead(), SOON,
                   f"{self.name} to start")

    def frames(self):
        """[(wall-clock time, bytes)] of the complete records written so far."""
        try:
            with open(self.file, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return []
        if len(data) < 24:
            return []
        magic = data[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            endian = "<"
        else:
            endian = ">"
        nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
        out, offset = [], 24
        while offset + 16 <= len(data):
            sec, frac, incl, _orig = struct.unpack_from(endian + "IIII", data, offset)
            if offset + 16 + incl > len(data):
                break
            t = sec + frac / (1e9 if nano else 1e6)
            out.append((t, data[offset + 16:offset + 16 + incl]))
            offset += 16 + incl
        return out

    def messages(self, start=0):
        """Decoded MLD/IGMP messages (Msg) among frames[start:]."""
        frames = self.frames()
        cache = self.__dict__.setdefault("_decoded", [])  # per frame: [Msg]
        for frame in frames[len(cache):]:
            cache.append(decode_control([frame]))
        return [m for decoded in cache[start:len(frames)] for m in decoded]

    def mark(self):
        """An index into frames(): messages(mark) holds what arrived after this call."""
        return len(self.frames())


# --------------------------------------------------------------------------- decoding

# MLDv2 / IGMPv3 record types (RFC 3810 §5.2.12, RFC 3376 §4.2.12).
IS_IN, IS_EX, TO_IN, TO_EX, ALLOW, BLOCK = 1, 2, 3, 4, 5, 6
RECORD_NAMES = {1: "IS_IN", 2: "IS_EX", 3: "TO_IN", 4: "TO_EX", 5: "ALLOW", 6: "BLOCK"}


class Msg:
    """One MLD or IGMP message seen on the wire.

    kind: "mldv1-query", "mldv2-query", "mldv1-report", "mldv1-done", "mldv2-report",
          "igmpv2-query" (v1 or v2), "igmpv3-query", "igmpv1-report", "igmpv2-report",
          "igmpv2-leave", "igmpv3-report".
    records: [(type, group, sources tuple)] for v2/v3 reports; for v1/v2 messages one
             (None, group, ()) entry."""

    def __init__(self, time_, kind, src, dst, hlim, records, router_alert):
        self.time, self.kind, self.src, self.dst = time_, kind, src, dst
        self.hlim, self.records, self.router_alert = hlim, records, router_alert

    def groups(self):
        return {g for _, g, _ in self.records}

    def record(self, group):
        for r in self.records:
            if r[1] == group:
                return r
        return None

    def __repr__(self):
        recs = ", ".join(f"{RECORD_NAMES.get(t, '-') if t else '-'} {g} {{{' '.join(s)}}}"
                         for t, g, s in self.records)
        return f"<{self.kind} {self.src}->{self.dst} hl={self.hlim} [{recs}]>"


def decode_control(frames):
    """MLD and IGMP messages in [(time, bytes)] Ethernet frames, decoded with scapy (in
    a 6in4 packet: the inner MLD message)."""
    from scapy.layers.l2 import Ether
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import (IPv6, IPv6ExtHdrHopByHop, ICMPv6MLReport2, ICMPv6MLReport,
                                    ICMPv6MLDone, ICMPv6MLQuery, ICMPv6MLQuery2,
                                    RouterAlert)

    out = []
    for t, data in frames:
        pkt = Ether(data)
        if IPv6 in pkt:
            ip6 = pkt[IPv6]
            ra = (IPv6ExtHdrHopByHop in pkt and
                  any(isinstance(o, RouterAlert) for o in pkt[IPv6ExtHdrHopByHop].options))
            if ICMPv6MLReport2 in pkt:
                # scapy 2.5 nests the 2nd..nth record inside the first one's payload:
                # read the records from the message's bytes instead.
                recs = _group_records(bytes(pkt[ICMPv6MLReport2]), socket.AF_INET6)
                out.append(Msg(t, "mldv2-report", ip6.src, ip6.dst, ip6.hlim, recs, ra))
            elif ICMPv6MLReport in pkt:
                out.append(Msg(t, "mldv1-report", ip6.src, ip6.dst, ip6.hlim,
                               [(None, pkt[ICMPv6MLReport].mladdr, ())], ra))
            elif ICMPv6MLDone in pkt:
                out.append(Msg(t, "mldv1-done", ip6.src, ip6.dst, ip6.hlim,
                               [(None, pkt[ICMPv6MLDone].mladdr, ())], ra))
            elif ICMPv6MLQuery2 in pkt:
                out.append(Msg(t, "mldv2-query", ip6.src, ip6.dst, ip6.hlim,
                               [(None, pkt[ICMPv6MLQuery2].mladdr, ())], ra))
            elif ICMPv6MLQuery in pkt:
                out.append(Msg(t, "mldv1-query", ip6.src, ip6.dst, ip6.hlim,
                               [(None, pkt[ICMPv6MLQuery].mladdr, ())], ra))
        elif IP in pkt and pkt[IP].proto == 2:
            ip = pkt[IP]
            ra = any(getattr(o, "option", None) == 20 for o in ip.options)
            igmp = bytes(ip.payload)
            if not igmp:
                continue
            typ = igmp[0]
            if typ == 0x22:
                recs = _group_records(igmp, socket.AF_INET)
                out.append(Msg(t, "igmpv3-report", ip.src, ip.dst, ip.ttl, recs, ra))
            elif typ in (0x12, 0x16, 0x17, 0x11) and len(igmp) >= 8:
                group = socket.inet_ntoa(igmp[4:8])
                kind = {0x12: "igmpv1-report", 0x16: "igmpv2-report", 0x17: "igmpv2-leave",
                        0x11: "igmpv3-query" if len(igmp) >= 12 else "igmpv2-query"}[typ]
                out.append(Msg(t, kind, ip.src, ip.dst, ip.ttl, [(None, group, ())], ra))
    return out


def _group_records(message, family):
    """[(type, group, sources)] of an MLDv2 (type 143) or IGMPv3 (type 0x22) report's
    bytes; a record running past the message ends the list (what was complete)."""
    size = 16 if family == socket.AF_INET6 else 4
    count = struct.unpack_from("!H", message, 6)[0] if len(message) >= 8 else 0
    records, offset = [], 8
    for _ in range(count):
        if offset + 4 + size > len(message):
            break
        rtype, aux, nsrc = struct.unpack_from("!BBH", message, offset)
        end = offset + 4 + size * (1 + nsrc) + 4 * aux
        if end > len(message):
            break
        group = socket.inet_ntop(family, message[offset + 4:offset + 4 + size])
        sources = tuple(socket.inet_ntop(family, message[offset + 4 + size * (1 + i):
                                                         offset + 4 + size * (2 + i)])
                        for i in range(nsrc))
        records.append((rtype, group, sources))
        offset = end
    return records


def find_messages(msgs, kinds, group=None, rtypes=None, sources=None):
    """Messages of one of `kinds` that carry `group` (with a record type in rtypes and
    exactly `sources`, when given)."""
    if isinstance(kinds, str):
        kinds = (kinds,)
    found = []
    for m in msgs:
        if m.kind not in kinds:
            continue
        if group is None:
            found.append(m)
            continue
        r = m.record(group)
        if r is None:
            continue
        if rtypes is not None and r[0] not in rtypes:
            continue
        if sources is not None and set(r[2]) != set(sources):
            continue
        found.append(m)
    return found


def link_scope_group(group):
    return group.startswith("ff02:") or group.startswith("224.0.0.")


def from_ecmh(msgs, addresses):
    """The messages ecmh sent from `addresses` (its link-local / IPv4 address on a link).
    ns rtr's kernel shares those addresses and reports its own link-scope groups (all
    nodes, solicited-node, all routers); ecmh never reports those, so they are left out."""
    return [m for m in msgs if m.src in addresses and
            (m.kind.endswith("query") or not all(link_scope_group(g) for g in m.groups()))]


def summarize(msgs, limit=40):
    lines = [repr(m) for m in msgs[-limit:]]
    return "\n    " + "\n    ".join(lines) if lines else " (none)"


# --------------------------------------------------------------------------- test main

def parse_args(argv):
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--ecmh", required=True, help="the ecmh binary under test")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--ecmhctl", help="the ecmhctl binary (default: next to --ecmh)")
    p.add_argument("--ecmh-arg", action="append",
                   help="one more argument for every ecmh started (repeatable)")
    return p.parse_args(argv)


def _forwards_xdp(argv):
    """Whether ecmh's command line asks for the XDP fast path (the last --forward wins)."""
    path = "userspace"
    for i, a in enumerate(argv):
        if a.startswith("--forward="):
            path = a.split("=", 1)[1]
        elif a == "--forward" and i + 1 < len(argv):
            path = argv[i + 1]
    return path == "xdp"


def main(test_name, body, need_scapy=False, need_tcpdump=False):
    """Runs body(args) -> None; prints PASS/FAIL, ecmh's logs and dumps on failure;
    exit status 0, 1, or 77 (skip)."""
    args = parse_args(sys.argv[1:])
    check_environment(need_scapy=need_scapy, need_tcpdump=need_tcpdump)
    if not os.access(args.ecmh, os.X_OK):
        print(f"FAIL: {args.ecmh} is not an executable", flush=True)
        sys.exit(1)
    status = 1
    try:
        body(args)
        # With the XDP fast path (--forward xdp), say how much of the test's traffic the
        # program forwarded: the scenario's checks held with it in place.
        for e in ECMH_INSTANCES:
            if e.alive() and _forwards_xdp(e.argv):
                check("XDP fast path loaded" in e.log_text(),
                      f"{e.name} runs with --forward xdp but did not load the fast path")
                print(f"{e.name}: {e.dump().fast_end}", flush=True)
        # SIGTERM must end every instance still running with status 0 (this also catches
        # a crash or a LeakSanitizer report at exit).
        for e in ECMH_INSTANCES:
            if e.alive():
                rc = e.stop()
                check(rc == 0, f"{e.name} exited with status {rc} on SIGTERM at the end "
                      "of the test (expected 0)")
        for e in ECMH_INSTANCES:
            findings = e.sanitizer_findings()
            if findings:
                raise Failure(f"sanitizer reports in {e.name}'s log:\n  " + "\n  ".join(findings))
        status = 0
    except Failure as e:
        print(f"\nFAIL: {test_name}: {e}", flush=True)
    except SystemExit:
        raise
    except BaseException:
        import traceback
        traceback.print_exc()
        print(f"\nFAIL: {test_name}: harness error", flush=True)
    if status != 0:
        for e in ECMH_INSTANCES:
            try:
                print(e.report(), flush=True)
            except Exception as ex:
                print(f"(could not report {e.name}: {ex})", flush=True)
        topo = TOPOLOGIES[-1] if TOPOLOGIES else None
        if topo is not None and args.keep:
            topo.keep = True
    else:
        print(f"PASS: {test_name}", flush=True)
    for topo in TOPOLOGIES:
        if args.keep:
            topo.keep = True
        topo.cleanup()
    sys.exit(status)
