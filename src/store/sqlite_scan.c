/* sqlite_scan.c - the whole population with its window statistics
 * (pd_store_window_scan) on the SQLite backend, for policy impact.
 *
 * One read transaction, so the online state, the creators and the posts
 * are one snapshot. When the window asked for is the one the creators'
 * aggregate columns hold (online_state.window_days, 0 meaning the default
 * of 30 days) and they are not stale, the scan reads those columns: one
 * pass over the creators table in id order. Otherwise one GROUP BY over the
 * posts of the window (core/window.h: from the first day's midnight up to
 * the next midnight after today, as the aggregates count them) gives the
 * statistics in creator order, merged with the creators as both are read.
 *
 * Memory: the category handed to the callback points into SQLite's row and
 * is valid during the call only. */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"

#define DEFAULT_WINDOW PD_ONLINE_DEFAULT_WINDOW /* days the aggregates hold with no policy */

static const char state_sql[] = "SELECT window_days, today, stale FROM online_state WHERE id = 1";
static const char columns_sql[] =
    "SELECT id, category, followers, coalesce(mcn_id, 0), win_posts, win_sponsored, win_views "
    "FROM creators ORDER BY id";
static const char creators_sql[] =
    "SELECT id, category, followers, coalesce(mcn_id, 0) FROM creators ORDER BY id";
static const char window_sql[] =
    "SELECT creator_id, count(*), sum(sponsored), sum(views) FROM posts "
    "WHERE published_at >= ?1 AND +published_at < ?2 " /* + : as OS_AGG_WINDOW, sqlite_online.c */
    "GROUP BY creator_id ORDER BY creator_id";

static int prepare(sq_db *d, const char *sql, sqlite3_stmt **st, pd_error *err)
{
    int rc = sqlite3_prepare_v2(d->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? PD_OK : sq_fail(d->db, rc, err, "preparing the population scan");
}

static void read_head(sqlite3_stmt *st, pd_creator_window *w)
{
    memset(w, 0, sizeof *w);
    w->id = sqlite3_column_int64(st, 0);
    const unsigned char *cat = sqlite3_column_text(st, 1);
    w->category = cat ? (const char *)cat : "";
    w->followers = (uint64_t)sqlite3_column_int64(st, 2);
    w->mcn_id = sqlite3_column_int64(st, 3);
}

/* From the aggregate columns. */
static int scan_columns(sq_db *d, int (*each)(void *ctx, const pd_creator_window *w), void *ctx,
                        pd_error *err)
{
    sqlite3_stmt *st;
    int rc = prepare(d, columns_sql, &st, err);
    if (rc)
        return rc;
    pd_creator_window w;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        read_head(st, &w);
        w.win.posts = (uint32_t)sqlite3_column_int64(st, 4);
        w.win.sponsored = (uint32_t)sqlite3_column_int64(st, 5);
        w.win.views = (uint64_t)sqlite3_column_int64(st, 6);
        if ((rc = each(ctx, &w)) != 0)
            break;
    }
    if (rc == PD_OK && r != SQLITE_DONE)
        rc = sq_fail(d->db, r, err, "reading creators");
    sqlite3_finalize(st);
    return rc;
}

/* From the posts: creators merged with one GROUP BY, both in id order. */
static int scan_posts(sq_db *d, pd_window win, int (*each)(void *ctx, const pd_creator_window *w),
                      void *ctx, pd_error *err)
{
    sqlite3_stmt *cs = NULL, *ps = NULL;
    int rc = prepare(d, creators_sql, &cs, err);
    if (rc == PD_OK)
        rc = prepare(d, window_sql, &ps, err);
    if (rc) {
        sqlite3_finalize(cs);
        return rc;
    }
    sqlite3_bind_int64(ps, 1, win.from.sec);
    sqlite3_bind_int64(ps, 2, win.to.sec);
    int pr = sqlite3_step(ps); /* the posts cursor: SQLITE_ROW while it has a row */
    pd_creator_window w;
    int r;
    while ((r = sqlite3_step(cs)) == SQLITE_ROW) {
        read_head(cs, &w);
        /* Posts of ids without a creator (none, with foreign keys) are passed by. */
        while (pr == SQLITE_ROW && sqlite3_column_int64(ps, 0) < w.id)
            pr = sqlite3_step(ps);
        if (pr == SQLITE_ROW && sqlite3_column_int64(ps, 0) == w.id) {
            w.win.posts = (uint32_t)sqlite3_column_int64(ps, 1);
            w.win.sponsored = (uint32_t)sqlite3_column_int64(ps, 2);
            w.win.views = (uint64_t)sqlite3_column_int64(ps, 3);
            pr = sqlite3_step(ps);
        }
        if (pr != SQLITE_ROW && pr != SQLITE_DONE) {
            rc = sq_fail(d->db, pr, err, "reading posts");
            break;
        }
        if ((rc = each(ctx, &w)) != 0)
            break;
    }
    if (rc == PD_OK && r != SQLITE_DONE)
        rc = sq_fail(d->db, r, err, "reading creators");
    sqlite3_finalize(cs);
    sqlite3_finalize(ps);
    return rc;
}

struct window_scan {
    uint32_t window_days;
    int64_t *today;
    int (*each)(void *ctx, const pd_creator_window *w);
    void *ctx;
};

static int window_scan_in(sq_db *d, void *arg, pd_error *err)
{
    struct window_scan *v = arg;
    sqlite3_stmt *st = NULL;
    int rc = prepare(d, state_sql, &st, err);
    if (rc)
        return rc;
    int64_t held = 0, day = 0;
    int stale = 1;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        held = sqlite3_column_int64(st, 0);
        day = sqlite3_column_int64(st, 1);
        stale = sqlite3_column_int(st, 2);
    } else {
        rc = r == SQLITE_DONE ? pd_error_set(err, PD_EINTERNAL, "the online state is missing")
                              : sq_fail(d->db, r, err, "reading the online state");
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;
    if (v->today)
        *v->today = day;
    if (!held)
        held = DEFAULT_WINDOW;
    if ((int64_t)v->window_days == held && !stale)
        return scan_columns(d, v->each, v->ctx, err);
    return scan_posts(d, pd_online_window(day, v->window_days), v->each, v->ctx, err);
}

int sq_window_scan(pd_store *ps, uint32_t window_days, int64_t *today,
                   int (*each)(void *ctx, const pd_creator_window *w), void *ctx, pd_error *err)
{
    /* A read transaction: the state and both tables from one snapshot. */
    struct window_scan v = {window_days, today, each, ctx};
    return sq_in_read(ps, window_scan_in, &v, err);
}
