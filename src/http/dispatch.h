/*
 * dispatch.h - a request through the route table to its answer: routing
 * (http/router.h), the guard, the handler, and the JSON error for whatever
 * failed on the way (http/request.h).
 *
 * The router knows routes and paths, the request knows what came in and
 * what goes out; this joins the two, so that neither includes the other's
 * functions: request.h builds on router.h's types, router.c includes
 * nothing of requests, and this file is above both.
 *
 * Memory: nothing is kept; the answer is left in the request.
 */
#ifndef PD_HTTP_DISPATCH_H
#define PD_HTTP_DISPATCH_H

#include "http/request.h"
#include "http/router.h"

/* Routes req, runs guard (when not NULL: the access check, called for every
 * routed request before its handler) and the handler, and leaves the answer
 * in req: the handler's, or the JSON error for whatever failed on the way.
 * Also the answer for a request the server found bad before routing (see
 * pd_req_early_error in request.h). */
void pd_router_dispatch(const pd_router *r, pd_req *req, pd_guard guard, void *guard_ctx);

/* pd_router_dispatch in two halves, for a server that runs handlers on
 * other threads than the one that read the request (server.c).
 * pd_router_route_req routes req: 1 when that alone answered it (a problem
 * found before routing, 404, 405, a bad parameter), 0 when pd_router_run
 * must follow; pd_req_route(req) is then the route. pd_router_run runs the
 * guard and the handler and leaves the answer in req. */
int pd_router_route_req(const pd_router *r, pd_req *req);
void pd_router_run(pd_req *req, pd_guard guard, void *guard_ctx);

/* The guard alone, for a request routed as soon as its headers are in and
 * before its body is read, so that a caller the route refuses is answered
 * 401 or 403 without the server taking a byte of the body: 1 when the
 * guard refused (or answered itself) and the answer is in req, 0 when the
 * handler may run. Either way pd_router_run will not run the guard again,
 * and what the guard held for the handler (a read transaction) is given
 * back at once: the body may take seconds to arrive. */
int pd_router_guard(pd_req *req, pd_guard guard, void *guard_ctx);

#endif
