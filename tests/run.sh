#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds ecmh and runs every test: the README's test command, and what CI runs.
#
#   sudo tests/run.sh            # installs build dependencies with apt-get if missing
#
# Three builds and a linter:
#   build/ci     gcc, -Werror, ASan+UBSan: every test (unit, golden, checks, netns, fuzz
#                seed corpora through a plain driver, the XDP program's tests)
#   build/clang  clang, -Werror, ASan+UBSan: the product and the libFuzzer targets, each
#                seed corpus run once (not the unit tests again: compiling them is most of
#                a build, and build/ci runs them; CI's time goes to the netns suites)
#   build/noxdp  gcc, -Werror, ECMH_XDP=OFF, the daemon only: the build without libbpf
#   clang-tidy   the committed .clang-tidy over every product source, findings are errors
# ECMH_JOBS (default: the number of CPUs) sets build parallelism.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${ECMH_JOBS:-$(nproc)}
# Each phase's header says when it started (bash's SECONDS), so a slow one shows in CI's log.
phase() { echo "== $* (at ${SECONDS} s)"; }

# bpftool and libbpf-dev (with clang) build the XDP fast path (cmake/Xdp.cmake).
packages=(cmake ninja-build g++ clang clang-format clang-tidy libclang-rt-dev libgtest-dev libgmock-dev libbenchmark-dev libpcap-dev libsystemd-dev
          bpftool libbpf-dev pkg-config iproute2 tcpdump ethtool python3-scapy python3-prometheus-client)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
        exit 1
    fi
    echo "== installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

phase "build/ci: gcc, -Werror, ASan+UBSan"
cmake -S . -B build/ci -G Ninja -DCMAKE_BUILD_TYPE=Debug -DECMH_WERROR=ON -DECMH_SANITIZE=ON >/dev/null
cmake --build build/ci -j "$jobs"

phase "build/noxdp: gcc, -Werror, ECMH_XDP=OFF, the daemon only (the build without libbpf)"
cmake -S . -B build/noxdp -G Ninja -DCMAKE_BUILD_TYPE=Debug -DECMH_WERROR=ON -DECMH_XDP=OFF \
      -DECMH_BUILD_TESTS=OFF >/dev/null
cmake --build build/noxdp -j "$jobs" --target ecmh

phase "build/clang: clang, -Werror, ASan+UBSan, the product and the libFuzzer targets"
# Configured with the tests, so that compile_commands.json (clang-tidy's) and the fuzz
# targets exist; built without the unit binaries.
cmake -S . -B build/clang -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
      -DECMH_WERROR=ON -DECMH_SANITIZE=ON -DECMH_FUZZ=ON -DECMH_BUILD_TESTS=ON >/dev/null
cmake --build build/clang -j "$jobs" --target ecmh ecmhctl ecmh_man_options ecmh_fuzz_targets
(
    cd build/clang
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    ctest -L fuzz-corpus --output-on-failure -j "$jobs"
)

phase "clang-tidy (.clang-tidy; every finding is an error)"
tests/run_clang_tidy.sh build/clang "$jobs"
# The stand-in for the XDP sources is compiled only by the build without libbpf.
clang-tidy -p build/noxdp --quiet src/io/xdp_unavailable.cpp

phase "tests (build/ci)"
cd build/ci
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --output-on-failure -j "$jobs"

phase "Debian package"
cd "$root"
if [ "$(id -u)" -ne 0 ]; then
    echo "skipped: tests/package/check_package.sh installs and purges the package (run as root)"
elif [ ! -f /etc/debian_version ] || ! command -v apt-get >/dev/null; then
    echo "skipped: not a Debian system"
else
    tests/package/check_package.sh
fi
phase "all passed"
