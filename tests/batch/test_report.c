/* test_report.c - rendering a simulation: the text headline and tables, the
 * CSV layout, JSON that parses and carries the numbers, and the charts. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batch/report.h"

#define BIT(r) (1u << (r))

/*
 * The 2019 story in 50,000 creators:
 *   4,012 with 6,000 followers and a window that passes every v2 rule (kept)
 *  12,988 with 2,000 followers and the same window (lost: followers < 5000)
 *  33,000 with 500 followers (never)
 * Categories: "food, drink" (kept ones), "beauty" (lost ones), "travel"
 * (never ones); MCN members: the kept ones.
 */
enum { NKEPT = 4012, NLOST = 12988, NNEVER = 33000, N = NKEPT + NLOST + NNEVER };
static const char *const cats[] = {"travel", "food, drink", "beauty"};

typedef struct fixture {
    pd_creator *cr;
    pd_window_stats *st;
    pd_sim_result sim;
    pd_report rep;
    pd_buf out;
} fixture;

static void build(fixture *f, const pd_policy *pols, size_t np, const pd_sim_sweep_spec *sw)
{
    f->cr = calloc(N, sizeof *f->cr);
    f->st = calloc(N, sizeof *f->st);
    assert_non_null(f->cr);
    assert_non_null(f->st);
    for (size_t i = 0; i < N; i++) {
        f->cr[i].id = (int64_t)i + 1;
        if (i < NKEPT) {
            f->cr[i].followers = 6000;
            f->cr[i].category = 1;
            f->cr[i].mcn_id = 3;
        } else if (i < NKEPT + NLOST) {
            f->cr[i].followers = 2000;
            f->cr[i].category = 2;
        } else {
            f->cr[i].followers = 500;
            f->cr[i].category = 0;
        }
        f->st[i] = (pd_window_stats){20, 4, 20 * 12000};
    }
    const pd_window_stats *stats[PD_SIM_MAX_POLICIES];
    for (size_t p = 0; p < np; p++)
        stats[p] = f->st;
    pd_sim_input in = {.creators = f->cr,
                       .n = N,
                       .ncategories = 3,
                       .policies = pols,
                       .npolicies = np,
                       .stats = stats,
                       .sweep = sw};
    pd_error err;
    assert_int_equal(pd_sim_run(&in, &f->sim, &err), PD_OK);
    f->rep = (pd_report){&f->sim, cats, "2019-06-01T00:00:00Z"};
    pd_buf_init(&f->out, PD_REPORT_MAX);
}

static void teardown_fixture(fixture *f)
{
    pd_sim_result_free(&f->sim);
    pd_buf_free(&f->out);
    free(f->cr);
    free(f->st);
}

static void presets(pd_policy pols[2])
{
    pols[0] = *pd_policy_preset("red-2019-v1");
    pols[1] = *pd_policy_preset("red-2019-v2");
}

/* The lines of the table that starts after the line `title`, up to the
 * next blank line, must all have the same length (right-aligned columns). */
static void assert_table_aligned(const char *text, const char *title)
{
    const char *p = strstr(text, title);
    assert_non_null(p);
    p += strlen(title);
    size_t width = 0, lines = 0;
    while (*p && *p != '\n') {
        const char *e = strchr(p, '\n');
        size_t len = (size_t)(e - p);
        if (lines == 0)
            width = len;
        else if (len != width)
            fail_msg("table '%s': line %zu is %zu wide, the header %zu:\n%.*s", title, lines, len,
                     width, (int)len, p);
        lines++;
        p = e + 1;
    }
    assert_true(lines >= 2);
}

static void test_text_headline(void **state)
{
    (void)state;
    fixture f;
    pd_policy pols[2];
    presets(pols);
    build(&f, pols, 2, NULL);
    pd_error err;
    assert_int_equal(pd_report_text(&f.rep, &f.out, &err), PD_OK);
    const char *t = f.out.data;
    const char *head = "red-2019-v2 keeps 4,012 of the 17,000 creators certified under "
                       "red-2019-v1\n";
    assert_true(strncmp(t, head, strlen(head)) == 0);
    assert_non_null(strstr(t, "\n  lost    12,988  certified under red-2019-v1, not under "
                              "red-2019-v2\n"));
    assert_non_null(strstr(t, "\n  gained       0  certified under red-2019-v2, not under "
                              "red-2019-v1\n"));
    assert_non_null(strstr(t, "\n  never   33,000  certified under neither\n"));
    assert_non_null(strstr(t, "Policies (50,000 creators, as of 2019-06-01T00:00:00Z)\n"));
    assert_non_null(strstr(t, "min_followers 5000, min_avg_views 10000, "
                              "min_organic_per_sponsored 4, min_sponsored 4"));
    assert_non_null(strstr(t, "34.0%")); /* v1 certifies 17,000 of 50,000 */
    assert_non_null(strstr(t, "\nBy category\n"));
    assert_non_null(strstr(t, "\nBy follower tier\n"));
    assert_non_null(strstr(t, "\nMCN vs independent\n"));
    assert_null(strstr(t, "Sweep"));
    /* categories by name: beauty, food, drink, travel */
    const char *b = strstr(t, "\n  beauty "), *fd = strstr(t, "\n  food, drink "),
               *tr = strstr(t, "\n  travel ");
    assert_non_null(b);
    assert_non_null(fd);
    assert_non_null(tr);
    assert_true(b < fd && fd < tr);
    /* beauty: 12,988 creators, all lost; the "all" row; kept % */
    assert_non_null(strstr(t, "\n  category     creators  red-2019-v1  red-2019-v2   kept    lost"
                              "  gained   never  kept %\n"));
    assert_non_null(strstr(t, "\n  beauty         12,988       12,988            0      0  12,988"
                              "       0       0    0.0%\n"));
    assert_non_null(strstr(t, "\n  travel         33,000            0            0      0       0"
                              "       0  33,000       -\n"));
    assert_non_null(strstr(t, "\n  all            50,000       17,000        4,012  4,012  12,988"
                              "       0  33,000   23.6%\n"));
    assert_non_null(strstr(t, "23.6%")); /* 4,012 / 17,000 */
    assert_table_aligned(t, "\nBy category\n");
    assert_table_aligned(t, "\nBy follower tier\n");
    assert_table_aligned(t, "\nMCN vs independent\n");
    /* the tiers are all listed, empty ones too */
    assert_non_null(strstr(t, "\n  >=100k "));
    assert_non_null(strstr(t, "\n  independent "));
    /* no trailing blanks */
    assert_null(strstr(t, " \n"));
    teardown_fixture(&f);
}

static void test_text_one_and_three_policies(void **state)
{
    (void)state;
    fixture f;
    pd_policy one[1] = {*pd_policy_preset("red-2019-v1")};
    build(&f, one, 1, NULL);
    pd_error err;
    assert_int_equal(pd_report_text(&f.rep, &f.out, &err), PD_OK);
    assert_true(strncmp(f.out.data, "red-2019-v1 certifies 17,000 of the 50,000 creators\n", 52) ==
                0);
    assert_null(strstr(f.out.data, "keeps"));
    assert_non_null(strstr(f.out.data, "share"));
    teardown_fixture(&f);

    pd_policy three[3];
    presets(three);
    three[2] = (pd_policy){.name = "tiny",
                           .window_days = 30,
                           .rules = BIT(PD_RULE_MIN_FOLLOWERS),
                           .threshold = {[PD_RULE_MIN_FOLLOWERS] = 100}};
    build(&f, three, 3, NULL);
    assert_int_equal(pd_report_text(&f.rep, &f.out, &err), PD_OK);
    const char *t = f.out.data;
    assert_non_null(strstr(t, "red-2019-v2 keeps 4,012 of the 17,000 creators certified under "
                              "red-2019-v1\n"));
    assert_non_null(strstr(t, "\ntiny keeps 17,000 of the 17,000 creators certified under "
                              "red-2019-v1\n"));
    assert_non_null(strstr(t, "  gained  33,000  certified under tiny, not under red-2019-v1"));
    assert_non_null(strstr(t, "\nBy category: tiny compared with red-2019-v1\n"));
    assert_table_aligned(t, "\nBy category: red-2019-v2 compared with red-2019-v1\n");
    teardown_fixture(&f);
}

static void test_text_sweep(void **state)
{
    (void)state;
    fixture f;
    pd_policy pols[2];
    presets(pols);
    pd_sim_sweep_spec sw = {PD_RULE_MIN_FOLLOWERS, 0, 10000, 2500};
    build(&f, pols, 2, &sw);
    pd_error err;
    assert_int_equal(pd_report_text(&f.rep, &f.out, &err), PD_OK);
    const char *t = f.out.data;
    assert_non_null(strstr(t, "\nSweep of min_followers in red-2019-v2 from 0 to 10000 by 2500 "
                              "(today 5000)\n"));
    assert_non_null(strstr(t,
                           "\nkept, lost and gained compare with the 17,000 creators "
                           "certified under red-2019-v1\n"
                           "  min_followers  certified    kept    lost  gained   never\n"
                           "              0     50,000  17,000       0  33,000       0\n"
                           "           2500      4,012   4,012  12,988       0  33,000\n"
                           "           5000      4,012   4,012  12,988       0  33,000  <- today\n"
                           "           7500          0       0  17,000       0  33,000\n"
                           "          10000          0       0  17,000       0  33,000\n"));
    teardown_fixture(&f);

    /* a rule the policy lacks, with decimals */
    presets(pols);
    sw = (pd_sim_sweep_spec){PD_RULE_MIN_AVG_VIEWS, 1199950, 1200050, 50};
    pols[1].rules &= ~BIT(PD_RULE_MIN_AVG_VIEWS);
    build(&f, pols, 2, &sw);
    assert_int_equal(pd_report_text(&f.rep, &f.out, &err), PD_OK);
    t = f.out.data;
    assert_non_null(strstr(t, "(red-2019-v2 has no min_avg_views rule: the sweep adds it)"));
    assert_non_null(strstr(t, "\n        11999.5      4,012"));
    assert_non_null(strstr(t, "\n          12000      4,012"));
    assert_non_null(strstr(t, "\n        12000.5          0"));
    teardown_fixture(&f);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_csv(void **state)
{
    (void)state;
    fixture f;
    pd_policy pols[2];
    presets(pols);
    pd_sim_sweep_spec sw = {PD_RULE_MIN_ORGANIC_PER_SPONSORED, 350, 450, 25};
    build(&f, pols, 2, &sw);
    pd_error err;
    assert_int_equal(pd_report_csv(&f.rep, &f.out, &err), PD_OK);
    const char *c = f.out.data;
    const char *header =
        "section,group,threshold,policy,creators,certified,kept,lost,gained,never\n";
    assert_true(strncmp(c, header, strlen(header)) == 0);
    assert_non_null(strstr(c, "\noverall,all,,red-2019-v1,50000,17000,,,,\n"));
    assert_non_null(strstr(c, "\noverall,all,,red-2019-v2,50000,4012,4012,12988,0,33000\n"));
    assert_non_null(strstr(c, "\ncategory,beauty,,red-2019-v2,12988,0,0,12988,0,0\n"));
    assert_non_null(strstr(c, "\ncategory,\"food, drink\",,red-2019-v1,4012,4012,,,,\n"));
    assert_non_null(strstr(c, "\nfollower_tier,<1k,,red-2019-v2,33000,0,0,0,0,33000\n"));
    assert_non_null(strstr(c, "\nfollower_tier,>=100k,,red-2019-v2,0,0,0,0,0,0\n"));
    assert_non_null(strstr(c, "\nmcn,mcn,,red-2019-v2,4012,4012,4012,0,0,0\n"));
    assert_non_null(strstr(c, "\nmcn,independent,,red-2019-v1,45988,12988,,,,\n"));
    /* by MCN: MCN 3 (no name known) hosts the kept ones */
    assert_non_null(strstr(c, "\nmcn,independent,,red-2019-v2,45988,0,0,12988,0,33000\n"
                              "mcns,MCN 3,,red-2019-v1,4012,4012,,,,\n"
                              "mcns,MCN 3,,red-2019-v2,4012,4012,4012,0,0,0\n"
                              "mcns,independent,,red-2019-v1,45988,12988,,,,\n"
                              "mcns,independent,,red-2019-v2,45988,0,0,12988,0,33000\n"));
    /* organic 16 per sponsored 4 = 4: passes up to 4, fails at 4.25 */
    assert_non_null(strstr(c, "\nsweep,min_organic_per_sponsored,3.5,red-2019-v2,50000,4012,4012,"
                              "12988,0,33000\n"));
    assert_non_null(strstr(c, "\nsweep,min_organic_per_sponsored,4,red-2019-v2,50000,4012,"));
    assert_non_null(strstr(c, "\nsweep,min_organic_per_sponsored,4.25,red-2019-v2,50000,0,0,17000,"
                              "0,33000\n"));
    /* header + 2 overall + (3 categories + 6 tiers + 2 + 2 by MCN) x 2 + 5 sweep rows */
    assert_int_equal(count_lines(c), 1 + 2 + 13 * 2 + 5);
    teardown_fixture(&f);
}

static void test_json(void **state)
{
    (void)state;
    fixture f;
    pd_policy pols[2];
    presets(pols);
    pd_sim_sweep_spec sw = {PD_RULE_MIN_AVG_VIEWS, 1000000, 1300000, 100000};
    build(&f, pols, 2, &sw);
    pd_error err;
    assert_int_equal(pd_report_json(&f.rep, &f.out, &err), PD_OK);
    json_error_t jerr;
    json_t *root = json_loads(f.out.data, 0, &jerr);
    if (!root)
        fail_msg("JSON does not parse: %s (line %d)\n%s", jerr.text, jerr.line, f.out.data);
    assert_string_equal(json_string_value(json_object_get(root, "as_of")), "2019-06-01T00:00:00Z");
    assert_int_equal(json_integer_value(json_object_get(root, "creators")), 50000);
    assert_string_equal(json_string_value(json_object_get(root, "baseline")), "red-2019-v1");
    json_t *pols_j = json_object_get(root, "policies");
    assert_int_equal(json_array_size(pols_j), 2);
    json_t *v1 = json_array_get(pols_j, 0), *v2 = json_array_get(pols_j, 1);
    assert_int_equal(json_integer_value(json_object_get(v1, "certified")), 17000);
    assert_null(json_object_get(v1, "kept"));
    assert_int_equal(json_integer_value(json_object_get(v2, "certified")), 4012);
    assert_int_equal(json_integer_value(json_object_get(v2, "kept")), 4012);
    assert_int_equal(json_integer_value(json_object_get(v2, "lost")), 12988);
    assert_int_equal(json_integer_value(json_object_get(v2, "gained")), 0);
    assert_int_equal(json_integer_value(json_object_get(v2, "never")), 33000);
    json_t *rules = json_object_get(v2, "rules");
    assert_int_equal(json_integer_value(json_object_get(rules, "min_avg_views")), 10000);
    assert_int_equal(json_integer_value(json_object_get(rules, "min_organic_per_sponsored")), 4);

    json_t *bd = json_object_get(root, "breakdowns");
    json_t *cat = json_object_get(bd, "category");
    assert_int_equal(json_array_size(cat), 3);
    json_t *food = json_array_get(cat, 1);
    assert_string_equal(json_string_value(json_object_get(food, "group")), "food, drink");
    assert_int_equal(json_integer_value(json_object_get(food, "creators")), 4012);
    json_t *food_v2 = json_array_get(json_object_get(food, "policies"), 1);
    assert_string_equal(json_string_value(json_object_get(food_v2, "name")), "red-2019-v2");
    assert_int_equal(json_integer_value(json_object_get(food_v2, "kept")), 4012);
    assert_int_equal(json_array_size(json_object_get(bd, "follower_tier")), 6);
    json_t *mcn = json_array_get(json_object_get(bd, "mcn"), 0);
    assert_string_equal(json_string_value(json_object_get(mcn, "group")), "mcn");

    json_t *sweep = json_object_get(root, "sweep");
    assert_string_equal(json_string_value(json_object_get(sweep, "rule")), "min_avg_views");
    assert_int_equal(json_integer_value(json_object_get(sweep, "current")), 10000);
    assert_int_equal(json_integer_value(json_object_get(sweep, "step")), 1000);
    json_t *pts = json_object_get(sweep, "points");
    assert_int_equal(json_array_size(pts), 4);
    json_t *p12 = json_array_get(pts, 2), *p13 = json_array_get(pts, 3);
    assert_int_equal(json_integer_value(json_object_get(p12, "threshold")), 12000);
    assert_int_equal(json_integer_value(json_object_get(p12, "certified")), 4012);
    assert_int_equal(json_integer_value(json_object_get(p13, "certified")), 0);
    assert_int_equal(json_integer_value(json_object_get(p13, "lost")), 17000);
    json_decref(root);
    teardown_fixture(&f);
}

static void test_json_odd_labels(void **state)
{
    (void)state;
    fixture f;
    pd_policy pols[1] = {*pd_policy_preset("red-2019-v1")};
    pd_sim_sweep_spec sw = {PD_RULE_MIN_AVG_VIEWS, 250, 250, 1};
    build(&f, pols, 1, &sw);
    /* invalid UTF-8, a quote and a newline in category names */
    static const char *const odd[] = {"bad \xff byte", "say \"hi\"\nthere", "caf\xc3\xa9"};
    f.rep.categories = odd;
    f.rep.as_of = NULL;
    pd_error err;
    assert_int_equal(pd_report_json(&f.rep, &f.out, &err), PD_OK);
    json_error_t jerr;
    json_t *root = json_loads(f.out.data, 0, &jerr);
    assert_non_null(root);
    assert_null(json_object_get(root, "as_of"));
    json_t *cat = json_object_get(json_object_get(root, "breakdowns"), "category");
    assert_string_equal(json_string_value(json_object_get(json_array_get(cat, 0), "group")),
                        "bad \xef\xbf\xbd byte");
    assert_string_equal(json_string_value(json_object_get(json_array_get(cat, 2), "group")),
                        "say \"hi\"\nthere");
    /* a decimal threshold stays a decimal */
    json_t *pt = json_array_get(json_object_get(json_object_get(root, "sweep"), "points"), 0);
    assert_true(json_is_real(json_object_get(pt, "threshold")));
    assert_true(json_real_value(json_object_get(pt, "threshold")) == 2.5);
    assert_non_null(strstr(f.out.data, "\"threshold\": 2.5"));
    assert_true(json_is_null(json_object_get(json_object_get(root, "sweep"), "current")));
    json_decref(root);

    /* text keeps each row on one line; CSV quotes the field */
    pd_buf_reset(&f.out);
    assert_int_equal(pd_report_text(&f.rep, &f.out, &err), PD_OK);
    assert_non_null(strstr(f.out.data, "\n  say \"hi\"?there "));
    pd_buf_reset(&f.out);
    assert_int_equal(pd_report_csv(&f.rep, &f.out, &err), PD_OK);
    assert_non_null(strstr(f.out.data, "\ncategory,\"say \"\"hi\"\"\nthere\",,red-2019-v1,"));
    teardown_fixture(&f);
}

/* Names an MCN as a server's store would: MCN 3 has a name, others not. */
static const char *store_names(void *ctx, uint64_t id)
{
    (void)ctx;
    return id == 3 ? "星河传媒 Galaxy Media" : NULL;
}

static void test_mcn_labels(void **state)
{
    (void)state;
    fixture f;
    pd_policy pols[2];
    presets(pols);
    build(&f, pols, 2, NULL);
    f.rep.mcn_name = store_names;
    pd_error err;
    assert_int_equal(pd_report_json(&f.rep, &f.out, &err), PD_OK);
    json_error_t jerr;
    json_t *root = json_loads(f.out.data, 0, &jerr);
    assert_non_null(root);
    json_t *mcns = json_object_get(json_object_get(root, "breakdowns"), "mcns");
    assert_int_equal(json_array_size(mcns), 2);
    json_t *g = json_array_get(mcns, 0);
    assert_string_equal(json_string_value(json_object_get(g, "group")), "星河传媒 Galaxy Media");
    assert_string_equal(json_string_value(json_object_get(g, "kind")), "mcn");
    assert_int_equal(json_integer_value(json_object_get(g, "mcn_id")), 3);
    assert_int_equal(json_integer_value(json_object_get(g, "mcns")), 1);
    assert_int_equal(json_integer_value(json_object_get(g, "creators")), NKEPT);
    g = json_array_get(mcns, 1);
    assert_string_equal(json_string_value(json_object_get(g, "group")), "independent");
    assert_string_equal(json_string_value(json_object_get(g, "kind")), "independent");
    assert_true(json_is_null(json_object_get(g, "mcn_id")));
    assert_int_equal(json_integer_value(json_object_get(g, "mcns")), 0);
    json_t *v2 = json_array_get(json_object_get(g, "policies"), 1);
    assert_int_equal(json_integer_value(json_object_get(v2, "lost")), NLOST);
    json_decref(root);

    /* text: the name in the table, aligned though wider in bytes */
    pd_buf_reset(&f.out);
    assert_int_equal(pd_report_text(&f.rep, &f.out, &err), PD_OK);
    assert_non_null(strstr(f.out.data, "By MCN (the largest by creators)\n"));
    assert_non_null(strstr(f.out.data, "\n  星河传媒 Galaxy Media  "));

    /* labels of the other kinds */
    char buf[PD_REPORT_LABEL_MAX];
    pd_sim_mcn_group m = {PD_SIM_MCN_OTHERS, 0, 74};
    pd_report_mcn_label(&f.rep, &m, buf, sizeof buf);
    assert_string_equal(buf, "74 other MCNs");
    m = (pd_sim_mcn_group){PD_SIM_MCN_OTHERS, 0, 1};
    pd_report_mcn_label(&f.rep, &m, buf, sizeof buf);
    assert_string_equal(buf, "1 other MCN");
    m = (pd_sim_mcn_group){PD_SIM_MCN_ONE, 17, 1};
    pd_report_mcn_label(&f.rep, &m, buf, sizeof buf);
    assert_string_equal(buf, "MCN 17");
    f.rep.mcn_name = NULL;
    m.id = 3;
    pd_report_mcn_label(&f.rep, &m, buf, sizeof buf);
    assert_string_equal(buf, "MCN 3");
    teardown_fixture(&f);
}

static void test_charts(void **state)
{
    (void)state;
    fixture f;
    pd_policy pols[2];
    presets(pols);
    build(&f, pols, 2, NULL);
    pd_error err;
    assert_int_equal(pd_report_chart(&f.rep, &f.out, &err), PD_OK);
    assert_true(strncmp(f.out.data, "<svg", 4) == 0);
    assert_non_null(strstr(f.out.data, ">Creators certified, by category</text>"));
    assert_non_null(strstr(f.out.data, ">food, drink</text>"));
    assert_non_null(strstr(f.out.data, ">red-2019-v2</text>"));
    assert_non_null(strstr(f.out.data, ">4,012</text>"));
    teardown_fixture(&f);

    pd_sim_sweep_spec sw = {PD_RULE_MIN_FOLLOWERS, 0, 10000, 500};
    build(&f, pols, 2, &sw);
    assert_int_equal(pd_report_chart(&f.rep, &f.out, &err), PD_OK);
    assert_true(strncmp(f.out.data, "<svg", 4) == 0);
    assert_non_null(strstr(f.out.data, ">Sweep of min_followers in red-2019-v2</text>"));
    assert_non_null(strstr(f.out.data, ">min_followers threshold</text>"));
    assert_non_null(strstr(f.out.data, ">red-2019-v2 today: 5000</text>"));
    assert_non_null(strstr(f.out.data, "<polyline"));
    teardown_fixture(&f);
}

static void test_format_and_ceiling(void **state)
{
    (void)state;
    pd_report_format fmt;
    pd_error err;
    assert_int_equal(pd_report_format_parse("csv", &fmt, &err), PD_OK);
    assert_int_equal(fmt, PD_REPORT_CSV);
    assert_int_equal(pd_report_format_parse("json", &fmt, &err), PD_OK);
    assert_int_equal(fmt, PD_REPORT_JSON);
    assert_int_equal(pd_report_format_parse("text", &fmt, &err), PD_OK);
    assert_int_equal(fmt, PD_REPORT_TEXT);
    assert_int_equal(pd_report_format_parse("xml", &fmt, &err), PD_EUSAGE);
    assert_string_equal(err.msg, "--format 'xml': expected text, csv or json");

    fixture f;
    pd_policy pols[2];
    presets(pols);
    build(&f, pols, 2, NULL);
    pd_buf small;
    for (int k = 0; k < 3; k++) {
        pd_buf_init(&small, 64);
        assert_int_equal(pd_report_write(&f.rep, (pd_report_format)k, &small, &err), PD_ENOMEM);
        pd_buf_free(&small);
    }
    teardown_fixture(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_headline),
        cmocka_unit_test(test_text_one_and_three_policies),
        cmocka_unit_test(test_text_sweep),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_odd_labels),
        cmocka_unit_test(test_mcn_labels),
        cmocka_unit_test(test_charts),
        cmocka_unit_test(test_format_and_ceiling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
