#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Regenerates the MLD/IGMP captures in this directory from a real Linux kernel.
# Run as root: tests/captures/make_captures.sh [OUTPUT_DIR]   (default: this directory)
#
# Each scenario gets a fresh pair of network namespaces joined by a veth pair:
#
#   +--------------- ecmhcap-<pid>-h<n> ----+       +------------- ecmhcap-<pid>-r<n> ---+
#   |  "host": the Linux kernel's MLD/IGMP  |       |  "router": tcpdump -i rtr0 -w ...  |
#   |  host side, driven by join.py         |       |  (unfiltered, -s 0, -U); query.py  |
#   |                                       |       |  sends General Queries (scapy)     |
#   |  host0  02:00:00:00:00:0a             | veth  |  rtr0  02:00:00:00:01:00           |
#   |         fe80::a/64, 198.51.100.10/24  +-------+        fe80::100/64, 198.51.100.100/24
#   +---------------------------------------+       +------------------------------------+
#
# Addresses are static and DAD, router solicitation and the automatic link-local
# address are off, so nothing but the scenario's own reports reaches the capture: the
# script waits for the links to fall silent before tcpdump starts, join.py waits for
# every expected packet before taking its next step, and at the end the script checks
# that exactly the expected number of frames arrived and that no more follow.
#
# Needs: iproute2, tcpdump, /usr/bin/python3 with python3-scapy (query.py only).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE}
PY=/usr/bin/python3
TAG="ecmhcap-$$"
WORK=$(mktemp -d "/tmp/${TAG}.XXXXXX")

NAMESPACES=()
PIDS=()

cleanup() {
    local rc=$?
    set +e
    local pid ns
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    for ns in ${NAMESPACES[@]+"${NAMESPACES[@]}"}; do
        ip netns del "$ns" 2>/dev/null
    done
    rm -rf "$WORK"
    if [ "$rc" -ne 0 ]; then
        echo "make_captures.sh: FAILED (exit $rc)" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
    echo "make_captures.sh: $*" >&2
    exit 1
}

forget_pid() {
    local keep=() pid
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do
        [ "$pid" = "$1" ] || keep+=("$pid")
    done
    PIDS=(${keep[@]+"${keep[@]}"})
}

# Packets in a pcap that tcpdump may still be writing (complete records only).
count_packets() {
    tcpdump -r "$1" 2>/dev/null | wc -l
}

# Polls (at most 5 s) until FILE holds exactly N packets; more is an error.
wait_count() {
    local file=$1 want=$2 have i
    for i in $(seq 100); do
        have=$(count_packets "$file")
        [ "$have" -le "$want" ] || die "$file: $have packets, expected $want"
        [ "$have" -lt "$want" ] || return 0
        sleep 0.05
    done
    die "$file: timed out with $have of $want packets"
}

# Waits (at most 20 s) until rtr0 has neither sent nor received anything for 3 s:
# the unsolicited reports for the solicited-node group are over.
wait_quiet() {
    local ns=$1 last="" now quiet=0 i
    for i in $(seq 80); do
        now=$(ip netns exec "$ns" cat /sys/class/net/rtr0/statistics/rx_packets \
            /sys/class/net/rtr0/statistics/tx_packets | tr '\n' ' ')
        if [ "$now" = "$last" ]; then
            quiet=$((quiet + 1))
            [ "$quiet" -lt 12 ] || return 0
        else
            quiet=0
            last=$now
        fi
        sleep 0.25
    done
    die "the link in $ns did not fall silent"
}

# setup_pair HOST_NS ROUTER_NS FORCE_MLD_VERSION FORCE_IGMP_VERSION
setup_pair() {
    local h=$1 r=$2 mld=$3 igmp=$4 ns
    ip netns add "$h"
    NAMESPACES+=("$h")
    ip netns add "$r"
    NAMESPACES+=("$r")
    for ns in "$h" "$r"; do
        # Before the veth exists, so that it inherits the defaults.
        ip netns exec "$ns" sysctl -qw \
            net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
            net.ipv6.conf.all.router_solicitations=0 net.ipv6.conf.default.router_solicitations=0 \
            net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
            net.ipv6.conf.default.addr_gen_mode=1 \
            net.ipv6.conf.default.mldv1_unsolicited_report_interval=1000 \
            net.ipv6.conf.default.mldv2_unsolicited_report_interval=1000 \
            net.ipv4.conf.default.igmpv2_unsolicited_report_interval=1000 \
            net.ipv4.conf.default.igmpv3_unsolicited_report_interval=1000
    done
    ip netns exec "$h" sysctl -qw \
        net.ipv6.conf.all.force_mld_version="$mld" net.ipv6.conf.default.force_mld_version="$mld" \
        net.ipv4.conf.all.force_igmp_version="$igmp" net.ipv4.conf.default.force_igmp_version="$igmp"

    ip -n "$h" link add name host0 address 02:00:00:00:00:0a type veth \
        peer name rtr0 address 02:00:00:00:01:00 netns "$r"
    ip netns exec "$h" sysctl -qw net.ipv6.conf.host0.accept_dad=0 \
        net.ipv6.conf.host0.force_mld_version="$mld" net.ipv4.conf.host0.force_igmp_version="$igmp"
    ip netns exec "$r" sysctl -qw net.ipv6.conf.rtr0.accept_dad=0
    ip -n "$h" link set dev host0 addrgenmode none
    ip -n "$r" link set dev rtr0 addrgenmode none
    ip -n "$h" addr add fe80::a/64 dev host0 nodad
    ip -n "$h" addr add 198.51.100.10/24 dev host0
    ip -n "$r" addr add fe80::100/64 dev rtr0 nodad
    ip -n "$r" addr add 198.51.100.100/24 dev rtr0
    ip -n "$h" link set dev lo up
    ip -n "$r" link set dev lo up
    ip -n "$r" link set dev rtr0 up
    ip -n "$h" link set dev host0 up
}

teardown_pair() {
    local ns keep=()
    ip netns del "$1"
    ip netns del "$2"
    for ns in ${NAMESPACES[@]+"${NAMESPACES[@]}"}; do
        [ "$ns" = "$1" ] || [ "$ns" = "$2" ] || keep+=("$ns")
    done
    NAMESPACES=(${keep[@]+"${keep[@]}"})
}

SCENARIO=0

# scenario NAME MLD IGMP TOTAL QUERY QUERY_AT -- JOIN_STEPS...
#   QUERY: none | mldv2 | igmpv3, sent once the capture holds QUERY_AT packets.
scenario() {
    local name=$1 mld=$2 igmp=$3 total=$4 query=$5 query_at=$6
    shift 7
    SCENARIO=$((SCENARIO + 1))
    local h="${TAG}-h${SCENARIO}" r="${TAG}-r${SCENARIO}"
    local pcap="$WORK/$name.pcap" err="$WORK/$name.tcpdump.err"
    echo "== $name"

    setup_pair "$h" "$r" "$mld" "$igmp"
    wait_quiet "$r"

    ip netns exec "$r" tcpdump -i rtr0 -s 0 -U --immediate-mode -Z root -w "$pcap" 2>"$err" &
    local tcpdump_pid=$!
    PIDS+=("$tcpdump_pid")
    local i
    for i in $(seq 100); do
        ! grep -q "listening on" "$err" || break
        kill -0 "$tcpdump_pid" 2>/dev/null || die "tcpdump failed: $(cat "$err")"
        sleep 0.05
    done
    grep -q "listening on" "$err" || die "tcpdump did not start: $(cat "$err")"

    ip netns exec "$h" "$PY" "$HERE/join.py" --ifname host0 --pcap "$pcap" "$@" &
    local join_pid=$!
    PIDS+=("$join_pid")
    if [ "$query" != none ]; then
        wait_count "$pcap" "$query_at"
        ip netns exec "$r" "$PY" "$HERE/query.py" "$query" rtr0
    fi
    wait "$join_pid" || die "$name: join.py failed"
    forget_pid "$join_pid"

    wait_count "$pcap" "$total"
    # Longer than any retransmission interval (1 s): nothing more may follow.
    sleep 2
    [ "$(count_packets "$pcap")" -eq "$total" ] || die "$name: more than $total packets"
    kill -TERM "$tcpdump_pid"
    wait "$tcpdump_pid" || true
    forget_pid "$tcpdump_pid"

    teardown_pair "$h" "$r"
    cp "$pcap" "$OUT/$name.pcap"
    tcpdump -vv -n -e -r "$OUT/$name.pcap" 2>/dev/null | sed 's/^/   /'
}

G6=ff0e::1:1000
SSM6=ff3e::8000:1
S6A=2001:db8:1::1
S6B=2001:db8:1::2
G4=239.1.1.1
SSM4=232.1.1.1
S4A=192.0.2.101
S4B=192.0.2.102

mkdir -p "$OUT"

# MLDv2, any-source: TO_EX({}) ×2, then TO_IN({}) ×2.
scenario mldv2_asm_join_leave 2 0 4 none 0 -- \
    ipv6-join $G6 await 2 ipv6-leave $G6 await 4
# MLDv2, source-specific: ALLOW(S1) ×2, ALLOW(S2) ×2, BLOCK(S1) ×2, BLOCK(S2) ×2.
scenario mldv2_ssm_join_leave 2 0 8 none 0 -- \
    join-source $SSM6 $S6A await 2 join-source $SSM6 $S6B await 4 \
    leave-source $SSM6 $S6A await 6 leave-source $SSM6 $S6B await 8
# MLDv2, EXCLUDE with sources, and the answer to a General Query.
scenario mldv2_exclude_sources 2 0 10 mldv2 6 -- \
    join $G6 await 2 block $G6 $S6A await 4 block $G6 $S6B await 6 \
    await 8 leave $G6 await 10
# MLDv1: Report ×2, Done.
scenario mldv1_join_leave 1 0 3 none 0 -- \
    ipv6-join $G6 await 2 ipv6-leave $G6 await 3

# IGMPv3, any-source: TO_EX({}) ×2, then TO_IN({}) ×2.
scenario igmpv3_asm_join_leave 0 3 4 none 0 -- \
    ip-join $G4 await 2 ip-leave $G4 await 4
# IGMPv3, source-specific (232/8).
scenario igmpv3_ssm_join_leave 0 3 8 none 0 -- \
    join-source $SSM4 $S4A await 2 join-source $SSM4 $S4B await 4 \
    leave-source $SSM4 $S4A await 6 leave-source $SSM4 $S4B await 8
# IGMPv3, EXCLUDE with sources, and the answer to a General Query.
scenario igmpv3_exclude_sources 0 3 10 igmpv3 6 -- \
    join $G4 await 2 block $G4 $S4A await 4 block $G4 $S4B await 6 \
    await 8 leave $G4 await 10
# IGMPv2: Report ×2, Leave to 224.0.0.2.
scenario igmpv2_join_leave 0 2 3 none 0 -- \
    ip-join $G4 await 2 ip-leave $G4 await 3
# IGMPv1: Report ×2; v1 has no Leave.
scenario igmpv1_join_leave 0 1 2 none 0 -- \
    ip-join $G4 await 2 ip-leave $G4 hold 0.1

echo "make_captures.sh: all captures written to $OUT"
