/* test_openapi.c - the OpenAPI document (http/openapi.h): the route table
 * joined with the descriptions beside the handlers, and the refusals that
 * keep the two from drifting apart (a route without a description, a
 * description of no route, a wrong route, a dangling $ref...). Last, the
 * real thing: every module's routes as `partnerd serve` adds them, with
 * the descriptions compiled in. The answers themselves are checked against
 * the document by the end-to-end tests (tests/node/validate_answers.mjs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "api/accounts.h"
#include "site/site.h"
#include "api/creators.h"
#include "http/metrics.h"
#include "http/openapi.h"
#include "pages/pages.h"
#include "api/policies.h"
#include "http/dispatch.h"
#include "http/request.h"

static int handler(pd_req *req, void *ctx, pd_error *err)
{
    (void)req;
    (void)ctx;
    (void)err;
    return PD_OK;
}

static const pd_route thing_routes[] = {
    {.method = "GET",
     .pattern = "/things/{id:int}",
     .name = "things.get",
     .summary = "One thing",
     .access = PD_ACCESS_PUBLIC,
     .handler = handler},
    {.method = "POST",
     .pattern = "/things",
     .name = "things.add",
     .summary = "Add a thing",
     .access = 2,
     .handler = handler},
};

/* JSON written with ' for " (the tests' descriptions read better so). */
static char *json_text(const char *s)
{
    char *t = strdup(s);
    assert_non_null(t);
    for (char *p = t; *p; p++)
        if (*p == '\'')
            *p = '"';
    return t;
}

#define ERROR_RESPONSE(name)                                                                       \
    "'" name "': {'description': '" name "', 'content': {'application/json': {'schema': "          \
    "{'$ref': '#/components/schemas/Error'}}}}"
/* Every error response the guard and the server may give. */
/* clang-format off */
#define ERROR_RESPONSES                                                        \
    ERROR_RESPONSE("BadRequest") "," ERROR_RESPONSE("TooLarge") ","            \
    ERROR_RESPONSE("HeadersTooLarge") "," ERROR_RESPONSE("InternalError") ","  \
    ERROR_RESPONSE("Unavailable") "," ERROR_RESPONSE("NotImplemented") ","     \
    ERROR_RESPONSE("Unauthorized")
/* clang-format on */

static const char base_doc[] =
    "{'components': {"
    " 'securitySchemes': {'bearer': {'type': 'http', 'scheme': 'bearer'},"
    "                     'session': {'type': 'apiKey', 'in': 'cookie', 'name': 's'}},"
    " 'schemas': {'Error': {'type': 'object'}, 'Thing': {'type': 'object'}},"
    " 'responses': {" ERROR_RESPONSES "}}}";

static const char get_op[] =
    "'things.get': {'route': 'GET /things/{id}', 'responses': {"
    " '200': {'description': 'The thing', 'content': {'application/json': {'schema':"
    "  {'$ref': '#/components/schemas/Thing'}}}},"
    " '404': {'description': 'None', 'content': {'application/json': {'schema':"
    "  {'$ref': '#/components/schemas/Error'}}}}}}";

static const char add_op[] =
    "'things.add': {'route': 'POST /things', 'description': 'Longer words',"
    " 'parameters': [{'name': 'dry', 'in': 'query', 'schema': {'type': 'boolean'}}],"
    " 'requestBody': {'content': {'application/json': {'schema': {'$ref': "
    "'#/components/schemas/Thing'}}}},"
    " 'responses': {'201': {'description': 'Added', 'content': {'application/json': {'schema':"
    "  {'$ref': '#/components/schemas/Thing'}}}}}}";

static size_t guard_401(const pd_route *r, pd_openapi_response *out, size_t max)
{
    if (r->access == PD_ACCESS_PUBLIC || max < 1)
        return 0;
    out[0] = (pd_openapi_response){"401", "Unauthorized"};
    return 1;
}

typedef struct fixture {
    pd_router *router;
    pd_openapi_ctx ctx;
    pd_asset docs[4];
    char *texts[4];
    size_t n;
    pd_error err;
    json_t *doc;
} fixture;

static void add_doc(fixture *f, const char *name, const char *text)
{
    f->texts[f->n] = json_text(text);
    f->docs[f->n] = (pd_asset){.name = name,
                               .type = "application/json",
                               .data = (const unsigned char *)f->texts[f->n],
                               .len = strlen(f->texts[f->n])};
    f->n++;
}

/* The two routes, the base components and the operations (a JSON object's
 * inside, ' for "). */
static void setup(fixture *f, const char *operations)
{
    memset(f, 0, sizeof *f);
    f->router = pd_router_new();
    assert_non_null(f->router);
    assert_int_equal(pd_router_add(f->router, thing_routes, 2, NULL, &f->err), PD_OK);
    add_doc(f, "base.api.json", base_doc);
    char ops[4096];
    snprintf(ops, sizeof ops, "{'operations': {%s}}", operations);
    add_doc(f, "things.api.json", ops);
    f->ctx = (pd_openapi_ctx){.router = f->router,
                              .version = "9.9",
                              .docs = f->docs,
                              .ndocs = f->n,
                              .guard_responses = guard_401};
}

static int build(fixture *f)
{
    f->ctx.ndocs = f->n;
    int rc = pd_openapi_build(&f->ctx, &f->err);
    if (rc == PD_OK) {
        f->doc = json_loadb(f->ctx.doc, f->ctx.len, 0, NULL);
        assert_non_null(f->doc);
    }
    return rc;
}

static void teardown(fixture *f)
{
    json_decref(f->doc);
    pd_openapi_free(&f->ctx);
    for (size_t i = 0; i < f->n; i++)
        free(f->texts[i]);
    pd_router_free(f->router);
}

/* The value at "paths|/things/{id}|get": keys (or array indexes) between '|'. */
static json_t *at(json_t *v, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *k = strtok_r(buf, "|", &save); k && v; k = strtok_r(NULL, "|", &save))
        v = json_is_array(v) ? json_array_get(v, (size_t)strtoul(k, NULL, 10))
                             : json_object_get(v, k);
    return v;
}

static void expect_refusal(fixture *f, const char *what)
{
    assert_int_equal(build(f), PD_EINTERNAL);
    if (!strstr(f->err.msg, what))
        fail_msg("'%s' not in: %s", what, f->err.msg);
    assert_null(f->ctx.doc);
}

/* ---- the document -----------------------------------------------------------------------------
 */

static void test_document(void **state)
{
    (void)state;
    fixture f;
    char ops[2048];
    snprintf(ops, sizeof ops, "%s, %s", get_op, add_op);
    setup(&f, ops);
    assert_int_equal(build(&f), PD_OK);
    assert_string_equal(json_string_value(at(f.doc, "openapi")), "3.1.0");
    assert_string_equal(json_string_value(at(f.doc, "info|version")), "9.9");
    /* the route table's: operationId, summary, tag; path parameter from the pattern */
    json_t *get = at(f.doc, "paths|/things/{id}|get");
    assert_non_null(get);
    assert_string_equal(json_string_value(at(get, "operationId")), "things.get");
    assert_string_equal(json_string_value(at(get, "summary")), "One thing");
    assert_string_equal(json_string_value(at(get, "tags|0")), "things");
    assert_string_equal(json_string_value(at(get, "parameters|0|in")), "path");
    assert_string_equal(json_string_value(at(get, "parameters|0|name")), "id");
    assert_true(json_is_true(at(get, "parameters|0|required")));
    assert_string_equal(json_string_value(at(get, "parameters|0|schema|type")), "integer");
    assert_int_equal(json_integer_value(at(get, "parameters|0|schema|minimum")), 0);
    assert_int_equal(json_array_size(at(get, "security")), 0); /* public */
    /* the description's answers, then the server's, in order; no guard's for a public route */
    static const char *const want[] = {"200", "400", "404", "413", "431", "500", "501", "503"};
    json_t *rs = at(get, "responses");
    assert_int_equal(json_object_size(rs), 8);
    size_t k = 0;
    const char *status;
    json_t *r;
    json_object_foreach(rs, status, r) assert_string_equal(status, want[k++]);
    assert_string_equal(json_string_value(at(rs, "400|$ref")), "#/components/responses/BadRequest");
    assert_string_equal(json_string_value(at(rs, "404|description")), "None");
    assert_null(at(rs, "401"));
    /* a signed-in route: security, the guard's 401; the description's fields kept */
    json_t *add = at(f.doc, "paths|/things|post");
    assert_non_null(at(add, "security|0|bearer"));
    assert_non_null(at(add, "security|1|session"));
    assert_string_equal(json_string_value(at(add, "responses|401|$ref")),
                        "#/components/responses/Unauthorized");
    assert_string_equal(json_string_value(at(add, "description")), "Longer words");
    assert_string_equal(json_string_value(at(add, "parameters|0|name")), "dry");
    assert_non_null(at(add, "requestBody|content|application/json|schema"));
    assert_null(at(add, "route")); /* ours, not OpenAPI's */
    assert_non_null(at(f.doc, "components|schemas|Thing"));
    teardown(&f);
}

static void test_served(void **state)
{
    (void)state;
    fixture f;
    char ops[2048];
    snprintf(ops, sizeof ops, "%s, %s, %s", get_op, add_op,
             "'ops.openapi': {'route': 'GET /openapi.json', 'responses': {'200': {'description': "
             "'It', 'content': {'application/json': {'schema': {'type': 'object'}}}}}}");
    setup(&f, ops);
    assert_int_equal(pd_openapi_route(f.router, &f.ctx, &f.err), PD_OK);
    pd_req_limits lim = {.body_max = 1024, .out_max = 1 << 20};
    pd_req *req = pd_req_new("GET", "/openapi.json", &lim);
    pd_router_dispatch(f.router, req, NULL, NULL);
    assert_int_equal(pd_req_get_status(req), 500); /* not built yet */
    pd_req_free(req);
    assert_int_equal(build(&f), PD_OK);
    assert_non_null(at(f.doc, "paths|/openapi.json|get"));
    req = pd_req_new("GET", "/openapi.json", &lim);
    pd_router_dispatch(f.router, req, NULL, NULL);
    assert_int_equal(pd_req_get_status(req), 200);
    size_t len;
    char *body = pd_req_take_body(req, &len);
    assert_int_equal(len, f.ctx.len);
    assert_memory_equal(body, f.ctx.doc, len);
    free(body);
    pd_req_free(req);
    teardown(&f);
}

/* ---- what it refuses --------------------------------------------------------------------------
 */

static void refused(const char *operations, const char *what)
{
    fixture f;
    setup(&f, operations);
    expect_refusal(&f, what);
    teardown(&f);
}

/* things.add as it should be, things.get as given (the inside of its object). */
static void refused_get(const char *get, const char *what)
{
    char ops[2048];
    snprintf(ops, sizeof ops, "%s, 'things.get': {%s}", add_op, get);
    refused(ops, what);
}

static void test_route_without_description(void **state)
{
    (void)state;
    refused(get_op, "route things.add (POST /things) has no description");
}

static void test_description_without_route(void **state)
{
    (void)state;
    char ops[2048];
    snprintf(ops, sizeof ops, "%s, %s, %s", get_op, add_op,
             "'things.gone': {'route': 'DELETE /things', 'responses': {'200': {'description': "
             "'x'}}}");
    refused(ops, "things.api.json: operations.things.gone (\"DELETE /things\") names no route");
}

static void test_wrong_route(void **state)
{
    (void)state;
    refused_get("'route': 'GET /things/{name}', 'responses': {'200': {'description': 'x'}}",
                "\"route\" is \"GET /things/{name}\", but the route things.get is GET "
                "/things/{id}");
    refused_get("'route': 'PUT /things/{id}', 'responses': {'200': {'description': 'x'}}",
                "but the route things.get is GET /things/{id}");
}

static void test_dangling_ref(void **state)
{
    (void)state;
    char ops[2048];
    snprintf(ops, sizeof ops, "%s, %s", get_op,
             "'things.add': {'route': 'POST /things', 'responses': {'201': {'description': 'x', "
             "'content': {'application/json': {'schema': {'$ref': "
             "'#/components/schemas/Thingy'}}}}}}");
    refused(ops, "operations.things.add: $ref #/components/schemas/Thingy names no component");
}

#define GET_ROUTE "'route': 'GET /things/{id}', "
#define OK_200 "'responses': {'200': {'description': 'x'}}"

static void test_path_parameter(void **state)
{
    (void)state;
    refused_get(GET_ROUTE "'parameters': [{'name': 'id', 'in': 'path', 'required': true, "
                          "'schema': {'type': 'string'}}], " OK_200,
                "path parameter id: the pattern makes it a required integer");
    refused_get(GET_ROUTE "'parameters': [{'name': 'nr', 'in': 'path', 'required': true, "
                          "'schema': {'type': 'integer'}}], " OK_200,
                "path parameter nr is not in the pattern");
}

static void test_operation_fields(void **state)
{
    (void)state;
    refused_get(GET_ROUTE "'response': {}, " OK_200,
                "\"response\" is not a field of a description");
    refused_get(GET_ROUTE "'operationId': 'x', " OK_200,
                "\"operationId\" is not a field of a description");
    refused_get(GET_ROUTE "'responses': {'404': {'description': 'x'}}", "no success answer");
    refused_get(GET_ROUTE "'responses': {'200': {'description': 'x', 'content': "
                          "{'application/json': {}}}}",
                "operations.things.get: 200: application/json has no schema");
    refused_get(GET_ROUTE "'responses': {'200': {'content': {}}}",
                "a response needs a \"description\"");
    refused_get(GET_ROUTE "'responses': {'2xx': {'description': 'x'}}",
                "response \"2xx\" is not an HTTP status");
}

/* Both operations as they should be, and one more file: refused. */
static void refused_file(const char *name, const char *text, const char *what)
{
    char ops[2048];
    snprintf(ops, sizeof ops, "%s, %s", get_op, add_op);
    fixture f;
    setup(&f, ops);
    add_doc(&f, name, text);
    expect_refusal(&f, what);
    teardown(&f);
}

static void test_files(void **state)
{
    (void)state;
    refused_file("other.api.json", "{'components': {'schemas': {'Thing': {'type': 'string'}}}}",
                 "components.schemas.Thing is in both base.api.json and other.api.json");
    refused_file("other.api.json", "{'operations': {'things.get': {}}}",
                 "the description of things.get is in both things.api.json and other.api.json");
    refused_file("broken.api.json", "{'components':\n {'schemas': }}", "broken.api.json:2:");
    refused_file("other.api.json", "{'paths': {}}",
                 "other.api.json: \"paths\": a description file holds");
    refused_file("other.api.json", "{'components': {'schema': {}}}",
                 "components.schema: not a section");
    refused_file("other.api.json", "{'components': {'responses': {'Odd': {'content': {}}}}}",
                 "components.responses.Odd: a response needs a \"description\"");
}

static void test_security_schemes(void **state)
{
    (void)state;
    char ops[2048];
    snprintf(ops, sizeof ops, "%s, %s", get_op, add_op);
    fixture f;
    setup(&f, ops);
    free(f.texts[0]);
    f.texts[0] = json_text("{'components': {'schemas': {'Error': {}, 'Thing': {}}, 'responses': "
                           "{" ERROR_RESPONSES "}}}");
    f.docs[0].data = (const unsigned char *)f.texts[0];
    f.docs[0].len = strlen(f.texts[0]);
    expect_refusal(&f, "components.securitySchemes.bearer: missing");
    teardown(&f);
}

/* ---- the real routes and descriptions -------------------------------------------------------- */

/* Every module's routes, as `partnerd serve` adds them (pd_site_add), with
 * the real descriptions. */
static void test_the_api(void **state)
{
    (void)state;
    pd_router *r = pd_router_new();
    pd_error err = {0};
    static pd_accounts accounts;
    static pd_creators creators;
    static pd_policies policies;
    static pd_site api;
    pd_metrics *metrics = pd_metrics_new();
    assert_non_null(metrics);
    api = (pd_site){.accounts = &accounts,
                    .creators = &creators,
                    .policies = &policies,
                    .metrics = metrics,
                    .metrics_access = PD_ACCESS_OPERATOR,
                    .version = "test"};
    if (pd_site_add(&api, r, &err) != PD_OK)
        fail_msg("%s", err.msg);
    const pd_openapi_ctx ctx = api.openapi; /* read only: freed through api */
    json_t *doc = json_loadb(ctx.doc, ctx.len, 0, NULL);
    assert_non_null(doc);
    size_t ops = 0;
    const char *path, *method;
    json_t *item, *op;
    json_object_foreach(at(doc, "paths"), path, item)
    {
        json_object_foreach(item, method, op)
        {
            ops++;
            /* a success answer with a schema, for every operation */
            const char *status;
            json_t *resp;
            int typed = 0;
            json_object_foreach(at(op, "responses"), status, resp)
            {
                if (status[0] == '2' || status[0] == '3')
                    typed |= at(resp, "content") != NULL || at(resp, "$ref") != NULL;
            }
            if (!typed)
                fail_msg("%s %s: no success answer with a schema", method, path);
        }
    }
    assert_int_equal(ops, pd_router_count(r));
    /* the guard's answers, from accounts.c */
    assert_non_null(at(doc, "paths|/api/policies|get|responses|403"));
    assert_null(at(doc, "paths|/api/creators|get|responses|403"));
    assert_non_null(at(doc, "paths|/api/creators|post|responses|403")); /* cookie, no Origin */
    assert_string_equal(json_string_value(at(doc, "paths|/discover|get|responses|303|$ref")),
                        "#/components/responses/SignInRedirect");
    assert_null(at(doc, "paths|/discover|get|responses|401"));
    assert_null(at(doc, "paths|/healthz|get|responses|401"));
    json_decref(doc);
    pd_site_free(&api);
    pd_router_free(r);
    pd_metrics_free(metrics);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document),
        cmocka_unit_test(test_served),
        cmocka_unit_test(test_route_without_description),
        cmocka_unit_test(test_description_without_route),
        cmocka_unit_test(test_wrong_route),
        cmocka_unit_test(test_dangling_ref),
        cmocka_unit_test(test_path_parameter),
        cmocka_unit_test(test_operation_fields),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_security_schemes),
        cmocka_unit_test(test_the_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
