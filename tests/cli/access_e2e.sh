#!/usr/bin/env bash
# access_e2e.sh - who may call what, for EVERY route the server has.
#
# The route list comes from the running server (GET /openapi.json); each
# route is called with no token and as each kind of user, and the status
# must be exactly the one in the table below. A route the table lacks, or a
# table row for a route the server lacks, fails the test: adding a route
# means deciding here who may call it.
#
# Callers: none (no token), ops (operator), brand (brand staff), own
# (creator 1's user: path ids are creator 1), other (creator 3's user), mcn
# (manager of MCN 7, creator 1's MCN), mcn8 (manager of MCN 8).
#
# Requests are built so that a caller the guard lets through is told apart
# from one it refuses without changing anything: writes send the body "{}"
# (a handler refuses it: 400), reads of existing things answer 200. So 401
# means "sign in", 403 "not yours", 400/200/404 "let through". Sign-out
# routes are called last, each caller's token ending with them.
. "$(dirname "$0")/lib.sh"
pd_test_init access_e2e "$@"
. "$(dirname "$0")/lib_http.sh"
. "$(dirname "$0")/lib_platform.sh"

platform_setup "$T/access.db"
start_server "$T/server.log" --db "$DB" || pd_test_finish
for u in ops brandy cre1 cre3 mgr7 mgr8; do login "$u"; done
# Things the paths name: creator 1 (MCN 7), its post (published by the
# creator, its views fed by an operator), policy 1.
as cre1 "a post" POST /api/creators/1/posts '{"kind": "organic"}'
expect "setup: a post" 201
post=$(jget "d['post']['id']")
as ops "its views" PUT "/api/posts/$post/metrics" '{"views": 10, "likes": 0, "comments": 0, "collects": 0}'
expect "setup: its views" 200
as ops "policy 1" POST /api/policies '{"name": "acc-v1", "window_days": 30, "rules": {"min_followers": 1000}}'
expect "setup: policy 1" 201

# METHOD PATH [ID] : none ops brand own other mcn mcn8
# (ID: the value for the path's parameter ({id}, {name}); '.' for none)
cat >"$T/table" <<'TABLE'
GET    /healthz                              . : 200 200 200 200 200 200 200
GET    /metrics                              . : 401 200 403 403 403 403 403
GET    /openapi.json                         . : 200 200 200 200 200 200 200
POST   /api/login                            . : 400 400 400 400 400 400 400
GET    /api/me                               . : 401 200 200 200 200 200 200
GET    /api/creators                         . : 401 200 200 200 200 200 200
POST   /api/creators                         . : 401 400 403 403 403 403 403
GET    /api/creators/{id}                    1 : 401 200 200 200 200 200 200
PATCH  /api/creators/{id}                    1 : 401 400 403 400 403 403 403
GET    /api/creators/{id}/certification      1 : 401 200 403 200 403 200 403
GET    /api/creators/{id}/followers          1 : 401 200 403 200 403 200 403
GET    /api/creators/{id}/posts              1 : 401 200 200 200 200 200 200
POST   /api/creators/{id}/posts              1 : 401 400 403 400 403 403 403
GET    /api/posts/{id}                       POST : 401 200 200 200 200 200 200
PUT    /api/posts/{id}/metrics               POST : 401 400 403 403 403 403 403
POST   /api/import/creators                  . : 401 400 403 403 403 403 403
POST   /api/import/posts                     . : 401 400 403 403 403 403 403
GET    /api/policies                         . : 401 200 403 403 403 403 403
POST   /api/policies                         . : 401 400 403 403 403 403 403
GET    /api/policies/{id}                    1 : 401 200 403 403 403 403 403
POST   /api/policies/{id}/activate           1 : 401 400 403 403 403 403 403
POST   /api/policies/impact                  . : 401 400 403 403 403 403 403
GET    /api/activations                      . : 401 200 403 403 403 403 403
GET    /api/certification                    . : 401 200 200 200 200 200 200
GET    /api/mcns/{id}/creators               7 : 401 200 403 403 403 200 403
GET    /                                     . : 303 303 303 303 303 303 303
GET    /login                                . : 200 200 200 200 200 200 200
POST   /login                                . : 400 400 400 400 400 400 400
POST   /logout                               . : 303 303 303 303 303 303 303
GET    /discover                             . : 303 200 200 200 200 200 200
GET    /creators/{id}                        1 : 303 200 200 200 200 200 200
GET    /simulator                            . : 303 200 403 403 403 403 403
GET    /mcns/{id}                            7 : 303 200 403 403 403 200 403
GET    /static/{name}                        . : 404 404 404 404 404 404 404
POST   /api/logout                           . : 401 200 200 200 200 200 200
GET    /                                     . : 303 303 303 303 303 303 303
GET    /login                                . : 200 200 200 200 200 200 200
POST   /login                                . : 400 400 400 400 400 400 400
POST   /logout                               . : 303 303 303 303 303 303 303
GET    /discover                             . : 303 200 200 200 200 200 200
GET    /creators/{id}                        1 : 303 200 200 200 200 200 200
GET    /simulator                            . : 303 200 403 403 403 403 403
GET    /static/{name}                        app.css : 200 200 200 200 200 200 200
TABLE

# Creator-class routes with an unknown creator, and MCN routes with an
# unknown MCN: operators get the route's own 404, everyone else the same 403
# as for a creator or an MCN not theirs.
cat >"$T/table_unknown" <<'TABLE'
PATCH  /api/creators/{id}                    999 : 401 400 403 403 403 403 403
GET    /api/creators/{id}/certification      999 : 401 404 403 403 403 403 403
GET    /api/creators/{id}/followers          999 : 401 404 403 403 403 403 403
POST   /api/creators/{id}/posts              999 : 401 400 403 403 403 403 403
GET    /api/mcns/{id}/creators               999 : 401 404 403 403 403 403 403
GET    /mcns/{id}                            999 : 303 404 403 403 403 403 403
TABLE

sed -i "s/ POST : / $post : /" "$T/table"

get "openapi" "$URL/openapi.json"
expect_status "GET /openapi.json" 200
cp "$T/body" "$T/openapi.json"

export URL T
export TOKEN_ops TOKEN_brandy TOKEN_cre1 TOKEN_cre3 TOKEN_mgr7 TOKEN_mgr8
python3 - "$T/openapi.json" "$T/table" "$T/table_unknown" >"$T/walk.out" 2>&1 <<'PY'
import json, os, re, sys, urllib.request, urllib.error

spec = json.load(open(sys.argv[1]))
callers = ["none", "ops", "brand", "own", "other", "mcn", "mcn8"]
tokens = {"none": None, "ops": os.environ["TOKEN_ops"], "brand": os.environ["TOKEN_brandy"],
          "own": os.environ["TOKEN_cre1"], "other": os.environ["TOKEN_cre3"],
          "mcn": os.environ["TOKEN_mgr7"], "mcn8": os.environ["TOKEN_mgr8"]}
url = os.environ["URL"]

def read_table(path):
    rows = []
    for line in open(path):
        if not line.strip():
            continue
        left, right = line.split(":")
        method, pattern, idv = left.split()
        want = right.split()
        assert len(want) == len(callers), line
        rows.append((method, pattern, idv, [int(w) for w in want]))
    return rows

table = read_table(sys.argv[2])
unknown = read_table(sys.argv[3])
server = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
listed = {(m, p) for m, p, _, _ in table}
failures = checks = 0
for r in sorted(server - listed):
    print("FAIL: route %s %s is not in the access table: decide who may call it" % r)
    failures += 1
for r in sorted(listed - server):
    print("FAIL: the access table names %s %s, which the server does not have" % r)
    failures += 1

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to check, not to follow

opener = urllib.request.build_opener(NoRedirect)

answers = 0

def record(req, status, headers, body):
    """Records the answer for validation against /openapi.json (lib_http.sh)."""
    global answers
    answers += 1
    base = os.path.join(os.environ["T"], "answers", "access.%d" % answers)
    with open(base + ".meta", "w") as f:
        f.write("%d\n%s\n%s\n" % (status, req.get_method(), req.full_url))
    with open(base + ".headers", "w") as f:
        f.write("HTTP/1.1 %d\r\n%s\r\n" % (status, "".join("%s: %s\r\n" % kv for kv in headers.items())))
    args = ["access", req.full_url, "-X", req.get_method()]
    for k, v in req.header_items():
        args += ["-H", "%s: %s" % (k, v)]
    if req.data is not None:
        args += ["--data-binary", req.data.decode()]
    with open(base + ".args", "w") as f:
        f.write("".join(a + "\0" for a in args))
    with open(base + ".body", "wb") as f:
        f.write(body)

def call(method, path, token):
    data = b"{}" if method in ("POST", "PUT", "PATCH") else None
    req = urllib.request.Request(url + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with opener.open(req, timeout=10) as resp:
            status, headers, body = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        status, headers, body = e.code, e.headers, e.read()
    record(req, status, headers, body)
    return status, body

users = {"ops": "ops", "brand": "brandy", "own": "cre1", "other": "cre3", "mcn": "mgr7",
         "mcn8": "mgr8"}

def fresh_token(caller):
    """A new token for a sign-out route (the earlier one may be ended)."""
    name = users[caller]
    req = urllib.request.Request(url + "/api/login", method="POST",
                                 data=json.dumps({"name": name,
                                                  "password": "pw-%s-secret" % name}).encode())
    req.add_header("Content-Type", "application/json")
    with opener.open(req, timeout=10) as resp:
        return json.loads(resp.read())["token"]

# sign-out routes last: they end the caller's token
ends_token = ("/api/logout", "/logout")
ordered = [r for r in table if r[1] not in ends_token] + unknown + \
          [r for r in table if r[1] in ends_token]
for method, pattern, idv, want in ordered:
    if (method, pattern) not in server:
        continue
    path = re.sub(r"\{[^}]*\}", idv, pattern) if idv != "." else pattern
    for caller, status in zip(callers, want):
        token = tokens[caller]
        if pattern in ends_token and token:
            token = fresh_token(caller)
        got, body = call(method, path, token)
        checks += 1
        if got != status:
            failures += 1
            print("FAIL: %s %s as %s: %d, expected %d: %s" %
                  (method, path, caller, got, status, body[:200].decode("utf-8", "replace")))
        elif got >= 400 and path.startswith("/api/"):
            try:
                err = json.loads(body)["error"]
                assert err["code"] and err["message"]
            except Exception:
                failures += 1
                print("FAIL: %s %s as %s: %d without a JSON error" % (method, path, caller, got))
print("checks %d failures %d" % (checks, failures))
sys.exit(1 if failures else 0)
PY
walk_rc=$?
n=$(sed -n 's/^checks \([0-9]*\) failures.*/\1/p' "$T/walk.out")
if [ "$walk_rc" -eq 0 ] && [ -n "$n" ]; then
    checks=$((checks + n))
else
    grep -v '^checks' "$T/walk.out" | head -n 60
    fail "access table: $(tail -n 1 "$T/walk.out")"
fi

# The guard refused without running the handlers: nothing was written.
login ops
as ops "the post unchanged" GET "/api/posts/$post"
jcheck "refused metrics changed nothing" "d['views'] == 10"
as ops "creator 1 unchanged" GET /api/creators/1
jcheck "refused patches changed nothing" "d['handle'] == 'alice' and d['followers'] == 12000"

stop_server
pd_test_finish
