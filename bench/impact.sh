#!/usr/bin/env bash
# bench/impact.sh SIZE — POST /api/policies/impact moved like a slider, against
# `partnerd simulate` on the same CSV files, measured in the same run.
#
#   SIZE   small (10,000 creators) | medium (100,000) | large (1,000,000, ~30M posts)
#
# Environment:
#   PARTNERD=path     partnerd binary (default: build/partnerd, built if missing)
#   RUNS=n            impact requests timed (default 200; 100 for large)
#   KEEP_DB=1         keep the database in bench/results/impact-SIZE/
#
# Goal (mission: "fast enough to move a slider over a million creators"):
# every impact request under 200 ms on large. What is timed: curl's
# time_total of one request (connect, send, the server's work, the answer)
# comparing red-2019-v1 (in force) with red-2019-v2 whose min_avg_views
# moves by 250 per request from 5,000 to 15,000 and back, as a slider does.
# The store is built once (partnerd import), the server started with an
# operator, red-2019-v1 activated, and the population snapshot warmed by one
# request (its time is printed apart: the first build). The peer is the
# command that gives the same numbers from the CSV files, `partnerd simulate
# --policy red-2019-v1 --policy red-2019-v2 --format json`, timed as a whole
# process; the script checks that both give the same certified counts.
set -euo pipefail

BENCH_NAME=impact.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_size "$@" 200 200 100

GOAL_MS=200
RES=$BENCH/results/impact-$SIZE
bench_partnerd
command -v curl >/dev/null || die "curl is needed"
command -v python3 >/dev/null || die "python3 is needed"
bench_data
C=$DATA/creators.csv
P=$DATA/posts.csv
mkdir -p "$RES"
DB=$RES/impact.db
rm -f "$DB" "$DB"-* "$RES"/*.log "$RES"/times.txt

server_pid=
cleanup() { [[ -n $server_pid ]] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; true; }
trap cleanup EXIT
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b-a}'; }

# --- the store ---------------------------------------------------------------------
log "importing $C and $P into $DB"
t0=$EPOCHREALTIME
"$PARTNERD" import --db "$DB" --creators "$C" --posts "$P" --quiet >"$RES/import.log" 2>&1 \
  || { tail -n 20 "$RES/import.log" >&2; die "partnerd import failed"; }
IMPORT_S=$(secs "$t0" "$EPOCHREALTIME")
printf 'bench secret 1234\n' | "$PARTNERD" user add --db "$DB" --name bench --role operator \
  --password-stdin --password-cost min >/dev/null

# --- the server ---------------------------------------------------------------------
# Its clock on the day before AS_OF, so that online verdicts are as of AS_OF,
# the instant simulate judges at.
CLOCK=$(date -u -d "$AS_OF - 1 day" +%Y-%m-%dT12:00:00Z)
"$PARTNERD" serve --listen 127.0.0.1:0 --db "$DB" --clock "$CLOCK" 2>"$RES/serve.log" &
server_pid=$!
URL=
for _ in $(seq 1 300); do
  URL=$(sed -n 's/^partnerd serve: listening on \(http:[^ ]*\)$/\1/p' "$RES/serve.log" | head -n 1)
  [[ -n $URL ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[[ -n $URL ]] || { cat "$RES/serve.log" >&2; die "the server did not start"; }
# The start-up sweep computes every creator's window after the import and
# holds the write lock meanwhile: wait for it (signing in writes a token).
log "waiting for the start-up sweep (aggregates of every creator after the import)"
t0=$EPOCHREALTIME
for _ in $(seq 1 6000); do
  grep -q '"msg":"online sweep"' "$RES/serve.log" && break
  kill -0 "$server_pid" 2>/dev/null || die "the server stopped: $(tail -n 5 "$RES/serve.log")"
  sleep 0.1
done
grep -q '"msg":"online sweep"' "$RES/serve.log" || die "no start-up sweep after 600 s"
SWEEP_S=$(secs "$t0" "$EPOCHREALTIME")
TOKEN=$(curl -sf -X POST -H 'Content-Type: application/json' \
  -d '{"name": "bench", "password": "bench secret 1234"}' "$URL/api/login" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
AUTH=(-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json')
"$PARTNERD" policy show red-2019-v1 >"$RES/v1.json"
"$PARTNERD" policy show red-2019-v2 >"$RES/v2.json"
ID_V1=$(curl -sf -X POST "${AUTH[@]}" --data-binary "@$RES/v1.json" "$URL/api/policies" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
log "activating red-2019-v1 (the online state computes every creator's window)"
t0=$EPOCHREALTIME
curl -sf -X POST "${AUTH[@]}" -d "{\"from\": \"${CLOCK%%T*}\"}" "$URL/api/policies/$ID_V1/activate" >"$RES/activate.json" \
  || die "activation failed: $(cat "$RES/activate.json")"
ACTIVATE_S=$(secs "$t0" "$EPOCHREALTIME")

body() { # MIN_AVG_VIEWS
  python3 - "$RES/v2.json" "$1" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["rules"]["min_avg_views"] = int(sys.argv[2])
print(json.dumps({"baseline": "current", "candidate": p}))
PY
}
body 10000 >"$RES/req_warm.json"
log "warming the population snapshot (the first request builds it)"
WARM_MS=$(curl -s -o "$RES/impact_warm.json" -w '%{time_total}' -X POST "${AUTH[@]}" \
  --data-binary "@$RES/req_warm.json" "$URL/api/policies/impact" | awk '{printf "%.1f", $1 * 1000}')
python3 -c 'import json,sys; json.load(open(sys.argv[1]))["policies"]' "$RES/impact_warm.json" \
  || die "the warm-up answer is not a report: $(head -c 300 "$RES/impact_warm.json")"

# --- the slider -------------------------------------------------------------------------
# Bodies made before the clock starts: 5000, 5250, ... 15000, 14750, ...
log "timing $RUNS impact requests"
for ((i = 0; i < RUNS; i++)); do
  k=$((i % 80)); (( k > 40 )) && k=$((80 - k))
  body $((5000 + 250 * k)) >"$RES/req_$i.json"
done
for ((i = 0; i < RUNS; i++)); do
  curl -s -o /dev/null -w '%{time_total} %{http_code}\n' -X POST "${AUTH[@]}" \
    --data-binary "@$RES/req_$i.json" "$URL/api/policies/impact" >>"$RES/times.txt"
done
rm -f "$RES"/req_*.json
awk '$2 != 200 { bad++ } END { exit bad > 0 }' "$RES/times.txt" || die "some impact requests failed: $(grep -v ' 200$' "$RES/times.txt" | head -n 3)"
read -r MEAN P50 P99 MAX < <(awk '{ print $1 * 1000 }' "$RES/times.txt" | sort -g |
  awk '{ v[NR] = $1; s += $1 } END { i50 = int(NR * 0.50 + 0.5); i99 = int(NR * 0.99 + 0.5);
         if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1;
         printf "%.1f %.1f %.1f %.1f\n", s / NR, v[i50], v[i99], v[NR] }')
kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=

# --- the peer ----------------------------------------------------------------------------
log "partnerd simulate on the CSV files"
t0=$EPOCHREALTIME
"$PARTNERD" simulate --creators "$C" --posts "$P" --as-of "$AS_OF" --policy red-2019-v1 \
  --policy red-2019-v2 --format json --quiet --out "$RES/simulate.json"
SIM_MS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.0f", (b-a)*1000}')
python3 - "$RES/simulate.json" "$RES/impact_warm.json" <<'PY' || die "FAIL: impact and simulate disagree"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for k in ("as_of", "creators", "policies", "breakdowns"):
    assert a[k] == b[k], k
PY
[[ -n ${KEEP_DB:-} ]] || rm -f "$DB" "$DB"-*

MET=$(awk -v p="$P99" -v g="$GOAL_MS" 'BEGIN{print (p < g) ? "yes" : "no"}')
th() { LC_ALL=C awk -v n="$1" 'BEGIN{s=sprintf("%.0f", n); o=""; while (length(s) > 3) { o="," substr(s, length(s)-2) o; s=substr(s, 1, length(s)-3) } print s o}'; }
{
  echo "impact benchmark: size=$SIZE creators=$(th "$CREATORS") requests=$RUNS"
  echo "partnerd: $PARTNERD; machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "setup: import ${IMPORT_S} s; start-up sweep ${SWEEP_S} s; activation of red-2019-v1 (online state computed) ${ACTIVATE_S} s;"
  echo "       first impact request (builds the snapshot) ${WARM_MS} ms"
  echo
  printf '%-34s %10s %10s %10s %10s\n' "" mean_ms p50_ms p99_ms max_ms
  printf '%-34s %10s %10s %10s %10s\n' "POST /api/policies/impact (slider)" "$MEAN" "$P50" "$P99" "$MAX"
  printf '%-34s %10s\n' "partnerd simulate (whole process)" "$SIM_MS"
  echo
  echo "goal: every request under $GOAL_MS ms: p99 $P99 ms ($([[ $MET == yes ]] && echo MET || echo NOT MET)$([[ $SIZE != large ]] && echo ", judged on large"))"
  echo "same numbers as partnerd simulate: yes (as_of, creators, policies, breakdowns compared)"
  echo
  echo "size=$SIZE runs=$RUNS creators=$CREATORS"
  echo "impact_mean_ms=$MEAN impact_p50_ms=$P50 impact_p99_ms=$P99 impact_max_ms=$MAX impact_first_ms=$WARM_MS"
  echo "simulate_ms=$SIM_MS import_s=$IMPORT_S sweep_s=$SWEEP_S activate_s=$ACTIVATE_S goal_met=$MET"
} | tee "$RES/summary.txt"
