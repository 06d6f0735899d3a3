#!/usr/bin/env bash
# pages_e2e.sh - the web pages against a real `partnerd serve`: a generated
# population (2,000 creators) imported, red-2019-v1 in force on 2019-05-30
# and red-2019-v2 from 2019-05-31 (so that creators lose certification and
# their history says so), an operator, a brand and a creator user, the
# server's clock on 2019-05-31.
#
# First with curl: redirects to the sign-in page, the session cookie, the
# CSRF rule for cookie requests (Origin), static files and their cache
# header, open redirects refused, HTML escaping of stored text. Then in a
# real browser: tests/browser/pages.mjs (playwright-core driving Debian's
# chromium), whose screenshots go to $PD_TEST_TMP/pages_e2e-screenshots
# (printed). Without chromium or playwright-core the test fails.
. "$(dirname "$0")/lib.sh"
pd_test_init pages_e2e "$@"
. "$(dirname "$0")/lib_http.sh"
. "$(dirname "$0")/lib_browser.sh"

here=$(cd "$(dirname "$0")" && pwd)
shots=${PD_SCREENSHOTS:-$(dirname "$T")/pages_e2e-screenshots}

# ---- what the browser half needs: missing is a failure, not a skip -------------
browser_ready

# ---- the data ------------------------------------------------------------------
db=$T/pages.db
run gen --out "$D" --creators 2000 --as-of 2019-06-01 --seed 7
expect_rc "gen" 0 || pd_test_finish
run import --db "$db" --creators "$D/creators.csv" --posts "$D/posts.csv"
expect_rc "import" 0 || pd_test_finish
# A brand to link the brand user to.
run brand add --db "$db" --name 'Acme & <Sons>'
expect_rc "brand add" 0 && expect_text "brand add: its id" "$T/stdout" "brand 1 added: Acme & <Sons>"
# A bio with markup: it must come out escaped.
sqlite3 "$db" "UPDATE creators SET bio = '<script>alert(1)</script> & \"friends\"' WHERE id = 2;" ||
    fail "cannot set a bio"

ops_pw='ops password, long enough'
brand_pw='brand password, long enough'
creator_pw='creator password, long enough'
add_user() { # NAME PASSWORD ARGS...
    local name=$1 pw=$2
    shift 2
    printf '%s\n' "$pw" | "$PD" user add --db "$db" --name "$name" "$@" --password-stdin \
        --password-cost min >"$T/useradd.out" 2>&1 || {
        fail "user add $name: $(cat "$T/useradd.out")"
        return 1
    }
    pass
}
add_user ops "$ops_pw" --role operator
add_user acme "$brand_pw" --role brand --brand 1
add_user maker "$creator_pw" --role creator --creator 1

run policy add --db "$db" red-2019-v1 && expect_rc "policy add v1" 0
run policy add --db "$db" red-2019-v2 && expect_rc "policy add v2" 0
run policy activate --db "$db" 1 --from 2019-05-30 && expect_rc "activate v1" 0
run policy status --db "$db" --today 2019-05-30 && expect_rc "advance to 2019-05-30" 0
run policy activate --db "$db" 2 --from 2019-05-31 && expect_rc "activate v2" 0
run policy status --db "$db" --today 2019-05-31 && expect_rc "advance to 2019-05-31" 0
expect_grep "red-2019-v2 in force" "$T/stdout" "red-2019-v2"

start_server "$T/server.log" --db "$db" --clock 2019-05-31T12:00:00Z || pd_test_finish
host=${URL#http://}

# ---- without a session ------------------------------------------------------------
get "root" "$URL/" -D "$T/headers"
expect_status "GET /" 303 && expect_grep "/ redirects to /discover" "$T/headers" "Location: /discover"
for p in /discover /creators/1 /simulator; do
    get "$p unsigned" "$URL$p" -D "$T/headers"
    expect_status "GET $p without a session" 303
    expect_grep "GET $p: to the sign-in page" "$T/headers" "Location: /login?next=$p"
done
get "login form" "$URL/login?next=/creators/1"
expect_status "GET /login" 200
expect_grep "login form: next kept" "$T/body" 'name="next" value="/creators/1"'
expect_grep "login form: labelled" "$T/body" '<label for="password">'
get "api unsigned" "$URL/api/me"
expect_status "the JSON API still answers 401, not a redirect" 401

# ---- static files -------------------------------------------------------------------
get "app.css" "$URL/static/app.css" -D "$T/headers"
expect_status "GET /static/app.css" 200
expect_grep "app.css: type" "$T/headers" "Content-Type: text/css; charset=utf-8"
expect_grep "app.css: cached for a year" "$T/headers" "Cache-Control: public, max-age=31536000, immutable"
cmp -s "$T/body" "$here/../../src/http/assets/app.css" && pass || fail "app.css differs from the file"
get "simulator.js" "$URL/static/simulator.js" -D "$T/headers"
expect_status "GET /static/simulator.js" 200
expect_grep "simulator.js: type" "$T/headers" "Content-Type: text/javascript; charset=utf-8"
get "no such file" "$URL/static/secret.txt"
expect_status "GET /static/secret.txt" 404
get "dot dot" "$URL/static/..%2Fpages.c"
expect_status "GET /static/..%2Fpages.c" 404

# ---- signing in by form ---------------------------------------------------------------
login_form() { # NAME PASSWORD NEXT [CURL ARGS...]
    local name=$1 pw=$2 next=$3
    shift 3
    get "login $name" "$URL/login" -X POST -D "$T/headers" -c "$T/cookies" "$@" \
        --data-urlencode "name=$name" --data-urlencode "password=$pw" --data-urlencode "next=$next"
}
login_form ops 'wrong' /discover
expect_status "wrong password" 401
expect_grep "wrong password: the message" "$T/body" "Wrong name or password"
expect_grep "wrong password: the form again" "$T/body" 'name="password"'
login_form ops "$ops_pw" //evil.example/
expect_status "login" 303
expect_grep "login: no open redirect" "$T/headers" "Location: /discover"
expect_grep "login: cookie" "$T/headers" "Set-Cookie: pd_session=pd_"
expect_grep "login: cookie flags" "$T/headers" "; HttpOnly; SameSite=Strict; Path=/"
login_form ops "$ops_pw" /creators/2
expect_grep "login: next" "$T/headers" "Location: /creators/2"
login_form ops "$ops_pw" /discover -H "Origin: http://evil.example"
expect_status "login posted from another site" 403
jar=(-b "$T/cookies")
get "login again" "$URL/login" -X POST -c "$T/cookies" --data-urlencode name=ops \
    --data-urlencode "password=$ops_pw" -D "$T/headers"
expect_status "login" 303

# ---- pages with the cookie; escaping ------------------------------------------------------
get "discover" "$URL/discover" "${jar[@]}" -D "$T/headers"
expect_status "GET /discover signed in" 200
expect_grep "discover: HTML" "$T/headers" "Content-Type: text/html; charset=utf-8"
expect_grep "discover: CSP" "$T/headers" "Content-Security-Policy: default-src 'self'"
expect_grep "discover: not cached" "$T/headers" "Cache-Control: no-store"
expect_grep "discover: versioned stylesheet" "$T/body" '/static/app.css?v='
get "profile 2" "$URL/creators/2" "${jar[@]}"
expect_status "GET /creators/2" 200
expect_grep "bio escaped" "$T/body" '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;friends&quot;'
if grep -q '<script>alert(1)' "$T/body"; then fail "the bio came out as markup"; else pass; fi
get "profile missing" "$URL/creators/99999" "${jar[@]}"
expect_status "GET /creators/99999" 404
expect_grep "404 is a page" "$T/body" "There is no creator 99999"
get "bearer page" "$URL/discover" -H "Authorization: Bearer $(
    curl -s "$URL/api/login" -H 'Content-Type: application/json' \
        -d "{\"name\":\"ops\",\"password\":\"$ops_pw\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
expect_status "a page with a bearer token" 200

# ---- CSRF: a cookie request that changes something needs our Origin ----------------------
impact='{"baseline":"current","candidate":{"name":"t","window_days":30,"rules":{"min_followers":3000}}}'
get "impact no origin" "$URL/api/policies/impact" "${jar[@]}" -X POST \
    -H 'Content-Type: application/json' -d "$impact"
expect_status "cookie POST without Origin" 403
get "impact evil origin" "$URL/api/policies/impact" "${jar[@]}" -X POST \
    -H 'Content-Type: application/json' -H "Origin: http://evil.example" -d "$impact"
expect_status "cookie POST from another site" 403
get "impact own origin" "$URL/api/policies/impact" "${jar[@]}" -X POST \
    -H 'Content-Type: application/json' -H "Origin: http://$host" -d "$impact"
expect_status "cookie POST from our own page" 200
expect_grep "impact: the simulate shape" "$T/body" '"baseline"'
get "logout evil" "$URL/logout" "${jar[@]}" -X POST -H "Origin: http://evil.example"
expect_status "logout from another site" 403
get "still signed in" "$URL/discover" "${jar[@]}"
expect_status "still signed in after the refused logout" 200

# ---- in the browser --------------------------------------------------------------------------
PD_OPS_PASSWORD=$ops_pw PD_BRAND_PASSWORD=$brand_pw PD_CREATOR_NAME=maker \
    PD_CREATOR_PASSWORD=$creator_pw browser_test pages.mjs "$URL" "$shots" login discover profile

# ---- POST /api/logout signed in by cookie ends that session ---------------------------
get "login for the API logout" "$URL/login" -X POST -c "$T/cookies2" --data-urlencode name=ops \
    --data-urlencode "password=$ops_pw"
expect_status "second session" 303
get "api logout by cookie" "$URL/api/logout" -b "$T/cookies2" -X POST -H "Origin: http://$host"
expect_status "POST /api/logout with the cookie" 200
expect_grep "api logout: signed out" "$T/body" '"signed_out":true'
get "after the api logout" "$URL/discover" -b "$T/cookies2"
expect_status "the cookie of the ended session no longer works" 303
get "first session still on" "$URL/discover" "${jar[@]}"
expect_status "the other session is still signed in" 200

# ---- logout, then the rate limit (last: it blocks the name for a while) ------------------
get "logout" "$URL/logout" "${jar[@]}" -X POST -H "Origin: http://$host" -D "$T/headers"
expect_status "logout" 303
expect_grep "logout: cookie cleared" "$T/headers" "Set-Cookie: pd_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
get "after logout" "$URL/discover" "${jar[@]}"
expect_status "the old cookie no longer works" 303
for _ in 1 2 3 4 5; do
    login_form nobody 'guess' /discover
done
login_form nobody 'guess' /discover
expect_status "sixth failure in a row" 429
expect_grep "429: the message says wait" "$T/body" "try again"

stop_server_clean "$T/server.log"
pd_test_finish
