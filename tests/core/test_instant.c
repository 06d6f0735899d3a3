/* test_instant.c - ISO-8601 instants as certification.md reads them: every
 * accepted spelling, every refusal with its reason, the calendar arithmetic
 * against known values and against libc's timegm, and format/parse round
 * trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/instant.h"

/* 2019-05-14T08:30:00Z, computed independently (python calendar.timegm). */
#define T_2019_05_14_0830 1557822600LL
#define D_2019_05_14 18030LL /* days since the epoch */

/* Parses s (NUL-terminated) and asserts success; returns the instant. */
static pd_instant parse_ok(const char *s)
{
    pd_instant t = {-12345, -1};
    const char *why = NULL;
    int rc = pd_instant_parse(s, strlen(s), &t, &why);
    if (rc != 0)
        print_error("refused '%s': %s\n", s, why ? why : "(no reason)");
    assert_int_equal(rc, 0);
    return t;
}

static void assert_parses_to(const char *s, int64_t sec, int32_t nsec)
{
    pd_instant t = parse_ok(s);
    if (t.sec != sec || t.nsec != nsec)
        print_error("'%s'\n", s);
    assert_int_equal(t.sec, sec);
    assert_int_equal(t.nsec, nsec);
}

/* Asserts that s is refused and that the reason contains `reason`. */
static void assert_refused(const char *s, size_t len, const char *reason)
{
    pd_instant t = {777, 7};
    const char *why = NULL;
    int rc = pd_instant_parse(s, len, &t, &why);
    if (rc == 0)
        print_error("accepted '%.*s' as %lld.%09d\n", (int)len, s, (long long)t.sec, t.nsec);
    assert_int_equal(rc, -1);
    assert_non_null(why);
    if (!strstr(why, reason))
        print_error("'%.*s': reason '%s' lacks '%s'\n", (int)len, s, why, reason);
    assert_non_null(strstr(why, reason));
    /* a refused parse leaves the output alone */
    assert_int_equal(t.sec, 777);
    assert_int_equal(t.nsec, 7);
}

#define REFUSED(s, reason) assert_refused((s), strlen(s), (reason))

/* ---- accepted spellings ------------------------------------------------- */

static void test_utc_z(void **state)
{
    (void)state;
    assert_parses_to("2019-05-14T08:30:00Z", T_2019_05_14_0830, 0);
    assert_parses_to("1970-01-01T00:00:00Z", 0, 0);
    assert_parses_to("1969-12-31T23:59:59Z", -1, 0);
    assert_parses_to("2000-01-01T00:00:00Z", 946684800LL, 0);
    assert_parses_to("2038-01-19T03:14:08Z", 2147483648LL, 0); /* past 32 bits */
}

/* The contract's spellings and no others: each near miss is refused with
 * a reason (issue 12). */
static void test_only_the_contract_spellings(void **state)
{
    (void)state;
    REFUSED("2019-05-14t08:30:00Z", "expected 'T'");
    REFUSED("2019-05-14 08:30:00Z", "expected 'T'");
    REFUSED("2019-05-14 08:30:00z", "expected 'T'");
    REFUSED("2019-05-14T08:30:00z", "expected 'Z' or an offset");
    REFUSED("2019-05-14T08:30:00+0800", "expected an offset such as +08:00");
    REFUSED("2019-05-14T08:30:00+08", "expected an offset such as +08:00");
    REFUSED("2019-05-14T08:30:00-0530", "expected an offset such as +08:00");
    REFUSED("2019-05-14T08:30Z", "expected HH:MM:SS");
    REFUSED("2019-05-14T16:30+08:00", "expected HH:MM:SS");
    REFUSED("2016-12-31T23:59:60Z", "second out of range");
    REFUSED("2019-05-14T08:30:00,5Z", "expected 'Z' or an offset");
}

static void test_offsets(void **state)
{
    (void)state;
    /* 08:30 at +08:00 is 00:30Z */
    const int64_t at_0030z = D_2019_05_14 * 86400 + 30 * 60;
    assert_parses_to("2019-05-14T08:30:00+08:00", at_0030z, 0);
    assert_parses_to("2019-05-14T08:30:00+00:00", T_2019_05_14_0830, 0);
    assert_parses_to("2019-05-14T08:30:00-00:00", T_2019_05_14_0830, 0);
    /* 08:30 at -05:30 is 14:00Z */
    assert_parses_to("2019-05-14T08:30:00-05:30", D_2019_05_14 * 86400 + 14 * 3600, 0);
    /* an offset that moves the instant to the day before */
    assert_parses_to("2019-05-14T02:00:00+08:00", (D_2019_05_14 - 1) * 86400 + 18 * 3600, 0);
    /* ... and to the day after */
    assert_parses_to("2019-05-14T22:00:00-05:00", (D_2019_05_14 + 1) * 86400 + 3 * 3600, 0);
    /* the same instant, three spellings */
    pd_instant a = parse_ok("2019-05-14T08:30:00Z");
    pd_instant b = parse_ok("2019-05-14T16:30:00+08:00");
    pd_instant c = parse_ok("2019-05-14T03:00:00-05:30");
    assert_int_equal(pd_instant_cmp(a, b), 0);
    assert_int_equal(pd_instant_cmp(a, c), 0);
}

static void test_fraction(void **state)
{
    (void)state;
    const int64_t s = T_2019_05_14_0830;
    assert_parses_to("2019-05-14T08:30:00.5Z", s, 500000000);
    assert_parses_to("2019-05-14T08:30:00.12Z", s, 120000000);
    assert_parses_to("2019-05-14T08:30:00.123Z", s, 123000000);
    assert_parses_to("2019-05-14T08:30:00.1234Z", s, 123400000);
    assert_parses_to("2019-05-14T08:30:00.12345Z", s, 123450000);
    assert_parses_to("2019-05-14T08:30:00.123456Z", s, 123456000);
    assert_parses_to("2019-05-14T08:30:00.1234567Z", s, 123456700);
    assert_parses_to("2019-05-14T08:30:00.12345678Z", s, 123456780);
    assert_parses_to("2019-05-14T08:30:00.123456789Z", s, 123456789);
    assert_parses_to("2019-05-14T08:30:00.000000001Z", s, 1);
    assert_parses_to("2019-05-14T08:30:00.0Z", s, 0);
    /* more than nine digits: read and dropped (truncated, not rounded) */
    assert_parses_to("2019-05-14T08:30:00.1234567899Z", s, 123456789);
    assert_parses_to("2019-05-14T08:30:00.999999999999999Z", s, 999999999);
    /* a fraction with an offset */
    assert_parses_to("2019-05-14T16:30:00.25+08:00", s, 250000000);
    /* a fraction orders instants within one second */
    pd_instant a = parse_ok("2019-05-14T08:30:00.1Z");
    pd_instant b = parse_ok("2019-05-14T08:30:00.2Z");
    assert_int_equal(pd_instant_cmp(a, b), -1);
    assert_int_equal(pd_instant_cmp(b, a), 1);
}

static void test_date_only(void **state)
{
    (void)state;
    assert_parses_to("2019-05-14", D_2019_05_14 * 86400, 0);
    assert_parses_to("1970-01-01", 0, 0);
    pd_instant d = parse_ok("2019-06-01");
    pd_instant t = parse_ok("2019-06-01T00:00:00Z");
    assert_int_equal(pd_instant_cmp(d, t), 0);
}

static void test_leap_years(void **state)
{
    (void)state;
    assert_parses_to("2020-02-29", pd_days_from_civil(2020, 2, 29) * 86400, 0);
    assert_parses_to("2000-02-29T12:00:00Z", pd_days_from_civil(2000, 2, 29) * 86400 + 43200, 0);
    assert_parses_to("2019-02-28", pd_days_from_civil(2019, 2, 28) * 86400, 0);
    assert_int_equal(pd_days_from_civil(2020, 3, 1) - pd_days_from_civil(2020, 2, 28), 2);
    assert_int_equal(pd_days_from_civil(2019, 3, 1) - pd_days_from_civil(2019, 2, 28), 1);
    REFUSED("2019-02-29", "day out of range");
    REFUSED("1900-02-29", "day out of range");
    REFUSED("2100-02-29T00:00:00Z", "day out of range");
    REFUSED("2020-02-30", "day out of range");
    REFUSED("2019-04-31", "day out of range");
}

static void test_leap_second(void **state)
{
    (void)state;
    /* a POSIX instant has no leap second: :60 is refused like :61 */
    REFUSED("2016-12-31T23:59:60Z", "second out of range");
    REFUSED("2016-12-31T23:59:61Z", "second out of range");
    REFUSED("2016-12-31T23:60:00Z", "minute out of range");
}

/* ---- refusals ------------------------------------------------------------- */

static void test_refused_each_with_reason(void **state)
{
    (void)state;
    REFUSED("", "empty");
    assert_refused("2019-05-14", 0, "empty"); /* len counts, not the NUL */
    REFUSED("2019-13-01", "month out of range");
    REFUSED("2019-00-01", "month out of range");
    REFUSED("2019-01-32", "day out of range");
    REFUSED("2019-01-00", "day out of range");
    REFUSED("2019-05-14T24:00:00Z", "hour out of range");
    REFUSED("2019-05-14T23:60:00Z", "minute out of range");
    REFUSED("2019-05-14T08:30:00", "missing time zone");
    REFUSED("2019-05-14T08:30", "expected HH:MM:SS");
    REFUSED("2019-05-14 08:30:00", "expected 'T'");
    REFUSED("2019-05-14T08:30:00.5", "missing time zone");
    REFUSED("2019-05-14T08:30:00Zjunk", "unexpected characters");
    REFUSED("2019-05-14T08:30:00+08:00x", "unexpected characters");
    REFUSED("2019-05-14T08:30:00ZZ", "unexpected characters");
    REFUSED("2019-05-14T08:30:00+08:", "offset");
    REFUSED("2019-05-14T08:30:00+8", "offset");
    REFUSED("2019-05-14T08:30:00+08:0", "offset");
    REFUSED("2019-05-14T08:30:00+", "offset");
    REFUSED("2019-05-14T08:30:00+24:00", "offset out of range");
    REFUSED("2019-05-14T08:30:00+08:60", "offset out of range");
    REFUSED("2019-05-14T08:30:00X", "expected 'Z' or an offset");
    REFUSED("2019-05-14T08:30:00.Z", "digits after the decimal point");
    REFUSED("yesterday", "YYYY-MM-DD");
    REFUSED("2019-May-14", "YYYY-MM-DD");
    REFUSED("2019-05-1a", "YYYY-MM-DD");
    REFUSED("19-05-14", "YYYY-MM-DD");
    REFUSED("2019/05/14", "YYYY-MM-DD");
    REFUSED("2019-5-14", "YYYY-MM-DD");
    REFUSED("2019-05", "YYYY-MM-DD");
    REFUSED(" 2019-05-14", "YYYY-MM-DD");
    REFUSED("2019-05-14x", "expected 'T'");
    REFUSED("2019-05-14T", "HH:MM");
    REFUSED("2019-05-14T8:30:00Z", "HH:MM");
    REFUSED("2019-05-14Tab:cd:efZ", "HH:MM");
    REFUSED("2019-05-14T08:30:0Z", "HH:MM:SS");
}

/* The parser reads s[0..len) and never the byte after it. */
static void test_reads_only_len_bytes(void **state)
{
    (void)state;
    const char full[] = "2019-05-14T08:30:00Zjunk";
    pd_instant t;
    const char *why = NULL;
    assert_int_equal(pd_instant_parse(full, 20, &t, &why), 0);
    assert_int_equal(t.sec, T_2019_05_14_0830);
    assert_int_equal(pd_instant_parse(full, 10, &t, &why), 0);
    assert_int_equal(t.sec, D_2019_05_14 * 86400);
    /* an exact-size heap copy, so that ASan sees any read past the end */
    static const char *const inputs[] = {"2019-05-14T08:30:00Z",
                                         "2019-05-14T08:30:00+08",
                                         "2019-05-14T08:30:00+08:",
                                         "2019-05-14T08:30:00.5",
                                         "2019-05-14T08:30:00.",
                                         "2019-05-14T08",
                                         "2019-05-1"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        size_t n = strlen(inputs[i]);
        char *copy = malloc(n);
        assert_non_null(copy);
        memcpy(copy, inputs[i], n);
        (void)pd_instant_parse(copy, n, &t, &why);
        free(copy);
    }
    /* why may be NULL */
    assert_int_equal(pd_instant_parse("nope", 4, &t, NULL), -1);
}

/* ---- calendar arithmetic ---------------------------------------------------- */

static void test_days_known_values(void **state)
{
    (void)state;
    assert_int_equal(pd_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(pd_days_from_civil(1970, 1, 2), 1);
    assert_int_equal(pd_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(pd_days_from_civil(2019, 6, 1), 18048);
    assert_int_equal(pd_days_from_civil(2019, 5, 14), D_2019_05_14);
    assert_int_equal(pd_days_from_civil(2000, 1, 1), 10957);
    assert_int_equal(pd_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(pd_days_from_civil(1900, 1, 1), -25567);
    assert_int_equal(pd_days_from_civil(0, 3, 1), -719468);
    assert_int_equal(pd_days_from_civil(9999, 12, 31), 2932896);

    int64_t y;
    unsigned m, d;
    pd_civil_from_days(0, &y, &m, &d);
    assert_int_equal(y, 1970);
    assert_int_equal(m, 1);
    assert_int_equal(d, 1);
    pd_civil_from_days(18048, &y, &m, &d);
    assert_int_equal(y, 2019);
    assert_int_equal(m, 6);
    assert_int_equal(d, 1);
    pd_civil_from_days(-1, &y, &m, &d);
    assert_int_equal(y, 1969);
    assert_int_equal(m, 12);
    assert_int_equal(d, 31);
    pd_civil_from_days(11016, &y, &m, &d);
    assert_int_equal(y, 2000);
    assert_int_equal(m, 2);
    assert_int_equal(d, 29);
}

static unsigned month_len(int64_t y, unsigned m)
{
    static const unsigned len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : len[m - 1];
}

/* Walks every day from 1600-01-01 to 2400-12-31 with a naive calendar and
 * checks both directions, and checks 1902..2037 against libc's timegm. */
static void test_days_range(void **state)
{
    (void)state;
    int64_t y = 1600;
    unsigned m = 1, d = 1;
    int64_t days = pd_days_from_civil(1600, 1, 1);
    for (;;) {
        int64_t got = pd_days_from_civil(y, m, d);
        if (got != days)
            print_error("%lld-%02u-%02u\n", (long long)y, m, d);
        assert_int_equal(got, days);
        int64_t yy;
        unsigned mm, dd;
        pd_civil_from_days(days, &yy, &mm, &dd);
        if (yy != y || mm != m || dd != d)
            print_error("day %lld\n", (long long)days);
        assert_int_equal(yy, y);
        assert_int_equal(mm, m);
        assert_int_equal(dd, d);
        if (y >= 1902 && y <= 2037 && d == 1) {
            struct tm tm = {.tm_year = (int)(y - 1900), .tm_mon = (int)m - 1, .tm_mday = 1};
            assert_int_equal((int64_t)timegm(&tm), days * 86400);
        }
        if (y == 2400 && m == 12 && d == 31)
            break;
        days++;
        if (++d > month_len(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    /* 800 years hold 2 full 400-year cycles of 146097 days */
    assert_int_equal(pd_days_from_civil(2401, 1, 1) - pd_days_from_civil(1601, 1, 1), 2 * 146097);
}

/* ---- formatting ----------------------------------------------------------------- */

static void assert_formats_as(int64_t sec, int32_t nsec, const char *want)
{
    char buf[PD_INSTANT_FMT_MAX];
    memset(buf, 'x', sizeof buf);
    pd_instant t = {sec, nsec};
    size_t n = pd_instant_format(t, buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_format(void **state)
{
    (void)state;
    assert_formats_as(0, 0, "1970-01-01T00:00:00Z");
    assert_formats_as(-1, 0, "1969-12-31T23:59:59Z");
    assert_formats_as(-86400, 0, "1969-12-31T00:00:00Z");
    assert_formats_as(T_2019_05_14_0830, 0, "2019-05-14T08:30:00Z");
    assert_formats_as(T_2019_05_14_0830, 500000000, "2019-05-14T08:30:00.5Z");
    assert_formats_as(T_2019_05_14_0830, 120000000, "2019-05-14T08:30:00.12Z");
    assert_formats_as(T_2019_05_14_0830, 1, "2019-05-14T08:30:00.000000001Z");
    assert_formats_as(T_2019_05_14_0830, 123456789, "2019-05-14T08:30:00.123456789Z");
    assert_formats_as(pd_days_from_civil(2020, 2, 29) * 86400 + 86399, 999999999,
                      "2020-02-29T23:59:59.999999999Z");
    assert_formats_as(pd_days_from_civil(9999, 12, 31) * 86400 + 86399, 0, "9999-12-31T23:59:59Z");
    assert_formats_as(pd_days_from_civil(0, 1, 1) * 86400, 0, "0000-01-01T00:00:00Z");
}

static void assert_round_trip(const char *in, const char *canonical)
{
    pd_instant t = parse_ok(in);
    char buf[PD_INSTANT_FMT_MAX];
    size_t n = pd_instant_format(t, buf);
    assert_string_equal(buf, canonical);
    assert_int_equal(n, strlen(canonical));
    pd_instant back = parse_ok(buf);
    assert_int_equal(back.sec, t.sec);
    assert_int_equal(back.nsec, t.nsec);
}

static void test_round_trip(void **state)
{
    (void)state;
    assert_round_trip("2019-05-14T08:30:00Z", "2019-05-14T08:30:00Z");
    assert_round_trip("2019-05-14", "2019-05-14T00:00:00Z");
    assert_round_trip("2019-05-14T16:30:00+08:00", "2019-05-14T08:30:00Z");
    assert_round_trip("2019-05-14T03:00:00.250-05:30", "2019-05-14T08:30:00.25Z");
    assert_round_trip("2019-05-14T08:30:00.123456789Z", "2019-05-14T08:30:00.123456789Z");
    assert_round_trip("2019-05-14T08:30:00.1234567891Z", "2019-05-14T08:30:00.123456789Z");
    assert_round_trip("2000-02-29T23:59:59Z", "2000-02-29T23:59:59Z");
    assert_round_trip("1969-07-20T20:17:40Z", "1969-07-20T20:17:40Z");
    assert_round_trip("2000-01-01T00:30:00+01:00", "1999-12-31T23:30:00Z");

    /* every 7919th second over a few years, with a varying fraction */
    for (int64_t s = -100000000; s < 1700000000; s += 7919 * 1013) {
        pd_instant t = {s, (int32_t)((s & 0x3fffffff) % 1000000000)};
        if (t.nsec < 0)
            t.nsec = -t.nsec;
        char buf[PD_INSTANT_FMT_MAX];
        size_t n = pd_instant_format(t, buf);
        pd_instant back;
        const char *why = NULL;
        assert_int_equal(pd_instant_parse(buf, n, &back, &why), 0);
        assert_int_equal(back.sec, t.sec);
        assert_int_equal(back.nsec, t.nsec);
    }
}

static void test_cmp_and_add(void **state)
{
    (void)state;
    pd_instant a = {100, 0}, b = {100, 1}, c = {101, 0};
    assert_int_equal(pd_instant_cmp(a, a), 0);
    assert_int_equal(pd_instant_cmp(a, b), -1);
    assert_int_equal(pd_instant_cmp(b, c), -1);
    assert_int_equal(pd_instant_cmp(c, a), 1);
    pd_instant d = pd_instant_add(b, -30 * 86400);
    assert_int_equal(d.sec, 100 - 30 * 86400);
    assert_int_equal(d.nsec, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utc_z),
        cmocka_unit_test(test_only_the_contract_spellings),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_fraction),
        cmocka_unit_test(test_date_only),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_leap_second),
        cmocka_unit_test(test_refused_each_with_reason),
        cmocka_unit_test(test_reads_only_len_bytes),
        cmocka_unit_test(test_days_known_values),
        cmocka_unit_test(test_days_range),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_cmp_and_add),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
