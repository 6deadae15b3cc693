#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# ecmh in a small network of Linux network namespaces: a multicast source upstream, ecmh
# on the router, two listeners downstream. Run as root:
#
#   sudo contrib/demo.sh            # uses an ecmh it finds; builds one if there is none
#   sudo contrib/demo.sh --build    # (re)builds build/demo/ecmh from this tree first
#
#              ns upstream: source 2001:db8:1::10, 198.51.100.10
#                  | eth0
#                  | up0  2001:db8:1::1, 198.51.100.1
#              ns router:   ecmh -f -i up0
#          dn-a |                      | dn-b
#   2001:db8:2::1, 192.0.2.1      2001:db8:3::1, 203.0.113.1
#          eth0 |                      | eth0
#   ns listener-a                 ns listener-b
#   2001:db8:2::10, 192.0.2.10    2001:db8:3::10, 203.0.113.10
#
# The source sends one UDP packet a second to ff0e::db8:1 (IPv6 ASM) and to 239.1.2.3
# (IPv4); the listeners join both with ordinary sockets, so their kernels send real MLDv2
# and IGMPv3 reports. listener-b leaves after a while, and the demo checks that ecmh
# stopped forwarding to its link. Then SIGUSR1 makes ecmh write its dump, which is shown.
#
# Nothing outside the namespaces is touched, and everything the demo created (namespaces,
# processes, a temporary directory) is removed on exit, also on Ctrl-C.
#
# Environment: ECMH      the ecmh binary (default: build/ecmh, build/demo/ecmh, then ecmh
#                        in PATH; without any, the demo builds build/demo/ecmh)
#              ECMH_JOBS build parallelism (default: the number of CPUs)
set -euo pipefail

usage() {
    sed -n '3,7p' "$0" | sed 's/^# \{0,1\}//'
}

build=0
for arg in "$@"; do
    case $arg in
    --build) build=1 ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        echo "demo.sh: unknown argument '$arg'" >&2
        usage >&2
        exit 64
        ;;
    esac
done

die() {
    echo "demo.sh: FAILED: $*" >&2
    exit 1
}

root=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || die "run me as root (sudo $0): network namespaces need it"

# --- What the demo needs, installed with apt-get when missing -------------------------

install_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || die "missing packages: ${missing[*]} (and no apt-get to install them)"
    echo "== installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if ! command -v ip >/dev/null || [ ! -x /usr/bin/python3 ]; then
    install_packages iproute2 python3
fi
python=/usr/bin/python3

build_demo() {
    [ -f "$root/CMakeLists.txt" ] || die "no ecmh source tree at $root to build"
    install_packages cmake ninja-build g++ libpcap-dev pkg-config
    echo "== building $root/build/demo (no tests)"
    cmake -S "$root" -B "$root/build/demo" -G Ninja -DECMH_BUILD_TESTS=OFF >/dev/null
    cmake --build "$root/build/demo" -j "${ECMH_JOBS:-$(nproc)}"
}

if [ "$build" -eq 1 ]; then
    build_demo
    ecmh=$root/build/demo/ecmh
elif [ -n "${ECMH:-}" ]; then
    ecmh=$ECMH
elif [ -x "$root/build/ecmh" ]; then
    ecmh=$root/build/ecmh
elif [ -x "$root/build/demo/ecmh" ]; then
    ecmh=$root/build/demo/ecmh
elif command -v ecmh >/dev/null; then
    ecmh=$(command -v ecmh)
else
    echo "== no ecmh binary found: building one"
    build_demo
    ecmh=$root/build/demo/ecmh
fi
case $ecmh in
*/*) dir=$(cd "$(dirname "$ecmh")" 2>/dev/null && pwd) && ecmh=$dir/$(basename "$ecmh") ;;
*) ecmh=$(command -v "$ecmh" || echo "$ecmh") ;; # a bare name: looked up in PATH
esac
if [ ! -f "$ecmh" ] || [ ! -x "$ecmh" ]; then
    die "$ecmh is not an executable file"
fi

# --- Bookkeeping and cleanup ----------------------------------------------------------

prefix=ecmh-demo-$$
ns_up=$prefix-upstream
ns_rtr=$prefix-router
ns_a=$prefix-listener-a
ns_b=$prefix-listener-b
namespaces=()
pids=()
tmp=$(mktemp -d /tmp/ecmh-demo.XXXXXX)

# Only processes this shell started (still its children) are signalled.
ours() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "$(echo "$stat" | cut -d' ' -f2)" = "$$" ]
}

stop_pids() { # signal pid...: signal, then wait up to 3 s, then SIGKILL
    local signal=$1 pid alive _
    shift
    for pid in "$@"; do
        ours "$pid" && kill "-$signal" "$pid" 2>/dev/null
    done
    for _ in $(seq 30); do
        alive=0
        for pid in "$@"; do
            if ours "$pid" && [ "$( (cut -d' ' -f3 <"/proc/$pid/stat") 2>/dev/null)" != Z ]; then
                alive=1
            fi
        done
        [ "$alive" -eq 0 ] && return 0
        sleep 0.1
    done
    for pid in "$@"; do
        ours "$pid" && kill -KILL "$pid" 2>/dev/null
    done
    return 0
}

cleanup() {
    local rc=$? ns
    trap - EXIT INT TERM
    set +e
    [ ${#pids[@]} -gt 0 ] && stop_pids TERM "${pids[@]}"
    wait 2>/dev/null
    for ns in "${namespaces[@]}"; do
        ip netns delete "$ns" 2>/dev/null
    done
    rm -rf "$tmp"
    [ "$rc" -eq 0 ] || echo "demo.sh: cleaned up (exit status $rc)" >&2
    exit "$rc"
}
trap cleanup EXIT
trap 'echo; echo "demo.sh: interrupted"; exit 130' INT
trap 'exit 143' TERM

started=$(date +%s.%N)
log_shown=0
show_log() { # the ecmh log lines not shown yet, indented
    local total
    total=$(wc -l <"$tmp/ecmh.log")
    if [ "$total" -gt "$log_shown" ]; then
        sed -n "$((log_shown + 1)),${total}p" "$tmp/ecmh.log" | sed 's/^/    | /'
        log_shown=$total
    fi
}

ecmh_alive() {
    ours "$ecmh_pid" && [ "$(cut -d' ' -f3 <"/proc/$ecmh_pid/stat")" != Z ]
}

require_ecmh() {
    local status=0
    if ! ecmh_alive; then
        wait "$ecmh_pid" || status=$?
        show_log
        die "ecmh exited unexpectedly with status $status (its log is above)"
    fi
}

wait_for() { # seconds description command...: poll until the command succeeds
    local seconds=$1 what=$2 i
    shift 2
    for ((i = 0; i < seconds * 10; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    show_log
    die "timed out after ${seconds}s waiting for $what"
}

in_ns() { # ns command...
    local ns=$1
    shift
    ip netns exec "$ns" "$@"
}

sysctl_ns() { # ns key value: written to /proc (no procps needed)
    in_ns "$1" sh -c "echo $3 > /proc/sys/$(echo "$2" | tr . /)"
}

# --- The network ----------------------------------------------------------------------

echo "== ecmh:  $ecmh ($("$ecmh" --version | head -n1))"
echo "== network namespaces $prefix-{upstream,router,listener-a,listener-b}"
for ns in "$ns_up" "$ns_rtr" "$ns_a" "$ns_b"; do
    ip netns add "$ns"
    namespaces+=("$ns")
    in_ns "$ns" ip link set lo up
    # No Duplicate Address Detection: addresses (and the link-local address MLD is sent
    # from) are usable at once instead of after a second or two.
    sysctl_ns "$ns" net.ipv6.conf.all.accept_dad 0
    sysctl_ns "$ns" net.ipv6.conf.default.accept_dad 0
done

link() { # router-ns router-if router-v6 router-v4 host-ns host-v6 host-v4
    ip link add "$2" netns "$1" type veth peer name eth0 netns "$5"
    sysctl_ns "$1" "net.ipv6.conf.$2.accept_dad" 0
    sysctl_ns "$5" net.ipv6.conf.eth0.accept_dad 0
    in_ns "$1" ip addr add "$3/64" dev "$2"
    in_ns "$1" ip addr add "$4/24" dev "$2"
    in_ns "$5" ip addr add "$6/64" dev eth0
    in_ns "$5" ip addr add "$7/24" dev eth0
    in_ns "$1" ip link set "$2" up
    in_ns "$5" ip link set eth0 up
    in_ns "$5" ip -6 route add default via "$3"
    in_ns "$5" ip -4 route add default via "${4}"
}
link "$ns_rtr" up0 2001:db8:1::1 198.51.100.1 "$ns_up" 2001:db8:1::10 198.51.100.10
link "$ns_rtr" dn-a 2001:db8:2::1 192.0.2.1 "$ns_a" 2001:db8:2::10 192.0.2.10
link "$ns_rtr" dn-b 2001:db8:3::1 203.0.113.1 "$ns_b" 2001:db8:3::10 203.0.113.10
echo "   upstream  eth0 2001:db8:1::10  198.51.100.10  (the source)"
echo "   router    up0 2001:db8:1::1 198.51.100.1, dn-a 2001:db8:2::1 192.0.2.1, dn-b 2001:db8:3::1 203.0.113.1"
echo "   listener-a eth0 2001:db8:2::10 192.0.2.10;  listener-b eth0 2001:db8:3::10 203.0.113.10"

# --- The programs: a source and a listener, with nothing but the standard library -------

cat >"$tmp/source.py" <<'EOF'
import socket, sys, time
group6, group4, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
# Hop limit / TTL 8: with the default 1 a packet may not leave its link, and ecmh
# (like any router) would count it as hop-limit-exceeded.
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 8)
s4.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)
for n in range(1, count + 1):
    s6.sendto(b"ecmh-demo %d" % n, (group6, port))
    s4.sendto(b"ecmh-demo %d" % n, (group4, port))
    time.sleep(1)
EOF

cat >"$tmp/listener.py" <<'EOF'
import select, signal, socket, struct, sys, time
name, ifname, group6, group4 = sys.argv[1:5]
port, started, limit, result = int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]), sys.argv[8]
index = socket.if_nametoindex(ifname)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s6.bind(("::", port))
mreq6 = socket.inet_pton(socket.AF_INET6, group6) + struct.pack("@I", index)
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s4.bind(("0.0.0.0", port))
mreq4 = socket.inet_aton(group4) + socket.inet_aton("0.0.0.0") + struct.pack("@i", index)
# Also watch the link itself, so "nothing arrives after the leave" means that ecmh sent
# nothing, not merely that this host's kernel filtered it.
wire = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
wire.bind((ifname, 0))
g6, g4 = socket.inet_pton(socket.AF_INET6, group6), socket.inet_aton(group4)

def say(text): # one write per line: the other listener writes to the same terminal
    sys.stdout.write("%5.1fs %s %s\n" % (time.time() - started, name, text))
    sys.stdout.flush()

s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq6)
s4.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq4)
say("joined %s and %s on %s" % (group6, group4, ifname))
open(result + ".joined", "w").close()
got = {socket.AF_INET6: 0, socket.AF_INET: 0}
left, late, stop = None, 0, False

def leave(*_):
    global left
    if left is None:
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_LEAVE_GROUP, mreq6)
        s4.setsockopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP, mreq4)
        left = time.time()
        say("leaves %s and %s (its kernel sends MLD and IGMP leave reports)" % (group6, group4))

def finish(*_):
    global stop
    stop = True

signal.signal(signal.SIGUSR1, leave)
signal.signal(signal.SIGTERM, finish)
deadline = time.time() + limit
while not stop and time.time() < deadline:
    for s in select.select([s6, s4, wire], [], [], 0.2)[0]:
        if s is wire:
            frame, address = wire.recvfrom(2048)
            kind = frame[12:14]
            data = (kind == b"\x86\xdd" and frame[20] == 17 and frame[38:54] == g6) or \
                   (kind == b"\x08\x00" and frame[23] == 17 and frame[30:34] == g4)
            # A copy ecmh sent before it processed the leave is fine: LLQT is 0.4 s here.
            if data and address[2] != socket.PACKET_OUTGOING and left and time.time() > left + 1.5:
                late += 1
                say("still sees group data on its link after leaving (%d)" % late)
            continue
        payload, sender = s.recvfrom(2048)
        got[s.family] += 1
        say("got packet %s from %s to %s" % (payload.decode(errors="replace").split()[-1],
                                             sender[0], group6 if s.family == socket.AF_INET6 else group4))
with open(result + ".result", "w") as out:
    out.write("%d %d %d\n" % (got[socket.AF_INET6], got[socket.AF_INET], late))
EOF

# --- ecmh -----------------------------------------------------------------------------

echo
echo "== starting ecmh in $ns_rtr (log lines marked |)"
ecmh_args=(-f -i up0 --pidfile "$tmp/ecmh.pid" --dumpfile "$tmp/ecmh.dump"
           --query-interval 5s --query-response-interval 1s
           --last-listener-query-interval 200ms --unsolicited-report-interval 200ms)
# The demo's own control socket, not the host's /run/ecmh/ecmh.sock (an ecmh without
# --control-socket, from before ecmhctl, has none).
if "$ecmh" --help | grep -q -- --control-socket; then
    ecmh_args+=(--control-socket "$tmp/ecmh.sock")
fi
echo "   ecmh ${ecmh_args[*]}"
ip netns exec "$ns_rtr" "$ecmh" "${ecmh_args[@]}" >"$tmp/ecmh.log" 2>&1 &
ecmh_pid=$!
pids+=("$ecmh_pid")
ecmh_ready() { require_ecmh && grep -q 'running with' "$tmp/ecmh.log"; }
wait_for 10 "ecmh to start" ecmh_ready
show_log
grep -q 'running with 3 links' "$tmp/ecmh.log" || die "ecmh should use 3 links (up0, dn-a, dn-b)"
[ "$(cat "$tmp/ecmh.pid")" = "$ecmh_pid" ] || die "the pidfile does not hold ecmh's pid $ecmh_pid"

# --- Traffic --------------------------------------------------------------------------

group6=ff0e::db8:1
group4=239.1.2.3
port=5000
echo
echo "== two listeners join $group6 and $group4 (UDP port $port)"
listener() { # name ns
    ip netns exec "$2" "$python" -u "$tmp/listener.py" "$1" eth0 "$group6" "$group4" "$port" \
        "$started" 60 "$tmp/$1" &
    pids+=("$!")
}
listener listener-a "$ns_a"
listener listener-b "$ns_b"
pid_b=${pids[-1]}
joined() { [ -e "$tmp/listener-a.joined" ] && [ -e "$tmp/listener-b.joined" ]; }
wait_for 5 "the listeners to join" joined
sleep 1 # their kernels' reports reach ecmh at once; a second is plenty
show_log

echo
echo "== the source (in $ns_up) sends one packet a second to each group, hop limit 8"
ip netns exec "$ns_up" "$python" -u "$tmp/source.py" "$group6" "$group4" "$port" 60 &
pids+=("$!")
sleep 10
require_ecmh
show_log

echo
echo "== listener-b leaves: ecmh queries its link, hears no one, stops forwarding there"
kill -USR1 "$pid_b"
sleep 5
require_ecmh
show_log

# --- The dump -------------------------------------------------------------------------

echo
echo "== kill -USR1 $ecmh_pid: ecmh writes its dump"
kill -USR1 "$ecmh_pid"
wait_for 5 "the dump file" test -s "$tmp/ecmh.dump"
show_log
echo "----- $tmp/ecmh.dump"
cat "$tmp/ecmh.dump"
echo "-----"

# --- Verdict --------------------------------------------------------------------------

echo
echo "== stopping the source and the listeners"
stop_pids TERM "${pids[@]:1}"
for name in listener-a listener-b; do
    [ -s "$tmp/$name.result" ] || die "$name did not report what it received"
done
read -r a6 a4 _ <"$tmp/listener-a.result"
read -r b6 b4 late <"$tmp/listener-b.result"
echo "   listener-a received $a6 IPv6 and $a4 IPv4 packets"
echo "   listener-b received $b6 IPv6 and $b4 IPv4 packets, then $late after its leave"
[ "$a6" -gt 0 ] || die "listener-a received no IPv6 multicast ($group6)"
[ "$a4" -gt 0 ] || die "listener-a received no IPv4 multicast ($group4)"
[ "$b6" -gt 0 ] || die "listener-b received no IPv6 multicast ($group6)"
[ "$b4" -gt 0 ] || die "listener-b received no IPv4 multicast ($group4)"
[ "$late" -eq 0 ] || die "ecmh kept forwarding to listener-b's link after it left"
if [ "$a6" -le "$b6" ] || [ "$a4" -le "$b4" ]; then
    die "listener-a should have kept receiving after listener-b left"
fi

echo
echo "== kill -TERM $ecmh_pid: ecmh leaves its upstream groups, writes a last dump, exits"
require_ecmh
kill -TERM "$ecmh_pid"
for _ in $(seq 50); do
    ecmh_alive || break
    sleep 0.1
done
ecmh_alive && die "ecmh did not exit within 5 s of SIGTERM"
status=0
wait "$ecmh_pid" || status=$?
show_log
[ "$status" -eq 0 ] || die "ecmh exited with status $status"
[ ! -e "$tmp/ecmh.pid" ] || die "ecmh left its pidfile behind"

echo
echo "== OK: ecmh forwarded IPv6 and IPv4 multicast to both listeners, pruned listener-b's link"
echo "   after its leave, wrote its dump on SIGUSR1 and exited cleanly. Cleaning up."
