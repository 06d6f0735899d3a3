/*
 * openapi.h - the OpenAPI 3.1 document of the server, written from the
 * route table itself, so that no route can be missing from it.
 *
 * Each route becomes an operation (operationId = the route's name, its
 * summary, its path parameters with integer schemas where the pattern says
 * {x:int}, bearer security unless the route is public, and the JSON error
 * schema for failures). The router and the version string are borrowed.
 */
#ifndef PD_HTTP_OPENAPI_H
#define PD_HTTP_OPENAPI_H

#include "core/error.h"
#include "http/router.h"
#include "util/buf.h"

/* Appends the document for every route of r to out. */
int pd_openapi_write(const pd_router *r, const char *version, pd_buf *out, pd_error *err);

/* What GET /openapi.json needs: the router to describe and the version. */
typedef struct pd_openapi_ctx {
    const pd_router *router;
    const char *version;
} pd_openapi_ctx;

/* Adds GET /openapi.json (public), answering with the document of
 * ctx->router (which may be r itself; routes added later are included). */
int pd_openapi_route(pd_router *r, pd_openapi_ctx *ctx, pd_error *err);

#endif
