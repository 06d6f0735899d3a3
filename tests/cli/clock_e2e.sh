#!/usr/bin/env bash
# clock_e2e.sh - one clock (util/clock.h): what partnerd records and
# decides by time follows `partnerd serve --clock INSTANT`, and
# PARTNERD_CLOCK for every command (serve included; --clock wins), set
# here to 2031, another year than the machine's:
# - `user add`, `brand add` and `mcn add` record created_at in 2031, and
#   so do `import` (a creator), `policy add` and `policy activate` (the
#   policy and the activation), `export --verdicts --today` (when the
#   activation it applies took effect) and `migrate` (when each migration
#   was applied);
# - a new token's expires_at, from POST /api/login, is 7 days after the
#   server's clock; a creator added over the API and a post published
#   through it are stamped by that clock;
# - the token check asks the same clock: a token stops working once a
#   server's clock is past its expiry (a restart with a later --clock),
#   and a token made on a 2019 clock is expired on the machine's clock;
# - `serve --demo --clock` dates the demo's data by that clock: online
#   certification stands at its day, and the demo accounts were made then;
# - a bad PARTNERD_CLOCK or --clock is a usage error.
# That sign-in rate-limit windows follow the clock (a lockout lifts when
# the clock moves, and not before) is checked in tests/app/test_accounts.c,
# which can move a fixed clock; here the lockout's Retry-After is the
# window of the clock in force.
. "$(dirname "$0")/lib.sh"
pd_test_init clock_e2e "$@"
. "$(dirname "$0")/lib_http.sh"

db=$T/clock.db
CLOCK=2031-03-04T10:00:00Z

# expect_match NAME FILE REGEX: a line of FILE matches the extended REGEX.
expect_match() {
    if ! grep -qE -- "$3" "$2"; then
        fail "$1: no line matching '$3' in $(basename "$2"):"
        head -n 20 "$2" | sed 's/^/    /'
        return 1
    fi
    pass
}

# ---- the CLI, on PARTNERD_CLOCK -------------------------------------------------
PARTNERD_CLOCK=$CLOCK run brand add --db "$db" --name Acme
expect_rc "brand add" 0
PARTNERD_CLOCK=$CLOCK run mcn add --db "$db" --name 'Star Media' --id 8
expect_rc "mcn add" 0
printf 'correct horse battery\n' | PARTNERD_CLOCK=$CLOCK "$PD" user add --db "$db" --name ops \
    --role operator --password-stdin --password-cost min >"$T/out" 2>"$T/err" &&
    pass || fail "user add ops: $(cat "$T/err")"
printf 'another long secret\n' | PARTNERD_CLOCK=$CLOCK "$PD" user add --db "$db" --name buyer \
    --role brand --brand 1 --password-stdin --password-cost min >"$T/out" 2>"$T/err" &&
    pass || fail "user add buyer: $(cat "$T/err")"
"$PD" user list --db "$db" >"$T/users" 2>"$T/err" || fail "user list: $(cat "$T/err")"
expect_match "ops created in 2031" "$T/users" '^[0-9]* *ops .* 2031-03-04T10:00:0[0-9]Z$'
expect_match "buyer created in 2031" "$T/users" '^[0-9]* *buyer .* 2031-03-04T10:00:0[0-9]Z$'
"$PD" brand list --db "$db" >"$T/brands" 2>"$T/err" || fail "brand list: $(cat "$T/err")"
expect_match "brand created in 2031" "$T/brands" 'Acme .* 2031-03-04T10:00:0[0-9]Z$'
"$PD" mcn list --db "$db" >"$T/mcns" 2>"$T/err" || fail "mcn list: $(cat "$T/err")"
expect_match "MCN created in 2031" "$T/mcns" 'Star Media .* 2031-03-04T10:00:0[0-9]Z$'
# without it, the machine's clock
printf 'a third long secret\n' | "$PD" user add --db "$db" --name now --role operator \
    --password-stdin --password-cost min >"$T/out" 2>"$T/err" || fail "user add now: $(cat "$T/err")"
"$PD" user list --db "$db" >"$T/users" 2>"$T/err"
expect_match "without PARTNERD_CLOCK: this year" "$T/users" "^[0-9]* *now .* $(date -u +%Y)-"

# import, policy add and activate, migrate: the same clock
printf '%s\n' 'creator_id,handle,category,followers,mcn_id' '20,imported,food,1200,8' \
    >"$T/creators.csv"
printf '%s\n' 'post_id,creator_id,published_at,kind,views,likes,comments,collects' \
    '201,20,2031-03-01T08:00:00Z,organic,100,5,1,0' >"$T/posts.csv"
PARTNERD_CLOCK=$CLOCK run import --db "$db" --creators "$T/creators.csv" --posts "$T/posts.csv" \
    --quiet
expect_rc "import" 0
PARTNERD_CLOCK=$CLOCK run policy add --db "$db" red-2019-v1
expect_rc "policy add" 0
PID=$(sed -n 's/^policy \([0-9]*\):.*/\1/p' "$T/stdout")
PARTNERD_CLOCK=$CLOCK run policy activate --db "$db" "$PID" --from 2031-03-05
expect_rc "policy activate" 0
# export --verdicts --today applies it: when, by the same clock
PARTNERD_CLOCK=$CLOCK run export --db "$db" --verdicts "$T/verdicts.csv" --today 2031-03-05
expect_rc "export --verdicts --today" 0
PARTNERD_CLOCK=$CLOCK run migrate --db "$T/migrated.db"
expect_rc "migrate" 0
if command -v sqlite3 >/dev/null; then
    applied=$(sqlite3 "$T/migrated.db" 'SELECT min(applied_at) || " " || max(applied_at) FROM schema_version')
    # 2031-03-04T10:00:00Z is 1930384800
    case $applied in
    19303848[0-5]?\ 19303848[0-5]?) pass ;;
    *) fail "migrations applied on the 2031 clock are dated $applied" ;;
    esac
fi

PARTNERD_CLOCK=yesterday run brand add --db "$db" --name Other
expect_rc "bad PARTNERD_CLOCK: a usage error" 2
expect_grep "bad PARTNERD_CLOCK named" "$T/stderr" "PARTNERD_CLOCK 'yesterday'"
run serve --db "$db" --clock 2031-13-01T00:00:00Z
expect_rc "bad --clock: a usage error" 2
expect_grep "bad --clock named" "$T/stderr" "clock '2031-13-01T00:00:00Z'"

# ---- the server, on --clock ----------------------------------------------------
start_server "$T/server.log" --db "$db" --clock "$CLOCK" || pd_test_finish

login() { # NAME PASSWORD
    get "login $1" "$URL/api/login" -X POST -H 'Content-Type: application/json' \
        -d "{\"name\": \"$1\", \"password\": \"$2\"}"
}
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/body" "$1"; }

login ops 'correct horse battery'
expect_status "login on the 2031 clock" 200
TOKEN=$(jget "d['token']")
expires=$(jget "d['expires_at']")
case $expires in
2031-03-11T10:00:0[0-9]Z) pass ;;
*) fail "a token made on the 2031 clock expires at $expires, not 7 days after 2031-03-04T10:00:00Z" ;;
esac
get "me" "$URL/api/me" -H "Authorization: Bearer $TOKEN"
expect_status "the 2031 token works on the 2031 clock" 200

# what the CLI recorded on PARTNERD_CLOCK, read back through the API
created_ats() { python3 -c '
import json, sys
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "created_at": print(x)
            else: walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
walk(json.load(open(sys.argv[1])))' "$T/body"; }
for what in "policies/$PID" activations creators/20; do
    get "$what" "$URL/api/$what" -H "Authorization: Bearer $TOKEN"
    expect_status "GET /api/$what" 200
    at=$(created_ats | head -n 1)
    case $at in
    2031-03-04T10:00:0[0-9]Z) pass ;;
    *) fail "/api/$what: recorded on the 2031 clock by the CLI, but created_at is '$at'" ;;
    esac
done
get "activations" "$URL/api/activations" -H "Authorization: Bearer $TOKEN"
applied=$(jget "d['activations'][0]['applied_at']")
case $applied in
2031-03-04T10:00:0[0-9]Z) pass ;;
*) fail "an activation applied by export on the 2031 clock has applied_at '$applied'" ;;
esac

# a creator added over the API, and a post published through it
get "create creator" "$URL/api/creators" -X POST -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' \
    -d '{"id": 10, "handle": "gina", "category": "travel", "followers": 1500, "mcn_id": 8}'
expect_status "create a creator" 201
created=$(jget "d['created_at']")
case $created in
2031-03-04T10:*) pass ;;
*) fail "a creator added on the 2031 clock was created at $created" ;;
esac
get "publish" "$URL/api/creators/10/posts" -X POST -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d '{"kind": "organic"}'
expect_status "publish a post" 201
published=$(jget "d['post']['published_at']")
case $published in
2031-03-04T10:*) pass ;;
*) fail "a post published on the 2031 clock is dated $published" ;;
esac

# five failures lock the pair out for the window of the clock in force
for _ in 1 2 3 4 5; do
    login buyer 'wrong password'
done
get "login buyer locked" "$URL/api/login" -X POST -H 'Content-Type: application/json' \
    -d '{"name": "buyer", "password": "another long secret"}' -D "$T/locked.headers"
expect_status "locked out after 5 failures" 429
expect_match "Retry-After: the window" "$T/locked.headers" '^Retry-After: (900|899|898)'
stop_server

# ---- the token check asks the clock ----------------------------------------------
start_server "$T/later.log" --db "$db" --clock 2031-03-11T10:00:30Z || pd_test_finish
get "me after expiry" "$URL/api/me" -H "Authorization: Bearer $TOKEN"
expect_status "the token is expired on a clock past its expiry" 401
stop_server
start_server "$T/sooner.log" --db "$db" --clock 2031-03-10T10:00:00Z || pd_test_finish
get "me before expiry" "$URL/api/me" -H "Authorization: Bearer $TOKEN"
expect_status "the same token works on a clock before its expiry" 200
stop_server

# PARTNERD_CLOCK for the server too; a 2019 token is expired on today's clock
PARTNERD_CLOCK=2019-05-31T12:00:00Z start_server "$T/old.log" --db "$db" || pd_test_finish
login ops 'correct horse battery'
expect_status "login on the 2019 clock (PARTNERD_CLOCK)" 200
OLD=$(jget "d['token']")
expires=$(jget "d['expires_at']")
case $expires in
2019-06-07T12:00:0[0-9]Z) pass ;;
*) fail "a token made on the 2019 clock expires at $expires" ;;
esac
stop_server
PARTNERD_CLOCK=2019-05-31T12:00:00Z start_server "$T/wins.log" --db "$db" --clock "$CLOCK" ||
    pd_test_finish
login ops 'correct horse battery'
expires=$(jget "d['expires_at']")
case $expires in
2031-03-11T10:00:0[0-9]Z) pass ;;
*) fail "--clock should win over PARTNERD_CLOCK: a token expires at $expires" ;;
esac
stop_server
start_server "$T/today.log" --db "$db" || pd_test_finish
get "2019 token today" "$URL/api/me" -H "Authorization: Bearer $OLD"
expect_status "a token of the 2019 clock is expired on the machine's" 401
get "2031 token today" "$URL/api/me" -H "Authorization: Bearer $TOKEN"
expect_status "a token of the 2031 clock works on the machine's" 200

stop_server

# ---- the demo, on --clock ------------------------------------------------------
demo=$T/demo.db
START_SECONDS=360 start_server "$T/demo.log" --demo --db "$demo" --clock "$CLOCK" ||
    pd_test_finish
opw=$(awk -F'\t' '$1 == "operator" {print $2}' "$demo.logins")
login operator "$opw"
expect_status "demo operator signs in" 200
TOKEN=$(jget "d['token']")
get "demo certification" "$URL/api/certification" -H "Authorization: Bearer $TOKEN"
expect_status "GET /api/certification" 200
today=$(jget "d['today']")
[ "$today" = 2031-03-04 ] && pass || fail "a demo on the 2031 clock stands at $today"
stop_server
"$PD" user list --db "$demo" >"$T/users" 2>"$T/err" || fail "user list: $(cat "$T/err")"
expect_match "demo accounts made on the 2031 clock" "$T/users" '^[0-9]* *operator .* 2031-03-04T'

pd_test_finish
