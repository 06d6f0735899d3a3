/* test_risk.c - what a failed rule lacks (pd_rule_shortfall) and the
 * projection of a certified creator over the next days (pd_risk_project):
 * posts leaving the window, a scheduled policy taking over, the horizon's
 * edges, posts dated after today, and a property: the projection's first
 * failing day is the first day on which pd_policy_failures over that day's
 * window (computed here the slow way) is not zero. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/online.h"
#include "core/risk.h"
#include "core/rng.h"

#define TODAY 18047 /* 2019-05-31 */

static pd_policy policy(uint32_t window, pd_rule r, uint64_t t)
{
    pd_policy p = {.name = "t", .window_days = window, .rules = 1u << r};
    p.threshold[r] = t;
    return p;
}

static void add_rule(pd_policy *p, pd_rule r, uint64_t t)
{
    p->rules |= 1u << r;
    p->threshold[r] = t;
}

static void test_shortfall(void **state)
{
    (void)state;
    pd_policy p = policy(30, PD_RULE_MIN_FOLLOWERS, 5000);
    add_rule(&p, PD_RULE_MIN_AVG_VIEWS, 1000000);         /* 10,000.00 */
    add_rule(&p, PD_RULE_MIN_ORGANIC_PER_SPONSORED, 250); /* 2.5 */
    add_rule(&p, PD_RULE_MIN_SPONSORED, 4);
    add_rule(&p, PD_RULE_MIN_POSTS, 12);
    add_rule(&p, PD_RULE_MAX_SPONSORED, 3);
    pd_window_stats w = {.posts = 10, .sponsored = 5, .views = 24880};
    assert_int_equal(pd_rule_shortfall(&p, PD_RULE_MIN_FOLLOWERS, 4971, &w), 29);
    assert_int_equal(pd_rule_shortfall(&p, PD_RULE_MIN_FOLLOWERS, 5000, &w), 0);
    /* 10 posts at 10,000 each: 100,000 views in all */
    assert_int_equal(pd_rule_shortfall(&p, PD_RULE_MIN_AVG_VIEWS, 0, &w), 100000 - 24880);
    /* 5 sponsored need 12.5, so 13 organic: 8 more */
    assert_int_equal(pd_rule_shortfall(&p, PD_RULE_MIN_ORGANIC_PER_SPONSORED, 0, &w), 8);
    assert_int_equal(pd_rule_shortfall(&p, PD_RULE_MIN_SPONSORED, 0, &w), 0);
    assert_int_equal(pd_rule_shortfall(&p, PD_RULE_MIN_POSTS, 0, &w), 2);
    assert_int_equal(pd_rule_shortfall(&p, PD_RULE_MAX_SPONSORED, 0, &w), 2);
    /* the shortfall is 0 exactly when the rule holds */
    for (int r = 0; r < PD_RULE_COUNT; r++)
        assert_int_equal(pd_rule_shortfall(&p, (pd_rule)r, 4971, &w) == 0,
                         !(pd_policy_failures(&p, 4971, &w) & (1u << r)));

    /* no posts: every rule that needs them lacks at least one */
    pd_window_stats none = {0};
    pd_policy z = policy(30, PD_RULE_MIN_POSTS, 0);
    add_rule(&z, PD_RULE_MIN_SPONSORED, 0);
    add_rule(&z, PD_RULE_MIN_ORGANIC_PER_SPONSORED, 100);
    add_rule(&z, PD_RULE_MIN_AVG_VIEWS, 150); /* 1.5 views */
    add_rule(&z, PD_RULE_MAX_SPONSORED, 0);
    assert_int_equal(pd_rule_shortfall(&z, PD_RULE_MIN_POSTS, 0, &none), 1);
    assert_int_equal(pd_rule_shortfall(&z, PD_RULE_MIN_SPONSORED, 0, &none), 1);
    assert_int_equal(pd_rule_shortfall(&z, PD_RULE_MIN_ORGANIC_PER_SPONSORED, 0, &none), 1);
    assert_int_equal(pd_rule_shortfall(&z, PD_RULE_MIN_AVG_VIEWS, 0, &none), 2);
    assert_int_equal(pd_rule_shortfall(&z, PD_RULE_MAX_SPONSORED, 0, &none), 0);
    z.threshold[PD_RULE_MIN_POSTS] = 5;
    assert_int_equal(pd_rule_shortfall(&z, PD_RULE_MIN_POSTS, 0, &none), 5);

    /* huge thresholds do not overflow */
    pd_policy h = policy(30, PD_RULE_MIN_AVG_VIEWS, PD_DECIMAL_MAX_HUNDREDTHS);
    pd_window_stats big = {.posts = UINT32_MAX, .sponsored = 0, .views = 0};
    assert_true(pd_rule_shortfall(&h, PD_RULE_MIN_AVG_VIEWS, 0, &big) > 0);
}

/* Ten posts: `old` of them on the window's first day, the rest recent. */
static size_t posts_with_old(pd_risk_post *p, size_t old, int64_t old_day)
{
    for (size_t i = 0; i < 10; i++)
        p[i] = (pd_risk_post){.day = i < old ? old_day : TODAY - 3, .sponsored = 0, .views = 100};
    return 10;
}

static void test_posts_leave(void **state)
{
    (void)state;
    pd_policy p = policy(30, PD_RULE_MIN_POSTS, 10);
    pd_risk_post posts[10];
    pd_risk r;

    /* two posts on the window's first day (TODAY - 29) leave tomorrow */
    size_t n = posts_with_old(posts, 2, TODAY - 29);
    assert_int_equal(pd_risk_project(&p, NULL, 0, TODAY, 7, 0, posts, n, &r), 0);
    assert_int_equal(r.cause, PD_RISK_POSTS_LEAVE);
    assert_int_equal(r.day, TODAY + 1);
    assert_int_equal(r.failed, 1u << PD_RULE_MIN_POSTS);
    assert_int_equal(r.change, -1);
    assert_int_equal(r.win.posts, 8);
    assert_int_equal(r.posts_left, 2);
    assert_string_equal(pd_risk_cause_name(r.cause), "posts_leave");

    /* on TODAY - 23 they leave on day 7 (the first day is then TODAY - 22) */
    n = posts_with_old(posts, 1, TODAY - 23);
    assert_int_equal(pd_risk_project(&p, NULL, 0, TODAY, 7, 0, posts, n, &r), 0);
    assert_int_equal(r.cause, PD_RISK_POSTS_LEAVE);
    assert_int_equal(r.day, TODAY + 7);
    assert_int_equal(r.posts_left, 1);
    /* ... which a six-day horizon does not reach */
    assert_int_equal(pd_risk_project(&p, NULL, 0, TODAY, 6, 0, posts, n, &r), 0);
    assert_int_equal(r.cause, PD_RISK_NONE);
    assert_string_equal(pd_risk_cause_name(r.cause), "none");
    /* one day later still: safe for the week */
    n = posts_with_old(posts, 1, TODAY - 22);
    assert_int_equal(pd_risk_project(&p, NULL, 0, TODAY, 7, 0, posts, n, &r), 0);
    assert_int_equal(r.cause, PD_RISK_NONE);

    /* a post dated after today counts from its own day, as the store
     * counts it: one dated tomorrow replaces the post that leaves then ... */
    n = posts_with_old(posts, 1, TODAY - 29);
    pd_risk_post more[11];
    memcpy(more, posts, sizeof posts);
    more[10] = (pd_risk_post){.day = TODAY + 1, .sponsored = 0, .views = 1};
    assert_int_equal(pd_risk_project(&p, NULL, 0, TODAY, 7, 0, more, 11, &r), 0);
    assert_int_equal(r.cause, PD_RISK_NONE);
    /* ... one dated the day after comes a day too late */
    more[10].day = TODAY + 2;
    assert_int_equal(pd_risk_project(&p, NULL, 0, TODAY, 7, 0, more, 11, &r), 0);
    assert_int_equal(r.cause, PD_RISK_POSTS_LEAVE);
    assert_int_equal(r.day, TODAY + 1);
    assert_int_equal(r.win.posts, 9);

    /* average views: the one big post leaving drops the average */
    pd_policy v = policy(30, PD_RULE_MIN_AVG_VIEWS, 50000); /* 500 */
    pd_risk_post pv[3] = {{TODAY - 27, 0, 1300}, {TODAY - 1, 0, 100}, {TODAY, 1, 100}};
    assert_int_equal(pd_risk_project(&v, NULL, 0, TODAY, 7, 0, pv, 3, &r), 0);
    assert_int_equal(r.cause, PD_RISK_POSTS_LEAVE);
    assert_int_equal(r.day, TODAY + 3);
    assert_int_equal(r.win.posts, 2);
    assert_int_equal(r.win.sponsored, 1);
    assert_int_equal(r.win.views, 200);
    assert_int_equal(pd_rule_shortfall(&v, PD_RULE_MIN_AVG_VIEWS, 0, &r.win), 800);

    /* rules that do not read posts never fail by posts leaving */
    pd_policy f = policy(30, PD_RULE_MIN_FOLLOWERS, 1000);
    assert_int_equal(pd_risk_project(&f, NULL, 0, TODAY, 7, 1000, pv, 3, &r), 0);
    assert_int_equal(r.cause, PD_RISK_NONE);
}

static void test_scheduled_policy(void **state)
{
    (void)state;
    pd_policy now = policy(30, PD_RULE_MIN_FOLLOWERS, 1000);
    pd_policy later = policy(30, PD_RULE_MIN_FOLLOWERS, 5000);
    pd_risk_post posts[1] = {{TODAY, 0, 10}};
    pd_risk r;
    pd_risk_change ch[2] = {{TODAY + 3, &later}};
    assert_int_equal(pd_risk_project(&now, ch, 1, TODAY, 7, 3000, posts, 1, &r), 0);
    assert_int_equal(r.cause, PD_RISK_POLICY);
    assert_int_equal(r.day, TODAY + 3);
    assert_int_equal(r.change, 0);
    assert_int_equal(r.failed, 1u << PD_RULE_MIN_FOLLOWERS);
    assert_string_equal(pd_risk_cause_name(r.cause), "policy");
    /* enough followers for both */
    assert_int_equal(pd_risk_project(&now, ch, 1, TODAY, 7, 5000, posts, 1, &r), 0);
    assert_int_equal(r.cause, PD_RISK_NONE);
    /* past the horizon: not yet a risk */
    ch[0].from_day = TODAY + 8;
    assert_int_equal(pd_risk_project(&now, ch, 1, TODAY, 7, 3000, posts, 1, &r), 0);
    assert_int_equal(r.cause, PD_RISK_NONE);
    /* from today or earlier: in force or replaced, not ahead */
    ch[0].from_day = TODAY;
    assert_int_equal(pd_risk_project(&now, ch, 1, TODAY, 7, 3000, posts, 1, &r), 0);
    assert_int_equal(r.cause, PD_RISK_NONE);
    /* two for the same day: the last made wins */
    ch[0] = (pd_risk_change){TODAY + 2, &later};
    ch[1] = (pd_risk_change){TODAY + 2, &now};
    assert_int_equal(pd_risk_project(&now, ch, 2, TODAY, 7, 3000, posts, 1, &r), 0);
    assert_int_equal(r.cause, PD_RISK_NONE);
    ch[0].policy = &now;
    ch[1].policy = &later;
    assert_int_equal(pd_risk_project(&now, ch, 2, TODAY, 7, 3000, posts, 1, &r), 0);
    assert_int_equal(r.day, TODAY + 2);
    assert_int_equal(r.change, 1);

    /* a new policy with a shorter window: posts that today's keeps drop out
     * the day it starts (cause: the policy), and under a longer window a
     * post leaves later (cause: posts leaving, under the new policy) */
    pd_policy p30 = policy(30, PD_RULE_MIN_POSTS, 2);
    pd_policy p7 = policy(7, PD_RULE_MIN_POSTS, 2);
    pd_policy p60 = policy(60, PD_RULE_MIN_POSTS, 2);
    pd_risk_post two[2] = {{TODAY - 10, 0, 1}, {TODAY, 0, 1}};
    pd_risk_change shorter = {TODAY + 4, &p7};
    assert_int_equal(pd_risk_project(&p30, &shorter, 1, TODAY, 7, 0, two, 2, &r), 0);
    assert_int_equal(r.cause, PD_RISK_POLICY);
    assert_int_equal(r.day, TODAY + 4);
    assert_int_equal(r.win.posts, 1);
    pd_risk_post edge[2] = {{TODAY - 29, 0, 1}, {TODAY, 0, 1}};
    pd_risk_change longer = {TODAY + 1, &p60};
    assert_int_equal(pd_risk_project(&p30, &longer, 1, TODAY, 7, 0, edge, 2, &r), 0);
    assert_int_equal(r.cause, PD_RISK_NONE); /* 60 days keep the old post */
    pd_risk_change later_short = {TODAY + 1, &p60};
    pd_risk_change chain[2] = {later_short, {TODAY + 5, &p7}};
    assert_int_equal(pd_risk_project(&p30, chain, 2, TODAY, 7, 0, edge, 2, &r), 0);
    assert_int_equal(r.day, TODAY + 5);
    assert_int_equal(r.cause, PD_RISK_POLICY);
    assert_int_equal(r.change, 1);
}

static void test_bounds(void **state)
{
    (void)state;
    pd_policy p = policy(30, PD_RULE_MIN_POSTS, 1);
    pd_risk_post one[1] = {{TODAY, 0, 1}};
    pd_risk r = {.day = 42};
    assert_int_equal(pd_risk_project(&p, NULL, 0, TODAY, 0, 0, one, 1, &r), -1);
    assert_int_equal(pd_risk_project(&p, NULL, 0, TODAY, PD_RISK_HORIZON_MAX + 1, 0, one, 1, &r),
                     -1);
    assert_int_equal(r.day, 42);
    assert_int_equal(pd_risk_project(&p, NULL, 0, TODAY, PD_RISK_HORIZON_MAX, 0, one, 1, &r), 0);
    assert_int_equal(r.day, TODAY + 30); /* the post leaves after 30 days */
    /* views that overflow a window */
    pd_risk_post huge[2] = {{TODAY, 0, UINT64_MAX}, {TODAY, 0, 2}};
    assert_int_equal(pd_risk_project(&p, NULL, 0, TODAY, 7, 0, huge, 2, &r), -1);
}

/* The property: against a slow re-count for random posts and policies. */
static void test_against_recount(void **state)
{
    (void)state;
    pd_rng g;
    pd_rng_seed(&g, 11);
    for (int round = 0; round < 400; round++) {
        uint32_t win = 1 + (uint32_t)pd_rng_below(&g, 40);
        pd_policy p = policy(win, PD_RULE_MIN_POSTS, pd_rng_below(&g, 6));
        add_rule(&p, PD_RULE_MIN_AVG_VIEWS, pd_rng_below(&g, 40000));
        add_rule(&p, PD_RULE_MIN_ORGANIC_PER_SPONSORED, pd_rng_below(&g, 300));
        pd_policy q =
            policy(1 + (uint32_t)pd_rng_below(&g, 40), PD_RULE_MIN_SPONSORED, pd_rng_below(&g, 3));
        pd_risk_change ch = {TODAY + 1 + (int64_t)pd_rng_below(&g, 9), &q};
        size_t nchanges = pd_rng_below(&g, 2);
        pd_risk_post posts[40];
        size_t n = pd_rng_below(&g, 40);
        for (size_t i = 0; i < n; i++)
            posts[i] = (pd_risk_post){.day = TODAY - (int64_t)pd_rng_below(&g, 45) + 2,
                                      .sponsored = pd_rng_below(&g, 3) == 0,
                                      .views = pd_rng_below(&g, 1000)};
        unsigned horizon = 1 + (unsigned)pd_rng_below(&g, 10);
        pd_risk r;
        assert_int_equal(pd_risk_project(&p, &ch, nchanges, TODAY, horizon, 0, posts, n, &r), 0);
        int64_t want = 0;
        for (unsigned k = 1; k <= horizon && !want; k++) {
            int64_t day = TODAY + k;
            const pd_policy *pol = nchanges && ch.from_day <= day ? &q : &p;
            pd_window_stats w = {0};
            for (size_t i = 0; i < n; i++)
                if (posts[i].day > day - (int64_t)pol->window_days && posts[i].day <= day)
                    assert_int_equal(pd_stats_add_post(&w, posts[i].sponsored, posts[i].views), 0);
            if (pd_policy_failures(pol, 0, &w))
                want = day;
        }
        if (want == 0) {
            assert_int_equal(r.cause, PD_RISK_NONE);
        } else {
            assert_int_equal(r.day, want);
            assert_int_not_equal(r.failed, 0);
            assert_int_equal(r.cause, nchanges && ch.from_day == want ? PD_RISK_POLICY
                                                                      : PD_RISK_POSTS_LEAVE);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shortfall),        cmocka_unit_test(test_posts_leave),
        cmocka_unit_test(test_scheduled_policy), cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_against_recount),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
