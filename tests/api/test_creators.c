/* test_creators.c - the creators and posts routes (api/creators.h) through
 * the router and the guard, without a server, on a real SQLite file with a
 * fixed clock: create, change (the creator; followers only an operator),
 * read; discovery with filters, a cursor, its kept pages and a write that
 * shows on the next request; publishing a post, the metrics feed, a
 * creator's posts page by page, certification and followers; bad bodies
 * and bad parameters with their status and message, and roles that may
 * not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/creators.h"
#include "app/orgs.h"
#include "lib_api.h"

#define Y2031 1930384800 /* 2031-03-04T10:00:00Z */

typedef struct fx {
    test_api t;
    pd_creators cr;
    char ops[PD_TOKEN_TEXT_MAX], buyer[PD_TOKEN_TEXT_MAX];
    test_answer a;
} fx;

static void call(fx *f, const char *method, const char *target, const char *token, const char *body)
{
    test_api_call(&f->t, method, target, token, body ? "application/json" : NULL, body, &f->a);
}

static void add_creator(fx *f, int64_t id, const char *handle, const char *category,
                        unsigned followers)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"id\": %lld, \"handle\": \"%s\", \"category\": \"%s\", \"followers\": %u}",
             (long long)id, handle, category, followers);
    call(f, "POST", "/api/creators", f->ops, body);
    test_api_expect(&f->a, 201, "\"handle\":\"");
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    test_api_open(&f->t, "creators", Y2031);
    f->cr = (pd_creators){.store = f->t.s, .pages = pd_pagecache_new(16, PD_PAGECACHE_BODY_MAX)};
    assert_non_null(f->cr.pages);
    pd_error err = {0};
    assert_int_equal(pd_creators_routes(f->t.r, &f->cr, &err), PD_OK);
    int64_t brand;
    assert_int_equal(pd_app_brand_add(f->t.s, "Acme", &brand, &err), PD_OK);
    test_api_user(&f->t, "ops", PD_ROLE_OPERATOR, 0);
    test_api_user(&f->t, "buyer", PD_ROLE_BRAND, brand);
    test_api_login(&f->t, "ops", f->ops);
    test_api_login(&f->t, "buyer", f->buyer);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    test_api_close(&f->t);
    pd_pagecache_free(f->cr.pages);
    free(f);
    return 0;
}

static void test_create_get_patch(void **state)
{
    fx *f = *state;
    add_creator(f, 101, "alice", "beauty", 5000);
    assert_non_null(strstr(f->a.body, "\"created_at\":\"2031-03-04T10:00:00Z\""));
    char alice[PD_TOKEN_TEXT_MAX];
    test_api_user(&f->t, "alice", PD_ROLE_CREATOR, 101);
    test_api_login(&f->t, "alice", alice);

    call(f, "GET", "/api/creators/101", f->buyer, NULL);
    test_api_expect(&f->a, 200, "\"followers\":5000");
    assert_non_null(strstr(f->a.body, "\"certification\":{\"certified\":false"));
    call(f, "GET", "/api/creators/999", f->buyer, NULL);
    test_api_expect(&f->a, 404, NULL);

    call(f, "PATCH", "/api/creators/101", alice, "{\"bio\": \"Lipsticks, mostly\"}");
    test_api_expect(&f->a, 200, "\"bio\":\"Lipsticks, mostly\"");
    call(f, "PATCH", "/api/creators/101", alice, "{\"followers\": 9}");
    test_api_expect(&f->a, 403, "followers: only an operator may change it");
    call(f, "PATCH", "/api/creators/101", f->ops, "{\"followers\": 9}");
    test_api_expect(&f->a, 200, "\"followers\":9");
    call(f, "PATCH", "/api/creators/101", alice, "{}");
    test_api_expect(&f->a, 400, "nothing to change");
    call(f, "PATCH", "/api/creators/101", f->buyer, "{\"bio\": \"x\"}");
    test_api_expect(&f->a, 403, "only creator 101 themselves or an operator");

    /* bad bodies: the field named, nothing stored */
    call(f, "POST", "/api/creators", f->ops, "{\"id\": 0, \"handle\": \"b\", \"category\": \"c\"}");
    test_api_expect(&f->a, 400, "id");
    call(f, "POST", "/api/creators", f->ops,
         "{\"id\": 102, \"handle\": \"b\", \"category\": \"c\", \"colour\": 1}");
    test_api_expect(&f->a, 400, "colour");
    call(f, "POST", "/api/creators", f->ops, "{\"id\": 102,");
    test_api_expect(&f->a, 400, NULL);
    call(f, "GET", "/api/creators/102", f->ops, NULL);
    test_api_expect(&f->a, 404, NULL);
    /* a brand may not add one */
    call(f, "POST", "/api/creators", f->buyer,
         "{\"id\": 102, \"handle\": \"b\", \"category\": \"c\"}");
    test_api_expect(&f->a, 403, "only operators may do this");
}

static void test_discovery_filters_cursor_and_kept_pages(void **state)
{
    fx *f = *state;
    add_creator(f, 1, "ann", "beauty", 1000);
    add_creator(f, 2, "bob", "beauty", 3000);
    add_creator(f, 3, "cat", "beauty", 2000);
    add_creator(f, 4, "dan", "food", 9000);

    call(f, "GET", "/api/creators?category=beauty&sort=followers&limit=2", f->buyer, NULL);
    test_api_expect(&f->a, 200, "\"items\":[");
    assert_int_equal(test_api_count(f->a.body, "\"handle\":"), 2);
    assert_true(strstr(f->a.body, "\"bob\"") < strstr(f->a.body, "\"cat\""));
    char next[128], target[256];
    test_api_json_str(f->a.body, "next", next, sizeof next);
    snprintf(target, sizeof target, "/api/creators?category=beauty&sort=followers&limit=2&after=%s",
             next);
    call(f, "GET", target, f->buyer, NULL);
    test_api_expect(&f->a, 200, "\"handle\":\"ann\"");
    assert_int_equal(test_api_count(f->a.body, "\"handle\":"), 1);
    assert_non_null(strstr(f->a.body, "\"next\":null"));

    call(f, "GET", "/api/creators?followers_min=2500", f->buyer, NULL);
    test_api_expect(&f->a, 200, "\"bob\"");
    assert_int_equal(test_api_count(f->a.body, "\"handle\":"), 2); /* bob, dan */

    /* the same page again comes from the cache, byte for byte */
    uint64_t hits0, misses0, hits1, misses1;
    pd_pagecache_stats(f->cr.pages, &hits0, &misses0);
    char first[sizeof f->a.body];
    snprintf(first, sizeof first, "%s", f->a.body);
    call(f, "GET", "/api/creators?followers_min=2500", f->buyer, NULL);
    pd_pagecache_stats(f->cr.pages, &hits1, &misses1);
    assert_int_equal(hits1, hits0 + 1);
    assert_string_equal(f->a.body, first);
    /* a write shows on the next request */
    call(f, "PATCH", "/api/creators/4", f->ops, "{\"handle\": \"dana\"}");
    test_api_expect(&f->a, 200, NULL);
    call(f, "GET", "/api/creators?followers_min=2500", f->buyer, NULL);
    test_api_expect(&f->a, 200, "\"dana\"");

    /* bad parameters: 400, the parameter named */
    call(f, "GET", "/api/creators?limit=0", f->buyer, NULL);
    test_api_expect(&f->a, 400, "limit");
    call(f, "GET", "/api/creators?colour=red", f->buyer, NULL);
    test_api_expect(&f->a, 400, "colour");
    call(f, "GET", "/api/creators?sort=followers&after=zzz", f->buyer, NULL);
    test_api_expect(&f->a, 400, "after");
    call(f, "GET", "/api/creators", NULL, NULL);
    test_api_expect(&f->a, 401, NULL);
}

static void test_posts_metrics_and_verdict(void **state)
{
    fx *f = *state;
    add_creator(f, 7, "eve", "travel", 4000);
    char eve[PD_TOKEN_TEXT_MAX];
    test_api_user(&f->t, "eve", PD_ROLE_CREATOR, 7);
    test_api_login(&f->t, "eve", eve);

    call(f, "POST", "/api/creators/7/posts", eve, "{\"kind\": \"organic\"}");
    test_api_expect(&f->a, 201, "\"post\":{\"id\":");
    assert_non_null(strstr(f->a.body, "\"published_at\":\"2031-03-04T10:00:00Z\""));
    assert_non_null(strstr(f->a.body, "\"certification\":{\"certified\":false"));
    long long p1 = test_api_json_int(f->a.body, "id");
    pd_clock_advance(&f->t.clock, 60);
    call(f, "POST", "/api/creators/7/posts", f->ops, "{\"kind\": \"sponsored\"}");
    test_api_expect(&f->a, 201, "\"kind\":\"sponsored\"");
    long long p2 = test_api_json_int(f->a.body, "id");
    assert_true(p2 > p1);

    /* what the publisher may not give: 403 for the creator, 400 for an operator */
    call(f, "POST", "/api/creators/7/posts", eve, "{\"kind\": \"organic\", \"views\": 5}");
    test_api_expect(&f->a, 403, "views: counters come from the platform's feed only");
    call(f, "POST", "/api/creators/7/posts", f->ops, "{\"kind\": \"organic\", \"views\": 5}");
    test_api_expect(&f->a, 400, "views:");
    call(f, "POST", "/api/creators/7/posts", eve, "{\"kind\": \"paid\"}");
    test_api_expect(&f->a, 400, "kind: expected organic or sponsored");
    call(f, "POST", "/api/creators/7/posts", f->buyer, "{\"kind\": \"organic\"}");
    test_api_expect(&f->a, 403, NULL);

    /* the metrics feed: operators, all four counters */
    char target[64];
    snprintf(target, sizeof target, "/api/posts/%lld/metrics", p1);
    call(f, "PUT", target, f->ops,
         "{\"views\": 1200, \"likes\": 30, \"comments\": 4, \"collects\": 2}");
    test_api_expect(&f->a, 200, "\"views\":1200");
    call(f, "PUT", target, f->ops, "{\"views\": 1}");
    test_api_expect(&f->a, 400, "likes");
    call(f, "PUT", target, eve, "{\"views\": 1, \"likes\": 0, \"comments\": 0, \"collects\": 0}");
    test_api_expect(&f->a, 403, NULL);
    call(f, "PUT", "/api/posts/999999/metrics", f->ops,
         "{\"views\": 1, \"likes\": 0, \"comments\": 0, \"collects\": 0}");
    test_api_expect(&f->a, 404, NULL);
    snprintf(target, sizeof target, "/api/posts/%lld", p1);
    call(f, "GET", target, f->buyer, NULL);
    test_api_expect(&f->a, 200, "\"likes\":30");

    /* the creator's posts, newest first, one a page */
    call(f, "GET", "/api/creators/7/posts?limit=1", f->buyer, NULL);
    test_api_expect(&f->a, 200, "\"kind\":\"sponsored\"");
    char next[128], page2[256];
    test_api_json_str(f->a.body, "next", next, sizeof next);
    snprintf(page2, sizeof page2, "/api/creators/7/posts?limit=1&after=%s", next);
    call(f, "GET", page2, f->buyer, NULL);
    test_api_expect(&f->a, 200, "\"views\":1200");
    assert_non_null(strstr(f->a.body, "\"next\":null"));
    call(f, "GET", "/api/creators/7/posts?after=1.2", f->buyer, NULL);
    test_api_expect(&f->a, 400, "query parameter after: not a cursor");

    /* certification and followers: the creator and operators, not a brand */
    call(f, "GET", "/api/creators/7/certification", eve, NULL);
    test_api_expect(&f->a, 200, "\"creator_id\":7");
    assert_non_null(strstr(f->a.body, "\"window\":{\"posts\":"));
    assert_non_null(strstr(f->a.body, "\"history\":["));
    call(f, "GET", "/api/creators/7/certification?limit=0", eve, NULL);
    test_api_expect(&f->a, 400, "limit");
    call(f, "GET", "/api/creators/7/certification", f->buyer, NULL);
    test_api_expect(&f->a, 403, "only creator 7 themselves, their MCN or an operator");
    call(f, "GET", "/api/creators/7/followers", f->ops, NULL);
    test_api_expect(&f->a, 200, "\"creator_id\":7,\"items\":[");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_get_patch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_discovery_filters_cursor_and_kept_pages, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_posts_metrics_and_verdict, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
