/*
 * window.h - the window rule: which posts count for a verdict.
 *
 * A creator is judged at an evaluation instant as_of on the posts of the
 * window_days days before it: a post published at t counts when
 *
 *     as_of - window_days x 86400 s  <=  t  <  as_of
 *
 * so a post exactly at the window's start counts and one at as_of (or
 * after it) does not yet (docs/certification.md). The batch (certify,
 * simulate), the online path (whose as_of is the next UTC midnight,
 * core/online.h) and the store's SQL all follow this one rule.
 *
 * Pure values; nothing allocates.
 */
#ifndef PD_WINDOW_H
#define PD_WINDOW_H

#include <stdint.h>

#include "core/instant.h"

/* The half-open interval [from, to) of the instants that count. */
typedef struct {
    pd_instant from;
    pd_instant to; /* the evaluation instant, as_of */
} pd_window;

/* The window of `window_days` days ending at as_of. */
static inline pd_window pd_window_ending(pd_instant as_of, uint32_t window_days)
{
    pd_window w = {pd_instant_add(as_of, -(int64_t)window_days * 86400), as_of};
    return w;
}

/* 1 when a post published at t counts in window w. */
static inline int pd_window_holds(pd_window w, pd_instant t)
{
    return pd_instant_cmp(t, w.from) >= 0 && pd_instant_cmp(t, w.to) < 0;
}

#endif
