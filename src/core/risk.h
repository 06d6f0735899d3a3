/*
 * risk.h - what a creator must change, and whether a certified creator
 * stays certified over the next days if nothing else happens.
 *
 * Two questions an MCN manager and a creator ask of a verdict:
 *
 *  - "What does it take?" (pd_rule_shortfall, core/shortfall.h): for a failed rule, how much
 *    is missing in the rule's own terms: followers to gain, views to add
 *    over the window's posts, organic or sponsored posts to publish,
 *    sponsored posts that must leave the window.
 *
 *  - "Will it hold?" (pd_risk_project): a creator certified today, with no
 *    new posts and every counter as it is, judged on each of the next days:
 *    posts leave the window as the days pass (core/window.h: a post counts
 *    from its day until window_days days later; one dated after today
 *    counts from its own day), and a policy activated from one of those days takes
 *    over from it, with its own window. The first day that fails, its rules
 *    and that day's window.
 *
 * Pure functions on plain values: no I/O, nothing allocates. The caller
 * (http/mcns.c) reads the posts of the window and the scheduled
 * activations from the store.
 */
#ifndef PD_RISK_H
#define PD_RISK_H

#include <stddef.h>
#include <stdint.h>

#include "core/policy.h"
#include "core/shortfall.h" /* pd_rule_shortfall, once in risk.h */

/* Days ahead a projection may look: a month. */
#define PD_RISK_HORIZON_MAX 31

/* One post as the projection needs it: its UTC day (pd_day_of), its kind
 * and its views. */
typedef struct pd_risk_post {
    int64_t day;
    int sponsored;
    uint64_t views;
} pd_risk_post;

/* A policy activated from a day after today (not yet in force). */
typedef struct pd_risk_change {
    int64_t from_day;
    const pd_policy *policy; /* borrowed for the call */
} pd_risk_change;

typedef enum pd_risk_cause {
    PD_RISK_NONE = 0,    /* holds on every day of the horizon            */
    PD_RISK_POSTS_LEAVE, /* posts leave the window under the same policy */
    PD_RISK_POLICY,      /* a scheduled policy starts that day           */
} pd_risk_cause;

typedef struct pd_risk {
    pd_risk_cause cause; /* PD_RISK_NONE: certified on every day ahead   */
    int64_t day;         /* the first day that fails                     */
    uint32_t failed;     /* the rules failed on that day (policy bits)   */
    int change;          /* the policy of that day: -1 the one in force
                            today, else an index into the changes        */
    pd_window_stats win; /* the window on that day                       */
    uint32_t posts_left; /* posts of today's window gone by that day     */
} pd_risk;

/* Judges a creator on each day today+1 .. today+horizon (1..PD_RISK_HORIZON_MAX)
 * and fills *out with the first day that fails, or cause PD_RISK_NONE.
 * The policy of a day is the change with the largest from_day <= that day
 * (among equal from_days the last in the array), else in_force; changes
 * from today or earlier are ignored (they are in force, or were replaced).
 * A day's window holds the posts dated from the window's first day
 * (pd_online_first_day) under that day's policy to that day itself, as
 * the store counts them. Posts may come in any order. Meant for a
 * creator certified today: day 0 is not judged. Returns 0, or -1 (out
 * untouched) for a horizon out of range or window counts that overflow. */
int pd_risk_project(const pd_policy *in_force, const pd_risk_change *changes, size_t nchanges,
                    int64_t today, unsigned horizon, uint64_t followers, const pd_risk_post *posts,
                    size_t nposts, pd_risk *out);

/* "posts_leave", "policy" or "none". Static storage. */
const char *pd_risk_cause_name(pd_risk_cause c);

#endif
