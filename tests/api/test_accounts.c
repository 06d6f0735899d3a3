/* test_accounts.c - the account routes and the guard (api/accounts.h)
 * through the router, without a server: POST /api/login answers a token
 * whose expires_at is the accounts' clock's (here fixed in 2031) plus the
 * ttl and sets the device cookie; GET /api/me reads the token back (and
 * 401s without one, or once the clock is past the expiry); POST
 * /api/logout ends it; five failures give 429 with Retry-After, lifted
 * when the clock moves the window on; an operators-only route refuses a
 * brand user with 403. The store is a real SQLite file in a temporary
 * directory. */
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

#include "api/accounts.h"
#include "app/orgs.h"
#include "http/dispatch.h"
#include "http/request.h"
#include "http/router.h"

#define Y2031 1930384800 /* 2031-03-04T10:00:00Z */
#define PW "correct horse battery"

typedef struct fx {
    char dir[64];
    char db[128];
    pd_clock clock;
    pd_store *s;
    pd_accounts a;
    pd_router *r;
} fx;

static int ops_only(pd_req *req, void *ctx, pd_error *err)
{
    (void)ctx;
    (void)err;
    pd_buf_puts(pd_req_out(req), "{}");
    pd_req_content_type(req, "application/json");
    return PD_OK;
}

static const pd_route test_routes[] = {
    {.method = "GET",
     .pattern = "/api/ops-only",
     .name = "test.ops",
     .summary = "operators",
     .access = PD_ACCESS_OPERATOR,
     .handler = ops_only},
};

static void add_user(fx *f, const char *name, pd_role role, int64_t brand)
{
    pd_error err = {0};
    pd_user u = {.role = role, .brand_id = brand};
    snprintf(u.name, sizeof u.name, "%s", name);
    if (pd_app_user_add(f->s, &f->clock, &u, PW, strlen(PW), PD_PWCOST_MIN, &err) != PD_OK)
        fail_msg("adding %s: %s", name, err.msg);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/pd_test_api_accounts_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    f->clock = pd_clock_fixed(Y2031);
    pd_error err = {0};
    pd_store_options o = {.create = 1, .migrate = 1, .pool_size = 2, .clock = &f->clock};
    if (pd_store_open(f->db, &o, &f->s, &err) != PD_OK)
        fail_msg("opening %s: %s", f->db, err.msg);
    f->a = (pd_accounts){.store = f->s, .clock = &f->clock, .cost = PD_PWCOST_MIN};
    assert_int_equal(pd_ratelimit_new(NULL, &f->a.limiter, &err), PD_OK);
    f->r = pd_router_new();
    assert_non_null(f->r);
    assert_int_equal(pd_accounts_routes(f->r, &f->a, &err), PD_OK);
    assert_int_equal(pd_router_add(f->r, test_routes, 1, NULL, &err), PD_OK);
    int64_t brand;
    assert_int_equal(pd_app_brand_add(f->s, "Acme", &brand, &err), PD_OK);
    add_user(f, "ops", PD_ROLE_OPERATOR, 0);
    add_user(f, "buyer", PD_ROLE_BRAND, brand);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    pd_router_free(f->r);
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

/* The request's headers: one Authorization value, or none. */
static const char *auth_header(void *ctx, const char *name)
{
    return strcasecmp(name, "Authorization") == 0 ? ctx : NULL;
}

/* An answer: status, body (NUL-terminated), a Set-Cookie value seen. */
typedef struct answer {
    unsigned status;
    unsigned retry_after;
    char body[2048];
    int device_cookie;
} answer;

static void call(fx *f, const char *method, const char *target, const char *bearer,
                 const char *body, answer *out)
{
    pd_req_limits lim = {.body_max = 1 << 16, .out_max = 1 << 20};
    pd_req *req = pd_req_new(method, target, &lim);
    assert_non_null(req);
    static char auth[128];
    if (bearer) {
        snprintf(auth, sizeof auth, "Bearer %s", bearer);
        pd_req_set_header_source(req, auth_header, auth);
    }
    pd_req_set_client(req, "192.0.2.7");
    if (body)
        assert_int_equal(pd_req_body_append(req, body, strlen(body)), 0);
    pd_router_dispatch(f->r, req, pd_accounts_guard, &f->a);
    memset(out, 0, sizeof *out);
    out->status = pd_req_get_status(req);
    out->retry_after = pd_req_get_retry_after(req);
    for (size_t i = 0; i < pd_req_header_count(req); i++) {
        const char *n, *v;
        pd_req_header_at(req, i, &n, &v);
        if (strcasecmp(n, "Set-Cookie") == 0 && strncmp(v, PD_DEVICE_COOKIE "=", 10) == 0)
            out->device_cookie = 1;
    }
    size_t len;
    char *b = pd_req_take_body(req, &len);
    snprintf(out->body, sizeof out->body, "%.*s", (int)len, b ? b : "");
    free(b);
    pd_req_free(req);
}

/* The value of "key":"..." in a JSON body, into out. */
static void json_str(const char *body, const char *key, char *out, size_t cap)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":\"", key);
    const char *p = strstr(body, k);
    if (!p)
        fail_msg("no %s in %s", key, body);
    p += strlen(k);
    const char *e = strchr(p, '"');
    assert_non_null(e);
    snprintf(out, cap, "%.*s", (int)(e - p), p);
}

static void login(fx *f, const char *name, const char *pw, answer *a)
{
    char body[256];
    snprintf(body, sizeof body, "{\"name\": \"%s\", \"password\": \"%s\"}", name, pw);
    call(f, "POST", "/api/login", NULL, body, a);
}

static void test_login_me_logout_by_the_clock(void **state)
{
    fx *f = *state;
    answer a;
    login(f, "ops", PW, &a);
    assert_int_equal(a.status, 200);
    assert_true(a.device_cookie);
    char token[PD_TOKEN_TEXT_MAX], expires[64];
    json_str(a.body, "token", token, sizeof token);
    json_str(a.body, "expires_at", expires, sizeof expires);
    assert_string_equal(expires, "2031-03-11T10:00:00Z");

    call(f, "GET", "/api/me", token, NULL, &a);
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, "\"name\":\"ops\""));
    call(f, "GET", "/api/me", NULL, NULL, &a);
    assert_int_equal(a.status, 401);

    /* the guard asks the same clock */
    pd_clock_set(&f->clock, Y2031 + PD_TOKEN_TTL_DEFAULT);
    call(f, "GET", "/api/me", token, NULL, &a);
    assert_int_equal(a.status, 401);
    pd_clock_set(&f->clock, Y2031 + PD_TOKEN_TTL_DEFAULT - 1);
    call(f, "GET", "/api/me", token, NULL, &a);
    assert_int_equal(a.status, 200);

    call(f, "POST", "/api/logout", token, NULL, &a);
    assert_int_equal(a.status, 200);
    call(f, "GET", "/api/me", token, NULL, &a);
    assert_int_equal(a.status, 401);
}

static void test_lockout_lifts_with_the_clock(void **state)
{
    fx *f = *state;
    answer a;
    for (int i = 0; i < PD_RATELIMIT_PAIR_FAILURES; i++) {
        login(f, "buyer", "wrong password", &a);
        assert_int_equal(a.status, 401);
    }
    login(f, "buyer", PW, &a);
    assert_int_equal(a.status, 429);
    assert_int_equal(a.retry_after, PD_RATELIMIT_WINDOW_SECONDS);
    pd_clock_advance(&f->clock, PD_RATELIMIT_WINDOW_SECONDS);
    login(f, "buyer", PW, &a);
    assert_int_equal(a.status, 200);
}

static void test_operators_only(void **state)
{
    fx *f = *state;
    answer a;
    char ops[PD_TOKEN_TEXT_MAX], buyer[PD_TOKEN_TEXT_MAX];
    login(f, "ops", PW, &a);
    json_str(a.body, "token", ops, sizeof ops);
    login(f, "buyer", PW, &a);
    json_str(a.body, "token", buyer, sizeof buyer);
    call(f, "GET", "/api/ops-only", ops, NULL, &a);
    assert_int_equal(a.status, 200);
    call(f, "GET", "/api/ops-only", buyer, NULL, &a);
    assert_int_equal(a.status, 403);
    call(f, "GET", "/api/ops-only", "pd_not-a-token", NULL, &a);
    assert_int_equal(a.status, 401);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_login_me_logout_by_the_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lockout_lifts_with_the_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_operators_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
