/* test_views.c - the reads behind the pages (app/views.h) on a fresh store:
 * a creator's view with its follower series (thinned past the cap, the
 * latest kept), an unknown creator as
 * the page's 404 message, discovery and the online state; and that each
 * gives its connection back (a pool of one would block otherwise). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/views.h"
#include "../store/fixture.h"

static void put(pd_db *db, int64_t id, const char *handle, uint64_t followers, int64_t at)
{
    pd_error err = {0};
    pd_creator_rec c = {.id = id, .followers = followers};
    snprintf(c.handle, sizeof c.handle, "%s", handle);
    snprintf(c.category, sizeof c.category, "food");
    if (pd_db_creator_put(db, &c, at, &err) != PD_OK)
        fail_msg("put %s: %s", handle, err.msg);
}

static int count_hit(void *ctx, const pd_creator_hit *h)
{
    (void)h;
    (*(int *)ctx)++;
    return 0;
}

static void test_views(void **state)
{
    (void)state;
    struct pd_store_fx *f = pd_store_fx_new("views", 1);
    put(f->d, 1, "anna", 100, 1000);
    for (int i = 1; i <= 2500; i++) /* more counts than the series keeps */
        put(f->d, 2, "bert", 1000 + (uint64_t)i, 1000 + i * 86400);
    pd_store_release(f->s, f->d); /* the pool's one connection: views take it */
    f->d = NULL;

    pd_creator_view v;
    pd_error err = {0};
    assert_int_equal(pd_app_creator_view(f->s, 1, 20, &v, &err), PD_OK);
    assert_string_equal(v.creator.handle, "anna");
    assert_false(v.has_mcn);
    assert_false(v.followers_failed);
    assert_int_equal(v.nfollowers, 1);
    assert_false(v.history_failed);
    pd_app_creator_view_free(&v);

    assert_int_equal(pd_app_creator_view(f->s, 2, 0, &v, &err), PD_OK);
    assert_false(v.has_mcn); /* independent */
    assert_true(v.nfollowers > 1000 && v.nfollowers <= PD_VIEW_FOLLOWER_POINTS);
    assert_true(v.fy[v.nfollowers - 1] == 3500.0); /* the latest count kept */
    assert_true(v.fx[0] == 0.0);
    assert_null(v.history);
    pd_app_creator_view_free(&v);

    assert_int_equal(pd_app_creator_view(f->s, 99, 5, &v, &err), PD_ENOTFOUND);
    assert_string_equal(err.msg, "There is no creator 99.");
    pd_app_creator_view_free(&v);

    pd_creator_query q = {.limit = 10};
    int n = 0;
    assert_int_equal(pd_app_discover(f->s, &q, count_hit, &n, &err), PD_OK);
    assert_int_equal(n, 2);
    pd_online_state st;
    assert_int_equal(pd_app_online_state(f->s, &st, &err), PD_OK);
    assert_int_equal(st.policy_id, 0);

    assert_int_equal(pd_store_acquire(f->s, &f->d, &err), PD_OK); /* given back */
    pd_store_fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_views),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
