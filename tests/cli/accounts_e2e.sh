#!/usr/bin/env bash
# accounts_e2e.sh - signing in and out against a real `partnerd serve`:
# POST /api/login (wrong password, unknown name, bad bodies, success),
# GET /api/me with and without a token, POST /api/logout (the token stops
# working), a disabled account's token stops working at once, and the login
# rate limits (docs/internals/sign-in.md): 429 with Retry-After after 5
# failures for one account from one address, while the right password from
# other addresses works at once; 20 failures from new clients hold back new
# clients of that account, but not one showing the device proof (the
# pd_device cookie) of an earlier sign-in.
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
add_user dev operator 'device secret pw'

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

# login_from IP NAME PASSWORD [CURL ARGS...]: a sign-in from the address IP
# (all of 127/8 is the loopback); headers in $T/headers.
login_from() {
    local ip=$1 name=$2 pw=$3
    shift 3
    status=$(curl -s -D "$T/headers" -o "$T/body" -w '%{http_code}' --max-time 10 --interface "$ip" \
        -X POST -H 'Content-Type: application/json' "$@" \
        -d "{\"name\": \"$name\", \"password\": \"$pw\"}" "$URL/api/login")
}

# ---- a stranger cannot lock the owner out -------------------------------------------
# The finding: those five wrong passwords from 127.0.0.1 made the right one
# from two other addresses wait 15 minutes.
for ip in 127.0.0.2 127.0.0.3; do
    login_from "$ip" ops 'correct horse battery'
    expect_status "right password from $ip, after 5 failures from 127.0.0.1" 200
done
login_from 127.0.0.1 ops 'correct horse battery'
expect_status "from 127.0.0.1 itself it still waits" 429 &&
    expect_grep "the pair is named" "$T/body" "to this account from this address"

# ---- guessing from many addresses, and the owner's own client -------------------------
login_from 127.0.0.4 dev 'device secret pw' -c "$T/jar"
expect_status "dev signs in" 200
if grep -Eqi '^Set-Cookie: pd_device=pdd1\.[A-Za-z0-9_-]{75}; HttpOnly; SameSite=Strict; Path=/; Max-Age=7776000' "$T/headers"; then
    pass
else
    fail "no device cookie: $(grep -i '^Set-Cookie' "$T/headers")"
fi
# strangers spend the 20 tries new clients of dev have, from four addresses
for ip in 127.0.1.1 127.0.1.2 127.0.1.3 127.0.1.4; do
    for i in 1 2 3 4 5; do
        login_from "$ip" dev "wrong $i"
        [ "$status" = 401 ] || fail "stranger $ip try $i: $status $(cat "$T/body")"
    done
done
pass
login_from 127.0.1.5 dev 'device secret pw'
expect_status "the right password from a new client now waits" 429 &&
    expect_grep "new clients are named" "$T/body" "clients that have not signed in to it before"
login_from 127.0.1.5 dev 'device secret pw' -H "Cookie: pd_device=pdd1.$(printf 'A%.0s' $(seq 1 75))"
expect_status "a forged proof does not help" 429
login_from 127.0.0.4 dev 'device secret pw' -b "$T/jar"
expect_status "the owner's client, with its proof, signs in at once" 200
login_from 127.0.1.1 dev 'device secret pw' -b "$T/jar"
expect_status "even from an address the strangers spent" 200
login_from 127.0.0.2 ops 'correct horse battery' -b "$T/jar"
expect_status "dev's proof is nothing to ops (but ops is not held back here)" 200
# the owner's client mistyping: its own five, and only its own
for i in 1 2 3 4 5; do
    login_from 127.0.0.4 dev "typo $i" -b "$T/jar"
    [ "$status" = 401 ] || fail "owner's typo $i: $status"
done
login_from 127.0.0.4 dev 'device secret pw' -b "$T/jar"
expect_status "the owner's client after its own 5 failures" 429 &&
    expect_grep "the client is named" "$T/body" "from this client"
# the web page's sign-in gives the same proof beside the session
status=$(curl -s -D "$T/headers" -o "$T/body" -w '%{http_code}' --max-time 10 --interface 127.0.0.6 \
    -X POST -H "Origin: $URL" --data-urlencode name=ops --data-urlencode 'password=correct horse battery' \
    "$URL/login")
expect_status "sign-in page" 303
expect_grep "page: session cookie" "$T/headers" "pd_session="
expect_grep "page: device cookie" "$T/headers" "pd_device=pdd1."

stop_server
pd_test_finish
