/*
 * accounts.h - signing in and out, and the access check every route passes.
 *
 * Routes: POST /api/login (a name and a password give a bearer token),
 * POST /api/logout (the token stops working), GET /api/me (who the token
 * belongs to). The guard, pd_accounts_guard, runs before every handler: it
 * lets public routes through, reads "Authorization: Bearer pd_..." for the
 * others, looks the token's hash up in the store and puts the user on the
 * request (pd_req_user), and refuses what the route's access class does not
 * allow. The access rules live here and nowhere else.
 *
 * A pd_accounts is owned by the caller (cmd_serve) and must outlive the
 * server; the routes and the guard only borrow it.
 */
#ifndef PD_HTTP_ACCOUNTS_H
#define PD_HTTP_ACCOUNTS_H

#include <stdint.h>

#include "auth/password.h"
#include "auth/ratelimit.h"
#include "core/error.h"
#include "http/router.h"
#include "store/store.h"

/* Access classes (router.h fixes 0 = undeclared and 1 = public). */
enum {
    PD_ACCESS_SIGNED_IN = 2,       /* any user with a valid token                        */
    PD_ACCESS_OPERATOR = 3,        /* operators only                                     */
    PD_ACCESS_CREATOR_OWNER = 4,   /* the creator user owning the path's {id} creator,
                                      or an operator                                     */
    PD_ACCESS_CREATOR_PRIVATE = 5, /* CREATOR_OWNER, or the manager of the MCN the
                                      path's {id} creator belongs to                     */
    PD_ACCESS_PAGE = 6,            /* a web page for anyone signed in (bearer token or
                                      session cookie); without, a redirect to /login     */
};

#define PD_TOKEN_TTL_DEFAULT (7 * 24 * 3600) /* seconds a token works */

typedef struct pd_accounts {
    pd_store *store;
    pd_ratelimit *limiter; /* login attempts per account and address */
    pd_pwcost cost;        /* for hashing on behalf of missing users  */
    int64_t token_ttl;     /* seconds; 0: PD_TOKEN_TTL_DEFAULT        */
} pd_accounts;

/* Adds the three routes above, sharing a. */
int pd_accounts_routes(pd_router *r, pd_accounts *a, pd_error *err);

/* The guard for pd_server_config.guard, with a as guard_ctx. */
int pd_accounts_guard(pd_req *req, const pd_route *route, void *a, pd_error *err);

/* The signed-in user of a request the guard let through, or NULL on a public
 * route. Valid until the request ends. */
const pd_user *pd_req_user(const pd_req *req);

#endif
