/* test_policy.c - certification policies: every rule at, just below and just
 * above its threshold, the no-posts case, the presets of certification.md,
 * the wording of explanations, and the JSON file format (docs/policies.md):
 * what it accepts, what it refuses and that each refusal names the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/num.h"
#include "core/policy.h"

#define BIT(r) (1u << (r))
#define ALL_RULES (BIT(PD_RULE_COUNT) - 1)
/* the rules a creator without posts fails whatever the thresholds */
#define NEEDS_POSTS                                                                                \
    (BIT(PD_RULE_MIN_AVG_VIEWS) | BIT(PD_RULE_MIN_ORGANIC_PER_SPONSORED) |                         \
     BIT(PD_RULE_MIN_SPONSORED) | BIT(PD_RULE_MIN_POSTS))

/* A zeroed policy (so that memcmp compares it) with one rule. */
static pd_policy one_rule(pd_rule r, uint64_t threshold)
{
    pd_policy p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "one-%s", pd_rule_key(r));
    p.window_days = 30;
    p.rules = BIT(r);
    p.threshold[r] = threshold;
    return p;
}

/* The failures of p for a creator with these followers and window. */
static uint32_t judge(const pd_policy *p, uint64_t followers, uint32_t posts, uint32_t sponsored,
                      uint64_t views)
{
    pd_window_stats s = {posts, sponsored, views};
    uint32_t f = pd_policy_failures(p, followers, &s);
    assert_int_equal(f & ~p->rules, 0); /* only rules of the policy can fail */
    return f;
}

/* ---- rule keys ------------------------------------------------------------------ */

static void test_rule_keys(void **state)
{
    (void)state;
    static const char *const keys[PD_RULE_COUNT] = {
        "min_followers", "min_avg_views", "min_organic_per_sponsored",
        "min_sponsored", "min_posts",     "max_sponsored"};
    for (int r = 0; r < PD_RULE_COUNT; r++) {
        assert_string_equal(pd_rule_key((pd_rule)r), keys[r]);
        assert_int_equal(pd_rule_from_key(keys[r], strlen(keys[r])), r);
    }
    assert_null(pd_rule_key(PD_RULE_COUNT));
    assert_null(pd_rule_key((pd_rule)-1));
    assert_int_equal(pd_rule_from_key("min_follower", 12), -1);
    assert_int_equal(pd_rule_from_key("min_followers_", 14), -1);
    assert_int_equal(pd_rule_from_key("min_followersX", 13), PD_RULE_MIN_FOLLOWERS);
    assert_int_equal(pd_rule_from_key("MIN_FOLLOWERS", 13), -1);
    assert_int_equal(pd_rule_from_key("", 0), -1);
    assert_int_equal(pd_rule_is_decimal(PD_RULE_MIN_AVG_VIEWS), 1);
    assert_int_equal(pd_rule_is_decimal(PD_RULE_MIN_ORGANIC_PER_SPONSORED), 1);
    assert_int_equal(pd_rule_is_decimal(PD_RULE_MIN_FOLLOWERS), 0);
    assert_int_equal(pd_rule_is_decimal(PD_RULE_MIN_SPONSORED), 0);
    assert_int_equal(pd_rule_is_decimal(PD_RULE_MIN_POSTS), 0);
    assert_int_equal(pd_rule_is_decimal(PD_RULE_MAX_SPONSORED), 0);
    assert_int_equal(pd_rule_is_decimal(PD_RULE_COUNT), 0);
}

/* ---- every rule at, below and above its threshold -------------------------------- */

static void test_rule_min_followers(void **state)
{
    (void)state;
    pd_policy p = one_rule(PD_RULE_MIN_FOLLOWERS, 5000);
    assert_int_equal(judge(&p, 4999, 10, 2, 100000), BIT(PD_RULE_MIN_FOLLOWERS));
    assert_int_equal(judge(&p, 5000, 10, 2, 100000), 0);
    assert_int_equal(judge(&p, 5001, 10, 2, 100000), 0);
    assert_int_equal(judge(&p, 0, 10, 2, 100000), BIT(PD_RULE_MIN_FOLLOWERS));
    /* needs no posts */
    assert_int_equal(judge(&p, 5000, 0, 0, 0), 0);
    assert_int_equal(judge(&p, 4999, 0, 0, 0), BIT(PD_RULE_MIN_FOLLOWERS));
    p.threshold[PD_RULE_MIN_FOLLOWERS] = 0;
    assert_int_equal(judge(&p, 0, 0, 0, 0), 0);
    p.threshold[PD_RULE_MIN_FOLLOWERS] = PD_COUNT_MAX;
    assert_int_equal(judge(&p, PD_COUNT_MAX, 0, 0, 0), 0);
    assert_int_equal(judge(&p, PD_COUNT_MAX - 1, 0, 0, 0), BIT(PD_RULE_MIN_FOLLOWERS));
}

static void test_rule_min_avg_views(void **state)
{
    (void)state;
    const uint32_t F = BIT(PD_RULE_MIN_AVG_VIEWS);
    pd_policy p = one_rule(PD_RULE_MIN_AVG_VIEWS, 10000 * 100);
    /* 2 posts: 9999.5, 10000, 10000.5 */
    assert_int_equal(judge(&p, 0, 2, 0, 19999), F);
    assert_int_equal(judge(&p, 0, 2, 0, 20000), 0);
    assert_int_equal(judge(&p, 0, 2, 0, 20001), 0);
    /* exact, not rounded: 3 posts averaging 9999.999... fail */
    assert_int_equal(judge(&p, 0, 3, 0, 29999), F);
    assert_int_equal(judge(&p, 0, 3, 0, 30000), 0);

    /* a decimal threshold: 10000.5 */
    p.threshold[PD_RULE_MIN_AVG_VIEWS] = 1000050;
    assert_int_equal(judge(&p, 0, 2, 0, 20000), F); /* 10000.00 */
    assert_int_equal(judge(&p, 0, 2, 0, 20001), 0); /* 10000.50 */
    assert_int_equal(judge(&p, 0, 2, 0, 20002), 0); /* 10001.00 */
    assert_int_equal(judge(&p, 0, 3, 0, 30001), F); /* 10000.33 */
    assert_int_equal(judge(&p, 0, 3, 0, 30002), 0); /* 10000.67 */
    /* the average rounds to 10000.50 but is below it: fail */
    assert_int_equal(judge(&p, 0, 200, 0, 2000099), F); /* 10000.495 */
    assert_int_equal(judge(&p, 0, 200, 0, 2000100), 0);

    /* huge totals do not overflow the comparison */
    p.threshold[PD_RULE_MIN_AVG_VIEWS] = PD_COUNT_MAX * 100;
    assert_int_equal(judge(&p, 0, UINT32_MAX, 0, UINT64_MAX), F);
    assert_int_equal(judge(&p, 0, 18, 0, UINT64_MAX), 0);

    /* no posts: fails even with a threshold of 0 */
    p.threshold[PD_RULE_MIN_AVG_VIEWS] = 0;
    assert_int_equal(judge(&p, 100000, 0, 0, 0), F);
    assert_int_equal(judge(&p, 0, 1, 0, 0), 0);
}

static void test_rule_min_organic_per_sponsored(void **state)
{
    (void)state;
    const uint32_t F = BIT(PD_RULE_MIN_ORGANIC_PER_SPONSORED);
    /* 4 organic per sponsored, as red-2019-v2: 3 sponsored need 12 organic */
    pd_policy p = one_rule(PD_RULE_MIN_ORGANIC_PER_SPONSORED, 400);
    assert_int_equal(judge(&p, 0, 14, 3, 0), F); /* 11 organic */
    assert_int_equal(judge(&p, 0, 15, 3, 0), 0); /* 12 */
    assert_int_equal(judge(&p, 0, 16, 3, 0), 0); /* 13 */
    /* a decimal ratio: 2.5 per sponsored; 4 sponsored need 10 organic */
    p.threshold[PD_RULE_MIN_ORGANIC_PER_SPONSORED] = 250;
    assert_int_equal(judge(&p, 0, 13, 4, 0), F); /* 9 */
    assert_int_equal(judge(&p, 0, 14, 4, 0), 0); /* 10 */
    assert_int_equal(judge(&p, 0, 15, 4, 0), 0); /* 11 */
    /* 3 sponsored need 7.5 organic: 7 fails, 8 passes */
    assert_int_equal(judge(&p, 0, 10, 3, 0), F);
    assert_int_equal(judge(&p, 0, 11, 3, 0), 0);
    /* no sponsored post: any organic count will do */
    assert_int_equal(judge(&p, 0, 1, 0, 0), 0);
    /* only sponsored posts */
    assert_int_equal(judge(&p, 0, 2, 2, 0), F);
    /* no posts at all: fails */
    assert_int_equal(judge(&p, 0, 0, 0, 0), F);
    p.threshold[PD_RULE_MIN_ORGANIC_PER_SPONSORED] = 0;
    assert_int_equal(judge(&p, 0, 0, 0, 0), F);
    assert_int_equal(judge(&p, 0, 5, 5, 0), 0);
}

static void test_rule_min_sponsored(void **state)
{
    (void)state;
    const uint32_t F = BIT(PD_RULE_MIN_SPONSORED);
    pd_policy p = one_rule(PD_RULE_MIN_SPONSORED, 4);
    assert_int_equal(judge(&p, 0, 20, 3, 0), F);
    assert_int_equal(judge(&p, 0, 20, 4, 0), 0);
    assert_int_equal(judge(&p, 0, 20, 5, 0), 0);
    assert_int_equal(judge(&p, 0, 0, 0, 0), F);
    p.threshold[PD_RULE_MIN_SPONSORED] = 0;
    assert_int_equal(judge(&p, 0, 0, 0, 0), F); /* needs posts */
    assert_int_equal(judge(&p, 0, 1, 0, 0), 0);
}

static void test_rule_min_posts(void **state)
{
    (void)state;
    const uint32_t F = BIT(PD_RULE_MIN_POSTS);
    pd_policy p = one_rule(PD_RULE_MIN_POSTS, 5);
    assert_int_equal(judge(&p, 0, 4, 0, 0), F);
    assert_int_equal(judge(&p, 0, 5, 0, 0), 0);
    assert_int_equal(judge(&p, 0, 6, 0, 0), 0);
    assert_int_equal(judge(&p, 0, 5, 5, 0), 0); /* sponsored posts count too */
    p.threshold[PD_RULE_MIN_POSTS] = 0;
    assert_int_equal(judge(&p, 0, 0, 0, 0), F); /* needs posts */
}

static void test_rule_max_sponsored(void **state)
{
    (void)state;
    const uint32_t F = BIT(PD_RULE_MAX_SPONSORED);
    pd_policy p = one_rule(PD_RULE_MAX_SPONSORED, 8);
    assert_int_equal(judge(&p, 0, 20, 7, 0), 0);
    assert_int_equal(judge(&p, 0, 20, 8, 0), 0);
    assert_int_equal(judge(&p, 0, 20, 9, 0), F);
    /* needs no posts: none is at most 8 */
    assert_int_equal(judge(&p, 0, 0, 0, 0), 0);
    p.threshold[PD_RULE_MAX_SPONSORED] = 0;
    assert_int_equal(judge(&p, 0, 0, 0, 0), 0);
    assert_int_equal(judge(&p, 0, 3, 0, 0), 0);
    assert_int_equal(judge(&p, 0, 3, 1, 0), F);
}

/* A creator without posts fails every rule that needs posts, and only those,
 * whatever the thresholds. */
static void test_no_posts_fails_rules_needing_posts(void **state)
{
    (void)state;
    pd_policy p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "%s", "all-zero");
    p.window_days = 30;
    p.rules = ALL_RULES;
    pd_error err;
    assert_int_equal(pd_policy_validate(&p, &err), PD_OK);
    assert_int_equal(judge(&p, 0, 0, 0, 0), NEEDS_POSTS);
    assert_int_equal(judge(&p, PD_COUNT_MAX, 0, 0, 0), NEEDS_POSTS);
    /* with one post every zero threshold holds */
    assert_int_equal(judge(&p, 0, 1, 0, 0), 0);

    p.threshold[PD_RULE_MIN_FOLLOWERS] = 100;
    p.threshold[PD_RULE_MAX_SPONSORED] = 100;
    p.threshold[PD_RULE_MIN_AVG_VIEWS] = 100;
    assert_int_equal(judge(&p, 100, 0, 0, 0), NEEDS_POSTS);
    assert_int_equal(judge(&p, 99, 0, 0, 0), NEEDS_POSTS | BIT(PD_RULE_MIN_FOLLOWERS));
}

/* ---- presets ------------------------------------------------------------------ */

static void test_preset_v1(void **state)
{
    (void)state;
    const pd_policy *p = pd_policy_preset("red-2019-v1");
    assert_non_null(p);
    assert_string_equal(p->name, "red-2019-v1");
    assert_int_equal(p->window_days, 30);
    assert_int_equal(p->rules, BIT(PD_RULE_MIN_FOLLOWERS));
    assert_int_equal(p->threshold[PD_RULE_MIN_FOLLOWERS], 1000);
    pd_error err;
    assert_int_equal(pd_policy_validate(p, &err), PD_OK);
    /* followers >= 1000, posts or not */
    assert_int_equal(judge(p, 999, 50, 0, 1000000), BIT(PD_RULE_MIN_FOLLOWERS));
    assert_int_equal(judge(p, 1000, 0, 0, 0), 0);
}

static void test_preset_v2(void **state)
{
    (void)state;
    const pd_policy *p = pd_policy_preset("red-2019-v2");
    assert_non_null(p);
    assert_string_equal(p->name, "red-2019-v2");
    assert_int_equal(p->window_days, 30);
    assert_int_equal(p->rules, BIT(PD_RULE_MIN_FOLLOWERS) | BIT(PD_RULE_MIN_AVG_VIEWS) |
                                   BIT(PD_RULE_MIN_ORGANIC_PER_SPONSORED) |
                                   BIT(PD_RULE_MIN_SPONSORED));
    assert_int_equal(p->threshold[PD_RULE_MIN_FOLLOWERS], 5000);
    assert_int_equal(p->threshold[PD_RULE_MIN_AVG_VIEWS], 10000 * 100);
    assert_int_equal(p->threshold[PD_RULE_MIN_ORGANIC_PER_SPONSORED], 4 * 100);
    assert_int_equal(p->threshold[PD_RULE_MIN_SPONSORED], 4);
    pd_error err;
    assert_int_equal(pd_policy_validate(p, &err), PD_OK);

    /* just certified: 5000 followers, 20 posts of which 4 sponsored (16 = 4 x 4
     * organic), 10000 views on average */
    assert_int_equal(judge(p, 5000, 20, 4, 200000), 0);
    assert_int_equal(judge(p, 4999, 20, 4, 200000), BIT(PD_RULE_MIN_FOLLOWERS));
    assert_int_equal(judge(p, 5000, 20, 4, 199999), BIT(PD_RULE_MIN_AVG_VIEWS));
    assert_int_equal(judge(p, 5000, 19, 4, 190000), BIT(PD_RULE_MIN_ORGANIC_PER_SPONSORED));
    assert_int_equal(judge(p, 5000, 15, 3, 150000), BIT(PD_RULE_MIN_SPONSORED));
    /* v1-certified, lost under v2 for lack of posts */
    assert_int_equal(judge(p, 100000, 0, 0, 0), BIT(PD_RULE_MIN_AVG_VIEWS) |
                                                    BIT(PD_RULE_MIN_ORGANIC_PER_SPONSORED) |
                                                    BIT(PD_RULE_MIN_SPONSORED));
}

static void test_preset_names(void **state)
{
    (void)state;
    size_t n = 0;
    for (const char *const *name = pd_policy_preset_names; *name; name++, n++) {
        const pd_policy *p = pd_policy_preset(*name);
        assert_non_null(p);
        assert_string_equal(p->name, *name);
    }
    assert_int_equal(n, 2);
    assert_null(pd_policy_preset("red-2019-v3"));
    assert_null(pd_policy_preset(""));
    assert_null(pd_policy_preset("RED-2019-V1"));
}

/* ---- explanations ----------------------------------------------------------- */

static void assert_explains(const pd_policy *p, uint64_t followers, uint32_t posts,
                            uint32_t sponsored, uint64_t views, const char *want)
{
    pd_window_stats s = {posts, sponsored, views};
    uint32_t failed = pd_policy_failures(p, followers, &s);
    char buf[512];
    memset(buf, 'x', sizeof buf);
    size_t n = pd_policy_explain(p, failed, followers, &s, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
    assert_int_equal(failed == 0, want[0] == '\0');
}

static void test_explain_wording(void **state)
{
    (void)state;
    const pd_policy *v2 = pd_policy_preset("red-2019-v2");
    assert_explains(v2, 3120, 10, 2, 200000, "followers 3120 < 5000; sponsored 2 < 4");
    assert_explains(v2, 6000, 20, 4, 146430, "avg_views 7321.50 < 10000");
    assert_explains(v2, 6000, 19, 4, 190000, "organic 15 < 4 x sponsored 4");
    assert_explains(v2, 3120, 8, 2, 58572,
                    "followers 3120 < 5000; avg_views 7321.50 < 10000; "
                    "organic 6 < 4 x sponsored 2; sponsored 2 < 4");
    assert_explains(v2, 5000, 20, 4, 200000, "");
    /* the average in the explanation is rounded half up */
    assert_explains(v2, 5000, 20, 4, 199999, "avg_views 9999.95 < 10000");
    assert_explains(v2, 5000, 200, 40, 1999999, "avg_views 10000.00 < 10000");

    pd_policy p = one_rule(PD_RULE_MIN_POSTS, 5);
    assert_explains(&p, 0, 3, 0, 0, "posts 3 < 5");
    p = one_rule(PD_RULE_MAX_SPONSORED, 8);
    assert_explains(&p, 0, 20, 9, 0, "sponsored 9 > 8");
    p = one_rule(PD_RULE_MIN_AVG_VIEWS, 1000050);
    assert_explains(&p, 0, 2, 0, 20000, "avg_views 10000.00 < 10000.5");
    p = one_rule(PD_RULE_MIN_ORGANIC_PER_SPONSORED, 250);
    assert_explains(&p, 0, 13, 4, 0, "organic 9 < 2.5 x sponsored 4");
    p = one_rule(PD_RULE_MIN_ORGANIC_PER_SPONSORED, 225);
    assert_explains(&p, 0, 10, 4, 0, "organic 6 < 2.25 x sponsored 4");
}

static void test_explain_no_posts(void **state)
{
    (void)state;
    const pd_policy *v2 = pd_policy_preset("red-2019-v2");
    assert_explains(v2, 7000, 0, 0, 0,
                    "avg_views 0.00 < 10000 (no posts in the 30-day window); "
                    "organic 0 < 4 x sponsored 0 (no posts in the 30-day window); "
                    "sponsored 0 < 4 (no posts in the 30-day window)");
    pd_policy p = one_rule(PD_RULE_MIN_POSTS, 0);
    p.window_days = 7;
    assert_explains(&p, 0, 0, 0, 0, "posts 0 < 0 (no posts in the 7-day window)");
}

static void test_explain_buffer(void **state)
{
    (void)state;
    const pd_policy *v2 = pd_policy_preset("red-2019-v2");
    pd_window_stats s = {10, 2, 200000};
    const char *full = "followers 3120 < 5000; sponsored 2 < 4";
    uint32_t failed = pd_policy_failures(v2, 3120, &s);
    /* too short: truncated, NUL-terminated, the needed length returned */
    char small[11];
    memset(small, 'x', sizeof small);
    assert_int_equal(pd_policy_explain(v2, failed, 3120, &s, small, sizeof small), strlen(full));
    assert_string_equal(small, "followers ");
    /* no buffer at all: only the length */
    assert_int_equal(pd_policy_explain(v2, failed, 3120, &s, NULL, 0), strlen(full));
    /* only the failed rules of the policy are explained */
    char buf[128];
    assert_int_equal(pd_policy_explain(v2, 0, 3120, &s, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    pd_policy one = one_rule(PD_RULE_MIN_FOLLOWERS, 5000);
    pd_policy_explain(&one, failed, 3120, &s, buf, sizeof buf);
    assert_string_equal(buf, "followers 3120 < 5000");
}

static void test_format_threshold(void **state)
{
    (void)state;
    static const struct {
        pd_rule rule;
        uint64_t t;
        const char *want;
    } cases[] = {
        {PD_RULE_MIN_FOLLOWERS, 5000, "5000"},
        {PD_RULE_MIN_FOLLOWERS, 0, "0"},
        {PD_RULE_MIN_POSTS, 250, "250"},
        {PD_RULE_MIN_AVG_VIEWS, 1000000, "10000"},
        {PD_RULE_MIN_AVG_VIEWS, 1000050, "10000.5"},
        {PD_RULE_MIN_AVG_VIEWS, 1000055, "10000.55"},
        {PD_RULE_MIN_AVG_VIEWS, 0, "0"},
        {PD_RULE_MIN_ORGANIC_PER_SPONSORED, 250, "2.5"},
        {PD_RULE_MIN_ORGANIC_PER_SPONSORED, 25, "0.25"},
        {PD_RULE_MIN_ORGANIC_PER_SPONSORED, 5, "0.05"},
        {PD_RULE_MIN_ORGANIC_PER_SPONSORED, 400, "4"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        size_t n = pd_rule_format_threshold(cases[i].rule, cases[i].t, buf);
        assert_string_equal(buf, cases[i].want);
        assert_int_equal(n, strlen(cases[i].want));
    }
}

/* ---- JSON: accepted ------------------------------------------------------------ */

static pd_policy parse_ok(const char *json)
{
    pd_policy p;
    pd_error err;
    pd_error_clear(&err);
    int rc = pd_policy_parse_json(json, strlen(json), &p, &err);
    if (rc != PD_OK)
        print_error("refused: %s\n%s\n", err.msg, json);
    assert_int_equal(rc, PD_OK);
    return p;
}

static void test_json_good_file(void **state)
{
    (void)state;
    const char *json = "{\n"
                       "  \"name\": \"red-2019-v2\",\n"
                       "  \"description\": \"The 2019 change.\",\n"
                       "  \"window_days\": 30,\n"
                       "  \"rules\": {\n"
                       "    \"min_followers\": 5000,\n"
                       "    \"min_avg_views\": 10000,\n"
                       "    \"min_organic_per_sponsored\": 4,\n"
                       "    \"min_sponsored\": 4\n"
                       "  }\n"
                       "}\n";
    pd_policy p = parse_ok(json);
    const pd_policy *v2 = pd_policy_preset("red-2019-v2");
    assert_string_equal(p.name, "red-2019-v2");
    assert_string_equal(p.description, "The 2019 change.");
    assert_int_equal(p.window_days, 30);
    assert_int_equal(p.rules, v2->rules);
    for (int r = 0; r < PD_RULE_COUNT; r++)
        assert_int_equal(p.threshold[r], v2->threshold[r]);
}

static void test_json_decimals_and_all_rules(void **state)
{
    (void)state;
    pd_policy p = parse_ok("{\"rules\": {\"min_avg_views\": 10000.5,"
                           " \"min_organic_per_sponsored\": 2.5, \"min_followers\": 0,"
                           " \"min_sponsored\": 2, \"max_sponsored\": 2, \"min_posts\": 7},"
                           " \"window_days\": 7, \"name\": \"my_policy.v3\"}");
    assert_string_equal(p.name, "my_policy.v3");
    assert_string_equal(p.description, "");
    assert_int_equal(p.window_days, 7);
    assert_int_equal(p.rules, ALL_RULES);
    assert_int_equal(p.threshold[PD_RULE_MIN_AVG_VIEWS], 1000050);
    assert_int_equal(p.threshold[PD_RULE_MIN_ORGANIC_PER_SPONSORED], 250);
    assert_int_equal(p.threshold[PD_RULE_MIN_FOLLOWERS], 0);
    assert_int_equal(p.threshold[PD_RULE_MIN_SPONSORED], 2);
    assert_int_equal(p.threshold[PD_RULE_MAX_SPONSORED], 2);
    assert_int_equal(p.threshold[PD_RULE_MIN_POSTS], 7);

    /* two decimals, and values whose double is not exact */
    p = parse_ok("{\"name\":\"a\",\"window_days\":1,\"rules\":{\"min_avg_views\":0.29}}");
    assert_int_equal(p.threshold[PD_RULE_MIN_AVG_VIEWS], 29);
    p = parse_ok("{\"name\":\"a\",\"window_days\":1,\"rules\":{\"min_avg_views\":1.15}}");
    assert_int_equal(p.threshold[PD_RULE_MIN_AVG_VIEWS], 115);
    p = parse_ok("{\"name\":\"a\",\"window_days\":1,\"rules\":{\"min_avg_views\":10000.01}}");
    assert_int_equal(p.threshold[PD_RULE_MIN_AVG_VIEWS], 1000001);
    p = parse_ok("{\"name\":\"a\",\"window_days\":3660,"
                 "\"rules\":{\"min_organic_per_sponsored\":0.05}}");
    assert_int_equal(p.threshold[PD_RULE_MIN_ORGANIC_PER_SPONSORED], 5);
    assert_int_equal(p.window_days, 3660);
    /* a decimal rule may be written as a real without a fraction */
    p = parse_ok("{\"name\":\"a\",\"window_days\":1,\"rules\":{\"min_avg_views\":5000.0}}");
    assert_int_equal(p.threshold[PD_RULE_MIN_AVG_VIEWS], 500000);
    /* the largest counts */
    p = parse_ok("{\"name\":\"a\",\"window_days\":1,\"rules\":{"
                 "\"min_followers\":1000000000000000,\"min_avg_views\":10000000000000}}");
    assert_int_equal(p.threshold[PD_RULE_MIN_FOLLOWERS], PD_COUNT_MAX);
    assert_int_equal(p.threshold[PD_RULE_MIN_AVG_VIEWS], PD_DECIMAL_MAX_HUNDREDTHS);
    /* min_sponsored equal to max_sponsored is possible */
    p = parse_ok("{\"name\":\"a\",\"window_days\":1,"
                 "\"rules\":{\"min_sponsored\":3,\"max_sponsored\":3}}");
    assert_int_equal(p.rules, BIT(PD_RULE_MIN_SPONSORED) | BIT(PD_RULE_MAX_SPONSORED));
}

/* ---- JSON: refused, naming the field -------------------------------------------- */

/* Asserts that json is refused with PD_EINPUT, that the message contains
 * `field`, and that *out is untouched. */
static void assert_refused_naming(const char *json, const char *field)
{
    pd_policy p;
    memset(&p, 0xab, sizeof p);
    pd_policy before = p;
    pd_error err;
    pd_error_clear(&err);
    int rc = pd_policy_parse_json(json, strlen(json), &p, &err);
    if (rc == PD_OK)
        print_error("accepted: %s\n", json);
    assert_int_equal(rc, PD_EINPUT);
    assert_int_equal(err.code, PD_EINPUT);
    if (!strstr(err.msg, field))
        print_error("message '%s' does not name '%s'\n(for %s)\n", err.msg, field, json);
    assert_non_null(strstr(err.msg, field));
    assert_memory_equal(&p, &before, sizeof p);
}

#define GOOD_HEAD "\"name\": \"p\", \"window_days\": 30, "

static void test_json_unknown_names(void **state)
{
    (void)state;
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_follower\": 10}}", "min_follower");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_followers\": 10, \"max_views\": 1}}",
                          "rules.max_views");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_followers\": 10}, \"windowdays\": 3}",
                          "windowdays");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_followers\": 10}, \"Name\": \"x\"}",
                          "Name");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"MIN_FOLLOWERS\": 10}}", "MIN_FOLLOWERS");
}

static void test_json_wrong_types(void **state)
{
    (void)state;
    /* a string where a number belongs */
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_followers\": \"5000\"}}",
                          "rules.min_followers");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_avg_views\": \"10000\"}}",
                          "rules.min_avg_views");
    /* a real for a count rule ("5000.0 is a decimal, not a whole number") */
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_followers\": 5000.0}}",
                          "rules.min_followers");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_sponsored\": 4.5}}",
                          "rules.min_sponsored");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_posts\": 1e3}}", "rules.min_posts");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"max_sponsored\": true}}",
                          "rules.max_sponsored");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_organic_per_sponsored\": null}}",
                          "rules.min_organic_per_sponsored");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_avg_views\": [1]}}",
                          "rules.min_avg_views");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": [\"min_followers\"]}", "rules");
    assert_refused_naming("{\"name\": 5, \"window_days\": 30, \"rules\": {\"min_posts\": 1}}",
                          "name");
    assert_refused_naming("{\"name\": \"p\", \"window_days\": \"30\", "
                          "\"rules\": {\"min_posts\": 1}}",
                          "window_days");
    assert_refused_naming("{\"name\": \"p\", \"window_days\": 30.0, "
                          "\"rules\": {\"min_posts\": 1}}",
                          "window_days");
    assert_refused_naming("{" GOOD_HEAD "\"description\": 1, \"rules\": {\"min_posts\": 1}}",
                          "description");
}

static void test_json_negative_and_too_large(void **state)
{
    (void)state;
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_followers\": -1}}",
                          "rules.min_followers");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_avg_views\": -1}}",
                          "rules.min_avg_views");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_avg_views\": -0.5}}",
                          "rules.min_avg_views");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_organic_per_sponsored\": -2.5}}",
                          "rules.min_organic_per_sponsored");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"max_sponsored\": -4}}",
                          "rules.max_sponsored");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_followers\": 1000000000000001}}",
                          "rules.min_followers");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_avg_views\": 1000000000000001}}",
                          "rules.min_avg_views");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_avg_views\": 1e300}}",
                          "rules.min_avg_views");
}

static void test_json_more_than_two_decimals(void **state)
{
    (void)state;
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_avg_views\": 2.555}}",
                          "rules.min_avg_views");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_avg_views\": 0.001}}",
                          "rules.min_avg_views");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_organic_per_sponsored\": 2.505}}",
                          "rules.min_organic_per_sponsored");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_avg_views\": 999.995}}",
                          "rules.min_avg_views");
}

/* Regression: the "more than two decimals" check used a tolerance relative
 * to the value, so above about 1000 a third decimal slipped through
 * ({"min_avg_views": 10000.001} was read as 10000). docs/policies.md says a
 * threshold with more than two decimals is refused. */
static void test_json_more_than_two_decimals_large_values(void **state)
{
    (void)state;
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_avg_views\": 10000.001}}",
                          "rules.min_avg_views");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_avg_views\": 10000.005}}",
                          "rules.min_avg_views");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_avg_views\": 123456.789}}",
                          "rules.min_avg_views");
}

/* Duplicate keys are refused by jansson (JSON_REJECT_DUPLICATES), whose
 * message ends "duplicate object key near '"window_days"'": it names the key. */
static void test_json_duplicate_keys(void **state)
{
    (void)state;
    const char *dup_top = "{\"name\": \"p\", \"window_days\": 30, \"window_days\": 7, "
                          "\"rules\": {\"min_posts\": 1}}";
    pd_policy p;
    pd_error err;
    assert_int_equal(pd_policy_parse_json(dup_top, strlen(dup_top), &p, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "duplicate"));
    assert_refused_naming(dup_top, "window_days");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_posts\": 1, \"min_posts\": 2}}",
                          "min_posts");
}

static void test_json_missing_fields(void **state)
{
    (void)state;
    assert_refused_naming("{\"window_days\": 30, \"rules\": {\"min_posts\": 1}}", "name");
    assert_refused_naming("{\"name\": \"p\", \"rules\": {\"min_posts\": 1}}", "window_days");
    assert_refused_naming("{\"name\": \"p\", \"window_days\": 30}", "rules");
    assert_refused_naming("{\"description\": \"only this\"}", "name");
    assert_refused_naming("{}", "name");
}

static void test_json_window_out_of_range(void **state)
{
    (void)state;
    assert_refused_naming("{\"name\": \"p\", \"window_days\": 0, \"rules\": {\"min_posts\": 1}}",
                          "window_days");
    assert_refused_naming("{\"name\": \"p\", \"window_days\": -30, "
                          "\"rules\": {\"min_posts\": 1}}",
                          "window_days");
    assert_refused_naming("{\"name\": \"p\", \"window_days\": 3661, "
                          "\"rules\": {\"min_posts\": 1}}",
                          "window_days");
    assert_refused_naming("{\"name\": \"p\", \"window_days\": 99999999999, "
                          "\"rules\": {\"min_posts\": 1}}",
                          "window_days");
    parse_ok("{\"name\": \"p\", \"window_days\": 1, \"rules\": {\"min_posts\": 1}}");
    parse_ok("{\"name\": \"p\", \"window_days\": 3660, \"rules\": {\"min_posts\": 1}}");
}

static void test_json_contradictions_and_empty_rules(void **state)
{
    (void)state;
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"min_sponsored\": 5, \"max_sponsored\": 4}}",
                          "min_sponsored");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {\"max_sponsored\": 4, \"min_sponsored\": 5}}",
                          "max_sponsored");
    assert_refused_naming("{" GOOD_HEAD "\"rules\": {}}", "rules");
}

static void test_json_bad_names_and_text(void **state)
{
    (void)state;
    assert_refused_naming("{\"name\": \"\", \"window_days\": 30, \"rules\": {\"min_posts\": 1}}",
                          "name");
    assert_refused_naming("{\"name\": \"red 2019\", \"window_days\": 30, "
                          "\"rules\": {\"min_posts\": 1}}",
                          "name");
    assert_refused_naming("{\"name\": \"../etc/passwd\", \"window_days\": 30, "
                          "\"rules\": {\"min_posts\": 1}}",
                          "name");
    assert_refused_naming("{\"name\": \"a\\u0000b\", \"window_days\": 30, "
                          "\"rules\": {\"min_posts\": 1}}",
                          "name");
    char json[1024];
    char longname[PD_POLICY_NAME_MAX + 1];
    memset(longname, 'n', PD_POLICY_NAME_MAX);
    longname[PD_POLICY_NAME_MAX] = '\0';
    snprintf(json, sizeof json,
             "{\"name\": \"%s\", \"window_days\": 30, "
             "\"rules\": {\"min_posts\": 1}}",
             longname);
    assert_refused_naming(json, "name");
    longname[PD_POLICY_NAME_MAX - 1] = '\0'; /* 63 characters: fine */
    snprintf(json, sizeof json,
             "{\"name\": \"%s\", \"window_days\": 30, "
             "\"rules\": {\"min_posts\": 1}}",
             longname);
    pd_policy p = parse_ok(json);
    assert_string_equal(p.name, longname);
    char longdesc[PD_POLICY_DESC_MAX + 1];
    memset(longdesc, 'd', PD_POLICY_DESC_MAX);
    longdesc[PD_POLICY_DESC_MAX] = '\0';
    snprintf(json, sizeof json,
             "{\"name\": \"p\", \"description\": \"%s\", "
             "\"window_days\": 30, \"rules\": {\"min_posts\": 1}}",
             longdesc);
    assert_refused_naming(json, "description");

    /* not JSON, or not an object: the message says where or what */
    assert_refused_naming("{\"name\": \"p\",", "line 1");
    assert_refused_naming("", "line");
    assert_refused_naming("[1, 2]", "object");
    assert_refused_naming("\"red-2019-v2\"", "line 1");
    assert_refused_naming("{\"name\": \"p\"} trailing", "line 1");
}

/* ---- validate --------------------------------------------------------------------- */

static void assert_invalid(const pd_policy *p, const char *field)
{
    pd_error err;
    pd_error_clear(&err);
    assert_int_equal(pd_policy_validate(p, &err), PD_EINPUT);
    if (!strstr(err.msg, field))
        print_error("message '%s' does not name '%s'\n", err.msg, field);
    assert_non_null(strstr(err.msg, field));
}

static void test_validate(void **state)
{
    (void)state;
    pd_policy p = one_rule(PD_RULE_MIN_POSTS, 3);
    pd_error err;
    assert_int_equal(pd_policy_validate(&p, &err), PD_OK);

    pd_policy q = p;
    q.rules |= 1u << PD_RULE_COUNT; /* a rule that does not exist */
    assert_invalid(&q, "rules");
    q = p;
    q.rules = 0;
    assert_invalid(&q, "rules");
    q = p;
    q.window_days = 0;
    assert_invalid(&q, "window_days");
    q = p;
    q.window_days = PD_POLICY_WINDOW_MAX + 1;
    assert_invalid(&q, "window_days");
    q = p;
    q.name[0] = '\0';
    assert_invalid(&q, "name");
    q = p;
    memset(q.name, 'a', sizeof q.name); /* no NUL */
    assert_invalid(&q, "name");
    q = p;
    snprintf(q.name, sizeof q.name, "%s", "a/b");
    assert_invalid(&q, "name");
    q = p;
    q.threshold[PD_RULE_MIN_POSTS] = PD_COUNT_MAX + 1;
    assert_invalid(&q, "rules.min_posts");
    q = one_rule(PD_RULE_MIN_AVG_VIEWS, PD_DECIMAL_MAX_HUNDREDTHS + 1);
    assert_invalid(&q, "rules.min_avg_views");
    q = one_rule(PD_RULE_MIN_AVG_VIEWS, PD_DECIMAL_MAX_HUNDREDTHS);
    assert_int_equal(pd_policy_validate(&q, &err), PD_OK);
    /* a threshold of a rule that is off does not matter */
    q = p;
    q.threshold[PD_RULE_MIN_FOLLOWERS] = UINT64_MAX;
    assert_int_equal(pd_policy_validate(&q, &err), PD_OK);
}

/* ---- to_json round trips --------------------------------------------------------- */

static void assert_round_trips(const pd_policy *p)
{
    char json[2048];
    size_t n = pd_policy_to_json(p, json, sizeof json);
    assert_true(n < sizeof json);
    assert_int_equal(strlen(json), n);
    pd_policy back;
    pd_error err;
    pd_error_clear(&err);
    int rc = pd_policy_parse_json(json, n, &back, &err);
    if (rc != PD_OK)
        print_error("%s\nrefused: %s\n", json, err.msg);
    assert_int_equal(rc, PD_OK);
    assert_string_equal(back.name, p->name);
    assert_string_equal(back.description, p->description);
    assert_int_equal(back.window_days, p->window_days);
    assert_int_equal(back.rules, p->rules);
    for (int r = 0; r < PD_RULE_COUNT; r++) {
        if (!(p->rules & BIT(r)))
            continue;
        if (back.threshold[r] != p->threshold[r])
            print_error("%s: %s\n", pd_rule_key((pd_rule)r), json);
        assert_int_equal(back.threshold[r], p->threshold[r]);
    }
}

static void test_to_json_presets(void **state)
{
    (void)state;
    assert_round_trips(pd_policy_preset("red-2019-v1"));
    assert_round_trips(pd_policy_preset("red-2019-v2"));
    char json[2048];
    pd_policy_to_json(pd_policy_preset("red-2019-v1"), json, sizeof json);
    assert_string_equal(json, "{\n"
                              "  \"name\": \"red-2019-v1\",\n"
                              "  \"description\": \"Before the 2019 change: at least 1000 "
                              "followers.\",\n"
                              "  \"window_days\": 30,\n"
                              "  \"rules\": {\n"
                              "    \"min_followers\": 1000\n"
                              "  }\n"
                              "}\n");
}

static void test_to_json_round_trip(void **state)
{
    (void)state;
    pd_policy p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "%s", "every_rule.v1");
    snprintf(p.description, sizeof p.description, "%s",
             "Quotes \"here\", a back\\slash, a\ttab, a\nnewline, caf\xc3\xa9.");
    p.window_days = 90;
    p.rules = ALL_RULES;
    p.threshold[PD_RULE_MIN_FOLLOWERS] = 12345;
    p.threshold[PD_RULE_MIN_AVG_VIEWS] = 1000050;
    p.threshold[PD_RULE_MIN_ORGANIC_PER_SPONSORED] = 225;
    p.threshold[PD_RULE_MIN_SPONSORED] = 1;
    p.threshold[PD_RULE_MIN_POSTS] = 0;
    p.threshold[PD_RULE_MAX_SPONSORED] = 9;
    assert_round_trips(&p);

    /* no description, one rule */
    pd_policy q = one_rule(PD_RULE_MIN_ORGANIC_PER_SPONSORED, 5);
    assert_round_trips(&q);

    /* every hundredths value of a decimal rule from 0 to 100.00 */
    for (uint64_t t = 0; t <= 10000; t++) {
        q = one_rule(PD_RULE_MIN_AVG_VIEWS, t);
        assert_round_trips(&q);
    }
    /* large counts, and large decimals whose double is still exact enough */
    q = one_rule(PD_RULE_MIN_FOLLOWERS, PD_COUNT_MAX);
    assert_round_trips(&q);
    q = one_rule(PD_RULE_MIN_AVG_VIEWS, PD_DECIMAL_MAX_HUNDREDTHS);
    assert_round_trips(&q);
    q = one_rule(PD_RULE_MIN_AVG_VIEWS, 123456789012345ULL); /* 1234567890123.45 */
    assert_round_trips(&q);
}

/* Decimal thresholds are read through a double, so they are capped below
 * 2^53 hundredths: every accepted one, up to the largest with cents, comes
 * back exactly ("9999999999999.99"). */
static void test_to_json_round_trip_largest_decimals(void **state)
{
    (void)state;
    pd_policy q = one_rule(PD_RULE_MIN_AVG_VIEWS, PD_DECIMAL_MAX_HUNDREDTHS - 1);
    assert_round_trips(&q);
    q = one_rule(PD_RULE_MIN_ORGANIC_PER_SPONSORED, PD_DECIMAL_MAX_HUNDREDTHS - 1);
    assert_round_trips(&q);
}

static void test_to_json_truncation(void **state)
{
    (void)state;
    const pd_policy *v2 = pd_policy_preset("red-2019-v2");
    char full[2048];
    size_t n = pd_policy_to_json(v2, full, sizeof full);
    assert_int_equal(strlen(full), n);
    char small[20];
    memset(small, 'x', sizeof small);
    assert_int_equal(pd_policy_to_json(v2, small, sizeof small), n);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_memory_equal(small, full, sizeof small - 1);
    assert_int_equal(pd_policy_to_json(v2, NULL, 0), n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_keys),
        cmocka_unit_test(test_rule_min_followers),
        cmocka_unit_test(test_rule_min_avg_views),
        cmocka_unit_test(test_rule_min_organic_per_sponsored),
        cmocka_unit_test(test_rule_min_sponsored),
        cmocka_unit_test(test_rule_min_posts),
        cmocka_unit_test(test_rule_max_sponsored),
        cmocka_unit_test(test_no_posts_fails_rules_needing_posts),
        cmocka_unit_test(test_preset_v1),
        cmocka_unit_test(test_preset_v2),
        cmocka_unit_test(test_preset_names),
        cmocka_unit_test(test_explain_wording),
        cmocka_unit_test(test_explain_no_posts),
        cmocka_unit_test(test_explain_buffer),
        cmocka_unit_test(test_format_threshold),
        cmocka_unit_test(test_json_good_file),
        cmocka_unit_test(test_json_decimals_and_all_rules),
        cmocka_unit_test(test_json_unknown_names),
        cmocka_unit_test(test_json_wrong_types),
        cmocka_unit_test(test_json_negative_and_too_large),
        cmocka_unit_test(test_json_more_than_two_decimals),
        cmocka_unit_test(test_json_more_than_two_decimals_large_values),
        cmocka_unit_test(test_json_duplicate_keys),
        cmocka_unit_test(test_json_missing_fields),
        cmocka_unit_test(test_json_window_out_of_range),
        cmocka_unit_test(test_json_contradictions_and_empty_rules),
        cmocka_unit_test(test_json_bad_names_and_text),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_to_json_presets),
        cmocka_unit_test(test_to_json_round_trip),
        cmocka_unit_test(test_to_json_round_trip_largest_decimals),
        cmocka_unit_test(test_to_json_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
