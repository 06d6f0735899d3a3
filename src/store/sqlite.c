/* sqlite.c - the SQLite backend of store.h (see backend.h).
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

#define DEFAULT_POOL 8
#define DEFAULT_BUSY_MS 5000
#define BULK_ROWS 100          /* posts per INSERT statement in a bulk load */
#define BULK_CREATORS 64       /* new creators per INSERT statement */
#define BULK_CACHE_KIB "65536" /* page cache of a bulk load: 64 MiB (as a pragma's text) */

/* ---- statements ------------------------------------------------------------ */

#define USER_COLS                                                                                  \
    "u.id, u.name, u.role, u.brand_id, u.creator_id, u.mcn_id, u.disabled, "                       \
    "u.created_at, u.password_hash"
#define USER_NCOLS 9
#define CREATOR_COLS "id, handle, category, bio, followers, mcn_id, created_at, updated_at"
#define POST_COLS SQ_POST_COLS /* read by sq_read_post */

enum st {
    ST_BEGIN,
    ST_BEGIN_READ,
    ST_COMMIT,
    ST_SNAPSHOT,
    ST_ROLLBACK,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_VERSION,
    ST_VERSION_ADD,
    ST_USER_ADD,
    ST_USER_BY_NAME,
    ST_USER_BY_ID,
    ST_USER_LIST,
    ST_USER_SET_DISABLED,
    ST_USER_EXISTS,
    ST_BRAND_EXISTS,
    ST_CREATOR_EXISTS,
    ST_MCN_NAME,
    ST_TOKEN_ADD,
    ST_TOKEN_USER,
    ST_TOKEN_DELETE,
    ST_TOKEN_PURGE,
    ST_BRAND_ADD,
    ST_MCN_ADD,
    ST_BRAND_LIST,
    ST_MCN_LIST,
    ST_MCN_ENSURE,
    ST_CREATOR_FOLLOWERS,
    ST_CREATOR_UPSERT,
    ST_CREATOR_UPSERT_KEEP_BIO,
    ST_HISTORY_ADD,
    ST_CREATOR_GET,
    ST_HISTORY,
    ST_POST_ADD,
    ST_POST_GET,
    ST_POST_LAST_IN,
    ST_KEY_GET,
    ST_KEY_ADD,
    ST_POST_SET,
    ST_SCAN_CREATORS,
    ST_SCAN_POSTS,
    ST_CREATOR_IDS,
    ST_ANY_CREATOR,
    ST_ANY_HISTORY,
    ST_ANY_POST,
    ST_TABLE_INDEXES,
    ST_COUNT
};

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

/* ---- the store and its connections ------------------------------------------------ */

static const pd_store_ops sq_ops;

int64_t sq_now_s(const sq_store *s)
{
    return (int64_t)time(NULL) + s->base.clock_offset;
}

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

/* The cached statement, prepared on first use. */
static sqlite3_stmt *stmt(sq_db *d, enum st id, pd_error *err)
{
    if (!d->st[id]) {
        int rc =
            sqlite3_prepare_v3(d->db, st_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &d->st[id], NULL);
        if (rc != SQLITE_OK) {
            sq_fail(d->db, rc, err, "preparing a statement");
            d->st[id] = NULL;
            return NULL;
        }
    }
    return d->st[id];
}

/* Resets a statement after use, so that it holds no lock nor value. */
void sq_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Runs a statement that returns no row (or whose rows do not matter). */
static int run(sq_db *d, enum st id, pd_error *err, const char *what)
{
    sqlite3_stmt *st = stmt(d, id, err);
    if (!st)
        return err ? err->code : PD_EINTERNAL;
    int rc = sqlite3_step(st);
    int out = rc == SQLITE_DONE || rc == SQLITE_ROW ? PD_OK : sq_fail(d->db, rc, err, what);
    sq_done(st);
    return out;
}

int sq_read_begin(sq_db *d, int *own, pd_error *err)
{
    *own = sqlite3_get_autocommit(d->db);
    if (!*own)
        return PD_OK;
    int rc = run(d, ST_BEGIN_READ, err, "starting a read");
    if (rc)
        *own = 0;
    return rc;
}

void sq_read_end(sq_db *d, int own)
{
    /* A read has nothing to keep: COMMIT only ends the snapshot. */
    if (own && !sqlite3_get_autocommit(d->db))
        run(d, ST_COMMIT, NULL, "ending a read");
}

/* A constant statement that is not worth caching (pragmas, DDL). */
static int exec(sq_db *d, const char *sql, pd_error *err)
{
    int rc = sqlite3_exec(d->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? PD_OK : sq_fail(d->db, rc, err, sql);
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

/* Is it SQLITE_ROW with the first column 1? (EXISTS queries) */
static int exists(sq_db *d, enum st id, int64_t key, int *yes, pd_error *err)
{
    sqlite3_stmt *st = stmt(d, id, err);
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

/* Makes one call atomic: a savepoint inside the caller's transaction, or a
 * transaction of its own when there is none. */
int sq_call_begin(sq_db *d, pd_error *err)
{
    d->own_txn = sqlite3_get_autocommit(d->db);
    return run(d, d->own_txn ? ST_BEGIN : ST_SAVEPOINT, err, "starting a transaction");
}

/* Ends what call_begin started: kept when rc is PD_OK, else undone.
 * Returns rc, or the commit's error. */
int sq_call_end(sq_db *d, int rc, pd_error *err)
{
    if (d->own_txn) {
        d->own_txn = 0;
        if (rc == PD_OK && (rc = run(d, ST_COMMIT, err, "committing")) == PD_OK)
            return PD_OK;
        if (!sqlite3_get_autocommit(d->db))
            run(d, ST_ROLLBACK, NULL, "rolling back");
        return rc;
    }
    if (rc != PD_OK)
        run(d, ST_ROLLBACK_TO, NULL, "rolling back");
    int r = run(d, ST_RELEASE, rc ? NULL : err, "releasing a savepoint");
    return rc ? rc : r;
}

static void conn_close(sq_db *d)
{
    if (!d)
        return;
    for (int i = 0; d->st && i < ST_COUNT; i++)
        sqlite3_finalize(d->st[i]);
    free(d->st);
    sqlite3_finalize(d->bulk);
    sqlite3_finalize(d->bulk_creators);
    sqlite3_finalize(d->bulk_history);
    sq_search_free(d); /* search (sqlite_search.c) */
    sq_online_free(d); /* online certification (sqlite_online.c) */
    sqlite3_close_v2(d->db);
    free(d);
}

/* Reads the single text result of a pragma into out. */
static int pragma_text(sq_db *d, const char *sql, char *out, size_t cap, pd_error *err)
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

static int conn_open(sq_store *s, sq_db **out, pd_error *err)
{
    sq_db *d = calloc(1, sizeof *d);
    if (!d)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    d->base.ops = &sq_ops;
    d->base.store = &s->base;
    d->s = s;
    d->st = calloc(ST_COUNT, sizeof *d->st);
    if (!d->st) {
        free(d);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE |
                (s->create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(s->path, &d->db, flags, NULL);
    if (rc != SQLITE_OK) {
        pd_error_set(err, PD_EIO, "%s: cannot open: %s", s->path,
                     d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc));
        conn_close(d);
        return PD_EIO;
    }
    sqlite3_busy_timeout(d->db, (int)s->busy_ms);
    char mode[16];
    rc = pragma_text(d, "PRAGMA journal_mode = WAL", mode, sizeof mode, err);
    if (rc == PD_OK && strcmp(mode, "wal") != 0)
        rc = pd_error_set(err, PD_EIO, "%s: cannot use WAL mode (journal mode is '%s')", s->path,
                          mode);
    if (rc == PD_OK)
        rc = exec(d, "PRAGMA foreign_keys = ON", err);
    if (rc == PD_OK)
        rc = exec(d, "PRAGMA synchronous = FULL", err);
    if (rc != PD_OK) {
        pd_error_prefix(err, "%s", s->path);
        conn_close(d);
        return rc;
    }
    *out = d;
    return PD_OK;
}

static void deadline_after(struct timespec *ts, unsigned ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static int sq_acquire(pd_store *ps, pd_db **out, pd_error *err)
{
    sq_store *s = (sq_store *)ps;
    struct timespec deadline;
    deadline_after(&deadline, s->busy_ms);
    int timed_out = 0;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        if (s->nidle) {
            *out = &s->idle[--s->nidle]->base;
            pthread_mutex_unlock(&s->mu);
            return PD_OK;
        }
        if (s->nall + s->opening < s->pool_size)
            break;
        if (timed_out) {
            pthread_mutex_unlock(&s->mu);
            return pd_error_set(err, PD_EUNAVAILABLE,
                                "all %u database connections stayed busy for %u ms",
                                s->pool_size, s->busy_ms);
        }
        timed_out = pthread_cond_timedwait(&s->cv, &s->mu, &deadline) == ETIMEDOUT;
    }
    s->opening++;
    pthread_mutex_unlock(&s->mu);
    sq_db *d = NULL;
    int rc = conn_open(s, &d, err);
    pthread_mutex_lock(&s->mu);
    s->opening--;
    if (rc == PD_OK)
        s->all[s->nall++] = d;
    else
        pthread_cond_signal(&s->cv); /* the slot is free again */
    pthread_mutex_unlock(&s->mu);
    if (rc == PD_OK)
        *out = &d->base;
    return rc;
}

static void sq_release(pd_store *ps, pd_db *pdb)
{
    sq_store *s = (sq_store *)ps;
    sq_db *d = (sq_db *)pdb;
    if (!d)
        return;
    /* A connection goes back clean: no transaction left open by mistake. */
    if (!sqlite3_get_autocommit(d->db))
        sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_lock(&s->mu);
    s->idle[s->nidle++] = d;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void sq_close(pd_store *ps)
{
    sq_store *s = (sq_store *)ps;
    /* Every connection must have been released (the caller's contract). A
     * final checkpoint empties the WAL into the database file. */
    if (s->nidle)
        sqlite3_exec(s->idle[0]->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    for (size_t i = 0; i < s->nall; i++)
        conn_close(s->all[i]);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s->all);
    free(s->idle);
    free(s->path);
    free(s);
}

/* ---- migrations --------------------------------------------------------------------- */

static int schema_version(sq_db *d, int *v, pd_error *err)
{
    sqlite3_stmt *st = stmt(d, ST_VERSION, err);
    if (!st)
        return err->code;
    int rc = sqlite3_step(st);
    int out = PD_OK;
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int(st, 0);
    else
        out = sq_fail(d->db, rc, err, "reading the schema version");
    sq_done(st);
    return out;
}

static int migrate_conn(sq_db *d, int *applied, int *version, pd_error *err)
{
    int n = 0, v = 0;
    int rc = exec(d,
                  "CREATE TABLE IF NOT EXISTS schema_version (\n"
                  "    version INTEGER PRIMARY KEY,\n"
                  "    name TEXT NOT NULL,\n"
                  "    applied_at INTEGER NOT NULL\n"
                  ")",
                  err);
    while (rc == PD_OK) {
        if ((rc = run(d, ST_BEGIN, err, "starting a migration")) != PD_OK)
            break;
        /* Read inside the transaction: another process may have migrated. */
        if ((rc = schema_version(d, &v, err)) != PD_OK)
            break;
        if (v > (int)pd_sqlite_migration_count) {
            rc = pd_error_set(err, PD_EINPUT,
                              "the database has schema version %d, newer than this "
                              "partnerd knows (%zu): use a newer partnerd",
                              v, pd_sqlite_migration_count);
            break;
        }
        if (v == (int)pd_sqlite_migration_count) {
            rc = run(d, ST_COMMIT, err, "committing");
            break;
        }
        const pd_migration *m = &pd_sqlite_migrations[v];
        rc = exec(d, m->sql, err);
        if (rc == PD_OK) {
            sqlite3_stmt *st = stmt(d, ST_VERSION_ADD, err);
            if (!st) {
                rc = err->code;
                break;
            }
            sqlite3_bind_int(st, 1, m->version);
            sq_bind_text(st, 2, m->name);
            sqlite3_bind_int64(st, 3, sq_now_s(d->s));
            int r = sqlite3_step(st);
            if (r != SQLITE_DONE)
                rc = sq_fail(d->db, r, err, "recording the schema version");
            sq_done(st);
        }
        if (rc == PD_OK)
            rc = run(d, ST_COMMIT, err, "committing a migration");
        if (rc != PD_OK) {
            pd_error_prefix(err, "migration %d (%s)", m->version, m->name);
            break;
        }
        n++;
        v = m->version;
    }
    if (!sqlite3_get_autocommit(d->db))
        run(d, ST_ROLLBACK, NULL, "rolling back");
    if (applied)
        *applied = n;
    if (version)
        *version = v;
    return rc;
}

static int sq_migrate(pd_store *ps, int *applied, int *version, pd_error *err)
{
    pd_db *db;
    int rc = sq_acquire(ps, &db, err);
    if (rc)
        return rc;
    rc = migrate_conn((sq_db *)db, applied, version, err);
    sq_release(ps, db);
    return rc;
}

/* Once per process, before SQLite starts: no global memory statistics.
 * They take a process-wide mutex on every allocation, which every server
 * thread then queues on; nothing here reads them. (Fails harmlessly when
 * SQLite was started already.) */
static void sqlite_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int pd_sqlite_open(const char *path, const pd_store_options *o, pd_store **out, pd_error *err)
{
    static pthread_once_t configured = PTHREAD_ONCE_INIT;
    pthread_once(&configured, sqlite_configure);
    struct stat st;
    if (!o->create && stat(path, &st) != 0)
        return pd_error_set(err, PD_EIO,
                            "%s: no such database (partnerd migrate --db %s "
                            "creates it): %s",
                            path, path, strerror(errno));
    /* A new database holds password hashes and tokens: made readable by
     * its owner only. SQLite would create it 0644 (less the umask); an
     * empty file is a valid new database, and its -wal and -shm files take
     * the database file's mode. */
    if (o->create) {
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0)
            close(fd);
        else if (errno != EEXIST)
            return pd_error_set(err, PD_EIO, "%s: cannot create: %s", path, strerror(errno));
    }
    sq_store *s = calloc(1, sizeof *s);
    if (!s)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    s->base.ops = &sq_ops;
    atomic_init(&s->versions, 0);
    s->create = o->create;
    s->pool_size = o->pool_size ? o->pool_size : DEFAULT_POOL;
    s->busy_ms = o->busy_ms ? o->busy_ms : DEFAULT_BUSY_MS;
    s->base.clock_offset = o->clock_offset;
    s->path = strdup(path);
    s->all = calloc(s->pool_size, sizeof *s->all);
    s->idle = calloc(s->pool_size, sizeof *s->idle);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int ok = s->path && s->all && s->idle && pthread_mutex_init(&s->mu, NULL) == 0;
    if (ok && pthread_cond_init(&s->cv, &ca) != 0) {
        pthread_mutex_destroy(&s->mu);
        ok = 0;
    }
    pthread_condattr_destroy(&ca);
    if (!ok) {
        free(s->path);
        free(s->all);
        free(s->idle);
        free(s);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    /* The first connection now: it creates the file, checks that it is a
     * database and puts it in WAL mode. */
    sq_db *d;
    int rc = conn_open(s, &d, err);
    if (rc == PD_OK) {
        s->all[s->nall++] = d;
        s->idle[s->nidle++] = d;
        if (o->migrate)
            rc = migrate_conn(d, NULL, NULL, err);
    }
    if (rc != PD_OK) {
        sq_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return PD_OK;
}

/* ---- transactions ---------------------------------------------------------------- */

static int sq_begin(pd_db *pdb, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    if (!sqlite3_get_autocommit(d->db))
        return pd_error_set(err, PD_EINTERNAL, "a transaction is open already");
    return run(d, ST_BEGIN, err, "starting a transaction");
}

static int sq_commit(pd_db *pdb, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = run(d, ST_COMMIT, err, "committing");
    if (rc != PD_OK && !sqlite3_get_autocommit(d->db))
        run(d, ST_ROLLBACK, NULL, "rolling back");
    return rc;
}

static void sq_rollback(pd_db *pdb)
{
    sq_db *d = (sq_db *)pdb;
    if (!sqlite3_get_autocommit(d->db))
        run(d, ST_ROLLBACK, NULL, "rolling back");
}

/* ---- versions of the data ----------------------------------------------------------
 *
 * Telling whether anything was committed, without a read transaction: the
 * header of the WAL-index, the shared memory that every connection to the
 * database in WAL mode uses (https://www.sqlite.org/walformat.html, "The
 * WAL-Index Header"). Every commit, by any connection of any process,
 * rewrites it before the commit returns (a change counter, the last frame,
 * checksums; a WAL restart changes its salts), so two equal readings mean
 * nothing was committed in between. SQLite keeps two copies and writes the
 * second, then (after a memory barrier) the first; a reader that finds
 * them equal has a whole one, as SQLite's own readers do. The region is
 * found through the VFS's xShmMap, the way SQLite maps it, and stays
 * mapped while the connection is open. */
#define WAL_INDEX_PAGE 32768u  /* the size SQLite maps the WAL-index in */
#define WAL_HDR_WORDS 12u      /* 48 bytes a copy */
#define WAL_HDR_VERSION 3007000u

/* The WAL-index header now into hdr: 0, or -1 when it cannot be read whole
 * (not mapped yet, not WAL, being written this instant). */
static int wal_header(sq_db *d, uint32_t hdr[WAL_HDR_WORDS])
{
    if (!d->wal_index) {
        sqlite3_file *f = NULL;
        volatile void *p = NULL;
        if (sqlite3_file_control(d->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
            !f || !f->pMethods || f->pMethods->iVersion < 2 || !f->pMethods->xShmMap ||
            f->pMethods->xShmMap(f, 0, (int)WAL_INDEX_PAGE, 0, &p) != SQLITE_OK || !p)
            return -1;
        d->wal_index = (const volatile uint32_t *)p;
    }
    uint32_t second[WAL_HDR_WORDS];
    for (unsigned i = 0; i < WAL_HDR_WORDS; i++)
        hdr[i] = d->wal_index[i];
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < WAL_HDR_WORDS; i++)
        second[i] = d->wal_index[WAL_HDR_WORDS + i];
    /* iVersion, then isInit (the byte after the change counter). */
    unsigned char init = ((const unsigned char *)hdr)[12];
    if (memcmp(hdr, second, sizeof second) != 0 || hdr[0] != WAL_HDR_VERSION || !init)
        return -1;
    return 0;
}

static int sq_read_peek_v(pd_db *pdb, uint64_t *version)
{
    sq_db *d = (sq_db *)pdb;
    uint32_t now[WAL_HDR_WORDS];
    if (!d->wal_hdr_ok || d->version == 0 || !sqlite3_get_autocommit(d->db) ||
        wal_header(d, now) != 0 || memcmp(now, d->wal_hdr, sizeof now) != 0)
        return 0;
    *version = d->version;
    return 1;
}

/* The snapshot is taken by a first read (BEGIN alone defers it); SQLite's
 * data version, read after it, moves whenever the file changed since this
 * connection last looked, whoever changed it. Each move takes a new number
 * from the store's count, so a version never repeats in the store's life,
 * whichever connection (or address a connection is at) it names. The
 * WAL-index header is read first (sq_read_peek_v): if a commit comes
 * between that reading and the snapshot, the next peek finds the header
 * moved and says it cannot tell, never that an older state is current. */
static int sq_read_begin_v(pd_db *pdb, uint64_t *version, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    if (!sqlite3_get_autocommit(d->db))
        return pd_error_set(err, PD_EINTERNAL, "a transaction is open already");
    uint32_t hdr[WAL_HDR_WORDS];
    int hdr_ok = wal_header(d, hdr) == 0;
    int rc = run(d, ST_BEGIN_READ, err, "starting a read");
    if (rc == PD_OK && (rc = run(d, ST_SNAPSHOT, err, "starting a read")) != PD_OK)
        run(d, ST_ROLLBACK, NULL, "ending a read");
    if (rc)
        return rc;
    unsigned dv = 0;
    sqlite3_file_control(d->db, "main", SQLITE_FCNTL_DATA_VERSION, &dv);
    if (d->version == 0 || dv != d->data_version) {
        d->data_version = dv;
        d->version = atomic_fetch_add(&d->s->versions, 1) + 1;
    }
    d->wal_hdr_ok = hdr_ok;
    if (hdr_ok)
        memcpy(d->wal_hdr, hdr, sizeof hdr);
    *version = d->version;
    return PD_OK;
}

static void sq_read_end_v(pd_db *pdb)
{
    sq_read_end((sq_db *)pdb, 1);
}

/* ---- backup ----------------------------------------------------------------------- */

static int sq_backup(pd_store *ps, const char *path, pd_error *err)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + sizeof ".tmp.XXXXXX");
    if (!tmp)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return pd_error_set(err, PD_EIO, "%s: cannot create: %s", path, strerror(e));
    }
    close(fd);
    pd_db *db = NULL;
    sqlite3 *dst = NULL;
    int rc = sq_acquire(ps, &db, err);
    if (rc == PD_OK) {
        int r = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
        if (r != SQLITE_OK) {
            rc = sq_fail(dst, r, err, "opening the copy");
        } else {
            /* One step copies everything inside one read transaction of the
             * source: a consistent snapshot, while writers go on (WAL). */
            sqlite3_backup *b = sqlite3_backup_init(dst, "main", ((sq_db *)db)->db, "main");
            if (!b) {
                rc = sq_fail(dst, sqlite3_errcode(dst), err, "starting the backup");
            } else {
                r = sqlite3_backup_step(b, -1);
                sqlite3_backup_finish(b);
                if (r != SQLITE_DONE)
                    rc = sq_fail(dst, r, err, "copying");
            }
        }
        if (dst && sqlite3_close(dst) != SQLITE_OK && rc == PD_OK)
            rc = pd_error_set(err, PD_EIO, "%s: closing the copy failed", path);
        sq_release(ps, db);
    }
    if (rc == PD_OK) {
        fd = open(tmp, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0)
            rc = pd_error_set(err, PD_EIO, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    if (rc == PD_OK && rename(tmp, path) != 0)
        rc = pd_error_set(err, PD_EIO, "%s: cannot rename the copy into place: %s", path,
                          strerror(errno));
    if (rc != PD_OK) {
        unlink(tmp);
        /* The copy's journal, if SQLite left one. */
        char *j = malloc(n + sizeof ".tmp.XXXXXX-journal");
        if (j) {
            snprintf(j, n + sizeof ".tmp.XXXXXX-journal", "%s-journal", tmp);
            unlink(j);
            free(j);
        }
    }
    free(tmp);
    if (rc != PD_OK)
        pd_error_prefix(err, "backup to %s", path);
    return rc;
}

/* ---- accounts ----------------------------------------------------------------------- */

static void read_user(sqlite3_stmt *st, pd_user *u, char *hash)
{
    memset(u, 0, sizeof *u);
    u->id = sqlite3_column_int64(st, 0);
    sq_col_text(st, 1, u->name, sizeof u->name);
    char role[16];
    sq_col_text(st, 2, role, sizeof role);
    pd_role r = 0;
    pd_role_from_name(role, &r);
    u->role = r;
    u->brand_id = sqlite3_column_int64(st, 3);
    u->creator_id = sqlite3_column_int64(st, 4);
    u->mcn_id = sqlite3_column_int64(st, 5);
    u->disabled = sqlite3_column_int(st, 6);
    u->created_at = sqlite3_column_int64(st, 7);
    if (hash)
        sq_col_text(st, 8, hash, PD_HASH_MAX);
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

/* Runs a query of one user (by name, id or token); PD_ENOTFOUND when none.
 * next (when not NULL) gets the integer column after USER_COLS (a token's
 * expiry). */
static int one_user(sq_db *d, sqlite3_stmt *st, pd_user *u, char *hash, int64_t *next,
                    pd_error *err, const char *what)
{
    int out = sq_step_one(d, st, "reading users", err);
    if (out == PD_OK) {
        read_user(st, u, hash);
        if (next)
            *next = sqlite3_column_int64(st, USER_NCOLS);
    } else if (out == PD_ENOTFOUND)
        pd_error_set(err, PD_ENOTFOUND, "%s", what);
    sq_done(st);
    return out;
}

/* PD_EINPUT unless a row of that id exists in the table `id_st` reads. */
static int must_exist(sq_db *d, enum st id_st, int64_t id, const char *what, pd_error *err)
{
    int yes = 0;
    int rc = exists(d, id_st, id, &yes, err);
    if (rc == PD_OK && !yes)
        rc = pd_error_set(err, PD_EINPUT, "no %s with id %lld", what, (long long)id);
    return rc;
}

static int sq_user_add(pd_db *pdb, pd_user *u, const char *hash, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err);
    if (rc)
        return rc;
    if (u->brand_id)
        rc = must_exist(d, ST_BRAND_EXISTS, u->brand_id, "brand", err);
    if (rc == PD_OK && u->creator_id)
        rc = must_exist(d, ST_CREATOR_EXISTS, u->creator_id, "creator", err);
    if (rc == PD_OK && u->mcn_id) {
        sqlite3_stmt *st = stmt(d, ST_MCN_NAME, err);
        if (!st)
            return sq_call_end(d, err->code, err);
        sqlite3_bind_int64(st, 1, u->mcn_id);
        int r = sqlite3_step(st);
        if (r == SQLITE_DONE)
            rc = pd_error_set(err, PD_EINPUT, "no MCN with id %lld", (long long)u->mcn_id);
        else if (r != SQLITE_ROW)
            rc = sq_fail(d->db, r, err, "reading MCNs");
        sq_done(st);
    }
    if (rc == PD_OK) {
        sqlite3_stmt *st = stmt(d, ST_USER_ADD, err);
        if (!st)
            return sq_call_end(d, err->code, err);
        int64_t at = sq_now_s(d->s);
        sq_bind_text(st, 1, u->name);
        sq_bind_text(st, 2, pd_role_name(u->role));
        sq_bind_link(st, 3, u->brand_id);
        sq_bind_link(st, 4, u->creator_id);
        sq_bind_link(st, 5, u->mcn_id);
        sq_bind_text(st, 6, hash);
        sqlite3_bind_int(st, 7, u->disabled ? 1 : 0);
        sqlite3_bind_int64(st, 8, at);
        int r = sqlite3_step(st);
        if (r == SQLITE_DONE) {
            u->id = sqlite3_last_insert_rowid(d->db);
            u->created_at = at;
            u->disabled = u->disabled ? 1 : 0;
        } else if ((sqlite3_extended_errcode(d->db) == SQLITE_CONSTRAINT_UNIQUE)) {
            rc = pd_error_set(err, PD_ECONFLICT, "a user named '%s' exists already", u->name);
        } else {
            rc = sq_fail(d->db, r, err, "adding a user");
        }
        sq_done(st);
    }
    return sq_call_end(d, rc, err);
}

static int sq_user_by_name(pd_db *pdb, const char *name, pd_user *u, char hash[PD_HASH_MAX],
                           pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = stmt(d, ST_USER_BY_NAME, err);
    if (!st)
        return err->code;
    sq_bind_text(st, 1, name);
    char what[PD_NAME_MAX + 32];
    snprintf(what, sizeof what, "no user named '%s'", name);
    return one_user(d, st, u, hash, NULL, err, what);
}

static int sq_user_by_id(pd_db *pdb, int64_t id, pd_user *u, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = stmt(d, ST_USER_BY_ID, err);
    if (!st)
        return err->code;
    sqlite3_bind_int64(st, 1, id);
    char what[48];
    snprintf(what, sizeof what, "no user with id %lld", (long long)id);
    return one_user(d, st, u, NULL, NULL, err, what);
}

static int sq_user_list(pd_db *pdb, int (*each)(void *ctx, const pd_user *u), void *ctx,
                        pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = stmt(d, ST_USER_LIST, err);
    if (!st)
        return err->code;
    int rc, out = PD_OK;
    pd_user u;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_user(st, &u, NULL);
        if ((out = each(ctx, &u)) != 0)
            break;
    }
    if (out == PD_OK && rc != SQLITE_DONE)
        out = sq_fail(d->db, rc, err, "listing users");
    sq_done(st);
    return out;
}

static int sq_user_set_disabled(pd_db *pdb, const char *name, int disabled, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = stmt(d, ST_USER_SET_DISABLED, err);
    if (!st)
        return err->code;
    sq_bind_text(st, 1, name);
    sqlite3_bind_int(st, 2, disabled ? 1 : 0);
    int rc = sqlite3_step(st);
    int out = PD_OK;
    if (rc != SQLITE_DONE)
        out = sq_fail(d->db, rc, err, "updating a user");
    else if (sqlite3_changes(d->db) == 0)
        out = pd_error_set(err, PD_ENOTFOUND, "no user named '%s'", name);
    sq_done(st);
    return out;
}

static int sq_token_add(pd_db *pdb, const uint8_t hash[32], int64_t user_id, int64_t expires_at,
                        pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err);
    if (rc)
        return rc;
    rc = must_exist(d, ST_USER_EXISTS, user_id, "user", err);
    if (rc == PD_OK) {
        sqlite3_stmt *st = stmt(d, ST_TOKEN_ADD, err);
        if (!st)
            return sq_call_end(d, err->code, err);
        sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, user_id);
        sqlite3_bind_int64(st, 3, expires_at);
        sqlite3_bind_int64(st, 4, sq_now_s(d->s));
        int r = sqlite3_step(st);
        if (r != SQLITE_DONE)
            rc = sq_fail(d->db, r, err, "adding a token");
        if (rc == PD_ECONFLICT)
            pd_error_set(err, PD_ECONFLICT, "that token exists already");
        sq_done(st);
    }
    return sq_call_end(d, rc, err);
}

static int sq_token_user(pd_db *pdb, const uint8_t hash[32], int64_t now, pd_user *u,
                         int64_t *expires_at, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = stmt(d, ST_TOKEN_USER, err);
    if (!st)
        return err->code;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    return one_user(d, st, u, NULL, expires_at, err, "unknown or expired token");
}

static int sq_token_delete(pd_db *pdb, const uint8_t hash[32], pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = stmt(d, ST_TOKEN_DELETE, err);
    if (!st)
        return err->code;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int out = PD_OK;
    if (rc != SQLITE_DONE)
        out = sq_fail(d->db, rc, err, "deleting a token");
    else if (sqlite3_changes(d->db) == 0)
        out = pd_error_set(err, PD_ENOTFOUND, "unknown token");
    sq_done(st);
    return out;
}

static int sq_token_purge(pd_db *pdb, int64_t now, int64_t *n, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = stmt(d, ST_TOKEN_PURGE, err);
    if (!st)
        return err->code;
    sqlite3_bind_int64(st, 1, now);
    int rc = sqlite3_step(st);
    int out = PD_OK;
    if (rc != SQLITE_DONE)
        out = sq_fail(d->db, rc, err, "purging tokens");
    else if (n)
        *n = sqlite3_changes64(d->db);
    sq_done(st);
    return out;
}

/* ---- brands and MCNs -------------------------------------------------------------- */

/* The key named `name` into out (at most 64 bytes), PD_ENOTFOUND when none. */
static int key_get(sq_db *d, const char *name, uint8_t *out, size_t *len, pd_error *err)
{
    sqlite3_stmt *st = stmt(d, ST_KEY_GET, err);
    if (!st)
        return err->code;
    sq_bind_text(st, 1, name);
    int rc = sq_step_one(d, st, "reading a server key", err);
    if (rc == PD_OK) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        *len = n < 64 ? n : 64;
        memcpy(out, sqlite3_column_blob(st, 0), *len);
    } else if (rc == PD_ENOTFOUND) {
        pd_error_set(err, PD_ENOTFOUND, "no server key named %s", name);
    }
    sq_done(st);
    return rc;
}

static int sq_server_key(pd_db *pdb, const char *name, const uint8_t *fresh, size_t fresh_len,
                         uint8_t *out, size_t *len, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = key_get(d, name, out, len, err);
    if (rc != PD_ENOTFOUND || !fresh)
        return rc;
    /* Stored if still absent, then read: two processes (or threads) making
     * the first key at once end with the same one. */
    if ((rc = sq_call_begin(d, err)) != PD_OK)
        return rc;
    sqlite3_stmt *st = stmt(d, ST_KEY_ADD, err);
    if (!st)
        return sq_call_end(d, err->code, err);
    sq_bind_text(st, 1, name);
    sqlite3_bind_blob(st, 2, fresh, (int)fresh_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, sq_now_s(d->s));
    int r = sqlite3_step(st);
    if (r != SQLITE_DONE)
        rc = sq_fail(d->db, r, err, "storing a server key");
    sq_done(st);
    if (rc == PD_OK)
        rc = key_get(d, name, out, len, err);
    return sq_call_end(d, rc, err);
}

static int sq_brand_add(pd_db *pdb, const char *name, int64_t *id, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = stmt(d, ST_BRAND_ADD, err);
    if (!st)
        return err->code;
    sq_bind_text(st, 1, name);
    sqlite3_bind_int64(st, 2, sq_now_s(d->s));
    int rc = sqlite3_step(st);
    int out = PD_OK;
    if (rc == SQLITE_DONE) {
        if (id)
            *id = sqlite3_last_insert_rowid(d->db);
    } else if (sqlite3_extended_errcode(d->db) == SQLITE_CONSTRAINT_UNIQUE) {
        out = pd_error_set(err, PD_ECONFLICT, "a brand named '%s' exists already", name);
    } else {
        out = sq_fail(d->db, rc, err, "adding a brand");
    }
    sq_done(st);
    return out;
}

static int sq_org_list(pd_db *pdb, int mcns, int (*each)(void *ctx, const pd_org_rec *o),
                       void *ctx, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = stmt(d, mcns ? ST_MCN_LIST : ST_BRAND_LIST, err);
    if (!st)
        return err->code;
    int rc, out = PD_OK;
    pd_org_rec o;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        o.id = sqlite3_column_int64(st, 0);
        sq_col_text(st, 1, o.name, sizeof o.name);
        o.created_at = sqlite3_column_int64(st, 2);
        o.members = (uint64_t)sqlite3_column_int64(st, 3);
        if ((out = each(ctx, &o)) != 0)
            break;
    }
    if (out == PD_OK && rc != SQLITE_DONE)
        out = sq_fail(d->db, rc, err, mcns ? "listing MCNs" : "listing brands");
    sq_done(st);
    return out;
}

static int sq_mcn_add(pd_db *pdb, int64_t id, const char *name, int64_t *out_id, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err);
    if (rc)
        return rc;
    if (id) {
        sqlite3_stmt *st = stmt(d, ST_MCN_NAME, err);
        if (!st)
            return sq_call_end(d, err->code, err);
        sqlite3_bind_int64(st, 1, id);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            char have[PD_NAME_MAX];
            sq_col_text(st, 0, have, sizeof have);
            rc = strcmp(have, name) == 0
                     ? -1 /* there already: done */
                     : pd_error_set(err, PD_ECONFLICT, "MCN %lld exists already as '%s'",
                                    (long long)id, have);
        } else if (r != SQLITE_DONE) {
            rc = sq_fail(d->db, r, err, "reading MCNs");
        }
        sq_done(st);
        if (rc == -1) {
            if (out_id)
                *out_id = id;
            return sq_call_end(d, PD_OK, err);
        }
    }
    if (rc == PD_OK) {
        sqlite3_stmt *st = stmt(d, ST_MCN_ADD, err);
        if (!st)
            return sq_call_end(d, err->code, err);
        sq_bind_link(st, 1, id);
        sq_bind_text(st, 2, name);
        sqlite3_bind_int64(st, 3, sq_now_s(d->s));
        int r = sqlite3_step(st);
        if (r == SQLITE_DONE) {
            if (out_id)
                *out_id = sqlite3_last_insert_rowid(d->db);
        } else {
            rc = sq_fail(d->db, r, err, "adding an MCN");
        }
        sq_done(st);
    }
    return sq_call_end(d, rc, err);
}

/* ---- creators and posts ------------------------------------------------------------ */

/* Inserts or updates a creator and records a new follower count. *is_new
 * and *followers_changed (when not NULL) say what happened. */
static int creator_put_ex(sq_db *d, const pd_creator_rec *c, int64_t at, int keep_bio,
                          int known_new, int *is_new, int *followers_changed, pd_error *err)
{
    int had = 0;
    int64_t before = 0;
    if (!known_new) {
        sqlite3_stmt *st = stmt(d, ST_CREATOR_FOLLOWERS, err);
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
    sqlite3_stmt *st = stmt(d, keep_bio ? ST_CREATOR_UPSERT_KEEP_BIO : ST_CREATOR_UPSERT, err);
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
    if (is_new)
        *is_new = !had;
    if (followers_changed)
        *followers_changed = !had || before != (int64_t)c->followers;
    if (rc != PD_OK || (had && before == (int64_t)c->followers))
        return rc;
    st = stmt(d, ST_HISTORY_ADD, err);
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

static int creator_put(sq_db *d, const pd_creator_rec *c, int64_t at, int keep_bio, int known_new,
                       pd_error *err)
{
    return creator_put_ex(d, c, at, keep_bio, known_new, NULL, NULL, err);
}

static int sq_creator_put(pd_db *pdb, const pd_creator_rec *c, int64_t at, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err);
    if (rc)
        return rc;
    rc = creator_put_ex(d, c, at, 0, 0, NULL, NULL, err);
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

static int sq_creator_get(pd_db *pdb, int64_t id, pd_creator_rec *c, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = stmt(d, ST_CREATOR_GET, err);
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

static int sq_followers_history(pd_db *pdb, int64_t creator_id,
                                int (*each)(void *ctx, int64_t at, uint64_t followers), void *ctx,
                                pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int yes = 0;
    int out = exists(d, ST_CREATOR_EXISTS, creator_id, &yes, err);
    if (out)
        return out;
    if (!yes)
        return pd_error_set(err, PD_ENOTFOUND, "no creator with id %lld", (long long)creator_id);
    sqlite3_stmt *st = stmt(d, ST_HISTORY, err);
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
static int sq_followers_record(pd_db *pdb, int64_t creator_id, int64_t at, uint64_t followers,
                               pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = stmt(d, ST_HISTORY_ADD, err);
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

static void bind_post(sqlite3_stmt *st, int base, const pd_post_rec *p)
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

/* One post; PD_ECONFLICT for an existing id, PD_EINPUT for an unknown
 * creator (when foreign keys are checked). */
static int post_insert(sq_db *d, const pd_post_rec *p, pd_error *err)
{
    sqlite3_stmt *st = stmt(d, ST_POST_ADD, err);
    if (!st)
        return err->code;
    bind_post(st, 0, p);
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

/* The post, inside the caller's call_begin. */
static int post_store(sq_db *d, const pd_post_rec *p, pd_error *err)
{
    return post_insert(d, p, err);
}

static int sq_post_add(pd_db *pdb, const pd_post_rec *p, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err);
    return rc ? rc : sq_call_end(d, post_store(d, p, err), err);
}

/* The highest post id in [lo, hi] into *last, 0 when there is none: one
 * step down the primary key. */
static int post_last_in(sq_db *d, int64_t lo, int64_t hi, int64_t *last, pd_error *err)
{
    sqlite3_stmt *st = stmt(d, ST_POST_LAST_IN, err);
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

static int sq_post_publish(pd_db *pdb, pd_post_rec *p, pd_error *err)
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

static int sq_post_get(pd_db *pdb, int64_t id, pd_post_rec *p, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = stmt(d, ST_POST_GET, err);
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

static int sq_post_set_metrics(pd_db *pdb, int64_t id, uint64_t views, uint64_t likes,
                               uint64_t comments, uint64_t collects, pd_post_rec *before,
                               pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err);
    if (rc)
        return rc;
    pd_post_rec old;
    rc = sq_post_get(pdb, id, &old, err);
    if (rc == PD_OK) {
        sqlite3_stmt *st = stmt(d, ST_POST_SET, err);
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

static int sq_scan(pd_store *ps, int (*creator)(void *ctx, const pd_creator_rec *c),
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
    sqlite3_stmt *st = rc ? NULL : stmt(d, ST_SCAN_CREATORS, err);
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
    st = rc ? NULL : stmt(d, ST_SCAN_POSTS, err);
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
    sqlite3_stmt *st = stmt(d, ST_TABLE_INDEXES, err);
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
        rc = exec(d, sql, err);
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
                                   : exec(d, sql, err);
    }
    return rc;
}

static int bulk_fts_restore(pd_bulk *b, pd_error *err)
{
    if (!b->ntrigger)
        return PD_OK;
    int rc = exec(b->d, "INSERT INTO creators_fts(creators_fts) VALUES ('rebuild')", err);
    for (size_t i = 0; rc == PD_OK && i < b->ntrigger; i++)
        rc = exec(b->d, b->trigger_sql[i], err);
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
    rc = exists(d, ST_ANY_POST, 0, &any_post, err);
    if (rc == PD_OK && !any_post) {
        /* Leaving WAL needs every other connection of the file closed: try
         * without waiting, and stay in WAL if anyone else is there. */
        char mode[16] = "";
        sqlite3_busy_timeout(d->db, 0);
        if (pragma_text(d, "PRAGMA journal_mode = DELETE", mode, sizeof mode, NULL) == PD_OK &&
            strcmp(mode, "delete") == 0)
            b->left_wal = 1;
        sqlite3_busy_timeout(d->db, (int)b->s->busy_ms);
    }
    if (rc == PD_OK)
        rc = exec(d, "PRAGMA foreign_keys = OFF", err);
    if (rc == PD_OK)
        rc = exec(d, "PRAGMA cache_size = -" BULK_CACHE_KIB, err);
    /* store.c has checked every value against what the CHECK constraints
     * say (ids >= 1, counts >= 0, 0/1 flags): no need to check again. */
    if (rc == PD_OK)
        rc = exec(d, "PRAGMA ignore_check_constraints = ON", err);
    if (rc == PD_OK)
        rc = run(d, ST_BEGIN, err, "starting the import");
    for (int t = 0; rc == PD_OK && t < BULK_TABLES; t++) {
        int any = 1;
        rc = exists(d, bulk_any[t], 0, &any, err);
        if (t == 0)
            b->creators_empty = !any;
        if (rc == PD_OK && !any)
            rc = drop_indexes(b, bulk_tables[t], err);
    }
    if (rc == PD_OK && b->creators_empty)
        rc = bulk_fts_drop(b, err); /* search */
    if (rc == PD_OK)
        rc = prepare_rows(d, "INSERT INTO posts (" POST_COLS ") VALUES ", 9, BULK_ROWS, &d->bulk,
                          err);
    if (rc == PD_OK && b->creators_empty) {
        rc = prepare_rows(d, "INSERT INTO creators (" CREATOR_COLS ") VALUES ", 8, BULK_CREATORS,
                          &d->bulk_creators, err);
        if (rc == PD_OK)
            rc = prepare_rows(d, "INSERT INTO follower_history (creator_id, at, followers) VALUES ",
                              3, BULK_CREATORS, &d->bulk_history, err);
        if (rc == PD_OK && !(b->pending = malloc(BULK_CREATORS * sizeof *b->pending)))
            rc = pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    if (rc != PD_OK) {
        if (!sqlite3_get_autocommit(d->db))
            run(d, ST_ROLLBACK, NULL, "rolling back");
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
    sqlite3_stmt *st = stmt(d, ST_CREATOR_IDS, err);
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
    sqlite3_stmt *st = stmt(d, ST_MCN_ENSURE, err);
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
            int rc = creator_put(d, &b->pending[i], b->pending_at, 1, 1, err);
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
        return creator_put(b->d, c, at, 1, 0, err);
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
            bind_post(st, k * 9, &p[i + (size_t)k]);
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
            int rc = post_insert(d, &p[i], err);
            if (rc) {
                *failed = i;
                return rc;
            }
        }
    }
    for (; i < n; i++) {
        int rc = post_insert(d, &p[i], err);
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
            rc = exec(d, b->index_sql[i], err);
        if (rc == PD_OK)
            rc = bulk_fts_restore(b, err); /* search */
        /* The window aggregates do not count what was imported: stale
         * until pd_store_online_advance recomputes them. */
        if (rc == PD_OK)
            rc = exec(d, "UPDATE online_state SET stale = 1", err);
        if (rc == PD_OK)
            rc = run(d, ST_COMMIT, err, "committing the import");
    }
    if (!sqlite3_get_autocommit(d->db))
        run(d, ST_ROLLBACK, NULL, "rolling back");
    bulk_restore(b);
    sq_release(&b->s->base, &d->base);
    bulk_free(b);
    return rc;
}

static const pd_store_ops sq_ops = {
    .name = "sqlite",
    .close = sq_close,
    .migrate = sq_migrate,
    .acquire = sq_acquire,
    .release = sq_release,
    .backup = sq_backup,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .read_begin = sq_read_begin_v,
    .read_end = sq_read_end_v,
    .read_peek = sq_read_peek_v,
    .user_add = sq_user_add,
    .user_by_name = sq_user_by_name,
    .user_by_id = sq_user_by_id,
    .user_list = sq_user_list,
    .user_set_disabled = sq_user_set_disabled,
    .token_add = sq_token_add,
    .token_user = sq_token_user,
    .token_delete = sq_token_delete,
    .token_purge = sq_token_purge,
    .server_key = sq_server_key,
    .brand_add = sq_brand_add,
    .mcn_add = sq_mcn_add,
    .org_list = sq_org_list,
    .creator_put = sq_creator_put,
    .creator_get = sq_creator_get,
    .followers_history = sq_followers_history,
    .followers_record = sq_followers_record,
    .post_add = sq_post_add,
    .post_publish = sq_post_publish,
    .post_get = sq_post_get,
    .post_set_metrics = sq_post_set_metrics,
    .scan = sq_scan,
    .bulk_begin = sq_bulk_begin,
    .bulk_creator_ids = sq_bulk_creator_ids,
    .bulk_mcn = sq_bulk_mcn,
    .bulk_creator = sq_bulk_creator,
    .bulk_posts = sq_bulk_posts,
    .bulk_end = sq_bulk_end,
    /* online certification (sqlite_online.c) */
    .policy_add = sq_policy_add,
    .policy_get = sq_policy_get,
    .policy_list = sq_policy_list,
    .policy_activate = sq_policy_activate,
    .activation_list = sq_activation_list,
    .online_state = sq_online_state,
    .activation_due = sq_activation_due,
    .online_step = sq_online_step,
    .online_mark_stale = sq_online_mark_stale,
    .cert_row_get = sq_cert_row_get,
    .cert_sums = sq_cert_sums,
    .cert_row_put = sq_cert_row_put,
    .creator_status = sq_creator_status,
    .status_history = sq_status_history,
    .verdict_scan = sq_verdict_scan,
    .creator_posts = sq_creator_posts, /* posts (sqlite_posts.c) */
    .mcn_get = sq_mcn_get,             /* an MCN's roster (sqlite_roster.c) */
    .mcn_creators = sq_mcn_creators,
    .mcn_posts_since = sq_mcn_posts_since,
    .creator_search = sq_creator_search, /* search (sqlite_search.c) */
    .window_scan = sq_window_scan,       /* search (sqlite_scan.c) */
};
