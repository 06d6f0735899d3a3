#!/usr/bin/env bash
# bench/import.sh SIZE — `partnerd import` into a fresh SQLite file, against
# the sqlite3 command-line tool's `.import` of the same files into the same
# schema, measured in the same run.
#
#   SIZE   small (10,000 creators) | medium (100,000) | large (1,000,000, ~30M posts, ~2 GB)
#
# Environment:
#   PARTNERD=path     partnerd binary (default: build/partnerd, built if missing)
#   RUNS=n            measured runs per tool (default 3; 1 for large)
#   KEEP_DB=1         keep the database files in bench/results/import-SIZE/
#
# Goal (issue 3): at least 500,000 posts/s on large. posts/s = posts stored
# / wall time of the whole `partnerd import` process (reading and checking
# both files, storing, building the indexes, committing). The peer is
# sqlite3's `.import` through views whose INSTEAD OF triggers convert each
# line into the rows partnerd stores (creator, follower history, MCN; post
# with its instant in seconds and nanoseconds, its kind as a flag, posts of
# unknown creators dropped), with the settings partnerd's import uses
# (rollback journal, foreign keys off, CHECK constraints off, the same page
# cache, indexes dropped and built once at the end, one transaction). Both
# databases are created by `partnerd migrate` before the clock starts, and
# must hold the same rows afterwards. Data is generated once per size into
# bench/data/SIZE (as bench/certify.sh does) and reused.
set -euo pipefail

BENCH_NAME=import.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_size "$@" 3 3 1

GOAL=500000        # posts/s into SQLite (judged on large)
CACHE_KIB=65536    # the page cache partnerd's import uses (src/store/sqlite.c)

RES=$BENCH/results/import-$SIZE

# --- tools -------------------------------------------------------------------
bench_partnerd
command -v sqlite3 >/dev/null || die "the sqlite3 command-line tool is needed for the peer (apt-get install sqlite3)"
bench_gnu_time

# --- data --------------------------------------------------------------------
bench_data
C=$DATA/creators.csv
P=$DATA/posts.csv
mkdir -p "$RES"
rm -f "$RES"/*.db "$RES"/*.db-* "$RES"/*.log "$RES"/*.time

# --- the peer's script -------------------------------------------------------------
# The index definitions come from partnerd's own schema, so both build the same.
"$PARTNERD" migrate --db "$RES/schema.db" >/dev/null
INDEXES=$(sqlite3 "$RES/schema.db" "SELECT sql || ';' FROM sqlite_schema WHERE type = 'index'
                                    AND tbl_name IN ('creators', 'follower_history', 'posts')
                                    AND sql IS NOT NULL")
DROPS=$(sqlite3 "$RES/schema.db" "SELECT 'DROP INDEX ' || name || ';' FROM sqlite_schema
                                  WHERE type = 'index' AND tbl_name IN ('creators', 'follower_history', 'posts')
                                  AND sql IS NOT NULL")
rm -f "$RES/schema.db"
cat >"$RES/peer.sql" <<EOF
.bail on
PRAGMA journal_mode = DELETE;
PRAGMA cache_size = -$CACHE_KIB;
PRAGMA foreign_keys = OFF;
PRAGMA ignore_check_constraints = ON;
BEGIN IMMEDIATE;
$DROPS
CREATE TEMP VIEW creators_csv (creator_id, handle, category, followers, mcn_id) AS
    SELECT NULL, NULL, NULL, NULL, NULL WHERE 0;
CREATE TEMP TRIGGER creators_csv_insert INSTEAD OF INSERT ON creators_csv BEGIN
    INSERT INTO mcns (id, name, created_at)
        SELECT NEW.mcn_id, 'MCN ' || NEW.mcn_id, unixepoch() WHERE NEW.mcn_id <> ''
        ON CONFLICT (id) DO NOTHING;
    INSERT INTO creators (id, handle, category, bio, followers, mcn_id, created_at, updated_at)
        VALUES (NEW.creator_id, NEW.handle, NEW.category, '', NEW.followers,
                NULLIF(NEW.mcn_id, ''), unixepoch(), unixepoch());
    INSERT INTO follower_history (creator_id, at, followers)
        VALUES (NEW.creator_id, unixepoch(), NEW.followers);
END;
CREATE TEMP VIEW posts_csv (post_id, creator_id, published_at, kind, views, likes, comments,
                            collects) AS
    SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE 0;
CREATE TEMP TRIGGER posts_csv_insert INSTEAD OF INSERT ON posts_csv
WHEN EXISTS (SELECT 1 FROM creators WHERE id = NEW.creator_id) BEGIN
    INSERT INTO posts (id, creator_id, published_at, published_nsec, sponsored, views, likes,
                       comments, collects)
        VALUES (NEW.post_id, NEW.creator_id, unixepoch(NEW.published_at),
                CAST(substr(strftime('%f', NEW.published_at), 4) AS INTEGER) * 1000000,
                NEW.kind = 'sponsored', NEW.views, NEW.likes, NEW.comments, NEW.collects);
END;
.import --csv --skip 1 $C creators_csv
.import --csv --skip 1 $P posts_csv
$INDEXES
COMMIT;
PRAGMA journal_mode = WAL;
EOF

# --- measurement ---------------------------------------------------------------
# run NAME CMD...: one run; wall time from bash's EPOCHREALTIME around the
# process, peak RSS (KiB) from GNU time's %M, CPU = %U + %S (all threads).
run() {
  local name=$1; shift
  local tf=$RES/$name.time log=$RES/$name.log t0 t1
  t0=$EPOCHREALTIME
  if ! "$TIME" -f '%e %M %U %S' -o "$tf" "$@" >"$log" 2>&1; then
    echo "import.sh: $name failed: $*" >&2
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
busy_pct() {
  local a b
  a=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat); sleep 1
  b=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN{split(a, x, " "); split(b, y, " "); t = y[2] - x[2];
                               printf "%.0f", (t > 0 ? 100 * (y[1] - x[1]) / t : 0)}'
}
# What a database holds, to compare the two.
content() {
  sqlite3 "$1" "SELECT (SELECT count(*) FROM creators), (SELECT total(followers) FROM creators),
                       (SELECT count(*) FROM follower_history), (SELECT count(*) FROM mcns),
                       count(*), total(views), total(likes), total(comments), total(collects),
                       total(published_at), total(sponsored), total(creator_id) FROM posts"
}

log "reading the data once (page cache)"
cat "$C" "$P" >/dev/null
BUSY_BEFORE=$(busy_pct)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A WALLS_L RSSS_L CPUS_L WALLS RSSS CPUS
for ((i = 1; i <= RUNS; i++)); do
  line=""
  for t in partnerd sqlite3; do
    db=$RES/$t.db
    rm -f "$db" "$db"-*
    "$PARTNERD" migrate --db "$db" >/dev/null
    if [[ $t == partnerd ]]; then
      run partnerd "$PARTNERD" import --db "$db" --creators "$C" --posts "$P" --quiet
    else
      run sqlite3 sqlite3 "$db" ".read $RES/peer.sql"
    fi
    WALLS_L[$t]+="$LAST_WALL"$'\n'; RSSS_L[$t]+="$LAST_RSS"$'\n'; CPUS_L[$t]+="$LAST_CPU"$'\n'
    line+=" $t ${LAST_WALL}s ${LAST_RSS}KiB cpu ${LAST_CPU}s;"
  done
  log "round $i/$RUNS:$line"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
BUSY_AFTER=$(busy_pct)
for t in partnerd sqlite3; do
  WALLS[$t]=$(printf %s "${WALLS_L[$t]}" | median)
  RSSS[$t]=$(printf %s "${RSSS_L[$t]}" | median)
  CPUS[$t]=$(printf %s "${CPUS_L[$t]}" | median)
done

log "comparing the two databases"
A=$(content "$RES/partnerd.db")
B=$(content "$RES/sqlite3.db")
[[ $A == "$B" ]] || die "FAIL: the databases differ: partnerd: $A; sqlite3: $B"
IFS='|' read -r N_CREATORS _ _ _ N_POSTS _ <<<"$A"
[[ $(sqlite3 "$RES/partnerd.db" "PRAGMA integrity_check") == ok ]] || die "FAIL: integrity_check of partnerd.db"
DB_BYTES=$(stat -c %s "$RES/partnerd.db")
[[ -n ${KEEP_DB:-} ]] || rm -f "$RES"/*.db "$RES"/*.db-*

# --- report ------------------------------------------------------------------------
rate() { awk -v n="$1" -v s="$2" 'BEGIN{printf "%.0f", n/s}'; }
R_PD=$(rate "$N_POSTS" "${WALLS[partnerd]}")
R_SQ=$(rate "$N_POSTS" "${WALLS[sqlite3]}")
RATIO_GOAL=$(awk -v r="$R_PD" -v g="$GOAL" 'BEGIN{printf "%.2f", r/g}')
RATIO_PEER=$(awk -v a="${WALLS[sqlite3]}" -v b="${WALLS[partnerd]}" 'BEGIN{printf "%.2f", a/b}')
MET=$(awk -v r="$R_PD" -v g="$GOAL" 'BEGIN{print (r >= g) ? "yes" : "no"}')
th() { LC_ALL=C awk -v n="$1" 'BEGIN{s=sprintf("%.0f", n); o=""; while (length(s) > 3) { o="," substr(s, length(s)-2) o; s=substr(s, 1, length(s)-3) } print s o}'; }
mb() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }
{
  echo "import benchmark: size=$SIZE creators=$(th "$N_CREATORS") posts stored=$(th "$N_POSTS")"
  echo "data: $C, $P ($(awk -v b="$(stat -c %s "$P")" 'BEGIN{printf "%.1f MB", b/1e6}'))"
  echo "partnerd: $PARTNERD; sqlite3: $(sqlite3 --version | cut -d' ' -f1)"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "method: fresh migrated database file per run, data in the page cache, median of $RUNS run(s);"
  echo "        wall = whole process; both databases checked to hold the same rows ($(awk -v b="$DB_BYTES" 'BEGIN{printf "%.0f MB", b/1e6}'))"
  echo "other load: CPU busy ${BUSY_BEFORE}% before, ${BUSY_AFTER}% after; load average $LOAD_BEFORE before, $LOAD_AFTER after"
  if (( BUSY_BEFORE > 10 || BUSY_AFTER > 10 )); then
    echo "WARNING: other processes were using the CPU: wall times are inflated and noisy"
  fi
  echo
  printf '%-18s %10s %12s %14s %10s\n' tool wall_s posts_per_s peak_rss_MiB cpu_s
  printf '%-18s %10.2f %12s %14s %10.2f\n' "partnerd import" "${WALLS[partnerd]}" "$(th "$R_PD")" "$(mb "${RSSS[partnerd]}")" "${CPUS[partnerd]}"
  printf '%-18s %10.2f %12s %14s %10.2f\n' "sqlite3 .import" "${WALLS[sqlite3]}" "$(th "$R_SQ")" "$(mb "${RSSS[sqlite3]}")" "${CPUS[sqlite3]}"
  echo
  echo "partnerd: $(th "$R_PD") posts/s = $RATIO_GOAL x the goal of $(th "$GOAL") posts/s ($([[ $MET == yes ]] && echo MET || echo NOT MET)$([[ $SIZE != large ]] && echo ", judged on large"))"
  echo "partnerd vs sqlite3 .import: $RATIO_PEER x as fast"
  echo
  echo "size=$SIZE runs=$RUNS posts=$N_POSTS creators=$N_CREATORS"
  echo "busy_before_pct=$BUSY_BEFORE busy_after_pct=$BUSY_AFTER load_before=${LOAD_BEFORE%% *} load_after=${LOAD_AFTER%% *}"
  echo "partnerd_s=${WALLS[partnerd]} partnerd_posts_per_s=$R_PD partnerd_rss_kib=${RSSS[partnerd]} partnerd_cpu_s=${CPUS[partnerd]}"
  echo "sqlite3_s=${WALLS[sqlite3]} sqlite3_posts_per_s=$R_SQ sqlite3_rss_kib=${RSSS[sqlite3]} sqlite3_cpu_s=${CPUS[sqlite3]}"
  echo "ratio_goal=$RATIO_GOAL goal_met=$MET ratio_vs_sqlite3=$RATIO_PEER"
} | tee "$RES/summary.txt"
