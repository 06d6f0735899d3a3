#!/usr/bin/env bash
# bench/online.sh SIZE — online certification's steps after `partnerd
# import`, in a fresh SQLite file: each command's wall time.
#
#   SIZE   small (10,000 creators) | medium (100,000) | large (1,000,000, ~30M posts)
#
# Environment:
#   PARTNERD=path     partnerd binary (default: build/partnerd, built if missing)
#   KEEP_DB=1         keep the database in bench/results/online-SIZE/
#
# Steps, each one `partnerd` process timed from outside (one run each):
#   import      partnerd import into a migrated file (leaves the aggregates stale);
#               red-2019-v2 is then stored and activated from 2019-05-01 (not timed)
#   recompute   policy status --today 2019-05-31: the stale aggregates rebuilt
#               from the posts and everyone judged (cause "import")
#   rejudge     red-2019-v1 (same 30-day window) activated from 2019-06-01, then
#               policy status --today 2019-06-01: one day's sweep and everyone
#               judged again under the new policy (cause "policy")
#   day         policy status --today 2019-06-02: one day's sweep (cause "day")
#   export      export --verdicts (reading every verdict)
# Then what the database holds (certified count, status_history per cause,
# a digest of the verdicts file), so two binaries can be compared for the
# same results.
set -euo pipefail

BENCH_NAME=online.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_size "$@" 1 1 1

RES=$BENCH/results/online-$SIZE
bench_partnerd
command -v sqlite3 >/dev/null || die "the sqlite3 command-line tool is needed (apt-get install sqlite3)"
bench_data
mkdir -p "$RES"
DB=$RES/online.db
rm -f "$DB" "$DB"-* "$RES"/*.log

# step NAME ARGS...: runs partnerd ARGS, sets T_NAME to its wall seconds.
declare -A T
step() {
  local name=$1; shift
  local t0=$EPOCHREALTIME
  if ! "$PARTNERD" "$@" >"$RES/$name.log" 2>&1; then
    echo "online.sh: $name failed: partnerd $*" >&2
    tail -n 20 "$RES/$name.log" >&2
    exit 1
  fi
  T[$name]=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}')
  log "$name: ${T[$name]} s"
}
quiet() { "$PARTNERD" "$@" >/dev/null || die "partnerd $* failed"; }

log "reading the data once (page cache)"
cat "$DATA/creators.csv" "$DATA/posts.csv" >/dev/null
quiet migrate --db "$DB"
step import import --db "$DB" --creators "$DATA/creators.csv" --posts "$DATA/posts.csv" --quiet
quiet policy add --db "$DB" red-2019-v2
quiet policy activate --db "$DB" 1 --from 2019-05-01
step recompute policy status --db "$DB" --today 2019-05-31
quiet policy add --db "$DB" red-2019-v1
quiet policy activate --db "$DB" 2 --from 2019-06-01
step rejudge policy status --db "$DB" --today 2019-06-01
step day policy status --db "$DB" --today 2019-06-02
step export export --db "$DB" --verdicts "$RES/verdicts.csv"

CERTIFIED=$(sqlite3 "$DB" "SELECT count(*) FROM creators WHERE certified = 1")
HISTORY=$(sqlite3 "$DB" "SELECT group_concat(cause || '=' || n, ' ') FROM
                         (SELECT cause, count(*) AS n FROM status_history GROUP BY cause ORDER BY cause)")
UNDATED=$(sqlite3 "$DB" "SELECT count(*) FROM creators WHERE status_since = 0")
DIGEST=$(sha256sum "$RES/verdicts.csv" | cut -c1-16)
[[ -n ${KEEP_DB:-} ]] || rm -f "$DB" "$DB"-*

{
  echo "online certification benchmark: size=$SIZE ($CREATORS creators), partnerd: $PARTNERD"
  echo "machine: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-10s %8s\n' step wall_s
  for s in import recompute rejudge day export; do printf '%-10s %8s\n' "$s" "${T[$s]}"; done
  echo "certified=$CERTIFIED undated=$UNDATED history: $HISTORY verdicts_sha256=$DIGEST"
  echo "size=$SIZE import_s=${T[import]} recompute_s=${T[recompute]} rejudge_s=${T[rejudge]} day_s=${T[day]} export_s=${T[export]}"
} | tee "$RES/summary.txt"
