/* sqlite_conn.c - the SQLite backend's store and connections: the pool
 * (connections opened on demand, each with its statements cached), errors
 * in our convention, savepoints and transactions, migrations, opening a
 * database, the versions of the data (the WAL-index peek of
 * pd_db_read_peek) and online backup. See sqlite.c for the rest. */
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
    while (d->non_close > 0) /* what other files keep per connection */
        d->on_close[--d->non_close](d);
    sqlite3_close_v2(d->db);
    free(d);
}

static int conn_open(sq_store *s, sq_db **out, pd_error *err)
{
    sq_db *d = calloc(1, sizeof *d);
    if (!d)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    d->base.ops = s->base.ops;
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
    rc = sq_pragma_text(d, "PRAGMA journal_mode = WAL", mode, sizeof mode, err);
    if (rc == PD_OK && strcmp(mode, "wal") != 0)
        rc = pd_error_set(err, PD_EIO, "%s: cannot use WAL mode (journal mode is '%s')", s->path,
                          mode);
    if (rc == PD_OK)
        rc = sq_exec(d, "PRAGMA foreign_keys = ON", err);
    if (rc == PD_OK)
        rc = sq_exec(d, "PRAGMA synchronous = FULL", err);
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

int sq_acquire(pd_store *ps, pd_db **out, pd_error *err)
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
                                "all %u database connections stayed busy for %u ms", s->pool_size,
                                s->busy_ms);
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

void sq_release(pd_store *ps, pd_db *pdb)
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

void sq_close(pd_store *ps)
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
    sqlite3_stmt *st = sq_stmt(d, ST_VERSION, err);
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
    int rc = sq_exec(d,
                     "CREATE TABLE IF NOT EXISTS schema_version (\n"
                     "    version INTEGER PRIMARY KEY,\n"
                     "    name TEXT NOT NULL,\n"
                     "    applied_at INTEGER NOT NULL\n"
                     ")",
                     err);
    while (rc == PD_OK) {
        if ((rc = sq_run(d, ST_BEGIN, err, "starting a migration")) != PD_OK)
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
            rc = sq_run(d, ST_COMMIT, err, "committing");
            break;
        }
        const pd_migration *m = &pd_sqlite_migrations[v];
        rc = sq_exec(d, m->sql, err);
        if (rc == PD_OK) {
            sqlite3_stmt *st = sq_stmt(d, ST_VERSION_ADD, err);
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
            rc = sq_run(d, ST_COMMIT, err, "committing a migration");
        if (rc != PD_OK) {
            pd_error_prefix(err, "migration %d (%s)", m->version, m->name);
            break;
        }
        n++;
        v = m->version;
    }
    if (!sqlite3_get_autocommit(d->db))
        sq_run(d, ST_ROLLBACK, NULL, "rolling back");
    if (applied)
        *applied = n;
    if (version)
        *version = v;
    return rc;
}

int sq_migrate(pd_store *ps, int *applied, int *version, pd_error *err)
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

int sq_open(const char *path, const pd_store_options *o, const pd_store_ops *ops, pd_store **out,
            pd_error *err)
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
    s->base.ops = ops;
    atomic_init(&s->versions, 0);
    s->create = o->create;
    s->pool_size = o->pool_size ? o->pool_size : DEFAULT_POOL;
    s->busy_ms = o->busy_ms ? o->busy_ms : DEFAULT_BUSY_MS;
    s->base.clock = o->clock;
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

int sq_begin(pd_db *pdb, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    if (!sqlite3_get_autocommit(d->db))
        return pd_error_set(err, PD_EINTERNAL, "a transaction is open already");
    return sq_run(d, ST_BEGIN, err, "starting a transaction");
}

int sq_commit(pd_db *pdb, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_run(d, ST_COMMIT, err, "committing");
    if (rc != PD_OK && !sqlite3_get_autocommit(d->db))
        sq_run(d, ST_ROLLBACK, NULL, "rolling back");
    return rc;
}

void sq_rollback(pd_db *pdb)
{
    sq_db *d = (sq_db *)pdb;
    if (!sqlite3_get_autocommit(d->db))
        sq_run(d, ST_ROLLBACK, NULL, "rolling back");
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
#define WAL_INDEX_PAGE 32768u /* the size SQLite maps the WAL-index in */
#define WAL_HDR_WORDS 12u     /* 48 bytes a copy */
#define WAL_HDR_VERSION 3007000u

/* The WAL-index header now into hdr: 0, or -1 when it cannot be read whole
 * (not mapped yet, not WAL, being written this instant). */
static int wal_header(sq_db *d, uint32_t hdr[WAL_HDR_WORDS])
{
    if (!d->wal_index) {
        sqlite3_file *f = NULL;
        volatile void *p = NULL;
        if (sqlite3_file_control(d->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
            !f->pMethods || f->pMethods->iVersion < 2 || !f->pMethods->xShmMap ||
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

int sq_read_peek_v(pd_db *pdb, uint64_t *version)
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
int sq_read_begin_v(pd_db *pdb, uint64_t *version, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    if (!sqlite3_get_autocommit(d->db))
        return pd_error_set(err, PD_EINTERNAL, "a transaction is open already");
    uint32_t hdr[WAL_HDR_WORDS];
    int hdr_ok = wal_header(d, hdr) == 0;
    int rc = sq_run(d, ST_BEGIN_READ, err, "starting a read");
    if (rc == PD_OK && (rc = sq_run(d, ST_SNAPSHOT, err, "starting a read")) != PD_OK)
        sq_run(d, ST_ROLLBACK, NULL, "ending a read");
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

void sq_read_end_v(pd_db *pdb)
{
    sq_read_end((sq_db *)pdb, 1);
}

/* ---- backup ----------------------------------------------------------------------- */

int sq_backup(pd_store *ps, const char *path, pd_error *err)
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
