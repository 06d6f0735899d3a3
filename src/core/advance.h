/*
 * advance.h - how online certification moves from the day it stands at to
 * a later one: the steps, decided from the state alone.
 *
 * The use case (app/online.h) runs each step in its own transaction and
 * decides each from the state as the one before committed it, so a crash
 * leaves a state the next call resumes from:
 *   1. stale aggregates (after a bulk import), or a state never set:
 *      recompute everything for the state's day (or straight for `today`
 *      when every post of that window would leave on the way, or the state
 *      was never set);
 *   2. then one day at a time up to `today`: apply the activation due that
 *      day; take out the posts of the day that left the window and bring
 *      in those of the day that entered; when the gap is longer than the
 *      window (every post would leave) or the new policy has another
 *      window, recompute instead; a new policy with the same window
 *      re-judges everyone;
 *   3. on the state's own day, an activation due (its day has come) is
 *      applied at once: re-judge (or recompute for another window).
 * An earlier `today` changes nothing.
 *
 * Pure functions on plain values; nothing allocates.
 */
#ifndef PD_ADVANCE_H
#define PD_ADVANCE_H

#include <stdint.h>

#include "core/policy.h"

/* The window the aggregates hold while no policy is in force (discovery
 * still shows average views and engagement). */
#define PD_ONLINE_DEFAULT_WINDOW 30u

/* Where online certification stands. */
typedef struct pd_advance_state {
    int64_t today;     /* the day verdicts are for; 0: never set            */
    uint32_t window;   /* the window the aggregates hold; 0: none recorded  */
    int64_t policy_id; /* in force; 0: none                                 */
    pd_policy policy;  /* its rules, when policy_id != 0                    */
    int stale;         /* aggregates must be recomputed                     */
} pd_advance_state;

/* One step: the state goes from (from_today, from_window) to (today,
 * window_days, policy_id). */
typedef struct pd_advance_step {
    int64_t from_today;   /* the state's today before the step               */
    uint32_t from_window; /* the window the aggregates held before           */
    int64_t today;        /* after the step                                  */
    uint32_t window_days; /* after the step                                  */
    int64_t policy_id;    /* in force after the step; 0: none                */
    pd_policy policy;     /* its rules, when policy_id != 0                  */
    int64_t apply_upto;   /* pending activations with from_day <= this are
                             applied by the step; INT64_MIN: none            */
    int recompute;        /* rebuild every aggregate from the posts          */
    int judge_all;        /* re-judge everyone (the policy changed)          */
    const char *cause;    /* of the changes of verdict: "import", "day", "policy" (static) */
} pd_advance_step;

/* Fills in what a state without a recorded window means: the window of
 * the policy in force (or PD_ONLINE_DEFAULT_WINDOW), and stale, since
 * nothing the aggregates hold can be trusted. */
void pd_advance_normalize(pd_advance_state *st);

/* The first half of the next step towards `today`: the day it reaches and
 * whether it recomputes. 0 when `today` is earlier than the state's (nothing
 * to do), 1 otherwise. */
int pd_advance_plan(const pd_advance_state *st, int64_t today, pd_advance_step *step);

/* 1 when the activation due on step->today (policy due_id) puts another
 * policy in force than st's: the caller then reads its rules for
 * pd_advance_activate. */
static inline int pd_advance_needs_policy(const pd_advance_state *st, int64_t due_id)
{
    return due_id != st->policy_id;
}

/* The second half: the activation due on step->today, of policy due_id
 * (0: none due) with rules *due (read when pd_advance_needs_policy; else
 * NULL). */
void pd_advance_activate(pd_advance_step *step, const pd_advance_state *st, int64_t due_id,
                         const pd_policy *due);

/* 1 when the step changes anything (0: online certification is at
 * `today` already, nothing due). */
int pd_advance_todo(const pd_advance_step *step, const pd_advance_state *st);

/* 1 when an activation from from_day applies at once: its day is on or
 * before the day online certification stands at. A state never set has
 * nothing to apply to yet: the first advance applies it. */
static inline int pd_advance_applies_now(const pd_advance_state *st, int64_t from_day)
{
    return st->today != 0 && from_day <= st->today;
}

#endif
