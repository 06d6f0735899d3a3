/* sqlite_online.c - the SQLite side of online certification (backend.h's
 * "online certification" operations, and the hooks sqlite.c calls when a
 * creator or a post changes).
 *
 * The aggregates and verdict of each creator are columns of creators (see
 * migration 2); online_state is one row. A change of one creator or post
 * reads that creator's row, adjusts it by a delta, lets certification.c
 * judge it and writes it back with its change of verdict (status_history),
 * all in the caller's transaction. While the state is stale (after a bulk
 * import) the hooks do nothing: the next pd_store_online_advance rebuilds
 * everything. A delta that does not fit what the row holds (which means
 * the row is out of step with the posts) marks the state stale instead of
 * failing the caller's write.
 *
 * Steps of pd_store_online_advance: a day's sweep sums the posts of the
 * day that left the window per creator (posts_by_time) and takes them out
 * of those creators only; a recompute sums the window's posts per creator
 * and merges them, in id order, with every creator. A step runs with a big
 * page cache; one that writes many rows drops the indexes of creators its
 * writes would rewrite and builds them again before it commits (see
 * sq_online_step).
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
/* The page cache of a step of pd_store_online_advance (KiB, a pragma's
 * text): 512 MiB at most, taken only as pages are read. */
#define STEP_CACHE_KIB "524288"
/* A step that writes more rows than creators / INDEX_REBUILD_DIVISOR drops
 * the indexes of creators it would rewrite and builds them again after its
 * writes: sorting once instead of as many random updates of each index.
 * Measured at a million creators (bench/online.sh large): a recompute
 * (every row written) is about twice as fast so; a day's sweep touching
 * ~40% of the creators costs about the same either way, so the line is
 * drawn at a quarter. */
#define INDEX_REBUILD_DIVISOR 4
#define HIST_COLS "id, creator_id, at, certified, policy_id, failed_rules, explanation, cause"

enum ost {
    OS_STATE,
    OS_STATE_SET,
    OS_STATE_STALE,
    OS_CERTIFIED,
    OS_POLICY_NEXT,
    OS_POLICY_ADD,
    OS_POLICY_GET,
    OS_POLICY_LIST,
    OS_POLICY_EXISTS,
    OS_ACT_DROP,
    OS_ACT_ADD,
    OS_ACT_GET,
    OS_ACT_LIST,
    OS_ACT_DUE,
    OS_ACT_APPLY,
    OS_ROW_GET,
    OS_ROW_SET,
    OS_ROW_SET_WIN,
    OS_ROWS_ALL,
    OS_CREATORS_COUNT,
    OS_POSTS_IN_RANGE,
    OS_AGG_INDEXES,
    OS_CACHE_BIG,
    OS_CACHE_RESTORE,
    OS_AGG_WINDOW,
    OS_AGG_SHIFT,
    OS_HIST_ADD,
    OS_HIST_LIST,
    OS_CREATOR_EXISTS,
    OS_COUNT
};

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
};

struct sq_online {
    sqlite3_stmt *st[OS_COUNT];
    int64_t policy_id; /* the cached policy; 0: none cached */
    pd_policy_rec policy;
};

/* A creator's row as stored: the judged part and when its verdict last
 * changed. */
struct row {
    pd_cert_row r;
    int64_t since;
};

/* The state as the hooks and steps need it. */
struct state {
    int64_t policy_id;
    const pd_policy *policy; /* NULL: none in force */
    uint32_t window;
    int64_t today;
    int stale;
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
static sqlite3_stmt *ostmt(sq_db *d, enum ost id, pd_error *err)
{
    if (!d->online && !(d->online = calloc(1, sizeof *d->online))) {
        pd_error_set(err, PD_ENOMEM, "out of memory");
        return NULL;
    }
    sqlite3_stmt **slot = &d->online->st[id];
    if (!*slot) {
        int rc = sqlite3_prepare_v3(d->db, os_sql[id], -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
        if (rc != SQLITE_OK) {
            sq_fail(d->db, rc, err, "preparing a statement");
            *slot = NULL;
        }
    }
    return *slot;
}

#define OSTMT(var, d, id, err)                                                                     \
    sqlite3_stmt *var = ostmt((d), (id), (err));                                                   \
    if (!var)                                                                                      \
    return (err)->code

/* Runs a statement that returns no row. */
static int ostep(sq_db *d, sqlite3_stmt *st, const char *what, pd_error *err)
{
    int r = sqlite3_step(st);
    int rc = r == SQLITE_DONE || r == SQLITE_ROW ? PD_OK : sq_fail(d->db, r, err, what);
    sq_done(st);
    return rc;
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
    sqlite3_stmt *st = ostmt(d, OS_POLICY_NEXT, err);
    if (!st)
        return sq_call_end(d, err->code, err);
    sq_bind_text(st, 1, r->policy.name);
    rc = sq_step_one(d, st, "reading policies", err);
    if (rc == PD_OK)
        version = (uint32_t)sqlite3_column_int64(st, 0);
    sq_done(st);
    if (rc == PD_OK && !(st = ostmt(d, OS_POLICY_ADD, err)))
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

int sq_policy_activate(pd_db *pdb, int64_t policy_id, int64_t from_day, int64_t by_user,
                       int64_t at, pd_activation_rec *out, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = ostmt(d, OS_POLICY_EXISTS, err);
    if (!st)
        return sq_call_end(d, err->code, err);
    sqlite3_bind_int64(st, 1, policy_id);
    rc = sq_step_one(d, st, "reading policies", err);
    sq_done(st);
    if (rc == PD_ENOTFOUND)
        rc = pd_error_set(err, PD_ENOTFOUND, "no policy with id %lld", (long long)policy_id);
    /* A later decision for the same day replaces one not yet in effect. */
    if (rc == PD_OK && (st = ostmt(d, OS_ACT_DROP, err)) == NULL)
        rc = err->code;
    if (rc == PD_OK) {
        sqlite3_bind_int64(st, 1, from_day);
        rc = ostep(d, st, "replacing an activation", err);
    }
    if (rc == PD_OK && (st = ostmt(d, OS_ACT_ADD, err)) == NULL)
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

static int load_state(sq_db *d, struct state *s, pd_error *err)
{
    memset(s, 0, sizeof *s);
    OSTMT(st, d, OS_STATE, err);
    int rc = sq_step_one(d, st, "reading the online state", err);
    if (rc == PD_OK) {
        s->policy_id = sqlite3_column_int64(st, 0);
        s->window = (uint32_t)sqlite3_column_int64(st, 1);
        s->today = sqlite3_column_int64(st, 2);
        s->stale = sqlite3_column_int(st, 3);
    } else if (rc == PD_ENOTFOUND) {
        rc = pd_error_set(err, PD_EINTERNAL, "the online state row is missing");
    }
    sq_done(st);
    s->policy = NULL;
    if (rc == PD_OK && s->policy_id) {
        pd_policy_rec r;
        if ((rc = sq_policy_get(&d->base, s->policy_id, &r, err)) == PD_OK)
            s->policy = &d->online->policy.policy;
    }
    if (rc == PD_OK && s->window == 0)
        s->stale = 1; /* nothing recorded: nothing to trust */
    return rc;
}

int sq_online_state(pd_db *pdb, pd_online_state *out, uint32_t *window_days, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    struct state s;
    int rc = load_state(d, &s, err);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    out->policy_id = s.policy_id;
    if (s.policy_id) {
        out->policy = d->online->policy.policy;
        out->version = d->online->policy.version;
    }
    out->today = s.today;
    out->stale = s.stale;
    *window_days = s.window;
    OSTMT(st, d, OS_CERTIFIED, err);
    rc = sq_step_one(d, st, "counting certified creators", err);
    if (rc == PD_OK)
        out->certified = (uint64_t)sqlite3_column_int64(st, 0);
    sq_done(st);
    return rc;
}

static int mark_stale(sq_db *d, pd_error *err)
{
    OSTMT(st, d, OS_STATE_STALE, err);
    return ostep(d, st, "marking the aggregates stale", err);
}

/* ---- rows ------------------------------------------------------------------------------------ */

static void read_row(sqlite3_stmt *st, struct row *w)
{
    memset(w, 0, sizeof *w);
    w->r.id = sqlite3_column_int64(st, 0);
    w->r.followers = (uint64_t)sqlite3_column_int64(st, 1);
    w->r.win.posts = (uint32_t)sqlite3_column_int64(st, 2);
    w->r.win.sponsored = (uint32_t)sqlite3_column_int64(st, 3);
    w->r.win.views = (uint64_t)sqlite3_column_int64(st, 4);
    w->r.engagements = (uint64_t)sqlite3_column_int64(st, 5);
    w->r.avg_views = (uint64_t)sqlite3_column_int64(st, 6);
    w->r.engagement_bp = (uint32_t)sqlite3_column_int64(st, 7);
    w->r.certified = sqlite3_column_int(st, 8);
    w->r.failed = (uint32_t)sqlite3_column_int64(st, 9);
    w->since = sqlite3_column_int64(st, 10);
}

static int get_row(sq_db *d, int64_t id, struct row *w, pd_error *err)
{
    OSTMT(st, d, OS_ROW_GET, err);
    sqlite3_bind_int64(st, 1, id);
    int rc = sq_step_one(d, st, "reading a creator", err);
    if (rc == PD_OK)
        read_row(st, w);
    else if (rc == PD_ENOTFOUND)
        pd_error_set(err, PD_ENOTFOUND, "no creator with id %lld", (long long)id);
    sq_done(st);
    return rc;
}

/* Judges `now` (aggregates set, verdict as it was) under the state's policy
 * and stores it when anything differs from `was` (or its verdict was never
 * dated), with a change of verdict in the history. */
static int settle(sq_db *d, const struct state *s, const struct row *was, struct row *now,
                  const char *cause, pd_online_report *rep, pd_error *err)
{
    pd_transition t = pd_cert_judge(s->policy, &now->r);
    int64_t at = sq_now_s(d->s);
    if (t != PD_TRANSITION_NONE || now->since == 0)
        now->since = at;
    if (pd_cert_row_same(&was->r, &now->r) && was->since == now->since)
        return PD_OK;
    if (rep && (was->r.win.posts != now->r.win.posts || was->r.win.views != now->r.win.views ||
                was->r.win.sponsored != now->r.win.sponsored ||
                was->r.engagements != now->r.engagements))
        rep->creators_touched++;
    int indexed_same = was->r.avg_views == now->r.avg_views &&
                       was->r.engagement_bp == now->r.engagement_bp &&
                       was->r.certified == now->r.certified;
    OSTMT(st, d, indexed_same ? OS_ROW_SET_WIN : OS_ROW_SET, err);
    const pd_cert_row *r = &now->r;
    sqlite3_bind_int64(st, 1, r->id);
    sqlite3_bind_int64(st, 2, r->win.posts);
    sqlite3_bind_int64(st, 3, r->win.sponsored);
    sqlite3_bind_int64(st, 4, (int64_t)r->win.views);
    sqlite3_bind_int64(st, 5, (int64_t)r->engagements);
    sqlite3_bind_int64(st, 6, (int64_t)r->avg_views);
    sqlite3_bind_int64(st, 7, r->engagement_bp);
    sqlite3_bind_int(st, 8, r->certified);
    sqlite3_bind_int64(st, 9, r->failed);
    sqlite3_bind_int64(st, 10, now->since);
    int rc = ostep(d, st, "storing a creator's verdict", err);
    if (rc != PD_OK || t == PD_TRANSITION_NONE)
        return rc;
    if (rep)
        *(t == PD_TRANSITION_GAINED ? &rep->gained : &rep->lost) += 1;
    char why[PD_EXPLAIN_MAX];
    pd_cert_explain(s->policy, r, why);
    sqlite3_stmt *h = ostmt(d, OS_HIST_ADD, err);
    if (!h)
        return err->code;
    sqlite3_bind_int64(h, 1, r->id);
    sqlite3_bind_int64(h, 2, at);
    sqlite3_bind_int(h, 3, r->certified);
    sq_bind_link(h, 4, s->policy_id);
    sqlite3_bind_int64(h, 5, r->failed);
    sq_bind_text(h, 6, why);
    sq_bind_text(h, 7, cause);
    return ostep(d, h, "recording a change of verdict", err);
}

/* ---- hooks: one creator or post changed ------------------------------------------------------ */

int sq_online_creator_put(sq_db *d, int64_t creator_id, int is_new, pd_error *err)
{
    struct state s;
    int rc = load_state(d, &s, err);
    if (rc || s.stale)
        return rc;
    struct row was, now;
    if ((rc = get_row(d, creator_id, &was, err)) != PD_OK)
        return rc;
    now = was;
    if (is_new)
        now.since = 0; /* judged for the first time: dated now */
    return settle(d, &s, &was, &now, "followers", NULL, err);
}

/* The window the aggregates hold: the one ending with s->today. */
static pd_window window_of(const struct state *s)
{
    return pd_online_window(s->today, s->window);
}

int sq_online_post_added(sq_db *d, const pd_post_rec *p, pd_error *err)
{
    struct state s;
    int rc = load_state(d, &s, err);
    if (rc || s.stale || !pd_window_holds(window_of(&s), p->published_at))
        return rc;
    struct row was, now;
    if ((rc = get_row(d, p->creator_id, &was, err)) != PD_OK)
        return rc;
    now = was;
    uint64_t eng = p->likes + p->comments + p->collects; /* each <= 10^15 */
    if (pd_stats_add_post(&now.r.win, p->sponsored, p->views) != 0 ||
        __builtin_add_overflow(now.r.engagements, eng, &now.r.engagements) ||
        now.r.engagements > INT64_MAX || now.r.win.views > INT64_MAX)
        return mark_stale(d, err);
    return settle(d, &s, &was, &now, "post", NULL, err);
}

int sq_online_post_changed(sq_db *d, const pd_post_rec *before, const pd_post_rec *after,
                           pd_error *err)
{
    struct state s;
    int rc = load_state(d, &s, err);
    if (rc || s.stale || !pd_window_holds(window_of(&s), before->published_at))
        return rc;
    struct row was, now;
    if ((rc = get_row(d, before->creator_id, &was, err)) != PD_OK)
        return rc;
    now = was;
    uint64_t e0 = before->likes + before->comments + before->collects;
    uint64_t e1 = after->likes + after->comments + after->collects;
    if (pd_stats_change_views(&now.r.win, before->views, after->views) != 0 ||
        now.r.engagements < e0 || now.r.win.views > INT64_MAX ||
        (now.r.engagements = now.r.engagements - e0 + e1) > INT64_MAX)
        return mark_stale(d, err);
    return settle(d, &s, &was, &now, "metrics", NULL, err);
}

/* ---- steps of pd_store_online_advance ---------------------------------------------------- */

/* Everyone: with fresh aggregates from the posts of the window (rebuild),
 * or with the aggregates they hold (judge only). */
static int sweep_all(sq_db *d, const struct state *s, int rebuild, const char *cause,
                     pd_online_report *rep, pd_error *err)
{
    sqlite3_stmt *rows = ostmt(d, OS_ROWS_ALL, err);
    sqlite3_stmt *agg = rebuild ? ostmt(d, OS_AGG_WINDOW, err) : NULL;
    if (!rows || (rebuild && !agg))
        return err->code;
    int ra = SQLITE_DONE, rr = SQLITE_DONE, rc = PD_OK;
    if (agg) {
        pd_window w = window_of(s);
        sqlite3_bind_int64(agg, 1, w.from.sec);
        sqlite3_bind_int64(agg, 2, w.to.sec);
        ra = sqlite3_step(agg);
    }
    while (rc == PD_OK && (rr = sqlite3_step(rows)) == SQLITE_ROW) {
        struct row was, now;
        read_row(rows, &was);
        now = was;
        if (rebuild) {
            /* Posts always have a creator: the merge only skips ahead. */
            while (ra == SQLITE_ROW && sqlite3_column_int64(agg, 0) < was.r.id)
                ra = sqlite3_step(agg);
            memset(&now.r.win, 0, sizeof now.r.win);
            now.r.engagements = 0;
            if (ra == SQLITE_ROW && sqlite3_column_int64(agg, 0) == was.r.id) {
                now.r.win.posts = (uint32_t)sqlite3_column_int64(agg, 1);
                now.r.win.sponsored = (uint32_t)sqlite3_column_int64(agg, 2);
                now.r.win.views = (uint64_t)sqlite3_column_int64(agg, 3);
                now.r.engagements = (uint64_t)sqlite3_column_int64(agg, 4);
                ra = sqlite3_step(agg);
            }
            if (ra != SQLITE_ROW && ra != SQLITE_DONE) {
                rc = sq_fail(d->db, ra, err, "summing the posts of the window");
                break;
            }
        }
        rc = settle(d, s, &was, &now, cause, rep, err);
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
static int count_of(sq_db *d, enum ost id, int64_t a, int64_t b, int64_t *n, pd_error *err)
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

/* How many creators would change verdict if judged again under s's
 * policy on the aggregates they hold (a read-only pass). */
static int count_transitions(sq_db *d, const struct state *s, int64_t *n, pd_error *err)
{
    OSTMT(rows, d, OS_ROWS_ALL, err);
    int r;
    *n = 0;
    while ((r = sqlite3_step(rows)) == SQLITE_ROW) {
        struct row w;
        read_row(rows, &w);
        if (pd_cert_judge(s->policy, &w.r) != PD_TRANSITION_NONE)
            ++*n;
    }
    int rc = r == SQLITE_DONE ? PD_OK : sq_fail(d->db, r, err, "reading creators");
    sq_done(rows);
    return rc;
}

/* Moves the aggregates from window `was` to the later window `now` of the
 * same length: the posts of [was.from, now.from) leave, those of
 * [was.to, now.to) enter (published after the old evaluation instant, so
 * not counted until this step). Each creator touched is judged once.
 * *out_of_step is set when a row does not hold what leaves, or would
 * overflow with what enters (the caller then rebuilds everything). */
static int shift_window(sq_db *d, const struct state *s, pd_window was_w, pd_window now_w,
                        const char *cause, pd_online_report *rep, int *out_of_step,
                        pd_error *err)
{
    OSTMT(agg, d, OS_AGG_SHIFT, err);
    sqlite3_bind_int64(agg, 1, was_w.from.sec);
    sqlite3_bind_int64(agg, 2, now_w.from.sec);
    sqlite3_bind_int64(agg, 3, was_w.to.sec);
    sqlite3_bind_int64(agg, 4, now_w.to.sec);
    int ra = SQLITE_DONE, rc = PD_OK;
    while (rc == PD_OK && (ra = sqlite3_step(agg)) == SQLITE_ROW) {
        struct row was, now;
        if ((rc = get_row(d, sqlite3_column_int64(agg, 0), &was, err)) != PD_OK)
            break;
        now = was;
        uint64_t v[8]; /* out: posts, sponsored, views, eng; in: the same */
        for (int k = 0; k < 8; k++)
            v[k] = (uint64_t)sqlite3_column_int64(agg, k + 1);
        pd_window_stats *w = &now.r.win;
        if (w->posts < v[0] || w->sponsored < v[1] || w->posts - v[0] < w->sponsored - v[1] ||
            w->views < v[2] || now.r.engagements < v[3]) {
            *out_of_step = 1;
            break;
        }
        uint64_t posts = w->posts - v[0] + v[4];
        uint64_t views = w->views - v[2], eng = now.r.engagements - v[3];
        if (posts > UINT32_MAX || __builtin_add_overflow(views, v[6], &views) ||
            __builtin_add_overflow(eng, v[7], &eng) || views > INT64_MAX || eng > INT64_MAX) {
            *out_of_step = 1;
            break;
        }
        w->posts = (uint32_t)posts;
        w->sponsored = (uint32_t)(w->sponsored - v[1] + v[5]);
        w->views = views;
        now.r.engagements = eng;
        rc = settle(d, s, &was, &now, cause, rep, err);
    }
    if (rc == PD_OK && !*out_of_step && ra != SQLITE_DONE)
        rc = sq_fail(d->db, ra, err, "summing the posts that leave and enter the window");
    sq_done(agg);
    return rc;
}

int sq_online_step(pd_db *pdb, const pd_online_step *step, pd_online_report *rep, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = PD_OK;
    if (step->apply_upto != INT64_MIN) {
        OSTMT(st, d, OS_ACT_APPLY, err);
        sqlite3_bind_int64(st, 1, step->apply_upto);
        sqlite3_bind_int64(st, 2, sq_now_s(d->s));
        if ((rc = ostep(d, st, "applying activations", err)) != PD_OK)
            return rc;
    }
    struct state s = {.policy_id = step->policy_id,
                      .policy = step->policy_id ? &step->policy : NULL,
                      .window = step->window_days,
                      .today = step->today};
    /* Without a recompute the window keeps its length and moves ahead. */
    pd_window was_w = pd_online_window(step->from_today, step->from_window);
    pd_window now_w = pd_online_window(step->today, step->window_days);
    /* Many writes: a big page cache, and the indexes they would rewrite
     * dropped and built again at the end (all in this transaction). */
    struct dropped x = {0};
    int64_t creators = 0, many = 0;
    sqlite3_stmt *cache = ostmt(d, OS_CACHE_BIG, err);
    if (!cache)
        return err->code;
    if ((rc = ostep(d, cache, "setting the page cache", err)) != PD_OK ||
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
        rc = count_transitions(d, &s, &changes, err);
        many = changes > creators / INDEX_REBUILD_DIVISOR;
    }
    if (rc == PD_OK && many)
        rc = drop_indexes(d, &x, err);
    if (rc != PD_OK)
        goto restore;
    if (step->recompute) {
        rc = sweep_all(d, &s, 1, step->cause, rep, err);
    } else {
        int out_of_step = 0;
        if (step->today > step->from_today)
            rc = shift_window(d, &s, was_w, now_w, step->cause, rep, &out_of_step, err);
        if (rc == PD_OK && out_of_step && !x.n)
            rc = drop_indexes(d, &x, err);
        if (rc == PD_OK && (out_of_step || step->judge_all))
            rc = sweep_all(d, &s, out_of_step, step->cause, rep, err);
        if (out_of_step)
            rep->recomputed = 1;
    }
    if (rc == PD_OK && x.n)
        rc = rebuild_indexes(d, &x, err);
restore:
    dropped_free(&x);
    {
        /* Back to the connection's setting, whatever happened. */
        pd_error ignored;
        sqlite3_stmt *c = ostmt(d, OS_CACHE_RESTORE, &ignored);
        if (c)
            ostep(d, c, "restoring the page cache", &ignored);
    }
    if (rc == PD_OK) {
        OSTMT(st, d, OS_STATE_SET, err);
        sq_bind_link(st, 1, step->policy_id);
        sqlite3_bind_int64(st, 2, step->window_days);
        sqlite3_bind_int64(st, 3, step->today);
        rc = ostep(d, st, "storing the online state", err);
    }
    return rc;
}

/* ---- reading verdicts --------------------------------------------------------------------- */

static void status_from_row(const struct row *w, int64_t policy_id, pd_creator_status *c)
{
    memset(c, 0, sizeof *c);
    c->creator_id = w->r.id;
    c->policy_id = policy_id;
    c->certified = w->r.certified;
    c->failed = w->r.failed;
    c->followers = w->r.followers;
    c->win = w->r.win;
    c->engagements = w->r.engagements;
    c->avg_views = w->r.avg_views;
    c->engagement_bp = w->r.engagement_bp;
    c->since = w->since;
}

int sq_creator_status(pd_db *pdb, int64_t creator_id, pd_creator_status *c, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    struct state s;
    struct row w;
    int rc = load_state(d, &s, err);
    if (rc == PD_OK)
        rc = get_row(d, creator_id, &w, err);
    if (rc == PD_OK)
        status_from_row(&w, s.policy_id, c);
    return rc;
}

int sq_status_history(pd_db *pdb, int64_t creator_id, int64_t before_id, unsigned limit,
                      int (*each)(void *ctx, const pd_status_change *c), void *ctx,
                      pd_error *err)
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

int sq_verdict_scan(pd_store *ps, pd_online_state *out,
                    int (*each)(void *ctx, const pd_creator_status *c), void *ctx,
                    pd_error *err)
{
    pd_db *db;
    int rc = ps->ops->acquire(ps, &db, err);
    if (rc)
        return rc;
    sq_db *d = (sq_db *)db;
    /* A read transaction: the state and every row from one snapshot. */
    int own, r;
    rc = sq_read_begin(d, &own, err);
    uint32_t window = 0;
    if (rc == PD_OK)
        rc = sq_online_state(db, out, &window, err);
    sqlite3_stmt *st = rc == PD_OK && !out->stale && out->today ? ostmt(d, OS_ROWS_ALL, err)
                                                                : NULL;
    if (st) {
        struct row w;
        pd_creator_status c;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            read_row(st, &w);
            status_from_row(&w, out->policy_id, &c);
            if ((rc = each(ctx, &c)) != 0)
                break;
        }
        if (rc == PD_OK && r != SQLITE_DONE)
            rc = sq_fail(d->db, r, err, "reading creators");
        sq_done(st);
    } else if (rc == PD_OK && !out->stale && out->today) {
        rc = err->code;
    }
    sq_read_end(d, own);
    ps->ops->release(ps, db);
    return rc;
}
