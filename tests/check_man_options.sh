#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The option list of doc/ecmh.8 (between the BEGIN and END GENERATED OPTIONS comments) is
# what the option table generates. With --update, writes it there instead of comparing:
#   tests/check_man_options.sh [--update] build/ecmh_man_options doc/ecmh.8
# (the CMake target man_options runs the update).
set -u
update=0
if [ "${1:-}" = --update ]; then
    update=1
    shift
fi
[ $# -eq 2 ] || { echo "usage: $0 [--update] ECMH_MAN_OPTIONS MAN_PAGE"; exit 2; }
generator=$1
page=$2
begin='.\" BEGIN GENERATED OPTIONS'
end='.\" END GENERATED OPTIONS'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

if [ "$(grep -cxF "$begin" "$page")" -ne 1 ] || [ "$(grep -cxF "$end" "$page")" -ne 1 ]; then
    echo "$page: needs one line '$begin' and one line '$end'"
    exit 1
fi
"$generator" > "$work/generated" || { echo "$generator failed"; exit 1; }
# The page in three parts: up to BEGIN, the generated lines, from END on.
# (ENVIRON, not awk -v, which would read the backslash of the roff comment as an escape.)
BEGIN_LINE=$begin END_LINE=$end DIR=$work awk '
    $0 == ENVIRON["END_LINE"] { part = 2 }
    { print > (ENVIRON["DIR"] "/" (part == 1 ? "current" : part == 2 ? "tail" : "head")) }
    $0 == ENVIRON["BEGIN_LINE"] { part = 1 }
' "$page"
touch "$work/current"
if [ "$update" -eq 1 ]; then
    cat "$work/head" "$work/generated" "$work/tail" > "$work/page"
    cmp -s "$work/page" "$page" || cp "$work/page" "$page"
    echo "$page: option list written"
    exit 0
fi
if ! diff -u "$work/current" "$work/generated"; then
    echo "$page: the option list differs from the option table (src/app/option_table.cpp);"
    echo "regenerate it: cmake --build <build dir> --target man_options"
    exit 1
fi
echo "$page: option list matches the option table"
