/*
 * views.h - what the web pages read, each in one read of the store.
 *
 * A page renders; it never takes a connection or begins a transaction.
 * Each function here takes a connection from the store, reads everything
 * its page shows inside one read transaction (one state of the database,
 * even while writers commit), and gives the connection back on every
 * path. (The MCN roster page reads through pd_roster_load, api/mcns.h,
 * which does the same.)
 *
 * Memory: the caller owns every output struct; pd_app_creator_view
 * allocates the follower series and the history (pd_app_creator_view_free
 * releases them, also after an error).
 */
#ifndef PD_APP_VIEWS_H
#define PD_APP_VIEWS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

/* Discovery: the creators matching q, each passed to `each` in order
 * (a non-zero return stops the search and is returned). */
int pd_app_discover(pd_store *store, const pd_creator_query *q,
                    int (*each)(void *ctx, const pd_creator_hit *h), void *ctx, pd_error *err);

/* The online state: the policy in force, its version, today, certified. */
int pd_app_online_state(pd_store *store, pd_online_state *out, pd_error *err);

#define PD_VIEW_FOLLOWER_POINTS 2000 /* points of the follower series, at most */
#define PD_VIEW_HISTORY_MAX 100      /* status changes a view may ask for      */

/* A creator's page: the profile, the verdict and the state it is under,
 * the MCN's record, the follower series and the newest status changes. */
typedef struct pd_creator_view {
    pd_creator_rec creator;
    pd_creator_status status;
    pd_online_state state;
    int has_mcn; /* mcn holds the creator's MCN (mcn_id != 0, found) */
    pd_org_rec mcn;
    /* The follower counts, oldest first, thinned to at most
     * PD_VIEW_FOLLOWER_POINTS: when full, every other old point is dropped
     * so the latest are always kept. x: days since the first count. */
    double *fx, *fy;
    size_t nfollowers;
    int64_t first_count_at;
    int followers_failed; /* the series could not be read: not an error */
    /* The newest status changes first, at most the history asked. */
    pd_status_change *history;
    size_t nhistory;
    int history_failed; /* the history could not be read: not an error */
} pd_creator_view;

/* Reads creator id's view into *v (zeroed first). history: how many status
 * changes to read (0: none; at most PD_VIEW_HISTORY_MAX). PD_ENOTFOUND
 * "There is no creator ID." for an unknown id. */
int pd_app_creator_view(pd_store *store, int64_t id, unsigned history, pd_creator_view *v,
                        pd_error *err);
void pd_app_creator_view_free(pd_creator_view *v);

#endif
