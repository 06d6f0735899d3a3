/* test_request.c - one request without a server: the target (path, query
 * decoding and its limits), headers, the client, the body and its ceiling,
 * JSON bodies (duplicates, depth, types, Content-Type), the field helpers
 * and the fields they name, the answer (writer, status, headers, ceiling),
 * the per-request arena, and THE mapping from pd_code to HTTP status and
 * JSON error body. */
#include <jansson.h>
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "http/request.h"
#include "util/log.h"

static const pd_req_limits limits = {.body_max = 1000, .out_max = 1 << 20};

static pd_req *new_req(const char *method, const char *target)
{
    pd_req *req = pd_req_new(method, target, &limits);
    assert_non_null(req);
    return req;
}

/* ---- the target ---------------------------------------------------------------- */

static void test_target(void **state)
{
    (void)state;
    pd_req *req = new_req("GET", "/api/creators?category=beauty&q=red+lip%20stick&empty=&flag"
                                 "&category=food&&=v&caf%C3%A9=%E2%82%AC");
    assert_string_equal(pd_req_method(req), "GET");
    assert_string_equal(pd_req_path(req), "/api/creators");
    assert_int_equal(pd_req_early_error(req, NULL), PD_OK);
    assert_int_equal(pd_req_query_count(req), 7);
    const char *want[][2] = {{"category", "beauty"},
                             {"q", "red lip stick"},
                             {"empty", ""},
                             {"flag", ""},
                             {"category", "food"},
                             {"", "v"},
                             {"caf\xC3\xA9", "\xE2\x82\xAC"}};
    for (size_t i = 0; i < 7; i++) {
        const char *n, *v;
        pd_req_query_at(req, i, &n, &v);
        assert_string_equal(n, want[i][0]);
        assert_string_equal(v, want[i][1]);
    }
    /* The first of repeated names; absent is NULL. */
    assert_string_equal(pd_req_query(req, "category"), "beauty");
    assert_string_equal(pd_req_query(req, "flag"), "");
    assert_null(pd_req_query(req, "nope"));
    /* Path parameters exist only once routed. */
    assert_null(pd_req_route(req));
    assert_null(pd_req_param(req, "id"));
    assert_int_equal(pd_req_param_int(req, "id"), -1);
    assert_int_equal(pd_req_route_index(req), (size_t)-1);
    pd_req_free(req);

    /* No query, an empty query, an absolute-form target. */
    req = new_req("GET", "/x");
    assert_string_equal(pd_req_path(req), "/x");
    assert_int_equal(pd_req_query_count(req), 0);
    pd_req_free(req);
    req = new_req("GET", "/x?");
    assert_string_equal(pd_req_path(req), "/x");
    assert_int_equal(pd_req_query_count(req), 0);
    pd_req_free(req);
    req = new_req("GET", "http://example.com:8080/api/x?a=1");
    assert_string_equal(pd_req_path(req), "/api/x");
    assert_string_equal(pd_req_query(req, "a"), "1");
    pd_req_free(req);
    req = new_req("GET", "HTTP://example.com");
    assert_string_equal(pd_req_path(req), "/");
    pd_req_free(req);
    /* The path is kept as sent (the router decodes it). */
    req = new_req("GET", "/a%2Fb?x=%2F");
    assert_string_equal(pd_req_path(req), "/a%2Fb");
    assert_string_equal(pd_req_query(req, "x"), "/");
    pd_req_free(req);

    pd_req_free(NULL);
}

static void test_query_errors(void **state)
{
    (void)state;
    const char *bad[][2] = {
        {"/x?a=%zz", "bad percent-encoding"},
        {"/x?a=%4", "bad percent-encoding"},
        {"/x?a=%", "bad percent-encoding"},
        {"/x?a%=1", "bad percent-encoding"},
        {"/x?a=%00", "NUL"},
        {"/x?a=%FF", "not valid UTF-8"},
        {"/x?a=%C0%AF", "not valid UTF-8"},
        {"/x?ok=1&a=\xFF", "query parameter 2: not valid UTF-8"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pd_req *req = new_req("GET", bad[i][0]);
        pd_error err = {0};
        assert_int_equal(pd_req_early_error(req, &err), PD_EINPUT);
        if (!strstr(err.msg, bad[i][1]))
            fail_msg("%s: '%s' does not say '%s'", bad[i][0], err.msg, bad[i][1]);
        pd_req_free(req);
    }

    /* PD_REQ_QUERY_MAX parameters are fine, one more is not. */
    char target[2048] = "/x?";
    for (int i = 0; i < PD_REQ_QUERY_MAX; i++)
        snprintf(target + strlen(target), sizeof target - strlen(target), "p%d=%d&", i, i);
    pd_req *req = new_req("GET", target);
    assert_int_equal(pd_req_early_error(req, NULL), PD_OK);
    assert_int_equal(pd_req_query_count(req), PD_REQ_QUERY_MAX);
    assert_string_equal(pd_req_query(req, "p63"), "63");
    pd_req_free(req);
    snprintf(target + strlen(target), sizeof target - strlen(target), "one=more");
    req = new_req("GET", target);
    pd_error err;
    assert_int_equal(pd_req_early_error(req, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "more than 64 parameters"));
    pd_req_free(req);

    /* A query over PD_REQ_QUERY_BYTES. */
    char *huge = malloc(PD_REQ_QUERY_BYTES + 16);
    memcpy(huge, "/x?a=", 5);
    memset(huge + 5, 'v', PD_REQ_QUERY_BYTES);
    huge[PD_REQ_QUERY_BYTES + 5] = '\0';
    req = new_req("GET", huge);
    assert_int_equal(pd_req_early_error(req, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "longer than"));
    pd_req_free(req);
    /* Just at the limit: fine, and the value is all there. */
    huge[PD_REQ_QUERY_BYTES + 3] = '\0';
    req = new_req("GET", huge);
    assert_int_equal(pd_req_early_error(req, NULL), PD_OK);
    assert_int_equal(strlen(pd_req_query(req, "a")), PD_REQ_QUERY_BYTES - 2);
    pd_req_free(req);
    free(huge);
}

static void test_query_int(void **state)
{
    (void)state;
    pd_req *req = new_req("GET", "/x?limit=50&neg=-5&zero=0&big=9223372036854775807"
                                 "&over=9223372036854775808&min=-9223372036854775808&word=ten"
                                 "&empty=&plus=%2B5&space=+5&frac=1.5");
    pd_error err = {0};
    int64_t v;
    assert_int_equal(pd_req_query_int(req, "limit", 1, 100, 20, &v, &err), PD_OK);
    assert_int_equal(v, 50);
    assert_int_equal(pd_req_query_int(req, "absent", 1, 100, 20, &v, &err), PD_OK);
    assert_int_equal(v, 20);
    assert_int_equal(pd_req_query_int(req, "neg", -10, 10, 0, &v, &err), PD_OK);
    assert_int_equal(v, -5);
    assert_int_equal(pd_req_query_int(req, "zero", 0, 0, 1, &v, &err), PD_OK);
    assert_int_equal(v, 0);
    assert_int_equal(pd_req_query_int(req, "big", 0, INT64_MAX, 0, &v, &err), PD_OK);
    assert_int_equal(v, INT64_MAX);
    assert_int_equal(pd_req_query_int(req, "min", INT64_MIN, 0, 0, &v, &err), PD_OK);
    assert_true(v == INT64_MIN);
    const char *bad[] = {"over", "word", "empty", "plus", "space", "frac"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 12345;
        assert_int_equal(pd_req_query_int(req, bad[i], INT64_MIN, INT64_MAX, 0, &v, &err),
                         PD_EINPUT);
        assert_int_equal(v, 12345);
        char want[64];
        snprintf(want, sizeof want, "query parameter '%s'", bad[i]);
        assert_non_null(strstr(err.msg, want));
    }
    assert_int_equal(pd_req_query_int(req, "limit", 1, 10, 5, &v, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "from 1 to 10, got '50'"));
    assert_int_equal(pd_req_query_int(req, "neg", 0, 10, 5, &v, &err), PD_EINPUT);
    pd_req_free(req);
}

/* ---- headers, client, body --------------------------------------------------------- */

static const char *fake_headers(void *ctx, const char *name)
{
    const char *const *h = ctx;
    for (; h[0]; h += 2)
        if (strcasecmp(h[0], name) == 0)
            return h[1];
    return NULL;
}

static void test_headers_client_body(void **state)
{
    (void)state;
    pd_req *req = new_req("POST", "/x");
    assert_null(pd_req_header(req, "Host")); /* no source yet */
    static const char *const hdrs[] = {"Host", "example", "Authorization", "Bearer abc", NULL};
    pd_req_set_header_source(req, fake_headers, (void *)hdrs);
    assert_string_equal(pd_req_header(req, "authorization"), "Bearer abc");
    assert_null(pd_req_header(req, "Cookie"));

    assert_string_equal(pd_req_client(req), "");
    pd_req_set_client(req, "::1");
    assert_string_equal(pd_req_client(req), "::1");
    pd_req_set_client(req, NULL);
    assert_string_equal(pd_req_client(req), "");

    size_t len = 99;
    assert_string_equal(pd_req_body(req, &len), "");
    assert_int_equal(len, 0);
    char chunk[400];
    memset(chunk, 'b', sizeof chunk);
    chunk[10] = '\0'; /* NULs are data */
    assert_int_equal(pd_req_body_append(req, chunk, 400), 0);
    assert_int_equal(pd_req_body_append(req, chunk, 400), 0);
    assert_int_equal(pd_req_body_append(req, chunk, 200), 0); /* exactly 1000 */
    assert_int_equal(pd_req_body_append(req, chunk, 1), -1);  /* one past */
    assert_int_equal(pd_req_body_append(req, chunk, SIZE_MAX), -1);
    const char *body = pd_req_body(req, &len);
    assert_int_equal(len, 1000);
    assert_int_equal(body[10], '\0');
    assert_int_equal(body[1000], '\0');
    assert_int_equal(pd_req_body_append(req, chunk, 0), 0);
    pd_req_free(req);
}

/* ---- JSON bodies ----------------------------------------------------------------------- */

/* Parses text as the body of a POST with content type ct (NULL: none). */
static int parse_body(const char *text, const char *ct, json_t **out, pd_error *err)
{
    pd_req *req = new_req("POST", "/x");
    const char *hdrs[] = {"Content-Type", ct, NULL};
    if (ct)
        pd_req_set_header_source(req, fake_headers, hdrs);
    assert_int_equal(pd_req_body_append(req, text, strlen(text)), 0);
    int rc = pd_req_json_body(req, out, err);
    pd_req_free(req);
    return rc;
}

static void test_json_body(void **state)
{
    (void)state;
    json_t *v;
    pd_error err = {0};
    assert_int_equal(parse_body(" {\"a\": 1, \"b\": [true, null, \"x\"]} \n", NULL, &v, &err),
                     PD_OK);
    assert_int_equal(json_integer_value(json_object_get(v, "a")), 1);
    json_decref(v);
    const char *types[] = {"application/json", "application/json; charset=utf-8",
                           "Application/JSON", "application/merge-patch+json",
                           " application/json ;x=1"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        assert_int_equal(parse_body("{}", types[i], &v, &err), PD_OK);
        json_decref(v);
    }

    struct {
        const char *body, *ct, *why;
    } bad[] = {
        {"", NULL, "empty"},
        {"  \r\n\t", NULL, "empty"},
        {"{\"a\":1,}", NULL, "invalid JSON at line 1, column 8"},
        {"{\"a\":1}\n{\"b\":2}", NULL, "invalid JSON at line 2"},
        {"{\"a\":1,\"a\":2}", NULL, "duplicate"},
        {"{\"a\":\"x\\u0000y\"}", NULL, "invalid JSON"},
        {"{\"a\":99999999999999999999}", NULL, "invalid JSON"},
        {"{\"a\":1e999}", NULL, "invalid JSON"},
        {"[1,2]", NULL, "expected a JSON object, got an array"},
        {"\"str\"", NULL, "invalid JSON"},
        {"{\"a\":\"\xFF\"}", NULL, "invalid JSON"},
        {"{}", "text/plain", "Content-Type is 'text/plain'"},
        {"{}", "application/x-www-form-urlencoded", "send application/json"},
        {"{}", "application/jsonx", "Content-Type"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = (json_t *)1;
        assert_int_equal(parse_body(bad[i].body, bad[i].ct, &v, &err), PD_EINPUT);
        assert_null(v);
        if (!strstr(err.msg, bad[i].why))
            fail_msg("%s: '%s' does not say '%s'", bad[i].body, err.msg, bad[i].why);
        assert_non_null(strstr(err.msg, "body: "));
    }

    /* Depth: PD_REQ_JSON_DEPTH levels parse, one more does not; brackets
     * inside strings do not count. */
    char deep[256] = "";
    for (int i = 0; i < PD_REQ_JSON_DEPTH - 1; i++)
        snprintf(deep + strlen(deep), sizeof deep - strlen(deep), "{\"a\":");
    snprintf(deep + strlen(deep), sizeof deep - strlen(deep), "%s",
             "{\"s\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"{{{{\"}");
    for (int i = 0; i < PD_REQ_JSON_DEPTH - 1; i++)
        snprintf(deep + strlen(deep), sizeof deep - strlen(deep), "}");
    assert_int_equal(parse_body(deep, NULL, &v, &err), PD_OK);
    json_decref(v);
    char deeper[256] = "";
    for (int i = 0; i < PD_REQ_JSON_DEPTH; i++)
        snprintf(deeper + strlen(deeper), sizeof deeper - strlen(deeper), "{\"a\":");
    snprintf(deeper + strlen(deeper), sizeof deeper - strlen(deeper), "[]");
    for (int i = 0; i < PD_REQ_JSON_DEPTH; i++)
        snprintf(deeper + strlen(deeper), sizeof deeper - strlen(deeper), "}");
    assert_int_equal(parse_body(deeper, NULL, &v, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "nested deeper than 32"));
}

static void test_json_fields(void **state)
{
    (void)state;
    json_error_t je;
    json_t *o = json_loads("{\"n\": 42, \"neg\": -7, \"real\": 10.0, \"s\": \"text\", \"e\": \"\","
                           " \"t\": true, \"f\": false, \"z\": null, \"arr\": [1], \"obj\": {},"
                           " \"max\": 9223372036854775807, \"min\": -9223372036854775808}",
                           0, &je);
    assert_non_null(o);
    pd_error err = {0};
    int64_t i = 0;
    assert_int_equal(pd_req_json_int(o, "n", 0, 100, &i, &err), PD_OK);
    assert_int_equal(i, 42);
    assert_int_equal(pd_req_json_int(o, "max", INT64_MIN, INT64_MAX, &i, &err), PD_OK);
    assert_int_equal(i, INT64_MAX);
    assert_int_equal(pd_req_json_int(o, "min", INT64_MIN, INT64_MAX, &i, &err), PD_OK);
    assert_true(i == INT64_MIN);

    struct {
        const char *field;
        int64_t min, max;
        const char *why;
    } bad_int[] = {
        {"missing", 0, 10, "field 'missing' is missing; expected a whole number"},
        {"z", 0, 10, "field 'z' is null"},
        {"real", 0, 100,
         "field 'real': expected a whole number from 0 to 100, got a decimal number"},
        {"s", 0, 10, "got a string"},
        {"t", 0, 10, "got a boolean"},
        {"arr", 0, 10, "got an array"},
        {"obj", 0, 10, "got an object"},
        {"n", 0, 41, "from 0 to 41, got 42"},
        {"neg", 0, 10, "got -7"},
    };
    for (size_t k = 0; k < sizeof bad_int / sizeof bad_int[0]; k++) {
        i = 555;
        assert_int_equal(
            pd_req_json_int(o, bad_int[k].field, bad_int[k].min, bad_int[k].max, &i, &err),
            PD_EINPUT);
        assert_int_equal(i, 555);
        if (!strstr(err.msg, bad_int[k].why))
            fail_msg("%s: '%s' does not say '%s'", bad_int[k].field, err.msg, bad_int[k].why);
    }

    const char *s = NULL;
    assert_int_equal(pd_req_json_str(o, "s", 1, 4, &s, &err), PD_OK);
    assert_string_equal(s, "text");
    assert_int_equal(pd_req_json_str(o, "e", 0, 4, &s, &err), PD_OK);
    assert_string_equal(s, "");
    assert_int_equal(pd_req_json_str(o, "e", 1, 4, &s, &err), PD_EINPUT);
    assert_string_equal(err.msg, "field 'e': must not be empty");
    assert_int_equal(pd_req_json_str(o, "s", 1, 3, &s, &err), PD_EINPUT);
    assert_string_equal(err.msg, "field 's': expected 1 to 3 bytes of text, got 4");
    assert_int_equal(pd_req_json_str(o, "n", 0, 9, &s, &err), PD_EINPUT);
    assert_string_equal(err.msg, "field 'n': expected a string, got a whole number");
    assert_int_equal(pd_req_json_str(o, "nope", 0, 9, &s, &err), PD_EINPUT);
    assert_string_equal(err.msg, "field 'nope' is missing; expected a string");

    int b = -1;
    assert_int_equal(pd_req_json_bool(o, "t", &b, &err), PD_OK);
    assert_int_equal(b, 1);
    assert_int_equal(pd_req_json_bool(o, "f", &b, &err), PD_OK);
    assert_int_equal(b, 0);
    assert_int_equal(pd_req_json_bool(o, "n", &b, &err), PD_EINPUT);
    assert_string_equal(err.msg, "field 'n': expected true or false, got a whole number");
    assert_int_equal(pd_req_json_bool(o, "z", &b, &err), PD_EINPUT);

    /* Optional: missing or null gives the default; present must be right. */
    assert_int_equal(pd_req_json_opt_int(o, "missing", 0, 10, 3, &i, &err), PD_OK);
    assert_int_equal(i, 3);
    assert_int_equal(pd_req_json_opt_int(o, "z", 0, 10, 4, &i, &err), PD_OK);
    assert_int_equal(i, 4);
    assert_int_equal(pd_req_json_opt_int(o, "n", 0, 100, 4, &i, &err), PD_OK);
    assert_int_equal(i, 42);
    assert_int_equal(pd_req_json_opt_int(o, "real", 0, 100, 4, &i, &err), PD_EINPUT);
    assert_int_equal(pd_req_json_opt_str(o, "missing", 0, 10, "dflt", &s, &err), PD_OK);
    assert_string_equal(s, "dflt");
    assert_int_equal(pd_req_json_opt_str(o, "z", 0, 10, NULL, &s, &err), PD_OK);
    assert_null(s);
    assert_int_equal(pd_req_json_opt_str(o, "s", 0, 10, NULL, &s, &err), PD_OK);
    assert_string_equal(s, "text");
    assert_int_equal(pd_req_json_opt_str(o, "t", 0, 10, NULL, &s, &err), PD_EINPUT);
    assert_int_equal(pd_req_json_opt_bool(o, "missing", 1, &b, &err), PD_OK);
    assert_int_equal(b, 1);
    assert_int_equal(pd_req_json_opt_bool(o, "f", 1, &b, &err), PD_OK);
    assert_int_equal(b, 0);
    assert_int_equal(pd_req_json_opt_bool(o, "s", 1, &b, &err), PD_EINPUT);

    /* Not an object at all. */
    json_t *arr = json_object_get(o, "arr");
    assert_int_equal(pd_req_json_int(arr, "x", 0, 1, &i, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "expected an object holding field 'x'"));

    /* Only known fields. */
    static const char *const known[] = {"n", "neg", "real", "s",   "e",   "t", "f",
                                        "z", "arr", "obj",  "max", "min", NULL};
    assert_int_equal(pd_req_json_only(o, known, &err), PD_OK);
    static const char *const fewer[] = {"n", "s", NULL};
    assert_int_equal(pd_req_json_only(o, fewer, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "unknown field '"));
    assert_non_null(strstr(err.msg, "(known: n, s)"));
    assert_int_equal(pd_req_json_only(arr, fewer, &err), PD_EINPUT);
    json_decref(o);
}

/* ---- the answer --------------------------------------------------------------------- */

static const char *header_of(const pd_req *req, const char *name)
{
    for (size_t i = 0; i < pd_req_header_count(req); i++) {
        const char *n, *v;
        pd_req_header_at(req, i, &n, &v);
        if (strcmp(n, name) == 0)
            return v;
    }
    return NULL;
}

/* Takes the answer's body as a string the caller frees. */
static char *body_of(pd_req *req)
{
    size_t len;
    char *b = pd_req_take_body(req, &len);
    if (!b)
        b = strdup("");
    return b;
}

static void test_answer(void **state)
{
    (void)state;
    pd_req *req = new_req("GET", "/x");
    assert_int_equal(pd_req_get_status(req), 200);
    assert_string_equal(pd_req_get_content_type(req), "application/json");
    pd_jsonw *w = pd_req_jsonw(req);
    assert_ptr_equal(pd_req_jsonw(req), w); /* the same writer each time */
    pd_jsonw_obj_begin(w);
    pd_jsonw_kint(w, "n", 1);
    pd_jsonw_obj_end(w);
    pd_req_status(req, 201);
    assert_int_equal(pd_req_header_add(req, "Location", "/api/creators/1"), 0);
    assert_int_equal(pd_req_header_add(req, "X-Bad", "a\r\nSet-Cookie: x"), -1);
    assert_int_equal(pd_req_header_add(req, "X-Bad\n", "a"), -1);
    assert_int_equal(pd_req_header_add(req, "X:Bad", "a"), -1);
    assert_int_equal(pd_req_header_add(req, "", "a"), -1);
    pd_req_check_answer(req);
    assert_int_equal(pd_req_get_status(req), 201);
    assert_string_equal(header_of(req, "Location"), "/api/creators/1");
    assert_int_equal(pd_req_header_count(req), 1);
    char *b = body_of(req);
    assert_string_equal(b, "{\"n\":1}");
    free(b);
    pd_req_free(req);

    /* Other content, other type. */
    req = new_req("GET", "/x");
    pd_req_content_type(req, "text/html; charset=utf-8");
    pd_buf_puts(pd_req_out(req), "<p>hi</p>");
    pd_req_check_answer(req);
    assert_string_equal(pd_req_get_content_type(req), "text/html; charset=utf-8");
    b = body_of(req);
    assert_string_equal(b, "<p>hi</p>");
    free(b);
    pd_req_free(req);

    /* At most PD_REQ_HEADERS_MAX headers. */
    req = new_req("GET", "/x");
    for (int i = 0; i < PD_REQ_HEADERS_MAX; i++)
        assert_int_equal(pd_req_header_add(req, "X-N", "v"), 0);
    assert_int_equal(pd_req_header_add(req, "X-N", "v"), -1);
    pd_req_free(req);

    /* A jansson value as the answer. */
    req = new_req("GET", "/x");
    json_t *v = json_pack("{s:i,s:[s]}", "a", 1, "b", "c");
    pd_error err;
    assert_int_equal(pd_req_reply_json(req, 202, v, &err), PD_OK);
    json_decref(v);
    assert_int_equal(pd_req_get_status(req), 202);
    b = body_of(req);
    assert_string_equal(b, "{\"a\":1,\"b\":[\"c\"]}");
    free(b);
    pd_req_free(req);

    /* An answer past its ceiling becomes a 500 (not a cut document). */
    pd_log_set_level((pd_log_level)(PD_LOG_ERROR + 1));
    pd_req_limits small = {.body_max = 10, .out_max = 5000};
    req = pd_req_new("GET", "/x", &small);
    w = pd_req_jsonw(req);
    pd_jsonw_arr_begin(w);
    for (int i = 0; i < 2000; i++)
        pd_jsonw_int(w, i);
    pd_jsonw_arr_end(w);
    pd_req_check_answer(req);
    assert_int_equal(pd_req_get_status(req), 500);
    b = body_of(req);
    assert_string_equal(b,
                        "{\"error\":{\"code\":\"internal_error\",\"message\":\"internal error\"}}");
    free(b);
    pd_req_free(req);
    /* The same through pd_req_out. */
    req = pd_req_new("GET", "/x", &small);
    for (int i = 0; i < 1000; i++)
        pd_buf_puts(pd_req_out(req), "0123456789");
    pd_req_check_answer(req);
    assert_int_equal(pd_req_get_status(req), 500);
    pd_req_free(req);
    /* reply_json past the ceiling is an error the handler returns. */
    req = pd_req_new("GET", "/x", &small);
    v = json_array();
    for (int i = 0; i < 2000; i++)
        json_array_append_new(v, json_integer(i));
    assert_int_equal(pd_req_reply_json(req, 200, v, &err), PD_ENOMEM);
    json_decref(v);
    pd_req_free(req);
    pd_log_set_level(PD_LOG_INFO);
}

static void test_arena(void **state)
{
    (void)state;
    pd_req *req = new_req("GET", "/x");
    /* Many small, some large; all aligned, all distinct and writable. */
    char *prev = NULL;
    for (int i = 0; i < 2000; i++) {
        size_t n = (size_t)(i % 7 == 0 ? 5000 : i % 50 + 1);
        char *p = pd_req_alloc(req, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
        memset(p, i & 0xff, n);
        assert_true(p != prev);
        prev = p;
    }
    assert_non_null(pd_req_alloc(req, 0));
    assert_null(pd_req_alloc(req, SIZE_MAX));
    char *s = pd_req_strndup(req, "hello world", 5);
    assert_string_equal(s, "hello");
    pd_req_free(req); /* ASan checks that everything is released */
}

/* ---- errors: the one mapping ---------------------------------------------------------- */

static void test_error_mapping(void **state)
{
    (void)state;
    struct {
        pd_code code;
        unsigned status;
        const char *name;
    } map[] = {
        {PD_EINPUT, 400, "invalid_input"},     {PD_EUSAGE, 400, "bad_request"},
        {PD_EAUTH, 401, "unauthorized"},       {PD_EDENIED, 403, "forbidden"},
        {PD_ENOTFOUND, 404, "not_found"},      {PD_ECONFLICT, 409, "conflict"},
        {PD_ETOOBIG, 413, "too_large"},        {PD_EBUSY, 429, "too_many_requests"},
        {PD_EIO, 500, "internal_error"},       {PD_ENOMEM, 500, "internal_error"},
        {PD_EINTERNAL, 500, "internal_error"}, {(pd_code)99, 500, "internal_error"},
        {PD_EUNAVAILABLE, 503, "unavailable"},
    };
    pd_log_set_level((pd_log_level)(PD_LOG_ERROR + 1));
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        assert_int_equal(pd_http_status(map[i].code), map[i].status);
        assert_string_equal(pd_http_error_name(map[i].code), map[i].name);

        pd_req *req = new_req("GET", "/x");
        /* Whatever the handler wrote before failing is dropped. */
        pd_jsonw_obj_begin(pd_req_jsonw(req));
        pd_req_header_add(req, "Location", "/somewhere");
        pd_req_content_type(req, "text/html");
        pd_error err;
        pd_error_set(&err, map[i].code, "details: /srv/db.sqlite line 3");
        assert_int_equal(pd_req_error(req, &err), map[i].status);
        assert_int_equal(pd_req_get_status(req), map[i].status);
        assert_string_equal(pd_req_get_content_type(req), "application/json");
        assert_null(header_of(req, "Location"));
        char *b = body_of(req);
        json_t *doc = json_loads(b, JSON_REJECT_DUPLICATES, NULL);
        assert_non_null(doc);
        json_t *e = json_object_get(doc, "error");
        assert_string_equal(json_string_value(json_object_get(e, "code")), map[i].name);
        const char *msg = json_string_value(json_object_get(e, "message"));
        if (map[i].status == 500)
            assert_string_equal(msg, "internal error"); /* nothing leaks */
        else
            assert_string_equal(msg, "details: /srv/db.sqlite line 3");
        json_decref(doc);
        free(b);
        const char *www = header_of(req, "WWW-Authenticate");
        const char *retry = header_of(req, "Retry-After");
        assert_true((map[i].status == 401) == (www != NULL));
        assert_true((map[i].status == 429 || map[i].status == 503) == (retry != NULL));
        if (retry)
            assert_string_equal(retry, "1");
        pd_req_free(req);
    }

    /* Retry-After as the rate limiter says. */
    pd_req *req = new_req("POST", "/login");
    pd_req_set_retry_after(req, 37);
    pd_error err;
    pd_error_set(&err, PD_EBUSY, "too many login attempts");
    assert_int_equal(pd_req_error(req, &err), 429);
    assert_string_equal(header_of(req, "Retry-After"), "37");
    pd_req_free(req);

    /* A busy database: 503 with its message kept (the client may retry),
     * and a Retry-After. */
    req = new_req("POST", "/x");
    pd_error_set(&err, PD_EUNAVAILABLE, "adding a post: database is locked");
    assert_int_equal(pd_req_error(req, &err), 503);
    assert_string_equal(header_of(req, "Retry-After"), "1");
    char *busy = body_of(req);
    assert_non_null(strstr(busy, "database is locked"));
    free(busy);
    pd_req_free(req);

    /* An error with no code set is still a 500; an empty message uses the
     * code's name. */
    req = new_req("GET", "/x");
    pd_error none = {0};
    assert_int_equal(pd_req_error(req, &none), 500);
    pd_req_free(req);
    req = new_req("GET", "/x");
    pd_error bare = {.code = PD_ENOTFOUND};
    pd_req_error(req, &bare);
    char *b = body_of(req);
    assert_string_equal(b, "{\"error\":{\"code\":\"not_found\",\"message\":\"not found\"}}");
    free(b);
    pd_req_free(req);

    /* A message quoting a client's bytes that are not UTF-8 (or cut inside
     * a sequence) still gives valid JSON. */
    req = new_req("GET", "/x");
    pd_error_set(&err, PD_EINPUT, "bad value '\xFF\xC3'");
    pd_req_error(req, &err);
    b = body_of(req);
    json_t *doc = json_loads(b, 0, NULL);
    assert_non_null(doc);
    json_decref(doc);
    free(b);
    pd_req_free(req);

    /* A status of its own (the router's 405). */
    req = new_req("DELETE", "/x");
    assert_int_equal(pd_req_error_status(req, 405, "method_not_allowed", "no \"DELETE\" here"),
                     405);
    b = body_of(req);
    assert_string_equal(
        b, "{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"no \\\"DELETE\\\" here\"}}");
    free(b);
    pd_req_free(req);
    pd_log_set_level(PD_LOG_INFO);
}

/* ---- the request head ------------------------------------------------------------------ */

/* Checks a head given as name/value pairs (NULL-terminated); the status
 * (0: sound), and the error code in the answer when refused. */
static unsigned head(int http11, const char *const *hv, uint64_t *len, int *chunked, char *code,
                     size_t code_n)
{
    pd_req *req = new_req("POST", "/x");
    pd_head h;
    pd_head_init(&h);
    for (; hv[0]; hv += 2)
        pd_head_add(&h, hv[0], strlen(hv[0]), hv[1]);
    uint64_t l = 99;
    int c = 99;
    unsigned st = pd_req_check_head(req, &h, http11, &l, &c);
    if (len)
        *len = l;
    if (chunked)
        *chunked = c;
    code[0] = '\0';
    if (st) {
        assert_int_equal(pd_req_get_status(req), st);
        size_t n;
        char *b = pd_req_take_body(req, &n);
        json_t *doc = json_loads(b, 0, NULL);
        assert_non_null(doc);
        snprintf(code, code_n, "%s",
                 json_string_value(json_object_get(json_object_get(doc, "error"), "code")));
        assert_true(strlen(json_string_value(
                        json_object_get(json_object_get(doc, "error"), "message"))) > 10);
        json_decref(doc);
        free(b);
    }
    pd_req_free(req);
    return st;
}

static void test_head_framing(void **state)
{
    (void)state;
    char code[64];
    uint64_t len;
    int chunked;
#define H(...) ((const char *const[]){__VA_ARGS__, NULL})
    assert_int_equal(head(1, H("Host", "x", "Accept", "*/*"), &len, &chunked, code, 64), 0);
    assert_int_equal(len, 0);
    assert_int_equal(chunked, 0);
    assert_int_equal(head(1, H("Host", "x", "content-length", " 37 "), &len, &chunked, code, 64),
                     0);
    assert_int_equal(len, 37);
    assert_int_equal(
        head(1, H("Host", "x", "Transfer-Encoding", " Chunked"), &len, &chunked, code, 64), 0);
    assert_int_equal(chunked, 1);
    /* Smuggling: framing two ways, or hidden from one reader. */
    assert_int_equal(head(1, H("Host", "x", "Content-Length", "5", "Transfer-Encoding", "chunked"),
                          NULL, NULL, code, 64),
                     400);
    assert_string_equal(code, "bad_request");
    assert_int_equal(head(1, H("Host", "x", "Content-Length", "5", "Content-Length", "37"), NULL,
                          NULL, code, 64),
                     400);
    assert_int_equal(
        head(1, H("Host", "x", "Content-Length", "5", "content-length", "5"), NULL, NULL, code, 64),
        400);
    assert_int_equal(
        head(1, H("Host", "x", "Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked"),
             NULL, NULL, code, 64),
        400);
    assert_int_equal(head(1, H("Host", "x", "Content-Length ", "37"), NULL, NULL, code, 64), 400);
    assert_int_equal(head(1, H("Host", "x", "Content\tLength", "37"), NULL, NULL, code, 64), 400);
    assert_int_equal(head(1, H("Host", "x", "X(y)", "1"), NULL, NULL, code, 64), 400);
    assert_int_equal(head(1, H("Host", "x", "", "1"), NULL, NULL, code, 64), 400);
    assert_int_equal(head(1, H("Host", "x", "Content-Length", "12a"), NULL, NULL, code, 64), 400);
    assert_int_equal(head(1, H("Host", "x", "Content-Length", ""), NULL, NULL, code, 64), 400);
    assert_int_equal(head(1, H("Host", "x", "Content-Length", "-1"), NULL, NULL, code, 64), 400);
    assert_int_equal(
        head(1, H("Host", "x", "Content-Length", "99999999999999999999999"), NULL, NULL, code, 64),
        400);
    /* A coding we do not read: 501, not a hang waiting for the end. */
    assert_int_equal(head(1, H("Host", "x", "Transfer-Encoding", "xchunked"), NULL, NULL, code, 64),
                     501);
    assert_string_equal(code, "not_implemented");
    assert_int_equal(
        head(1, H("Host", "x", "Transfer-Encoding", "gzip, chunked"), NULL, NULL, code, 64), 501);
    /* Headers that must come once. */
    assert_int_equal(head(1, H("Accept", "*/*"), NULL, NULL, code, 64), 400);
    assert_int_equal(head(0, H("Accept", "*/*"), NULL, NULL, code, 64), 0); /* HTTP/1.0 */
    assert_int_equal(head(1, H("Host", "a", "Host", "b"), NULL, NULL, code, 64), 400);
    assert_int_equal(head(1,
                          H("Host", "a", "Authorization", "Bearer x", "authorization", "Bearer y"),
                          NULL, NULL, code, 64),
                     400);
#undef H
}

static void test_finish_no_store(void **state)
{
    (void)state;
    static const pd_route pub = {
        .method = "GET", .pattern = "/p", .name = "p", .access = PD_ACCESS_PUBLIC};
    static const pd_route priv = {.method = "GET", .pattern = "/q", .name = "q", .access = 7};
    pd_route_match m;
    memset(&m, 0, sizeof m);
    static const char *const creds[] = {"Authorization", "Bearer abc", NULL};
    static const char *const cookie[] = {"Cookie", "pd_session=abc", NULL};
    struct {
        const pd_route *route;
        const char *const *hdrs;
        unsigned status;
        const char *preset; /* a Cache-Control the handler set */
        const char *want;   /* the Cache-Control after finish, or NULL */
    } cases[] = {
        {&priv, NULL, 200, NULL, "no-store"},
        {&priv, NULL, 401, NULL, "no-store"},
        {&priv, creds, 200, "private, max-age=5", "private, max-age=5"},
        {&pub, NULL, 200, NULL, NULL},
        {&pub, creds, 200, NULL, NULL},
        {&pub, NULL, 404, NULL, NULL},
        {&pub, creds, 404, NULL, "no-store"},
        {&pub, cookie, 400, NULL, "no-store"},
        {&pub, NULL, 200, "max-age=31536000", "max-age=31536000"},
        {NULL, creds, 404, NULL, "no-store"}, /* unrouted */
        {NULL, NULL, 404, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pd_req *req = new_req("GET", "/p");
        if (cases[i].hdrs)
            pd_req_set_header_source(req, fake_headers, (void *)cases[i].hdrs);
        if (cases[i].route) {
            m.route = cases[i].route;
            pd_req_set_match(req, &m);
        }
        pd_req_status(req, cases[i].status);
        if (cases[i].preset)
            pd_req_header_add(req, "Cache-Control", cases[i].preset);
        pd_req_finish(req);
        const char *got = NULL;
        size_t n = 0;
        for (size_t k = 0; k < pd_req_header_count(req); k++) {
            const char *name, *value;
            pd_req_header_at(req, k, &name, &value);
            if (strcasecmp(name, "Cache-Control") == 0) {
                got = value;
                n++;
            }
        }
        if (cases[i].want) {
            assert_non_null(got);
            assert_string_equal(got, cases[i].want);
            assert_int_equal(n, 1);
        } else {
            assert_null(got);
        }
        pd_req_free(req);
    }
}

static void test_body_ceiling_per_route(void **state)
{
    (void)state;
    pd_req *req = new_req("POST", "/x"); /* 1000 by the limits */
    pd_req_set_body_max(req, 10);
    char chunk[20] = "0123456789abcdefghi";
    assert_int_equal(pd_req_body_append(req, chunk, 11), -1);
    assert_int_equal(pd_req_body_reserve(req, 11), -1);
    pd_req_free(req);
    req = new_req("POST", "/x");
    pd_req_set_body_max(req, 5000);
    assert_int_equal(pd_req_body_reserve(req, 3000), 0);
    size_t cap = pd_req_body_capacity(req);
    assert_true(cap >= 3001 && cap < 4096); /* one allocation of the announced size */
    for (int i = 0; i < 150; i++)
        assert_int_equal(pd_req_body_append(req, chunk, 20), 0);
    assert_int_equal(pd_req_body_capacity(req), cap); /* never regrown */
    pd_req_free(req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target),          cmocka_unit_test(test_query_errors),
        cmocka_unit_test(test_query_int),       cmocka_unit_test(test_headers_client_body),
        cmocka_unit_test(test_json_body),       cmocka_unit_test(test_json_fields),
        cmocka_unit_test(test_answer),          cmocka_unit_test(test_arena),
        cmocka_unit_test(test_error_mapping),   cmocka_unit_test(test_head_framing),
        cmocka_unit_test(test_finish_no_store), cmocka_unit_test(test_body_ceiling_per_route),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
