/* sqlite_posts.c - the SQLite side of a creator's posts list
 * (pd_db_creator_posts, store.h): newest first, keyset-paged.
 *
 * The order is (published_at, published_nsec, id) descending, the page
 * boundary a row value comparison on the same three columns, so that a page
 * costs an index seek on posts_by_creator_time and a walk of `limit` rows
 * whatever the page's depth (no OFFSET). Statements are prepared per call:
 * the list is read once per request, and the prepare is small next to the
 * walk. Memory: nothing outlives the call; each post is handed to the
 * callback in a local record. */
#include <string.h>

#include "store/sqlite_int.h"

#define POSTS_COLS SQ_POST_COLS

static const char first_page_sql[] =
    "SELECT " POSTS_COLS " FROM posts WHERE creator_id = ?1 "
    "ORDER BY published_at DESC, published_nsec DESC, id DESC LIMIT ?2";
static const char next_page_sql[] =
    "SELECT " POSTS_COLS " FROM posts WHERE creator_id = ?1 "
    "AND (published_at, published_nsec, id) < (?3, ?4, ?5) "
    "ORDER BY published_at DESC, published_nsec DESC, id DESC LIMIT ?2";

void sq_read_post(sqlite3_stmt *st, pd_post_rec *p)
{
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    p->creator_id = sqlite3_column_int64(st, 1);
    p->published_at.sec = sqlite3_column_int64(st, 2);
    p->published_at.nsec = sqlite3_column_int(st, 3);
    p->sponsored = sqlite3_column_int(st, 4);
    p->views = (uint64_t)sqlite3_column_int64(st, 5);
    p->likes = (uint64_t)sqlite3_column_int64(st, 6);
    p->comments = (uint64_t)sqlite3_column_int64(st, 7);
    p->collects = (uint64_t)sqlite3_column_int64(st, 8);
}

static int prepare(sq_db *d, const char *sql, sqlite3_stmt **st, pd_error *err)
{
    int r = sqlite3_prepare_v2(d->db, sql, -1, st, NULL);
    return r == SQLITE_OK ? PD_OK : sq_fail(d->db, r, err, "preparing the posts query");
}

static int creator_exists(sq_db *d, int64_t id, int *yes, pd_error *err)
{
    sqlite3_stmt *st;
    int rc = prepare(d, "SELECT 1 FROM creators WHERE id = ?1", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    *yes = r == SQLITE_ROW;
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = sq_fail(d->db, r, err, "reading a creator");
    sqlite3_finalize(st);
    return rc;
}

int sq_creator_posts(pd_db *pdb, int64_t creator_id, const pd_post_rec *after, unsigned limit,
                     int (*each)(void *ctx, const pd_post_rec *p), void *ctx, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int yes = 0;
    int rc = creator_exists(d, creator_id, &yes, err);
    if (rc)
        return rc;
    if (!yes)
        return pd_error_set(err, PD_ENOTFOUND, "no creator with id %lld", (long long)creator_id);
    sqlite3_stmt *st;
    if ((rc = prepare(d, after ? next_page_sql : first_page_sql, &st, err)))
        return rc;
    sqlite3_bind_int64(st, 1, creator_id);
    sqlite3_bind_int64(st, 2, (int64_t)limit);
    if (after) {
        sqlite3_bind_int64(st, 3, after->published_at.sec);
        sqlite3_bind_int64(st, 4, after->published_at.nsec);
        sqlite3_bind_int64(st, 5, after->id);
    }
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        pd_post_rec p;
        sq_read_post(st, &p);
        if ((rc = each(ctx, &p)) != 0)
            break;
    }
    if (rc == PD_OK && r != SQLITE_DONE)
        rc = sq_fail(d->db, r, err, "reading posts");
    sqlite3_finalize(st);
    return rc;
}
