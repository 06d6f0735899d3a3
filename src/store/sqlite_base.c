/* sqlite_base.c - the ground floor of the SQLite backend, which every other
 * sqlite_*.c file stands on and which stands on none of them: SQLite's
 * failures in our convention, the statements of accounts, creators and
 * posts (enum st, sqlite_int.h) cached per connection, binding and reading
 * columns, savepoints around a call, read transactions of a call, what a
 * connection frees when it closes, and the store's clock. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/sqlite_int.h"

/* ---- statements ------------------------------------------------------------ */

#define USER_COLS                                                                                  \
    "u.id, u.name, u.role, u.brand_id, u.creator_id, u.mcn_id, u.disabled, "                       \
    "u.created_at, u.password_hash"
#define CREATOR_COLS SQ_CREATOR_COLS
#define POST_COLS SQ_POST_COLS /* read by sq_read_post */

/* enum st: sqlite_int.h (every sqlite file names statements by it). */

static const char *const st_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_BEGIN_READ] = "BEGIN",
    [ST_COMMIT] = "COMMIT",
    /* Reads the header: opens the deferred read transaction's snapshot. */
    [ST_SNAPSHOT] = "PRAGMA schema_version",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT pd_call",
    [ST_RELEASE] = "RELEASE pd_call",
    [ST_ROLLBACK_TO] = "ROLLBACK TO pd_call",
    [ST_VERSION] = "SELECT coalesce(max(version), 0) FROM schema_version",
    [ST_VERSION_ADD] = "INSERT INTO schema_version (version, name, applied_at) VALUES (?1, ?2, ?3)",
    [ST_USER_ADD] = "INSERT INTO users (name, role, brand_id, creator_id, mcn_id, password_hash, "
                    "disabled, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_USER_BY_NAME] = "SELECT " USER_COLS " FROM users u WHERE u.name = ?1",
    [ST_USER_BY_ID] = "SELECT " USER_COLS " FROM users u WHERE u.id = ?1",
    [ST_USER_LIST] = "SELECT " USER_COLS " FROM users u ORDER BY u.name",
    [ST_USER_SET_DISABLED] = "UPDATE users SET disabled = ?2 WHERE name = ?1",
    [ST_USER_EXISTS] = "SELECT 1 FROM users WHERE id = ?1",
    [ST_BRAND_EXISTS] = "SELECT 1 FROM brands WHERE id = ?1",
    [ST_CREATOR_EXISTS] = "SELECT 1 FROM creators WHERE id = ?1",
    [ST_MCN_NAME] = "SELECT name FROM mcns WHERE id = ?1",
    [ST_TOKEN_ADD] = "INSERT INTO tokens (hash, user_id, expires_at, created_at) "
                     "VALUES (?1, ?2, ?3, ?4)",
    [ST_TOKEN_USER] = "SELECT " USER_COLS ", t.expires_at FROM tokens t JOIN users u "
                      "ON u.id = t.user_id WHERE t.hash = ?1 AND t.expires_at > ?2 AND "
                      "u.disabled = 0",
    [ST_TOKEN_DELETE] = "DELETE FROM tokens WHERE hash = ?1",
    [ST_TOKEN_PURGE] = "DELETE FROM tokens WHERE expires_at <= ?1",
    [ST_BRAND_ADD] = "INSERT INTO brands (name, created_at) VALUES (?1, ?2)",
    [ST_MCN_ADD] = "INSERT INTO mcns (id, name, created_at) VALUES (?1, ?2, ?3)",
    [ST_BRAND_LIST] = "SELECT b.id, b.name, b.created_at, "
                      "(SELECT count(*) FROM users u WHERE u.brand_id = b.id) "
                      "FROM brands b ORDER BY b.id",
    [ST_MCN_LIST] = "SELECT m.id, m.name, m.created_at, "
                    "(SELECT count(*) FROM creators c WHERE c.mcn_id = m.id) "
                    "FROM mcns m ORDER BY m.id",
    [ST_MCN_ENSURE] = "INSERT INTO mcns (id, name, created_at) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT (id) DO NOTHING",
    [ST_CREATOR_FOLLOWERS] = "SELECT followers FROM creators WHERE id = ?1",
    [ST_CREATOR_UPSERT] =
        "INSERT INTO creators (" CREATOR_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) "
        "ON CONFLICT (id) DO UPDATE SET handle = excluded.handle, category = excluded.category, "
        "bio = excluded.bio, followers = excluded.followers, mcn_id = excluded.mcn_id, "
        "updated_at = excluded.updated_at",
    [ST_CREATOR_UPSERT_KEEP_BIO] =
        "INSERT INTO creators (" CREATOR_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) "
        "ON CONFLICT (id) DO UPDATE SET handle = excluded.handle, category = excluded.category, "
        "followers = excluded.followers, mcn_id = excluded.mcn_id, "
        "updated_at = excluded.updated_at",
    [ST_HISTORY_ADD] = "INSERT INTO follower_history (creator_id, at, followers) "
                       "VALUES (?1, ?2, ?3)",
    [ST_CREATOR_GET] = "SELECT " CREATOR_COLS " FROM creators WHERE id = ?1",
    [ST_HISTORY] = "SELECT at, followers FROM follower_history WHERE creator_id = ?1 "
                   "ORDER BY at, id",
    [ST_POST_ADD] = "INSERT INTO posts (" POST_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [ST_POST_GET] = "SELECT " POST_COLS " FROM posts WHERE id = ?1",
    [ST_POST_LAST_IN] = "SELECT max(id) FROM posts WHERE id BETWEEN ?1 AND ?2",
    [ST_KEY_GET] = "SELECT key FROM server_keys WHERE name = ?1",
    [ST_KEY_ADD] = "INSERT INTO server_keys (name, key, created_at) VALUES (?1, ?2, ?3) "
                   "ON CONFLICT (name) DO NOTHING",
    [ST_POST_SET] = "UPDATE posts SET views = ?2, likes = ?3, comments = ?4, collects = ?5 "
                    "WHERE id = ?1",
    [ST_SCAN_CREATORS] = "SELECT " CREATOR_COLS " FROM creators ORDER BY id",
    [ST_SCAN_POSTS] = "SELECT " POST_COLS " FROM posts ORDER BY id",
    [ST_CREATOR_IDS] = "SELECT id FROM creators",
    [ST_ANY_CREATOR] = "SELECT EXISTS (SELECT 1 FROM creators)",
    [ST_ANY_HISTORY] = "SELECT EXISTS (SELECT 1 FROM follower_history)",
    [ST_ANY_POST] = "SELECT EXISTS (SELECT 1 FROM posts)",
    [ST_TABLE_INDEXES] = "SELECT name, sql FROM sqlite_schema "
                         "WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL",
};

/* ---- the clock and the statements ---------------------------------------------------- */

int64_t sq_now_s(const sq_store *s)
{
    return pd_clock_now(s->base.clock);
}

/* The statement in *slot, prepared from sql on first use. */
sqlite3_stmt *sq_prepare_cached(sq_db *d, sqlite3_stmt **slot, const char *sql, pd_error *err)
{
    if (!*slot) {
        int rc = sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
        if (rc != SQLITE_OK) {
            sq_fail(d->db, rc, err, "preparing a statement");
            *slot = NULL;
        }
    }
    return *slot;
}

/* The cached statement, prepared on first use. */
sqlite3_stmt *sq_stmt(sq_db *d, enum st id, pd_error *err)
{
    return sq_prepare_cached(d, &d->st[id], st_sql[id], err);
}

/* Steps a statement whose rows do not matter, then resets it. */
int sq_step_done(sq_db *d, sqlite3_stmt *st, const char *what, pd_error *err)
{
    int rc = sqlite3_step(st);
    int out = rc == SQLITE_DONE || rc == SQLITE_ROW ? PD_OK : sq_fail(d->db, rc, err, what);
    sq_done(st);
    return out;
}

/* Runs a statement that returns no row (or whose rows do not matter). */
int sq_run(sq_db *d, enum st id, pd_error *err, const char *what)
{
    sqlite3_stmt *st = sq_stmt(d, id, err);
    if (!st)
        return err ? err->code : PD_EINTERNAL;
    return sq_step_done(d, st, what, err);
}

/* A constant statement that is not worth caching (pragmas, DDL). */
int sq_exec(sq_db *d, const char *sql, pd_error *err)
{
    int rc = sqlite3_exec(d->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? PD_OK : sq_fail(d->db, rc, err, sql);
}

/* Is it SQLITE_ROW with the first column 1? (EXISTS queries) */
int sq_exists(sq_db *d, enum st id, int64_t key, int *yes, pd_error *err)
{
    sqlite3_stmt *st = sq_stmt(d, id, err);
    if (!st)
        return err ? err->code : PD_EINTERNAL;
    if (key)
        sqlite3_bind_int64(st, 1, key);
    int rc = sqlite3_step(st);
    int out = PD_OK;
    if (rc == SQLITE_ROW)
        *yes = sqlite3_column_int(st, 0) != 0;
    else if (rc == SQLITE_DONE)
        *yes = 0;
    else
        out = sq_fail(d->db, rc, err, "reading the database");
    sq_done(st);
    return out;
}

/* Reads the single text result of a pragma into out. */
int sq_pragma_text(sq_db *d, const char *sql, char *out, size_t cap, pd_error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(d->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(d->db, rc, err, sql);
    rc = sqlite3_step(st);
    out[0] = '\0';
    if (rc == SQLITE_ROW)
        sq_col_text(st, 0, out, cap);
    int r = rc == SQLITE_ROW || rc == SQLITE_DONE ? PD_OK : sq_fail(d->db, rc, err, sql);
    sqlite3_finalize(st);
    return r;
}

/* ---- errors, columns, savepoints -------------------------------------------------- */

/* Turns a SQLite failure into our convention. */
int sq_fail(sqlite3 *db, int rc, pd_error *err, const char *what)
{
    int ext = db ? sqlite3_extended_errcode(db) : rc;
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    pd_code code;
    switch (ext & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        /* Another writer held the database past busy_ms (a day's sweep at
         * a million creators, an import): nothing is wrong with the call,
         * which may be made again. A snapshot that moved under a read that
         * wanted to write is a conflict. */
        code = ext == SQLITE_BUSY_SNAPSHOT ? PD_ECONFLICT : PD_EUNAVAILABLE;
        break;
    case SQLITE_CONSTRAINT:
        code = ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY ? PD_ECONFLICT
                                                                                      : PD_EINPUT;
        break;
    case SQLITE_NOMEM: code = PD_ENOMEM; break;
    case SQLITE_TOOBIG: code = PD_ETOOBIG; break;
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
    case SQLITE_ERROR: code = PD_EINTERNAL; break;
    default: code = PD_EIO; break;
    }
    return pd_error_set(err, code, "%s: %s", what, msg);
}

/* Resets a statement after use, so that it holds no lock nor value. */
void sq_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

int sq_read_begin(sq_db *d, int *own, pd_error *err)
{
    *own = sqlite3_get_autocommit(d->db);
    if (!*own)
        return PD_OK;
    int rc = sq_run(d, ST_BEGIN_READ, err, "starting a read");
    if (rc)
        *own = 0;
    return rc;
}

void sq_read_end(sq_db *d, int own)
{
    /* A read has nothing to keep: COMMIT only ends the snapshot. */
    if (own && !sqlite3_get_autocommit(d->db))
        sq_run(d, ST_COMMIT, NULL, "ending a read");
}

int sq_in_read(pd_store *ps, int (*fn)(sq_db *d, void *arg, pd_error *err), void *arg,
               pd_error *err)
{
    pd_db *db;
    int rc = ps->ops->acquire(ps, &db, err);
    if (rc)
        return rc;
    sq_db *d = (sq_db *)db;
    int own;
    rc = sq_read_begin(d, &own, err);
    if (rc == PD_OK)
        rc = fn(d, arg, err);
    sq_read_end(d, own);
    ps->ops->release(ps, db);
    return rc;
}

void sq_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* id 0 means "no link": NULL in the database. */
void sq_bind_link(sqlite3_stmt *st, int i, int64_t id)
{
    if (id)
        sqlite3_bind_int64(st, i, id);
    else
        sqlite3_bind_null(st, i);
}

void sq_col_text(sqlite3_stmt *st, int i, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(out, t, n);
    out[n] = '\0';
}

/* Makes one call atomic: a savepoint inside the caller's transaction, or a
 * transaction of its own when there is none. */
int sq_call_begin(sq_db *d, pd_error *err)
{
    d->own_txn = sqlite3_get_autocommit(d->db);
    return sq_run(d, d->own_txn ? ST_BEGIN : ST_SAVEPOINT, err, "starting a transaction");
}

/* Ends what call_begin started: kept when rc is PD_OK, else undone.
 * Returns rc, or the commit's error. */
int sq_call_end(sq_db *d, int rc, pd_error *err)
{
    if (d->own_txn) {
        d->own_txn = 0;
        if (rc == PD_OK && (rc = sq_run(d, ST_COMMIT, err, "committing")) == PD_OK)
            return PD_OK;
        if (!sqlite3_get_autocommit(d->db))
            sq_run(d, ST_ROLLBACK, NULL, "rolling back");
        return rc;
    }
    if (rc != PD_OK)
        sq_run(d, ST_ROLLBACK_TO, NULL, "rolling back");
    int r = sq_run(d, ST_RELEASE, rc ? NULL : err, "releasing a savepoint");
    return rc ? rc : r;
}

/* Steps a query that returns at most one row: PD_OK with the row ready to
 * read, PD_ENOTFOUND (err left for the caller to word), or the failure of
 * `reading` ("reading users"). The caller reads, then calls sq_done(st). */
int sq_step_one(sq_db *d, sqlite3_stmt *st, const char *reading, pd_error *err)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return PD_OK;
    if (rc == SQLITE_DONE)
        return PD_ENOTFOUND;
    return sq_fail(d->db, rc, err, reading);
}

int sq_on_close(sq_db *d, void (*release)(sq_db *d))
{
    if (d->non_close == SQ_ON_CLOSE_MAX)
        return -1;
    d->on_close[d->non_close++] = release;
    return 0;
}
