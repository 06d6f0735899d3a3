/* test_shortfall.c - what a failed rule lacks (core/shortfall.h): each
 * rule at its exact threshold and one short of it, a window without posts,
 * counts near PD_COUNT_MAX and thresholds at their largest (no overflow),
 * and a property: the shortfall is 0 exactly when pd_policy_failures says
 * the rule holds, and adding the shortfall makes it hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/shortfall.h"
#include "util/num.h"

static pd_policy one_rule(pd_rule r, uint64_t t)
{
    pd_policy p = {.name = "t", .window_days = 30, .rules = 1u << r};
    p.threshold[r] = t;
    return p;
}

static uint64_t lack(pd_rule r, uint64_t t, uint64_t followers, uint32_t posts, uint32_t sponsored,
                     uint64_t views)
{
    pd_policy p = one_rule(r, t);
    pd_window_stats w = {.posts = posts, .sponsored = sponsored, .views = views};
    return pd_rule_shortfall(&p, r, followers, &w);
}

static void test_exact_thresholds(void **state)
{
    (void)state;
    assert_int_equal(lack(PD_RULE_MIN_FOLLOWERS, 5000, 5000, 0, 0, 0), 0);
    assert_int_equal(lack(PD_RULE_MIN_FOLLOWERS, 5000, 4999, 0, 0, 0), 1);
    assert_int_equal(lack(PD_RULE_MIN_FOLLOWERS, 5000, 9000, 0, 0, 0), 0);
    /* 4 posts at 2.5 views: 10 views in all */
    assert_int_equal(lack(PD_RULE_MIN_AVG_VIEWS, 250, 0, 4, 0, 10), 0);
    assert_int_equal(lack(PD_RULE_MIN_AVG_VIEWS, 250, 0, 4, 0, 9), 1);
    /* 3 posts at 2.5: 7.5, so 8 views in all */
    assert_int_equal(lack(PD_RULE_MIN_AVG_VIEWS, 250, 0, 3, 0, 7), 1);
    assert_int_equal(lack(PD_RULE_MIN_AVG_VIEWS, 250, 0, 3, 0, 8), 0);
    /* 2 sponsored at 1.5 organic each: 3 organic */
    assert_int_equal(lack(PD_RULE_MIN_ORGANIC_PER_SPONSORED, 150, 0, 5, 2, 0), 0);
    assert_int_equal(lack(PD_RULE_MIN_ORGANIC_PER_SPONSORED, 150, 0, 4, 2, 0), 1);
    /* no sponsored post: any organic count passes */
    assert_int_equal(lack(PD_RULE_MIN_ORGANIC_PER_SPONSORED, 150, 0, 1, 0, 0), 0);
    assert_int_equal(lack(PD_RULE_MIN_SPONSORED, 3, 0, 9, 3, 0), 0);
    assert_int_equal(lack(PD_RULE_MIN_SPONSORED, 3, 0, 9, 1, 0), 2);
    assert_int_equal(lack(PD_RULE_MIN_POSTS, 12, 0, 12, 0, 0), 0);
    assert_int_equal(lack(PD_RULE_MIN_POSTS, 12, 0, 11, 0, 0), 1);
    assert_int_equal(lack(PD_RULE_MAX_SPONSORED, 3, 0, 9, 3, 0), 0);
    assert_int_equal(lack(PD_RULE_MAX_SPONSORED, 3, 0, 9, 5, 0), 2);
    assert_int_equal(lack(PD_RULE_MAX_SPONSORED, 0, 0, 9, 1, 0), 1);
}

static void test_zero_posts(void **state)
{
    (void)state;
    /* a rule about posts fails without posts whatever its threshold */
    assert_int_equal(lack(PD_RULE_MIN_POSTS, 0, 0, 0, 0, 0), 1);
    assert_int_equal(lack(PD_RULE_MIN_POSTS, 5, 0, 0, 0, 0), 5);
    assert_int_equal(lack(PD_RULE_MIN_SPONSORED, 0, 0, 0, 0, 0), 1);
    assert_int_equal(lack(PD_RULE_MIN_SPONSORED, 2, 0, 0, 0, 0), 2);
    assert_int_equal(lack(PD_RULE_MIN_ORGANIC_PER_SPONSORED, 100, 0, 0, 0, 0), 1);
    /* as if one post with no views were there: 1.5 views needs 2 */
    assert_int_equal(lack(PD_RULE_MIN_AVG_VIEWS, 150, 0, 0, 0, 0), 2);
    assert_int_equal(lack(PD_RULE_MIN_AVG_VIEWS, 0, 0, 0, 0, 0), 1);
    /* followers and "at most" sponsored do not need posts */
    assert_int_equal(lack(PD_RULE_MIN_FOLLOWERS, 0, 0, 0, 0, 0), 0);
    assert_int_equal(lack(PD_RULE_MAX_SPONSORED, 0, 0, 0, 0, 0), 0);
}

static void test_large_counts(void **state)
{
    (void)state;
    assert_int_equal(lack(PD_RULE_MIN_FOLLOWERS, PD_COUNT_MAX, 0, 0, 0, 0), PD_COUNT_MAX);
    assert_int_equal(lack(PD_RULE_MIN_FOLLOWERS, PD_COUNT_MAX, PD_COUNT_MAX - 1, 0, 0, 0), 1);
    assert_int_equal(lack(PD_RULE_MIN_FOLLOWERS, 5000, PD_COUNT_MAX, 0, 0, 0), 0);
    /* the largest average over the most posts: t * n exceeds 64 bits */
    uint64_t t = PD_DECIMAL_MAX_HUNDREDTHS;
    unsigned __int128 want = ((unsigned __int128)t * UINT32_MAX + 99) / 100;
    uint64_t got = lack(PD_RULE_MIN_AVG_VIEWS, t, 0, UINT32_MAX, 0, 0);
    assert_true(got == (want > UINT64_MAX ? UINT64_MAX : (uint64_t)want));
    assert_true(got > 0);
    /* views near the count limit meet a modest average */
    assert_int_equal(lack(PD_RULE_MIN_AVG_VIEWS, 100, 0, 1000, 0, PD_COUNT_MAX), 0);
    /* many sponsored posts at a large ratio */
    assert_int_equal(lack(PD_RULE_MIN_ORGANIC_PER_SPONSORED, 1000000, 0, UINT32_MAX, UINT32_MAX, 0),
                     (uint64_t)UINT32_MAX * 10000);
}

/* Over a grid of windows: 0 exactly when the rule holds, and the shortfall
 * added (to followers, views, organic or sponsored posts, or removed from
 * sponsored) makes the rule hold. */
static void test_property(void **state)
{
    (void)state;
    static const uint64_t thresholds[PD_RULE_COUNT] = {[PD_RULE_MIN_FOLLOWERS] = 5000,
                                                       [PD_RULE_MIN_AVG_VIEWS] = 123456,
                                                       [PD_RULE_MIN_ORGANIC_PER_SPONSORED] = 250,
                                                       [PD_RULE_MIN_SPONSORED] = 3,
                                                       [PD_RULE_MIN_POSTS] = 7,
                                                       [PD_RULE_MAX_SPONSORED] = 2};
    for (int r = 0; r < PD_RULE_COUNT; r++) {
        pd_policy p = one_rule((pd_rule)r, thresholds[r]);
        for (uint32_t posts = 0; posts <= 12; posts++)
            for (uint32_t sp = 0; sp <= posts; sp++)
                for (uint64_t views = 0; views <= 20000; views += 2857)
                    for (uint64_t fol = 4990; fol <= 5010; fol += 5) {
                        pd_window_stats w = {.posts = posts, .sponsored = sp, .views = views};
                        uint64_t more = pd_rule_shortfall(&p, (pd_rule)r, fol, &w);
                        int fails = (pd_policy_failures(&p, fol, &w) & (1u << r)) != 0;
                        assert_int_equal(more == 0, !fails);
                        if (!fails || posts == 0)
                            continue;
                        switch ((pd_rule)r) {
                        case PD_RULE_MIN_FOLLOWERS: fol += more; break;
                        case PD_RULE_MIN_AVG_VIEWS: w.views += more; break;
                        case PD_RULE_MIN_ORGANIC_PER_SPONSORED:
                        case PD_RULE_MIN_POSTS: w.posts += (uint32_t)more; break;
                        case PD_RULE_MIN_SPONSORED:
                            w.posts += (uint32_t)more;
                            w.sponsored += (uint32_t)more;
                            break;
                        case PD_RULE_MAX_SPONSORED:
                            w.posts -= (uint32_t)more;
                            w.sponsored -= (uint32_t)more;
                            break;
                        default: break;
                        }
                        assert_false(pd_policy_failures(&p, fol, &w) & (1u << r));
                        assert_int_equal(pd_rule_shortfall(&p, (pd_rule)r, fol, &w), 0);
                        if (r == PD_RULE_MIN_FOLLOWERS)
                            fol -= more;
                    }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_thresholds),
        cmocka_unit_test(test_zero_posts),
        cmocka_unit_test(test_large_counts),
        cmocka_unit_test(test_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
