#!/usr/bin/env bash
# check-format.sh - every C file of src/, tests/ and bench/ is as clang-format
# (the repository's .clang-format) would write it. Lists each file that is
# not, with the first lines clang-format would change, and exits 1.
#   scripts/check-format.sh          check
#   scripts/check-format.sh --fix    rewrite the files in place
# clang-format's output differs between its major versions; the rule is
# Debian 12's (clang-format 14), which scripts/deps.sh test installs.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
cf=${CLANG_FORMAT:-clang-format}
if ! command -v "$cf" >/dev/null; then
    echo "check-format: $cf not found: install it (apt-get install clang-format, or scripts/deps.sh test)" >&2
    exit 1
fi
mapfile -t files < <(git ls-files 'src/*.[ch]' 'tests/*.[ch]' 'bench/*.[ch]' 2>/dev/null ||
    find src tests bench -name '*.[ch]' | sort)
if [ "${1:-}" = "--fix" ]; then
    "$cf" -i "${files[@]}"
    exit
fi
bad=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for f in "${files[@]}"; do
    if ! diff -u "$f" <("$cf" "$f") >"$tmp" 2>&1; then
        bad=$((bad + 1))
        echo "check-format: $f is not formatted (scripts/check-format.sh --fix); first change:"
        sed -n '3,12p' "$tmp" | sed 's/^/    /'
    fi
done
if [ "$bad" -gt 0 ]; then
    echo "check-format: $bad of ${#files[@]} files differ from clang-format ($("$cf" --version | head -1))" >&2
    exit 1
fi
echo "check-format: ${#files[@]} files as clang-format writes them"
