/* test_discovery_query.c - the one reader of a discovery query
 * (api/discovery_query.h) in both dialects: the API's parameters and
 * messages (as tests/cli/creators_e2e.sh checks them over HTTP), the page
 * form's blanks, checkboxes and labels, the cursor both ways, and the
 * page-cache key telling queries apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/discovery_query.h"

/* "a=1&b=2" as name/value pairs (no decoding: tests write plain text). */
typedef struct pairs {
    char buf[1024];
    const char *name[32], *value[32];
    size_t n;
} pairs;

static void pair_at(const void *ctx, size_t i, const char **name, const char **value)
{
    const pairs *p = ctx;
    *name = p->name[i];
    *value = p->value[i];
}

static pd_param_source source(pairs *p, const char *qs)
{
    p->n = 0;
    size_t len = strlen(qs);
    assert_true(len < sizeof p->buf);
    memcpy(p->buf, qs, len + 1);
    char *s = p->buf;
    while (*s && p->n < 32) {
        char *amp = strchr(s, '&');
        if (amp)
            *amp = '\0';
        char *eq = strchr(s, '=');
        if (eq)
            *eq = '\0';
        p->name[p->n] = s;
        p->value[p->n] = eq ? eq + 1 : "";
        p->n++;
        if (!amp)
            break;
        s = amp + 1;
    }
    return (pd_param_source){.n = p->n, .at = pair_at, .ctx = p};
}

static int parse(const char *qs, pd_dq_dialect d, pd_creator_query *q, pd_error *err)
{
    static pairs p; /* the query borrows its strings */
    pd_param_source src = source(&p, qs);
    memset(err, 0, sizeof *err);
    return pd_discovery_parse(&src, d, 26, q, err);
}

static void expect_error(const char *qs, pd_dq_dialect d, const char *msg)
{
    pd_creator_query q;
    pd_error err;
    assert_int_equal(parse(qs, d, &q, &err), PD_EINPUT);
    assert_string_equal(err.msg, msg);
}

static void test_api_defaults(void **state)
{
    (void)state;
    pd_creator_query q;
    pd_error err;
    assert_int_equal(parse("", PD_DQ_API, &q, &err), PD_OK);
    assert_int_equal(q.limit, PD_DQ_LIMIT_DEFAULT);
    assert_int_equal(q.sort, PD_SORT_FOLLOWERS);
    assert_null(q.category);
    assert_null(q.text);
    assert_false(q.has_after);
}

static void test_api_fields(void **state)
{
    (void)state;
    pd_creator_query q;
    pd_error err;
    assert_int_equal(parse("category=beauty&q=travel&followers_min=10&followers_max=500&"
                           "avg_views_min=200.5&avg_views_max=1000&engagement_min=2.5&"
                           "engagement_max=8&certified=true&micro=false&mcn=7&sort=avg_views&"
                           "limit=3&after=a-5.12",
                           PD_DQ_API, &q, &err),
                     PD_OK);
    assert_string_equal(q.category, "beauty");
    assert_string_equal(q.text, "travel");
    assert_int_equal(q.followers_min, 10);
    assert_int_equal(q.followers_max, 500);
    assert_int_equal(q.avg_views_min, 20050);
    assert_int_equal(q.avg_views_max, 100000);
    assert_int_equal(q.engagement_min_bp, 250);
    assert_int_equal(q.engagement_max_bp, 800);
    assert_true(q.certified_only);
    assert_false(q.micro_only);
    assert_int_equal(q.mcn_id, 7);
    assert_int_equal(q.sort, PD_SORT_AVG_VIEWS);
    assert_int_equal(q.limit, 3);
    assert_true(q.has_after);
    assert_int_equal(q.after_key, -5);
    assert_int_equal(q.after_id, 12);
    assert_int_equal(parse("mcn=none", PD_DQ_API, &q, &err), PD_OK);
    assert_int_equal(q.mcn_id, -1);
}

static void test_api_messages(void **state)
{
    (void)state;
    expect_error("followers_min=abc", PD_DQ_API,
                 "query parameter followers_min: not a whole number (got 'abc')");
    expect_error("followers_max=0", PD_DQ_API,
                 "query parameter followers_max: must be above 0 (leave it out for no upper "
                 "bound) (got '0')");
    expect_error("followers_min=10&followers_max=5", PD_DQ_API,
                 "query parameter followers_max: below followers_min");
    expect_error("avg_views_min=1.234", PD_DQ_API,
                 "query parameter avg_views_min: more than two decimals (got '1.234')");
    expect_error("certified=yes", PD_DQ_API,
                 "query parameter certified: expected true or false (got 'yes')");
    expect_error("micro=1", PD_DQ_API, "query parameter micro: expected true or false (got '1')");
    expect_error("mcn=0", PD_DQ_API,
                 "query parameter mcn: expected an MCN id (1 or more) or none (got '0')");
    expect_error("mcn=independent", PD_DQ_API,
                 "query parameter mcn: expected an MCN id (1 or more) or none (got "
                 "'independent')");
    expect_error("sort=price", PD_DQ_API,
                 "query parameter sort: expected followers, avg_views, engagement or newest (got "
                 "'price')");
    expect_error("limit=0", PD_DQ_API,
                 "query parameter 'limit': expected a whole number from 1 to 100, got '0'");
    expect_error("limit=101", PD_DQ_API,
                 "query parameter 'limit': expected a whole number from 1 to 100, got '101'");
    expect_error("limit=-3", PD_DQ_API,
                 "query parameter 'limit': expected a whole number from 1 to 100, got '-3'");
    expect_error("after=zzz", PD_DQ_API,
                 "query parameter after: not a cursor from a previous page's next (got 'zzz')");
    expect_error("after=a1.1", PD_DQ_API,
                 "query parameter after: a cursor of another sort (give the same sort as the "
                 "page it came from) (got 'a1.1')");
    expect_error("after=f1.0", PD_DQ_API,
                 "query parameter after: not a cursor from a previous page's next (got 'f1.0')");
    expect_error("q=", PD_DQ_API,
                 "query parameter q: empty (leave it out to match every creator) (got '')");
    pairs p;
    pd_param_source src = source(&p, "after=1&limit=2");
    static const char *const posts[] = {"after", "limit", NULL};
    static const char *const after_only[] = {"after", NULL};
    assert_int_equal(pd_params_only(&src, posts, &(pd_error){0}), PD_OK);
    assert_int_equal(pd_params_only(&src, after_only, &(pd_error){0}), PD_EINPUT);
    expect_error("colour=red", PD_DQ_API, "query parameter colour: unknown here");
    expect_error("limit=5&limit=6", PD_DQ_API, "query parameter limit: given twice");
    pd_creator_query q;
    pd_error err;
    assert_int_equal(parse("category=", PD_DQ_API, &q, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "query parameter category: "));
}

static void test_form(void **state)
{
    (void)state;
    pd_creator_query q;
    pd_error err;
    /* a form sends every field: blanks are left out, spaces around numbers */
    assert_int_equal(parse("category=&q=&followers_min= 1000 &followers_max=4999&"
                           "avg_views_min=&avg_views_max=&engagement_min=&engagement_max=&"
                           "mcn=independent&sort=&certified=1",
                           PD_DQ_FORM, &q, &err),
                     PD_OK);
    assert_null(q.category);
    assert_null(q.text);
    assert_int_equal(q.limit, 26);
    assert_true(q.certified_only);
    assert_int_equal(q.mcn_id, -1);
    assert_int_equal(q.followers_min, 1000);
    assert_int_equal(q.followers_max, 4999);
    /* the form's limit is the page's: limit= is unknown there */
    expect_error("limit=5", PD_DQ_FORM, "query parameter limit: unknown here");
    expect_error("followers_min=lots", PD_DQ_FORM,
                 "Followers from: not a whole number (got 'lots')");
    expect_error("followers_min=10&followers_max=5", PD_DQ_FORM,
                 "Followers: the lower bound is above the upper one.");
    expect_error("engagement_min=9&engagement_max=2", PD_DQ_FORM,
                 "Engagement: the lower bound is above the upper one.");
    expect_error("mcn=0", PD_DQ_FORM, "MCN: an MCN's number, or independent (got '0')");
    expect_error("after=zzz", PD_DQ_FORM,
                 "This page link is broken or belongs to another sort order: start again from "
                 "the first page.");
    expect_error("sort=newest&after=f10.3", PD_DQ_FORM,
                 "This page link is broken or belongs to another sort order: start again from "
                 "the first page.");
}

static void test_form_spaces(void **state)
{
    (void)state;
    pd_creator_query q;
    pd_error err;
    assert_int_equal(
        parse("followers_min=  1000  &followers_max= &q=  travel", PD_DQ_FORM, &q, &err), PD_OK);
    assert_int_equal(q.followers_min, 1000);
    assert_int_equal(q.followers_max, 0);
    assert_string_equal(q.text, "travel");
}

static void test_cursor_round_trip(void **state)
{
    (void)state;
    char cur[PD_DQ_CURSOR_MAX], qs[128];
    static const int64_t keys[] = {0, 1, -1, INT64_MAX, INT64_MIN + 1, 5000};
    for (int s = 0; s < PD_DQ_SORTS; s++)
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            pd_discovery_cursor((pd_creator_sort)s, keys[k], 42, cur);
            snprintf(qs, sizeof qs, "sort=%s&after=%s", pd_discovery_sort_name((pd_creator_sort)s),
                     cur);
            pd_creator_query q;
            pd_error err;
            assert_int_equal(parse(qs, PD_DQ_API, &q, &err), PD_OK);
            assert_true(q.has_after);
            assert_int_equal(q.after_key, keys[k]);
            assert_int_equal(q.after_id, 42);
        }
    assert_string_equal(pd_discovery_cursor(PD_SORT_FOLLOWERS, 5000, 17, cur), "f5000.17");
    assert_null(pd_discovery_sort_name((pd_creator_sort)9));
}

static void test_cache_key(void **state)
{
    (void)state;
    char a[PD_DQ_KEY_MAX], b[PD_DQ_KEY_MAX];
    pd_creator_query q1, q2;
    pd_error err;
    assert_int_equal(parse("category=ab&q=c", PD_DQ_API, &q1, &err), PD_OK);
    size_t n1 = pd_discovery_key(&q1, a, sizeof a);
    assert_true(n1 > 0);
    assert_int_equal(parse("category=a&q=bc", PD_DQ_API, &q2, &err), PD_OK);
    size_t n2 = pd_discovery_key(&q2, b, sizeof b);
    assert_true(n1 != n2 || memcmp(a, b, n1) != 0); /* the lengths tell them apart */
    assert_int_equal(parse("q=c&category=ab", PD_DQ_API, &q2, &err), PD_OK);
    n2 = pd_discovery_key(&q2, b, sizeof b);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1);
    assert_int_equal(pd_discovery_key(&q1, a, 8), 0); /* does not fit */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_defaults), cmocka_unit_test(test_api_fields),
        cmocka_unit_test(test_api_messages), cmocka_unit_test(test_form),
        cmocka_unit_test(test_form_spaces),  cmocka_unit_test(test_cursor_round_trip),
        cmocka_unit_test(test_cache_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
