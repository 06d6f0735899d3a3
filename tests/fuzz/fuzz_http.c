/*
 * fuzz_http.c - libFuzzer target for what a client controls in a request
 * (http/request.h, http/router.h) and for the JSON writer (util/jsonw.h).
 *
 * The input is "METHOD TARGET\nBODY". The request is built and dispatched
 * over a small route table; whatever happens, the answer must be a status
 * we give and, as we always answer JSON here, a document jansson reads with
 * no duplicate keys. One route parses the body as a JSON object and writes
 * it back through the streaming writer: the answer must parse back equal
 * to the body (the writer and jansson agree on every value). On the side,
 * the writer's UTF-8 check must agree with jansson's, and the lossy writer
 * must turn any bytes into a valid JSON string.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/request.h"
#include "http/router.h"
#include "util/jsonw.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_http: check failed at line %d: %s\n", __LINE__, #cond);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Writes v through the streaming writer. */
static void write_value(pd_jsonw *w, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        pd_jsonw_obj_begin(w);
        json_object_foreach((json_t *)v, k, x)
        {
            pd_jsonw_key(w, k);
            write_value(w, x);
        }
        pd_jsonw_obj_end(w);
        break;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *x;
        pd_jsonw_arr_begin(w);
        json_array_foreach(v, i, x) write_value(w, x);
        pd_jsonw_arr_end(w);
        break;
    }
    case JSON_STRING: pd_jsonw_strn(w, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: pd_jsonw_int(w, json_integer_value(v)); break;
    case JSON_REAL: pd_jsonw_double(w, json_real_value(v)); break;
    case JSON_TRUE: pd_jsonw_bool(w, 1); break;
    case JSON_FALSE: pd_jsonw_bool(w, 0); break;
    case JSON_NULL: pd_jsonw_null(w); break;
    }
}

static json_t *last_body;

static int h_echo(pd_req *req, void *ctx, pd_error *err)
{
    (void)ctx;
    json_t *obj;
    int rc = pd_req_json_body(req, &obj, err);
    if (rc)
        return rc;
    int64_t n;
    const char *s;
    int b;
    /* The field helpers on whatever came. */
    pd_req_json_opt_int(obj, "n", -1000, 1000, 0, &n, err);
    pd_req_json_opt_str(obj, "s", 0, 64, NULL, &s, err);
    pd_req_json_opt_bool(obj, "b", 0, &b, err);
    static const char *const known[] = {"n", "s", "b", NULL};
    pd_req_json_only(obj, known, err);
    write_value(pd_req_jsonw(req), obj);
    last_body = obj;
    return PD_OK;
}

static int h_params(pd_req *req, void *ctx, pd_error *err)
{
    (void)ctx;
    int64_t limit;
    int rc = pd_req_query_int(req, "limit", 1, 100, 20, &limit, err);
    if (rc)
        return rc;
    pd_jsonw *w = pd_req_jsonw(req);
    pd_jsonw_obj_begin(w);
    const char *name = pd_req_param(req, "name");
    if (name)
        pd_jsonw_kstr(w, "name", name); /* strict: the router gave valid UTF-8 */
    if (pd_req_param(req, "id")) {
        CHECK(pd_req_param_int(req, "id") >= 0);
        pd_jsonw_kint(w, "id", pd_req_param_int(req, "id"));
    }
    pd_jsonw_kint(w, "limit", limit);
    pd_jsonw_key(w, "query");
    pd_jsonw_arr_begin(w);
    for (size_t i = 0; i < pd_req_query_count(req); i++) {
        const char *k, *v;
        pd_req_query_at(req, i, &k, &v);
        pd_jsonw_str(w, k); /* strict: the query was checked for UTF-8 */
        pd_jsonw_str(w, v);
    }
    pd_jsonw_arr_end(w);
    pd_jsonw_obj_end(w);
    return PD_OK;
}

static int h_fail(pd_req *req, void *ctx, pd_error *err)
{
    (void)ctx;
    size_t len;
    const char *body = pd_req_body(req, &len);
    /* An error whose message quotes the client's bytes. */
    return pd_error_set(err, len % 2 ? PD_EBUSY : PD_EINPUT, "bad: %.*s", (int)len, body);
}

static const pd_route routes[] = {
    {.method = "POST", .pattern = "/echo", .name = "echo", .summary = "s", .handler = h_echo},
    {.method = "GET",
     .pattern = "/c/{id:int}",
     .name = "c.get",
     .summary = "s",
     .handler = h_params},
    {.method = "GET",
     .pattern = "/c/{id:int}/t/{name}",
     .name = "c.t",
     .summary = "s",
     .handler = h_params},
    {.method = "GET",
     .pattern = "/c/search",
     .name = "c.search",
     .summary = "s",
     .handler = h_params},
    {.method = "PUT", .pattern = "/{name}", .name = "any", .summary = "s", .handler = h_fail},
};

static pd_router *router;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!router) {
        pd_log_set_level((pd_log_level)(PD_LOG_ERROR + 1));
        router = pd_router_new();
        pd_error err;
        CHECK(pd_router_add(router, routes, PD_ROUTES_COUNT(routes), NULL, &err) == PD_OK);
    }
    const char *in = (const char *)data;

    /* The writer's UTF-8 check agrees with jansson's. */
    json_t *js = json_stringn(in, size);
    CHECK((js != NULL) == (pd_utf8_valid(in, size) != 0));
    json_decref(js);
    /* Lossy: any bytes make a valid JSON string. */
    pd_buf b;
    pd_buf_init(&b, 6 * size + 16); /* \u0000: 6 bytes for 1 */
    pd_jsonw w;
    pd_jsonw_init(&w, &b, PD_JSONW_LOSSY | (size % 2 ? PD_JSONW_HTML_SAFE : 0));
    pd_jsonw_strn(&w, in, size);
    CHECK(pd_jsonw_finish(&w, NULL) == PD_OK);
    json_error_t je;
    json_t *back = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    CHECK(back && json_is_string(back));
    if (pd_utf8_valid(in, size)) {
        CHECK(json_string_length(back) == size);
        CHECK(memcmp(json_string_value(back), in, size) == 0);
    }
    json_decref(back);
    pd_buf_free(&b);

    /* "METHOD TARGET\nBODY" */
    const char *nl = memchr(in, '\n', size);
    size_t line = nl ? (size_t)(nl - in) : size;
    char *first = malloc(line + 1);
    memcpy(first, in, line);
    first[line] = '\0';
    char *sp = strchr(first, ' ');
    const char *method = "GET", *target = first;
    if (sp) {
        *sp = '\0';
        method = first;
        target = sp + 1;
    }
    /* A target as libmicrohttpd hands it: no NUL, so stop at one. */
    pd_req_limits lim = {.body_max = 4096, .out_max = 1 << 20};
    pd_req *req = pd_req_new(method, target, &lim);
    CHECK(req != NULL);
    if (nl)
        pd_req_body_append(req, nl + 1, size - line - 1);
    last_body = NULL;
    pd_router_dispatch(router, req, NULL, NULL);

    unsigned st = pd_req_get_status(req);
    CHECK(st == 200 || st == 400 || st == 404 || st == 405 || st == 429);
    size_t len;
    char *out = pd_req_take_body(req, &len);
    CHECK(out != NULL);
    json_t *doc = json_loadb(out, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!doc)
        fprintf(stderr, "not JSON (%s): %.*s\n", je.text, (int)len, out);
    CHECK(doc != NULL);
    if (st != 200) {
        json_t *e = json_object_get(doc, "error");
        CHECK(json_is_object(e) && json_object_size(doc) == 1);
        CHECK(json_is_string(json_object_get(e, "code")));
        CHECK(json_is_string(json_object_get(e, "message")));
    }
    if (last_body) {
        CHECK(st == 200);
        CHECK(json_equal(doc, last_body));
        json_decref(last_body);
    }
    json_decref(doc);
    free(out);
    pd_req_free(req);
    free(first);
    return 0;
}
