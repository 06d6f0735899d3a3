# lib_http.sh - helpers for end-to-end tests of `partnerd serve`, sourced
# after lib.sh: start a real server on a port the system picks (127.0.0.1
# only), make requests with curl, check statuses and JSON error bodies.
# The server is killed when the script exits.

command -v curl >/dev/null || { echo "$pd_test_name: curl missing (scripts/deps.sh test)"; exit 1; }
command -v python3 >/dev/null || { echo "$pd_test_name: python3 missing (scripts/deps.sh test)"; exit 1; }

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
# for "listening on URL" in LOG and sets server_pid and URL.
start_server() {
    local log=$1
    shift
    : >"$log"
    "$PD" serve --listen 127.0.0.1:0 --db "${log%.log}.db" "$@" 2>"$log" &
    server_pid=$!
    URL=
    for _ in $(seq 1 100); do
        URL=$(sed -n 's/^partnerd serve: listening on \(http:[^ ]*\)$/\1/p' "$log" | head -n 1)
        [ -n "$URL" ] && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    fail "server did not start:"
    sed 's/^/    /' "$log" | head -n 20
    return 1
}

# get NAME URL [CURL ARGS...]: body in $T/body, status in $status.
get() {
    local name=$1 url=$2
    shift 2
    status=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 10 "$@" "$url")
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

