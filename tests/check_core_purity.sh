#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Two rules that keep the core unit-testable without root (doc/architecture.md):
#  1. The core (everything but io/, app/, main.cpp and bpf/, the XDP program that runs
#     in the kernel) includes no OS, socket or libpcap header.
#  2. The layers include only downward: net ← wire ← proto ← table ← engine ← report,
#     with io/ and app/ outside (io may use the core, app may use io and the core;
#     the core never uses io or app, io never uses app). So wire/ can never include
#     proto/, nor engine/ report/.
root=${1:-.}
cd "$root" || exit 2
status=0

leaks=$(grep -rnE '#include <(pcap|sys/|linux/|net/|netinet/|arpa/|netpacket/|unistd|poll|signal|fcntl|getopt|syslog|pwd|grp|ifaddrs)' \
        include src 2>/dev/null | grep -vE '^(include/ecmh|src)/(io|app)/|^src/main\.cpp|^src/bpf/')
if [ -n "$leaks" ]; then
    echo "OS headers in the core:"
    echo "$leaks"
    status=1
fi

rank() {
    case $1 in
    net) echo 0 ;; wire) echo 1 ;; proto) echo 2 ;; table) echo 3 ;; engine) echo 4 ;;
    report) echo 5 ;; io) echo 6 ;; app) echo 7 ;; *) echo 99 ;;
    esac
}

upward=""
for dir in include/ecmh/* src/*; do
    [ -d "$dir" ] || continue
    layer=$(basename "$dir")
    own=$(rank "$layer")
    [ "$own" = 99 ] && continue
    for file in "$dir"/*; do
        [ -f "$file" ] || continue
        for used in $(sed -n 's|^[[:space:]]*#[[:space:]]*include[[:space:]]*"ecmh/\([a-z_]*\)/.*|\1|p' "$file" | sort -u); do
            if [ "$(rank "$used")" -gt "$own" ]; then
                upward="$upward
$file ($layer) includes $used/"
            fi
        done
    done
done
if [ -n "$upward" ]; then
    echo "includes against the layer order (net ← wire ← proto ← table ← engine ← report; io, app outside):$upward"
    status=1
fi

[ $status -eq 0 ] && echo "core is pure and layered"
exit $status
