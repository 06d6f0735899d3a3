#!/usr/bin/env bash
# openapi_e2e.sh - GET /openapi.json from a real server: an OpenAPI 3.1
# document with exactly one operation per route the server has (the count
# it logs at start), each with an operationId and a summary, bearer or
# session-cookie security on every non-public route, integer path
# parameters declared; and
# the document passes a third-party validator (@apidevtools/swagger-parser,
# installed into tests/node by scripts/test.sh).
. "$(dirname "$0")/lib.sh"
pd_test_init openapi_e2e "$@"
. "$(dirname "$0")/lib_http.sh"

node_dir=$(cd "$(dirname "$0")/../node" && pwd)

start_server "$T/server.log" || pd_test_finish
get "openapi" "$URL/openapi.json"
expect_status "GET /openapi.json" 200
routes=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("{"):
        d = json.loads(line)
        if d.get("msg") == "listening":
            print(d["routes"])
' "$T/server.log")

if python3 - "$T/body" "$routes" <<'PY'; then
import json, sys
doc = json.load(open(sys.argv[1]))
want = int(sys.argv[2])
assert doc["openapi"] == "3.1.0", doc["openapi"]
assert doc["info"]["title"] == "partnerd" and doc["info"]["version"], doc["info"]
schemes = doc["components"]["securitySchemes"]
assert schemes["bearer"]["type"] == "http" and schemes["bearer"]["scheme"] == "bearer", schemes
s = schemes["session"]
assert (s["type"], s["in"], s["name"]) == ("apiKey", "cookie", "pd_session"), s
ops = []
for path, item in doc["paths"].items():
    for method, op in item.items():
        ops.append((method, path, op))
assert len(ops) == want, f"{len(ops)} operations, the server has {want} routes"
names = [op["operationId"] for _, _, op in ops]
assert len(set(names)) == len(names), "operationIds repeat"
for method, path, op in ops:
    assert op.get("summary"), (method, path)
    public = op["security"] == []
    if not public:
        assert op["security"] == [{"bearer": []}, {"session": []}], (method, path, op["security"])
    for p in op.get("parameters", []):
        assert p["in"] == "path" and p["required"] is True and "{%s}" % p["name"] in path, p
expected = {("get", "/healthz"), ("get", "/metrics"), ("get", "/openapi.json"),
            ("post", "/api/login"), ("post", "/api/logout"), ("get", "/api/me")}
have = {(m, p) for m, p, _ in ops}
assert expected <= have, f"missing: {expected - have}"
pub = {(m, p) for m, p, op in ops if op["security"] == []}
assert pub == {("get", "/healthz"), ("get", "/openapi.json"),
               ("post", "/api/login"), ("get", "/"), ("get", "/login"), ("post", "/login"),
               ("get", "/static/{name}")}, pub
PY
    pass
else
    fail "the document does not describe the server's routes (see above)"
fi

if [ -d "$node_dir/node_modules/@apidevtools/swagger-parser" ]; then
    if node "$node_dir/validate_openapi.mjs" "$T/body" >"$T/validate.out" 2>&1; then
        pass
    else
        fail "swagger-parser refuses the document: $(cat "$T/validate.out")"
    fi
else
    fail "the validator is not installed: run (cd tests/node && npm ci), as scripts/test.sh does"
fi

kill -TERM "$server_pid"
wait "$server_pid"
server_pid=
pd_test_finish
