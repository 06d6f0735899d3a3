/* test_num.c - strict number parsing (each refusal with its own reason), the
 * formatters, and the spec's average rounding rule:
 * (200 * total + posts) / (2 * posts) hundredths, half up, exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/num.h"

/* ---- pd_parse_uint ---------------------------------------------------------- */

static uint64_t uint_ok(const char *s, uint64_t max)
{
    uint64_t v = 0xdeadbeef;
    const char *why = NULL;
    int rc = pd_parse_uint(s, strlen(s), max, &v, &why);
    if (rc != 0)
        print_error("refused '%s': %s\n", s, why ? why : "(no reason)");
    assert_int_equal(rc, 0);
    return v;
}

static void uint_refused(const char *s, uint64_t max, const char *reason)
{
    uint64_t v = 0xdeadbeef;
    const char *why = NULL;
    int rc = pd_parse_uint(s, strlen(s), max, &v, &why);
    if (rc == 0)
        print_error("accepted '%s' as %llu\n", s, (unsigned long long)v);
    assert_int_equal(rc, -1);
    assert_non_null(why);
    assert_string_equal(why, reason);
    assert_int_equal(v, 0xdeadbeef); /* untouched */
}

static void test_uint_plain(void **state)
{
    (void)state;
    assert_int_equal(uint_ok("0", 10), 0);
    assert_int_equal(uint_ok("7", 10), 7);
    assert_int_equal(uint_ok("10", 10), 10);
    assert_int_equal(uint_ok("123456789", UINT64_MAX), 123456789);
    assert_int_equal(uint_ok("1000000000000000", PD_COUNT_MAX), PD_COUNT_MAX);
}

static void test_uint_leading_zeros(void **state)
{
    (void)state;
    assert_int_equal(uint_ok("007", 10), 7);
    assert_int_equal(uint_ok("0000", 10), 0);
    /* many leading zeros are not an overflow */
    assert_int_equal(uint_ok("000000000000000000000000000000042", 100), 42);
}

static void test_uint_refusals(void **state)
{
    (void)state;
    uint_refused("", 10, "empty");
    uint_refused("-3", 10, "negative");
    uint_refused("-0", 10, "negative");
    uint_refused("-", 10, "not a whole number");
    uint_refused("-a", 10, "not a whole number");
    uint_refused("12a", UINT64_MAX, "not a whole number");
    uint_refused("a12", UINT64_MAX, "not a whole number");
    uint_refused(" 7", UINT64_MAX, "not a whole number");
    uint_refused("7 ", UINT64_MAX, "not a whole number");
    uint_refused("+7", UINT64_MAX, "not a whole number");
    uint_refused("1e3", UINT64_MAX, "not a whole number");
    uint_refused("1.0", UINT64_MAX, "not a whole number");
    uint_refused("1,000", UINT64_MAX, "not a whole number");
    uint_refused("0x10", UINT64_MAX, "not a whole number");
    uint_refused("11", 10, "too large");
    uint_refused("1000000000000001", PD_COUNT_MAX, "too large");
}

static void test_uint_bounds(void **state)
{
    (void)state;
    /* the max itself is accepted, one more is not */
    assert_int_equal(uint_ok("18446744073709551615", UINT64_MAX), UINT64_MAX);
    uint_refused("18446744073709551616", UINT64_MAX, "too large");
    uint_refused("18446744073709551620", UINT64_MAX, "too large");
    uint_refused("99999999999999999999", UINT64_MAX, "too large");
    uint_refused("123456789012345678901234567890", UINT64_MAX, "too large");
    assert_int_equal(uint_ok("9223372036854775807", INT64_MAX), INT64_MAX);
    uint_refused("9223372036854775808", INT64_MAX, "too large");
    assert_int_equal(uint_ok("0", 0), 0);
    uint_refused("1", 0, "too large");
}

/* The parser reads s[0..len) only. */
static void test_uint_len(void **state)
{
    (void)state;
    uint64_t v = 0;
    const char *why = NULL;
    assert_int_equal(pd_parse_uint("12345", 3, 1000, &v, &why), 0);
    assert_int_equal(v, 123);
    assert_int_equal(pd_parse_uint("12a", 2, 1000, &v, &why), 0);
    assert_int_equal(v, 12);
}

/* ---- pd_parse_hundredths ------------------------------------------------------ */

static uint64_t hund_ok(const char *s, uint64_t max)
{
    uint64_t v = 0xdeadbeef;
    const char *why = NULL;
    int rc = pd_parse_hundredths(s, strlen(s), max, &v, &why);
    if (rc != 0)
        print_error("refused '%s': %s\n", s, why ? why : "(no reason)");
    assert_int_equal(rc, 0);
    return v;
}

static void hund_refused(const char *s, uint64_t max, const char *reason)
{
    uint64_t v = 0xdeadbeef;
    const char *why = NULL;
    int rc = pd_parse_hundredths(s, strlen(s), max, &v, &why);
    if (rc == 0)
        print_error("accepted '%s' as %llu hundredths\n", s, (unsigned long long)v);
    assert_int_equal(rc, -1);
    assert_non_null(why);
    assert_string_equal(why, reason);
}

static void test_hundredths(void **state)
{
    (void)state;
    const uint64_t big = PD_COUNT_MAX * 100;
    assert_int_equal(hund_ok("2.5", big), 250);
    assert_int_equal(hund_ok("0.25", big), 25);
    assert_int_equal(hund_ok("0.05", big), 5);
    assert_int_equal(hund_ok("10000", big), 1000000);
    assert_int_equal(hund_ok("10000.5", big), 1000050);
    assert_int_equal(hund_ok("10000.50", big), 1000050);
    assert_int_equal(hund_ok("4", big), 400);
    assert_int_equal(hund_ok("0", big), 0);
    assert_int_equal(hund_ok("0.0", big), 0);
    assert_int_equal(hund_ok("007.10", big), 710);
    /* the ceiling is in hundredths */
    assert_int_equal(hund_ok("1.23", 123), 123);
    hund_refused("1.24", 123, "too large");
    hund_refused("2", 123, "too large");
}

static void test_hundredths_refusals(void **state)
{
    (void)state;
    const uint64_t big = PD_COUNT_MAX * 100;
    hund_refused("1.234", big, "more than two decimals");
    hund_refused("0.001", big, "more than two decimals");
    hund_refused(".5", big, "not a number");
    hund_refused("5.", big, "not a number");
    hund_refused(".", big, "not a number");
    hund_refused("", big, "empty");
    hund_refused("-2.5", big, "negative");
    hund_refused("2.-5", big, "not a number");
    hund_refused("2.5a", big, "not a number");
    hund_refused("2,5", big, "not a whole number");
    hund_refused("1.2.3", big, "more than two decimals");
    hund_refused("1e3", big, "not a whole number");
    hund_refused("abc", big, "not a whole number");
}

/* The whole part is bounded by UINT64_MAX / 100 so that whole * 100 fits; the
 * fraction added after must not wrap around either. */
static void test_hundredths_no_wrap(void **state)
{
    (void)state;
    /* 184467440737095516.15 hundredths is UINT64_MAX exactly */
    assert_int_equal(hund_ok("184467440737095516.15", UINT64_MAX), UINT64_MAX);
    hund_refused("184467440737095517", UINT64_MAX, "too large");
    /* Regression: whole * 100 + frac used to wrap past UINT64_MAX for a
     * whole part of exactly UINT64_MAX / 100 and a fraction above .15. */
    hund_refused("184467440737095516.16", UINT64_MAX, "too large");
    hund_refused("184467440737095516.99", UINT64_MAX, "too large");
}

/* ---- formatting ----------------------------------------------------------------- */

static void assert_u64_fmt(uint64_t v, const char *want)
{
    char buf[32];
    memset(buf, 0, sizeof buf);
    size_t n = pd_fmt_u64(v, buf);
    assert_int_equal(n, strlen(want));
    assert_string_equal(buf, want);
}

static void assert_hund_fmt(uint64_t v, const char *want)
{
    char buf[32];
    memset(buf, 0, sizeof buf);
    size_t n = pd_fmt_hundredths(v, buf);
    assert_int_equal(n, strlen(want));
    assert_string_equal(buf, want);
}

static void assert_thousands_fmt(uint64_t v, const char *want)
{
    char buf[32];
    memset(buf, 'x', sizeof buf);
    size_t n = pd_fmt_thousands(v, buf);
    assert_int_equal(n, strlen(want));
    assert_string_equal(buf, want);
}

static void test_fmt_u64(void **state)
{
    (void)state;
    assert_u64_fmt(0, "0");
    assert_u64_fmt(7, "7");
    assert_u64_fmt(10, "10");
    assert_u64_fmt(17000, "17000");
    assert_u64_fmt(UINT64_MAX, "18446744073709551615");
    /* no NUL is written */
    char buf[8] = "#######";
    assert_int_equal(pd_fmt_u64(42, buf), 2);
    assert_memory_equal(buf, "42#####", 8);
}

static void test_fmt_hundredths(void **state)
{
    (void)state;
    assert_hund_fmt(0, "0.00");
    assert_hund_fmt(5, "0.05");
    assert_hund_fmt(50, "0.50");
    assert_hund_fmt(150, "1.50");
    assert_hund_fmt(732150, "7321.50");
    assert_hund_fmt(1000000, "10000.00");
    assert_hund_fmt(333367, "3333.67");
    assert_hund_fmt(UINT64_MAX, "184467440737095516.15");
}

static void test_fmt_thousands(void **state)
{
    (void)state;
    assert_thousands_fmt(0, "0");
    assert_thousands_fmt(999, "999");
    assert_thousands_fmt(1000, "1,000");
    assert_thousands_fmt(4000, "4,000");
    assert_thousands_fmt(17000, "17,000");
    assert_thousands_fmt(100000, "100,000");
    assert_thousands_fmt(1234567, "1,234,567");
    assert_thousands_fmt(UINT64_MAX, "18,446,744,073,709,551,615");
}

/* ---- pd_avg_hundredths --------------------------------------------------------------- */

static void assert_avg(uint64_t total, uint64_t n, uint64_t want, const char *want_text)
{
    uint64_t got = pd_avg_hundredths(total, n);
    if (got != want)
        print_error("avg of %llu over %llu\n", (unsigned long long)total, (unsigned long long)n);
    assert_int_equal(got, want);
    char buf[32];
    buf[pd_fmt_hundredths(got, buf)] = '\0';
    assert_string_equal(buf, want_text);
}

static void test_avg_spec_examples(void **state)
{
    (void)state;
    assert_avg(1 + 2, 2, 150, "1.50");       /* views 1 and 2 over 2 posts */
    assert_avg(10001, 3, 333367, "3333.67"); /* 3333.666... */
    assert_avg(5, 8, 63, "0.63");            /* 0.625: the half rounds up */
    assert_avg(1, 3, 33, "0.33");            /* 0.333... */
    assert_avg(2, 3, 67, "0.67");            /* 0.666... */
    assert_avg(0, 5, 0, "0.00");
    assert_avg(7, 1, 700, "7.00");
    assert_avg(1, 8, 13, "0.13");  /* 0.125 up */
    assert_avg(3, 8, 38, "0.38");  /* 0.375 up */
    assert_avg(1, 200, 1, "0.01"); /* 0.005 up */
    assert_avg(1, 201, 0, "0.00"); /* 0.004975 down */
    assert_avg(14643, 2, 732150, "7321.50");
}

static void test_avg_no_posts(void **state)
{
    (void)state;
    assert_avg(0, 0, 0, "0.00");
    assert_avg(12345, 0, 0, "0.00");
    assert_avg(UINT64_MAX, 0, 0, "0.00");
}

/* The exact rule, checked with a wide independent computation over a grid. */
static void test_avg_matches_rule(void **state)
{
    (void)state;
    for (uint64_t n = 1; n <= 64; n++) {
        for (uint64_t total = 0; total <= 5000; total += 7) {
            uint64_t want = (200 * total + n) / (2 * n);
            assert_int_equal(pd_avg_hundredths(total, n), want);
            /* half up: 100 * total / n rounded, decided by the remainder */
            uint64_t q = 100 * total / n, r = 100 * total % n;
            assert_int_equal(want, q + (2 * r >= n));
        }
    }
}

static void test_avg_huge(void **state)
{
    (void)state;
    /* 200 * total overflows 64 bits here; the result must not */
    assert_int_equal(pd_avg_hundredths(UINT64_MAX, 100), UINT64_MAX);
    assert_int_equal(pd_avg_hundredths(UINT64_MAX, UINT64_MAX), 100);
    assert_int_equal(pd_avg_hundredths(UINT64_MAX - 1, UINT64_MAX), 100);
    assert_int_equal(pd_avg_hundredths(UINT64_MAX / 2, UINT64_MAX), 50);
    assert_int_equal(pd_avg_hundredths(UINT64_MAX, 200), UINT64_MAX / 2 + 1);
    /* 30 posts of 10^15 views each (the largest count a file may hold) */
    assert_int_equal(pd_avg_hundredths(30 * PD_COUNT_MAX, 30), PD_COUNT_MAX * 100);
    /* 4e9 posts (the most a window counts) with 10^15 views in all */
    assert_int_equal(pd_avg_hundredths(PD_COUNT_MAX, 4000000000ULL), 25000000);
    /* 2^64 - 1 is a multiple of 3: over 300 posts the average is a third of
     * it in hundredths, with nothing to round */
    uint64_t t = UINT64_MAX / 3 * 3;
    assert_int_equal(t, UINT64_MAX);
    assert_int_equal(pd_avg_hundredths(t, 300), t / 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uint_plain),
        cmocka_unit_test(test_uint_leading_zeros),
        cmocka_unit_test(test_uint_refusals),
        cmocka_unit_test(test_uint_bounds),
        cmocka_unit_test(test_uint_len),
        cmocka_unit_test(test_hundredths),
        cmocka_unit_test(test_hundredths_refusals),
        cmocka_unit_test(test_hundredths_no_wrap),
        cmocka_unit_test(test_fmt_u64),
        cmocka_unit_test(test_fmt_hundredths),
        cmocka_unit_test(test_fmt_thousands),
        cmocka_unit_test(test_avg_spec_examples),
        cmocka_unit_test(test_avg_no_posts),
        cmocka_unit_test(test_avg_matches_rule),
        cmocka_unit_test(test_avg_huge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
