#!/usr/bin/env bash
# certify_e2e.sh - `partnerd certify` end to end, on small hand-written files
# whose expected output is written out below and compared byte for byte.
#
#   bash tests/cli/certify_e2e.sh PATH/TO/partnerd
#
# Scratch files go to a fresh directory under $PD_TEST_TMP (default: /tmp),
# removed on success (unless KEEP=1) and kept (and named) on failure. Exit 0
# when every check passes, 1 otherwise, each failed check printed with what
# differed.
set -u

. "$(dirname "$0")/lib.sh"
pd_test_init certify_e2e "$@"

# ---------------------------------------------------------------------------
# The data set. as_of 2019-06-01, so the 30-day window is
# [2019-05-02T00:00:00Z, 2019-06-01T00:00:00Z).
#
#  10 alice  12000 followers: 16 organic + 4 sponsored in the window, all
#            10000 views: avg exactly 10000.00, certified. Posts at the very
#            start of the window and 1 ns before its end; two just outside.
#  20 bob    the same posts (in other instant spellings), 4999 followers.
#  30 carol  5000 followers, 20 posts, 199999 views: avg 9999.95 < 10000.
#  40 dan    quoted handle; 15 organic < 4 x 4 sponsored.
#  50 eve    no posts, 0 followers: fails every rule.
#  60 frank  handle over two lines; 8 posts with 1 view in all: 0.125 -> 0.13.
#  posts of creators 99 (2, in the window) and 15 (1, before it): unknown.
# ---------------------------------------------------------------------------

cat >"$D/creators.csv" <<'EOF'
creator_id,handle,category,followers,mcn_id
40,"dan, the ""man""",travel,100000,
10,alice,beauty,12000,7
60,"frank
on two lines, ""quoted""",books,1000,
20,bob,tech,4999,7
50,eve,pets,0,
30,carol,food,5000,3
EOF

# The same creators with the columns reordered and extra columns around.
cat >"$D/creators_reordered.csv" <<'EOF'
mcn_id,followers,notes,creator_id,category,handle,extra
,100000,"a note, with a comma",40,travel,"dan, the ""man""",x
7,12000,,10,beauty,alice,
,1000,"two
lines",60,books,"frank
on two lines, ""quoted""",
7,4999,n,20,tech,bob,y
,0,,50,pets,eve,
3,5000,"""",30,food,carol,z
EOF

printf 'post_id,creator_id,published_at,kind,views,likes,comments,collects\n' >"$D/posts.csv"
printf 'kind,caption,views,published_at,collects,creator_id,likes,post_id,comments,extra\n' \
    >"$D/posts_reordered.csv"
pid=0
# P CREATOR PUBLISHED_AT KIND VIEWS: appends one post to both layouts.
P() {
    pid=$((pid + 1))
    printf '%d,%s,%s,%s,%s,1,2,3\n' "$pid" "$1" "$2" "$3" "$4" >>"$D/posts.csv"
    local caption="plain"
    case $((pid % 4)) in
    1) caption='"a, b"' ;;
    2) caption='"line one
line two, ""quoted"""' ;;
    3) caption='' ;;
    esac
    printf '%s,%s,"%s",%s,3,%s,1,%d,2,x\n' "$3" "$caption" "$4" "$2" "$1" "$pid" \
        >>"$D/posts_reordered.csv"
}

# alice (10)
P 10 2019-05-02T00:00:00Z organic 10000
P 10 2019-05-31T23:59:59.999999999Z organic 10000
for d in 03 04 05 06 07 08 09 10 11 12 13 14 15 16; do
    P 10 "2019-05-${d}T12:00:00Z" organic 10000
done
P 10 2019-05-20T09:15:00Z sponsored 10000
P 10 2019-05-21T09:15:00.25Z sponsored 10000
P 10 2019-05-22T17:15:00+08:00 sponsored 10000
P 10 2019-05-23 sponsored 10000
P 10 2019-06-01T00:00:00Z sponsored 0       # at as_of: out
P 10 2019-05-01T23:59:59.999Z sponsored 0   # before the window: out
# bob (20)
P 20 2019-06-01T07:59:59.5+08:00 organic 10000  # 2019-05-31T23:59:59.5Z: in
P 20 2019-05-01T20:00:00-04:00 organic 10000    # 2019-05-02T00:00:00Z: in
P 20 2019-05-02 organic 10000                   # 2019-05-02T00:00:00Z: in
for d in 05 06 07 08 09 10 11 12 13 14 15 16 17; do
    P 20 "2019-05-${d}T06:00:00Z" organic 10000
done
P 20 2019-05-25T10:00:00+05:30 sponsored 10000
P 20 2019-05-26T10:00:00-05:00 sponsored 10000
P 20 2019-05-27T10:00:00Z sponsored 10000
P 20 2019-05-28T10:00:00.000Z sponsored 10000
P 20 2019-06-01T08:00:00+08:00 sponsored 0  # = as_of: out
P 20 2019-05-02T07:59:59+08:00 sponsored 0  # 2019-05-01T23:59:59Z: out
P 20 2019-06-01 sponsored 0                 # = as_of: out
# carol (30)
P 30 2019-05-10T10:00:00Z organic 9999
for d in 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do
    P 30 "2019-05-${d}T10:00:00Z" organic 10000
done
for d in 26 27 28 29; do
    P 30 "2019-05-${d}T10:00:00Z" sponsored 10000
done
# dan (40)
for d in 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24; do
    P 40 "2019-05-${d}T20:00:00.123+08:00" organic 20000
done
for d in 25 26 27 28; do
    P 40 "2019-05-${d}T20:00:00Z" sponsored 20000
done
# frank (60)
P 60 2019-05-15T00:00:00Z organic 1
for i in 1 2 3 4 5 6 7; do
    P 60 "2019-05-15T0${i}:00:00Z" organic 0
done
# unknown creators
P 99 2019-05-15T00:00:00Z organic 5
P 99 2019-05-16T00:00:00Z sponsored 5
P 15 2019-04-01T00:00:00Z organic 5

# totals: 95 posts read, 87 in the window, 3 of unknown creators
cat >"$T/want_v2" <<'EOF'
creator_id,certified,followers,posts,sponsored,avg_views
10,1,12000,20,4,10000.00
20,0,4999,20,4,10000.00
30,0,5000,20,4,9999.95
40,0,100000,19,4,20000.00
50,0,0,0,0,0.00
60,0,1000,8,0,0.13
EOF
summary_v2="creators 6, posts read 95, posts in window 87, posts of unknown creators 3, certified 1"

cat >"$T/want_v2_explain" <<'EOF'
creator_id,certified,followers,posts,sponsored,avg_views,failed_rules
10,1,12000,20,4,10000.00,
20,0,4999,20,4,10000.00,followers 4999 < 5000
30,0,5000,20,4,9999.95,avg_views 9999.95 < 10000
40,0,100000,19,4,20000.00,organic 15 < 4 x sponsored 4
50,0,0,0,0,0.00,followers 0 < 5000; avg_views 0.00 < 10000 (no posts in the 30-day window); organic 0 < 4 x sponsored 0 (no posts in the 30-day window); sponsored 0 < 4 (no posts in the 30-day window)
60,0,1000,8,0,0.13,followers 1000 < 5000; avg_views 0.13 < 10000; sponsored 0 < 4
EOF

cat >"$T/want_v1_explain" <<'EOF'
creator_id,certified,followers,posts,sponsored,avg_views,failed_rules
10,1,12000,20,4,10000.00,
20,1,4999,20,4,10000.00,
30,1,5000,20,4,9999.95,
40,1,100000,19,4,20000.00,
50,0,0,0,0,0.00,followers 0 < 1000
60,1,1000,8,0,0.13,
EOF

base=(certify --creators "$D/creators.csv" --posts "$D/posts.csv" --as-of 2019-06-01)

# --- the preset, to standard output, with the summary on stderr -------------
run "${base[@]}" --policy red-2019-v2
expect_rc "v2 to stdout" 0 &&
    expect_same "v2 to stdout" "$T/want_v2" "$T/stdout"
expect_text "v2 summary line on stderr" "$T/stderr" "$summary_v2"

run "${base[@]}" --policy red-2019-v2 --explain
expect_rc "v2 --explain" 0 && expect_same "v2 --explain" "$T/want_v2_explain" "$T/stdout"

run "${base[@]}" --policy red-2019-v1 --explain
expect_rc "v1 --explain" 0 && expect_same "v1 --explain" "$T/want_v1_explain" "$T/stdout"
expect_text "v1 summary line" "$T/stderr" \
    "creators 6, posts read 95, posts in window 87, posts of unknown creators 3, certified 5"

run "${base[@]}" --policy red-2019-v2 --out -
expect_rc "--out -" 0 && expect_same "--out - is standard output" "$T/want_v2" "$T/stdout"

run "${base[@]}" --policy red-2019-v2 --quiet
expect_rc "--quiet" 0 && expect_same "--quiet output" "$T/want_v2" "$T/stdout"
expect_empty "--quiet: nothing on stderr" "$T/stderr"

# --- --out: the file gets the result, stdout stays empty, no temp left ------
mkdir -p "$T/outdir"
run "${base[@]}" --policy red-2019-v2 --explain --out "$T/outdir/result.csv"
expect_rc "--out FILE" 0
expect_empty "--out FILE: stdout" "$T/stdout"
expect_text "--out FILE: summary" "$T/stderr" "$summary_v2"
if [ -f "$T/outdir/result.csv" ]; then
    expect_same "--out FILE: contents" "$T/want_v2_explain" "$T/outdir/result.csv"
else
    fail "--out FILE: $T/outdir/result.csv was not written"
fi
left=$(ls -A "$T/outdir")
[ "$left" = "result.csv" ] && pass || fail "--out FILE: the directory holds '$left', expected only result.csv"
# an existing file is replaced whole
printf 'old contents, much longer than the new ones\n%.0s' $(seq 1 500) >"$T/outdir/result.csv"
run "${base[@]}" --policy red-2019-v2 --out "$T/outdir/result.csv"
expect_rc "--out over an existing file" 0 &&
    expect_same "--out over an existing file" "$T/want_v2" "$T/outdir/result.csv"
# a directory that does not exist: a file error
run "${base[@]}" --policy red-2019-v2 --out "$T/no/such/dir/result.csv"
expect_rc "--out into a missing directory" 3 && expect_grep "--out into a missing directory" \
    "$T/stderr" "$T/no/such/dir/result.csv"

# --- --out naming a FIFO (as /dev/null is a device): written into, never replaced
mkfifo "$T/out.fifo"
cat "$T/out.fifo" >"$T/from_fifo" &
reader=$!
run certify --creators "$D/creators.csv" --posts "$D/posts.csv" --as-of 2019-06-01 \
    --policy red-2019-v2 --out "$T/out.fifo"
if [ -p "$T/out.fifo" ]; then
    pass
    wait "$reader"
    expect_rc "--out a FIFO" 0 && expect_same "--out a FIFO: the reader gets the result" \
        "$T/want_v2" "$T/from_fifo"
else
    fail "--out a FIFO: the FIFO was replaced by a file"
    kill "$reader" 2>/dev/null; wait "$reader" 2>/dev/null
fi

# --- the input in other layouts gives the same result -----------------------
run certify --creators "$D/creators_reordered.csv" --posts "$D/posts_reordered.csv" \
    --as-of 2019-06-01 --policy red-2019-v2 --explain
expect_rc "reordered + extra columns" 0 &&
    expect_same "reordered + extra columns, quoted fields" "$T/want_v2_explain" "$T/stdout"
expect_text "reordered: summary" "$T/stderr" "$summary_v2"

sed 's/$/\r/' "$D/creators.csv" >"$D/creators_crlf.csv"
sed 's/$/\r/' "$D/posts.csv" >"$D/posts_crlf.csv"
sed 's/$/\r/' "$D/posts_reordered.csv" >"$D/posts_reordered_crlf.csv"
run certify --creators "$D/creators_crlf.csv" --posts "$D/posts_crlf.csv" \
    --as-of 2019-06-01 --policy red-2019-v2
expect_rc "CRLF" 0 && expect_same "CRLF line ends" "$T/want_v2" "$T/stdout"
expect_text "CRLF: summary" "$T/stderr" "$summary_v2"
run certify --creators "$D/creators_crlf.csv" --posts "$D/posts_reordered_crlf.csv" \
    --as-of 2019-06-01 --policy red-2019-v2
expect_rc "CRLF, reordered, quoted newlines" 0 &&
    expect_same "CRLF, reordered, quoted newlines" "$T/want_v2" "$T/stdout"

# no newline at the end of either file; blank lines; a UTF-8 byte order mark
head -c -1 "$D/creators.csv" >"$D/creators_nonl.csv"
head -c -1 "$D/posts.csv" >"$D/posts_nonl.csv"
run certify --creators "$D/creators_nonl.csv" --posts "$D/posts_nonl.csv" \
    --as-of 2019-06-01 --policy red-2019-v2
expect_rc "no final newline" 0 && expect_same "no final newline" "$T/want_v2" "$T/stdout"
{ printf '\357\273\277'; cat "$D/creators.csv"; printf '\n\n'; } >"$D/creators_bom.csv"
{ head -n 30 "$D/posts.csv"; printf '\n\r\n'; tail -n +31 "$D/posts.csv"; printf '\n'; } \
    >"$D/posts_blank.csv"
run certify --creators "$D/creators_bom.csv" --posts "$D/posts_blank.csv" \
    --as-of 2019-06-01 --policy red-2019-v2
expect_rc "BOM and blank lines" 0 && expect_same "BOM and blank lines" "$T/want_v2" "$T/stdout"
expect_text "BOM and blank lines: summary" "$T/stderr" "$summary_v2"

# posts with every field quoted (the careful path instead of the fast one)
sed -e '1!s/\([^,]*\)/"\1"/g' "$D/posts.csv" >"$D/posts_quoted.csv"
run certify --creators "$D/creators.csv" --posts "$D/posts_quoted.csv" \
    --as-of 2019-06-01 --policy red-2019-v2
expect_rc "every post field quoted" 0 &&
    expect_same "every post field quoted" "$T/want_v2" "$T/stdout"

# --- the evaluation instant ---------------------------------------------------
run "${base[@]/2019-06-01/2019-06-01T08:00:00+08:00}" --policy red-2019-v2
expect_rc "--as-of with an offset" 0 &&
    expect_same "--as-of 2019-06-01T08:00:00+08:00 = 2019-06-01" "$T/want_v2" "$T/stdout"
run "${base[@]/2019-06-01/2019-06-01T00:00:00.000Z}" --policy red-2019-v2
expect_rc "--as-of with zero fraction" 0 &&
    expect_same "--as-of 2019-06-01T00:00:00.000Z = 2019-06-01" "$T/want_v2" "$T/stdout"

# One nanosecond later, the window moves by 1 ns at both ends: alice and bob
# lose their posts at 2019-05-02T00:00:00Z and gain their (0-view, sponsored)
# posts at 2019-06-01T00:00:00Z.
cat >"$T/want_v2_plus1ns" <<'EOF'
creator_id,certified,followers,posts,sponsored,avg_views,failed_rules
10,0,12000,20,5,9500.00,avg_views 9500.00 < 10000; organic 15 < 4 x sponsored 5
20,0,4999,20,6,9000.00,followers 4999 < 5000; avg_views 9000.00 < 10000; organic 14 < 4 x sponsored 6
30,0,5000,20,4,9999.95,avg_views 9999.95 < 10000
40,0,100000,19,4,20000.00,organic 15 < 4 x sponsored 4
50,0,0,0,0,0.00,followers 0 < 5000; avg_views 0.00 < 10000 (no posts in the 30-day window); organic 0 < 4 x sponsored 0 (no posts in the 30-day window); sponsored 0 < 4 (no posts in the 30-day window)
60,0,1000,8,0,0.13,followers 1000 < 5000; avg_views 0.13 < 10000; sponsored 0 < 4
EOF
run "${base[@]/2019-06-01/2019-06-01T00:00:00.000000001Z}" --policy red-2019-v2 --explain
expect_rc "--as-of + 1 ns" 0 && expect_same "--as-of 2019-06-01T00:00:00.000000001Z" \
    "$T/want_v2_plus1ns" "$T/stdout"
expect_text "--as-of + 1 ns: summary" "$T/stderr" \
    "creators 6, posts read 95, posts in window 87, posts of unknown creators 3, certified 0"

# --- policy files ---------------------------------------------------------------
run policy show red-2019-v2
expect_rc "policy show red-2019-v2" 0
cp "$T/stdout" "$T/v2.json"
run "${base[@]}" --policy "$T/v2.json" --explain
expect_rc "--policy FILE from policy show" 0 &&
    expect_same "--policy (policy show red-2019-v2) = preset" "$T/want_v2_explain" "$T/stdout"
expect_text "--policy FILE: summary" "$T/stderr" "$summary_v2"
run policy show red-2019-v1
cp "$T/stdout" "$T/v1.json"
run "${base[@]}" --policy "$T/v1.json" --explain
expect_rc "--policy v1 FILE" 0 &&
    expect_same "--policy (policy show red-2019-v1) = preset" "$T/want_v1_explain" "$T/stdout"

# max_sponsored and min_posts
cat >"$T/cap.json" <<'EOF'
{
  "name": "cap-sponsored",
  "description": "at most 3 sponsored posts among at least 19",
  "window_days": 30,
  "rules": {"max_sponsored": 3, "min_posts": 19, "min_followers": 1000}
}
EOF
cat >"$T/want_cap" <<'EOF'
creator_id,certified,followers,posts,sponsored,avg_views,failed_rules
10,0,12000,20,4,10000.00,sponsored 4 > 3
20,0,4999,20,4,10000.00,sponsored 4 > 3
30,0,5000,20,4,9999.95,sponsored 4 > 3
40,0,100000,19,4,20000.00,sponsored 4 > 3
50,0,0,0,0,0.00,followers 0 < 1000; posts 0 < 19 (no posts in the 30-day window)
60,0,1000,8,0,0.13,posts 8 < 19
EOF
run "${base[@]}" --policy "$T/cap.json" --explain
expect_rc "custom policy max_sponsored/min_posts" 0 &&
    expect_same "custom policy max_sponsored/min_posts" "$T/want_cap" "$T/stdout"
expect_text "custom policy: summary" "$T/stderr" \
    "creators 6, posts read 95, posts in window 87, posts of unknown creators 3, certified 0"

# the same with a looser cap: four pass
sed -e 's/"max_sponsored": 3/"max_sponsored": 4/' "$T/cap.json" >"$T/cap4.json"
cat >"$T/want_cap4" <<'EOF'
creator_id,certified,followers,posts,sponsored,avg_views
10,1,12000,20,4,10000.00
20,1,4999,20,4,10000.00
30,1,5000,20,4,9999.95
40,1,100000,19,4,20000.00
50,0,0,0,0,0.00
60,0,1000,8,0,0.13
EOF
run "${base[@]}" --policy "$T/cap4.json"
expect_rc "custom policy max_sponsored 4" 0 &&
    expect_same "custom policy max_sponsored 4" "$T/want_cap4" "$T/stdout"

# a one-day window: [2019-05-31T00:00:00Z, 2019-06-01T00:00:00Z)
cat >"$T/oneday.json" <<'EOF'
{"name": "one-day", "window_days": 1, "rules": {"min_posts": 1, "max_sponsored": 0}}
EOF
cat >"$T/want_oneday" <<'EOF'
creator_id,certified,followers,posts,sponsored,avg_views,failed_rules
10,1,12000,1,0,10000.00,
20,1,4999,1,0,10000.00,
30,0,5000,0,0,0.00,posts 0 < 1 (no posts in the 1-day window)
40,0,100000,0,0,0.00,posts 0 < 1 (no posts in the 1-day window)
50,0,0,0,0,0.00,posts 0 < 1 (no posts in the 1-day window)
60,0,1000,0,0,0.00,posts 0 < 1 (no posts in the 1-day window)
EOF
run "${base[@]}" --policy "$T/oneday.json" --explain
expect_rc "one-day window" 0 && expect_same "one-day window" "$T/want_oneday" "$T/stdout"
expect_text "one-day window: summary" "$T/stderr" \
    "creators 6, posts read 95, posts in window 2, posts of unknown creators 3, certified 2"
# ending 1 ns before 2019-06-01: alice's post at 23:59:59.999999999 is out
sed -e '2s/^10,1,12000,1,0,10000.00,$/10,0,12000,0,0,0.00,posts 0 < 1 (no posts in the 1-day window)/' \
    "$T/want_oneday" >"$T/want_oneday_early"
run "${base[@]/2019-06-01/2019-05-31T23:59:59.999999999Z}" --policy "$T/oneday.json" --explain
expect_rc "one-day window ending 1 ns early" 0 &&
    expect_same "one-day window ending at 2019-05-31T23:59:59.999999999Z" \
        "$T/want_oneday_early" "$T/stdout"

# --- rounding of avg_views ------------------------------------------------------
cat >"$D/r_creators.csv" <<'EOF'
creator_id,handle,category,followers,mcn_id
1,r1,tech,1,
2,r2,tech,1,
3,r3,tech,1,
4,r4,tech,1,
5,r5,tech,1,
6,r6,tech,1,
7,r7,tech,1,
8,r8,tech,1,
9,r9,tech,1,
EOF
{
    echo 'post_id,creator_id,published_at,kind,views,likes,comments,collects'
    awk 'BEGIN {
        id = 0
        # creator, number of posts, views of the first post (the others 0)
        split("1 8 1|2 40 1|3 8 3|4 3 10|5 3 20|6 6 1|7 7 100|8 1 0|9 200 1", spec, "|")
        for (k = 1; k <= 9; k++) {
            split(spec[k], f, " ")
            for (i = 0; i < f[2]; i++)
                printf "%d,%d,2019-05-20T00:00:00Z,organic,%d,0,0,0\n", ++id, f[1], i ? 0 : f[3]
        }
        # two huge posts: 10^15 - 1 (fast path) and 10^15 (careful path)
        printf "%d,8,2019-05-20T00:00:00Z,organic,999999999999999,0,0,0\n", ++id
        printf "%d,8,2019-05-20T00:00:00Z,organic,1000000000000000,0,0,0\n", ++id
    }'
} >"$D/r_posts.csv"
cat >"$T/want_round" <<'EOF'
creator_id,certified,followers,posts,sponsored,avg_views
1,0,1,8,0,0.13
2,0,1,40,0,0.03
3,0,1,8,0,0.38
4,0,1,3,0,3.33
5,0,1,3,0,6.67
6,0,1,6,0,0.17
7,0,1,7,0,14.29
8,0,1,3,0,666666666666666.33
9,0,1,200,0,0.01
EOF
run certify --creators "$D/r_creators.csv" --posts "$D/r_posts.csv" --as-of 2019-06-01 \
    --policy red-2019-v1
expect_rc "rounding" 0 && expect_same "avg_views rounding (half up, two decimals)" \
    "$T/want_round" "$T/stdout"

# --- header-only posts: every creator with zero posts ------------------------------
head -n 1 "$D/posts.csv" >"$D/posts_header_only.csv"
cat >"$T/want_noposts" <<'EOF'
creator_id,certified,followers,posts,sponsored,avg_views
10,1,12000,0,0,0.00
20,1,4999,0,0,0.00
30,1,5000,0,0,0.00
40,1,100000,0,0,0.00
50,0,0,0,0,0.00
60,1,1000,0,0,0.00
EOF
run certify --creators "$D/creators.csv" --posts "$D/posts_header_only.csv" \
    --as-of 2019-06-01 --policy red-2019-v1
expect_rc "no posts" 0 && expect_same "header-only posts.csv" "$T/want_noposts" "$T/stdout"
expect_text "no posts: summary" "$T/stderr" \
    "creators 6, posts read 0, posts in window 0, posts of unknown creators 0, certified 5"

# --- threads: a file big enough to split, with a quoted multi-line field over the
# split point (the second thread's guessed start is wrong and must be caught) ---
awk 'BEGIN {
    srand(11)
    print "creator_id,handle,category,followers,mcn_id"
    for (c = 1; c <= 500; c++)
        printf "%d,h%d,cat%d,%d,%s\n", c, c, c % 7, int(rand() * 20000), (c % 3 ? "" : c % 11 + 1)
}' >"$D/t_creators.csv"
awk 'BEGIN {
    srand(12)
    n = 60000
    print "post_id,creator_id,published_at,kind,views,likes,comments,collects,caption"
    for (i = 1; i <= n; i++) {
        if (i == n / 2) {
            # a caption of ~200 KB whose lines look like posts of creator 1
            printf "%d,1,2019-05-20T00:00:00Z,organic,1,0,0,0,\"start\n", i
            for (k = 0; k < 4000; k++)
                printf "%d,1,2019-05-20T00:00:00Z,sponsored,1000000,0,0,0,in the caption %d\n", 900000 + k, k
            print "end of the caption\""
            continue
        }
        c = int(rand() * 520) + 1
        d = int(rand() * 45)
        printf "%d,%d,2019-%02d-%02dT%02d:%02d:%02dZ,%s,%d,%d,%d,%d,x\n", i, c,
            d < 14 ? 4 : 5, d < 14 ? d + 17 : d - 13, int(rand() * 24), int(rand() * 60),
            int(rand() * 60), rand() < 0.2 ? "sponsored" : "organic", int(rand() * 40000),
            int(rand() * 500), int(rand() * 50), int(rand() * 50)
    }
}' >"$D/t_posts.csv"
tbase=(certify --creators "$D/t_creators.csv" --posts "$D/t_posts.csv" --as-of 2019-06-01
    --policy red-2019-v2 --explain)
run "${tbase[@]}" --threads 1
expect_rc "--threads 1" 0
cp "$T/stdout" "$T/t1.out"
cp "$T/stderr" "$T/t1.err"
# creator 1 has exactly one post inside the caption's record (views 1)
if ! grep -q '^1,[01],[0-9]*,[0-9]*,[0-9]*,' "$T/t1.out"; then
    fail "--threads 1: no row for creator 1"
fi
for n in 2 3 4; do
    run "${tbase[@]}" --threads "$n"
    expect_rc "--threads $n" 0 &&
        expect_same "--threads $n = --threads 1" "$T/t1.out" "$T/stdout" &&
        expect_same "--threads $n summary = --threads 1" "$T/t1.err" "$T/stderr"
done
run "${tbase[@]}" --threads 2 --skip-bad-lines
expect_rc "--threads 2 --skip-bad-lines" 0 &&
    expect_same "--threads 2 --skip-bad-lines = --threads 1" "$T/t1.out" "$T/stdout" &&
    expect_same "--threads 2 --skip-bad-lines summary" "$T/t1.err" "$T/stderr"
# and without the caption trap, split on plain lines
grep -v 'in the caption\|"start$\|^end of the caption' "$D/t_posts.csv" >"$D/t_posts_plain.csv"
run certify --creators "$D/t_creators.csv" --posts "$D/t_posts_plain.csv" --as-of 2019-06-01 \
    --policy red-2019-v1 --threads 1
cp "$T/stdout" "$T/tp1.out"
cp "$T/stderr" "$T/tp1.err"
run certify --creators "$D/t_creators.csv" --posts "$D/t_posts_plain.csv" --as-of 2019-06-01 \
    --policy red-2019-v1 --threads 2
expect_rc "plain --threads 2" 0 && expect_same "plain: --threads 2 = --threads 1" \
    "$T/tp1.out" "$T/stdout" && expect_same "plain: summary" "$T/tp1.err" "$T/stderr"
# the caption's record is one post (60,000 in all, whatever the thread count)
expect_grep "threads: posts read" "$T/t1.err" "posts read 60,000,"

# one record longer than a thread's share of the file (a 1.5 MB caption)
awk 'BEGIN {
    print "post_id,creator_id,published_at,kind,views,likes,comments,collects,caption"
    for (i = 1; i <= 40000; i++) {
        if (i == 15000) {
            printf "%d,2,2019-05-20T00:00:00Z,sponsored,7,0,0,0,\"", i
            for (k = 0; k < 30000; k++)
                printf "a long caption, with commas and \"\"quotes\"\"; "
            print "\""
            continue
        }
        printf "%d,%d,2019-05-%02dT10:00:00Z,%s,%d,1,2,3,x\n", i, i % 500 + 1, i % 28 + 1,
            i % 6 ? "organic" : "sponsored", i * 7 % 30011
    }
}' >"$D/t_posts_long.csv"
run certify --creators "$D/t_creators.csv" --posts "$D/t_posts_long.csv" --as-of 2019-06-01 \
    --policy red-2019-v2 --explain --threads 1
expect_rc "a 1.5 MB record, one thread" 0
cp "$T/stdout" "$T/tl1.out"
cp "$T/stderr" "$T/tl1.err"
expect_grep "a 1.5 MB record: every post read" "$T/tl1.err" "posts read 40,000,"
for n in 2 3 4; do
    run certify --creators "$D/t_creators.csv" --posts "$D/t_posts_long.csv" --as-of 2019-06-01 \
        --policy red-2019-v2 --explain --threads "$n"
    expect_rc "a 1.5 MB record, --threads $n" 0 &&
        expect_same "a 1.5 MB record: --threads $n = --threads 1" "$T/tl1.out" "$T/stdout" &&
        expect_same "a 1.5 MB record: --threads $n summary" "$T/tl1.err" "$T/stderr"
done

# --- a posts line across the end of the reader's first 1 MiB buffer ----------------
# The reader fills 1 MiB - 1 bytes of data first (the last byte of the buffer
# is a NUL sentinel). Here the `kind` field of the line over that edge starts
# 2 bytes before it, so a parser that compares "organic"/"sponsored" without
# checking the length reads past the end of the buffer. The result must be
# right, and when valgrind is available (and partnerd is not built with
# AddressSanitizer, which cannot run under it) there must be no invalid read.
awk 'BEGIN {
    print "post_id,creator_id,published_at,kind,views,likes,comments,collects"
    target = 1048575 - 2          # data offset where the kind field must start
    L = length(sprintf("%d,1,2019-05-10T00:00:00Z,organic,100,1,2,3", 100000)) + 1
    base = L - 3                  # the same line with an empty views field
    pre = length(sprintf("%d,1,2019-05-10T00:00:00Z,", 100000))
    k = int((target - pre) / L) - 5
    R = target - pre - k * L      # to be filled by m lines with 1..15-digit views
    m = int((R + base + 14) / (base + 15))
    extra = R - m * (base + 1)
    id = 100000
    for (i = 0; i < k; i++)
        printf "%d,1,2019-05-10T00:00:00Z,organic,100,1,2,3\n", id++
    for (i = 0; i < m; i++) {
        a = extra < 14 ? extra : 14
        extra -= a
        printf "%d,1,2019-05-10T00:00:00Z,organic,%s,1,2,3\n", id++, substr("777777777777777", 1, 1 + a)
    }
    for (i = 0; i < 2000; i++)
        printf "%d,1,2019-05-10T00:00:00Z,sponsored,100,1,2,3\n", id++
}' >"$D/edge_posts.csv"
printf 'creator_id,handle,category,followers,mcn_id\n1,edge,tech,5000,\n' >"$D/edge_creators.csv"
hdr=$(head -n 1 "$D/edge_posts.csv" | wc -c)
at_edge=$(tail -c +$((hdr + 1048575 - 2 + 1)) "$D/edge_posts.csv" | head -c 9)
[ "$at_edge" = sponsored ] && pass ||
    fail "buffer edge: the generated file has '$at_edge' at the edge, not 'sponsored'"
edge_lines=$(($(wc -l <"$D/edge_posts.csv") - 1))
edge_args=(certify --creators "$D/edge_creators.csv" --posts "$D/edge_posts.csv"
    --as-of 2019-06-01 --policy red-2019-v1 --threads 1)
run "${edge_args[@]}"
expect_rc "buffer edge" 0 && expect_grep "buffer edge: every post counted" "$T/stdout" \
    "1,1,5000,$edge_lines,2000,"
if command -v valgrind >/dev/null 2>&1 && ! grep -qa __asan_init "$PD"; then
    valgrind -q --error-exitcode=99 "$PD" "${edge_args[@]}" --quiet >"$T/stdout" 2>"$T/valgrind.log"
    rc=$?
    if [ $rc -ne 0 ]; then
        fail "buffer edge: valgrind reports invalid reads (exit $rc), e.g.:"
        grep -m 1 -A 3 'Invalid read' "$T/valgrind.log" | sed 's/^/    /'
    else
        pass
    fi
else
    echo "  note: valgrind not available or partnerd built with ASan: buffer-edge memory check skipped"
fi

# --- the worked example of docs/certification.md gives what the page shows ----------
ex=$(cd "$(dirname "$0")/../.." && pwd)/docs/example
if [ -f "$ex/creators.csv" ] && [ -f "$ex/posts.csv" ]; then
    cat >"$T/want_example" <<'EOF'
creator_id,certified,followers,posts,sponsored,avg_views,failed_rules
1,1,6200,23,4,11521.74,
2,0,3120,6,2,2633.33,followers 3120 < 5000; avg_views 2633.33 < 10000; organic 4 < 4 x sponsored 2; sponsored 2 < 4
3,0,48000,6,2,7666.67,avg_views 7666.67 < 10000; organic 4 < 4 x sponsored 2; sponsored 2 < 4
EOF
    run certify --creators "$ex/creators.csv" --posts "$ex/posts.csv" --policy red-2019-v2 \
        --as-of 2019-06-01 --explain
    expect_rc "docs/example" 0 && expect_same "docs/example, as docs/certification.md shows it" \
        "$T/want_example" "$T/stdout"
    expect_text "docs/example: summary" "$T/stderr" \
        "creators 3, posts read 37, posts in window 35, posts of unknown creators 0, certified 1"
else
    echo "  note: docs/example not found: worked example not checked"
fi

# --- usage errors: exit 2, a message, nothing on stdout --------------------------
# usage_case NAME EXPECTED_SUBSTRING ARGS...
usage_case() {
    local name=$1 want=$2
    shift 2
    rm -f "$T/usage_out.csv"
    run "$@"
    expect_rc "usage: $name" 2 || return
    expect_grep "usage: $name" "$T/stderr" "$want"
    expect_empty "usage: $name: stdout" "$T/stdout"
}
usage_case "missing --as-of" "missing --as-of" \
    certify --creators "$D/creators.csv" --posts "$D/posts.csv" --policy red-2019-v2
usage_case "missing --policy" "missing --policy" \
    certify --creators "$D/creators.csv" --posts "$D/posts.csv" --as-of 2019-06-01
usage_case "missing --creators" "missing --creators" \
    certify --posts "$D/posts.csv" --policy red-2019-v2 --as-of 2019-06-01
usage_case "missing --posts" "missing --posts" \
    certify --creators "$D/creators.csv" --policy red-2019-v2 --as-of 2019-06-01
usage_case "bad --as-of (not a date)" "--as-of 'yesterday'" "${base[@]/2019-06-01/yesterday}" \
    --policy red-2019-v2
usage_case "bad --as-of (month 13)" "--as-of '2019-13-01'" "${base[@]/2019-06-01/2019-13-01}" \
    --policy red-2019-v2
usage_case "bad --as-of (Feb 30)" "--as-of '2019-02-30'" "${base[@]/2019-06-01/2019-02-30}" \
    --policy red-2019-v2
usage_case "bad --as-of (no zone)" "--as-of '2019-06-01T12:00:00'" \
    "${base[@]/2019-06-01/2019-06-01T12:00:00}" --policy red-2019-v2
usage_case "--as-of without a value" "--as-of" \
    certify --creators "$D/creators.csv" --posts "$D/posts.csv" --policy red-2019-v2 --as-of
usage_case "unknown option" "unknown option '--frobnicate'" "${base[@]}" --policy red-2019-v2 \
    --frobnicate
usage_case "unknown preset" "red-2020-v3" "${base[@]}" --policy red-2020-v3
usage_case "--threads 0" "--threads '0'" "${base[@]}" --policy red-2019-v2 --threads 0
usage_case "--threads x" "--threads 'x'" "${base[@]}" --policy red-2019-v2 --threads x
usage_case "--threads -1" "--threads '-1'" "${base[@]}" --policy red-2019-v2 --threads -1
usage_case "--threads 257" "--threads '257'" "${base[@]}" --policy red-2019-v2 --threads 257
usage_case "stray argument" "unexpected argument 'extra'" "${base[@]}" --policy red-2019-v2 extra
usage_case "--policy twice" "--policy given twice" "${base[@]}" --policy red-2019-v2 \
    --policy red-2019-v1
# a usage error with --out leaves no file behind
run "${base[@]}" --policy red-2019-v2 --threads 0 --out "$T/usage_out.csv"
expect_rc "usage error with --out" 2
[ ! -e "$T/usage_out.csv" ] && pass || fail "usage error with --out: $T/usage_out.csv was created"
run certify --help
expect_rc "certify --help" 0 && expect_grep "certify --help" "$T/stdout" "--as-of"

# an invalid policy file is bad input (1), with the file named
printf '{"name": "x", "window_days": 30, "rules": {"min_follower": 5}}\n' >"$T/badpolicy.json"
run "${base[@]}" --policy "$T/badpolicy.json"
expect_rc "invalid policy file" 1 && expect_grep "invalid policy file" "$T/stderr" \
    "$T/badpolicy.json" && expect_grep "invalid policy file names the rule" "$T/stderr" \
    "rules.min_follower"
expect_empty "invalid policy file: stdout" "$T/stdout"

# thresholds with more than two decimals are refused (docs/policies.md), also
# when the number is large
for v in 100.001 10000.004 12345.678; do
    printf '{"name": "x", "window_days": 30, "rules": {"min_avg_views": %s}}\n' "$v" \
        >"$T/decimals.json"
    run "${base[@]}" --policy "$T/decimals.json"
    expect_rc "min_avg_views $v (three decimals)" 1 &&
        expect_grep "min_avg_views $v (three decimals)" "$T/stderr" "more than two decimals"
done

# ---------------------------------------------------------------------------
pd_test_finish
