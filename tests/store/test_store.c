/* test_store.c - the store (store.h) over real SQLite files in a temporary
 * directory: opening and locations, migrations, every function of accounts,
 * brands and MCNs, creators with their follower history, posts, transactions
 * that roll back, the connection pool under several threads, online backup,
 * and CSV import and export (bad lines, skipped lines, unknown creators, a
 * failed import leaving the store as it was).
 *
 * Each test gets a fresh directory and an open, migrated store (the fixture
 * below); the teardown closes it and removes the directory. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "util/num.h"
#include "app/import.h"
#include "store/store.h"

/* ---- fixture (fixture.h) ------------------------------------------------------- */

#include "fixture.h"

static void path_in(const struct pd_store_fx *f, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", f->dir, name);
}

static void write_file(const struct pd_store_fx *f, const char *name, const char *text)
{
    char p[256];
    path_in(f, name, p, sizeof p);
    FILE *fp = fopen(p, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    assert_int_equal(fclose(fp), 0);
}

static int setup(void **state)
{
    struct pd_store_fx *f = pd_store_fx_new("store", 4);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    pd_store_fx_free(*state);
    return 0;
}

/* ---- helpers -------------------------------------------------------------------- */

/* Checks a call's code; on a mismatch shows the call, both codes and the
 * message (the call's pd_error must be named err). */
static pd_creator_rec creator(int64_t id, const char *handle, uint64_t followers, int64_t mcn)
{
    pd_creator_rec c;
    memset(&c, 0, sizeof c);
    c.id = id;
    snprintf(c.handle, sizeof c.handle, "%s", handle);
    snprintf(c.category, sizeof c.category, "beauty");
    c.followers = followers;
    c.mcn_id = mcn;
    return c;
}

static pd_post_rec post(int64_t id, int64_t creator_id, int64_t sec, int sponsored)
{
    pd_post_rec p = {.id = id,
                     .creator_id = creator_id,
                     .published_at = {sec, 0},
                     .sponsored = sponsored,
                     .views = 100 + (uint64_t)id,
                     .likes = 10,
                     .comments = 2,
                     .collects = 1};
    return p;
}

static void assert_post_equal(const pd_post_rec *a, const pd_post_rec *b)
{
    assert_int_equal(a->id, b->id);
    assert_int_equal(a->creator_id, b->creator_id);
    assert_int_equal(a->published_at.sec, b->published_at.sec);
    assert_int_equal(a->published_at.nsec, b->published_at.nsec);
    assert_int_equal(a->sponsored, b->sponsored);
    assert_int_equal(a->views, b->views);
    assert_int_equal(a->likes, b->likes);
    assert_int_equal(a->comments, b->comments);
    assert_int_equal(a->collects, b->collects);
}

static void add_creator(pd_db *d, int64_t id, uint64_t followers)
{
    pd_error err = {0};
    char h[32];
    snprintf(h, sizeof h, "creator%lld", (long long)id);
    pd_creator_rec c = creator(id, h, followers, 0);
    ASSERT_CODE(PD_OK, pd_db_creator_put(d, &c, 1000, &err));
}

/* Everything in the store as the two CSV texts, joined (caller frees). */
static char *export_text(pd_store *s)
{
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    FILE *fa = open_memstream(&a, &na), *fb = open_memstream(&b, &nb);
    assert_non_null(fa);
    assert_non_null(fb);
    pd_error err = {0};
    ASSERT_CODE(PD_OK, pd_export_files(s, fa, fb, &err));
    fclose(fa);
    fclose(fb);
    char *all = malloc(na + nb + 2);
    assert_non_null(all);
    memcpy(all, a, na);
    all[na] = '|';
    memcpy(all + na + 1, b, nb + 1);
    free(a);
    free(b);
    return all;
}

/* ---- opening ---------------------------------------------------------------------- */

static void test_locations(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_store *s = NULL;
    pd_store_options o = {.create = 1};
    assert_int_equal(pd_store_open("", &o, &s, &err), PD_EUSAGE);
    assert_int_equal(pd_store_open("postgresql://localhost/x", &o, &s, &err), PD_EUSAGE);
    assert_non_null(strstr(err.msg, "PostgreSQL"));
    assert_int_equal(pd_store_open(":memory:", &o, &s, &err), PD_EUSAGE);
    assert_int_equal(pd_store_open("sqlite:", &o, &s, &err), PD_EUSAGE);

    /* "sqlite:PATH" is the same file. */
    char loc[160];
    snprintf(loc, sizeof loc, "sqlite:%s", f->db);
    ASSERT_CODE(PD_OK, pd_store_open(loc, &o, &s, &err));
    pd_db *d;
    ASSERT_CODE(PD_OK, pd_store_acquire(s, &d, &err));
    add_creator(d, 7, 70);
    pd_store_release(s, d);
    pd_store_close(s);
    pd_creator_rec c;
    ASSERT_CODE(PD_OK, pd_db_creator_get(f->d, 7, &c, &err));

    /* Not created when asked not to. */
    char missing[160];
    path_in(f, "missing.db", missing, sizeof missing);
    pd_store_options no_create = {0};
    assert_int_equal(pd_store_open(missing, &no_create, &s, &err), PD_EIO);
    assert_non_null(strstr(err.msg, "no such database"));
    struct stat st;
    assert_int_equal(stat(missing, &st), -1);

    /* Not a database. */
    write_file(f, "text.db", "this is not a database, it is a text file of some length\n");
    char text[160];
    path_in(f, "text.db", text, sizeof text);
    assert_int_equal(pd_store_open(text, &no_create, &s, &err), PD_EIO);
    assert_null(s);

    pd_store_close(NULL);
}

static void test_migrate_twice(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    int applied = -1, version = -1;
    /* The fixture migrated at open: nothing is left to do. */
    ASSERT_CODE(PD_OK, pd_store_migrate(f->s, &applied, &version, &err));
    assert_int_equal(applied, 0);
    assert_int_equal(version, 3);

    /* A fresh file opened without migrating: every migration, then none. */
    char p[160];
    path_in(f, "fresh.db", p, sizeof p);
    pd_store *s;
    pd_store_options o = {.create = 1};
    ASSERT_CODE(PD_OK, pd_store_open(p, &o, &s, &err));
    ASSERT_CODE(PD_OK, pd_store_migrate(s, &applied, &version, &err));
    assert_int_equal(applied, 3);
    assert_int_equal(version, 3);
    ASSERT_CODE(PD_OK, pd_store_migrate(s, &applied, &version, &err));
    assert_int_equal(applied, 0);
    assert_int_equal(version, 3);
    ASSERT_CODE(PD_OK, pd_store_migrate(s, NULL, NULL, &err));
    pd_store_close(s);
    /* And again from a new process's point of view: still a no-op. */
    pd_store_options om = {.migrate = 1};
    ASSERT_CODE(PD_OK, pd_store_open(p, &om, &s, &err));
    ASSERT_CODE(PD_OK, pd_store_migrate(s, &applied, &version, &err));
    assert_int_equal(applied, 0);
    pd_store_close(s);
}

/* ---- server keys --------------------------------------------------------------------- */

static void test_server_key(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    uint8_t a[32], b[32], got[32], again[32];
    memset(a, 0xA5, sizeof a);
    memset(b, 0x5B, sizeof b);
    /* none yet, and asking without a fresh one stores nothing */
    ASSERT_CODE(PD_ENOTFOUND, pd_db_server_key(f->d, "device-proof", NULL, 32, got, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_server_key(f->d, "device-proof", NULL, 32, got, &err));
    /* the first fresh key is stored; a later one does not replace it */
    ASSERT_CODE(PD_OK, pd_db_server_key(f->d, "device-proof", a, 32, got, &err));
    assert_memory_equal(got, a, 32);
    ASSERT_CODE(PD_OK, pd_db_server_key(f->d, "device-proof", b, 32, again, &err));
    assert_memory_equal(again, a, 32);
    ASSERT_CODE(PD_OK, pd_db_server_key(f->d, "device-proof", NULL, 32, again, &err));
    assert_memory_equal(again, a, 32);
    /* another name is another key; another length is an error */
    ASSERT_CODE(PD_OK, pd_db_server_key(f->d, "other", b, 32, got, &err));
    assert_memory_equal(got, b, 32);
    ASSERT_CODE(PD_EINPUT, pd_db_server_key(f->d, "device-proof", NULL, 16, got, &err));
    ASSERT_CODE(PD_EINPUT, pd_db_server_key(f->d, "device-proof", a, 8, got, &err));
    ASSERT_CODE(PD_EINPUT, pd_db_server_key(f->d, "", a, 32, got, &err));
    /* inside a transaction rolled back, the key made there is gone */
    ASSERT_CODE(PD_OK, pd_db_begin(f->d, &err));
    ASSERT_CODE(PD_OK, pd_db_server_key(f->d, "third", a, 32, got, &err));
    pd_db_rollback(f->d);
    ASSERT_CODE(PD_ENOTFOUND, pd_db_server_key(f->d, "third", NULL, 32, got, &err));
    /* another store of the same file (another process) reads the same key */
    pd_store *s2;
    pd_db *d2;
    pd_store_options o = {0};
    ASSERT_CODE(PD_OK, pd_store_open(f->db, &o, &s2, &err));
    ASSERT_CODE(PD_OK, pd_store_acquire(s2, &d2, &err));
    ASSERT_CODE(PD_OK, pd_db_server_key(d2, "device-proof", b, 32, got, &err));
    assert_memory_equal(got, a, 32);
    pd_store_release(s2, d2);
    pd_store_close(s2);
}

/* ---- accounts ----------------------------------------------------------------------- */

static void test_roles(void **state)
{
    (void)state;
    pd_role r;
    for (int i = PD_ROLE_OPERATOR; i <= PD_ROLE_MCN; i++) {
        const char *name = pd_role_name((pd_role)i);
        assert_non_null(name);
        assert_int_equal(pd_role_from_name(name, &r), 0);
        assert_int_equal(r, i);
    }
    assert_string_equal(pd_role_name(PD_ROLE_BRAND), "brand");
    assert_null(pd_role_name((pd_role)0));
    assert_null(pd_role_name((pd_role)5));
    assert_int_equal(pd_role_from_name("admin", &r), -1);
    assert_int_equal(pd_role_from_name("", &r), -1);
    assert_int_equal(pd_role_from_name(NULL, &r), -1);
}

static pd_user user(const char *name, pd_role role, int64_t brand, int64_t creator_id, int64_t mcn)
{
    pd_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.name, sizeof u.name, "%s", name);
    u.role = role;
    u.brand_id = brand;
    u.creator_id = creator_id;
    u.mcn_id = mcn;
    return u;
}

struct names {
    char all[512];
    int stop_after;
    int seen;
};

static int collect_name(void *ctx, const pd_user *u)
{
    struct names *n = ctx;
    snprintf(n->all + strlen(n->all), sizeof n->all - strlen(n->all), "%s,", u->name);
    return ++n->seen == n->stop_after ? 42 : 0;
}

static void test_users(void **state)
{
    struct pd_store_fx *f = *state;
    pd_db *d = f->d;
    pd_error err = {0};
    int64_t brand = 0, mcn = 0;
    ASSERT_CODE(PD_OK, pd_db_brand_add(d, "Acme", &brand, &err));
    ASSERT_CODE(PD_OK, pd_db_mcn_add(d, 0, "Stars", &mcn, &err));
    add_creator(d, 11, 500);

    pd_user op = user("olga", PD_ROLE_OPERATOR, 0, 0, 0);
    ASSERT_CODE(PD_OK, pd_db_user_add(d, &op, "$argon2id$hash-olga", &err));
    assert_true(op.id > 0);
    assert_true(op.created_at > 0);
    pd_user dup = user("olga", PD_ROLE_OPERATOR, 0, 0, 0);
    ASSERT_CODE(PD_ECONFLICT, pd_db_user_add(d, &dup, "x", &err));
    assert_non_null(strstr(err.msg, "olga"));

    /* Links: each role has exactly its own, and it must name something. */
    pd_user b = user("bob", PD_ROLE_BRAND, 0, 0, 0);
    ASSERT_CODE(PD_EINPUT, pd_db_user_add(d, &b, "h", &err));
    b.brand_id = brand + 100;
    ASSERT_CODE(PD_EINPUT, pd_db_user_add(d, &b, "h", &err));
    assert_non_null(strstr(err.msg, "no brand"));
    b.brand_id = brand;
    b.mcn_id = mcn;
    ASSERT_CODE(PD_EINPUT, pd_db_user_add(d, &b, "h", &err));
    b.mcn_id = 0;
    ASSERT_CODE(PD_OK, pd_db_user_add(d, &b, "$argon2id$hash-bob", &err));
    pd_user op2 = user("oscar", PD_ROLE_OPERATOR, brand, 0, 0);
    ASSERT_CODE(PD_EINPUT, pd_db_user_add(d, &op2, "h", &err));
    pd_user c = user("cara", PD_ROLE_CREATOR, 0, 12, 0);
    ASSERT_CODE(PD_EINPUT, pd_db_user_add(d, &c, "h", &err));
    assert_non_null(strstr(err.msg, "no creator"));
    c.creator_id = 11;
    ASSERT_CODE(PD_OK, pd_db_user_add(d, &c, "h-cara", &err));
    pd_user m = user("max", PD_ROLE_MCN, 0, 0, mcn + 5);
    ASSERT_CODE(PD_EINPUT, pd_db_user_add(d, &m, "h", &err));
    m.mcn_id = mcn;
    ASSERT_CODE(PD_OK, pd_db_user_add(d, &m, "h-max", &err));

    /* Bad names, roles and hashes. */
    pd_user bad = user("", PD_ROLE_OPERATOR, 0, 0, 0);
    ASSERT_CODE(PD_EINPUT, pd_db_user_add(d, &bad, "h", &err));
    bad = user("tab\tname", PD_ROLE_OPERATOR, 0, 0, 0);
    ASSERT_CODE(PD_EINPUT, pd_db_user_add(d, &bad, "h", &err));
    bad = user("\xff\xfe", PD_ROLE_OPERATOR, 0, 0, 0);
    ASSERT_CODE(PD_EINPUT, pd_db_user_add(d, &bad, "h", &err));
    bad = user("zed", (pd_role)9, 0, 0, 0);
    ASSERT_CODE(PD_EINPUT, pd_db_user_add(d, &bad, "h", &err));
    bad = user("zed", PD_ROLE_OPERATOR, 0, 0, 0);
    ASSERT_CODE(PD_EINPUT, pd_db_user_add(d, &bad, "", &err));
    memset(bad.name, 'a', sizeof bad.name); /* no NUL inside */
    ASSERT_CODE(PD_EINPUT, pd_db_user_add(d, &bad, "h", &err));

    /* Reading back. */
    pd_user got;
    char hash[PD_HASH_MAX];
    ASSERT_CODE(PD_OK, pd_db_user_by_name(d, "bob", &got, hash, &err));
    assert_int_equal(got.id, b.id);
    assert_int_equal(got.role, PD_ROLE_BRAND);
    assert_int_equal(got.brand_id, brand);
    assert_int_equal(got.creator_id, 0);
    assert_int_equal(got.mcn_id, 0);
    assert_int_equal(got.disabled, 0);
    assert_string_equal(hash, "$argon2id$hash-bob");
    ASSERT_CODE(PD_OK, pd_db_user_by_name(d, "cara", &got, NULL, &err));
    assert_int_equal(got.creator_id, 11);
    ASSERT_CODE(PD_OK, pd_db_user_by_id(d, m.id, &got, &err));
    assert_string_equal(got.name, "max");
    assert_int_equal(got.mcn_id, mcn);
    ASSERT_CODE(PD_ENOTFOUND, pd_db_user_by_name(d, "nobody", &got, NULL, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_user_by_id(d, 9999, &got, &err));

    struct names n = {.stop_after = -1};
    ASSERT_CODE(PD_OK, pd_db_user_list(d, collect_name, &n, &err));
    assert_string_equal(n.all, "bob,cara,max,olga,");
    struct names n2 = {.stop_after = 2};
    assert_int_equal(pd_db_user_list(d, collect_name, &n2, &err), 42);
    assert_string_equal(n2.all, "bob,cara,");

    ASSERT_CODE(PD_OK, pd_db_user_set_disabled(d, "cara", 1, &err));
    ASSERT_CODE(PD_OK, pd_db_user_by_name(d, "cara", &got, NULL, &err));
    assert_int_equal(got.disabled, 1);
    ASSERT_CODE(PD_OK, pd_db_user_set_disabled(d, "cara", 0, &err));
    ASSERT_CODE(PD_OK, pd_db_user_by_name(d, "cara", &got, NULL, &err));
    assert_int_equal(got.disabled, 0);
    ASSERT_CODE(PD_ENOTFOUND, pd_db_user_set_disabled(d, "nobody", 1, &err));
}

static void test_tokens(void **state)
{
    struct pd_store_fx *f = *state;
    pd_db *d = f->d;
    pd_error err = {0};
    pd_user u = user("tina", PD_ROLE_OPERATOR, 0, 0, 0);
    ASSERT_CODE(PD_OK, pd_db_user_add(d, &u, "h", &err));
    uint8_t t1[32], t2[32], t3[32];
    memset(t1, 1, 32);
    memset(t2, 2, 32);
    memset(t3, 3, 32);
    ASSERT_CODE(PD_OK, pd_db_token_add(d, t1, u.id, 2000, &err));
    ASSERT_CODE(PD_OK, pd_db_token_add(d, t2, u.id, 3000, &err));
    ASSERT_CODE(PD_ECONFLICT, pd_db_token_add(d, t1, u.id, 5000, &err));
    ASSERT_CODE(PD_EINPUT, pd_db_token_add(d, t3, u.id + 50, 5000, &err));
    ASSERT_CODE(PD_EINPUT, pd_db_token_add(d, t3, 0, 5000, &err));

    pd_user got;
    int64_t expires = 0;
    ASSERT_CODE(PD_OK, pd_db_token_user(d, t1, 1999, &got, &expires, &err));
    assert_int_equal(expires, 2000);
    assert_int_equal(got.id, u.id);
    assert_string_equal(got.name, "tina");
    /* Expired at expires_at itself. */
    ASSERT_CODE(PD_ENOTFOUND, pd_db_token_user(d, t1, 2000, &got, NULL, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_token_user(d, t3, 0, &got, NULL, &err));

    /* A disabled user's tokens stop working at once, and work again when
     * the user is enabled. */
    ASSERT_CODE(PD_OK, pd_db_user_set_disabled(d, "tina", 1, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_token_user(d, t2, 100, &got, NULL, &err));
    ASSERT_CODE(PD_OK, pd_db_user_set_disabled(d, "tina", 0, &err));
    ASSERT_CODE(PD_OK, pd_db_token_user(d, t2, 100, &got, NULL, &err));

    ASSERT_CODE(PD_OK, pd_db_token_delete(d, t2, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_token_user(d, t2, 100, &got, NULL, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_token_delete(d, t2, &err));

    ASSERT_CODE(PD_OK, pd_db_token_add(d, t3, u.id, 4000, &err));
    int64_t n = -1;
    ASSERT_CODE(PD_OK, pd_db_token_purge(d, 3000, &n, &err));
    assert_int_equal(n, 1); /* t1 (2000); t3 (4000) stays */
    ASSERT_CODE(PD_OK, pd_db_token_user(d, t3, 3999, &got, NULL, &err));
    ASSERT_CODE(PD_OK, pd_db_token_purge(d, 3000, &n, &err));
    assert_int_equal(n, 0);
    ASSERT_CODE(PD_OK, pd_db_token_purge(d, 9000, NULL, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_token_user(d, t3, 0, &got, NULL, &err));
}

/* ---- brands and MCNs ---------------------------------------------------------------- */

static void test_brands_and_mcns(void **state)
{
    struct pd_store_fx *f = *state;
    pd_db *d = f->d;
    pd_error err = {0};
    int64_t a = 0, b = 0;
    ASSERT_CODE(PD_OK, pd_db_brand_add(d, "Acme", &a, &err));
    ASSERT_CODE(PD_OK, pd_db_brand_add(d, "Globex", &b, &err));
    assert_true(a > 0 && b > a);
    ASSERT_CODE(PD_ECONFLICT, pd_db_brand_add(d, "Acme", NULL, &err));
    ASSERT_CODE(PD_EINPUT, pd_db_brand_add(d, "", NULL, &err));
    ASSERT_CODE(PD_OK, pd_db_brand_add(d, "Initech", NULL, &err));

    int64_t m = 0;
    ASSERT_CODE(PD_OK, pd_db_mcn_add(d, 3602, "MCN 3602", &m, &err));
    assert_int_equal(m, 3602);
    m = 0;
    ASSERT_CODE(PD_OK, pd_db_mcn_add(d, 3602, "MCN 3602", &m, &err)); /* same: fine */
    assert_int_equal(m, 3602);
    ASSERT_CODE(PD_ECONFLICT, pd_db_mcn_add(d, 3602, "Other", &m, &err));
    ASSERT_CODE(PD_OK, pd_db_mcn_add(d, 0, "New one", &m, &err));
    assert_int_equal(m, 3603);                                    /* after the largest */
    ASSERT_CODE(PD_OK, pd_db_mcn_add(d, 0, "New one", &m, &err)); /* names may repeat */
    assert_int_equal(m, 3604);
    ASSERT_CODE(PD_EINPUT, pd_db_mcn_add(d, -4, "Negative", &m, &err));
    ASSERT_CODE(PD_EINPUT, pd_db_mcn_add(d, 5, "", &m, &err));

    /* The MCN is usable as a creator's. */
    pd_creator_rec c = creator(1, "withmcn", 10, 3602);
    ASSERT_CODE(PD_OK, pd_db_creator_put(d, &c, 100, &err));
}

/* ---- creators and posts ------------------------------------------------------------- */

struct hist {
    int64_t at[8];
    uint64_t f[8];
    int n, stop_after;
};

static int collect_hist(void *ctx, int64_t at, uint64_t followers)
{
    struct hist *h = ctx;
    h->at[h->n] = at;
    h->f[h->n] = followers;
    return ++h->n == h->stop_after ? 7 : 0;
}

static void test_creators(void **state)
{
    struct pd_store_fx *f = *state;
    pd_db *d = f->d;
    pd_error err = {0};
    int64_t mcn;
    ASSERT_CODE(PD_OK, pd_db_mcn_add(d, 77, "Seventy-seven", &mcn, &err));

    pd_creator_rec c = creator(5, "Lily, \"Glow\" Chen", 1200, 77);
    snprintf(c.bio, sizeof c.bio, "makeup, skincare; 小美的美妆日记");
    c.created_at = 999999; /* not read */
    ASSERT_CODE(PD_OK, pd_db_creator_put(d, &c, 1000, &err));
    pd_creator_rec got;
    ASSERT_CODE(PD_OK, pd_db_creator_get(d, 5, &got, &err));
    assert_int_equal(got.id, 5);
    assert_string_equal(got.handle, c.handle);
    assert_string_equal(got.category, "beauty");
    assert_string_equal(got.bio, c.bio);
    assert_int_equal(got.followers, 1200);
    assert_int_equal(got.mcn_id, 77);
    assert_int_equal(got.created_at, 1000);
    assert_int_equal(got.updated_at, 1000);

    /* Same followers: updated, no new history row. */
    snprintf(c.category, sizeof c.category, "fashion");
    ASSERT_CODE(PD_OK, pd_db_creator_put(d, &c, 2000, &err));
    /* New followers, no MCN any more: a history row. */
    c.followers = 1500;
    c.mcn_id = 0;
    ASSERT_CODE(PD_OK, pd_db_creator_put(d, &c, 3000, &err));
    ASSERT_CODE(PD_OK, pd_db_creator_get(d, 5, &got, &err));
    assert_string_equal(got.category, "fashion");
    assert_int_equal(got.followers, 1500);
    assert_int_equal(got.mcn_id, 0);
    assert_int_equal(got.created_at, 1000);
    assert_int_equal(got.updated_at, 3000);

    struct hist h = {.stop_after = -1};
    ASSERT_CODE(PD_OK, pd_db_followers_history(d, 5, collect_hist, &h, &err));
    assert_int_equal(h.n, 2);
    assert_int_equal(h.at[0], 1000);
    assert_int_equal(h.f[0], 1200);
    assert_int_equal(h.at[1], 3000);
    assert_int_equal(h.f[1], 1500);
    struct hist h1 = {.stop_after = 1};
    assert_int_equal(pd_db_followers_history(d, 5, collect_hist, &h1, &err), 7);
    assert_int_equal(h1.n, 1);

    /* Past counts recorded: in the history in time order, the creator as
     * it was. */
    ASSERT_CODE(PD_OK, pd_db_followers_record(d, 5, 500, 900, &err));
    ASSERT_CODE(PD_OK, pd_db_followers_record(d, 5, 2500, 1300, &err));
    struct hist h3 = {.stop_after = -1};
    ASSERT_CODE(PD_OK, pd_db_followers_history(d, 5, collect_hist, &h3, &err));
    static const int64_t want_at[] = {500, 1000, 2500, 3000};
    static const uint64_t want_f[] = {900, 1200, 1300, 1500};
    assert_int_equal(h3.n, 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(h3.at[i], want_at[i]);
        assert_int_equal(h3.f[i], want_f[i]);
    }
    ASSERT_CODE(PD_OK, pd_db_creator_get(d, 5, &got, &err));
    assert_int_equal(got.followers, 1500);
    assert_int_equal(got.updated_at, 3000);
    ASSERT_CODE(PD_EINPUT, pd_db_followers_record(d, 6, 500, 900, &err)); /* no creator 6 */
    assert_string_equal(err.msg, "no creator with id 6");
    ASSERT_CODE(PD_EINPUT, pd_db_followers_record(d, 5, 500, PD_COUNT_MAX + 1, &err));
    ASSERT_CODE(PD_EINPUT, pd_db_followers_record(d, 0, 500, 9, &err));

    ASSERT_CODE(PD_ENOTFOUND, pd_db_creator_get(d, 6, &got, &err));
    struct hist h2 = {.stop_after = -1};
    ASSERT_CODE(PD_ENOTFOUND, pd_db_followers_history(d, 6, collect_hist, &h2, &err));
    assert_int_equal(h2.n, 0);

    /* Refused values change nothing. */
    pd_creator_rec bad = creator(6, "x", 10, 78); /* no such MCN */
    ASSERT_CODE(PD_EINPUT, pd_db_creator_put(d, &bad, 10, &err));
    assert_non_null(strstr(err.msg, "MCN"));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_creator_get(d, 6, &got, &err));
    bad = creator(0, "x", 10, 0);
    ASSERT_CODE(PD_EINPUT, pd_db_creator_put(d, &bad, 10, &err));
    bad = creator(6, "x", PD_COUNT_MAX + 1, 0);
    ASSERT_CODE(PD_EINPUT, pd_db_creator_put(d, &bad, 10, &err));
    bad = creator(6, "\xc3\x28", 10, 0); /* invalid UTF-8 */
    ASSERT_CODE(PD_EINPUT, pd_db_creator_put(d, &bad, 10, &err));
    bad = creator(6, "x", 10, 0);
    memset(bad.handle, 'h', sizeof bad.handle); /* not terminated */
    ASSERT_CODE(PD_EINPUT, pd_db_creator_put(d, &bad, 10, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_creator_get(d, 6, &got, &err));
}

static void test_posts(void **state)
{
    struct pd_store_fx *f = *state;
    pd_db *d = f->d;
    pd_error err = {0};
    add_creator(d, 1, 10);
    pd_post_rec p = post(100, 1, 1559347199, 1);
    p.published_at.nsec = 250000000;
    ASSERT_CODE(PD_OK, pd_db_post_add(d, &p, &err));
    pd_post_rec got;
    ASSERT_CODE(PD_OK, pd_db_post_get(d, 100, &got, &err));
    assert_post_equal(&got, &p);

    /* Conflicts and unknown creators. */
    pd_post_rec again = post(100, 1, 5, 0);
    ASSERT_CODE(PD_ECONFLICT, pd_db_post_add(d, &again, &err));
    pd_post_rec orphan = post(101, 2, 5, 0);
    ASSERT_CODE(PD_EINPUT, pd_db_post_add(d, &orphan, &err));
    assert_non_null(strstr(err.msg, "creator"));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_post_get(d, 101, &got, &err));

    /* Values the schema refuses. */
    pd_post_rec bad = post(102, 1, 5, 0);
    bad.views = PD_COUNT_MAX + 1;
    ASSERT_CODE(PD_EINPUT, pd_db_post_add(d, &bad, &err));
    bad = post(102, 1, 5, 2);
    ASSERT_CODE(PD_EINPUT, pd_db_post_add(d, &bad, &err));
    bad = post(102, 1, 5, 0);
    bad.published_at.nsec = 1000000000;
    ASSERT_CODE(PD_EINPUT, pd_db_post_add(d, &bad, &err));
    bad = post(0, 1, 5, 0);
    ASSERT_CODE(PD_EINPUT, pd_db_post_add(d, &bad, &err));

    /* Metrics grow; the post as it was comes back. */
    pd_post_rec before;
    ASSERT_CODE(PD_OK, pd_db_post_set_metrics(d, 100, 5000, 300, 20, 9, &before, &err));
    assert_post_equal(&before, &p);
    ASSERT_CODE(PD_OK, pd_db_post_get(d, 100, &got, &err));
    assert_int_equal(got.views, 5000);
    assert_int_equal(got.likes, 300);
    assert_int_equal(got.comments, 20);
    assert_int_equal(got.collects, 9);
    assert_int_equal(got.published_at.sec, p.published_at.sec);
    ASSERT_CODE(PD_OK, pd_db_post_set_metrics(d, 100, 6000, 300, 20, 9, NULL, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_post_set_metrics(d, 999, 1, 1, 1, 1, &before, &err));
    ASSERT_CODE(PD_EINPUT, pd_db_post_set_metrics(d, 100, 1, PD_COUNT_MAX + 1, 1, 1, NULL, &err));
    ASSERT_CODE(PD_OK, pd_db_post_get(d, 100, &got, &err));
    assert_int_equal(got.views, 6000);
}

/* ---- transactions -------------------------------------------------------------------- */

static void test_rollback_leaves_nothing(void **state)
{
    struct pd_store_fx *f = *state;
    pd_db *d = f->d;
    pd_error err = {0};
    char *before = export_text(f->s);

    ASSERT_CODE(PD_OK, pd_db_begin(d, &err));
    ASSERT_CODE(PD_EINTERNAL, pd_db_begin(d, &err)); /* one at a time */
    add_creator(d, 1, 10);
    pd_post_rec p = post(1, 1, 100, 0);
    ASSERT_CODE(PD_OK, pd_db_post_add(d, &p, &err));
    pd_user u = user("ghost", PD_ROLE_OPERATOR, 0, 0, 0);
    ASSERT_CODE(PD_OK, pd_db_user_add(d, &u, "h", &err));
    int64_t brand;
    ASSERT_CODE(PD_OK, pd_db_brand_add(d, "Ghost brand", &brand, &err));
    pd_db_rollback(d);
    pd_db_rollback(d); /* nothing open: fine */

    pd_creator_rec c;
    pd_user got;
    ASSERT_CODE(PD_ENOTFOUND, pd_db_creator_get(d, 1, &c, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_post_get(d, 1, &p, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_user_by_name(d, "ghost", &got, NULL, &err));
    /* The brand name is free again. */
    ASSERT_CODE(PD_OK, pd_db_brand_add(d, "Ghost brand", &brand, &err));
    char *after = export_text(f->s);
    assert_string_equal(before, after);
    free(before);
    free(after);

    /* Inside a transaction, a failed call undoes only itself. */
    ASSERT_CODE(PD_OK, pd_db_begin(d, &err));
    add_creator(d, 2, 20);
    pd_creator_rec bad = creator(2, "changed", 99, 12345); /* no such MCN */
    ASSERT_CODE(PD_EINPUT, pd_db_creator_put(d, &bad, 5000, &err));
    ASSERT_CODE(PD_OK, pd_db_commit(d, &err));
    ASSERT_CODE(PD_OK, pd_db_creator_get(d, 2, &c, &err));
    assert_string_equal(c.handle, "creator2");
    assert_int_equal(c.followers, 20);
    struct hist h = {.stop_after = -1};
    ASSERT_CODE(PD_OK, pd_db_followers_history(d, 2, collect_hist, &h, &err));
    assert_int_equal(h.n, 1);

    /* A commit makes it visible to another connection. */
    pd_db *d2;
    ASSERT_CODE(PD_OK, pd_store_acquire(f->s, &d2, &err));
    ASSERT_CODE(PD_OK, pd_db_begin(d, &err));
    add_creator(d, 3, 30);
    ASSERT_CODE(PD_ENOTFOUND, pd_db_creator_get(d2, 3, &c, &err));
    ASSERT_CODE(PD_OK, pd_db_commit(d, &err));
    ASSERT_CODE(PD_OK, pd_db_creator_get(d2, 3, &c, &err));
    pd_store_release(f->s, d2);
}

/* ---- the pool ----------------------------------------------------------------------- */

#define THREADS 8
#define PER_THREAD 40

struct worker {
    pd_store *s;
    int index;
    int failures;
    char msg[PD_ERROR_MSG_MAX];
};

static void *work(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        pd_db *d;
        pd_error err = {0};
        int rc = pd_store_acquire(w->s, &d, &err);
        if (rc == PD_OK) {
            rc = pd_db_begin(d, &err);
            pd_post_rec p = post(1 + w->index * PER_THREAD + i, 1, 1000 + i, i % 2);
            if (rc == PD_OK)
                rc = pd_db_post_add(d, &p, &err);
            if (rc == PD_OK)
                rc = pd_db_post_set_metrics(d, p.id, 7, 7, 7, 7, NULL, &err);
            if (rc == PD_OK)
                rc = pd_db_commit(d, &err);
            else
                pd_db_rollback(d);
            pd_store_release(w->s, d);
        }
        if (rc) {
            w->failures++;
            snprintf(w->msg, sizeof w->msg, "%s", err.msg);
        }
    }
    return NULL;
}

static void test_pool_threads(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    add_creator(f->d, 1, 1);
    /* 8 threads over a pool of 4 (the fixture holds one of them). */
    pthread_t th[THREADS];
    struct worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.s = f->s, .index = i};
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        if (w[i].failures)
            fail_msg("thread %d: %d failures, the last: %s", i, w[i].failures, w[i].msg);
    }
    for (int64_t id = 1; id <= THREADS * PER_THREAD; id++) {
        pd_post_rec p;
        ASSERT_CODE(PD_OK, pd_db_post_get(f->d, id, &p, &err));
        assert_int_equal(p.views, 7);
    }

    /* Every connection taken: the next acquire waits, then gives up. */
    pd_store *s;
    pd_store_options o = {.pool_size = 2, .busy_ms = 100};
    ASSERT_CODE(PD_OK, pd_store_open(f->db, &o, &s, &err));
    pd_db *a, *b, *c;
    ASSERT_CODE(PD_OK, pd_store_acquire(s, &a, &err));
    ASSERT_CODE(PD_OK, pd_store_acquire(s, &b, &err));
    assert_ptr_not_equal(a, b);
    ASSERT_CODE(PD_EUNAVAILABLE, pd_store_acquire(s, &c, &err));
    pd_store_release(s, b);
    ASSERT_CODE(PD_OK, pd_store_acquire(s, &c, &err));
    assert_ptr_equal(b, c);
    /* A connection released inside a transaction comes back clean. */
    ASSERT_CODE(PD_OK, pd_db_begin(c, &err));
    add_creator(c, 99, 1);
    pd_store_release(s, c);
    ASSERT_CODE(PD_OK, pd_store_acquire(s, &c, &err));
    pd_creator_rec cr;
    ASSERT_CODE(PD_ENOTFOUND, pd_db_creator_get(c, 99, &cr, &err));
    ASSERT_CODE(PD_OK, pd_db_begin(c, &err));
    ASSERT_CODE(PD_OK, pd_db_commit(c, &err));
    pd_store_release(s, c);
    pd_store_release(s, a);
    pd_store_close(s);
}

/* ---- backup -------------------------------------------------------------------------- */

static void test_backup(void **state)
{
    struct pd_store_fx *f = *state;
    pd_db *d = f->d;
    pd_error err = {0};
    for (int64_t i = 1; i <= 50; i++) {
        add_creator(d, i, (uint64_t)i * 10);
        for (int64_t k = 0; k < 20; k++) {
            pd_post_rec p = post(i * 100 + k, i, 1000000 + k, (int)(k % 3 == 0));
            ASSERT_CODE(PD_OK, pd_db_post_add(d, &p, &err));
        }
    }
    pd_user u = user("keeper", PD_ROLE_OPERATOR, 0, 0, 0);
    ASSERT_CODE(PD_OK, pd_db_user_add(d, &u, "h", &err));

    char copy[160];
    path_in(f, "copy.db", copy, sizeof copy);
    /* While another connection is in a write transaction. */
    pd_db *w;
    ASSERT_CODE(PD_OK, pd_store_acquire(f->s, &w, &err));
    ASSERT_CODE(PD_OK, pd_db_begin(w, &err));
    add_creator(w, 999, 1);
    ASSERT_CODE(PD_OK, pd_store_backup(f->s, copy, &err));
    pd_db_rollback(w);
    pd_store_release(f->s, w);

    pd_store *s2;
    pd_store_options o = {0};
    ASSERT_CODE(PD_OK, pd_store_open(copy, &o, &s2, &err));
    char *a = export_text(f->s), *b = export_text(s2);
    assert_string_equal(a, b);
    free(a);
    free(b);
    pd_db *d2;
    ASSERT_CODE(PD_OK, pd_store_acquire(s2, &d2, &err));
    pd_user got;
    ASSERT_CODE(PD_OK, pd_db_user_by_name(d2, "keeper", &got, NULL, &err));
    pd_creator_rec c;
    ASSERT_CODE(PD_ENOTFOUND, pd_db_creator_get(d2, 999, &c, &err)); /* not committed */
    int applied = -1;
    ASSERT_CODE(PD_OK, pd_store_migrate(s2, &applied, NULL, &err));
    assert_int_equal(applied, 0);
    pd_store_release(s2, d2);
    pd_store_close(s2);

    /* A second backup over the first replaces it. */
    add_creator(d, 1000, 5);
    ASSERT_CODE(PD_OK, pd_store_backup(f->s, copy, &err));
    ASSERT_CODE(PD_OK, pd_store_open(copy, &o, &s2, &err));
    ASSERT_CODE(PD_OK, pd_store_acquire(s2, &d2, &err));
    ASSERT_CODE(PD_OK, pd_db_creator_get(d2, 1000, &c, &err));
    pd_store_release(s2, d2);
    pd_store_close(s2);

    char nodir[160];
    path_in(f, "no/such/dir.db", nodir, sizeof nodir);
    ASSERT_CODE(PD_EIO, pd_store_backup(f->s, nodir, &err));
}

/* ---- import and export ----------------------------------------------------------------- */

static const char creators_csv[] = "creator_id,handle,category,followers,mcn_id\n"
                                   "3,\"Lily, \"\"Glow\"\" Chen\",beauty,5200,12\n"
                                   "1,coco_88,food,900,\n"
                                   "2,小美的美妆日记,beauty,12000,12\n";

static const char posts_csv[] =
    "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
    "10,1,2019-05-14T08:30:00Z,organic,100,5,1,0\n"
    "11,3,2019-05-14T16:30:00+08:00,sponsored,20000,800,40,12\n"
    "12,9,2019-05-15,organic,1,1,1,1\n"
    "13,2,2019-05-20T10:00:00.250Z,organic,15000,100,3,7\n"
    "14,2,2019-05-21T10:00:00Z,sponsored,0,0,0,0\n";

static const char expected_export[] =
    "creator_id,handle,category,followers,mcn_id\n"
    "1,coco_88,food,900,\n"
    "2,小美的美妆日记,beauty,12000,12\n"
    "3,\"Lily, \"\"Glow\"\" Chen\",beauty,5200,12\n"
    "|post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
    "10,1,2019-05-14T08:30:00Z,organic,100,5,1,0\n"
    "11,3,2019-05-14T08:30:00Z,sponsored,20000,800,40,12\n"
    "13,2,2019-05-20T10:00:00.25Z,organic,15000,100,3,7\n"
    "14,2,2019-05-21T10:00:00Z,sponsored,0,0,0,0\n";

/* Imports DIR/c.csv and DIR/p.csv; skipped lines are reported into *report
 * (caller frees). */
static int import(struct pd_store_fx *f, const char *c, const char *p, int skip,
                  pd_import_summary *sum, char **report, pd_error *err)
{
    write_file(f, "c.csv", c);
    write_file(f, "p.csv", p);
    char cp[160], pp[160];
    path_in(f, "c.csv", cp, sizeof cp);
    path_in(f, "p.csv", pp, sizeof pp);
    size_t n = 0;
    char *buf = NULL;
    FILE *diag = open_memstream(&buf, &n);
    assert_non_null(diag);
    pd_import_options o = {
        .creators_path = cp, .posts_path = pp, .skip_bad_lines = skip, .diag = diag};
    int rc = pd_import_files(f->s, &o, sum, err);
    fclose(diag);
    if (report)
        *report = buf;
    else
        free(buf);
    return rc;
}

static void test_import_export(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_import_summary sum;
    ASSERT_CODE(PD_OK, import(f, creators_csv, posts_csv, 0, &sum, NULL, &err));
    assert_int_equal(sum.creators, 3);
    assert_int_equal(sum.posts, 4);
    assert_int_equal(sum.posts_unknown_creator, 1);
    assert_int_equal(sum.skipped_lines, 0);
    char *got = export_text(f->s);
    assert_string_equal(got, expected_export);
    free(got);

    /* What import stored is what the functions read. */
    pd_creator_rec c;
    ASSERT_CODE(PD_OK, pd_db_creator_get(f->d, 3, &c, &err));
    assert_string_equal(c.handle, "Lily, \"Glow\" Chen");
    assert_int_equal(c.mcn_id, 12);
    pd_post_rec p;
    ASSERT_CODE(PD_OK, pd_db_post_get(f->d, 13, &p, &err));
    assert_int_equal(p.published_at.nsec, 250000000);
    struct hist h = {.stop_after = -1};
    ASSERT_CODE(PD_OK, pd_db_followers_history(f->d, 2, collect_hist, &h, &err));
    assert_int_equal(h.n, 1);
    assert_int_equal(h.f[0], 12000);

    /* A second import updates creators (keeping a bio set meanwhile), adds
     * new posts, and counts posts of creators known only to the store. */
    snprintf(c.bio, sizeof c.bio, "kept");
    ASSERT_CODE(PD_OK, pd_db_creator_put(f->d, &c, 5, &err));
    ASSERT_CODE(PD_OK, import(f,
                              "creator_id,followers,handle,category,mcn_id,extra\n"
                              "3,6000,lily_new,beauty,44,x\n",
                              "creator_id,post_id,published_at,kind,views,likes,comments,collects\n"
                              "1,20,2019-05-22T00:00:00Z,organic,1,2,3,4\n"
                              "3,21,2019-05-22T00:00:00Z,organic,1,2,3,4\n"
                              "8,22,2019-05-22T00:00:00Z,organic,1,2,3,4\n",
                              0, &sum, NULL, &err));
    assert_int_equal(sum.creators, 1);
    assert_int_equal(sum.posts, 2);
    assert_int_equal(sum.posts_unknown_creator, 1);
    ASSERT_CODE(PD_OK, pd_db_creator_get(f->d, 3, &c, &err));
    assert_string_equal(c.handle, "lily_new");
    assert_string_equal(c.bio, "kept");
    assert_int_equal(c.followers, 6000);
    assert_int_equal(c.mcn_id, 44);
    struct hist h3 = {.stop_after = -1};
    ASSERT_CODE(PD_OK, pd_db_followers_history(f->d, 3, collect_hist, &h3, &err));
    assert_int_equal(h3.n, 2);
}

static void test_import_bad_file_stores_nothing(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_import_summary sum;
    ASSERT_CODE(PD_OK, import(f, creators_csv, posts_csv, 0, &sum, NULL, &err));
    char *before = export_text(f->s);

    /* A bad value in posts.csv, after good lines with new creators. */
    ASSERT_CODE(PD_EINPUT, import(f,
                                  "creator_id,handle,category,followers,mcn_id\n"
                                  "4,new,food,10,99\n"
                                  "1,coco_renamed,food,901,\n",
                                  "post_id,creator_id,published_at,kind,views,likes,comments,"
                                  "collects\n"
                                  "30,4,2019-05-22T00:00:00Z,organic,1,2,3,4\n"
                                  "31,4,2019-05-22T00:00:00Z,organic,-5,2,3,4\n",
                                  0, &sum, NULL, &err));
    assert_non_null(strstr(err.msg, "p.csv:3: column 5 (views): negative: '-5'"));
    char *after = export_text(f->s);
    assert_string_equal(before, after);
    free(after);
    assert_int_equal(sum.posts, 0);
    free(before);
}

static void test_import_messages(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_import_summary sum;
    const char *good_posts = "post_id,creator_id,published_at,kind,views,likes,comments,collects\n";
    char *before = export_text(f->s);
    static const struct {
        const char *c, *p, *msg;
    } cases[] = {
        {"creator_id,handle,category,followers,mcn_id\n1,a,b,12a,\n", NULL,
         "c.csv:2: column 4 (followers): not a whole number: '12a'"},
        {"creator_id,handle,category,followers,mcn_id\n1,a,b,1,\n2,a,b\n", NULL,
         "c.csv:3: column 4 (followers): missing: the line has fewer fields than the header"},
        {"creator_id,handle,category,followers,mcn_id\n1,a,b,1,\n2,a,b,1,\n1,c,d,1,\n", NULL,
         "c.csv:4: column 1 (creator_id): duplicate creator_id 1 (first on line 2)"},
        {"creator_id,handle,category,followers\n1,a,b,1\n", NULL,
         "c.csv:1: header: missing column 'mcn_id'"},
        {"creator_id,handle,category,followers,mcn_id\n1,\"a\xff\",b,1,\n", NULL,
         "c.csv:2: column 2 (handle): not valid UTF-8"},
        {"creator_id,handle,category,followers,mcn_id\n"
         "1,"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "a"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,b,1,\n",
         NULL, "c.csv:2: column 2 (handle): longer than 127 bytes"},
        {"creator_id,handle,category,followers,mcn_id\n1,a,b,1,\n",
         "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
         "5,1,2019-05-14T08:30:00Z,organic,1,1,1,1\n"
         "6,1,2019-05-14T08:30:00Z,boosted,1,1,1,1\n",
         "p.csv:3: column 4 (kind): expected 'organic' or 'sponsored': 'boosted'"},
        {"creator_id,handle,category,followers,mcn_id\n1,a,b,1,\n",
         "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
         "5,1,2019-05-14T08:30:00Z,organic,1,1,1,1\n"
         "5,1,2019-05-14T08:30:00Z,organic,1,1,1,1\n",
         "p.csv:3: column 1 (post_id): duplicate post_id"},
        {"creator_id,handle,category,followers,mcn_id\n1,a,b,1,\n",
         "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
         "5,1,2019-13-14T08:30:00Z,organic,1,1,1,1\n",
         "p.csv:2: column 3 (published_at): "},
        {"creator_id,handle,category,followers,mcn_id\n1,a,b,1,\n", "", "p.csv: empty file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pd_error_clear(&err);
        int rc = import(f, cases[i].c, cases[i].p ? cases[i].p : good_posts, 0, &sum, NULL, &err);
        if (rc != PD_EINPUT || !strstr(err.msg, cases[i].msg))
            fail_msg("case %zu: rc %d, message '%s', expected to contain '%s'", i, rc, err.msg,
                     cases[i].msg);
        /* The path as given, so the message names the file. */
        assert_non_null(strstr(err.msg, f->dir));
        char *after = export_text(f->s);
        assert_string_equal(before, after);
        free(after);
    }
    free(before);

    /* Missing files. */
    pd_import_options o = {.creators_path = "/nonexistent/c.csv", .posts_path = "/nonexistent/p"};
    ASSERT_CODE(PD_EIO, pd_import_files(f->s, &o, &sum, &err));
    o.creators_path = NULL;
    ASSERT_CODE(PD_EUSAGE, pd_import_files(f->s, &o, &sum, &err));
}

static void test_import_duplicate_of_stored_post(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_import_summary sum;
    ASSERT_CODE(PD_OK, import(f, creators_csv, posts_csv, 0, &sum, NULL, &err));
    char *before = export_text(f->s);
    /* Post 13 exists; it is line 160 of 200 new posts (a statement of
     * many rows fails, and the line is found). */
    char posts[16384] = "post_id,creator_id,published_at,kind,views,likes,comments,collects\n";
    for (int i = 0; i < 200; i++) {
        char line[96];
        snprintf(line, sizeof line, "%d,1,2019-05-22T00:00:00Z,organic,1,2,3,4\n",
                 i == 158 ? 13 : 1000 + i);
        snprintf(posts + strlen(posts), sizeof posts - strlen(posts), "%s", line);
    }
    ASSERT_CODE(PD_EINPUT, import(f, "creator_id,handle,category,followers,mcn_id\n", posts, 0,
                                  &sum, NULL, &err));
    assert_non_null(strstr(err.msg, "p.csv:160: column 1 (post_id): duplicate post_id"));
    assert_non_null(strstr(err.msg, "'13'"));
    char *after = export_text(f->s);
    assert_string_equal(before, after);
    free(after);

    /* Skipped instead: every other post is stored. */
    char *report = NULL;
    ASSERT_CODE(PD_OK, import(f, "creator_id,handle,category,followers,mcn_id\n", posts, 1, &sum,
                              &report, &err));
    assert_int_equal(sum.posts, 199);
    assert_int_equal(sum.skipped_lines, 1);
    assert_non_null(strstr(report, "p.csv:160: skipped: column 1 (post_id): duplicate post_id"));
    free(report);
    free(before);
    pd_post_rec p;
    ASSERT_CODE(PD_OK, pd_db_post_get(f->d, 1199, &p, &err));
    ASSERT_CODE(PD_OK, pd_db_post_get(f->d, 13, &p, &err));
    assert_int_equal(p.views, 15000); /* the stored one, untouched */
}

static void test_import_skip_bad_lines(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_import_summary sum;
    char *report = NULL;
    ASSERT_CODE(PD_OK, import(f,
                              "creator_id,handle,category,followers,mcn_id\n"
                              "1,a,food,10,\n"
                              "2,b,food,-1,\n"
                              "1,dup,food,11,\n"
                              "3,c,food,30,0\n"
                              "4,d,food,40,\n",
                              "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
                              "1,1,2019-05-14T08:30:00Z,organic,1,1,1,1\n"
                              "2,1,yesterday,organic,1,1,1,1\n"
                              "3,2,2019-05-14T08:30:00Z,organic,1,1,1,1\n"
                              "4,4,2019-05-14T08:30:00Z,sponsored,1,1,1\n"
                              "5,4,2019-05-14T08:30:00Z,sponsored,1,1,1,1\n",
                              1, &sum, &report, &err));
    assert_int_equal(sum.creators, 2);
    assert_int_equal(sum.posts, 2);
    assert_int_equal(sum.posts_unknown_creator, 1); /* creator 2 was skipped */
    assert_int_equal(sum.skipped_lines, 5);
    const char *want[] = {
        "c.csv:3: skipped: column 4 (followers): negative: '-1'\n",
        "c.csv:5: skipped: column 5 (mcn_id): must be 1 or more (or empty): '0'\n",
        "c.csv: skipped 1 line repeating a creator_id (the first: line 4 repeats creator_id 1)\n",
        "p.csv:3: skipped: column 3 (published_at): ",
        "p.csv:5: skipped: column 8 (collects): missing: the line has fewer fields than the "
        "header\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(report, want[i]))
            fail_msg("report lacks '%s':\n%s", want[i], report);
    free(report);
    pd_creator_rec c;
    ASSERT_CODE(PD_OK, pd_db_creator_get(f->d, 1, &c, &err));
    assert_string_equal(c.handle, "a"); /* the first line of a repeated id */
    ASSERT_CODE(PD_ENOTFOUND, pd_db_creator_get(f->d, 3, &c, &err));
}

/* Bad lines found while reading and ids found taken while storing, skipped
 * together: one report, in line order. */
static void test_import_skip_mixed(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_import_summary sum;
    char *report = NULL;
    ASSERT_CODE(PD_OK, import(f, "creator_id,handle,category,followers,mcn_id\n1,a,food,10,\n",
                              "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
                              "1,1,2019-05-14T08:30:00Z,organic,1,1,1,1\n"
                              "1,1,2019-05-14T08:30:00Z,organic,2,1,1,1\n"
                              "2,1,2019-05-14T08:30:00Z,organic,x,1,1,1\n"
                              "3,1,2019-05-14T08:30:00Z,organic,3,1,1,1\n"
                              "3,1,2019-05-14T08:30:00Z,organic,4,1,1,1\n",
                              1, &sum, &report, &err));
    assert_int_equal(sum.posts, 2);
    assert_int_equal(sum.skipped_lines, 3);
    const char *a = strstr(report, "p.csv:3: skipped: column 1 (post_id): duplicate post_id");
    const char *b = strstr(report, "p.csv:4: skipped: column 5 (views): not a whole number: 'x'");
    const char *c = strstr(report, "p.csv:6: skipped: column 1 (post_id): duplicate post_id");
    if (!a || !b || !c || !(a < b && b < c))
        fail_msg("unexpected report:\n%s", report);
    free(report);
    pd_post_rec p;
    ASSERT_CODE(PD_OK, pd_db_post_get(f->d, 1, &p, &err));
    assert_int_equal(p.views, 1); /* the first of the repeated id */
}

/* Enough posts for many batches between the reading and the storing
 * thread; a bad line near the end stops everything. */
static void test_import_many_batches(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    enum { N = 60000 };
    size_t cap = 80 * (size_t)N;
    char *posts = malloc(cap);
    assert_non_null(posts);
    size_t len = (size_t)snprintf(posts, cap,
                                  "post_id,creator_id,published_at,kind,views,likes,"
                                  "comments,collects\n");
    for (int i = 1; i <= N; i++)
        len +=
            (size_t)snprintf(posts + len, cap - len, "%d,%d,2019-05-14T08:30:%02dZ,%s,%d,1,1,1\n",
                             i, 1 + i % 7, i % 60, i % 5 ? "organic" : "sponsored", i);
    char creators[512] = "creator_id,handle,category,followers,mcn_id\n";
    for (int c = 1; c <= 6; c++) /* creator 7 is unknown */
        snprintf(creators + strlen(creators), sizeof creators - strlen(creators),
                 "%d,c%d,food,%d,\n", c, c, c * 100);
    pd_import_summary sum;
    ASSERT_CODE(PD_OK, import(f, creators, posts, 0, &sum, NULL, &err));
    assert_int_equal(sum.creators, 6);
    assert_int_equal(sum.posts_unknown_creator, N / 7);
    assert_int_equal(sum.posts, N - N / 7);
    pd_post_rec p;
    ASSERT_CODE(PD_OK, pd_db_post_get(f->d, N - 1, &p, &err));
    assert_int_equal(p.views, N - 1);
    assert_int_equal(p.sponsored, (N - 1) % 5 == 0);

    /* Again, into a second store, with a bad line 5 from the end. */
    char *bad = strstr(posts + len - 5 * 40, "\n") + 1;
    int line = 1;
    for (const char *q = posts; q < bad; q++)
        line += *q == '\n';
    *strchr(bad, ',') = ';';
    char want[96];
    snprintf(want, sizeof want, "p.csv:%d: column 8 (collects): missing", line);
    char p2[160];
    path_in(f, "second.db", p2, sizeof p2);
    pd_store *s2;
    pd_store_options o = {.create = 1, .migrate = 1};
    ASSERT_CODE(PD_OK, pd_store_open(p2, &o, &s2, &err));
    pd_store *keep = f->s;
    f->s = s2;
    pd_db *keep_d = f->d;
    f->d = NULL;
    int rc = import(f, creators, posts, 0, &sum, NULL, &err);
    char *got = export_text(s2);
    f->s = keep;
    f->d = keep_d;
    pd_store_close(s2);
    free(posts);
    assert_int_equal(rc, PD_EINPUT);
    if (!strstr(err.msg, want))
        fail_msg("'%s' does not contain '%s'", err.msg, want);
    assert_string_equal(got, "creator_id,handle,category,followers,mcn_id\n"
                             "|post_id,creator_id,published_at,kind,views,likes,comments,"
                             "collects\n");
    free(got);
}

/* Import while another connection of the same store is open and in use:
 * the import cannot have the file to itself, and still works. */
static void test_import_beside_other_connections(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_import_summary sum;
    pd_creator_rec c;
    ASSERT_CODE(PD_ENOTFOUND, pd_db_creator_get(f->d, 1, &c, &err));
    ASSERT_CODE(PD_OK, import(f, creators_csv, posts_csv, 0, &sum, NULL, &err));
    ASSERT_CODE(PD_OK, pd_db_creator_get(f->d, 1, &c, &err));
    char *got = export_text(f->s);
    assert_string_equal(got, expected_export);
    free(got);
    /* The store is still in working order: a write and a second store. */
    add_creator(f->d, 50, 5);
    pd_store *s2;
    pd_store_options o = {0};
    ASSERT_CODE(PD_OK, pd_store_open(f->db, &o, &s2, &err));
    pd_db *d2;
    ASSERT_CODE(PD_OK, pd_store_acquire(s2, &d2, &err));
    ASSERT_CODE(PD_OK, pd_db_creator_get(d2, 50, &c, &err));
    pd_store_release(s2, d2);
    pd_store_close(s2);
}

/* Import into a store that nobody else uses (the fast path of a fresh
 * file), then everything still works, including a failed second import. */
static void test_import_alone(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_store_release(f->s, f->d);
    f->d = NULL;
    pd_import_summary sum;
    ASSERT_CODE(PD_EINPUT, import(f, creators_csv,
                                  "post_id,creator_id,published_at,kind,views,"
                                  "likes,comments,collects\n1,1,x,organic,1,1,1,1\n",
                                  0, &sum, NULL, &err));
    char *empty = export_text(f->s);
    assert_string_equal(empty, "creator_id,handle,category,followers,mcn_id\n"
                               "|post_id,creator_id,published_at,kind,views,likes,comments,"
                               "collects\n");
    free(empty);
    ASSERT_CODE(PD_OK, import(f, creators_csv, posts_csv, 0, &sum, NULL, &err));
    char *got = export_text(f->s);
    assert_string_equal(got, expected_export);
    free(got);
    ASSERT_CODE(PD_OK, pd_store_acquire(f->s, &f->d, &err));
    pd_post_rec p = post(500, 1, 10, 0);
    ASSERT_CODE(PD_OK, pd_db_post_add(f->d, &p, &err));
    pd_post_rec orphan = post(501, 77, 10, 0); /* foreign keys are on again */
    ASSERT_CODE(PD_EINPUT, pd_db_post_add(f->d, &orphan, &err));
    pd_creator_rec bad = creator(9, "x", PD_COUNT_MAX, 4242); /* and MCN links checked */
    ASSERT_CODE(PD_EINPUT, pd_db_creator_put(f->d, &bad, 1, &err));
}

/* pd_db_read_begin: one version while nothing changes; a new one after a
 * write by the same connection, another connection of the pool, or
 * another store on the file (as another process would be). */
/* A brand added through another store opened on the same file (as another
 * process would). */
static void add_brand_elsewhere(struct pd_store_fx *f, const char *name)
{
    pd_error err = {0};
    pd_store *other = NULL;
    pd_store_options o = {0};
    ASSERT_CODE(PD_OK, pd_store_open(f->db, &o, &other, &err));
    pd_db *c = NULL;
    int64_t id = 0;
    ASSERT_CODE(PD_OK, pd_store_acquire(other, &c, &err));
    ASSERT_CODE(PD_OK, pd_db_brand_add(c, name, &id, &err));
    pd_store_release(other, c);
    pd_store_close(other);
}

static void test_read_versions(void **state)
{
    struct pd_store_fx *f = *state;
    pd_db *a = f->d, *b = NULL;
    pd_error err = {0};
    ASSERT_CODE(PD_OK, pd_store_acquire(f->s, &b, &err));
    uint64_t v1, v2, v3, v4, v5;
    ASSERT_CODE(PD_OK, pd_db_read_begin(a, &v1, &err));
    /* one snapshot: b's commit is not seen until a's read ends */
    int64_t id = 0;
    ASSERT_CODE(PD_OK, pd_db_brand_add(b, "Acme", &id, &err));
    pd_db_read_end(a);
    ASSERT_CODE(PD_OK, pd_db_read_begin(a, &v2, &err));
    pd_db_read_end(a);
    assert_true(v2 != v1);
    ASSERT_CODE(PD_OK, pd_db_read_begin(a, &v3, &err));
    /* a read transaction is not nested: the caller's mistake, said so */
    ASSERT_CODE(PD_EINTERNAL, pd_db_read_begin(a, NULL, &err));
    ASSERT_CODE(PD_EINTERNAL, pd_db_begin(a, &err));
    pd_db_read_end(a);
    assert_true(v3 == v2);
    /* a's own write */
    ASSERT_CODE(PD_OK, pd_db_brand_add(a, "Globex", &id, &err));
    ASSERT_CODE(PD_OK, pd_db_read_begin(a, &v4, &err));
    pd_db_read_end(a);
    assert_true(v4 != v3);
    /* another store on the same file */
    add_brand_elsewhere(f, "Initech");
    ASSERT_CODE(PD_OK, pd_db_read_begin(a, &v5, &err));
    pd_db_read_end(a);
    assert_true(v5 != v4);
    pd_db_read_end(a); /* nothing open: nothing happens */
    /* another connection never gets a version a has had */
    uint64_t vb;
    ASSERT_CODE(PD_OK, pd_db_read_begin(b, &vb, &err));
    pd_db_read_end(b);
    assert_true(vb != v1 && vb != v2 && vb != v4 && vb != v5);
    pd_store_release(f->s, b);
}

/* After a commit: a's peek cannot tell; a read gives a version other than
 * `before`, which the peek then gives. Returns it. */
static uint64_t peek_after_commit(pd_db *a, uint64_t before)
{
    pd_error err = {0};
    uint64_t v = 0, p = 0;
    assert_int_equal(pd_db_read_peek(a, &p), 0);
    ASSERT_CODE(PD_OK, pd_db_read_begin(a, &v, &err));
    pd_db_read_end(a);
    assert_true(v != before);
    assert_int_equal(pd_db_read_peek(a, &p), 1);
    assert_true(p == v);
    return v;
}

/* pd_db_read_peek: the version without a read, only while nothing at all
 * has been committed since the connection's last read. */
static void test_read_peek(void **state)
{
    struct pd_store_fx *f = *state;
    pd_db *a = f->d, *b = NULL;
    pd_error err = {0};
    ASSERT_CODE(PD_OK, pd_store_acquire(f->s, &b, &err));
    uint64_t v1, v2, v3, v4, p = 0;
    ASSERT_CODE(PD_OK, pd_db_read_begin(a, &v1, &err));
    assert_int_equal(pd_db_read_peek(a, &p), 0); /* inside a transaction: not asked */
    pd_db_read_end(a);
    assert_int_equal(pd_db_read_peek(a, &p), 1);
    assert_true(p == v1);
    p = 0;
    assert_int_equal(pd_db_read_peek(a, &p), 1); /* looking changes nothing */
    assert_true(p == v1);
    /* another connection's commit */
    int64_t id = 0;
    ASSERT_CODE(PD_OK, pd_db_brand_add(b, "Acme", &id, &err));
    v2 = peek_after_commit(a, v1);
    /* its own */
    ASSERT_CODE(PD_OK, pd_db_brand_add(a, "Globex", &id, &err));
    v3 = peek_after_commit(a, v2);
    /* a write begun and rolled back commits nothing */
    ASSERT_CODE(PD_OK, pd_db_begin(b, &err));
    ASSERT_CODE(PD_OK, pd_db_brand_add(b, "Hooli", &id, &err));
    pd_db_rollback(b);
    assert_int_equal(pd_db_read_peek(a, &p), 1);
    assert_true(p == v3);
    /* another store on the file */
    add_brand_elsewhere(f, "Initech");
    v4 = peek_after_commit(a, v3);
    /* SQLite itself, not through the store (as the sqlite3 shell would) */
    sqlite3 *raw = NULL;
    assert_int_equal(sqlite3_open(f->db, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw,
                                  "PRAGMA busy_timeout = 5000; INSERT INTO brands (name, "
                                  "created_at) VALUES ('Umbrella', 0)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    peek_after_commit(a, v4);
    pd_store_release(f->s, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_locations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_peek, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_brands_and_mcns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_creators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_posts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_export, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_bad_file_stores_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_duplicate_of_stored_post, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_skip_bad_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_skip_mixed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_many_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_beside_other_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_alone, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
