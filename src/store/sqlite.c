/* sqlite.c - the SQLite backend of store.h (see backend.h): its table of
 * operations, pd_sqlite_open, and bulk import. The rest, in layers that
 * call only down: sqlite_base.c at the bottom (errors, the cached
 * statements, columns, savepoints, the clock); above it, by what they
 * store, sqlite_accounts.c (users, tokens, server keys, brands and MCNs),
 * sqlite_creators.c (creators, posts, the writes bulk import shares,
 * export), sqlite_posts.c, sqlite_search.c, sqlite_roster.c and
 * sqlite_scan.c (reads), sqlite_online.c and sqlite_step.c (online
 * certification); then sqlite_conn.c (the pool, migrations, transactions,
 * versions of the data, backup); this file on top.
 *
 * One database file in WAL mode: readers never block the writer nor each
 * other; one writer at a time, others wait up to busy_ms. A pool of
 * connections opened on demand, each used by one thread at a time (so they
 * are opened without SQLite's own mutexes), each with its prepared
 * statements cached: every statement is a constant text with parameters,
 * prepared once per connection. synchronous=FULL: a transaction that
 * COMMIT acknowledged survives a crash of the process and of the machine.
 *
 * Bulk import runs on one connection in one transaction. Into an empty
 * posts table it also (when it is the only connection of the file) leaves
 * WAL mode for the rollback journal, whose cost for pages appended to the
 * file is nothing, instead of writing every page twice (WAL, then
 * checkpoint); drops the indexes of the tables that were empty and builds
 * them once at the end from sorted data; checks foreign keys itself (see
 * store.c) instead of once per row; and inserts posts 100 rows per
 * statement. All of it is undone on failure, and every setting is
 * restored when the session ends. */
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

#define BULK_ROWS 100          /* posts per INSERT statement in a bulk load */
#define BULK_CREATORS 64       /* new creators per INSERT statement */
#define BULK_CACHE_KIB "65536" /* page cache of a bulk load: 64 MiB (as a pragma's text) */

/* ---- bulk import --------------------------------------------------------------------- */

#define BULK_TABLES 3

struct pd_bulk {
    sq_store *s;
    sq_db *d;
    int left_wal;            /* switched to the rollback journal */
    int creators_empty;      /* at the start: every creator is new */
    pd_creator_rec *pending; /* BULK_CREATORS new creators not yet stored */
    size_t npending;
    int64_t pending_at;
    char *index_sql[16]; /* indexes dropped, to build at the end */
    size_t nindex;
    char *trigger_sql[4]; /* search: FTS triggers dropped, to restore at the end */
    size_t ntrigger;
};

static const char *const bulk_tables[BULK_TABLES] = {"creators", "follower_history", "posts"};
static const enum st bulk_any[BULK_TABLES] = {ST_ANY_CREATOR, ST_ANY_HISTORY, ST_ANY_POST};

/* Drops the indexes of an empty table, keeping their text for later. */
static int drop_indexes(pd_bulk *b, const char *table, pd_error *err)
{
    sq_db *d = b->d;
    sqlite3_stmt *st = sq_stmt(d, ST_TABLE_INDEXES, err);
    if (!st)
        return err->code;
    sq_bind_text(st, 1, table);
    char names[16][128];
    size_t n = 0;
    int r, rc = PD_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW && b->nindex + n < 16) {
        const char *sql = (const char *)sqlite3_column_text(st, 1);
        sq_col_text(st, 0, names[n], sizeof names[n]);
        char *copy = sql ? strdup(sql) : NULL;
        if (!copy) {
            rc = pd_error_set(err, PD_ENOMEM, "out of memory");
            break;
        }
        b->index_sql[b->nindex + n++] = copy;
    }
    if (rc == PD_OK && r != SQLITE_DONE && r != SQLITE_ROW)
        rc = sq_fail(d->db, r, err, "reading the schema");
    sq_done(st);
    b->nindex += n;
    for (size_t i = 0; rc == PD_OK && i < n; i++) {
        /* An identifier of our own schema, quoted; no value is spliced. */
        char sql[300] = "DROP INDEX \"";
        size_t k = strlen(sql);
        for (const char *p = names[i]; *p && k < sizeof sql - 4; p++) {
            if (*p == '"')
                sql[k++] = '"';
            sql[k++] = *p;
        }
        memcpy(sql + k, "\"", 2);
        rc = sq_exec(d, sql, err);
    }
    return rc;
}

static void bulk_restore(pd_bulk *b)
{
    sq_db *d = b->d;
    if (b->left_wal)
        sqlite3_exec(d->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    sqlite3_exec(d->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    sqlite3_exec(d->db, "PRAGMA cache_size = -2000", NULL, NULL, NULL);
    sqlite3_exec(d->db, "PRAGMA ignore_check_constraints = OFF", NULL, NULL, NULL);
    sqlite3_busy_timeout(d->db, (int)b->s->busy_ms);
    sqlite3_finalize(d->bulk);
    sqlite3_finalize(d->bulk_creators);
    sqlite3_finalize(d->bulk_history);
    d->bulk = d->bulk_creators = d->bulk_history = NULL;
}

static void bulk_free(pd_bulk *b)
{
    free(b->pending);
    for (size_t i = 0; i < b->nindex; i++)
        free(b->index_sql[i]);
    for (size_t i = 0; i < b->ntrigger; i++)
        free(b->trigger_sql[i]);
    free(b);
}

/* search: into an empty creators table, the triggers that index each new
 * creator in creators_fts one by one are dropped (their text kept), and
 * the index is built once at the end ('rebuild') before they are put back
 * (bulk_fts_restore); a failed import's rollback undoes both. */
static int bulk_fts_drop(pd_bulk *b, pd_error *err)
{
    sq_db *d = b->d;
    sqlite3_stmt *st;
    int r = sqlite3_prepare_v2(d->db,
                               "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' "
                               "AND tbl_name = 'creators' "
                               "AND name LIKE 'creators\\_fts\\_%' ESCAPE '\\'",
                               -1, &st, NULL);
    if (r != SQLITE_OK)
        return sq_fail(d->db, r, err, "reading the schema");
    char names[4][64];
    size_t n = 0;
    int rc = PD_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW && n < 4) {
        const char *sql = (const char *)sqlite3_column_text(st, 1);
        sq_col_text(st, 0, names[n], sizeof names[n]);
        if (!sql || !(b->trigger_sql[n] = strdup(sql))) {
            rc = pd_error_set(err, PD_ENOMEM, "out of memory");
            break;
        }
        n++;
    }
    if (rc == PD_OK && r != SQLITE_DONE && r != SQLITE_ROW)
        rc = sq_fail(d->db, r, err, "reading the schema");
    sqlite3_finalize(st);
    b->ntrigger = n;
    for (size_t i = 0; rc == PD_OK && i < n; i++) {
        /* Names of our own schema (creators_fts_*, checked above); no value. */
        char sql[96];
        snprintf(sql, sizeof sql, "DROP TRIGGER \"%s\"", names[i]);
        rc = strchr(names[i], '"') ? pd_error_set(err, PD_EINTERNAL, "odd trigger name")
                                   : sq_exec(d, sql, err);
    }
    return rc;
}

static int bulk_fts_restore(pd_bulk *b, pd_error *err)
{
    if (!b->ntrigger)
        return PD_OK;
    int rc = sq_exec(b->d, "INSERT INTO creators_fts(creators_fts) VALUES ('rebuild')", err);
    for (size_t i = 0; rc == PD_OK && i < b->ntrigger; i++)
        rc = sq_exec(b->d, b->trigger_sql[i], err);
    return rc;
}

/* Prepares `head` followed by `rows` groups of `cols` placeholders: the
 * text is built, but no value is in it. */
static int prepare_rows(sq_db *d, const char *head, int cols, int rows, sqlite3_stmt **out,
                        pd_error *err)
{
    size_t hn = strlen(head), group = 2 + 2 * (size_t)cols;
    char *sql = malloc(hn + group * (size_t)rows + 1);
    if (!sql)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    char *p = sql;
    memcpy(p, head, hn);
    p += hn;
    for (int r = 0; r < rows; r++) {
        *p++ = r ? ',' : ' ';
        *p++ = '(';
        for (int c = 0; c < cols; c++) {
            *p++ = c ? ',' : '?';
            if (c)
                *p++ = '?';
        }
        *p++ = ')';
    }
    *p = '\0';
    int rc = sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
    free(sql);
    return rc == SQLITE_OK ? PD_OK : sq_fail(d->db, rc, err, "preparing the import");
}

static int sq_bulk_begin(pd_store *ps, pd_bulk **out, pd_error *err)
{
    pd_bulk *b = calloc(1, sizeof *b);
    if (!b)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    b->s = (sq_store *)ps;
    pd_db *db;
    int rc = sq_acquire(ps, &db, err);
    if (rc) {
        free(b);
        return rc;
    }
    sq_db *d = b->d = (sq_db *)db;
    int any_post = 1;
    rc = sq_exists(d, ST_ANY_POST, 0, &any_post, err);
    if (rc == PD_OK && !any_post) {
        /* Leaving WAL needs every other connection of the file closed: try
         * without waiting, and stay in WAL if anyone else is there. */
        char mode[16] = "";
        sqlite3_busy_timeout(d->db, 0);
        if (sq_pragma_text(d, "PRAGMA journal_mode = DELETE", mode, sizeof mode, NULL) == PD_OK &&
            strcmp(mode, "delete") == 0)
            b->left_wal = 1;
        sqlite3_busy_timeout(d->db, (int)b->s->busy_ms);
    }
    if (rc == PD_OK)
        rc = sq_exec(d, "PRAGMA foreign_keys = OFF", err);
    if (rc == PD_OK)
        rc = sq_exec(d, "PRAGMA cache_size = -" BULK_CACHE_KIB, err);
    /* store.c has checked every value against what the CHECK constraints
     * say (ids >= 1, counts >= 0, 0/1 flags): no need to check again. */
    if (rc == PD_OK)
        rc = sq_exec(d, "PRAGMA ignore_check_constraints = ON", err);
    if (rc == PD_OK)
        rc = sq_run(d, ST_BEGIN, err, "starting the import");
    for (int t = 0; rc == PD_OK && t < BULK_TABLES; t++) {
        int any = 1;
        rc = sq_exists(d, bulk_any[t], 0, &any, err);
        if (t == 0)
            b->creators_empty = !any;
        if (rc == PD_OK && !any)
            rc = drop_indexes(b, bulk_tables[t], err);
    }
    if (rc == PD_OK && b->creators_empty)
        rc = bulk_fts_drop(b, err); /* search */
    if (rc == PD_OK)
        rc = prepare_rows(d, "INSERT INTO posts (" SQ_POST_COLS ") VALUES ", 9, BULK_ROWS, &d->bulk,
                          err);
    if (rc == PD_OK && b->creators_empty) {
        rc = prepare_rows(d, "INSERT INTO creators (" SQ_CREATOR_COLS ") VALUES ", 8, BULK_CREATORS,
                          &d->bulk_creators, err);
        if (rc == PD_OK)
            rc = prepare_rows(d, "INSERT INTO follower_history (creator_id, at, followers) VALUES ",
                              3, BULK_CREATORS, &d->bulk_history, err);
        if (rc == PD_OK && !(b->pending = malloc(BULK_CREATORS * sizeof *b->pending)))
            rc = pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    if (rc != PD_OK) {
        if (!sqlite3_get_autocommit(d->db))
            sq_run(d, ST_ROLLBACK, NULL, "rolling back");
        bulk_restore(b);
        sq_release(ps, db);
        bulk_free(b);
        return rc;
    }
    *out = b;
    return PD_OK;
}

static int sq_bulk_creator_ids(pd_bulk *b, int (*each)(void *ctx, int64_t id), void *ctx,
                               pd_error *err)
{
    if (b->creators_empty)
        return PD_OK;
    sq_db *d = b->d;
    sqlite3_stmt *st = sq_stmt(d, ST_CREATOR_IDS, err);
    if (!st)
        return err->code;
    int r, rc = PD_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = each(ctx, sqlite3_column_int64(st, 0))) != 0)
            break;
    if (rc == PD_OK && r != SQLITE_DONE)
        rc = sq_fail(d->db, r, err, "reading creators");
    sq_done(st);
    return rc;
}

static int sq_bulk_mcn(pd_bulk *b, int64_t id, int64_t at, pd_error *err)
{
    sq_db *d = b->d;
    sqlite3_stmt *st = sq_stmt(d, ST_MCN_ENSURE, err);
    if (!st)
        return err->code;
    char name[PD_NAME_MAX];
    snprintf(name, sizeof name, "MCN %lld", (long long)id);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, at);
    int r = sqlite3_step(st);
    int rc = r == SQLITE_DONE ? PD_OK : sq_fail(d->db, r, err, "adding an MCN");
    sq_done(st);
    return rc;
}

/* Stores the pending new creators and their first follower counts. */
static int flush_creators(pd_bulk *b, pd_error *err)
{
    sq_db *d = b->d;
    size_t n = b->npending;
    b->npending = 0;
    if (n < BULK_CREATORS) {
        for (size_t i = 0; i < n; i++) {
            int rc = sq_creator_write(d, &b->pending[i], b->pending_at, 1, 1, err);
            if (rc)
                return rc;
        }
        return PD_OK;
    }
    sqlite3_stmt *st = d->bulk_creators, *sh = d->bulk_history;
    for (int i = 0; i < BULK_CREATORS; i++) {
        const pd_creator_rec *c = &b->pending[i];
        sqlite3_bind_int64(st, 8 * i + 1, c->id);
        sq_bind_text(st, 8 * i + 2, c->handle);
        sq_bind_text(st, 8 * i + 3, c->category);
        sq_bind_text(st, 8 * i + 4, c->bio);
        sqlite3_bind_int64(st, 8 * i + 5, (int64_t)c->followers);
        sq_bind_link(st, 8 * i + 6, c->mcn_id);
        sqlite3_bind_int64(st, 8 * i + 7, b->pending_at);
        sqlite3_bind_int64(st, 8 * i + 8, b->pending_at);
        sqlite3_bind_int64(sh, 3 * i + 1, c->id);
        sqlite3_bind_int64(sh, 3 * i + 2, b->pending_at);
        sqlite3_bind_int64(sh, 3 * i + 3, (int64_t)c->followers);
    }
    int r = sqlite3_step(st);
    int rc = r == SQLITE_DONE ? PD_OK : sq_fail(d->db, r, err, "storing creators");
    sqlite3_reset(st);
    if (rc == PD_OK) {
        r = sqlite3_step(sh);
        rc = r == SQLITE_DONE ? PD_OK : sq_fail(d->db, r, err, "recording followers");
        sqlite3_reset(sh);
    }
    return rc;
}

static int sq_bulk_creator(pd_bulk *b, const pd_creator_rec *c, int64_t at, pd_error *err)
{
    /* No savepoint: the whole import is undone on any error. */
    if (!b->creators_empty)
        return sq_creator_write(b->d, c, at, 1, 0, err);
    /* Every creator is new (store.c drops repeated ids): many per statement. */
    if (b->npending && at != b->pending_at) {
        int rc = flush_creators(b, err);
        if (rc)
            return rc;
    }
    b->pending[b->npending++] = *c;
    b->pending_at = at;
    return b->npending == BULK_CREATORS ? flush_creators(b, err) : PD_OK;
}

static int sq_bulk_posts(pd_bulk *b, const pd_post_rec *p, size_t n, size_t *failed, pd_error *err)
{
    sq_db *d = b->d;
    if (b->npending) {
        int rc = flush_creators(b, err);
        if (rc)
            return rc;
    }
    size_t i = 0;
    while (n - i >= BULK_ROWS) {
        sqlite3_stmt *st = d->bulk;
        for (int k = 0; k < BULK_ROWS; k++)
            sq_bind_post(st, k * 9, &p[i + (size_t)k]);
        int r = sqlite3_step(st);
        if (r == SQLITE_DONE) {
            sqlite3_reset(st);
            i += BULK_ROWS;
            continue;
        }
        if (sqlite3_extended_errcode(d->db) != SQLITE_CONSTRAINT_PRIMARYKEY) {
            int rc = sq_fail(d->db, r, err, "storing posts");
            sqlite3_reset(st);
            return rc;
        }
        sqlite3_reset(st);
        /* The statement changed nothing: find the post one by one. */
        for (size_t k = 0; k < BULK_ROWS; k++, i++) {
            int rc = sq_post_insert(d, &p[i], err);
            if (rc) {
                *failed = i;
                return rc;
            }
        }
    }
    for (; i < n; i++) {
        int rc = sq_post_insert(d, &p[i], err);
        if (rc) {
            *failed = i;
            return rc;
        }
    }
    return PD_OK;
}

static int sq_bulk_end(pd_bulk *b, int commit, pd_error *err)
{
    sq_db *d = b->d;
    int rc = PD_OK;
    if (commit) {
        if (b->npending)
            rc = flush_creators(b, err);
        for (size_t i = 0; rc == PD_OK && i < b->nindex; i++)
            rc = sq_exec(d, b->index_sql[i], err);
        if (rc == PD_OK)
            rc = bulk_fts_restore(b, err); /* search */
        /* The window aggregates do not count what was imported: stale
         * until pd_store_online_advance recomputes them. */
        if (rc == PD_OK)
            rc = sq_exec(d, "UPDATE online_state SET stale = 1", err);
        if (rc == PD_OK)
            rc = sq_run(d, ST_COMMIT, err, "committing the import");
    }
    if (!sqlite3_get_autocommit(d->db))
        sq_run(d, ST_ROLLBACK, NULL, "rolling back");
    bulk_restore(b);
    sq_release(&b->s->base, &d->base);
    bulk_free(b);
    return rc;
}

#define SQ_OP_FILL(op) .op = sq_##op,
static const pd_store_ops sq_ops = {
    .name = "sqlite",
    SQ_OPS(SQ_OP_FILL) /* sqlite_int.h */
        .read_begin = sq_read_begin_v,
    .read_end = sq_read_end_v,
    .read_peek = sq_read_peek_v,
    .bulk_begin = sq_bulk_begin,
    .bulk_creator_ids = sq_bulk_creator_ids,
    .bulk_mcn = sq_bulk_mcn,
    .bulk_creator = sq_bulk_creator,
    .bulk_posts = sq_bulk_posts,
    .bulk_end = sq_bulk_end,
};
#undef SQ_OP_FILL

int pd_sqlite_open(const char *path, const pd_store_options *o, pd_store **out, pd_error *err)
{
    return sq_open(path, o, &sq_ops, out, err);
}
