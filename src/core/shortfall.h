/*
 * shortfall.h - "what to change": how much a creator lacks to pass one
 * rule of a policy, in the rule's own terms.
 *
 * The one place that computes it: the web pages' advice sentences
 * (api/show.c, pd_show_advice), the roster API's "shortfall" field
 * (api/mcns.c) both call it, so a page and the API never disagree on
 * the number. core/risk.h includes this header for its callers.
 *
 * Pure: no I/O, no globals, nothing allocated.
 */
#ifndef PD_CORE_SHORTFALL_H
#define PD_CORE_SHORTFALL_H

#include <stdint.h>

#include "core/policy.h"

/* How much a creator with these followers and window lacks to meet rule r
 * of p: followers to gain (min_followers), views to add in all over the
 * window's posts (min_avg_views), organic posts to publish
 * (min_organic_per_sponsored), sponsored posts (min_sponsored), posts
 * (min_posts), or sponsored posts that must leave the window
 * (max_sponsored). 0 exactly when the rule holds. A rule that needs posts
 * and has none in the window lacks at least one post: its shortfall is
 * then counted as if one post with no views were there (for min_avg_views
 * the views that post needs), and is at least 1. Products of a threshold
 * and a count are exact (128 bits); a result past UINT64_MAX reads as
 * UINT64_MAX. */
uint64_t pd_rule_shortfall(const pd_policy *p, pd_rule r, uint64_t followers,
                           const pd_window_stats *w);

#endif
