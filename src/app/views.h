/*
 * views.h - what the web pages and the JSON routes read, each in one read
 * of the store.
 *
 * A page or a route renders; it never takes a connection or begins a
 * transaction.
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

#include "app/accounts.h"
#include "store/store.h"
#include "util/error.h"

/* Discovery: the creators matching q, each passed to `each` in order
 * (a non-zero return stops the search and is returned). */
int pd_app_discover(pd_store *store, const pd_creator_query *q,
                    int (*each)(void *ctx, const pd_creator_hit *h), void *ctx, pd_error *err);

/* A page of discovery that may have been kept: the caller's answer, made
 * from rows or found in a cache of pages kept per (connection, version of
 * the data) (http/pagecache.h). kept and done may be NULL (no cache). */
typedef struct pd_app_page {
    /* Gives the page kept for (conn, version) and returns 1; 0 when there
     * is none (nothing given). conn is only compared, never used. */
    int (*kept)(void *ctx, const void *conn, uint64_t version);
    /* One row of a page being made, in order (non-zero stops the search). */
    int (*row)(void *ctx, const pd_creator_hit *h);
    /* The last row was given: the page is whole and may be kept. */
    void (*done)(void *ctx, const void *conn, uint64_t version);
    void *ctx;
} pd_app_page;

/* Discovery for a page: in held, the read a request was signed in with
 * (app/accounts.h: pd_app_authenticate; its version may have been only
 * peeked at), or, when held is NULL, in a read of our own on a connection
 * taken from the store and given back. The kept page of that version is
 * asked for first; when the version was only peeked at and nothing is
 * kept, the read is begun and, if its version is newer, asked again; then
 * the rows are read and `done` told. One query at most, as many as a page
 * needs. held stays held (its owner ends it). Errors are the search's
 * (PD_EINPUT for a text query the full-text search refuses) or the store's. */
int pd_app_discover_page(pd_store *store, pd_app_read *held, const pd_creator_query *q,
                         const pd_app_page *page, pd_error *err);

/* Lends a connection of the store's to `read` for lookups of records (the
 * store's read functions on db, in no transaction: each statement sees the
 * data as it is then) and gives it back. Returns what read returns. For
 * routes that only show what they look up; what must be one state of the
 * data is a view of its own below. */
int pd_app_lookup(pd_store *store, int (*read)(void *ctx, pd_db *db, pd_error *err), void *ctx,
                  pd_error *err);

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
