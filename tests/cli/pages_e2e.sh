#!/usr/bin/env bash
# pages_e2e.sh - the web pages against a real `partnerd serve`: a generated
# population (2,000 creators) imported, red-2019-v1 in force on 2019-05-30
# and red-2019-v2 from 2019-05-31 (so that creators lose certification and
# their history says so), red-2019-v3 (v2 with 8,000 followers) scheduled
# from 2019-06-04, an operator, a brand, a creator and an MCN manager user,
# the server's clock on 2019-05-31. MCN 900 (星光传媒) hosts four creators
# made for its roster: 9001 certified but losing a sponsored post on
# 2019-06-02, 9004 certified but short of v3's followers, 9003 not
# certified, 9002 certified all week.
#
# First with curl: redirects to the sign-in page and to each role's home
# page, the session cookie, the CSRF rule for cookie requests (Origin),
# static files and their cache header, open redirects refused, HTML escaping
# of stored text, the MCN roster's JSON (order, standings, days, rules,
# paging, bad input). Then in a real browser: tests/browser/pages.mjs
# (playwright-core driving Debian's chromium), which also checks every page
# at 1280 and 390 px wide, and whose screenshots go to
# $PD_TEST_TMP/pages_e2e-screenshots (printed). Without chromium or
# playwright-core the test fails.
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
# MCN 900 and its roster's four creators (see the top). Posts: 16 organic
# and 4 sponsored of 20,000 views each; 9001's first sponsored one is from
# 2019-05-03, so it leaves the 30-day window on 2019-06-02.
run mcn add --db "$db" --name '星光传媒' --id 900
expect_rc "mcn add 900" 0
python3 - "$T/roster_creators.csv" "$T/roster_posts.csv" <<'PY' || fail "writing the roster's CSV files"
import sys
creators = [(9001, "小红书达人", 20000), (9002, "美食家_阿明", 20000), (9003, "旅行日记", 3000),
            (9004, "科技小白", 6000)]
with open(sys.argv[1], "w") as f:
    f.write("creator_id,handle,category,followers,mcn_id\n")
    for cid, handle, followers in creators:
        f.write("%d,%s,beauty,%d,900\n" % (cid, handle, followers))
pid = 90000000
with open(sys.argv[2], "w") as f:
    f.write("post_id,creator_id,published_at,kind,views,likes,comments,collects\n")
    for cid, _, _ in creators:
        sponsored = [3, 25, 26, 27] if cid == 9001 else [26, 27, 28, 29]
        for day in sponsored:
            pid += 1
            f.write("%d,%d,2019-05-%02dT10:00:00Z,sponsored,20000,500,20,10\n" % (pid, cid, day))
        for k in range(16):
            pid += 1
            f.write("%d,%d,2019-05-%02dT12:00:00Z,organic,20000,500,20,10\n" % (pid, cid, 12 + k // 2))
PY
run import --db "$db" --creators "$T/roster_creators.csv" --posts "$T/roster_posts.csv"
expect_rc "import the roster's creators" 0
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
mgr_pw='manager password, long enough'
add_user starmgr "$mgr_pw" --role mcn --mcn 900

run policy add --db "$db" red-2019-v1 && expect_rc "policy add v1" 0
run policy add --db "$db" red-2019-v2 && expect_rc "policy add v2" 0
run policy activate --db "$db" 1 --from 2019-05-30 && expect_rc "activate v1" 0
run policy status --db "$db" --today 2019-05-30 && expect_rc "advance to 2019-05-30" 0
run policy activate --db "$db" 2 --from 2019-05-31 && expect_rc "activate v2" 0
run policy status --db "$db" --today 2019-05-31 && expect_rc "advance to 2019-05-31" 0
expect_grep "red-2019-v2 in force" "$T/stdout" "red-2019-v2"
# v3: v2 with 8,000 followers, from 2019-06-04 (pending while the clock says 05-31)
"$PD" policy show red-2019-v2 | python3 -c '
import json, sys
p = json.load(sys.stdin)
p["name"] = "red-2019-v3"
p["description"] = "v2 with 8000 followers"
p["rules"]["min_followers"] = 8000
json.dump(p, open(sys.argv[1], "w"))' "$T/v3.json" || fail "writing red-2019-v3"
run policy add --db "$db" "$T/v3.json" && expect_rc "policy add v3" 0
run policy activate --db "$db" 3 --from 2019-06-04 && expect_rc "schedule v3" 0

start_server "$T/server.log" --db "$db" --clock 2019-05-31T12:00:00Z || pd_test_finish
host=${URL#http://}

# ---- without a session ------------------------------------------------------------
get "root" "$URL/" -D "$T/headers"
expect_status "GET /" 303 && expect_grep "/ without a session: sign in" "$T/headers" "Location: /login?next=/"
for p in /discover /creators/1 /simulator /mcns/900; do
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
cmp -s "$T/body" "$here/../../src/pages/assets/app.css" && pass || fail "app.css differs from the file"
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
expect_grep "login: no open redirect (the operator's home)" "$T/headers" "Location: /simulator"
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

# ---- each role's home: after signing in without next=, and at / --------------------------
home_of() { # NAME PASSWORD HOME
    get "login $1 without next" "$URL/login" -X POST -D "$T/headers" -c "$T/cookies_$1" \
        --data-urlencode "name=$1" --data-urlencode "password=$2"
    expect_status "login $1" 303
    expect_grep "$1 lands on $3" "$T/headers" "Location: $3"$'\r'
    get "root as $1" "$URL/" -D "$T/headers" -b "$T/cookies_$1"
    expect_status "GET / as $1" 303
    expect_grep "/ sends $1 to $3" "$T/headers" "Location: $3"$'\r'
    get "home of $1" "$URL$3" -b "$T/cookies_$1"
    expect_status "GET $3 as $1" 200
    expect_grep "the brand link of $1's pages is $3" "$T/body" "class=\"brand\" href=\"$3\""
}
home_of ops "$ops_pw" /simulator
home_of acme "$brand_pw" /discover
home_of maker "$creator_pw" /creators/1
home_of starmgr "$mgr_pw" /mcns/900
get "login maker with next" "$URL/login" -X POST -D "$T/headers" --data-urlencode name=maker \
    --data-urlencode "password=$creator_pw" --data-urlencode next=/discover
expect_grep "next= still wins" "$T/headers" "Location: /discover"$'\r'

# ---- the MCN roster: JSON for API users ----------------------------------------------------
mgr_token=$(curl -s "$URL/api/login" -H 'Content-Type: application/json' \
    -d "{\"name\":\"starmgr\",\"password\":\"$mgr_pw\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
mgr=(-H "Authorization: Bearer $mgr_token")
roster_check() { # NAME EXPR: EXPR (Python, over d = the JSON body) is true
    if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
        "$T/body" "$2" 2>"$T/check.err"; then
        pass
    else
        fail "$1: not ($2): $(head -c 600 "$T/body") $(tail -n 1 "$T/check.err")"
    fi
}
get "roster" "$URL/api/mcns/900/creators" "${mgr[@]}"
expect_status "GET /api/mcns/900/creators as its manager" 200
roster_check "roster: the MCN" "d['mcn'] == {'id': 900, 'name': '星光传媒'} and d['today'] == '2019-05-31'"
roster_check "roster: the policy in force and the one scheduled" \
    "d['policy']['name'] == 'red-2019-v2' and d['horizon_days'] == 7 and [(s['from'], s['policy']['name']) for s in d['scheduled']] == [('2019-06-04', 'red-2019-v3')]"
roster_check "roster: counts" "d['counts'] == {'creators': 4, 'certified': 3, 'at_risk': 2, 'not_certified': 1}"
roster_check "roster: at risk first, soonest day first, then not certified, then certified" \
    "[(c['id'], c['standing']) for c in d['creators']] == [(9001, 'at_risk'), (9004, 'at_risk'), (9003, 'not_certified'), (9002, 'certified')] and d['next'] is None"
roster_check "roster: 9001 fails on 2019-06-02 when a sponsored post leaves" \
    "(lambda k: k['day'] == '2019-06-02' and k['cause'] == 'posts_leave' and k['posts_leaving'] == 1 and k['window'] == {'posts': 19, 'sponsored': 3, 'views': 380000} and k['policy']['name'] == 'red-2019-v2' and [(f['rule'], f['value'], f['threshold'], f['shortfall'], f['change']) for f in k['failed']] == [('min_sponsored', 3, 4, 1, 'Publish 1 more sponsored post by 2019-06-02.')])(d['creators'][0]['risk'])"
roster_check "roster: 9004 fails on 2019-06-04 when red-2019-v3 starts" \
    "(lambda k: k['day'] == '2019-06-04' and k['cause'] == 'policy' and k['policy']['name'] == 'red-2019-v3' and [(f['rule'], f['value'], f['threshold'], f['shortfall'], f['change']) for f in k['failed']] == [('min_followers', 6000, 8000, 2000, 'Gain 2,000 more followers by 2019-06-04.')])(d['creators'][1]['risk'])"
roster_check "roster: 9003 is not certified, with what to change" \
    "(lambda c: c['certified'] is False and c['risk'] is None and c['handle'] == '旅行日记' and [(f['rule'], f['value'], f['threshold'], f['shortfall'], f['change']) for f in c['failed']] == [('min_followers', 3000, 5000, 2000, 'Gain 2,000 more followers.')])(d['creators'][2])"
roster_check "roster: 9002 is certified, nothing failed, no risk" \
    "(lambda c: c['certified'] is True and c['failed'] == [] and c['risk'] is None and c['avg_views'] == 20000 and c['window_posts'] == 20)(d['creators'][3])"
get "roster at risk" "$URL/api/mcns/900/creators?standing=at_risk" "${mgr[@]}"
roster_check "roster: standing=at_risk" "[c['id'] for c in d['creators']] == [9001, 9004] and d['counts']['creators'] == 4"
get "roster certified" "$URL/api/mcns/900/creators?standing=certified" "${mgr[@]}"
roster_check "roster: standing=certified" "[c['id'] for c in d['creators']] == [9002]"
ids=()
after=
for _ in 1 2 3 4 5; do
    get "roster page" "$URL/api/mcns/900/creators?limit=1${after:+&after=$after}" "${mgr[@]}"
    ids+=("$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["creators"][0]["id"])' "$T/body")")
    after=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next"] or "")' "$T/body")
    [ -n "$after" ] || break
done
[ "${ids[*]}" = "9001 9004 9003 9002" ] && pass || fail "roster pages of one: ${ids[*]}"
get "roster at risk, pages of one" "$URL/api/mcns/900/creators?standing=at_risk&limit=1" "${mgr[@]}"
roster_check "roster: a filtered page's next" "[c['id'] for c in d['creators']] == [9001] and d['next']"
next=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next"])' "$T/body")
get "roster at risk, page 2" "$URL/api/mcns/900/creators?standing=at_risk&limit=1&after=$next" "${mgr[@]}"
roster_check "roster: the filtered second page is the last" "[c['id'] for c in d['creators']] == [9004] and d['next'] is None"
for bad in "standing=maybe" "limit=0" "limit=501" "limit=x" "after=oops" "after=9.0.1"; do
    get "roster $bad" "$URL/api/mcns/900/creators?$bad" "${mgr[@]}"
    expect_status "GET /api/mcns/900/creators?$bad" 400
    expect_grep "roster $bad: the parameter named" "$T/body" "\"invalid_input\""
done
get "roster of another MCN" "$URL/api/mcns/1/creators" "${mgr[@]}"
expect_status "a manager reads only their own MCN's roster" 403
get "roster unknown MCN" "$URL/api/mcns/99999/creators" -b "$T/cookies_ops"
expect_status "an operator asking for an unknown MCN" 404
expect_grep "roster 404 message" "$T/body" "There is no MCN 99999."
get "roster page" "$URL/mcns/900" -b "$T/cookies_starmgr"
expect_status "GET /mcns/900 as its manager" 200
expect_grep "roster page: the MCN's name" "$T/body" "<h1>星光传媒"
expect_grep "roster page: separators and plurals" "$T/body" "Gain 2,000 more followers by 2019-06-04."
get "roster page of another MCN" "$URL/mcns/1" -b "$T/cookies_starmgr"
expect_status "GET /mcns/1 as MCN 900's manager" 403
expect_grep "roster 403 is a page" "$T/body" "Only the managers of MCN 1 and operators"
get "roster page unknown" "$URL/mcns/99999" -b "$T/cookies_ops"
expect_status "GET /mcns/99999 as an operator" 404
get "roster page as a brand" "$URL/mcns/900" -b "$T/cookies_acme"
expect_status "GET /mcns/900 as brand staff" 403

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
    PD_CREATOR_PASSWORD=$creator_pw PD_MCN_NAME=starmgr PD_MCN_PASSWORD=$mgr_pw \
    browser_test pages.mjs "$URL" "$shots" login login-390 discover discover-390 profile \
    profile-390 simulator simulator-390 roster roster-390

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
grep -Eiq '^Retry-After: [1-9][0-9]*' "$T/headers" && pass ||
    fail "429 page: no Retry-After header: $(cat "$T/headers")"

stop_server_clean "$T/server.log"
pd_test_finish
