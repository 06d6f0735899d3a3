/*
 * backend.h - what a storage backend provides to store.c. Internal to
 * src/store/: nothing outside includes it.
 *
 * store.c owns everything that does not depend on the database engine:
 * reading the location and checking arguments (lengths, ranges, role
 * links). Files are not the store's: the CSV files of an import and an
 * export are read and written by app/import.h, which hands rows to the
 * bulk session below. A backend (sqlite.c now, PostgreSQL later) fills a table of
 * functions; its pd_store and pd_db structs begin with the header below, so
 * store.c can dispatch without knowing them. The backend's functions may
 * assume checked arguments.
 *
 * Online certification: the backend stores and reads each creator's
 * certification row and walks the rows of a step of the days; what a row
 * becomes is decided by its caller (app/online.h, by core/verdict.h and
 * core/advance.h), never here.
 *
 * Bulk import: store.c opens a session (bulk_begin), which is one write
 * transaction on one connection with whatever settings make a load fast;
 * feeds it creators, then posts in batches; and ends it (bulk_end), which
 * commits or rolls everything back and restores the settings.
 */
#ifndef PD_STORE_BACKEND_H
#define PD_STORE_BACKEND_H

#include "core/online.h"
#include "store/store.h"

typedef struct pd_store_ops pd_store_ops;

struct pd_store {
    const pd_store_ops *ops;
    const pd_clock *clock; /* pd_store_options.clock (borrowed) */
};

struct pd_db {
    const pd_store_ops *ops;
    pd_store *store; /* the store it belongs to (pd_db_now) */
};

/* A bulk import session, defined by the backend. */
typedef struct pd_bulk pd_bulk;

struct pd_store_ops {
    const char *name;
    void (*close)(pd_store *s);
    int (*migrate)(pd_store *s, int *applied, int *version, pd_error *err);
    int (*acquire)(pd_store *s, pd_db **out, pd_error *err);
    void (*release)(pd_store *s, pd_db *db);
    int (*backup)(pd_store *s, const char *path, pd_error *err);

    int (*begin)(pd_db *db, pd_error *err);
    int (*commit)(pd_db *db, pd_error *err);
    void (*rollback)(pd_db *db);
    /* A read transaction begun (its snapshot taken, not deferred) and the
     * version of that snapshot (see pd_db_read_begin); a backend that cannot
     * tell versions apart gives a new one every time. */
    int (*read_begin)(pd_db *db, uint64_t *version, pd_error *err);
    void (*read_end)(pd_db *db);
    /* pd_db_read_peek; NULL: never known without a read. */
    int (*read_peek)(pd_db *db, uint64_t *version);

    int (*user_add)(pd_db *db, pd_user *u, const char *hash, pd_error *err);
    int (*user_by_name)(pd_db *db, const char *name, pd_user *u, char hash[PD_HASH_MAX],
                        pd_error *err);
    int (*user_by_id)(pd_db *db, int64_t id, pd_user *u, pd_error *err);
    int (*user_list)(pd_db *db, int (*each)(void *ctx, const pd_user *u), void *ctx, pd_error *err);
    int (*user_set_disabled)(pd_db *db, const char *name, int disabled, pd_error *err);
    int (*token_add)(pd_db *db, const uint8_t hash[32], int64_t user_id, int64_t expires_at,
                     pd_error *err);
    int (*token_user)(pd_db *db, const uint8_t hash[32], int64_t now, pd_user *u,
                      int64_t *expires_at, pd_error *err);
    int (*token_delete)(pd_db *db, const uint8_t hash[32], pd_error *err);
    int (*token_purge)(pd_db *db, int64_t now, int64_t *n, pd_error *err);
    /* pd_db_server_key: the key into out (*len its length; PD_ENOTFOUND
     * when none), after storing fresh (when not NULL) if there is none. */
    int (*server_key)(pd_db *db, const char *name, const uint8_t *fresh, size_t fresh_len,
                      uint8_t *out, size_t *len, pd_error *err);
    int (*brand_add)(pd_db *db, const char *name, int64_t *id, pd_error *err);
    int (*mcn_add)(pd_db *db, int64_t id, const char *name, int64_t *out_id, pd_error *err);
    /* mcns: 0 lists brands, 1 MCNs. */
    int (*org_list)(pd_db *db, int mcns, int (*each)(void *ctx, const pd_org_rec *o), void *ctx,
                    pd_error *err);
    int (*creator_put)(pd_db *db, const pd_creator_rec *c, int64_t at, pd_error *err);
    int (*creator_get)(pd_db *db, int64_t id, pd_creator_rec *c, pd_error *err);
    int (*followers_history)(pd_db *db, int64_t creator_id,
                             int (*each)(void *ctx, int64_t at, uint64_t followers), void *ctx,
                             pd_error *err);
    int (*followers_record)(pd_db *db, int64_t creator_id, int64_t at, uint64_t followers,
                            pd_error *err);
    int (*post_add)(pd_db *db, const pd_post_rec *p, pd_error *err);
    /* post_add under the next id of [PD_POST_ID_PUBLISHED_MIN,
     * PD_POST_ID_PUBLISHED_MAX] (set in p->id), chosen in the same
     * transaction as the insert. */
    int (*post_publish)(pd_db *db, pd_post_rec *p, pd_error *err);
    int (*post_get)(pd_db *db, int64_t id, pd_post_rec *p, pd_error *err);
    int (*post_set_metrics)(pd_db *db, int64_t id, uint64_t views, uint64_t likes,
                            uint64_t comments, uint64_t collects, pd_post_rec *before,
                            pd_error *err);

    /* Every creator then every post, each in id order, from one consistent
     * snapshot. A non-zero return of a callback stops the scan and is
     * returned. */
    int (*scan)(pd_store *s, int (*creator)(void *ctx, const pd_creator_rec *c),
                int (*post)(void *ctx, const pd_post_rec *p), void *ctx, pd_error *err);

    /* Starts an import session. */
    int (*bulk_begin)(pd_store *s, pd_bulk **out, pd_error *err);
    /* The ids of the creators already stored. */
    int (*bulk_creator_ids)(pd_bulk *b, int (*each)(void *ctx, int64_t id), void *ctx,
                            pd_error *err);
    /* Makes sure an MCN of that id exists (named "MCN <id>" when new). */
    int (*bulk_mcn)(pd_bulk *b, int64_t id, int64_t at, pd_error *err);
    /* pd_db_creator_put without touching the bio of an existing creator. */
    int (*bulk_creator)(pd_bulk *b, const pd_creator_rec *c, int64_t at, pd_error *err);
    /* Inserts posts p[0..n) (creators known to exist). When a post id exists
     * already: PD_ECONFLICT with *failed its index; the posts before it are
     * stored, the ones after it not. */
    int (*bulk_posts)(pd_bulk *b, const pd_post_rec *p, size_t n, size_t *failed, pd_error *err);
    /* Commits (commit != 0) or rolls back, restores the connection and frees
     * the session. The error is the commit's. */
    int (*bulk_end)(pd_bulk *b, int commit, pd_error *err);

    /* online certification (online.c checks the arguments; the backend
     * stores and reads; the use cases of app/online.h decide). Each runs
     * in the caller's transaction; policy_add, policy_activate and
     * cert_row_put are atomic. */
    int (*policy_add)(pd_db *db, pd_policy_rec *r, const char *body, int64_t at, pd_error *err);
    int (*policy_get)(pd_db *db, int64_t id, pd_policy_rec *r, pd_error *err);
    int (*policy_list)(pd_db *db, int (*each)(void *ctx, const pd_policy_rec *r), void *ctx,
                       pd_error *err);
    int (*policy_activate)(pd_db *db, int64_t policy_id, int64_t from_day, int64_t by_user,
                           int64_t at, pd_activation_rec *out, pd_error *err);
    int (*activation_list)(pd_db *db, int (*each)(void *ctx, const pd_activation_rec *a), void *ctx,
                           pd_error *err);
    /* The state (st->window_days: the window the aggregates hold, 0 when
     * none is recorded, and then stale); certified counted when count. */
    int (*online_state)(pd_db *db, pd_online_state *st, int count, pd_error *err);
    int (*online_mark_stale)(pd_db *db, pd_error *err);
    /* The pending activation that governs `day` (largest from_day <= day,
     * then the latest), or PD_ENOTFOUND. */
    int (*activation_due)(pd_db *db, int64_t day, pd_activation_rec *a, pd_error *err);
    int (*cert_row_get)(pd_db *db, int64_t creator_id, pd_cert_row *r, pd_error *err);
    int (*cert_sums)(pd_db *db, int64_t creator_id, pd_window w, pd_cert_sums *s, pd_error *err);
    int (*cert_row_put)(pd_db *db, const pd_cert_row *was, const pd_cert_row *now,
                        const pd_cert_note *note, pd_error *err);
    /* pd_db_online_step. */
    int (*online_step)(pd_db *db, const pd_advance_step *step, int64_t at, const pd_cert_walker *w,
                       int *recomputed, pd_error *err);
    int (*creator_status)(pd_db *db, int64_t creator_id, pd_creator_status *st, pd_error *err);
    int (*status_history)(pd_db *db, int64_t creator_id, int64_t before_id, unsigned limit,
                          int (*each)(void *ctx, const pd_status_change *c), void *ctx,
                          pd_error *err);
    /* Every creator's status by id, and the state, from one snapshot. */
    int (*verdict_scan)(pd_store *s, pd_online_state *st,
                        int (*each)(void *ctx, const pd_creator_status *c), void *ctx,
                        pd_error *err);

    /* posts */
    /* pd_db_creator_posts, arguments checked (creator_id >= 1, limit in
     * range). */
    int (*creator_posts)(pd_db *db, int64_t creator_id, const pd_post_rec *after, unsigned limit,
                         int (*each)(void *ctx, const pd_post_rec *p), void *ctx, pd_error *err);

    /* an MCN's roster (sqlite_roster.c), arguments checked (ids >= 1) */
    int (*mcn_get)(pd_db *db, int64_t id, pd_org_rec *o, pd_error *err);
    int (*mcn_creators)(pd_db *db, int64_t mcn_id, int (*each)(void *ctx, const pd_creator_hit *h),
                        void *ctx, pd_error *err);
    int (*mcn_posts_since)(pd_db *db, int64_t mcn_id, int64_t from, int certified_only,
                           int (*each)(void *ctx, const pd_post_rec *p), void *ctx, pd_error *err);

    /* search */
    /* pd_db_creator_search, the query checked (limit 1..100, ranges in
     * order, a known sort, text valid UTF-8 with a word). */
    int (*creator_search)(pd_db *db, const pd_creator_query *q,
                          int (*each)(void *ctx, const pd_creator_hit *h), void *ctx,
                          pd_error *err);
    /* pd_store_window_scan, window_days checked (1 to PD_POLICY_WINDOW_MAX). */
    int (*window_scan)(pd_store *s, uint32_t window_days, int64_t *today,
                       int (*each)(void *ctx, const pd_creator_window *w), void *ctx,
                       pd_error *err);
};

/* Opens a SQLite database file (see pd_store_open). */
int pd_sqlite_open(const char *path, const pd_store_options *o, pd_store **out, pd_error *err);

/* The SQLite schema, as migrations applied in order (migrations_sqlite.c). */
typedef struct pd_migration {
    int version;      /* 1, 2, ...: the position in the list */
    const char *name; /* what it does, for `partnerd migrate` */
    const char *sql;  /* DDL only: no values, nothing from outside */
} pd_migration;

extern const pd_migration pd_sqlite_migrations[];
extern const size_t pd_sqlite_migration_count;

#endif
