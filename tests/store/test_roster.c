/* test_roster.c - what an MCN's roster reads (store.h, "an MCN's roster")
 * over a real SQLite file: one MCN and its member count, unknown MCNs, the
 * MCN's creators by id with their verdicts, and their posts from an instant
 * on (later ones included), by creator then time, all of them or only the
 * certified creators', and a callback that stops the walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/online.h"
#include "app/online.h"
#include "store/store.h"

#include "fixture.h"

#define DAY 18047 /* 2019-05-31 */
#define T0 ((int64_t)DAY * 86400)

static void creator(struct pd_store_fx *f, int64_t id, uint64_t followers, int64_t mcn)
{
    pd_error err = {0};
    pd_creator_rec c = {.id = id, .category = "beauty", .followers = followers, .mcn_id = mcn};
    snprintf(c.handle, sizeof c.handle, "c%lld", (long long)id);
    ASSERT_CODE(PD_OK, pd_db_creator_put(f->d, &c, 1000, &err));
}

static void post(struct pd_store_fx *f, int64_t id, int64_t creator_id, int64_t sec, int sponsored)
{
    pd_error err = {0};
    pd_post_rec p = {.id = id,
                     .creator_id = creator_id,
                     .published_at = {sec, 0},
                     .sponsored = sponsored,
                     .views = (uint64_t)id * 10};
    ASSERT_CODE(PD_OK, pd_db_post_add(f->d, &p, &err));
    /* what the publishing use case does after it (app/online.h) */
    ASSERT_CODE(PD_OK, pd_app_online_post_added(f->d, &p, 1000, &err));
}

/* MCN 7: creators 1 (5,000 followers), 2 (500), 5 (9,000); MCN 8: creator
 * 3; creator 4 independent. Policy: at least 1,000 followers, from DAY. */
static int setup(void **state)
{
    struct pd_store_fx *f = pd_store_fx_new("roster", 2);
    pd_error err = {0};
    ASSERT_CODE(PD_OK, pd_db_mcn_add(f->d, 7, "Seven Stars", NULL, &err));
    ASSERT_CODE(PD_OK, pd_db_mcn_add(f->d, 8, "Eight", NULL, &err));
    ASSERT_CODE(PD_OK, pd_db_mcn_add(f->d, 9, "Empty", NULL, &err));
    creator(f, 5, 9000, 7);
    creator(f, 1, 5000, 7);
    creator(f, 2, 500, 7);
    creator(f, 3, 7000, 8);
    creator(f, 4, 8000, 0);
    pd_policy_rec r = {
        .policy = {.name = "p", .window_days = 30, .rules = 1u << PD_RULE_MIN_FOLLOWERS}};
    r.policy.threshold[PD_RULE_MIN_FOLLOWERS] = 1000;
    ASSERT_CODE(PD_OK, pd_db_policy_add(f->d, &r, 1000, &err));
    ASSERT_CODE(PD_OK, pd_db_policy_activate(f->d, r.id, DAY, 0, 1000, NULL, &err));
    pd_online_report rep;
    ASSERT_CODE(PD_OK, pd_app_online_advance(f->s, DAY, &rep, &err));
    /* posts: before, at and after the instant asked for */
    post(f, 10, 1, T0 - 5 * 86400, 0);
    post(f, 11, 1, T0 - 2 * 86400, 1);
    post(f, 12, 1, T0 + 3 * 86400, 0); /* dated after today */
    post(f, 13, 2, T0 - 86400, 0);
    post(f, 14, 5, T0 - 86400 + 7, 0);
    post(f, 15, 5, T0 - 86400, 1);      /* same day, earlier than 14 */
    post(f, 16, 3, T0, 0);              /* another MCN's */
    post(f, 17, 4, T0, 0);              /* an independent's */
    post(f, 18, 1, T0 - 10 * 86400, 0); /* before the instant */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    pd_store_fx_free(*state);
    return 0;
}

static void test_mcn_get(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_org_rec o;
    ASSERT_CODE(PD_OK, pd_db_mcn_get(f->d, 7, &o, &err));
    assert_int_equal(o.id, 7);
    assert_string_equal(o.name, "Seven Stars");
    assert_int_equal(o.members, 3);
    ASSERT_CODE(PD_OK, pd_db_mcn_get(f->d, 9, &o, &err));
    assert_int_equal(o.members, 0);
    ASSERT_CODE(PD_ENOTFOUND, pd_db_mcn_get(f->d, 99, &o, &err));
    assert_string_equal(err.msg, "no MCN with id 99");
    ASSERT_CODE(PD_ENOTFOUND, pd_db_mcn_get(f->d, 0, &o, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_mcn_get(f->d, -3, &o, &err));
}

struct hits {
    pd_creator_hit h[8];
    size_t n, stop_after;
};

static int collect_hit(void *ctx, const pd_creator_hit *h)
{
    struct hits *s = ctx;
    if (s->stop_after && s->n == s->stop_after)
        return 42;
    assert_true(s->n < 8);
    s->h[s->n++] = *h;
    return 0;
}

static void test_creators(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    struct hits s = {0};
    ASSERT_CODE(PD_OK, pd_db_mcn_creators(f->d, 7, collect_hit, &s, &err));
    assert_int_equal(s.n, 3);
    int64_t want[] = {1, 2, 5};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(s.h[i].c.id, want[i]);
        assert_int_equal(s.h[i].key, want[i]);
        assert_int_equal(s.h[i].c.mcn_id, 7);
        assert_int_equal(s.h[i].st.creator_id, want[i]);
        assert_int_not_equal(s.h[i].st.policy_id, 0);
    }
    assert_string_equal(s.h[0].c.handle, "c1");
    assert_int_equal(s.h[0].st.certified, 1);
    assert_int_equal(s.h[1].st.certified, 0); /* 500 followers */
    assert_int_equal(s.h[1].st.failed, 1u << PD_RULE_MIN_FOLLOWERS);
    assert_int_equal(s.h[2].st.certified, 1);
    /* creator 1's window holds its posts 10, 11 and 18 (in 30 days); 12,
     * dated after today, counts from its own day */
    assert_int_equal(s.h[0].st.win.posts, 3);
    assert_int_equal(s.h[0].st.win.sponsored, 1);
    /* the verdicts are the ones a single read gives */
    pd_creator_status one;
    ASSERT_CODE(PD_OK, pd_db_creator_status(f->d, 2, &one, &err));
    assert_int_equal(one.certified, s.h[1].st.certified);
    assert_int_equal(one.win.posts, s.h[1].st.win.posts);

    struct hits none = {0};
    ASSERT_CODE(PD_OK, pd_db_mcn_creators(f->d, 9, collect_hit, &none, &err));
    ASSERT_CODE(PD_OK, pd_db_mcn_creators(f->d, 99, collect_hit, &none, &err));
    ASSERT_CODE(PD_OK, pd_db_mcn_creators(f->d, 0, collect_hit, &none, &err));
    assert_int_equal(none.n, 0);

    struct hits stop = {.stop_after = 1};
    assert_int_equal(pd_db_mcn_creators(f->d, 7, collect_hit, &stop, &err), 42);
    assert_int_equal(stop.n, 1);
}

struct posts {
    int64_t id[16];
    size_t n, stop_after;
};

static int collect_post(void *ctx, const pd_post_rec *p)
{
    struct posts *s = ctx;
    if (s->stop_after && s->n == s->stop_after)
        return 7;
    assert_true(s->n < 16);
    s->id[s->n++] = p->id;
    assert_int_equal(p->views, (uint64_t)p->id * 10);
    return 0;
}

static void expect_posts(struct pd_store_fx *f, int64_t mcn, int64_t from, int certified_only,
                         const int64_t *want, size_t n)
{
    pd_error err = {0};
    struct posts s = {0};
    ASSERT_CODE(PD_OK,
                pd_db_mcn_posts_since(f->d, mcn, from, certified_only, collect_post, &s, &err));
    assert_int_equal(s.n, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(s.id[i], want[i]);
}

static void test_posts_since(void **state)
{
    struct pd_store_fx *f = *state;
    /* by creator (1, 2, 5), then time; from 5 days back on, later ones too */
    const int64_t all[] = {10, 11, 12, 13, 15, 14};
    expect_posts(f, 7, T0 - 5 * 86400, 0, all, 6);
    /* certified creators only: creator 2 (500 followers) is not */
    const int64_t cert[] = {10, 11, 12, 15, 14};
    expect_posts(f, 7, T0 - 5 * 86400, 1, cert, 5);
    /* the instant is inclusive, to the second */
    const int64_t later[] = {11, 12, 13, 15, 14};
    expect_posts(f, 7, T0 - 5 * 86400 + 1, 0, later, 5);
    const int64_t wide[] = {18, 10, 11, 12, 13, 15, 14};
    expect_posts(f, 7, 0, 0, wide, 7);
    const int64_t eight[] = {16};
    expect_posts(f, 8, 0, 0, eight, 1);
    expect_posts(f, 9, 0, 0, NULL, 0);
    expect_posts(f, 0, 0, 0, NULL, 0);
    pd_error err = {0};
    struct posts stop = {.stop_after = 2};
    assert_int_equal(pd_db_mcn_posts_since(f->d, 7, 0, 0, collect_post, &stop, &err), 7);
    assert_int_equal(stop.n, 2);
}

/* Both reads in one read transaction see one state. */
static void test_one_snapshot(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_db *other;
    ASSERT_CODE(PD_OK, pd_store_acquire(f->s, &other, &err));
    ASSERT_CODE(PD_OK, pd_db_read_begin(f->d, NULL, &err));
    struct hits a = {0};
    ASSERT_CODE(PD_OK, pd_db_mcn_creators(f->d, 7, collect_hit, &a, &err));
    post(&(struct pd_store_fx){.s = f->s, .d = other}, 30, 5, T0, 0); /* another connection */
    struct posts p = {0};
    ASSERT_CODE(PD_OK, pd_db_mcn_posts_since(f->d, 7, T0, 0, collect_post, &p, &err));
    assert_int_equal(p.n, 1); /* post 12 only, not 30 */
    pd_db_read_end(f->d);
    struct posts q = {0};
    ASSERT_CODE(PD_OK, pd_db_mcn_posts_since(f->d, 7, T0, 0, collect_post, &q, &err));
    assert_int_equal(q.n, 2);
    pd_store_release(f->s, other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mcn_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_creators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_posts_since, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_snapshot, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
