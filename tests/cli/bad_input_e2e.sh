#!/usr/bin/env bash
# bad_input_e2e.sh - `partnerd certify` on malformed input, end to end.
#
#   bash tests/cli/bad_input_e2e.sh PATH/TO/partnerd
#
# Every kind of malformed line of docs/certification.md ("Bad input"), in
# creators.csv and in posts.csv: the run exits 1 with a message that starts
# "partnerd certify: FILE:LINE: column N (NAME): ", leaves no output file (and
# an existing one untouched), and with --skip-bad-lines succeeds, counts the
# line in the summary and reports it with its line number. Then empty,
# header-only, headerless, unreadable and missing files, and bad lines deep
# inside a multi-megabyte posts file read by two threads.
#
# Scratch files go to a fresh directory under $PD_TEST_TMP (default: /tmp),
# removed on success (unless KEEP=1) and kept on failure.
set -u

. "$(dirname "$0")/lib.sh"
pd_test_init bad_input_e2e "$@"

# expect_prefix NAME FILE PREFIX: the first line of FILE starts with PREFIX.
expect_prefix() {
    local first
    first=$(head -n 1 "$2")
    if [ "${first#"$3"}" = "$first" ]; then
        fail "$1: expected a first line starting with"
        echo "    want: $3"
        echo "    got:  $first"
        return 1
    fi
    pass
}

# expect_outdir_clean NAME: $T/outdir holds only what $T/outdir.before lists.
expect_outdir_clean() {
    local now
    now=$(ls -A "$T/outdir")
    if [ "$now" != "$(cat "$T/outdir.before")" ]; then
        fail "$1: the output directory holds '$(echo $now)', expected '$(tr '\n' ' ' <"$T/outdir.before")'"
        return 1
    fi
    pass
}

# ---------------------------------------------------------------------------
# A small good data set. creators.csv: line 1 header, 2 ann, 3-4 bee (a handle
# on two lines), 5 cid, 6 dee. posts.csv: line 1 header, 2-6 five posts.
cat >"$D/creators.csv" <<'EOF'
creator_id,handle,category,followers,mcn_id
1,ann,beauty,6000,
2,"b, ""bee""
two lines",food,7000,4
3,cid,tech,100,
4,dee,pets,9000,2
EOF
cat >"$D/posts.csv" <<'EOF'
post_id,creator_id,published_at,kind,views,likes,comments,collects
1,1,2019-05-10T00:00:00Z,organic,100,1,2,3
2,2,2019-05-11T00:00:00Z,sponsored,200,1,2,3
3,9,2019-05-12T00:00:00Z,organic,300,1,2,3
4,4,2019-05-13T00:00:00+08:00,organic,400,1,2,3
5,1,2019-04-01T00:00:00Z,organic,500,1,2,3
EOF
cat >"$T/want_base" <<'EOF'
creator_id,certified,followers,posts,sponsored,avg_views
1,1,6000,1,0,100.00
2,1,7000,1,1,200.00
3,0,100,0,0,0.00
4,1,9000,1,0,400.00
EOF
base_summary="creators 4, posts read 5, posts in window 3, posts of unknown creators 1, certified 3"
certify=(certify --policy red-2019-v1 --as-of 2019-06-01)

run "${certify[@]}" --creators "$D/creators.csv" --posts "$D/posts.csv"
expect_rc "the good data set" 0 && expect_same "the good data set" "$T/want_base" "$T/stdout"
expect_text "the good data set: summary" "$T/stderr" "$base_summary"

# with_line SRC LINE TEXT DST: SRC with TEXT inserted as line LINE ("end":
# appended as the last line).
with_line() {
    if [ "$2" = end ]; then
        { cat "$1"; printf '%s\n' "$3"; } >"$4"
    else
        { head -n $(($2 - 1)) "$1"; printf '%s\n' "$3"; tail -n +"$2" "$1"; } >"$4"
    fi
}

# check_failure NAME PREFIX ARGS...: exit 1, PREFIX starts stderr, nothing on
# stdout; then the same with --out: no file left when there was none, an
# existing file untouched, no temporary file left behind.
check_failure() {
    local name=$1 prefix=$2
    shift 2
    run "$@"
    expect_rc "$name" 1 || return
    expect_prefix "$name: message" "$T/stderr" "$prefix"
    expect_empty "$name: stdout" "$T/stdout"
    rm -rf "$T/outdir" && mkdir "$T/outdir" && : >"$T/outdir.before"
    run "$@" --out "$T/outdir/result.csv"
    expect_rc "$name, --out" 1
    expect_outdir_clean "$name, --out: nothing written"
    printf 'previous result\n%.0s' $(seq 1 1000) >"$T/outdir/result.csv"
    cp "$T/outdir/result.csv" "$T/previous.csv"
    touch -d '2001-02-03 04:05:06' "$T/outdir/result.csv"
    ls -A "$T/outdir" >"$T/outdir.before"
    run "$@" --out "$T/outdir/result.csv"
    expect_rc "$name, --out over an existing file" 1
    expect_same "$name, --out: the existing file is untouched" "$T/previous.csv" \
        "$T/outdir/result.csv"
    [ "$(stat -c %Y "$T/outdir/result.csv")" = "$(date -d '2001-02-03 04:05:06' +%s)" ] &&
        pass || fail "$name, --out: the existing file was rewritten (its mtime changed)"
    expect_outdir_clean "$name, --out: no temporary file left"
}

# check_skip NAME REPORT_PREFIX REASON SUMMARY_TAIL ARGS...: --skip-bad-lines
# succeeds with the good data set's output, a report line on stderr starting
# with REPORT_PREFIX and holding REASON, and the counts in the summary.
check_skip() {
    local name=$1 report=$2 why=$3 tail=$4
    shift 4
    run "$@" --skip-bad-lines
    expect_rc "$name, --skip-bad-lines" 0 || return
    expect_same "$name, --skip-bad-lines: output" "$T/want_base" "$T/stdout"
    if ! grep -F -- "$report" "$T/stderr" | grep -qF -- "$why"; then
        fail "$name, --skip-bad-lines: no report line starting '$report' with '$why':"
        sed 's/^/    /' "$T/stderr" | head -n 5
    else
        pass
    fi
    # the summary is the last line of stderr
    if ! tail -n 1 "$T/stderr" | grep -q "^creators [0-9,]*, posts read .*, certified 3, $tail\$"; then
        fail "$name, --skip-bad-lines: summary line: $(tail -n 1 "$T/stderr")"
    else
        pass
    fi
}

# bad_creator NAME LINE TEXT COLUMN COLNAME REASON: TEXT at LINE of creators.csv.
bad_creator() {
    local name="creators.csv: $1" line=$2 text=$3 col=$4 colname=$5 why=$6
    local f="$D/creators.csv" bad="$T/bad/creators.csv" at=$2
    mkdir -p "$T/bad"
    [ "$line" = end ] && line=$(($(wc -l <"$f") + 1))
    with_line "$f" "$at" "$text" "$bad"
    local where="column $col ($colname)"
    [ -z "$colname" ] && where="column $col"
    check_failure "$name" "partnerd certify: $bad:$line: $where: " \
        "${certify[@]}" --creators "$bad" --posts "$D/posts.csv"
    expect_grep "$name: reason" "$T/stderr" "$why"
    # (a skipped line with too many fields is reported without its column)
    local skipped_where="skipped: $where: "
    [ -z "$colname" ] && skipped_where="skipped: "
    check_skip "$name" "creators.csv:$line: $skipped_where" "$why" \
        "skipped bad lines: 1 in creators, 0 in posts" \
        "${certify[@]}" --creators "$bad" --posts "$D/posts.csv"
}

# bad_post NAME LINE TEXT COLUMN COLNAME REASON: TEXT at LINE of posts.csv.
bad_post() {
    local name="posts.csv: $1" line=$2 text=$3 col=$4 colname=$5 why=$6
    local f="$D/posts.csv" bad="$T/bad/posts.csv" at=$2
    mkdir -p "$T/bad"
    [ "$line" = end ] && line=$(($(wc -l <"$f") + 1))
    with_line "$f" "$at" "$text" "$bad"
    local where="column $col ($colname)"
    [ -z "$colname" ] && where="column $col"
    check_failure "$name" "partnerd certify: $bad:$line: $where: " \
        "${certify[@]}" --creators "$D/creators.csv" --posts "$bad"
    expect_grep "$name: reason" "$T/stderr" "$why"
    local skipped_where="skipped: $where: "
    [ -z "$colname" ] && skipped_where="skipped: "
    check_skip "$name" "posts.csv:$line: $skipped_where" "$why" \
        "skipped bad lines: 0 in creators, 1 in posts" \
        "${certify[@]}" --creators "$D/creators.csv" --posts "$bad"
}

# --- creators.csv ------------------------------------------------------------
bad_creator "too few fields" 6 '5,eve,food,100' 5 mcn_id "fewer fields than the header"
bad_creator "far too few fields" 6 '5,eve' 3 category "fewer fields than the header"
bad_creator "one field" 6 '5' 2 handle "fewer fields than the header"
bad_creator "too many fields" 6 '5,eve,food,100,,extra' 6 "" "more fields than the header"
bad_creator "creator_id not a number" 6 'x5,eve,food,100,' 1 creator_id "not a whole number: 'x5'"
bad_creator "creator_id decimal" 6 '5.0,eve,food,100,' 1 creator_id "not a whole number: '5.0'"
bad_creator "creator_id empty" 6 ',eve,food,100,' 1 creator_id "empty"
bad_creator "creator_id negative" 6 '-5,eve,food,100,' 1 creator_id "negative: '-5'"
bad_creator "creator_id 0" 6 '0,eve,food,100,' 1 creator_id "1 or more"
bad_creator "followers not a number" 6 '5,eve,food,1e3,' 4 followers "not a whole number: '1e3'"
bad_creator "followers empty" 6 '5,eve,food,,' 4 followers "empty"
bad_creator "followers negative" 6 '5,eve,food,-100,' 4 followers "negative: '-100'"
bad_creator "followers too large" 6 '5,eve,food,1000000000000001,' 4 followers "too large"
bad_creator "mcn_id not a number" 6 '5,eve,food,100,abc' 5 mcn_id "not a whole number: 'abc'"
bad_creator "mcn_id negative" 6 '5,eve,food,100,-2' 5 mcn_id "negative: '-2'"
bad_creator "mcn_id 0" 6 '5,eve,food,100,0' 5 mcn_id "1 or more"
bad_creator "a quote inside a field" 6 '5,e"ve,food,100,' 2 handle "quote"
bad_creator "text after a closing quote" 6 '5,"eve"x,food,100,' 2 handle "after a closing quote"
bad_creator "unterminated quote" end '5,"eve,food,100,' 2 handle "unterminated quoted field"
bad_creator "bad line after a quoted newline" 5 '5,eve,food,lots,' 4 followers "not a whole number"

# A duplicate creator_id: the later line is the bad one.
with_line "$D/creators.csv" 6 '3,cid again,tech,99999,' "$T/bad/creators.csv"
check_failure "creators.csv: duplicate creator_id" \
    "partnerd certify: $T/bad/creators.csv:6: column 1 (creator_id): " \
    "${certify[@]}" --creators "$T/bad/creators.csv" --posts "$D/posts.csv"
expect_grep "duplicate creator_id: reason" "$T/stderr" "duplicate creator_id 3 (first on line 5)"
run "${certify[@]}" --creators "$T/bad/creators.csv" --posts "$D/posts.csv" --skip-bad-lines
expect_rc "duplicate creator_id, --skip-bad-lines" 0 &&
    expect_same "duplicate creator_id, --skip-bad-lines: the first line is kept" \
        "$T/want_base" "$T/stdout"
expect_grep "duplicate creator_id, --skip-bad-lines: reported with its line" "$T/stderr" \
    "line 6 repeats creator_id 3"
expect_grep "duplicate creator_id, --skip-bad-lines: counted" "$T/stderr" \
    "skipped bad lines: 1 in creators, 0 in posts"
# ...also when the file is unsorted and the duplicate comes first in id order
printf 'creator_id,handle,category,followers,mcn_id\n9,a,x,1,\n4,b,x,1,\n7,c,x,1,\n4,d,x,1,\n' \
    >"$T/bad/creators_unsorted.csv"
check_failure "creators.csv: duplicate creator_id, unsorted" \
    "partnerd certify: $T/bad/creators_unsorted.csv:5: column 1 (creator_id): " \
    "${certify[@]}" --creators "$T/bad/creators_unsorted.csv" --posts "$D/posts.csv"
expect_grep "duplicate creator_id, unsorted: reason" "$T/stderr" \
    "duplicate creator_id 4 (first on line 3)"

# --- posts.csv -------------------------------------------------------------------
P='6,1,2019-05-10T00:00:00Z,organic,100,1,2,3'
bad_post "too few fields" 4 '6,1,2019-05-10T00:00:00Z,organic,100,1,2' 8 collects \
    "fewer fields than the header"
bad_post "far too few fields" 4 '6,1' 3 published_at "fewer fields than the header"
bad_post "too many fields" 4 "$P,4" 9 "" "more fields than the header"
bad_post "post_id not a number" 4 "${P/#6,/x6,}" 1 post_id "not a whole number: 'x6'"
bad_post "post_id negative" 4 "${P/#6,/-6,}" 1 post_id "negative: '-6'"
bad_post "post_id 0" 4 "${P/#6,/0,}" 1 post_id "1 or more"
bad_post "creator_id not a number" 4 '6,one,2019-05-10T00:00:00Z,organic,100,1,2,3' 2 creator_id \
    "not a whole number: 'one'"
bad_post "creator_id negative" 4 '6,-1,2019-05-10T00:00:00Z,organic,100,1,2,3' 2 creator_id \
    "negative: '-1'"
bad_post "creator_id empty" 4 '6,,2019-05-10T00:00:00Z,organic,100,1,2,3' 2 creator_id "empty"
bad_post "views not a number" 4 '6,1,2019-05-10T00:00:00Z,organic,12a,1,2,3' 5 views \
    "not a whole number: '12a'"
bad_post "views negative" 4 '6,1,2019-05-10T00:00:00Z,organic,-100,1,2,3' 5 views \
    "negative: '-100'"
bad_post "views empty" 4 '6,1,2019-05-10T00:00:00Z,organic,,1,2,3' 5 views "empty"
bad_post "views too large" 4 '6,1,2019-05-10T00:00:00Z,organic,1000000000000001,1,2,3' 5 views \
    "too large"
bad_post "likes not a number" 4 '6,1,2019-05-10T00:00:00Z,organic,100,1.5,2,3' 6 likes \
    "not a whole number: '1.5'"
bad_post "likes negative" 4 '6,1,2019-05-10T00:00:00Z,organic,100,-1,2,3' 6 likes "negative: '-1'"
bad_post "comments not a number" 4 '6,1,2019-05-10T00:00:00Z,organic,100,1,two,3' 7 comments \
    "not a whole number: 'two'"
bad_post "comments negative" 4 '6,1,2019-05-10T00:00:00Z,organic,100,1,-2,3' 7 comments \
    "negative: '-2'"
bad_post "collects not a number" 4 '6,1,2019-05-10T00:00:00Z,organic,100,1,2,3x' 8 collects \
    "not a whole number: '3x'"
bad_post "collects negative" 4 '6,1,2019-05-10T00:00:00Z,organic,100,1,2,-3' 8 collects \
    "negative: '-3'"
bad_post "unknown kind" 4 '6,1,2019-05-10T00:00:00Z,promo,100,1,2,3' 4 kind "'promo'"
bad_post "kind in capitals" 4 '6,1,2019-05-10T00:00:00Z,Organic,100,1,2,3' 4 kind "'Organic'"
bad_post "kind with a suffix" 4 '6,1,2019-05-10T00:00:00Z,organicx,100,1,2,3' 4 kind "'organicx'"
bad_post "kind empty" 4 '6,1,2019-05-10T00:00:00Z,,100,1,2,3' 4 kind "organic"
bad_post "instant: day 32" 4 '6,1,2019-05-32T00:00:00Z,organic,100,1,2,3' 3 published_at \
    "'2019-05-32T00:00:00Z'"
bad_post "instant: 29 Feb 2019" 4 '6,1,2019-02-29,organic,100,1,2,3' 3 published_at "'2019-02-29'"
bad_post "instant: hour 25" 4 '6,1,2019-05-10T25:00:00Z,organic,100,1,2,3' 3 published_at \
    "'2019-05-10T25:00:00Z'"
bad_post "instant: no time zone" 4 '6,1,2019-05-10T08:00:00,organic,100,1,2,3' 3 published_at \
    "'2019-05-10T08:00:00'"
bad_post "instant: words" 4 '6,1,yesterday,organic,100,1,2,3' 3 published_at "'yesterday'"
bad_post "instant: empty" 4 '6,1,,organic,100,1,2,3' 3 published_at "empty"
bad_post "instant: trailing text" 4 '6,1,2019-05-10T00:00:00Zx,organic,100,1,2,3' 3 published_at \
    "'2019-05-10T00:00:00Zx'"
bad_post "a quote inside a field" 4 '6,1,2019-05-10T00:00:00Z,org"anic,100,1,2,3' 4 kind "quote"
bad_post "unterminated quote" end '7,1,"2019-05-10T00:00:00Z,organic,100,1,2,3' 3 published_at \
    "unterminated quoted field"
# a bad line in a quoted, CRLF file goes the same way
sed 's/$/\r/' "$D/posts.csv" >"$T/bad/posts_crlf.csv"
with_line "$T/bad/posts_crlf.csv" 3 $'6,1,2019-05-10T00:00:00Z,organic,"-7",1,2,3\r' \
    "$T/bad/posts_crlf_bad.csv"
check_failure "posts.csv: CRLF, quoted negative views" \
    "partnerd certify: $T/bad/posts_crlf_bad.csv:3: column 5 (views): " \
    "${certify[@]}" --creators "$D/creators.csv" --posts "$T/bad/posts_crlf_bad.csv"
# columns in another order: the column number is the file's, the name its header's
printf 'kind,views,post_id,published_at,creator_id,collects,likes,comments\norganic,5,1,2019-05-10,1,0,0,0\norganic,5,2,2019-05-10,1,0,0,zero\n' \
    >"$T/bad/posts_reordered.csv"
check_failure "posts.csv: reordered columns" \
    "partnerd certify: $T/bad/posts_reordered.csv:3: column 8 (comments): " \
    "${certify[@]}" --creators "$D/creators.csv" --posts "$T/bad/posts_reordered.csv"

# Many bad lines at once: the first stops the run; with --skip-bad-lines all
# are counted and the first ten reported with their line numbers.
{
    head -n 3 "$D/posts.csv"
    for i in $(seq 1 15); do
        echo "$((100 + i)),1,2019-05-10T00:00:00Z,organic,bad$i,1,2,3"
    done
    tail -n +4 "$D/posts.csv"
} >"$T/bad/posts_many.csv"
check_failure "posts.csv: 15 bad lines" \
    "partnerd certify: $T/bad/posts_many.csv:4: column 5 (views): " \
    "${certify[@]}" --creators "$D/creators.csv" --posts "$T/bad/posts_many.csv"
run "${certify[@]}" --creators "$D/creators.csv" --posts "$T/bad/posts_many.csv" --skip-bad-lines
expect_rc "15 bad lines, --skip-bad-lines" 0 &&
    expect_same "15 bad lines, --skip-bad-lines: output" "$T/want_base" "$T/stdout"
for i in $(seq 1 10); do
    expect_grep "15 bad lines: line $((3 + i)) reported" "$T/stderr" \
        "posts_many.csv:$((3 + i)): skipped: column 5 (views): not a whole number: 'bad$i'"
done
expect_grep "15 bad lines: the rest counted" "$T/stderr" "5 more"
expect_grep "15 bad lines: summary" "$T/stderr" "skipped bad lines: 0 in creators, 15 in posts"
# bad lines in both files
with_line "$D/creators.csv" 6 '5,eve,food,-1,' "$T/bad/creators_both.csv"
check_failure "bad lines in both files: creators.csv comes first" \
    "partnerd certify: $T/bad/creators_both.csv:6: column 4 (followers): " \
    "${certify[@]}" --creators "$T/bad/creators_both.csv" --posts "$T/bad/posts_many.csv"
check_skip "bad lines in both files" "creators_both.csv:6: skipped: column 4 (followers): " "negative" \
    "skipped bad lines: 1 in creators, 15 in posts" \
    "${certify[@]}" --creators "$T/bad/creators_both.csv" --posts "$T/bad/posts_many.csv"

# --- whole files --------------------------------------------------------------------
# file_case NAME STATUS MESSAGE ARGS...: exits STATUS with MESSAGE on stderr and
# leaves no output file.
file_case() {
    local name=$1 status=$2 msg=$3
    shift 3
    run "$@"
    expect_rc "$name" "$status" || return
    expect_grep "$name: message" "$T/stderr" "$msg"
    expect_empty "$name: stdout" "$T/stdout"
    rm -rf "$T/outdir" && mkdir "$T/outdir" && : >"$T/outdir.before"
    run "$@" --out "$T/outdir/result.csv"
    expect_rc "$name, --out" "$status"
    expect_outdir_clean "$name, --out: nothing written"
    # --skip-bad-lines does not skip whole files
    run "$@" --skip-bad-lines
    expect_rc "$name, --skip-bad-lines" "$status"
}
: >"$D/empty.csv"
printf '\n\n\r\n' >"$D/blank.csv"
printf '\357\273\277' >"$D/bom_only.csv"
C=(--creators "$D/creators.csv")
Pp=(--posts "$D/posts.csv")
file_case "empty creators.csv" 1 "$D/empty.csv: empty file" "${certify[@]}" \
    --creators "$D/empty.csv" "${Pp[@]}"
file_case "empty posts.csv" 1 "$D/empty.csv: empty file" "${certify[@]}" "${C[@]}" \
    --posts "$D/empty.csv"
file_case "blank lines only" 1 "$D/blank.csv:1: blank line where the header should be" "${certify[@]}" "${C[@]}" \
    --posts "$D/blank.csv"
file_case "a byte order mark only" 1 "$D/bom_only.csv: empty file" "${certify[@]}" \
    --creators "$D/bom_only.csv" "${Pp[@]}"
printf 'creator_id,handle,category,mcn_id\n1,a,b,\n' >"$D/no_followers.csv"
file_case "creators.csv without followers" 1 \
    "$D/no_followers.csv:1: header: missing column 'followers'" "${certify[@]}" \
    --creators "$D/no_followers.csv" "${Pp[@]}"
printf 'creator_id,handle,category,followers\n1,a,b,5\n' >"$D/no_mcn.csv"
file_case "creators.csv without mcn_id" 1 "missing column 'mcn_id'" "${certify[@]}" \
    --creators "$D/no_mcn.csv" "${Pp[@]}"
printf '1,ann,beauty,6000,\n2,bee,food,7000,4\n' >"$D/headerless.csv"
file_case "creators.csv without a header" 1 "$D/headerless.csv:1: header: missing column" \
    "${certify[@]}" --creators "$D/headerless.csv" "${Pp[@]}"
sed '1s/,kind,/,type,/' "$D/posts.csv" >"$D/posts_no_kind.csv"
file_case "posts.csv without kind" 1 "$D/posts_no_kind.csv:1: header: missing column 'kind'" \
    "${certify[@]}" "${C[@]}" --posts "$D/posts_no_kind.csv"
sed '1s/,collects$/,views/' "$D/posts.csv" >"$D/posts_twice.csv"
file_case "posts.csv with a column twice" 1 "column 'views' appears twice" \
    "${certify[@]}" "${C[@]}" --posts "$D/posts_twice.csv"
file_case "creators.csv does not exist" 3 "$D/nope.csv: cannot open" "${certify[@]}" \
    --creators "$D/nope.csv" "${Pp[@]}"
file_case "posts.csv does not exist" 3 "$D/nope.csv: cannot open" "${certify[@]}" "${C[@]}" \
    --posts "$D/nope.csv"
file_case "creators.csv is a directory" 3 "$D: not a regular file" "${certify[@]}" \
    --creators "$D" "${Pp[@]}"
file_case "posts.csv is a directory" 3 "$D: not a regular file" "${certify[@]}" "${C[@]}" \
    --posts "$D"

# header-only files are fine: zero rows
head -n 1 "$D/creators.csv" >"$D/creators_header.csv"
head -n 1 "$D/posts.csv" >"$D/posts_header.csv"
run "${certify[@]}" --creators "$D/creators_header.csv" "${Pp[@]}"
expect_rc "header-only creators.csv" 0 &&
    expect_text "header-only creators.csv: output" "$T/stdout" \
        "creator_id,certified,followers,posts,sponsored,avg_views"
expect_text "header-only creators.csv: summary" "$T/stderr" \
    "creators 0, posts read 5, posts in window 0, posts of unknown creators 5, certified 0"
run "${certify[@]}" "${C[@]}" --posts "$D/posts_header.csv"
expect_rc "header-only posts.csv" 0 && expect_grep "header-only posts.csv" "$T/stdout" "3,0,100,0,0,0.00"
expect_text "header-only posts.csv: summary" "$T/stderr" \
    "creators 4, posts read 0, posts in window 0, posts of unknown creators 0, certified 3"
run "${certify[@]}" --creators "$D/creators_header.csv" --posts "$D/posts_header.csv" --explain
expect_rc "both header-only" 0 && expect_text "both header-only" "$T/stdout" \
    "creator_id,certified,followers,posts,sponsored,avg_views,failed_rules"

# --- a multi-megabyte posts.csv read by two threads ------------------------------------
# 80,000 lines (~4 MB): quoted captions with line breaks in the first half
# (every 1000th post), bad lines at given line numbers. Line numbers count
# physical lines, so the awk script tracks them.
# big_posts OUT BAD_LINES(space separated line numbers) [CRLF]
big_posts() {
    awk -v bad="$2" -v crlf="${3:-}" 'BEGIN {
        n = split(bad, b, " ")
        for (i = 1; i <= n; i++) isbad[b[i]] = 1
        eol = crlf ? "\r\n" : "\n"
        printf "post_id,creator_id,published_at,kind,views,likes,comments,collects,caption%s", eol
        line = 2
        for (id = 1; line <= 80000; id++) {
            if (line in isbad) {
                printf "%d,%d,2019-05-%02dT10:00:00Z,organic,%s,1,2,3,x%s", id, id % 5 + 1,
                    id % 28 + 1, "12o", eol
                line++
                continue
            }
            if (id % 1000 == 0 && line < 40000 && !((line + 1) in isbad) && !((line + 2) in isbad)) {
                printf "%d,%d,2019-05-%02dT10:00:00Z,sponsored,%d,1,2,3,\"two%sline, \"\"caption\"\"%smore\"%s",
                    id, id % 5 + 1, id % 28 + 1, id % 997, eol, eol, eol
                line += 3
                continue
            }
            printf "%d,%d,2019-05-%02dT%02d:00:00Z,%s,%d,1,2,3,x%s", id, id % 7 + 1, id % 28 + 1,
                id % 24, id % 5 ? "organic" : "sponsored", id % 20011, eol
            line++
        }
    }' >"$1"
}
big_posts "$D/big_ok.csv" ""
big_creators=(--creators "$D/creators.csv")
run "${certify[@]}" "${big_creators[@]}" --posts "$D/big_ok.csv" --threads 1
expect_rc "big posts.csv, one thread" 0
cp "$T/stdout" "$T/big_ok.out"
cp "$T/stderr" "$T/big_ok.err"
run "${certify[@]}" "${big_creators[@]}" --posts "$D/big_ok.csv" --threads 2
expect_rc "big posts.csv, two threads" 0 &&
    expect_same "big posts.csv: two threads = one" "$T/big_ok.out" "$T/stdout"

size=$(stat -c %s "$D/big_ok.csv")
[ "$size" -gt 3000000 ] && pass || fail "big posts.csv is only $size bytes"

# one bad line at 3/4 of the file: in the second thread's range
big_posts "$D/big_bad.csv" "61234"
for threads in 2 1; do
    check_failure "big posts.csv, bad line 61234, $threads threads" \
        "partnerd certify: $D/big_bad.csv:61234: column 5 (views): " \
        "${certify[@]}" "${big_creators[@]}" --posts "$D/big_bad.csv" --threads $threads
done
run "${certify[@]}" "${big_creators[@]}" --posts "$D/big_bad.csv" --threads 2 --skip-bad-lines
expect_rc "big posts.csv, bad line, --skip-bad-lines" 0
expect_grep "big posts.csv: skipped line reported" "$T/stderr" \
    "big_bad.csv:61234: skipped: column 5 (views): not a whole number: '12o'"
expect_grep "big posts.csv: skipped line counted" "$T/stderr" \
    "skipped bad lines: 0 in creators, 1 in posts"

# two bad lines, one per thread: the first one is reported
big_posts "$D/big_bad2.csv" "20001 70001"
check_failure "big posts.csv, bad lines 20001 and 70001" \
    "partnerd certify: $D/big_bad2.csv:20001: column 5 (views): " \
    "${certify[@]}" "${big_creators[@]}" --posts "$D/big_bad2.csv" --threads 2
run "${certify[@]}" "${big_creators[@]}" --posts "$D/big_bad2.csv" --threads 2 --skip-bad-lines
expect_rc "big posts.csv, two bad lines, --skip-bad-lines" 0
expect_grep "big posts.csv: first skipped line" "$T/stderr" "big_bad2.csv:20001: skipped: column 5"
expect_grep "big posts.csv: second skipped line" "$T/stderr" "big_bad2.csv:70001: skipped: column 5"
expect_grep "big posts.csv: two skipped" "$T/stderr" "skipped bad lines: 0 in creators, 2 in posts"

# the same with CRLF line ends
big_posts "$D/big_bad_crlf.csv" "61234" crlf
check_failure "big CRLF posts.csv, bad line 61234" \
    "partnerd certify: $D/big_bad_crlf.csv:61234: column 5 (views): " \
    "${certify[@]}" "${big_creators[@]}" --posts "$D/big_bad_crlf.csv" --threads 2

# the bad line is the very last line, without a final newline
big_posts "$D/big_last.csv" "80000"
head -c -1 "$D/big_last.csv" >"$D/big_last_nonl.csv"
check_failure "big posts.csv, bad last line without a newline" \
    "partnerd certify: $D/big_last_nonl.csv:80000: column 5 (views): " \
    "${certify[@]}" "${big_creators[@]}" --posts "$D/big_last_nonl.csv" --threads 2

# --- a multi-megabyte creators.csv read by two threads -----------------------------
# 80,000 lines (~2.8 MB), handles on two lines now and then in the first half.
# big_creators OUT BAD_LINE DUP_LINE DUP_OF: the line BAD_LINE has a negative
# follower count; the line DUP_LINE repeats the creator_id of line DUP_OF.
big_creators() {
    awk -v bad="$2" -v dup="$3" -v dupof="$4" 'BEGIN {
        print "creator_id,handle,category,followers,mcn_id"
        line = 2
        for (id = 1; line <= 80000; id++) {
            if (line == dupof) dupid = id
            if (line == bad) {
                printf "%d,h%d,food,-5,\n", id, id
                line++
            } else if (line == dup) {
                printf "%d,again,food,5,\n", dupid
                line++
            } else if (id % 500 == 0 && line < 40000 && line + 1 != bad && line + 1 != dup && line + 1 != dupof) {
                printf "%d,\"h%d, on\ntwo lines\",tech,%d,%d\n", id, id, id % 9000, id % 7 + 1
                line += 2
            } else {
                printf "%d,h%d,beauty,%d,\n", id, id, id % 9000
                line++
            }
        }
    }' >"$1"
}
big_creators "$D/bigc_ok.csv" 0 0 0
run "${certify[@]}" --creators "$D/bigc_ok.csv" --posts "$D/big_ok.csv" --threads 1
expect_rc "big creators.csv, one thread" 0
cp "$T/stdout" "$T/bigc_ok.out"
cp "$T/stderr" "$T/bigc_ok.err"
run "${certify[@]}" --creators "$D/bigc_ok.csv" --posts "$D/big_ok.csv" --threads 2
expect_rc "big creators.csv, two threads" 0 &&
    expect_same "big creators.csv: two threads = one" "$T/bigc_ok.out" "$T/stdout" &&
    expect_same "big creators.csv: two threads = one (summary)" "$T/bigc_ok.err" "$T/stderr"
big_creators "$D/bigc_bad.csv" 70123 0 0
check_failure "big creators.csv, bad line 70123" \
    "partnerd certify: $D/bigc_bad.csv:70123: column 4 (followers): " \
    "${certify[@]}" --creators "$D/bigc_bad.csv" --posts "$D/posts.csv" --threads 2
run "${certify[@]}" --creators "$D/bigc_bad.csv" --posts "$D/posts.csv" --threads 2 --skip-bad-lines
expect_rc "big creators.csv, bad line, --skip-bad-lines" 0
expect_grep "big creators.csv: skipped line reported" "$T/stderr" \
    "bigc_bad.csv:70123: skipped: column 4 (followers): negative: '-5'"
big_creators "$D/bigc_dup.csv" 0 75001 30001
check_failure "big creators.csv, line 75001 repeats line 30001" \
    "partnerd certify: $D/bigc_dup.csv:75001: column 1 (creator_id): " \
    "${certify[@]}" --creators "$D/bigc_dup.csv" --posts "$D/posts.csv" --threads 2
expect_grep "big creators.csv, duplicate: first line named" "$T/stderr" "(first on line 30001)"

# --- what a handle, a category, a bio and a post's time may be, on every path ---------
# A bidi override (U+202E), a zero-width space (U+200B), a newline and white
# space only are refused in a handle by the API's create and PATCH, its CSV
# import and the command line's import, each naming the field and the
# character; a bio may hold newlines but no bidi control.
. "$(dirname "$0")/lib_http.sh"
. "$(dirname "$0")/lib_platform.sh"
platform_setup "$T/text.db"
start_server "$T/text_server.log" --db "$DB" || pd_test_finish
login ops
login cre1
for h in 'alice\u202egnp.exe:U+202E at byte 5: contains a bidi control' \
    'ali\u200bce:U+200B at byte 3: contains an invisible character' \
    'alice\nbob:U+000A at byte 5: contains a control character' \
    '   :handle: only white space' \
    ' alice:handle: U+0020 at byte 0: begins or ends with white space' \
    'a\u00a0b:U+00A0 at byte 1: contains white space other than single spaces'; do
    value=${h%%:*} want=${h#*:}
    as ops "create handle $value" POST /api/creators "{\"id\": 40, \"handle\": \"$value\", \"category\": \"x\", \"followers\": 1}"
    expect "create with handle '$value'" 400 invalid_input && expect_grep "create '$value': message" "$T/body" "$want"
    as cre1 "patch handle $value" PATCH /api/creators/1 "{\"handle\": \"$value\"}"
    expect "patch handle to '$value'" 400 invalid_input && expect_grep "patch '$value': message" "$T/body" "$want"
done
as ops "creator 40 absent" GET /api/creators/40
expect "no refused handle was stored" 404
as ops "creator 1 handle kept" GET /api/creators/1
jcheck "creator 1 keeps its handle" "d['handle'] == 'alice'"
as ops "create category newline" POST /api/creators '{"id": 40, "handle": "ok", "category": "food\ncheap", "followers": 1}'
expect "a category with a newline" 400 invalid_input && expect_grep "category named" "$T/body" "category: U+000A"
as cre1 "bio with lines" PATCH /api/creators/1 '{"bio": "line one\nline two\r\n\twith a tab \u200d and a joiner"}'
expect "a bio of several lines" 200 && jcheck "the bio kept its lines" "d['bio'].count('\n') == 2"
as cre1 "bio with bidi" PATCH /api/creators/1 '{"bio": "nice \u202eevil"}'
expect "a bio with a bidi override" 400 invalid_input &&
    expect_grep "bio named" "$T/body" "bio: U+202E at byte 5: contains a bidi control"
as cre1 "bio with a bell" PATCH /api/creators/1 '{"bio": "ring\u0007"}'
expect "a bio with a control character" 400 invalid_input
as cre1 "handle fine" PATCH /api/creators/1 '{"handle": "\u5c0f\u7ea2 book"}'
expect "a handle in Chinese with a space" 200
# the API's CSV import: the line, the column, the character as a code point
printf 'creator_id,handle,category,followers,mcn_id\n41,fine,food,10,\n42,alice\xe2\x80\xaegnp.exe,food,10,\n' >"$T/bidi_c.csv"
get "import bidi" "$URL/api/import/creators" -X POST -H "Authorization: Bearer $TOKEN_ops" \
    -H 'Content-Type: text/csv' --data-binary @"$T/bidi_c.csv"
expect "API import of a bidi handle" 400 invalid_input &&
    expect_grep "API import: line, column, character" "$T/body" "creators.csv:3: column 2 (handle): contains a bidi control character (it reorders how the text around it is shown): 'U+202E' (nothing was stored)"
printf 'creator_id,handle,category,followers,mcn_id\n41,fine,"pets\n",10,\n' >"$T/nl_c.csv"
get "import newline category" "$URL/api/import/creators" -X POST -H "Authorization: Bearer $TOKEN_ops" \
    -H 'Content-Type: text/csv' --data-binary @"$T/nl_c.csv"
expect "API import of a category with a newline" 400 invalid_input &&
    expect_grep "API import: category" "$T/body" "column 3 (category): contains a control character"
printf 'creator_id,handle,category,followers,mcn_id\n41,"  ",food,10,\n' >"$T/blank_c.csv"
get "import blank handle" "$URL/api/import/creators" -X POST -H "Authorization: Bearer $TOKEN_ops" \
    -H 'Content-Type: text/csv' --data-binary @"$T/blank_c.csv"
expect "API import of a blank handle" 400 invalid_input && expect_grep "API import: blank" "$T/body" "only white space"
as ops "creator 41 absent" GET /api/creators/41
expect "no refused import stored creator 41" 404
stop_server
# the command line's import: the same words
echo "post_id,creator_id,published_at,kind,views,likes,comments,collects" >"$T/none_p.csv"
printf 'creator_id,handle,category,followers,mcn_id\n41,ok,food,10,\n42,ze\xe2\x80\x8bro,food,10,\n' >"$T/zw_c.csv"
run import --db "$T/text.db" --creators "$T/zw_c.csv" --posts "$T/none_p.csv"
expect_rc "CLI import of a zero-width handle" 1 &&
    expect_grep "CLI import: line, column, character" "$T/stderr" "zw_c.csv:3: column 2 (handle): contains an invisible character (zero-width or another default-ignorable one): 'U+200B'"
run import --db "$T/text.db" --creators "$T/zw_c.csv" --posts "$T/none_p.csv" --skip-bad-lines
expect_rc "CLI import, --skip-bad-lines" 0 && expect_grep "CLI import: skipped" "$T/stderr" "zw_c.csv:3: skipped: column 2 (handle)"
# a post's time from the feed: not before 2000-01-01 (a feed's missing time
# such as 0001-01-01 or 1970-01-01 is not a post's), through either import
printf 'post_id,creator_id,published_at,kind,views,likes,comments,collects\n1,41,2019-05-10T00:00:00Z,organic,1,1,1,1\n2,41,1970-01-01T00:00:00Z,organic,1,1,1,1\n' >"$T/epoch_p.csv"
head -n 2 "$T/zw_c.csv" >"$T/ok_c.csv"
run import --db "$T/text.db" --creators "$T/ok_c.csv" --posts "$T/epoch_p.csv"
expect_rc "CLI import of a post dated 1970-01-01" 1 &&
    expect_grep "CLI import: the old post named" "$T/stderr" "epoch_p.csv:3: column 3 (published_at): before 2000-01-01T00:00:00Z (a missing time in the feed, such as 0001-01-01 or 1970-01-01, is not a post's): '1970-01-01T00:00:00Z'"
run import --db "$T/text.db" --creators "$T/zw_c.csv" --posts "$T/epoch_p.csv" --skip-bad-lines
expect_rc "CLI import of a post dated 1970-01-01, --skip-bad-lines" 0 &&
    expect_grep "CLI import: the old post skipped" "$T/stderr" "epoch_p.csv:3: skipped: column 3 (published_at): before 2000-01-01T00:00:00Z"
run certify --policy red-2019-v1 --as-of 2019-06-01 --creators "$T/ok_c.csv" --posts "$T/epoch_p.csv"
expect_rc "certify reads the same files as they are (it stores nothing)" 0

# ---------------------------------------------------------------------------
pd_test_finish
