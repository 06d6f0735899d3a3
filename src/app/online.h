/*
 * online.h - online certification's use cases: keeping a creator's
 * verdict current after a write, and bringing every verdict to a day.
 *
 * The store keeps each creator's certification row and decides nothing;
 * these functions read a row, apply the rules of core/verdict.h (judging,
 * the deltas of a post) and core/advance.h (the steps of the days), and
 * write back what changed, with each change of verdict and its
 * explanation in the status history. The writes of creators and posts
 * (app/creators.h), the policy use cases (app/policies.h), the sweep
 * thread (app/sweeper.h) and the command line all come through here.
 *
 * Memory: nothing is kept between calls.
 */
#ifndef PD_APP_ONLINE_H
#define PD_APP_ONLINE_H

#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

/* What pd_app_online_advance did. */
typedef struct pd_online_report {
    int64_t from_day, to_day;  /* the state's today before and after         */
    int policy_changed;        /* an activation took effect                   */
    int recomputed;            /* aggregates were rebuilt from the posts      */
    uint64_t creators_touched; /* creators whose aggregates changed           */
    uint64_t gained, lost;     /* changes of verdict                          */
} pd_online_report;

/* Keeps one creator's verdict current after a write of the caller's (a new
 * creator, new followers, posts stored by an import): sums the creator's
 * posts in the window of the state's today (one indexed read), judges the
 * creator under the policy in force and stores the row, with a change of
 * verdict recorded under `cause` ("followers", "import", ...). Runs in the
 * caller's transaction and reads the store's clock (pd_db_now). Does
 * nothing while the aggregates are stale (the next advance recomputes
 * everyone). PD_ENOTFOUND for no such creator. */
int pd_app_online_touch(pd_db *db, int64_t creator_id, const char *cause, pd_error *err);

/* The same for a post just stored, by its delta (no read of posts): in the
 * window of the state's today, +1 post and its counts (cause "post"). A
 * delta that does not fit the row (it is out of step with the posts) marks
 * the aggregates stale instead of failing. In the caller's transaction; at
 * is the clock reading. */
int pd_app_online_post_added(pd_db *db, const pd_post_rec *p, int64_t at, pd_error *err);

/* A post's counts changed from *before to *after (cause "metrics"). As
 * pd_app_online_post_added. */
int pd_app_online_post_changed(pd_db *db, const pd_post_rec *before, const pd_post_rec *after,
                               int64_t at, pd_error *err);

/* Brings online certification to `today` (the server: the day of its
 * clock): recomputes stale aggregates, then for each day from the state's
 * today + 1 to `today` applies the activations due and moves the window
 * (recomputing instead when that is cheaper or the policy's window
 * changed), and on the state's own day applies an activation due; each
 * change of verdict is recorded with cause "day", "policy" or "import".
 * Each step is its own transaction (so a crash leaves a consistent,
 * resumable state) on a connection of its own. A `today` earlier than the
 * state's is not an error: nothing changes. rep may be NULL. */
int pd_app_online_advance(pd_store *s, int64_t today, pd_online_report *rep, pd_error *err);

/* The day of the store's clock (days since 1970-01-01, UTC). */
int64_t pd_app_today(const pd_store *s);

#endif
