/* test_accounts.c - the use cases of accounts and organisations
 * (app/accounts.h, app/orgs.h) on a real SQLite file in a temporary
 * directory, on a fixed clock that the tests move: a user's created_at and
 * a token's expiry come from that clock, sign-in rate-limit windows and
 * token expiry follow it, a disabled user cannot sign in, signing out ends
 * the token, and the token cache answers only at the version it was kept
 * at. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/accounts.h"
#include "app/orgs.h"

#define Y2031 1930384800 /* 2031-03-04T10:00:00Z */
#define Y2032 1962007200 /* 2032-03-04T10:00:00Z */
#define PW "correct horse battery"

#define ASSERT_CODE(want, call)                                                                    \
    do {                                                                                           \
        int got_ = (call);                                                                         \
        if (got_ != (want))                                                                        \
            fail_msg("%s: got %d (%s), want %d", #call, got_, err.msg, (int)(want));               \
    } while (0)

typedef struct fx {
    char dir[64];
    char db[128];
    pd_clock clock;
    pd_store *s;
    pd_app_accounts a;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/pd_test_accounts_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    f->clock = pd_clock_fixed(Y2031);
    pd_error err = {0};
    pd_store_options o = {.create = 1, .migrate = 1, .pool_size = 2, .clock = &f->clock};
    if (pd_store_open(f->db, &o, &f->s, &err) != PD_OK)
        fail_msg("opening %s: %s", f->db, err.msg);
    f->a = (pd_app_accounts){.store = f->s, .clock = &f->clock, .cost = PD_PWCOST_MIN};
    ASSERT_CODE(PD_OK, pd_ratelimit_new(NULL, &f->a.limiter, &err));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    pd_ratelimit_free(f->a.limiter);
    pd_store_close(f->s);
    DIR *dp = opendir(f->dir);
    if (dp) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(dp)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
            unlink(p);
        }
        closedir(dp);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static void add_user(fx *f, const char *name, pd_role role, int64_t brand_id, pd_user *u)
{
    pd_error err = {0};
    memset(u, 0, sizeof *u);
    snprintf(u->name, sizeof u->name, "%s", name);
    u->role = role;
    u->brand_id = brand_id;
    ASSERT_CODE(PD_OK, pd_app_user_add(f->s, &f->clock, u, PW, strlen(PW), PD_PWCOST_MIN, &err));
    assert_true(u->id > 0);
}

static int sign_in(fx *f, const char *name, const char *pw, const char *address, const char *device,
                   pd_app_session *out, pd_error *err)
{
    pd_app_sign_in_req r = {
        .name = name, .password = pw, .pwlen = strlen(pw), .address = address, .device = device};
    return pd_app_sign_in(&f->a, &r, out, err);
}

typedef struct found {
    pd_user u[4];
    size_t n;
} found;

static int collect(void *ctx, const pd_user *u)
{
    found *fd = ctx;
    if (fd->n < 4)
        fd->u[fd->n++] = *u;
    return 0;
}

typedef struct orgs_found {
    pd_org_rec o[4];
    size_t n;
} orgs_found;

static int collect_org(void *ctx, const pd_org_rec *o)
{
    orgs_found *fd = ctx;
    if (fd->n < 4)
        fd->o[fd->n++] = *o;
    return 0;
}

/* A user's created_at, a brand's and an MCN's are the clock's, not the
 * system's. */
static void test_created_by_the_clock(void **state)
{
    fx *f = *state;
    pd_error err = {0};
    int64_t brand = 0, mcn = 0;
    ASSERT_CODE(PD_OK, pd_app_brand_add(f->s, "Acme", &brand, &err));
    assert_true(brand > 0);
    ASSERT_CODE(PD_ECONFLICT, pd_app_brand_add(f->s, "Acme", &brand, &err));
    ASSERT_CODE(PD_OK, pd_app_mcn_add(f->s, 900, "星光传媒", &mcn, &err));
    assert_int_equal(mcn, 900);
    pd_user u;
    add_user(f, "ops", PD_ROLE_OPERATOR, 0, &u);
    assert_int_equal(u.created_at, Y2031);
    pd_clock_advance(&f->clock, 60);
    pd_user b;
    add_user(f, "buyer", PD_ROLE_BRAND, brand, &b);

    found fd = {0};
    ASSERT_CODE(PD_OK, pd_app_user_list(f->s, collect, &fd, &err));
    assert_int_equal(fd.n, 2);
    assert_string_equal(fd.u[0].name, "buyer");
    assert_int_equal(fd.u[0].created_at, Y2031 + 60);
    assert_int_equal(fd.u[0].brand_id, brand);
    assert_string_equal(fd.u[1].name, "ops");
    assert_int_equal(fd.u[1].created_at, Y2031);

    orgs_found of = {0};
    ASSERT_CODE(PD_OK, pd_app_brand_list(f->s, collect_org, &of, &err));
    assert_int_equal(of.n, 1);
    assert_int_equal(of.o[0].created_at, Y2031);
    assert_int_equal(of.o[0].members, 1);
    of.n = 0;
    ASSERT_CODE(PD_OK, pd_app_mcn_list(f->s, collect_org, &of, &err));
    assert_int_equal(of.n, 1);
    assert_int_equal(of.o[0].id, 900);
    assert_int_equal(of.o[0].created_at, Y2031);

    /* refused: a taken name, a link to nothing, a short password */
    pd_user dup = {.role = PD_ROLE_OPERATOR};
    snprintf(dup.name, sizeof dup.name, "ops");
    ASSERT_CODE(PD_ECONFLICT,
                pd_app_user_add(f->s, &f->clock, &dup, PW, strlen(PW), PD_PWCOST_MIN, &err));
    pd_user lost = {.role = PD_ROLE_BRAND, .brand_id = 77};
    snprintf(lost.name, sizeof lost.name, "lost");
    ASSERT_CODE(PD_EINPUT,
                pd_app_user_add(f->s, &f->clock, &lost, PW, strlen(PW), PD_PWCOST_MIN, &err));
    pd_user weak = {.role = PD_ROLE_OPERATOR};
    snprintf(weak.name, sizeof weak.name, "weak");
    ASSERT_CODE(PD_EINPUT,
                pd_app_user_add(f->s, &f->clock, &weak, "short", 5, PD_PWCOST_MIN, &err));
    fd.n = 0;
    ASSERT_CODE(PD_OK, pd_app_user_list(f->s, collect, &fd, &err));
    assert_int_equal(fd.n, 2);
}

/* A token expires ttl seconds after the clock's now, and the check asks
 * the same clock. */
static void test_token_follows_the_clock(void **state)
{
    fx *f = *state;
    pd_error err = {0};
    pd_user u;
    add_user(f, "ops", PD_ROLE_OPERATOR, 0, &u);
    pd_app_session s;
    ASSERT_CODE(PD_OK, sign_in(f, "ops", PW, "192.0.2.1", NULL, &s, &err));
    assert_int_equal(s.expires_at, Y2031 + PD_TOKEN_TTL_DEFAULT);
    assert_int_equal(s.user.id, u.id);
    assert_true(strncmp(s.token, PD_TOKEN_PREFIX, PD_TOKEN_PREFIX_LEN) == 0);
    assert_true(s.device[0] != '\0');

    pd_token t;
    ASSERT_CODE(PD_OK, pd_token_parse(s.token, strlen(s.token), &t, &err));
    uint8_t hash[PD_TOKEN_HASH_BYTES];
    pd_token_hash(&t, hash);
    pd_user who;
    ASSERT_CODE(PD_OK, pd_app_authenticate(&f->a, hash, NULL, &who, &err));
    assert_int_equal(who.id, u.id);

    /* one second before the end it works; at the end it does not */
    pd_clock_set(&f->clock, Y2031 + PD_TOKEN_TTL_DEFAULT - 1);
    ASSERT_CODE(PD_OK, pd_app_authenticate(&f->a, hash, NULL, &who, &err));
    pd_clock_set(&f->clock, Y2031 + PD_TOKEN_TTL_DEFAULT);
    ASSERT_CODE(PD_ENOTFOUND, pd_app_authenticate(&f->a, hash, NULL, &who, &err));

    /* a clock a year on: a new token expires in 2032 */
    pd_clock_set(&f->clock, Y2032);
    ASSERT_CODE(PD_OK, sign_in(f, "ops", PW, "192.0.2.1", NULL, &s, &err));
    assert_int_equal(s.expires_at, Y2032 + PD_TOKEN_TTL_DEFAULT);

    /* signing out ends it at once */
    ASSERT_CODE(PD_OK, pd_token_parse(s.token, strlen(s.token), &t, &err));
    pd_token_hash(&t, hash);
    ASSERT_CODE(PD_OK, pd_app_authenticate(&f->a, hash, NULL, &who, &err));
    ASSERT_CODE(PD_OK, pd_app_sign_out(&f->a, &t, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_app_authenticate(&f->a, hash, NULL, &who, &err));
    pd_token_wipe(&t);
}

/* Five wrong passwords lock the pair out; the lockout lifts when the clock
 * has moved the window on, not before. */
static void test_lockout_follows_the_clock(void **state)
{
    fx *f = *state;
    pd_error err = {0};
    pd_user u;
    add_user(f, "ops", PD_ROLE_OPERATOR, 0, &u);
    pd_app_session s;
    for (int i = 0; i < PD_RATELIMIT_PAIR_FAILURES; i++)
        ASSERT_CODE(PD_EAUTH, sign_in(f, "ops", "wrong password!", "192.0.2.9", NULL, &s, &err));
    assert_string_equal(err.msg, "wrong name or password");
    ASSERT_CODE(PD_EBUSY, sign_in(f, "ops", PW, "192.0.2.9", NULL, &s, &err));
    assert_int_equal(s.retry_after, PD_RATELIMIT_WINDOW_SECONDS);
    pd_clock_advance(&f->clock, PD_RATELIMIT_WINDOW_SECONDS - 1);
    ASSERT_CODE(PD_EBUSY, sign_in(f, "ops", PW, "192.0.2.9", NULL, &s, &err));
    assert_int_equal(s.retry_after, 1);
    pd_clock_advance(&f->clock, 1);
    ASSERT_CODE(PD_OK, sign_in(f, "ops", PW, "192.0.2.9", NULL, &s, &err));
    assert_int_equal(s.expires_at, Y2031 + PD_RATELIMIT_WINDOW_SECONDS + PD_TOKEN_TTL_DEFAULT);
}

/* A device proof made at a sign-in lets its client through while others
 * lock the account's pair out; it expires by the clock. */
static void test_device_proof_follows_the_clock(void **state)
{
    fx *f = *state;
    pd_error err = {0};
    pd_user u;
    add_user(f, "ops", PD_ROLE_OPERATOR, 0, &u);
    pd_app_session s;
    ASSERT_CODE(PD_OK, sign_in(f, "ops", PW, "192.0.2.1", NULL, &s, &err));
    char proof[PD_DEVICE_TEXT_MAX];
    memcpy(proof, s.device, sizeof proof);
    for (int i = 0; i < PD_RATELIMIT_PAIR_FAILURES; i++)
        ASSERT_CODE(PD_EAUTH, sign_in(f, "ops", "wrong password!", "192.0.2.1", NULL, &s, &err));
    ASSERT_CODE(PD_EBUSY, sign_in(f, "ops", PW, "192.0.2.1", NULL, &s, &err));
    ASSERT_CODE(PD_OK, sign_in(f, "ops", PW, "192.0.2.1", proof, &s, &err));
    /* the proof is too old once the clock is past its ttl: the pair's
     * count decides again */
    pd_clock_advance(&f->clock, PD_DEVICE_TTL + 1);
    for (int i = 0; i < PD_RATELIMIT_PAIR_FAILURES; i++)
        ASSERT_CODE(PD_EAUTH, sign_in(f, "ops", "wrong password!", "192.0.2.1", NULL, &s, &err));
    ASSERT_CODE(PD_EBUSY, sign_in(f, "ops", PW, "192.0.2.1", proof, &s, &err));
}

/* A disabled account cannot sign in and its tokens stop working; enabled,
 * it can again. Unknown names are refused like wrong passwords. */
static void test_disable_enable(void **state)
{
    fx *f = *state;
    pd_error err = {0};
    pd_user u;
    add_user(f, "ops", PD_ROLE_OPERATOR, 0, &u);
    pd_app_session s;
    ASSERT_CODE(PD_OK, sign_in(f, "ops", PW, "192.0.2.1", NULL, &s, &err));
    pd_token t;
    ASSERT_CODE(PD_OK, pd_token_parse(s.token, strlen(s.token), &t, &err));
    uint8_t hash[PD_TOKEN_HASH_BYTES];
    pd_token_hash(&t, hash);
    pd_token_wipe(&t);
    ASSERT_CODE(PD_OK, pd_app_user_set_disabled(f->s, "ops", 1, &err));
    pd_user who;
    ASSERT_CODE(PD_ENOTFOUND, pd_app_authenticate(&f->a, hash, NULL, &who, &err));
    ASSERT_CODE(PD_EAUTH, sign_in(f, "ops", PW, "192.0.2.1", NULL, &s, &err));
    assert_string_equal(err.msg, "this account is disabled: ask an operator");
    ASSERT_CODE(PD_OK, pd_app_user_set_disabled(f->s, "ops", 0, &err));
    ASSERT_CODE(PD_OK, pd_app_authenticate(&f->a, hash, NULL, &who, &err));
    ASSERT_CODE(PD_OK, sign_in(f, "ops", PW, "192.0.2.1", NULL, &s, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_app_user_set_disabled(f->s, "nobody", 1, &err));
    ASSERT_CODE(PD_EAUTH, sign_in(f, "nobody", PW, "192.0.2.1", NULL, &s, &err));
    assert_string_equal(err.msg, "wrong name or password");
}

/* ---- the kept read and the token cache ----------------------------------------- */

typedef struct cache {
    int has;
    const void *owner;
    uint64_t version;
    uint8_t hash[PD_TOKEN_HASH_BYTES];
    pd_app_token_check c;
    int gets, hits, puts;
} cache;

static int cache_get(void *ctx, const void *owner, uint64_t version,
                     const uint8_t hash[PD_TOKEN_HASH_BYTES], pd_app_token_check *out)
{
    cache *k = ctx;
    k->gets++;
    if (!k->has || k->owner != owner || k->version != version ||
        memcmp(k->hash, hash, sizeof k->hash) != 0)
        return 0;
    k->hits++;
    *out = k->c;
    return 1;
}

static void cache_put(void *ctx, const void *owner, uint64_t version,
                      const uint8_t hash[PD_TOKEN_HASH_BYTES], const pd_app_token_check *c)
{
    cache *k = ctx;
    k->puts++;
    *k = (cache){.has = 1,
                 .owner = owner,
                 .version = version,
                 .c = *c,
                 .gets = k->gets,
                 .hits = k->hits,
                 .puts = k->puts};
    memcpy(k->hash, hash, sizeof k->hash);
}

static void test_kept_read_and_cache(void **state)
{
    fx *f = *state;
    pd_error err = {0};
    cache k = {0};
    f->a.cache = (pd_app_token_cache){.get = cache_get, .put = cache_put, .ctx = &k};
    pd_user u;
    add_user(f, "ops", PD_ROLE_OPERATOR, 0, &u);
    pd_app_session s;
    ASSERT_CODE(PD_OK, sign_in(f, "ops", PW, "192.0.2.1", NULL, &s, &err));
    pd_token t;
    ASSERT_CODE(PD_OK, pd_token_parse(s.token, strlen(s.token), &t, &err));
    uint8_t hash[PD_TOKEN_HASH_BYTES];
    pd_token_hash(&t, hash);
    pd_token_wipe(&t);

    /* the first check reads the store and keeps the answer */
    pd_app_read r;
    pd_user who;
    uint64_t v1 = 0, v2 = 0;
    ASSERT_CODE(PD_OK, pd_app_authenticate(&f->a, hash, &r, &who, &err));
    assert_int_equal(who.id, u.id);
    assert_int_equal(k.puts, 1);
    ASSERT_CODE(PD_OK, pd_app_read_open(&r, &v1, &err));
    assert_true(r.open);
    pd_app_read_end(&r);

    /* unchanged data: the kept answer, checked against the clock */
    ASSERT_CODE(PD_OK, pd_app_authenticate(&f->a, hash, &r, &who, &err));
    assert_int_equal(k.hits, 1);
    ASSERT_CODE(PD_OK, pd_app_read_open(&r, &v2, &err));
    assert_true(v2 == v1);
    pd_app_read_end(&r);
    pd_clock_set(&f->clock, s.expires_at);
    ASSERT_CODE(PD_ENOTFOUND, pd_app_authenticate(&f->a, hash, &r, &who, &err));
    assert_int_equal(k.hits, 2);
    pd_clock_set(&f->clock, Y2031);

    /* a write (the account disabled) makes a new version: read again */
    ASSERT_CODE(PD_OK, pd_app_user_set_disabled(f->s, "ops", 1, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_app_authenticate(&f->a, hash, &r, &who, &err));
    assert_int_equal(k.hits, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_created_by_the_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_follows_the_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lockout_follows_the_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_proof_follows_the_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disable_enable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kept_read_and_cache, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
