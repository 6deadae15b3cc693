#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Checks the Debian package end to end (tests/run.sh runs it last; run it alone as root):
#
#   sudo tests/package/check_package.sh
#
#  1. builds it with dpkg-buildpackage in a copy of this tree (the files git tracks plus the
#     untracked ones it does not ignore: in CI, a clean clone), never writing into the tree;
#  2. runs lintian on the .changes (source and binary), failing on any error;
#  3. installs the .deb (no service is started by the install: see policy-rc.d below), checks
#     the files, the ecmh system user, `ecmh -V`, the configuration file (a conffile, all
#     comments: `ecmh --check-config` takes it), and `systemd-analyze verify` on the unit;
#  4. runs the packaged daemon in two network namespaces of its own, router and host, joined
#     by two veth pairs (upstream eup0-eup1, downstream edn0-edn1; documentation addresses):
#     /etc/init.d/ecmh start (as the ecmh user, CAP_NET_RAW only), status, dumpstats (the
#     dump lists both links and a group the host joins), reload, restart, stop, the
#     ECMH_ENABLE switch, a bad configuration file refused at start; then the systemd unit's
#     privilege model by hand (systemd is not
#     PID 1 here): ecmh started as the ecmh user with CAP_NET_RAW as its only (ambient)
#     capability and nice -15, as User=, AmbientCapabilities= and Nice= do, and with
#     NOTIFY_SOCKET pointing at a socket this check listens on, as Type=notify does
#     (tests/integration/tools/notify_socket.py): READY=1 once it serves, STATUS=,
#     RELOADING=1 then READY=1 on SIGHUP, STOPPING=1 on SIGTERM, all from the main pid;
#  5. purges the package and removes what it created (namespaces, the ecmh user if it did
#     not exist before, temporary files), also on failure or Ctrl-C.
#
# Installs what it needs with apt-get if missing. ECMH_JOBS (default: the number of CPUs)
# sets the build parallelism. Refuses to run if the ecmh package is already installed.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
jobs=${ECMH_JOBS:-$(nproc)}
started=$SECONDS

say() { echo "-- $*"; }
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || fail "run as root (it installs and purges the ecmh package)"

if dpkg-query -W -f='${Status}' ecmh 2>/dev/null | grep -q 'install ok installed'; then
    fail "the ecmh package is already installed; this check installs and purges it: run 'dpkg --purge ecmh' first"
fi

packages=(dpkg-dev debhelper lintian fakeroot build-essential cmake pkgconf libpcap-dev libsystemd-dev
          clang bpftool libbpf-dev
          systemd man-db adduser iproute2 git python3)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/ecmh-package.XXXXXX)
ns_router=ecmh-pkg-$$-router
ns_host=ecmh-pkg-$$-host
policy=/usr/sbin/policy-rc.d
policy_ours=no
installed=no
user_existed=no
getent passwd ecmh >/dev/null && user_existed=yes
daemon_pids=() # ecmh processes this check started (checked to be ecmh before a kill)
notify_pid=""  # the notify socket's listener
notify_dir=""

is_ecmh() { [ "$(readlink "/proc/$1/exe" 2>/dev/null)" = /usr/sbin/ecmh ]; }

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    for pid in "${daemon_pids[@]}"; do
        if is_ecmh "$pid"; then
            kill -TERM "$pid" 2>/dev/null
            for _ in $(seq 50); do is_ecmh "$pid" || break; sleep 0.1; done
            is_ecmh "$pid" && kill -KILL "$pid" 2>/dev/null
        fi
    done
    if [ -n "$notify_pid" ]; then
        kill -TERM "$notify_pid" 2>/dev/null
        wait "$notify_pid" 2>/dev/null
    fi
    [ -n "$notify_dir" ] && rm -rf "$notify_dir"
    if [ "$installed" = yes ]; then
        dpkg --purge ecmh >"$work/purge.log" 2>&1 || { echo "dpkg --purge ecmh failed:" >&2; cat "$work/purge.log" >&2; }
    fi
    if [ "$user_existed" = no ] && getent passwd ecmh >/dev/null; then
        userdel ecmh 2>/dev/null
        getent group ecmh >/dev/null && groupdel ecmh 2>/dev/null
    fi
    [ "$policy_ours" = yes ] && rm -f "$policy"
    ip netns del "$ns_router" 2>/dev/null
    ip netns del "$ns_host" 2>/dev/null
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Waits (bounded, in tenths of a second) until the command succeeds.
wait_for() {
    local tenths=$1
    shift
    for _ in $(seq "$tenths"); do
        "$@" && return 0
        sleep 0.1
    done
    "$@"
}

# ---------------------------------------------------------------------------------------
say "copying the tree to $work/ecmh"
mkdir "$work/ecmh"
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked files (as they are now) and untracked ones git does not ignore; not build/.
    git -C "$root" ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [ -e "$root/$f" ] && printf '%s\0' "$f"; done |
        tar -C "$root" --null -T - -cf - | tar -C "$work/ecmh" -xf -
else
    tar -C "$root" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$work/ecmh" -xf -
fi

say "dpkg-buildpackage -us -uc (parallel=$jobs)"
build_start=$SECONDS
if ! (cd "$work/ecmh" && DEB_BUILD_OPTIONS="parallel=$jobs" dpkg-buildpackage -us -uc >"$work/build.log" 2>&1); then
    tail -n 60 "$work/build.log" >&2
    fail "dpkg-buildpackage failed (the end of its log is above)"
fi
version=$(cd "$work/ecmh" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
deb=$work/ecmh_${version}_${arch}.deb
changes=$work/ecmh_${version}_${arch}.changes
[ -f "$deb" ] || fail "no $deb"
[ -f "$changes" ] || fail "no $changes"
say "built ecmh $version in $((SECONDS - build_start)) s: $(cd "$work" && echo *.deb *.dsc)"

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/sbin/ecmh ./usr/sbin/ecmhctl ./usr/share/man/man8/ecmh.8.gz \
         ./usr/share/man/man8/ecmhctl.8.gz ./usr/share/man/man5/ecmh.conf.5.gz \
         ./etc/default/ecmh ./etc/ecmh/ecmh.conf ./etc/init.d/ecmh \
         ./lib/systemd/system/ecmh.service ./usr/share/doc/ecmh/copyright; do
    grep -qx -- "$f" <<<"$contents" || fail "$f is not in the package"
done

say "lintian --fail-on error"
# lintian says that running as root is not recommended; it only reads the files here.
lintian_rc=0
lintian --fail-on error --info "$changes" >"$work/lintian.log" 2>&1 || lintian_rc=$?
grep -v 'running with root privileges is not recommended' "$work/lintian.log" || true
[ "$lintian_rc" -eq 0 ] || fail "lintian reports errors (exit status $lintian_rc)"
echo "lintian: no errors ($(grep -c '^W: ' "$work/lintian.log" || true) warnings)"

# ---------------------------------------------------------------------------------------
# A package's postinst starts its service through invoke-rc.d; here that would run ecmh on
# this machine's own links. policy-rc.d (exit 101) forbids it, as in containers.
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# ecmh tests/package/check_package.sh: no service starts while it runs\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    policy_ours=yes
fi

say "dpkg -i $(basename "$deb")"
installed=yes
dpkg -i "$deb" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "dpkg -i failed"; }
pgrep -x ecmh -u ecmh >/dev/null 2>&1 && say "note: an ecmh runs as user ecmh outside this check"

printf 'ecmh -V: %s\n' "$(ecmh -V | head -n 1)"
ecmh -V | head -n 1 | grep -q "^ecmh ${version%%-*} " || fail "ecmh -V does not say version ${version%%-*}"
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd ecmh) || fail "no ecmh user"
if [ "$uid" -ge 1000 ] || [ "$home" != /nonexistent ]; then
    fail "ecmh is not a system user without a home (uid $uid, home $home)"
fi
echo "user: ecmh (uid $uid, home $home, shell $shell)"

say "/etc/ecmh/ecmh.conf"
conf=/etc/ecmh/ecmh.conf
dpkg-query -W -f='${Conffiles}\n' ecmh | awk '{print $1}' | grep -qx "$conf" ||
    fail "$conf is not a conffile of the package"
[ "$(stat -c '%a %U' "$conf")" = "644 root" ] || fail "$conf is $(stat -c '%a %U' "$conf"), not 644 root"
grep -Ev '^[[:space:]]*(#|$)' "$conf" && fail "$conf has the lines above uncommented: as shipped it must change nothing"
rc=0
check_out=$(ecmh --check-config "$conf" 2>&1) || rc=$?
echo "$check_out"
[ "$rc" -eq 0 ] || fail "ecmh --check-config $conf exits $rc"
# As the unit's user: the file must be readable by it.
setpriv --reuid=ecmh --regid=ecmh --clear-groups /usr/sbin/ecmh --check-config "$conf" >/dev/null ||
    fail "the ecmh user cannot check $conf"
echo "$conf: a conffile, every line a comment, ecmh --check-config exits 0 (also as user ecmh)"

say "systemd-analyze verify /lib/systemd/system/ecmh.service"
# Also checks ExecStart's binary and Documentation=man:ecmh(8) (man-db finds the page) —
# unless dpkg was told not to install manual pages (path-exclude, as in slim containers).
verify_args=()
if [ ! -e /usr/share/man/man8/ecmh.8.gz ]; then
    echo "the manual page is not installed here (dpkg path-exclude?): verifying with --man=no"
    verify_args+=(--man=no)
fi
verify_log=$work/verify.log
if ! systemd-analyze verify "${verify_args[@]}" /lib/systemd/system/ecmh.service >"$verify_log" 2>&1; then
    cat "$verify_log" >&2
    fail "systemd-analyze verify"
fi
if grep -q . "$verify_log"; then
    cat "$verify_log"
    grep -q 'ecmh\.service' "$verify_log" && fail "systemd-analyze verify warns about ecmh.service"
fi
echo "systemd-analyze verify: ok"

# ---------------------------------------------------------------------------------------
say "network namespaces $ns_router, $ns_host"
ip netns add "$ns_router"
ip netns add "$ns_host"
for ns in "$ns_router" "$ns_host"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    ip -n "$ns" link set lo up
done
ip -n "$ns_router" link add eup0 type veth peer name eup1 netns "$ns_host"
ip -n "$ns_router" link add edn0 type veth peer name edn1 netns "$ns_host"
ip -n "$ns_router" addr add 2001:db8:1::1/64 dev eup0
ip -n "$ns_router" addr add 192.0.2.1/24 dev eup0
ip -n "$ns_router" addr add 2001:db8:2::1/64 dev edn0
ip -n "$ns_router" addr add 198.51.100.1/24 dev edn0
ip -n "$ns_host" addr add 2001:db8:1::2/64 dev eup1
ip -n "$ns_host" addr add 192.0.2.2/24 dev eup1
ip -n "$ns_host" addr add 2001:db8:2::2/64 dev edn1
ip -n "$ns_host" addr add 198.51.100.2/24 dev edn1
for l in eup0 edn0; do ip -n "$ns_router" link set "$l" up; done
for l in eup1 edn1; do ip -n "$ns_host" link set "$l" up; done
has_link_local() { ip -n "$1" -6 addr show dev "$2" scope link | grep -q 'inet6 fe80'; }
wait_for 50 has_link_local "$ns_router" edn0 || fail "no link-local address on edn0"

initd() { ip netns exec "$ns_router" /etc/init.d/ecmh "$@"; }
pidfile=/run/ecmh/ecmh.pid
dumpfile=/run/ecmh/ecmh.dump
running_pid() {
    local pid
    pid=$(cat "$pidfile" 2>/dev/null) && [ -n "$pid" ] && is_ecmh "$pid" && echo "$pid"
}
dump_has() { [ -f "$dumpfile" ] && grep -q -- "$1" "$dumpfile"; }

sed -i 's/^OPTIONS=.*/OPTIONS="-i eup0"/' /etc/default/ecmh
grep -q '^ECMH_ENABLE=yes' /etc/default/ecmh || fail "/etc/default/ecmh does not enable ecmh"
grep -q '^ECMH_USER=ecmh' /etc/default/ecmh || fail "/etc/default/ecmh does not name the ecmh user"

say "/etc/init.d/ecmh start"
initd start
pid=$(running_pid) || fail "no ecmh running after start (pid file: $(cat "$pidfile" 2>&1))"
daemon_pids+=("$pid")
ps -o pid=,user=,ni=,args= -p "$pid"
[ "$(ps -o user= -p "$pid")" = ecmh ] || fail "ecmh does not run as the ecmh user"
caps=$(awk '/^CapEff:/ {print $2}' "/proc/$pid/status")
[ "$caps" = 0000000000002000 ] || fail "effective capabilities $caps, not CAP_NET_RAW only"
echo "runs as ecmh, effective capabilities $caps (CAP_NET_RAW)"
[ "$(ip netns identify "$pid")" = "$ns_router" ] || fail "ecmh is not in $ns_router"

say "/etc/init.d/ecmh start (again: already running)"
initd start
[ "$(running_pid)" = "$pid" ] || fail "a second start replaced or stopped ecmh"

say "/etc/init.d/ecmh status"
initd status || fail "status exits $? while ecmh runs"

say "the host joins 239.1.2.3 and ff0e::db8:1 on edn1"
ip -n "$ns_host" addr add 239.1.2.3/32 dev edn1 autojoin
ip -n "$ns_host" -6 addr add ff0e::db8:1/128 dev edn1 autojoin

say "/etc/init.d/ecmh dumpstats"
initd dumpstats
[ -s "$dumpfile" ] || fail "no dump in $dumpfile"
for l in eup0 edn0; do
    dump_has "^Interface: $l\$" || fail "the dump does not list $l"
done
echo "the dump lists eup0 and edn0"
joined() { initd dumpstats >/dev/null && dump_has 'Group : 239.1.2.3' && dump_has 'Group : ff0e::db8:1'; }
wait_for 10 joined || { cat "$dumpfile"; fail "the dump does not list the groups the host joined"; }
echo "the dump lists the groups 239.1.2.3 and ff0e::db8:1 (captured on edn0)"
grep -E '^(Group :|Interface:|  Role)' "$dumpfile" | head -n 20

say "ecmhctl show stats, show groups --json (the control socket)"
sock=/run/ecmh/ecmh.sock
[ "$(stat -c '%U:%G %a' "$sock")" = "ecmh:ecmh 660" ] ||
    fail "control socket $sock is $(stat -c '%U:%G %a' "$sock" 2>&1), not ecmh:ecmh 660"
ecmhctl show stats | grep -q '^version  *ecmh ' || fail "ecmhctl show stats did not answer"
ecmhctl --json show groups | grep -q '"group-address":"239.1.2.3"' ||
    fail "ecmhctl --json show groups does not list 239.1.2.3: $(ecmhctl --json show groups)"
echo "ecmhctl answers over $sock (ecmh:ecmh 660)"

say "/etc/init.d/ecmh reload (SIGHUP: rescan)"
initd reload
sleep 0.2
[ "$(running_pid)" = "$pid" ] || fail "ecmh did not survive reload"

say "/etc/init.d/ecmh restart"
initd restart
newpid=$(running_pid) || fail "no ecmh after restart"
daemon_pids+=("$newpid")
[ "$newpid" != "$pid" ] || fail "restart kept pid $pid"
pid=$newpid
echo "restarted: pid $pid"

say "/etc/init.d/ecmh stop"
initd stop
is_gone() { ! is_ecmh "$1"; }
wait_for 50 is_gone "$pid" || fail "ecmh $pid still runs after stop"
[ ! -s "$pidfile" ] || fail "pid file $pidfile left behind: $(cat "$pidfile")"
[ ! -e /run/ecmh/ecmh.sock ] || fail "control socket left behind after stop"
echo "stopped: pid $pid gone, pid file and control socket removed"
dump_has '^Interface: edn0$' || fail "no last dump at exit"
rc=0
initd status >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 3 ] || fail "status exits $rc after stop, not 3"
echo "status after stop: exit 3 (not running)"
initd stop >/dev/null || fail "stop of a stopped ecmh fails"
rc=0
initd dumpstats >/dev/null 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "dumpstats succeeds with ecmh stopped"

say "a bad /etc/ecmh/ecmh.conf: start refuses it"
cp "$conf" "$work/ecmh.conf.orig"
printf 'link edn0\n    role sideways\n' >>"$conf"
rc=0
initd start >"$work/badconf.log" 2>&1 || rc=$?
cat "$work/badconf.log"
if [ "$rc" -eq 0 ]; then
    pid=$(running_pid) && daemon_pids+=("$pid") # stopped by the cleanup
    fail "start succeeds with a bad $conf"
fi
grep -q "$conf:[0-9]*: invalid value 'sideways' for role" "$work/badconf.log" ||
    fail "start does not say which line of $conf is bad"
# ecmh exits before it daemonizes, so the start above has returned its status.
running_pid >/dev/null && fail "ecmh runs with a bad $conf"
cp "$work/ecmh.conf.orig" "$conf"
echo "refused: the init script passes --config $conf"

say "ECMH_ENABLE=no"
sed -i 's/^ECMH_ENABLE=.*/ECMH_ENABLE=no/' /etc/default/ecmh
initd start
sleep 0.2
running_pid >/dev/null && fail "ecmh started although ECMH_ENABLE=no"
sed -i 's/^ECMH_ENABLE=.*/ECMH_ENABLE=yes/' /etc/default/ecmh

# ---------------------------------------------------------------------------------------
# The unit's privilege model, by hand: User=ecmh, AmbientCapabilities=CAP_NET_RAW,
# CapabilityBoundingSet=CAP_NET_RAW, NoNewPrivileges=yes, Nice=-15, RuntimeDirectory=ecmh,
# and its ExecStart (after the unit's ExecCondition).
say "the unit's privilege model: ecmh as user ecmh with ambient CAP_NET_RAW, nice -15, Type=notify"
unit=/lib/systemd/system/ecmh.service
for line in User=ecmh AmbientCapabilities=CAP_NET_RAW CapabilityBoundingSet=CAP_NET_RAW Nice=-15 \
            RuntimeDirectory=ecmh NoNewPrivileges=yes Type=notify NotifyAccess=main; do
    grep -qx "$line" "$unit" || fail "the unit has no $line: update this check"
done
# The signal goes last: ExecReload= lines run in order and stop at the first failure, so
# a configuration that does not check keeps the running ecmh as it is.
# shellcheck disable=SC2016 # $MAINPID is systemd's, literally
[ "$(sed -n 's/^ExecReload=//p' "$unit" | tail -n 1)" = '/bin/kill -HUP $MAINPID' ] ||
    fail "the unit's last ExecReload= is not /bin/kill -HUP \$MAINPID"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
grep -q -- "--config $conf" <<<"$exec_start" || fail "the unit's ExecStart has no --config $conf"
condition=$(sed -n 's/^ExecCondition=//p' "$unit")
# The condition as systemd runs it ($$ is a literal $), with the defaults file's values.
condition_script=$(sed -n "s/^\/bin\/sh -c '\(.*\)'\$/\1/p" <<<"$condition" | sed 's/\$\$/$/g')
[ -n "$condition_script" ] || fail "ExecCondition is not /bin/sh -c '...'"
for value in yes no; do
    rc=0
    env -i ECMH_ENABLE=$value /bin/sh -c "$condition_script" || rc=$?
    if [ "$value" = yes ] && [ $rc -ne 0 ]; then fail "ExecCondition refuses ECMH_ENABLE=yes"; fi
    if [ "$value" = no ] && [ $rc -eq 0 ]; then fail "ExecCondition accepts ECMH_ENABLE=no"; fi
done
# shellcheck source=/dev/null
OPTIONS=$(. /etc/default/ecmh && echo "$OPTIONS")
read -r -a argv <<<"${exec_start//\$OPTIONS/$OPTIONS}"
rm -rf /run/ecmh
install -d -o ecmh -g ecmh -m 0755 /run/ecmh # RuntimeDirectory=ecmh
# Type=notify: systemd's notify socket, played by this check (mode 0777 as systemd's, in a
# directory the ecmh user can reach). Each line of $notify_log is one message with its
# sender's pid and whether the pid file was written when it arrived.
notify_dir=$(mktemp -d /tmp/ecmh-notify.XXXXXX)
chmod 0755 "$notify_dir"
notify_log=$work/notify.log
python3 "$root/tests/integration/tools/notify_socket.py" "$notify_dir/notify" "$notify_log" \
    --watch "$pidfile" &
notify_pid=$!
wait_for 50 grep -qsx '# ready' "$notify_log" || fail "the notify socket listener did not start"
NOTIFY_SOCKET=$notify_dir/notify ip netns exec "$ns_router" nice -n -15 \
    setpriv --reuid=ecmh --regid=ecmh --clear-groups --no-new-privs \
    --inh-caps=-all,+net_raw --ambient-caps=-all,+net_raw --bounding-set=-all,+net_raw \
    "${argv[@]}" >"$work/unit.log" 2>&1 &
pid=$!
daemon_pids+=("$pid")
echo "${argv[*]}"
wait_for 50 grep -q 'running with 2 links' "$work/unit.log" || { cat "$work/unit.log"; fail "ecmh did not start"; }
[ "$(running_pid)" = "$pid" ] || fail "the pid file does not name $pid"
caps=$(awk '/^CapEff:/ {print $2}' "/proc/$pid/status")
[ "$caps" = 0000000000002000 ] || fail "effective capabilities $caps"
[ "$(ps -o user= -p "$pid")" = ecmh ] || fail "not user ecmh"
[ "$(ps -o ni= -p "$pid" | tr -d ' ')" = -15 ] || fail "nice is not -15"
grep -q 'cannot raise priority' "$work/unit.log" && fail "ecmh could not keep nice -15"
echo "pid $pid: user ecmh, nice -15, effective capabilities $caps"
tab=$'\t'
# The messages from $pid (NotifyAccess=main) that carry the field $1 (KEY=value), numbered.
notified() { grep -n "^pid=$pid$tab" "$notify_log" | grep -F "$tab$1"; }
count_notified() { notified "$1" | grep -c . || true; }
wait_for 100 notified READY=1 >/dev/null || { cat "$notify_log"; fail "no READY=1 from ecmh"; }
ready=$(notified READY=1)
echo "notify: $ready"
grep -qF "${tab}watched=yes$tab" <<<"$ready" || fail "READY=1 came before the pid file was written"
grep -qF "${tab}STATUS=serving 2 links, upstream eup0" <<<"$ready" || fail "READY=1 without the expected STATUS="
# The host joined long ago: it reports only in answer to this ecmh's first General
# Query, after a random delay of up to the Max Response Time (QRI, 10 s by default).
wait_for 120 eval 'initd dumpstats >/dev/null && dump_has "Group : 239.1.2.3"' ||
    { cat "$work/unit.log"; fail "no dump listing the group"; }
grep -Eq 'ICMP.s sent +: [1-9]' "$dumpfile" || fail "ecmh sent no MLD/IGMP message"
echo "dump: both links, the joined groups, MLD/IGMP messages sent"
[ "$(count_notified READY=1)" -eq 1 ] || fail "more than one READY=1 before any reload"
ecmhctl show stats | grep -q '^version  *ecmh ' || fail "ecmhctl show stats: no answer from the unit's ecmh"
echo "ecmhctl show stats answers"
kill -HUP "$pid" # systemctl reload
reloaded() { [ "$(count_notified READY=1)" -ge 2 ]; }
wait_for 100 reloaded || { cat "$notify_log"; fail "no READY=1 after SIGHUP"; }
reloading=$(notified RELOADING=1) || { cat "$notify_log"; fail "no RELOADING=1 on SIGHUP"; }
grep -qF "${tab}MONOTONIC_USEC=" <<<"$reloading" || fail "RELOADING=1 without MONOTONIC_USEC="
first_ready=$(notified READY=1 | sed -n 1p | cut -d: -f1)
second_ready=$(notified READY=1 | sed -n 2p | cut -d: -f1)
reloading_at=$(cut -d: -f1 <<<"$reloading")
if [ "$first_ready" -gt "$reloading_at" ] || [ "$reloading_at" -gt "$second_ready" ]; then
    cat "$notify_log"
    fail "not READY=1, RELOADING=1, READY=1 in this order"
fi
echo "notify: SIGHUP gives RELOADING=1 (with MONOTONIC_USEC) then READY=1"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
wait_for 50 notified STOPPING=1 >/dev/null || { cat "$notify_log"; fail "no STOPPING=1 on SIGTERM"; }
others=$(grep -v -e '^# ready$' -e "^pid=$pid$tab" "$notify_log" || true)
[ -z "$others" ] || fail "notifications from other processes than ecmh $pid: $others"
echo "notify: SIGTERM gives STOPPING=1; every message came from the main pid $pid"
[ "$rc" -eq 0 ] || { cat "$work/unit.log"; fail "ecmh exited with status $rc on SIGTERM"; }
[ ! -e "$pidfile" ] || fail "pid file left behind"
grep -q 'SIGHUP: rescanning interfaces' "$work/unit.log" || fail "no rescan on SIGHUP"
echo "SIGHUP rescans, SIGTERM exits 0 and removes the pid file"

# ---------------------------------------------------------------------------------------
say "dpkg --purge ecmh"
dpkg --purge ecmh >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "dpkg --purge ecmh failed"; }
installed=no
for f in /usr/sbin/ecmh /usr/sbin/ecmhctl /etc/default/ecmh /etc/ecmh /etc/init.d/ecmh /lib/systemd/system/ecmh.service /run/ecmh; do
    [ ! -e "$f" ] || fail "$f remains after purge"
done
echo "purged"
echo "package check passed in $((SECONDS - started)) s"
