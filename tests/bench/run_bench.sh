#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The ecmh network benchmark: ecmh forwarding between Linux network namespaces, measured
# against the Linux kernel forwarding the same traffic in the same topology (static MFC
# entries, no daemon). Prints figures; asserts nothing. Run as root, from a clone:
#
#   sudo tests/bench/run_bench.sh            # 5 trials per figure (about 20 minutes)
#   sudo tests/bench/run_bench.sh --quick    # 2 short trials (about 5 minutes)
#
# Binaries: --build-dir DIR (DIR/ecmh, DIR/tests/bench/*), else the first of build/bench,
# build-bench, build that has them all, else it builds build/bench (Release):
#   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DECMH_BUILD_TESTS=ON
#   cmake --build build/bench --target ecmh_bench
# --build rebuilds build/bench first. doc/performance.md explains the method and figures.
#
# Other options: --trials N, --duration SECONDS (per trial), --only LIST (comma-separated:
# throughput,fanout,cpu,latency,join,scale,tunnel), --raw DIR (keep every tool's output
# there), --no-rps (leave the kernel's receive work on the sending CPU; see Pinning),
# --xdp-mode generic|native (how the xdp column's ecmh attaches: default generic; native
# makes the source compute its own UDP checksums and turns GRO on at every listener, for
# every router alike: see doc/performance.md), --no-xdp (no xdp column), --profile DIR
# (perf record -a -g of the whole machine during each flat-out trial, DIR/TAG.perf.data:
# where the CPU goes; perf's own cost makes that run's figures unfit for comparison).
#
# Three routers, each trial in turn: ecmh (userspace forwarding, the default), xdp (ecmh
# --forward xdp: its XDP fast path) and kernel (static MFC entries, no daemon).
#
# The topology (namespaces ebench-PID-*; documentation prefixes only):
#
#   src:  eth0 2001:db8:1::10 198.51.100.10  (mcast_gen)     direct0 2001:db8:ff::10 203.0.113.10
#          |                                                      |  (the direct veth path)
#   rtr:  up0 2001:db8:1::1 198.51.100.1   ecmh -i up0  |  direct: eth0 2001:db8:ff::20 203.0.113.20
#         dnI 2001:db8:1XX::1 192.0.2.(16(I-1)+1)/28, I = 1..16, XX = I in hex (or mfc_route)
#          |
#   lI:   eth0 2001:db8:1XX::10 192.0.2.(16(I-1)+2)/28            (mcast_sink), I = 1..16
#
# The tunnel scenario adds (when it starts) rtr's pe0 203.0.113.1-125/24, ecmh's ends of
# the 6in4 tunnels, and behind it the namespace peers: eth0 203.0.113.129-208/24, the
# peers' ends (tunnel_peers emulates them all: peer i = .(129 + i / 125) ↔ .(1 + i % 125)).
#
# Pinning (2 CPUs): the generator and every sink on CPU 0; the router on CPU 1 — ecmh
# by taskset (it renices itself to -15), and the kernel's own work through RPS on up0
# (rps_cpus = CPU 1), so the kernel forwards there too. Veth has no interrupts: without
# RPS the kernel would process an arriving packet in softirq on the sending CPU, i.e. do
# the baseline's forwarding inside the generator's sendmmsg on CPU 0 (--no-rps shows that).
# Either way ecmh's copies reach the listeners in softirq on CPU 1, inside its sendto.
set -euo pipefail

usage() {
    sed -n '3,26p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
    echo "run_bench.sh: $*" >&2
    exit 1
}

root=$(cd "$(dirname "$0")/../.." && pwd)
trials=5
duration=5
scale_window=10
only=throughput,fanout,cpu,latency,join,scale,tunnel
build_dir=
rebuild=0
rps=1
raw_dir=
quick=0
xdp_mode=generic
xdp=1
profile_dir=
while [ $# -gt 0 ]; do
    case $1 in
    --quick) quick=1 ;;
    --trials) trials=$2 && shift ;;
    --duration) duration=$2 && shift ;;
    --only) only=$2 && shift ;;
    --build-dir) build_dir=$2 && shift ;;
    --build) rebuild=1 ;;
    --raw) raw_dir=$2 && shift ;;
    --no-rps) rps=0 ;;
    --xdp-mode) xdp_mode=$2 && shift ;;
    --no-xdp) xdp=0 ;;
    --profile) profile_dir=$2 && shift ;;
    -h | --help) usage && exit 0 ;;
    *) usage >&2 && die "unknown argument $1" ;;
    esac
    shift
done
if [ "$quick" -eq 1 ]; then
    trials=2
    duration=2
    scale_window=4
fi
case $xdp_mode in generic | native) ;; *) die "--xdp-mode: generic or native, not $xdp_mode" ;; esac
[ "$(id -u)" -eq 0 ] || die "run me as root (sudo $0): network namespaces need it"
wants() { [[ ",$only," == *",$1,"* ]]; }

# --- Binaries ---------------------------------------------------------------------------

tools=(mcast_gen mcast_sink mfc_route mld_scale tunnel_peers)
complete() { # dir: has ecmh and every tool
    local t
    [ -x "$1/ecmh" ] || return 1
    for t in "${tools[@]}"; do
        [ -x "$1/tests/bench/$t" ] || return 1
    done
}
build() {
    echo "== building $root/build/bench (Release)" >&2
    cmake -S "$root" -B "$root/build/bench" -DCMAKE_BUILD_TYPE=Release -DECMH_BUILD_TESTS=ON >/dev/null
    cmake --build "$root/build/bench" --target ecmh_bench -j "${ECMH_JOBS:-$(nproc)}" >&2
}
if [ -n "$build_dir" ]; then
    complete "$build_dir" || die "$build_dir lacks ecmh or tests/bench/{${tools[*]}}"
elif [ "$rebuild" -eq 1 ]; then
    build
    build_dir=$root/build/bench
else
    for d in "$root/build/bench" "$root/build-bench" "$root/build"; do
        if complete "$d"; then
            build_dir=$d
            break
        fi
    done
    if [ -z "$build_dir" ]; then
        build
        build_dir=$root/build/bench
    fi
fi
build_dir=$(cd "$build_dir" && pwd)
ecmh=$build_dir/ecmh
bin=$build_dir/tests/bench
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build_dir/CMakeCache.txt" 2>/dev/null || true)
# An ecmh without --forward (compare_data_plane.sh's older builds) has no xdp column.
"$ecmh" --help | grep -q -- --forward || xdp=0
# The kernel baseline: its static MFC, or (a kernel without multicast routing) nft.
kernel=mfc
if [ ! -e /proc/net/ip6_mr_vif ] || [ ! -e /proc/net/ip_mr_vif ]; then
    kernel=nft
    command -v nft >/dev/null || die "this kernel has no multicast routing: the kernel baseline needs nft instead (apt-get install nftables)"
fi
routers=(ecmh kernel)
[ "$xdp" -eq 1 ] && routers=(ecmh xdp kernel)
if [ -n "$profile_dir" ]; then
    command -v perf >/dev/null || die "--profile needs perf (apt-get install linux-perf)"
    mkdir -p "$profile_dir"
    profile_dir=$(cd "$profile_dir" && pwd)
fi
if [ "$xdp_mode" = native ]; then
    command -v ethtool >/dev/null || die "--xdp-mode native needs ethtool (apt-get install ethtool)"
fi

# --- Bookkeeping and cleanup ------------------------------------------------------------

prefix=ebench-$$
namespaces=()
pids=()
tmp=$(mktemp -d /tmp/ecmh-bench.XXXXXX)

# Only processes this shell started (still its children) are ever signalled.
ours() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "$(echo "$stat" | cut -d' ' -f2)" = "$$" ]
}
stop() { # pid...: SIGTERM, wait (up to 5 s), then SIGKILL
    local pid _
    for pid in "$@"; do
        ours "$pid" && kill -TERM "$pid" 2>/dev/null
    done
    for pid in "$@"; do
        for _ in $(seq 50); do
            if ! ours "$pid" || [ "$(cut -d' ' -f3 2>/dev/null <"/proc/$pid/stat")" = Z ]; then
                break
            fi
            sleep 0.1
        done
        ours "$pid" && kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null || true
    done
    local keep=() p
    for p in "${pids[@]}"; do
        [[ " $* " == *" $p "* ]] || keep+=("$p")
    done
    pids=("${keep[@]}")
}
cleanup() {
    local rc=$? ns
    trap - EXIT INT TERM
    set +e
    [ ${#pids[@]} -gt 0 ] && stop "${pids[@]}"
    for ns in "${namespaces[@]}"; do
        ip netns delete "$ns" 2>/dev/null
    done
    if [ -n "$raw_dir" ]; then
        mkdir -p "$raw_dir" && cp -r "$tmp"/. "$raw_dir"/
    fi
    rm -rf "$tmp"
    [ "$rc" -eq 0 ] || echo "run_bench.sh: cleaned up (exit status $rc)" >&2
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "run_bench.sh: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

progress() { echo ".. $*" >&2; }

# --- The topology -----------------------------------------------------------------------

ns_src=$prefix-src
ns_rtr=$prefix-rtr
ns_direct=$prefix-direct
listeners=16
in_ns() { # ns command...
    local ns=$1
    shift
    ip netns exec "$ns" "$@"
}
sysctl_ns() { # ns key=value...: written to /proc (no procps needed)
    local ns=$1 kv script=""
    shift
    for kv in "$@"; do
        script+="echo ${kv#*=} > /proc/sys/$(echo "${kv%%=*}" | tr . /);"
    done
    in_ns "$ns" sh -c "$script"
}
v6_of_link() { printf '2001:db8:%x::' $((0x100 + $1)); } # listener link I
v4_of_link() { echo "192.0.2.$((16 * ($1 - 1) + $2))"; }  # link I, host part

setup() {
    local ns i
    for ns in "$ns_src" "$ns_rtr" "$ns_direct" $(for i in $(seq $listeners); do echo "$prefix-l$i"; done); do
        ip netns add "$ns"
        namespaces+=("$ns")
        ip -n "$ns" link set lo up
        # No Duplicate Address Detection: addresses and the link-local address MLD is
        # sent from are usable at once.
        sysctl_ns "$ns" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    done
    pair() { # ns-a if-a v6-a v4-a ns-b if-b v6-b v4-b prefixlen4
        ip link add "$2" netns "$1" type veth peer name "$6" netns "$5"
        ip -n "$1" addr add "$3/64" dev "$2"
        ip -n "$1" addr add "$4/$9" dev "$2"
        ip -n "$5" addr add "$7/64" dev "$6"
        ip -n "$5" addr add "$8/$9" dev "$6"
        ip -n "$1" link set "$2" up
        ip -n "$5" link set "$6" up
    }
    pair "$ns_rtr" up0 2001:db8:1::1 198.51.100.1 "$ns_src" eth0 2001:db8:1::10 198.51.100.10 24
    ip -n "$ns_src" -6 route add default via 2001:db8:1::1
    ip -n "$ns_src" -4 route add default via 198.51.100.1
    pair "$ns_src" direct0 2001:db8:ff::10 203.0.113.10 "$ns_direct" eth0 2001:db8:ff::20 203.0.113.20 24
    for i in $(seq $listeners); do
        pair "$ns_rtr" "dn$i" "$(v6_of_link "$i")1" "$(v4_of_link "$i" 1)" \
            "$prefix-l$i" eth0 "$(v6_of_link "$i")10" "$(v4_of_link "$i" 2)" 28
        ip -n "$prefix-l$i" -6 route add default via "$(v6_of_link "$i")1"
        ip -n "$prefix-l$i" -4 route add default via "$(v4_of_link "$i" 1)"
    done
    # The kernel baseline needs forwarding on; ecmh runs with the same settings.
    sysctl_ns "$ns_rtr" net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1 \
        net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
    # The router's CPU is CPU 1, for the kernel as for ecmh: RPS hands what arrives on up0
    # to CPU 1 (the kernel forwards it there; for ecmh, the capture copy is made there).
    # Without it, veth would process it on the generator's CPU inside its sendmmsg.
    # Likewise each listener host's receive work belongs to the listeners' CPU 0, as if
    # they were other machines: without it the listener's whole UDP receive would run
    # inside the router's transmit on CPU 1 (charged to ecmh, uncounted for the kernel).
    if [ "$rps" -eq 1 ]; then
        in_ns "$ns_rtr" sh -c 'echo 2 > /sys/class/net/up0/queues/rx-0/rps_cpus'
    fi
    for i in $(seq $listeners); do
        in_ns "$prefix-l$i" sh -c 'echo 1 > /sys/class/net/eth0/queues/rx-0/rps_cpus'
    done
    # Native XDP on veth: a redirected frame is delivered only to a peer with NAPI (GRO on,
    # or an XDP program), and loses the "checksum to be completed" mark a local sender's
    # UDP datagram carries (CHECKSUM_PARTIAL), so the copies would fail the listeners'
    # checksum test. So the source computes its checksums, as frames from a NIC's wire
    # always have them, and every listener host has GRO on: for every router alike.
    if [ "$xdp_mode" = native ]; then
        in_ns "$ns_src" ethtool -K eth0 tx off >/dev/null
        for i in $(seq $listeners); do
            in_ns "$prefix-l$i" ethtool -K eth0 gro on >/dev/null
        done
    fi
}
# A native program on veth runs in up0's NAPI, which runs on the CPU that scheduled it:
# the sender's (RPS comes later in the stack, if at all). For the router to have CPU 1 in
# the RPS placement too, up0's NAPI (which veth creates when the program is attached)
# gets a thread of its own (threaded NAPI), pinned to CPU 1.
pin_napi() {
    local _ pid found=0
    in_ns "$ns_rtr" sh -c 'echo 1 > /sys/class/net/up0/threaded'
    for _ in $(seq 100); do
        for pid in $(ps -e -o pid=,comm= | awk '$2 ~ /^napi\/up0-/ {print $1}'); do
            taskset -p 2 "$pid" >/dev/null && found=1
        done
        [ "$found" -eq 1 ] && return 0
        sleep 0.05
    done
    die "no NAPI thread of up0 to pin (threaded NAPI)"
}

# --- The router: ecmh or the kernel ------------------------------------------------------

# The limits raised for the scale scenarios: thousands of groups per link, joined at once
# (their state-change reports would exceed --max-membership-rate's default 1000 a second).
ecmh_args=(-f -i up0 --pidfile "$tmp/ecmh.pid" --dumpfile "$tmp/ecmh.dump"
    --query-interval 5s --query-response-interval 1s --last-listener-query-interval 200ms
    --unsolicited-report-interval 200ms --max-groups 16384 --max-membership-rate 0)
ecmh_pid=
router_pid=
start_ecmh() { # extra-args...
    : >"$tmp/ecmh.log"
    ip netns exec "$ns_rtr" taskset -c 1 "$ecmh" "${ecmh_args[@]}" "$@" >>"$tmp/ecmh.log" 2>&1 &
    ecmh_pid=$!
    router_pid=$ecmh_pid
    pids+=("$ecmh_pid")
    # With the fast path: until the program is on up0, in the mode asked for.
    local _ ready='running with'
    [ $# -gt 0 ] && ready="up0: XDP forwarding in $xdp_mode"
    for _ in $(seq 100); do
        grep -q "$ready" "$tmp/ecmh.log" && return 0
        ours "$ecmh_pid" || break
        sleep 0.05
    done
    cat "$tmp/ecmh.log" >&2
    die "ecmh did not start$([ $# -gt 0 ] && echo " with XDP in $xdp_mode mode on up0")"
}
start_kernel() { # outputs group6-or-4...: kernel MFC from up0 to dn1..dnN for (S, group)
    local n=$1 i args=(--in up0)
    shift
    for i in $(seq "$n"); do
        args+=(--out "dn$i")
    done
    for g in "$@"; do
        case $g in
        *:*) args+=(--route "2001:db8:1::10,$g") ;;
        *) args+=(--route "198.51.100.10,$g") ;;
        esac
    done
    ip netns exec "$ns_rtr" "$bin/mfc_route" "${args[@]}" >"$tmp/mfc.log" 2>&1 &
    router_pid=$!
    pids+=("$router_pid")
    local _
    for _ in $(seq 100); do
        grep -q 'ready' "$tmp/mfc.log" && return 0
        ours "$router_pid" || break
        sleep 0.05
    done
    cat "$tmp/mfc.log" >&2
    die "mfc_route did not start"
}
# Where the kernel has no multicast routing (CONFIG_IPV6_MROUTE / CONFIG_IP_MROUTE off), the
# kernel column is its netdev-ingress netfilter instead: nft on up0 matches (S, G), sets the
# hop limit / TTL (7: the generator sends 8; nft updates the IPv4 header checksum) and
# duplicates the frame to dn1..dnN-1 and hands the original to dnN ("dup"/"fwd", the
# kernel's own clone-and-transmit, in softirq like the MFC). It skips the IP receive path,
# the route lookups and the neighbour output the MFC goes through, so it is the cheaper
# of the two: a harder baseline.
start_kernel_nft() { # outputs group6-or-4...
    local n=$1 i g out="" rules=""
    shift
    for i in $(seq $((n - 1))); do
        out+="dup to \"dn$i\" "
    done
    out+="fwd to \"dn$n\""
    for g in "$@"; do
        case $g in
        *:*) rules+="ip6 saddr 2001:db8:1::10 ip6 daddr $g ip6 hoplimit > 1 ip6 hoplimit set 7 $out"$'\n' ;;
        *) rules+="ip saddr 198.51.100.10 ip daddr $g ip ttl > 1 ip ttl set 7 $out"$'\n' ;;
        esac
    done
    in_ns "$ns_rtr" nft -f - <<NFT || die "nft: the kernel baseline's ruleset was refused"
table netdev ebench {
    chain up0 {
        type filter hook ingress device "up0" priority 0; policy accept;
$rules
    }
}
NFT
    nft_loaded=1
}
stop_router() {
    if [ "${nft_loaded:-0}" -eq 1 ]; then
        in_ns "$ns_rtr" nft delete table netdev ebench
        nft_loaded=0
    fi
    if [ -n "$router_pid" ]; then
        stop "$router_pid"
    fi
    router_pid=
    ecmh_pid=
}
start_router() { # mode listeners group...: mode = ecmh | xdp | kernel
    local mode=$1 n=$2
    shift 2
    case $mode in
    ecmh) start_ecmh ;;
    xdp)
        start_ecmh --forward xdp --xdp-mode "$xdp_mode"
        if [ "$xdp_mode" = native ] && [ "$rps" -eq 1 ]; then pin_napi; fi
        ;;
    *) if [ "$kernel" = mfc ]; then start_kernel "$n" "$@"; else start_kernel_nft "$n" "$@"; fi ;;
    esac
}
daemon() { [ "$1" != kernel ]; } # mode: ecmh runs (userspace or with its fast path)

cpu_ns() { cut -d' ' -f1 "/proc/$1/schedstat"; }  # time on CPU, ns (user + system)
wait_ns() { cut -d' ' -f2 "/proc/$1/schedstat"; } # time runnable but not running, ns
sys_ticks() { cut -d' ' -f15 "/proc/$1/stat"; }   # system time, 1/100 s (tick-sampled)
all_ticks() { cut -d' ' -f14,15 "/proc/$1/stat" | awk '{print $1 + $2}'; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# The machine's CPU time, per CPU: user + nice + system + irq + softirq from /proc/stat,
# in USER_HZ ticks. The kernel's forwarding, and an XDP program's, is softirq work no
# process is charged with (or charged to whichever task it interrupted): only the
# machine's time shows it, for every router alike.
hz=$(getconf CLK_TCK)
cpu_stat() { awk '/^cpu[0-9]/ {printf("%s ", $2 + $3 + $4 + $7 + $8)} END {print ""}' /proc/stat; }
machine_s() { # stat-before stat-after: CPU-seconds used on all CPUs in between
    awk -v a="$1" -v b="$2" -v hz="$hz" \
        'BEGIN {n = split(a, x); split(b, y); for (i = 1; i <= n; i++) s += y[i] - x[i]; printf("%.4f", s / hz)}'
}
cpu1_s() { # stat-before stat-after: CPU-seconds used on CPU 1 (the router's) in between
    awk -v a="$1" -v b="$2" -v hz="$hz" 'BEGIN {split(a, x); split(b, y); printf("%.4f", (y[2] - x[2]) / hz)}'
}
redirected() { awk '$1 == "redirected" {print $3}'; } # the dump's XDP program count
dump() { # writes a fresh dump and prints it
    rm -f "$tmp/ecmh.dump"
    kill -USR1 "$ecmh_pid"
    local _
    for _ in $(seq 100); do
        [ -s "$tmp/ecmh.dump" ] && cat "$tmp/ecmh.dump" && return 0
        sleep 0.02
    done
    die "ecmh wrote no dump"
}
dump_value() { # label: from the dump on stdin
    awk -F: -v l="$1" 'index($0, l) == 1 {gsub(/ /, "", $2); print $2; exit}'
}
wire_tx() { # n: packets sent on dn1..dnN so far, summed
    local i files=()
    for i in $(seq "$1"); do
        files+=("/sys/class/net/dn$i/statistics/tx_packets")
    done
    ip netns exec "$ns_rtr" cat "${files[@]}" | awk '{s += $1} END {print s}'
}

# --- Sources and sinks ------------------------------------------------------------------

kv() { grep -o "\\b$2=[^ ]*" "$1" | head -n1 | cut -d= -f2; } # file key
sink_pids=()
start_sinks() { # n group port tag: sinks in l1..lN, pinned to CPU 0
    local n=$1 group=$2 port=$3 tag=$4 i
    sink_pids=()
    rm -f "$tmp"/ready.*
    for i in $(seq "$n"); do
        ip netns exec "$prefix-l$i" "$bin/mcast_sink" --group "$group" --port "$port" \
            --ifname eth0 --cpu 0 --ready "$tmp/ready.$i" --label "l$i" >"$tmp/$tag.sink.$i" 2>&1 &
        sink_pids+=($!)
        pids+=($!)
    done
    local _ ready
    for _ in $(seq 100); do
        ready=$(find "$tmp" -name 'ready.*' | wc -l)
        [ "$ready" -eq "$n" ] && break
        sleep 0.05
    done
    [ "$ready" -eq "$n" ] || die "only $ready of $n sinks joined"
    # Their hosts report the join a few ms later (one jiffy); ecmh needs it before data.
    sleep 0.5
}
stop_sinks() { stop "${sink_pids[@]}"; }
gen() { # output-file ns ifname group port rate duration: runs the generator on CPU 0
    ip netns exec "$2" "$bin/mcast_gen" --group "$4" --port "$5" --ifname "$3" --rate "$6" \
        --duration "$7" --cpu 0 --hops 8 --size 64 >"$1" 2>&1 || {
        cat "$1" >&2
        die "mcast_gen failed"
    }
}

# --- Results: every trial's value under a key; medians and ranges at the end ------------

declare -A results
record() { results[$1]+="$2 "; } # key value
stats() { # key: "median [min..max]" (median of an even count: mean of the middle two)
    local v=${results[$1]:-}
    [ -n "$v" ] || {
        echo "n/a"
        return
    }
    echo "$v" | tr ' ' '\n' | grep -v '^$' | sort -g | awk -v f="${2:-%.0f}" '
        {a[NR] = $1}
        END {
            m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
            printf(f " [" f ".." f "]", m, a[1], a[NR])
        }'
}
median() { # key
    echo "${results[$1]:-}" | tr ' ' '\n' | grep -v '^$' | sort -g | awk '
        {a[NR] = $1}
        END {if (NR) print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
ratio() { # key-a key-b: median(a) / median(b)
    local a b
    a=$(median "$1")
    b=$(median "$2")
    if [ -z "$a" ] || [ -z "$b" ]; then
        echo "n/a"
    else
        awk -v a="$a" -v b="$b" 'BEGIN {if (b > 0) printf("%.2f", a / b); else print "n/a"}'
    fi
}
calc() { awk "BEGIN {printf(\"%.6g\", $1)}"; }

# --- Scenarios --------------------------------------------------------------------------

G6_TPUT=ff0e::db8:1 G4_TPUT=239.1.1.1 PORT_TPUT=5001
G6_CPU=ff0e::db8:2 PORT_CPU=5002
G6_LAT=ff0e::db8:3 PORT_LAT=5003
G6_JOIN=ff0e::db8:4 G4_JOIN=239.1.1.4 PORT_JOIN=5004

# Flat-out generator, n listeners, one trial of one mode. Records under tput.F.N.MODE.*:
# offered (generator pps), app (pps per listener, read by the sinks), wire (copies per
# second per listener leaving the router), loss (% of sent that a listener missed), mcpu
# (the machine's CPU %, of 100 × CPUs), mper (machine CPU-s per million copies on the
# wire); for ecmh and xdp also cpu (ecmh's % of one CPU), kdrop (frames ecmh's capture
# ring dropped), wait; for xdp, fast (% of the sent packets the XDP program forwarded).
flat_out() { # family n mode trial
    local f=$1 n=$2 mode=$3 t=$4 group tag key i
    group=$([ "$f" = 6 ] && echo $G6_TPUT || echo $G4_TPUT)
    tag=tput.$f.$n.$mode.$t
    key=tput.$f.$n.$mode
    start_router "$mode" "$n" "$group"
    start_sinks "$n" "$group" $PORT_TPUT "$tag"
    local tx0 tx1 cpu0=0 cpu1=0 wait0=0 wait1=0 st0 st1 drops=0 fast=0
    tx0=$(wire_tx "$n")
    if daemon "$mode"; then
        cpu0=$(cpu_ns "$ecmh_pid") wait0=$(wait_ns "$ecmh_pid")
    fi
    st0=$(cpu_stat)
    local perf_pid=
    if [ -n "$profile_dir" ]; then
        perf record -q -a -g -o "$profile_dir/$tag.perf.data" >/dev/null 2>&1 &
        perf_pid=$!
        pids+=("$perf_pid")
    fi
    gen "$tmp/$tag.gen" "$ns_src" eth0 "$group" $PORT_TPUT 0 "$duration"
    [ -n "$perf_pid" ] && stop "$perf_pid" # perf writes its file on SIGTERM
    if daemon "$mode"; then
        cpu1=$(cpu_ns "$ecmh_pid") wait1=$(wait_ns "$ecmh_pid")
    fi
    sleep 0.3 # what is still queued reaches the sinks
    st1=$(cpu_stat)
    tx1=$(wire_tx "$n")
    stop_sinks
    if daemon "$mode"; then
        dump >"$tmp/$tag.dump"
        drops=$(dump_value "Kernel Drops" <"$tmp/$tag.dump")
        fast=$(redirected <"$tmp/$tag.dump")
    fi
    stop_router
    local sent elapsed received=0 machine
    sent=$(kv "$tmp/$tag.gen" sent)
    elapsed=$(kv "$tmp/$tag.gen" elapsed_s)
    for i in $(seq "$n"); do
        received=$((received + $(kv "$tmp/$tag.sink.$i" received)))
    done
    machine=$(machine_s "$st0" "$st1")
    record "$key.offered" "$(kv "$tmp/$tag.gen" rate_pps)"
    record "$key.app" "$(calc "$received / $n / $elapsed")"
    record "$key.wire" "$(calc "($tx1 - $tx0) / $n / $elapsed")"
    record "$key.loss" "$(calc "100 * (1 - $received / $n / $sent)")"
    record "$key.mcpu" "$(calc "100 * $machine / $elapsed")"
    [ "$tx1" -gt "$tx0" ] && record "$key.mper" "$(calc "$machine / (($tx1 - $tx0) / 1e6)")"
    if daemon "$mode"; then
        record "$key.cpu" "$(calc "100 * ($cpu1 - $cpu0) / 1e9 / $elapsed")"
        record "$key.kdrop" "$drops"
        record "$key.wait" "$(calc "100 * ($wait1 - $wait0) / 1e9 / $elapsed")"
    fi
    [ "$mode" = xdp ] && record "$key.fast" "$(calc "100 * ${fast:-0} / $sent")"
    progress "flat out IPv$f N=$n $mode trial $t: offered $(kv "$tmp/$tag.gen" rate_pps) pps," \
        "per listener $(calc "$received / $n / $elapsed") pps (app)," \
        "$(calc "($tx1 - $tx0) / $n / $elapsed") pps (wire), machine CPU $(calc "100 * $machine / $elapsed") %"
}

# Paced source, one listener, IPv6, each rate in turn, one router. Records under
# cpu.MODE.RATE.*: offered, machine (machine CPU-s per million packets forwarded: what
# left on dn1), router (the same, CPU 1's time only), delivered (% of sent the sink read);
# for ecmh and xdp also per_mpkt (ecmh's own CPU-s per million), util (ecmh's % of a
# CPU), sys (of it in the kernel, tick-sampled), wait; for xdp, fast (% the program forwarded).
cpu_cost() { # mode trial
    local mode=$1 t=$2 rate tag c0 c1 w0 w1 s0 s1 a0 a1 st0 st1 x0 x1 f0=0 f1=0 sent elapsed received
    local key forwarded machine
    start_router "$mode" 1 $G6_CPU
    for rate in 50000 100000 200000; do
        tag=cpu.$mode.$rate.$t
        key=cpu.$mode.$rate
        start_sinks 1 $G6_CPU $PORT_CPU "$tag"
        if daemon "$mode"; then
            f0=$(dump | redirected)
            c0=$(cpu_ns "$ecmh_pid") w0=$(wait_ns "$ecmh_pid")
            s0=$(sys_ticks "$ecmh_pid") a0=$(all_ticks "$ecmh_pid")
        fi
        x0=$(wire_tx 1) st0=$(cpu_stat)
        gen "$tmp/$tag.gen" "$ns_src" eth0 $G6_CPU $PORT_CPU "$rate" "$duration"
        sleep 0.2
        st1=$(cpu_stat) x1=$(wire_tx 1)
        if daemon "$mode"; then
            c1=$(cpu_ns "$ecmh_pid") w1=$(wait_ns "$ecmh_pid")
            s1=$(sys_ticks "$ecmh_pid") a1=$(all_ticks "$ecmh_pid")
            f1=$(dump | redirected)
        fi
        stop_sinks
        sent=$(kv "$tmp/$tag.gen" sent)
        elapsed=$(kv "$tmp/$tag.gen" elapsed_s)
        received=$(kv "$tmp/$tag.sink.1" received)
        forwarded=$((x1 - x0))
        machine=$(machine_s "$st0" "$st1")
        record "$key.offered" "$(kv "$tmp/$tag.gen" rate_pps)"
        record "$key.delivered" "$(calc "100 * $received / $sent")"
        if [ "$forwarded" -gt 0 ]; then
            record "$key.machine" "$(calc "$machine / ($forwarded / 1e6)")"
            record "$key.router" "$(calc "$(cpu1_s "$st0" "$st1") / ($forwarded / 1e6)")"
        fi
        if daemon "$mode"; then
            record "$key.per_mpkt" "$(calc "($c1 - $c0) / 1e9 / ($forwarded / 1e6)")"
            record "$key.util" "$(calc "100 * ($c1 - $c0) / 1e9 / $elapsed")"
            [ "$a1" -gt "$a0" ] && record "$key.sys" "$(calc "100 * ($s1 - $s0) / ($a1 - $a0)")"
            record "$key.wait" "$(calc "100 * ($w1 - $w0) / 1e9 / $elapsed")"
        fi
        [ "$mode" = xdp ] && record "$key.fast" "$(calc "100 * (${f1:-0} - ${f0:-0}) / $sent")"
        progress "cpu cost $mode $rate pps trial $t: machine $machine CPU-s for" \
            "$forwarded forwarded, $received of $sent received"
    done
    stop_router
}

latency() { # path trial: path = direct | ecmh | xdp | kernel; IPv6, 5k pps, one listener
    local path=$1 t=$2 tag=lat.$1.$2 ns ifname
    if [ "$path" = direct ]; then
        ip netns exec "$ns_direct" "$bin/mcast_sink" --group $G6_LAT --port $PORT_LAT \
            --ifname eth0 --cpu 0 --ready "$tmp/ready.direct" --label direct \
            >"$tmp/$tag.sink.1" 2>&1 &
        sink_pids=($!)
        pids+=($!)
        local _
        for _ in $(seq 100); do
            [ -e "$tmp/ready.direct" ] && break
            sleep 0.05
        done
        rm -f "$tmp/ready.direct"
        sleep 0.5
        ifname=direct0
    else
        start_router "$path" 1 $G6_LAT
        start_sinks 1 $G6_LAT $PORT_LAT "$tag"
        ifname=eth0
    fi
    gen "$tmp/$tag.gen" "$ns_src" "$ifname" $G6_LAT $PORT_LAT 5000 "$duration"
    sleep 0.2
    stop_sinks
    [ "$path" = direct ] || stop_router
    local p50 p99 max
    p50=$(kv "$tmp/$tag.sink.1" lat_p50_ns)
    p99=$(kv "$tmp/$tag.sink.1" lat_p99_ns)
    max=$(kv "$tmp/$tag.sink.1" lat_max_ns)
    record "lat.$path.p50" "$(calc "$p50 / 1000")"
    record "lat.$path.p99" "$(calc "$p99 / 1000")"
    record "lat.$path.max" "$(calc "$max / 1000")"
    record "lat.$path.lost" "$(kv "$tmp/$tag.sink.1" lost)"
    progress "latency $path trial $t: p50 $(calc "$p50 / 1000") µs, p99 $(calc "$p99 / 1000") µs," \
        "max $(calc "$max / 1000") µs, $(kv "$tmp/$tag.sink.1" received) received"
}

join_latency() { # family mode: ecmh or xdp, source at 1k pps, a fresh join per trial
    local f=$1 mode=$2 group gen_pid t tag report first_rx first_sent key=join.$1.$2
    group=$([ "$f" = 6 ] && echo $G6_JOIN || echo $G4_JOIN)
    start_router "$mode" 1 "$group"
    for t in $(seq "$trials"); do
        tag=$key.$t
        # A fresh source per trial: the host sends its report on a kernel tick, so with one
        # long-running source every trial would see the same phase between the report and
        # the source's next packet.
        ip netns exec "$ns_src" "$bin/mcast_gen" --group "$group" --port $PORT_JOIN \
            --ifname eth0 --rate 1000 --duration 60 --cpu 0 --hops 8 >"$tmp/$tag.gen" 2>&1 &
        gen_pid=$!
        pids+=("$gen_pid")
        sleep 0.3
        ip netns exec "$prefix-l1" "$bin/mcast_sink" --first --group "$group" --port $PORT_JOIN \
            --ifname eth0 --cpu 0 --timeout 5 --watch-netns "/run/netns/$ns_rtr" --watch-if dn1 \
            --label "join$t" >"$tmp/$tag" 2>&1 || true
        stop "$gen_pid"
        record "$key.report" "$(kv "$tmp/$tag" join_to_report_us)"
        record "$key.first" "$(kv "$tmp/$tag" report_to_first_us)"
        record "$key.total" "$(kv "$tmp/$tag" join_to_first_us)"
        report=$(kv "$tmp/$tag" report_ns) first_rx=$(kv "$tmp/$tag" first_rx_ns)
        first_sent=$(kv "$tmp/$tag" first_sent_ns)
        if [ "${report:-0}" -gt 0 ] && [ "${first_rx:-0}" -gt 0 ]; then
            record "$key.wait" "$(calc "($first_sent - $report) / 1000")"
            record "$key.transit" "$(calc "($first_rx - $first_sent) / 1000")"
        fi
        progress "join IPv$f $mode trial $t: join → report $(kv "$tmp/$tag" join_to_report_us) µs," \
            "report → first packet $(kv "$tmp/$tag" report_to_first_us) µs"
        sleep 1.5 # the host left; ecmh's last-listener queries (2 × 200 ms) end the group
    done
    stop_router
}

ring_kb() { # RSS of the capture rings: the packet sockets' mmap'ed memory
    awk '/^[0-9a-f]+-[0-9a-f]+ / {ring = ($6 ~ /^socket:/)} ring && /^Rss:/ {s += $2} END {print s + 0}' \
        "/proc/$1/smaps"
}
scale_run() { # output-file gap-us base extra-args...: mld_scale in the background
    local out=$1 gap=$2 base=$3 _
    shift 3
    "$bin/mld_scale" --listener-netns "/run/netns/$prefix-l1" --listener-if eth0 \
        --upstream-netns "/run/netns/$ns_src" --upstream-if eth0 --base "$base" \
        --count 10000 --gap-us "$gap" --cpu 0 "$@" >"$out" 2>&1 &
    scale_pid=$!
    pids+=("$scale_pid")
    for _ in $(seq 1300); do
        grep -q '^scale ' "$out" && return 0
        ours "$scale_pid" || break
        sleep 0.05
    done
    die "mld_scale reported nothing: $(cat "$out")"
}
scale() { # trial: ecmh; one listener joins 10,000 groups
    local t=$1 tag=scale.$1 c0 c1
    # A burst, as a host's kernel sends its state-change reports: 139 reports at once.
    start_ecmh
    sleep 1
    scale_run "$tmp/$tag.burst" 0 ff0e::200:0 --timeout 3
    stop "$scale_pid"
    record "scale.burst_groups" "$(dump | dump_value "Groups Managed")"
    stop_router
    # Paced: one report a millisecond (139 ms), so nothing is lost on the way in; then
    # the groups are kept (mld_scale answers the queries) while ecmh idles.
    start_ecmh
    sleep 3 # past ecmh's startup queries
    c0=$(cpu_ns "$ecmh_pid")
    sleep "$scale_window"
    c1=$(cpu_ns "$ecmh_pid")
    record "scale.idle0" "$(calc "100 * ($c1 - $c0) / 1e9 / $scale_window")"
    record "scale.rss0" "$(calc "$(rss_kb "$ecmh_pid") / 1024")"
    scale_run "$tmp/$tag" 1000 ff0e::100:0 --timeout 60 --answer-queries
    record "scale.reported" "$(kv "$tmp/$tag" elapsed_ms)"
    record "scale.sending" "$(kv "$tmp/$tag" send_ms)"
    record "scale.upstream_packets" "$(kv "$tmp/$tag" upstream_packets)"
    sleep 1
    c0=$(cpu_ns "$ecmh_pid")
    sleep "$scale_window"
    c1=$(cpu_ns "$ecmh_pid")
    record "scale.idle" "$(calc "100 * ($c1 - $c0) / 1e9 / $scale_window")"
    record "scale.rss" "$(calc "$(rss_kb "$ecmh_pid") / 1024")"
    record "scale.ring" "$(calc "$(ring_kb "$ecmh_pid") / 1024")"
    record "scale.groups" "$(dump | dump_value "Groups Managed")"
    stop "$scale_pid"
    stop_router
    progress "scale trial $t: a burst left $(kv "$tmp/$tag.burst" seen) groups reported upstream;" \
        "paced, all 10,000 reported after $(kv "$tmp/$tag" elapsed_ms) ms" \
        "(complete=$(kv "$tmp/$tag" complete))"
}

# --- Tunnel mode ------------------------------------------------------------------------
#
# ecmh -t serves 6in4 peers itself. No kernel baseline: this kernel has no sit module, and
# the kernel's multicast routing reaches a tunnel peer only through an interface of its own
# (one sit device per peer). The Ethernet figures here are ecmh's own, in the same run.

ns_peers=$prefix-peers
G6_TUN=ff0e::db8:5 PORT_TUN=5005
# Long timers: nothing expires, and no General Query but the startup ones is sent, in a
# trial. The startup queries: 2 (robustness), 15 s apart (query interval / 4); the peers'
# first ones 1 ms apart (Proxy::kPeerQuerySpacing).
tunnel_args=(-f -i up0 -t --pidfile "$tmp/ecmh.pid" --dumpfile "$tmp/ecmh.dump"
    --query-interval 60s --query-response-interval 1s --last-listener-query-interval 200ms
    --unsolicited-report-interval 200ms --max-groups 16384 --max-membership-rate 0)
# The bench's own control socket, never the host's /run/ecmh/ecmh.sock; an older ecmh
# (compare_data_plane.sh) has no --control-socket.
if "$ecmh" --help | grep -q -- --control-socket; then
    ecmh_args+=(--control-socket "$tmp/ecmh.sock")
    tunnel_args+=(--control-socket "$tmp/ecmh.sock")
fi
tunnel_startup_queries_s=15 # the second round of startup queries, after the first
tunnel_locals=125           # peers per remote address (tunnel_peers' --locals)
# The copies per second a fan-out trial asks for in total (the source sends this / N pps).
# 100k: every case well below what ecmh sustains on CPU 1 (one out-link takes about half
# of it), so the cost per copy is the path's, not an overload's. 200k: one out-link near
# ecmh's limit on one CPU (70-75 %), many peers still far from it. Above that (400k tried)
# one out-link is past ecmh's capacity (receive livelock, doc/performance.md) and CPU 0,
# which carries the source and the peers' receive, starts to fall behind when the
# machine has other load: the figures then measure the machine, not ecmh.
read -r -a tunnel_copies <<<"${ECMH_BENCH_TUNNEL_COPIES:-100000 200000}"

tunnel_setup() { # the peers' namespace behind rtr's pe0, made when the scenario starts
    local i script_rtr="" script_peers=""
    ip netns add "$ns_peers"
    namespaces+=("$ns_peers")
    ip -n "$ns_peers" link set lo up
    sysctl_ns "$ns_peers" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    ip link add pe0 netns "$ns_rtr" type veth peer name eth0 netns "$ns_peers"
    # ecmh's ends (one per peer of a remote: the peer key is (remote, local)), and the
    # remotes: 80 × 125 = 10,000 peers.
    for i in $(seq 1 "$tunnel_locals"); do
        script_rtr+="addr add 203.0.113.$i/24 dev pe0"$'\n'
    done
    for i in $(seq 129 208); do
        script_peers+="addr add 203.0.113.$i/24 dev eth0"$'\n'
    done
    echo -n "$script_rtr" | ip -n "$ns_rtr" -batch -
    echo -n "$script_peers" | ip -n "$ns_peers" -batch -
    ip -n "$ns_rtr" link set pe0 up
    ip -n "$ns_peers" link set eth0 up
    # As for the listeners: the peers' receive work is CPU 0's, as if they were other
    # machines (else it would run inside ecmh's sendmmsg on CPU 1).
    in_ns "$ns_peers" sh -c 'echo 1 > /sys/class/net/eth0/queues/rx-0/rps_cpus'
}

# ecmh with the tunnel arguments, its log lines stamped as they come (bash's
# EPOCHREALTIME, through a FIFO read by this shell's child), so start-up can be timed from
# the exec. Sets tunnel_t0 (the exec) and tunnel_up (the "running" line), in seconds.
tunnel_start_ecmh() { # peers-file
    local _ line
    rm -f "$tmp/ecmh.fifo"
    mkfifo "$tmp/ecmh.fifo"
    : >"$tmp/ecmh.log"
    (while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done \
        <"$tmp/ecmh.fifo" >>"$tmp/ecmh.log") &
    stamp_pid=$!
    pids+=("$stamp_pid")
    tunnel_t0=$EPOCHREALTIME
    ip netns exec "$ns_rtr" taskset -c 1 "$ecmh" "${tunnel_args[@]}" --tunnel-peers "$1" \
        >"$tmp/ecmh.fifo" 2>&1 &
    ecmh_pid=$!
    router_pid=$ecmh_pid
    pids+=("$ecmh_pid")
    for _ in $(seq 600); do
        line=$(grep -m1 'running with' "$tmp/ecmh.log" || true)
        if [ -n "$line" ]; then
            tunnel_up=${line%% *}
            return 0
        fi
        ours "$ecmh_pid" || break
        sleep 0.05
    done
    cat "$tmp/ecmh.log" >&2
    die "ecmh (tunnel mode) did not start"
}
tunnel_stop_ecmh() { # tag: its log is kept as TAG.log
    stop_router
    stop "$stamp_pid" # it ends at the FIFO's end of file: ecmh is gone
    rm -f "$tmp/ecmh.fifo" # not left for --raw, where a reader would block on it
    cp "$tmp/ecmh.log" "$tmp/$1.log"
}
peers_run() { # output-file count extra-args...: tunnel_peers in ns peers, on CPU 0
    local out=$1 n=$2 _
    shift 2
    rm -f "$tmp/ready.peers"
    ip netns exec "$ns_peers" "$bin/tunnel_peers" --count "$n" --locals $tunnel_locals \
        --group $G6_TUN --cpu 0 --ready "$tmp/ready.peers" "$@" >"$out" 2>&1 &
    peers_pid=$!
    pids+=("$peers_pid")
    for _ in $(seq 200); do
        [ -e "$tmp/ready.peers" ] && return 0
        ours "$peers_pid" || break
        sleep 0.05
    done
    die "tunnel_peers did not start: $(cat "$out")"
}
tx_of() { ip netns exec "$ns_rtr" cat "/sys/class/net/$1/statistics/tx_packets"; } # ifname
elapsed_s() { awk -v a="$1" -v b="$2" 'BEGIN {printf("%.6f", b - a)}'; }          # from to

# Fan-out to n joined peers (n configured, all joined), the source paced at C / n pps for
# the trial's duration. Records under tun.C.N.*: offered (pps), delivered (copies per second
# the peers read, in total), wire (copies per second leaving pe0), loss (% of the copies
# due that no peer read), cpu (ecmh's % of one CPU), per_mcopy (ecmh CPU-s per million
# copies on the wire). n = 0: the Ethernet reference, one listener on dn1, same ecmh.
tunnel_fanout() { # n copies-per-second trial
    local n=$1 rate=$(($2 / ($1 > 0 ? $1 : 1))) t=$3 tag=tun.$2.$1.$3 key=tun.$2.$1 _ subs=0 out_if=pe0
    local tx0 tx1 c0 c1 s0 s1 a0 a1 sent elapsed copies delivered expected
    "$bin/tunnel_peers" --count "$((n > 0 ? n : 1))" --locals $tunnel_locals \
        --write-peers "$tmp/peers.$n" >/dev/null
    [ "$n" -eq 0 ] && : >"$tmp/peers.0"
    tunnel_start_ecmh "$tmp/peers.$n"
    if [ "$n" -eq 0 ]; then
        start_sinks 1 $G6_TUN $PORT_TUN "$tag"
        out_if=dn1
    else
        peers_run "$tmp/$tag.peers" "$n"
        # Bounded wait on what ecmh knows: every peer's report handled.
        for _ in $(seq 50); do
            subs=$(dump | dump_value "Total Subscriptions")
            [ "${subs:-0}" -ge "$n" ] && break
            sleep 0.2
        done
        [ "${subs:-0}" -ge "$n" ] || die "only $subs of $n peers joined"
    fi
    # Past the peers' first General Queries (n ms), well before the second round.
    sleep "$(calc "0.3 + $n / 1000")"
    tx0=$(tx_of $out_if) c0=$(cpu_ns "$ecmh_pid")
    s0=$(sys_ticks "$ecmh_pid") a0=$(all_ticks "$ecmh_pid")
    gen "$tmp/$tag.gen" "$ns_src" eth0 $G6_TUN $PORT_TUN "$rate" "$duration"
    c1=$(cpu_ns "$ecmh_pid")
    s1=$(sys_ticks "$ecmh_pid") a1=$(all_ticks "$ecmh_pid")
    sleep 0.3 # what is still queued reaches the peers
    tx1=$(tx_of $out_if)
    # What ecmh lost itself: frames its capture dropped, copies the kernel refused.
    dump >"$tmp/$tag.dump"
    record "$key.kdrop" "$(dump_value "Kernel Drops" <"$tmp/$tag.dump")"
    record "$key.sendfail" "$(awk '/^Drops/ {d = 1} d && $1 == "send-failed" {n = $3} END {print n + 0}' "$tmp/$tag.dump")"
    if [ "$n" -eq 0 ]; then
        stop_sinks
        delivered=$(kv "$tmp/$tag.sink.1" received)
    else
        stop "$peers_pid"
        delivered=$(kv "$tmp/$tag.peers" data)
        record "$key.reached" "$(kv "$tmp/$tag.peers" peers_with_data)"
        record "$key.p50" "$(calc "$(kv "$tmp/$tag.peers" lat_p50_ns) / 1000")"
        record "$key.p99" "$(calc "$(kv "$tmp/$tag.peers" lat_p99_ns) / 1000")"
    fi
    tunnel_stop_ecmh "$tag"
    sent=$(kv "$tmp/$tag.gen" sent)
    elapsed=$(kv "$tmp/$tag.gen" elapsed_s)
    copies=$((tx1 - tx0))
    expected=$((sent * (n > 0 ? n : 1)))
    record "$key.offered" "$(kv "$tmp/$tag.gen" rate_pps)"
    record "$key.delivered" "$(calc "$delivered / $elapsed")"
    record "$key.wire" "$(calc "$copies / $elapsed")"
    record "$key.loss" "$(calc "100 * (1 - $delivered / $expected)")"
    record "$key.cpu" "$(calc "100 * ($c1 - $c0) / 1e9 / $elapsed")"
    record "$key.per_mcopy" "$(calc "($c1 - $c0) / 1e9 / ($copies / 1e6)")"
    [ "$a1" -gt "$a0" ] && record "$key.sys" "$(calc "100 * ($s1 - $s0) / ($a1 - $a0)")"
    progress "tunnel fan-out N=$n, $2 copies/s, trial $t: $sent sent at $(kv "$tmp/$tag.gen" rate_pps) pps," \
        "$delivered of $expected copies read ($(calc "$delivered / $elapsed") per s)," \
        "ecmh $(calc "($c1 - $c0) / 1e9") CPU-s"
}

# Start-up, memory and idle CPU with `n` configured peers (0: tunnel mode, no peer), none
# joined. Records under tun.idle.N.*: up (ms from exec to "running"), rss (MiB), idle (%
# of a CPU over the window), and for n > 0 queried (s from exec until every peer had its
# first General Query).
tunnel_idle() { # n trial
    local n=$1 t=$2 key=tun.idle.$1 tag=tun.idle.$1.$2 c0 c1 quiet start rss
    "$bin/tunnel_peers" --count "$((n > 0 ? n : 1))" --locals $tunnel_locals \
        --write-peers "$tmp/peers.$n" >/dev/null
    [ "$n" -eq 0 ] && : >"$tmp/peers.0"
    # The peers listen from before ecmh starts, to see every query.
    [ "$n" -gt 0 ] && peers_run "$tmp/$tag.peers" "$n" --no-join
    tunnel_start_ecmh "$tmp/peers.$n"
    start=$tunnel_t0
    record "$key.up" "$(calc "1000 * $(elapsed_s "$tunnel_t0" "$tunnel_up")")"
    # Idle once the startup queries are out: both rounds (the second starts 15 s after the
    # first, whose n queries take n ms). With no peer, the links' own second round comes
    # at 15 s: measure before it.
    if [ "$n" -gt 0 ]; then
        quiet=$(calc "$tunnel_startup_queries_s + $n / 1000 + 1")
    else
        quiet=2
    fi
    sleep "$(calc "$quiet - $(elapsed_s "$start" "$EPOCHREALTIME")")"
    c0=$(cpu_ns "$ecmh_pid")
    sleep "$scale_window"
    c1=$(cpu_ns "$ecmh_pid")
    record "$key.idle" "$(calc "100 * ($c1 - $c0) / 1e9 / $scale_window")"
    rss=$(rss_kb "$ecmh_pid")
    record "$key.rss" "$(calc "$rss / 1024")"
    record "$key.rss_kb" "$rss"
    record "$key.served" "$(dump | sed -n 's/^Tunnelmode *: Active (\([0-9]*\) tunnel peers.*/\1/p')"
    if [ "$n" -gt 0 ]; then
        stop "$peers_pid"
        local all queries
        all=$(kv "$tmp/$tag.peers" all_queried_ns)
        queries=$(kv "$tmp/$tag.peers" queries)
        record "$key.queries" "$queries"
        # all_queried_ns is CLOCK_MONOTONIC; EPOCHREALTIME is the wall clock: compare the
        # first query's time with the "running" line instead, both taken the same way.
        if [ "${all:-0}" -gt 0 ]; then
            record "$key.queried" "$(calc "($all - $(kv "$tmp/$tag.peers" first_query_ns)) / 1e9")"
        fi
    fi
    tunnel_stop_ecmh "$tag"
    progress "tunnel idle N=$n trial $t: running after $(calc "1000 * $(elapsed_s "$tunnel_t0" "$tunnel_up")") ms," \
        "RSS $(calc "$rss / 1024") MiB, idle $(calc "100 * ($c1 - $c0) / 1e9 / $scale_window") %" \
        "$([ "$n" -gt 0 ] && echo "; $(kv "$tmp/$tag.peers" queries) queries to $(kv "$tmp/$tag.peers" peers_queried) peers")"
}

# --- The run ----------------------------------------------------------------------------

started=$(date +%s)
progress "binaries: $build_dir (${build_type:-?}); raw output in $tmp"
setup
progress "topology up: $((3 + listeners)) namespaces"

if wants throughput || wants fanout; then
    counts=(1)
    wants fanout && counts=(1 4 16)
    for t in $(seq "$trials"); do
        for n in "${counts[@]}"; do
            for mode in "${routers[@]}"; do
                flat_out 6 "$n" "$mode" "$t"
            done
        done
        if wants throughput; then
            for mode in "${routers[@]}"; do
                flat_out 4 1 "$mode" "$t"
            done
        fi
    done
fi
if wants cpu; then
    for t in $(seq "$trials"); do
        for mode in "${routers[@]}"; do
            cpu_cost "$mode" "$t"
        done
    done
fi
if wants latency; then
    for t in $(seq "$trials"); do
        for path in direct "${routers[@]}"; do
            latency "$path" "$t"
        done
    done
fi
if wants join; then
    for mode in "${routers[@]}"; do
        daemon "$mode" || continue
        join_latency 6 "$mode"
        join_latency 4 "$mode"
    done
fi
if wants scale; then
    for t in $(seq $((trials < 3 ? trials : 3))); do
        scale "$t"
    done
fi
if wants tunnel; then
    tunnel_setup
    progress "tunnel: namespace $ns_peers up behind pe0"
    for t in $(seq "$trials"); do
        for c in "${tunnel_copies[@]}"; do
            for n in 0 1 100 1000; do
                tunnel_fanout "$n" "$c" "$t"
            done
        done
    done
    for t in $(seq $((trials < 3 ? trials : 3))); do
        tunnel_idle 0 "$t"
        tunnel_idle 10000 "$t"
    done
fi

# --- The report -------------------------------------------------------------------------

model=$(lscpu | sed -n 's/^Model name: *//p')
echo "ecmh network benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'), $(($(date +%s) - started)) s)"
echo "machine:  $model, $(nproc) CPUs, Linux $(uname -r), $(awk '/MemTotal/ {printf("%.0f GiB", $2 / 1048576)}' /proc/meminfo)"
echo "ecmh:     $("$ecmh" --version | head -n1), $ecmh (${build_type:-?} build)"
echo "trials:   $trials per figure, ${duration} s of traffic each; figures: median [min..max]"
if [ "$rps" -eq 1 ]; then
    echo "pinning:  generator and sinks on CPU 0 (sched_setaffinity); the router on CPU 1: ecmh by"
    echo "          taskset -c 1 (nice -15 by itself), the kernel's receive work on up0 by RPS"
    echo "          (rps_cpus 2), so the kernel baseline forwards on CPU 1 and ecmh's capture copy"
    echo "          is made there. Each listener's eth0 hands its receive work to CPU 0 by RPS"
    echo "          (rps_cpus 1), as if the listeners were other machines, for both routers."
    echo "          No IRQ time accounting in this kernel: softirq time counts to the task it"
    echo "          interrupted (on CPU 1, mostly ecmh). Other load on the machine is not controlled."
else
    echo "pinning:  generator and sinks on CPU 0, ecmh on CPU 1 (taskset -c 1, nice -15 by itself);"
    echo "          --no-rps: what arrives on up0 is processed on the sending CPU 0 (as a NIC's"
    echo "          interrupt CPU would), so the kernel baseline forwards inside the generator's"
    echo "          sendmmsg and ecmh's capture copy is made there too. Each listener's eth0 hands"
    echo "          its receive work to CPU 0 by RPS (rps_cpus 1), as if the listeners were other"
    echo "          machines, for both routers. Other load on the machine is not controlled."
fi
echo "routers:  ecmh = userspace forwarding (the default); $([ "$xdp" -eq 1 ] && echo "xdp = ecmh --forward xdp --xdp-mode $xdp_mode; ")kernel = $([ "$kernel" = mfc ] && echo "static MFC" || echo "nft netdev dup")"
if [ "$kernel" = nft ]; then
    echo "          this kernel has no multicast routing (no /proc/net/ip6_mr_vif): the kernel column is"
    echo "          nft on up0's ingress, setting the hop limit and duplicating to dn1..dnN (see the script)"
fi
if [ "$xdp_mode" = native ]; then
    echo "          native: the source computes its UDP checksums (ethtool -K eth0 tx off) and every"
    echo "          listener host has GRO on, for all routers (native redirects need both on veth)"
    [ "$rps" -eq 1 ] && echo "          up0's NAPI is threaded and its thread pinned to CPU 1: the native program runs there"
fi
echo "machine CPU: user + nice + system + irq + softirq of every CPU (/proc/stat), over the trial"
echo
router_label() { case $1 in ecmh) echo "ecmh" ;; xdp) echo "xdp" ;; *) echo "kernel" ;; esac; }
if wants throughput; then
    echo "1. Throughput: flat-out generator, 64-byte UDP payload, 1 listener (pps)"
    printf '   %-12s %-28s %-28s %-28s %-22s %s\n' "" "offered" "delivered (app)" "on the wire" \
        "machine CPU %" "ecmh CPU %"
    for f in 6 4; do
        for mode in "${routers[@]}"; do
            printf '   %-12s %-28s %-28s %-28s %-22s %s\n' "IPv$f $(router_label "$mode")" \
                "$(stats tput.$f.1.$mode.offered)" "$(stats tput.$f.1.$mode.app)" \
                "$(stats tput.$f.1.$mode.wire)" "$(stats tput.$f.1.$mode.mcpu)" \
                "$(daemon "$mode" && stats tput.$f.1.$mode.cpu || echo "-")"
        done
        for mode in "${routers[@]}"; do
            daemon "$mode" || continue
            echo "   IPv$f $mode / kernel: delivered $(ratio tput.$f.1.$mode.app tput.$f.1.kernel.app)," \
                "on the wire $(ratio tput.$f.1.$mode.wire tput.$f.1.kernel.wire);" \
                "capture drops per trial $(stats tput.$f.1.$mode.kdrop)," \
                "ecmh waited for CPU $(stats tput.$f.1.$mode.wait) %" \
                "$([ "$mode" = xdp ] && echo "; forwarded by the program $(stats tput.$f.1.xdp.fast %.1f) % of sent")"
        done
    done
    echo
fi
if wants cpu; then
    echo "2. CPU cost: CPU-seconds per million forwarded packets (IPv6, 1 listener, paced source)"
    printf '   %-9s %-8s %-22s %-22s %-20s %-16s %s\n' "rate" "router" "machine" "CPU 1 (router's)" \
        "ecmh process" "received %" "by the program %"
    for rate in 50000 100000 200000; do
        for mode in "${routers[@]}"; do
            printf '   %-9s %-8s %-22s %-22s %-20s %-16s %s\n' "$((rate / 1000))k pps" "$mode" \
                "$(stats cpu.$mode.$rate.machine %.2f)" "$(stats cpu.$mode.$rate.router %.2f)" \
                "$(daemon "$mode" && stats cpu.$mode.$rate.per_mpkt %.2f || echo "-")" \
                "$(stats cpu.$mode.$rate.delivered %.2f)" \
                "$([ "$mode" = xdp ] && stats cpu.xdp.$rate.fast %.1f || echo "-")"
        done
        for mode in "${routers[@]}"; do
            daemon "$mode" || continue
            echo "   $((rate / 1000))k pps, $mode / kernel: machine $(ratio cpu.$mode.$rate.machine cpu.kernel.$rate.machine)," \
                "CPU 1 $(ratio cpu.$mode.$rate.router cpu.kernel.$rate.router)"
        done
    done
    echo "   (machine: the sender's and the listener's work included, the same for every router;"
    echo "   ecmh process: /proc/PID/schedstat, which an XDP program's softirq work is mostly not in)"
    echo
fi
if wants latency; then
    echo "3. Latency at 5k pps, IPv6, 1 listener: send → sink read, µs"
    printf '   %-22s %-24s %-24s %s\n' "" "p50" "p99" "max"
    for path in direct "${routers[@]}"; do
        printf '   %-22s %-24s %-24s %s\n' "$path" "$(stats lat.$path.p50 %.1f)" \
            "$(stats lat.$path.p99 %.1f)" "$(stats lat.$path.max %.0f)"
    done
    for path in "${routers[@]}"; do
        printf '   %-22s %-24.1f %-24.1f %.0f\n' "added by $path" \
            "$(calc "$(median lat.$path.p50) - $(median lat.direct.p50)")" \
            "$(calc "$(median lat.$path.p99) - $(median lat.direct.p99)")" \
            "$(calc "$(median lat.$path.max) - $(median lat.direct.max)")"
    done
    echo "   (added = median over trials of the path minus that of the direct veth path)"
    echo
fi
if wants fanout; then
    echo "4. Fan-out: flat-out generator, IPv6, pps per listener (app: read by the sinks; wire: leaving the router)"
    printf '   %-4s %-8s %-28s %-28s %-24s %s\n' "N" "router" "app" "wire" "ratio to kernel app / wire" \
        "machine CPU-s / M copies"
    for n in 1 4 16; do
        for mode in "${routers[@]}"; do
            printf '   %-4s %-8s %-28s %-28s %-24s %s\n' "$n" "$mode" "$(stats tput.6.$n.$mode.app)" \
                "$(stats tput.6.$n.$mode.wire)" \
                "$(daemon "$mode" && echo "$(ratio tput.6.$n.$mode.app tput.6.$n.kernel.app) / $(ratio tput.6.$n.$mode.wire tput.6.$n.kernel.wire)" || echo "-")" \
                "$(stats tput.6.$n.$mode.mper %.2f)"
        done
    done
    printf '   ecmh CPU %% at N = 1, 4, 16: %s; %s; %s\n' "$(stats tput.6.1.ecmh.cpu)" \
        "$(stats tput.6.4.ecmh.cpu)" "$(stats tput.6.16.ecmh.cpu)"
    echo "   lost % of sent per listener at N = 1, 4, 16:$(for mode in "${routers[@]}"; do
        printf ' %s %s, %s, %s;' "$mode" "$(stats tput.6.1.$mode.loss %.2f)" "$(stats tput.6.4.$mode.loss %.2f)" \
            "$(stats tput.6.16.$mode.loss %.2f)"
    done)"
    echo
fi
if wants join; then
    echo "5. Join latency (ecmh, and ecmh with its fast path; the source sends 1 packet/ms), µs"
    printf '   %-12s %-24s %-24s %-24s %s\n' "" "join -> report (host)" "report -> 1st packet" \
        "  = wait for the source" "+ its transit"
    for mode in "${routers[@]}"; do
        daemon "$mode" || continue
        for f in 6 4; do
            printf '   %-12s %-24s %-24s %-24s %s\n' "IPv$f $mode" "$(stats join.$f.$mode.report %.0f)" \
                "$(stats join.$f.$mode.first %.0f)" "$(stats join.$f.$mode.wait %.0f)" \
                "$(stats join.$f.$mode.transit %.0f)"
        done
    done
    echo "   (wait: from the report's arrival to the send time of the first packet the listener got;"
    echo "   under 1000 µs means ecmh forwarded the first packet sent after the report. Kernel"
    echo "   baseline: n/a, static MFC entries do not follow joins)"
    echo
fi
if wants scale; then
    echo "6. Scale: one listener joins 10,000 groups (MLDv2 reports of 72 records, 139 packets)"
    echo "   sent as one burst:       ecmh took $(stats scale.burst_groups) of the 10,000 groups (the rest were dropped)"
    echo "   sent one report per ms:  all reported upstream $(stats scale.reported %.1f) ms after the first report"
    echo "                            (sending took $(stats scale.sending %.1f) ms; $(stats scale.upstream_packets) upstream report packets)"
    echo "   ecmh RSS:                $(stats scale.rss0 %.1f) MiB with 0 groups, $(stats scale.rss %.1f) MiB with 10,000"
    echo "                            (of which capture rings: $(stats scale.ring %.1f) MiB)"
    echo "   ecmh idle CPU:           $(stats scale.idle0 %.3f) % with 0 groups, $(stats scale.idle %.3f) % with 10,000"
    echo "                            (query interval 5 s: the listener answers each General Query with 139 reports)"
    echo "   groups in ecmh's dump:   $(stats scale.groups)"
fi
if wants tunnel; then
    echo "7. Tunnel mode (-t): 6in4 peers (tunnel_peers in one namespace behind pe0), IPv6 data"
    echo "   a. Fan-out: the source paced at C / N pps, so every N asks for C copies per second in all"
    for c in "${tunnel_copies[@]}"; do
        k=tun.$c
        printf '   %-20s %-24s %-24s %-24s %-18s %-18s %s\n' "C = $c" "offered (pps)" \
            "copies read / s" "on the wire / s" "ecmh CPU %" "CPU-s / M copies" "latency p50 / p99 (µs)"
        for n in 0 1 100 1000; do
            printf '   %-20s %-24s %-24s %-24s %-18s %-18s %s\n' \
                "$([ "$n" -eq 0 ] && echo "1 Ethernet listener" || echo "$n peer$([ "$n" -gt 1 ] && echo s)")" \
                "$(stats "$k.$n.offered")" "$(stats "$k.$n.delivered")" "$(stats "$k.$n.wire")" \
                "$(stats "$k.$n.cpu" %.1f)" "$(stats "$k.$n.per_mcopy" %.2f)" \
                "$([ "$n" -eq 0 ] && echo "-" || echo "$(stats "$k.$n.p50" %.0f) / $(stats "$k.$n.p99" %.0f)")"
        done
        echo "   lost % of the copies due: Ethernet $(stats "$k.0.loss" %.2f); 1 / 100 / 1,000 peers" \
            "$(stats "$k.1.loss" %.2f); $(stats "$k.100.loss" %.2f); $(stats "$k.1000.loss" %.2f)"
        echo "   peers that got data: $(stats "$k.1.reached") of 1, $(stats "$k.100.reached") of 100," \
            "$(stats "$k.1000.reached") of 1,000"
        echo "   ecmh's own losses per trial, capture drops / send failures: Ethernet" \
            "$(stats "$k.0.kdrop") / $(stats "$k.0.sendfail"); 1 peer $(stats "$k.1.kdrop") / $(stats "$k.1.sendfail");" \
            "100 peers $(stats "$k.100.kdrop") / $(stats "$k.100.sendfail"); 1,000 peers $(stats "$k.1000.kdrop") / $(stats "$k.1000.sendfail")"
        echo "   of ecmh's CPU in the kernel (%, utime/stime: tick-sampled, rough): Ethernet $(stats "$k.0.sys" %.0f);" \
            "1 / 100 / 1,000 peers $(stats "$k.1.sys" %.0f); $(stats "$k.100.sys" %.0f); $(stats "$k.1000.sys" %.0f)"
        echo "   CPU per copy, ratio to 1 Ethernet listener: 1 peer $(ratio "$k.1.per_mcopy" "$k.0.per_mcopy")," \
            "100 peers $(ratio "$k.100.per_mcopy" "$k.0.per_mcopy"), 1,000 peers $(ratio "$k.1000.per_mcopy" "$k.0.per_mcopy")"
    done
    echo "   b. 10,000 configured peers, no listener (and tunnel mode with 0 peers, same run)"
    echo "   start-up (exec to \"running\"):  $(stats tun.idle.10000.up %.0f) ms with 10,000 peers," \
        "$(stats tun.idle.0.up %.0f) ms with 0"
    echo "   first General Queries:         all 10,000 peers within $(stats tun.idle.10000.queried %.2f) s" \
        "(1 ms apart by design); $(stats tun.idle.10000.queries) queries seen in all"
    echo "   ecmh RSS:                      $(stats tun.idle.10000.rss %.1f) MiB with 10,000 peers," \
        "$(stats tun.idle.0.rss %.1f) MiB with 0: $(calc "($(median tun.idle.10000.rss_kb) - $(median tun.idle.0.rss_kb)) * 1024 / 10000" | xargs printf '%.0f') bytes per peer"
    echo "   ecmh idle CPU:                 $(stats tun.idle.10000.idle %.3f) % with 10,000 peers over ${scale_window} s" \
        "(after both rounds of startup queries), $(stats tun.idle.0.idle %.3f) % with 0"
    echo "   peers served (dump):           $(stats tun.idle.10000.served)"
    echo "   No kernel baseline: this kernel has no sit module, and the kernel's multicast routing"
    echo "   reaches a tunnel peer only through an interface of its own (a sit device per peer)."
fi
