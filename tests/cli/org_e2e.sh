#!/usr/bin/env bash
# org_e2e.sh - `partnerd brand add|list` and `partnerd mcn add|list` end to
# end on a scratch database: ids handed out and listed, the members counted
# (a brand's accounts, an MCN's creators, including MCNs an import created),
# unique brand names, an MCN id taken under another name, names refused
# with the reason, usage errors with their exit status, and that a refused
# add leaves the database as it was.
#
#   bash tests/cli/org_e2e.sh PATH/TO/partnerd
set -u

. "$(dirname "$0")/lib.sh"
pd_test_init org_e2e "$@"

DB=$T/orgs.db

# ---- help and usage ---------------------------------------------------------------------
for c in brand mcn; do
    run "$c" --help
    expect_rc "$c --help" 0
    expect_grep "$c help names the actions" "$T/stdout" "partnerd $c add --db FILE --name NAME"
    run "$c"
    expect_rc "$c without an action" 2
    run "$c" frobnicate --db "$DB"
    expect_rc "$c: unknown action" 2
    expect_grep "$c: unknown action named" "$T/stderr" "unknown action 'frobnicate' (add, list)"
    run "$c" add --name x
    expect_rc "$c add without --db" 2
    expect_grep "$c add without --db says so" "$T/stderr" "--db FILE is required"
    run "$c" add --db "$DB"
    expect_rc "$c add without --name" 2
    expect_grep "$c add without --name says so" "$T/stderr" "--name NAME is required"
    run "$c" list --db "$DB" --name x
    expect_rc "$c list with --name" 2
    run "$c" list --db "$T/missing.db"
    expect_rc "$c list of a missing database" 3
    expect_grep "$c list of a missing database: how to make one" "$T/stderr" "partnerd migrate --db"
done
run brand add --db "$DB" --name Acme --id 3
expect_rc "brand add --id" 2
expect_grep "brand add --id says why" "$T/stderr" "--id is for MCNs"
[ ! -e "$DB" ] && pass || fail "a refused command created $DB"

# ---- brands -------------------------------------------------------------------------------
run brand add --db "$DB" --name 'Acme & <Sons>'
expect_rc "brand add (creates the database)" 0
expect_text "brand add prints the id" "$T/stdout" "brand 1 added: Acme & <Sons>"
run brand add --db "$DB" --name '小红书美妆旗舰店'
expect_rc "brand add, a CJK name" 0
expect_text "second brand" "$T/stdout" "brand 2 added: 小红书美妆旗舰店"
run brand add --db "$DB" --name 'Acme & <Sons>'
expect_rc "the same brand name again" 7
expect_grep "a repeated name says so" "$T/stderr" "a brand named 'Acme & <Sons>' exists already"
run brand add --db "$DB" --name "$(printf 'tab\there')"
expect_rc "a name with a control character" 1
expect_grep "control character refused" "$T/stderr" "brand name: contains a control character"
run brand add --db "$DB" --name "$(printf 'x%.0s' $(seq 64))"
expect_rc "a name of 64 bytes" 1
run brand add --db "$DB" --name "$(printf '\xff\xfe')"
expect_rc "a name that is not UTF-8" 1

pw='brand staff password, long enough'
printf '%s\n' "$pw" | "$PD" user add --db "$DB" --name ana --role brand --brand 1 \
    --password-stdin --password-cost min >/dev/null 2>&1 || fail "user add --brand 1"
printf '%s\n' "$pw" | "$PD" user add --db "$DB" --name bo --role brand --brand 1 \
    --password-stdin --password-cost min >/dev/null 2>&1 || fail "user add --brand 1 (second)"
printf '%s\n' "$pw" | "$PD" user add --db "$DB" --name cy --role brand --brand 9 \
    --password-stdin --password-cost min >"$T/stdout" 2>"$T/stderr"
rc=$?
expect_rc "a user of an unknown brand" 1

run brand list --db "$DB"
expect_rc "brand list" 0
awk 'NR > 1 {print $1, $(NF-1)}' "$T/stdout" >"$T/got"
printf '1 2\n2 0\n' >"$T/want"
expect_same "brand list: ids and account counts" "$T/want" "$T/got"
expect_grep "brand list: the header" "$T/stdout" "ACCOUNTS"
expect_grep "brand list: names as given" "$T/stdout" "Acme & <Sons>"
expect_grep "brand list: CJK names" "$T/stdout" "小红书美妆旗舰店"

# ---- MCNs ------------------------------------------------------------------------------------
run mcn add --db "$DB" --name 'Star Talent' --id 3
expect_rc "mcn add --id 3" 0
expect_text "mcn add prints the id" "$T/stdout" "MCN 3 added: Star Talent"
run mcn add --db "$DB" --name 'Star Talent' --id 3
expect_rc "the same MCN again (same id and name)" 0
run mcn add --db "$DB" --name 'Another' --id 3
expect_rc "an MCN id taken under another name" 7
expect_grep "the taken id says by whom" "$T/stderr" "MCN 3 exists already as 'Star Talent'"
run mcn add --db "$DB" --name 'Next'
expect_rc "mcn add without --id" 0
expect_text "the next free id" "$T/stdout" "MCN 4 added: Next"
for bad in 0 -1 x 9223372036854775808; do
    run mcn add --db "$DB" --name 'Bad' --id "$bad"
    expect_rc "mcn add --id $bad" 2
done

# An import creates the MCNs creators.csv names, and they count creators.
cat >"$T/creators.csv" <<'CSV'
creator_id,handle,category,followers,mcn_id
1,amy,beauty,5000,3
2,ben,food,7000,3
3,cat,beauty,9000,7
4,dan,travel,1000,
CSV
printf 'post_id,creator_id,published_at,kind,views,likes,comments,collects\n' >"$T/posts.csv"
run import --db "$DB" --creators "$T/creators.csv" --posts "$T/posts.csv"
expect_rc "import" 0
run mcn list --db "$DB"
expect_rc "mcn list" 0
awk 'NR > 1 {print $1, $(NF-1)}' "$T/stdout" >"$T/got"
printf '3 2\n4 0\n7 1\n' >"$T/want"
expect_same "mcn list: ids and creator counts" "$T/want" "$T/got"
expect_grep "an MCN made by the import" "$T/stdout" "MCN 7"
expect_grep "mcn list: the header" "$T/stdout" "CREATORS"

# ---- nothing changed by the refused adds -----------------------------------------------------
run brand list --db "$DB"
[ "$(($(wc -l <"$T/stdout") - 1))" = 2 ] && pass || fail "brands after the refusals: $(cat "$T/stdout")"

pd_test_finish
