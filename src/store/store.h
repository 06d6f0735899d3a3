/*
 * store.h - partnerd's storage, behind one interface.
 *
 * Everything above src/store/ talks to the database through this header and
 * nothing else: no SQLite (or, later, PostgreSQL) type or call leaks out.
 * A pd_store is an opened database (a pool of connections); a pd_db is one
 * connection, used by one thread at a time between pd_store_acquire and
 * pd_store_release. Every function that changes data runs inside the
 * caller's transaction (pd_db_begin ... pd_db_commit), so that one request
 * is one transaction: all of it is stored, or none. Each such function is
 * also atomic on its own (a failed call changes nothing, even inside a
 * transaction), and outside a transaction it is its own transaction.
 *
 * Errors follow core/error.h: PD_ENOTFOUND when the thing asked for does not
 * exist, PD_ECONFLICT for a duplicate (a second user of that name, a post id
 * that exists) or a transaction that could not get the database, PD_EINPUT
 * for a value the schema refuses, PD_EIO for a database that cannot be read
 * or written.
 *
 * Memory: records are plain structs filled into caller storage; strings in
 * them are fixed-size arrays. Callbacks receive pointers valid only for the
 * call.
 */
#ifndef PD_STORE_H
#define PD_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "core/instant.h"

typedef struct pd_store pd_store;
typedef struct pd_db pd_db;

typedef struct pd_store_options {
    int create;          /* create the database file when missing             */
    int migrate;         /* apply pending migrations on open                   */
    unsigned pool_size;  /* connections kept open; 0: 8                        */
    unsigned busy_ms;    /* how long a writer waits for the lock; 0: 5000      */
} pd_store_options;

/* Opens the database at `location`: a file path (SQLite; "sqlite:PATH" also
 * works). Later: "postgresql://..." URLs. */
int pd_store_open(const char *location, const pd_store_options *o, pd_store **out,
                  pd_error *err);

/* Closes every connection (after a final checkpoint for SQLite). NULL ok. */
void pd_store_close(pd_store *s);

/* Applies the migrations not yet applied, each in its own transaction.
 * *applied (if not NULL) gets how many ran; *version the schema version. */
int pd_store_migrate(pd_store *s, int *applied, int *version, pd_error *err);

/* A connection for this thread; give it back with pd_store_release.
 * Connections are opened on demand, up to pool_size; when all are in use
 * the call waits up to busy_ms for one, then fails with PD_EBUSY. */
int pd_store_acquire(pd_store *s, pd_db **out, pd_error *err);
void pd_store_release(pd_store *s, pd_db *db);

int pd_db_begin(pd_db *db, pd_error *err);  /* a write transaction */
int pd_db_commit(pd_db *db, pd_error *err);
void pd_db_rollback(pd_db *db);             /* safe when nothing is open */

/* Writes a consistent copy of the whole database to `path` while others keep
 * using it (SQLite's online backup). */
int pd_store_backup(pd_store *s, const char *path, pd_error *err);

/* ---- accounts ----------------------------------------------------------- */

typedef enum pd_role {
    PD_ROLE_OPERATOR = 1, /* runs the platform                    */
    PD_ROLE_BRAND = 2,    /* staff of one brand                   */
    PD_ROLE_CREATOR = 3,  /* owns one creator profile             */
    PD_ROLE_MCN = 4,      /* manager of one MCN                   */
} pd_role;

/* "operator", "brand", "creator", "mcn"; NULL for anything else. */
const char *pd_role_name(pd_role r);
int pd_role_from_name(const char *name, pd_role *out); /* 0 or -1 */

#define PD_NAME_MAX 64   /* user, brand and MCN names, with the NUL */
#define PD_HASH_MAX 128  /* a crypto_pwhash_str string, with the NUL */

typedef struct pd_user {
    int64_t id;
    char name[PD_NAME_MAX];
    pd_role role;
    int64_t brand_id;   /* PD_ROLE_BRAND: the brand; else 0   */
    int64_t creator_id; /* PD_ROLE_CREATOR: the creator; else 0 */
    int64_t mcn_id;     /* PD_ROLE_MCN: the MCN; else 0        */
    int disabled;
    int64_t created_at; /* seconds since the epoch */
} pd_user;

/* Adds a user with a password hash made by auth/password.h. Sets u->id.
 * PD_ECONFLICT when the name is taken; PD_EINPUT when the role's link
 * (brand, creator, MCN) is missing or names nothing. */
int pd_db_user_add(pd_db *db, pd_user *u, const char *password_hash, pd_error *err);

/* The user of that name and (if hash is not NULL) their password hash. */
int pd_db_user_by_name(pd_db *db, const char *name, pd_user *u, char hash[PD_HASH_MAX],
                       pd_error *err);
int pd_db_user_by_id(pd_db *db, int64_t id, pd_user *u, pd_error *err);

/* Every user in name order; stops when each returns non-zero (and returns
 * that value). */
int pd_db_user_list(pd_db *db, int (*each)(void *ctx, const pd_user *u), void *ctx,
                    pd_error *err);

/* Disables (disabled = 1) or enables a user; a disabled user's tokens stop
 * working at once. */
int pd_db_user_set_disabled(pd_db *db, const char *name, int disabled, pd_error *err);

/* Bearer tokens are stored as their 32-byte hash only. */
int pd_db_token_add(pd_db *db, const uint8_t hash[32], int64_t user_id, int64_t expires_at,
                    pd_error *err);
/* The user owning a token that has not expired at `now` and whose user is
 * not disabled; PD_ENOTFOUND otherwise. */
int pd_db_token_user(pd_db *db, const uint8_t hash[32], int64_t now, pd_user *u,
                     pd_error *err);
int pd_db_token_delete(pd_db *db, const uint8_t hash[32], pd_error *err);
/* Deletes tokens expired before `now`; *n gets how many. */
int pd_db_token_purge(pd_db *db, int64_t now, int64_t *n, pd_error *err);

/* ---- brands and MCNs ------------------------------------------------------ */

int pd_db_brand_add(pd_db *db, const char *name, int64_t *id, pd_error *err);
/* An MCN with a given id (creators.csv names MCNs by id) or, with id 0, a
 * new id. Adding an existing id with the same name is not an error. */
int pd_db_mcn_add(pd_db *db, int64_t id, const char *name, int64_t *out_id, pd_error *err);

/* ---- creators and posts --------------------------------------------------- */

#define PD_HANDLE_MAX 128
#define PD_CATEGORY_MAX 64
#define PD_BIO_MAX 1024

typedef struct pd_creator_rec {
    int64_t id;
    char handle[PD_HANDLE_MAX];
    char category[PD_CATEGORY_MAX];
    char bio[PD_BIO_MAX];
    uint64_t followers;
    int64_t mcn_id;     /* 0: independent */
    int64_t created_at;
    int64_t updated_at;
} pd_creator_rec;

/* Inserts the creator, or updates every field of an existing one. When the
 * follower count is new or changed, a row (creator, at, followers) goes into
 * the follower history. c->created_at and c->updated_at are not read: the
 * store sets both to `at` for a new creator, and updated_at for an existing
 * one. PD_EINPUT when mcn_id names no MCN or a field does not fit. */
int pd_db_creator_put(pd_db *db, const pd_creator_rec *c, int64_t at, pd_error *err);
int pd_db_creator_get(pd_db *db, int64_t id, pd_creator_rec *c, pd_error *err);

/* The follower history of a creator, oldest first. */
int pd_db_followers_history(pd_db *db, int64_t creator_id,
                            int (*each)(void *ctx, int64_t at, uint64_t followers), void *ctx,
                            pd_error *err);

typedef struct pd_post_rec {
    int64_t id;
    int64_t creator_id;
    pd_instant published_at;
    int sponsored;
    uint64_t views, likes, comments, collects;
} pd_post_rec;

/* PD_ECONFLICT when the id exists, PD_EINPUT when the creator does not. */
int pd_db_post_add(pd_db *db, const pd_post_rec *p, pd_error *err);
int pd_db_post_get(pd_db *db, int64_t id, pd_post_rec *p, pd_error *err);
/* Sets a post's counts; *before (if not NULL) gets the post as it was. */
int pd_db_post_set_metrics(pd_db *db, int64_t id, uint64_t views, uint64_t likes,
                           uint64_t comments, uint64_t collects, pd_post_rec *before,
                           pd_error *err);

/* ---- bulk import and export ------------------------------------------------ */

typedef struct pd_import_summary {
    uint64_t creators, posts, posts_unknown_creator, skipped_lines;
} pd_import_summary;

/* Imports creators.csv and posts.csv (the certification contract's formats,
 * read with the batch CSV reader: same checks, same error messages; plus
 * what a record can hold: a handle of at most 127 bytes and a category of
 * at most 63, both UTF-8) in one transaction: on any error nothing is
 * stored. Existing creators are updated (their bio is kept; an MCN named by
 * id is created when missing); an existing post id is an error naming its
 * line. Posts of creators that are neither in the file nor in the store are
 * skipped and counted. Skipped lines (skip_bad_lines) are reported on
 * stderr. Meant for loads: whatever a later migration keeps per post
 * (window aggregates) must be recomputed after it. */
int pd_store_import(pd_store *s, const char *creators_csv, const char *posts_csv,
                    int skip_bad_lines, pd_import_summary *sum, pd_error *err);

typedef struct pd_import_options {
    const char *creators_path, *posts_path;
    int skip_bad_lines;
    int progress;       /* a progress line on stderr when it is a terminal */
    FILE *diag;         /* where skipped lines are reported; NULL: stderr  */
} pd_import_options;

/* pd_store_import with every option. */
int pd_store_import_ex(pd_store *s, const pd_import_options *o, pd_import_summary *sum,
                       pd_error *err);

/* Writes every creator (creators.csv format) and every post (posts.csv
 * format), sorted by id, through the given streams. */
int pd_store_export(pd_store *s, FILE *creators, FILE *posts, pd_error *err);

#endif
