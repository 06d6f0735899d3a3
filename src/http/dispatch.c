/* dispatch.c - see dispatch.h. */
#include "http/dispatch.h"

#include <stdio.h>
#include <stdlib.h>

#include "http/request.h"

int pd_router_route_req(const pd_router *r, pd_req *req)
{
    pd_error err = {0};
    if (pd_req_early_error(req, &err)) {
        pd_req_error(req, &err);
        return 1;
    }
    pd_route_match *m = malloc(sizeof *m);
    if (!m) {
        pd_error_set(&err, PD_ENOMEM, "out of memory routing the request");
        pd_req_error(req, &err);
        return 1;
    }
    pd_match_status st = pd_router_match(r, pd_req_method(req), pd_req_path(req), m, &err);
    if (m->route)
        pd_req_set_match(req, m);
    int answered = 1;
    switch (st) {
    case PD_MATCH_NOT_FOUND:
    case PD_MATCH_BAD_REQUEST: pd_req_error(req, &err); break;
    case PD_MATCH_METHOD: {
        char msg[160];
        snprintf(msg, sizeof msg, "method %.16s is not allowed here; allowed: %s",
                 pd_req_method(req), m->allow);
        pd_req_error_status(req, 405, "method_not_allowed", msg);
        pd_req_header_add(req, "Allow", m->allow);
        break;
    }
    case PD_MATCH_OK: answered = 0; break;
    }
    free(m);
    return answered;
}

/* The answer for a handler's or guard's rc (not PD_GUARD_ANSWERED). */
static void answer_rc(pd_req *req, int rc, pd_error *err)
{
    if (rc != PD_OK) {
        if (err->code != (pd_code)rc)
            err->code = (pd_code)rc;
        pd_req_error(req, err);
    } else {
        pd_req_check_answer(req);
    }
}

int pd_router_guard(pd_req *req, pd_guard guard, void *guard_ctx)
{
    pd_error err = {0};
    int rc = guard && !pd_req_guarded(req) ? guard(req, pd_req_route(req), guard_ctx, &err) : PD_OK;
    pd_req_set_guarded(req);
    pd_req_release_held(req);
    if (rc == PD_OK)
        return 0;
    if (rc != PD_GUARD_ANSWERED)
        answer_rc(req, rc, &err);
    return 1;
}

void pd_router_run(pd_req *req, pd_guard guard, void *guard_ctx)
{
    const pd_route *route = pd_req_route(req);
    pd_error err = {0};
    int rc = PD_OK;
    if (guard && !pd_req_guarded(req))
        rc = guard(req, route, guard_ctx, &err);
    if (rc == PD_GUARD_ANSWERED) {
        pd_req_release_held(req);
        return;
    }
    if (rc == PD_OK)
        rc = route->handler(req, pd_req_route_ctx(req), &err);
    pd_req_release_held(req);
    answer_rc(req, rc, &err);
}

void pd_router_dispatch(const pd_router *r, pd_req *req, pd_guard guard, void *guard_ctx)
{
    if (!pd_router_route_req(r, req))
        pd_router_run(req, guard, guard_ctx);
}
