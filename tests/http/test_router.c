/* test_router.c - the route table: patterns checked when added (and a
 * failing table adds nothing), matching with decoded segments and
 * parameters, "most literal wins", 404 / 405 (with Allow) / 400 for bad
 * parameters and encodings, HEAD answered by GET, walking the table, and
 * pd_router_dispatch end to end on hand-made requests: the JSON error
 * bodies, the guard (also on its own, before a body), and handlers that
 * fail or write broken answers. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/dispatch.h"
#include "http/request.h"
#include "http/router.h"
#include "util/log.h"

/* ---- handlers ------------------------------------------------------------------ */

static int h_ok(pd_req *req, void *ctx, pd_error *err)
{
    (void)err;
    pd_jsonw *w = pd_req_jsonw(req);
    pd_jsonw_obj_begin(w);
    pd_jsonw_kstr(w, "route", pd_req_route(req)->name);
    pd_jsonw_kstr(w, "ctx", ctx ? (const char *)ctx : "");
    const char *who = pd_req_principal(req);
    if (who)
        pd_jsonw_kstr(w, "principal", who);
    const char *id = pd_req_param(req, "id");
    if (id)
        pd_jsonw_kint(w, "id", pd_req_param_int(req, "id"));
    const char *name = pd_req_param(req, "name");
    if (name)
        pd_jsonw_kstr(w, "name", name);
    pd_jsonw_obj_end(w);
    return PD_OK;
}

static int h_missing(pd_req *req, void *ctx, pd_error *err)
{
    (void)ctx;
    return pd_error_set(err, PD_ENOTFOUND, "no creator %lld",
                        (long long)pd_req_param_int(req, "id"));
}

static int h_broken(pd_req *req, void *ctx, pd_error *err)
{
    (void)ctx;
    (void)err;
    pd_jsonw *w = pd_req_jsonw(req);
    pd_jsonw_obj_begin(w); /* never closed */
    pd_jsonw_kint(w, "a", 1);
    return PD_OK;
}

static int h_rc_only(pd_req *req, void *ctx, pd_error *err)
{
    (void)req;
    (void)ctx;
    (void)err;
    return PD_ECONFLICT; /* err left alone */
}

static int h_internal(pd_req *req, void *ctx, pd_error *err)
{
    (void)req;
    (void)ctx;
    return pd_error_set(err, PD_EIO, "/var/lib/secret.db: disk I/O error");
}

static const pd_route table[] = {
    {.method = "GET", .pattern = "/", .name = "root", .summary = "root", .handler = h_ok},
    {.method = "GET", .pattern = "/healthz", .name = "healthz", .summary = "s", .handler = h_ok},
    {.method = "GET",
     .pattern = "/api/creators",
     .name = "creators.list",
     .summary = "s",
     .handler = h_ok},
    {.method = "POST",
     .pattern = "/api/creators",
     .name = "creators.create",
     .summary = "s",
     .handler = h_ok},
    {.method = "GET",
     .pattern = "/api/creators/{id:int}",
     .name = "creators.get",
     .summary = "s",
     .handler = h_ok},
    {.method = "DELETE",
     .pattern = "/api/creators/{id:int}",
     .name = "creators.delete",
     .summary = "s",
     .handler = h_missing},
    {.method = "GET",
     .pattern = "/api/creators/search",
     .name = "creators.search",
     .summary = "s",
     .handler = h_ok},
    {.method = "GET",
     .pattern = "/api/creators/{id:int}/posts/{name}",
     .name = "posts.get",
     .summary = "s",
     .handler = h_ok},
    {.method = "GET",
     .pattern = "/api/tags/{name}",
     .name = "tags.get",
     .summary = "s",
     .handler = h_ok},
    {.method = "PUT",
     .pattern = "/api/broken",
     .name = "broken",
     .summary = "s",
     .handler = h_broken},
    {.method = "PATCH",
     .pattern = "/api/rc",
     .name = "rc_only",
     .summary = "s",
     .handler = h_rc_only},
    {.method = "GET",
     .pattern = "/api/internal",
     .name = "internal",
     .summary = "s",
     .handler = h_internal},
};

static pd_router *make_router(void)
{
    pd_router *r = pd_router_new();
    assert_non_null(r);
    pd_error err = {0};
    int rc = pd_router_add(r, table, PD_ROUTES_COUNT(table), (void *)"main", &err);
    if (rc)
        fail_msg("add: %s", err.msg);
    return r;
}

/* ---- adding ------------------------------------------------------------------ */

/* Adds one route; returns the code and leaves the message in err. */
static int add_one(pd_router *r, const char *method, const char *pattern, const char *name,
                   pd_error *err)
{
    pd_route rt = {
        .method = method, .pattern = pattern, .name = name, .summary = "s", .handler = h_ok};
    /* The router keeps pointers: give it storage that outlives the call. */
    pd_route *copy = malloc(sizeof rt);
    *copy = rt;
    int rc = pd_router_add(r, copy, 1, NULL, err);
    if (rc)
        free(copy);
    return rc;
}

static void test_add_checks(void **state)
{
    (void)state;
    struct {
        const char *method, *pattern, *why;
    } bad[] = {
        {"GET", "healthz", "start with '/'"},
        {"GET", "", "start with '/'"},
        {"GET", "/a//b", "empty segment"},
        {"GET", "/a/", "empty segment"},
        {"GET", "/{", "parameter"},
        {"GET", "/{}", "parameter"},
        {"GET", "/{x", "parameter"},
        {"GET", "/{X}", "lower case"},
        {"GET", "/{1x}", "lower case"},
        {"GET", "/{x:float}", "unknown parameter type"},
        {"GET", "/{x}/{x}", "twice"},
        {"GET", "/a%20b", "character '%'"},
        {"GET", "/a?b", "character '?'"},
        {"GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", "more than 8 parameters"},
        {"GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q", "more than 16 segments"},
        {"GET", "/{abcdefghijabcdefghijabcdefghijabc}", "parameter name of 1 to"},
        {"HEAD", "/x", "method 'HEAD'"},
        {"get", "/x", "method 'get'"},
        {"BREW", "/x", "method 'BREW'"},
    };
    pd_router *r = pd_router_new();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pd_error err = {0};
        assert_int_equal(add_one(r, bad[i].method, bad[i].pattern, "n", &err), PD_EINTERNAL);
        if (!strstr(err.msg, bad[i].why))
            fail_msg("%s %s: '%s' does not say '%s'", bad[i].method, bad[i].pattern, err.msg,
                     bad[i].why);
        /* The route is named in the message. */
        assert_non_null(strstr(err.msg, bad[i].pattern[0] ? bad[i].pattern : "route"));
    }
    assert_int_equal(pd_router_count(r), 0);

    /* No name, no summary, no handler. */
    pd_error err;
    pd_route nameless = {.method = "GET", .pattern = "/x", .summary = "s", .handler = h_ok};
    assert_int_equal(pd_router_add(r, &nameless, 1, NULL, &err), PD_EINTERNAL);
    assert_non_null(strstr(err.msg, "no name"));
    static const pd_route no_summary = {
        .method = "GET", .pattern = "/x", .name = "x", .handler = h_ok};
    assert_int_equal(pd_router_add(r, &no_summary, 1, NULL, &err), PD_EINTERNAL);
    assert_non_null(strstr(err.msg, "no summary"));
    static const pd_route no_handler = {
        .method = "GET", .pattern = "/x", .name = "x", .summary = "s"};
    assert_int_equal(pd_router_add(r, &no_handler, 1, NULL, &err), PD_EINTERNAL);
    assert_non_null(strstr(err.msg, "no handler"));

    /* Valid, then duplicates. */
    assert_int_equal(add_one(r, "GET", "/a/{id:int}", "a.get", &err), PD_OK);
    assert_int_equal(add_one(r, "GET", "/b", "a.get", &err), PD_EINTERNAL);
    assert_non_null(strstr(err.msg, "used twice"));
    /* Same method and shape, even with another parameter name: overlap. */
    assert_int_equal(add_one(r, "GET", "/a/{name}", "a.by_name", &err), PD_EINTERNAL);
    assert_non_null(strstr(err.msg, "overlap"));
    /* Another method, or another shape: fine. */
    assert_int_equal(add_one(r, "PUT", "/a/{id:int}", "a.put", &err), PD_OK);
    assert_int_equal(add_one(r, "GET", "/a/new", "a.new", &err), PD_OK);
    assert_int_equal(add_one(r, "GET", "/{x}/new", "x.new", &err), PD_OK);
    assert_int_equal(add_one(r, "GET", "/", "root", &err), PD_OK);
    assert_int_equal(add_one(r, "GET", "/a-b_c.d~e/x:y@z", "chars", &err), PD_OK);
    assert_int_equal(pd_router_count(r), 6);

    /* A table with one bad route adds none of its routes. */
    static const pd_route half_bad[] = {
        {.method = "GET", .pattern = "/good", .name = "good", .summary = "s", .handler = h_ok},
        {.method = "GET", .pattern = "bad", .name = "bad", .summary = "s", .handler = h_ok},
    };
    assert_int_equal(pd_router_add(r, half_bad, 2, NULL, &err), PD_EINTERNAL);
    assert_int_equal(pd_router_count(r), 6);
    assert_null(pd_router_find(r, "good", NULL));

    for (size_t i = 0; i < pd_router_count(r); i++)
        free((void *)pd_router_route(r, i, NULL));
    pd_router_free(r);
    pd_router_free(NULL);
}

/* ---- matching ---------------------------------------------------------------- */

typedef struct match_case {
    const char *method, *path;
    pd_match_status want;
    const char *route;  /* OK: the route's name */
    const char *detail; /* OK: "name=value" of the first parameter;
                           METHOD: the Allow value; others: in err.msg   */
} match_case;

static void test_match(void **state)
{
    (void)state;
    pd_router *r = make_router();
    const match_case cases[] = {
        {"GET", "/", PD_MATCH_OK, "root", NULL},
        {"GET", "/healthz", PD_MATCH_OK, "healthz", NULL},
        {"HEAD", "/healthz", PD_MATCH_OK, "healthz", NULL},
        {"GET", "/heal%74hz", PD_MATCH_OK, "healthz", NULL},
        {"GET", "/api/creators", PD_MATCH_OK, "creators.list", NULL},
        {"POST", "/api/creators", PD_MATCH_OK, "creators.create", NULL},
        {"GET", "/api/creators/42", PD_MATCH_OK, "creators.get", "id=42"},
        {"GET", "/api/creators/0", PD_MATCH_OK, "creators.get", "id=0"},
        {"GET", "/api/creators/9223372036854775807", PD_MATCH_OK, "creators.get",
         "id=9223372036854775807"},
        {"DELETE", "/api/creators/7", PD_MATCH_OK, "creators.delete", "id=7"},
        /* A literal wins over a parameter, whatever the order of the table. */
        {"GET", "/api/creators/search", PD_MATCH_OK, "creators.search", NULL},
        {"GET", "/api/creators/5/posts/p-1", PD_MATCH_OK, "posts.get", "id=5"},
        {"GET", "/api/tags/a%2Fb", PD_MATCH_OK, "tags.get", "name=a/b"},
        {"GET", "/api/tags/caf%C3%A9", PD_MATCH_OK, "tags.get", "name=caf\xC3\xA9"},
        {"GET", "/api/tags/a+b", PD_MATCH_OK, "tags.get", "name=a+b"},
        /* 404s */
        {"GET", "/nope", PD_MATCH_NOT_FOUND, NULL, "no such path: /nope"},
        {"GET", "/healthz/", PD_MATCH_NOT_FOUND, NULL, NULL},
        {"GET", "//healthz", PD_MATCH_NOT_FOUND, NULL, NULL},
        {"GET", "/api//creators", PD_MATCH_NOT_FOUND, NULL, NULL},
        {"GET", "/api/tags/", PD_MATCH_NOT_FOUND, NULL, NULL},
        {"GET", "healthz", PD_MATCH_NOT_FOUND, NULL, NULL},
        {"GET", "*", PD_MATCH_NOT_FOUND, NULL, NULL},
        {"GET", "/HEALTHZ", PD_MATCH_NOT_FOUND, NULL, NULL},
        {"GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r", PD_MATCH_NOT_FOUND, NULL, NULL},
        /* 405s, with what the path does allow */
        {"DELETE", "/healthz", PD_MATCH_METHOD, NULL, "GET, HEAD"},
        {"PUT", "/api/creators", PD_MATCH_METHOD, NULL, "GET, HEAD, POST"},
        {"POST", "/api/creators/1", PD_MATCH_METHOD, NULL, "GET, HEAD, DELETE"},
        {"OPTIONS", "/healthz", PD_MATCH_METHOD, NULL, "GET, HEAD"},
        {"HEAD", "/api/broken", PD_MATCH_METHOD, NULL, "PUT"},
        /* 400s: bad parameters and encodings */
        {"GET", "/api/creators/abc", PD_MATCH_BAD_REQUEST, "creators.get",
         "path parameter 'id': expected a whole number"},
        {"GET", "/api/creators/-1", PD_MATCH_BAD_REQUEST, "creators.get", "got '-1'"},
        {"GET", "/api/creators/1.5", PD_MATCH_BAD_REQUEST, "creators.get", "'id'"},
        {"GET", "/api/creators/9223372036854775808", PD_MATCH_BAD_REQUEST, "creators.get", "'id'"},
        {"GET", "/api/creators/99999999999999999999999", PD_MATCH_BAD_REQUEST, "creators.get",
         "'id'"},
        {"GET", "/api/tags/%FF", PD_MATCH_BAD_REQUEST, "tags.get", "not valid UTF-8"},
        {"GET", "/api/tags/%zz", PD_MATCH_BAD_REQUEST, NULL, "percent-encoding"},
        {"GET", "/api/tags/%4", PD_MATCH_BAD_REQUEST, NULL, "percent-encoding"},
        {"GET", "/api/tags/%", PD_MATCH_BAD_REQUEST, NULL, "percent-encoding"},
        {"GET", "/api/tags/a%00b", PD_MATCH_BAD_REQUEST, NULL, "%00"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const match_case *c = &cases[i];
        pd_route_match m;
        pd_error err = {0};
        pd_match_status st = pd_router_match(r, c->method, c->path, &m, &err);
        if (st != c->want)
            fail_msg("%s %s: status %d, expected %d (%s)", c->method, c->path, st, c->want,
                     err.msg);
        if (c->route) {
            assert_non_null(m.route);
            if (strcmp(m.route->name, c->route) != 0)
                fail_msg("%s %s: route %s, expected %s", c->method, c->path, m.route->name,
                         c->route);
            assert_string_equal((const char *)m.ctx, "main");
            size_t idx;
            assert_ptr_equal(pd_router_find(r, c->route, &idx), m.route);
            assert_int_equal(idx, m.index);
        }
        if (st == PD_MATCH_OK && c->detail) {
            char got[128];
            snprintf(got, sizeof got, "%s=%s", m.params[0].name, m.params[0].value);
            assert_string_equal(got, c->detail);
        } else if (st == PD_MATCH_METHOD) {
            assert_string_equal(m.allow, c->detail);
        } else if (st != PD_MATCH_OK && c->detail && !strstr(err.msg, c->detail)) {
            fail_msg("%s %s: '%s' does not say '%s'", c->method, c->path, err.msg, c->detail);
        }
        if (st == PD_MATCH_NOT_FOUND)
            assert_int_equal(err.code, PD_ENOTFOUND);
        if (st == PD_MATCH_BAD_REQUEST)
            assert_int_equal(err.code, PD_EINPUT);
    }

    /* Two parameters, both decoded; the int one has its value. */
    pd_route_match m;
    pd_error err;
    assert_int_equal(pd_router_match(r, "GET", "/api/creators/12/posts/x%20y", &m, &err),
                     PD_MATCH_OK);
    assert_int_equal(m.nparams, 2);
    const pd_route_param *id = pd_route_match_param(&m, "id");
    const pd_route_param *name = pd_route_match_param(&m, "name");
    assert_true(id->is_int);
    assert_int_equal(id->num, 12);
    assert_false(name->is_int);
    assert_string_equal(name->value, "x y");
    assert_null(pd_route_match_param(&m, "other"));

    /* A path just at and just past the length limit. */
    char *longp = malloc(PD_PATH_MAX + 2);
    memcpy(longp, "/api/tags/", sizeof "/api/tags/");
    size_t n = strlen(longp);
    memset(longp + n, 'a', PD_PATH_MAX - n);
    longp[PD_PATH_MAX] = '\0';
    assert_int_equal(pd_router_match(r, "GET", longp, &m, &err), PD_MATCH_OK);
    assert_int_equal(strlen(m.params[0].value), PD_PATH_MAX - n);
    longp[PD_PATH_MAX] = 'a';
    longp[PD_PATH_MAX + 1] = '\0';
    assert_int_equal(pd_router_match(r, "GET", longp, &m, &err), PD_MATCH_NOT_FOUND);
    /* The message quotes at most 200 bytes of the path. */
    assert_true(strlen(err.msg) < 240);
    free(longp);

    pd_router_free(r);
}

/* The table can be walked in the order it was added, with each ctx. */
static void test_walk(void **state)
{
    (void)state;
    pd_router *r = make_router();
    static const pd_route more[] = {
        {.method = "GET",
         .pattern = "/other",
         .name = "other",
         .summary = "Other",
         .access = PD_ACCESS_PUBLIC,
         .handler = h_ok},
    };
    pd_error err;
    assert_int_equal(pd_router_add(r, more, 1, (void *)"second", &err), PD_OK);
    size_t n = pd_router_count(r);
    assert_int_equal(n, PD_ROUTES_COUNT(table) + 1);
    for (size_t i = 0; i < PD_ROUTES_COUNT(table); i++) {
        void *ctx;
        assert_ptr_equal(pd_router_route(r, i, &ctx), &table[i]);
        assert_string_equal((const char *)ctx, "main");
    }
    void *ctx;
    const pd_route *last = pd_router_route(r, n - 1, &ctx);
    assert_string_equal(last->name, "other");
    assert_int_equal(last->access, PD_ACCESS_PUBLIC);
    assert_string_equal((const char *)ctx, "second");
    assert_null(pd_router_route(r, n, NULL));
    assert_null(pd_router_find(r, "nope", NULL));

    /* What the OpenAPI document needs: paths without types, parameters. */
    char path[PD_PATH_MAX];
    size_t idx;
    pd_router_find(r, "posts.get", &idx);
    assert_int_equal(pd_router_openapi_path(r, idx, path, sizeof path), 0);
    assert_string_equal(path, "/api/creators/{id}/posts/{name}");
    const char *names[PD_ROUTE_MAX_PARAMS];
    int is_int[PD_ROUTE_MAX_PARAMS];
    assert_int_equal(pd_router_params(r, idx, names, is_int), 2);
    assert_string_equal(names[0], "id");
    assert_int_equal(is_int[0], 1);
    assert_string_equal(names[1], "name");
    assert_int_equal(is_int[1], 0);
    assert_int_equal(pd_router_openapi_path(r, idx, path, 10), -1);
    pd_router_find(r, "root", &idx);
    assert_int_equal(pd_router_openapi_path(r, idx, path, sizeof path), 0);
    assert_string_equal(path, "/");
    assert_int_equal(pd_router_params(r, idx, NULL, NULL), 0);
    pd_router_find(r, "healthz", &idx);
    assert_int_equal(pd_router_openapi_path(r, idx, path, sizeof path), 0);
    assert_string_equal(path, "/healthz");
    assert_int_equal(pd_router_openapi_path(r, n, path, sizeof path), -1);
    assert_int_equal(pd_router_params(r, n, names, is_int), 0);
    pd_route_match m;
    assert_int_equal(pd_router_match(r, "GET", "/other", &m, &err), PD_MATCH_OK);
    assert_string_equal((const char *)m.ctx, "second");
    pd_router_free(r);
}

/* ---- dispatch ---------------------------------------------------------------- */

static const pd_req_limits limits = {.body_max = 1 << 16, .out_max = 1 << 20};

typedef struct answer {
    unsigned status;
    json_t *body;
    char allow[96];
    char content_type[64];
} answer;

static const char *req_header(const pd_req *req, const char *name)
{
    for (size_t i = 0; i < pd_req_header_count(req); i++) {
        const char *n, *v;
        pd_req_header_at(req, i, &n, &v);
        if (strcmp(n, name) == 0)
            return v;
    }
    return NULL;
}

static answer dispatch(pd_router *r, const char *method, const char *target, pd_guard guard,
                       void *gctx)
{
    answer a = {0};
    pd_req *req = pd_req_new(method, target, &limits);
    assert_non_null(req);
    pd_router_dispatch(r, req, guard, gctx);
    a.status = pd_req_get_status(req);
    const char *allow = req_header(req, "Allow");
    snprintf(a.allow, sizeof a.allow, "%s", allow ? allow : "");
    snprintf(a.content_type, sizeof a.content_type, "%s", pd_req_get_content_type(req));
    size_t len;
    char *body = pd_req_take_body(req, &len);
    json_error_t je;
    a.body = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!a.body)
        fail_msg("%s %s: answer is not JSON: %.*s", method, target, (int)len, body ? body : "");
    free(body);
    pd_req_free(req);
    return a;
}

/* The answer is {"error":{"code":code,"message":...}}; returns the message. */
static const char *expect_error(const answer *a, unsigned status, const char *code)
{
    assert_int_equal(a->status, status);
    assert_string_equal(a->content_type, "application/json");
    assert_int_equal(json_object_size(a->body), 1);
    json_t *e = json_object_get(a->body, "error");
    assert_true(json_is_object(e));
    assert_int_equal(json_object_size(e), 2);
    assert_string_equal(json_string_value(json_object_get(e, "code")), code);
    const char *msg = json_string_value(json_object_get(e, "message"));
    assert_non_null(msg);
    assert_true(msg[0] != '\0');
    return msg;
}

static int guard_calls;

/* Refuses DELETE; lets everything else through. */
static int guard(pd_req *req, const pd_route *route, void *ctx, pd_error *err)
{
    assert_string_equal((const char *)ctx, "guard");
    assert_ptr_equal(pd_req_route(req), route);
    guard_calls++;
    assert_null(pd_req_principal(req));
    char *who = pd_req_alloc(req, 16);
    snprintf(who, 16, "operator:1");
    pd_req_set_principal(req, who);
    if (strcmp(route->method, "DELETE") == 0)
        return pd_error_set(err, PD_EDENIED, "only operators may delete creators");
    return PD_OK;
}

static void test_dispatch(void **state)
{
    (void)state;
    pd_router *r = make_router();
    answer a;

    a = dispatch(r, "GET", "/api/creators/42?x=1", NULL, NULL);
    assert_int_equal(a.status, 200);
    assert_string_equal(json_string_value(json_object_get(a.body, "route")), "creators.get");
    assert_string_equal(json_string_value(json_object_get(a.body, "ctx")), "main");
    assert_int_equal(json_integer_value(json_object_get(a.body, "id")), 42);
    json_decref(a.body);

    a = dispatch(r, "GET", "/nope", NULL, NULL);
    assert_non_null(strstr(expect_error(&a, 404, "not_found"), "/nope"));
    json_decref(a.body);

    a = dispatch(r, "PUT", "/api/creators", NULL, NULL);
    const char *msg = expect_error(&a, 405, "method_not_allowed");
    assert_non_null(strstr(msg, "PUT"));
    assert_string_equal(a.allow, "GET, HEAD, POST");
    json_decref(a.body);

    a = dispatch(r, "GET", "/api/creators/abc", NULL, NULL);
    assert_non_null(strstr(expect_error(&a, 400, "invalid_input"), "'id'"));
    json_decref(a.body);

    /* A bad query is answered before routing. */
    a = dispatch(r, "GET", "/healthz?a=%zz", NULL, NULL);
    expect_error(&a, 400, "invalid_input");
    json_decref(a.body);

    /* The handler's own error. */
    a = dispatch(r, "DELETE", "/api/creators/9", NULL, NULL);
    assert_string_equal(expect_error(&a, 404, "not_found"), "no creator 9");
    json_decref(a.body);

    /* A handler that returns a code without a message. */
    a = dispatch(r, "PATCH", "/api/rc", NULL, NULL);
    assert_string_equal(expect_error(&a, 409, "conflict"), "conflict");
    json_decref(a.body);

    /* A 500 tells the client nothing of the cause (it goes to the log). */
    pd_log_set_level((pd_log_level)(PD_LOG_ERROR + 1)); /* keep the test output clean */
    a = dispatch(r, "GET", "/api/internal", NULL, NULL);
    assert_string_equal(expect_error(&a, 500, "internal_error"), "internal error");
    json_decref(a.body);

    /* A handler that leaves its JSON unfinished: 500, not half a document. */
    a = dispatch(r, "PUT", "/api/broken", NULL, NULL);
    expect_error(&a, 500, "internal_error");
    json_decref(a.body);
    pd_log_set_level(PD_LOG_INFO);

    /* The guard runs before every routed handler, and can refuse. */
    guard_calls = 0;
    a = dispatch(r, "DELETE", "/api/creators/9", guard, "guard");
    assert_string_equal(expect_error(&a, 403, "forbidden"), "only operators may delete creators");
    json_decref(a.body);
    a = dispatch(r, "GET", "/api/creators/9", guard, "guard");
    assert_int_equal(a.status, 200);
    /* What the guard learnt reaches the handler. */
    assert_string_equal(json_string_value(json_object_get(a.body, "principal")), "operator:1");
    json_decref(a.body);
    assert_int_equal(guard_calls, 2);
    /* ...but not for paths no route fits. */
    a = dispatch(r, "GET", "/nope", guard, "guard");
    json_decref(a.body);
    a = dispatch(r, "POST", "/healthz", guard, "guard");
    json_decref(a.body);
    assert_int_equal(guard_calls, 2);

    pd_router_free(r);
}

/* What a guard holds for the handler is given back once the handler has
 * returned, whatever it returned, and by pd_req_free when no dispatch did. */
static int released;
static void release_count(void *p)
{
    assert_ptr_equal(p, &released);
    released++;
}

static int holding_guard(pd_req *req, const pd_route *route, void *ctx, pd_error *err)
{
    (void)ctx;
    pd_req_hold(req, &released, release_count);
    if (strcmp(route->method, "POST") == 0)
        return pd_error_set(err, PD_EDENIED, "refused after taking something");
    return PD_OK;
}

static void test_held(void **state)
{
    (void)state;
    pd_router *r = make_router();
    const char *const cases[][2] = {
        {"GET", "/api/creators/42"},   /* the handler succeeds */
        {"DELETE", "/api/creators/9"}, /* the handler fails */
        {"POST", "/api/creators"},     /* the guard refuses */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        released = 0;
        pd_req *req = pd_req_new(cases[i][0], cases[i][1], &limits);
        assert_non_null(req);
        pd_router_dispatch(r, req, holding_guard, NULL);
        assert_int_equal(released, 1);
        assert_null(pd_req_held(req));
        pd_req_free(req);
        assert_int_equal(released, 1);
    }
    released = 0;
    pd_req *req = pd_req_new("GET", "/healthz", &limits);
    pd_req_hold(req, &released, release_count);
    assert_ptr_equal(pd_req_held(req), &released);
    pd_req_hold(req, &released, release_count); /* a second hold gives the first back */
    assert_int_equal(released, 1);
    pd_req_free(req);
    assert_int_equal(released, 2);
    pd_router_free(r);
}

/* The guard run on its own before the body (pd_router_guard): a refusal
 * is the answer, a pass lets pd_router_run go straight to the handler
 * (the guard is not run twice), and what it held is given back at once. */
static void test_guard_before_body(void **state)
{
    (void)state;
    pd_router *r = make_router();
    /* Refused: the answer is the guard's error. */
    guard_calls = 0;
    pd_req *req = pd_req_new("DELETE", "/api/creators/9", &limits);
    assert_int_equal(pd_router_route_req(r, req), 0);
    assert_int_equal(pd_router_guard(req, guard, "guard"), 1);
    assert_int_equal(pd_req_get_status(req), 403);
    assert_int_equal(guard_calls, 1);
    pd_req_free(req);
    /* Let through: the handler runs later, the guard once only. */
    req = pd_req_new("GET", "/api/creators/9", &limits);
    assert_int_equal(pd_router_route_req(r, req), 0);
    assert_int_equal(pd_router_guard(req, guard, "guard"), 0);
    assert_int_equal(guard_calls, 2);
    pd_router_run(req, guard, "guard"); /* guard() asserts no principal yet: it must not run */
    assert_int_equal(guard_calls, 2);
    assert_int_equal(pd_req_get_status(req), 200);
    pd_req_free(req);
    /* A held read is given back before the body is read. */
    released = 0;
    req = pd_req_new("GET", "/api/creators/42", &limits);
    assert_int_equal(pd_router_route_req(r, req), 0);
    assert_int_equal(pd_router_guard(req, holding_guard, NULL), 0);
    assert_int_equal(released, 1);
    assert_null(pd_req_held(req));
    pd_router_run(req, holding_guard, NULL);
    assert_int_equal(released, 1);
    pd_req_free(req);
    pd_router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guard_before_body),
        cmocka_unit_test(test_add_checks),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_walk),
        cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_held),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
