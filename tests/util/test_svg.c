/* test_svg.c - the SVG chart writer: nice ticks, number labels, escaping,
 * and charts that are well-formed XML carrying their title, axis labels and
 * legend. */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/svg.h"

/* ---- a small well-formedness checker ------------------------------------
 * Elements must nest and close, attribute values must be quoted and hold
 * no '<', '&' only as a known entity, and there is one root element. */

static int entity_ok(const char *s)
{
    static const char *const names[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (size_t i = 0; i < 5; i++)
        if (strncmp(s, names[i], strlen(names[i])) == 0)
            return 1;
    if (s[1] != '#')
        return 0;
    size_t i = 2;
    int hex = s[2] == 'x';
    if (hex)
        i++;
    size_t start = i;
    while (hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i]))
        i++;
    return i > start && s[i] == ';';
}

static const char *well_formed(const char *doc)
{
    static char why[256];
    char stack[64][32];
    int depth = 0, roots = 0;
    const char *p = doc;
    while (*p) {
        if (*p == '&') {
            if (!entity_ok(p)) {
                snprintf(why, sizeof why, "bad entity at offset %td", p - doc);
                return why;
            }
            p++;
            continue;
        }
        if (*p == '>') {
            snprintf(why, sizeof why, "stray '>' at offset %td", p - doc);
            return why;
        }
        if (*p != '<') {
            if (depth == 0 && !isspace((unsigned char)*p)) {
                snprintf(why, sizeof why, "text outside the root at offset %td", p - doc);
                return why;
            }
            p++;
            continue;
        }
        int closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t nlen =
            strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-:0123456789");
        if (nlen == 0 || nlen >= 32) {
            snprintf(why, sizeof why, "bad tag name at offset %td", p - doc);
            return why;
        }
        const char *q = name + nlen;
        /* attributes: name="value" pairs */
        while (*q && *q != '>' && !(q[0] == '/' && q[1] == '>')) {
            if (isspace((unsigned char)*q)) {
                q++;
                continue;
            }
            size_t alen =
                strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-:0123456789");
            if (alen == 0 || q[alen] != '=' || q[alen + 1] != '"') {
                snprintf(why, sizeof why, "bad attribute at offset %td", q - doc);
                return why;
            }
            q += alen + 2;
            while (*q && *q != '"') {
                if (*q == '<' || (*q == '&' && !entity_ok(q))) {
                    snprintf(why, sizeof why, "bad character in attribute at offset %td", q - doc);
                    return why;
                }
                q++;
            }
            if (*q != '"') {
                snprintf(why, sizeof why, "unterminated attribute");
                return why;
            }
            q++;
        }
        if (!*q) {
            snprintf(why, sizeof why, "unterminated tag");
            return why;
        }
        int self = *q == '/';
        if (closing) {
            if (depth == 0 || strlen(stack[depth - 1]) != nlen ||
                strncmp(stack[depth - 1], name, nlen) != 0) {
                snprintf(why, sizeof why, "</%.*s> closes nothing open at offset %td", (int)nlen,
                         name, p - doc);
                return why;
            }
            depth--;
        } else {
            if (depth == 0)
                roots++;
            if (!self) {
                if (depth == 64)
                    return "too deep";
                memcpy(stack[depth], name, nlen);
                stack[depth][nlen] = '\0';
                depth++;
            }
        }
        p = q + (self ? 2 : 1);
    }
    if (depth != 0) {
        snprintf(why, sizeof why, "<%s> is never closed", stack[depth - 1]);
        return why;
    }
    return roots == 1 ? NULL : "not exactly one root element";
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* ---- numbers ----------------------------------------------------------- */

static void test_nice_ticks(void **state)
{
    (void)state;
    double t[32], step;
    size_t n = pd_svg_nice_ticks(0, 17000, 6, t, 32, &step);
    assert_true(step == 5000);
    assert_int_equal(n, 5);
    assert_true(t[0] == 0 && t[4] == 20000);

    n = pd_svg_nice_ticks(0, 1, 6, t, 32, &step);
    assert_true(fabs(step - 0.2) < 1e-12);
    assert_int_equal(n, 6);
    assert_true(t[0] == 0 && fabs(t[5] - 1) < 1e-9);

    n = pd_svg_nice_ticks(1234, 9876, 8, t, 32, &step);
    assert_true(step == 1000);
    assert_true(t[0] == 1000 && t[n - 1] == 10000);

    /* one value: a range around it, ticks still cover it */
    n = pd_svg_nice_ticks(42, 42, 6, t, 32, &step);
    assert_true(n >= 2 && t[0] <= 42 && t[n - 1] >= 42);
    n = pd_svg_nice_ticks(0, 0, 6, t, 32, &step);
    assert_true(n >= 2 && t[0] <= 0 && t[n - 1] >= 0);

    /* negative ranges and no "-0" */
    n = pd_svg_nice_ticks(-7, 3, 6, t, 32, &step);
    assert_true(t[0] <= -7 && t[n - 1] >= 3);
    for (size_t i = 0; i < n; i++)
        assert_false(t[i] == 0 && signbit(t[i]));
}

static void test_format_number(void **state)
{
    (void)state;
    char b[64];
    pd_svg_format_number(17000, 1000, b);
    assert_string_equal(b, "17,000");
    pd_svg_format_number(1234567, 1, b);
    assert_string_equal(b, "1,234,567");
    pd_svg_format_number(999, 1, b);
    assert_string_equal(b, "999");
    pd_svg_format_number(-1500, 500, b);
    assert_string_equal(b, "-1,500");
    pd_svg_format_number(0.4, 0.2, b);
    assert_string_equal(b, "0.4");
    pd_svg_format_number(0.25, 0.05, b);
    assert_string_equal(b, "0.25");
    pd_svg_format_number(2.5, 0.25, b);
    assert_string_equal(b, "2.50");
    pd_svg_format_number(-0.0, 0.5, b);
    assert_string_equal(b, "0.0");
    pd_svg_format_number(12500.5, 0.5, b);
    assert_string_equal(b, "12,500.5");
}

static void test_escape(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 1 << 16);
    pd_svg_escape(&b, "a<b & \"c\" 'd' > e");
    assert_string_equal(b.data, "a&lt;b &amp; &quot;c&quot; &#39;d&#39; &gt; e");
    pd_buf_reset(&b);
    pd_svg_escape(&b, "caf\xc3\xa9 \xe7\xbe\x8e\xe5\xa6\x86 \xf0\x9f\x92\x84");
    assert_string_equal(b.data, "caf\xc3\xa9 \xe7\xbe\x8e\xe5\xa6\x86 \xf0\x9f\x92\x84");
    pd_buf_reset(&b);
    /* invalid UTF-8 (a lone byte, a cut sequence, an overlong '/', a
     * surrogate) and control characters */
    pd_svg_escape(&b, "x\xffy\xe7\xbe z\xc0\xafw\xed\xa0\x80v\ttab\nnl");
    assert_string_equal(b.data, "x&#xFFFD;y&#xFFFD;&#xFFFD; z&#xFFFD;&#xFFFD;w&#xFFFD;&#xFFFD;"
                                "&#xFFFD;v tab nl");
    pd_buf_free(&b);
}

/* ---- charts ------------------------------------------------------------ */

static void test_line_chart(void **state)
{
    (void)state;
    double x[21], certified[21], kept[21];
    for (int i = 0; i <= 20; i++) {
        x[i] = i * 1000.0;
        certified[i] = 17000.0 - i * 700.0;
        kept[i] = 9000.0 - i * 400.0;
    }
    pd_svg_series series[2] = {{"certified by v2 & co", x, certified, 21},
                               {"kept from <v1>", x, kept, 21}};
    pd_svg_marker marker = {10000, "v2 today: 10,000"};
    pd_svg_line_chart c = {.title = "Sweep of min_avg_views <on> v2 & friends",
                           .subtitle = "as of 2019-06-01",
                           .x_title = "min_avg_views threshold",
                           .y_title = "creators certified",
                           .series = series,
                           .nseries = 2,
                           .markers = &marker,
                           .nmarkers = 1,
                           .y_from_zero = 1};
    pd_buf b;
    pd_buf_init(&b, 1 << 20);
    pd_error err;
    assert_int_equal(pd_svg_line(&b, &c, &err), PD_OK);
    const char *svg = b.data;
    assert_true(strncmp(svg, "<svg", 4) == 0);
    assert_non_null(strstr(svg, "xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(svg, "viewBox="));
    assert_non_null(strstr(svg, ">Sweep of min_avg_views &lt;on&gt; v2 &amp; friends</text>"));
    assert_non_null(strstr(svg, "<title>Sweep of min_avg_views &lt;on&gt; v2 &amp; friends"));
    assert_non_null(strstr(svg, ">min_avg_views threshold</text>"));
    assert_non_null(strstr(svg, ">creators certified</text>"));
    assert_non_null(strstr(svg, ">certified by v2 &amp; co</text>"));
    assert_non_null(strstr(svg, ">kept from &lt;v1&gt;</text>"));
    assert_non_null(strstr(svg, ">v2 today: 10,000</text>"));
    assert_non_null(strstr(svg, ">as of 2019-06-01</text>"));
    /* nice ticks: y 0 to 18,000 (labels with separators), x every 2,000 or 5,000 */
    assert_non_null(strstr(svg, ">0</text>"));
    assert_non_null(strstr(svg, ">10,000</text>"));
    assert_non_null(strstr(svg, ">20,000</text>"));
    assert_int_equal(count(svg, "<polyline"), 2);
    assert_null(strstr(svg, "\"nan"));
    assert_null(strstr(svg, ",nan"));
    assert_null(strstr(svg, "\"inf"));
    assert_null(strstr(svg, ",inf"));
    const char *why = well_formed(svg);
    if (why)
        fail_msg("not well-formed: %s\n%s", why, svg);
    assert_true(strcmp(svg + b.len - 7, "</svg>\n") == 0);
    pd_buf_free(&b);
}

static void test_line_chart_edges(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 1 << 20);
    pd_error err;
    /* one point, decimal x, series without a name */
    double x = 2.5, y = 3;
    pd_svg_series one = {NULL, &x, &y, 1};
    pd_svg_line_chart c = {.title = "t", .series = &one, .nseries = 1};
    assert_int_equal(pd_svg_line(&b, &c, &err), PD_OK);
    assert_null(well_formed(b.data));
    assert_int_equal(count(b.data, "<circle"), 1);

    /* no points at all still draws the axes */
    pd_buf_reset(&b);
    pd_svg_series none = {"empty", NULL, NULL, 0};
    c.series = &none;
    assert_int_equal(pd_svg_line(&b, &c, &err), PD_OK);
    assert_null(well_formed(b.data));

    /* many points: no circles, one polyline */
    pd_buf_reset(&b);
    enum { N = 10001 };
    double *xs = malloc(N * sizeof *xs), *ys = malloc(N * sizeof *ys);
    for (int i = 0; i < N; i++) {
        xs[i] = i / 100.0;
        ys[i] = 1e6 - i * 50.0;
    }
    pd_svg_series big = {"big", xs, ys, N};
    c.series = &big;
    assert_int_equal(pd_svg_line(&b, &c, &err), PD_OK);
    assert_null(well_formed(b.data));
    assert_int_equal(count(b.data, "<circle"), 0);
    assert_non_null(strstr(b.data, ">1,000,000</text>"));

    /* errors */
    pd_buf_reset(&b);
    ys[5] = NAN;
    assert_int_equal(pd_svg_line(&b, &c, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "not a finite number"));
    c.nseries = 0;
    assert_int_equal(pd_svg_line(&b, &c, &err), PD_EINPUT);
    c.nseries = 1;
    c.title = NULL;
    assert_int_equal(pd_svg_line(&b, &c, &err), PD_EINPUT);
    free(xs);
    free(ys);

    /* the buffer's ceiling */
    pd_buf small;
    pd_buf_init(&small, 100);
    c.title = "t";
    c.series = &one;
    assert_int_equal(pd_svg_line(&small, &c, &err), PD_ENOMEM);
    pd_buf_free(&small);
    pd_buf_free(&b);
}

static void test_bar_chart(void **state)
{
    (void)state;
    const char *groups[] = {"beauty", "food & drink", "<tech>", "caf\xc3\xa9"};
    const char *series[] = {"red-2019-v1", "red-2019-v2"};
    double values[] = {1700, 400, 2300, 650, 980, 120, 15, 0};
    pd_svg_bar_chart c = {.title = "Certified creators by category",
                          .x_title = "category",
                          .y_title = "certified creators",
                          .groups = groups,
                          .ngroups = 4,
                          .series = series,
                          .nseries = 2,
                          .values = values};
    pd_buf b;
    pd_buf_init(&b, 1 << 20);
    pd_error err;
    assert_int_equal(pd_svg_bars(&b, &c, &err), PD_OK);
    const char *svg = b.data;
    assert_true(strncmp(svg, "<svg", 4) == 0);
    const char *why = well_formed(svg);
    if (why)
        fail_msg("not well-formed: %s\n%s", why, svg);
    assert_non_null(strstr(svg, ">Certified creators by category</text>"));
    assert_non_null(strstr(svg, ">category</text>"));
    assert_non_null(strstr(svg, ">certified creators</text>"));
    assert_non_null(strstr(svg, ">food &amp; drink</text>"));
    assert_non_null(strstr(svg, ">&lt;tech&gt;</text>"));
    assert_non_null(strstr(svg, ">caf\xc3\xa9</text>"));
    assert_non_null(strstr(svg, ">red-2019-v1</text>"));
    assert_non_null(strstr(svg, ">red-2019-v2</text>"));
    assert_non_null(strstr(svg, ">2,000</text>")); /* a y tick */
    assert_non_null(strstr(svg, ">1,700</text>")); /* a value above its bar */
    /* 8 bars and 2 legend swatches, besides the background */
    assert_int_equal(count(svg, "<rect"), 1 + 8 + 2);
    pd_buf_free(&b);
}

static void test_bar_chart_edges(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 1 << 20);
    pd_error err;
    /* long labels are turned and cut; many groups */
    const char *groups[12];
    double values[12];
    for (int i = 0; i < 12; i++) {
        groups[i] = i % 2 ? "a very long category name that goes on & on and on" : "pets";
        values[i] = i * 1234.0;
    }
    const char *series[] = {"only"};
    pd_svg_bar_chart c = {.title = "t",
                          .groups = groups,
                          .ngroups = 12,
                          .series = series,
                          .nseries = 1,
                          .values = values};
    assert_int_equal(pd_svg_bars(&b, &c, &err), PD_OK);
    assert_null(well_formed(b.data));
    assert_non_null(strstr(b.data, "rotate(-40)"));
    assert_non_null(strstr(b.data, "\xE2\x80\xA6</text>")); /* the ellipsis */

    /* no groups: axes and "no data" */
    pd_buf_reset(&b);
    c.ngroups = 0;
    assert_int_equal(pd_svg_bars(&b, &c, &err), PD_OK);
    assert_null(well_formed(b.data));
    assert_non_null(strstr(b.data, ">no data</text>"));

    /* negative values are drawn below the zero line */
    pd_buf_reset(&b);
    double mixed[] = {5, -3};
    const char *two[] = {"up", "down"};
    c.groups = two;
    c.ngroups = 2;
    c.values = mixed;
    assert_int_equal(pd_svg_bars(&b, &c, &err), PD_OK);
    assert_null(well_formed(b.data));
    assert_non_null(strstr(b.data, ">-3</text>"));

    /* errors */
    mixed[1] = INFINITY;
    assert_int_equal(pd_svg_bars(&b, &c, &err), PD_EINPUT);
    c.nseries = PD_SVG_MAX_SERIES + 1;
    assert_int_equal(pd_svg_bars(&b, &c, &err), PD_EINPUT);
    pd_buf_free(&b);
}

static void test_checker_catches_errors(void **state)
{
    (void)state;
    /* the checker itself must fail bad documents */
    assert_non_null(well_formed("<svg><g></svg>"));
    assert_non_null(well_formed("<svg>a < b</svg>"));
    assert_non_null(well_formed("<svg>a & b</svg>"));
    assert_non_null(well_formed("<svg x=\"<\"/>"));
    assert_non_null(well_formed("<svg/><svg/>"));
    assert_null(well_formed("<svg a=\"1\"><g/><text>a &amp; b &#xFFFD;</text></svg>\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nice_ticks),       cmocka_unit_test(test_format_number),
        cmocka_unit_test(test_escape),           cmocka_unit_test(test_line_chart),
        cmocka_unit_test(test_line_chart_edges), cmocka_unit_test(test_bar_chart),
        cmocka_unit_test(test_bar_chart_edges),  cmocka_unit_test(test_checker_catches_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
