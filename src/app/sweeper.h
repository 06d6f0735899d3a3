/*
 * sweeper.h - the server's daily sweep of online certification.
 *
 * One thread calls pd_app_online_advance(store, pd_day_of(pd_store_now))
 * when it starts (catching up on the days the server was down, and
 * recomputing after an import) and again right after each UTC midnight of
 * the store's clock (pd_store_now, which `partnerd serve --clock` moves).
 * Each sweep logs one JSON line with its report (days, gained, lost,
 * creators touched, milliseconds); a failed sweep is logged and retried a
 * little later. The wait is a condition variable with a timeout, so
 * pd_sweeper_stop returns at once unless a sweep is running (then when it
 * ends: each step of a sweep is its own transaction).
 *
 * Memory: a pd_sweeper is owned by its creator (cmd_serve) and borrows the
 * store, which must outlive it.
 */
#ifndef PD_APP_SWEEPER_H
#define PD_APP_SWEEPER_H

#include "util/error.h"
#include "app/online.h"
#include "store/store.h"

typedef struct pd_sweeper pd_sweeper;

/* Called after each successful sweep (on the sweeper's thread), e.g. to
 * tell the impact cache that the data changed. */
typedef void (*pd_sweep_fn)(void *ctx, const pd_online_report *rep);

/* Starts the thread; its first sweep begins at once. on_sweep may be NULL. */
int pd_sweeper_start(pd_store *store, pd_sweep_fn on_sweep, void *ctx, pd_sweeper **out,
                     pd_error *err);

/* Stops the thread (waiting for a sweep in progress) and frees it. NULL ok. */
void pd_sweeper_stop(pd_sweeper *sw);

/* One sweep now, on this thread, logged as the thread logs it. */
int pd_sweep_once(pd_store *store, pd_online_report *rep, pd_error *err);

#endif
