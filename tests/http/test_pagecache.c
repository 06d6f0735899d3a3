/* test_pagecache.c - http/pagecache: exact hits only, versions and owners
 * kept apart, bounded memory, least recently used out first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/pagecache.h"

static int owner_a, owner_b; /* only their addresses matter */

/* get into a fresh writer: 1 and the body in out on a hit. */
static int get(pd_pagecache *c, const void *owner, uint64_t version, const char *key, char *out,
               size_t n)
{
    pd_buf b;
    pd_buf_init(&b, 1 << 16);
    pd_jsonw w;
    pd_jsonw_init(&w, &b, 0);
    int hit = pd_pagecache_get(c, owner, version, key, strlen(key), &w);
    out[0] = '\0';
    if (hit) {
        pd_error err = {0};
        assert_int_equal(pd_jsonw_finish(&w, &err), PD_OK);
        snprintf(out, n, "%s", b.data);
    } else {
        assert_int_equal(b.len, 0);
    }
    pd_buf_free(&b);
    return hit;
}

static void put(pd_pagecache *c, const void *owner, uint64_t version, const char *key,
                const char *body)
{
    pd_pagecache_put(c, owner, version, key, strlen(key), body, strlen(body));
}

static void test_exact_hits_only(void **state)
{
    (void)state;
    pd_pagecache *c = pd_pagecache_new(64, 1024);
    assert_non_null(c);
    char out[256];
    assert_int_equal(get(c, &owner_a, 7, "beauty|20", out, sizeof out), 0);
    put(c, &owner_a, 7, "beauty|20", "{\"items\":[1,2]}");
    assert_int_equal(get(c, &owner_a, 7, "beauty|20", out, sizeof out), 1);
    assert_string_equal(out, "{\"items\":[1,2]}");
    /* another version of the data, another connection, another page */
    assert_int_equal(get(c, &owner_a, 8, "beauty|20", out, sizeof out), 0);
    assert_int_equal(get(c, &owner_b, 7, "beauty|20", out, sizeof out), 0);
    assert_int_equal(get(c, &owner_a, 7, "beauty|21", out, sizeof out), 0);
    assert_int_equal(get(c, &owner_a, 7, "beauty|2", out, sizeof out), 0);
    uint64_t hits, misses;
    pd_pagecache_stats(c, &hits, &misses);
    assert_int_equal(hits, 1);
    assert_int_equal(misses, 5);
    pd_pagecache_free(c);
}

static void test_new_version_replaces_old(void **state)
{
    (void)state;
    pd_pagecache *c = pd_pagecache_new(4, 1024); /* one set of four */
    char out[256];
    put(c, &owner_a, 1, "k", "1");
    put(c, &owner_b, 1, "k", "\"b\"");
    put(c, &owner_a, 2, "k", "2");
    assert_int_equal(get(c, &owner_a, 1, "k", out, sizeof out), 0);
    assert_int_equal(get(c, &owner_a, 2, "k", out, sizeof out), 1);
    assert_string_equal(out, "2");
    assert_int_equal(get(c, &owner_b, 1, "k", out, sizeof out), 1);
    assert_string_equal(out, "\"b\"");
    /* a's old page took no second slot: three more pages fit beside */
    put(c, &owner_a, 2, "x", "3");
    put(c, &owner_a, 2, "y", "4");
    assert_int_equal(get(c, &owner_a, 2, "k", out, sizeof out), 1);
    assert_int_equal(get(c, &owner_b, 1, "k", out, sizeof out), 1);
    assert_int_equal(get(c, &owner_a, 2, "x", out, sizeof out), 1);
    assert_int_equal(get(c, &owner_a, 2, "y", out, sizeof out), 1);
    pd_pagecache_free(c);
}

static void test_least_recently_used_goes(void **state)
{
    (void)state;
    pd_pagecache *c = pd_pagecache_new(4, 1024);
    char out[256];
    put(c, &owner_a, 1, "p1", "1");
    put(c, &owner_a, 1, "p2", "2");
    put(c, &owner_a, 1, "p3", "3");
    put(c, &owner_a, 1, "p4", "4");
    assert_int_equal(get(c, &owner_a, 1, "p1", out, sizeof out), 1); /* p2 is now the oldest */
    put(c, &owner_a, 1, "p5", "5");
    assert_int_equal(get(c, &owner_a, 1, "p2", out, sizeof out), 0);
    assert_int_equal(get(c, &owner_a, 1, "p1", out, sizeof out), 1);
    assert_int_equal(get(c, &owner_a, 1, "p3", out, sizeof out), 1);
    assert_int_equal(get(c, &owner_a, 1, "p4", out, sizeof out), 1);
    assert_int_equal(get(c, &owner_a, 1, "p5", out, sizeof out), 1);
    assert_string_equal(out, "5");
    pd_pagecache_free(c);
}

static void test_bounds(void **state)
{
    (void)state;
    pd_pagecache *c = pd_pagecache_new(1, 8); /* rounded up to one set */
    char out[256];
    put(c, &owner_a, 1, "big", "\"123456789\""); /* 11 bytes > 8 */
    assert_int_equal(get(c, &owner_a, 1, "big", out, sizeof out), 0);
    put(c, &owner_a, 1, "small", "12345678");
    assert_int_equal(get(c, &owner_a, 1, "small", out, sizeof out), 1);
    assert_string_equal(out, "12345678");
    put(c, &owner_a, 1, "empty", ""); /* not a JSON value: never kept */
    assert_int_equal(get(c, &owner_a, 1, "empty", out, sizeof out), 0);
    put(c, NULL, 1, "nobody", "1");
    assert_int_equal(get(c, NULL, 1, "nobody", out, sizeof out), 0);
    pd_pagecache_free(c);
    pd_pagecache_free(NULL);
}

/* A hit is one value in the writer's structure, like any other. */
static void test_hit_inside_a_document(void **state)
{
    (void)state;
    pd_pagecache *c = pd_pagecache_new(16, 1024);
    put(c, &owner_a, 3, "q", "{\"a\":1}");
    pd_buf b;
    pd_buf_init(&b, 1 << 16);
    pd_jsonw w;
    pd_jsonw_init(&w, &b, 0);
    pd_jsonw_arr_begin(&w);
    pd_jsonw_int(&w, 0);
    assert_int_equal(pd_pagecache_get(c, &owner_a, 3, "q", 1, &w), 1);
    pd_jsonw_arr_end(&w);
    pd_error err = {0};
    assert_int_equal(pd_jsonw_finish(&w, &err), PD_OK);
    assert_string_equal(b.data, "[0,{\"a\":1}]");
    pd_buf_free(&b);
    pd_pagecache_free(c);
}

/* copy: the kept bytes when their length is the one asked for. */
static void test_copy(void **state)
{
    (void)state;
    pd_pagecache *c = pd_pagecache_new(8, 64);
    struct {
        int64_t id;
        char name[8];
    } v = {42, "tina"}, got = {0, ""};
    pd_pagecache_put(c, &owner_a, 5, "tok", 3, (const char *)&v, sizeof v);
    assert_int_equal(pd_pagecache_copy(c, &owner_a, 5, "tok", 3, &got, sizeof got), 1);
    assert_int_equal(got.id, 42);
    assert_string_equal(got.name, "tina");
    got.id = 0;
    assert_int_equal(pd_pagecache_copy(c, &owner_a, 6, "tok", 3, &got, sizeof got), 0);
    assert_int_equal(pd_pagecache_copy(c, &owner_a, 5, "tok", 3, &got, sizeof got - 1), 0);
    assert_int_equal(got.id, 0);
    pd_pagecache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_hits_only),
        cmocka_unit_test(test_new_version_replaces_old),
        cmocka_unit_test(test_least_recently_used_goes),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_hit_inside_a_document),
        cmocka_unit_test(test_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
