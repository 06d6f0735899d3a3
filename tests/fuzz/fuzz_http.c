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
 * must turn any bytes into a valid JSON string. The lines after the
 * first are also read as a request's header block ("Name: value" each)
 * and checked the way the server checks a head (pd_req_check_head): a
 * head let through must be one a plain reading agrees is framed one way
 * only (each name a token, Content-Length and Transfer-Encoding at most
 * once and not both, Host once, Authorization at most once), and a
 * refusal must be a JSON error of 400 or 501.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/dispatch.h"
#include "http/request.h"
#include "http/router.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/utf8.h"

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

static int tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The lines of text (after the request line) as a header block: the head
 * check, against a plain count of what it must refuse. */
static void check_head(const char *text, size_t n)
{
    pd_head h;
    pd_head_init(&h);
    unsigned cl = 0, te = 0, host = 0, auth = 0, bad = 0;
    char *copy = malloc(n + 1);
    memcpy(copy, text, n);
    copy[n] = '\0';
    /* Names and values as libmicrohttpd hands them: NUL-terminated lines. */
    for (char *line = copy, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        size_t nlen = (size_t)(colon - line);
        const char *value = colon + 1;
        pd_head_add(&h, line, nlen, value);
        int ok = nlen > 0;
        for (size_t i = 0; i < nlen; i++)
            ok = ok && tchar((unsigned char)line[i]);
        if (!ok) {
            bad++;
            continue;
        }
        cl += nlen == 14 && strncasecmp(line, "content-length", 14) == 0;
        te += nlen == 17 && strncasecmp(line, "transfer-encoding", 17) == 0;
        host += nlen == 4 && strncasecmp(line, "host", 4) == 0;
        auth += nlen == 13 && strncasecmp(line, "authorization", 13) == 0;
    }
    pd_req_limits lim = {.body_max = 4096, .out_max = 1 << 16};
    pd_req *req = pd_req_new("POST", "/x", &lim);
    CHECK(req != NULL);
    uint64_t len = 7;
    int chunked = 7;
    int http11 = n % 2;
    unsigned st = pd_req_check_head(req, &h, http11, &len, &chunked);
    if (st == 0) {
        CHECK(!bad && cl <= 1 && te <= 1 && !(cl && te) && host <= 1 && auth <= 1);
        CHECK(!http11 || host == 1);
        CHECK(chunked == (te == 1));
        CHECK(cl || len == 0);
    } else {
        CHECK(st == 400 || st == 501);
        CHECK(st != 501 || te == 1);
        size_t olen;
        char *out = pd_req_take_body(req, &olen);
        json_error_t je;
        json_t *doc = json_loadb(out, olen, JSON_REJECT_DUPLICATES, &je);
        CHECK(doc && json_is_object(json_object_get(doc, "error")));
        json_decref(doc);
        free(out);
    }
    pd_req_free(req);
    free(copy);
}

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
    if (nl) {
        pd_req_body_append(req, nl + 1, size - line - 1);
        check_head(nl + 1, size - line - 1);
    }
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
