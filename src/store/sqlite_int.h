/*
 * sqlite_int.h - what the SQLite backend's files share. Internal to
 * src/store/ (sqlite*.c only).
 *
 * sqlite.c owns the table of operations, the statements of accounts,
 * creators, posts and bulk import, and bulk import; sqlite_conn.c the
 * store and its pool of connections; the other sqlite_*.c files add
 * backend functions by what they store, on the same connections, with the
 * helpers below. A
 * sq_db is used by one thread at a time (see store.h), so a file may keep
 * per-connection caches in it.
 */
#ifndef PD_STORE_SQLITE_INT_H
#define PD_STORE_SQLITE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdint.h>

#include "store/backend.h"

typedef struct sq_store sq_store;

#define SQ_ON_CLOSE_MAX 4 /* files that keep something per connection */

typedef struct sq_db {
    pd_db base;
    sq_store *s;
    sqlite3 *db;
    sqlite3_stmt **st;                          /* ST_COUNT cached statements (sqlite.c) */
    sqlite3_stmt *bulk;                         /* BULK_ROWS posts at once */
    sqlite3_stmt *bulk_creators, *bulk_history; /* BULK_CREATORS new creators */
    int own_txn;                                /* the running call began the transaction itself */
    unsigned data_version;              /* SQLITE_FCNTL_DATA_VERSION at the last read_begin */
    uint64_t version;                   /* new from s->versions when data_version moves   */
    const volatile uint32_t *wal_index; /* the WAL-index header (shared memory), or NULL  */
    uint32_t wal_hdr[12];               /* it as it was just before the last read_begin   */
    int wal_hdr_ok;                     /* wal_hdr was read, and version is of that state */
    struct sq_online *online;           /* sqlite_online.c's statements and cache */
    struct sq_search *search;           /* sqlite_search.c's statements and tokenizer */
    void (*on_close[SQ_ON_CLOSE_MAX])(struct sq_db *d); /* sq_on_close */
    int non_close;
} sq_db;

struct sq_store {
    pd_store base;
    char *path;
    int create;
    unsigned pool_size, busy_ms;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sq_db **all; /* pool_size slots; nall open */
    size_t nall;
    sq_db **idle; /* pool_size slots; nidle free */
    size_t nidle;
    size_t opening;                /* connections being opened outside the lock */
    atomic_uint_fast64_t versions; /* read versions given out (sq_db.version) */
};

/* ---- the backend's files (sqlite.c says which holds what) ---- */

/* Opens the database at path for a backend whose operations are ops (the
 * table is sqlite.c's, which calls this: the connections below it do not
 * name it). sqlite_conn.c. */
int sq_open(const char *path, const pd_store_options *o, const pd_store_ops *ops, pd_store **out,
            pd_error *err);

/* Registers what a file keeps per connection, freed when the connection
 * closes (newest first): at most SQ_ON_CLOSE_MAX; -1 past it.
 * sqlite_base.c. */
int sq_on_close(sq_db *d, void (*release)(sq_db *d));

/* The cached statements of sqlite.c, named by enum st. */
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

/* The statement in *slot (a connection's cache), prepared from sql on
 * first use; NULL with err set when it does not prepare. */
sqlite3_stmt *sq_prepare_cached(sq_db *d, sqlite3_stmt **slot, const char *sql, pd_error *err);
/* The statement, prepared on first use and cached in the connection. */
sqlite3_stmt *sq_stmt(sq_db *d, enum st id, pd_error *err);
/* Steps a statement whose rows do not matter (`what` names a failure),
 * then resets it. */
int sq_step_done(sq_db *d, sqlite3_stmt *st, const char *what, pd_error *err);
/* Runs a cached statement that returns no row (or whose rows do not matter). */
int sq_run(sq_db *d, enum st id, pd_error *err, const char *what);
/* A constant statement not worth caching (pragmas, DDL). */
int sq_exec(sq_db *d, const char *sql, pd_error *err);
/* *yes = an EXISTS-style statement's first column, with ?1 = key (unless 0). */
int sq_exists(sq_db *d, enum st id, int64_t key, int *yes, pd_error *err);
/* The single text result of a pragma into out (cap bytes). */
int sq_pragma_text(sq_db *d, const char *sql, char *out, size_t cap, pd_error *err);
/* Inserts or updates a creator, recording a new follower count; inserts a
 * post (PD_ECONFLICT for its id, PD_EINPUT for no such creator). Shared by
 * single writes and bulk import (sqlite.c). */
int sq_creator_store(sq_db *d, const pd_creator_rec *c, int64_t at, pd_error *err);
/* sq_creator_store, keeping a stored bio (keep_bio) and skipping the read
 * of the follower count when the caller knows the creator is new. */
int sq_creator_write(sq_db *d, const pd_creator_rec *c, int64_t at, int keep_bio, int known_new,
                     pd_error *err);
/* Binds a post's nine columns from parameter base + 1 on. */
void sq_bind_post(sqlite3_stmt *st, int base, const pd_post_rec *p);
int sq_post_insert(sq_db *d, const pd_post_rec *p, pd_error *err);

/* The backend operations of backend.h's pd_store_ops (all but bulk import,
 * sqlite.c's own, and read_begin/end/peek, the _v functions below), each
 * implemented as sq_<op> with the type of its member: this one list
 * declares them here and fills the table in sqlite.c. */
/* clang-format off */
#define SQ_OPS(X)                                                                                  \
    /* the pool, migrations, transactions, backup (sqlite_conn.c) */                               \
    X(close) X(migrate) X(acquire) X(release) X(backup) X(begin) X(commit) X(rollback)             \
    /* accounts and organisations (sqlite_accounts.c) */                                           \
    X(user_add) X(user_by_name) X(user_by_id) X(user_list) X(user_set_disabled) X(token_add)       \
    X(token_user) X(token_delete) X(token_purge) X(server_key) X(brand_add) X(mcn_add)             \
    X(org_list)                                                                                    \
    /* creators, posts, export (sqlite_creators.c) */                                              \
    X(creator_put) X(creator_get) X(followers_history) X(followers_record) X(post_add)             \
    X(post_publish) X(post_get) X(post_set_metrics) X(scan)                                        \
    /* online certification (sqlite_online.c, sqlite_step.c) */                                    \
    X(policy_add) X(policy_get) X(policy_list) X(policy_activate) X(activation_list)               \
    X(online_state) X(online_mark_stale) X(activation_due) X(cert_row_get) X(cert_sums)            \
    X(cert_row_put) X(online_step) X(creator_status) X(status_history) X(verdict_scan)             \
    /* posts (sqlite_posts.c); an MCN's roster (sqlite_roster.c) */                                \
    X(creator_posts) X(mcn_get) X(mcn_creators) X(mcn_posts_since)                                 \
    /* search (sqlite_search.c, sqlite_scan.c) */                                                  \
    X(creator_search) X(window_scan)
/* clang-format on */
#define SQ_OP_DECLARE(op) extern __typeof__(*((pd_store_ops *)0)->op) sq_##op;
SQ_OPS(SQ_OP_DECLARE)
#undef SQ_OP_DECLARE

/* the read transactions of backend.h (sqlite_conn.c) */
int sq_read_begin_v(pd_db *pdb, uint64_t *version, pd_error *err);
void sq_read_end_v(pd_db *pdb);
int sq_read_peek_v(pd_db *pdb, uint64_t *version);

/* The store's clock (pd_store_now): seconds since the epoch. */
int64_t sq_now_s(const sq_store *s);

/* Turns a SQLite failure into our convention (store.h): busy and
 * uniqueness are PD_ECONFLICT, other constraints PD_EINPUT, ...; the
 * message is "<what>: <SQLite's words>". Returns the code. */
int sq_fail(sqlite3 *db, int rc, pd_error *err, const char *what);

/* Resets a statement after use, so that it holds no lock nor value. */
void sq_done(sqlite3_stmt *st);

/* Binds text (SQLITE_STATIC: it must outlive the step), or an id where 0
 * means NULL (no link). */
void sq_bind_text(sqlite3_stmt *st, int i, const char *s);
void sq_bind_link(sqlite3_stmt *st, int i, int64_t id);

/* Copies a text column into out (cap bytes, truncated, NUL-terminated). */
void sq_col_text(sqlite3_stmt *st, int i, char *out, size_t cap);

/* Steps a query that returns at most one row: PD_OK with the row ready to
 * read, PD_ENOTFOUND (err left for the caller to word), or the failure of
 * `reading`. The caller reads, then calls sq_done(st). */
int sq_step_one(sq_db *d, sqlite3_stmt *st, const char *reading, pd_error *err);

/* A read transaction, so that several statements see one snapshot: opened
 * when the connection has none (*own = 1; sq_read_end ends it), else the
 * caller's is used (*own = 0). Prepared once per connection: the discovery
 * route opens one per request. */
int sq_read_begin(sq_db *d, int *own, pd_error *err);
void sq_read_end(sq_db *d, int own);
/* Calls fn on a connection of ps inside one read transaction (one
 * snapshot), then gives the connection back; returns fn's result, or the
 * failure to get a connection or start the read. */
int sq_in_read(pd_store *ps, int (*fn)(sq_db *d, void *arg, pd_error *err), void *arg,
               pd_error *err);

/* Makes one call atomic: a savepoint inside the caller's transaction, or a
 * transaction of its own when there is none. sq_call_end commits or rolls
 * back according to rc, and returns rc (or the commit's failure). */
int sq_call_begin(sq_db *d, pd_error *err);
int sq_call_end(sq_db *d, int rc, pd_error *err);

/* Reads the columns of CREATOR_COLS (sqlite.c) from column 0 on. */
#define SQ_CREATOR_COLS "id, handle, category, bio, followers, mcn_id, created_at, updated_at"
void sq_read_creator(sqlite3_stmt *st, pd_creator_rec *c);

/* A creator and its status, as discovery reads them (sqlite_search.c):
 * the columns of table creators AS c to select, and the reader of a row
 * (key_col: the column that is the hit's key). */
#define SQ_HIT_COLS                                                                                \
    "c.id, c.handle, c.category, c.bio, c.followers, c.mcn_id, c.created_at, "                     \
    "c.updated_at, c.win_posts, c.win_sponsored, c.win_views, c.win_engagements, c.avg_views, "    \
    "c.engagement_bp, c.certified, c.failed_rules, c.status_since, "                               \
    "(SELECT coalesce(policy_id, 0) FROM online_state WHERE id = 1)"
void sq_read_hit(sqlite3_stmt *st, int key_col, pd_creator_hit *h);

/* The columns of a creator (table creators), in the order of
 * sq_read_creator (sqlite_creators.c) and of bulk import's inserts. */
#define SQ_CREATOR_COLS "id, handle, category, bio, followers, mcn_id, created_at, updated_at"

/* posts (sqlite_posts.c): the columns of a post (table posts) and their
 * reader from column 0 on (the creator_posts operation: SQ_OPS). */
#define SQ_POST_COLS                                                                               \
    "id, creator_id, published_at, published_nsec, sponsored, views, likes, comments, collects"
void sq_read_post(sqlite3_stmt *st, pd_post_rec *p);

/* online certification (sqlite_online.c, sqlite_step.c): the statements
 * both files share and freeing a connection's part (the backend
 * operations: SQ_OPS). They store and read; the use cases decide
 * (app/online.h). */

/* The statements of online certification, prepared once per connection. */
enum sq_ost {
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
    OS_CREATOR_SUMS,
    OS_COUNT
};
sqlite3_stmt *sq_ostmt(sq_db *d, enum sq_ost id, pd_error *err);
#define OSTMT(var, d, id, err)                                                                     \
    sqlite3_stmt *var = sq_ostmt((d), (id), (err));                                                \
    if (!var)                                                                                      \
    return (err)->code
/* Reads a creator's certification row (ROW_COLS) from column 0 on. */
void sq_read_cert_row(sqlite3_stmt *st, pd_cert_row *r);
/* Reads the aggregates and verdict of a row (ROW_COLS from win_posts to
 * status_since, nine columns) from column col on into r; id and followers
 * are left as they are. */
void sq_read_cert_aggs(sqlite3_stmt *st, int col, pd_cert_row *r);
/* The status of row r under the policy in force (0: none). */
void sq_status_from_row(const pd_cert_row *r, int64_t policy_id, pd_creator_status *c);
/* Writes `r` over `was` and, with a note, its status_history row (no
 * savepoint: the caller's transaction). */
int sq_store_cert_row(sq_db *d, const pd_cert_row *was, const pd_cert_row *r,
                      const pd_cert_note *note, pd_error *err);
void sq_online_free(sq_db *d);

/* search (sqlite_search.c, sqlite_scan.c): freeing a connection's search
 * statements (the discovery and population scan operations: SQ_OPS). */
void sq_search_free(sq_db *d);

#endif
