/* store.c - what store.h means whatever the database: the location, role
 * names and the checks every argument gets before a backend sees it. The
 * backend (backend.h) only stores. Files are read and written above the
 * store: an import hands rows to a bulk session, an export walks rows
 * (app/import.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/num.h"
#include "core/text.h"
#include "store/backend.h"

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
        rc = pd_error_set(err, PD_EINPUT, "server key %s: %zu bytes stored, %zu asked for", name, n,
                          len);
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

int pd_db_mcn_list(pd_db *db, int (*each)(void *ctx, const pd_org_rec *o), void *ctx, pd_error *err)
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

/* ---- bulk loads and full walks ---------------------------------------------------------- */

struct pd_store_bulk {
    pd_store *s;
    pd_bulk *b; /* the backend's session */
};

int pd_store_bulk_begin(pd_store *s, pd_store_bulk **out, pd_error *err)
{
    ERR_OR_LOCAL(err);
    *out = NULL;
    pd_store_bulk *b = malloc(sizeof *b);
    if (!b)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    b->s = s;
    int rc = s->ops->bulk_begin(s, &b->b, err);
    if (rc) {
        free(b);
        return rc;
    }
    *out = b;
    return PD_OK;
}

int pd_store_bulk_creator_ids(pd_store_bulk *b, int (*each)(void *ctx, int64_t id), void *ctx,
                              pd_error *err)
{
    ERR_OR_LOCAL(err);
    return b->s->ops->bulk_creator_ids(b->b, each, ctx, err);
}

int pd_store_bulk_mcn(pd_store_bulk *b, int64_t id, int64_t at, pd_error *err)
{
    ERR_OR_LOCAL(err);
    int rc = check_id("MCN", id, err);
    return rc ? rc : b->s->ops->bulk_mcn(b->b, id, at, err);
}

int pd_store_bulk_creator(pd_store_bulk *b, const pd_creator_rec *c, int64_t at, pd_error *err)
{
    ERR_OR_LOCAL(err);
    int rc = check_creator(c, err);
    return rc ? rc : b->s->ops->bulk_creator(b->b, c, at, err);
}

int pd_store_bulk_posts(pd_store_bulk *b, const pd_post_rec *p, size_t n, size_t *failed,
                        pd_error *err)
{
    ERR_OR_LOCAL(err);
    for (size_t i = 0; i < n; i++) {
        int rc = check_id("post", p[i].id, err);
        if (!rc)
            rc = check_post(&p[i], err);
        if (rc) {
            *failed = i;
            return rc;
        }
    }
    return b->s->ops->bulk_posts(b->b, p, n, failed, err);
}

int pd_store_bulk_end(pd_store_bulk *b, int commit, pd_error *err)
{
    ERR_OR_LOCAL(err);
    int rc = b->s->ops->bulk_end(b->b, commit, err);
    free(b);
    return rc;
}

int pd_store_scan(pd_store *s, int (*creator)(void *ctx, const pd_creator_rec *c),
                  int (*post)(void *ctx, const pd_post_rec *p), void *ctx, pd_error *err)
{
    ERR_OR_LOCAL(err);
    return s->ops->scan(s, creator, post, ctx, err);
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
                         int (*each)(void *ctx, const pd_creator_hit *h), void *ctx, pd_error *err)
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
