#!/usr/bin/env bash
# The dependency check finds what it must: a wrong-way include, an unknown
# folder, and nothing in a tree that follows the rule (scripts/check-deps.py).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
check="$here/../../scripts/check-deps.py"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir -p "$T/ok/util" "$T/ok/core" "$T/ok/store"
printf '#include "util/buf.h"\n' >"$T/ok/core/rule.c"
printf '#include "core/rule.h"\n#include "util/buf.h"\n' >"$T/ok/store/rows.c"
python3 "$check" --src "$T/ok" >"$T/out" 2>&1 || fail "a tree that follows the rule was refused: $(cat "$T/out")"

cp -r "$T/ok" "$T/up"
printf '#include <stdio.h>\n\n#include "core/rule.h"\n' >"$T/up/util/buf.c"
if python3 "$check" --src "$T/up" >"$T/out" 2>&1; then
    fail "util/ including core/ was let through"
fi
grep -q 'util/buf.c:3: util/ may not include core/rule.h' "$T/out" || fail "no file:line for the wrong-way include: $(cat "$T/out")"

cp -r "$T/ok" "$T/store"
printf '#include "batch/csv.h"\n' >>"$T/store/store/rows.c"
python3 "$check" --src "$T/store" >"$T/out" 2>&1 && fail "store/ including batch/ was let through"

cp -r "$T/ok" "$T/new"
mkdir "$T/new/crm"
python3 "$check" --src "$T/new" >"$T/out" 2>&1 && fail "a folder the rule does not know was let through"
grep -q 'src/crm/: a folder the dependency rule does not know' "$T/out" || fail "unknown folder not named: $(cat "$T/out")"

[ "$fails" -eq 0 ] && echo "check-deps: 4 cases pass"
exit $((fails > 0))
