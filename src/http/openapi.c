/* openapi.c - see openapi.h. */
#include "http/openapi.h"

#include <ctype.h>
#include <string.h>

#include "http/accounts.h"
#include "http/request.h"
#include "util/jsonw.h"

/* "get" for "GET". */
static void lower(const char *s, char *out, size_t cap)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[i] = '\0';
}

static void write_operation(pd_jsonw *w, const pd_router *r, size_t i)
{
    const pd_route *rt = pd_router_route(r, i, NULL);
    const char *names[PD_ROUTE_MAX_PARAMS];
    int is_int[PD_ROUTE_MAX_PARAMS];
    size_t np = pd_router_params(r, i, names, is_int);

    pd_jsonw_obj_begin(w);
    pd_jsonw_kstr(w, "operationId", rt->name);
    pd_jsonw_kstr(w, "summary", rt->summary);
    if (np) {
        pd_jsonw_key(w, "parameters");
        pd_jsonw_arr_begin(w);
        for (size_t k = 0; k < np; k++) {
            pd_jsonw_obj_begin(w);
            pd_jsonw_kstr(w, "name", names[k]);
            pd_jsonw_kstr(w, "in", "path");
            pd_jsonw_kbool(w, "required", 1);
            pd_jsonw_key(w, "schema");
            pd_jsonw_obj_begin(w);
            pd_jsonw_kstr(w, "type", is_int[k] ? "integer" : "string");
            if (is_int[k])
                pd_jsonw_kint(w, "minimum", 0);
            pd_jsonw_obj_end(w);
            pd_jsonw_obj_end(w);
        }
        pd_jsonw_arr_end(w);
    }
    pd_jsonw_key(w, "security");
    pd_jsonw_arr_begin(w);
    if (rt->access != PD_ACCESS_PUBLIC) {
        /* Either scheme signs a request in (two alternatives). */
        static const char *const schemes[] = {"bearer", "session"};
        for (size_t k = 0; k < 2; k++) {
            pd_jsonw_obj_begin(w);
            pd_jsonw_key(w, schemes[k]);
            pd_jsonw_arr_begin(w);
            pd_jsonw_arr_end(w);
            pd_jsonw_obj_end(w);
        }
    }
    pd_jsonw_arr_end(w);
    pd_jsonw_key(w, "responses");
    pd_jsonw_obj_begin(w);
    pd_jsonw_key(w, "200");
    pd_jsonw_obj_begin(w);
    pd_jsonw_kstr(w, "description", "Success");
    pd_jsonw_obj_end(w);
    pd_jsonw_key(w, "default");
    pd_jsonw_obj_begin(w);
    pd_jsonw_kstr(w, "description", "An error, with its code and a message");
    pd_jsonw_key(w, "content");
    pd_jsonw_obj_begin(w);
    pd_jsonw_key(w, "application/json");
    pd_jsonw_obj_begin(w);
    pd_jsonw_key(w, "schema");
    pd_jsonw_obj_begin(w);
    pd_jsonw_kstr(w, "$ref", "#/components/schemas/Error");
    pd_jsonw_obj_end(w);
    pd_jsonw_obj_end(w);
    pd_jsonw_obj_end(w);
    pd_jsonw_obj_end(w);
    pd_jsonw_obj_end(w);
    pd_jsonw_obj_end(w);
}

static void write_components(pd_jsonw *w)
{
    static const char error_schema[] =
        "{\"type\":\"object\",\"required\":[\"error\"],\"properties\":{\"error\":"
        "{\"type\":\"object\",\"required\":[\"code\",\"message\"],\"properties\":{"
        "\"code\":{\"type\":\"string\"},\"message\":{\"type\":\"string\"}}}}}";
    pd_jsonw_key(w, "components");
    pd_jsonw_obj_begin(w);
    pd_jsonw_key(w, "securitySchemes");
    pd_jsonw_obj_begin(w);
    pd_jsonw_key(w, "bearer");
    pd_jsonw_obj_begin(w);
    pd_jsonw_kstr(w, "type", "http");
    pd_jsonw_kstr(w, "scheme", "bearer");
    pd_jsonw_kstr(w, "description", "A token from POST /api/login");
    pd_jsonw_obj_end(w);
    pd_jsonw_key(w, "session");
    pd_jsonw_obj_begin(w);
    pd_jsonw_kstr(w, "type", "apiKey");
    pd_jsonw_kstr(w, "in", "cookie");
    pd_jsonw_kstr(w, "name", PD_SESSION_COOKIE);
    pd_jsonw_kstr(w, "description",
                  "The web pages' session, set by POST /login; a request that changes "
                  "something must also carry this site's Origin header");
    pd_jsonw_obj_end(w);
    pd_jsonw_obj_end(w);
    pd_jsonw_key(w, "schemas");
    pd_jsonw_obj_begin(w);
    pd_jsonw_key(w, "Error");
    pd_jsonw_raw(w, error_schema, sizeof error_schema - 1);
    pd_jsonw_obj_end(w);
    pd_jsonw_obj_end(w);
}

int pd_openapi_write(const pd_router *r, const char *version, pd_buf *out, pd_error *err)
{
    pd_jsonw w;
    pd_jsonw_init(&w, out, 0);
    pd_jsonw_obj_begin(&w);
    pd_jsonw_kstr(&w, "openapi", "3.1.0");
    pd_jsonw_key(&w, "info");
    pd_jsonw_obj_begin(&w);
    pd_jsonw_kstr(&w, "title", "partnerd");
    pd_jsonw_kstr(&w, "version", version);
    pd_jsonw_kstr(&w, "description",
                  "The partnerd platform API: accounts, operations, and (as they come) "
                  "creators, discovery and certification.");
    pd_jsonw_obj_end(&w);
    pd_jsonw_key(&w, "paths");
    pd_jsonw_obj_begin(&w);
    size_t n = pd_router_count(r);
    char path[PD_PATH_MAX], other[PD_PATH_MAX], method[16];
    for (size_t i = 0; i < n; i++) {
        if (pd_router_openapi_path(r, i, path, sizeof path) < 0)
            return pd_error_set(err, PD_EINTERNAL, "route %zu: path too long", i);
        /* one entry per path, holding every method of it: skip a path
         * that an earlier route already wrote */
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = pd_router_openapi_path(r, j, other, sizeof other) == 0 &&
                   strcmp(other, path) == 0;
        if (seen)
            continue;
        pd_jsonw_key(&w, path);
        pd_jsonw_obj_begin(&w);
        for (size_t j = i; j < n; j++) {
            if (pd_router_openapi_path(r, j, other, sizeof other) < 0 || strcmp(other, path) != 0)
                continue;
            lower(pd_router_route(r, j, NULL)->method, method, sizeof method);
            pd_jsonw_key(&w, method);
            write_operation(&w, r, j);
        }
        pd_jsonw_obj_end(&w);
    }
    pd_jsonw_obj_end(&w);
    write_components(&w);
    pd_jsonw_obj_end(&w);
    return pd_jsonw_finish(&w, err);
}

static int get_openapi(pd_req *req, void *ctx, pd_error *err)
{
    pd_openapi_ctx *c = ctx;
    return pd_openapi_write(c->router, c->version, pd_req_out(req), err);
}

static const pd_route openapi_routes[] = {
    {.method = "GET", .pattern = "/openapi.json", .name = "ops.openapi",
     .summary = "This API described as an OpenAPI 3.1 document", .access = PD_ACCESS_PUBLIC,
     .handler = get_openapi,
     .quick = 1},
};

int pd_openapi_route(pd_router *r, pd_openapi_ctx *ctx, pd_error *err)
{
    return pd_router_add(r, openapi_routes, PD_ROUTES_COUNT(openapi_routes), ctx, err);
}
