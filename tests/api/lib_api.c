/* lib_api.c - see lib_api.h. */
#include "lib_api.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "../store/fixture.h"
#include "http/dispatch.h"
#include "http/request.h"

void test_api_open(test_api *f, const char *name, int64_t now)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/pd_test_api_%s_XXXXXX", name);
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    f->clock = pd_clock_fixed(now);
    pd_error err = {0};
    pd_store_options o = {.create = 1, .migrate = 1, .pool_size = 2, .clock = &f->clock};
    if (pd_store_open(f->db, &o, &f->s, &err) != PD_OK)
        fail_msg("opening %s: %s", f->db, err.msg);
    f->a = (pd_accounts){.store = f->s, .clock = &f->clock, .cost = PD_PWCOST_MIN};
    assert_int_equal(pd_ratelimit_new(NULL, &f->a.limiter, &err), PD_OK);
    f->r = pd_router_new();
    assert_non_null(f->r);
    assert_int_equal(pd_accounts_routes(f->r, &f->a, &err), PD_OK);
}

void test_api_close(test_api *f)
{
    pd_router_free(f->r);
    pd_ratelimit_free(f->a.limiter);
    pd_store_close(f->s);
    pd_test_rmdir(f->dir);
}

void test_api_user(test_api *f, const char *name, pd_role role, int64_t link)
{
    pd_error err = {0};
    pd_user u = {.role = role};
    if (role == PD_ROLE_BRAND)
        u.brand_id = link;
    else if (role == PD_ROLE_CREATOR)
        u.creator_id = link;
    else if (role == PD_ROLE_MCN)
        u.mcn_id = link;
    snprintf(u.name, sizeof u.name, "%s", name);
    if (pd_app_user_add(f->s, &f->clock, &u, TEST_API_PW, strlen(TEST_API_PW), PD_PWCOST_MIN,
                        &err) != PD_OK)
        fail_msg("adding %s: %s", name, err.msg);
}

void test_api_login(test_api *f, const char *name, char token[PD_TOKEN_TEXT_MAX])
{
    char body[256];
    snprintf(body, sizeof body, "{\"name\": \"%s\", \"password\": \"%s\"}", name, TEST_API_PW);
    test_answer *a = malloc(sizeof *a);
    assert_non_null(a);
    test_api_call(f, "POST", "/api/login", NULL, NULL, body, a);
    if (a->status != 200)
        fail_msg("signing %s in: %u %s", name, a->status, a->body);
    test_api_json_str(a->body, "token", token, PD_TOKEN_TEXT_MAX);
    free(a);
}

/* The request's headers: Authorization and Content-Type, or none. */
typedef struct headers {
    char auth[128];
    const char *content_type;
} headers;

static const char *header_of(void *ctx, const char *name)
{
    headers *h = ctx;
    if (strcasecmp(name, "Authorization") == 0)
        return h->auth[0] ? h->auth : NULL;
    if (strcasecmp(name, "Content-Type") == 0)
        return h->content_type;
    return NULL;
}

void test_api_call(test_api *f, const char *method, const char *target, const char *bearer,
                   const char *content_type, const char *body, test_answer *out)
{
    pd_req_limits lim = {.body_max = 1 << 16, .out_max = 1 << 20};
    pd_req *req = pd_req_new(method, target, &lim);
    assert_non_null(req);
    headers h = {.content_type = content_type};
    if (bearer)
        snprintf(h.auth, sizeof h.auth, "Bearer %s", bearer);
    pd_req_set_header_source(req, header_of, &h);
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

void test_api_json_str(const char *body, const char *key, char *out, size_t cap)
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

void test_api_expect(const test_answer *a, unsigned status, const char *part)
{
    if (a->status != status || (part && !strstr(a->body, part)))
        fail_msg("expected %u with '%s', got %u: %s", status, part ? part : "", a->status, a->body);
}

long long test_api_json_int(const char *body, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(body, k);
    if (!p)
        fail_msg("no %s in %s", key, body);
    return strtoll(p + strlen(k), NULL, 10);
}

int test_api_count(const char *body, const char *part)
{
    int n = 0;
    for (const char *p = strstr(body, part); p; p = strstr(p + 1, part))
        n++;
    return n;
}
