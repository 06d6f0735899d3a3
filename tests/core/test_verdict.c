/* test_verdict.c - a creator's certification row (core/verdict.h): judging
 * and its derived columns, explaining, the deltas of a post and of a day
 * (refused when out of step, the row unchanged), and what settling a row
 * says to write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/verdict.h"

/* min_followers 1000, min_avg_views 100.00, 2 posts at least. */
static pd_policy policy(void)
{
    pd_policy p;
    memset(&p, 0, sizeof p);
    memcpy(p.name, "t", 2);
    p.window_days = 30;
    p.rules =
        (1u << PD_RULE_MIN_FOLLOWERS) | (1u << PD_RULE_MIN_AVG_VIEWS) | (1u << PD_RULE_MIN_POSTS);
    p.threshold[PD_RULE_MIN_FOLLOWERS] = 1000;
    p.threshold[PD_RULE_MIN_AVG_VIEWS] = 10000;
    p.threshold[PD_RULE_MIN_POSTS] = 2;
    return p;
}

static pd_cert_row row(uint64_t followers, uint32_t posts, uint64_t views, uint64_t eng)
{
    pd_cert_row r;
    memset(&r, 0, sizeof r);
    r.id = 7;
    r.followers = followers;
    r.win.posts = posts;
    r.win.views = views;
    r.engagements = eng;
    return r;
}

static void test_judge(void **state)
{
    (void)state;
    pd_policy p = policy();
    pd_cert_row r = row(5000, 2, 301, 30);
    assert_int_equal(pd_cert_judge(&p, &r), PD_TRANSITION_GAINED);
    assert_true(r.certified);
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.avg_views, 15050);   /* 150.50 */
    assert_int_equal(r.engagement_bp, 996); /* 30 * 10000 / 301, rounded down */
    assert_int_equal(pd_cert_judge(&p, &r), PD_TRANSITION_NONE);
    r.followers = 10;
    assert_int_equal(pd_cert_judge(&p, &r), PD_TRANSITION_LOST);
    assert_int_equal(r.failed, 1u << PD_RULE_MIN_FOLLOWERS);
    char why[PD_CERT_EXPLAIN_MAX];
    pd_cert_explain(&p, &r, why);
    assert_string_equal(why, "followers 10 < 1000");
    /* no policy: nobody certified, nothing failed, nothing to explain */
    assert_int_equal(pd_cert_judge(NULL, &r), PD_TRANSITION_NONE);
    assert_false(r.certified);
    assert_int_equal(r.failed, 0);
    pd_cert_explain(NULL, &r, why);
    assert_string_equal(why, "");
    /* no posts: every rule that needs posts fails, no division */
    pd_cert_row z = row(5000, 0, 0, 0);
    pd_cert_judge(&p, &z);
    assert_int_equal(z.avg_views, 0);
    assert_int_equal(z.engagement_bp, 0);
    assert_int_equal(z.failed, (1u << PD_RULE_MIN_AVG_VIEWS) | (1u << PD_RULE_MIN_POSTS));
}

static void test_post_deltas(void **state)
{
    (void)state;
    pd_cert_row r = row(5000, 1, 100, 10);
    assert_int_equal(pd_cert_add_post(&r, 1, 50, 5), 0);
    assert_int_equal(r.win.posts, 2);
    assert_int_equal(r.win.sponsored, 1);
    assert_int_equal(r.win.views, 150);
    assert_int_equal(r.engagements, 15);
    assert_int_equal(pd_cert_change_post(&r, 50, 5, 80, 9), 0);
    assert_int_equal(r.win.views, 180);
    assert_int_equal(r.engagements, 19);
    pd_cert_row before = r;
    /* more views taken out than the row holds: out of step, unchanged */
    assert_int_equal(pd_cert_change_post(&r, 500, 0, 1, 0), -1);
    assert_int_equal(pd_cert_change_post(&r, 1, 500, 1, 0), -1);
    assert_memory_equal(&r, &before, sizeof r);
    /* past what a signed 64-bit column holds */
    assert_int_equal(pd_cert_add_post(&r, 0, (uint64_t)INT64_MAX, 0), -1);
    assert_int_equal(pd_cert_add_post(&r, 0, 0, (uint64_t)INT64_MAX), -1);
    assert_memory_equal(&r, &before, sizeof r);
}

static void test_moves(void **state)
{
    (void)state;
    pd_cert_row r = row(5000, 5, 500, 50);
    r.win.sponsored = 2;
    pd_cert_move m = {.kind = PD_CERT_MOVE_SHIFT};
    m.out.win = (pd_window_stats){.posts = 2, .sponsored = 1, .views = 200};
    m.out.engagements = 20;
    m.in.win = (pd_window_stats){.posts = 1, .sponsored = 1, .views = 7};
    m.in.engagements = 1;
    assert_int_equal(pd_cert_apply_move(&r, &m), 0);
    assert_int_equal(r.win.posts, 4);
    assert_int_equal(r.win.sponsored, 2);
    assert_int_equal(r.win.views, 307);
    assert_int_equal(r.engagements, 31);
    pd_cert_row before = r;
    /* taking out more organic posts than the row holds */
    m.out.win = (pd_window_stats){.posts = 3, .sponsored = 0, .views = 1};
    m.out.engagements = 0;
    assert_int_equal(pd_cert_apply_move(&r, &m), -1);
    assert_memory_equal(&r, &before, sizeof r);
    pd_cert_move set = {.kind = PD_CERT_MOVE_SET};
    set.sums.win = (pd_window_stats){.posts = 9, .sponsored = 3, .views = 900};
    set.sums.engagements = 90;
    assert_int_equal(pd_cert_apply_move(&r, &set), 0);
    assert_int_equal(r.win.posts, 9);
    assert_int_equal(r.engagements, 90);
    pd_cert_move none = {.kind = PD_CERT_MOVE_NONE};
    before = r;
    assert_int_equal(pd_cert_apply_move(&r, &none), 0);
    assert_memory_equal(&r, &before, sizeof r);
}

static void test_settle(void **state)
{
    (void)state;
    pd_policy p = policy();
    pd_cert_row was = row(5000, 2, 301, 30);
    pd_cert_judge(&p, &was);
    was.since = 100;
    pd_cert_row now = was;
    pd_transition t;
    assert_int_equal(pd_cert_settle(&p, &was, &now, 200, &t), PD_CERT_KEEP);
    assert_int_equal(t, PD_TRANSITION_NONE);
    assert_int_equal(now.since, 100);
    /* aggregates change, verdict stays: store, keep the date */
    assert_int_equal(pd_cert_add_post(&now, 0, 300, 0), 0);
    assert_int_equal(pd_cert_settle(&p, &was, &now, 200, &t), PD_CERT_STORE);
    assert_int_equal(now.since, 100);
    assert_true(pd_cert_sums_differ(&was, &now));
    /* the verdict changes: record, dated now */
    now = was;
    now.followers = 1;
    assert_int_equal(pd_cert_settle(&p, &was, &now, 200, &t), PD_CERT_RECORD);
    assert_int_equal(t, PD_TRANSITION_LOST);
    assert_int_equal(now.since, 200);
    assert_false(pd_cert_sums_differ(&was, &now));
    /* a row never judged is dated even without a change */
    pd_cert_row fresh = row(1, 0, 0, 0);
    pd_cert_row f2 = fresh;
    assert_int_equal(pd_cert_settle(NULL, &fresh, &f2, 300, &t), PD_CERT_STORE);
    assert_int_equal(f2.since, 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge),
        cmocka_unit_test(test_post_deltas),
        cmocka_unit_test(test_moves),
        cmocka_unit_test(test_settle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
