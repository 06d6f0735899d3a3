/* test_template.c - the pages' templates (pages/template.h): text escaped
 * by default, trusted HTML only through {{{ }}}, sections over lists,
 * flags and text, inverted sections, scopes, and every error a page's
 * author can make, named with the template and the tag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pages/template.h"

static pd_tpl *parse_ok(const char *text)
{
    pd_tpl *t = NULL;
    pd_error err = {0};
    assert_int_equal(pd_tpl_parse("t.html", text, strlen(text), &t, &err), PD_OK);
    return t;
}

static void expect_parse_error(const char *text, const char *msg)
{
    pd_tpl *t = NULL;
    pd_error err = {0};
    assert_int_equal(pd_tpl_parse("t.html", text, strlen(text), &t, &err), PD_EINPUT);
    assert_null(t);
    assert_string_equal(err.msg, msg);
}

/* Renders text with d; want: the output, or the error's message (rc). */
static void expect_render(const char *text, pd_tpl_data *d, int rc, const char *want)
{
    pd_tpl *t = parse_ok(text);
    pd_buf b;
    pd_buf_init(&b, 1 << 16);
    pd_error err = {0};
    assert_int_equal(pd_tpl_render(t, d, &b, &err), rc);
    assert_string_equal(rc ? err.msg : (b.data ? b.data : ""), want);
    pd_buf_free(&b);
    pd_tpl_free(t);
}

static void test_escaped_by_default(void **state)
{
    (void)state;
    pd_tpl_data *d = pd_tpl_data_new();
    pd_tpl_scope *s = pd_tpl_top(d);
    char reused[32] = "<b>&\"'</b>";
    pd_tpl_set(s, "bio", reused);
    memcpy(reused, "changed", 8); /* the value was copied */
    pd_tpl_setf(s, "n", "%d items", 3);
    pd_tpl_set(s, "none", NULL);
    expect_render("<p>{{bio}}</p><p title=\"{{ n }}\">{{none}}</p>", d, PD_OK,
                  "<p>&lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;</p><p title=\"3 items\"></p>");
    pd_tpl_data_free(d);
}

static void test_raw_only_when_trusted(void **state)
{
    (void)state;
    pd_tpl_data *d = pd_tpl_data_new();
    pd_tpl_scope *s = pd_tpl_top(d);
    pd_tpl_set_raw(s, "svg", "<svg></svg>", 11);
    pd_tpl_set(s, "text", "<i>");
    expect_render("{{{svg}}}", d, PD_OK, "<svg></svg>");
    expect_render("{{svg}}", d, PD_EINPUT,
                  "template t.html: trusted HTML must be written {{{svg}}} not {{svg}}");
    expect_render("{{{text}}}", d, PD_EINPUT,
                  "template t.html: text (not set as trusted HTML) cannot be written as "
                  "{{{text}}}");
    pd_tpl_data_free(d);
}

static void test_missing_value_named(void **state)
{
    (void)state;
    pd_tpl_data *d = pd_tpl_data_new();
    expect_render("<h1>{{handle}}</h1>", d, PD_EINPUT, "template t.html: no value for {{handle}}");
    expect_render("{{#rows}}x{{/rows}}", d, PD_EINPUT, "template t.html: no value for {{#rows}}");
    expect_render("{{^rows}}x{{/rows}}", d, PD_EINPUT, "template t.html: no value for {{^rows}}");
    pd_tpl_data_free(d);
}

static void test_sections(void **state)
{
    (void)state;
    pd_tpl_data *d = pd_tpl_data_new();
    pd_tpl_scope *s = pd_tpl_top(d);
    pd_tpl_set(s, "sep", ",");
    for (int i = 1; i <= 3; i++) {
        pd_tpl_scope *row = pd_tpl_add(s, "rows");
        pd_tpl_setf(row, "id", "%d", i);
        pd_tpl_set_flag(row, "odd", i % 2);
    }
    pd_tpl_list(s, "empty");
    pd_tpl_set_flag(s, "yes", 1);
    pd_tpl_set_flag(s, "no", 0);
    pd_tpl_set(s, "word", "w");
    pd_tpl_set(s, "blank", "");
    /* items see their own names and the scopes around them */
    expect_render("{{#rows}}[{{id}}{{#odd}}o{{/odd}}{{sep}}]{{/rows}}", d, PD_OK, "[1o,][2,][3o,]");
    expect_render("{{#empty}}x{{/empty}}{{^empty}}none{{/empty}}", d, PD_OK, "none");
    expect_render("{{^rows}}none{{/rows}}", d, PD_OK, "");
    expect_render("{{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{^no}}n{{/no}}", d, PD_OK, "Yn");
    expect_render("{{#word}}<{{word}}>{{/word}}{{#blank}}b{{/blank}}{{^blank}}-{{/blank}}", d,
                  PD_OK, "<w>-");
    expect_render("a{{! a comment }}b", d, PD_OK, "ab");
    expect_render("{{rows}}", d, PD_EINPUT,
                  "template t.html: a list or flag cannot be written as {{rows}}");
    pd_tpl_data_free(d);
}

static void test_nesting(void **state)
{
    (void)state;
    pd_tpl_data *d = pd_tpl_data_new();
    pd_tpl_scope *s = pd_tpl_top(d);
    pd_tpl_scope *a = pd_tpl_add(s, "a");
    pd_tpl_set(a, "x", "1");
    pd_tpl_set(pd_tpl_add(a, "b"), "y", "2");
    pd_tpl_set(pd_tpl_add(a, "b"), "y", "3");
    expect_render("{{#a}}{{x}}:{{#b}}{{x}}{{y}} {{/b}}{{/a}}", d, PD_OK, "1:12 13 ");
    pd_tpl_data_free(d);
    /* exactly PD_TPL_DEPTH_MAX deep parses; one more does not */
    char deep[512] = "", *p = deep;
    for (int i = 0; i < PD_TPL_DEPTH_MAX; i++)
        p += snprintf(p, 16, "{{#s%d}}", i);
    for (int i = PD_TPL_DEPTH_MAX - 1; i >= 0; i--)
        p += snprintf(p, 16, "{{/s%d}}", i);
    pd_tpl_free(parse_ok(deep));
    char deeper[600];
    snprintf(deeper, sizeof deeper, "{{#top}}%s{{/top}}", deep);
    expect_parse_error(deeper, "template t.html, line 1: sections nested more than 8 deep");
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_parse_error("a\n{{name", "template t.html, line 2: a tag is not closed");
    expect_parse_error("{{{raw}}", "template t.html, line 1: a tag is not closed");
    expect_parse_error("{{#a}}x{{/b}}", "template t.html, line 1: {{/b}} closes {{#a}}");
    expect_parse_error("{{/a}}", "template t.html, line 1: {{/a}} closes nothing");
    expect_parse_error("\n\n{{#a}}x", "template t.html, line 3: {{#a}} is never closed");
    expect_parse_error("{{a b}}", "template t.html, line 1: bad name 'a b'");
    expect_parse_error("{{}}", "template t.html, line 1: bad name ''");
    pd_tpl *t = parse_ok("no tags at all, { and } alone");
    assert_string_equal(pd_tpl_name(t), "t.html");
    pd_tpl_free(t);
}

/* The page buffer's ceiling reached: an error, not a cut page. */
static void test_too_large(void **state)
{
    (void)state;
    pd_tpl_data *d = pd_tpl_data_new();
    pd_tpl_set(pd_tpl_top(d), "x", "0123456789");
    pd_tpl *t = parse_ok("{{x}}{{x}}{{x}}");
    pd_buf b;
    pd_buf_init(&b, 16);
    pd_error err = {0};
    assert_int_equal(pd_tpl_render(t, d, &b, &err), PD_ENOMEM);
    pd_buf_free(&b);
    pd_tpl_free(t);
    pd_tpl_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaped_by_default),
        cmocka_unit_test(test_raw_only_when_trusted),
        cmocka_unit_test(test_missing_value_named),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_nesting),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_too_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
