#!/usr/bin/env bash
# store_e2e.sh - black-box tests of `partnerd migrate`, `import` and `export`
# against the real binary.
#
# Usage: store_e2e.sh PATH/TO/partnerd   (scratch space: $PD_TEST_TMP)
#
# Checks: migrate creates the database file and a second run does nothing;
# a small hand-written data set (quoted handles with commas, quotes and a
# line break, instants with offsets, fractions and dates alone, an extra
# column, columns in another order, a post of an unknown creator) imports
# and exports back to the expected rows, sorted by id; bad files (a bad
# value, a duplicate creator_id, a post id already stored) exit 1 naming
# file, line and column, and leave the database as it was (rows counted
# before and after, by export and, when installed, by sqlite3); skipped
# lines are counted and reported; a data set made by
# `partnerd gen --creators 2000 --seed 3` round-trips: the export equals the
# input without the posts of unknown creators (which import counts) and with
# every instant written in UTC (normalized here by awk, independently of
# partnerd), and `partnerd certify` gives the same output on the exported
# files as on the originals.
set -u
. "$(dirname "$0")/lib.sh"
pd_test_init store_e2e "$@"

have_sqlite3=0
command -v sqlite3 >/dev/null 2>&1 && have_sqlite3=1

# counts DB: "creators posts history mcns" as sqlite3 sees them (or the
# number of exported lines when sqlite3 is missing).
counts() {
    if [ "$have_sqlite3" -eq 1 ]; then
        sqlite3 "$1" "SELECT (SELECT count(*) FROM creators) || ' ' || (SELECT count(*) FROM posts)
                      || ' ' || (SELECT count(*) FROM follower_history) || ' '
                      || (SELECT count(*) FROM mcns)"
    else
        "$PD" export --db "$1" --creators "$T/cnt_c.csv" --posts "$T/cnt_p.csv" &&
            cat "$T/cnt_c.csv" "$T/cnt_p.csv" | wc -l
    fi
}

# ---- the command line ---------------------------------------------------------

for cmd in migrate import export; do
    run "$cmd" --help
    expect_rc "$cmd --help" 0 && expect_grep "$cmd --help" "$T/stdout" "Usage: partnerd $cmd"
done
run migrate
expect_rc "migrate without --db" 2 && expect_grep "migrate without --db" "$T/stderr" "--db"
run import --db "$T/x.db" --creators "$T/c.csv"
expect_rc "import without --posts" 2 && expect_grep "import without --posts" "$T/stderr" "--posts"
run export --db "$T/x.db" --creators "$T/c.csv" --posts "$T/p.csv" --skip-bad-lines
expect_rc "export --skip-bad-lines" 2
run migrate --db "$T/x.db" extra
expect_rc "stray argument" 2
run migrate --db postgresql://localhost/partnerd
expect_rc "postgresql location" 2 && expect_grep "postgresql location" "$T/stderr" "PostgreSQL"
[ -e "$T/x.db" ] && fail "a usage error created a database file"
run export --db "$T/missing.db" --creators "$T/c.csv" --posts "$T/p.csv"
expect_rc "export of a missing database" 3
[ -e "$T/missing.db" ] && fail "export created the database it was asked to read"
pass

# ---- migrate --------------------------------------------------------------------

run migrate --db "$T/m.db"
expect_rc "migrate a new file" 0
[ -f "$T/m.db" ] && pass || fail "migrate did not create the file"
expect_line "migrate says it created the file" "$T/stdout" "created $T/m.db"
expect_line "migrate says what it applied" "$T/stdout" "applied 3 migrations: schema version 3"
run migrate --db "sqlite:$T/m.db"
expect_rc "migrate again" 0
expect_text "migrate again does nothing" "$T/stdout" "schema version 3 is current: nothing to do"
if [ "$have_sqlite3" -eq 1 ]; then
    expect_text "schema_version" <(sqlite3 "$T/m.db" "SELECT version FROM schema_version") "1
2
3"
    expect_text "WAL mode" <(sqlite3 "$T/m.db" "PRAGMA journal_mode") "wal"
fi
printf 'not a database, just text that is long enough to have a header\n' >"$T/text.db"
run migrate --db "$T/text.db"
expect_rc "migrate a file that is not a database" 3

# ---- a small hand-written set --------------------------------------------------------

mkdir -p "$D/small"
printf '%s\n' \
    'handle,creator_id,category,followers,mcn_id,notes' \
    '"Lily, ""Glow"" Chen",30,beauty,5200,12,x' \
    'coco_88,10,food,900,,' \
    '"two, lines",20,travel,12000,12,"a record on' \
    'two lines (a handle is one line: core/text.h)"' \
    '小美的美妆日记,40,beauty,0,7,' >"$D/small/creators.csv"
printf '%s\r\n' \
    'post_id,creator_id,published_at,kind,views,likes,comments,collects' \
    '103,30,2019-05-14T16:30:00+08:00,sponsored,20000,800,40,12' \
    '101,10,2019-05-14T08:30:00Z,organic,100,5,1,0' \
    '102,99,2019-05-15,organic,1,1,1,1' \
    '104,20,2019-05-20T10:00:00.250Z,organic,15000,100,3,7' \
    '105,20,2019-05-21T01:00:00-05:30,sponsored,0,0,0,0' \
    '106,40,2019-05-22,organic,7,0,0,0' \
    '107,40,2019-05-22T23:59:59.123456789Z,organic,8,0,0,0' >"$D/small/posts.csv"
cat >"$D/small/want_creators.csv" <<'EOF'
creator_id,handle,category,followers,mcn_id
10,coco_88,food,900,
20,"two, lines",travel,12000,12
30,"Lily, ""Glow"" Chen",beauty,5200,12
40,小美的美妆日记,beauty,0,7
EOF
cat >"$D/small/want_posts.csv" <<'EOF'
post_id,creator_id,published_at,kind,views,likes,comments,collects
101,10,2019-05-14T08:30:00Z,organic,100,5,1,0
103,30,2019-05-14T08:30:00Z,sponsored,20000,800,40,12
104,20,2019-05-20T10:00:00.25Z,organic,15000,100,3,7
105,20,2019-05-21T06:30:00Z,sponsored,0,0,0,0
106,40,2019-05-22T00:00:00Z,organic,7,0,0,0
107,40,2019-05-22T23:59:59.123456789Z,organic,8,0,0,0
EOF

# import creates and migrates the file by itself.
run import --db "$T/small.db" --creators "$D/small/creators.csv" --posts "$D/small/posts.csv"
expect_rc "import the small set" 0
expect_grep "import summary" "$T/stderr" \
    "partnerd import: creators 4, posts 6, posts of unknown creators 1, skipped bad lines 0"
run export --db "$T/small.db" --creators "$T/small_c.csv" --posts "$T/small_p.csv"
expect_rc "export the small set" 0
expect_same "exported creators" "$D/small/want_creators.csv" "$T/small_c.csv"
expect_same "exported posts" "$D/small/want_posts.csv" "$T/small_p.csv"
expect_empty "export prints nothing" "$T/stdout"
ls "$T" | grep -q '\.tmp\.' && fail "export left a temporary file"
run export --db "$T/small.db" --creators - --posts "$T/small_p2.csv"
expect_rc "export creators to stdout" 0
expect_same "exported creators on stdout" "$D/small/want_creators.csv" "$T/stdout"
run export --db "$T/small.db" --creators - --posts -
expect_rc "export both to stdout" 2

# The export imports again into a new file and exports the same.
run import --db "$T/small2.db" --creators "$T/small_c.csv" --posts "$T/small_p.csv" --quiet
expect_rc "import the export" 0
expect_empty "import --quiet prints nothing" "$T/stderr"
run export --db "$T/small2.db" --creators "$T/small2_c.csv" --posts "$T/small2_p.csv"
expect_same "export of the export (creators)" "$T/small_c.csv" "$T/small2_c.csv"
expect_same "export of the export (posts)" "$T/small_p.csv" "$T/small2_p.csv"

if [ "$have_sqlite3" -eq 1 ]; then
    sqlite3 "$T/small.db" "PRAGMA foreign_key_check" >"$T/fk" 2>&1
    expect_empty "foreign keys hold after import" "$T/fk"
    expect_text "integrity after import" <(sqlite3 "$T/small.db" "PRAGMA integrity_check") "ok"
    expect_text "back in WAL mode after import" <(sqlite3 "$T/small.db" "PRAGMA journal_mode") "wal"
    expect_text "MCNs created from creators.csv" \
        <(sqlite3 "$T/small.db" "SELECT id || ' ' || name FROM mcns ORDER BY id") "$(printf '7 MCN 7\n12 MCN 12')"
    expect_text "indexes rebuilt" \
        <(sqlite3 "$T/small.db" "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'posts'") \
        "posts_by_creator_time
posts_by_time"
fi

# ---- bad files: exit 1, file:line: column, nothing stored ------------------------------

before=$(counts "$T/small.db")
"$PD" export --db "$T/small.db" --creators "$T/before_c.csv" --posts "$T/before_p.csv"

# expect_refused NAME STATUS MESSAGE CREATORS POSTS [OPTIONS...]
expect_refused() {
    local name=$1 want=$2 msg=$3 c=$4 p=$5
    shift 5
    run import --db "$T/small.db" --creators "$c" --posts "$p" "$@"
    expect_rc "$name: exit status" "$want"
    expect_grep "$name: message" "$T/stderr" "$msg"
    expect_text "$name: rows unchanged" <(counts "$T/small.db") "$before"
    "$PD" export --db "$T/small.db" --creators "$T/after_c.csv" --posts "$T/after_p.csv"
    expect_same "$name: creators unchanged" "$T/before_c.csv" "$T/after_c.csv"
    expect_same "$name: posts unchanged" "$T/before_p.csv" "$T/after_p.csv"
}

mkdir -p "$D/bad"
printf '%s\n' 'creator_id,handle,category,followers,mcn_id' '50,new,food,10,3' \
    '10,coco_renamed,food,901,' >"$D/bad/creators.csv"
printf '%s\n' 'post_id,creator_id,published_at,kind,views,likes,comments,collects' \
    '201,50,2019-05-22T00:00:00Z,organic,1,2,3,4' \
    '202,50,2019-05-22T00:00:00Z,organic,1,2,3,4' \
    '203,50,2019-05-22T00:00:00Z,organic,12a,2,3,4' \
    '204,50,2019-05-22T00:00:00Z,boosted,1,2,3,4' >"$D/bad/posts.csv"
expect_refused "bad views" 1 "$D/bad/posts.csv:4: column 5 (views): not a whole number: '12a'" \
    "$D/bad/creators.csv" "$D/bad/posts.csv"

printf '%s\n' 'creator_id,handle,category,followers,mcn_id' '50,new,food,10,3' '51,x,food,1,' \
    '50,again,food,11,' >"$D/bad/dup_creators.csv"
expect_refused "duplicate creator_id" 1 \
    "$D/bad/dup_creators.csv:4: column 1 (creator_id): duplicate creator_id 50 (first on line 2)" \
    "$D/bad/dup_creators.csv" "$D/small/posts.csv"

# The same posts again: post 103 is stored already (line 2 of the file).
expect_refused "post id stored already" 1 \
    "$D/small/posts.csv:2: column 1 (post_id): duplicate post_id" \
    "$D/small/creators.csv" "$D/small/posts.csv"

: >"$D/bad/empty.csv"
expect_refused "empty posts file" 1 "$D/bad/empty.csv: empty file" \
    "$D/small/creators.csv" "$D/bad/empty.csv"
expect_refused "unreadable file" 3 "$D/bad/nope.csv: cannot open" \
    "$D/small/creators.csv" "$D/bad/nope.csv"

# certify says the same about the bad file (same reader, same words).
run certify --creators "$D/bad/creators.csv" --posts "$D/bad/posts.csv" --policy red-2019-v2 \
    --as-of 2019-06-01 --quiet
expect_rc "certify on the bad file" 1
expect_grep "certify names the same line and column" "$T/stderr" \
    "$D/bad/posts.csv:4: column 5 (views): not a whole number: '12a'"

# ---- skipped lines ------------------------------------------------------------------------

run import --db "$T/skip.db" --creators "$D/bad/creators.csv" --posts "$D/bad/posts.csv" \
    --skip-bad-lines
expect_rc "import --skip-bad-lines" 0
expect_grep "skipped: first bad line" "$T/stderr" \
    "$D/bad/posts.csv:4: skipped: column 5 (views): not a whole number: '12a'"
expect_grep "skipped: second bad line" "$T/stderr" \
    "$D/bad/posts.csv:5: skipped: column 4 (kind): expected 'organic' or 'sponsored': 'boosted'"
expect_grep "skipped: summary" "$T/stderr" \
    "creators 2, posts 2, posts of unknown creators 0, skipped bad lines 2"

# ---- a generated set round-trips ------------------------------------------------------------

run gen --creators 2000 --seed 3 --out "$D/gen" --quiet
expect_rc "gen" 0
run import --db "$T/gen.db" --creators "$D/gen/creators.csv" --posts "$D/gen/posts.csv"
expect_rc "import the generated set" 0
unknown=$(sed -n 's/.*posts of unknown creators \([0-9,]*\),.*/\1/p' "$T/stderr" | tr -d ,)
run export --db "$T/gen.db" --creators "$T/gen_c.csv" --posts "$T/gen_p.csv"
expect_rc "export the generated set" 0

# The creators come back byte for byte (gen writes them sorted by id and
# quotes as export does).
expect_same "generated creators round-trip" "$D/gen/creators.csv" "$T/gen_c.csv"

# The posts: the input without the posts of unknown creators, instants in
# UTC with the fraction's trailing zeros dropped, sorted by post_id.
awk -F, -v cfile="$D/gen/creators.csv" -v dropped="$T/dropped" '
function days_from_civil(y, m, d,   era, yoe, doy, doe) {
    y -= (m <= 2)
    era = int(y / 400)
    yoe = y - era * 400
    doy = int((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
    doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
    return era * 146097 + doe - 719468
}
function civil(z,   era, doe, yoe, y, doy, mp, d, m) {
    z += 719468
    era = int(z / 146097)
    doe = z - era * 146097
    yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
    y = yoe + era * 400
    doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
    mp = int((5 * doy + 2) / 153)
    d = doy - int((153 * mp + 2) / 5) + 1
    m = mp < 10 ? mp + 3 : mp - 9
    if (m <= 2) y++
    return sprintf("%04d-%02d-%02d", y, m, d)
}
function utc(s,   t, rest, frac, off, day, rem) {
    if (length(s) == 10)
        return s "T00:00:00Z"
    t = days_from_civil(substr(s, 1, 4) + 0, substr(s, 6, 2) + 0, substr(s, 9, 2) + 0) * 86400 \
        + substr(s, 12, 2) * 3600 + substr(s, 15, 2) * 60 + substr(s, 18, 2)
    rest = substr(s, 20)
    frac = ""
    if (substr(rest, 1, 1) == ".") {
        match(rest, /^\.[0-9]+/)
        frac = substr(rest, 2, RLENGTH - 1)
        rest = substr(rest, RLENGTH + 1)
        frac = substr(frac, 1, 9)
        sub(/0+$/, "", frac)
    }
    off = 0
    if (rest != "Z")
        off = (substr(rest, 1, 1) == "-" ? -1 : 1) * (substr(rest, 2, 2) * 60 + substr(rest, 5, 2))
    t -= off * 60
    day = int(t / 86400)
    rem = t - day * 86400
    return civil(day) sprintf("T%02d:%02d:%02d", int(rem / 3600), int(rem / 60) % 60, rem % 60) \
        (frac != "" ? "." frac : "") "Z"
}
BEGIN {
    while ((getline line < cfile) > 0) {
        split(line, f, ",")
        if (f[1] ~ /^[0-9]+$/) known[f[1]] = 1
    }
}
NR == 1 { print; next }
!($2 in known) { n++; next }
{ $3 = utc($3); print }
END { print n + 0 > dropped }
' OFS=, "$D/gen/posts.csv" | sort -t, -k1,1n -s >"$T/gen_want_p.csv"
expect_same "generated posts round-trip" "$T/gen_want_p.csv" "$T/gen_p.csv"
[ "$(cat "$T/dropped")" -gt 0 ] && pass || fail "the generated set has no post of an unknown creator"
expect_text "import counted the posts of unknown creators" <(echo "$unknown") "$(cat "$T/dropped")"

# certify: the exported files give the same verdicts as the originals.
for policy in red-2019-v1 red-2019-v2; do
    run certify --creators "$D/gen/creators.csv" --posts "$D/gen/posts.csv" --policy "$policy" \
        --as-of 2019-06-01 --explain --quiet --out "$T/cert_orig.csv"
    expect_rc "certify the originals ($policy)" 0
    run certify --creators "$T/gen_c.csv" --posts "$T/gen_p.csv" --policy "$policy" \
        --as-of 2019-06-01 --explain --quiet --out "$T/cert_export.csv"
    expect_rc "certify the export ($policy)" 0
    expect_same "certify: export equals originals ($policy)" "$T/cert_orig.csv" "$T/cert_export.csv"
done

# Importing the export into a new file and exporting again changes nothing.
run import --db "$T/gen2.db" --creators "$T/gen_c.csv" --posts "$T/gen_p.csv" --quiet
expect_rc "import the generated export" 0
run export --db "$T/gen2.db" --creators "$T/gen2_c.csv" --posts "$T/gen2_p.csv"
expect_same "second round-trip (creators)" "$T/gen_c.csv" "$T/gen2_c.csv"
expect_same "second round-trip (posts)" "$T/gen_p.csv" "$T/gen2_p.csv"

pd_test_finish
