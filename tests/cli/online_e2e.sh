#!/usr/bin/env bash
# online_e2e.sh - online certification against the batch engine, through
# the real binary.
#
# Usage: online_e2e.sh PATH/TO/partnerd   (scratch space: $PD_TEST_TMP)
#
# Checks: a generated data set (3,000 creators, as of 2019-06-01) imported
# into a database, with red-2019-v2 stored and activated from 2019-05-01,
# gives `export --verdicts --today 2019-05-31` equal byte for byte to
# `certify --as-of 2019-06-01 --policy red-2019-v2` on the same CSV files;
# the same after the days advance to 2019-06-10 (posts leaving the window)
# against certify as of 2019-06-11; after red-2019-v1 is activated from
# 2019-06-12; and in a second database where red-2019-v1 governs from the
# start; and with posts at every second around the midnights that open and
# close the window and after the evaluation instant, day by day (a post at
# as_of is out, one at the window's first second is in). Also the command
# line: --help, usage errors, a policy id that does not exist, and verdicts
# asked of a database never advanced.
set -u
. "$(dirname "$0")/lib.sh"
pd_test_init online_e2e "$@"

run policy --help
expect_rc "policy --help" 0 && expect_grep "policy --help" "$T/stdout" "policy activate --db FILE ID --from DATE"
run export --help
expect_rc "export --help" 0 && expect_grep "export --help" "$T/stdout" "--verdicts FILE"
run policy add red-2019-v2
expect_rc "policy add without --db" 2
run policy activate --db "$T/u.db" 1
expect_rc "policy activate without --from" 2
run policy activate --db "$T/u.db" 7 --from 2019-05-01
expect_rc "activating a policy that does not exist" 6 &&
    expect_grep "activating a policy that does not exist" "$T/stderr" "no policy with id 7"
run export --db "$T/u.db" --verdicts "$T/never.csv"
expect_rc "verdicts never computed" 7 && expect_grep "verdicts never computed" "$T/stderr" "--today"
[ -e "$T/never.csv" ] && fail "a failed export left a verdicts file"
run export --db "$T/u.db" --today 2019-05-31 --creators "$T/c.csv" --posts "$T/p.csv"
expect_rc "--today without --verdicts" 2

run gen --creators 3000 --as-of 2019-06-01 --out "$D"
expect_rc "gen" 0
run import --db "$T/a.db" --creators "$D/creators.csv" --posts "$D/posts.csv" --quiet
expect_rc "import" 0

# certify_at DATE POLICY OUT: the batch engine's answer.
certify_at() {
    "$PD" certify --creators "$D/creators.csv" --posts "$D/posts.csv" --as-of "$1" \
        --policy "$2" --out "$3" --quiet || fail "certify --as-of $1 --policy $2"
}

run policy add --db "$T/a.db" red-2019-v2
expect_rc "policy add" 0 && expect_text "policy add" "$T/stdout" "policy 1: red-2019-v2 version 1 (30-day window)"
run policy activate --db "$T/a.db" 1 --from 2019-05-01
expect_rc "policy activate" 0
run policy status --db "$T/a.db"
expect_rc "status before any advance" 0 && expect_grep "status before any advance" "$T/stdout" "policy 1 (red-2019-v2 version 1) from 2019-05-01"

run export --db "$T/a.db" --verdicts "$T/v_0531.csv" --today 2019-05-31
expect_rc "export --verdicts --today 2019-05-31" 0
certify_at 2019-06-01 red-2019-v2 "$T/c_0601.csv"
expect_same "v2 verdicts on 2019-05-31 = certify as of 2019-06-01" "$T/c_0601.csv" "$T/v_0531.csv"

run policy status --db "$T/a.db" --today 2019-06-10
expect_rc "advance to 2019-06-10" 0 && expect_grep "advance to 2019-06-10" "$T/stdout" "today:          2019-06-10"
run export --db "$T/a.db" --verdicts "$T/v_0610.csv"
expect_rc "export on 2019-06-10" 0
certify_at 2019-06-11 red-2019-v2 "$T/c_0611.csv"
expect_same "v2 verdicts on 2019-06-10 = certify as of 2019-06-11" "$T/c_0611.csv" "$T/v_0610.csv"
n=$(awk -F, 'NR > 1 && $2 == 1' "$T/v_0610.csv" | wc -l)
run policy status --db "$T/a.db"
expect_rc "status" 0 && expect_grep "status counts the certified" "$T/stdout" "certified:      $n" &&
    expect_grep "status: nothing pending" "$T/stdout" "pending:        none"

run policy add --db "$T/a.db" red-2019-v1
expect_rc "policy add v1" 0
run policy activate --db "$T/a.db" 2 --from 2019-06-12
expect_rc "policy activate v1" 0
run export --db "$T/a.db" --verdicts "$T/v_0612.csv" --today 2019-06-12
expect_rc "export on 2019-06-12" 0
certify_at 2019-06-13 red-2019-v1 "$T/c_0613.csv"
expect_same "v1 verdicts on 2019-06-12 = certify as of 2019-06-13" "$T/c_0613.csv" "$T/v_0612.csv"
run export --db "$T/a.db" --verdicts "$T/v_early.csv" --today 2019-06-01
expect_rc "an earlier --today" 0 && expect_grep "an earlier --today" "$T/stderr" "the verdicts are for 2019-06-12"
expect_same "an earlier --today changes nothing" "$T/v_0612.csv" "$T/v_early.csv"

# red-2019-v1 from the start, in a second database.
run import --db "$T/b.db" --creators "$D/creators.csv" --posts "$D/posts.csv" --quiet
expect_rc "import b" 0
run policy add --db "$T/b.db" red-2019-v1
expect_rc "policy add b" 0
run policy activate --db "$T/b.db" 1 --from 2019-05-01
expect_rc "policy activate b" 0
run export --db "$T/b.db" --verdicts "$T/b_0531.csv" --today 2019-05-31
expect_rc "export b" 0
certify_at 2019-06-01 red-2019-v1 "$T/c1_0601.csv"
expect_same "v1 verdicts on 2019-05-31 = certify as of 2019-06-01" "$T/c1_0601.csv" "$T/b_0531.csv"
run export --db "$T/b.db" --verdicts "$T/b_0705.csv" --today 2019-07-05
expect_rc "export b after the window" 0
certify_at 2019-07-06 red-2019-v1 "$T/c1_0706.csv"
expect_same "v1 verdicts on 2019-07-05 = certify as of 2019-07-06" "$T/c1_0706.csv" "$T/b_0705.csv"

# The window's edges (core/window.h): posts at every second from ten before
# to ten after the midnights that open and close the window on the days
# judged, and posts after the evaluation instant; the store and the batch
# engine must agree on each day, and as the days advance one at a time.
awk -F, 'NR > 1 && $1 > m { m = $1 } END { print m }' "$D/posts.csv" >"$T/maxid"
python3 - "$D/posts.csv" "$T/edge_posts.csv" "$(cat "$T/maxid")" <<'PY'
import sys, datetime
src, out, maxid = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(src).read().splitlines(True)
pid, creator = maxid, 0
extra = []
def add(t, kind, views):
    global pid, creator
    pid += 1
    creator = creator % 3000 + 1
    extra.append(f"{pid},{creator},{t.strftime('%Y-%m-%dT%H:%M:%SZ')},{kind},{views},{views // 20},5,5\n")
for day in ("2019-05-02", "2019-05-03", "2019-05-04", "2019-06-01", "2019-06-02", "2019-06-03"):
    midnight = datetime.datetime.fromisoformat(day)
    for s in range(-10, 11):
        for kind, views in (("organic", 400000), ("sponsored", 3000)):
            add(midnight + datetime.timedelta(seconds=s), kind, views)
for h in range(0, 72, 3):  # after the first as_of, until 2019-06-04
    add(datetime.datetime(2019, 6, 1) + datetime.timedelta(hours=h, seconds=1), "organic", 900000)
open(out, "w").write("".join(lines) + "".join(extra))
PY
[ -s "$T/edge_posts.csv" ] || fail "writing the posts at the window's edges"
run import --db "$T/e.db" --creators "$D/creators.csv" --posts "$T/edge_posts.csv" --quiet
expect_rc "import with posts at the edges" 0
run policy add --db "$T/e.db" red-2019-v2
run policy activate --db "$T/e.db" 1 --from 2019-05-01
expect_rc "activate for the edges" 0
for day in 2019-05-31 2019-06-01 2019-06-02 2019-06-03 2019-06-05; do
    next=$(date -u -d "$day + 1 day" +%Y-%m-%d)
    run export --db "$T/e.db" --verdicts "$T/e_$day.csv" --today "$day"
    expect_rc "export at the edges on $day" 0
    "$PD" certify --creators "$D/creators.csv" --posts "$T/edge_posts.csv" --as-of "$next" \
        --policy red-2019-v2 --out "$T/ec_$day.csv" --quiet || fail "certify --as-of $next at the edges"
    expect_same "edges: verdicts on $day = certify as of $next" "$T/ec_$day.csv" "$T/e_$day.csv"
done
# The edge posts change verdicts: the files differ from those without them.
cmp -s "$T/ec_2019-05-31.csv" "$T/c_0601.csv" && fail "the posts at the edges changed no verdict"

pd_test_finish
