#!/usr/bin/env bash
# The README's "run" command: installs what is missing, builds partnerd and
# runs it on demo data: the 2019 policy change on a synthetic platform of
# 17,000 certified creators.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh build
if [ ! -f build/build.ninja ]; then
    meson setup build --buildtype=release >/dev/null
fi
ninja -C build >/dev/null

pd=build/partnerd
demo=demo-data
if [ ! -f "$demo/posts.csv" ]; then
    "$pd" gen --preset red-2019 --out "$demo"
fi
echo
echo "== partnerd simulate: the 2019 policy change =="
"$pd" simulate --creators "$demo/creators.csv" --posts "$demo/posts.csv" --as-of 2019-06-01 \
    --policy red-2019-v1 --policy red-2019-v2 --chart "$demo/by-category.svg"
echo
echo "== partnerd certify --explain (first rows) =="
"$pd" certify --creators "$demo/creators.csv" --posts "$demo/posts.csv" --as-of 2019-06-01 \
    --policy red-2019-v2 --explain --out "$demo/certified.csv"
head -n 8 "$demo/certified.csv"
echo
echo "Full results: $demo/certified.csv; chart: $demo/by-category.svg"
echo "Next: build/partnerd --help, docs/certification.md"
