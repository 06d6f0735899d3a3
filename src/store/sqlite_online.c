/* sqlite_online.c - the SQLite side of online certification: policies,
 * activations, the online state, and each creator's certification row
 * (backend.h's "online certification" operations). The steps of the days
 * are sqlite_step.c's.
 *
 * The aggregates and verdict of each creator are columns of creators (see
 * migration 2); online_state is one row. This file stores and reads them
 * and decides nothing: which aggregates a row holds and what its verdict
 * is come from the use cases (app/online.h), by the rules of
 * core/verdict.h.
 *
 * Each connection keeps its prepared statements and the policy in force
 * (policies never change once stored, so it is cached by id) in a struct
 * sq_online, freed with the connection. */
#include <stdlib.h>
#include <string.h>

#include "core/online.h"
#include "store/sqlite_int.h"

#define ROW_COLS                                                                                   \
    "id, followers, win_posts, win_sponsored, win_views, win_engagements, avg_views, "             \
    "engagement_bp, certified, failed_rules, status_since"
#define POLICY_COLS "id, name, version, body, created_by, created_at"
#define ACT_COLS "id, policy_id, from_day, activated_by, created_at, applied_at"
#define HIST_COLS "id, creator_id, at, certified, policy_id, failed_rules, explanation, cause"
/* The page cache of a step (KiB, a pragma's text): 512 MiB at most, taken
 * only as pages are read. */
#define STEP_CACHE_KIB "524288"

static const char *const os_sql[OS_COUNT] = {
    [OS_STATE] = "SELECT policy_id, window_days, today, stale FROM online_state WHERE id = 1",
    [OS_STATE_SET] = "UPDATE online_state SET policy_id = ?1, window_days = ?2, today = ?3, "
                     "stale = 0 WHERE id = 1",
    [OS_STATE_STALE] = "UPDATE online_state SET stale = 1 WHERE id = 1",
    [OS_CERTIFIED] = "SELECT count(*) FROM creators WHERE certified = 1",
    [OS_POLICY_NEXT] = "SELECT coalesce(max(version), 0) + 1 FROM policies WHERE name = ?1",
    [OS_POLICY_ADD] = "INSERT INTO policies (name, version, body, created_by, created_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)",
    [OS_POLICY_GET] = "SELECT " POLICY_COLS " FROM policies WHERE id = ?1",
    [OS_POLICY_LIST] = "SELECT " POLICY_COLS " FROM policies ORDER BY name, version",
    [OS_POLICY_EXISTS] = "SELECT 1 FROM policies WHERE id = ?1",
    [OS_ACT_DROP] = "DELETE FROM policy_activations WHERE from_day = ?1 AND applied_at IS NULL",
    [OS_ACT_ADD] = "INSERT INTO policy_activations (policy_id, from_day, activated_by, "
                   "created_at) VALUES (?1, ?2, ?3, ?4)",
    [OS_ACT_GET] = "SELECT " ACT_COLS " FROM policy_activations WHERE id = ?1",
    [OS_ACT_LIST] = "SELECT " ACT_COLS " FROM policy_activations ORDER BY id DESC",
    [OS_ACT_DUE] = "SELECT " ACT_COLS " FROM policy_activations "
                   "WHERE applied_at IS NULL AND from_day <= ?1 "
                   "ORDER BY from_day DESC, id DESC LIMIT 1",
    [OS_ACT_APPLY] = "UPDATE policy_activations SET applied_at = ?2 "
                     "WHERE applied_at IS NULL AND from_day <= ?1",
    [OS_ROW_GET] = "SELECT " ROW_COLS " FROM creators WHERE id = ?1",
    [OS_ROW_SET] = "UPDATE creators SET win_posts = ?2, win_sponsored = ?3, win_views = ?4, "
                   "win_engagements = ?5, avg_views = ?6, engagement_bp = ?7, certified = ?8, "
                   "failed_rules = ?9, status_since = ?10 WHERE id = ?1",
    /* The same without the indexed columns (avg_views, engagement_bp,
     * certified): for a row whose change leaves them as they were, so that
     * no index of creators is rewritten. Numbered as OS_ROW_SET's. */
    [OS_ROW_SET_WIN] = "UPDATE creators SET win_posts = ?2, win_sponsored = ?3, win_views = ?4, "
                       "win_engagements = ?5, failed_rules = ?9, status_since = ?10 WHERE id = ?1",
    [OS_ROWS_ALL] = "SELECT " ROW_COLS " FROM creators ORDER BY id",
    [OS_CREATORS_COUNT] = "SELECT count(*) FROM creators",
    [OS_POSTS_IN_RANGE] =
        "SELECT count(*) FROM posts WHERE published_at >= ?1 AND published_at < ?2",
    /* The indexes of creators that a step's writes would rewrite: those on
     * a column it sets (or on an expression), and the partial ones (their
     * condition is on certified). Whatever the migrations define. */
    [OS_AGG_INDEXES] =
        "SELECT s.name, s.sql FROM sqlite_schema AS s WHERE s.type = 'index' "
        "AND s.tbl_name = 'creators' AND s.sql IS NOT NULL AND ("
        "EXISTS (SELECT 1 FROM pragma_index_list('creators') AS l "
        "WHERE l.name = s.name AND l.partial) OR "
        "EXISTS (SELECT 1 FROM pragma_index_xinfo(s.name) AS x WHERE x.cid = -2 OR x.name IN "
        "('win_posts', 'win_sponsored', 'win_views', 'win_engagements', 'avg_views', "
        "'engagement_bp', 'certified', 'failed_rules', 'status_since'))) ORDER BY s.name",
    /* For the duration of a step: a page cache that holds creators and
     * their indexes at a million creators (and keeps the sorts of CREATE
     * INDEX and GROUP BY in memory); then back to the connection's setting
     * (sqlite.c opens with cache_size -2000). */
    [OS_CACHE_BIG] = "PRAGMA cache_size = -" STEP_CACHE_KIB,
    [OS_CACHE_RESTORE] = "PRAGMA cache_size = -2000",
    /* Per creator, the posts of a window [?1, ?2) (core/window.h), in
     * creator order for the merge. The unary + keeps the upper bound off
     * posts_by_time: with both bounds the planner takes that index and
     * sorts 30M rows (107 s instead of 17 at a million creators); the
     * window is most of the posts, read in order from posts_by_creator_time. */
    [OS_AGG_WINDOW] = "SELECT creator_id, count(*), sum(sponsored), sum(views), "
                      "sum(likes + comments + collects) FROM posts "
                      "WHERE published_at >= ?1 AND +published_at < ?2 "
                      "GROUP BY creator_id ORDER BY creator_id",
    /* Per creator, what a day step moves: the posts of [?1, ?2) that leave
     * the window (posts, sponsored, views, engagements) and those of
     * [?3, ?4) that enter it, published before the new evaluation instant
     * but not before the old one (the same four). */
    [OS_AGG_SHIFT] = "SELECT creator_id, sum(o), sum(o * sponsored), sum(o * views), sum(o * eng), "
                     "sum(1 - o), sum((1 - o) * sponsored), sum((1 - o) * views), "
                     "sum((1 - o) * eng) FROM ("
                     "SELECT creator_id, 1 AS o, sponsored, views, "
                     "likes + comments + collects AS eng FROM posts "
                     "WHERE published_at >= ?1 AND published_at < ?2 UNION ALL "
                     "SELECT creator_id, 0, sponsored, views, likes + comments + collects "
                     "FROM posts WHERE published_at >= ?3 AND published_at < ?4"
                     ") GROUP BY creator_id",
    [OS_HIST_ADD] = "INSERT INTO status_history (creator_id, at, certified, policy_id, "
                    "failed_rules, explanation, cause) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [OS_HIST_LIST] = "SELECT " HIST_COLS " FROM status_history WHERE creator_id = ?1 "
                     "AND (?2 <= 0 OR id < ?2) ORDER BY id DESC LIMIT ?3",
    [OS_CREATOR_EXISTS] = "SELECT 1 FROM creators WHERE id = ?1",
    /* One creator's posts of a window [?2, ?3), from posts_by_creator_time. */
    [OS_CREATOR_SUMS] = "SELECT count(*), coalesce(sum(sponsored), 0), coalesce(sum(views), 0), "
                        "coalesce(sum(likes + comments + collects), 0) FROM posts "
                        "WHERE creator_id = ?1 AND published_at >= ?2 AND published_at < ?3",
};

struct sq_online {
    sqlite3_stmt *st[OS_COUNT];
    int64_t policy_id; /* the cached policy; 0: none cached */
    pd_policy_rec policy;
};

void sq_online_free(sq_db *d)
{
    if (!d->online)
        return;
    for (int i = 0; i < OS_COUNT; i++)
        sqlite3_finalize(d->online->st[i]);
    free(d->online);
    d->online = NULL;
}

/* The cached statement, prepared on first use. */
sqlite3_stmt *sq_ostmt(sq_db *d, enum sq_ost id, pd_error *err)
{
    if (!d->online) {
        if (!(d->online = calloc(1, sizeof *d->online))) {
            pd_error_set(err, PD_ENOMEM, "out of memory");
            return NULL;
        }
        sq_on_close(d, sq_online_free);
    }
    return sq_prepare_cached(d, &d->online->st[id], os_sql[id], err);
}

/* ---- policies ------------------------------------------------------------------------- */

static int read_policy(sqlite3_stmt *st, pd_policy_rec *r, pd_error *err)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->version = (uint32_t)sqlite3_column_int64(st, 2);
    const char *body = (const char *)sqlite3_column_text(st, 3);
    int n = sqlite3_column_bytes(st, 3);
    r->created_by = sqlite3_column_int64(st, 4);
    r->created_at = sqlite3_column_int64(st, 5);
    if (!body || pd_policy_parse_json(body, (size_t)n, &r->policy, err) != PD_OK)
        return pd_error_set(err, PD_EINTERNAL, "policy %lld: its stored body does not parse",
                            (long long)r->id);
    return PD_OK;
}

int sq_policy_add(pd_db *pdb, pd_policy_rec *r, const char *body, int64_t at, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err);
    if (rc)
        return rc;
    uint32_t version = 0;
    sqlite3_stmt *st = sq_ostmt(d, OS_POLICY_NEXT, err);
    if (!st)
        return sq_call_end(d, err->code, err);
    sq_bind_text(st, 1, r->policy.name);
    rc = sq_step_one(d, st, "reading policies", err);
    if (rc == PD_OK)
        version = (uint32_t)sqlite3_column_int64(st, 0);
    sq_done(st);
    if (rc == PD_OK && !(st = sq_ostmt(d, OS_POLICY_ADD, err)))
        rc = err->code;
    if (rc == PD_OK) {
        sq_bind_text(st, 1, r->policy.name);
        sqlite3_bind_int64(st, 2, version);
        sq_bind_text(st, 3, body);
        sq_bind_link(st, 4, r->created_by);
        sqlite3_bind_int64(st, 5, at);
        int s = sqlite3_step(st);
        if (s == SQLITE_DONE) {
            r->id = sqlite3_last_insert_rowid(d->db);
            r->version = version;
        } else if (sqlite3_extended_errcode(d->db) == SQLITE_CONSTRAINT_FOREIGNKEY) {
            rc = pd_error_set(err, PD_EINPUT, "no user with id %lld", (long long)r->created_by);
        } else {
            rc = sq_fail(d->db, s, err, "storing a policy");
        }
        sq_done(st);
    }
    return sq_call_end(d, rc, err);
}

int sq_policy_get(pd_db *pdb, int64_t id, pd_policy_rec *r, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    if (d->online && d->online->policy_id == id && id) {
        *r = d->online->policy;
        return PD_OK;
    }
    OSTMT(st, d, OS_POLICY_GET, err);
    sqlite3_bind_int64(st, 1, id);
    int rc = sq_step_one(d, st, "reading a policy", err);
    if (rc == PD_OK)
        rc = read_policy(st, r, err);
    else if (rc == PD_ENOTFOUND)
        pd_error_set(err, PD_ENOTFOUND, "no policy with id %lld", (long long)id);
    sq_done(st);
    if (rc == PD_OK) {
        d->online->policy_id = id;
        d->online->policy = *r;
    }
    return rc;
}

int sq_policy_list(pd_db *pdb, int (*each)(void *ctx, const pd_policy_rec *r), void *ctx,
                   pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    OSTMT(st, d, OS_POLICY_LIST, err);
    pd_policy_rec r;
    int s, rc = PD_OK;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = read_policy(st, &r, err)) != PD_OK || (rc = each(ctx, &r)) != 0)
            break;
    }
    if (rc == PD_OK && s != SQLITE_DONE)
        rc = sq_fail(d->db, s, err, "listing policies");
    sq_done(st);
    return rc;
}

static void read_activation(sqlite3_stmt *st, pd_activation_rec *a)
{
    a->id = sqlite3_column_int64(st, 0);
    a->policy_id = sqlite3_column_int64(st, 1);
    a->from_day = sqlite3_column_int64(st, 2);
    a->activated_by = sqlite3_column_int64(st, 3);
    a->created_at = sqlite3_column_int64(st, 4);
    a->applied_at = sqlite3_column_int64(st, 5);
}

int sq_policy_activate(pd_db *pdb, int64_t policy_id, int64_t from_day, int64_t by_user, int64_t at,
                       pd_activation_rec *out, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_ostmt(d, OS_POLICY_EXISTS, err);
    if (!st)
        return sq_call_end(d, err->code, err);
    sqlite3_bind_int64(st, 1, policy_id);
    rc = sq_step_one(d, st, "reading policies", err);
    sq_done(st);
    if (rc == PD_ENOTFOUND)
        rc = pd_error_set(err, PD_ENOTFOUND, "no policy with id %lld", (long long)policy_id);
    /* A later decision for the same day replaces one not yet in effect. */
    if (rc == PD_OK && (st = sq_ostmt(d, OS_ACT_DROP, err)) == NULL)
        rc = err->code;
    if (rc == PD_OK) {
        sqlite3_bind_int64(st, 1, from_day);
        rc = sq_step_done(d, st, "replacing an activation", err);
    }
    if (rc == PD_OK && (st = sq_ostmt(d, OS_ACT_ADD, err)) == NULL)
        rc = err->code;
    if (rc == PD_OK) {
        sqlite3_bind_int64(st, 1, policy_id);
        sqlite3_bind_int64(st, 2, from_day);
        sq_bind_link(st, 3, by_user);
        sqlite3_bind_int64(st, 4, at);
        int s = sqlite3_step(st);
        if (s != SQLITE_DONE)
            rc = sqlite3_extended_errcode(d->db) == SQLITE_CONSTRAINT_FOREIGNKEY
                     ? pd_error_set(err, PD_EINPUT, "no user with id %lld", (long long)by_user)
                     : sq_fail(d->db, s, err, "storing an activation");
        sq_done(st);
    }
    if (rc == PD_OK) {
        memset(out, 0, sizeof *out);
        out->id = sqlite3_last_insert_rowid(d->db);
        out->policy_id = policy_id;
        out->from_day = from_day;
        out->activated_by = by_user;
        out->created_at = at;
    }
    return sq_call_end(d, rc, err);
}

int sq_activation_list(pd_db *pdb, int (*each)(void *ctx, const pd_activation_rec *a), void *ctx,
                       pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    OSTMT(st, d, OS_ACT_LIST, err);
    pd_activation_rec a;
    int s, rc = PD_OK;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        read_activation(st, &a);
        if ((rc = each(ctx, &a)) != 0)
            break;
    }
    if (rc == PD_OK && s != SQLITE_DONE)
        rc = sq_fail(d->db, s, err, "listing activations");
    sq_done(st);
    return rc;
}

int sq_activation_due(pd_db *pdb, int64_t day, pd_activation_rec *a, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    OSTMT(st, d, OS_ACT_DUE, err);
    sqlite3_bind_int64(st, 1, day);
    int rc = sq_step_one(d, st, "reading activations", err);
    if (rc == PD_OK)
        read_activation(st, a);
    sq_done(st);
    return rc;
}

/* ---- the state ---------------------------------------------------------------------------- */

int sq_online_state(pd_db *pdb, pd_online_state *out, int count, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    memset(out, 0, sizeof *out);
    OSTMT(st, d, OS_STATE, err);
    int rc = sq_step_one(d, st, "reading the online state", err);
    if (rc == PD_OK) {
        out->policy_id = sqlite3_column_int64(st, 0);
        out->window_days = (uint32_t)sqlite3_column_int64(st, 1);
        out->today = sqlite3_column_int64(st, 2);
        out->stale = sqlite3_column_int(st, 3);
    } else if (rc == PD_ENOTFOUND) {
        rc = pd_error_set(err, PD_EINTERNAL, "the online state row is missing");
    }
    sq_done(st);
    if (rc == PD_OK && out->policy_id) {
        pd_policy_rec r;
        if ((rc = sq_policy_get(pdb, out->policy_id, &r, err)) == PD_OK) {
            out->policy = r.policy;
            out->version = r.version;
        }
    }
    if (rc == PD_OK && out->window_days == 0)
        out->stale = 1; /* nothing recorded: nothing to trust */
    if (rc != PD_OK || !count)
        return rc;
    OSTMT(cs, d, OS_CERTIFIED, err);
    rc = sq_step_one(d, cs, "counting certified creators", err);
    if (rc == PD_OK)
        out->certified = (uint64_t)sqlite3_column_int64(cs, 0);
    sq_done(cs);
    return rc;
}

int sq_online_mark_stale(pd_db *pdb, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    OSTMT(st, d, OS_STATE_STALE, err);
    return sq_step_done(d, st, "marking the aggregates stale", err);
}

/* ---- rows ------------------------------------------------------------------------------------ */

void sq_read_cert_aggs(sqlite3_stmt *st, int col, pd_cert_row *r)
{
    r->win.posts = (uint32_t)sqlite3_column_int64(st, col);
    r->win.sponsored = (uint32_t)sqlite3_column_int64(st, col + 1);
    r->win.views = (uint64_t)sqlite3_column_int64(st, col + 2);
    r->engagements = (uint64_t)sqlite3_column_int64(st, col + 3);
    r->avg_views = (uint64_t)sqlite3_column_int64(st, col + 4);
    r->engagement_bp = (uint32_t)sqlite3_column_int64(st, col + 5);
    r->certified = sqlite3_column_int(st, col + 6);
    r->failed = (uint32_t)sqlite3_column_int64(st, col + 7);
    r->since = sqlite3_column_int64(st, col + 8);
}

void sq_read_cert_row(sqlite3_stmt *st, pd_cert_row *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->followers = (uint64_t)sqlite3_column_int64(st, 1);
    sq_read_cert_aggs(st, 2, r);
}

int sq_cert_row_get(pd_db *pdb, int64_t id, pd_cert_row *r, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    OSTMT(st, d, OS_ROW_GET, err);
    sqlite3_bind_int64(st, 1, id);
    int rc = sq_step_one(d, st, "reading a creator", err);
    if (rc == PD_OK)
        sq_read_cert_row(st, r);
    else if (rc == PD_ENOTFOUND)
        pd_error_set(err, PD_ENOTFOUND, "no creator with id %lld", (long long)id);
    sq_done(st);
    return rc;
}

int sq_cert_sums(pd_db *pdb, int64_t creator_id, pd_window w, pd_cert_sums *s, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    OSTMT(st, d, OS_CREATOR_SUMS, err);
    sqlite3_bind_int64(st, 1, creator_id);
    sqlite3_bind_int64(st, 2, w.from.sec);
    sqlite3_bind_int64(st, 3, w.to.sec);
    int rc = sq_step_one(d, st, "summing a creator's posts", err);
    memset(s, 0, sizeof *s);
    if (rc == PD_OK) {
        s->win.posts = (uint32_t)sqlite3_column_int64(st, 0);
        s->win.sponsored = (uint32_t)sqlite3_column_int64(st, 1);
        s->win.views = (uint64_t)sqlite3_column_int64(st, 2);
        s->engagements = (uint64_t)sqlite3_column_int64(st, 3);
    }
    sq_done(st);
    return rc;
}

int sq_store_cert_row(sq_db *d, const pd_cert_row *was, const pd_cert_row *r,
                      const pd_cert_note *note, pd_error *err)
{
    /* A row whose indexed columns stay as they were is written without
     * them, so that no index of creators is rewritten. */
    int indexed_same = was->avg_views == r->avg_views && was->engagement_bp == r->engagement_bp &&
                       was->certified == r->certified;
    OSTMT(st, d, indexed_same ? OS_ROW_SET_WIN : OS_ROW_SET, err);
    sqlite3_bind_int64(st, 1, r->id);
    sqlite3_bind_int64(st, 2, r->win.posts);
    sqlite3_bind_int64(st, 3, r->win.sponsored);
    sqlite3_bind_int64(st, 4, (int64_t)r->win.views);
    sqlite3_bind_int64(st, 5, (int64_t)r->engagements);
    sqlite3_bind_int64(st, 6, (int64_t)r->avg_views);
    sqlite3_bind_int64(st, 7, r->engagement_bp);
    sqlite3_bind_int(st, 8, r->certified);
    sqlite3_bind_int64(st, 9, r->failed);
    sqlite3_bind_int64(st, 10, r->since);
    int rc = sq_step_done(d, st, "storing a creator's verdict", err);
    if (rc != PD_OK || !note)
        return rc;
    OSTMT(h, d, OS_HIST_ADD, err);
    sqlite3_bind_int64(h, 1, r->id);
    sqlite3_bind_int64(h, 2, note->at);
    sqlite3_bind_int(h, 3, r->certified);
    sq_bind_link(h, 4, note->policy_id);
    sqlite3_bind_int64(h, 5, r->failed);
    sq_bind_text(h, 6, note->explanation ? note->explanation : "");
    sq_bind_text(h, 7, note->cause);
    return sq_step_done(d, h, "recording a change of verdict", err);
}

int sq_cert_row_put(pd_db *pdb, const pd_cert_row *was, const pd_cert_row *now,
                    const pd_cert_note *note, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err);
    return rc ? rc : sq_call_end(d, sq_store_cert_row(d, was, now, note, err), err);
}

/* ---- reading verdicts --------------------------------------------------------------------- */

void sq_status_from_row(const pd_cert_row *r, int64_t policy_id, pd_creator_status *c)
{
    memset(c, 0, sizeof *c);
    c->creator_id = r->id;
    c->policy_id = policy_id;
    c->certified = r->certified;
    c->failed = r->failed;
    c->followers = r->followers;
    c->win = r->win;
    c->engagements = r->engagements;
    c->avg_views = r->avg_views;
    c->engagement_bp = r->engagement_bp;
    c->since = r->since;
}

int sq_creator_status(pd_db *pdb, int64_t creator_id, pd_creator_status *c, pd_error *err)
{
    pd_online_state s;
    pd_cert_row r;
    int rc = sq_online_state(pdb, &s, 0, err);
    if (rc == PD_OK)
        rc = sq_cert_row_get(pdb, creator_id, &r, err);
    if (rc == PD_OK)
        sq_status_from_row(&r, s.policy_id, c);
    return rc;
}

int sq_status_history(pd_db *pdb, int64_t creator_id, int64_t before_id, unsigned limit,
                      int (*each)(void *ctx, const pd_status_change *c), void *ctx, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    OSTMT(ex, d, OS_CREATOR_EXISTS, err);
    sqlite3_bind_int64(ex, 1, creator_id);
    int rc = sq_step_one(d, ex, "reading creators", err);
    sq_done(ex);
    if (rc == PD_ENOTFOUND)
        return pd_error_set(err, PD_ENOTFOUND, "no creator with id %lld", (long long)creator_id);
    if (rc)
        return rc;
    OSTMT(st, d, OS_HIST_LIST, err);
    sqlite3_bind_int64(st, 1, creator_id);
    sqlite3_bind_int64(st, 2, before_id);
    sqlite3_bind_int64(st, 3, limit ? (int64_t)limit : -1);
    pd_status_change c;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&c, 0, sizeof c);
        c.id = sqlite3_column_int64(st, 0);
        c.creator_id = sqlite3_column_int64(st, 1);
        c.at = sqlite3_column_int64(st, 2);
        c.certified = sqlite3_column_int(st, 3);
        c.policy_id = sqlite3_column_int64(st, 4);
        c.failed = (uint32_t)sqlite3_column_int64(st, 5);
        sq_col_text(st, 6, c.explanation, sizeof c.explanation);
        sq_col_text(st, 7, c.cause, sizeof c.cause);
        if ((rc = each(ctx, &c)) != 0)
            break;
    }
    if (rc == PD_OK && s != SQLITE_DONE)
        rc = sq_fail(d->db, s, err, "reading the status history");
    sq_done(st);
    return rc;
}

struct verdict_scan {
    pd_online_state *out;
    int (*each)(void *ctx, const pd_creator_status *c);
    void *ctx;
};

static int verdict_scan_in(sq_db *d, void *arg, pd_error *err)
{
    struct verdict_scan *v = arg;
    int rc = sq_online_state(&d->base, v->out, 1, err);
    if (rc || v->out->stale || !v->out->today)
        return rc;
    OSTMT(st, d, OS_ROWS_ALL, err);
    pd_cert_row w;
    pd_creator_status c;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        sq_read_cert_row(st, &w);
        sq_status_from_row(&w, v->out->policy_id, &c);
        if ((rc = v->each(v->ctx, &c)) != 0)
            break;
    }
    if (rc == PD_OK && r != SQLITE_DONE)
        rc = sq_fail(d->db, r, err, "reading creators");
    sq_done(st);
    return rc;
}

int sq_verdict_scan(pd_store *ps, pd_online_state *out,
                    int (*each)(void *ctx, const pd_creator_status *c), void *ctx, pd_error *err)
{
    /* A read transaction: the state and every row from one snapshot. */
    struct verdict_scan v = {out, each, ctx};
    return sq_in_read(ps, verdict_scan_in, &v, err);
}
