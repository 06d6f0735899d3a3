#!/usr/bin/env bash
# creators_e2e.sh - the creators and posts routes against a real `partnerd
# serve`: discovery (filters, sorts, paging, bad parameters), creating and
# changing creators (who may change what), certification and follower
# history (who may see them), publishing posts (the verdict follows), the
# metrics feed, CSV imports (all or nothing), and bad requests of every
# kind answered with a JSON error and nothing changed.
. "$(dirname "$0")/lib.sh"
pd_test_init creators_e2e "$@"
. "$(dirname "$0")/lib_http.sh"
. "$(dirname "$0")/lib_platform.sh"

platform_setup "$T/creators.db"
start_server "$T/server.log" --db "$DB" --max-body 65536 || pd_test_finish
for u in ops brandy cre1 cre2 cre3 mgr7 mgr8; do login "$u"; done
today=$(date -u +%F)

# ---- a policy in force, so that verdicts mean something ------------------------------
as ops "policy add" POST /api/policies \
    '{"name": "e2e-v1", "window_days": 30, "rules": {"min_followers": 1000, "min_posts": 2, "min_avg_views": 200}}'
expect "policy add" 201
policy_id=$(jget "d['id']")
as ops "policy activate" POST "/api/policies/$policy_id/activate" "{\"from\": \"$today\"}"
case "$status" in 200 | 201) pass ;; *) fail "policy activate: $status $(cat "$T/body")" ;; esac

# ---- GET /api/creators/{id} -------------------------------------------------------------
as brandy "profile" GET /api/creators/5
expect "profile" 200
jcheck "profile fields" "d['id'] == 5 and d['handle'] == 'eve, the great' and d['category'] == 'fashion' and d['followers'] == 20000 and d['mcn_id'] is None"
jcheck "profile certification (public part)" "set(d['certification']) == {'certified','policy_id','followers','window_posts','avg_views','engagement_rate'} and d['certification']['certified'] is False and d['certification']['policy_id'] == $policy_id"
as brandy "profile unknown" GET /api/creators/999
expect "profile of an unknown creator" 404 not_found
api "profile without a token" GET /api/creators/5
expect "profile without a token" 401 unauthorized
as brandy "profile bad id" GET /api/creators/abc
expect "profile with a non-numeric id" 400

# ---- POST /api/creators --------------------------------------------------------------------
as ops "create" POST /api/creators '{"id": 10, "handle": "gina", "category": "travel", "bio": "slow travel and trains", "followers": 1500, "mcn_id": 8}'
expect "create" 201
jcheck "create answer" "d['id'] == 10 and d['bio'] == 'slow travel and trains' and d['mcn_id'] == 8"
as ops "create again" POST /api/creators '{"id": 10, "handle": "gina2", "category": "travel", "followers": 1}'
expect "create an existing id" 409 conflict
as brandy "read back" GET /api/creators/10
jcheck "409 changed nothing" "d['handle'] == 'gina'"
as cre1 "create as creator" POST /api/creators '{"id": 11, "handle": "x", "category": "y", "followers": 1}'
expect "create as a creator" 403 forbidden
as brandy "create as brand" POST /api/creators '{"id": 11, "handle": "x", "category": "y", "followers": 1}'
expect "create as a brand" 403 forbidden
as ops "create: unknown field" POST /api/creators '{"id": 11, "handle": "x", "category": "y", "followers": 1, "followerz": 2}'
expect "create with an unknown field" 400 invalid_input && expect_grep "unknown field named" "$T/body" followerz
as ops "create: wrong type" POST /api/creators '{"id": 11, "handle": "x", "category": "y", "followers": "many"}'
expect "create with followers a string" 400 invalid_input && expect_grep "wrong type named" "$T/body" followers
as ops "create: decimal" POST /api/creators '{"id": 11, "handle": "x", "category": "y", "followers": 10.0}'
expect "create with followers 10.0" 400 invalid_input
as ops "create: missing" POST /api/creators '{"id": 11, "category": "y", "followers": 1}'
expect "create without handle" 400 invalid_input && expect_grep "missing named" "$T/body" handle
as ops "create: broken JSON" POST /api/creators '{"id": 11, "handle": '
expect "create with broken JSON" 400 invalid_input
as ops "create: array" POST /api/creators '[1, 2]'
expect "create with an array" 400 invalid_input
as ops "create: unknown MCN" POST /api/creators '{"id": 11, "handle": "x", "category": "y", "followers": 1, "mcn_id": 99}'
expect "create with an unknown MCN" 400 invalid_input
as ops "create: long handle" POST /api/creators "{\"id\": 11, \"handle\": \"$(printf 'h%.0s' $(seq 1 200))\", \"category\": \"y\", \"followers\": 1}"
expect "create with a 200-byte handle" 400 invalid_input
as ops "create: negative" POST /api/creators '{"id": 11, "handle": "x", "category": "y", "followers": -1}'
expect "create with negative followers" 400 invalid_input
as ops "create: id 0" POST /api/creators '{"id": 0, "handle": "x", "category": "y", "followers": 1}'
expect "create with id 0" 400 invalid_input
as brandy "creator 11 absent" GET /api/creators/11
expect "no failed create stored creator 11" 404
python3 -c 'import sys; sys.stdout.write("{\"id\": 11, \"handle\": \"x\", \"category\": \"y\", \"followers\": 1, \"bio\": \"" + "b" * 70000 + "\"}")' >"$T/big.json"
get "create: oversize" "$URL/api/creators" -X POST -H "Authorization: Bearer $TOKEN_ops" \
    -H 'Content-Type: application/json' --data-binary @"$T/big.json"
expect "create with a body over --max-body" 413 too_large
as brandy "creator 11 still absent" GET /api/creators/11
expect "oversize body stored nothing" 404

# ---- PATCH /api/creators/{id} ---------------------------------------------------------------
as cre1 "patch own" PATCH /api/creators/1 '{"handle": "alice_b", "bio": "lipstick science"}'
expect "creator changes own handle and bio" 200
jcheck "patch answer" "d['handle'] == 'alice_b' and d['bio'] == 'lipstick science' and d['category'] == 'beauty' and d['followers'] == 12000"
as cre1 "patch followers" PATCH /api/creators/1 '{"followers": 99999999}'
expect "creator sets own followers" 403 forbidden && expect_grep "names followers" "$T/body" followers
as cre1 "patch mcn" PATCH /api/creators/1 '{"mcn_id": null, "bio": "x"}'
expect "creator leaves MCN" 403 forbidden && expect_grep "names mcn_id" "$T/body" mcn_id
as brandy "read back 1" GET /api/creators/1
jcheck "refused patches changed nothing" "d['followers'] == 12000 and d['mcn_id'] == 7 and d['bio'] == 'lipstick science'"
as cre1 "patch other" PATCH /api/creators/2 '{"bio": "hacked"}'
expect "creator changes another creator" 403 forbidden
as mgr7 "patch as mcn" PATCH /api/creators/1 '{"bio": "hacked"}'
expect "MCN manager changes a creator (owner routes are the creator's)" 403 forbidden
as brandy "patch as brand" PATCH /api/creators/1 '{"bio": "hacked"}'
expect "brand changes a creator" 403 forbidden
as cre1 "patch unknown field" PATCH /api/creators/1 '{"nickname": "al"}'
expect "patch with an unknown field" 400 invalid_input && expect_grep "names nickname" "$T/body" nickname
as cre1 "patch empty" PATCH /api/creators/1 '{}'
expect "patch with nothing" 400 invalid_input
as cre1 "patch type" PATCH /api/creators/1 '{"handle": 5}'
expect "patch handle a number" 400 invalid_input
as ops "patch followers as ops" PATCH /api/creators/2 '{"followers": 3500, "mcn_id": null}'
expect "operator sets followers and MCN" 200
jcheck "operator patch" "d['followers'] == 3500 and d['mcn_id'] is None"
as ops "patch back" PATCH /api/creators/2 '{"mcn_id": 7}'
expect "operator puts creator 2 back in MCN 7" 200
as ops "patch unknown" PATCH /api/creators/999 '{"bio": "x"}'
expect "operator patches an unknown creator" 404 not_found
as cre1 "patch unknown as creator" PATCH /api/creators/999 '{"bio": "x"}'
expect "creator patches an unknown creator: 403, existence not told" 403 forbidden
as brandy "read back 1 again" GET /api/creators/1
jcheck "others' refused patches changed nothing" "d['bio'] == 'lipstick science'"

# ---- followers (private) -------------------------------------------------------------------------
as cre1 "followers own" GET /api/creators/1/followers
expect "creator reads own follower history" 200
jcheck "follower history" "d['creator_id'] == 1 and [i['followers'] for i in d['items']] == [12000]"
as ops "followers of 2" GET /api/creators/2/followers
jcheck "operator sees 2's history with the change" "[i['followers'] for i in d['items']] == [3000, 3500]"
as cre2 "followers other" GET /api/creators/1/followers
expect "creator reads another's followers" 403 forbidden
as mgr7 "followers mcn" GET /api/creators/1/followers
expect "MCN 7 manager reads creator 1" 200
as mgr8 "followers other mcn" GET /api/creators/1/followers
expect "MCN 8 manager reads creator 1 (MCN 7)" 403 forbidden
as mgr7 "followers indep" GET /api/creators/3/followers
expect "MCN manager reads an independent creator" 403 forbidden
as brandy "followers brand" GET /api/creators/1/followers
expect "brand reads follower history" 403 forbidden
as mgr7 "followers unknown" GET /api/creators/999/followers
expect "MCN manager, unknown creator: 403" 403 forbidden
as ops "followers unknown ops" GET /api/creators/999/followers
expect "operator, unknown creator: 404" 404 not_found

# ---- certification (private) and publishing ----------------------------------------------------------
as cre1 "certification before" GET /api/creators/1/certification
expect "creator reads own certification" 200
jcheck "not certified without posts" "d['certified'] is False and d['policy']['id'] == $policy_id and d['policy']['name'] == 'e2e-v1'"
jcheck "failed rules explained" "sorted(f['rule'] for f in d['failed']) == ['min_avg_views', 'min_posts'] and all(f['explanation'] for f in d['failed'])"
jcheck "min_posts value and threshold" "[ (f['value'], f['threshold']) for f in d['failed'] if f['rule'] == 'min_posts'] == [(0, 2)]"
jcheck "window stats" "d['window']['posts'] == 0 and d['followers'] == 12000"
as cre2 "certification other" GET /api/creators/1/certification
expect "creator reads another's certification" 403 forbidden
as mgr8 "certification other mcn" GET /api/creators/1/certification
expect "other MCN reads certification" 403 forbidden
as mgr7 "certification mcn" GET /api/creators/2/certification
expect "MCN 7 reads creator 2's certification" 200
as brandy "certification brand" GET /api/creators/1/certification
expect "brand reads certification" 403 forbidden
as cre1 "certification bad limit" GET '/api/creators/1/certification?limit=0'
expect "history limit 0" 400 invalid_input
as cre1 "certification unknown param" GET '/api/creators/1/certification?befor=3'
expect "history unknown parameter" 400 invalid_input && expect_grep "names befor" "$T/body" befor

# Publishing: the creator gives the kind; the server the id (above the
# feed's range), the time (its clock) and the counters (0, until the feed).
before=$(date -u +%s)
get "publish 1" "$URL/api/creators/1/posts" -X POST -H "Authorization: Bearer $TOKEN_cre1" \
    -H 'Content-Type: application/json' -d '{"kind": "organic"}' -D "$T/headers"
after=$(date -u +%s)
expect "publish first post" 201
post1=$(jget "d['post']['id']")
jcheck "post answer: the server's id, zero counters" "d['post']['id'] >= 9000000000000001 and d['post']['kind'] == 'organic' and d['post']['creator_id'] == 1 and (d['post']['views'], d['post']['likes'], d['post']['comments'], d['post']['collects']) == (0, 0, 0, 0)"
at=$(date -u -d "$(jget "d['post']['published_at']")" +%s)
[ "$at" -ge "$before" ] && [ "$at" -le "$after" ] && pass || fail "published_at $at is not the server's clock ($before..$after)"
expect_grep "Location of the new post" "$T/headers" "Location: /api/posts/$post1"
jcheck "verdict after one post without views" "d['certification']['certified'] is False and sorted(f['rule'] for f in d['certification']['failed']) == ['min_avg_views', 'min_posts'] and d['certification']['window']['posts'] == 1"
as ops "feed post 1" PUT "/api/posts/$post1/metrics" '{"views": 500, "likes": 20, "comments": 5, "collects": 5}'
expect "the feed sets post 1's counters" 200
as cre1 "verdict after the feed" GET /api/creators/1/certification
jcheck "verdict after the feed" "d['certified'] is False and [f['rule'] for f in d['failed']] == ['min_posts']"
as cre1 "publish 2" POST /api/creators/1/posts '{"kind": "sponsored"}'
expect "publish second post" 201
post2=$(jget "d['post']['id']")
[ "$post2" = $((post1 + 1)) ] && pass || fail "the second published id is $post2, after $post1"
jcheck "certified after the second post" "d['certification']['certified'] is True and d['certification']['failed'] == [] and d['certification']['window']['posts'] == 2 and d['certification']['window']['sponsored'] == 1"
as ops "feed post 2" PUT "/api/posts/$post2/metrics" '{"views": 300, "likes": 0, "comments": 0, "collects": 0}'
expect "the feed sets post 2's counters" 200
as brandy "profile certified" GET /api/creators/1
jcheck "public profile shows certified" "d['certification']['certified'] is True and d['certification']['window_posts'] == 2 and d['certification']['avg_views'] == 400"
as cre1 "history" GET /api/creators/1/certification
jcheck "history records the gain" "d['history'][0]['certified'] is True and d['history'][0]['cause'] == 'post'"
as cre1 "history paged" GET '/api/creators/1/certification?limit=1'
hist_n=$(jget "len(d['history'])")
[ "$hist_n" = 1 ] && pass || fail "history limit=1 gave $hist_n rows"

# The finding: a creator set their own counters (one post with 100,000
# views certified them) and their post's time (0001-01-01 was taken). Each
# such field is refused by name, saying who sets it.
as cre3 "views 100000" POST /api/creators/3/posts '{"kind": "organic", "views": 100000}'
expect "a creator sends views" 403 forbidden &&
    jcheck "views: refused by name, the feed named" "d['error']['message'].startswith('views: counters come from the platform') and 'PUT /api/posts/{id}/metrics' in d['error']['message']"
for f in '"likes": 5' '"comments": 5' '"collects": 5' '"published_at": "0001-01-01T00:00:00Z"' \
    '"published_at": "2026-01-01T00:00:00Z"' '"id": 102'; do
    name=${f%%\":*}
    name=${name#\"}
    as cre1 "publish with $name" POST /api/creators/1/posts "{\"kind\": \"organic\", $f}"
    expect "a creator sends $f" 403 forbidden && expect_grep "$f: named" "$T/body" "\"message\":\"$name: "
done
as ops "operator sends views" POST /api/creators/1/posts '{"kind": "organic", "views": 10}'
expect "an operator sends views to the publish route" 400 invalid_input && expect_grep "operator: views named" "$T/body" '"message":"views: '
as ops "operator sends published_at" POST /api/creators/1/posts '{"kind": "organic", "published_at": "2019-05-14T08:30:00Z"}'
expect "an operator sends published_at" 400 invalid_input && expect_grep "operator: import named" "$T/body" "POST /api/import/posts"
as cre1 "publish bad kind" POST /api/creators/1/posts '{"kind": "paid"}'
expect "publish with a bad kind" 400 invalid_input && expect_grep "names kind" "$T/body" kind
as cre1 "publish no kind" POST /api/creators/1/posts '{}'
expect "publish without kind" 400 invalid_input
as cre1 "publish unknown field" POST /api/creators/1/posts '{"kind": "organic", "link": "http://x"}'
expect "publish with an unknown field" 400 invalid_input
as cre2 "publish as other" POST /api/creators/1/posts '{"kind": "organic"}'
expect "publish as another creator" 403 forbidden
as mgr7 "publish as mcn" POST /api/creators/1/posts '{"kind": "organic"}'
expect "publish as the MCN" 403 forbidden
as ops "publish unknown creator" POST /api/creators/999/posts '{"kind": "organic"}'
expect "operator publishes for an unknown creator" 404 not_found
as brandy "next post absent" GET "/api/posts/$((post2 + 1))"
expect "no refused publish stored a post" 404 not_found
as cre1 "count after refusals" GET /api/creators/1/certification
jcheck "refused publishes left the window alone" "d['window']['posts'] == 2"
as ops "3 after refusals" GET /api/creators/3/certification
jcheck "the refused 100,000 views left creator 3 alone" "d['window']['posts'] == 0 and d['window']['views'] == 0"

# ---- posts: one, a list, the metrics feed ---------------------------------------------------------------
as brandy "post get" GET "/api/posts/$post2"
expect "get a post" 200
jcheck "post fields" "d['id'] == $post2 and d['kind'] == 'sponsored' and d['views'] == 300 and d['published_at'].endswith('Z')"
as ops "metrics" PUT "/api/posts/$post1/metrics" '{"views": 10, "likes": 1, "comments": 0, "collects": 0}'
expect "metrics feed" 200
jcheck "metrics answer" "d['views'] == 10 and d['likes'] == 1"
as cre1 "avg views after metrics" GET /api/creators/1/certification
jcheck "the verdict follows the metrics" "d['certified'] is False and [f['rule'] for f in d['failed']] == ['min_avg_views'] and d['failed'][0]['value'] == 155 and d['failed'][0]['threshold'] == 200 and 'avg_views 155.00 < 200' in d['failed'][0]['explanation']"
as ops "metrics back" PUT "/api/posts/$post1/metrics" '{"views": 500, "likes": 20, "comments": 5, "collects": 5}'
as ops "metrics missing" PUT "/api/posts/$post1/metrics" '{"views": 10}'
expect "metrics with fields missing" 400 invalid_input && expect_grep "names likes" "$T/body" likes
as ops "metrics unknown post" PUT /api/posts/9999/metrics '{"views": 1, "likes": 1, "comments": 1, "collects": 1}'
expect "metrics of an unknown post" 404 not_found
as cre1 "metrics as creator" PUT "/api/posts/$post1/metrics" '{"views": 999999, "likes": 1, "comments": 1, "collects": 1}'
expect "creator feeds own metrics" 403 forbidden
as brandy "post 1 after refusals" GET "/api/posts/$post1"
jcheck "refused metrics changed nothing" "d['views'] == 500"
# a post's kind is declared once: nothing relabels it
as ops "relabel by metrics" PUT "/api/posts/$post2/metrics" '{"views": 300, "likes": 0, "comments": 0, "collects": 0, "kind": "organic"}'
expect "the metrics feed does not take a kind" 400 invalid_input && expect_grep "names kind" "$T/body" kind
as cre1 "relabel by PATCH" PATCH "/api/posts/$post2" '{"kind": "organic"}'
expect "no route changes a post" 405 method_not_allowed
as brandy "still sponsored" GET "/api/posts/$post2"
jcheck "the post is still sponsored" "d['kind'] == 'sponsored'"

published=""
for i in $(seq 1 25); do
    as cre3 "publish $i" POST /api/creators/3/posts '{"kind": "organic"}'
    [ "$status" = 201 ] || fail "publish $i: $status $(cat "$T/body")"
    id=$(jget "d['post']['id']")
    published="$id $published"
    as ops "feed $i" PUT "/api/posts/$id/metrics" "{\"views\": $((199 + i)), \"likes\": 0, \"comments\": 0, \"collects\": 0}"
    [ "$status" = 200 ] || fail "feed $i: $status $(cat "$T/body")"
done
pass
ids=""
cursor=""
pages=0
while :; do
    q="limit=10"
    [ -n "$cursor" ] && q="$q&after=$cursor"
    as brandy "posts page" GET "/api/creators/3/posts?$q"
    expect_status "posts page $pages" 200 || break
    ids="$ids $(jget "' '.join(str(p['id']) for p in d['items'])")"
    cursor=$(jget "d['next'] or ''")
    pages=$((pages + 1))
    [ -n "$cursor" ] && [ $pages -lt 10 ] || break
done
[ "$(echo $ids)" = "$(echo $published)" ] && pass || fail "posts pages: got '$ids', want '$published' (newest first)"
[ "$pages" = 3 ] && pass || fail "25 posts at 10 a page took $pages pages"
as brandy "posts bad cursor" GET '/api/creators/3/posts?after=abc'
expect "posts with a bad cursor" 400 invalid_input && expect_grep "names after" "$T/body" after
as brandy "posts limit" GET '/api/creators/3/posts?limit=101'
expect "posts limit over 100" 400 invalid_input
as brandy "posts unknown" GET /api/creators/999/posts
expect "posts of an unknown creator" 404 not_found

# ---- discovery -------------------------------------------------------------------------------
ids_of() { jget "[c['id'] for c in d['items']]"; }
as brandy "list" GET /api/creators
expect "discovery" 200
jcheck "default sort: most followers first" "[c['id'] for c in d['items']] == [4, 5, 1, 6, 2, 10, 3] and d['next'] is None"
as brandy "list beauty" GET '/api/creators?category=beauty'
jcheck "category" "[c['id'] for c in d['items']] == [4, 1, 6]"
as brandy "list range" GET '/api/creators?followers_min=3000&followers_max=20000'
jcheck "followers range" "[c['id'] for c in d['items']] == [5, 1, 6, 2]"
as brandy "list mcn" GET '/api/creators?mcn=7'
jcheck "mcn=7" "[c['id'] for c in d['items']] == [1, 2]"
as brandy "list none" GET '/api/creators?mcn=none'
jcheck "mcn=none" "[c['id'] for c in d['items']] == [5, 6, 3]"
as brandy "list micro" GET '/api/creators?micro=true'
jcheck "micro" "[c['id'] for c in d['items']] == [5, 1, 6, 2, 10]"
as brandy "list certified" GET '/api/creators?certified=true'
jcheck "certified=true" "all(c['certification']['certified'] for c in d['items']) and 1 in [c['id'] for c in d['items']]"
as brandy "list text" GET '/api/creators?q=lipstick'
jcheck "text search in bio" "[c['id'] for c in d['items']] == [1]"
as brandy "list text prefix" GET '/api/creators?q=tra'
jcheck "text search, prefix" "[c['id'] for c in d['items']] == [10]"
as brandy "list avg views" GET '/api/creators?avg_views_min=200.5&sort=avg_views'
jcheck "avg_views_min with decimals, sort by avg_views" "[c['id'] for c in d['items']][:2] == [1, 3] and all(c['certification']['avg_views'] >= 200.5 for c in d['items'])"
as brandy "list newest" GET '/api/creators?sort=newest&limit=1'
jcheck "newest: the created one" "[c['id'] for c in d['items']] == [10] and d['next']"
as brandy "list engagement" GET '/api/creators?engagement_min=2.5&sort=engagement'
jcheck "engagement_min in percent" "all(c['certification']['engagement_rate'] >= 2.5 for c in d['items']) and 1 in [c['id'] for c in d['items']]"
all=""
cursor=""
pages=0
while :; do
    q="limit=3"
    [ -n "$cursor" ] && q="$q&after=$cursor"
    as brandy "list page" GET "/api/creators?$q"
    expect_status "list page $pages" 200 || break
    all="$all $(jget "' '.join(str(c['id']) for c in d['items'])")"
    cursor=$(jget "d['next'] or ''")
    pages=$((pages + 1))
    [ -n "$cursor" ] && [ $pages -lt 10 ] || break
done
[ "$(echo $all)" = "4 5 1 6 2 10 3" ] && pass || fail "discovery pages: got '$all'"
for bad in 'followers_min=abc' 'followers_min=-1' 'followers_max=0' 'followers_min=10&followers_max=5' \
    'avg_views_min=1.234' 'engagement_min=x' 'certified=yes' 'micro=1' 'mcn=0' 'mcn=abc' \
    'sort=price' 'limit=0' 'limit=101' 'after=zzz' 'after=a1.1' 'q=' 'q=%21%21' 'colour=red' \
    'limit=5&limit=6' 'category=' ; do
    param=${bad%%=*}
    as brandy "list bad $bad" GET "/api/creators?$bad"
    expect "discovery ?$bad" 400 invalid_input && expect_grep "?$bad names $param" "$T/body" "$param"
done
# A search text with no word (a lone quote): the message says so once, not a
# garble of its own first words (the error used to be formatted over itself).
as brandy "list q=%22" GET '/api/creators?q=%22'
expect "discovery ?q=%22" 400 invalid_input &&
    jcheck "?q=%22: one clear message" "d['error']['message'] == 'query parameter q: text: no word to search for (words are letters and digits)'"
api "list no token" GET /api/creators
expect "discovery without a token" 401 unauthorized

# ---- CSV imports ------------------------------------------------------------------------------
csv() { # NAME PATH FILE [TOKEN]
    get "$1" "$URL$2" -X POST -H "Authorization: Bearer ${4:-$TOKEN_ops}" -H 'Content-Type: text/csv' \
        --data-binary @"$3"
}
printf 'mcn_id,followers,creator_id,category,handle,note\n9,5100,20,food,"hana, cooks",a\n,100,21,pets,ivan,b\n1,5,1,beauty,alice_c,c\n' >"$T/imp_c.csv"
csv "import creators" /api/import/creators "$T/imp_c.csv"
expect "import creators" 200
jcheck "import creators counts" "d['creators'] == 3 and d['created'] == 2 and d['updated'] == 1"
as brandy "imported 20" GET /api/creators/20
jcheck "imported creator with a quoted handle and a new MCN" "d['handle'] == 'hana, cooks' and d['mcn_id'] == 9"
as brandy "updated 1" GET /api/creators/1
jcheck "import updates and keeps the bio" "d['handle'] == 'alice_c' and d['mcn_id'] == 1 and d['bio'] == 'lipstick science'"
printf 'creator_id,handle,category,followers,mcn_id\n22,j,k,10,\n23,l,m,-4,\n' >"$T/bad_c.csv"
csv "import bad creators" /api/import/creators "$T/bad_c.csv"
expect "import creators with a bad line" 400 invalid_input
expect_grep "names the line" "$T/body" "creators.csv:3"
expect_grep "names the column" "$T/body" "followers"
as brandy "22 absent" GET /api/creators/22
expect "a bad import stored nothing" 404
printf 'creator_id,handle,category,followers,mcn_id\n24,j,k,10,\n24,l,m,4,\n' >"$T/dup_c.csv"
csv "import dup creators" /api/import/creators "$T/dup_c.csv"
expect "import creators with a repeated id" 400 invalid_input && expect_grep "duplicate named" "$T/body" "duplicate"
printf 'creator_id,handle,category\n25,j,k\n' >"$T/hdr_c.csv"
csv "import missing column" /api/import/creators "$T/hdr_c.csv"
expect "import creators without a column" 400 invalid_input && expect_grep "missing column named" "$T/body" "followers"
: >"$T/empty.csv"
csv "import empty" /api/import/creators "$T/empty.csv"
expect "import an empty body" 400 invalid_input
csv "import as creator" /api/import/creators "$T/imp_c.csv" "$TOKEN_cre1"
expect "import as a creator" 403 forbidden
get "import as JSON" "$URL/api/import/creators" -X POST -H "Authorization: Bearer $TOKEN_ops" \
    -H 'Content-Type: application/json' --data-binary @"$T/imp_c.csv"
expect "import with a JSON content type" 400 invalid_input

printf 'post_id,creator_id,published_at,kind,views,likes,comments,collects\n300,20,%s,organic,1000,10,1,1\n301,20,%s,sponsored,2000,1,1,1\n302,777,2026-01-01,organic,1,1,1,1\n' "$today" "$today" >"$T/imp_p.csv"
csv "import posts" /api/import/posts "$T/imp_p.csv"
expect "import posts" 200
jcheck "import posts counts" "d['posts'] == 2 and d['posts_unknown_creator'] == 1"
as ops "20 certification" GET /api/creators/20/certification
jcheck "imported posts count in the window at once" "d['window']['posts'] == 2 and d['certified'] is True"
printf 'post_id,creator_id,published_at,kind,views,likes,comments,collects\n303,20,%s,organic,1,1,1,1\n304,20,not-a-date,organic,1,1,1,1\n' "$today" >"$T/bad_p.csv"
csv "import bad posts" /api/import/posts "$T/bad_p.csv"
expect "import posts with a bad instant" 400 invalid_input && expect_grep "names line 3" "$T/body" "posts.csv:3"
as brandy "303 absent" GET /api/posts/303
expect "a bad posts import stored nothing" 404
printf 'post_id,creator_id,published_at,kind,views,likes,comments,collects\n305,20,%s,organic,1,1,1,1\n300,20,%s,organic,1,1,1,1\n' "$today" "$today" >"$T/dup_p.csv"
csv "import dup posts" /api/import/posts "$T/dup_p.csv"
expect "import a stored post id" 400 invalid_input && expect_grep "duplicate post named" "$T/body" "post_id"
as brandy "305 absent" GET /api/posts/305
expect "the duplicate rolled back the line before it" 404
printf 'post_id,creator_id,published_at,kind,views,likes,comments,collects\n306,20,%s,organic,1,1,1,1\n307,20,0001-01-01T00:00:00Z,organic,1,1,1,1\n' "$today" >"$T/old_p.csv"
csv "import a year-1 post" /api/import/posts "$T/old_p.csv"
expect "import a post dated 0001-01-01" 400 invalid_input &&
    expect_grep "year 1: line, column, floor" "$T/body" "posts.csv:3: column 3 (published_at): before 2000-01-01T00:00:00Z"
as brandy "306 absent" GET /api/posts/306
expect "the year-1 line rolled back the line before it" 404
# The feed may bring a post numbered in the published range (an export of
# published posts, imported again): the next published id comes after it.
printf 'post_id,creator_id,published_at,kind,views,likes,comments,collects\n9000000000000999,20,%s,organic,1,1,1,1\n' "$today" >"$T/high_p.csv"
csv "import a published-range id" /api/import/posts "$T/high_p.csv"
expect "import a post numbered in the published range" 200
as ops "publish after it" POST /api/creators/20/posts '{"kind": "organic"}'
expect "publish after an imported high id" 201 && jcheck "the next id is above it" "d['post']['id'] == 9000000000001000"

# ---- unknown routes and methods ------------------------------------------------------------------
as ops "unknown route" GET /api/creatorz
expect "unknown route" 404 not_found
as ops "unknown method" DELETE /api/creators/1
expect "DELETE of a creator" 405 method_not_allowed
as brandy "still there" GET /api/creators/1
expect "the creator is still there" 200

# ---- discovery pages are kept, and always answer the data as it is now -----------------------
page='/api/creators?category=beauty&limit=100'
as brandy "kept page" GET "$page"
cp "$T/body" "$T/page1"
as cre2 "kept page again" GET "$page"
cmp -s "$T/body" "$T/page1" && pass || fail "the same page asked twice, by another user, differs"
top=$(jget "d['items'][0]['id']")
as ops "rename the first" PATCH "/api/creators/$top" '{"handle": "renamed_by_api"}'
expect "rename" 200
as brandy "page after a write" GET "$page"
jcheck "a write through the server shows at once" "d['items'][0]['handle'] == 'renamed_by_api'"
if command -v sqlite3 >/dev/null 2>&1; then
    sqlite3 "$DB" "PRAGMA busy_timeout = 5000; UPDATE creators SET handle = 'renamed_elsewhere' WHERE id = $top;" >/dev/null
    as brandy "page after another process wrote" GET "$page"
    jcheck "a write by another process shows at once" "d['items'][0]['handle'] == 'renamed_elsewhere'"
    as brandy "and again" GET "$page"
    jcheck "and is kept" "d['items'][0]['handle'] == 'renamed_elsewhere'"
fi
get "metrics" "$URL/metrics" -H "Authorization: Bearer $TOKEN_ops"
hits=$(sed -n 's/^partnerd_page_cache_hits_total \([0-9]*\)$/\1/p' "$T/body")
grep -q '^# TYPE partnerd_page_cache_misses_total counter$' "$T/body" && [ "${hits:-0}" -ge 2 ] && pass ||
    fail "/metrics: page cache hits '$hits', expected 2 or more, and a misses counter"

# ---- a kept token check ends with the token: logout, and disabling by another process ----
as cre2 "discovery before logout" GET "$page"
expect "discovery with cre2's token" 200
get "logout cre2" "$URL/api/logout" -X POST -H "Authorization: Bearer $TOKEN_cre2"
expect_status "logout cre2" 200
as cre2 "discovery after logout" GET "$page"
expect "discovery with a signed-out token" 401 unauthorized
as mgr8 "discovery before disabling" GET "$page"
expect "discovery with mgr8's token" 200
run user disable --db "$DB" --name mgr8
expect_rc "user disable mgr8 from the command line" 0
as mgr8 "discovery after disabling" GET "$page"
expect "discovery by a user disabled from another process" 401 unauthorized

stop_server
grep -q '"page_cache_hits":[1-9]' "$T/server.log" && pass || fail "no page cache hit logged at stop"
pd_test_finish
