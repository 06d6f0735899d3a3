/* sqlite_step.c - the SQLite side of a step of the days of online
 * certification (backend.h's online_step; the steps are decided by
 * core/advance.h and run by app/online.c).
 *
 * A step walks the creators whose aggregates it moves: a day's sweep sums
 * the posts of the day that left the window, and of the day that entered
 * it, per creator (posts_by_time) and reads those creators only; a
 * recompute sums the window's posts per creator and merges them, in id
 * order, with every creator; a new policy walks everyone as they are. For
 * each creator the caller's walker decides what the row becomes and this
 * file writes it (with its status_history row when the walker says the
 * verdict changed). Nothing here judges.
 *
 * A step runs with a big page cache. A step that writes more than a
 * quarter of the creators (a recompute; a day's sweep whose posts
 * outnumber a quarter of the creators; a re-judging with that many
 * changes of verdict, counted first in a read-only pass with the walker's
 * would_change) drops the indexes of creators its writes would rewrite
 * and builds them again before it commits: sorting once instead of a
 * random update of each index per row. All in the caller's transaction. */
#include <stdlib.h>
#include <string.h>

#include "core/online.h"
#include "store/sqlite_int.h"

/* A step that writes more rows than creators / INDEX_REBUILD_DIVISOR drops
 * the indexes of creators it would rewrite and builds them again after its
 * writes: sorting once instead of as many random updates of each index.
 * Measured at a million creators (bench/online.sh large): a recompute
 * (every row written) is about twice as fast so; a day's sweep touching
 * ~40% of the creators costs about the same either way, so the line is
 * drawn at a quarter. */
#define INDEX_REBUILD_DIVISOR 4

/* What a walk needs: the step, the clock reading, the caller's walker. */
struct walk {
    sq_db *d;
    const pd_advance_step *step;
    int64_t at;
    const pd_cert_walker *w;
};

/* One creator: the walker decides, this writes. 1 (and nothing written)
 * when the walker finds the row out of step. */
static int settle(struct walk *k, const pd_cert_row *was, const pd_cert_move *m, pd_error *err)
{
    pd_cert_row now = *was;
    char why[PD_CERT_EXPLAIN_MAX];
    why[0] = '\0';
    int what = k->w->decide(k->w->ctx, was, m, &now, why);
    if (what == PD_CERT_OUT_OF_STEP)
        return 1;
    if (what == PD_CERT_KEEP)
        return PD_OK;
    pd_cert_note note = {
        .at = k->at, .policy_id = k->step->policy_id, .cause = k->step->cause, .explanation = why};
    int rc = sq_store_cert_row(k->d, was, &now, what == PD_CERT_RECORD ? &note : NULL, err);
    return rc ? -rc : PD_OK;
}

/* Everyone: with fresh aggregates from the posts of the window (rebuild),
 * or with the aggregates they hold (judge only). */
static int sweep_all(struct walk *k, int rebuild, pd_error *err)
{
    sq_db *d = k->d;
    sqlite3_stmt *rows = sq_ostmt(d, OS_ROWS_ALL, err);
    sqlite3_stmt *agg = rebuild ? sq_ostmt(d, OS_AGG_WINDOW, err) : NULL;
    if (!rows || (rebuild && !agg))
        return err->code;
    int ra = SQLITE_DONE, rr = SQLITE_DONE, rc = PD_OK;
    if (agg) {
        pd_window w = pd_online_window(k->step->today, k->step->window_days);
        sqlite3_bind_int64(agg, 1, w.from.sec);
        sqlite3_bind_int64(agg, 2, w.to.sec);
        ra = sqlite3_step(agg);
    }
    while (rc == PD_OK && (rr = sqlite3_step(rows)) == SQLITE_ROW) {
        pd_cert_row was;
        pd_cert_move m;
        memset(&m, 0, sizeof m);
        sq_read_cert_row(rows, &was);
        if (rebuild) {
            /* Posts always have a creator: the merge only skips ahead. */
            while (ra == SQLITE_ROW && sqlite3_column_int64(agg, 0) < was.id)
                ra = sqlite3_step(agg);
            m.kind = PD_CERT_MOVE_SET;
            if (ra == SQLITE_ROW && sqlite3_column_int64(agg, 0) == was.id) {
                m.sums.win.posts = (uint32_t)sqlite3_column_int64(agg, 1);
                m.sums.win.sponsored = (uint32_t)sqlite3_column_int64(agg, 2);
                m.sums.win.views = (uint64_t)sqlite3_column_int64(agg, 3);
                m.sums.engagements = (uint64_t)sqlite3_column_int64(agg, 4);
                ra = sqlite3_step(agg);
            }
            if (ra != SQLITE_ROW && ra != SQLITE_DONE) {
                rc = sq_fail(d->db, ra, err, "summing the posts of the window");
                break;
            }
        }
        int s = settle(k, &was, &m, err);
        if (s < 0)
            rc = -s;
        else if (s > 0)
            rc = pd_error_set(err, PD_EINTERNAL, "creator %lld: fresh sums refused",
                              (long long)was.id);
    }
    if (rc == PD_OK && rr != SQLITE_DONE)
        rc = sq_fail(d->db, rr, err, "reading creators");
    sq_done(rows);
    if (agg)
        sq_done(agg);
    return rc;
}

/* The indexes of creators dropped for a step's writes: their names and
 * definitions, to build them again before the step commits. */
struct dropped {
    size_t n;
    char **sql;
};

static void dropped_free(struct dropped *x)
{
    for (size_t i = 0; i < x->n; i++)
        free(x->sql[i]);
    free(x->sql);
    x->n = 0;
    x->sql = NULL;
}

/* Runs one statement of the schema's own text (no value from outside). */
static int run_ddl(sq_db *d, const char *sql, const char *what, pd_error *err)
{
    sqlite3_stmt *st = NULL;
    int r = sqlite3_prepare_v2(d->db, sql, -1, &st, NULL);
    if (r == SQLITE_OK) {
        r = sqlite3_step(st);
        r = r == SQLITE_DONE || r == SQLITE_ROW ? SQLITE_OK : r;
    }
    int rc = r == SQLITE_OK ? PD_OK : sq_fail(d->db, r, err, what);
    sqlite3_finalize(st);
    return rc;
}

/* Drops the indexes of creators that the step's writes would rewrite,
 * keeping their definitions in *x (in the step's transaction: a rollback
 * brings them back). No statement may be reading creators. */
static int drop_indexes(sq_db *d, struct dropped *x, pd_error *err)
{
    OSTMT(st, d, OS_AGG_INDEXES, err);
    int s, rc = PD_OK;
    char **names = NULL;
    size_t cap = 0;
    while (rc == PD_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *sql = (const char *)sqlite3_column_text(st, 1);
        if (x->n == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            char **a = realloc(x->sql, ncap * sizeof *a);
            char **b = a ? realloc(names, ncap * sizeof *b) : NULL;
            if (a)
                x->sql = a;
            if (b)
                names = b;
            if (!a || !b) {
                rc = pd_error_set(err, PD_ENOMEM, "out of memory");
                break;
            }
            cap = ncap;
        }
        names[x->n] = name ? strdup(name) : NULL;
        x->sql[x->n] = sql ? strdup(sql) : NULL;
        x->n++;
        if (!names[x->n - 1] || !x->sql[x->n - 1])
            rc = pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    if (rc == PD_OK && s != SQLITE_DONE)
        rc = sq_fail(d->db, s, err, "listing the indexes of creators");
    sq_done(st);
    for (size_t i = 0; i < x->n && rc == PD_OK; i++) {
        /* DROP INDEX "name", the name quoted as an identifier. */
        size_t len = strlen(names[i]), o = 0;
        char *ddl = malloc(2 * len + 16);
        if (!ddl) {
            rc = pd_error_set(err, PD_ENOMEM, "out of memory");
            break;
        }
        memcpy(ddl, "DROP INDEX \"", 12);
        o = 12;
        for (size_t k = 0; k < len; k++) {
            if (names[i][k] == '"')
                ddl[o++] = '"';
            ddl[o++] = names[i][k];
        }
        ddl[o++] = '"';
        ddl[o] = '\0';
        rc = run_ddl(d, ddl, "dropping an index of creators", err);
        free(ddl);
    }
    for (size_t i = 0; i < x->n; i++)
        free(names[i]);
    free(names);
    if (rc != PD_OK)
        dropped_free(x);
    return rc;
}

/* Builds the indexes of *x again and forgets them. */
static int rebuild_indexes(sq_db *d, struct dropped *x, pd_error *err)
{
    int rc = PD_OK;
    for (size_t i = 0; i < x->n && rc == PD_OK; i++)
        rc = run_ddl(d, x->sql[i], "building an index of creators", err);
    dropped_free(x);
    return rc;
}

/* A count from a statement whose ?1, ?2 are a and b (when it has them). */
static int count_of(sq_db *d, enum sq_ost id, int64_t a, int64_t b, int64_t *n, pd_error *err)
{
    OSTMT(st, d, id, err);
    if (sqlite3_bind_parameter_count(st) >= 2) {
        sqlite3_bind_int64(st, 1, a);
        sqlite3_bind_int64(st, 2, b);
    }
    int rc = sq_step_one(d, st, "counting", err);
    *n = rc == PD_OK ? sqlite3_column_int64(st, 0) : 0;
    sq_done(st);
    return rc;
}

/* How many creators the walker says would change verdict (a read-only
 * pass). */
static int count_transitions(struct walk *k, int64_t *n, pd_error *err)
{
    OSTMT(rows, k->d, OS_ROWS_ALL, err);
    int r;
    *n = 0;
    while ((r = sqlite3_step(rows)) == SQLITE_ROW) {
        pd_cert_row w;
        sq_read_cert_row(rows, &w);
        if (k->w->would_change(k->w->ctx, &w))
            ++*n;
    }
    int rc = r == SQLITE_DONE ? PD_OK : sq_fail(k->d->db, r, err, "reading creators");
    sq_done(rows);
    return rc;
}

/* Moves the aggregates from window `was_w` to the later window `now_w` of
 * the same length: the posts of [was.from, now.from) leave, those of
 * [was.to, now.to) enter (published after the old evaluation instant, so
 * not counted until this step). Each creator touched is settled once.
 * *out_of_step is set when the walker refuses a row (the caller then
 * rebuilds everything). */
static int shift_window(struct walk *k, pd_window was_w, pd_window now_w, int *out_of_step,
                        pd_error *err)
{
    sq_db *d = k->d;
    OSTMT(agg, d, OS_AGG_SHIFT, err);
    sqlite3_bind_int64(agg, 1, was_w.from.sec);
    sqlite3_bind_int64(agg, 2, now_w.from.sec);
    sqlite3_bind_int64(agg, 3, was_w.to.sec);
    sqlite3_bind_int64(agg, 4, now_w.to.sec);
    int ra = SQLITE_DONE, rc = PD_OK;
    while (rc == PD_OK && (ra = sqlite3_step(agg)) == SQLITE_ROW) {
        pd_cert_row was;
        if ((rc = sq_cert_row_get(&d->base, sqlite3_column_int64(agg, 0), &was, err)) != PD_OK)
            break;
        pd_cert_move m = {.kind = PD_CERT_MOVE_SHIFT};
        pd_cert_sums *side[2] = {&m.out, &m.in};
        for (int k2 = 0; k2 < 2; k2++) {
            side[k2]->win.posts = (uint32_t)sqlite3_column_int64(agg, 1 + 4 * k2);
            side[k2]->win.sponsored = (uint32_t)sqlite3_column_int64(agg, 2 + 4 * k2);
            side[k2]->win.views = (uint64_t)sqlite3_column_int64(agg, 3 + 4 * k2);
            side[k2]->engagements = (uint64_t)sqlite3_column_int64(agg, 4 + 4 * k2);
        }
        int s = settle(k, &was, &m, err);
        if (s > 0) {
            *out_of_step = 1;
            break;
        }
        if (s < 0)
            rc = -s;
    }
    if (rc == PD_OK && !*out_of_step && ra != SQLITE_DONE)
        rc = sq_fail(d->db, ra, err, "summing the posts that leave and enter the window");
    sq_done(agg);
    return rc;
}

int sq_online_step(pd_db *pdb, const pd_advance_step *step, int64_t at, const pd_cert_walker *w,
                   int *recomputed, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    struct walk k = {.d = d, .step = step, .at = at, .w = w};
    int rc = PD_OK;
    *recomputed = step->recompute;
    if (step->apply_upto != INT64_MIN) {
        OSTMT(st, d, OS_ACT_APPLY, err);
        sqlite3_bind_int64(st, 1, step->apply_upto);
        sqlite3_bind_int64(st, 2, at);
        if ((rc = sq_step_done(d, st, "applying activations", err)) != PD_OK)
            return rc;
    }
    /* Without a recompute the window keeps its length and moves ahead. */
    pd_window was_w = pd_online_window(step->from_today, step->from_window);
    pd_window now_w = pd_online_window(step->today, step->window_days);
    /* Many writes: a big page cache, and the indexes they would rewrite
     * dropped and built again at the end (all in this transaction). */
    struct dropped x = {0};
    int64_t creators = 0, many = 0;
    sqlite3_stmt *cache = sq_ostmt(d, OS_CACHE_BIG, err);
    if (!cache)
        return err->code;
    if ((rc = sq_step_done(d, cache, "setting the page cache", err)) != PD_OK ||
        (rc = count_of(d, OS_CREATORS_COUNT, 0, 0, &creators, err)) != PD_OK)
        goto restore;
    if (step->recompute) {
        many = 1;
    } else if (step->today > step->from_today) {
        /* The posts of the days that leave and enter: at least one per
         * creator touched. */
        int64_t out = 0, in = 0;
        rc = count_of(d, OS_POSTS_IN_RANGE, was_w.from.sec, now_w.from.sec, &out, err);
        if (rc == PD_OK)
            rc = count_of(d, OS_POSTS_IN_RANGE, was_w.to.sec, now_w.to.sec, &in, err);
        many = out + in > creators / INDEX_REBUILD_DIVISOR;
    }
    if (rc == PD_OK && !many && step->judge_all) {
        int64_t changes = 0;
        rc = count_transitions(&k, &changes, err);
        many = changes > creators / INDEX_REBUILD_DIVISOR;
    }
    if (rc == PD_OK && many)
        rc = drop_indexes(d, &x, err);
    if (rc != PD_OK)
        goto restore;
    if (step->recompute) {
        rc = sweep_all(&k, 1, err);
    } else {
        int out_of_step = 0;
        if (step->today > step->from_today)
            rc = shift_window(&k, was_w, now_w, &out_of_step, err);
        if (rc == PD_OK && out_of_step && !x.n)
            rc = drop_indexes(d, &x, err);
        if (rc == PD_OK && (out_of_step || step->judge_all))
            rc = sweep_all(&k, out_of_step, err);
        if (out_of_step)
            *recomputed = 1;
    }
    if (rc == PD_OK && x.n)
        rc = rebuild_indexes(d, &x, err);
restore:
    dropped_free(&x);
    {
        /* Back to the connection's setting, whatever happened. */
        pd_error ignored;
        sqlite3_stmt *c = sq_ostmt(d, OS_CACHE_RESTORE, &ignored);
        if (c)
            sq_step_done(d, c, "restoring the page cache", &ignored);
    }
    if (rc == PD_OK) {
        OSTMT(st, d, OS_STATE_SET, err);
        sq_bind_link(st, 1, step->policy_id);
        sqlite3_bind_int64(st, 2, step->window_days);
        sqlite3_bind_int64(st, 3, step->today);
        rc = sq_step_done(d, st, "storing the online state", err);
    }
    return rc;
}
