#!/usr/bin/env bash
# policies_e2e.sh - policies, activation, online certification and policy
# impact against a real `partnerd serve`, and activation from the command
# line behaving as over HTTP: every route's success and
# failures (bad policy JSON names the field, unknown id 404, wrong role 403,
# no token 401), an activation changing /api/certification, /metrics and
# creators' verdicts (checked against `partnerd certify`), impact equal to
# `partnerd simulate --format json` on the same generated data, and the
# daily sweep moving `today` across a UTC midnight of a --clock server.
. "$(dirname "$0")/lib.sh"
pd_test_init policies_e2e "$@"
. "$(dirname "$0")/lib_http.sh"

db=$T/policies.db
AS_OF=2019-06-01
# ---- data: generated, imported, and judged by the batch commands ---------------
run gen --out "$D" --creators 3000 --seed 11 --as-of $AS_OF --quiet
expect_rc "gen" 0 || pd_test_finish
run import --db "$db" --creators "$D/creators.csv" --posts "$D/posts.csv" --quiet
expect_rc "import" 0 || pd_test_finish
run policy show red-2019-v1
cp "$T/stdout" "$T/v1.json"
run policy show red-2019-v2
cp "$T/stdout" "$T/v2.json"
run certify --creators "$D/creators.csv" --posts "$D/posts.csv" --policy red-2019-v1 --as-of $AS_OF --out "$T/certify_v1.csv"
expect_rc "certify v1" 0
run certify --creators "$D/creators.csv" --posts "$D/posts.csv" --policy red-2019-v1 --as-of 2019-06-02 --out "$T/certify_v1_next.csv"
expect_rc "certify v1, next day" 0
count_certified() { awk -F, 'NR > 1 && $2 == 1 { n++ } END { print n + 0 }' "$1"; }
n_v1=$(count_certified "$T/certify_v1.csv")
n_v1_next=$(count_certified "$T/certify_v1_next.csv")
[ "$n_v1" -gt 0 ] && pass || fail "certify v1 certifies nobody: the data set is not useful"

add_user() { # NAME ROLE [LINK...]
    local name=$1 role=$2
    shift 2
    printf 'a long enough secret\n' | "$PD" user add --db "$db" --name "$name" --role "$role" "$@" \
        --password-stdin --password-cost min >"$T/useradd.out" 2>&1 || {
        fail "user add $name failed: $(cat "$T/useradd.out")"
        return 1
    }
    pass
}
add_user ops operator
add_user cre creator --creator 1

start_server "$T/server.log" --db "$db" --clock 2019-05-31T12:00:00Z || pd_test_finish

login() { # NAME -> token on stdout
    curl -s --max-time 10 -X POST -H 'Content-Type: application/json' \
        -d "{\"name\": \"$1\", \"password\": \"a long enough secret\"}" "$URL/api/login" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
OPS=$(login ops)
CRE=$(login cre)
[ -n "$OPS" ] && [ -n "$CRE" ] && pass || { fail "login failed"; pd_test_finish; }
AO=(-H "Authorization: Bearer $OPS")
AC=(-H "Authorization: Bearer $CRE")
JSON=(-H 'Content-Type: application/json')
# jq-like: py EXPR evaluates a Python expression on the body as `d`.
py() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/body" "$1"; }
expect_py() { # NAME EXPR WANT
    local got
    got=$(py "$2" 2>&1)
    if [ "$got" != "$3" ]; then
        fail "$1: $2 is '$got', expected '$3'; body: $(head -c 300 "$T/body")"
        return 1
    fi
    pass
}

# ---- access: no token 401, wrong role 403 --------------------------------------
for route in "GET /api/policies" "POST /api/policies" "GET /api/policies/1" \
    "POST /api/policies/1/activate" "GET /api/activations" "POST /api/policies/impact" \
    "GET /api/certification"; do
    set -- $route
    get "$route without token" "$URL$2" -X "$1" "${JSON[@]}" -d '{}'
    [ "$1" = GET ] && get "$route without token" "$URL$2"
    expect_status "$route without a token" 401 && expect_json_error "$route 401" unauthorized
    if [ "$2" != /api/certification ]; then
        if [ "$1" = GET ]; then get "$route as creator" "$URL$2" "${AC[@]}"
        else get "$route as creator" "$URL$2" -X "$1" "${AC[@]}" "${JSON[@]}" -d '{}'; fi
        expect_status "$route as a creator" 403 && expect_json_error "$route 403" forbidden
    fi
done

# ---- the state before any policy -----------------------------------------------
get "certification, empty" "$URL/api/certification" "${AC[@]}"
expect_status "certification as creator" 200
expect_py "no policy yet" 'd["policy"]' None
expect_py "today from --clock" 'd["today"]' 2019-05-31
expect_py "as_of: the next midnight" 'd["as_of"]' 2019-06-01T00:00:00Z
expect_py "nobody certified" 'd["certified"]' 0
get "policies, empty" "$URL/api/policies" "${AO[@]}"
expect_status "list policies" 200 && expect_py "no policies" 'len(d["policies"])' 0
get "impact, no current" "$URL/api/policies/impact" -X POST "${AO[@]}" "${JSON[@]}" --data-binary "{\"candidate\": $(cat "$T/v2.json")}"
expect_status "impact with no policy in force" 400 && expect_grep "impact: names baseline" "$T/body" "baseline"

# ---- storing policies ----------------------------------------------------------
post_policy() { get "add policy" "$URL/api/policies" -X POST "${AO[@]}" "${JSON[@]}" --data-binary "$1"; }
post_policy '{"name": "x", "window_days": 30, "rules": {"min_follower": 5}}'
expect_status "unknown rule" 400 && expect_json_error "unknown rule" invalid_input &&
    expect_grep "unknown rule names the field" "$T/body" "rules.min_follower"
post_policy '{"name": "x", "rules": {"min_followers": 5}}'
expect_status "no window" 400 && expect_grep "missing window names it" "$T/body" "window_days"
post_policy '{"name": "x", "window_days": 30, "rules": {"min_followers": "5"}}'
expect_status "string threshold" 400 && expect_grep "wrong type names it" "$T/body" "rules.min_followers"
post_policy '{"name": "x", "window_days": 30, "rules": {}}'
expect_status "no rules" 400 && expect_grep "empty rules" "$T/body" "rules"
post_policy '{"name": "x",'
expect_status "broken JSON" 400 && expect_grep "broken JSON: line" "$T/body" "line 1"
post_policy ''
expect_status "empty body" 400
post_policy "$(cat "$T/v1.json")"
expect_status "add v1" 201
expect_py "v1 version" 'd["version"]' 1
expect_py "v1 rules" 'd["rules"]' "{'min_followers': 1000}"
expect_py "v1 created_by" 'd["created_by"] > 0' True
id_v1=$(py 'd["id"]')
post_policy "$(cat "$T/v1.json")"
expect_status "add v1 again" 201 && expect_py "the next version" 'd["version"]' 2
id_v1b=$(py 'd["id"]')
post_policy "$(cat "$T/v2.json")"
expect_status "add v2" 201
expect_py "v2 rules" 'sorted(d["rules"].items())' "[('min_avg_views', 10000), ('min_followers', 5000), ('min_organic_per_sponsored', 4), ('min_sponsored', 4)]"
id_v2=$(py 'd["id"]')
get "list" "$URL/api/policies" "${AO[@]}"
expect_py "three stored" 'len(d["policies"])' 3
expect_py "by name then version" '[(p["name"], p["version"]) for p in d["policies"]]' \
    "[('red-2019-v1', 1), ('red-2019-v1', 2), ('red-2019-v2', 1)]"
get "one" "$URL/api/policies/$id_v2" "${AO[@]}"
expect_status "get v2" 200 && expect_py "get v2 name" 'd["name"]' red-2019-v2 &&
    expect_py "not in force" 'd["in_force"]' False
get "unknown" "$URL/api/policies/99999" "${AO[@]}"
expect_status "unknown policy" 404 && expect_json_error "unknown policy" not_found
get "not an id" "$URL/api/policies/abc" "${AO[@]}"
expect_status "policy id not a number" 400

# ---- activation -------------------------------------------------------------------
activate() { get "activate" "$URL/api/policies/$1/activate" -X POST "${AO[@]}" "${JSON[@]}" -d "$2"; }
activate 99999 '{"from": "2019-05-01"}'
expect_status "activate unknown" 404 && expect_json_error "activate unknown" not_found
activate "$id_v1" '{"from": "31/05/2019"}'
expect_status "bad date" 400 && expect_grep "bad date names from" "$T/body" "from"
activate "$id_v1" '{"from": "2019-05-31", "to": "2019-06-30"}'
expect_status "unknown field" 400 && expect_grep "unknown field named" "$T/body" "to"
activate "$id_v1" '{}'
expect_status "missing from" 400 && expect_grep "missing from" "$T/body" "from"
activate "$id_v1" '{"from": "2019-05-31"}'
expect_status "activate v1 today" 201
expect_py "applied at once" 'd["applied"]' True
expect_py "report: gained" 'd["report"]["gained"]' "$n_v1"
expect_py "report: policy changed" 'd["report"]["policy_changed"]' True
expect_py "activation applied_at" 'd["activation"]["applied_at"] is not None' True
get "certification" "$URL/api/certification" "${AC[@]}"
expect_py "v1 in force" 'd["policy"]["name"], d["policy"]["id"], d["policy"]["version"]' "('red-2019-v1', $id_v1, 1)"
expect_py "v1 rules in force" 'd["policy"]["rules"]' "{'min_followers': 1000}"
expect_py "certified = certify v1" 'd["certified"]' "$n_v1"
expect_py "nothing pending" 'd["pending"]' "[]"
get "metrics" "$URL/metrics" "${AO[@]}"
expect_line "certified gauge" "$T/body" "partnerd_certified_creators $n_v1"
# creators' verdicts follow: a few of each kind, against certify's
for id in $(awk -F, 'NR > 1 && $2 == 1 { print $1 }' "$T/certify_v1.csv" | head -n 3) \
    $(awk -F, 'NR > 1 && $2 == 0 { print $1 }' "$T/certify_v1.csv" | head -n 3); do
    want=$(awk -F, -v id="$id" '$1 == id { print ($2 == 1) ? "True" : "False" }' "$T/certify_v1.csv")
    get "creator $id" "$URL/api/creators/$id/certification" "${AO[@]}"
    expect_status "creator $id certification" 200 && expect_py "creator $id verdict" 'd["certified"]' "$want"
done
activate "$id_v2" '{"from": "2019-07-01"}'
expect_status "activate v2 later" 201
expect_py "not applied yet" 'd["applied"]' False
expect_py "no report yet" 'd["report"]' None
get "certification" "$URL/api/certification" "${AC[@]}"
expect_py "still v1" 'd["policy"]["name"]' red-2019-v1
expect_py "v2 pending" '[(p["policy_id"], p["from"]) for p in d["pending"]]' "[($id_v2, '2019-07-01')]"
get "activations" "$URL/api/activations" "${AO[@]}"
expect_status "list activations" 200
expect_py "newest first" '[a["policy_id"] for a in d["activations"]]' "[$id_v2, $id_v1]"
get "policy in force" "$URL/api/policies/$id_v1" "${AO[@]}"
expect_py "v1 in force" 'd["in_force"]' True

# ---- impact: the numbers of `partnerd simulate` -------------------------------------
run simulate --creators "$D/creators.csv" --posts "$D/posts.csv" --as-of $AS_OF --policy red-2019-v1 \
    --policy red-2019-v2 --sweep min_avg_views=0:20000:1000 --format json --quiet --out "$T/sim.json"
expect_rc "simulate" 0
impact() { get "impact" "$URL/api/policies/impact" -X POST "${AO[@]}" "${JSON[@]}" --data-binary "$1"; }
same_json() { # NAME EXPECTED ACTUAL
    if python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' "$2" "$3"; then
        pass
    else
        fail "$1: the JSON differs (diff expected actual):"
        diff <(python3 -m json.tool "$2") <(python3 -m json.tool "$3") | head -n 30 | sed 's/^/    /'
    fi
}
impact "{\"candidate\": $(cat "$T/v2.json"), \"sweep\": {\"rule\": \"min_avg_views\", \"from\": 0, \"to\": 20000, \"step\": 1000}}"
expect_status "impact, current baseline" 200
cp "$T/body" "$T/impact.json"
same_json "impact = simulate (baseline current)" "$T/sim.json" "$T/impact.json"
impact "{\"baseline\": $id_v1, \"candidate\": $id_v2, \"sweep\": {\"rule\": \"min_avg_views\", \"from\": 0, \"to\": 20000, \"step\": 1000}}"
expect_status "impact, stored ids" 200 && same_json "impact = simulate (stored ids)" "$T/sim.json" "$T/body"
# several candidates, one with another window (one more scan)
sed 's/"window_days": 30/"window_days": 14/; s/"red-2019-v2"/"v2-14"/' "$T/v2.json" >"$T/v2_14.json"
run simulate --creators "$D/creators.csv" --posts "$D/posts.csv" --as-of $AS_OF --policy red-2019-v1 \
    --policy red-2019-v2 --policy "$T/v2_14.json" --sweep min_organic_per_sponsored=1:6:0.5 --format json --quiet --out "$T/sim3.json"
expect_rc "simulate, three policies" 0
impact "{\"baseline\": \"current\", \"candidates\": [$(cat "$T/v2.json"), $(cat "$T/v2_14.json")], \"sweep\": {\"rule\": \"min_organic_per_sponsored\", \"from\": 1, \"to\": 6, \"step\": 0.5}}"
expect_status "impact, two candidates" 200 && same_json "impact = simulate (two candidates, 14-day window)" "$T/sim3.json" "$T/body"
# failures
impact '{"candidate": {"name": "c", "window_days": 30, "rules": {"min_follower": 5}}}'
expect_status "impact: bad candidate" 400 && expect_grep "impact: candidate field named" "$T/body" "candidate.rules.min_follower"
impact "{\"candidate\": $(cat "$T/v2.json"), \"sweep\": {\"rule\": \"min_view\", \"from\": 0, \"to\": 1, \"step\": 1}}"
expect_status "impact: bad sweep rule" 400 && expect_grep "impact: sweep rule named" "$T/body" "sweep.rule"
impact "{\"candidate\": $(cat "$T/v2.json"), \"sweep\": {\"rule\": \"min_followers\", \"from\": 0, \"to\": 10, \"step\": 0.5}}"
expect_status "impact: decimal step for a count" 400 && expect_grep "impact: sweep.step" "$T/body" "sweep.step"
impact "{\"candidate\": $(cat "$T/v2.json"), \"candidates\": []}"
expect_status "impact: both" 400
impact '{}'
expect_status "impact: no candidate" 400 && expect_grep "impact: candidate named" "$T/body" "candidate"
impact "{\"candidate\": $(cat "$T/v1.json")}"
expect_status "impact: same name as baseline" 400 && expect_grep "impact: same name" "$T/body" "candidate.name"
impact '{"baseline": 99999, "candidate": 1}'
expect_status "impact: unknown baseline id" 400 && expect_grep "impact: baseline named" "$T/body" "baseline"
impact '{"candidate": 1, "extra": 1}'
expect_status "impact: unknown field" 400 && expect_grep "impact: extra named" "$T/body" "extra"

# ---- the daily sweep across a UTC midnight -------------------------------------------
kill -TERM "$server_pid"
t0=$(date +%s)
wait "$server_pid"
rc=$?
[ "$rc" -eq 0 ] && pass || fail "serve exited $rc on SIGTERM"
[ $(($(date +%s) - t0)) -le 5 ] && pass || fail "serve took more than 5 s to stop"
start_server "$T/midnight.log" --db "$db" --clock 2019-05-31T23:59:57Z || pd_test_finish
get "certification before midnight" "$URL/api/certification" "${AC[@]}"
expect_py "before midnight" 'd["today"]' 2019-05-31
today=
for _ in $(seq 1 100); do
    get "certification" "$URL/api/certification" "${AC[@]}"
    today=$(py 'd["today"]')
    [ "$today" = 2019-06-01 ] && break
    sleep 0.1
done
[ "$today" = 2019-06-01 ] && pass || fail "today is still '$today' 10 s after the clock passed midnight"
expect_py "after midnight: as_of" 'd["as_of"]' 2019-06-02T00:00:00Z
expect_py "after midnight: certified = certify next day" 'd["certified"]' "$n_v1_next"
expect_py "v2 still pending" 'len(d["pending"])' 1
expect_grep "sweep logged" "$T/midnight.log" '"to_day":"2019-06-01"'
get "metrics" "$URL/metrics" "${AO[@]}"
expect_line "online day gauge" "$T/body" "partnerd_online_day 18048"
kill -TERM "$server_pid"
wait "$server_pid"
[ $? -eq 0 ] && pass || fail "serve did not stop cleanly"

# ---- activation from the command line: the same as over HTTP ---------------------------
# Online certification stands at 2019-06-01 with v1 in force: activating v2
# from that day applies at once (app/policies.h), as POST .../activate does.
run policy activate --db "$db" "$id_v2" --from 2019-06-01
expect_rc "CLI activate v2 from today" 0 && expect_grep "CLI activate: in force now" "$T/stdout" "in force now"
run policy status --db "$db"
expect_rc "status after the CLI activation" 0 &&
    expect_grep "CLI activation: v2 in force at once" "$T/stdout" "policy:         $id_v2 (red-2019-v2 version 1" &&
    expect_grep "CLI activation: still today" "$T/stdout" "today:          2019-06-01" &&
    expect_grep "CLI activation: the later one still pending" "$T/stdout" "from 2019-07-01"
run export --db "$db" --verdicts "$T/cli_v2.csv"
expect_rc "export after the CLI activation" 0
run certify --creators "$D/creators.csv" --posts "$D/posts.csv" --policy red-2019-v2 --as-of 2019-06-02 --out "$T/certify_v2_next.csv" --quiet
expect_rc "certify v2, next day" 0
expect_same "CLI activation: verdicts = certify v2" "$T/certify_v2_next.csv" "$T/cli_v2.csv"
# a later day waits for the day's step, from the command line as over HTTP
run policy activate --db "$db" "$id_v1" --from 2019-06-05
expect_rc "CLI activate v1 later" 0 && expect_grep "CLI activate later: pending" "$T/stdout" "takes effect when online certification reaches that day"
run policy status --db "$db"
expect_grep "CLI activate later: v2 still in force" "$T/stdout" "policy:         $id_v2 (red-2019-v2"

pd_test_finish
