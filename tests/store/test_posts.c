/* test_posts.c - a creator's posts list (pd_db_creator_posts, store.h) over
 * a real SQLite file: newest first with ties broken by the fraction of a
 * second and then the id, keyset pages that tile the list whatever the
 * page size, an unknown creator, limits out of range, and a callback that
 * stops the walk. Published posts (pd_db_post_publish): ids of their own
 * range, the next above the highest there whatever the feed holds below,
 * nothing kept of a refused one, and a range used up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/store.h"

#include "fixture.h"

static int setup(void **state)
{
    struct pd_store_fx *f = pd_store_fx_new("posts", 2);
    pd_error err = {0};
    pd_creator_rec c = {.id = 1, .handle = "a", .category = "beauty", .followers = 10};
    assert_int_equal(pd_db_creator_put(f->d, &c, 1000, &err), PD_OK);
    c.id = 2;
    assert_int_equal(pd_db_creator_put(f->d, &c, 1000, &err), PD_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    pd_store_fx_free(*state);
    return 0;
}

static void add(struct pd_store_fx *f, int64_t id, int64_t creator, int64_t sec, int32_t nsec)
{
    pd_error err = {0};
    pd_post_rec p = {.id = id, .creator_id = creator, .published_at = {sec, nsec}, .views = 1};
    assert_int_equal(pd_db_post_add(f->d, &p, &err), PD_OK);
}

struct seen {
    int64_t id[64];
    pd_post_rec last;
    size_t n, stop_after;
};

static int collect(void *ctx, const pd_post_rec *p)
{
    struct seen *s = ctx;
    if (s->stop_after && s->n == s->stop_after)
        return 42;
    s->id[s->n++] = p->id;
    s->last = *p;
    return 0;
}

/* Posts of creator 1, in the order the list must give them. */
static const int64_t want[] = {7, 6, 5, 3, 4, 2, 1};

static void add_fixture_posts(struct pd_store_fx *f)
{
    add(f, 1, 1, 100, 0);
    add(f, 2, 1, 200, 0);
    add(f, 3, 1, 300, 5); /* same second as 4 and 5, later fraction than 4 */
    add(f, 4, 1, 300, 0);
    add(f, 5, 1, 300, 5); /* same instant as 3: the higher id first */
    add(f, 6, 1, 400, 0);
    add(f, 7, 1, 500, 999999999);
    add(f, 8, 2, 10000, 0); /* another creator's */
}

static void test_order(void **state)
{
    struct pd_store_fx *f = *state;
    add_fixture_posts(f);
    pd_error err = {0};
    struct seen s = {0};
    assert_int_equal(pd_db_creator_posts(f->d, 1, NULL, 100, collect, &s, &err), PD_OK);
    assert_int_equal(s.n, 7);
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(s.id[i], want[i]);
}

static void test_pages_tile(void **state)
{
    struct pd_store_fx *f = *state;
    add_fixture_posts(f);
    pd_error err = {0};
    for (unsigned size = 1; size <= 8; size++) {
        int64_t all[16];
        size_t n = 0;
        pd_post_rec after;
        int has_after = 0;
        for (int guard = 0; guard < 16; guard++) {
            struct seen s = {0};
            assert_int_equal(
                pd_db_creator_posts(f->d, 1, has_after ? &after : NULL, size, collect, &s, &err),
                PD_OK);
            assert_true(s.n <= size);
            for (size_t i = 0; i < s.n; i++)
                all[n++] = s.id[i];
            if (s.n < size)
                break;
            after = s.last;
            has_after = 1;
        }
        assert_int_equal(n, 7);
        for (size_t i = 0; i < 7; i++)
            assert_int_equal(all[i], want[i]);
    }
}

static void test_errors(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    struct seen s = {0};
    assert_int_equal(pd_db_creator_posts(f->d, 99, NULL, 10, collect, &s, &err), PD_ENOTFOUND);
    assert_non_null(strstr(err.msg, "99"));
    assert_int_equal(pd_db_creator_posts(f->d, 0, NULL, 10, collect, &s, &err), PD_ENOTFOUND);
    assert_int_equal(pd_db_creator_posts(f->d, 1, NULL, 0, collect, &s, &err), PD_EINPUT);
    assert_int_equal(pd_db_creator_posts(f->d, 1, NULL, PD_POSTS_PAGE_MAX + 1, collect, &s, &err),
                     PD_EINPUT);
    pd_post_rec bad = {.id = 1, .published_at = {0, -1}};
    assert_int_equal(pd_db_creator_posts(f->d, 1, &bad, 10, collect, &s, &err), PD_EINPUT);
    /* a creator without posts: an empty list, not an error */
    assert_int_equal(pd_db_creator_posts(f->d, 2, NULL, 10, collect, &s, &err), PD_OK);
    assert_int_equal(s.n, 0);
}

static void test_stop(void **state)
{
    struct pd_store_fx *f = *state;
    add_fixture_posts(f);
    pd_error err = {0};
    struct seen s = {.stop_after = 2};
    assert_int_equal(pd_db_creator_posts(f->d, 1, NULL, 10, collect, &s, &err), 42);
    assert_int_equal(s.n, 2);
    /* the connection is usable afterwards (the statement was released) */
    assert_int_equal(pd_db_begin(f->d, &err), PD_OK);
    add(f, 9, 1, 600, 0);
    assert_int_equal(pd_db_commit(f->d, &err), PD_OK);
}

static int64_t publish(struct pd_store_fx *f, int64_t creator, pd_code expect)
{
    pd_error err = {0};
    pd_post_rec p = {.id = 12345, .creator_id = creator, .published_at = {1000, 0}, .sponsored = 1};
    int rc = pd_db_post_publish(f->d, &p, &err);
    if (rc != (int)expect)
        fail_msg("publish for creator %lld: %d (%s), expected %d", (long long)creator, rc, err.msg,
                 (int)expect);
    return p.id;
}

static size_t count_posts(struct pd_store_fx *f, int64_t creator)
{
    pd_error err = {0};
    struct seen s = {0};
    assert_int_equal(pd_db_creator_posts(f->d, creator, NULL, 64, collect, &s, &err), PD_OK);
    return s.n;
}

static void test_publish_ids(void **state)
{
    struct pd_store_fx *f = *state;
    /* the feed's ids, even the highest it may use, leave the range alone */
    add(f, 1, 1, 100, 0);
    add(f, PD_POST_ID_FEED_MAX, 1, 100, 0);
    assert_int_equal(publish(f, 1, PD_OK), PD_POST_ID_PUBLISHED_MIN);
    assert_int_equal(publish(f, 2, PD_OK), PD_POST_ID_PUBLISHED_MIN + 1);
    pd_error err = {0};
    pd_post_rec got;
    assert_int_equal(pd_db_post_get(f->d, PD_POST_ID_PUBLISHED_MIN + 1, &got, &err), PD_OK);
    assert_int_equal(got.creator_id, 2);
    assert_int_equal(got.sponsored, 1);
    assert_int_equal(got.published_at.sec, 1000);
    /* a post the feed brings inside the range (an export imported again):
     * the next published one comes after it */
    add(f, PD_POST_ID_PUBLISHED_MIN + 100, 2, 100, 0);
    assert_int_equal(publish(f, 1, PD_OK), PD_POST_ID_PUBLISHED_MIN + 101);
    /* an unknown creator: refused, nothing kept, the id not used up */
    size_t before = count_posts(f, 1);
    publish(f, 99, PD_EINPUT);
    assert_int_equal(publish(f, 1, PD_OK), PD_POST_ID_PUBLISHED_MIN + 102);
    assert_int_equal(count_posts(f, 1), before + 1);
    /* inside a transaction, rolled back: the id comes again */
    assert_int_equal(pd_db_begin(f->d, &err), PD_OK);
    assert_int_equal(publish(f, 1, PD_OK), PD_POST_ID_PUBLISHED_MIN + 103);
    pd_db_rollback(f->d);
    assert_int_equal(publish(f, 1, PD_OK), PD_POST_ID_PUBLISHED_MIN + 103);
    /* the last id of the range taken: nothing left */
    add(f, PD_POST_ID_PUBLISHED_MAX, 2, 100, 0);
    publish(f, 1, PD_ECONFLICT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pages_tile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish_ids, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
