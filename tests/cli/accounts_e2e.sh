#!/usr/bin/env bash
# accounts_e2e.sh - signing in and out against a real `partnerd serve`:
# POST /api/login (wrong password, unknown name, bad bodies, success),
# GET /api/me with and without a token, POST /api/logout (the token stops
# working), a disabled account's token stops working at once, and the login
# rate limit (429 with Retry-After after 5 failures for one account).
. "$(dirname "$0")/lib.sh"
pd_test_init accounts_e2e "$@"
. "$(dirname "$0")/lib_http.sh"

db=$T/accounts.db
add_user() { # NAME ROLE PASSWORD
    printf '%s\n' "$3" | "$PD" user add --db "$db" --name "$1" --role "$2" --password-stdin \
        --password-cost min >"$T/useradd.out" 2>&1 || {
        fail "user add $1 failed: $(cat "$T/useradd.out")"
        return 1
    }
    pass
}
add_user ops operator 'correct horse battery'
add_user ana operator 'another long secret'

start_server "$T/server.log" --db "$db" || pd_test_finish

login() { # NAME PASSWORD
    get "login $1" "$URL/api/login" -X POST -H 'Content-Type: application/json' \
        -d "{\"name\": \"$1\", \"password\": \"$2\"}"
}
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/body" "$1"; }

# ---- bad requests -------------------------------------------------------------
get "login: no body" "$URL/api/login" -X POST -H 'Content-Type: application/json'
expect_status "login: no body" 400 && expect_json_error "login: no body" invalid_input
get "login: not JSON" "$URL/api/login" -X POST -H 'Content-Type: application/json' -d '{"name":'
expect_status "login: broken JSON" 400 && expect_json_error "login: broken JSON" invalid_input
get "login: extra field" "$URL/api/login" -X POST -H 'Content-Type: application/json' \
    -d '{"name": "ops", "password": "x", "admin": true}'
expect_status "login: unknown field" 400 && expect_grep "login: unknown field named" "$T/body" "admin"
get "login: wrong type" "$URL/api/login" -X POST -H 'Content-Type: application/json' \
    -d '{"name": "ops", "password": 12345678}'
expect_status "login: password not a string" 400 && expect_grep "login: field named" "$T/body" "password"
get "login: missing field" "$URL/api/login" -X POST -H 'Content-Type: application/json' -d '{"name": "ops"}'
expect_status "login: missing password" 400 && expect_grep "login: missing named" "$T/body" "password"
get "login: GET" "$URL/api/login"
expect_status "GET /api/login" 405

# ---- wrong credentials --------------------------------------------------------
login ops 'wrong password'
expect_status "wrong password" 401 && expect_json_error "wrong password" unauthorized
login nobody 'whatever it is'
expect_status "unknown name" 401 && expect_grep "unknown name: same words" "$T/body" "wrong name or password"

# ---- success, me, logout ------------------------------------------------------
login ops 'correct horse battery'
expect_status "login" 200
token=$(json_field token)
case "$token" in pd_*) pass ;; *) fail "token looks like '$token'" ;; esac
expect_grep "login: expires_at" "$T/body" '"expires_at":"'
expect_grep "login: user" "$T/body" '"role":"operator"'

get "me" "$URL/api/me" -H "Authorization: Bearer $token"
expect_status "me" 200 && expect_grep "me: name" "$T/body" '"name":"ops"'
get "me: no token" "$URL/api/me"
expect_status "me without a token" 401 && expect_json_error "me without a token" unauthorized
get "me: bad scheme" "$URL/api/me" -H "Authorization: Basic b3BzOng="
expect_status "me with Basic" 401
get "me: garbage token" "$URL/api/me" -H "Authorization: Bearer pd_nonsense"
expect_status "me with a garbage token" 401
get "me: forged token" "$URL/api/me" -H "Authorization: Bearer pd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
expect_status "me with a well-formed unknown token" 401
if grep -q "$token" "$T/server.log"; then fail "the token appears in the server log"; else pass; fi

get "logout" "$URL/api/logout" -X POST -H "Authorization: Bearer $token"
expect_status "logout" 200
get "me after logout" "$URL/api/me" -H "Authorization: Bearer $token"
expect_status "me after logout" 401

# ---- a disabled account's token stops working at once -----------------------------
login ana 'another long secret'
expect_status "login ana" 200
token2=$(json_field token)
get "me ana" "$URL/api/me" -H "Authorization: Bearer $token2"
expect_status "me ana" 200
run user disable --db "$db" --name ana
expect_rc "user disable ana" 0
get "me ana disabled" "$URL/api/me" -H "Authorization: Bearer $token2"
expect_status "me after the account is disabled" 401
login ana 'another long secret'
expect_status "login of a disabled account" 401 && expect_grep "disabled says so" "$T/body" "disabled"

# ---- rate limit -------------------------------------------------------------------
# ops has no failures left over (the success above cleared them): five more
# wrong passwords are answered 401, the sixth try 429 with Retry-After, and
# then even the right password waits.
for i in 1 2 3 4 5; do
    login ops "wrong password $i"
    expect_status "failure $i" 401
done
get "sixth failure" "$URL/api/login" -D "$T/headers" -X POST \
    -H 'Content-Type: application/json' -d '{"name": "ops", "password": "wrong again"}'
expect_status "sixth failure" 429 && expect_json_error "sixth failure" too_many_requests
if grep -qi '^Retry-After: [1-9]' "$T/headers"; then pass; else fail "429 without Retry-After: $(cat "$T/headers")"; fi
login ops 'correct horse battery'
expect_status "right password while limited" 429

stop_server
pd_test_finish
