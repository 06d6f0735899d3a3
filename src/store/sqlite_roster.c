/* sqlite_roster.c - what an MCN's roster page reads (store.h, "an MCN's
 * roster") on the SQLite backend: the MCN, its creators with their
 * verdicts, and their posts from a day on.
 *
 * Both lists walk the creators_by_mcn index in id order; the posts of each
 * creator then come from posts_by_creator_time (a range from `from` on),
 * so a roster costs about one index seek per creator, not a scan of the
 * posts. Statements are prepared per call: a roster is read once per
 * request, and the prepare is small next to the walk. */
#include "store/sqlite_int.h"

static const char mcn_sql[] = "SELECT m.id, m.name, m.created_at, "
                              "(SELECT count(*) FROM creators c WHERE c.mcn_id = m.id) "
                              "FROM mcns m WHERE m.id = ?1";
static const char creators_sql[] =
    "SELECT " SQ_HIT_COLS " FROM creators AS c INDEXED BY creators_by_mcn "
    "WHERE c.mcn_id = ?1 ORDER BY c.id";
#define POSTS_SQL(cond)                                                                            \
    "SELECT p.id, p.creator_id, p.published_at, p.published_nsec, p.sponsored, p.views, "          \
    "p.likes, p.comments, p.collects " /* SQ_POST_COLS, of p */                                    \
    "FROM creators AS c INDEXED BY creators_by_mcn "                                               \
    "JOIN posts AS p INDEXED BY posts_by_creator_time ON p.creator_id = c.id "                     \
    "WHERE c.mcn_id = ?1 AND p.published_at >= ?2" cond " "                                        \
    "ORDER BY c.id, p.published_at, p.published_nsec, p.id"
static const char posts_sql[] = POSTS_SQL("");
static const char certified_posts_sql[] = POSTS_SQL(" AND c.certified = 1");

static int prepare(sq_db *d, const char *sql, sqlite3_stmt **st, pd_error *err)
{
    int rc = sqlite3_prepare_v2(d->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? PD_OK : sq_fail(d->db, rc, err, "preparing the roster query");
}

int sq_mcn_get(pd_db *pdb, int64_t id, pd_org_rec *o, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st;
    int rc = prepare(d, mcn_sql, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = sq_step_one(d, st, "reading an MCN", err);
    if (rc == PD_OK) {
        o->id = sqlite3_column_int64(st, 0);
        sq_col_text(st, 1, o->name, sizeof o->name);
        o->created_at = sqlite3_column_int64(st, 2);
        o->members = (uint64_t)sqlite3_column_int64(st, 3);
    } else if (rc == PD_ENOTFOUND) {
        pd_error_set(err, PD_ENOTFOUND, "no MCN with id %lld", (long long)id);
    }
    sqlite3_finalize(st);
    return rc;
}

int sq_mcn_creators(pd_db *pdb, int64_t mcn_id, int (*each)(void *ctx, const pd_creator_hit *h),
                    void *ctx, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st;
    int rc = prepare(d, creators_sql, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, mcn_id);
    pd_creator_hit h;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        sq_read_hit(st, 0, &h);
        if ((rc = each(ctx, &h)) != 0)
            break;
    }
    if (rc == PD_OK && r != SQLITE_DONE)
        rc = sq_fail(d->db, r, err, "reading an MCN's creators");
    sqlite3_finalize(st);
    return rc;
}

int sq_mcn_posts_since(pd_db *pdb, int64_t mcn_id, int64_t from, int certified_only,
                       int (*each)(void *ctx, const pd_post_rec *p), void *ctx, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st;
    int rc = prepare(d, certified_only ? certified_posts_sql : posts_sql, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, mcn_id);
    sqlite3_bind_int64(st, 2, from);
    pd_post_rec p;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        sq_read_post(st, &p);
        if ((rc = each(ctx, &p)) != 0)
            break;
    }
    if (rc == PD_OK && r != SQLITE_DONE)
        rc = sq_fail(d->db, r, err, "reading an MCN's posts");
    sqlite3_finalize(st);
    return rc;
}
