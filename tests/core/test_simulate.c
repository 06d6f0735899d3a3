/* test_simulate.c - policy impact simulation on small hand-built populations
 * with known answers, and the sweep checked against judging every threshold
 * one by one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/simulate.h"

#define BIT(r) (1u << (r))

/* Categories of the hand-built population. */
enum { BEAUTY, FOOD, TECH, NCAT };

/*
 * Six creators, judged by red-2019-v1 (followers >= 1000) and red-2019-v2
 * (followers >= 5000, avg views >= 10000, organic >= 4 x sponsored,
 * sponsored >= 4):
 *
 *   id  cat     followers  mcn  posts spons views      v1  v2
 *   1   beauty        800    0     20     0   400000    no  no   never
 *   2   beauty       1500    7     20     4   400000   yes  no   lost
 *   3   food         6000    0     20     4   400000   yes yes   kept
 *   4   food        60000    7     20     4   100000   yes  no   lost (avg 5000)
 *   5   tech       120000    0     25     5   250000   yes yes   kept (avg 10000, 20 = 4 x 5)
 *   6   tech        20000    9     19     4   380000   yes  no   lost (15 < 16)
 */
static const pd_creator people[] = {
    {1, 800, 0, BEAUTY, 2}, {2, 1500, 7, BEAUTY, 3}, {3, 6000, 0, FOOD, 4},
    {4, 60000, 7, FOOD, 5}, {5, 120000, 0, TECH, 6}, {6, 20000, 9, TECH, 7},
};
static const pd_window_stats windows[] = {
    {20, 0, 400000}, {20, 4, 400000}, {20, 4, 400000},
    {20, 4, 100000}, {25, 5, 250000}, {19, 4, 380000},
};
#define NPEOPLE (sizeof people / sizeof people[0])

static pd_sim_input input_for(const pd_policy *pols, size_t np, const pd_window_stats **stats)
{
    for (size_t p = 0; p < np; p++)
        stats[p] = windows;
    pd_sim_input in = {.creators = people,
                       .n = NPEOPLE,
                       .ncategories = NCAT,
                       .policies = pols,
                       .npolicies = np,
                       .stats = stats};
    return in;
}

/* red-2019-v1 (the baseline) and red-2019-v2 over the six creators. */
static pd_sim_input presets_input(pd_policy pols[2], const pd_window_stats *stats[2])
{
    pols[0] = *pd_policy_preset("red-2019-v1");
    pols[1] = *pd_policy_preset("red-2019-v2");
    return input_for(pols, 2, stats);
}

static void assert_trans(const pd_sim_trans *t, uint64_t kept, uint64_t lost, uint64_t gained,
                         uint64_t never)
{
    assert_int_equal(t->kept, kept);
    assert_int_equal(t->lost, lost);
    assert_int_equal(t->gained, gained);
    assert_int_equal(t->never, never);
}

static void test_presets_transitions(void **state)
{
    (void)state;
    pd_policy pols[2];
    const pd_window_stats *stats[2];
    pd_sim_input in = presets_input(pols, stats);
    pd_sim_result r;
    pd_error err;
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    assert_int_equal(r.creators, 6);
    assert_int_equal(r.npolicies, 2);
    assert_string_equal(r.policies[1].name, "red-2019-v2");
    /* the baseline against itself */
    assert_trans(&r.overall[0], 5, 0, 0, 1);
    assert_trans(&r.overall[1], 2, 3, 0, 1);
    assert_int_equal(pd_sim_certified(&r.overall[1]), 2);
    assert_int_equal(pd_sim_baseline(&r.overall[1]), 5);
    assert_int_equal(pd_sim_total(&r.overall[1]), 6);

    assert_int_equal(r.ngroups[PD_SIM_BY_CATEGORY], NCAT);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_CATEGORY, BEAUTY, 1), 0, 1, 0, 1);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_CATEGORY, FOOD, 1), 1, 1, 0, 0);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_CATEGORY, TECH, 1), 1, 1, 0, 0);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_CATEGORY, BEAUTY, 0), 1, 0, 0, 1);

    /* tiers: 800 <1k; 1500 1k-5k; 6000 5k-10k; 20000 10k-50k; 60000 50k-100k;
     * 120000 >=100k */
    assert_int_equal(r.ngroups[PD_SIM_BY_TIER], PD_TIER_COUNT);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_TIER, 0, 1), 0, 0, 0, 1);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_TIER, 1, 1), 0, 1, 0, 0);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_TIER, 2, 1), 1, 0, 0, 0);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_TIER, 3, 1), 0, 1, 0, 0);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_TIER, 4, 1), 0, 1, 0, 0);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_TIER, 5, 1), 1, 0, 0, 0);

    /* MCN members: 2, 4, 6 (all lost); independents: 1 never, 3 and 5 kept */
    assert_int_equal(r.ngroups[PD_SIM_BY_MCN], 2);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_MCN, PD_SIM_MCN_MEMBER, 1), 0, 3, 0, 0);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_MCN, PD_SIM_MCN_INDEPENDENT, 1), 2, 0, 0, 1);
    assert_int_equal(r.has_sweep, 0);
    assert_null(r.sweep_points);
    pd_sim_result_free(&r);
    pd_sim_result_free(&r); /* twice is harmless */
}

static void test_gained_and_three_policies(void **state)
{
    (void)state;
    /* "active": 20 posts or more, whatever the followers: creators 1..5. */
    pd_policy active = {.name = "active",
                        .window_days = 30,
                        .rules = BIT(PD_RULE_MIN_POSTS),
                        .threshold = {[PD_RULE_MIN_POSTS] = 20}};
    pd_policy pols[3] = {*pd_policy_preset("red-2019-v2"), *pd_policy_preset("red-2019-v1"),
                         active};
    const pd_window_stats *stats[3];
    pd_sim_input in = input_for(pols, 3, stats);
    pd_sim_result r;
    pd_error err;
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    /* baseline v2 = {3, 5}; v1 = {2..6}: gains 2, 4, 6 */
    assert_trans(&r.overall[0], 2, 0, 0, 4);
    assert_trans(&r.overall[1], 2, 0, 3, 1);
    /* active = {1..5}: keeps 3, 5, gains 1, 2, 4, never 6 */
    assert_trans(&r.overall[2], 2, 0, 3, 1);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_CATEGORY, BEAUTY, 2), 0, 0, 2, 0);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_CATEGORY, TECH, 2), 1, 0, 0, 1);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_MCN, PD_SIM_MCN_MEMBER, 2), 0, 0, 2, 1);
    pd_sim_result_free(&r);
}

static void test_single_policy(void **state)
{
    (void)state;
    pd_policy pols[1] = {*pd_policy_preset("red-2019-v2")};
    const pd_window_stats *stats[1];
    pd_sim_input in = input_for(pols, 1, stats);
    pd_sim_result r;
    pd_error err;
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    assert_int_equal(r.npolicies, 1);
    assert_trans(&r.overall[0], 2, 0, 0, 4);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_CATEGORY, FOOD, 0), 1, 0, 0, 1);
    pd_sim_result_free(&r);
}

static void test_different_windows(void **state)
{
    (void)state;
    /* The second policy reads its own window's statistics. */
    static const pd_window_stats empty[NPEOPLE];
    pd_policy pols[2] = {*pd_policy_preset("red-2019-v1"), *pd_policy_preset("red-2019-v2")};
    pols[1].window_days = 7;
    const pd_window_stats *stats[2] = {windows, empty};
    pd_sim_input in = {.creators = people,
                       .n = NPEOPLE,
                       .ncategories = NCAT,
                       .policies = pols,
                       .npolicies = 2,
                       .stats = stats};
    pd_sim_result r;
    pd_error err;
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    assert_trans(&r.overall[1], 0, 5, 0, 1);
    pd_sim_result_free(&r);
}

static void test_no_creators(void **state)
{
    (void)state;
    pd_policy pols[2] = {*pd_policy_preset("red-2019-v1"), *pd_policy_preset("red-2019-v2")};
    const pd_window_stats *stats[2] = {NULL, NULL};
    pd_sim_sweep_spec sw = {PD_RULE_MIN_FOLLOWERS, 0, 10, 5};
    pd_sim_input in = {.policies = pols, .npolicies = 2, .stats = stats, .sweep = &sw};
    pd_sim_result r;
    pd_error err;
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    assert_int_equal(r.creators, 0);
    assert_int_equal(r.ngroups[PD_SIM_BY_CATEGORY], 0);
    assert_trans(&r.overall[1], 0, 0, 0, 0);
    assert_int_equal(r.nsweep, 3);
    assert_trans(&r.sweep_points[2].trans, 0, 0, 0, 0);
    pd_sim_result_free(&r);
}

/* ---- sweeps with known answers ---------------------------------------- */

static pd_sim_result sweep_of(const pd_policy *pols, size_t np, pd_rule rule, uint64_t from,
                              uint64_t to, uint64_t step)
{
    const pd_window_stats *stats[PD_SIM_MAX_POLICIES];
    pd_sim_input in = input_for(pols, np, stats);
    pd_sim_sweep_spec sw = {rule, from, to, step};
    in.sweep = &sw;
    pd_sim_result r;
    pd_error err;
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    assert_int_equal(r.has_sweep, 1);
    assert_int_equal(r.sweep.rule, rule);
    return r;
}

static void test_sweep_followers_edges(void **state)
{
    (void)state;
    pd_policy pols[2] = {*pd_policy_preset("red-2019-v1"), *pd_policy_preset("red-2019-v2")};
    /* v2's other rules hold for 2 (1500 followers), 3 (6000) and 5 (120000).
     * The step does not divide the range: the last threshold is 126000. */
    pd_sim_result r = sweep_of(pols, 2, PD_RULE_MIN_FOLLOWERS, 0, 130000, 6000);
    assert_int_equal(r.nsweep, 22);
    assert_int_equal(r.sweep_points[0].threshold, 0);
    assert_int_equal(r.sweep_points[21].threshold, 126000);
    assert_trans(&r.sweep_points[0].trans, 3, 2, 0, 1);
    /* threshold 6000 equals creator 3's followers: still passes */
    assert_int_equal(r.sweep_points[1].threshold, 6000);
    assert_trans(&r.sweep_points[1].trans, 2, 3, 0, 1);
    assert_trans(&r.sweep_points[2].trans, 1, 4, 0, 1);
    assert_int_equal(r.sweep_points[20].threshold, 120000);
    assert_trans(&r.sweep_points[20].trans, 1, 4, 0, 1);
    assert_trans(&r.sweep_points[21].trans, 0, 5, 0, 1);
    pd_sim_result_free(&r);

    /* one threshold, from == to, right at a creator's value and one above */
    r = sweep_of(pols, 2, PD_RULE_MIN_FOLLOWERS, 120000, 120000, 1);
    assert_int_equal(r.nsweep, 1);
    assert_int_equal(pd_sim_certified(&r.sweep_points[0].trans), 1);
    pd_sim_result_free(&r);
    r = sweep_of(pols, 2, PD_RULE_MIN_FOLLOWERS, 120001, 120001, 1);
    assert_int_equal(pd_sim_certified(&r.sweep_points[0].trans), 0);
    pd_sim_result_free(&r);
}

static void test_sweep_added_rule_and_single_policy(void **state)
{
    (void)state;
    /* v1 lacks min_posts: sweeping it adds it. One policy: the baseline is
     * the policy as given (certifies 2..6). Posts: 20 20 20 20 25 19. */
    pd_policy pols[1] = {*pd_policy_preset("red-2019-v1")};
    pd_sim_result r = sweep_of(pols, 1, PD_RULE_MIN_POSTS, 0, 26, 1);
    assert_int_equal(r.nsweep, 27);
    assert_trans(&r.sweep_points[0].trans, 5, 0, 0, 1);  /* min_posts 0 */
    assert_trans(&r.sweep_points[19].trans, 5, 0, 0, 1); /* 19: creator 6 still in */
    assert_trans(&r.sweep_points[20].trans, 4, 1, 0, 1);
    assert_trans(&r.sweep_points[21].trans, 1, 4, 0, 1);
    assert_trans(&r.sweep_points[25].trans, 1, 4, 0, 1);
    assert_trans(&r.sweep_points[26].trans, 0, 5, 0, 1);
    /* the result's policy is the one given, not the swept variant */
    assert_int_equal(r.policies[0].rules, BIT(PD_RULE_MIN_FOLLOWERS));
    pd_sim_result_free(&r);
}

static void test_sweep_max_sponsored(void **state)
{
    (void)state;
    /* Sponsored: 0 4 4 4 5 4. max_sponsored passes while threshold >= it,
     * and needs no posts. */
    pd_policy pols[2] = {*pd_policy_preset("red-2019-v1"),
                         {.name = "cap", .window_days = 30, .rules = BIT(PD_RULE_MAX_SPONSORED)}};
    pd_sim_result r = sweep_of(pols, 2, PD_RULE_MAX_SPONSORED, 0, 6, 2);
    assert_int_equal(r.nsweep, 4);
    assert_trans(&r.sweep_points[0].trans, 0, 5, 1, 0); /* 0: creator 1 only  */
    assert_trans(&r.sweep_points[1].trans, 0, 5, 1, 0); /* 2                  */
    assert_trans(&r.sweep_points[2].trans, 4, 1, 1, 0); /* 4: all but 5       */
    assert_trans(&r.sweep_points[3].trans, 5, 0, 1, 0); /* 6: everyone        */
    pd_sim_result_free(&r);
    r = sweep_of(pols, 2, PD_RULE_MAX_SPONSORED, 5, 5, 1);
    assert_trans(&r.sweep_points[0].trans, 5, 0, 1, 0);
    pd_sim_result_free(&r);
}

static void test_sweep_decimal_rules(void **state)
{
    (void)state;
    static const pd_creator one[] = {{1, 10, 0, 0, 2}, {2, 10, 0, 0, 3}, {3, 10, 0, 0, 4}};
    /* 1001 views over 3 posts = 333.666...: passes at 333.66, fails at
     * 333.67. Creator 2: 3 posts, 0 sponsored: any organic ratio passes.
     * Creator 3: no posts: fails every rule that needs posts. */
    static const pd_window_stats st[] = {{3, 1, 1001}, {3, 0, 0}, {0, 0, 0}};
    pd_policy pols[1] = {{.name = "p",
                          .window_days = 30,
                          .rules = BIT(PD_RULE_MIN_FOLLOWERS),
                          .threshold = {[PD_RULE_MIN_FOLLOWERS] = 0}}};
    const pd_window_stats *stats[1] = {st};
    pd_sim_sweep_spec sw = {PD_RULE_MIN_AVG_VIEWS, 33365, 33367, 1};
    pd_sim_input in = {.creators = one,
                       .n = 3,
                       .ncategories = 1,
                       .policies = pols,
                       .npolicies = 1,
                       .stats = stats,
                       .sweep = &sw};
    pd_sim_result r;
    pd_error err;
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    assert_int_equal(pd_sim_certified(&r.sweep_points[0].trans), 1); /* 333.65 */
    assert_int_equal(pd_sim_certified(&r.sweep_points[1].trans), 1); /* 333.66 */
    assert_int_equal(pd_sim_certified(&r.sweep_points[2].trans), 0); /* 333.67 */
    pd_sim_result_free(&r);

    /* organic 2 per sponsored 1 = 200 hundredths */
    sw = (pd_sim_sweep_spec){PD_RULE_MIN_ORGANIC_PER_SPONSORED, 0, 100000, 100};
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    assert_int_equal(pd_sim_certified(&r.sweep_points[0].trans), 2);
    assert_int_equal(pd_sim_certified(&r.sweep_points[2].trans), 2);
    assert_int_equal(pd_sim_certified(&r.sweep_points[3].trans), 1);
    assert_int_equal(pd_sim_certified(&r.sweep_points[1000].trans), 1);
    /* the baseline (min_followers 0) certifies all three */
    assert_trans(&r.sweep_points[3].trans, 1, 2, 0, 0);
    pd_sim_result_free(&r);
}

/* ---- the sweep against brute force ------------------------------------ */

static uint64_t rnd_state = 88172645463325252ull;
static uint64_t rnd(uint64_t n)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state % n;
}

static void test_sweep_matches_brute_force(void **state)
{
    (void)state;
    enum { N = 3000 };
    pd_creator *cr = calloc(N, sizeof *cr);
    pd_window_stats *st = calloc(N, sizeof *st);
    assert_non_null(cr);
    assert_non_null(st);
    for (size_t i = 0; i < N; i++) {
        cr[i].id = (int64_t)i + 1;
        cr[i].followers = rnd(4) == 0 ? rnd(200000) : rnd(12000);
        cr[i].mcn_id = rnd(3) == 0 ? 1 + rnd(5) : 0;
        cr[i].category = (uint32_t)rnd(4);
        st[i].posts = (uint32_t)(rnd(5) == 0 ? 0 : rnd(40));
        st[i].sponsored = st[i].posts ? (uint32_t)rnd(st[i].posts + 1) : 0;
        st[i].views = st[i].posts * rnd(30000);
    }
    pd_policy pols[2] = {*pd_policy_preset("red-2019-v1"), *pd_policy_preset("red-2019-v2")};
    pols[1].rules |= BIT(PD_RULE_MAX_SPONSORED);
    pols[1].threshold[PD_RULE_MAX_SPONSORED] = 9;
    const pd_window_stats *stats[2] = {st, st};
    static const uint64_t ranges[PD_RULE_COUNT][3] = {
        [PD_RULE_MIN_FOLLOWERS] = {0, 60000, 777},
        [PD_RULE_MIN_AVG_VIEWS] = {0, 3000000, 10001},
        [PD_RULE_MIN_ORGANIC_PER_SPONSORED] = {0, 3000, 7},
        [PD_RULE_MIN_SPONSORED] = {0, 20, 1},
        [PD_RULE_MIN_POSTS] = {1, 41, 2},
        [PD_RULE_MAX_SPONSORED] = {0, 30, 1},
    };
    for (int rule = 0; rule < PD_RULE_COUNT; rule++) {
        pd_sim_sweep_spec sw = {(pd_rule)rule, ranges[rule][0], ranges[rule][1], ranges[rule][2]};
        pd_sim_input in = {.creators = cr,
                           .n = N,
                           .ncategories = 4,
                           .policies = pols,
                           .npolicies = 2,
                           .stats = stats,
                           .sweep = &sw};
        pd_sim_result r;
        pd_error err;
        assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
        assert_int_equal(r.nsweep, pd_sim_sweep_count(&sw));
        for (size_t k = 0; k < r.nsweep; k++) {
            pd_policy changed = pols[1];
            changed.rules |= BIT(rule);
            changed.threshold[rule] = sw.from + k * sw.step;
            uint64_t kept = 0, lost = 0, gained = 0, never = 0;
            for (size_t i = 0; i < N; i++) {
                int a = pd_policy_failures(&pols[0], cr[i].followers, &st[i]) == 0;
                int b = pd_policy_failures(&changed, cr[i].followers, &st[i]) == 0;
                kept += a && b;
                lost += a && !b;
                gained += !a && b;
                never += !a && !b;
            }
            assert_int_equal(r.sweep_points[k].threshold, changed.threshold[rule]);
            assert_trans(&r.sweep_points[k].trans, kept, lost, gained, never);
        }
        /* and the transitions of the unchanged policies */
        for (size_t p = 0; p < 2; p++) {
            uint64_t cert = 0;
            for (size_t i = 0; i < N; i++)
                cert += pd_policy_failures(&pols[p], cr[i].followers, &st[i]) == 0;
            assert_int_equal(pd_sim_certified(&r.overall[p]), cert);
            uint64_t sum = 0;
            for (size_t g = 0; g < 4; g++)
                sum += pd_sim_certified(pd_sim_group(&r, PD_SIM_BY_CATEGORY, g, p));
            assert_int_equal(sum, cert);
            sum = 0;
            for (size_t g = 0; g < PD_TIER_COUNT; g++)
                sum += pd_sim_total(pd_sim_group(&r, PD_SIM_BY_TIER, g, p));
            assert_int_equal(sum, N);
        }
        pd_sim_result_free(&r);
    }
    free(cr);
    free(st);
}

/* ---- the breakdown by MCN ------------------------------------------------ */

static void assert_mcn_group(const pd_sim_result *r, size_t g, pd_sim_mcn_kind kind, uint64_t id,
                             uint64_t mcns)
{
    assert_int_equal(r->mcn_groups[g].kind, kind);
    assert_int_equal(r->mcn_groups[g].id, id);
    assert_int_equal(r->mcn_groups[g].mcns, mcns);
}

static void test_by_mcn(void **state)
{
    (void)state;
    pd_policy pols[2];
    const pd_window_stats *stats[2];
    pd_sim_input in = presets_input(pols, stats);
    pd_sim_result r;
    pd_error err;
    /* MCN 7 hosts 2 and 4 (both lost), MCN 9 hosts 6 (lost); 1, 3, 5 are
     * independent (never, kept, kept). */
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    assert_int_equal(r.ngroups[PD_SIM_BY_MCN_ID], 3);
    assert_mcn_group(&r, 0, PD_SIM_MCN_ONE, 7, 1);
    assert_mcn_group(&r, 1, PD_SIM_MCN_ONE, 9, 1);
    assert_mcn_group(&r, 2, PD_SIM_MCN_NONE, 0, 0);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_MCN_ID, 0, 1), 0, 2, 0, 0);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_MCN_ID, 1, 1), 0, 1, 0, 0);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_MCN_ID, 2, 1), 2, 0, 0, 1);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_MCN_ID, 0, 0), 2, 0, 0, 0);
    pd_sim_result_free(&r);
    assert_null(r.mcn_groups);

    /* one MCN on its own: the larger; the other folded in with its count */
    in.mcn_top = 1;
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    assert_int_equal(r.ngroups[PD_SIM_BY_MCN_ID], 3);
    assert_mcn_group(&r, 0, PD_SIM_MCN_ONE, 7, 1);
    assert_mcn_group(&r, 1, PD_SIM_MCN_OTHERS, 0, 1);
    assert_mcn_group(&r, 2, PD_SIM_MCN_NONE, 0, 0);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_MCN_ID, 1, 1), 0, 1, 0, 0);
    pd_sim_result_free(&r);

    /* a tie: MCN 9 also hosts two (creator 5 joins it); the lower id first */
    pd_creator tie[NPEOPLE];
    memcpy(tie, people, sizeof tie);
    tie[4].mcn_id = 9;
    in.creators = tie;
    in.mcn_top = 1;
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    assert_mcn_group(&r, 0, PD_SIM_MCN_ONE, 7, 1);
    assert_mcn_group(&r, 1, PD_SIM_MCN_OTHERS, 0, 1);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_MCN_ID, 1, 1), 1, 1, 0, 0); /* 5 kept, 6 lost */
    pd_sim_result_free(&r);

    /* nobody in an MCN: only the independents */
    pd_creator alone[NPEOPLE];
    memcpy(alone, people, sizeof alone);
    for (size_t i = 0; i < NPEOPLE; i++)
        alone[i].mcn_id = 0;
    in.creators = alone;
    in.mcn_top = 0;
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    assert_int_equal(r.ngroups[PD_SIM_BY_MCN_ID], 1);
    assert_mcn_group(&r, 0, PD_SIM_MCN_NONE, 0, 0);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_MCN_ID, 0, 1), 2, 3, 0, 1);
    pd_sim_result_free(&r);
}

static void test_mcn_index(void **state)
{
    (void)state;
    pd_sim_mcn_index ix;
    pd_error err;
    assert_int_equal(pd_sim_mcn_index_build(people, NPEOPLE, &ix, &err), PD_OK);
    assert_int_equal(ix.n, 2);
    assert_int_equal(ix.ids[0], 7);
    assert_int_equal(ix.ids[1], 9);
    static const uint32_t of[NPEOPLE] = {0, 1, 0, 1, 0, 2};
    for (size_t i = 0; i < NPEOPLE; i++)
        assert_int_equal(ix.of[i], of[i]);
    assert_int_equal(pd_sim_mcn_find(&ix, 9), 1);
    assert_int_equal(pd_sim_mcn_find(&ix, 8), -1);
    assert_int_equal(pd_sim_mcn_find(&ix, 0), -1);

    /* given to the run: the same answer as without */
    pd_policy pols[2];
    const pd_window_stats *stats[2];
    pd_sim_input in = presets_input(pols, stats);
    in.mcns = &ix;
    pd_sim_result r;
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    assert_int_equal(r.ngroups[PD_SIM_BY_MCN_ID], 3);
    assert_mcn_group(&r, 1, PD_SIM_MCN_ONE, 9, 1);
    assert_trans(pd_sim_group(&r, PD_SIM_BY_MCN_ID, 0, 1), 0, 2, 0, 0);
    pd_sim_result_free(&r);

    /* an index that does not fit the creators is refused */
    ix.of[1] = 0; /* creator 2 is in MCN 7 */
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_EINPUT);
    assert_string_equal(err.msg, "creator 2: the MCN index does not match the creators");
    ix.of[1] = 3; /* past the index */
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_EINPUT);
    assert_null(r.groups[0]);
    pd_sim_mcn_index_free(&ix);
    pd_sim_mcn_index_free(&ix); /* twice is harmless */

    /* too many MCNs one by one */
    in.mcns = NULL;
    in.mcn_top = PD_SIM_MCN_TOP_MAX + 1;
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_EUSAGE);
    assert_non_null(strstr(err.msg, "at most 100"));
    in.mcn_top = PD_SIM_MCN_TOP_MAX;
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    pd_sim_result_free(&r);

    /* MCN ids far apart (sorted and searched rather than tabled): the same
     * numbering, by id */
    pd_creator far[5] = {{1, 10, 1000000000000ull, 0, 0},
                         {2, 10, 5, 0, 0},
                         {3, 10, 0, 0, 0},
                         {4, 10, 1000000000000ull, 0, 0},
                         {5, 10, 3, 0, 0}};
    assert_int_equal(pd_sim_mcn_index_build(far, 5, &ix, &err), PD_OK);
    assert_int_equal(ix.n, 3);
    assert_int_equal(ix.ids[0], 3);
    assert_int_equal(ix.ids[2], 1000000000000ull);
    static const uint32_t far_of[5] = {3, 2, 0, 3, 1};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(ix.of[i], far_of[i]);
    pd_sim_mcn_index_free(&ix);

    /* no creators: an empty index, one empty group */
    assert_int_equal(pd_sim_mcn_index_build(people, 0, &ix, &err), PD_OK);
    assert_int_equal(ix.n, 0);
    pd_sim_mcn_index_free(&ix);
}

/* Many MCNs of random sizes: the groups shown are the largest, in order,
 * each counted as judging its members one by one says, and the groups add
 * up to everyone under every policy. */
static void test_by_mcn_matches_brute_force(void **state)
{
    (void)state;
    enum { N = 4000, NMCN = 40, TOP = 7 };
    pd_creator *cr = calloc(N, sizeof *cr);
    pd_window_stats *st = calloc(N, sizeof *st);
    assert_non_null(cr);
    assert_non_null(st);
    for (size_t i = 0; i < N; i++) {
        cr[i].id = (int64_t)i + 1;
        cr[i].followers = rnd(4) == 0 ? rnd(200000) : rnd(12000);
        /* uneven sizes: low numbers host more; ids far apart */
        uint64_t u = rnd(NMCN), v = rnd(NMCN);
        cr[i].mcn_id = rnd(3) == 0 ? 0 : 1000 + 37 * (u < v ? u : v);
        cr[i].category = (uint32_t)rnd(3);
        st[i].posts = (uint32_t)rnd(40);
        st[i].sponsored = st[i].posts ? (uint32_t)rnd(st[i].posts + 1) : 0;
        st[i].views = st[i].posts * rnd(30000);
    }
    pd_policy pols[3] = {*pd_policy_preset("red-2019-v1"), *pd_policy_preset("red-2019-v2"),
                         *pd_policy_preset("red-2019-v2")};
    snprintf(pols[2].name, sizeof pols[2].name, "lower");
    pols[2].threshold[PD_RULE_MIN_FOLLOWERS] = 2000;
    const pd_window_stats *stats[3] = {st, st, st};
    pd_sim_input in = {.creators = cr,
                       .n = N,
                       .ncategories = 3,
                       .policies = pols,
                       .npolicies = 3,
                       .stats = stats,
                       .mcn_top = TOP};
    pd_sim_result r;
    pd_error err;
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    assert_int_equal(r.ngroups[PD_SIM_BY_MCN_ID], TOP + 2);
    uint64_t prev = UINT64_MAX, shown_mcns = 0;
    for (size_t g = 0; g < TOP; g++) {
        const pd_sim_mcn_group *m = &r.mcn_groups[g];
        assert_int_equal(m->kind, PD_SIM_MCN_ONE);
        uint64_t size = 0;
        for (size_t i = 0; i < N; i++)
            size += cr[i].mcn_id == m->id;
        assert_int_equal(pd_sim_total(pd_sim_group(&r, PD_SIM_BY_MCN_ID, g, 0)), size);
        assert_true(size <= prev);
        prev = size;
        shown_mcns++;
        /* nothing left out is larger */
        for (uint64_t k = 0; k < NMCN; k++) {
            uint64_t id = 1000 + 37 * k, other = 0;
            int shown = 0;
            for (size_t h = 0; h < TOP; h++)
                shown |= r.mcn_groups[h].id == id;
            if (shown)
                continue;
            for (size_t i = 0; i < N; i++)
                other += cr[i].mcn_id == id;
            assert_true(other <= size);
        }
        for (size_t p = 0; p < 3; p++) {
            uint64_t kept = 0, lost = 0, gained = 0, never = 0;
            for (size_t i = 0; i < N; i++) {
                if (cr[i].mcn_id != m->id)
                    continue;
                int a = pd_policy_failures(&pols[0], cr[i].followers, &st[i]) == 0;
                int b = pd_policy_failures(&pols[p], cr[i].followers, &st[i]) == 0;
                kept += a && b;
                lost += a && !b;
                gained += !a && b;
                never += !a && !b;
            }
            assert_trans(pd_sim_group(&r, PD_SIM_BY_MCN_ID, g, p), kept, lost, gained, never);
        }
    }
    assert_int_equal(r.mcn_groups[TOP].kind, PD_SIM_MCN_OTHERS);
    assert_int_equal(r.mcn_groups[TOP].mcns + shown_mcns, NMCN);
    assert_int_equal(r.mcn_groups[TOP + 1].kind, PD_SIM_MCN_NONE);
    for (size_t p = 0; p < 3; p++) {
        pd_sim_trans sum = {0};
        for (size_t g = 0; g < TOP + 2; g++) {
            const pd_sim_trans *t = pd_sim_group(&r, PD_SIM_BY_MCN_ID, g, p);
            sum.kept += t->kept;
            sum.lost += t->lost;
            sum.gained += t->gained;
            sum.never += t->never;
        }
        assert_trans(&sum, r.overall[p].kept, r.overall[p].lost, r.overall[p].gained,
                     r.overall[p].never);
        /* independents agree with the membership breakdown */
        const pd_sim_trans *a = pd_sim_group(&r, PD_SIM_BY_MCN_ID, TOP + 1, p);
        const pd_sim_trans *b = pd_sim_group(&r, PD_SIM_BY_MCN, PD_SIM_MCN_INDEPENDENT, p);
        assert_trans(a, b->kept, b->lost, b->gained, b->never);
    }
    pd_sim_result_free(&r);
    free(cr);
    free(st);
}

/* ---- errors ------------------------------------------------------------ */

static void test_sweep_validation(void **state)
{
    (void)state;
    pd_error err;
    pd_sim_sweep_spec ok = {PD_RULE_MIN_FOLLOWERS, 0, 10000, 1};
    assert_int_equal(pd_sim_sweep_validate(&ok, &err), PD_OK);
    assert_int_equal(pd_sim_sweep_count(&ok), 10001);

    pd_sim_sweep_spec s = ok;
    s.step = 0;
    assert_int_equal(pd_sim_sweep_validate(&s, &err), PD_EUSAGE);
    assert_non_null(strstr(err.msg, "STEP must be greater than 0"));

    s = ok;
    s.to = 10001;
    assert_int_equal(pd_sim_sweep_validate(&s, &err), PD_EUSAGE);
    assert_non_null(strstr(err.msg, "10,001 steps is too many"));

    s = (pd_sim_sweep_spec){PD_RULE_MIN_AVG_VIEWS, 150, 100, 1};
    assert_int_equal(pd_sim_sweep_validate(&s, &err), PD_EUSAGE);
    assert_string_equal(err.msg, "sweep min_avg_views: FROM 1.5 is above TO 1");

    s = (pd_sim_sweep_spec){PD_RULE_COUNT, 0, 1, 1};
    assert_int_equal(pd_sim_sweep_validate(&s, &err), PD_EUSAGE);

    s = (pd_sim_sweep_spec){PD_RULE_MIN_POSTS, 1000000000000000ull, 1000000000000001ull, 1};
    assert_int_equal(pd_sim_sweep_validate(&s, &err), PD_EUSAGE);
    assert_non_null(strstr(err.msg, "above the largest threshold"));

    /* the run refuses a bad sweep too, and leaves nothing to free */
    pd_policy pols[1] = {*pd_policy_preset("red-2019-v1")};
    const pd_window_stats *stats[1];
    pd_sim_input in = input_for(pols, 1, stats);
    s = ok;
    s.from = 5;
    s.to = 4;
    in.sweep = &s;
    pd_sim_result r;
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_EUSAGE);
    assert_null(r.sweep_points);
    assert_null(r.groups[0]);
}

static void test_bad_input(void **state)
{
    (void)state;
    pd_policy pols[PD_SIM_MAX_POLICIES + 1];
    for (size_t p = 0; p <= PD_SIM_MAX_POLICIES; p++)
        pols[p] = *pd_policy_preset("red-2019-v1");
    const pd_window_stats *stats[PD_SIM_MAX_POLICIES + 1];
    pd_sim_result r;
    pd_error err;

    pd_sim_input in = input_for(pols, 0, stats);
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_EUSAGE);
    in = input_for(pols, PD_SIM_MAX_POLICIES + 1, stats);
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_EUSAGE);
    in = input_for(pols, PD_SIM_MAX_POLICIES, stats);
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    assert_trans(&r.overall[PD_SIM_MAX_POLICIES - 1], 5, 0, 0, 1);
    pd_sim_result_free(&r);

    in = input_for(pols, 1, stats);
    in.ncategories = TECH; /* creators 5 and 6 are out of range */
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_EINPUT);
    assert_string_equal(err.msg, "creator 5: category index 2 is out of range (2 categories)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presets_transitions),
        cmocka_unit_test(test_gained_and_three_policies),
        cmocka_unit_test(test_single_policy),
        cmocka_unit_test(test_different_windows),
        cmocka_unit_test(test_no_creators),
        cmocka_unit_test(test_sweep_followers_edges),
        cmocka_unit_test(test_sweep_added_rule_and_single_policy),
        cmocka_unit_test(test_sweep_max_sponsored),
        cmocka_unit_test(test_sweep_decimal_rules),
        cmocka_unit_test(test_sweep_matches_brute_force),
        cmocka_unit_test(test_by_mcn),
        cmocka_unit_test(test_mcn_index),
        cmocka_unit_test(test_by_mcn_matches_brute_force),
        cmocka_unit_test(test_sweep_validation),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
