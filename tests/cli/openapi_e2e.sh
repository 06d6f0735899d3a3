#!/usr/bin/env bash
# openapi_e2e.sh - GET /openapi.json from a real server:
#
# - an OpenAPI 3.1 document with exactly one operation per route the server
#   has (the count it logs at start), each with an operationId, a summary,
#   bearer or session-cookie security on every non-public route, every
#   path parameter declared, a schema for every answer it describes (a
#   success answer at least), the answers every route may get (400, 413,
#   500, 503 with Retry-After) and those of the guard (401, 403; the 303 to
#   the sign-in page for pages);
# - it passes a third-party validator (@apidevtools/swagger-parser) and
#   every schema in it compiles with ajv in strict mode
#   (tests/node/validate_openapi.mjs);
# - the answers' validator that every end-to-end test runs at its end
#   (tests/node/validate_answers.mjs, lib_http.sh) fails when the document
#   drifts from the answers: this test's answers against documents with a
#   field, a status, a parameter or a header taken away;
# - a client generated from it type-checks: openapi-typescript writes the
#   types, tsc --noEmit checks tests/node/client/partnerd_client.ts with
#   them, and no longer does when a field it reads leaves the document.
#
# The Node packages are installed into tests/node by scripts/test.sh.
. "$(dirname "$0")/lib.sh"
pd_test_init openapi_e2e "$@"
. "$(dirname "$0")/lib_http.sh"
. "$(dirname "$0")/lib_platform.sh"

platform_setup "$T/openapi.db"
start_server "$T/server.log" --db "$DB" || pd_test_finish
get "openapi" "$URL/openapi.json"
expect_status "GET /openapi.json" 200
cp "$T/body" "$T/served.json"
routes=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("{"):
        d = json.loads(line)
        if d.get("msg") == "listening":
            print(d["routes"])
' "$T/server.log")

if python3 - "$T/served.json" "$routes" <<'PY'; then
import json, re, sys
doc = json.load(open(sys.argv[1]))
want = int(sys.argv[2])

def deref(v):
    while isinstance(v, dict) and "$ref" in v:
        node = doc
        for t in v["$ref"][2:].split("/"):
            node = node[t]
        v = node
    return v

assert doc["openapi"] == "3.1.0", doc["openapi"]
assert doc["info"]["title"] == "partnerd" and doc["info"]["version"], doc["info"]
schemes = doc["components"]["securitySchemes"]
assert schemes["bearer"]["type"] == "http" and schemes["bearer"]["scheme"] == "bearer", schemes
s = schemes["session"]
assert (s["type"], s["in"], s["name"]) == ("apiKey", "cookie", "pd_session"), s
for name in ("Error", "Creator", "Post", "Policy", "Verdict", "PageCursor", "User"):
    assert name in doc["components"]["schemas"], "no shared schema " + name
ops = []
for path, item in doc["paths"].items():
    for method, op in item.items():
        ops.append((method, path, op))
assert len(ops) == want, f"{len(ops)} operations, the server has {want} routes"
names = [op["operationId"] for _, _, op in ops]
assert len(set(names)) == len(names), "operationIds repeat"
for method, path, op in ops:
    where = f"{method} {path}"
    assert op.get("summary"), where
    public = op["security"] == []
    if not public:
        assert op["security"] == [{"bearer": []}, {"session": []}], (where, op["security"])
    params = [deref(p) for p in op.get("parameters", [])]
    for name in re.findall(r"\{([^}]+)\}", path):
        assert any(p["in"] == "path" and p["name"] == name and p["required"] is True
                   for p in params), (where, "path parameter", name)
    for p in params:
        assert p["in"] in ("path", "query") and p["schema"], (where, p)
    rs = {status: deref(r) for status, r in op["responses"].items()}
    ok = [st for st in rs if st[0] in "23"]
    assert ok, (where, "no success answer")
    for st in ok:
        assert rs[st].get("content"), (where, st, "a success answer without a body schema")
    for st, r in rs.items():
        assert r.get("description"), (where, st)
        for media, m in r.get("content", {}).items():
            assert m.get("schema"), (where, st, media, "no schema")
    for st in ("400", "413", "431", "500", "501", "503"):
        assert st in rs, (where, "answers every route may get: no", st)
    assert rs["503"]["headers"]["Retry-After"], where
    # JSON routes (the API, and /metrics for operators) answer 401; pages redirect
    json_route = path.startswith("/api/") or path == "/metrics"
    if not public and json_route:
        assert "401" in rs and deref(rs["401"]["headers"]["WWW-Authenticate"])["required"], where
    if not public and not json_route:
        assert "303" in rs, (where, "a page redirects to the sign-in page")
    if not public and method != "get":
        assert "403" in rs, (where, "a write signed in by cookie without Origin is a 403")
login = doc["paths"]["/api/login"]["post"]
assert deref(login["responses"]["429"])["headers"]["Retry-After"], "429 without Retry-After"
assert "application/json" in deref(login["requestBody"])["content"]
form = doc["paths"]["/login"]["post"]["requestBody"]["content"]
assert "application/x-www-form-urlencoded" in form, form
assert "text/csv" in doc["paths"]["/api/import/posts"]["post"]["requestBody"]["content"]
for path, forbidden in (("/api/policies", True), ("/api/creators", False)):
    assert ("403" in doc["paths"][path]["get"]["responses"]) == forbidden, path
q = {p["name"]: p for p in map(deref, doc["paths"]["/api/creators"]["get"]["parameters"])}
for name in ("category", "q", "followers_min", "followers_max", "avg_views_min", "avg_views_max",
             "engagement_min", "engagement_max", "certified", "micro", "mcn", "sort", "limit",
             "after"):
    assert q[name]["in"] == "query", name
lim = q["limit"]["schema"]
assert (lim["minimum"], lim["maximum"]) == (1, 100), lim
have = {(m, p) for m, p, _ in ops}
pub = {(m, p) for m, p, op in ops if op["security"] == []}
assert pub == {("get", "/healthz"), ("get", "/openapi.json"),
               ("post", "/api/login"), ("get", "/login"), ("post", "/login"),
               ("get", "/static/{name}")}, pub
PY
    pass
else
    fail "the document does not describe the server's routes (see above)"
fi

if [ -d "$node_dir/node_modules/@apidevtools/swagger-parser" ] && [ -d "$node_dir/node_modules/ajv" ]; then
    if node "$node_dir/validate_openapi.mjs" "$T/served.json" >"$T/validate.out" 2>&1; then
        pass
    else
        fail "the document is not valid: $(cat "$T/validate.out")"
    fi
else
    fail "the validators are not installed: run (cd tests/node && npm ci), as scripts/test.sh does"
fi

# ---- answers the validator must refuse ------------------------------------------------------
# A few answers of this test, then the document with one thing taken away
# for each: the validator must name the route and what no longer fits.
login ops
as ops "a profile" GET /api/creators/1
expect "a profile" 200
as ops "no such creator" GET /api/creators/999
expect "no such creator" 404 not_found
as ops "a page of two" GET "/api/creators?limit=2&sort=followers"
expect "a page of two" 200
as ops "publish" POST /api/creators/1/posts '{"kind": "sponsored"}'
expect "publish" 201
get "no token" "$URL/api/me"
expect "no token" 401 unauthorized
get "no route" "$URL/api/no/such/thing"
expect "no route" 404 not_found
get "no such method" "$URL/api/me" -X DELETE
expect "no such method" 405 method_not_allowed

# drift NAME PYTHON EXPECTED: the validator, run on this test's answers
# against the document changed by PYTHON (over doc), fails and says EXPECTED.
drift() {
    python3 - "$T/served.json" "$T/drift.json" "$2" <<'PY' || { fail "$1: cannot change the document"; return; }
import json, sys
doc = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(doc, open(sys.argv[2], "w"))
PY
    if node "$node_dir/validate_answers.mjs" "$T/drift.json" "$T/answers" >"$T/drift.out" 2>&1; then
        fail "$1: the validator let it pass"
        return
    fi
    expect_grep "$1" "$T/drift.out" "$3"
}
drift "a field the answer has, taken out of Creator" '
c = doc["components"]["schemas"]["Creator"]
del c["properties"]["handle"]
c["required"].remove("handle")' "GET /api/creators/{id} (creators.get) 200"
expect_grep "... and what no longer fits" "$T/drift.out" "must NOT have additional properties ('handle')"
drift "a status the route answers, taken out" '
del doc["paths"]["/api/creators/{id}"]["get"]["responses"]["404"]' "(creators.get) 404"
drift "a field the answer lacks, required" '
doc["components"]["schemas"]["Post"]["required"].append("shares")' "(creators.publish) 201"
drift "a type changed" '
doc["components"]["schemas"]["PublicCertification"]["properties"]["certified"] = {"type": "string"}' \
    "/certification/certified must be string"
drift "a query parameter the test sends, taken out" '
p = doc["paths"]["/api/creators"]["get"]["parameters"]
p[:] = [x for x in p if x.get("$ref") != "#/components/parameters/Limit"]' \
    "query parameter limit is not described"
drift "a request body field the test sends, taken out" '
del doc["components"]["schemas"]["NewPost"]["properties"]["kind"]' \
    "request: body: must NOT have additional properties ('kind')"
drift "a required header" '
doc["components"]["responses"]["Unauthorized"]["headers"]["X-Missing"] = {"required": True, "schema": {"type": "string"}}' \
    "header X-Missing is missing"
drift "the router's answers follow the shared error" '
doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"].remove("method_not_allowed")' \
    "DELETE /api/me (no route) 405"

# ---- a generated client ----------------------------------------------------------------------
# typecheck NAME DOC: types from DOC, then tsc over the client with them.
typecheck() {
    rm -rf "$T/client"
    cp -r "$node_dir/client" "$T/client"
    node "$node_dir/node_modules/openapi-typescript/bin/cli.js" "$2" \
        -o "$T/client/partnerd-api.d.ts" >"$T/gen.out" 2>&1 || {
        fail "$1: openapi-typescript failed: $(tail -n 5 "$T/gen.out")"
        return 2
    }
    node "$node_dir/node_modules/typescript/bin/tsc" -p "$T/client/tsconfig.json" >"$T/tsc.out" 2>&1
}
if [ -d "$node_dir/node_modules/openapi-typescript" ] && [ -d "$node_dir/node_modules/typescript" ]; then
    if typecheck "the client" "$T/served.json"; then
        pass
    else
        fail "the client does not type-check against the served document:"
        head -n 20 "$T/tsc.out" | sed 's/^/    /'
    fi
    python3 - "$T/served.json" "$T/drift.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
c = doc["components"]["schemas"]["Creator"]
del c["properties"]["handle"]
c["required"].remove("handle")
json.dump(doc, open(sys.argv[2], "w"))
PY
    typecheck "the client, Creator without handle" "$T/drift.json"
    case $? in
    0) fail "the client still type-checks when Creator has no handle" ;;
    1) expect_grep "tsc names the field the client reads" "$T/tsc.out" "Property 'handle' does not exist" ;;
    esac
else
    fail "openapi-typescript and typescript are not installed: run (cd tests/node && npm ci)"
fi

stop_server
pd_test_finish
