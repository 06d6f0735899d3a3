/*
 * policies.h - the routes of certification policies, their activation, the
 * online certification state, and policy impact.
 *
 *   GET  /api/policies                  OPERATOR   stored policies, every version
 *   POST /api/policies                  OPERATOR   store a policy (docs/policies.md
 *                                                  format) as its name's next version
 *   GET  /api/policies/{id}             OPERATOR   one stored policy
 *   POST /api/policies/{id}/activate    OPERATOR   {"from": "YYYY-MM-DD"}; applied at
 *                                                  once when the day has come
 *   GET  /api/activations               OPERATOR   every activation, newest first
 *   GET  /api/certification             SIGNED_IN  the policy in force, today, as_of,
 *                                                  certified count, pending activations
 *   POST /api/policies/impact           OPERATOR   what candidates would do to the
 *                                                  certified population: the numbers
 *                                                  and JSON of `partnerd simulate`
 *
 * Impact reads the population from the in-memory snapshot of app/impact.h,
 * so that moving a threshold costs one pass over the creators in memory.
 *
 * A pd_policies is owned by the caller (cmd_serve) and must outlive the
 * server; the routes borrow it and what it points to.
 */
#ifndef PD_HTTP_POLICIES_H
#define PD_HTTP_POLICIES_H

#include "util/error.h"
#include "app/impact.h"
#include "http/router.h"
#include "store/store.h"

typedef struct pd_policies {
    pd_store *store;
    pd_impact *impact; /* the population for impact; told of activations */
} pd_policies;

/* Adds the routes above, sharing p. */
int pd_policies_routes(pd_router *r, pd_policies *p, pd_error *err);

#endif
