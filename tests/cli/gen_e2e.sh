#!/usr/bin/env bash
# gen_e2e.sh - black-box tests of `partnerd gen` against the real binary.
#
# Usage: gen_e2e.sh PATH/TO/partnerd   (scratch space: $PD_TEST_TMP)
#
# Checks the command line (help, usage errors and their exit status), that
# the same arguments give byte-identical files whatever the thread count,
# the headers and a few shape facts of the files, and the calibration of the
# red-2019 preset: all 17,000 creators certified by red-2019-v1 and 3,800 to
# 4,200 by red-2019-v2, counted by `partnerd certify` and, when sqlite3 is
# installed, by an independent SQL query over the same files.
set -u

bin=${1:?usage: gen_e2e.sh PATH/TO/partnerd}
tmp=${PD_TEST_TMP:-/tmp}/gen_e2e
rm -rf "$tmp"
mkdir -p "$tmp"

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
pass() {
    echo "ok: $*"
}

# expect_status WANT DESCRIPTION -- COMMAND...: runs COMMAND, keeps its
# stdout and stderr in $tmp/out and $tmp/err.
expect_status() {
    local want=$1 what=$2
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$what: exit status $got, expected $want; stderr: $(head -c 300 "$tmp/err")"
        return 1
    fi
    pass "$what"
}

# ---- the command line ------------------------------------------------------

expect_status 0 "--help" -- "$bin" gen --help &&
    { grep -q "^Usage: partnerd gen" "$tmp/out" || fail "--help prints no usage on stdout"; }

expect_status 2 "missing --out" -- "$bin" gen
grep -q -- "--out" "$tmp/err" || fail "missing --out: message does not name --out"
expect_status 2 "--creators 0" -- "$bin" gen --out "$tmp/x" --creators 0
expect_status 2 "--creators abc" -- "$bin" gen --out "$tmp/x" --creators abc
expect_status 2 "--seed -1" -- "$bin" gen --out "$tmp/x" --seed -1
expect_status 2 "--preset unknown" -- "$bin" gen --out "$tmp/x" --preset red-2020
expect_status 2 "--as-of invalid" -- "$bin" gen --out "$tmp/x" --as-of 2019-13-01
expect_status 2 "--as-of before 1970-03-01" -- "$bin" gen --out "$tmp/x" --as-of 1970-01-15
expect_status 2 "unknown option" -- "$bin" gen --out "$tmp/x" --bogus
expect_status 2 "option without its value" -- "$bin" gen --out
expect_status 2 "stray argument" -- "$bin" gen --out "$tmp/x" extra
[ -e "$tmp/x" ] && fail "a usage error created the output directory"

: >"$tmp/afile"
expect_status 3 "--out below a regular file" -- "$bin" gen --out "$tmp/afile/sub" --creators 10
grep -q "not a directory" "$tmp/err" || fail "--out below a file: unclear message: $(cat "$tmp/err")"

# ---- determinism -------------------------------------------------------------

expect_status 0 "gen 3000 creators, 1 thread" -- \
    "$bin" gen --out "$tmp/a" --creators 3000 --seed 7 --as-of 2019-06-01 --threads 1
[ -s "$tmp/out" ] && fail "gen wrote to stdout: $(head -c 200 "$tmp/out")"
grep -q "^partnerd gen: creators 3,000, posts [0-9,]* (.*), bytes [0-9,]*, [0-9.]* s" "$tmp/err" ||
    fail "no one-line summary on stderr: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "more than one line on stderr (no terminal, so no progress)"

expect_status 0 "gen again, 3 threads, into a nested new directory" -- \
    "$bin" gen --out "$tmp/b/c" --creators 3000 --seed 7 --threads 3 --quiet
[ -s "$tmp/err" ] && fail "--quiet still printed: $(cat "$tmp/err")"
for f in creators.csv posts.csv; do
    cmp -s "$tmp/a/$f" "$tmp/b/c/$f" && pass "$f byte-identical across runs" ||
        fail "$f differs between two runs with the same arguments"
done
expect_status 0 "gen with another seed" -- "$bin" gen --out "$tmp/d" --creators 3000 --seed 8 --quiet
cmp -s "$tmp/a/posts.csv" "$tmp/d/posts.csv" && fail "seeds 7 and 8 gave the same posts.csv"
ls -a "$tmp/a" | grep -q '\.tmp' && fail "temporary files left in the output directory"

# A failing run leaves what is there alone.
cp "$tmp/a/creators.csv" "$tmp/creators.before"
expect_status 2 "bad run over an existing data set" -- "$bin" gen --out "$tmp/a" --as-of nonsense
cmp -s "$tmp/a/creators.csv" "$tmp/creators.before" || fail "a failed run changed creators.csv"

# ---- format ------------------------------------------------------------------

[ "$(head -n 1 "$tmp/a/creators.csv")" = "creator_id,handle,category,followers,mcn_id" ] ||
    fail "creators.csv header: $(head -n 1 "$tmp/a/creators.csv")"
[ "$(head -n 1 "$tmp/a/posts.csv")" = \
    "post_id,creator_id,published_at,kind,views,likes,comments,collects" ] ||
    fail "posts.csv header: $(head -n 1 "$tmp/a/posts.csv")"
[ "$(wc -l <"$tmp/a/creators.csv")" -eq 3001 ] || fail "creators.csv does not hold 3000 creators"
awk -F, 'NR > 1 && $1 != NR - 1 { bad = 1 } END { exit bad }' "$tmp/a/posts.csv" ||
    fail "post ids are not 1, 2, 3, ..."
grep -q '^[0-9]*,"[^"]*\(""\|,\)' "$tmp/a/creators.csv" || fail "no quoted handle in creators.csv"
grep -q '+08:00,' "$tmp/a/posts.csv" || fail "no instant with a +08:00 offset"
grep -q '\.[0-9][0-9][0-9]Z,' "$tmp/a/posts.csv" || fail "no instant with fractional seconds"
awk -F, 'NR > 1 && $2 > 3000 { n++ } END { exit !(n > 0) }' "$tmp/a/posts.csv" ||
    fail "no post of an unknown creator (ids above 3000)"
grep -v -q -E '^[0-9]+,[0-9]+,[0-9T:.+Z-]+,(organic|sponsored),[0-9]+,[0-9]+,[0-9]+,[0-9]+$' \
    <(tail -n +2 "$tmp/a/posts.csv") && fail "a posts.csv line is malformed"

# ---- the red-2019 preset ------------------------------------------------------

expect_status 0 "gen --preset red-2019" -- "$bin" gen --out "$tmp/red" --preset red-2019
[ "$(wc -l <"$tmp/red/creators.csv")" -eq 17001 ] || fail "red-2019: not 17,000 creators"

# certified count in a certify output file (column 2 is `certified`)
certified() { awk -F, 'NR > 1 && $2 == 1 { n++ } END { print n + 0 }' "$1"; }

for policy in red-2019-v1 red-2019-v2; do
    if expect_status 0 "certify $policy over the preset" -- \
        "$bin" certify --creators "$tmp/red/creators.csv" --posts "$tmp/red/posts.csv" \
        --policy $policy --as-of 2019-06-01 --out "$tmp/red/$policy.csv" --quiet; then
        n=$(certified "$tmp/red/$policy.csv")
        echo "   $policy certifies $n"
        case $policy in
        red-2019-v1) [ "$n" -eq 17000 ] || fail "red-2019-v1 certifies $n, expected all 17000" ;;
        red-2019-v2) [ "$n" -ge 3800 ] && [ "$n" -le 4200 ] ||
            fail "red-2019-v2 certifies $n, expected 3800..4200" ;;
        esac
    fi
done

if command -v sqlite3 >/dev/null 2>&1; then
    counts=$(sqlite3 -batch -csv <<SQL
CREATE TABLE creators(creator_id INTEGER PRIMARY KEY, handle TEXT, category TEXT,
                      followers INTEGER, mcn_id INTEGER);
CREATE TABLE posts(post_id INTEGER PRIMARY KEY, creator_id INTEGER, published_at TEXT,
                   kind TEXT, views INTEGER, likes INTEGER, comments INTEGER, collects INTEGER);
.import --csv --skip 1 '$tmp/red/creators.csv' creators
.import --csv --skip 1 '$tmp/red/posts.csv' posts
WITH w AS (
  SELECT creator_id, count(*) AS n, sum(kind = 'sponsored') AS sp, sum(views) AS v
  FROM posts
  WHERE unixepoch(published_at) >= unixepoch('2019-06-01') - 30 * 86400
    AND unixepoch(published_at) < unixepoch('2019-06-01')
  GROUP BY creator_id)
SELECT (SELECT count(*) FROM creators WHERE followers >= 1000),
       (SELECT count(*) FROM creators c JOIN w USING (creator_id)
        WHERE c.followers >= 5000 AND w.v >= 10000 * w.n AND w.n - w.sp >= 4 * w.sp
          AND w.sp >= 4);
SQL
    )
    v1=${counts%,*}
    v2=${counts#*,}
    echo "   sqlite3: red-2019-v1 certifies $v1, red-2019-v2 certifies $v2"
    [ "$v1" = 17000 ] || fail "sqlite3: red-2019-v1 certifies '$v1', expected 17000"
    [ "$v2" -ge 3800 ] 2>/dev/null && [ "$v2" -le 4200 ] ||
        fail "sqlite3: red-2019-v2 certifies '$v2', expected 3800..4200"
    if [ -f "$tmp/red/red-2019-v2.csv" ]; then
        n=$(certified "$tmp/red/red-2019-v2.csv")
        [ "$n" = "$v2" ] || fail "certify ($n) and sqlite3 ($v2) disagree on red-2019-v2"
    fi
else
    echo "   (sqlite3 not installed: SQL cross-check skipped)"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
rm -rf "$tmp"
echo "all gen checks passed"
