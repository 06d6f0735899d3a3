#!/usr/bin/env bash
# bench/search.sh SIZE — discovery pages (pd_db_creator_search) and the
# population scan (pd_store_window_scan) on a store of SIZE creators, timed
# through partnerd's own store code by bench/search_bench.c.
#
#   SIZE   small (10,000 creators) | medium (100,000) | large (1,000,000, ~30M posts)
#
# Environment:
#   PARTNERD=path   partnerd binary (default: build/partnerd, built if missing);
#                   search_bench is built in the same build directory
#   RUNS=n          runs per query (default 200); each run reads PAGES pages
#   PAGES=n         pages per run, following the keyset (default 3)
#   FRESH=1         import again even when bench/results/search-SIZE/store.db exists
#   ONLINE=1        compute the aggregates with pd_app_online_advance (default: SQL,
#                   see search_bench.c --prepare)
#
# Goal: p99 under 10 ms per page of 20 on large, for typical filtered and
# sorted pages (category + certified by followers, a follower range by
# engagement, text); the population scan from the aggregate columns well
# under a second. The store is made once per size (`partnerd gen` data,
# `partnerd import`, then `search_bench --prepare`, which computes the
# window aggregates and red-2019-v2 verdicts that online certification
# would keep) and reused. Every number is a warm-cache number.
set -euo pipefail

BENCH_NAME=search.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_size "$@" 200 200 200
PAGES=${PAGES:-3}
[[ $PAGES =~ ^[1-9][0-9]*$ ]] || { echo "PAGES must be a positive integer" >&2; exit 2; }

RES=$BENCH/results/search-$SIZE
DB=$RES/store.db

# --- tools -------------------------------------------------------------------
bench_partnerd
BUILD=$(dirname "$PARTNERD")
log "building search_bench in $BUILD"
ninja -C "$BUILD" search_bench >&2 || die "building search_bench failed (ninja -C $BUILD search_bench)"
SB=$BUILD/search_bench

# --- the store ---------------------------------------------------------------
mkdir -p "$RES"
if [[ -n ${FRESH:-} || ! -f $DB ]]; then
  bench_data
  rm -f "$DB" "$DB"-*
  log "importing $DATA into $DB"
  t0=$EPOCHREALTIME
  "$PARTNERD" import --db "$DB" --creators "$DATA/creators.csv" --posts "$DATA/posts.csv" --quiet \
    || die "partnerd import failed"
  log "imported in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}') s"
  "$SB" --db "$DB" --prepare ${ONLINE:+--online} --runs 1 --pages 1 >/dev/null || die "search_bench --prepare failed"
else
  log "reusing $DB (FRESH=1 to rebuild)"
fi

# --- measurement ---------------------------------------------------------------
log "reading the database once (page cache)"
cat "$DB" >/dev/null
{
  echo "search benchmark: size=$SIZE creators=$CREATORS runs=$RUNS pages=$PAGES"
  echo "store: $DB ($(awk -v b="$(stat -c %s "$DB")" 'BEGIN{printf "%.0f MB", b/1e6}'))"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  "$SB" --db "$DB" --runs "$RUNS" --pages "$PAGES"
} | tee "$RES/summary.txt"
