#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The per-packet micro-benchmark (ecmh_data_plane_bench) of another revision against
# this tree, in the same run: both are built in Release, then run in turn, ROUNDS times,
# pinned to one CPU, and each round's medians are printed with this tree's figure as a
# ratio of the other's, then each side's fastest round (the machine is noisy: noise
# only adds time, so the fastest round is the closest to the code's own cost).
#
#   tests/bench/compare_data_plane.sh BASE_REV [PATCH] [ROUNDS]
#
# PATCH is applied to BASE_REV first. For issue #11 (one write per copy):
#   tests/bench/compare_data_plane.sh 12ce7eb tests/bench/baseline-12ce7eb-slab-copy.patch
# makes the baseline's stand-in LinkIo copy each frame into a 64-slot slab, as its
# PacketSender::send did, so both sides pay for writing every copy into the sendmmsg slab.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
base=${1:?usage: compare_data_plane.sh BASE_REV [PATCH] [ROUNDS]}
patch=${2:-}
rounds=${3:-3}
[ -z "$patch" ] || patch=$(cd "$(dirname "$patch")" && pwd)/$(basename "$patch")

work=$(mktemp -d)
cleanup() {
    git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

git -C "$root" worktree add --detach "$work/base" "$base" >/dev/null
[ -z "$patch" ] || git -C "$work/base" apply "$patch"

build() { # source dir, build dir
    cmake -S "$1" -B "$2" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$2" --target ecmh_data_plane_bench >/dev/null
}
echo "building $base${patch:+ (patched)} and this tree (Release)…"
build "$work/base" "$work/base-build"
build "$root" "$root/build/bench-compare"

cpu=$(($(nproc) - 1))
run() { # binary → "name median_ns" lines
    taskset -c "$cpu" "$1" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true 2>/dev/null |
        awk '/_median/ { sub(/_median$/, "", $1); print $1, $2 }'
}
all="$work/all.txt"
for round in $(seq "$rounds"); do
    before=$(run "$work/base-build/tests/ecmh_data_plane_bench")
    after=$(run "$root/build/bench-compare/tests/ecmh_data_plane_bench")
    echo "round $round (ns per packet: $base → this tree, ratio)"
    join <(echo "$before" | sort) <(echo "$after" | sort) | tee -a "$all" |
        awk '{ printf "  %-24s %8.1f → %8.1f  %.2f\n", $1, $2, $3, $3 / $2 }'
done
# Noise only ever adds time: the fastest round of each side is the closest to its cost.
echo "fastest of $rounds rounds (ns per packet: $base → this tree, ratio)"
sort "$all" | awk '
    $1 != name { if (name != "") printf "  %-24s %8.1f → %8.1f  %.2f\n", name, b, a, a / b
                 name = $1; b = $2; a = $3; next }
    { if ($2 < b) b = $2; if ($3 < a) a = $3 }
    END { printf "  %-24s %8.1f → %8.1f  %.2f\n", name, b, a, a / b }'
