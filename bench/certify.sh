#!/usr/bin/env bash
# bench/certify.sh SIZE — `partnerd certify` against DuckDB on the same files.
#
#   SIZE   small (10,000 creators) | medium (100,000) | large (1,000,000, ~30M posts, ~2 GB)
#
# Environment:
#   PARTNERD=path     partnerd binary (default: build/partnerd, built if missing)
#   RUNS=n            measured runs per tool (default 5; 3 for large)
#   DUCKDB_THREADS=n  DuckDB threads (default: DuckDB's own, one per core)
#
# Data is generated once per size into bench/data/SIZE and reused. Outputs and
# a copy of the summary go to bench/results/SIZE/. Each tool gets one
# unmeasured warm-up run, then RUNS measured runs; the page cache is NOT
# dropped, so all numbers are warm. Exits non-zero if the two outputs differ.
set -euo pipefail

BENCH_NAME=certify.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_size "$@" 5 5 3

POLICY=red-2019-v2
GOAL_TIME=0.20   # partnerd time <= 1/5 of DuckDB's (on large)
GOAL_RSS=0.25    # partnerd peak RSS <= 1/4 of DuckDB's (on large)

RES=$BENCH/results/$SIZE

# --- tools -------------------------------------------------------------------
bench_partnerd
bench_gnu_time

command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed for the DuckDB side"
# (Re)install when missing or not the version package.json pins.
duck_version() { node -e 'try { console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).version) } catch { }' "$1"; }
want=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).dependencies["@duckdb/node-api"])' "$BENCH/package.json")
have=$(duck_version "$BENCH/node_modules/@duckdb/node-api/package.json")
if [[ $have != "$want" ]]; then
  log "installing @duckdb/node-api $want in $BENCH (found: ${have:-none})"
  ( cd "$BENCH"
    npm ci --no-audit --no-fund || npm install --no-audit --no-fund ) >&2 || die "npm install in $BENCH failed"
fi

# --- data --------------------------------------------------------------------
bench_data

C=$DATA/creators.csv
P=$DATA/posts.csv

mkdir -p "$RES"
rm -f "$RES"/*.csv "$RES"/*.log

# --- measurement ---------------------------------------------------------------
# run NAME CMD...: one run; wall time from bash's EPOCHREALTIME around the
# process (microseconds; GNU time's %e has only 10 ms), peak RSS (KiB) from
# GNU time's %M (getrusage max RSS of the child), CPU time = %U + %S (user +
# system, all threads). Fails loudly on non-zero exit.
run() {
  local name=$1; shift
  local tf=$RES/$name.time log=$RES/$name.log t0 t1
  t0=$EPOCHREALTIME
  if ! "$TIME" -f '%e %M %U %S' -o "$tf" "$@" >"$log" 2>&1; then
    echo "certify.sh: $name failed: $*" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  t1=$EPOCHREALTIME
  LAST_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b-a}')
  LAST_RSS=$(awk 'END{print $2}' "$tf")
  LAST_CPU=$(awk 'END{printf "%.2f", $3 + $4}' "$tf")
}

median() {
  sort -g | awk '{v[NR]=$1} END{ if (!NR) exit; m = (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2
                                m = sprintf("%.4f", m); if (m ~ /\./) sub(/\.?0+$/, "", m); print m }'
}

declare -A WALLS_L RSSS_L CPUS_L WALLS RSSS CPUS
QMS_L=""
DUCK_ARGS=()
if [[ -n ${DUCKDB_THREADS:-} ]]; then DUCK_ARGS=(--threads "$DUCKDB_THREADS"); fi
TOOLS=(wc partnerd duckdb)
cmd_of() {
  case $1 in
    wc)       CMD=(wc -l "$C" "$P") ;;
    partnerd) CMD=("$PARTNERD" certify --creators "$C" --posts "$P" --policy "$POLICY" --as-of "$AS_OF"
                   --out "$RES/partnerd.csv") ;;
    duckdb)   CMD=(node "$BENCH/duckdb_certify.mjs" --creators "$C" --posts "$P" --as-of "$AS_OF"
                   --out "$RES/duckdb.csv" "${DUCK_ARGS[@]}") ;;
  esac
}
check_same() {
  if ! cmp "$RES/partnerd.csv" "$RES/duckdb.csv"; then
    echo "certify.sh: FAIL: partnerd and DuckDB outputs differ ($RES/partnerd.csv vs $RES/duckdb.csv)" >&2
    diff "$RES/partnerd.csv" "$RES/duckdb.csv" | head -n 20 >&2 || true
    exit 1
  fi
}

# How busy is the machine without us? CPU use over 1 s while this script
# sleeps (the 1-minute load average would also count our own data generation).
busy_pct() {
  local a b
  a=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat); sleep 1
  b=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN{split(a, x, " "); split(b, y, " "); t = y[2] - x[2];
                               printf "%.0f", (t > 0 ? 100 * (y[1] - x[1]) / t : 0)}'
}
BUSY_BEFORE=$(busy_pct)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "warm-up: one unmeasured run of each (wc -l, partnerd, duckdb)"
for t in "${TOOLS[@]}"; do cmd_of "$t"; run "$t" "${CMD[@]}"; done
check_same   # fail before spending time on measured runs
log "measuring: $RUNS rounds of wc -l, partnerd, duckdb (interleaved)"
for ((i = 1; i <= RUNS; i++)); do
  line=""
  for t in "${TOOLS[@]}"; do
    cmd_of "$t"; run "$t" "${CMD[@]}"
    WALLS_L[$t]+="$LAST_WALL"$'\n'; RSSS_L[$t]+="$LAST_RSS"$'\n'; CPUS_L[$t]+="$LAST_CPU"$'\n'
    line+=" $t ${LAST_WALL}s ${LAST_RSS}KiB cpu ${LAST_CPU}s;"
    if [[ $t == duckdb ]]; then
      QMS_L+="$(sed -n 's/.*query_ms=\([0-9]*\).*/\1/p' "$RES/duckdb.log")"$'\n'
    fi
  done
  log "round $i/$RUNS:$line"
done
for t in "${TOOLS[@]}"; do
  WALLS[$t]=$(printf %s "${WALLS_L[$t]}" | median)
  RSSS[$t]=$(printf %s "${RSSS_L[$t]}" | median)
  CPUS[$t]=$(printf %s "${CPUS_L[$t]}" | median)
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
BUSY_AFTER=$(busy_pct)
QMS=$(printf %s "$QMS_L" | median)
check_same

# --- report ------------------------------------------------------------------------
read -r N_LINES_C N_LINES_P _ < <(awk '{printf "%s ", $1} END{print ""}' "$RES/wc.log")
DUCK_INFO=$(tail -n 1 "$RES/duckdb.log")   # "duckdb v1.x threads=N tz=UTC query_ms=M"
DUCK_THREADS=$(sed -n 's/.*threads=\([0-9]*\).*/\1/p' <<<"$DUCK_INFO")
OUT_LINES=$(wc -l <"$RES/partnerd.csv")
mb() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }
fsize() { awk -v b="$(stat -c %s "$1")" 'BEGIN{printf "%.1f MB", b/1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{if (b + 0 == 0) print "nan"; else printf "%.3f", a/b}'; }
RT=$(ratio "${WALLS[partnerd]}" "${WALLS[duckdb]}")
RR=$(ratio "${RSSS[partnerd]}" "${RSSS[duckdb]}")
RTQ=$(ratio "${WALLS[partnerd]}" "$(awk -v m="$QMS" 'BEGIN{print m/1000}')")
met() { awk -v r="$1" -v g="$2" 'BEGIN{print (r <= g) ? "yes" : "no"}'; }
MET_T=$(met "$RT" "$GOAL_TIME"); MET_R=$(met "$RR" "$GOAL_RSS")
MET=no; if [[ $MET_T == yes && $MET_R == yes ]]; then MET=yes; fi

{
  echo "certify benchmark: size=$SIZE creators=$((N_LINES_C - 1)) posts=$((N_LINES_P - 1)) policy=$POLICY as_of=$AS_OF"
  echo "data: $C ($(fsize "$C")), $P ($(fsize "$P"))"
  echo "partnerd: $PARTNERD"
  echo "duckdb: @duckdb/node-api, $DUCK_INFO (last run), node $(node --version)"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "method: warm cache (page cache not dropped; one unmeasured warm-up run of each tool), median of $RUNS runs;"
  echo "        wall = whole process (DuckDB: node start + instance + query), peak RSS = GNU time %M,"
  echo "        cpu = user + system time of all threads (GNU time %U + %S)"
  echo "outputs: identical (cmp), $OUT_LINES lines"
  echo
  echo "other load: CPU busy ${BUSY_BEFORE}% (of all cores, 1 s idle sample) before the runs, ${BUSY_AFTER}% after;" \
       "load average $LOAD_BEFORE before, $LOAD_AFTER after"
  if (( BUSY_BEFORE > 10 || BUSY_AFTER > 10 )); then
    echo "WARNING: other processes were using the CPU: wall times are inflated and noisy (cpu_s is less affected)"
  fi
  echo
  printf '%-10s %10s %14s %10s\n' tool wall_s peak_rss_MiB cpu_s
  for t in wc partnerd duckdb; do
    label=$t; [[ $t == wc ]] && label="wc -l"
    printf '%-10s %10.3f %14s %10.2f\n' "$label" "${WALLS[$t]}" "$(mb "${RSSS[$t]}")" "${CPUS[$t]}"
  done
  echo "(duckdb query alone, inside node, without node start-up and loading libduckdb: median ${QMS} ms)"
  echo
  echo "partnerd/duckdb: time $RT (goal <= $GOAL_TIME: $MET_T), peak RSS $RR (goal <= $GOAL_RSS: $MET_R)"
  echo "partnerd/duckdb query alone: time $RTQ (for information; DuckDB's node start-up and library load are the other $(awk -v w="${WALLS[duckdb]}" -v m="$QMS" 'BEGIN{printf "%.2f", w-m/1000}') s)"
  if [[ $SIZE == large ]]; then
    echo "goal (large): partnerd <= 1/5 of DuckDB's time and <= 1/4 of its peak RSS: $([[ $MET == yes ]] && echo MET || echo NOT MET)"
  else
    echo "goal is judged on large; shown here for information only"
  fi
  echo
  echo "size=$SIZE runs=$RUNS duckdb_threads=$DUCK_THREADS"
  echo "busy_before_pct=$BUSY_BEFORE busy_after_pct=$BUSY_AFTER load_before=${LOAD_BEFORE%% *} load_after=${LOAD_AFTER%% *}"
  echo "wc_s=${WALLS[wc]} wc_rss_kib=${RSSS[wc]} wc_cpu_s=${CPUS[wc]}"
  echo "partnerd_s=${WALLS[partnerd]} partnerd_rss_kib=${RSSS[partnerd]} partnerd_cpu_s=${CPUS[partnerd]}"
  echo "duckdb_s=${WALLS[duckdb]} duckdb_rss_kib=${RSSS[duckdb]} duckdb_cpu_s=${CPUS[duckdb]} duckdb_query_ms=$QMS"
  echo "ratio_time=$RT ratio_rss=$RR goal_met=$MET ratio_time_query=$RTQ"
} | tee "$RES/summary.txt"
