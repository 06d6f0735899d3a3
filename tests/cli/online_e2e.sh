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
# start. Also the command line: --help, usage errors, a policy id that does
# not exist, and verdicts asked of a database never advanced.
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

pd_test_finish
