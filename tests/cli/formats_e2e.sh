#!/usr/bin/env bash
# formats_e2e.sh - one reader and one set of row checks (issue 12): each bad
# creators.csv or posts.csv goes through every way in - `partnerd certify`,
# `partnerd simulate`, `partnerd import` and the API's upload
# (POST /api/import/creators, /api/import/posts) - and each refuses it with
# the same words: the file, the line and the reason. And what the contract
# allows (an unknown column such as "Views" beside "views") every one of
# them takes.
. "$(dirname "$0")/lib.sh"
pd_test_init formats_e2e "$@"
. "$(dirname "$0")/lib_http.sh"
. "$(dirname "$0")/lib_platform.sh"

platform_setup "$T/server.db"
start_server "$T/server.log" --db "$DB" || pd_test_finish
login ops

C_HEAD='creator_id,handle,category,followers,mcn_id'
P_HEAD='post_id,creator_id,published_at,kind,views,likes,comments,collects'
good_creators() { printf '%s\n1,ann,food,100,\n2,bob,pets,200,7\n' "$C_HEAD"; }
good_posts() { printf '%s\n1,1,2019-05-20T10:00:00Z,organic,10,0,0,0\n' "$P_HEAD"; }

# The message of a run, from "creators.csv:" or "posts.csv:" on (the
# command's prefix and the directory cut off).
cli_message() {
    head -n 1 "$T/stderr" | sed -E 's#^partnerd [a-z]+: (.*/)?((creators|posts)\.csv:)#\2#'
}

# The message of the last API answer, the same way (" (nothing was stored)"
# is the API's promise, not part of the reason).
api_message() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["message"])' \
        "$T/body" 2>/dev/null | sed -E 's# \(nothing was stored\)$##'
}

n=0
# refused NAME WHICH WANT: $D/case/creators.csv and posts.csv are written;
# WHICH (creators or posts) is the bad one; WANT is the message from the
# file name on. Every entry point must say exactly that.
refused() {
    local name=$1 which=$2 want=$3 dir=$D/case got
    local files=(--creators "$dir/creators.csv" --posts "$dir/posts.csv")
    n=$((n + 1))
    run certify "${files[@]}" --as-of 2019-06-01 --policy red-2019-v2 --quiet
    got=$(cli_message)
    if [ "$rc" -eq 1 ] && [ "$got" = "$want" ]; then pass; else
        fail "$name: certify: status $rc, said '$got', want '$want'"
    fi
    run simulate "${files[@]}" --as-of 2019-06-01 --policy red-2019-v1 --policy red-2019-v2
    got=$(cli_message)
    if [ "$rc" -eq 1 ] && [ "$got" = "$want" ]; then pass; else
        fail "$name: simulate: status $rc, said '$got', want '$want'"
    fi
    run import --db "$T/import$n.db" "${files[@]}" --quiet
    got=$(cli_message)
    if [ "$rc" -eq 1 ] && [ "$got" = "$want" ]; then pass; else
        fail "$name: import: status $rc, said '$got', want '$want'"
    fi
    get "$name: upload" "$URL/api/import/$which" -X POST -H "Authorization: Bearer $TOKEN_ops" \
        -H 'Content-Type: text/csv' --data-binary @"$dir/$which.csv"
    got=$(api_message)
    if [ "$status" = 400 ] && [ "$got" = "$want" ]; then pass; else
        fail "$name: upload: status $status, said '$got', want '$want'"
    fi
}

# bad_posts NAME WANT LINES...: posts.csv of the header and LINES.
bad_posts() {
    local name=$1 want=$2
    shift 2
    mkdir -p "$D/case"
    good_creators >"$D/case/creators.csv"
    { echo "$P_HEAD"; printf '%s\n' "$@"; } >"$D/case/posts.csv"
    refused "$name" posts "$want"
}

# bad_creators NAME WANT BYTES: creators.csv as printf BYTES writes it.
bad_creators() {
    mkdir -p "$D/case"
    printf "$3" >"$D/case/creators.csv"
    good_posts >"$D/case/posts.csv"
    refused "$1" creators "$2"
}

ok='2,1,2019-05-21T10:00:00Z,organic,10,0,0,0'

# ---- instants: the contract's spellings only --------------------------------------------
bad_posts "a space for T" \
    "posts.csv:3: column 3 (published_at): expected 'T' between date and time: '2019-05-14 08:30:00Z'" \
    "$ok" '3,1,2019-05-14 08:30:00Z,organic,10,0,0,0'
bad_posts "lowercase t" \
    "posts.csv:3: column 3 (published_at): expected 'T' between date and time: '2019-05-14t08:30:00Z'" \
    "$ok" '3,1,2019-05-14t08:30:00Z,organic,10,0,0,0'
bad_posts "lowercase z" \
    "posts.csv:2: column 3 (published_at): expected 'Z' or an offset such as +08:00 after the time: '2019-05-14T08:30:00z'" \
    '3,1,2019-05-14T08:30:00z,organic,10,0,0,0'
bad_posts "offset +0800" \
    "posts.csv:3: column 3 (published_at): expected an offset such as +08:00: '2019-05-14T08:30:00+0800'" \
    "$ok" '3,1,2019-05-14T08:30:00+0800,organic,10,0,0,0'
bad_posts "offset +08" \
    "posts.csv:3: column 3 (published_at): expected an offset such as +08:00: '2019-05-14T08:30:00+08'" \
    "$ok" '3,1,2019-05-14T08:30:00+08,organic,10,0,0,0'
bad_posts "no seconds" \
    "posts.csv:3: column 3 (published_at): expected HH:MM:SS after the date: '2019-05-14T08:30Z'" \
    "$ok" '3,1,2019-05-14T08:30Z,organic,10,0,0,0'
bad_posts "a leap second" \
    "posts.csv:3: column 3 (published_at): second out of range: '2019-05-31T23:59:60Z'" \
    "$ok" '3,1,2019-05-31T23:59:60Z,organic,10,0,0,0'
bad_posts "a comma before the fraction" \
    "posts.csv:3: column 3 (published_at): expected 'Z' or an offset such as +08:00 after the time: '2019-05-14T08:30:00,5Z'" \
    "$ok" '3,1,"2019-05-14T08:30:00,5Z",organic,10,0,0,0'

# ---- repeated ids ------------------------------------------------------------------------
bad_posts "a repeated post_id" \
    "posts.csv:4: column 1 (post_id): duplicate post_id 2 (first on line 3)" \
    '1,1,2019-05-20T10:00:00Z,organic,10,0,0,0' "$ok" '2,2,2019-05-22T10:00:00Z,organic,20,0,0,0'
bad_posts "a repeated post_id of an unknown creator" \
    "posts.csv:4: column 1 (post_id): duplicate post_id 5 (first on line 2)" \
    '5,99,2019-05-20T10:00:00Z,organic,10,0,0,0' "$ok" '5,98,2019-05-22T10:00:00Z,organic,20,0,0,0'
# ids above the bit sets (an eighth of the file's bytes, at least 2^20): the
# same words, whoever the posts' creators
bad_posts "a repeated high post_id" \
    "posts.csv:4: column 1 (post_id): duplicate post_id 5000000002 (first on line 3)" \
    "$ok" '5000000002,1,2019-05-20T10:00:00Z,organic,10,0,0,0' \
    '5000000002,2,2019-05-22T10:00:00Z,organic,20,0,0,0'
bad_posts "a repeated high post_id of unknown creators" \
    "posts.csv:4: column 1 (post_id): duplicate post_id 5000000003 (first on line 2)" \
    '5000000003,99,2019-05-20T10:00:00Z,organic,10,0,0,0' "$ok" \
    '5000000003,98,2019-05-22T10:00:00Z,organic,20,0,0,0'
bad_posts "a high post_id of an unknown creator, then of a known one" \
    "posts.csv:3: column 1 (post_id): duplicate post_id 5000000004 (first on line 2)" \
    '5000000004,99,2019-05-20T10:00:00Z,organic,10,0,0,0' \
    '5000000004,1,2019-05-22T10:00:00Z,organic,20,0,0,0'
bad_posts "a high post_id of a known creator, then of an unknown one" \
    "posts.csv:4: column 1 (post_id): duplicate post_id 5000000005 (first on line 3)" \
    "$ok" '5000000005,1,2019-05-20T10:00:00Z,organic,10,0,0,0' \
    '5000000005,99,2019-05-22T10:00:00Z,organic,20,0,0,0'
bad_creators "a repeated creator_id" \
    "creators.csv:4: column 1 (creator_id): duplicate creator_id 1 (first on line 2)" \
    "$C_HEAD\n1,ann,food,100,\n2,bob,pets,200,\n1,cat,pets,300,\n"

# ---- text: UTF-8 without NUL ---------------------------------------------------------------
bad_creators "a handle that is not UTF-8" \
    "creators.csv:3: column 2 (handle): not valid UTF-8" \
    "$C_HEAD\n1,ann,food,100,\n2,b\377b,pets,200,\n"
bad_creators "a category cut inside a character" \
    "creators.csv:2: column 3 (category): not valid UTF-8" \
    "$C_HEAD\n1,ann,fo\303,100,\n"
bad_creators "a NUL in a handle" \
    "creators.csv:2: column 2 (handle): contains a NUL byte" \
    "$C_HEAD\n1,a\000n,food,100,\n"

# skipped, a repeat is told the same way by certify, simulate and import
mkdir -p "$D/case"
good_creators >"$D/case/creators.csv"
{ echo "$P_HEAD"; good_posts | tail -n 1; echo "$ok"; echo '2,2,2019-05-22T10:00:00Z,organic,20,0,0,0'; } \
    >"$D/case/posts.csv"
files=(--creators "$D/case/creators.csv" --posts "$D/case/posts.csv")
skipped="posts.csv:4: skipped: column 1 (post_id): duplicate post_id 2 (first on line 3)"
run certify "${files[@]}" --as-of 2019-06-01 --policy red-2019-v1 --skip-bad-lines
expect_rc "a repeat skipped: certify" 0 && expect_grep "a repeat skipped: certify" "$T/stderr" "$skipped"
expect_grep "a repeat skipped: the first counts" "$T/stdout" "1,0,100,2,0,10.00"
run simulate "${files[@]}" --as-of 2019-06-01 --policy red-2019-v1 --policy red-2019-v2 \
    --skip-bad-lines
expect_rc "a repeat skipped: simulate" 0 && expect_grep "a repeat skipped: simulate" "$T/stderr" "$skipped"
run import --db "$T/skip.db" "${files[@]}" --skip-bad-lines --quiet
expect_rc "a repeat skipped: import" 0 && expect_grep "a repeat skipped: import" "$T/stderr" "$skipped"

# ---- the header ----------------------------------------------------------------------------
mkdir -p "$D/case"
good_creators >"$D/case/creators.csv"
{ echo; echo "$P_HEAD"; echo "$ok"; } >"$D/case/posts.csv"
refused "a blank first line" posts \
    "posts.csv:1: blank line where the header should be (expected the header line: $P_HEAD)"
bad_creators "a column named in another case" \
    "creators.csv:1: header: missing column 'followers' (expected the columns $C_HEAD, in any order)" \
    "creator_id,handle,category,Followers,mcn_id\n1,ann,food,100,\n"

# ---- what the contract allows, every entry point takes ---------------------------------------
mkdir -p "$D/ok"
printf 'Creator_ID,%s,note\nx,1,ann,food,100,,hello\n' "$C_HEAD" >"$D/ok/creators.csv"
printf 'post_id,creator_id,published_at,kind,views,Views,likes,comments,collects\n' >"$D/ok/posts.csv"
printf '901,1,2019-05-20T10:00:00Z,organic,10,many,0,0,0\n' >>"$D/ok/posts.csv"
printf '902,1,2019-05-21T10:00:00.5+08:00,sponsored,30,,0,0,0\n' >>"$D/ok/posts.csv"
printf '903,1,2019-05-22,organic,20,-1,0,0,0\n' >>"$D/ok/posts.csv"
files=(--creators "$D/ok/creators.csv" --posts "$D/ok/posts.csv")
run certify "${files[@]}" --as-of 2019-06-01 --policy red-2019-v1 --quiet
expect_rc "unknown columns: certify" 0 &&
    expect_grep "unknown columns: certify counts" "$T/stdout" "1,0,100,3,1,20.00"
run simulate "${files[@]}" --as-of 2019-06-01 --policy red-2019-v1 --policy red-2019-v2
expect_rc "unknown columns: simulate" 0
run import --db "$T/ok.db" "${files[@]}" --quiet
expect_rc "unknown columns: import" 0
get "unknown columns: upload creators" "$URL/api/import/creators" -X POST \
    -H "Authorization: Bearer $TOKEN_ops" -H 'Content-Type: text/csv' \
    --data-binary @"$D/ok/creators.csv"
expect "unknown columns: upload creators" 200
get "unknown columns: upload posts" "$URL/api/import/posts" -X POST \
    -H "Authorization: Bearer $TOKEN_ops" -H 'Content-Type: text/csv' \
    --data-binary @"$D/ok/posts.csv"
expect "unknown columns: upload posts" 200
jcheck "unknown columns: upload posts counts" "d['posts'] == 3"

# ---- an id stored before: the store names it (import and upload alike) ------------------------
run import --db "$T/ok.db" "${files[@]}" --quiet
expect_rc "a post stored before: import" 1 &&
    expect_grep "a post stored before: import" "$T/stderr" \
        "posts.csv:2: column 1 (post_id): duplicate post_id (stored already): '901'"
get "a post stored before: upload" "$URL/api/import/posts" -X POST \
    -H "Authorization: Bearer $TOKEN_ops" -H 'Content-Type: text/csv' \
    --data-binary @"$D/ok/posts.csv"
expect "a post stored before: upload" 400 invalid_input &&
    expect_grep "a post stored before: upload" "$T/body" \
        "posts.csv:2: column 1 (post_id): duplicate post_id (stored already): '901'"

stop_server
pd_test_finish
