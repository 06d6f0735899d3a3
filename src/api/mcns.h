/*
 * mcns.h - the route of an MCN's roster (the roster itself: app/roster.h).
 *
 * Route (access classes from accounts.h):
 *   GET /api/mcns/{id:int}/creators   MCN (the MCN's managers, operators):
 *       the roster as JSON; query standing=at_risk|not_certified|certified
 *       (none: all), limit 1..500 (100), after=<next of the previous page>
 *
 * The page /mcns/{id} (pages) shows the same roster: both read it with
 * pd_roster_load (app/roster.h).
 *
 * Memory: the routes borrow the pd_mcns, which must outlive the router.
 */
#ifndef PD_HTTP_MCNS_H
#define PD_HTTP_MCNS_H

#include "app/roster.h"
#include "http/router.h"
#include "store/store.h"
#include "util/error.h"

#define PD_ROSTER_PAGE_DEFAULT 100 /* rows of a JSON page without limit= */
#define PD_ROSTER_PAGE_MAX 500     /* and at most                        */

typedef struct pd_mcns {
    pd_store *store;
} pd_mcns;

/* Adds the route above, sharing ctx. */
int pd_mcns_routes(pd_router *r, pd_mcns *ctx, pd_error *err);

#endif
