/*
 * online.h - certification kept current as posts arrive: the arithmetic.
 *
 * The server judges a creator "as of" the next UTC midnight: the window is
 * the policy's window_days whole UTC days ending with today, so a post
 * counts from the moment it is published and leaves the window at a day
 * boundary, exactly window_days days after the day it was published. This
 * is what makes verdicts both current and cheap: each post or metrics
 * change adjusts one creator's aggregates by a delta, and once a day a
 * sweep takes out the posts of the day that left and brings in any dated
 * on the day that entered (only creators who posted on those days are
 * touched). The window is core/window.h's, the batch engine's: `partnerd
 * certify --as-of <next midnight>` gives the same verdicts on the same data.
 *
 * Pure functions on plain values; nothing allocates.
 */
#ifndef PD_ONLINE_H
#define PD_ONLINE_H

#include <stdint.h>

#include "core/instant.h"
#include "core/policy.h"
#include "core/window.h"

/* Days since 1970-01-01 of the UTC day holding t. */
int64_t pd_day_of(pd_instant t);

/* The evaluation instant for day `today`: the start of the next UTC day. */
pd_instant pd_online_as_of(int64_t today);

/* First day of the window of `window_days` days ending with `today`. */
static inline int64_t pd_online_first_day(int64_t today, uint32_t window_days)
{
    return today - (int64_t)window_days + 1;
}

/* The window a creator judged on `today` is judged on: window_days whole
 * UTC days ending with today, [first day's midnight, pd_online_as_of(today)),
 * by the one rule of core/window.h. */
pd_window pd_online_window(int64_t today, uint32_t window_days);

/* 1 when a post published at t counts for a creator judged on `today`. */
int pd_online_in_window(pd_instant t, int64_t today, uint32_t window_days);

/* The same for a post known only by its UTC day (pd_day_of): the window's
 * first day to today itself, a later day not yet. */
static inline int pd_online_day_in_window(int64_t day, int64_t today, uint32_t window_days)
{
    return day >= pd_online_first_day(today, window_days) && day <= today;
}

/* How a post changes the aggregates of its window: +1 post (+1 sponsored),
 * + views. Returns -1 (and changes nothing) when a count would overflow. */
int pd_stats_add_post(pd_window_stats *s, int sponsored, uint64_t views);

/* The opposite: a post leaving the window (or being removed). Returns -1
 * (and changes nothing) when the aggregates do not hold that post, which
 * means they are out of step with the posts and must be recomputed. */
int pd_stats_remove_post(pd_window_stats *s, int sponsored, uint64_t views);

/* A post's views changed from `before` to `after` while in the window.
 * Returns -1 (and changes nothing) on overflow or underflow. */
int pd_stats_change_views(pd_window_stats *s, uint64_t before, uint64_t after);

typedef enum pd_transition {
    PD_TRANSITION_NONE = 0, /* certified before and after, or neither   */
    PD_TRANSITION_GAINED,   /* not certified before, certified now       */
    PD_TRANSITION_LOST,     /* certified before, not certified now       */
} pd_transition;

/* What a new verdict (failed rules, 0 = certified) means for a creator who
 * was (1) or was not (0) certified. */
static inline pd_transition pd_online_transition(int was_certified, uint32_t failed_now)
{
    if (was_certified && failed_now)
        return PD_TRANSITION_LOST;
    if (!was_certified && !failed_now)
        return PD_TRANSITION_GAINED;
    return PD_TRANSITION_NONE;
}

/* "gained", "lost", or "none". Static storage. */
const char *pd_transition_name(pd_transition t);

#endif
