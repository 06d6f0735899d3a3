#!/usr/bin/env bash
# simulate_e2e.sh - `partnerd simulate` end to end, on small hand-written
# files whose answers are worked out in the comments below: the text
# headline, the CSV rows, the JSON numbers, the SVG charts, sweeps, and the
# errors a user can make.
#
#   bash tests/cli/simulate_e2e.sh PATH/TO/partnerd
#
# Scratch files go to a fresh directory under $PD_TEST_TMP (default: /tmp),
# removed on success and kept (and named) on failure. Exit 0 when every check
# passes, 1 otherwise, each failed check printed with what differed.
set -u

. "$(dirname "$0")/lib.sh"
pd_test_init simulate_e2e "$@"

# ---- the data -------------------------------------------------------------
#
# As of 2019-06-01 the 30-day window is [2019-05-02T00:00:00Z, 2019-06-01).
#
#   id  category followers mcn  window posts (organic + sponsored, views each)
#   1   beauty        800   -   20 + 0 at 20000          v1 no  v2 no   never
#   2   beauty       1500   7   16 + 4 at 20000          v1 yes v2 no   lost (followers)
#   3   food         6000   -   16 + 4 at 20000          v1 yes v2 yes  kept
#   4   food        60000   7   17 + 4 at 5000           v1 yes v2 no   lost (avg views)
#   5   tech       120000   -   20 + 5 at 10000          v1 yes v2 yes  kept (10000 = 10000, 20 = 4 x 5)
#   6   tech        20000   9   15 + 4 at 20000          v1 yes v2 no   lost (15 < 16)
#
# Edges: creator 5's 20th organic post is at the window's first instant (it
# counts: without it 19 < 20); creator 3 has a sponsored post at exactly
# 2019-06-01T00:00:00Z (outside: with it 16 < 4 x 5); creator 6 has posts
# before the window; creator 99 is unknown. Creator 4's 17th organic post is
# on 2019-05-28, the only post in a 7-day window.

cat >"$D/creators.csv" <<'EOF'
creator_id,handle,category,followers,mcn_id
1,alice,beauty,800,
2,"bob, the builder",beauty,1500,7
3,carol,food,6000,
4,dan,food,60000,7
5,eve,tech,120000,
6,frank,tech,20000,9
EOF

{
    echo "post_id,creator_id,published_at,kind,views,likes,comments,collects"
    id=0
    # posts CREATOR ORGANIC SPONSORED VIEWS [WHEN]
    posts() {
        local when=${5:-2019-05-15T12:00:00Z} i
        for ((i = 0; i < $2; i++)); do
            id=$((id + 1))
            echo "$id,$1,$when,organic,$4,10,2,1"
        done
        for ((i = 0; i < $3; i++)); do
            id=$((id + 1))
            echo "$id,$1,$when,sponsored,$4,10,2,1"
        done
    }
    posts 1 20 0 20000
    posts 2 16 4 20000
    posts 3 16 4 20000
    posts 3 0 1 0 2019-06-01T00:00:00Z
    posts 4 16 4 5000
    posts 4 1 0 5000 2019-05-28T09:00:00+08:00
    posts 5 19 5 10000
    posts 5 1 0 10000 2019-05-02
    posts 6 15 4 20000
    posts 6 10 10 90000 2019-04-01T00:00:00Z
    posts 99 3 0 100
} >"$D/posts.csv"

cat >"$D/active.json" <<'EOF'
{"name": "active", "window_days": 30, "rules": {"min_posts": 20}}
EOF
cat >"$D/recent.json" <<'EOF'
{"name": "recent", "window_days": 7, "rules": {"min_posts": 1}}
EOF

base=(simulate --creators "$D/creators.csv" --posts "$D/posts.csv" --as-of 2019-06-01)

# ---- text -------------------------------------------------------------------

run "${base[@]}" --policy red-2019-v1 --policy red-2019-v2
expect_rc "text" 0
head -n 1 "$T/stdout" >"$T/headline"
printf '%s\n' "red-2019-v2 keeps 2 of the 5 creators certified under red-2019-v1" >"$T/want"
expect_same "text: headline" "$T/want" "$T/headline"
expect_line "text: lost" "$T/stdout" "  lost    3  certified under red-2019-v1, not under red-2019-v2"
expect_line "text: gained" "$T/stdout" "  gained  0  certified under red-2019-v2, not under red-2019-v1"
expect_line "text: never" "$T/stdout" "  never   1  certified under neither"
expect_line "text: by category" "$T/stdout" "By category"
expect_line "text: category header" "$T/stdout" \
    "  category  creators  red-2019-v1  red-2019-v2  kept  lost  gained  never  kept %"
expect_line "text: food row" "$T/stdout" \
    "  food             2            2            1     1     1       0      0   50.0%"
expect_line "text: all row" "$T/stdout" \
    "  all              6            5            2     2     3       0      1   40.0%"
expect_line "text: tier row" "$T/stdout" \
    "  >=100k            1            1            1     1     0       0      0  100.0%"
expect_line "text: mcn row" "$T/stdout" \
    "  mcn                 3            3            0     0     3       0      0    0.0%"
expect_line "text: by MCN" "$T/stdout" "By MCN (the largest by creators)"
expect_line "text: MCN 7 row" "$T/stdout" \
    "  MCN 7               2            2            0     0     2       0      0    0.0%"
expect_grep "text: summary on stderr" "$T/stderr" "creators 6, posts read"

# one policy: counts, no transitions
run "${base[@]}" --policy red-2019-v2 --quiet
expect_rc "one policy" 0
expect_line "one policy: headline" "$T/stdout" "red-2019-v2 certifies 2 of the 6 creators"
if grep -q "keeps" "$T/stdout"; then fail "one policy: has a transition"; else pass; fi
if [ -s "$T/stderr" ]; then fail "--quiet: stderr not empty: $(head -c 200 "$T/stderr")"; else pass; fi

# policy files, a second window, three policies
run "${base[@]}" --policy red-2019-v1 --policy "$D/active.json" --policy "$D/recent.json" --quiet
expect_rc "three policies" 0
expect_line "three: active" "$T/stdout" "active keeps 4 of the 5 creators certified under red-2019-v1"
expect_line "three: active gained" "$T/stdout" "  gained  1  certified under active, not under red-2019-v1"
expect_line "three: recent (7-day window)" "$T/stdout" \
    "recent keeps 1 of the 5 creators certified under red-2019-v1"

# ---- CSV --------------------------------------------------------------------

cat >"$T/want.csv" <<'EOF'
section,group,threshold,policy,creators,certified,kept,lost,gained,never
overall,all,,red-2019-v1,6,5,,,,
overall,all,,red-2019-v2,6,2,2,3,0,1
category,beauty,,red-2019-v1,2,1,,,,
category,beauty,,red-2019-v2,2,0,0,1,0,1
category,food,,red-2019-v1,2,2,,,,
category,food,,red-2019-v2,2,1,1,1,0,0
category,tech,,red-2019-v1,2,2,,,,
category,tech,,red-2019-v2,2,1,1,1,0,0
follower_tier,<1k,,red-2019-v1,1,0,,,,
follower_tier,<1k,,red-2019-v2,1,0,0,0,0,1
follower_tier,1k-5k,,red-2019-v1,1,1,,,,
follower_tier,1k-5k,,red-2019-v2,1,0,0,1,0,0
follower_tier,5k-10k,,red-2019-v1,1,1,,,,
follower_tier,5k-10k,,red-2019-v2,1,1,1,0,0,0
follower_tier,10k-50k,,red-2019-v1,1,1,,,,
follower_tier,10k-50k,,red-2019-v2,1,0,0,1,0,0
follower_tier,50k-100k,,red-2019-v1,1,1,,,,
follower_tier,50k-100k,,red-2019-v2,1,0,0,1,0,0
follower_tier,>=100k,,red-2019-v1,1,1,,,,
follower_tier,>=100k,,red-2019-v2,1,1,1,0,0,0
mcn,mcn,,red-2019-v1,3,3,,,,
mcn,mcn,,red-2019-v2,3,0,0,3,0,0
mcn,independent,,red-2019-v1,3,2,,,,
mcn,independent,,red-2019-v2,3,2,2,0,0,1
mcns,MCN 7,,red-2019-v1,2,2,,,,
mcns,MCN 7,,red-2019-v2,2,0,0,2,0,0
mcns,MCN 9,,red-2019-v1,1,1,,,,
mcns,MCN 9,,red-2019-v2,1,0,0,1,0,0
mcns,independent,,red-2019-v1,3,2,,,,
mcns,independent,,red-2019-v2,3,2,2,0,0,1
sweep,min_followers,0,red-2019-v2,6,3,3,2,0,1
sweep,min_followers,5000,red-2019-v2,6,2,2,3,0,1
sweep,min_followers,10000,red-2019-v2,6,1,1,4,0,1
EOF
# Sweep of min_followers on v2: its other rules hold for 2 (1500 followers),
# 3 (6000) and 5 (120000).
run "${base[@]}" --policy red-2019-v1 --policy red-2019-v2 --format csv --quiet --threads 2 \
    --sweep min_followers=0:10000:5000 --out "$T/out.csv"
expect_rc "csv" 0
expect_same "csv: every row" "$T/want.csv" "$T/out.csv"
if [ -s "$T/stdout" ]; then fail "csv: --out also wrote to stdout"; else pass; fi
if ls "$T"/out.csv.tmp* >/dev/null 2>&1; then fail "csv: temporary file left behind"; else pass; fi

# --top-mcns 1: MCN 7 (two creators) on its own, MCN 9 among the others
run "${base[@]}" --policy red-2019-v1 --policy red-2019-v2 --format csv --quiet --top-mcns 1
expect_rc "csv --top-mcns 1" 0
grep '^mcns,' "$T/stdout" >"$T/mcn_rows"
cat >"$T/want" <<'EOF'
mcns,MCN 7,,red-2019-v1,2,2,,,,
mcns,MCN 7,,red-2019-v2,2,0,0,2,0,0
mcns,1 other MCN,,red-2019-v1,1,1,,,,
mcns,1 other MCN,,red-2019-v2,1,0,0,1,0,0
mcns,independent,,red-2019-v1,3,2,,,,
mcns,independent,,red-2019-v2,3,2,2,0,0,1
EOF
expect_same "csv: --top-mcns 1 rows" "$T/want" "$T/mcn_rows"

# decimal thresholds: organic per sponsored is 4.00 for 3 and 5, 3.75 for 6
run "${base[@]}" --policy red-2019-v1 --policy red-2019-v2 --format csv --quiet --threads 2 \
    --sweep min_organic_per_sponsored=3.5:4.5:0.5
expect_rc "csv decimal sweep" 0
grep '^sweep,' "$T/stdout" >"$T/sweep_rows"
cat >"$T/want" <<'EOF'
sweep,min_organic_per_sponsored,3.5,red-2019-v2,6,3,3,2,0,1
sweep,min_organic_per_sponsored,4,red-2019-v2,6,2,2,3,0,1
sweep,min_organic_per_sponsored,4.5,red-2019-v2,6,0,0,5,0,1
EOF
expect_same "csv: decimal sweep rows" "$T/want" "$T/sweep_rows"

# ---- text sweep -------------------------------------------------------------

run "${base[@]}" --policy red-2019-v1 --policy red-2019-v2 --quiet --sweep min_followers=0:10000:5000
expect_rc "text sweep" 0
expect_line "text sweep: title" "$T/stdout" \
    "Sweep of min_followers in red-2019-v2 from 0 to 10000 by 5000 (today 5000)"
expect_line "text sweep: today" "$T/stdout" \
    "           5000          2     2     3       0      1  <- today"

# ---- JSON -------------------------------------------------------------------

run "${base[@]}" --policy red-2019-v1 --policy red-2019-v2 --format json --quiet \
    --sweep min_followers=0:10000:5000
expect_rc "json" 0
if command -v jq >/dev/null 2>&1; then
    check_jq() { # NAME FILTER WANT
        local got
        got=$(jq -c "$2" "$T/stdout" 2>&1)
        if [ "$got" != "$3" ]; then fail "json: $1: $2 is $got, expected $3"; else pass; fi
    }
    check_jq "creators" '.creators' '6'
    check_jq "baseline" '.baseline' '"red-2019-v1"'
    check_jq "certified" '[.policies[].certified]' '[5,2]'
    check_jq "transitions" '.policies[1] | [.kept,.lost,.gained,.never]' '[2,3,0,1]'
    check_jq "v2 rules" '.policies[1].rules.min_avg_views' '10000'
    check_jq "categories" '[.breakdowns.category[].group]' '["beauty","food","tech"]'
    check_jq "food" '.breakdowns.category[1].policies[1] | [.certified,.kept,.lost]' '[1,1,1]'
    check_jq "tiers" '.breakdowns.follower_tier | length' '6'
    check_jq "mcn" '.breakdowns.mcn[0] | [.group,.creators]' '["mcn",3]'
    check_jq "by MCN" '[.breakdowns.mcns[] | [.group,.kind,.mcn_id,.mcns,.creators]]' \
        '[["MCN 7","mcn",7,1,2],["MCN 9","mcn",9,1,1],["independent","independent",null,0,3]]'
    check_jq "by MCN: MCN 7 loses both" '.breakdowns.mcns[0].policies[1] | [.kept,.lost]' '[0,2]'
    check_jq "sweep" '[.sweep.points[].certified]' '[3,2,1]'
    check_jq "sweep current" '.sweep.current' '5000'
elif command -v python3 >/dev/null 2>&1; then
    if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["policies"][1]["kept"]==2' "$T/stdout"; then
        pass
    else
        fail "json: does not parse or lacks the numbers"
    fi
else
    expect_grep "json: kept" "$T/stdout" '"kept": 2'
fi

# ---- charts -----------------------------------------------------------------

# check_svg NAME FILE TEXT...: an SVG document holding every TEXT.
check_svg() {
    local name=$1 file=$2
    shift 2
    if [ ! -s "$file" ]; then
        fail "$name: no chart written"
        return
    fi
    if [ "$(head -c 4 "$file")" != "<svg" ]; then fail "$name: does not start with <svg"; else pass; fi
    if [ "$(tail -n 1 "$file")" != "</svg>" ]; then fail "$name: does not end with </svg>"; else pass; fi
    if command -v xmllint >/dev/null 2>&1; then
        if xmllint --noout "$file" 2>"$T/xmllint"; then pass; else
            fail "$name: not well-formed XML: $(head -n 3 "$T/xmllint")"
        fi
    fi
    local t
    for t in "$@"; do expect_grep "$name" "$file" "$t"; done
}

run "${base[@]}" --policy red-2019-v1 --policy red-2019-v2 --quiet --chart "$T/bars.svg"
expect_rc "bar chart" 0
check_svg "bar chart" "$T/bars.svg" ">Creators certified, by category</text>" ">beauty</text>" \
    ">food</text>" ">tech</text>" ">red-2019-v2</text>" ">creators certified</text>"

run "${base[@]}" --policy red-2019-v1 --policy red-2019-v2 --quiet --chart "$T/sweep.svg" \
    --sweep min_followers=0:10000:500 --format csv --out "$T/sweep.csv"
expect_rc "sweep chart" 0
check_svg "sweep chart" "$T/sweep.svg" ">Sweep of min_followers in red-2019-v2</text>" \
    ">min_followers threshold</text>" ">red-2019-v2 today: 5000</text>" "<polyline"
if [ "$(grep -c '^sweep,' "$T/sweep.csv")" = 21 ]; then pass; else fail "sweep chart: 21 sweep rows expected"; fi

# ---- errors -----------------------------------------------------------------

# bad_sweep SPEC MESSAGE: exit 2, the message on stderr, no output file.
bad_sweep() {
    rm -f "$T/bad.out"
    run "${base[@]}" --policy red-2019-v1 --policy red-2019-v2 --sweep "$1" --out "$T/bad.out"
    expect_rc "--sweep $1" 2 || return
    expect_grep "--sweep $1" "$T/stderr" "$2"
    if [ -e "$T/bad.out" ]; then fail "--sweep $1: wrote an output file"; else pass; fi
}
bad_sweep "min_followers" "expected RULE=FROM:TO:STEP"
bad_sweep "nope=1:2:1" "unknown rule 'nope'"
bad_sweep "min_followers=10:5" "three numbers separated by ':'"
bad_sweep "min_followers=1:2:3:4" "three numbers separated by ':'"
bad_sweep "min_followers=5:1:1" "FROM 5 is above TO 1"
bad_sweep "min_followers=0:10:0" "STEP must be greater than 0"
bad_sweep "min_followers=a:10:1" "FROM 'a': not a whole number"
bad_sweep "min_followers=1.5:10:1" "min_followers takes whole numbers"
bad_sweep "min_avg_views=1.234:2:1" "more than two decimals"
bad_sweep "min_followers=0::1" "TO '': empty"
bad_sweep "min_followers=0:1000000:1" "steps is too many"
bad_sweep "min_posts=-1:5:1" "negative"

# usage_error NAME MESSAGE ARGS...: exit 2 with MESSAGE on stderr.
usage_error() {
    local name=$1 msg=$2
    shift 2
    run "$@"
    expect_rc "$name" 2 || return
    expect_grep "$name" "$T/stderr" "$msg"
}
usage_error "no policy" "missing --policy" "${base[@]}"
usage_error "no as-of" "missing --as-of" simulate --creators "$D/creators.csv" --posts "$D/posts.csv" --policy red-2019-v1
usage_error "bad format" "--format 'xml': expected text, csv or json" "${base[@]}" --policy red-2019-v1 --format xml
usage_error "unknown policy" "neither a preset" "${base[@]}" --policy red-2020
usage_error "same name twice" "two policies are named 'red-2019-v1'" "${base[@]}" --policy red-2019-v1 --policy red-2019-v1
usage_error "bad as-of" "--as-of 'yesterday'" simulate --creators "$D/creators.csv" --posts "$D/posts.csv" --as-of yesterday --policy red-2019-v1
usage_error "unknown option" "unknown option '--bogus'" "${base[@]}" --policy red-2019-v1 --bogus
usage_error "--top-mcns 0" "--top-mcns '0': expected 1 to 100" "${base[@]}" --policy red-2019-v1 --top-mcns 0
usage_error "--top-mcns 101" "--top-mcns '101': expected 1 to 100" "${base[@]}" --policy red-2019-v1 --top-mcns 101
usage_error "--top-mcns x" "--top-mcns 'x': expected 1 to 100" "${base[@]}" --policy red-2019-v1 --top-mcns x

run simulate --help
expect_rc "--help" 0
expect_grep "--help" "$T/stdout" "--sweep RULE=FROM:TO:STEP"

# a missing file, a bad line (no partial output), and skipping it
run simulate --creators "$D/nope.csv" --posts "$D/posts.csv" --as-of 2019-06-01 --policy red-2019-v1
expect_rc "missing creators.csv" 3
expect_grep "missing creators.csv" "$T/stderr" "nope.csv"

cp "$D/creators.csv" "$D/bad.csv"
echo "7,gina,pets,lots,1" >>"$D/bad.csv"
rm -f "$T/bad.out"
run simulate --creators "$D/bad.csv" --posts "$D/posts.csv" --as-of 2019-06-01 \
    --policy red-2019-v1 --policy red-2019-v2 --out "$T/bad.out"
expect_rc "bad line" 1
expect_grep "bad line" "$T/stderr" "bad.csv"
if [ -e "$T/bad.out" ]; then fail "bad line: wrote an output file"; else pass; fi
run simulate --creators "$D/bad.csv" --posts "$D/posts.csv" --as-of 2019-06-01 \
    --policy red-2019-v1 --policy red-2019-v2 --skip-bad-lines
expect_rc "--skip-bad-lines" 0
expect_line "--skip-bad-lines: same answer" "$T/stdout" \
    "red-2019-v2 keeps 2 of the 5 creators certified under red-2019-v1"

# ---- verdict ----------------------------------------------------------------

pd_test_finish
