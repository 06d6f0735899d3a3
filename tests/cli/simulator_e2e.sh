#!/usr/bin/env bash
# simulator_e2e.sh - the policy simulator on the demo platform: a real
# `partnerd serve --demo` (17,000 creators of the red-2019 preset, its named
# MCNs and 60 days of follower counts, red-2019-v2 in force from today).
#
# First with curl and sqlite3: the demo looks like a platform (MCNs with
# names, a follower history of 61 counts per creator, engagement per view
# near the published 5.1% average), and POST /api/policies/impact breaks
# the impact down by MCN with the store's names (top_mcns). Then in a real
# browser: tests/browser/simulator.mjs (playwright-core driving Debian's
# chromium) moves the sliders and times each input event to the updated
# counts and chart, proves that slow answers never apply out of order,
# draws the sweep curve, saves and schedules a draft, and checks 390 px.
# Screenshots go to $PD_TEST_TMP/simulator_e2e-screenshots (printed).
# Without chromium or playwright-core the test fails.
. "$(dirname "$0")/lib.sh"
pd_test_init simulator_e2e "$@"
. "$(dirname "$0")/lib_http.sh"
. "$(dirname "$0")/lib_browser.sh"

shots=${PD_SCREENSHOTS:-$(dirname "$T")/simulator_e2e-screenshots}
browser_ready

# ---- the demo server ---------------------------------------------------------------
# Making the demo (generate, import, follower history, policies, four
# password hashes) takes 10 to 60 s on a busy machine.
db=$T/demo.db
START_SECONDS=360 start_server "$T/server.log" --demo --db "$db" || pd_test_finish
pass
password_of() { awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$db.logins"; }
ops_pw=$(password_of operator)
brand_pw=$(password_of brand)
creator_pw=$(password_of creator)
[ -n "$ops_pw" ] && [ -n "$brand_pw" ] && [ -n "$creator_pw" ] && pass ||
    fail "no demo logins in $db.logins"

# ---- the demo looks like a platform ----------------------------------------------------
q() { sqlite3 "$db" "$1"; }
[ "$(q 'SELECT count(*) FROM creators')" = 17000 ] && pass || fail "the demo has not 17,000 creators"
[ "$(q 'SELECT count(*) FROM mcns')" = 85 ] && pass || fail "the demo has not 85 MCNs (17,000 / 200)"
unnamed=$(q "SELECT count(*) FROM mcns WHERE name LIKE 'MCN %'")
[ "$unnamed" = 0 ] && pass || fail "$unnamed MCNs are still called 'MCN <id>'"
hist=$(q 'SELECT min(n) || " " || max(n) FROM (SELECT count(*) AS n FROM follower_history GROUP BY creator_id)')
[ "$hist" = "61 61" ] && pass || fail "follower counts per creator: min max $hist, expected 61 61"
# Engagement per view (likes + comments + collects over views, in 1/10000):
# the creators' mean near the 5.10% of the benchmark gen.c cites, no
# creator past 25%.
read -r eng_mean eng_max < <(q "SELECT CAST(avg(engagement_bp) AS INTEGER), max(engagement_bp) FROM creators WHERE win_views > 0" | tr '|' ' ')
if [ "${eng_mean:-0}" -ge 440 ] && [ "$eng_mean" -le 580 ] && [ "${eng_max:-9999}" -lt 2500 ]; then pass; else
    fail "engagement per view: mean ${eng_mean:-?} bp, max ${eng_max:-?} bp; expected a mean of 4.4-5.8% and none past 25%"
fi

token=$(curl -s "$URL/api/login" -H 'Content-Type: application/json' \
    -d "{\"name\":\"operator\",\"password\":\"$ops_pw\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')
get "followers of creator 1" "$URL/api/creators/1/followers" "${auth[@]}"
expect_status "GET /api/creators/1/followers" 200
if python3 - "$T/body" "$(q 'SELECT followers FROM creators WHERE id = 1')" <<'PY'; then pass; else fail "creator 1's follower history: $(head -c 300 "$T/body")"; fi
import json, sys
from datetime import datetime
items = json.load(open(sys.argv[1]))["items"]
assert len(items) == 61, len(items)
t = [datetime.fromisoformat(i["at"].replace("Z", "+00:00")) for i in items]
assert 59.9 <= (t[-1] - t[0]).total_seconds() / 86400 <= 60.1, (t[0], t[-1])
assert items[-1]["followers"] == int(sys.argv[2]), items[-1]
assert len({i["followers"] for i in items}) > 10, "a flat line"
PY

# ---- the impact API: the breakdown by MCN, named -----------------------------------------
cand='{"name":"draft","window_days":30,"rules":{"min_followers":3000,"min_avg_views":8000}}'
get "impact top 3" "$URL/api/policies/impact" "${auth[@]}" -X POST \
    -d "{\"baseline\":\"current\",\"candidate\":$cand,\"top_mcns\":3}"
expect_status "impact with top_mcns 3" 200
if python3 - "$T/body" "$db" <<'PY'; then pass; else fail "breakdowns.mcns: $(head -c 600 "$T/body")"; fi
import json, sqlite3, sys
r = json.load(open(sys.argv[1]))
g = r["breakdowns"]["mcns"]
assert [x["kind"] for x in g] == ["mcn", "mcn", "mcn", "others", "independent"], g
db = sqlite3.connect(sys.argv[2])
names = dict(db.execute("SELECT id, name FROM mcns"))
sizes = dict(db.execute("SELECT mcn_id, count(*) FROM creators WHERE mcn_id IS NOT NULL GROUP BY mcn_id"))
top = sorted(sizes, key=lambda m: (-sizes[m], m))[:3]
assert [x["mcn_id"] for x in g[:3]] == top, ([x["mcn_id"] for x in g[:3]], top)
for x in g[:3]:
    assert x["group"] == names[x["mcn_id"]] and x["creators"] == sizes[x["mcn_id"]], x
    assert x["mcns"] == 1
assert g[3]["mcns"] == len(sizes) - 3 and g[3]["mcn_id"] is None, g[3]
assert g[3]["group"] == f"{len(sizes) - 3} other MCNs", g[3]
assert g[4]["group"] == "independent" and g[4]["mcns"] == 0
assert sum(x["creators"] for x in g) == r["creators"] == 17000
for p in range(2):
    assert sum(x["policies"][p]["certified"] for x in g) == r["policies"][p]["certified"]
assert sum(x["policies"][1]["lost"] for x in g) == r["policies"][1]["lost"]
PY
get "impact default top" "$URL/api/policies/impact" "${auth[@]}" -X POST \
    -d "{\"baseline\":\"current\",\"candidate\":$cand}"
expect_status "impact without top_mcns" 200
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["breakdowns"]["mcns"]))' "$T/body")
[ "$n" = 12 ] && pass || fail "impact: $n groups by MCN by default, expected 10 + others + independent"
for bad in 0 101 '"ten"'; do
    get "impact top $bad" "$URL/api/policies/impact" "${auth[@]}" -X POST \
        -d "{\"baseline\":\"current\",\"candidate\":$cand,\"top_mcns\":$bad}"
    expect_status "impact with top_mcns $bad" 400 && expect_json_error "top_mcns $bad" invalid_input &&
        expect_grep "top_mcns $bad: named" "$T/body" "top_mcns"
done

# ---- in the browser ----------------------------------------------------------------------
PD_OPS_PASSWORD=$ops_pw PD_BRAND_PASSWORD=$brand_pw PD_CREATOR_PASSWORD=$creator_pw \
    browser_test simulator.mjs "$URL" "$shots" simulator simulator-confirm simulator-390

stop_server_clean "$T/server.log"
pd_test_finish
