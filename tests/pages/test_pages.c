/* test_pages.c - the web pages' HTML escaping (pd_html_escape): everything
 * from the database goes through it, so it must leave no markup, no
 * control characters and no invalid UTF-8 behind; and how the pages show
 * numbers and advice (http/show.h): separators, decimals, plurals, the
 * "what to change" sentences; and that every page template compiled in
 * parses. The pages themselves are tested in a browser
 * (tests/cli/pages_e2e.sh); the template engine in test_template.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pages/page.h"
#include "pages/pages.h"
#include "api/show.h"
#include "util/buf.h"

/* fn(buffer, in) writes want. */
static void expect_written(void (*fn)(pd_buf *, const char *), const char *in, const char *want)
{
    pd_buf b;
    pd_buf_init(&b, 1 << 16);
    fn(&b, in);
    assert_false(pd_buf_failed(&b));
    assert_string_equal(b.data ? b.data : "", want);
    pd_buf_free(&b);
}

static void expect_escaped(const char *in, const char *want)
{
    expect_written(pd_html_escape, in, want);
}

static void test_markup(void **state)
{
    (void)state;
    expect_escaped("<script>alert('x')</script> & \"q\"",
                   "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
    expect_escaped("plain text", "plain text");
    expect_escaped("", "");
    expect_escaped(NULL, "");
    expect_escaped("&amp;", "&amp;amp;");
}

/* Every template compiled in parses (a broken one would stop the server at
 * start), and loading twice is harmless. */
static void test_templates_parse(void **state)
{
    (void)state;
    pd_error err = {0};
    assert_int_equal(pd_pages_templates_load(&err), PD_OK);
    assert_int_equal(pd_pages_templates_load(&err), PD_OK);
}

static void test_controls(void **state)
{
    (void)state;
    expect_escaped("a\x01"
                   "b\x7f"
                   "c\td\ne\r",
                   "a b c\td\ne ");
}

static void test_utf8(void **state)
{
    (void)state;
    /* valid: 2, 3 and 4 bytes */
    expect_escaped("caf\xc3\xa9 \xe5\xb0\x8f\xe7\xba\xa2 \xf0\x9f\x98\x80",
                   "caf\xc3\xa9 \xe5\xb0\x8f\xe7\xba\xa2 \xf0\x9f\x98\x80");
    /* invalid: a lone continuation, a cut sequence, overlong, a surrogate */
    expect_escaped("a\x80"
                   "b",
                   "a\xef\xbf\xbd"
                   "b");
    expect_escaped("\xe5\xb0", "\xef\xbf\xbd\xef\xbf\xbd");
    expect_escaped("\xc0\xbc", "\xef\xbf\xbd\xef\xbf\xbd");
    expect_escaped("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    /* an invalid byte never swallows the markup after it */
    expect_escaped("\xe5<b>", "\xef\xbf\xbd&lt;b&gt;");
}

static void test_numbers(void **state)
{
    (void)state;
    char b[PD_SHOW_MAX];
    assert_string_equal(pd_show_count(0, b), "0");
    assert_string_equal(pd_show_count(999, b), "999");
    assert_string_equal(pd_show_count(1000, b), "1,000");
    assert_string_equal(pd_show_count(10000, b), "10,000");
    assert_string_equal(pd_show_count(1234567, b), "1,234,567");
    assert_string_equal(pd_show_count(UINT64_MAX, b), "18,446,744,073,709,551,615");
    assert_string_equal(pd_show_decimal(0, b), "0");
    assert_string_equal(pd_show_decimal(400, b), "4");
    assert_string_equal(pd_show_decimal(250, b), "2.5");
    assert_string_equal(pd_show_decimal(25, b), "0.25");
    assert_string_equal(pd_show_decimal(1000000, b), "10,000");
    assert_string_equal(pd_show_decimal(732125, b), "7,321.25");
    assert_string_equal(pd_show_decimal(732105, b), "7,321.05");
    assert_string_equal(pd_show_decimal(UINT64_MAX, b), "184,467,440,737,095,516.15");
    assert_string_equal(pd_show_views(248875, b), "2,488");
    assert_string_equal(pd_show_views(999999, b), "9,999"); /* never the threshold it misses */
    assert_string_equal(pd_show_views(99, b), "0");
    assert_string_equal(pd_show_percent(1176, b), "11.8%");
    assert_string_equal(pd_show_percent(1174, b), "11.7%");
    assert_string_equal(pd_show_percent(1175, b), "11.8%");
    assert_string_equal(pd_show_percent(0, b), "0.0%");
    assert_string_equal(pd_show_percent(4, b), "0.0%");
    assert_string_equal(pd_show_percent(5, b), "0.1%");
    assert_string_equal(pd_show_percent(300, b), "3.0%");
    assert_string_equal(pd_show_percent(1234567, b), "12,345.7%");
    assert_string_equal(pd_show_threshold(PD_RULE_MIN_FOLLOWERS, 5000, b), "5,000");
    assert_string_equal(pd_show_threshold(PD_RULE_MIN_AVG_VIEWS, 1000000, b), "10,000");
    assert_string_equal(pd_show_threshold(PD_RULE_MIN_ORGANIC_PER_SPONSORED, 250, b), "2.5");
}

static void test_nouns(void **state)
{
    (void)state;
    char b[PD_SHOW_NOUN_MAX];
    assert_string_equal(pd_show_noun(0, "post", "posts", b), "0 posts");
    assert_string_equal(pd_show_noun(1, "post", "posts", b), "1 post");
    assert_string_equal(pd_show_noun(2, "post", "posts", b), "2 posts");
    assert_string_equal(pd_show_noun(17000, "creator", "creators", b), "17,000 creators");
    char longword[200];
    memset(longword, 'x', sizeof longword - 1);
    longword[sizeof longword - 1] = '\0';
    assert_int_equal(strlen(pd_show_noun(5, longword, longword, b)), PD_SHOW_NOUN_MAX - 1);
}

static void expect_digits(const char *in, const char *want)
{
    expect_written(pd_show_digits, in, want);
}

static void test_digits_in_text(void **state)
{
    (void)state;
    expect_digits("followers 4971 < 5000; avg_views 2488.00 < 10000; sponsored 2 < 4",
                  "followers 4,971 < 5,000; avg_views 2,488.00 < 10,000; sponsored 2 < 4");
    expect_digits("organic 12 < 2.5 x sponsored 1234567", "organic 12 < 2.5 x sponsored 1,234,567");
    /* ids, dates, times, fractions and numbers in words stay as they are */
    expect_digits("user_12345 on 2019-06-01 12:00, 0.12345, v2019",
                  "user_12345 on 2019-06-01 12:00, 0.12345, v2019");
    expect_digits("", "");
    expect_digits(NULL, "");
    expect_digits("12345", "12,345");
}

/* The policy of the examples: red-2019-v2's rules and a few more. */
static pd_policy example_policy(void)
{
    pd_policy p = {.name = "t", .window_days = 30};
    p.rules = (1u << PD_RULE_COUNT) - 1;
    p.threshold[PD_RULE_MIN_FOLLOWERS] = 5000;
    p.threshold[PD_RULE_MIN_AVG_VIEWS] = 1000000;
    p.threshold[PD_RULE_MIN_ORGANIC_PER_SPONSORED] = 250;
    p.threshold[PD_RULE_MIN_SPONSORED] = 4;
    p.threshold[PD_RULE_MIN_POSTS] = 12;
    p.threshold[PD_RULE_MAX_SPONSORED] = 3;
    return p;
}

static void expect_shown(void (*fn)(pd_buf *, const pd_policy *, pd_rule, uint64_t,
                                    const pd_window_stats *, const char *),
                         const pd_policy *p, pd_rule r, uint64_t followers, pd_window_stats w,
                         const char *by, const char *want)
{
    pd_buf b;
    pd_buf_init(&b, 1 << 16);
    fn(&b, p, r, followers, &w, by);
    assert_false(pd_buf_failed(&b));
    assert_string_equal(b.data ? b.data : "", want);
    assert_null(strpbrk(b.data, "&<>\"'")); /* nothing to escape */
    pd_buf_free(&b);
}

static void value_of(pd_buf *b, const pd_policy *p, pd_rule r, uint64_t followers,
                     const pd_window_stats *w, const char *by)
{
    (void)by;
    pd_show_rule_value(b, p, r, followers, w);
}

static void needed_of(pd_buf *b, const pd_policy *p, pd_rule r, uint64_t followers,
                      const pd_window_stats *w, const char *by)
{
    (void)followers, (void)w, (void)by;
    pd_show_rule_needed(b, p, r);
}

static void test_rules_shown(void **state)
{
    (void)state;
    pd_policy p = example_policy();
    pd_window_stats w = {.posts = 10, .sponsored = 5, .views = 24880};
    pd_window_stats none = {0};
    assert_string_equal(pd_show_rule_label(PD_RULE_MIN_AVG_VIEWS), "Average views per post");
    assert_string_equal(pd_show_rule_label(PD_RULE_COUNT), "?");
    expect_shown(value_of, &p, PD_RULE_MIN_FOLLOWERS, 4971, w, NULL, "4,971");
    expect_shown(value_of, &p, PD_RULE_MIN_AVG_VIEWS, 0, w, NULL, "2,488");
    expect_shown(value_of, &p, PD_RULE_MIN_ORGANIC_PER_SPONSORED, 0, w, NULL,
                 "5 organic, 5 sponsored");
    expect_shown(value_of, &p, PD_RULE_MIN_POSTS, 0, none, NULL, "no posts in the 30-day window");
    expect_shown(value_of, &p, PD_RULE_MAX_SPONSORED, 0, none, NULL, "0");
    expect_shown(needed_of, &p, PD_RULE_MIN_AVG_VIEWS, 0, w, NULL, "10,000");
    expect_shown(needed_of, &p, PD_RULE_MIN_ORGANIC_PER_SPONSORED, 0, w, NULL, "2.5 per sponsored");
    expect_shown(needed_of, &p, PD_RULE_MAX_SPONSORED, 0, w, NULL, "at most 3");
}

static void test_advice(void **state)
{
    (void)state;
    pd_policy p = example_policy();
    pd_window_stats w = {.posts = 10, .sponsored = 5, .views = 24880};
    pd_window_stats one = {.posts = 1, .sponsored = 1, .views = 9999};
    pd_window_stats none = {0};
    expect_shown(pd_show_advice, &p, PD_RULE_MIN_FOLLOWERS, 4971, w, NULL,
                 "Gain 29 more followers.");
    expect_shown(pd_show_advice, &p, PD_RULE_MIN_FOLLOWERS, 4999, w, NULL, "Gain 1 more follower.");
    expect_shown(pd_show_advice, &p, PD_RULE_MIN_FOLLOWERS, 4999, w, "2019-06-03",
                 "Gain 1 more follower by 2019-06-03.");
    expect_shown(pd_show_advice, &p, PD_RULE_MIN_AVG_VIEWS, 0, w, NULL,
                 "Raise your average views per post to 10,000: your 10 posts in the window "
                 "need 75,120 more views in all.");
    expect_shown(pd_show_advice, &p, PD_RULE_MIN_AVG_VIEWS, 0, one, NULL,
                 "Raise your average views per post to 10,000: your 1 post in the window "
                 "needs 1 more view in all.");
    expect_shown(pd_show_advice, &p, PD_RULE_MIN_AVG_VIEWS, 0, one, "2019-06-03",
                 "Raise your average views per post to 10,000 by 2019-06-03: the 1 post in the "
                 "window needs 1 more view in all.");
    expect_shown(pd_show_advice, &p, PD_RULE_MIN_ORGANIC_PER_SPONSORED, 0, w, NULL,
                 "Publish 8 more organic (not sponsored) posts in the window, or fewer "
                 "sponsored ones.");
    expect_shown(pd_show_advice, &p, PD_RULE_MIN_ORGANIC_PER_SPONSORED, 0, one, NULL,
                 "Publish 3 more organic (not sponsored) posts in the window, or fewer "
                 "sponsored ones.");
    pd_window_stats need1 = {.posts = 3, .sponsored = 1, .views = 1};
    expect_shown(pd_show_advice, &p, PD_RULE_MIN_ORGANIC_PER_SPONSORED, 0, need1, "2019-06-03",
                 "Publish 1 more organic (not sponsored) post by 2019-06-03, or fewer sponsored "
                 "ones.");
    expect_shown(pd_show_advice, &p, PD_RULE_MIN_SPONSORED, 0, one, NULL,
                 "Publish 3 more sponsored posts within 30 days.");
    pd_window_stats three = {.posts = 3, .sponsored = 3, .views = 1};
    expect_shown(pd_show_advice, &p, PD_RULE_MIN_SPONSORED, 0, three, NULL,
                 "Publish 1 more sponsored post within 30 days.");
    pd_window_stats eleven = {.posts = 11, .sponsored = 0, .views = 1};
    expect_shown(pd_show_advice, &p, PD_RULE_MIN_POSTS, 0, eleven, NULL,
                 "Publish 1 more post within 30 days.");
    expect_shown(pd_show_advice, &p, PD_RULE_MIN_POSTS, 0, eleven, "2019-06-03",
                 "Publish 1 more post by 2019-06-03.");
    expect_shown(pd_show_advice, &p, PD_RULE_MAX_SPONSORED, 0, w, NULL,
                 "Publish no more sponsored posts until 2 of them have left the 30-day window.");
    pd_window_stats four = {.posts = 4, .sponsored = 4, .views = 1};
    expect_shown(pd_show_advice, &p, PD_RULE_MAX_SPONSORED, 0, four, NULL,
                 "Publish no more sponsored posts until 1 of them has left the 30-day window.");
    expect_shown(pd_show_advice, &p, PD_RULE_MIN_POSTS, 0, none, NULL,
                 "Publish posts: every rule about posts needs at least one post in the last "
                 "30 days.");
    expect_shown(pd_show_advice, &p, PD_RULE_MIN_AVG_VIEWS, 0, none, "2019-06-03",
                 "Publish a post by 2019-06-03: every rule about posts needs at least one post "
                 "in the 30-day window.");
    pd_policy day = p;
    day.window_days = 1;
    expect_shown(pd_show_advice, &day, PD_RULE_MIN_POSTS, 0, eleven, NULL,
                 "Publish 1 more post within 1 day.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markup),         cmocka_unit_test(test_templates_parse),
        cmocka_unit_test(test_controls),       cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_numbers),        cmocka_unit_test(test_nouns),
        cmocka_unit_test(test_digits_in_text), cmocka_unit_test(test_rules_shown),
        cmocka_unit_test(test_advice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
