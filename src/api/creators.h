/*
 * creators.h - the creators and posts routes of the HTTP API.
 *
 * Discovery (GET /api/creators), profiles (create, read, change), a
 * creator's certification, follower history and posts, publishing posts,
 * the platform's metrics feed (PUT /api/posts/{id}/metrics) and CSV imports
 * of creators and posts. Every write is one store transaction; lists are
 * keyset-paged and streamed through the request's JSON writer. Who may call
 * what is each route's access class (accounts.h); the handlers only ask
 * accounts.c's own functions when an answer depends on the caller beyond
 * that (an operator-only field of a PATCH).
 *
 * Discovery pages are kept in a page cache (pagecache.h) when one is given:
 * a page asked again while the data is unchanged is answered from it, the
 * same bytes a new query would give.
 *
 * The routes borrow the pd_creators and what it points to: they must
 * outlive the router.
 */
#ifndef PD_HTTP_CREATORS_H
#define PD_HTTP_CREATORS_H

#include "util/error.h"
#include "http/metrics.h"
#include "http/pagecache.h"
#include "http/router.h"
#include "store/store.h"

#define PD_CREATORS_PAGE_DEFAULT 20 /* rows of a list page when limit is not given */
#define PD_CREATORS_PAGE_MAX 100    /* and at most */

typedef struct pd_creators {
    pd_store *store;
    pd_pagecache *pages; /* discovery pages kept; NULL: none */
} pd_creators;

/* Adds the routes, sharing ctx. */
int pd_creators_routes(pd_router *r, pd_creators *ctx, pd_error *err);

/* Adds the page cache's hits and misses to m (counters), when there is a
 * page cache; ctx must live as long as m. */
int pd_creators_metrics(pd_metrics *m, pd_creators *ctx, pd_error *err);

#endif
