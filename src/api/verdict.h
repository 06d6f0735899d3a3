/*
 * verdict.h - the parts of a verdict in JSON answers, written the same way
 * by every route that explains one (a creator's certification in
 * creators.c, an MCN's roster in mcns.c): the policy it is under and a
 * failed rule's measured value.
 *
 * Writes into the caller's JSON writer; allocates nothing.
 */
#ifndef PD_HTTP_VERDICT_H
#define PD_HTTP_VERDICT_H

#include <stdint.h>

#include "core/policy.h"
#include "store/store.h"
#include "util/jsonw.h"

/* Writes the policy as {"id", "name", "version", "window_days"}. */
void pd_verdict_policy(pd_jsonw *w, const pd_policy_rec *p);

/* Writes the "value" member of a failed rule r, in the rule's unit:
 * followers, average views (a number with two decimals), organic posts
 * (and a "sponsored" member beside it, for the ratio), sponsored posts or
 * posts of the window; null for a rule out of range. */
void pd_verdict_rule_value(pd_jsonw *w, pd_rule r, uint64_t followers, const pd_window_stats *s);

#endif
