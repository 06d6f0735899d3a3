/*
 * policies.h - the policy use cases: store a policy, activate one.
 *
 * Activation behaves the same from every entry point (the API, the
 * command line, the demo): it is recorded, and when its day has come - on
 * or before the day online certification stands at (the online state's
 * today: in the server, the day of its clock once the start-up sweep has
 * run; on the command line, the day last given with --today) - it is
 * applied at once: the creators are judged under it and each change of
 * verdict recorded (cause "policy"), and the impact population (when
 * given) is told the data changed. A later day waits for the step of the
 * days that reaches it (the midnight sweep, or `policy status --today`).
 * docs/policies.md says it for operators.
 *
 * Memory: results are filled into caller storage.
 */
#ifndef PD_APP_POLICIES_H
#define PD_APP_POLICIES_H

#include <stdint.h>

#include "app/impact.h"
#include "app/online.h"
#include "store/store.h"
#include "util/error.h"

/* Stores r->policy (validated) as the next version of its name, by user
 * r->created_by (0: the system), dated by the store's clock; sets r->id,
 * r->version and r->created_at. One transaction. */
int pd_app_policy_add(pd_store *s, pd_policy_rec *r, pd_error *err);

/* What an activation did. */
typedef struct pd_activation_result {
    pd_activation_rec activation; /* as stored (applied_at set when applied) */
    pd_policy_rec policy;         /* the policy activated                    */
    int applied;                  /* its day had come: it is in force now    */
    pd_online_report report;      /* when applied: what applying it did      */
} pd_activation_result;

/* Records that policy_id governs from from_day on (by user by_user; 0: the
 * system) and applies it at once when its day has come (see above).
 * PD_ENOTFOUND for no such policy. The record is one transaction and
 * applying it the steps of pd_app_online_advance: a crash in between
 * leaves it pending, and the next advance applies it. impact may be NULL. */
int pd_app_policy_activate(pd_store *s, int64_t policy_id, int64_t from_day, int64_t by_user,
                           pd_impact *impact, pd_activation_result *out, pd_error *err);

#endif
