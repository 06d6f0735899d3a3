# lib_http.sh - helpers for end-to-end tests of `partnerd serve`, sourced
# after lib.sh: start a real server on a port the system picks (127.0.0.1
# only), make requests with curl, check statuses and JSON error bodies.
# The server is killed when the script exits.
#
# Every answer `get` receives is recorded under $T/answers (the request's
# name, URL and curl arguments; the answer's status, method, URL, headers
# and body: tests/node/validate_answers.mjs describes the files), and
# start_server saves the server's /openapi.json as $T/openapi.json. At
# pd_test_finish each answer is validated against the document: its
# status, headers and body must be those the route's operation describes,
# so a test that meets an answer the document does not describe fails,
# naming the route, the status and the validator's message. A test that
# makes requests some other way records them with record_answer.

command -v curl >/dev/null || { echo "$pd_test_name: curl missing (scripts/deps.sh test)"; exit 1; }
command -v python3 >/dev/null || { echo "$pd_test_name: python3 missing (scripts/deps.sh test)"; exit 1; }

node_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../node" && pwd)
mkdir -p "$T/answers"
pd_answer_seq=0

server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL "$server_pid" 2>/dev/null
    fi
}
trap cleanup EXIT

# stop_server: SIGTERM, and the exit status must be 0 (a graceful stop).
stop_server() {
    kill -TERM "$server_pid"
    wait "$server_pid"
    rc=$?
    server_pid=
    expect_rc "server stops" 0
}

# stop_server_clean LOG: stop_server, and no sanitizer report in the
# server's LOG (an ASan build writes them there).
stop_server_clean() {
    stop_server
    if grep -qE "AddressSanitizer|LeakSanitizer|runtime error:" "$1"; then
        fail "the sanitizers reported in $1:"
        grep -E -A20 "AddressSanitizer|LeakSanitizer|runtime error:" "$1" | head -40 | sed 's/^/    /'
    else
        pass
    fi
}

# start_server LOG ARGS...: starts partnerd serve in the background on a
# database beside LOG (LOG minus .log, plus .db; pass --db to choose), waits
# for "listening on URL" in LOG (START_SECONDS, default 10: a --demo server
# needs more) and sets server_pid and URL.
start_server() {
    local log=$1
    shift
    : >"$log"
    "$PD" serve --listen 127.0.0.1:0 --db "${log%.log}.db" "$@" 2>"$log" &
    server_pid=$!
    URL=
    for _ in $(seq 1 $((${START_SECONDS:-10} * 10))); do
        URL=$(sed -n 's/^partnerd serve: listening on \(http:[^ ]*\)$/\1/p' "$log" | head -n 1)
        if [ -n "$URL" ]; then
            # the document the answers are validated against (one binary, one document)
            [ -s "$T/openapi.json" ] ||
                curl -s --max-time 10 -o "$T/openapi.json" "$URL/openapi.json" ||
                fail "GET /openapi.json failed: the answers cannot be validated"
            return 0
        fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    fail "server did not start:"
    sed 's/^/    /' "$log" | head -n 20
    return 1
}

# get NAME URL [CURL ARGS...]: body in $T/body, status in $status. The
# answer is recorded for validation (see the top).
get() {
    local name=$1 url=$2 id out a prev= dump=
    shift 2
    answer_id
    id=$pd_answer_id
    for a in "$@"; do # the test's own -D FILE wins over ours: copied after
        case $prev in -D | --dump-header) dump=$a ;; esac
        prev=$a
    done
    : >"$T/body" # an answer without a body leaves none of the last one
    out=$(curl -s -o "$T/body" -D "$id.headers" -w '%{http_code}\n%{method}\n%{url_effective}' \
        --max-time 10 "$@" "$url")
    status=${out%%$'\n'*}
    [ -z "$dump" ] || cp "$dump" "$id.headers"
    record_answer "$id" "$name" "$url" "$out" "$T/body" "$@"
}

# answer_id: sets pd_answer_id to a new answer's path without its
# extension, unique across subshells (the request writes ID.headers, then
# record_answer the rest).
answer_id() {
    pd_answer_id=$T/answers/$BASHPID.$((++pd_answer_seq)).$SRANDOM
}

# record_answer ID NAME URL META BODY_FILE [CURL ARGS...]: records an
# answer whose headers are in ID.headers (curl -D): META is its status,
# method and URL, one a line (curl -w '%{http_code}\n%{method}\n%{url_effective}'),
# the curl arguments those that made the request.
record_answer() {
    local id=$1 name=$2 url=$3 meta=$4 body=$5
    shift 5
    printf '%s\n' "$meta" >"$id.meta"
    printf '%s\0' "$name" "$url" "$@" >"$id.args"
    [ ! -s "$body" ] || cp "$body" "$id.body"
}

# The hook of pd_test_finish (lib.sh): every recorded answer against the
# server's document.
pd_test_finish_hook() {
    [ -n "$(ls -A "$T/answers" 2>/dev/null)" ] || return 0
    if [ ! -s "$T/openapi.json" ]; then
        fail "answers were recorded, but no server's /openapi.json was saved to validate them"
    elif [ ! -d "$node_dir/node_modules/ajv" ]; then
        fail "the answers' validator is not installed: run (cd tests/node && npm ci), as scripts/test.sh does"
    elif node "$node_dir/validate_answers.mjs" "$T/openapi.json" "$T/answers" >"$T/answers.out" 2>&1; then
        pass
    else
        fail "answers the OpenAPI document does not describe (tests/node/validate_answers.mjs):"
        grep -v '^validate_answers:' "$T/answers.out" | head -n 40 | sed 's/^/    /'
        tail -n 1 "$T/answers.out" | sed 's/^/    /'
    fi
}

# expect_status NAME WANT
expect_status() {
    if [ "$status" != "$2" ]; then
        fail "$1: status $status, expected $2; body: $(head -c 300 "$T/body")"
        return 1
    fi
    pass
}

# expect_json_error NAME CODE: the body is {"error":{"code":CODE,"message":non-empty}}.
expect_json_error() {
    if ! python3 - "$T/body" "$2" <<'PY'; then
import json, sys
doc = json.load(open(sys.argv[1]))
assert set(doc) == {"error"}, doc
e = doc["error"]
assert set(e) == {"code", "message"}, e
assert e["code"] == sys.argv[2], e
assert isinstance(e["message"], str) and e["message"], e
PY
        fail "$1: not the JSON error '$2': $(head -c 300 "$T/body")"
        return 1
    fi
    pass
}

