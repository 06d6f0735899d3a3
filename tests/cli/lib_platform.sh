# lib_platform.sh - a small platform for end-to-end tests of the API,
# sourced after lib.sh and lib_http.sh:
#
#   platform_setup DB          # creators 1..6 (MCNs 7 and 8), a brand, one user per role
#   start_server "$T/server.log" --db "$DB"
#   login ops                  # sets TOKEN_ops
#   api NAME METHOD PATH [BODY] [TOKEN]   # body in $T/body, status in $status
#   jcheck NAME 'python expression over d, the JSON body'
#
# Users (password "pw-<name>-secret"): ops (operator), brandy (brand 1),
# cre1 (creator 1, MCN 7), cre2 (creator 2, MCN 7), cre3 (creator 3, no
# MCN), mgr7 (MCN 7), mgr8 (MCN 8).

platform_creators_csv() {
    cat <<'CSV'
creator_id,handle,category,followers,mcn_id,extra
1,alice,beauty,12000,7,x
2,bob,food,3000,7,y
3,carol,tech,800,,z
4,dave,beauty,60000,8,
5,"eve, the great",fashion,20000,,
6,frank,beauty,4000,,
CSV
}

platform_user() { # NAME ROLE [LINK OPTION AND VALUE]
    local name=$1 role=$2
    shift 2
    printf 'pw-%s-secret\n' "$name" | "$PD" user add --db "$DB" --name "$name" --role "$role" "$@" \
        --password-stdin --password-cost min >"$T/useradd.out" 2>&1 || {
        fail "user add $name failed: $(cat "$T/useradd.out")"
        return 1
    }
}

platform_setup() {
    DB=$1
    platform_creators_csv >"$T/p_creators.csv"
    echo "post_id,creator_id,published_at,kind,views,likes,comments,collects" >"$T/p_posts.csv"
    "$PD" import --db "$DB" --creators "$T/p_creators.csv" --posts "$T/p_posts.csv" \
        >"$T/import.out" 2>&1 || fail "import failed: $(cat "$T/import.out")"
    python3 - "$DB" <<'PY' || fail "adding a brand failed"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("INSERT INTO brands (id, name, created_at) VALUES (1, 'acme', 0)")
c.commit()
PY
    platform_user ops operator
    platform_user brandy brand --brand 1
    platform_user cre1 creator --creator 1
    platform_user cre2 creator --creator 2
    platform_user cre3 creator --creator 3
    platform_user mgr7 mcn --mcn 7
    platform_user mgr8 mcn --mcn 8
}

# login NAME: sets TOKEN_<NAME> (through get: $T/body and $status change).
login() {
    local tok
    get "login $1" "$URL/api/login" -X POST -H 'Content-Type: application/json' \
        -d "{\"name\": \"$1\", \"password\": \"pw-$1-secret\"}"
    tok=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' <"$T/body" 2>/dev/null)
    [ -n "$tok" ] || fail "login $1 failed"
    printf -v "TOKEN_$1" '%s' "$tok"
}

# api NAME METHOD PATH [BODY] [TOKEN]: a JSON request; "-" as BODY sends none.
api() {
    local name=$1 method=$2 path=$3 body=${4:--} token=${5:-}
    local args=(-X "$method")
    [ "$body" != "-" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
    get "$name" "$URL$path" "${args[@]}"
}

# as USER NAME METHOD PATH [BODY]: api with USER's token.
as() {
    local user=$1
    shift
    local var="TOKEN_$user"
    api "$1" "$2" "$3" "${4:--}" "${!var}"
}

# jcheck NAME EXPR: EXPR (Python, over d = the JSON body) is true.
jcheck() {
    if python3 - "$T/body" "$2" <<'PY' 2>"$T/jcheck.err"; then
import json, sys
d = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2])
sys.exit(0 if ok else 1)
PY
        pass
    else
        fail "$1: not ($2): $(head -c 400 "$T/body") $(tail -n 1 "$T/jcheck.err")"
        return 1
    fi
}

# jget EXPR: prints EXPR over the JSON body.
jget() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/body" "$1"
}

# expect NAME STATUS [ERROR_CODE]: the status, and for errors the JSON error.
expect() {
    expect_status "$1" "$2" || return 1
    [ -z "${3:-}" ] || expect_json_error "$1" "$3"
}
