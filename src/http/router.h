/*
 * router.h - the route table: which handler answers a method and a path.
 *
 * Routes are data. Each module keeps a static table of pd_route and adds it
 * to the router with the context its handlers need:
 *
 *   static int get_creator(pd_req *req, void *ctx, pd_error *err);
 *
 *   static const pd_route creator_routes[] = {
 *       {.method = "GET", .pattern = "/api/creators/{id:int}", .name = "creators.get",
 *        .summary = "One creator's profile", .access = ..., .handler = get_creator},
 *   };
 *   pd_router_add(router, creator_routes, PD_ROUTES_COUNT(creator_routes), app, &err);
 *
 * A pattern is literal segments and parameters: {name} takes any non-empty
 * segment, {name:int} a whole number from 0 to 2^63-1 (checked before the
 * handler runs: "abc" there is a 400 naming the parameter). Segments are
 * compared after percent-decoding, so %2F inside a segment never splits it.
 * When several routes fit a path, the one with a literal segment earliest
 * wins (/api/creators/search before /api/creators/{id}).
 *
 * Answers the router gives itself (http/dispatch.h writes them, as JSON
 * errors through request.h):
 * 404 not_found for a path no route fits, 405 method_not_allowed (with an
 * Allow header) for a path that fits routes of other methods only, 400 for
 * a bad parameter or a path that is not valid percent-encoding. HEAD is
 * answered by the GET route of the path.
 *
 * The table can be walked (pd_router_count, pd_router_route) to write the
 * OpenAPI document or to test the access rules of every route.
 *
 * Lifetime: the router keeps pointers to the pd_route entries and their
 * strings (static tables) and to each table's ctx; they must outlive it.
 * A router is read-only once the server has started, and then safe to use
 * from any number of threads.
 */
#ifndef PD_HTTP_ROUTER_H
#define PD_HTTP_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* A request (http/request.h, which builds on this header): here only the
 * handlers' argument, never opened. */
typedef struct pd_req pd_req;
typedef struct pd_router pd_router;

/* A handler writes its answer into req (see request.h) and returns PD_OK,
 * or returns an error code with err filled, and the caller answers with the
 * JSON error for it (request.h: pd_req_error). ctx is the pointer given
 * with the handler's table to pd_router_add. Handlers run on the server's
 * threads, several at once. */
typedef int (*pd_handler)(pd_req *req, void *ctx, pd_error *err);

/* Access classes are the auth layer's to define; the router only carries
 * them. Two values are fixed here: 0, not declared (the auth layer refuses
 * to serve such a route), and PD_ACCESS_PUBLIC, callable by anyone without
 * credentials (/healthz, /metrics). */
#define PD_ACCESS_UNDECLARED 0u
#define PD_ACCESS_PUBLIC 1u

typedef struct pd_route {
    const char *method;  /* "GET", "POST", ... (upper case) */
    const char *pattern; /* "/api/creators/{id:int}" */
    const char *name;    /* unique, stable: metrics label, OpenAPI operationId */
    const char *summary; /* one line for the OpenAPI document */
    unsigned access;     /* who may call it: see above */
    pd_handler handler;
    int reads_only; /* 1: a GET whose handler reads the store through
                       the read the auth layer checked the caller in
                       (pd_req_held; accounts.h: pd_accounts_read),
                       never through a connection of its own */
    int quick;      /* 1: answered on the thread that read the request,
                       which serves many connections: the guard and
                       handler never wait (for a write lock, a password
                       hash, a long computation) and take microseconds,
                       at most a few milliseconds. 0: on the server's
                       handler threads (server.h) */
    int sign_in;    /* 1: checks a password (Argon2id: a core and 64 MiB
                       for a tenth of a second): run on the sign-in
                       lane, a few threads with a bounded queue, so that
                       a flood of sign-ins holds up no write; its body is
                       a name and a password (PD_SIGN_IN_BODY_MAX) */
    int large_body; /* 1: takes the largest bodies the server allows
                       (CSV imports: --max-body); 0: a JSON body, up to
                       the server's smaller JSON ceiling */
} pd_route;

/* The body ceiling of a sign-in route: a name and a password of 1024
 * bytes, percent-encoded in a form, with room. */
#define PD_SIGN_IN_BODY_MAX (8u * 1024)

#define PD_ROUTES_COUNT(table) (sizeof(table) / sizeof((table)[0]))

#define PD_ROUTE_MAX_SEGMENTS 16 /* segments in a pattern or a routed path */
#define PD_ROUTE_MAX_PARAMS 8    /* parameters in one pattern */
#define PD_ROUTE_PARAM_NAME_MAX 32
#define PD_ROUTE_MAX 1024 /* routes in one router */
#define PD_PATH_MAX 2048  /* bytes of a routed path */

typedef struct pd_route_param {
    const char *name;  /* the pattern's name for it (router's storage) */
    const char *value; /* decoded, NUL-terminated (in the match's storage) */
    int is_int;
    int64_t num; /* the value of an {x:int} parameter */
} pd_route_param;

typedef enum pd_match_status {
    PD_MATCH_OK = 0,         /* route found, parameters valid */
    PD_MATCH_NOT_FOUND = 1,  /* 404: err says so */
    PD_MATCH_METHOD = 2,     /* 405: allow lists the methods the path has */
    PD_MATCH_BAD_REQUEST = 3 /* 400: a bad parameter or bad encoding; err says */
} pd_match_status;

/* The outcome of routing one request. Plain data: about 2.5 KiB, fine on a
 * stack or inside a request. */
typedef struct pd_route_match {
    const pd_route *route; /* the route (for PD_MATCH_BAD_REQUEST too, when known) */
    void *ctx;             /* its table's ctx */
    size_t index;          /* its position in the router (metrics) */
    size_t nparams;
    pd_route_param params[PD_ROUTE_MAX_PARAMS];
    char allow[96]; /* PD_MATCH_METHOD: "GET, HEAD, POST" */
    char storage[PD_PATH_MAX + PD_ROUTE_MAX_SEGMENTS];
} pd_route_match;

pd_router *pd_router_new(void);
void pd_router_free(pd_router *r); /* NULL ok */

/* Adds n routes that share ctx. Checks each: a known method, a pattern that
 * parses, a unique name, a summary, a handler, and no other route with the
 * same method and the same shape (the same literals, parameters at the same
 * places). On error nothing of this table is added; err names the route. */
int pd_router_add(pd_router *r, const pd_route *routes, size_t n, void *ctx, pd_error *err);

size_t pd_router_count(const pd_router *r);
/* The i-th route added (i < pd_router_count); its ctx through *ctx if not NULL. */
const pd_route *pd_router_route(const pd_router *r, size_t i, void **ctx);
/* The route with that name, or NULL; its index through *index if not NULL. */
const pd_route *pd_router_find(const pd_router *r, const char *name, size_t *index);

/* For the OpenAPI document: the i-th route's path in OpenAPI form
 * ("/api/creators/{id}", no types) into buf (PD_PATH_MAX is always enough;
 * -1 if n is too small), and its parameters in path order: names[k] and
 * is_int[k] for k < the count returned (arrays of PD_ROUTE_MAX_PARAMS;
 * either may be NULL). Names live as long as the router. */
int pd_router_openapi_path(const pd_router *r, size_t i, char *buf, size_t n);
size_t pd_router_params(const pd_router *r, size_t i, const char **names, int *is_int);

/* Routes method + path (the path part of the request target, still
 * percent-encoded, without the query). Fills m; err (for NOT_FOUND and
 * BAD_REQUEST) says why in words a client can act on. */
pd_match_status pd_router_match(const pd_router *r, const char *method, const char *path,
                                pd_route_match *m, pd_error *err);

/* The value of parameter name in m, or NULL. */
const pd_route_param *pd_route_match_param(const pd_route_match *m, const char *name);

/* The access check a server runs for every routed request before its
 * handler (http/dispatch.h): PD_OK to let the handler run, an error code
 * (with err) for the answer, or PD_GUARD_ANSWERED when the guard wrote the
 * whole answer itself (a web page's redirect to the sign-in page): the
 * handler does not run and the answer is sent as the guard left it. Not a
 * pd_code. */
typedef int (*pd_guard)(pd_req *req, const pd_route *route, void *guard_ctx, pd_error *err);
#define PD_GUARD_ANSWERED (-1)

#endif
