/* test_accounts.c - the account routes and the guard (api/accounts.h)
 * through the router, without a server: POST /api/login answers a token
 * whose expires_at is the accounts' clock's (here fixed in 2031) plus the
 * ttl and sets the device cookie; GET /api/me reads the token back (and
 * 401s without one, or once the clock is past the expiry); POST
 * /api/logout ends it; five failures give 429 with Retry-After, lifted
 * when the clock moves the window on; an operators-only route refuses a
 * brand user with 403. The store is a real SQLite file in a temporary
 * directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/accounts.h"
#include "app/orgs.h"
#include "http/request.h"
#include "http/router.h"
#include "lib_api.h"

#define Y2031 1930384800 /* 2031-03-04T10:00:00Z */
#define PW TEST_API_PW

typedef test_api fx;
typedef test_answer answer;

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

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    test_api_open(f, "accounts", Y2031);
    pd_error err = {0};
    assert_int_equal(pd_router_add(f->r, test_routes, 1, NULL, &err), PD_OK);
    int64_t brand;
    assert_int_equal(pd_app_brand_add(f->s, "Acme", &brand, &err), PD_OK);
    test_api_user(f, "ops", PD_ROLE_OPERATOR, 0);
    test_api_user(f, "buyer", PD_ROLE_BRAND, brand);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    test_api_close(f);
    free(f);
    return 0;
}

static void call(fx *f, const char *method, const char *target, const char *bearer,
                 const char *body, answer *out)
{
    test_api_call(f, method, target, bearer, NULL, body, out);
}

static void json_str(const char *body, const char *key, char *out, size_t cap)
{
    test_api_json_str(body, key, out, cap);
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
