/* test_views.c - the reads behind the pages (app/views.h) on a fresh store:
 * a creator's view with its follower series (thinned past the cap, the
 * latest kept), an unknown creator as
 * the page's 404 message, discovery and the online state; discovery
 * through a cache of kept pages (asked at the read's version, told when a
 * page is whole, not read again when kept, a new version after a write);
 * a lookup on a lent connection; and that each gives its connection back
 * (a pool of one would block otherwise). */
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

/* A cache of one page for pd_app_discover_page: what was asked, kept and
 * made. */
typedef struct one_page {
    const void *conn;
    uint64_t version; /* of the kept page; 0: none */
    uint64_t asked;   /* the version last asked for */
    int rows, dones, hits;
} one_page;

static int page_kept(void *ctx, const void *conn, uint64_t version)
{
    one_page *p = ctx;
    p->asked = version;
    if (p->version == 0 || p->version != version || p->conn != conn)
        return 0;
    p->hits++;
    return 1;
}

static int page_row(void *ctx, const pd_creator_hit *h)
{
    (void)h;
    ((one_page *)ctx)->rows++;
    return 0;
}

static void page_done(void *ctx, const void *conn, uint64_t version)
{
    one_page *p = ctx;
    p->dones++;
    p->conn = conn;
    p->version = version;
}

static int lookup_handle(void *ctx, pd_db *db, pd_error *err)
{
    pd_creator_rec *c = ctx;
    return pd_db_creator_get(db, c->id, c, err);
}

static void test_discover_page_and_lookup(void **state)
{
    (void)state;
    struct pd_store_fx *f = pd_store_fx_new("views_page", 1);
    put(f->d, 1, "anna", 100, 1000);
    put(f->d, 2, "bert", 200, 1000);
    pd_store_release(f->s, f->d);
    f->d = NULL;

    pd_error err = {0};
    pd_creator_query q = {.limit = 10};
    one_page p = {0};
    pd_app_page page = {.kept = page_kept, .row = page_row, .done = page_done, .ctx = &p};
    assert_int_equal(pd_app_discover_page(f->s, NULL, &q, &page, &err), PD_OK);
    assert_int_equal(p.rows, 2);
    assert_int_equal(p.dones, 1);
    assert_true(p.version != 0 && p.asked == p.version);
    /* the same version: the kept page, no rows read */
    assert_int_equal(pd_app_discover_page(f->s, NULL, &q, &page, &err), PD_OK);
    assert_int_equal(p.hits, 1);
    assert_int_equal(p.rows, 2);
    assert_int_equal(p.dones, 1);
    /* a write: a new version, the rows read again */
    uint64_t before = p.version;
    assert_int_equal(pd_store_acquire(f->s, &f->d, &err), PD_OK);
    put(f->d, 3, "carl", 300, 1000);
    pd_store_release(f->s, f->d);
    f->d = NULL;
    assert_int_equal(pd_app_discover_page(f->s, NULL, &q, &page, &err), PD_OK);
    assert_int_equal(p.hits, 1);
    assert_int_equal(p.rows, 5);
    assert_int_equal(p.dones, 2);
    assert_true(p.version != before);

    /* a lookup: what the reader returns, the connection given back */
    pd_creator_rec *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->id = 2;
    assert_int_equal(pd_app_lookup(f->s, lookup_handle, c, &err), PD_OK);
    assert_string_equal(c->handle, "bert");
    c->id = 99;
    assert_int_equal(pd_app_lookup(f->s, lookup_handle, c, &err), PD_ENOTFOUND);
    free(c);

    assert_int_equal(pd_store_acquire(f->s, &f->d, &err), PD_OK); /* given back */
    pd_store_fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_views),
        cmocka_unit_test(test_discover_page_and_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
