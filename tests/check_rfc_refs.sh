#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Every item that code, tests or docs cite from doc/rfc-map.md has its entry there (an
# anchor <a id="item-X">), and every row of its tables links to one.
#
# A citation is "rfc-map" (or the older "conformance") followed by a list of items,
# possibly over several comment lines: item or items, note A.N, M-numbers, P4-numbers,
# §0.N, separated by commas, semicolons and "and"; "40–46" (an en dash) is a range.
# The list ends at the first word that is none of these.
root=${1:-.}
cd "$root" || exit 2
map=doc/rfc-map.md
[ -f "$map" ] || { echo "no $map"; exit 2; }
# Bytes, not characters: the en dash and the section sign are matched as byte strings.
LC_ALL=C
export LC_ALL

# shellcheck disable=SC2046 # one file per word; no name in the tree has a space
set -- $(grep -rlE 'rfc-map|[Cc]onformance' src include tests doc README.md 2>/dev/null |
         grep -vE '^(doc/rfc-map\.md|tests/check_rfc_refs\.sh)$')

# Prints "file: item" for every item cited in the files given.
cited() {
    for f in "$@"; do
        awk -v file="$f" '
            function emit(t) { sub(/^§/, "", t); print file ": " t }
            function number(t) { sub(/^(M|P4-)/, "", t); sub(/a$/, "", t); return t + 0 }
            function prefix(t) { return t ~ /^M/ ? "M" : t ~ /^P4-/ ? "P4-" : "" }
            # A range "40–46": every item between, if both ends are of one kind.
            function expand(a, b,    i) {
                if (prefix(a) != prefix(b) || a ~ /[.a]/ || b ~ /[.a]/) { emit(b); return }
                for (i = number(a) + 1; i <= number(b); i++) emit(prefix(a) i)
            }
            # Comment markers at line starts would break a list that goes on.
            { line = $0; sub(/^[ \t]*(\/\/+|#+|\*+)?[ \t]*/, "", line); text = text " " line }
            END {
                s = text
                while (match(s, /(rfc-map|[Cc]onformance)[ ]+/)) {
                    s = substr(s, RSTART + RLENGTH)
                    previous = ""; range = 0
                    while (1) {
                        if (match(s, /^(items?|notes?|Part [0-9]+|and)[ ]+/)) {
                            s = substr(s, RLENGTH + 1); continue
                        }
                        if (match(s, /^–[ ]*/)) { range = 1; s = substr(s, RLENGTH + 1); continue }
                        if (!match(s, /^(M[0-9]+|P4-[0-9]+|A\.[0-9]+|§0\.[0-9]+|[0-9]+a?)/)) break
                        t = substr(s, 1, RLENGTH); rest = substr(s, RLENGTH + 1)
                        # Part of a longer word or number ("4605", "3.6"): not an item.
                        if (rest ~ /^[A-Za-z0-9]/ || rest ~ /^\.[0-9]/) break
                        if (range && previous != "") expand(previous, t); else emit(t)
                        previous = t; range = 0
                        s = rest
                        sub(/^[ ]*[,;]?[ ]*/, "", s)
                    }
                }
            }' "$f"
    done
}

anchors=" $(grep -o '<a id="item-[^"]*"' "$map" | sed 's/^<a id="item-//; s/"$//' | tr '\n' ' ') "
has_anchor() { case "$anchors" in *" $1 "*) return 0 ;; esac; return 1; }

citations=$(cited "$@")
missing=$(
    printf '%s\n' "$citations" | while IFS= read -r ref; do
        [ -z "$ref" ] || has_anchor "${ref#*: }" || echo "  ${ref%%: *} cites ${ref#*: }"
    done
    grep -o '^| \[[^]]*\](#item-[^)]*)' "$map" | sed 's/.*(#item-//; s/)$//' |
        while IFS= read -r row; do
            has_anchor "$row" || echo "  $map: the row of $row links to no entry"
        done
)
if [ -n "$missing" ]; then
    echo "items cited but not in $map:"
    echo "$missing"
    exit 1
fi
echo "every cited item is in $map ($(printf '%s\n' "$citations" | grep -c .) citations)"
