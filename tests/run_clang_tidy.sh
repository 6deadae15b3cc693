#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# clang-tidy over every product source (src/, and the headers they include from
# include/ecmh), with the repository's .clang-tidy. Any finding fails: the checks that
# do not matter to us are switched off there, not ignored here.
#
#   tests/run_clang_tidy.sh BUILD_DIR [JOBS]     BUILD_DIR has compile_commands.json
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: run_clang_tidy.sh BUILD_DIR [JOBS]}
jobs=${2:-$(nproc)}
cd "$root"
build=$(cd "$build" && pwd)
[ -f "$build/compile_commands.json" ] || { echo "no compile_commands.json in $build" >&2; exit 2; }

tidy=$(command -v clang-tidy || true)
[ -n "$tidy" ] || { echo "clang-tidy is not installed" >&2; exit 2; }

# Only the sources this build compiles: the XDP fast path's io sources, or their
# stand-in io/xdp_unavailable.cpp, are left out by the build's ECMH_XDP setting.
mapfile -t sources < <(find src -name '*.cpp' | sort | while read -r f; do
    grep -q "\"file\": \"$root/$f\"" "$build/compile_commands.json" && echo "$f"; done)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# One clang-tidy per file, $jobs at a time; --quiet keeps only findings. .clang-tidy
# makes every finding an error, so a file with findings (or one that does not parse)
# makes clang-tidy, and so xargs, exit non-zero.
status=0
printf '%s\n' "${sources[@]}" |
    xargs -P "$jobs" -I{} "$tidy" -p "$build" --quiet {} >"$log" 2>&1 || status=$?
# A finding starts "path:line:col: error: " (a message may run over several lines).
findings=$(grep -cE '^[^ ]+:[0-9]+:[0-9]+: (warning|error): ' "$log" || true)
if [ "$status" -ne 0 ] || [ "$findings" -gt 0 ]; then
    grep -vE '^[0-9]+ (warnings?|errors?) (generated|treated)' "$log" | grep -v '^Suppressed' || true
    echo "clang-tidy: $findings findings in ${#sources[@]} files (exit $status)" >&2
    exit 1
fi
echo "clang-tidy: ${#sources[@]} files, no findings"
