#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs every libFuzzer target of a clang fuzz build for MINUTES each, one target after
# the other, and prints what libFuzzer says of each at the end: executions, executions
# per second, coverage (cov: edges, ft: features), corpus size and findings.
#
#   tests/fuzz/run_all.sh BUILD_DIR [MINUTES [JOBS]]        (10 minutes, 1 job)
#
# BUILD_DIR is configured with -DCMAKE_CXX_COMPILER=clang++ -DECMH_FUZZ=ON (README.md,
# "Fuzzing"); the targets are built here if they are not yet. Each target starts from a
# copy of its seed corpus (tests/fuzz/corpus/<name>/), so the committed seeds stay as
# they are; with ECMH_FUZZ_MERGE=1 the inputs that add coverage are merged back into
# them afterwards. The work corpora, logs and findings (crash-*, leak-*, timeout-*,
# oom-*) stay in ECMH_FUZZ_WORK (default: a new directory under /tmp). JOBS > 1 runs
# that many libFuzzer processes per target in parallel (figures summed, cov/ft the
# highest). Exits 1 if any target found something.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: run_all.sh BUILD_DIR [MINUTES [JOBS]]}
minutes=${2:-10}
jobs=${3:-1}
build=$(cd "$build" && pwd)
work=${ECMH_FUZZ_WORK:-$(mktemp -d /tmp/ecmh-fuzz.XXXXXX)}
mkdir -p "$work"

mapfile -t names < <(find "$root/tests/fuzz" -maxdepth 1 -name '*_fuzz.cpp' -printf '%f\n' |
    sed 's/_fuzz\.cpp$//' | sort)
if ! out=$(cmake --build "$build" --target "${names[@]/%/_fuzz}" 2>&1); then
    printf '%s\n' "$out" >&2
    exit 2
fi

# The last value of `key` in libFuzzer's final statistics, over every log given.
stat_sum() {
    local key=$1
    shift
    awk -v k="stat::$key:" '$1 == k { v[FILENAME] = $2 } END { s = 0; for (f in v) s += v[f]; print s }' "$@"
}
# The highest `field:` (cov, ft) any progress line of the logs shows.
progress_max() {
    local field=$1
    shift
    grep -hoE "$field: [0-9]+" "$@" | awk '{ if ($2 > m) m = $2 } END { print m + 0 }'
}

found=0
rows=()
for name in "${names[@]}"; do
    bin="$build/tests/${name}_fuzz"
    if ! grep -qa 'libFuzzer' "$bin"; then
        echo "$bin is not a libFuzzer binary: configure $build with -DECMH_FUZZ=ON" >&2
        exit 2
    fi
    corpus="$work/corpus/$name"
    artifacts="$work/findings/$name/"
    logs="$work/logs/$name"
    mkdir -p "$corpus" "$artifacts" "$logs"
    cp -n "$root/tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null || true
    echo "fuzzing $name for $minutes min ($jobs job(s)): $corpus" >&2
    args=(-max_total_time=$((minutes * 60)) -timeout=30 -print_final_stats=1
          -artifact_prefix="$artifacts")
    start=$SECONDS
    if [ "$jobs" -gt 1 ]; then
        (cd "$logs" && "$bin" "${args[@]}" -jobs="$jobs" -workers="$jobs" "$corpus" \
            >"$logs/driver.log" 2>&1) || true
    else
        "$bin" "${args[@]}" "$corpus" >"$logs/fuzz-0.log" 2>&1 || true
    fi
    elapsed=$((SECONDS - start))
    mapfile -t log_files < <(find "$logs" -name 'fuzz-*.log')
    findings=$(find "$artifacts" -type f | wc -l)
    found=$((found + findings))
    rows+=("$(printf '%-8s %6ss %12s %8s %7s %8s %7s %8s' "$name" "$elapsed" \
        "$(stat_sum number_of_executed_units "${log_files[@]}")" \
        "$(stat_sum average_exec_per_sec "${log_files[@]}")" \
        "$(progress_max cov "${log_files[@]}")" "$(progress_max ft "${log_files[@]}")" \
        "$(find "$corpus" -type f | wc -l)" "$findings")")
    if [ "${ECMH_FUZZ_MERGE:-0}" = 1 ]; then
        "$bin" -merge=1 "$root/tests/fuzz/corpus/$name" "$corpus" >"$logs/merge.log" 2>&1
    fi
done

printf '%-8s %7s %12s %8s %7s %8s %7s %8s\n' target time executions exec/s cov ft corpus findings
printf '%s\n' "${rows[@]}"
echo "work directory (corpora, logs, findings): $work"
if [ "$found" -gt 0 ]; then
    find "$work/findings" -type f
    exit 1
fi
