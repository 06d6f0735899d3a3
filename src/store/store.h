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
 * Errors follow util/error.h: PD_ENOTFOUND when the thing asked for does not
 * exist, PD_ECONFLICT for a duplicate (a second user of that name, a post id
 * that exists), PD_EUNAVAILABLE when another writer held the database past
 * busy_ms (the call may be made again), PD_EINPUT for a value the schema
 * refuses, PD_EIO for a database that cannot be read or written.
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

#include "util/clock.h"
#include "util/error.h"
#include "core/advance.h"
#include "core/instant.h"
#include "core/policy.h"
#include "core/post.h"
#include "core/verdict.h"

typedef struct pd_store pd_store;
typedef struct pd_db pd_db;

typedef struct pd_store_options {
    int create;            /* create the database file when missing             */
    int migrate;           /* apply pending migrations on open                   */
    unsigned pool_size;    /* connections kept open; 0: 8                        */
    unsigned busy_ms;      /* how long a writer waits for the lock; 0: 5000      */
    const pd_clock *clock; /* the clock (util/clock.h) of every time the store
                            records by itself (pd_store_now); NULL: the
                            system's. Lets a server or a test live on another
                            day: give the one the use cases read (borrowed:
                            it must outlive the store).                    */
} pd_store_options;

/* Seconds by the clock the store was given (pd_store_options.clock). The
 * use cases (src/app/) read their own clock and pass the time down; this is
 * only for what the store records without being told. */
int64_t pd_store_now(const pd_store *s);
/* The clock of the store a connection belongs to (pd_store_now). */
int64_t pd_db_now(const pd_db *db);

/* Opens the database at `location`: a file path (SQLite; "sqlite:PATH" also
 * works). Later: "postgresql://..." URLs. */
int pd_store_open(const char *location, const pd_store_options *o, pd_store **out, pd_error *err);

/* Closes every connection (after a final checkpoint for SQLite). NULL ok. */
void pd_store_close(pd_store *s);

/* Applies the migrations not yet applied, each in its own transaction.
 * *applied (if not NULL) gets how many ran; *version the schema version. */
int pd_store_migrate(pd_store *s, int *applied, int *version, pd_error *err);

/* A connection for this thread; give it back with pd_store_release.
 * Connections are opened on demand, up to pool_size; when all are in use
 * the call waits up to busy_ms for one, then fails with PD_EUNAVAILABLE. */
int pd_store_acquire(pd_store *s, pd_db **out, pd_error *err);
void pd_store_release(pd_store *s, pd_db *db);

int pd_db_begin(pd_db *db, pd_error *err); /* a write transaction */
int pd_db_commit(pd_db *db, pd_error *err);
void pd_db_rollback(pd_db *db); /* safe when nothing is open */

/* A read transaction: every read until pd_db_read_end sees one state of the
 * database, which begins here. *version (when not NULL) names that state
 * for this pd_db: two read transactions of the same pd_db with equal
 * versions saw the same data, and any change committed in between (by this
 * connection, another one, or another process) gives a new version. A
 * version is never given twice in a pd_store's life, not even to another
 * connection, but the versions of two pd_db say nothing about each other. For answers computed from
 * the data alone, kept while the data is unchanged (http/pagecache.h). */
int pd_db_read_begin(pd_db *db, uint64_t *version, pd_error *err);
void pd_db_read_end(pd_db *db); /* safe when nothing is open */
/* The version a read begun now would have, when it can be known without
 * beginning one: nothing at all has been committed to the database (by
 * anyone, any process) since this pd_db's last read began. 1 and *version
 * then; 0 when only pd_db_read_begin can tell. Opens nothing, takes no
 * lock, never waits; call it with no transaction open. For answering from
 * kept pages without touching the database; reading the data still needs
 * pd_db_read_begin. */
int pd_db_read_peek(pd_db *db, uint64_t *version);

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

#define PD_NAME_MAX 64  /* user, brand and MCN names, with the NUL */
#define PD_HASH_MAX 128 /* a crypto_pwhash_str string, with the NUL */

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
int pd_db_user_list(pd_db *db, int (*each)(void *ctx, const pd_user *u), void *ctx, pd_error *err);

/* Disables (disabled = 1) or enables a user; a disabled user's tokens stop
 * working at once. */
int pd_db_user_set_disabled(pd_db *db, const char *name, int disabled, pd_error *err);

/* Bearer tokens are stored as their 32-byte hash only. */
int pd_db_token_add(pd_db *db, const uint8_t hash[32], int64_t user_id, int64_t expires_at,
                    pd_error *err);
/* The user owning a token that has not expired at `now` and whose user is
 * not disabled, and when the token expires (*expires_at, unless NULL);
 * PD_ENOTFOUND otherwise. */
int pd_db_token_user(pd_db *db, const uint8_t hash[32], int64_t now, pd_user *u,
                     int64_t *expires_at, pd_error *err);
int pd_db_token_delete(pd_db *db, const uint8_t hash[32], pd_error *err);
/* Deletes tokens expired before `now`; *n gets how many. */
int pd_db_token_purge(pd_db *db, int64_t now, int64_t *n, pd_error *err);

/* A key the server keeps in the database under `name` (len bytes, 16 to 64),
 * into out. When there is none yet: with fresh (len random bytes of the
 * caller's) it is stored first, so that every process and thread of the
 * database agrees on one key (the first stored wins); without, PD_ENOTFOUND.
 * PD_EINPUT when the stored key has another length. */
int pd_db_server_key(pd_db *db, const char *name, const uint8_t *fresh, size_t len, uint8_t *out,
                     pd_error *err);

/* ---- brands and MCNs ------------------------------------------------------ */

int pd_db_brand_add(pd_db *db, const char *name, int64_t *id, pd_error *err);
/* An MCN with a given id (creators.csv names MCNs by id) or, with id 0, a
 * new id. Adding an existing id with the same name is not an error. */
int pd_db_mcn_add(pd_db *db, int64_t id, const char *name, int64_t *out_id, pd_error *err);

/* A brand or an MCN as listed: `members` counts a brand's accounts, or the
 * creators an MCN hosts. */
typedef struct pd_org_rec {
    int64_t id;
    char name[PD_NAME_MAX];
    int64_t created_at;
    uint64_t members;
} pd_org_rec;

/* Every brand, or every MCN, in id order; a non-zero return of `each`
 * stops the walk and is returned. */
int pd_db_brand_list(pd_db *db, int (*each)(void *ctx, const pd_org_rec *o), void *ctx,
                     pd_error *err);
int pd_db_mcn_list(pd_db *db, int (*each)(void *ctx, const pd_org_rec *o), void *ctx,
                   pd_error *err);

/* One MCN: PD_ENOTFOUND when there is none with that id. */
int pd_db_mcn_get(pd_db *db, int64_t id, pd_org_rec *o, pd_error *err);

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
    int64_t mcn_id; /* 0: independent */
    int64_t created_at;
    int64_t updated_at;
} pd_creator_rec;

/* Inserts the creator, or updates every field of an existing one. When the
 * follower count is new or changed, a row (creator, at, followers) goes into
 * the follower history. Nothing else: the creator's verdict is the use
 * case's to keep (app/online.h). c->created_at and c->updated_at are not read: the
 * store sets both to `at` for a new creator, and updated_at for an existing
 * one. PD_EINPUT when mcn_id names no MCN or a field does not fit. */
int pd_db_creator_put(pd_db *db, const pd_creator_rec *c, int64_t at, pd_error *err);
int pd_db_creator_get(pd_db *db, int64_t id, pd_creator_rec *c, pd_error *err);

/* The follower history of a creator, oldest first. */
int pd_db_followers_history(pd_db *db, int64_t creator_id,
                            int (*each)(void *ctx, int64_t at, uint64_t followers), void *ctx,
                            pd_error *err);

/* Adds a past count to a creator's follower history (a history brought in
 * from elsewhere, or a demo's): a row (creator, at, followers) and nothing
 * else; the creator's current count and verdict do not change. PD_EINPUT
 * for a creator that does not exist or a count over PD_COUNT_MAX. */
int pd_db_followers_record(pd_db *db, int64_t creator_id, int64_t at, uint64_t followers,
                           pd_error *err);

typedef struct pd_post_rec {
    int64_t id;
    int64_t creator_id;
    pd_instant published_at;
    int sponsored;
    uint64_t views, likes, comments, collects;
} pd_post_rec;

/* A post of the platform's feed, under its own id. PD_ECONFLICT when the id
 * exists, PD_EINPUT when the creator does not. The post only: its creator's
 * aggregates and verdict are the use case's to keep (app/online.h), as for
 * pd_db_post_publish and pd_db_post_set_metrics. */
int pd_db_post_add(pd_db *db, const pd_post_rec *p, pd_error *err);
/* A post published through the platform: stored like pd_db_post_add, under
 * the next id of the published range (core/post.h: the one above the
 * highest stored there), which it sets in p->id; p->id is not read. Atomic
 * with the choice of the id. PD_ECONFLICT when the range is used up. */
int pd_db_post_publish(pd_db *db, pd_post_rec *p, pd_error *err);
int pd_db_post_get(pd_db *db, int64_t id, pd_post_rec *p, pd_error *err);
/* Sets a post's counts; *before (if not NULL) gets the post as it was. */
int pd_db_post_set_metrics(pd_db *db, int64_t id, uint64_t views, uint64_t likes, uint64_t comments,
                           uint64_t collects, pd_post_rec *before, pd_error *err);

/* ---- posts -------------------------------------------------------------------- */

#define PD_POSTS_PAGE_MAX 1000 /* posts in one pd_db_creator_posts call */

/* A creator's posts, newest first (published_at, then id, descending): at
 * most limit (1..PD_POSTS_PAGE_MAX) and, when after is not NULL, only the
 * ones that come after *after in that order (keyset paging: pass the last
 * post of the previous page). each is called once per post, in order; a
 * non-zero return stops and is returned. PD_ENOTFOUND when the creator
 * does not exist, PD_EINPUT for a limit out of range. */
int pd_db_creator_posts(pd_db *db, int64_t creator_id, const pd_post_rec *after, unsigned limit,
                        int (*each)(void *ctx, const pd_post_rec *p), void *ctx, pd_error *err);

/* ---- bulk loads and full walks ---------------------------------------------
 *
 * What an import and an export need of a store, as rows: the CSV files
 * themselves are read and written above the store (app/import.h), so a
 * backend never sees a file.
 *
 * A bulk session is one write transaction on one connection of the pool,
 * with whatever settings make a load fast, for loads of millions of rows:
 * begin, creators, then posts in batches, end (commit or roll back). It is
 * owned by its caller between pd_store_bulk_begin and pd_store_bulk_end,
 * which frees it; one thread at a time. Rows are checked as pd_db_creator_put
 * and pd_db_post_add check them. Whatever a later migration keeps per post
 * (window aggregates) must be recomputed after a load (the online state goes
 * stale; see pd_store_online_advance). */

typedef struct pd_store_bulk pd_store_bulk;

int pd_store_bulk_begin(pd_store *s, pd_store_bulk **out, pd_error *err);

/* Calls each with the id of every creator stored before the session. */
int pd_store_bulk_creator_ids(pd_store_bulk *b, int (*each)(void *ctx, int64_t id), void *ctx,
                              pd_error *err);

/* Makes sure an MCN of that id exists (named "MCN <id>" when new). */
int pd_store_bulk_mcn(pd_store_bulk *b, int64_t id, int64_t at, pd_error *err);

/* Stores a creator, or updates an existing one, keeping its bio. */
int pd_store_bulk_creator(pd_store_bulk *b, const pd_creator_rec *c, int64_t at, pd_error *err);

/* Inserts posts p[0..n), whose creators exist. When a post id exists
 * already: PD_ECONFLICT with *failed its index; the posts before it are
 * stored, the ones after it not. A row the schema refuses: PD_EINPUT with
 * *failed its index, nothing of the batch stored. */
int pd_store_bulk_posts(pd_store_bulk *b, const pd_post_rec *p, size_t n, size_t *failed,
                        pd_error *err);

/* Commits (commit != 0) or rolls everything back, and frees b. The error is
 * the commit's. */
int pd_store_bulk_end(pd_store_bulk *b, int commit, pd_error *err);

/* Every creator, then every post, each in id order, from one consistent
 * snapshot. A non-zero return of a callback stops the walk and is
 * returned. */
int pd_store_scan(pd_store *s, int (*creator)(void *ctx, const pd_creator_rec *c),
                  int (*post)(void *ctx, const pd_post_rec *p), void *ctx, pd_error *err);

/* ---- policies and online certification -------------------------------------
 *
 * Policies are stored and versioned: adding a policy under a name that exists
 * stores the next version, and a stored version never changes. An operator
 * activates a stored policy from a day (days since 1970-01-01, UTC; see
 * core/online.h); it takes effect when the online state reaches that day.
 *
 * The online state is the policy in force and `today`, the day the verdicts
 * are for: a creator is judged as of the next midnight (core/online.h), on
 * the posts of the window_days days ending with today. Each creator has a
 * certification row (core/verdict.h: window aggregates and verdict). The
 * store keeps and reads these; it decides nothing: the use cases of
 * app/online.h read a row, apply the rules of core/verdict.h and write it
 * back (with its change of verdict, in the status history), and walk the
 * rows of a step of the days (core/advance.h) with pd_db_online_step.
 * After a bulk import the state is marked stale and the next advance
 * recomputes every row. Why a daily sweep and not lazily at read:
 * docs/internals/online-certification.md.
 */

typedef struct pd_policy_rec {
    int64_t id;
    uint32_t version;   /* 1, 2, ... within the policy's name   */
    pd_policy policy;   /* the rules; policy.name is the name    */
    int64_t created_by; /* the user who stored it; 0: the system */
    int64_t created_at;
} pd_policy_rec;

/* Stores r->policy (validated: core/policy.h) as the next version of its
 * name; sets r->id, r->version and r->created_at (= at). */
int pd_db_policy_add(pd_db *db, pd_policy_rec *r, int64_t at, pd_error *err);
int pd_db_policy_get(pd_db *db, int64_t id, pd_policy_rec *r, pd_error *err);
/* Every stored policy, by name then version. */
int pd_db_policy_list(pd_db *db, int (*each)(void *ctx, const pd_policy_rec *r), void *ctx,
                      pd_error *err);

typedef struct pd_activation_rec {
    int64_t id;
    int64_t policy_id;
    int64_t from_day;     /* days since 1970-01-01 (UTC)             */
    int64_t activated_by; /* user id; 0: the system                  */
    int64_t created_at;
    int64_t applied_at; /* when it took effect; 0: not yet         */
} pd_activation_rec;

/* Records that policy_id governs from from_day on. It takes effect at the
 * step of the days that reaches from_day (app/online.h; pd_app_policy_activate
 * applies it at once when its day has come). A later activation for the
 * same day replaces an earlier one that has not taken effect. */
int pd_db_policy_activate(pd_db *db, int64_t policy_id, int64_t from_day, int64_t by_user,
                          int64_t at, pd_activation_rec *out, pd_error *err);
/* Every activation, newest first. */
int pd_db_activation_list(pd_db *db, int (*each)(void *ctx, const pd_activation_rec *a), void *ctx,
                          pd_error *err);

/* The pending activation that governs `day` (the largest from_day <= day,
 * then the latest recorded), or PD_ENOTFOUND. */
int pd_db_activation_due(pd_db *db, int64_t day, pd_activation_rec *a, pd_error *err);

typedef struct pd_online_state {
    int64_t policy_id; /* in force; 0: none (nobody is certified) */
    pd_policy policy;  /* its rules, when policy_id != 0           */
    uint32_t version;
    int64_t today;        /* the day verdicts are for; 0: never set   */
    uint32_t window_days; /* the window the aggregates hold; 0: none
                             recorded (then stale)                 */
    int stale;            /* aggregates must be recomputed            */
    uint64_t certified;   /* creators certified now                   */
} pd_online_state;

int pd_db_online_state(pd_db *db, pd_online_state *st, pd_error *err);
/* The same without counting the certified (certified = 0): what a write's
 * use case reads, cheap at a million creators. */
int pd_db_online_read(pd_db *db, pd_online_state *st, pd_error *err);
/* Marks every row's aggregates stale: the next advance recomputes them. */
int pd_db_online_mark_stale(pd_db *db, pd_error *err);

/* A creator's certification row; PD_ENOTFOUND for no such creator. */
int pd_db_cert_row_get(pd_db *db, int64_t creator_id, pd_cert_row *r, pd_error *err);
/* What one creator's posts published in window w add up to. */
int pd_db_cert_sums(pd_db *db, int64_t creator_id, pd_window w, pd_cert_sums *s, pd_error *err);

/* A change of verdict to record in the status history. */
typedef struct pd_cert_note {
    int64_t at;              /* when                                  */
    int64_t policy_id;       /* in force; 0: none                     */
    const char *cause;       /* "post", "metrics", "followers", ...   */
    const char *explanation; /* the failed rules, worded (core/verdict.h) */
} pd_cert_note;

/* Stores `now` as the row of creator now->id, which held `was` (as read by
 * pd_db_cert_row_get; the store writes only what differs), and with a note
 * (not NULL) a status_history row (creator, note->at, now's verdict and
 * failed rules, the note's policy, explanation and cause). Atomic. */
int pd_db_cert_row_put(pd_db *db, const pd_cert_row *was, const pd_cert_row *now,
                       const pd_cert_note *note, pd_error *err);

/* What the walk of a step asks its caller. */
#define PD_CERT_OUT_OF_STEP (-1)
typedef struct pd_cert_walker {
    /* One creator the step touches: `was` as stored, `m` what the step's
     * posts do to it. Fills *now (a copy of was on entry) and, for
     * PD_CERT_RECORD, why (the explanation; empty on entry); returns a
     * pd_cert_write, or PD_CERT_OUT_OF_STEP when m does not fit the row
     * (the walk then stops and rebuilds every row from the posts, asking
     * again with PD_CERT_MOVE_SET). */
    int (*decide)(void *ctx, const pd_cert_row *was, const pd_cert_move *m, pd_cert_row *now,
                  char why[PD_CERT_EXPLAIN_MAX]);
    /* For a step that re-judges everyone (judge_all): 1 when re-judging
     * `was` as it is would change its verdict. Read-only: it lets the
     * store prepare for many writes. */
    int (*would_change)(void *ctx, const pd_cert_row *was);
    void *ctx;
} pd_cert_walker;

/* Carries out one step of the days (core/advance.h), in the caller's
 * transaction: marks the activations it applies (applied_at = at), walks
 * the rows the step moves (a recompute: every creator with the sums of
 * the new window; a day: the creators with posts on the days that leave
 * and enter the window, with those sums; judge_all: every creator as it
 * is) asking w for each and writing what it decides (history rows dated
 * `at`, with the step's policy and cause), and stores the new state.
 * *recomputed is set when every row was rebuilt. */
int pd_db_online_step(pd_db *db, const pd_advance_step *step, int64_t at, const pd_cert_walker *w,
                      int *recomputed, pd_error *err);

/* A creator's current verdict and what it rests on. */
typedef struct pd_creator_status {
    int64_t creator_id;
    int64_t policy_id; /* 0: no policy in force          */
    int certified;
    uint32_t failed; /* rule bits (core/policy.h)      */
    uint64_t followers;
    pd_window_stats win;    /* posts, sponsored, views        */
    uint64_t engagements;   /* likes + comments + collects    */
    uint64_t avg_views;     /* hundredths                     */
    uint32_t engagement_bp; /* engagements / views, 1/10000   */
    int64_t since;          /* when the verdict last changed  */
} pd_creator_status;

int pd_db_creator_status(pd_db *db, int64_t creator_id, pd_creator_status *st, pd_error *err);

#define PD_EXPLAIN_MAX PD_CERT_EXPLAIN_MAX
#define PD_CAUSE_MAX 16

typedef struct pd_status_change {
    int64_t id;
    int64_t creator_id;
    int64_t at;
    int certified; /* the verdict from then on    */
    int64_t policy_id;
    uint32_t failed;
    char explanation[PD_EXPLAIN_MAX]; /* "avg_views 7321.50 < 10000; ..." */
    char cause[PD_CAUSE_MAX]; /* "post", "metrics", "followers", "day", "policy", "import" */
} pd_status_change;

/* A creator's changes of verdict, newest first; at most limit (0: all)
 * and, when before_id > 0, only those with id < before_id (paging). */
int pd_db_status_history(pd_db *db, int64_t creator_id, int64_t before_id, unsigned limit,
                         int (*each)(void *ctx, const pd_status_change *c), void *ctx,
                         pd_error *err);

/* Writes the online verdicts of every creator in the certify output format
 * (creator_id,certified,followers,posts,sponsored,avg_views; sorted by id):
 * equal, for the policy in force, to `partnerd certify --as-of` the next
 * midnight after the state's today on the same data. */
int pd_store_export_verdicts(pd_store *s, FILE *out, pd_error *err);

/* ---- discovery ---------------------------------------------------------------- */

/* Micro-creators: 1,000 <= followers < 50,000 (core/creator.h tiers
 * 1k-5k, 5k-10k and 10k-50k). Uncertified ones stay discoverable for
 * product seeding. */
#define PD_MICRO_MIN_FOLLOWERS 1000u
#define PD_MICRO_MAX_FOLLOWERS 50000u

typedef enum pd_creator_sort {
    PD_SORT_FOLLOWERS = 0, /* most followers first       */
    PD_SORT_AVG_VIEWS,     /* highest average views first */
    PD_SORT_ENGAGEMENT,    /* highest engagement first   */
    PD_SORT_NEWEST,        /* most recently created first */
} pd_creator_sort;

/* Filters are ANDed; a zero/NULL field does not filter. Ranges are
 * inclusive; a *_max of 0 means no upper bound. A new field must also go
 * into the page cache's key (http/creators.c, query_key). */
typedef struct pd_creator_query {
    const char *category; /* exact category                                  */
    const char *text;     /* words matched in handle and bio (FTS5); every
                             word must match, the last as a prefix; any
                             characters are safe (they are never FTS syntax) */
    uint64_t followers_min, followers_max;
    uint64_t avg_views_min, avg_views_max; /* hundredths                          */
    uint32_t engagement_min_bp, engagement_max_bp;
    int certified_only;
    int micro_only;
    int64_t mcn_id; /* > 0: that MCN; -1: independents only            */
    pd_creator_sort sort;
    /* Keyset pagination: the sort key and id of the last row of the previous
     * page (has_after = 1); the page starts after it. */
    int has_after;
    int64_t after_key, after_id;
    unsigned limit; /* 1..100                                          */
} pd_creator_query;

/* A row of a result page. For the next page use key (the row's sort key:
 * followers, avg_views, engagement_bp or created_at) and c.id. */
typedef struct pd_creator_hit {
    pd_creator_rec c;
    pd_creator_status st;
    int64_t key;
} pd_creator_hit;

/* The creators matching q in q->sort order (ties: higher id first), at most
 * q->limit; each is called once per row, in order. PD_EINPUT for a query
 * out of range (limit, inverted ranges, text with no word). */
int pd_db_creator_search(pd_db *db, const pd_creator_query *q,
                         int (*each)(void *ctx, const pd_creator_hit *h), void *ctx, pd_error *err);

/* ---- an MCN's roster ----------------------------------------------------------
 *
 * What an MCN's page reads: its creators with their verdicts, and their
 * recent posts, each in one statement (so call them inside one
 * pd_db_read_begin .. pd_db_read_end to see one state). each is called
 * while the statement runs: it must not use the connection. A non-zero
 * return of each stops the walk and is returned. An MCN without creators,
 * or with no such id, gives no call. */

/* Every creator of the MCN, by id, with its status (pd_creator_hit; key:
 * the id). */
int pd_db_mcn_creators(pd_db *db, int64_t mcn_id, int (*each)(void *ctx, const pd_creator_hit *h),
                       void *ctx, pd_error *err);

/* The posts of the MCN's creators (only those certified now, with
 * certified_only) published at or after `from` (seconds since the epoch),
 * later ones included (core/risk.h counts each from its own day): by
 * creator id, then time. */
int pd_db_mcn_posts_since(pd_db *db, int64_t mcn_id, int64_t from, int certified_only,
                          int (*each)(void *ctx, const pd_post_rec *p), void *ctx, pd_error *err);

/* ---- the whole population, for policy impact --------------------------------- */

typedef struct pd_creator_window {
    int64_t id;
    const char *category; /* valid during the call */
    uint64_t followers;
    int64_t mcn_id;      /* 0: independent */
    pd_window_stats win; /* for the window asked for */
} pd_creator_window;

/* Every creator, by id, with window statistics for the window_days days
 * ending with the online state's today (*today gets it), from one
 * consistent snapshot. When window_days is the window the aggregates hold
 * this reads them (a million creators in well under a second); otherwise it
 * computes them from the posts. */
int pd_store_window_scan(pd_store *s, uint32_t window_days, int64_t *today,
                         int (*each)(void *ctx, const pd_creator_window *w), void *ctx,
                         pd_error *err);

#endif
