/*
 * impact.h - the creator population kept in memory for policy impact, so
 * that POST /api/policies/impact answers a slider over a million creators
 * in milliseconds instead of scanning the store on every move.
 *
 * A snapshot is every creator (core/creator.h, sorted by id), the category
 * names they index, the index of their MCNs with the MCNs' names (for the
 * breakdown by MCN), the online state's `today`, and one array of window
 * statistics per window length asked for so far (up to
 * PD_IMPACT_MAX_WINDOWS). It is immutable once published and refcounted:
 * a request takes one (pd_impact_acquire), runs core/simulate.h on it
 * without any lock, and gives it back (pd_impact_release). A new snapshot
 * replaces the current one under a mutex; the old one is freed when its
 * last holder releases it.
 *
 * Building: the first request builds the first snapshot on its own thread
 * (one scan of the store; concurrent first requests wait for that one
 * build). A request for a window the snapshot lacks costs one more scan;
 * the result (the same creators, plus that window) replaces the snapshot,
 * so the window is cached too. Everything else happens on a background
 * thread: every poll_ms it rebuilds the snapshot (all its windows) when it
 * is at least min_age_ms old and the data has changed: pd_impact_changed
 * was called (the server's writes call it), or the source's fingerprint
 * moved (the online state: today, the policy in force, the certified
 * count), or it is max_age_ms old (a fallback for writers that do not
 * signal, such as another process). Requests keep using the old snapshot
 * meanwhile.
 *
 * Consistency: each window is one consistent read (pd_store_window_scan);
 * the creators are those of the snapshot's first scan, and a later scan of
 * another window is matched to them by id (a creator added in between is
 * left out until the next rebuild, one removed gets empty statistics).
 *
 * The source is a function table, so the module is tested without a store
 * (tests/http/test_impact.c); pd_impact_store_source adapts a pd_store.
 *
 * Memory: the pd_impact owns every snapshot; a snapshot returned by
 * pd_impact_acquire stays valid, unchanged, until pd_impact_release.
 * pd_impact_free stops the background thread; every snapshot must have
 * been released before.
 */
#ifndef PD_HTTP_IMPACT_H
#define PD_HTTP_IMPACT_H

#include <stddef.h>
#include <stdint.h>

#include "core/creator.h"
#include "util/error.h"
#include "core/policy.h"
#include "core/simulate.h"
#include "store/store.h"

#define PD_IMPACT_MAX_WINDOWS 4 /* window lengths one snapshot keeps */

/* Where the population comes from. */
typedef struct pd_impact_source {
    /* As pd_store_window_scan: every creator by id with the statistics of
     * the window_days days ending with today (*today gets it). */
    int (*scan)(void *ctx, uint32_t window_days, int64_t *today,
                int (*each)(void *each_ctx, const pd_creator_window *w), void *each_ctx,
                pd_error *err);
    /* A cheap value that changes when the data has probably changed; NULL
     * when the source has none. */
    int (*fingerprint)(void *ctx, uint64_t *out, pd_error *err);
    void *ctx;
    /* Every MCN with its name, by id (the name is valid during the call);
     * NULL when the source knows no names (the breakdown then says
     * "MCN 17"). */
    int (*mcns)(void *ctx, int (*each)(void *each_ctx, int64_t id, const char *name),
                void *each_ctx, pd_error *err);
} pd_impact_source;

typedef struct pd_impact_options {
    unsigned min_age_ms; /* never rebuilt younger than this; 0: 2000      */
    unsigned max_age_ms; /* rebuilt at this age even without a sign of
                            change; 0: 60000                              */
    unsigned poll_ms;    /* how often the background thread looks; 0: 500 */
    int no_thread;       /* 1: no background thread (tests call
                            pd_impact_refresh themselves)                 */
} pd_impact_options;

/* A published snapshot: read-only for everyone. */
typedef struct pd_impact_snap {
    size_t n;                   /* creators                           */
    const pd_creator *creators; /* n, sorted by id                    */
    size_t ncategories;
    const char *const *categories; /* names, indexed by creator.category */
    pd_sim_mcn_index mcns;         /* the creators' MCNs (read-only)     */
    const char *const *mcn_names;  /* mcns.n: the name of mcns.ids[k], or
                                      NULL when the source had none     */
    int64_t today;                 /* the online state's day             */
    uint64_t serial;               /* 1, 2, ...: which build this is     */
    size_t nwindows;
    uint32_t window_days[PD_IMPACT_MAX_WINDOWS];
    const pd_window_stats *stats[PD_IMPACT_MAX_WINDOWS]; /* n each, like creators */
} pd_impact_snap;

typedef struct pd_impact pd_impact;

/* A cache on src (copied; src->ctx must outlive it); o may be NULL. Starts
 * the background thread unless o->no_thread. Builds nothing yet. */
int pd_impact_new(const pd_impact_source *src, const pd_impact_options *o, pd_impact **out,
                  pd_error *err);

/* Stops the background thread and frees everything. NULL ok. */
void pd_impact_free(pd_impact *imp);

/* A snapshot holding the statistics of every window in windows[0..n)
 * (n <= PD_IMPACT_MAX_WINDOWS), built on the spot when there is none yet or
 * a window is missing. Give it back with pd_impact_release. */
int pd_impact_acquire(pd_impact *imp, const uint32_t *windows, size_t n, pd_impact_snap **out,
                      pd_error *err);
void pd_impact_release(pd_impact *imp, pd_impact_snap *snap); /* NULL ok */

/* The statistics of window_days in snap, or NULL when it lacks them. */
const pd_window_stats *pd_impact_stats(const pd_impact_snap *snap, uint32_t window_days);

/* The name of MCN id in snap, or NULL when it has none (a pd_report's
 * mcn_name, with the snapshot as ctx). */
const char *pd_impact_mcn_name(void *snap, uint64_t id);

/* Says the data has changed: the next background look rebuilds the snapshot
 * (once it is min_age_ms old). Cheap (an atomic increment), any thread. */
void pd_impact_changed(pd_impact *imp);

/* Rebuilds now, on this thread, when the snapshot is stale as described
 * above (force: whatever its age and state). *rebuilt (if not NULL) says
 * whether it did. What the background thread calls. */
int pd_impact_refresh(pd_impact *imp, int force, int *rebuilt, pd_error *err);

/* How many snapshots have been built so far (for tests and logs). */
uint64_t pd_impact_builds(pd_impact *imp);

/* A source reading store s: pd_store_window_scan, a fingerprint of the
 * online state, and the MCNs' names (pd_db_mcn_list). */
pd_impact_source pd_impact_store_source(pd_store *s);

#endif
