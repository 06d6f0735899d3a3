/*
 * openapi.h - the OpenAPI 3.1 document of the server: the route table
 * joined with the descriptions written beside each module's handlers.
 *
 * Each module keeps its routes' descriptions in a JSON file beside its C
 * file (creators.c and creators.api.json), compiled into the binary by
 * scripts/embed_assets.py as pd_api_docs. A file holds "operations", keyed
 * by route name, each an OpenAPI operation without what the route table
 * already says (operationId, summary, security) plus "route": "GET
 * /api/creators/{id}", and "components" (schemas, responses, parameters,
 * headers, securitySchemes) that any file's operations may $ref. The
 * format and how to add a route: docs/internals/http.md, "Adding a route".
 *
 * pd_openapi_build joins them once, before the server starts, and refuses
 * (PD_EINTERNAL, naming the route or the file) when a route has no
 * description, a description names no route or another method or path,
 * a path parameter differs from the pattern, a $ref names no component,
 * or an operation has no success answer or an answer without a schema.
 * It adds what the server itself knows: the path parameters of the
 * pattern ({id:int}: an integer), the security of non-public routes, the
 * answers every route may get (400 bad query or parameter, 413 body too
 * large, 500, 503 with Retry-After) and those the guard gives for the
 * route's access class (guard_responses), unless the description gives
 * that status itself.
 *
 * Memory: the router, the version and the descriptions are borrowed; the
 * built document is the context's (pd_openapi_free).
 */
#ifndef PD_HTTP_OPENAPI_H
#define PD_HTTP_OPENAPI_H

#include <stddef.h>

#include "util/error.h"
#include "http/assets.h"
#include "http/router.h"

/* The descriptions compiled in from src/http/MODULE.api.json (meson.build). */
extern const pd_asset pd_api_docs[];
extern const size_t pd_api_docs_count;

/* An answer the guard may give a route: its status ("401") and the name
 * of the response under components/responses that describes it. */
typedef struct pd_openapi_response {
    const char *status;
    const char *name;
} pd_openapi_response;

/* Fills out (room for max) with what the guard answers for route r; the
 * count. Static strings. */
typedef size_t (*pd_openapi_guard_fn)(const pd_route *r, pd_openapi_response *out, size_t max);

#define PD_OPENAPI_GUARD_MAX 8 /* answers one route's guard may add */

typedef struct pd_openapi_ctx {
    const pd_router *router; /* the routes to describe */
    const char *version;     /* info.version */
    const pd_asset *docs;    /* the descriptions, ndocs of them */
    size_t ndocs;
    pd_openapi_guard_fn guard_responses; /* NULL: the guard adds nothing */
    char *doc;                           /* the document, once built */
    size_t len;
} pd_openapi_ctx;

/* Builds ctx->doc from ctx->router and ctx->docs (replacing an earlier
 * one). PD_EINTERNAL with a message naming what to fix, PD_ENOMEM. */
int pd_openapi_build(pd_openapi_ctx *ctx, pd_error *err);
void pd_openapi_free(pd_openapi_ctx *ctx); /* the document; the rest is borrowed */

/* Adds GET /openapi.json (public), answering with ctx->doc: build it once
 * every route is added (the route itself included), before serving. */
int pd_openapi_route(pd_router *r, pd_openapi_ctx *ctx, pd_error *err);

#endif
