/* sqlite_creators.c - the SQLite backend's creators and posts: storing
 * and reading one, the follower history, publishing under the next id of
 * the published range, a post's counts, and the export scan, with the
 * writes bulk import shares (sq_creator_write, sq_post_insert). Nothing
 * here keeps a verdict: that is app/online.h's. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/sqlite_int.h"

/* ---- creators and posts ------------------------------------------------------------ */

int sq_creator_write(sq_db *d, const pd_creator_rec *c, int64_t at, int keep_bio, int known_new,
                     pd_error *err)
{
    int had = 0;
    int64_t before = 0;
    if (!known_new) {
        sqlite3_stmt *st = sq_stmt(d, ST_CREATOR_FOLLOWERS, err);
        if (!st)
            return err->code;
        sqlite3_bind_int64(st, 1, c->id);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            had = 1;
            before = sqlite3_column_int64(st, 0);
        }
        sq_done(st);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
            return sq_fail(d->db, r, err, "reading a creator");
    }
    sqlite3_stmt *st = sq_stmt(d, keep_bio ? ST_CREATOR_UPSERT_KEEP_BIO : ST_CREATOR_UPSERT, err);
    if (!st)
        return err->code;
    sqlite3_bind_int64(st, 1, c->id);
    sq_bind_text(st, 2, c->handle);
    sq_bind_text(st, 3, c->category);
    sq_bind_text(st, 4, c->bio);
    sqlite3_bind_int64(st, 5, (int64_t)c->followers);
    sq_bind_link(st, 6, c->mcn_id);
    sqlite3_bind_int64(st, 7, at);
    int r = sqlite3_step(st);
    int rc = PD_OK;
    if (r != SQLITE_DONE) {
        rc = sqlite3_extended_errcode(d->db) == SQLITE_CONSTRAINT_FOREIGNKEY
                 ? pd_error_set(err, PD_EINPUT, "no MCN with id %lld", (long long)c->mcn_id)
                 : sq_fail(d->db, r, err, "storing a creator");
    }
    sq_done(st);
    if (rc != PD_OK || (had && before == (int64_t)c->followers))
        return rc;
    st = sq_stmt(d, ST_HISTORY_ADD, err);
    if (!st)
        return err->code;
    sqlite3_bind_int64(st, 1, c->id);
    sqlite3_bind_int64(st, 2, at);
    sqlite3_bind_int64(st, 3, (int64_t)c->followers);
    r = sqlite3_step(st);
    if (r != SQLITE_DONE)
        rc = sq_fail(d->db, r, err, "recording followers");
    sq_done(st);
    return rc;
}

int sq_creator_store(sq_db *d, const pd_creator_rec *c, int64_t at, pd_error *err)
{
    return sq_creator_write(d, c, at, 0, 0, err);
}

void sq_bind_post(sqlite3_stmt *st, int base, const pd_post_rec *p)
{
    sqlite3_bind_int64(st, base + 1, p->id);
    sqlite3_bind_int64(st, base + 2, p->creator_id);
    sqlite3_bind_int64(st, base + 3, p->published_at.sec);
    sqlite3_bind_int(st, base + 4, p->published_at.nsec);
    sqlite3_bind_int(st, base + 5, p->sponsored ? 1 : 0);
    sqlite3_bind_int64(st, base + 6, (int64_t)p->views);
    sqlite3_bind_int64(st, base + 7, (int64_t)p->likes);
    sqlite3_bind_int64(st, base + 8, (int64_t)p->comments);
    sqlite3_bind_int64(st, base + 9, (int64_t)p->collects);
}

int sq_post_insert(sq_db *d, const pd_post_rec *p, pd_error *err)
{
    sqlite3_stmt *st = sq_stmt(d, ST_POST_ADD, err);
    if (!st)
        return err->code;
    sq_bind_post(st, 0, p);
    int r = sqlite3_step(st);
    int rc = PD_OK;
    if (r != SQLITE_DONE) {
        int ext = sqlite3_extended_errcode(d->db);
        if (ext == SQLITE_CONSTRAINT_PRIMARYKEY)
            rc = pd_error_set(err, PD_ECONFLICT, "post %lld exists already", (long long)p->id);
        else if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
            rc = pd_error_set(err, PD_EINPUT, "no creator with id %lld", (long long)p->creator_id);
        else
            rc = sq_fail(d->db, r, err, "adding a post");
    }
    sq_done(st);
    return rc;
}

int sq_creator_put(pd_db *pdb, const pd_creator_rec *c, int64_t at, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err);
    if (rc)
        return rc;
    rc = sq_creator_store(d, c, at, err);
    return sq_call_end(d, rc, err);
}

void sq_read_creator(sqlite3_stmt *st, pd_creator_rec *c)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    sq_col_text(st, 1, c->handle, sizeof c->handle);
    sq_col_text(st, 2, c->category, sizeof c->category);
    sq_col_text(st, 3, c->bio, sizeof c->bio);
    c->followers = (uint64_t)sqlite3_column_int64(st, 4);
    c->mcn_id = sqlite3_column_int64(st, 5);
    c->created_at = sqlite3_column_int64(st, 6);
    c->updated_at = sqlite3_column_int64(st, 7);
}

int sq_creator_get(pd_db *pdb, int64_t id, pd_creator_rec *c, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = sq_stmt(d, ST_CREATOR_GET, err);
    if (!st)
        return err->code;
    sqlite3_bind_int64(st, 1, id);
    int out = sq_step_one(d, st, "reading a creator", err);
    if (out == PD_OK)
        sq_read_creator(st, c);
    else if (out == PD_ENOTFOUND)
        pd_error_set(err, PD_ENOTFOUND, "no creator with id %lld", (long long)id);
    sq_done(st);
    return out;
}

int sq_followers_history(pd_db *pdb, int64_t creator_id,
                         int (*each)(void *ctx, int64_t at, uint64_t followers), void *ctx,
                         pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int yes = 0;
    int out = sq_exists(d, ST_CREATOR_EXISTS, creator_id, &yes, err);
    if (out)
        return out;
    if (!yes)
        return pd_error_set(err, PD_ENOTFOUND, "no creator with id %lld", (long long)creator_id);
    sqlite3_stmt *st = sq_stmt(d, ST_HISTORY, err);
    if (!st)
        return err->code;
    sqlite3_bind_int64(st, 1, creator_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((out = each(ctx, sqlite3_column_int64(st, 0), (uint64_t)sqlite3_column_int64(st, 1))) !=
            0)
            break;
    if (out == PD_OK && rc != SQLITE_DONE)
        out = sq_fail(d->db, rc, err, "reading the follower history");
    sq_done(st);
    return out;
}

/* One statement: atomic on its own, no savepoint needed. */
int sq_followers_record(pd_db *pdb, int64_t creator_id, int64_t at, uint64_t followers,
                        pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = sq_stmt(d, ST_HISTORY_ADD, err);
    if (!st)
        return err->code;
    sqlite3_bind_int64(st, 1, creator_id);
    sqlite3_bind_int64(st, 2, at);
    sqlite3_bind_int64(st, 3, (int64_t)followers);
    int r = sqlite3_step(st), rc = PD_OK;
    if (r != SQLITE_DONE)
        rc = sqlite3_extended_errcode(d->db) == SQLITE_CONSTRAINT_FOREIGNKEY
                 ? pd_error_set(err, PD_EINPUT, "no creator with id %lld", (long long)creator_id)
                 : sq_fail(d->db, r, err, "recording followers");
    sq_done(st);
    return rc;
}

/* The post, inside the caller's call_begin. */
static int post_store(sq_db *d, const pd_post_rec *p, pd_error *err)
{
    return sq_post_insert(d, p, err);
}

int sq_post_add(pd_db *pdb, const pd_post_rec *p, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err);
    return rc ? rc : sq_call_end(d, post_store(d, p, err), err);
}

/* The highest post id in [lo, hi] into *last, 0 when there is none: one
 * step down the primary key. */
static int post_last_in(sq_db *d, int64_t lo, int64_t hi, int64_t *last, pd_error *err)
{
    sqlite3_stmt *st = sq_stmt(d, ST_POST_LAST_IN, err);
    if (!st)
        return err->code;
    sqlite3_bind_int64(st, 1, lo);
    sqlite3_bind_int64(st, 2, hi);
    int r = sqlite3_step(st), rc = PD_OK;
    if (r == SQLITE_ROW)
        *last = sqlite3_column_type(st, 0) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 0);
    else
        rc = sq_fail(d->db, r, err, "reading the last post id");
    sq_done(st);
    return rc;
}

int sq_post_publish(pd_db *pdb, pd_post_rec *p, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err); /* the write lock: nobody takes the id before us */
    if (rc)
        return rc;
    int64_t last = 0;
    rc = post_last_in(d, PD_POST_ID_PUBLISHED_MIN, PD_POST_ID_PUBLISHED_MAX, &last, err);
    if (rc == PD_OK && last == PD_POST_ID_PUBLISHED_MAX)
        rc = pd_error_set(err, PD_ECONFLICT, "no post id is left for published posts (up to %lld)",
                          (long long)PD_POST_ID_PUBLISHED_MAX);
    if (rc == PD_OK) {
        p->id = last ? last + 1 : PD_POST_ID_PUBLISHED_MIN;
        rc = post_store(d, p, err);
    }
    return sq_call_end(d, rc, err);
}

int sq_post_get(pd_db *pdb, int64_t id, pd_post_rec *p, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = sq_stmt(d, ST_POST_GET, err);
    if (!st)
        return err->code;
    sqlite3_bind_int64(st, 1, id);
    int out = sq_step_one(d, st, "reading a post", err);
    if (out == PD_OK)
        sq_read_post(st, p);
    else if (out == PD_ENOTFOUND)
        pd_error_set(err, PD_ENOTFOUND, "no post with id %lld", (long long)id);
    sq_done(st);
    return out;
}

int sq_post_set_metrics(pd_db *pdb, int64_t id, uint64_t views, uint64_t likes, uint64_t comments,
                        uint64_t collects, pd_post_rec *before, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err);
    if (rc)
        return rc;
    pd_post_rec old;
    rc = sq_post_get(pdb, id, &old, err);
    if (rc == PD_OK) {
        sqlite3_stmt *st = sq_stmt(d, ST_POST_SET, err);
        if (!st)
            return sq_call_end(d, err->code, err);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (int64_t)views);
        sqlite3_bind_int64(st, 3, (int64_t)likes);
        sqlite3_bind_int64(st, 4, (int64_t)comments);
        sqlite3_bind_int64(st, 5, (int64_t)collects);
        int r = sqlite3_step(st);
        if (r != SQLITE_DONE)
            rc = sq_fail(d->db, r, err, "updating a post");
        sq_done(st);
    }
    rc = sq_call_end(d, rc, err);
    if (rc == PD_OK && before)
        *before = old;
    return rc;
}

/* ---- export ----------------------------------------------------------------------- */

int sq_scan(pd_store *ps, int (*creator)(void *ctx, const pd_creator_rec *c),
            int (*post)(void *ctx, const pd_post_rec *p), void *ctx, pd_error *err)
{
    pd_db *db;
    int rc = sq_acquire(ps, &db, err);
    if (rc)
        return rc;
    sq_db *d = (sq_db *)db;
    /* A read transaction: both tables from the same snapshot. */
    int own;
    rc = sq_read_begin(d, &own, err);
    sqlite3_stmt *st = rc ? NULL : sq_stmt(d, ST_SCAN_CREATORS, err);
    if (st) {
        pd_creator_rec *c = malloc(sizeof *c);
        int r = SQLITE_DONE;
        if (!c)
            rc = pd_error_set(err, PD_ENOMEM, "out of memory");
        while (c && (r = sqlite3_step(st)) == SQLITE_ROW) {
            sq_read_creator(st, c);
            if ((rc = creator(ctx, c)) != 0)
                break;
        }
        if (rc == PD_OK && r != SQLITE_DONE)
            rc = sq_fail(d->db, r, err, "reading creators");
        sq_done(st);
        free(c);
    } else if (!rc) {
        rc = err->code;
    }
    st = rc ? NULL : sq_stmt(d, ST_SCAN_POSTS, err);
    if (st) {
        pd_post_rec p;
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            sq_read_post(st, &p);
            if ((rc = post(ctx, &p)) != 0)
                break;
        }
        if (rc == PD_OK && r != SQLITE_DONE)
            rc = sq_fail(d->db, r, err, "reading posts");
        sq_done(st);
    } else if (!rc) {
        rc = err->code;
    }
    sq_read_end(d, own);
    sq_release(ps, db);
    return rc;
}
