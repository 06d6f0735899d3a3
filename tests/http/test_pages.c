/* test_pages.c - the web pages' HTML escaping (pd_html_escape): everything
 * from the database goes through it, so it must leave no markup, no
 * control characters and no invalid UTF-8 behind. The pages themselves are
 * tested in a browser (tests/cli/pages_e2e.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/pages.h"
#include "util/buf.h"

static void expect_escaped(const char *in, const char *want)
{
    pd_buf b;
    pd_buf_init(&b, 1 << 16);
    pd_html_escape(&b, in);
    assert_false(pd_buf_failed(&b));
    assert_string_equal(b.data ? b.data : "", want);
    pd_buf_free(&b);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markup),
        cmocka_unit_test(test_controls),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
