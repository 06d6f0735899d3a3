/* store.c - what store.h means whatever the database: the location, role
 * names, the checks every argument gets before a backend sees it, and the
 * CSV side of import and export (reading with the batch engine's reader and
 * checks, writing the same formats). The backend (backend.h) only stores.
 *
 * Import reads creators.csv on the calling thread, then posts.csv on a
 * second thread that parses and checks lines into batches while the calling
 * thread stores the previous batches: a small ring of batches between them,
 * so memory does not grow with the file. The posts of creators that are
 * neither in the file nor in the store are counted and dropped here, which
 * is why the backend may skip its per-row foreign key check. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch/csv.h"
#include "batch/progress.h"
#include "batch/rows.h"
#include "util/num.h"
#include "core/text.h"
#include "store/backend.h"

#define READ_BUF (1u << 20)
#define MAX_REPORTS 10   /* skipped lines reported per file, as certify does */
#define BATCH_POSTS 8192 /* posts handed from the reading thread at once */
#define RING 4           /* batches in flight */

/* Callers may pass a NULL pd_error; backends may then still write one. */
#define ERR_OR_LOCAL(err)                                                                          \
    pd_error local_err_;                                                                           \
    if (!(err))                                                                                    \
    (err) = &local_err_

/* ---- opening ------------------------------------------------------------------------ */

int pd_store_open(const char *location, const pd_store_options *o, pd_store **out, pd_error *err)
{
    ERR_OR_LOCAL(err);
    pd_store_options defaults = {0};
    if (!o)
        o = &defaults;
    *out = NULL;
    if (!location || !*location)
        return pd_error_set(err, PD_EUSAGE, "no database given");
    if (strncmp(location, "postgresql://", 13) == 0 || strncmp(location, "postgres://", 11) == 0)
        return pd_error_set(err, PD_EUSAGE,
                            "%s: PostgreSQL is not supported yet (give a SQLite file)", location);
    const char *path = location;
    if (strncmp(location, "sqlite:", 7) == 0)
        path = location + 7;
    if (!*path)
        return pd_error_set(err, PD_EUSAGE, "%s: no file name", location);
    if (strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
        return pd_error_set(err, PD_EUSAGE,
                            "%s: give the path of a database file (every connection of the "
                            "pool must see the same database)",
                            location);
    return pd_sqlite_open(path, o, out, err);
}

int64_t pd_store_now(const pd_store *s)
{
    return pd_clock_now(s->clock);
}

void pd_store_close(pd_store *s)
{
    if (s)
        s->ops->close(s);
}

int pd_store_migrate(pd_store *s, int *applied, int *version, pd_error *err)
{
    ERR_OR_LOCAL(err);
    return s->ops->migrate(s, applied, version, err);
}

int pd_store_acquire(pd_store *s, pd_db **out, pd_error *err)
{
    ERR_OR_LOCAL(err);
    return s->ops->acquire(s, out, err);
}

void pd_store_release(pd_store *s, pd_db *db)
{
    if (db)
        s->ops->release(s, db);
}

int pd_db_begin(pd_db *db, pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->begin(db, err);
}

int pd_db_commit(pd_db *db, pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->commit(db, err);
}

void pd_db_rollback(pd_db *db)
{
    db->ops->rollback(db);
}

int pd_db_read_begin(pd_db *db, uint64_t *version, pd_error *err)
{
    ERR_OR_LOCAL(err);
    uint64_t v;
    return db->ops->read_begin(db, version ? version : &v, err);
}

void pd_db_read_end(pd_db *db)
{
    db->ops->read_end(db);
}

int pd_db_read_peek(pd_db *db, uint64_t *version)
{
    return db->ops->read_peek ? db->ops->read_peek(db, version) : 0;
}

int pd_store_backup(pd_store *s, const char *path, pd_error *err)
{
    ERR_OR_LOCAL(err);
    if (!path || !*path)
        return pd_error_set(err, PD_EUSAGE, "no backup file given");
    return s->ops->backup(s, path, err);
}

/* ---- roles ------------------------------------------------------------------------------ */

static const char *const role_names[] = {
    [PD_ROLE_OPERATOR] = "operator",
    [PD_ROLE_BRAND] = "brand",
    [PD_ROLE_CREATOR] = "creator",
    [PD_ROLE_MCN] = "mcn",
};

const char *pd_role_name(pd_role r)
{
    return r >= PD_ROLE_OPERATOR && r <= PD_ROLE_MCN ? role_names[r] : NULL;
}

int pd_role_from_name(const char *name, pd_role *out)
{
    for (int r = PD_ROLE_OPERATOR; name && r <= PD_ROLE_MCN; r++)
        if (strcmp(name, role_names[r]) == 0) {
            *out = (pd_role)r;
            return 0;
        }
    return -1;
}

/* ---- argument checks ----------------------------------------------------------------- */

/* Why text s[0..n) cannot be stored in a field of `cap` bytes (with its
 * NUL), or NULL when it can. Control characters are refused only where
 * a name is expected (no_controls). */
static const char *text_problem(const char *s, size_t n, size_t cap, int no_controls)
{
    pd_text_fault f;
    if (pd_text_check(s, n, cap, PD_TEXT_ANY, &f) < 0)
        return f.why;
    if (no_controls)
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                return "contains a control character";
    return NULL;
}

/* A name (user, brand, MCN): 1 to 63 bytes of UTF-8 without control
 * characters. */
static int check_name(const char *what, const char *s, pd_error *err)
{
    if (!s || !*s)
        return pd_error_set(err, PD_EINPUT, "%s: empty", what);
    const char *why = text_problem(s, strnlen(s, PD_NAME_MAX), PD_NAME_MAX, 1);
    return why ? pd_error_set(err, PD_EINPUT, "%s: %s", what, why) : PD_OK;
}

static int check_count(const char *what, uint64_t v, pd_error *err)
{
    return v > PD_COUNT_MAX
               ? pd_error_set(err, PD_EINPUT, "%s: %llu is over the largest count (10^15)", what,
                              (unsigned long long)v)
               : PD_OK;
}

static int check_id(const char *what, int64_t id, pd_error *err)
{
    return id < 1 ? pd_error_set(err, PD_EINPUT, "%s: %lld is not an id (1 or more)", what,
                                 (long long)id)
                  : PD_OK;
}

/* ---- accounts ----------------------------------------------------------------------------- */

int pd_db_user_add(pd_db *db, pd_user *u, const char *password_hash, pd_error *err)
{
    ERR_OR_LOCAL(err);
    int rc = check_name("user name", u->name, err);
    if (rc)
        return rc;
    const char *role = pd_role_name(u->role);
    if (!role)
        return pd_error_set(err, PD_EINPUT, "unknown role %d", (int)u->role);
    if (!password_hash || !*password_hash)
        return pd_error_set(err, PD_EINPUT, "password hash: empty");
    if (strnlen(password_hash, PD_HASH_MAX) >= PD_HASH_MAX)
        return pd_error_set(err, PD_EINPUT, "password hash: longer than %d bytes", PD_HASH_MAX - 1);
    if (u->brand_id < 0 || u->creator_id < 0 || u->mcn_id < 0)
        return pd_error_set(err, PD_EINPUT, "a negative id");
    /* Each role has exactly its own link. */
    struct {
        pd_role role;
        int64_t id;
        const char *what;
    } links[] = {{PD_ROLE_BRAND, u->brand_id, "brand"},
                 {PD_ROLE_CREATOR, u->creator_id, "creator"},
                 {PD_ROLE_MCN, u->mcn_id, "MCN"}};
    for (size_t i = 0; i < 3; i++) {
        if (u->role == links[i].role && !links[i].id)
            return pd_error_set(err, PD_EINPUT, "a user of role %s needs a %s", role,
                                links[i].what);
        if (u->role != links[i].role && links[i].id)
            return pd_error_set(err, PD_EINPUT, "a user of role %s has no %s", role, links[i].what);
    }
    return db->ops->user_add(db, u, password_hash, err);
}

int pd_db_user_by_name(pd_db *db, const char *name, pd_user *u, char hash[PD_HASH_MAX],
                       pd_error *err)
{
    ERR_OR_LOCAL(err);
    if (!name || strnlen(name, PD_NAME_MAX) >= PD_NAME_MAX)
        return pd_error_set(err, PD_ENOTFOUND, "no such user");
    return db->ops->user_by_name(db, name, u, hash, err);
}

int pd_db_user_by_id(pd_db *db, int64_t id, pd_user *u, pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->user_by_id(db, id, u, err);
}

int pd_db_user_list(pd_db *db, int (*each)(void *ctx, const pd_user *u), void *ctx, pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->user_list(db, each, ctx, err);
}

int pd_db_user_set_disabled(pd_db *db, const char *name, int disabled, pd_error *err)
{
    ERR_OR_LOCAL(err);
    if (!name || strnlen(name, PD_NAME_MAX) >= PD_NAME_MAX)
        return pd_error_set(err, PD_ENOTFOUND, "no such user");
    return db->ops->user_set_disabled(db, name, disabled ? 1 : 0, err);
}

int pd_db_token_add(pd_db *db, const uint8_t hash[32], int64_t user_id, int64_t expires_at,
                    pd_error *err)
{
    ERR_OR_LOCAL(err);
    int rc = check_id("user", user_id, err);
    return rc ? rc : db->ops->token_add(db, hash, user_id, expires_at, err);
}

int pd_db_token_user(pd_db *db, const uint8_t hash[32], int64_t now, pd_user *u,
                     int64_t *expires_at, pd_error *err)
{
    ERR_OR_LOCAL(err);
    int64_t local;
    return db->ops->token_user(db, hash, now, u, expires_at ? expires_at : &local, err);
}

int pd_db_token_delete(pd_db *db, const uint8_t hash[32], pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->token_delete(db, hash, err);
}

int pd_db_token_purge(pd_db *db, int64_t now, int64_t *n, pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->token_purge(db, now, n, err);
}

/* ---- brands and MCNs ------------------------------------------------------------------------ */

int pd_db_server_key(pd_db *db, const char *name, const uint8_t *fresh, size_t len, uint8_t *out,
                     pd_error *err)
{
    ERR_OR_LOCAL(err);
    if (!name || !*name || len < 16 || len > 64)
        return pd_error_set(err, PD_EINPUT, "server key: a name and 16 to 64 bytes");
    uint8_t got[64];
    size_t n = 0;
    int rc = db->ops->server_key(db, name, fresh, len, got, &n, err);
    if (rc == PD_OK && n != len)
        rc = pd_error_set(err, PD_EINPUT, "server key %s: %zu bytes stored, %zu asked for", name,
                          n, len);
    if (rc == PD_OK)
        memcpy(out, got, len);
    explicit_bzero(got, sizeof got);
    return rc;
}

int pd_db_brand_add(pd_db *db, const char *name, int64_t *id, pd_error *err)
{
    ERR_OR_LOCAL(err);
    int rc = check_name("brand name", name, err);
    return rc ? rc : db->ops->brand_add(db, name, id, err);
}

int pd_db_mcn_add(pd_db *db, int64_t id, const char *name, int64_t *out_id, pd_error *err)
{
    ERR_OR_LOCAL(err);
    if (id < 0)
        return check_id("MCN", id, err);
    int rc = check_name("MCN name", name, err);
    return rc ? rc : db->ops->mcn_add(db, id, name, out_id, err);
}

int pd_db_brand_list(pd_db *db, int (*each)(void *ctx, const pd_org_rec *o), void *ctx,
                     pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->org_list(db, 0, each, ctx, err);
}

int pd_db_mcn_list(pd_db *db, int (*each)(void *ctx, const pd_org_rec *o), void *ctx,
                   pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->org_list(db, 1, each, ctx, err);
}

/* ---- creators and posts ---------------------------------------------------------------------- */

static int check_creator(const pd_creator_rec *c, pd_error *err)
{
    int rc = check_id("creator", c->id, err);
    /* core/text.h's rules, whichever path the creator came by */
    if (!rc)
        rc = pd_text_require("handle", c->handle, sizeof c->handle, PD_TEXT_LABEL, err);
    if (!rc)
        rc = pd_text_require("category", c->category, sizeof c->category, PD_TEXT_LABEL, err);
    if (!rc)
        rc = pd_text_require("bio", c->bio, sizeof c->bio, PD_TEXT_PROSE, err);
    if (!rc)
        rc = check_count("followers", c->followers, err);
    if (!rc && c->mcn_id < 0)
        rc = check_id("MCN", c->mcn_id, err);
    return rc;
}

int pd_db_creator_put(pd_db *db, const pd_creator_rec *c, int64_t at, pd_error *err)
{
    ERR_OR_LOCAL(err);
    int rc = check_creator(c, err);
    return rc ? rc : db->ops->creator_put(db, c, at, err);
}

int pd_db_creator_get(pd_db *db, int64_t id, pd_creator_rec *c, pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->creator_get(db, id, c, err);
}

int pd_db_followers_history(pd_db *db, int64_t creator_id,
                            int (*each)(void *ctx, int64_t at, uint64_t followers), void *ctx,
                            pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->followers_history(db, creator_id, each, ctx, err);
}

int pd_db_followers_record(pd_db *db, int64_t creator_id, int64_t at, uint64_t followers,
                           pd_error *err)
{
    ERR_OR_LOCAL(err);
    int rc = check_id("creator_id", creator_id, err);
    if (!rc)
        rc = check_count("followers", followers, err);
    return rc ? rc : db->ops->followers_record(db, creator_id, at, followers, err);
}

static int check_counts(uint64_t views, uint64_t likes, uint64_t comments, uint64_t collects,
                        pd_error *err)
{
    int rc = check_count("views", views, err);
    if (!rc)
        rc = check_count("likes", likes, err);
    if (!rc)
        rc = check_count("comments", comments, err);
    if (!rc)
        rc = check_count("collects", collects, err);
    return rc;
}

/* Every part of a post but its id. */
static int check_post(const pd_post_rec *p, pd_error *err)
{
    int rc = check_id("creator", p->creator_id, err);
    if (!rc && (p->published_at.nsec < 0 || p->published_at.nsec > 999999999))
        rc = pd_error_set(err, PD_EINPUT, "published_at: nanoseconds out of range");
    if (!rc && p->sponsored != 0 && p->sponsored != 1)
        rc = pd_error_set(err, PD_EINPUT, "sponsored: 0 or 1");
    if (!rc)
        rc = check_counts(p->views, p->likes, p->comments, p->collects, err);
    return rc;
}

int pd_db_post_add(pd_db *db, const pd_post_rec *p, pd_error *err)
{
    ERR_OR_LOCAL(err);
    int rc = check_id("post", p->id, err);
    if (!rc)
        rc = check_post(p, err);
    return rc ? rc : db->ops->post_add(db, p, err);
}

int pd_db_post_publish(pd_db *db, pd_post_rec *p, pd_error *err)
{
    ERR_OR_LOCAL(err);
    int rc = check_post(p, err);
    return rc ? rc : db->ops->post_publish(db, p, err);
}

int pd_db_post_get(pd_db *db, int64_t id, pd_post_rec *p, pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->post_get(db, id, p, err);
}

int pd_db_post_set_metrics(pd_db *db, int64_t id, uint64_t views, uint64_t likes, uint64_t comments,
                           uint64_t collects, pd_post_rec *before, pd_error *err)
{
    ERR_OR_LOCAL(err);
    int rc = check_counts(views, likes, comments, collects, err);
    return rc ? rc
              : db->ops->post_set_metrics(db, id, views, likes, comments, collects, before, err);
}

/* ---- posts ---------------------------------------------------------------------------------- */

int pd_db_creator_posts(pd_db *db, int64_t creator_id, const pd_post_rec *after, unsigned limit,
                        int (*each)(void *ctx, const pd_post_rec *p), void *ctx, pd_error *err)
{
    ERR_OR_LOCAL(err);
    if (creator_id < 1)
        return pd_error_set(err, PD_ENOTFOUND, "no creator with id %lld", (long long)creator_id);
    if (limit < 1 || limit > PD_POSTS_PAGE_MAX)
        return pd_error_set(err, PD_EINPUT, "limit: %u is not from 1 to %d", limit,
                            PD_POSTS_PAGE_MAX);
    if (after && (after->published_at.nsec < 0 || after->published_at.nsec > 999999999))
        return pd_error_set(err, PD_EINPUT, "after: nanoseconds out of range");
    return db->ops->creator_posts(db, creator_id, after, limit, each, ctx, err);
}

/* ---- an MCN's roster ------------------------------------------------------------------------- */

int pd_db_mcn_get(pd_db *db, int64_t id, pd_org_rec *o, pd_error *err)
{
    ERR_OR_LOCAL(err);
    if (id < 1)
        return pd_error_set(err, PD_ENOTFOUND, "no MCN with id %lld", (long long)id);
    return db->ops->mcn_get(db, id, o, err);
}

int pd_db_mcn_creators(pd_db *db, int64_t mcn_id, int (*each)(void *ctx, const pd_creator_hit *h),
                       void *ctx, pd_error *err)
{
    ERR_OR_LOCAL(err);
    return mcn_id < 1 ? PD_OK : db->ops->mcn_creators(db, mcn_id, each, ctx, err);
}

int pd_db_mcn_posts_since(pd_db *db, int64_t mcn_id, int64_t from, int certified_only,
                          int (*each)(void *ctx, const pd_post_rec *p), void *ctx, pd_error *err)
{
    ERR_OR_LOCAL(err);
    return mcn_id < 1 ? PD_OK
                      : db->ops->mcn_posts_since(db, mcn_id, from, certified_only, each, ctx, err);
}

/* ---- import: a set of ids ----------------------------------------------------------------------
 */

/* creator_id -> the line of creators.csv that set it (0: stored before).
 * Open addressing; key and value side by side, one cache line a probe. */
struct idslot {
    int64_t key; /* 0: empty (ids are >= 1) */
    uint64_t line;
};

struct idmap {
    struct idslot *slot;
    size_t n, mask;
};

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static void idmap_free(struct idmap *m)
{
    free(m->slot);
    memset(m, 0, sizeof *m);
}

/* The slot of id: where it is, or the empty one where it would go. */
static inline size_t idmap_slot(const struct idmap *m, int64_t id)
{
    size_t h = mix64((uint64_t)id) & m->mask;
    while (m->slot[h].key && m->slot[h].key != id)
        h = (h + 1) & m->mask;
    return h;
}

static int idmap_grow(struct idmap *m)
{
    size_t cap = m->mask ? (m->mask + 1) * 2 : 1024;
    struct idmap g = {calloc(cap, sizeof *g.slot), m->n, cap - 1};
    if (!g.slot)
        return -1;
    for (size_t i = 0; m->mask && i <= m->mask; i++)
        if (m->slot[i].key)
            g.slot[idmap_slot(&g, m->slot[i].key)] = m->slot[i];
    idmap_free(m);
    *m = g;
    return 0;
}

/* Finds id; when absent, adds it with `line` and returns NULL. Returns the
 * stored line of a present id. *oom on allocation failure. */
static uint64_t *idmap_put(struct idmap *m, int64_t id, uint64_t line, int *oom)
{
    if ((m->n + 1) * 2 > m->mask && idmap_grow(m) < 0) {
        *oom = 1;
        return NULL;
    }
    size_t h = idmap_slot(m, id);
    if (m->slot[h].key)
        return &m->slot[h].line;
    m->slot[h].key = id;
    m->slot[h].line = line;
    m->n++;
    return NULL;
}

static inline int idmap_has(const struct idmap *m, int64_t id)
{
    return m->mask && m->slot[idmap_slot(m, id)].key == id;
}

static int idmap_add_stored(void *ctx, int64_t id)
{
    int oom = 0;
    idmap_put(ctx, id, 0, &oom);
    return oom ? PD_ENOMEM : 0;
}

/* ---- import: skipped lines
 * ------------------------------------------------------------------------ */

/* The first skipped lines of one kind (room for two kinds merged). */
struct reports {
    pd_rows_bad b[2 * MAX_REPORTS];
    size_t n;
    uint64_t skipped;
};

static void reports_add(struct reports *r, const pd_rows_bad *b)
{
    if (r->n < MAX_REPORTS)
        r->b[r->n++] = *b;
    r->skipped++;
}

static int bad_line_cmp(const void *a, const void *b)
{
    const pd_rows_bad *x = a, *y = b;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Prints the skipped lines of one file as certify does: the first ten
 * (lines absolute), then how many more. */
static void reports_print(FILE *diag, const pd_rows_input *in, struct reports *r)
{
    qsort(r->b, r->n, sizeof r->b[0], bad_line_cmp);
    char what[PD_ERROR_MSG_MAX];
    size_t printed = 0;
    for (; printed < r->n && printed < MAX_REPORTS; printed++) {
        pd_rows_describe(in, &r->b[printed], what, sizeof what);
        fprintf(diag, "%s:%llu: skipped: %s\n", in->path, (unsigned long long)r->b[printed].line,
                what);
    }
    if (r->skipped > printed)
        fprintf(diag, "%s: ... and %llu more skipped lines\n", in->path,
                (unsigned long long)(r->skipped - printed));
}

/* The error for a bad line (line absolute). */
static int bad_line_error(const pd_rows_input *in, const pd_rows_bad *b, pd_code code,
                          pd_error *err)
{
    char what[PD_ERROR_MSG_MAX];
    pd_rows_describe(in, b, what, sizeof what);
    return pd_error_set(err, code, "%s:%llu: %s", in->path, (unsigned long long)b->line, what);
}

/* ---- import: progress
 * ------------------------------------------------------------------------------- */

struct progress_src {
    pd_csv_reader *rd;
    _Atomic uint64_t rows;
};

static void progress_poll(void *ctx, uint64_t *bytes, uint64_t *rows)
{
    struct progress_src *p = ctx;
    *bytes = atomic_load_explicit(&p->rd->bytes_read, memory_order_relaxed);
    *rows = atomic_load_explicit(&p->rows, memory_order_relaxed);
}

/* ---- import: creators
 * ------------------------------------------------------------------------------ */

struct import {
    pd_store *s;
    const pd_import_options *o;
    FILE *diag;
    pd_bulk *bulk;
    int64_t at;
    struct idmap creators;
    struct idmap mcns;
    pd_import_summary *sum;
};

static int import_creators(struct import *im, const pd_rows_input *in, pd_error *err)
{
    pd_csv_reader rd;
    int rc = pd_csv_reader_init(&rd, in->fd, in->data_start, UINT64_MAX, in->size, READ_BUF, err);
    if (rc)
        return rc;
    struct progress_src ps = {.rd = &rd};
    pd_progress *pg =
        pd_progress_start(im->o->progress, in->name, in->size - in->data_start, progress_poll, &ps);
    struct reports rep = {0};
    uint64_t dups = 0, dup_line = 0, dup_first = 0;
    int64_t dup_id = 0;
    pd_creator_rec *c = calloc(1, sizeof *c);
    if (!c)
        rc = pd_error_set(err, PD_ENOMEM, "out of memory");
    while (rc == PD_OK) {
        pd_csv_record rec;
        pd_rows_creator row;
        pd_rows_bad b;
        int r = pd_csv_next(&rd, &rec);
        if (r == 0)
            break;
        if (r < 0) {
            pd_code code = (pd_code)pd_rows_fault(&rd, &b);
            b.line = pd_rows_line(in, b.line);
            if (code != PD_OK || !im->o->skip_bad_lines) {
                rc = bad_line_error(in, &b, code ? code : PD_EINPUT, err);
                break;
            }
            reports_add(&rep, &b);
            continue;
        }
        /* (Every other field of *c is set below; bio stays empty.) */
        const char *why = NULL;
        if (pd_rows_creator_parse(in, &rec, &row, &b) < 0 ||
            pd_rows_creator_labels(in, &rec, &row, c->handle, sizeof c->handle, c->category,
                                   sizeof c->category, &b) < 0)
            why = b.why;
        if (why) {
            b.line = pd_rows_line(in, b.line);
            if (!im->o->skip_bad_lines) {
                rc = bad_line_error(in, &b, PD_EINPUT, err);
                break;
            }
            reports_add(&rep, &b);
            continue;
        }
        uint64_t line = pd_rows_line(in, rec.line);
        int oom = 0;
        uint64_t *seen = idmap_put(&im->creators, row.id, line, &oom);
        if (oom) {
            rc = pd_error_set(err, PD_ENOMEM, "out of memory for creator ids");
            break;
        }
        if (seen && *seen) {
            /* Reported once the whole file is read, as certify does. */
            if (!dups++) {
                dup_line = line;
                dup_first = *seen;
                dup_id = row.id;
            }
            continue;
        }
        if (seen)
            *seen = line; /* stored before: now updated from this line */
        if (row.mcn_id && !idmap_put(&im->mcns, (int64_t)row.mcn_id, 1, &oom)) {
            if (oom) {
                rc = pd_error_set(err, PD_ENOMEM, "out of memory for MCN ids");
                break;
            }
            if ((rc = im->s->ops->bulk_mcn(im->bulk, (int64_t)row.mcn_id, im->at, err)) != PD_OK)
                break;
        }
        c->id = row.id;
        c->followers = row.followers;
        c->mcn_id = (int64_t)row.mcn_id;
        if ((rc = im->s->ops->bulk_creator(im->bulk, c, im->at, err)) != PD_OK) {
            pd_error_prefix(err, "%s:%llu", in->path, (unsigned long long)line);
            break;
        }
        im->sum->creators++;
        atomic_store_explicit(&ps.rows, im->sum->creators, memory_order_relaxed);
    }
    pd_progress_stop(pg);
    free(c);
    pd_csv_reader_free(&rd);
    if (rc == PD_OK && dups && !im->o->skip_bad_lines)
        rc = pd_rows_duplicate_error(in, dup_line, dup_first, dup_id, err);
    if (rc == PD_OK) {
        reports_print(im->diag, in, &rep);
        if (dups)
            pd_rows_duplicates_skipped(im->diag, in, dups, dup_line, dup_id);
        im->sum->skipped_lines += rep.skipped + dups;
    }
    return rc;
}

/* ---- import: posts
 * ------------------------------------------------------------------------------------- */

struct batch {
    pd_post_rec *p;
    uint64_t *line;
    size_t n;
};

struct posts_pipe {
    struct import *im;
    const pd_rows_input *in;
    pd_csv_reader rd;
    struct progress_src ps;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct batch ring[RING];
    size_t r, w, count; /* full batches: ring[r % RING] .. ring[(r + count - 1) % RING] */
    int finished;       /* the reader is done (ok or not) */
    atomic_int stop;    /* the writer failed: the reader stops */
    /* the reader's results */
    int failed;
    pd_code code;
    pd_rows_bad bad;
    struct reports rep;
    uint64_t unknown;
    /* the writer's: posts whose id was taken */
    struct reports dup_rep;
};

/* The reader's next free batch, or NULL when the writer stopped. */
static struct batch *pipe_take_free(struct posts_pipe *pp)
{
    pthread_mutex_lock(&pp->mu);
    while (pp->count == RING && !atomic_load(&pp->stop))
        pthread_cond_wait(&pp->cv, &pp->mu);
    struct batch *b = atomic_load(&pp->stop) ? NULL : &pp->ring[pp->w % RING];
    pthread_mutex_unlock(&pp->mu);
    if (b)
        b->n = 0;
    return b;
}

static void pipe_put_full(struct posts_pipe *pp)
{
    pthread_mutex_lock(&pp->mu);
    pp->w++;
    pp->count++;
    pthread_cond_broadcast(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
}

static void *posts_reader(void *arg)
{
    struct posts_pipe *pp = arg;
    const pd_rows_input *in = pp->in;
    const struct import *im = pp->im;
    struct batch *b = pipe_take_free(pp);
    pd_csv_record rec;
    pd_rows_post row;
    pd_rows_bad bad;
    while (b) {
        int r = pd_csv_next(&pp->rd, &rec);
        if (r == 0)
            break;
        int ok = r > 0 && pd_rows_post_parse(in, &rec, &row, &bad) == 0 &&
                 pd_rows_post_storable(in, &rec, &row, &bad) == 0;
        if (!ok) {
            pd_code code = r < 0 ? (pd_code)pd_rows_fault(&pp->rd, &bad) : PD_OK;
            bad.line = pd_rows_line(in, bad.line);
            if (code != PD_OK || !im->o->skip_bad_lines) {
                pp->failed = 1;
                pp->code = code ? code : PD_EINPUT;
                pp->bad = bad;
                break;
            }
            reports_add(&pp->rep, &bad);
            continue;
        }
        if (!idmap_has(&im->creators, (int64_t)row.creator)) {
            pp->unknown++;
            continue;
        }
        pd_post_rec *p = &b->p[b->n];
        p->id = (int64_t)row.id;
        p->creator_id = (int64_t)row.creator;
        p->published_at = row.t;
        p->sponsored = row.sponsored;
        p->views = row.views;
        p->likes = row.likes;
        p->comments = row.comments;
        p->collects = row.collects;
        b->line[b->n] = pd_rows_line(in, rec.line);
        if (++b->n == BATCH_POSTS) {
            pipe_put_full(pp);
            b = pipe_take_free(pp);
        }
    }
    if (b && b->n)
        pipe_put_full(pp);
    pthread_mutex_lock(&pp->mu);
    pp->finished = 1;
    pthread_cond_broadcast(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
    return NULL;
}

/* Stores one batch; a duplicate post id is a bad line (skipped or not). */
static int store_batch(struct posts_pipe *pp, const struct batch *b, pd_error *err)
{
    struct import *im = pp->im;
    size_t i = 0;
    while (i < b->n) {
        size_t failed = SIZE_MAX;
        int rc = im->s->ops->bulk_posts(im->bulk, b->p + i, b->n - i, &failed, err);
        if (rc == PD_OK) {
            im->sum->posts += b->n - i;
            break;
        }
        if (rc != PD_ECONFLICT || failed == SIZE_MAX)
            return rc;
        im->sum->posts += failed;
        i += failed;
        char id[24];
        size_t len = pd_fmt_u64((uint64_t)b->p[i].id, id);
        pd_rows_bad bad;
        pd_rows_bad_set(&bad, b->line[i], pp->in->col[PD_COL_P_ID],
                        "duplicate post_id (stored already, or earlier in the file)", id, len);
        if (!im->o->skip_bad_lines)
            return bad_line_error(pp->in, &bad, PD_EINPUT, err);
        reports_add(&pp->dup_rep, &bad);
        i++;
    }
    atomic_store_explicit(&pp->ps.rows, im->sum->posts, memory_order_relaxed);
    return PD_OK;
}

static int import_posts(struct import *im, const pd_rows_input *in, pd_error *err)
{
    struct posts_pipe *pp = calloc(1, sizeof *pp);
    if (!pp)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pp->im = im;
    pp->in = in;
    int rc =
        pd_csv_reader_init(&pp->rd, in->fd, in->data_start, UINT64_MAX, in->size, READ_BUF, err);
    if (rc) {
        free(pp);
        return rc;
    }
    pp->ps.rd = &pp->rd;
    for (size_t i = 0; i < RING && rc == PD_OK; i++) {
        pp->ring[i].p = malloc(BATCH_POSTS * sizeof *pp->ring[i].p);
        pp->ring[i].line = malloc(BATCH_POSTS * sizeof *pp->ring[i].line);
        if (!pp->ring[i].p || !pp->ring[i].line)
            rc = pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    pthread_t th;
    int started = 0;
    if (rc == PD_OK) {
        pthread_mutex_init(&pp->mu, NULL);
        pthread_cond_init(&pp->cv, NULL);
        if (pthread_create(&th, NULL, posts_reader, pp) == 0) {
            started = 1;
        } else {
            rc = pd_error_set(err, PD_ENOMEM, "cannot start a thread");
            pthread_mutex_destroy(&pp->mu);
            pthread_cond_destroy(&pp->cv);
        }
    }
    pd_progress *pg = started ? pd_progress_start(im->o->progress, in->name,
                                                  in->size - in->data_start, progress_poll, &pp->ps)
                              : NULL;
    while (started) {
        pthread_mutex_lock(&pp->mu);
        while (pp->count == 0 && !pp->finished)
            pthread_cond_wait(&pp->cv, &pp->mu);
        int empty = pp->count == 0;
        struct batch *b = &pp->ring[pp->r % RING];
        pthread_mutex_unlock(&pp->mu);
        if (empty)
            break; /* finished, and nothing left */
        rc = store_batch(pp, b, err);
        pthread_mutex_lock(&pp->mu);
        pp->r++;
        pp->count--;
        if (rc)
            atomic_store(&pp->stop, 1);
        pthread_cond_broadcast(&pp->cv);
        pthread_mutex_unlock(&pp->mu);
        if (rc)
            break;
    }
    if (started) {
        pthread_join(th, NULL);
        pd_progress_stop(pg);
        pthread_mutex_destroy(&pp->mu);
        pthread_cond_destroy(&pp->cv);
    }
    /* Every post before the reader's bad line was stored first: a writer's
     * error (an earlier line) wins. */
    if (rc == PD_OK && pp->failed)
        rc = bad_line_error(in, &pp->bad, pp->code, err);
    if (rc == PD_OK) {
        /* One report for the file: the reader's bad lines and the writer's
         * taken ids, in line order, the first ten. */
        for (size_t i = 0; i < pp->dup_rep.n; i++)
            pp->rep.b[pp->rep.n++] = pp->dup_rep.b[i];
        pp->rep.skipped += pp->dup_rep.skipped;
        im->sum->posts_unknown_creator = pp->unknown;
        im->sum->skipped_lines += pp->rep.skipped;
        reports_print(im->diag, in, &pp->rep);
    }
    for (size_t i = 0; i < RING; i++) {
        free(pp->ring[i].p);
        free(pp->ring[i].line);
    }
    pd_csv_reader_free(&pp->rd);
    free(pp);
    return rc;
}

int pd_store_import_ex(pd_store *s, const pd_import_options *o, pd_import_summary *sum,
                       pd_error *err)
{
    ERR_OR_LOCAL(err);
    pd_import_summary local_sum;
    if (!sum)
        sum = &local_sum;
    memset(sum, 0, sizeof *sum);
    if (!o->creators_path || !o->posts_path)
        return pd_error_set(err, PD_EUSAGE, "both the creators and the posts file are needed");
    struct import im = {
        .s = s, .o = o, .diag = o->diag ? o->diag : stderr, .sum = sum, .at = pd_store_now(s)};
    /* Both headers first: a wrong file is found before the database is. */
    pd_rows_input cin, pin;
    int rc = pd_rows_open(&cin, o->creators_path, PD_ROWS_CREATORS, err);
    if (rc)
        return rc;
    rc = pd_rows_open(&pin, o->posts_path, PD_ROWS_POSTS, err);
    if (rc) {
        pd_rows_close(&cin);
        return rc;
    }
    rc = s->ops->bulk_begin(s, &im.bulk, err);
    if (rc == PD_OK) {
        rc = s->ops->bulk_creator_ids(im.bulk, idmap_add_stored, &im.creators, err);
        if (rc == PD_OK)
            rc = import_creators(&im, &cin, err);
        if (rc == PD_OK)
            rc = import_posts(&im, &pin, err);
        /* The commit, or the rollback that leaves the store as it was. */
        pd_error end_err = {0};
        int end = s->ops->bulk_end(im.bulk, rc == PD_OK, rc == PD_OK ? err : &end_err);
        if (rc == PD_OK)
            rc = end;
    }
    if (rc != PD_OK) {
        pd_import_summary none = {0};
        *sum = none;
    }
    idmap_free(&im.creators);
    idmap_free(&im.mcns);
    pd_rows_close(&cin);
    pd_rows_close(&pin);
    return rc;
}

int pd_store_import(pd_store *s, const char *creators_csv, const char *posts_csv,
                    int skip_bad_lines, pd_import_summary *sum, pd_error *err)
{
    pd_import_options o = {
        .creators_path = creators_csv, .posts_path = posts_csv, .skip_bad_lines = skip_bad_lines};
    return pd_store_import_ex(s, &o, sum, err);
}

/* ---- export
 * ------------------------------------------------------------------------------------------ */

struct exporter {
    FILE *creators, *posts;
    int write_failed;
    char line[1024 + 2 * (PD_HANDLE_MAX + PD_CATEGORY_MAX)];
};

/* Appends a text field as RFC 4180 wants it: quoted, quotes doubled, when
 * it holds a comma, a quote or a line break (as gen writes them). */
static char *put_field(char *p, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        size_t n = strlen(s);
        memcpy(p, s, n);
        return p + n;
    }
    *p++ = '"';
    for (; *s; s++) {
        if (*s == '"')
            *p++ = '"';
        *p++ = *s;
    }
    *p++ = '"';
    return p;
}

static int export_creator(void *ctx, const pd_creator_rec *c)
{
    struct exporter *x = ctx;
    char *p = x->line;
    p += pd_fmt_u64((uint64_t)c->id, p);
    *p++ = ',';
    p = put_field(p, c->handle);
    *p++ = ',';
    p = put_field(p, c->category);
    *p++ = ',';
    p += pd_fmt_u64(c->followers, p);
    *p++ = ',';
    if (c->mcn_id)
        p += pd_fmt_u64((uint64_t)c->mcn_id, p);
    *p++ = '\n';
    size_t n = (size_t)(p - x->line);
    if (fwrite(x->line, 1, n, x->creators) == n)
        return 0;
    x->write_failed = 1;
    return PD_EIO;
}

static int export_post(void *ctx, const pd_post_rec *q)
{
    struct exporter *x = ctx;
    char *p = x->line;
    p += pd_fmt_u64((uint64_t)q->id, p);
    *p++ = ',';
    p += pd_fmt_u64((uint64_t)q->creator_id, p);
    *p++ = ',';
    p += pd_instant_format(q->published_at, p);
    if (q->sponsored) {
        memcpy(p, ",sponsored,", 11);
        p += 11;
    } else {
        memcpy(p, ",organic,", 9);
        p += 9;
    }
    p += pd_fmt_u64(q->views, p);
    *p++ = ',';
    p += pd_fmt_u64(q->likes, p);
    *p++ = ',';
    p += pd_fmt_u64(q->comments, p);
    *p++ = ',';
    p += pd_fmt_u64(q->collects, p);
    *p++ = '\n';
    size_t n = (size_t)(p - x->line);
    if (fwrite(x->line, 1, n, x->posts) == n)
        return 0;
    x->write_failed = 1;
    return PD_EIO;
}

int pd_store_export(pd_store *s, FILE *creators, FILE *posts, pd_error *err)
{
    ERR_OR_LOCAL(err);
    struct exporter *x = malloc(sizeof *x);
    if (!x)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    x->creators = creators;
    x->posts = posts;
    x->write_failed = fputs("creator_id,handle,category,followers,mcn_id\n", creators) < 0 ||
                      fputs("post_id,creator_id,published_at,kind,views,likes,comments,"
                            "collects\n",
                            posts) < 0;
    int rc = x->write_failed ? PD_EIO : s->ops->scan(s, export_creator, export_post, x, err);
    if (x->write_failed)
        rc = pd_error_set(err, PD_EIO, "write failed: %s", strerror(errno));
    free(x);
    return rc;
}

/* ---- search: discovery and the population scan ----------------------------------------- */

#define SEARCH_PAGE_MAX 100 /* rows of one discovery page */
#define SEARCH_TEXT_MAX 256 /* bytes of a text query */

/* Whether UTF-8 text s holds a character that can be part of a word: an
 * ASCII letter or digit, or any other character outside the punctuation,
 * symbol and emoji blocks. The backend's tokenizer has the last word. */
static int has_word_char(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
        if (c < 0x80) {
            if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
                return 1;
        } else {
            unsigned cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
            for (size_t k = 1; k < len; k++)
                cp = cp << 6 | (p[k] & 0x3F);
            int punct = cp < 0xC0 || (cp >= 0x2000 && cp <= 0x2BFF) ||
                        (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
                        (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0x1F000 && cp <= 0x1FAFF);
            if (!punct)
                return 1;
        }
        p += len; /* valid UTF-8 (checked before): len bytes are there */
    }
    return 0;
}

static int check_range(const char *lo_name, uint64_t lo, const char *hi_name, uint64_t hi,
                       pd_error *err)
{
    return hi && lo > hi ? pd_error_set(err, PD_EINPUT, "%s: %llu is more than %s (%llu)", lo_name,
                                        (unsigned long long)lo, hi_name, (unsigned long long)hi)
                         : PD_OK;
}

static int check_query(const pd_creator_query *q, pd_error *err)
{
    if (q->limit < 1 || q->limit > SEARCH_PAGE_MAX)
        return pd_error_set(err, PD_EINPUT, "limit: %u is not from 1 to %d", q->limit,
                            SEARCH_PAGE_MAX);
    if ((unsigned)q->sort > PD_SORT_NEWEST)
        return pd_error_set(err, PD_EINPUT,
                            "sort: unknown (%d; followers, avg_views, engagement or newest)",
                            (int)q->sort);
    int rc = check_range("followers_min", q->followers_min, "followers_max", q->followers_max, err);
    if (!rc)
        rc = check_range("avg_views_min", q->avg_views_min, "avg_views_max", q->avg_views_max, err);
    if (!rc)
        rc = check_range("engagement_min", q->engagement_min_bp, "engagement_max",
                         q->engagement_max_bp, err);
    if (!rc)
        rc = check_count("followers_min", q->followers_min, err);
    if (!rc)
        rc = check_count("followers_max", q->followers_max, err);
    if (!rc && (q->avg_views_min > PD_COUNT_MAX * 100 || q->avg_views_max > PD_COUNT_MAX * 100))
        rc = pd_error_set(err, PD_EINPUT, "avg_views: over the largest count (10^15)");
    if (rc)
        return rc;
    if (q->mcn_id < -1)
        return pd_error_set(err, PD_EINPUT,
                            "mcn_id: %lld is not an MCN id (or 0 for any, -1 for independents)",
                            (long long)q->mcn_id);
    if (q->has_after && q->after_id < 1)
        return pd_error_set(err, PD_EINPUT, "after_id: %lld is not an id (1 or more)",
                            (long long)q->after_id);
    if (q->category) {
        size_t n = strnlen(q->category, PD_CATEGORY_MAX);
        const char *why = text_problem(q->category, n, PD_CATEGORY_MAX, 1);
        if (why)
            return pd_error_set(err, PD_EINPUT, "category: %s", why);
    }
    if (q->text) {
        size_t n = strnlen(q->text, SEARCH_TEXT_MAX + 1);
        if (n > SEARCH_TEXT_MAX)
            return pd_error_set(err, PD_EINPUT, "text: longer than %d bytes", SEARCH_TEXT_MAX);
        pd_text_fault f;
        if (pd_text_check(q->text, n, 0, PD_TEXT_ANY, &f) < 0)
            return pd_error_set(err, PD_EINPUT, "text: %s", f.why);
        if (!has_word_char(q->text))
            return pd_error_set(err, PD_EINPUT,
                                "text: no word to search for (words are letters and digits)");
    }
    return PD_OK;
}

int pd_db_creator_search(pd_db *db, const pd_creator_query *q,
                         int (*each)(void *ctx, const pd_creator_hit *h), void *ctx,
                         pd_error *err)
{
    ERR_OR_LOCAL(err);
    int rc = check_query(q, err);
    return rc ? rc : db->ops->creator_search(db, q, each, ctx, err);
}

int pd_store_window_scan(pd_store *s, uint32_t window_days, int64_t *today,
                         int (*each)(void *ctx, const pd_creator_window *w), void *ctx,
                         pd_error *err)
{
    ERR_OR_LOCAL(err);
    if (window_days < 1 || window_days > PD_POLICY_WINDOW_MAX)
        return pd_error_set(err, PD_EINPUT, "window_days: %u is not from 1 to %d", window_days,
                            PD_POLICY_WINDOW_MAX);
    return s->ops->window_scan(s, window_days, today, each, ctx, err);
}
