#!/usr/bin/env bash
# serve_e2e.sh - `partnerd serve` as a client sees it: a real server on a
# port the system picks (127.0.0.1 only), driven with curl and python3.
# Covers /healthz, /metrics (counters move), JSON 404/405/400/413 errors,
# the server staying up after an oversize body, keep-alive (two requests,
# one connection), bursts of 128, 256 and 300 connections open at once
# (libmicrohttpd 0.9.75 stalls on such bursts when one of its epoll
# threads gets 128 at once; see docs/internals/http.md) and 300 parallel
# curls, one JSON log line per request, a client past --max-connections
# waiting and then served (not reset), and a graceful SIGTERM: a slow
# request in flight finishes, new connections are refused, exit status 0.
. "$(dirname "$0")/lib.sh"
pd_test_init serve_e2e "$@"


. "$(dirname "$0")/lib_http.sh"

# metric NAME SERIES: the value of one series in a fresh scrape (0 if absent).
metric() {
    curl -s --max-time 10 "$URL/metrics" | awk -v s="$1" '$1 == s {v = $2} END {print v + 0}'
}

start_server "$T/server.log" --max-body 4096 --threads 2 --metrics-access public || { pd_test_finish; }

# ---- the database it made -------------------------------------------------------------
# It holds password hashes and tokens: its owner's only. With no account in
# it, the server says how to add the first.
mode=$(stat -c %a "$T/server.db")
[ "$mode" = 600 ] && pass || fail "a new database file is mode $mode, expected 600"
expect_grep "a database without accounts: says how to add one" "$T/server.log" \
    "partnerd user add --db $T/server.db --name admin --role operator"

# ---- health and metrics -----------------------------------------------------------
get healthz "$URL/healthz"
expect_status "healthz" 200
echo >>"$T/body"
expect_text "healthz body" "$T/body" '{"status":"ok"}'
ct=$(curl -s -o /dev/null -w '%{content_type}' "$URL/healthz")
[ "$ct" = "application/json" ] && pass || fail "healthz Content-Type: '$ct'"

status=$(curl -s -I -o "$T/head" -w '%{http_code}' "$URL/healthz")
expect_status "HEAD healthz" 200

series='partnerd_http_requests_total{route="ops.healthz",status="200"}'
before=$(metric "$series")
for _ in 1 2 3; do curl -s -o /dev/null "$URL/healthz"; done
after=$(metric "$series")
[ "$after" -eq $((before + 3)) ] && pass || fail "metrics: healthz 200 count $before -> $after, expected +3"

get metrics "$URL/metrics"
expect_status "metrics" 200
expect_grep "metrics: counter type" "$T/body" '# TYPE partnerd_http_requests_total counter'
expect_grep "metrics: histogram type" "$T/body" '# TYPE partnerd_http_request_duration_seconds histogram'
expect_grep "metrics: histogram +Inf" "$T/body" 'partnerd_http_request_duration_seconds_bucket{route="ops.healthz",le="+Inf"}'
expect_grep "metrics: in flight" "$T/body" 'partnerd_http_requests_in_flight '
# Every line is a comment or NAME{labels} VALUE.
if grep -vE '^(# (HELP|TYPE) .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+]+)$' "$T/body" >"$T/badlines"; then
    fail "metrics: lines not in the text format:"
    head -n 5 "$T/badlines" | sed 's/^/    /'
else
    pass
fi
ct=$(curl -s -o /dev/null -w '%{content_type}' "$URL/metrics")
case "$ct" in text/plain*version=0.0.4*) pass ;; *) fail "metrics Content-Type: '$ct'" ;; esac

# ---- errors as JSON ----------------------------------------------------------------
get "404" "$URL/no/such/path"
expect_status "unknown path" 404
expect_json_error "unknown path" not_found

get "405" "$URL/healthz" -X DELETE -D "$T/headers"
expect_status "wrong method" 405
expect_json_error "wrong method" method_not_allowed
expect_grep "405 Allow header" "$T/headers" 'Allow: GET, HEAD'

get "bad query" "$URL/healthz?a=%zz"
expect_status "bad percent-encoding in the query" 400
expect_json_error "bad query" invalid_input

get "trailing slash" "$URL/healthz/"
expect_status "trailing slash is another path" 404

get "encoded path" "$URL/heal%74hz"
expect_status "percent-encoded path segment" 200

series404='partnerd_http_requests_total{route="unmatched",status="404"}'
[ "$(metric "$series404")" -ge 2 ] && pass || fail "metrics: 404s not counted"

# ---- body limit -------------------------------------------------------------------
head -c 5000 /dev/zero | tr '\0' x >"$T/big.bin"
get "413" "$URL/healthz" --data-binary @"$T/big.bin"
expect_status "oversize body (Content-Length)" 413
expect_json_error "oversize body" too_large
get "413 no expect" "$URL/healthz" --data-binary @"$T/big.bin" -H 'Expect:'
expect_status "oversize body without Expect: 100-continue" 413
get "413 chunked" "$URL/healthz" --data-binary @"$T/big.bin" -H 'Transfer-Encoding: chunked'
expect_status "oversize chunked body" 413
expect_json_error "oversize chunked body" too_large
# The oversize answer closes its connection (it is not left half-read):
# the next request in the same curl opens a new one, and is answered.
w='%{http_code} %{num_connects}\n'
out=$(curl -s -o /dev/null -w "$w" --max-time 10 --data-binary @"$T/big.bin" -H 'Expect:' \
    "$URL/healthz" --next -s -o /dev/null -w "$w" --max-time 10 "$URL/healthz" | tr '\n' ' ')
[ "$out" = "413 1 200 1 " ] && pass || fail "413 then the next request: '$out', expected '413 1 200 1 '"
get "after 413" "$URL/healthz"
expect_status "still serving after oversize bodies" 200
# A body under the limit on a GET-only route: read, then 405, connection kept.
out=$(curl -s -o /dev/null -w "$w" --max-time 10 --data-binary 'small' "$URL/healthz" \
    --next -s -o /dev/null -w "$w" --max-time 10 "$URL/healthz" | tr '\n' ' ')
[ "$out" = "405 1 200 0 " ] && pass || fail "small body then GET: '$out', expected '405 1 200 0 '"

# Headers of 12 KB (a browser's cookies at their worst) fit the connection
# memory (16 KiB, the size Node.js allows for headers); past it they are
# refused by libmicrohttpd, and the server lives on.
get "12 KB header" "$URL/healthz" -H "X-Big: $(head -c 12000 /dev/zero | tr '\0' h)"
expect_status "a 12 KB header is read" 200
big_header=$(head -c 100000 /dev/zero | tr '\0' h)
get "huge header" "$URL/healthz" -H "X-Big: $big_header"
case "$status" in 431 | 413 | 400) pass ;; *) fail "huge header: status $status" ;; esac
get "after huge header" "$URL/healthz"
expect_status "still serving after a huge header" 200

# ---- keep-alive ----------------------------------------------------------------------
curl -s -o /dev/null -o /dev/null -w '%{num_connects}\n' --max-time 10 "$URL/healthz" "$URL/metrics" >"$T/connects"
expect_text "keep-alive: two requests, one connection" "$T/connects" "1
0"

# ---- 128, 256 and 300 connections at once --------------------------------------------
# Opened in one burst of non-blocking connects, as wrk does: libmicrohttpd
# 0.9.75's own epoll thread leaves such a burst of 256 unanswered when it
# gets 128 of them at once, which is why the server runs its daemons from
# threads of its own, never blocking inside them (docs/internals/http.md);
# this server has two connection threads, so each then holds 128 or more.
port=${URL##*:}
for n in 128 256 300; do
    if python3 - "$port" "$n" >"$T/concurrent" 2>&1 <<'PY'; then
import selectors, socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for _ in range(n):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    socks.append(s)
sel = selectors.DefaultSelector()
for s in socks:
    sel.register(s, selectors.EVENT_WRITE)
pending, deadline = set(socks), time.time() + 10
while pending and time.time() < deadline:
    for key, _ in sel.select(timeout=1):
        sel.unregister(key.fileobj)
        pending.discard(key.fileobj)
if pending:
    sys.exit(f"{len(pending)} of {n} connections not established")
# Every connection open before any request; then two rounds on each.
for s in socks:
    s.setblocking(True)
    s.settimeout(10)
for rnd in range(2):
    for s in socks:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
    for i, s in enumerate(socks):
        data = b""
        try:
            while not data.endswith(b'{"status":"ok"}'):
                chunk = s.recv(4096)
                if not chunk:
                    sys.exit(f"round {rnd}, connection {i}: closed after {data[:80]!r}")
                data += chunk
        except socket.timeout:
            sys.exit(f"round {rnd}, connection {i}: no answer in 10 s (stalled)")
        assert data.startswith(b"HTTP/1.1 200"), data[:80]
for s in socks:
    s.close()
PY
        pass
    else
        fail "$n connections at once: $(tail -n 3 "$T/concurrent")"
    fi
done
# And many short-lived ones in parallel.
seq 1 300 | xargs -P 100 -I{} curl -s -o /dev/null -w '%{http_code}\n' --max-time 15 "$URL/healthz" >"$T/parallel"
n200=$(grep -c '^200$' "$T/parallel")
[ "$n200" -eq 300 ] && pass || fail "300 parallel curls: $n200 answered 200"

# ---- one structured log line per request ----------------------------------------------
curl -s -o /dev/null "$URL/healthz?from=log-test"
sleep 0.2
if python3 - "$T/server.log" <<'PY'; then
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("{")]
events = [json.loads(l) for l in lines]          # every JSON line parses
reqs = [e for e in events if e["msg"] == "request"]
assert reqs, "no request lines"
for e in reqs:
    for k in ("level", "time", "method", "path", "route", "status", "bytes", "us", "client"):
        assert k in e, (k, e)
ok = [e for e in reqs if e["path"] == "/healthz" and e["status"] == 200]
e = ok[-1]
assert e["route"] == "ops.healthz" and e["method"] == "GET" and e["client"] == "127.0.0.1", e
assert e["bytes"] == 15 and isinstance(e["us"], int), e
PY
    pass
else
    fail "log lines are not one JSON object per request with its fields"
fi

# ---- graceful stop --------------------------------------------------------------------
# A POST whose 3000-byte body trickles in at 1000 bytes/s is in flight when
# SIGTERM arrives; it must be answered (405: /healthz is GET only, answered
# after the whole body is read) and the server must then exit 0.
head -c 3000 /dev/zero | tr '\0' s >"$T/slow.bin"
curl -s -o "$T/slow_body" -w '%{http_code}' --max-time 20 --limit-rate 1000 -H 'Expect:' \
    --data-binary @"$T/slow.bin" "$URL/healthz" >"$T/slow_status" &
slow_pid=$!
sleep 1
kill -TERM "$server_pid"
sleep 0.3
# New connections are refused while the slow one drains.
if curl -s -o /dev/null --max-time 3 "$URL/healthz"; then
    fail "a new connection was accepted after SIGTERM"
else
    pass
fi
wait "$slow_pid"
echo >>"$T/slow_status"
expect_text "slow request in flight at SIGTERM is answered" "$T/slow_status" "405"
wait "$server_pid"
rc=$?
server_pid=
expect_rc "exit status after SIGTERM" 0
expect_grep "stop logged" "$T/server.log" '"msg":"stopped"'

# SIGINT works the same, with nothing in flight.
start_server "$T/server2.log" && {
    kill -INT "$server_pid"
    wait "$server_pid"
    rc=$?
    server_pid=
    expect_rc "exit status after SIGINT" 0
}

# ---- at --max-connections, new clients wait; they are not reset ------------------------
start_server "$T/server4.log" --max-connections 3 && {
    expect_grep "the listening line gives the threads" "$T/server4.log" '"threads":'
    if python3 - "${URL##*:}" >"$T/limit" 2>&1 <<'PY'; then
import socket, sys, time
port = int(sys.argv[1])
def ask(s):
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
def answer(s, timeout):
    s.settimeout(timeout)
    data = b""
    while not data.endswith(b'{"status":"ok"}'):
        chunk = s.recv(4096)
        if not chunk:
            sys.exit(f"closed after {data[:80]!r}")
        data += chunk
    assert data.startswith(b"HTTP/1.1 200"), data[:80]
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
for s in held:
    ask(s)
    answer(s, 5)
extra = socket.create_connection(("127.0.0.1", port))  # the kernel's backlog takes it
ask(extra)
try:
    answer(extra, 1)
    sys.exit("a 4th connection was answered past --max-connections 3")
except socket.timeout:
    pass
held[0].close()  # room for one: the waiting client is served, not reset
answer(extra, 5)
for s in held[1:] + [extra]:
    ask(s)
    answer(s, 5)
PY
        pass
    else
        fail "--max-connections 3: $(tail -n 3 "$T/limit")"
    fi
    kill -TERM "$server_pid"
    wait "$server_pid"
    server_pid=
}

# ---- options ------------------------------------------------------------------------
run serve --db "$T/opts.db" --listen nonsense
expect_rc "bad --listen" 2
expect_grep "bad --listen says why" "$T/stderr" "ADDR:PORT"
run serve --threads 1
expect_rc "--threads 1" 2
run serve --handlers 0
expect_rc "--handlers 0" 2
expect_grep "--handlers 0 says the range" "$T/stderr" "from 1 to 1024"
run serve --bogus
expect_rc "unknown option" 2
run serve --help
expect_rc "--help" 0
expect_grep "--help lists --listen" "$T/stdout" "--listen ADDR:PORT"
expect_grep "--help says what --demo serves" "$T/stdout" "one account per role"
expect_grep "--help says how to start on one's own data" "$T/stdout" "partnerd migrate --db partnerd.db"
# Without --db (nor --demo) nothing is made where it happens to run: a usage
# error that names both ways.
mkdir -p "$T/cwd"
(cd "$T/cwd" && "$PD" serve --listen 127.0.0.1:0 >"$T/stdout" 2>"$T/stderr")
rc=$?
expect_rc "serve without --db" 2
expect_grep "serve without --db names --db" "$T/stderr" "--db FILE"
expect_grep "serve without --db names --demo" "$T/stderr" "--demo"
[ -z "$(ls -A "$T/cwd")" ] && pass || fail "serve without --db made files: $(ls -A "$T/cwd")"
# A port in use: exit 3 with the reason.
start_server "$T/server3.log" && {
    run serve --db "$T/opts.db" --listen "${URL#http://}"
    expect_rc "port in use" 3
    expect_grep "port in use says so" "$T/stderr" "in use"
    kill -TERM "$server_pid"
    wait "$server_pid"
    server_pid=
}
# IPv6: [::1]:0 binds and reports its URL (no traffic: tests talk to
# 127.0.0.1 only), when the machine has IPv6 loopback.
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
    : >"$T/server6.log"
    "$PD" serve --db "$T/server6.db" --listen '[::1]:0' 2>"$T/server6.log" &
    server_pid=$!
    url6=
    for _ in $(seq 1 100); do
        url6=$(sed -n 's/^partnerd serve: listening on \(http:[^ ]*\)$/\1/p' "$T/server6.log")
        [ -n "$url6" ] && break
        sleep 0.1
    done
    case "$url6" in http://\[::1\]:[1-9]*) pass ;; *) fail "IPv6 URL: '$url6'" ;; esac
    kill -TERM "$server_pid"
    wait "$server_pid"
    rc=$?
    server_pid=
    expect_rc "IPv6 server stops" 0
fi
for bad in '[::1' '[::1]8080' '::1:8080' '127.0.0.1' '127.0.0.1:' '127.0.0.1:65536' 'example.com:80' '[zz]:1'; do
    run serve --db "$T/opts.db" --listen "$bad"
    expect_rc "--listen '$bad'" 2
done

pd_test_finish
