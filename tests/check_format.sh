#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Every C++ file in the tree is formatted as .clang-format says.
root=${1:-.}
cd "$root" || exit 2
command -v clang-format >/dev/null 2>&1 || { echo "clang-format not installed"; exit 1; }
bad=""
for f in $(find include src tests bench -name '*.cpp' -o -name '*.hpp' 2>/dev/null | sort); do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
if [ -n "$bad" ]; then
    echo "not clang-formatted (run clang-format -i):$bad"
    exit 1
fi
echo "all files formatted"
