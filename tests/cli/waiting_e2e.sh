#!/usr/bin/env bash
# waiting_e2e.sh - a request that waits never holds up the others: with two
# connection threads, writes that wait for the database's write lock (held
# by another process) run on the handler threads, and discovery, profiles
# and /healthz on new and kept-alive connections, and reads on the handler
# threads (their own lane), are answered at once meanwhile; when the lock
# is let go every waiting write lands. Then a stop
# whose drain runs out while a write still waits: later requests get 503,
# the write is answered, the exit status is 0.
. "$(dirname "$0")/lib.sh"
pd_test_init waiting_e2e "$@"
. "$(dirname "$0")/lib_http.sh"
. "$(dirname "$0")/lib_platform.sh"

command -v sqlite3 >/dev/null 2>&1 || {
    fail "sqlite3 (the command-line shell, installed by scripts/deps.sh test) is needed to hold the write lock from another process"
    pd_test_finish
}

platform_setup "$T/waiting.db"
start_server "$T/server.log" --db "$DB" --threads 2 --handlers 8 || pd_test_finish
login ops
login brandy
page='/api/creators?category=beauty&sort=followers&limit=20'

# Another process takes the write lock and keeps it for HOLD seconds.
HOLD=3
WRITES=10
{ echo "BEGIN IMMEDIATE;"; echo "UPDATE creators SET bio = 'held' WHERE id = 6;"; sleep "$HOLD"; echo "COMMIT;"; } |
    sqlite3 "$DB" >"$T/holder.out" 2>&1 &
holder=$!
sleep 0.5

# More writes than the connection threads (and than the handler threads):
# each waits for the lock.
for i in $(seq 1 $WRITES); do
    curl -s -o "$T/write$i.body" -w '%{http_code}' --max-time 20 -X PATCH \
        -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN_ops" \
        --data-binary "{\"followers\": $((5000 + i))}" "$URL/api/creators/$(( (i - 1) % 6 + 1 ))" >"$T/write$i.status" &
    writers+=($!)
done
sleep 0.5

# Meanwhile: quick routes answer well inside the hold.
t0=$EPOCHREALTIME
as brandy "discovery during the writes" GET "$page"
expect "discovery while the writes wait" 200
as brandy "profile during the writes" GET /api/creators/4
expect "a profile while the writes wait" 200
get "healthz during the writes" "$URL/healthz"
expect_status "/healthz while the writes wait" 200
# A read that is not quick runs on the handler threads too, in a lane of
# its own: the writes fill theirs.
as ops "policies during the writes" GET /api/policies
expect "the policy list (a handler thread's read) while the writes wait" 200
# Two requests on one kept-alive connection.
curl -s -o /dev/null -o /dev/null -w '%{http_code}\n' --max-time 10 \
    -H "Authorization: Bearer $TOKEN_brandy" "$URL$page" "$URL/healthz" >"$T/keepalive.out"
[ "$(tr '\n' ' ' <"$T/keepalive.out")" = "200 200 " ] && pass ||
    fail "two requests on one connection during the writes: $(cat "$T/keepalive.out")"
took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%d", (b - a) * 1000}')
[ "$took" -lt 1500 ] && pass ||
    fail "the quick requests took $took ms while the writes waited (the lock is held ${HOLD} s)"
still=0
for p in "${writers[@]}"; do kill -0 "$p" 2>/dev/null && still=$((still + 1)); done
[ "$still" -eq "$WRITES" ] && pass || fail "only $still of $WRITES writes were still waiting for the lock"

# The lock let go: every write lands.
wait "$holder"
for p in "${writers[@]}"; do wait "$p"; done
for i in $(seq 1 $WRITES); do
    s=$(cat "$T/write$i.status")
    [ "$s" = 200 ] && pass || fail "write $i after the lock: $s $(head -c 300 "$T/write$i.body")"
done
as brandy "creator 6 after" GET /api/creators/6
jcheck "the waiting write to creator 6 landed after the other process's" "d['followers'] == 5006 and d['bio'] == 'held'"

stop_server

# ---- stopping while a handler still waits --------------------------------------------------
# The drain (1 s) runs out while a write waits for the lock: the handler
# threads finish it but take nothing more, and a request that comes on a
# kept-alive connection meanwhile gets a 503 at once; the held write is
# answered when the lock goes, and the server exits 0.
start_server "$T/server2.log" --db "$DB" --threads 2 --handlers 2 --drain 1 || pd_test_finish
login ops
{ echo "BEGIN IMMEDIATE;"; echo "UPDATE creators SET bio = 'held again' WHERE id = 5;"; sleep 4; echo "COMMIT;"; } |
    sqlite3 "$DB" >"$T/holder2.out" 2>&1 &
holder=$!
python3 - "${URL##*:}" "$TOKEN_ops" >"$T/stopping.out" 2>&1 <<'PY' &
import http.client, json, sys, time
port, token = int(sys.argv[1]), sys.argv[2]
auth = {"Authorization": "Bearer " + token}
kept = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
kept.request("GET", "/healthz")
r = kept.getresponse(); r.read()
print("kept", r.status)
time.sleep(0.3)
held = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
held.request("PATCH", "/api/creators/5", body=json.dumps({"followers": 7777}),
             headers=dict(auth, **{"Content-Type": "application/json"}))
print("sent", flush=True)
time.sleep(2.0)  # SIGTERM comes 0.2 s after "sent", the drain ends 1 s later
t0 = time.monotonic()
kept.request("GET", "/api/policies", headers=auth)
r = kept.getresponse(); body = r.read()
print("late", r.status, json.loads(body)["error"]["code"], "%.2f" % (time.monotonic() - t0))
r = held.getresponse(); r.read()
print("held", r.status)
PY
client=$!
# SIGTERM once the held write is in (waiting for the lock), however long
# python took to start on a loaded machine.
for _ in $(seq 1 100); do
    grep -qx sent "$T/stopping.out" 2>/dev/null && break
    sleep 0.1
done
sleep 0.2
kill -TERM "$server_pid"
wait "$server_pid"
rc=$?
server_pid=
expect_rc "server stops after the held write" 0
wait "$client"
wait "$holder"
expect_line "the kept-alive connection was served" "$T/stopping.out" "kept 200"
grep -Eq '^late 503 unavailable 0\.[0-4]' "$T/stopping.out" && pass ||
    fail "a request after the drain: $(grep late "$T/stopping.out" || cat "$T/stopping.out")"
expect_line "the held write is answered" "$T/stopping.out" "held 200"
pd_test_finish
