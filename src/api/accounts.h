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
 * What they do is the use cases' (app/accounts.h: each owns its
 * transaction and reads the clock it is given); here the requests are read
 * and answered.
 *
 * A pd_accounts is owned by the caller (cmd_serve) and must outlive the
 * server; the routes and the guard only borrow it.
 */
#ifndef PD_HTTP_ACCOUNTS_H
#define PD_HTTP_ACCOUNTS_H

#include <stdint.h>

#include "app/accounts.h"
#include "auth/password.h"
#include "auth/ratelimit.h"
#include "auth/token.h"
#include "util/error.h"
#include "http/openapi.h"
#include "http/pagecache.h"
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
    PD_ACCESS_MCN = 7,             /* a manager of the path's {id} MCN, or an operator   */
};

typedef struct pd_accounts {
    pd_store *store;
    const pd_clock *clock; /* what tokens, limits and proofs go by; NULL:
                              the system clock (util/clock.h)          */
    pd_ratelimit *limiter; /* sign-in attempts (docs/internals/sign-in.md) */
    pd_pwcost cost;        /* for hashing on behalf of missing users  */
    int64_t token_ttl;     /* seconds; 0: PD_TOKEN_TTL_DEFAULT        */
    pd_pagecache *tokens;  /* token checks kept while the data is
                              unchanged (reads_only routes); NULL: none */
} pd_accounts;

/* Adds the three routes above, sharing a. */
int pd_accounts_routes(pd_router *r, pd_accounts *a, pd_error *err);

/* The guard for pd_server_config.guard, with a as guard_ctx. */
int pd_accounts_guard(pd_req *req, const pd_route *route, void *a, pd_error *err);

/* What the guard may answer for route r instead of its handler, for the
 * OpenAPI document (openapi.h: pd_openapi_guard_fn): 401 (or, for a page,
 * the 303 to the sign-in page) when not signed in, 403 when not allowed or
 * signed in by cookie from another site. */
size_t pd_accounts_guard_responses(const pd_route *r, pd_openapi_response *out, size_t max);

/* The signed-in user of a request the guard let through, or NULL on a public
 * route. Valid until the request ends. */
const pd_user *pd_req_user(const pd_req *req);

/* For the handler of a reads_only route (router.h) called with GET or HEAD
 * by a signed-in caller: the store connection the guard checked the token
 * on, the version of the data it checked it at, and 1; the guard's read
 * ends after the handler. 0 when the request holds none (a public route):
 * the handler reads on its own. The version may have been only peeked at
 * (pd_db_read_peek: nothing open): it names the current data, good for
 * finding a kept page, but before reading the store the handler calls
 * pd_accounts_read_open, which begins the read and gives its version (the
 * same, or newer when something was committed in between). */
int pd_accounts_read(pd_req *req, pd_db **db, uint64_t *version);
int pd_accounts_read_open(pd_req *req, uint64_t *version, pd_error *err);

/* ---- sessions: what POST /api/login and the sign-in page share -------------
 *
 * Web pages carry the token in a cookie, PD_SESSION_COOKIE, set HttpOnly and
 * SameSite=Strict by the sign-in page. The guard accepts it wherever it
 * accepts a bearer token; a request authenticated by the cookie with a
 * method other than GET or HEAD must also carry an Origin header naming the
 * server itself (http:// or https:// and its Host), else 403: a page of
 * another site cannot make a signed-in browser change anything. */
#define PD_SESSION_COOKIE "pd_session"

/* Signs `name` in with `password` (pwlen bytes), as POST /api/login does:
 * the rate limits (per account and address, per account, per address, or,
 * for a client showing the device proof of an earlier sign-in to this
 * account in the cookie PD_DEVICE_COOKIE, per that proof alone:
 * docs/internals/sign-in.md), the password check (as slow for a name that
 * does not exist), then a new token stored for the accounts' ttl and a new
 * device proof set on req's answer (Set-Cookie, HttpOnly). On success *u
 * gets the user, token its text (a secret: wipe it when done) and
 * *expires_at when it stops working. PD_EAUTH ("wrong name or password", or
 * a disabled account), PD_EBUSY when the limits say wait (Retry-After set on
 * req), store errors otherwise. */
int pd_accounts_sign_in(pd_accounts *a, pd_req *req, const char *name, const char *password,
                        size_t pwlen, pd_user *u, char token[PD_TOKEN_TEXT_MAX],
                        int64_t *expires_at, pd_error *err);

/* Ends the session of token t: it stops working at once. */
int pd_accounts_sign_out(pd_accounts *a, const pd_token *t, pd_error *err);

/* The session cookie's value in req (a token's text, unchecked), or NULL.
 * Lives as long as the request. */
const char *pd_accounts_session_cookie(pd_req *req);

/* The creator access rules, for handlers and pages that must ask the same
 * question as the guard (a list that shows private data only to those who
 * may see it, say).
 *
 * pd_access_creator_owner: u is an operator, or the creator user of
 * creator_id (CREATOR_OWNER). pd_access_creator_private: the same, or u
 * manages the MCN creator_id belongs to (CREATOR_PRIVATE); *allowed gets
 * the answer, PD_OK unless the store fails. An unknown creator_id is
 * allowed only to operators (who then get the route's 404); everyone else
 * gets the same 403 as for a creator that is not theirs, so that ids
 * cannot be probed. u may be NULL (never allowed). */
int pd_access_creator_owner(const pd_user *u, int64_t creator_id);
/* The MCN rule (MCN): u is an operator, or a manager of MCN mcn_id. No
 * store read: an unknown mcn_id is refused like another MCN's. */
int pd_access_mcn(const pd_user *u, int64_t mcn_id);
int pd_access_creator_private(pd_db *db, const pd_user *u, int64_t creator_id, int *allowed,
                              pd_error *err);

#endif
