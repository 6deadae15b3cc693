#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Runs the real ecmh binary for every tests/golden/cli/<case>.args (one argument per
# line) and compares stdout, stderr and the exit status with <case>.stdout,
# <case>.stderr and <case>.status. The cases run in the golden directory, so a file an
# argument names is relative to it (config/iptv_gateway.conf, ../../contrib/ecmh.conf)
# and messages that name it are the same wherever the tests run. To refresh after an
# intended change:
#   ECMH_GOLDEN_UPDATE=1 tests/golden/run_cli_golden.sh build/ecmh tests/golden
set -u
ecmh=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$2" || exit 1
dir=cli
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
failed=0
count=0
for args_file in "$dir"/*.args; do
    case_name=$(basename "$args_file" .args)
    count=$((count + 1))
    # Read the arguments one per line; run as "ecmh" so the usage text is stable.
    set --
    while IFS= read -r line || [ -n "$line" ]; do
        set -- "$@" "$line"
    done < "$args_file"
    ln -sf "$ecmh" "$work/ecmh"
    "$work/ecmh" "$@" > "$work/raw_stdout" 2> "$work/stderr"
    echo $? > "$work/status"
    # --check-config's notes about this machine's interfaces differ between machines.
    grep -v '^  note: ' "$work/raw_stdout" > "$work/stdout"
    for part in stdout stderr status; do
        if [ "${ECMH_GOLDEN_UPDATE:-0}" = 1 ]; then
            cp "$work/$part" "$dir/$case_name.$part"
        elif ! diff -u "$dir/$case_name.$part" "$work/$part"; then
            echo "FAIL: $case_name ($part differs)"
            failed=$((failed + 1))
        fi
    done
done
if [ "$count" -eq 0 ]; then
    echo "no golden cases in $(pwd)/$dir"
    exit 1
fi
echo "$count golden cases, $failed mismatches"
[ "$failed" -eq 0 ]
